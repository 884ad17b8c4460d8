"""What the report reads from the diary, as plain rows: one query per kind.

Every query is scoped to its owner through the models' ``for_user`` managers and
to the report's range (crashes and dose periods: those that overlap it; the dose
history: everything up to its end, since the step in force on the first day may
be older; other medicines: those in force at some point from ``since``, which
reaches back to the comparison's baseline). Free-text notes are read only when
the patient chose the "notes" section, and are ``None`` otherwise.

Honest data: a day that was not logged has no :class:`DayRow` at all, and a
symptom not scored on a logged day is absent from that day's ``scores``; nothing
is ever filled in with zeros.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from diary.doses import PAUSE, STOP
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)

ONE_DAY = datetime.timedelta(days=1)

ENTRY_FIELDS = (
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
)


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
class MedicationRow:
    """Another medicine or supplement in force at some point of the report's
    reach (``None`` dates: not given)."""

    name: str
    kind_label: str
    dose: str
    start_date: datetime.date | None
    stop_date: datetime.date | None


def symptoms_and_scores(
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


def entries(
    user: User, start: datetime.date, end: datetime.date, *, include_notes: bool
) -> list[dict[str, Any]]:
    fields = ["date", *ENTRY_FIELDS] + (["notes"] if include_notes else [])
    return list(
        Entry.objects.for_user(user)
        .between(start, end)
        .order_by("date")
        .values(*fields)
    )


def courses(
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
            time_of_day_label=choice_label(DoseChange.TimeOfDay, row["time_of_day"]),
            reason=row["reason"],
            reason_label=choice_label(DoseChange.Reason, row["reason"]),
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
                formulation_label=choice_label(
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


def dose_by_day(
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


def crashes(
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
                severity_label=choice_label(Crash.Severity, row["severity"]),
                trigger=row["trigger"],
                trigger_label=choice_label(Crash.Trigger, row["trigger"]),
                days_in_range=max((last - first).days + 1, 0),
                notes=row["notes"] if include_notes else None,
            )
        )
    return rows


def crash_days(
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


def side_effects(
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
            label = choice_label(SideEffect.Kind, row["kind"])
        rows.append(
            SideEffectRow(
                date=row["date"],
                kind=row["kind"],
                label=label,
                severity=row["severity"],
                severity_label=choice_label(SideEffect.Severity, row["severity"]),
                note=row["note"] if include_notes else None,
            )
        )
    return rows


def missed_doses(
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


def choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def medications(
    user: User, since: datetime.date, end: datetime.date
) -> list[MedicationRow]:
    """Other medicines in force at some point from ``since`` to ``end`` (a missing
    start date counts as "long before", a missing stop date as "still taking"),
    by start date. One query."""
    rows = (
        Medication.objects.for_user(user)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=end))
        .filter(Q(stop_date__isnull=True) | Q(stop_date__gte=since))
        .values("name", "kind", "dose", "start_date", "stop_date")
    )
    result = [
        MedicationRow(
            name=row["name"],
            kind_label=choice_label(Medication.Kind, row["kind"]),
            dose=row["dose"],
            start_date=row["start_date"],
            stop_date=row["stop_date"],
        )
        for row in rows
    ]
    return sorted(
        result,
        key=lambda m: (m.start_date or datetime.date.min, m.name.casefold()),
    )
