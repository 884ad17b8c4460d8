"""Page 1 of the clinician report: a fixed set of core figures for the baseline
and the on-LDN windows, in the spirit of the diabetes ambulatory glucose profile
(the same figures, in the same place, every time).

Nothing here computes a before/after statistic: every "before" and "on LDN"
number is read from the one :class:`diary.comparison.Comparison` (the analysis
page, ``/api/v1/analysis/`` and the share page render the same object, so they
agree to the digit). Its windows come from the course history, not from the
report's range: a report or share link that starts after the LDN start still
carries the comparison. What this module adds is what the comparison does not
hold: adherence (missed doses over the days on LDN in the on-LDN window), the
weekly median and interquartile range of the primary outcome across the
report's range (for the one standard chart), the other medicines with their
dates, and the opioid answer.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from diary.comparison import Comparison, OutcomeResult, Window
from diary.trends import monthly_buckets, weekly_buckets

from .loading import DayRow, MedicationRow

FUNCTION = "function"
HOURS_UPRIGHT = "hours_upright"
SYMPTOM_PREFIX = "symptom:"
# A week (or month) of the standard chart shows its median and quartiles only
# when at least this many of its days were logged; fewer is a gap.
BAND_MIN_DAYS = 3
# Up to two years the chart has one point per ISO week, beyond that per month.
BAND_WEEKLY_MAX_DAYS = 731


@dataclass(frozen=True)
class WindowColumn:
    """The heading of one column of page 1: which days, which doses."""

    kind: str  # "baseline" or "on_ldn"
    start: datetime.date
    end: datetime.date
    days: int  # days that count (paused and stopped days removed)
    calendar_days: int
    doses_text: str  # "1.5, 3 and 4.5 mg"; "" for the baseline
    titration_days: int
    paused_days_excluded: int


@dataclass(frozen=True)
class Cell:
    """One figure in one window: ``value`` as shown, ``detail`` what it rests on."""

    value: str
    detail: str

    @property
    def missing(self) -> bool:
        return not self.value


EMPTY = Cell("", "")


@dataclass(frozen=True)
class CoreRow:
    key: str  # "primary", "function", "hours_upright", "crash_days", "adherence"
    label: str
    explanation: str
    baseline: Cell
    on_ldn: Cell
    change: str  # the primary outcome only: the difference and its interval
    change_detail: str


@dataclass(frozen=True)
class BandPoint:
    """A week (or month) of the standard chart: median and quartiles of the
    logged days, or ``None`` when fewer than ``BAND_MIN_DAYS`` were logged."""

    start: datetime.date
    end: datetime.date
    days_logged: int
    median: float | None
    low: float | None  # first quartile
    high: float | None  # third quartile


@dataclass(frozen=True)
class Band:
    """The primary outcome across the report's range, for the standard chart."""

    key: str
    label: str
    period: str  # "week" or "month"
    scale_max: float
    higher_is_better: bool
    unit: str
    points: tuple[BandPoint, ...]
    days_logged: int


@dataclass(frozen=True)
class MedicineLine:
    name: str
    kind_label: str
    dose: str
    start_date: datetime.date | None
    stop_date: datetime.date | None
    # "started during the baseline", "stopped on LDN", ...: a change inside a
    # comparison window, which the doctor should weigh beside any difference.
    in_window: str


@dataclass(frozen=True)
class CoreFigures:
    """Everything page 1 shows.

    ``status`` is the comparison's (``"ok"``, ``"no_course"``, ``"not_started"``,
    ``"no_baseline_data"``); ``message`` is the one plain sentence shown when
    there is no complete comparison ("" when there is). ``rows`` always holds
    the same five figures in the same order; a window without data shows an
    empty cell with the reason once, in ``message``.
    """

    status: str
    message: str
    ldn_start: datetime.date | None
    baseline: WindowColumn | None
    on_ldn: WindowColumn | None
    rows: tuple[CoreRow, ...]
    primary: OutcomeResult | None
    primary_chosen_at: datetime.datetime | None
    warnings: tuple[str, ...]
    # How often such an interval held the true change in simulated diaries
    # (shown once under the table, for the primary outcome's interval).
    coverage_note: str
    missed_on_ldn: int | None
    band: Band | None
    medicines: tuple[MedicineLine, ...]
    opioids: str
    opioid_answer: str  # "", "no", "yes", "unsure"


# --- Formatting ---------------------------------------------------------------------


def one_decimal(value: float | None) -> str:
    """A mean as shown everywhere: one decimal, rounded half up exactly like
    Django's ``floatformat:1`` on the analysis page ("4.0", never "-0.0")."""
    if value is None:
        return ""
    return str(floatformat(value, 1))


def signed(value: float | None) -> str:
    """A difference with one decimal and its sign: "+0.7", "-1.3", "0.0"."""
    if value is None:
        return ""
    shown = one_decimal(value)
    return shown if shown.startswith("-") or shown == "0.0" else f"+{shown}"


def compact(value: float | None) -> str:
    """A median as shown: "30", "35", "4.5" (one decimal at most)."""
    if value is None:
        return ""
    return str(floatformat(value, -1))


def mg_list(doses: Sequence[float]) -> str:
    if not doses:
        return ""
    texts = [f"{dose:g}" for dose in doses]
    if len(texts) == 1:
        return _("%(dose)s mg") % {"dose": texts[0]}
    return _("%(doses)s and %(last)s mg") % {
        "doses": ", ".join(texts[:-1]),
        "last": texts[-1],
    }


def _date(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _logged(side_logged: int, side_days: int) -> str:
    return _("%(n)d of %(d)d days logged") % {"n": side_logged, "d": side_days}


# --- The figures --------------------------------------------------------------------


def _column(window: Window | None) -> WindowColumn | None:
    if window is None:
        return None
    return WindowColumn(
        kind=window.kind,
        start=window.start,
        end=window.end,
        days=window.days,
        calendar_days=window.calendar_days,
        doses_text=mg_list(window.doses_mg),
        titration_days=window.titration_days,
        paused_days_excluded=window.paused_days_excluded,
    )


def _outcome(comparison: Comparison, key: str) -> OutcomeResult | None:
    for outcome in comparison.outcomes:
        if outcome.key == key:
            return outcome
    return None


def _median_row(
    outcome: OutcomeResult | None, key: str, label: str, explanation: str, unit: str
) -> CoreRow:
    def cell(side_mean_median) -> Cell:
        side = side_mean_median
        if side is None or side.median is None or not side.logged_days:
            days = side.window_days if side is not None else 0
            return Cell("", _logged(0, days) if days else "")
        value = compact(side.median)
        return Cell(
            f"{value} {unit}".strip(), _logged(side.logged_days, side.window_days)
        )

    return CoreRow(
        key=key,
        label=label,
        explanation=explanation,
        baseline=cell(outcome.baseline if outcome else None),
        on_ldn=cell(outcome.on_ldn if outcome else None),
        change="",
        change_detail="",
    )


def _primary_row(primary: OutcomeResult | None) -> CoreRow:
    if primary is None:
        return CoreRow(
            key="primary",
            label=_("Primary outcome"),
            explanation=_("Not chosen yet: the patient has not named one."),
            baseline=EMPTY,
            on_ldn=EMPTY,
            change="",
            change_detail="",
        )

    def cell(side) -> Cell:
        detail = _logged(side.logged_days, side.window_days)
        return Cell(one_decimal(side.mean), detail)

    if primary.kind == "symptom":
        explanation = _("Average score, 0 (none) to 10 (worst): lower is milder.")
    elif primary.kind == "function":
        explanation = _("Average Bell score, 0 to 100: higher is better.")
    else:
        explanation = _("Average hours a day: higher is better.")
    change = ""
    detail = ""
    if not primary.enough_data:
        detail = " ".join(primary.not_enough_data) or _("Not enough data.")
    elif primary.difference is not None:
        change = signed(primary.difference)
        if primary.interval is not None:
            detail = _("approximate interval %(low)s to %(high)s") % {
                "low": one_decimal(primary.interval[0]),
                "high": one_decimal(primary.interval[1]),
            }
            if not primary.interval_excludes_zero:
                detail += "; " + _("includes 0")
        elif primary.declined:
            detail = primary.declined
    elif primary.declined:
        detail = primary.declined
    return CoreRow(
        key="primary",
        label=_("Primary outcome: %(label)s") % {"label": primary.label},
        explanation=explanation,
        baseline=cell(primary.baseline),
        on_ldn=cell(primary.on_ldn),
        change=change,
        change_detail=detail,
    )


def _crash_row(comparison: Comparison) -> CoreRow:
    def cell(rate) -> Cell:
        if rate is None or rate.per_30_days is None:
            return EMPTY
        return Cell(
            one_decimal(rate.per_30_days),
            _("%(n)d crash days in %(d)d days")
            % {
                "n": rate.crash_days,
                "d": rate.window_days,
            },
        )

    rates = comparison.crash_rates
    return CoreRow(
        key="crash_days",
        label=_("Crash days per 30 days"),
        explanation=_("Every day of a crash episode counts, logged or not."),
        baseline=cell(rates[0] if rates else None),
        on_ldn=cell(rates[1] if rates else None),
        change="",
        change_detail="",
    )


def _adherence_row(on_ldn: Window | None, missed: int | None) -> CoreRow:
    on_cell = EMPTY
    if on_ldn is not None and on_ldn.days and missed is not None:
        taken = 100 * (on_ldn.days - missed) / on_ldn.days
        on_cell = Cell(
            _("%(percent)s%% taken") % {"percent": f"{taken:.0f}"},
            _("%(missed)d missed of %(days)d days on LDN")
            % {"missed": missed, "days": on_ldn.days},
        )
    return CoreRow(
        key="adherence",
        label=_("Adherence"),
        explanation=_("Doses taken: missed doses over the days on LDN."),
        baseline=Cell("", _("not on LDN")),
        on_ldn=on_cell,
        change="",
        change_detail="",
    )


def no_comparison_message(comparison: Comparison) -> str:
    windows = comparison.windows
    if comparison.status == "no_course":
        return _(
            "No LDN course is recorded, so there is no before and after to compare."
        )
    if comparison.status == "not_started" and windows is not None:
        return _(
            "The LDN course starts on %(date)s, after today: there are no days on "
            "LDN to compare yet."
        ) % {"date": _date(windows.ldn_start)}
    if comparison.status == "no_baseline_data" and windows is not None:
        return _(
            "Nothing was logged in the %(weeks)d weeks before the LDN start "
            "(%(start)s to %(end)s), so there is no baseline to compare with."
        ) % {
            "weeks": windows.baseline_weeks,
            "start": _date(windows.baseline.start),
            "end": _date(windows.baseline.end),
        }
    if windows is not None and windows.on_ldn is not None and not windows.on_ldn.days:
        return _("No day on LDN counts yet (paused or stopped).")
    return ""


def _warnings(comparison: Comparison) -> tuple[str, ...]:
    """The comparison's warnings and the primary outcome's, each once."""
    texts: list[str] = []
    sources: list[Iterable] = [comparison.warnings]
    if comparison.primary is not None:
        sources.append(comparison.primary.warnings)
    for source in sources:
        for warning in source:
            if warning.text and warning.text not in texts:
                texts.append(warning.text)
    return tuple(texts)


def _in_window(medicine: MedicationRow, windows) -> str:
    if windows is None:
        return ""
    notes = []
    spans = [(windows.baseline, _("during the baseline"))]
    if windows.on_ldn is not None:
        spans.append((windows.on_ldn, _("on LDN")))
    for window, where in spans:
        if medicine.start_date and window.start <= medicine.start_date <= window.end:
            notes.append(_("started %(where)s") % {"where": where})
        if medicine.stop_date and window.start <= medicine.stop_date <= window.end:
            notes.append(_("stopped %(where)s") % {"where": where})
    return "; ".join(notes)


def _opioid_text(answer: str) -> str:
    if answer == "yes":
        return _(
            "Yes: takes opioid medicines. LDN and opioids interact; this is for "
            "the prescriber to decide."
        )
    if answer == "unsure":
        return _(
            "Not sure whether they take opioid medicines. LDN and opioids "
            "interact; this is for the prescriber to check."
        )
    if answer == "no":
        return _("No opioid medicines.")
    return _("Not answered.")


def band(
    *,
    key: str,
    label: str,
    days: dict[datetime.date, DayRow],
    start: datetime.date,
    end: datetime.date,
) -> Band:
    """The weekly (beyond two years, monthly) median and quartiles of one
    outcome across ``[start, end]``, from the logged days only."""
    if key == FUNCTION:
        values = {
            d: float(r.function_score)
            for d, r in days.items()
            if r.function_score is not None
        }
        scale, better, unit = 100.0, True, ""
    elif key == HOURS_UPRIGHT:
        values = {
            d: float(r.hours_upright)
            for d, r in days.items()
            if r.hours_upright is not None
        }
        top = max(values.values(), default=0.0)
        scale, better, unit = (24.0 if top > 12 else 12.0), True, "h"
    else:
        uuid = key.removeprefix(SYMPTOM_PREFIX)
        values = {d: float(r.scores[uuid]) for d, r in days.items() if uuid in r.scores}
        scale, better, unit = 10.0, False, ""
    weekly = (end - start).days + 1 <= BAND_WEEKLY_MAX_DAYS
    buckets = (weekly_buckets if weekly else monthly_buckets)({}, start, end)
    points = []
    for bucket in buckets:
        logged = sorted(
            values[day]
            for offset in range((bucket.end - bucket.start).days + 1)
            if (day := bucket.start + datetime.timedelta(days=offset)) in values
        )
        if len(logged) >= BAND_MIN_DAYS:
            q1, q2, q3 = statistics.quantiles(logged, n=4, method="inclusive")
            points.append(BandPoint(bucket.start, bucket.end, len(logged), q2, q1, q3))
        else:
            points.append(
                BandPoint(bucket.start, bucket.end, len(logged), None, None, None)
            )
    return Band(
        key=key,
        label=label,
        period="week" if weekly else "month",
        scale_max=scale,
        higher_is_better=better,
        unit=unit,
        points=tuple(points),
        days_logged=len(values),
    )


def core_figures(
    comparison: Comparison,
    *,
    missed_dates: Iterable[datetime.date],
    days: dict[datetime.date, DayRow],
    start: datetime.date,
    end: datetime.date,
    medicines: Sequence[MedicationRow],
    opioid_answer: str,
) -> CoreFigures:
    """Page 1 from the comparison and what the report loaded.

    ``missed_dates`` are the patient's missed doses in the on-LDN window (only
    those on a day that counts as on LDN are counted); ``days`` the logged days
    of the report's range (for the standard chart)."""
    windows = comparison.windows
    on_ldn = windows.on_ldn if windows is not None else None
    missed: int | None = None
    if on_ldn is not None:
        counted = set(on_ldn.dates)
        missed = len({day for day in missed_dates if day in counted})
    primary = comparison.primary
    function = _outcome(comparison, FUNCTION)
    hours = _outcome(comparison, HOURS_UPRIGHT)
    rows = (
        _primary_row(primary),
        _median_row(
            function,
            "function",
            _("Function (Bell scale)"),
            _("Median, 0 (bedridden) to 100 (well): higher is better."),
            "",
        ),
        _median_row(
            hours,
            "hours_upright",
            _("Hours upright"),
            _("Median hours a day."),
            _("h"),
        ),
        _crash_row(comparison),
        _adherence_row(on_ldn, missed),
    )
    if primary is not None:
        band_key, band_label = primary.key, primary.label
    else:
        band_key, band_label = FUNCTION, _("Function (Bell scale)")
    return CoreFigures(
        status=comparison.status,
        message=no_comparison_message(comparison),
        ldn_start=windows.ldn_start if windows is not None else None,
        baseline=_column(windows.baseline) if windows is not None else None,
        on_ldn=_column(on_ldn),
        rows=rows,
        primary=primary,
        primary_chosen_at=comparison.primary_chosen_at,
        warnings=_warnings(comparison),
        coverage_note=(
            primary.coverage_text
            if primary is not None and primary.interval is not None
            else ""
        ),
        missed_on_ldn=missed,
        band=band(key=band_key, label=band_label, days=days, start=start, end=end),
        medicines=tuple(
            MedicineLine(
                name=m.name,
                kind_label=m.kind_label,
                dose=m.dose,
                start_date=m.start_date,
                stop_date=m.stop_date,
                in_window=_in_window(m, windows),
            )
            for m in medicines
        ),
        opioids=_opioid_text(opioid_answer),
        opioid_answer=opioid_answer,
    )
