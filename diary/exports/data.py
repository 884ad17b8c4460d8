"""Everything a doctor export shows, gathered once: :func:`report_data`.

The PDF, the CSV files, the FHIR bundle and the doctor's share-link page are all
built from one :class:`ReportData`, so they agree to the digit. Gathering it costs
a fixed number of queries whatever the length of the range: the entries, the
scores, the symptoms, the courses, the dose history, the missed doses, the side
effects and the crashes take one query each, and :func:`diary.trends.trends_payload`
and :func:`diary.before_after.before_after_report` (when the analysis is chosen)
add their own fixed number.

Scope: the report holds only what lies inside the chosen range and sections.
Scores, entries, side effects and missed doses come from the range only; crashes
and dose periods are those that overlap it. The charts' 7-day rolling mean is
computed from the days in the range only (the trends page also looks at the six
days before), and the analysis takes its baseline from the weeks of the range
before the LDN start, so nothing from outside the range reaches a doctor through
an average. Free-text notes (of entries, crashes, dose changes, missed doses, side
effects and courses) are private: they are loaded only when the "notes" section is
chosen, and are ``None`` otherwise.

Honest data: a day that was not logged has no :class:`DayRow` at all, and a
symptom not scored on a logged day is absent from that day's ``scores``; nothing is
ever filled in with zeros.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from diary import analysis
from diary.before_after import (
    BASELINE_WEEKS_DEFAULT,
    BASELINE_WEEKS_MIN,
    CUSTOM,
    before_after_report,
)
from diary.doses import PAUSE, STOP, CurrentDose, DoseStep, current_dose
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    MissedDose,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from diary.trends import (
    RESOLUTION_DAY,
    ROLLING_MIN_DAYS,
    ROLLING_WINDOW,
    SHOWN_PLACES,
    trends_payload,
    weekly_buckets,
)

from .models import ExportSection

__all__ = [
    "SUMMARY_WINDOW_DAYS",
    "CourseInfo",
    "CrashRow",
    "DayRow",
    "DoseChangeRow",
    "DosePeriod",
    "MissedDoseRow",
    "ReportData",
    "SideEffectCount",
    "SideEffectRow",
    "SymptomInfo",
    "SymptomSummary",
    "WeekRow",
    "WindowMean",
    "disclaimer",
    "dose_text",
    "format_mg",
    "report_data",
]

ONE_DAY = datetime.timedelta(days=1)
# Page 1 compares the first 4 weeks of the range with the last 4 weeks.
SUMMARY_WINDOW_DAYS = 28
TOP_SIDE_EFFECTS = 3

ENTRY_FIELDS = (
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
)


# --- The pieces ---------------------------------------------------------------------


@dataclass(frozen=True)
class SymptomInfo:
    """A symptom in the report. ``uuid`` is the symptom's UUID as a string (the key
    of :attr:`DayRow.scores`); ``slug`` is set for built-in symptoms, else None.
    ``tracked`` is false for a symptom no longer on the check-in that still has
    scores in the range; ``archived`` for one archived from the check-in."""

    uuid: str
    name: str
    slug: str | None
    builtin: bool
    tracked: bool
    archived: bool


@dataclass(frozen=True)
class DayRow:
    """One logged day. Every field may be None (not answered); ``scores`` maps a
    symptom UUID (string) to its 0-10 score and holds only the symptoms scored
    that day. ``notes`` is None unless the notes section was chosen.

    Derived, for convenience: ``ldn_dose_mg`` is the dose in force that day from the
    dose history (None before any dose, during a pause or after a stop);
    ``in_crash`` whether the day lies in a crash episode (an ongoing one runs to
    today); ``side_effects`` the labels of that day's side effects."""

    date: datetime.date
    function_score: int | None
    hours_upright: Decimal | None
    sleep_hours: Decimal | None
    sleep_quality: int | None
    physical_exertion: int | None
    cognitive_exertion: int | None
    notes: str | None
    scores: dict[str, int]
    ldn_dose_mg: Decimal | None
    in_crash: bool
    side_effects: tuple[str, ...]


@dataclass(frozen=True)
class DoseChangeRow:
    """A step of the dose history (``dose_mg`` None for a pause or a stop)."""

    uuid: str
    date: datetime.date
    dose_mg: Decimal | None
    time_of_day: str
    time_of_day_label: str
    reason: str
    reason_label: str
    note: str | None


@dataclass(frozen=True)
class DosePeriod:
    """A run of days on one dose, or a pause, derived from the dose history.

    ``end`` is the last day of the period (the day before the next change), None
    while it runs on (up to the end of the range: changes after the range are not
    read). ``status`` is ``"taking"`` or ``"paused"``; a stop ends a period and
    starts none. ``dose_text`` reads like "1.5 mg at bedtime"."""

    course_uuid: str
    start: datetime.date
    end: datetime.date | None
    status: str
    dose_mg: Decimal | None
    time_of_day: str
    time_of_day_label: str
    reason: str
    reason_label: str
    dose_text: str

    @property
    def ongoing(self) -> bool:
        return self.end is None


@dataclass(frozen=True)
class CourseInfo:
    """An LDN course that overlaps the range. ``dose_changes`` is its whole dose
    history up to the end of the range (the step in force on the first day may be
    older); ``periods`` the dose periods that overlap the range, in date order;
    ``stopped_on`` the date of a final stop, if any. ``notes`` is None unless the
    notes section was chosen."""

    uuid: str
    medication: str
    start_date: datetime.date
    formulation: str
    formulation_label: str
    strength: str
    pharmacy: str
    notes: str | None
    dose_changes: tuple[DoseChangeRow, ...]
    periods: tuple[DosePeriod, ...]
    stopped_on: datetime.date | None


@dataclass(frozen=True)
class SideEffectRow:
    date: datetime.date
    kind: str
    label: str
    severity: int
    severity_label: str
    note: str | None


@dataclass(frozen=True)
class MissedDoseRow:
    date: datetime.date
    note: str | None


@dataclass(frozen=True)
class CrashRow:
    """A crash that overlaps the range, with its own dates (which may lie outside
    it). ``days_in_range`` counts its days inside the range (an ongoing crash runs
    to today)."""

    uuid: str
    start_date: datetime.date
    end_date: datetime.date | None
    ongoing: bool
    severity: int
    severity_label: str
    trigger: str
    trigger_label: str
    days_in_range: int
    notes: str | None


@dataclass(frozen=True)
class WindowMean:
    """The mean score over ``[start, end]`` and how many days it rests on. ``mean``
    is None when no day in the window was logged (never 0)."""

    start: datetime.date
    end: datetime.date
    days: int
    days_logged: int
    mean: float | None


@dataclass(frozen=True)
class SymptomSummary:
    """Page 1: a symptom's average over the first and the last 4 weeks of the
    range. ``change`` is last minus first (None unless both have a mean);
    ``days_logged`` counts the days of the whole range with a score."""

    symptom: SymptomInfo
    first: WindowMean
    last: WindowMean
    change: float | None
    days_logged: int


@dataclass(frozen=True)
class SideEffectCount:
    label: str
    count: int
    max_severity: int
    max_severity_label: str


@dataclass(frozen=True)
class WeekRow:
    """One ISO week of the weekly table, clipped to the range. ``means`` maps a
    symptom UUID to ``(mean or None, days logged)``; ``days_logged`` counts the
    week's days with an entry."""

    start: datetime.date
    end: datetime.date
    days_in_range: int
    days_logged: int
    means: dict[str, tuple[float | None, int]]


@dataclass(frozen=True)
class ReportData:
    """Everything any export format needs, for one patient, range and sections.

    Patient and range:
        ``display_name`` the name the patient chose for the report ("" for none;
        never the e-mail address); ``start`` and ``end`` the range (inclusive);
        ``sections`` the chosen section codes (:class:`ExportSection` values, in
        the order of that list); ``include_notes`` whether "notes" is one of them;
        ``generated_at`` an aware datetime; ``today`` the patient's local date;
        ``days_in_range``; ``days_logged`` (days with an entry).

    The diary:
        ``symptoms`` in check-in order (active tracked, then archived with scores
        in the range, then untracked ones with scores in the range, by name);
        ``days`` maps each logged date (ascending) to its :class:`DayRow`; a day
        not logged is absent, never zero; ``scores_count`` (property) counts the
        scores in the range.

    LDN:
        ``courses`` (:class:`CourseInfo`) that overlap the range; ``ldn_start`` the
        start date of the latest of them (None without a course); ``dose_as_of``
        (the end of the range, or today if the range runs into the future) and
        ``current_dose`` the :class:`diary.doses.CurrentDose` in force that day;
        ``missed_doses`` and ``side_effects`` in the range, by date.

    Crashes:
        ``crashes`` (:class:`CrashRow`) overlapping the range, by start date;
        ``crash_count`` how many; ``crash_days`` the days of the range in a crash.

    Page 1:
        ``first_window`` and ``last_window`` the (start, end) of the first and the
        last 4 weeks of the range (the same days when the range is 4 weeks or
        shorter; overlapping when it is shorter than 8); ``symptom_summaries``
        one :class:`SymptomSummary` per symptom; ``top_side_effects`` the three
        most frequent side effects (days with it, ties by label).

    Charts and tables:
        ``trends`` the :func:`diary.trends.trends_payload` of the range, scoped to
        it (the daily rolling mean uses days in the range only, and the per-series
        ``summary``, which looks five weeks back, is removed: use
        ``symptom_summaries``); ``weeks`` the weekly table (:class:`WeekRow`), means
        unrounded: format them with one decimal.

    Analysis:
        ``analysis`` the :func:`diary.before_after.before_after_report` dict when
        the "analysis" section is chosen and the range allows it (comparison: the
        days of the range on LDN; baseline: up to 8 whole weeks of the range before
        the LDN start, at least 2), else None; ``analysis_unavailable`` then says
        why in a sentence ("" when the section was not chosen).

    ``disclaimer``: patient-reported data, not medical advice, missing days are
    gaps, a change cannot show its cause.
    """

    display_name: str
    start: datetime.date
    end: datetime.date
    sections: tuple[str, ...]
    include_notes: bool
    generated_at: datetime.datetime
    today: datetime.date
    days_in_range: int
    days_logged: int
    symptoms: tuple[SymptomInfo, ...]
    days: dict[datetime.date, DayRow]
    courses: tuple[CourseInfo, ...]
    ldn_start: datetime.date | None
    dose_as_of: datetime.date
    current_dose: CurrentDose
    missed_doses: tuple[MissedDoseRow, ...]
    side_effects: tuple[SideEffectRow, ...]
    crashes: tuple[CrashRow, ...]
    crash_count: int
    crash_days: int
    first_window: tuple[datetime.date, datetime.date]
    last_window: tuple[datetime.date, datetime.date]
    symptom_summaries: tuple[SymptomSummary, ...]
    top_side_effects: tuple[SideEffectCount, ...]
    trends: dict[str, Any]
    weeks: tuple[WeekRow, ...]
    analysis: dict[str, Any] | None
    analysis_unavailable: str
    disclaimer: str = field(default="")

    def has(self, section: str) -> bool:
        """Whether ``section`` (an :class:`ExportSection` value) was chosen."""
        return section in self.sections

    @property
    def scores_count(self) -> int:
        return sum(len(day.scores) for day in self.days.values())

    def symptom_by_uuid(self, symptom_uuid: str) -> SymptomInfo | None:
        for symptom in self.symptoms:
            if symptom.uuid == symptom_uuid:
                return symptom
        return None


def disclaimer() -> str:
    return _(
        "Patient-reported data. Not medical advice. This report shows only what the "
        "patient logged: days not logged are gaps, not zeros. A change over time "
        "cannot show what caused it. Decisions about low-dose naltrexone and other "
        "treatments are for the patient and their prescriber."
    )


# --- Gathering ----------------------------------------------------------------------


def report_data(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    sections: Iterable[str],
    display_name: str = "",
) -> ReportData:
    """Gather the report for ``user`` from ``start`` to ``end`` (inclusive).

    ``sections`` are :class:`ExportSection` values; an unknown one raises
    ``ValueError``, as does a range that ends before it starts (forms check both
    first, with messages for the patient). A fixed number of queries, whatever
    the range: see the module docstring.
    """
    if end < start:
        raise ValueError("The range ends before it starts.")
    chosen = set(sections)
    unknown = chosen - set(ExportSection.values)
    if unknown:
        raise ValueError(f"Unknown report sections: {sorted(unknown)}")
    ordered_sections = tuple(s for s in ExportSection.values if s in chosen)
    include_notes = ExportSection.NOTES in chosen
    today = user.local_today()

    symptoms, scores = _symptoms_and_scores(user, start, end)
    entries = _entries(user, start, end, include_notes=include_notes)
    courses, all_changes, latest_started = _courses(
        user, start, end, today=today, include_notes=include_notes
    )
    crashes = _crashes(user, start, end, today=today, include_notes=include_notes)
    side_effects = _side_effects(user, start, end, include_notes=include_notes)
    missed = _missed_doses(user, start, end, include_notes=include_notes)

    crash_day_set = _crash_days(crashes, start, end, today)
    effects_by_day: dict[datetime.date, list[str]] = defaultdict(list)
    for effect in side_effects:
        if effect.label not in effects_by_day[effect.date]:
            effects_by_day[effect.date].append(effect.label)
    doses = _dose_by_day(all_changes, [row["date"] for row in entries])

    scores_by_day: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for symptom_uuid, values in scores.items():
        for day, score in values.items():
            scores_by_day[day][symptom_uuid] = score
    days = {
        row["date"]: DayRow(
            date=row["date"],
            **{name: row[name] for name in ENTRY_FIELDS},
            notes=row["notes"] if include_notes else None,
            scores={
                s.uuid: scores_by_day[row["date"]][s.uuid]
                for s in symptoms
                if s.uuid in scores_by_day.get(row["date"], {})
            },
            ldn_dose_mg=doses[row["date"]],
            in_crash=row["date"] in crash_day_set,
            side_effects=tuple(effects_by_day.get(row["date"], ())),
        )
        for row in entries
    }

    first_window = (start, min(start + (SUMMARY_WINDOW_DAYS - 1) * ONE_DAY, end))
    last_window = (max(end - (SUMMARY_WINDOW_DAYS - 1) * ONE_DAY, start), end)
    summaries = tuple(
        _symptom_summary(
            symptom, scores.get(symptom.uuid, {}), first_window, last_window
        )
        for symptom in symptoms
    )

    dose_as_of = min(end, today)
    trends = _scoped_trends(
        trends_payload(user=user, start=start, end=end), scores, start, end
    )

    analysis_report: dict[str, Any] | None = None
    analysis_unavailable = ""
    if ExportSection.ANALYSIS in chosen:
        analysis_report, analysis_unavailable = _analysis(
            user, start=start, end=end, today=today, ldn_start=latest_started
        )

    return ReportData(
        display_name=display_name,
        start=start,
        end=end,
        sections=ordered_sections,
        include_notes=include_notes,
        generated_at=timezone.now(),
        today=today,
        days_in_range=(end - start).days + 1,
        days_logged=len(days),
        symptoms=symptoms,
        days=days,
        courses=tuple(courses),
        ldn_start=courses[-1].start_date if courses else None,
        dose_as_of=dose_as_of,
        # DoseChangeRow has the attributes of a DoseStep, read-only.
        current_dose=current_dose(cast("list[DoseStep]", all_changes), dose_as_of),
        missed_doses=tuple(missed),
        side_effects=tuple(side_effects),
        crashes=tuple(crashes),
        crash_count=len(crashes),
        crash_days=len(crash_day_set),
        first_window=first_window,
        last_window=last_window,
        symptom_summaries=summaries,
        top_side_effects=_top_side_effects(side_effects),
        trends=trends,
        weeks=_weeks(symptoms, scores, days, start, end),
        analysis=analysis_report,
        analysis_unavailable=analysis_unavailable,
        disclaimer=disclaimer(),
    )


def _symptoms_and_scores(
    user: User, start: datetime.date, end: datetime.date
) -> tuple[tuple[SymptomInfo, ...], dict[str, dict[datetime.date, int]]]:
    """The report's symptoms in order, and their scores in the range by symptom
    UUID and date. Two queries."""
    tracked = list(TrackedSymptom.objects.for_user(user).in_order())
    rows = SymptomScore.objects.filter(
        entry__user=user, entry__date__gte=start, entry__date__lte=end
    ).values_list(
        "entry__date",
        "score",
        "symptom__uuid",
        "symptom__name",
        "symptom__slug",
        "symptom__owner_id",
    )
    scores: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    untracked: dict[str, SymptomInfo] = {}
    tracked_uuids = {str(t.symptom.uuid) for t in tracked}
    for day, score, symptom_uuid, name, slug, owner_id in rows:
        key = str(symptom_uuid)
        scores[key][day] = score
        if key not in tracked_uuids and key not in untracked:
            untracked[key] = SymptomInfo(
                uuid=key,
                name=name,
                slug=slug or None,
                builtin=owner_id is None,
                tracked=False,
                archived=False,
            )

    active = [t for t in tracked if t.archived_at is None]
    archived = [
        t
        for t in tracked
        if t.archived_at is not None and str(t.symptom.uuid) in scores
    ]
    symptoms = [
        SymptomInfo(
            uuid=str(t.symptom.uuid),
            name=t.symptom.name,
            slug=t.symptom.slug or None,
            builtin=t.symptom.owner_id is None,
            tracked=True,
            archived=t.archived_at is not None,
        )
        for t in active + archived
    ]
    symptoms += sorted(untracked.values(), key=lambda s: s.name.casefold())
    return tuple(symptoms), dict(scores)


def _entries(
    user: User, start: datetime.date, end: datetime.date, *, include_notes: bool
) -> list[dict[str, Any]]:
    fields = ["date", *ENTRY_FIELDS] + (["notes"] if include_notes else [])
    return list(
        Entry.objects.for_user(user)
        .between(start, end)
        .order_by("date")
        .values(*fields)
    )


def _courses(
    user: User,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    include_notes: bool,
) -> tuple[list[CourseInfo], list[DoseChangeRow], datetime.date | None]:
    """The courses that overlap the range (by start date), every dose change of
    the patient up to the end of the range, and the start date of the latest
    course that has started by today (the one the before/after analysis uses,
    which may lie after the range). Two queries."""
    course_fields = [
        "id",
        "uuid",
        "medication",
        "start_date",
        "formulation",
        "strength",
        "pharmacy",
    ] + (["notes"] if include_notes else [])
    course_rows = list(
        TreatmentCourse.objects.for_user(user)
        .order_by("start_date", "id")
        .values(*course_fields)
    )
    started = [row["start_date"] for row in course_rows if row["start_date"] <= today]
    latest_started = started[-1] if started else None
    change_fields = [
        "course_id",
        "uuid",
        "date",
        "dose_mg",
        "time_of_day",
        "reason",
    ] + (["note"] if include_notes else [])
    changes_by_course: dict[int, list[DoseChangeRow]] = defaultdict(list)
    all_changes: list[DoseChangeRow] = []
    for row in (
        DoseChange.objects.for_user(user)
        .filter(date__lte=end)
        .order_by("date", "id")
        .values(*change_fields)
    ):
        change = DoseChangeRow(
            uuid=str(row["uuid"]),
            date=row["date"],
            dose_mg=row["dose_mg"],
            time_of_day=row["time_of_day"],
            time_of_day_label=_label(DoseChange.TimeOfDay, row["time_of_day"]),
            reason=row["reason"],
            reason_label=_label(DoseChange.Reason, row["reason"]),
            note=row["note"] if include_notes else None,
        )
        changes_by_course[row["course_id"]].append(change)
        all_changes.append(change)

    courses = []
    for row in course_rows:
        if row["start_date"] > end:
            continue  # starts after the range
        changes = changes_by_course.get(row["id"], [])
        stopped_on = (
            changes[-1].date if changes and changes[-1].reason == STOP else None
        )
        if stopped_on is not None and stopped_on <= start:
            continue  # the course ended before the range
        periods = [
            period
            for period in _periods(str(row["uuid"]), changes)
            if period.start <= end and (period.end is None or period.end >= start)
        ]
        courses.append(
            CourseInfo(
                uuid=str(row["uuid"]),
                medication=row["medication"],
                start_date=row["start_date"],
                formulation=row["formulation"],
                formulation_label=_label(
                    TreatmentCourse.Formulation, row["formulation"]
                ),
                strength=row["strength"],
                pharmacy=row["pharmacy"],
                notes=row["notes"] if include_notes else None,
                dose_changes=tuple(changes),
                periods=tuple(periods),
                stopped_on=stopped_on,
            )
        )
    return courses, all_changes, latest_started


def _periods(course_uuid: str, changes: Sequence[DoseChangeRow]) -> list[DosePeriod]:
    periods = []
    for index, change in enumerate(changes):
        if change.reason == STOP:
            continue
        following = changes[index + 1] if index + 1 < len(changes) else None
        paused = change.reason == PAUSE
        periods.append(
            DosePeriod(
                course_uuid=course_uuid,
                start=change.date,
                end=following.date - ONE_DAY if following else None,
                status="paused" if paused else "taking",
                dose_mg=None if paused else change.dose_mg,
                time_of_day="" if paused else change.time_of_day,
                time_of_day_label="" if paused else change.time_of_day_label,
                reason=change.reason,
                reason_label=change.reason_label,
                dose_text=_("Paused") if paused else dose_text(change),
            )
        )
    return periods


def dose_text(change: DoseChangeRow) -> str:
    """ "1.5 mg at bedtime", or "1.5 mg" when no time of day was given."""
    amount = _("%(dose)s mg") % {"dose": format_mg(change.dose_mg)}
    when: str | None = {
        DoseChange.TimeOfDay.MORNING.value: _("in the morning"),
        DoseChange.TimeOfDay.MIDDAY.value: _("at midday"),
        DoseChange.TimeOfDay.EVENING.value: _("in the evening"),
        DoseChange.TimeOfDay.BEDTIME.value: _("at bedtime"),
    }.get(change.time_of_day)
    return f"{amount} {when}" if when else amount


def format_mg(dose: Decimal | None) -> str:
    """A dose as written on a label: "1.5", "4.5", "3" (not "3.0")."""
    if dose is None:
        return ""
    text = f"{dose:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _dose_by_day(
    changes: Sequence[DoseChangeRow], days: Sequence[datetime.date]
) -> dict[datetime.date, Decimal | None]:
    """The dose in force on each of ``days`` (ascending), in one pass."""
    result: dict[datetime.date, Decimal | None] = {}
    ordered = sorted(changes, key=lambda c: c.date)
    index = 0
    latest: DoseChangeRow | None = None
    for day in days:
        while index < len(ordered) and ordered[index].date <= day:
            latest = ordered[index]
            index += 1
        taking = latest is not None and latest.reason not in (PAUSE, STOP)
        result[day] = latest.dose_mg if taking and latest is not None else None
    return result


def _crashes(
    user: User,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    include_notes: bool,
) -> list[CrashRow]:
    fields = ["uuid", "start_date", "end_date", "severity", "trigger"] + (
        ["notes"] if include_notes else []
    )
    rows = []
    for row in (
        Crash.objects.for_user(user)
        .overlapping(start, end)
        .order_by("start_date", "id")
        .values(*fields)
    ):
        last = min(row["end_date"] or max(today, row["start_date"]), end)
        first = max(row["start_date"], start)
        rows.append(
            CrashRow(
                uuid=str(row["uuid"]),
                start_date=row["start_date"],
                end_date=row["end_date"],
                ongoing=row["end_date"] is None,
                severity=row["severity"],
                severity_label=_label(Crash.Severity, row["severity"]),
                trigger=row["trigger"],
                trigger_label=_label(Crash.Trigger, row["trigger"]),
                days_in_range=max((last - first).days + 1, 0),
                notes=row["notes"] if include_notes else None,
            )
        )
    return rows


def _crash_days(
    crashes: Iterable[CrashRow],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> set[datetime.date]:
    days: set[datetime.date] = set()
    for crash in crashes:
        first = max(crash.start_date, start)
        last = min(crash.end_date or max(today, crash.start_date), end)
        days.update(
            first + offset * ONE_DAY for offset in range((last - first).days + 1)
        )
    return days


def _side_effects(
    user: User, start: datetime.date, end: datetime.date, *, include_notes: bool
) -> list[SideEffectRow]:
    fields = ["date", "kind", "other_description", "severity"] + (
        ["note"] if include_notes else []
    )
    rows = []
    for row in (
        SideEffect.objects.for_user(user)
        .filter(date__gte=start, date__lte=end)
        .order_by("date", "kind", "other_description", "id")
        .values(*fields)
    ):
        if row["kind"] == SideEffect.Kind.OTHER and row["other_description"]:
            label = row["other_description"]
        else:
            label = _label(SideEffect.Kind, row["kind"])
        rows.append(
            SideEffectRow(
                date=row["date"],
                kind=row["kind"],
                label=label,
                severity=row["severity"],
                severity_label=_label(SideEffect.Severity, row["severity"]),
                note=row["note"] if include_notes else None,
            )
        )
    return rows


def _missed_doses(
    user: User, start: datetime.date, end: datetime.date, *, include_notes: bool
) -> list[MissedDoseRow]:
    fields = ["date"] + (["note"] if include_notes else [])
    return [
        MissedDoseRow(date=row["date"], note=row["note"] if include_notes else None)
        for row in MissedDose.objects.for_user(user)
        .filter(date__gte=start, date__lte=end)
        .order_by("date", "id")
        .values(*fields)
    ]


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# --- Figures ------------------------------------------------------------------------


def _window_mean(
    values: dict[datetime.date, int], window: tuple[datetime.date, datetime.date]
) -> WindowMean:
    logged = [score for day, score in values.items() if window[0] <= day <= window[1]]
    return WindowMean(
        start=window[0],
        end=window[1],
        days=(window[1] - window[0]).days + 1,
        days_logged=len(logged),
        mean=sum(logged) / len(logged) if logged else None,
    )


def _symptom_summary(
    symptom: SymptomInfo,
    values: dict[datetime.date, int],
    first_window: tuple[datetime.date, datetime.date],
    last_window: tuple[datetime.date, datetime.date],
) -> SymptomSummary:
    first = _window_mean(values, first_window)
    last = _window_mean(values, last_window)
    change = (
        last.mean - first.mean
        if first.mean is not None and last.mean is not None
        else None
    )
    return SymptomSummary(
        symptom=symptom,
        first=first,
        last=last,
        change=change,
        days_logged=len(values),
    )


def _top_side_effects(effects: Sequence[SideEffectRow]) -> tuple[SideEffectCount, ...]:
    days: dict[str, set[datetime.date]] = defaultdict(set)
    worst: Counter[str] = Counter()
    for effect in effects:
        days[effect.label].add(effect.date)
        worst[effect.label] = max(worst[effect.label], effect.severity)
    ranked = sorted(days, key=lambda label: (-len(days[label]), label.casefold()))
    return tuple(
        SideEffectCount(
            label=label,
            count=len(days[label]),
            max_severity=worst[label],
            max_severity_label=_label(SideEffect.Severity, worst[label]),
        )
        for label in ranked[:TOP_SIDE_EFFECTS]
    )


def _weeks(
    symptoms: Sequence[SymptomInfo],
    scores: dict[str, dict[datetime.date, int]],
    days: dict[datetime.date, DayRow],
    start: datetime.date,
    end: datetime.date,
) -> tuple[WeekRow, ...]:
    logged = dict.fromkeys(days, 1.0)
    frame = weekly_buckets(logged, start, end)
    per_symptom = {
        s.uuid: weekly_buckets(
            {day: float(v) for day, v in scores.get(s.uuid, {}).items()}, start, end
        )
        for s in symptoms
    }
    return tuple(
        WeekRow(
            start=week.start,
            end=week.end,
            days_in_range=week.days_in_range,
            days_logged=week.days_logged,
            means={
                uuid: (buckets[index].mean, buckets[index].days_logged)
                for uuid, buckets in per_symptom.items()
            },
        )
        for index, week in enumerate(frame)
    )


def _scoped_trends(
    payload: dict[str, Any],
    scores: dict[str, dict[datetime.date, int]],
    start: datetime.date,
    end: datetime.date,
) -> dict[str, Any]:
    """The trends payload with nothing from outside the range: the daily rolling
    mean recomputed from the days in the range, and the five-week ``summary`` of
    each series dropped."""
    days = [start + offset * ONE_DAY for offset in range((end - start).days + 1)]
    for series in payload["series"]:
        series.pop("summary", None)
        if payload["resolution"] != RESOLUTION_DAY:
            continue
        values = {day: float(v) for day, v in scores.get(series["uuid"], {}).items()}
        rolling = analysis.rolling_mean(
            days, values, window=ROLLING_WINDOW, min_days=ROLLING_MIN_DAYS
        )
        series["rolling_mean"] = [
            {"x": day.isoformat(), "y": None if m is None else round(m, SHOWN_PLACES)}
            for day, m in zip(days, rolling, strict=True)
        ]
    return payload


def _analysis(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    ldn_start: datetime.date | None,
) -> tuple[dict[str, Any] | None, str]:
    """The before/after report within the range, or None and the reason.

    :func:`before_after_report` compares with the latest course that has started
    (``ldn_start``); here the comparison is the days of the range from its start,
    and the baseline the whole weeks of the range before it (up to 8)."""
    if ldn_start is None:
        return None, _(
            "No LDN course has started, so there is nothing to compare before and "
            "after."
        )
    comparison = (max(start, ldn_start), min(end, today))
    if comparison[0] > comparison[1]:
        return None, _(
            "The range ends before the LDN start (%(date)s), so it has no days on "
            "LDN to compare."
        ) % {"date": ldn_start.isoformat()}
    weeks = min(BASELINE_WEEKS_DEFAULT, (ldn_start - start).days // 7)
    if weeks < BASELINE_WEEKS_MIN:
        return None, _(
            "The range starts less than %(min)d weeks before the LDN start "
            "(%(date)s), so it holds too few days before LDN to compare with. A "
            "range that starts 8 weeks or more before the LDN start includes the "
            "comparison."
        ) % {"min": BASELINE_WEEKS_MIN, "date": ldn_start.isoformat()}
    try:
        report = before_after_report(
            user=user,
            comparison=CUSTOM,
            start=comparison[0],
            end=comparison[1],
            baseline_weeks=weeks,
        )
    except ValidationError as error:
        return None, " ".join(error.messages)
    return report, ""
