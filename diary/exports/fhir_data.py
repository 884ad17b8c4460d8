"""What the FHIR bundle needs, loaded once: :func:`fhir_source`.

The FHIR export reads the diary itself rather than the PDF report's data, so it
depends only on the models and their owner-scoped managers: every query starts
from ``X.objects.for_user(user)``, and no other patient's row can reach a
bundle. It costs a fixed number of queries whatever the length of the range: the
entries, the scores, the LDN courses, their dose history and the other
medications always (five), and the missed doses, the side effects and the
crashes (one each) when their section is chosen.

Scope: entries, scores, missed doses and side effects dated inside the range;
crashes, dose periods and other medications that overlap it. Free-text notes
are never loaded: a bundle goes into someone else's record system, so nothing
the patient wrote as a private note goes with it.

Plain data only (dataclasses, dates, Decimals): :mod:`diary.exports.fhir` turns
it into resources.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

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
    TreatmentCourse,
)

from .models import ExportSection

__all__ = [
    "CourseRow",
    "CrashRow",
    "DayValues",
    "DosePeriod",
    "FhirSource",
    "MedicationRow",
    "MissedDoseRow",
    "ScoreRow",
    "SideEffectRow",
    "dose_periods",
    "fhir_source",
]

ONE_DAY = datetime.timedelta(days=1)
# The daily check-in's answers other than symptom scores, in check-in order.
DAY_FIELDS = (
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
)


@dataclass(frozen=True)
class DayValues:
    """One logged day's answers; an unanswered one is None, never zero."""

    date: datetime.date
    function_score: int | None
    hours_upright: Decimal | None
    sleep_hours: Decimal | None
    sleep_quality: int | None
    physical_exertion: int | None
    cognitive_exertion: int | None


@dataclass(frozen=True)
class ScoreRow:
    date: datetime.date
    symptom: str
    score: int


@dataclass(frozen=True)
class DosePeriod:
    """A stretch of a course at one dose (or paused), from one dose change to the
    day before the next. ``end`` is None while it runs on. ``ended_by_stop`` when
    the change that ended it was a stop: the course was stopped."""

    start: datetime.date
    end: datetime.date | None
    paused: bool
    dose_mg: Decimal | None
    time_of_day: str
    ended_by_stop: bool


@dataclass(frozen=True)
class CourseRow:
    id: int
    medication: str
    start_date: datetime.date
    formulation_label: str
    strength: str
    periods: tuple[DosePeriod, ...]
    stopped_on: datetime.date | None


@dataclass(frozen=True)
class MissedDoseRow:
    course_id: int
    date: datetime.date


@dataclass(frozen=True)
class SideEffectRow:
    course_id: int
    date: datetime.date
    label: str
    severity: int
    severity_label: str


@dataclass(frozen=True)
class CrashRow:
    start_date: datetime.date
    end_date: datetime.date | None
    severity_label: str
    trigger_label: str


@dataclass(frozen=True)
class MedicationRow:
    name: str
    kind: str
    kind_label: str
    dose: str
    start_date: datetime.date | None
    stop_date: datetime.date | None


@dataclass(frozen=True)
class FhirSource:
    """One patient's diary for one range, as the bundle needs it.

    ``courses`` are the LDN courses that overlap the range, with only the dose
    periods that overlap it (an empty ``periods`` means no dose history in it);
    ``missed_doses``, ``side_effects`` and ``crashes`` are empty when their
    section was not chosen (``has`` tells which were).
    """

    display_name: str
    start: datetime.date
    end: datetime.date
    today: datetime.date
    generated_at: datetime.datetime
    sections: frozenset[str]
    days: tuple[DayValues, ...]
    scores: tuple[ScoreRow, ...]
    courses: tuple[CourseRow, ...]
    missed_doses: tuple[MissedDoseRow, ...]
    side_effects: tuple[SideEffectRow, ...]
    crashes: tuple[CrashRow, ...]
    medications: tuple[MedicationRow, ...]

    def has(self, section: str) -> bool:
        return section in self.sections


def fhir_source(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    sections: Iterable[str],
    display_name: str = "",
) -> FhirSource:
    """Load ``user``'s diary from ``start`` to ``end`` (inclusive) for the bundle.

    ``sections`` are :class:`ExportSection` values: "doses" adds the LDN dose
    periods and the missed doses, "side_effects" and "crashes" their own
    resources. An unknown section or a range that ends before it starts raises
    ``ValueError``. A fixed number of queries: see the module docstring.
    """
    if end < start:
        raise ValueError("The range ends before it starts.")
    chosen = frozenset(sections)
    unknown = chosen - set(ExportSection.values)
    if unknown:
        raise ValueError(f"Unknown report sections: {sorted(unknown)}")

    entries = Entry.objects.for_user(user).between(start, end)
    days = tuple(
        DayValues(**row) for row in entries.order_by("date").values("date", *DAY_FIELDS)
    )
    scores = tuple(
        ScoreRow(date=day, symptom=name, score=score)
        for day, name, score in SymptomScore.objects.filter(entry__in=entries)
        .order_by("entry__date", "symptom__name", "symptom_id")
        .values_list("entry__date", "symptom__name", "score")
    )

    courses = _courses(user, start, end)
    course_ids = [course.id for course in courses]
    missed: tuple[MissedDoseRow, ...] = ()
    if ExportSection.DOSES in chosen:
        missed = tuple(
            MissedDoseRow(course_id=course_id, date=day)
            for course_id, day in MissedDose.objects.for_user(user)
            .filter(date__gte=start, date__lte=end, course_id__in=course_ids)
            .order_by("date", "course_id")
            .values_list("course_id", "date")
        )
    effects: tuple[SideEffectRow, ...] = ()
    if ExportSection.SIDE_EFFECTS in chosen:
        effects = tuple(
            SideEffectRow(
                course_id=effect.course_id,
                date=effect.date,
                label=effect.label,
                severity=effect.severity,
                severity_label=str(effect.get_severity_display()),
            )
            for effect in SideEffect.objects.for_user(user)
            .filter(date__gte=start, date__lte=end)
            .order_by("date", "kind", "id")
            .only("course_id", "date", "kind", "other_description", "severity")
        )
    crashes: tuple[CrashRow, ...] = ()
    if ExportSection.CRASHES in chosen:
        crashes = tuple(
            CrashRow(
                start_date=crash.start_date,
                end_date=crash.end_date,
                severity_label=str(crash.get_severity_display()),
                trigger_label=str(crash.get_trigger_display()),
            )
            for crash in Crash.objects.for_user(user)
            .overlapping(start, end)
            .order_by("start_date", "id")
            .only("start_date", "end_date", "severity", "trigger")
        )
    medications = tuple(
        MedicationRow(
            name=medication.name,
            kind=medication.kind,
            kind_label=str(medication.get_kind_display()),
            dose=medication.dose,
            start_date=medication.start_date,
            stop_date=medication.stop_date,
        )
        for medication in Medication.objects.for_user(user)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=end))
        .filter(Q(stop_date__isnull=True) | Q(stop_date__gte=start))
        .order_by("name", "id")
        .only("name", "kind", "dose", "start_date", "stop_date")
    )
    return FhirSource(
        display_name=display_name.strip(),
        start=start,
        end=end,
        today=user.local_today(),
        generated_at=timezone.now(),
        sections=chosen,
        days=days,
        scores=scores,
        courses=courses,
        missed_doses=missed,
        side_effects=effects,
        crashes=crashes,
        medications=medications,
    )


def _courses(
    user: User, start: datetime.date, end: datetime.date
) -> tuple[CourseRow, ...]:
    """The LDN courses that overlap the range, with their dose periods in it. A
    course that was stopped before the range began is left out. Two queries."""
    rows = list(
        TreatmentCourse.objects.for_user(user)
        .filter(start_date__lte=end)
        .order_by("start_date", "id")
        .only("id", "medication", "start_date", "formulation", "strength")
    )
    changes: dict[int, list[DoseChange]] = {row.id: [] for row in rows}
    for change in (
        DoseChange.objects.for_user(user)
        .filter(date__lte=end, course_id__in=list(changes))
        .order_by("date", "id")
        .only("course_id", "date", "dose_mg", "time_of_day", "reason")
    ):
        changes[change.course_id].append(change)

    courses = []
    for row in rows:
        history = changes[row.id]
        stopped_on = (
            history[-1].date if history and history[-1].reason == STOP else None
        )
        if stopped_on is not None and stopped_on <= start:
            continue
        courses.append(
            CourseRow(
                id=row.id,
                medication=row.medication,
                start_date=row.start_date,
                formulation_label=str(row.get_formulation_display()),
                strength=row.strength,
                periods=tuple(
                    period
                    for period in dose_periods(history)
                    if period.start <= end
                    and (period.end is None or period.end >= start)
                ),
                stopped_on=stopped_on,
            )
        )
    return tuple(courses)


def dose_periods(changes: Sequence[DoseChange]) -> list[DosePeriod]:
    """The dose periods of one course from its changes in date order. A stop
    starts no period: it ends the one before it."""
    periods = []
    for index, change in enumerate(changes):
        if change.reason == STOP:
            continue
        following = changes[index + 1] if index + 1 < len(changes) else None
        paused = change.reason == PAUSE
        periods.append(
            DosePeriod(
                start=change.date,
                end=following.date - ONE_DAY if following else None,
                paused=paused,
                dose_mg=None if paused else change.dose_mg,
                time_of_day="" if paused else change.time_of_day,
                ended_by_stop=following is not None and following.reason == STOP,
            )
        )
    return periods
