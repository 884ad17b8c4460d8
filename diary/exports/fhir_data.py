"""What the FHIR bundle needs, loaded once: :func:`fhir_source`.

The FHIR export does not build the PDF report's data (no comparison is fitted,
no chart is drawn): it reads the diary through the models' owner-scoped
managers, every query starting from ``X.objects.for_user(user)``, so no other
patient's row can reach a bundle, and takes the LDN courses from the report's
own loader so the dose periods are the PDF's. It costs a fixed number of queries whatever the length of the range: the
entries, the scores, the LDN courses and their dose history (through the
report's :func:`diary.exports.loading.courses`) and the other medications
always (five), and the missed doses, the side effects and the
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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from diary.models import (
    Crash,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    SymptomScore,
)

from .loading import CourseInfo, DosePeriod
from .loading import courses as load_courses
from .models import ExportSection

__all__ = [
    "CrashRow",
    "DayValues",
    "FhirSource",
    "MedicationRow",
    "MissedDoseRow",
    "ScoreRow",
    "SideEffectRow",
    "ended_by_stop",
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
class MissedDoseRow:
    course_uuid: str
    date: datetime.date


@dataclass(frozen=True)
class SideEffectRow:
    course_uuid: str
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
    periods that overlap it (an empty ``periods`` means no dose history in it),
    loaded by the report's own :func:`diary.exports.loading.courses`, so the
    bundle's dose periods and dose texts are the PDF's;
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
    courses: tuple[CourseInfo, ...]
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

    today = user.local_today()
    courses = tuple(load_courses(user, start, end, today=today, include_notes=False)[0])
    course_uuids = [course.uuid for course in courses]
    missed: tuple[MissedDoseRow, ...] = ()
    if ExportSection.DOSES in chosen:
        missed = tuple(
            MissedDoseRow(course_uuid=str(course_uuid), date=day)
            for course_uuid, day in MissedDose.objects.for_user(user)
            .filter(date__gte=start, date__lte=end, course__uuid__in=course_uuids)
            .order_by("date", "course_id")
            .values_list("course__uuid", "date")
        )
    effects: tuple[SideEffectRow, ...] = ()
    if ExportSection.SIDE_EFFECTS in chosen:
        effects = tuple(
            SideEffectRow(
                course_uuid=str(effect.course.uuid),
                date=effect.date,
                label=effect.label,
                severity=effect.severity,
                severity_label=str(effect.get_severity_display()),
            )
            for effect in SideEffect.objects.for_user(user)
            .filter(date__gte=start, date__lte=end)
            .select_related("course")
            .order_by("date", "kind", "id")
            .only("course__uuid", "date", "kind", "other_description", "severity")
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
        today=today,
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


def ended_by_stop(course: CourseInfo, period: DosePeriod) -> bool:
    """Whether ``period`` is the last one of a course that was stopped: the stop
    is dated the day after it ends."""
    return (
        course.stopped_on is not None
        and period.end is not None
        and period.end + ONE_DAY == course.stopped_on
    )
