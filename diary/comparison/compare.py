"""The pure comparison: plain diary data in, a :class:`Comparison` out.

No database here; :mod:`diary.comparison.loader` builds :class:`DiaryData` from
the database in a fixed number of queries.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext

from . import text
from .coverage import (
    RUNS,
    TREND_FALSE_ALARMS_LEVEL,
    WORST_FORTNIGHT_FALSE_ALARMS,
    coverage_for,
)
from .result import (
    Comparison,
    CrashRate,
    DoseStepMean,
    OutcomeResult,
    Side,
    Trend,
    Warning_,
)
from .stats import LEVEL_MODEL, SEGMENTED, STEADY_TREND, Fit, FitError, fit_change
from .windows import (
    BASELINE_WEEKS_DEFAULT,
    ON_WEEKS_DEFAULT,
    CourseHistory,
    Window,
    Windows,
    choose_windows,
    dose_on_days,
)

ONE_DAY = datetime.timedelta(days=1)
MIN_LOGGED_FRACTION = 0.70
MIN_STEP_DAYS = 14
SEGMENTED_MIN_LOGGED = 28  # baseline logged days needed to model its trend
FORTNIGHT = 14


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome's values by date (only logged days present)."""

    key: str
    label: str
    kind: str  # "function", "hours" or "symptom"
    unit: str
    higher_is_better: bool
    values: Mapping[datetime.date, float]


@dataclass(frozen=True)
class MedicationSpan:
    name: str
    start: datetime.date | None
    stop: datetime.date | None


@dataclass(frozen=True)
class DiaryData:
    """Everything the comparison needs, as plain data."""

    today: datetime.date
    courses: tuple[CourseHistory, ...]
    outcomes: tuple[OutcomeSeries, ...]
    entry_days: frozenset[datetime.date]
    crashes: tuple[tuple[datetime.date, datetime.date | None], ...] = ()
    medications: tuple[MedicationSpan, ...] = ()
    primary_key: str | None = None
    primary_chosen_at: datetime.datetime | None = None
    sync_version: int = 0


def _caveats(primary_key: str | None) -> tuple[str, ...]:
    caveats = [
        str(text.CAUSATION_CAVEAT),
        str(text.MULTIPLICITY),
        str(text.NOT_MEDICAL_ADVICE),
    ]
    if primary_key is None:
        caveats.insert(1, str(text.NO_PRIMARY))
    return tuple(caveats)


def compare(
    data: DiaryData,
    *,
    baseline_weeks: int = BASELINE_WEEKS_DEFAULT,
    on_weeks: int = ON_WEEKS_DEFAULT,
) -> Comparison:
    """Compare every outcome before LDN with on LDN (see the package docstring)."""
    today = data.today
    started = sorted(
        (c for c in data.courses if c.start <= today),
        key=lambda c: c.start,
        reverse=True,
    )

    def empty(status: str, windows: Windows | None) -> Comparison:
        return Comparison(
            status=status,
            today=today,
            windows=windows,
            outcomes=(),
            primary_key=data.primary_key,
            primary_chosen_at=data.primary_chosen_at,
            crash_rates=None,
            warnings=(),
            caveats=_caveats(data.primary_key),
            method=str(text.METHOD),
            sync_version=data.sync_version,
        )

    if not data.courses:
        return empty("no_course", None)
    if not started:
        later = min(data.courses, key=lambda c: c.start)
        windows = choose_windows(
            later, today, baseline_weeks=baseline_weeks, on_weeks=on_weeks
        )
        return empty("not_started", windows)
    course = started[0]
    earlier = tuple(started[1:])
    windows = choose_windows(
        course,
        today,
        baseline_weeks=baseline_weeks,
        on_weeks=on_weeks,
        earlier_courses=earlier,
    )
    baseline, on_ldn = windows.baseline, windows.on_ldn
    assert on_ldn is not None
    base_set, on_set = frozenset(baseline.dates), frozenset(on_ldn.dates)
    if not any(day in data.entry_days for day in base_set):
        return empty("no_baseline_data", windows)

    crash_days = _crash_days(data.crashes, today)
    warnings = _window_warnings(data, windows, base_set, on_set, crash_days, earlier)
    outcomes = [
        _outcome(series, data, windows, course, base_set, on_set, crash_days)
        for series in data.outcomes
    ]
    outcomes.sort(key=lambda o: not o.primary)  # stable: primary first
    rates = (
        _crash_rate(baseline, crash_days),
        _crash_rate(on_ldn, crash_days),
    )
    return Comparison(
        status="ok",
        today=today,
        windows=windows,
        outcomes=tuple(outcomes),
        primary_key=data.primary_key,
        primary_chosen_at=data.primary_chosen_at,
        crash_rates=rates,
        warnings=tuple(warnings),
        caveats=_caveats(data.primary_key),
        method=str(text.METHOD),
        sync_version=data.sync_version,
    )


# --- Crashes --------------------------------------------------------------------


def _crash_days(
    crashes: Sequence[tuple[datetime.date, datetime.date | None]],
    today: datetime.date,
) -> frozenset[datetime.date]:
    """Every day of every crash episode, logged or not; an ongoing one to today."""
    days: set[datetime.date] = set()
    for first, last in crashes:
        end = min(last or today, today)
        day = first
        while day <= end:
            days.add(day)
            day += ONE_DAY
    return frozenset(days)


def _crash_rate(window: Window, crash_days: frozenset[datetime.date]) -> CrashRate:
    count = sum(1 for day in window.dates if day in crash_days)
    return CrashRate(
        crash_days=count,
        window_days=window.days,
        per_30_days=round(count / window.days * 30, 1) if window.days else None,
    )


# --- Warnings about the windows -------------------------------------------------


def _warning(code: str, **values: object) -> Warning_:
    return Warning_(code=code, text=gettext(str(text.WARNINGS[code])) % values)


def _window_warnings(
    data: DiaryData,
    windows: Windows,
    base_set: frozenset[datetime.date],
    on_set: frozenset[datetime.date],
    crash_days: frozenset[datetime.date],
    earlier: Sequence[CourseHistory],
) -> list[Warning_]:
    baseline, on_ldn = windows.baseline, windows.on_ldn
    assert on_ldn is not None
    result: list[Warning_] = []
    tail = [d for d in baseline.dates[-7:] if d in crash_days]
    if tail:
        result.append(_warning("baseline_ends_in_crash", date=tail[0].isoformat()))
    base_logged = sum(1 for d in base_set if d in data.entry_days)
    on_logged = sum(1 for d in on_set if d in data.entry_days)
    if baseline.days and on_ldn.days:
        base_fraction = base_logged / baseline.days
        on_fraction = on_logged / on_ldn.days
        if on_fraction < 0.8 * base_fraction and base_fraction - on_fraction >= 0.1:
            result.append(
                _warning(
                    "fewer_days_logged_after",
                    on=on_logged,
                    on_days=on_ldn.days,
                    base=base_logged,
                    base_days=baseline.days,
                )
            )
    changed = []
    for med in data.medications:
        for label, day in (("started", med.start), ("stopped", med.stop)):
            if day is None:
                continue
            if baseline.start <= day <= baseline.end or (
                on_ldn.start <= day <= on_ldn.end
            ):
                changed.append(
                    gettext("%(name)s %(what)s %(date)s")
                    % {
                        "name": med.name,
                        "what": gettext("started")
                        if label == "started"
                        else gettext("stopped"),
                        "date": day.isoformat(),
                    }
                )
    if changed:
        result.append(_warning("other_medicines", list="; ".join(changed)))
    if on_ldn.titration_days:
        result.append(_warning("titration_days", days=on_ldn.titration_days))
    if baseline.days < baseline.calendar_days and earlier:
        result.append(_warning("earlier_course"))
    return result


# --- One outcome ----------------------------------------------------------------


def _side(values: Mapping[datetime.date, float], window: Window) -> Side:
    logged = [values[d] for d in window.dates if d in values]
    return Side(
        window_days=window.days,
        logged_days=len(logged),
        mean=round(statistics.fmean(logged), 2) if logged else None,
        median=float(statistics.median(logged)) if logged else None,
    )


def _not_enough(side: Side, where: str) -> str | None:
    if side.window_days == 0:
        return gettext(str(text.NOT_ENOUGH_EMPTY)) % {"window": where}
    if side.logged_fraction < MIN_LOGGED_FRACTION:
        return gettext(str(text.NOT_ENOUGH)) % {
            "window": where,
            "logged": side.logged_days,
            "days": side.window_days,
        }
    return None


def _ends_in_worst_fortnight(
    values: Mapping[datetime.date, float], window: Window, higher_is_better: bool
) -> bool:
    """Whether the baseline's last 14 days are its worst 14 consecutive days (by
    mean of the logged days, fortnights with at least 7 logged days), by at
    least half a standard deviation from the baseline's mean."""
    dates = window.dates
    if len(dates) < 2 * FORTNIGHT:
        return False
    means = []
    for first in range(len(dates) - FORTNIGHT + 1):
        logged = [values[d] for d in dates[first : first + FORTNIGHT] if d in values]
        means.append(statistics.fmean(logged) if len(logged) >= 7 else None)
    last = means[-1]
    if last is None:
        return False
    others = [m for m in means[: -FORTNIGHT // 2] if m is not None]
    logged = [values[d] for d in dates if d in values]
    if not others or len(logged) < 2:
        return False
    # Worst of all, and clearly so: half a standard deviation of the daily
    # scores away from the baseline's mean.
    margin = statistics.pstdev(logged) / 2
    overall = statistics.fmean(logged)
    if higher_is_better:
        return last <= min(others) and last <= overall - margin
    return last >= max(others) and last >= overall + margin


def _series(
    values: Mapping[datetime.date, float],
    windows: Windows,
    *,
    between: bool,
    on_days: frozenset[datetime.date],
    base_days: frozenset[datetime.date],
    course: CourseHistory,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Daily values from the baseline's first day to the on-LDN window's last day.

    Counted days of the two windows keep their value; with ``between`` the
    on-LDN days between the windows (not paused) count too. Everything else is
    NaN.
    """
    on_ldn = windows.on_ldn
    assert on_ldn is not None
    first, last = windows.baseline.start, on_ldn.end
    n = (last - first).days + 1
    y = np.full(n, np.nan)
    after = np.zeros(n)
    between_on = (
        frozenset(dose_on_days(course, windows.ldn_start, on_ldn.start - ONE_DAY))
        if between
        else frozenset()
    )
    for day, value in values.items():
        if not first <= day <= last:
            continue
        if day in base_days or day in on_days or day in between_on:
            y[(day - first).days] = value
    start_index = (windows.ldn_start - first).days
    after[start_index:] = 1.0
    return y, after, start_index


def _fits(
    values: Mapping[datetime.date, float],
    windows: Windows,
    course: CourseHistory,
    base_set: frozenset[datetime.date],
    on_set: frozenset[datetime.date],
) -> tuple[Fit, Trend | None, str]:
    """The headline fit, the baseline trend (None when the baseline is too short
    to model one) and the headline model's name."""
    logged_before = sum(1 for day in base_set if day in values)
    if logged_before < SEGMENTED_MIN_LOGGED:
        y, after, start_index = _series(
            values,
            windows,
            between=False,
            on_days=on_set,
            base_days=base_set,
            course=course,
        )
        return fit_change(y, after, start_index=start_index), None, LEVEL_MODEL
    y, after, start_index = _series(
        values, windows, between=True, on_days=on_set, base_days=base_set, course=course
    )
    headline = fit_change(y, after, start_index=start_index, model=STEADY_TREND)
    segmented = fit_change(y, after, start_index=start_index, model=SEGMENTED)
    assert segmented.trend_per_week is not None
    assert segmented.trend_low is not None and segmented.trend_high is not None
    trend = Trend(
        per_week=round(segmented.trend_per_week, 2),
        low=round(segmented.trend_low, 2),
        high=round(segmented.trend_high, 2),
        trending=segmented.trending,
    )
    return headline, trend, STEADY_TREND


def _outcome(
    series: OutcomeSeries,
    data: DiaryData,
    windows: Windows,
    course: CourseHistory,
    base_set: frozenset[datetime.date],
    on_set: frozenset[datetime.date],
    crash_days: frozenset[datetime.date],
) -> OutcomeResult:
    baseline, on_ldn = windows.baseline, windows.on_ldn
    assert on_ldn is not None
    values = series.values
    base_side, on_side = _side(values, baseline), _side(values, on_ldn)
    reasons = tuple(
        r
        for r in (
            _not_enough(base_side, gettext(str(text.IN_BASELINE))),
            _not_enough(on_side, gettext(str(text.IN_ON_LDN))),
        )
        if r
    )
    warnings: list[Warning_] = []
    if _ends_in_worst_fortnight(values, baseline, series.higher_is_better):
        warnings.append(
            _warning(
                "baseline_ends_worst",
                percent=round(WORST_FORTNIGHT_FALSE_ALARMS * 100),
            )
        )
    difference = interval = coverage = lag1 = None
    coverage_text = declined = model = ""
    trend = None
    if not reasons:
        try:
            fit, trend, model = _fits(values, windows, course, base_set, on_set)
        except FitError:
            declined = gettext(str(text.DECLINED_FIT))
        else:
            lag1 = round(fit.lag1, 2)
            difference = round(fit.difference, 2)
            interval = (round(fit.low, 2), round(fit.high, 2))
            nearest, coverage = coverage_for(fit.lag1)
            coverage_text = gettext(str(text.COVERAGE)) % {
                "runs": RUNS,
                "lag": f"{nearest:.1f}",
                "percent": round(coverage * 100),
            }
            if model == LEVEL_MODEL:
                coverage_text += " " + gettext(str(text.SHORT_BASELINE)) % {
                    "percent": round(TREND_FALSE_ALARMS_LEVEL * 100)
                }
            if trend is not None and trend.trending:
                warnings.insert(
                    0,
                    _warning("baseline_trending", per_week=f"{trend.per_week:+.2f}"),
                )
    return OutcomeResult(
        key=series.key,
        label=series.label,
        kind=series.kind,
        unit=series.unit,
        higher_is_better=series.higher_is_better,
        primary=series.key == data.primary_key,
        baseline=base_side,
        on_ldn=on_side,
        difference=difference,
        interval=interval,
        coverage=coverage,
        coverage_text=coverage_text,
        lag1=lag1,
        model=model,
        trend=trend,
        warnings=tuple(warnings),
        not_enough_data=reasons,
        declined=declined,
        dose_steps=_dose_steps(values, course, on_ldn.end),
    )


def _dose_steps(
    values: Mapping[datetime.date, float], course: CourseHistory, end: datetime.date
) -> tuple[DoseStepMean, ...]:
    """Mean per run of consecutive days at one dose, since the start; only runs
    with at least 14 logged days."""
    doses = dose_on_days(course, course.start, end)
    runs: list[list[datetime.date]] = []
    previous: datetime.date | None = None
    for day in sorted(doses):
        dose = doses[day]
        if (
            runs
            and previous is not None
            and day == previous + ONE_DAY
            and doses[previous] == dose
        ):
            runs[-1].append(day)
        else:
            runs.append([day])
        previous = day
    result = []
    for run in runs:
        dose = doses[run[0]]
        logged = [values[d] for d in run if d in values]
        if dose is None or len(logged) < MIN_STEP_DAYS:
            continue
        result.append(
            DoseStepMean(
                start=run[0],
                end=run[-1],
                dose_mg=dose,
                logged_days=len(logged),
                mean=round(statistics.fmean(logged), 2),
            )
        )
    return tuple(result)
