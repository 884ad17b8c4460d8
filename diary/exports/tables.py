"""The report's tables and the charts' data, from the rows of :mod:`.loading`:
the table of averages (weekly, monthly or quarterly rows, so that it is about a
year's rows long whatever the range), the three most
frequent side effects, and the trends payload scoped to the range.

Means are over logged days only and unrounded here (format them with one
decimal); a period with nothing logged has ``None``, never 0.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diary import analysis
from diary.models import SideEffect
from diary.trends import (
    RESOLUTION_DAY,
    ROLLING_MIN_DAYS,
    ROLLING_WINDOW,
    SHOWN_PLACES,
    Bucket,
    calendar_buckets,
    weekly_buckets,
)

from .loading import DayRow, SideEffectRow, SymptomInfo, choice_label

ONE_DAY = datetime.timedelta(days=1)
TOP_SIDE_EFFECTS = 3
# The table stays about a year's rows long, so that it is read at a glance and
# a longer report does not cost more to build: a row per ISO week up to about
# six months (26-27 rows), per calendar month up to 13 months, then per calendar
# quarter (a report covers at most two years, exports.services.MAX_RANGE_DAYS:
# 8-9 rows).
WEEKLY_TABLE_MAX_DAYS = 183
MONTHLY_TABLE_MAX_DAYS = 397
WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
_MONTHS = {MONTH: 1, QUARTER: 3}


@dataclass(frozen=True)
class SideEffectCount:
    label: str
    count: int
    max_severity: int
    max_severity_label: str


@dataclass(frozen=True)
class PeriodRow:
    """One row of the averages table: an ISO week or a calendar month, clipped to
    the range. ``means`` maps a symptom UUID to ``(mean or None, days scored)``;
    ``days_logged`` counts the period's days with an entry."""

    start: datetime.date
    end: datetime.date
    days_in_range: int
    days_logged: int
    means: dict[str, tuple[float | None, int]]


def table_period(start: datetime.date, end: datetime.date) -> str:
    """``"week"``, ``"month"`` or ``"quarter"``: the table's rows for a range of
    this length (see ``WEEKLY_TABLE_MAX_DAYS`` and ``MONTHLY_TABLE_MAX_DAYS``)."""
    days = (end - start).days + 1
    if days <= WEEKLY_TABLE_MAX_DAYS:
        return WEEK
    if days <= MONTHLY_TABLE_MAX_DAYS:
        return MONTH
    return QUARTER


def period_rows(
    symptoms: Sequence[SymptomInfo],
    scores: dict[str, dict[datetime.date, int]],
    days: dict[datetime.date, DayRow],
    start: datetime.date,
    end: datetime.date,
) -> tuple[PeriodRow, ...]:
    """The averages table, a row per week, month or quarter
    (:func:`table_period`)."""
    period = table_period(start, end)

    def buckets(values: dict[datetime.date, float], start, end) -> list[Bucket]:
        if period == WEEK:
            return weekly_buckets(values, start, end)
        return calendar_buckets(values, start, end, months=_MONTHS[period])

    frame = buckets(dict.fromkeys(days, 1.0), start, end)
    per_symptom = {
        s.uuid: buckets(
            {day: float(v) for day, v in scores.get(s.uuid, {}).items()}, start, end
        )
        for s in symptoms
    }
    return tuple(
        PeriodRow(
            start=period.start,
            end=period.end,
            days_in_range=period.days_in_range,
            days_logged=period.days_logged,
            means={
                uuid: (rows[index].mean, rows[index].days_logged)
                for uuid, rows in per_symptom.items()
            },
        )
        for index, period in enumerate(frame)
    )


def top_side_effects(effects: Sequence[SideEffectRow]) -> tuple[SideEffectCount, ...]:
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
            max_severity_label=choice_label(SideEffect.Severity, worst[label]),
        )
        for label in ranked[:TOP_SIDE_EFFECTS]
    )


def scoped_trends(
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
