"""Everything a doctor export shows, gathered once: :func:`report_data`.

The PDF, the CSV files, the FHIR bundle and the doctor's share-link page are all
built from one :class:`ReportData`. The data flows one way:

1. :mod:`.loading` reads the diary of the range, one query per kind;
2. :func:`diary.comparison.comparison_for_user` gives the one before/after
   comparison (the same object the analysis page and ``/api/v1/analysis/``
   render; cached per user and sync version);
3. :mod:`.core_figures` (page 1) and :mod:`.tables` (the averages table, the
   charts' data) shape both for display, without computing any before/after
   statistic of their own.

A fixed number of queries, whatever the length of the range.

Scope: the diary rows (scores, entries, side effects, missed doses, crashes and
dose periods) are those of the chosen range. The before/after comparison is the
exception, on purpose: its windows come from the course history (the weeks before
the LDN start, and the recent weeks on LDN), so a report whose range starts after
the LDN start still carries it, with the dates of its windows printed beside
every figure. Free-text notes are loaded only when the "notes" section is chosen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from diary.doses import CurrentDose, DoseStep, current_dose
from diary.models import MissedDose
from diary.trends import trends_payload

from . import loading
from .core_figures import CoreFigures, core_figures
from .loading import (
    ENTRY_FIELDS,
    CourseInfo,
    CrashRow,
    DayRow,
    DoseChangeRow,
    DosePeriod,
    MedicationRow,
    MissedDoseRow,
    SideEffectRow,
    SymptomInfo,
    dose_text,
    format_mg,
)
from .models import ExportSection
from .tables import (
    PeriodRow,
    SideEffectCount,
    period_rows,
    scoped_trends,
    table_period,
    top_side_effects,
)

if TYPE_CHECKING:
    from diary.comparison import Comparison

__all__ = [
    "CourseInfo",
    "CrashRow",
    "DayRow",
    "DoseChangeRow",
    "DosePeriod",
    "MedicationRow",
    "MissedDoseRow",
    "PeriodRow",
    "ReportData",
    "SideEffectCount",
    "SideEffectRow",
    "SymptomInfo",
    "disclaimer",
    "dose_text",
    "format_mg",
    "report_data",
]

# The sections that show the before/after comparison (page 1 and the analysis).
COMPARISON_SECTIONS = frozenset({ExportSection.SUMMARY, ExportSection.ANALYSIS})


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

    The diary of the range:
        ``symptoms`` in check-in order (active tracked, then archived with scores
        in the range, then untracked ones with scores in the range, by name);
        ``days`` maps each logged date (ascending) to its :class:`DayRow`; a day
        not logged is absent, never zero.

    LDN:
        ``courses`` (:class:`CourseInfo`) that overlap the range; ``ldn_start`` the
        start date of the latest of them (None without a course); ``dose_as_of``
        (the end of the range, or today if the range runs into the future) and
        ``current_dose`` the :class:`diary.doses.CurrentDose` in force that day;
        ``missed_doses`` and ``side_effects`` in the range, by date;
        ``top_side_effects`` the three most frequent (days with it).

    Crashes: ``crashes`` overlapping the range; ``crash_count``; ``crash_days``
    the days of the range inside a crash (logged or not).

    Other medicines: ``medications`` in force at some point of the range or of
    the comparison's windows; ``opioid_answer`` the patient's answer ("", "no",
    "yes", "unsure").

    Before/after (when the "summary" or "analysis" section is chosen, else None):
        ``comparison`` the one :class:`diary.comparison.Comparison`; ``core``
        page 1's :class:`.core_figures.CoreFigures` rendered from it.

    Charts and tables:
        ``trends`` the :func:`diary.trends.trends_payload` of the range, scoped to
        it; ``periods`` the averages table, a row per week, month or quarter
        (``table_period``, from the range's length); means unrounded.
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
    top_side_effects: tuple[SideEffectCount, ...]
    crashes: tuple[CrashRow, ...]
    crash_count: int
    crash_days: int
    medications: tuple[MedicationRow, ...]
    opioid_answer: str
    comparison: Comparison | None
    core: CoreFigures | None
    trends: dict[str, Any]
    periods: tuple[PeriodRow, ...]
    table_period: str
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

    # 1. The diary of the range, one query per kind.
    symptoms, scores = loading.symptoms_and_scores(user, start, end)
    entries = loading.entries(user, start, end, include_notes=include_notes)
    courses, all_changes, _latest = loading.courses(
        user, start, end, today=today, include_notes=include_notes
    )
    crashes = loading.crashes(
        user, start, end, today=today, include_notes=include_notes
    )
    side_effects = loading.side_effects(user, start, end, include_notes=include_notes)
    missed = loading.missed_doses(user, start, end, include_notes=include_notes)
    days = _days(
        entries, scores, symptoms, all_changes, crashes, side_effects, start, end, today
    )

    # 2. The one before/after comparison (its windows do not depend on the range).
    comparison = None
    if chosen & COMPARISON_SECTIONS:
        from diary.comparison import comparison_for_user

        comparison = comparison_for_user(user)
    windows = comparison.windows if comparison is not None else None
    since = min(start, windows.baseline.start) if windows is not None else start
    medications = loading.medications(user, since, max(end, today))

    # 3. Shaped for display.
    core = None
    if comparison is not None and ExportSection.SUMMARY in chosen:
        core = core_figures(
            comparison,
            missed_dates=_missed_in_window(user, windows),
            days=days,
            start=start,
            end=end,
            medicines=medications,
            opioid_answer=user.takes_opioids,
        )
    dose_as_of = min(end, today)
    crash_day_set = loading.crash_days(crashes, start, end, today)
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
        top_side_effects=top_side_effects(side_effects),
        crashes=tuple(crashes),
        crash_count=len(crashes),
        crash_days=len(crash_day_set),
        medications=tuple(medications),
        opioid_answer=user.takes_opioids,
        comparison=comparison,
        core=core,
        trends=scoped_trends(
            trends_payload(user=user, start=start, end=end), scores, start, end
        ),
        periods=period_rows(symptoms, scores, days, start, end),
        table_period=table_period(start, end),
        disclaimer=disclaimer(),
    )


def _days(
    entries: list[dict[str, Any]],
    scores: dict[str, dict[datetime.date, int]],
    symptoms: tuple[SymptomInfo, ...],
    changes: list[DoseChangeRow],
    crashes: list[CrashRow],
    side_effects: list[SideEffectRow],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> dict[datetime.date, DayRow]:
    """One :class:`DayRow` per logged day, with its dose, crash and side effects."""
    crash_day_set = loading.crash_days(crashes, start, end, today)
    effects_by_day: dict[datetime.date, list[str]] = defaultdict(list)
    for effect in side_effects:
        if effect.label not in effects_by_day[effect.date]:
            effects_by_day[effect.date].append(effect.label)
    doses = loading.dose_by_day(changes, [row["date"] for row in entries])
    scores_by_day: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for symptom_uuid, values in scores.items():
        for day, score in values.items():
            scores_by_day[day][symptom_uuid] = score
    order = [s.uuid for s in symptoms]
    days = {}
    for row in entries:
        day = row["date"]
        scored = scores_by_day.get(day, {})
        days[day] = DayRow(
            date=day,
            **{name: row[name] for name in ENTRY_FIELDS},
            notes=row.get("notes"),
            scores={uuid: scored[uuid] for uuid in order if uuid in scored},
            ldn_dose_mg=doses[day],
            in_crash=day in crash_day_set,
            side_effects=tuple(effects_by_day.get(day, ())),
        )
    return days


def _missed_in_window(user: User, windows: Any) -> list[datetime.date]:
    """The dates of missed doses in the on-LDN window (one query), or none."""
    if windows is None or windows.on_ldn is None:
        return []
    window = windows.on_ldn
    return list(
        MissedDose.objects.for_user(user)
        .filter(date__gte=window.start, date__lte=window.end)
        .values_list("date", flat=True)
    )
