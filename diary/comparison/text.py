"""The words that go with the comparison, marked for translation, in one place so
the page, the PDF, the share page and the API say the same thing."""

from django.utils.translation import gettext_lazy as _

CAUSATION_CAVEAT = _(
    "A change in one person's diary before and after starting LDN cannot show that "
    "LDN caused it. Symptoms of ME/CFS go up and down on their own from week to week. "
    "People often start a new treatment when they are at their worst, and a bad spell "
    "tends to be followed by a better one whatever is done (regression to the mean). "
    "Expecting to feel better can change how symptoms feel and are scored (the "
    "placebo effect), and other things that changed at the same time, such as "
    "pacing, other medicines, sleep, infections, seasons or life events, can all "
    "produce the same pattern. Use these numbers as a starting point for a "
    "conversation with your doctor."
)
NOT_MEDICAL_ADVICE = _(
    "Not medical advice. This app records what you tell it. It does not advise on "
    "doses, starting, changing or stopping any medicine. Decisions about low-dose "
    "naltrexone and other treatments are for you and your prescriber."
)
MULTIPLICITY = _(
    "Exploratory: when many symptoms are compared, one or two often look changed by "
    "chance alone, so treat these as questions to watch, not findings."
)
NO_PRIMARY = _(
    "No primary outcome chosen yet. Choosing one outcome in advance, before looking "
    "at the numbers, makes the comparison fairer."
)
METHOD = _(
    "Method: a regression over every logged day that allows for good and bad days "
    "coming in runs (errors that follow yesterday's, AR(1), fitted by exact "
    "likelihood). Days you did not log are left out, never counted as zero or "
    "filled in. When the baseline has at least 28 logged days, the change is the "
    "step in level at the LDN start allowing for a steady trend through the whole "
    "period (so natural recovery is not credited to LDN), and a second model shows "
    "the baseline's own trend. The interval is approximate: beside it is how often "
    "such an interval contained the true change in simulated diaries."
)

WARNINGS = {
    "baseline_trending": _(
        "Your scores were already changing before LDN (%(per_week)s points a week). "
        "The change shown allows for a steady trend, but a trend that speeds up or "
        "slows down at the same time as LDN cannot be told apart from LDN."
    ),
    "baseline_ends_in_crash": _(
        "The baseline ends in a crash (%(date)s). Starting at a low point makes any "
        "later period look better (regression to the mean)."
    ),
    "baseline_ends_worst": _(
        "The baseline ends in its worst fortnight. Starting at a low point makes any "
        "later period look better (regression to the mean): in simulated diaries "
        "that started LDN right after their worst fortnight, with no real change, "
        "%(percent)d%% showed an interval that excluded 0."
    ),
    "fewer_days_logged_after": _(
        "Far fewer days were logged on LDN (%(on)d of %(on_days)d) than before "
        "(%(base)d of %(base_days)d). If bad days were skipped, the on-LDN figures "
        "look better than they were."
    ),
    "other_medicines": _(
        "Other medicines started or stopped during these windows: %(list)s. Their "
        "effects cannot be told apart from LDN's."
    ),
    "titration_days": _(
        "%(days)d of the on-LDN days were titration days, before the current dose "
        "was reached."
    ),
    "earlier_course": _(
        "An earlier LDN course overlaps the weeks before this one; its days were left "
        "out of the baseline."
    ),
}

SHORT_BASELINE = _(
    "The baseline is too short to allow for a trend that began before LDN: when "
    "scores were already improving, such an interval wrongly showed a change in "
    "%(percent)d%% of simulated diaries."
)
DECLINED_FIT = _(
    "No interval: the scores hardly vary, so no model of their day-to-day "
    "ups and downs could be fitted."
)
NOT_ENOUGH = _(
    "Not enough data %(window)s: %(logged)d of %(days)d days logged (at least 70%% "
    "are needed)."
)
NOT_ENOUGH_EMPTY = _("Not enough data %(window)s: the window has no days yet.")
IN_BASELINE = _("before LDN")
IN_ON_LDN = _("on LDN")
COVERAGE = _(
    "Approximate interval: in %(runs)d simulated diaries with day-to-day correlation "
    "like yours (%(lag)s), it contained the true change %(percent)d%% of the time."
)
