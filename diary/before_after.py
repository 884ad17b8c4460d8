"""The before/after (n-of-1) report: one read service shared by the analysis page
and, later, the API (``/api/v1/analysis/`` returns exactly this dict).

The baseline is the logged days in the weeks before the LDN course started; the
comparison period is chosen by the user. The statistics come from the pure
functions in :mod:`diary.analysis`; this module only loads the data and picks the
windows.

Five queries whatever the amount of history or the number of symptoms: the
courses (with their dose history through one prefetch), the tracked symptoms, the
dates of the diary entries in the two windows, the scores in the two windows (one
``values_list`` query) and the crashes that touch them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from diary.analysis import CAUSATION_CAVEAT, compare_before_after, mean_by_dose_step
from diary.doses import PAUSE, STOP
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)

ONE_DAY = datetime.timedelta(days=1)

LAST_8_WEEKS = "last8w"
CURRENT_DOSE = "current_dose"
CUSTOM = "custom"
COMPARISON_CHOICES = [
    (LAST_8_WEEKS, _("The last 8 weeks")),
    (CURRENT_DOSE, _("Since reaching my current dose")),
    (CUSTOM, _("Dates I choose")),
]
COMPARISON_WEEKS = 8
BASELINE_WEEKS_DEFAULT = 8
BASELINE_WEEKS_MIN = 2
BASELINE_WEEKS_MAX = 52

MIN_DAYS = 14
BLOCK_LENGTH = 7
N_BOOT = 2000
SEED = 20240607
CONFIDENCE = 0.95

NOT_MEDICAL_ADVICE = _(
    "Not medical advice. This app records what you tell it. It does not advise on "
    "doses, starting, changing or stopping any medicine. Decisions about low-dose "
    "naltrexone and other treatments are for you and your prescriber."
)
METHOD = _(
    "Method: difference of the mean scores (comparison period minus the weeks "
    "before LDN), with a 95%% interval from a block bootstrap (%(block)d-day blocks, "
    "%(n_boot)d resamples, fixed seed, so the same data always gives the same "
    "interval), which allows for good and bad days coming in runs. Days you did not "
    "log are left out, never counted as zero or filled in. At least %(min_days)d "
    "logged days are needed on each side."
)
HOW_TO_READ = [
    _(
        "Scores go from 0 (none) to 10 (worst imaginable), so lower means milder. "
        "The difference is the comparison period's average minus the average before "
        "LDN."
    ),
    _(
        "A negative difference means lower scores, that is milder symptoms, in the "
        "comparison period; a positive difference means higher scores, that is "
        "worse symptoms."
    ),
    _(
        "The 95% interval is the range of differences that fit your data, given how "
        "much your scores go up and down from day to day. If the interval includes "
        "0, the data cannot tell a change from ordinary ups and downs."
    ),
    _(
        "Even an interval that does not include 0 only describes your diary: it "
        "does not show what caused the change."
    ),
]


def disclaimer() -> str:
    """The not-medical-advice notice and the causation caveat, in the active
    language, as one plain string."""
    return f"{NOT_MEDICAL_ADVICE} {gettext(CAUSATION_CAVEAT)}"


def before_after_report(
    *,
    user: User,
    comparison: str = LAST_8_WEEKS,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    baseline_weeks: int = BASELINE_WEEKS_DEFAULT,
) -> dict[str, Any]:
    """Compare each active tracked symptom before LDN with a comparison period.

    ``comparison`` is ``"last8w"`` (the last 8 weeks, starting no earlier than the
    LDN start), ``"current_dose"`` (from the latest dose step with a real dose,
    up to today or to the day before a later pause or stop) or ``"custom"``
    (``start`` to ``end`` inclusive). The baseline is the ``baseline_weeks`` weeks
    before the LDN start.

    Returns plain JSON-safe data. ``status`` is ``"ok"``, ``"no_course"`` (no LDN
    course recorded) or ``"not_started"`` (the course starts after today in the
    user's time zone). Raises ``ValidationError`` with a dict keyed by parameter
    name (``comparison``, ``start``, ``end``, ``baseline_weeks``) for values that
    cannot be used.
    """
    today = user.local_today()
    _validate_parameters(
        comparison=comparison,
        start=start,
        end=end,
        baseline_weeks=baseline_weeks,
        today=today,
    )
    report: dict[str, Any] = {
        "status": "ok",
        "disclaimer": disclaimer(),
        "today": today.isoformat(),
        "parameters": {
            "comparison": comparison,
            "start": start.isoformat() if comparison == CUSTOM and start else None,
            "end": end.isoformat() if comparison == CUSTOM and end else None,
            "baseline_weeks": baseline_weeks,
        },
        "course": None,
        "baseline": None,
        "comparison": None,
        "notes": [],
        "min_days": MIN_DAYS,
        "method": str(METHOD)
        % {"block": BLOCK_LENGTH, "n_boot": N_BOOT, "min_days": MIN_DAYS},
        "how_to_read": [str(text) for text in HOW_TO_READ],
        "dose_steps": [],
        "counts": None,
        "symptoms": [],
    }

    courses = list(
        TreatmentCourse.objects.for_user(user)
        .order_by("-start_date", "-id")
        .prefetch_related(
            Prefetch("dose_changes", queryset=DoseChange.objects.order_by("date", "id"))
        )
    )
    if not courses:
        report["status"] = "no_course"
        return report
    started = [course for course in courses if course.start_date <= today]
    if not started:
        report["status"] = "not_started"
        report["course"] = _course_dict(courses[0])
        return report
    course = started[0]
    ldn_start = course.start_date
    changes = [change for change in course.dose_changes.all() if change.date <= today]

    if ldn_start == datetime.date.min:
        raise ValidationError(
            gettext(
                "Your LDN start date (%(date)s) leaves no days before it to compare "
                "with. Please correct the start date of your LDN course."
            )
            % {"date": ldn_start.isoformat()}
        )
    baseline = (_days_before(ldn_start, 7 * baseline_weeks), ldn_start - ONE_DAY)
    comp_window, comp_info, notes = _comparison_window(
        comparison=comparison,
        start=start,
        end=end,
        today=today,
        ldn_start=ldn_start,
        changes=changes,
    )
    overlapping = [c for c in started[1:] if _may_overlap(c, baseline, today)]
    if overlapping:
        notes.append(
            gettext(
                "You also recorded an earlier LDN course (from %(date)s). The weeks "
                "before this course may include days on LDN, which would blur the "
                "comparison."
            )
            % {"date": overlapping[0].start_date.isoformat()}
        )

    report["course"] = _course_dict(course)
    report["baseline"] = {
        "start": baseline[0].isoformat(),
        "end": baseline[1].isoformat(),
        "days": _span(baseline),
        "weeks": baseline_weeks,
    }
    report["comparison"] = {
        "kind": comparison,
        "start": comp_window[0].isoformat(),
        "end": comp_window[1].isoformat(),
        "days": _span(comp_window),
        **comp_info,
    }
    report["notes"] = notes

    tracked = list(TrackedSymptom.objects.for_user(user).active().in_order())
    symptom_ids = [t.symptom_id for t in tracked]
    logged_days = set(
        Entry.objects.for_user(user)
        .filter(_in_windows("date", baseline, comp_window))
        .values_list("date", flat=True)
    )
    scores: dict[int, dict[datetime.date, float]] = {sid: {} for sid in symptom_ids}
    for day, symptom_id, score in (
        SymptomScore.objects.filter(entry__user=user, symptom_id__in=symptom_ids)
        .filter(_in_windows("entry__date", baseline, comp_window))
        .values_list("entry__date", "symptom_id", "score")
    ):
        scores[symptom_id][day] = float(score)
    crash_days = _crash_days(
        Crash.objects.for_user(user)
        .overlapping(baseline[0], comp_window[1])
        .values_list("start_date", "end_date"),
        windows=(baseline, comp_window),
        today=today,
    )

    steps = _steps_in(changes, comp_window)
    report["dose_steps"] = [
        {
            "start": step_start.isoformat(),
            "end": step_end.isoformat(),
            "dose_mg": dose,
            "reason": reason,
        }
        for (step_start, dose, reason), step_end in zip(
            steps, _step_ends(steps, comp_window[1]), strict=True
        )
    ]
    report["counts"] = {
        "symptoms": len(tracked),
        "baseline_days": _span(baseline),
        "comparison_days": _span(comp_window),
        "baseline_days_with_entry": _count_in(logged_days, baseline),
        "comparison_days_with_entry": _count_in(logged_days, comp_window),
        "baseline_crash_days": _count_in(crash_days, baseline),
        "comparison_crash_days": _count_in(crash_days, comp_window),
    }
    report["symptoms"] = [
        _symptom_result(
            tracked=item,
            scores=scores[item.symptom_id],
            baseline=baseline,
            comparison=comp_window,
            crash_days=crash_days,
            logged_days=logged_days,
            steps=steps,
        )
        for item in tracked
    ]
    return report


# --- Parameters and windows ---------------------------------------------------------


def _validate_parameters(
    *,
    comparison: str,
    start: datetime.date | None,
    end: datetime.date | None,
    baseline_weeks: int,
    today: datetime.date,
) -> None:
    errors: dict[str, str] = {}
    if comparison not in {value for value, _label in COMPARISON_CHOICES}:
        errors["comparison"] = gettext(
            "Comparison period: choose the last 8 weeks, since reaching your current "
            "dose, or dates you choose."
        )
    if (
        isinstance(baseline_weeks, bool)
        or not isinstance(baseline_weeks, int)
        or not BASELINE_WEEKS_MIN <= baseline_weeks <= BASELINE_WEEKS_MAX
    ):
        errors["baseline_weeks"] = gettext(
            "Weeks before LDN: enter a whole number from %(min)d to %(max)d."
        ) % {"min": BASELINE_WEEKS_MIN, "max": BASELINE_WEEKS_MAX}
    if comparison == CUSTOM:
        if start is None:
            errors["start"] = gettext(
                "Comparison start: enter the first day of the comparison period."
            )
        elif start > today:
            errors["start"] = gettext(
                "Comparison start: this date is in the future. Choose today or an "
                "earlier day."
            )
        if end is None:
            errors["end"] = gettext(
                "Comparison end: enter the last day of the comparison period."
            )
        elif end > today:
            errors["end"] = gettext(
                "Comparison end: this date is in the future. Choose today or an "
                "earlier day."
            )
        elif start is not None and end < start:
            errors["end"] = gettext(
                "Comparison end: the end date cannot be before the start date."
            )
    if errors:
        raise ValidationError(errors)


def _comparison_window(
    *,
    comparison: str,
    start: datetime.date | None,
    end: datetime.date | None,
    today: datetime.date,
    ldn_start: datetime.date,
    changes: Sequence[DoseChange],
) -> tuple[tuple[datetime.date, datetime.date], dict[str, Any], list[str]]:
    """The comparison window, extra facts about it for the report, and notes."""
    notes: list[str] = []
    info: dict[str, Any] = {
        "clipped_to_ldn_start": False,
        "dose_mg": None,
        "ended_by": None,
    }
    if comparison == LAST_8_WEEKS:
        first = _days_before(today, 7 * COMPARISON_WEEKS - 1)
        if first < ldn_start:
            first = ldn_start
            info["clipped_to_ldn_start"] = True
            notes.append(
                gettext(
                    "LDN started less than 8 weeks ago, so the comparison period "
                    "runs from the LDN start date to today."
                )
            )
        return (first, today), info, notes

    if comparison == CURRENT_DOSE:
        dosed = [index for index, c in enumerate(changes) if c.dose_mg is not None]
        if not dosed:
            raise ValidationError(
                {
                    "comparison": gettext(
                        "Comparison period: no dose has been recorded for your LDN "
                        "course yet, so there is no current dose to start from. Add "
                        "the dose history on the treatments page, or choose another "
                        "period."
                    )
                }
            )
        step = changes[dosed[-1]]
        if step.date < ldn_start:
            raise ValidationError(
                {
                    "comparison": gettext(
                        "Comparison period: your current dose is dated before the "
                        "LDN start date (%(date)s); correct the dose history first."
                    )
                    % {"date": ldn_start.isoformat()}
                }
            )
        assert step.dose_mg is not None
        last = today
        info["dose_mg"] = float(step.dose_mg)
        if dosed[-1] + 1 < len(changes):
            # Only a pause or a stop can follow the latest step with a dose.
            following = changes[dosed[-1] + 1]
            last = following.date - ONE_DAY
            info["ended_by"] = {
                "date": following.date.isoformat(),
                "reason": following.reason,
            }
            notes.append(
                gettext(
                    "Your latest dose was followed by a pause or stop on %(date)s, "
                    "so the comparison period ends the day before it."
                )
                % {"date": following.date.isoformat()}
            )
        return (step.date, last), info, notes

    assert start is not None and end is not None  # checked by _validate_parameters
    if start < ldn_start:
        raise ValidationError(
            {
                "start": gettext(
                    "Comparison start: the comparison period must start on or after "
                    "your LDN start date (%(date)s). The days before it are the "
                    "baseline."
                )
                % {"date": ldn_start.isoformat()}
            }
        )
    return (start, end), info, notes


def _days_before(day: datetime.date, days: int) -> datetime.date:
    try:
        return day - datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.min


def _in_windows(field: str, *windows: tuple[datetime.date, datetime.date]) -> Q:
    query = Q()
    for window in windows:
        query |= Q(**{f"{field}__range": window})
    return query


def _span(window: tuple[datetime.date, datetime.date]) -> int:
    return (window[1] - window[0]).days + 1


def _count_in(
    days: Iterable[datetime.date], window: tuple[datetime.date, datetime.date]
) -> int:
    return sum(1 for day in days if window[0] <= day <= window[1])


def _crash_days(
    rows: Iterable[tuple[datetime.date, datetime.date | None]],
    *,
    windows: Sequence[tuple[datetime.date, datetime.date]],
    today: datetime.date,
) -> set[datetime.date]:
    """Days inside the windows covered by a crash; an ongoing crash runs to today."""
    days: set[datetime.date] = set()
    for crash_start, crash_end in rows:
        last_of_crash = crash_end or today
        for window_start, window_end in windows:
            first = max(crash_start, window_start)
            last = min(last_of_crash, window_end)
            days.update(
                first + datetime.timedelta(days=offset)
                for offset in range((last - first).days + 1)
            )
    return days


def _may_overlap(
    course: TreatmentCourse,
    window: tuple[datetime.date, datetime.date],
    today: datetime.date,
) -> bool:
    """Whether an (earlier) course may have been taken during ``window``: it
    started by the window's end and had not ended (a pause or stop as its latest
    step) before the window's start."""
    if course.start_date > window[1]:
        return False
    changes = [c for c in course.dose_changes.all() if c.date <= today]
    if changes and changes[-1].reason in (PAUSE, STOP):
        return changes[-1].date > window[0]
    return True


def _course_dict(course: TreatmentCourse) -> dict[str, Any]:
    return {
        "uuid": str(course.uuid),
        "medication": course.medication,
        "start_date": course.start_date.isoformat(),
    }


# --- Dose steps ---------------------------------------------------------------------

Step = tuple[datetime.date, float | None, str]


def _steps_in(
    changes: Sequence[DoseChange], window: tuple[datetime.date, datetime.date]
) -> list[Step]:
    """Dose steps within ``window``: the step in effect on its first day (moved to
    that day) and every later step up to its last day. Days before the first
    recorded step have no dose and are left out."""
    first, last = window
    steps: list[Step] = []
    for change in changes:
        if change.date > last:
            break
        step: Step = (
            max(change.date, first),
            float(change.dose_mg) if change.dose_mg is not None else None,
            change.reason,
        )
        if steps and steps[-1][0] == step[0]:
            steps[-1] = step  # an earlier step replaced on or before the first day
        else:
            steps.append(step)
    return steps


def _step_ends(steps: Sequence[Step], end: datetime.date) -> list[datetime.date]:
    return [
        steps[index + 1][0] - ONE_DAY if index + 1 < len(steps) else end
        for index in range(len(steps))
    ]


# --- One symptom --------------------------------------------------------------------


def _symptom_result(
    *,
    tracked: TrackedSymptom,
    scores: dict[datetime.date, float],
    baseline: tuple[datetime.date, datetime.date],
    comparison: tuple[datetime.date, datetime.date],
    crash_days: set[datetime.date],
    logged_days: set[datetime.date],
    steps: Sequence[Step],
) -> dict[str, Any]:
    result = compare_before_after(
        scores,
        baseline=baseline,
        comparison=comparison,
        crash_days=crash_days,
        logged_days=logged_days,
        min_days=MIN_DAYS,
        block_length=BLOCK_LENGTH,
        n_boot=N_BOOT,
        seed=SEED,
        confidence=CONFIDENCE,
    )
    enough = result.enough_data
    includes_zero = direction = None
    if enough:
        assert result.difference is not None
        assert result.ci_low is not None and result.ci_high is not None
        includes_zero = result.ci_low <= 0 <= result.ci_high
        shown = round(result.difference, 1)
        direction = "lower" if shown < 0 else "higher" if shown > 0 else "same"
    dose_means = mean_by_dose_step(
        scores, [(start, dose) for start, dose, _reason in steps], comparison[1]
    )
    symptom = tracked.symptom
    return {
        "symptom": {
            "uuid": str(symptom.uuid),
            "name": symptom.name,
            "builtin": symptom.is_builtin,
        },
        "result": result.to_dict(),
        "interval_includes_zero": includes_zero,
        "direction": direction,
        "dose_steps": [
            {
                "start": summary.start.isoformat(),
                "end": summary.end.isoformat(),
                "dose_mg": summary.dose_mg,
                "reason": reason,
                "days_logged": summary.days_logged,
                "mean": (
                    round(summary.mean, 2)
                    if enough and summary.mean is not None
                    else None
                ),
            }
            for summary, (_start, _dose, reason) in zip(dose_means, steps, strict=True)
        ],
    }
