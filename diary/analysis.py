"""Calculations behind the trends page: daily series, rolling means, weekly
aggregates and the one-line summary. (The before/after comparison lives in
:mod:`diary.comparison`.)

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
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypedDict

__all__ = [
    "SummaryChange",
    "WeekPoint",
    "daily_series",
    "rolling_mean",
    "summary_change",
    "weekly_aggregate",
]

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


# --- The short text summary on the trends page ---------------------------------------


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
    # The 35 days looked at, oldest first, None where not logged: read once,
    # then sliced (the same days as four reads of the mapping).
    window = []
    day = today - timedelta(days=34)
    for _ in range(35):
        window.append(scores.get(day))
        day += ONE_DAY
    if all(value is None for value in window):
        return None
    current = _mean_of_logged(window[28:])  # the 7 days ending today
    earlier = _mean_of_logged(window[:7])  # the 7 days ending 28 days before
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
        "days_logged_28": sum(value is not None for value in window[7:]),
        "direction": direction,
    }


def _mean_of_logged(week: Sequence[float | None]) -> float | None:
    logged = [value for value in week if value is not None]
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
