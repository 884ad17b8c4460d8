"""The trends payload: one plain, JSON-safe dict that feeds the trends chart, the
table and summaries under it, and (through the API) the mobile apps.

``trends_payload`` does a fixed number of queries whatever the range and however
many symptoms are tracked: the scores of every symptom come back in one
query, and the crashes, LDN courses, dose changes and side effects take one query
each. The calculations are the pure functions in
``diary.analysis`` and ``diary.doses``.

Honest data: a day without a score is ``null``, never 0. Long ranges are averaged
in the database (weekly beyond a year, monthly beyond five years:
sums and counts per symptom and period in SQL, on SQLite and PostgreSQL alike),
each point saying how many logged days it rests on, so no series has more than
``MAX_POINTS`` points and a ten-year range never loads ten years of rows.
"""

from __future__ import annotations

import datetime
import functools
import statistics
import uuid as uuid_lib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import router, transaction
from django.db.models import (
    CharField,
    Count,
    DateField,
    F,
    Field,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from config.prepared import PreparedSelect

from . import analysis
from .doses import current_dose
from .models import (
    Crash,
    DoseChange,
    ScoreRollup,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from .rollups import PeriodStart
from .rollups import next_period as _next_period
from .rollups import period_start as _period_start
from .services import next_sync_version

__all__ = [
    "DAILY_MAX_DAYS",
    "MAX_POINTS",
    "MAX_RANGE_YEARS",
    "Bucket",
    "choose_resolution",
    "earliest_allowed_start",
    "calendar_buckets",
    "monthly_buckets",
    "trends_payload",
    "trends_preferences_save",
    "weekly_buckets",
]

# Up to five years are shown week by week (a five-year range touches at most
# 262 ISO weeks); longer ones month by month (twenty years are 241 months). On a
# phone a 10-year chart of weekly points would be under a pixel each.
MAX_POINTS = 262
# Up to a year (a leap year included) is shown day by day.
DAILY_MAX_DAYS = 366
MAX_RANGE_YEARS = 20
ROLLING_WINDOW = 7
ROLLING_MIN_DAYS = 4
# The summary compares the 7 days up to the end of the range with the 7 days up to
# 28 days earlier, so it looks at 35 days.
SUMMARY_LOOKBACK_DAYS = 35
# Means are sent with one decimal, as they are shown: a 0-10 score has no more
# precision than that, and the table, tooltip and API then agree to the digit.
SHOWN_PLACES = 1

RESOLUTION_DAY = "day"
RESOLUTION_WEEK = "week"
RESOLUTION_MONTH = "month"

ONE_DAY = datetime.timedelta(days=1)


# --- Ranges and resolution ----------------------------------------------------------


def earliest_allowed_start(end: datetime.date) -> datetime.date:
    """The first day of the longest range that ends on ``end`` (20 years)."""
    try:
        return end.replace(year=end.year - MAX_RANGE_YEARS)
    except ValueError:  # 29 February
        return end.replace(year=end.year - MAX_RANGE_YEARS, day=28)


def _week_count(start: datetime.date, end: datetime.date) -> int:
    first_monday = start - datetime.timedelta(days=start.weekday())
    return (end - first_monday).days // 7 + 1


def choose_resolution(start: datetime.date, end: datetime.date) -> str:
    """Days up to a year, then ISO weeks, then calendar months; never more than
    ``MAX_POINTS`` points."""
    if (end - start).days + 1 <= DAILY_MAX_DAYS:
        return RESOLUTION_DAY
    if _week_count(start, end) <= MAX_POINTS:
        return RESOLUTION_WEEK
    return RESOLUTION_MONTH


@dataclass(frozen=True)
class Bucket:
    """A run of days (a week or a month) clipped to the requested range."""

    start: datetime.date
    end: datetime.date
    mean: float | None
    days_logged: int
    days_in_range: int


def weekly_buckets(
    values: Mapping[datetime.date, float], start: datetime.date, end: datetime.date
) -> list[Bucket]:
    """ISO weeks from :func:`diary.analysis.weekly_aggregate`, clipped to the range."""
    return [
        Bucket(
            start=max(week.week_start, start),
            end=min(week.week_start + datetime.timedelta(days=6), end),
            mean=week.mean,
            days_logged=week.days_logged,
            days_in_range=week.days_in_range,
        )
        for week in analysis.weekly_aggregate(values, start, end)
    ]


def calendar_buckets(
    values: Mapping[datetime.date, float | None],
    start: datetime.date,
    end: datetime.date,
    *,
    months: int,
) -> list[Bucket]:
    """Runs of ``months`` calendar months (1: months; 3: quarters from January,
    April, July and October; 12: years) covering [start, end], the first and
    last clipped to the range.

    ``mean`` is over the logged days only (``None`` when none); missing days are
    gaps, never zeros.
    """
    if end < start:
        raise ValueError("The range ends before it starts.")
    buckets: list[Bucket] = []
    first = start
    while first <= end:
        after = (first.month - 1) // months * months + months  # 0-based month
        following = datetime.date(first.year + after // 12, after % 12 + 1, 1)
        last = min(following - ONE_DAY, end)
        logged = [
            value
            for day in _days(first, last)
            if (value := values.get(day)) is not None
        ]
        buckets.append(
            Bucket(
                start=first,
                end=last,
                mean=statistics.fmean(logged) if logged else None,
                days_logged=len(logged),
                days_in_range=(last - first).days + 1,
            )
        )
        first = following
    return buckets


def monthly_buckets(
    values: Mapping[datetime.date, float], start: datetime.date, end: datetime.date
) -> list[Bucket]:
    """Calendar months covering [start, end]; the first and last may be partial
    (:func:`calendar_buckets` of one month)."""
    return calendar_buckets(values, start, end, months=1)


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def _buckets(
    resolution: str, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The (first, last) days of each point at this resolution: days, ISO weeks
    or calendar months, the first and last clipped to the range (the same
    periods as :func:`weekly_buckets` and :func:`monthly_buckets`)."""
    if resolution == RESOLUTION_DAY:
        return [(day, day) for day in _days(start, end)]
    buckets = []
    first = _period_start(start, resolution)
    while first <= end:
        following = _next_period(first, resolution)
        buckets.append((max(first, start), min(following - ONE_DAY, end)))
        first = following
    return buckets


@functools.lru_cache(maxsize=16)
def _point_frames(
    resolution: str, start: datetime.date, end: datetime.date
) -> tuple[tuple[str, str, str, int], ...]:
    """For each weekly or monthly point of a range, what every series shares:
    the period's first day (the key of its sums), the point's first and last days
    as ISO text and how many days of the range it covers; computed once per
    range rather than once per point of every series."""
    frames = []
    for first, last in _buckets(resolution, start, end):
        first_text = first.isoformat()
        frames.append(
            (first_text, first_text, last.isoformat(), (last - first).days + 1)
        )
    first_period = _period_start(start, resolution)
    if frames and first_period != start:
        # Only the first point can start after its period's first day.
        frames[0] = (first_period.isoformat(), *frames[0][1:])
    return tuple(frames)


def _bucket_of(
    day: datetime.date, resolution: str, start: datetime.date, end: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The (first, last) days of the point that holds ``day``."""
    if resolution == RESOLUTION_DAY:
        return (day, day)
    first = _period_start(day, resolution)
    return (max(first, start), min(_next_period(first, resolution) - ONE_DAY, end))


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


@functools.lru_cache(maxsize=16384)
def _shown_mean(total: int, logged: int) -> float:
    """``total / logged`` rounded as shown. A period's sum and count are small
    integers (at most 10 x 31 and 31), so the few hundred pairs a history holds
    are rounded once: ``round(x, 1)`` costs more than building a point."""
    return round(total / logged, SHOWN_PLACES)


# --- The payload --------------------------------------------------------------------

_INT: Field = IntegerField()
_DATE: Field = DateField()
# The chart's markers (the LDN start, the dose changes up to the end of the
# range, and the crashes and side effects in it) in one query, compiled once
# per connection (config.prepared): four small queries were four round trips,
# about 1.5 of the 4.6 ms a fresh ten-year payload spent in its queries
# (in-process, PostgreSQL). Each part fills the columns it needs and leaves the
# others NULL; ``part`` tells them apart and leads the order. The dose part
# comes first: its columns give every column its type and converters (dates,
# the dose's decimal, the crash's UUID).
_DOSES, _COURSES, _CRASH_ROWS, _EFFECT_ROWS = range(4)
_MARKER_COLUMNS = (
    "part",
    "day",
    "until",
    "mg",
    "sort_text",
    "text_a",
    "text_b",
    "grade",
    "ident",
    "row",
)


def _markers_query(
    doses_user: int,
    doses_end: datetime.date,
    courses_user: int,
    crashes_user: int,
    crashes_start: datetime.date,
    crashes_end: datetime.date,
    effects_user: int,
    effects_start: datetime.date,
    effects_end: datetime.date,
) -> QuerySet:
    """The query of ``_MARKERS``: each value has its own place (the user id
    comes four times) so that every placeholder maps to one parameter."""

    def part(queryset: QuerySet, number: int, **columns: Any) -> QuerySet:
        # Typed NULLs: PostgreSQL types a bare NULL as text when it meets
        # another bare NULL, and text and date cannot be matched.
        empty = {
            "day": Cast(Value(None), DateField()),
            "until": Cast(Value(None), DateField()),
            "mg": Cast(Value(None), DoseChange._meta.get_field("dose_mg")),
            "sort_text": Cast(Value(None), CharField()),
            "text_a": Cast(Value(None), CharField()),
            "text_b": Cast(Value(None), CharField()),
            "grade": Cast(Value(None), IntegerField()),
            "ident": Cast(Value(None), UUIDField()),
        }
        return (
            queryset.order_by()
            .annotate(
                part=Value(number, output_field=IntegerField()),
                **{**empty, **columns},
                row=F("id"),
            )
            .values_list(*_MARKER_COLUMNS)
        )

    doses = part(
        DoseChange.objects.for_user(User(pk=doses_user)).filter(date__lte=doses_end),
        _DOSES,
        day=F("date"),
        mg=F("dose_mg"),
        text_a=F("reason"),
        text_b=F("time_of_day"),
    )
    courses = part(
        TreatmentCourse.objects.for_user(User(pk=courses_user)),
        _COURSES,
        day=F("start_date"),
    )
    crashes = part(
        Crash.objects.for_user(User(pk=crashes_user)).overlapping(
            crashes_start, crashes_end
        ),
        _CRASH_ROWS,
        day=F("start_date"),
        until=F("end_date"),
        grade=F("severity"),
        ident=F("uuid"),
    )
    effects = part(
        SideEffect.objects.for_user(User(pk=effects_user)).filter(
            date__gte=effects_start, date__lte=effects_end
        ),
        _EFFECT_ROWS,
        day=F("date"),
        sort_text=F("kind"),
        text_a=F("other_description"),
        grade=F("severity"),
    )
    # Per part: doses by (date, id), courses by (start date, id), crashes by
    # (start date, id), side effects by (date, kind, id).
    return doses.union(courses, crashes, effects, all=True).order_by(
        "part", "day", "sort_text", "row"
    )


# The fields of _markers_query's values, in its order.
_MARKER_FIELDS = [_INT, _DATE, _INT, _INT, _DATE, _DATE, _INT, _DATE, _DATE]
_MARKERS = PreparedSelect(
    "diary.trends.markers",
    _markers_query,
    lambda n: _placeholders(_MARKER_FIELDS, n),
)


@dataclass
class _Markers:
    """The rows of ``_MARKERS``, each part as the payload reads it."""

    course_starts: list[datetime.date]
    dose_changes: list[_DoseRow]
    crashes: list[tuple[uuid_lib.UUID, datetime.date, datetime.date | None, int]]
    side_effects: list[tuple[datetime.date, str, str, int]]


def _load_markers(
    user: User, *, start: datetime.date, end: datetime.date, using: str
) -> _Markers:
    markers = _Markers([], [], [], [])
    rows = _MARKERS.rows(
        _MARKER_FIELDS,
        [user.pk, end, user.pk, user.pk, start, end, user.pk, start, end],
        using=using,
    )
    for number, day, until, mg, sort_text, text_a, text_b, grade, ident, _row in rows:
        if number == _DOSES:
            markers.dose_changes.append(_DoseRow(day, mg, text_a, text_b))
        elif number == _COURSES:
            markers.course_starts.append(day)
        elif number == _CRASH_ROWS:
            markers.crashes.append((ident, day, until, grade))
        else:
            markers.side_effects.append((day, sort_text, text_a, grade))
    return markers


class _Tracked(NamedTuple):
    """What the payload needs of a tracked symptom and its symptom."""

    symptom_id: int
    uuid: uuid_lib.UUID
    name: str
    shown_on_trends: bool
    archived_at: datetime.datetime | None


class _DoseRow(NamedTuple):
    """A dose change as ``diary.doses`` reads it (a ``DoseStep``)."""

    date: datetime.date
    dose_mg: Decimal | None
    reason: str
    time_of_day: str


# The user's tracked symptoms in their order (as TrackedSymptom.objects.for_user
# (user).in_order()).
_TRACKED = PreparedSelect(
    "diary.trends.tracked",
    lambda user_id: (
        TrackedSymptom.objects.for_user(User(pk=user_id))
        .order_by("position", "id")
        .values_list(
            "symptom_id",
            "symptom__uuid",
            "symptom__name",
            "shown_on_trends",
            "archived_at",
        )
    ),
    lambda n: [-1],
)


def trends_payload(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    symptom_ids: Iterable[int] | None = None,
    overlay: list[dict] | None = None,
) -> dict[str, Any]:
    """Everything the trends chart shows for ``user`` between ``start`` and ``end``
    (inclusive), as plain JSON-safe data with ISO dates.

    ``symptom_ids`` (``Symptom`` primary keys) limits the series to those of the
    user's tracked symptoms; by default every active tracked symptom is included,
    and archived ones too when they have scores in the range. Each series says
    whether the user chose to show it (``shown``); the chart hides the others.

    ``overlay`` is passed through unchanged: an optional list of
    ``{"label", "start", "end"}`` brackets (ISO dates) that the chart draws when
    the user asks for them.

    Keys: ``range``, ``resolution`` ("day", "week" or "month"), ``series``,
    ``ldn_start``, ``dose_steps``, ``crashes``, ``side_effects``, ``overlay``,
    ``rolling`` and ``disclaimer``. In a series, ``points`` are ``{x, y, n}``:
    for days ``y`` is the score (``null`` when not logged) and ``n`` is 1 or 0;
    for weeks and months ``y`` is the mean of the logged days (one decimal), ``n``
    how many days were logged, ``days`` how many days of the range the point
    covers and ``x_end`` its last day. ``rolling_mean`` is the 7-day mean (one
    decimal; ``null`` with fewer than 4 logged days in the window) for daily
    points, and empty when the points are already averages. Each series also has
    ``days_logged`` in the range and a ``summary`` (``analysis.summary_change`` at
    the end of the range, with a sentence in ``text``).
    """
    if end < start:
        raise ValueError("The range ends before it starts.")
    if start < earliest_allowed_start(end):
        raise ValueError(f"The range is longer than {MAX_RANGE_YEARS} years.")
    today = user.local_today()
    resolution = choose_resolution(start, end)

    db = router.db_for_read(SymptomScore)
    tracked = [_Tracked(*row) for row in _TRACKED.rows([_INT], [user.pk], using=db)]
    if symptom_ids is not None:
        wanted = set(symptom_ids)
        tracked = [t for t in tracked if t.symptom_id in wanted]
    tracked.sort(key=lambda t: t.archived_at is not None)  # active first, stable

    scores, periods = _load_scores(
        user,
        [t.symptom_id for t in tracked],
        start=start,
        end=end,
        resolution=resolution,
    )

    series = []
    for item in tracked:
        values = scores.get(item.symptom_id, {})
        sums = periods.get(item.symptom_id, {})
        built = _series(item, values, sums, start=start, end=end, resolution=resolution)
        if item.archived_at is not None and not built["days_logged"]:
            continue
        built["summary"] = _summary(item.name, values, end=end, today=today)
        series.append(built)

    markers = _load_markers(user, start=start, end=end, using=db)

    # Labels are translated once per payload, not once per marker: a ten-year
    # range can hold hundreds of crashes and side effects.
    crash_labels = _choice_labels(Crash.Severity)
    return {
        "range": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": (end - start).days + 1,
            "today": today.isoformat(),
        },
        "resolution": resolution,
        "max_points": MAX_POINTS,
        "rolling": {"window_days": ROLLING_WINDOW, "min_days": ROLLING_MIN_DAYS},
        "series": series,
        "ldn_start": (
            markers.course_starts[0].isoformat() if markers.course_starts else None
        ),
        "dose_steps": _dose_steps(markers.dose_changes, start=start),
        "crashes": [
            {
                "uuid": str(crash_uuid),
                "start": crash_start.isoformat(),
                "end": crash_end.isoformat() if crash_end else None,
                "ongoing": crash_end is None,
                "severity": severity,
                "severity_label": crash_labels[severity],
            }
            for crash_uuid, crash_start, crash_end, severity in markers.crashes
        ],
        "side_effects": _side_effect_markers(
            markers.side_effects, start=start, end=end, resolution=resolution
        ),
        "overlay": list(overlay) if overlay else [],
        "disclaimer": _(
            "Not medical advice. These charts show only what you logged. Days you "
            "did not log are gaps, not zeros. A change in your chart cannot show "
            "what caused it; talk to your prescriber before changing any medicine."
        ),
    }


_DAY_ROW, _PERIOD_ROW = 0, 1


def _score_rows_query(resolution: str, with_full: bool, *values: Any) -> QuerySet:
    """The query of :func:`_load_scores`, built from ``values``: three scalars
    ``(user, end, daily start)`` for the days; for weekly and monthly charts
    three more ``(user, end, start)`` for the partial periods, and with periods
    wholly inside the range five more ``(first full period, the period after
    the last full one, user, first full period, last full period)``; then the
    symptom ids once per part. Each value has its own place (the same user id
    comes three times) so that :class:`config.prepared.PreparedSelect` can map
    every placeholder to one parameter."""
    scalars, groups = _SCORE_ROWS_LAYOUT[(resolution == RESOLUTION_DAY, with_full)]
    head, ids = values[:scalars], values[scalars:]
    n = len(ids) // groups
    id_groups = [ids[i * n : (i + 1) * n] for i in range(groups)]
    user_id, end, daily_start = head[:3]
    rows = (
        SymptomScore.objects.filter(
            entry__user_id=user_id,
            entry__date__lte=end,
            entry__date__gte=daily_start,
            symptom_id__in=id_groups[0],
        )
        .annotate(
            kind=Value(_DAY_ROW, output_field=IntegerField()),
            day=F("entry__date"),
            total=F("score"),
            n=Value(1, output_field=IntegerField()),
        )
        .values_list("kind", "symptom_id", "day", "total", "n")
    )
    if resolution == RESOLUTION_DAY:
        return rows
    # Periods wholly inside the range come from the rollups (one row per
    # symptom and period); the partial first and last ones are added up from
    # the scores of their days in the range.
    user_id, end, start = head[3:6]
    if with_full:
        # Two ranges the index can seek to (the days before the first full
        # period and after the last), not the whole range less the full
        # periods, which a generic plan reads day by day.
        full_first, after_full = head[6:8]
        days = Q(entry__date__gte=start, entry__date__lt=full_first) | Q(
            entry__date__gte=after_full, entry__date__lte=end
        )
    else:
        days = Q(entry__date__gte=start, entry__date__lte=end)
    edges = SymptomScore.objects.filter(
        days, entry__user_id=user_id, symptom_id__in=id_groups[1]
    )
    parts: list[QuerySet] = [
        edges.annotate(day=PeriodStart("entry__date", resolution=resolution))
        .values("symptom_id", "day")
        .annotate(
            kind=Value(_PERIOD_ROW, output_field=IntegerField()),
            total=Sum("score"),
            n=Count("id"),
        )
        .values_list("kind", "symptom_id", "day", "total", "n")
    ]
    if with_full:
        user_id, full_first, full_last = head[8:11]
        parts.append(
            ScoreRollup.objects.filter(
                user_id=user_id,
                period=resolution,
                start__gte=full_first,
                start__lte=full_last,
                symptom_id__in=id_groups[2],
            )
            .annotate(
                kind=Value(_PERIOD_ROW, output_field=IntegerField()),
                day=F("start"),
                total=F("score_sum"),
                n=F("days_logged"),
            )
            .values_list("kind", "symptom_id", "day", "total", "n")
        )
    # The sums first: a compound SELECT takes its column types from its first
    # part, and SQLite's date converter would otherwise parse every period's
    # key only for it to be formatted back into text.
    return parts[0].union(*parts[1:], rows, all=True)


# (daily chart?, with full periods?) -> (scalar values, groups of symptom ids)
_SCORE_ROWS_LAYOUT = {
    (True, False): (3, 1),
    (False, False): (6, 2),
    (False, True): (11, 3),
}
_SCORE_ROWS_SCALARS: dict[int, list[Field]] = {
    3: [_INT, _DATE, _DATE],
    6: [_INT, _DATE, _DATE] * 2,
    11: [_INT, _DATE, _DATE] * 2 + [_DATE, _DATE, _INT, _DATE, _DATE],
}


def _placeholders(fields: Sequence[Field], count: int) -> list[Any]:
    """Distinct sample values for ``fields`` then ints up to ``count``, unlike
    any user id, symptom id, constant or date a diary holds."""
    values: list[Any] = [
        datetime.date(1001 + i, 1, 1) if field is _DATE else -1 - i
        for i, field in enumerate(fields)
    ]
    return values + [-1001 - i for i in range(count - len(values))]


def _score_rows_select(resolution: str, with_full: bool) -> PreparedSelect:
    scalars, _groups = _SCORE_ROWS_LAYOUT[(resolution == RESOLUTION_DAY, with_full)]
    fields = _SCORE_ROWS_SCALARS[scalars]
    return PreparedSelect(
        f"diary.trends.scores.{resolution}.{int(with_full)}",
        functools.partial(_score_rows_query, resolution, with_full),
        functools.partial(_placeholders, fields),
        raw=True,  # Period keys stay text on SQLite; see _load_scores.
    )


_SCORE_ROWS = {
    (resolution, with_full): _score_rows_select(resolution, with_full)
    for resolution, with_full in (
        (RESOLUTION_DAY, False),
        (RESOLUTION_WEEK, False),
        (RESOLUTION_WEEK, True),
        (RESOLUTION_MONTH, False),
        (RESOLUTION_MONTH, True),
    )
}


def _score_rows_values(
    user: User,
    symptom_ids: list[int],
    *,
    start: datetime.date,
    end: datetime.date,
    resolution: str,
) -> tuple[list[Any], bool]:
    """The values of :func:`_score_rows_query` for a range, and whether the
    range holds whole periods (read from the rollups)."""
    summary_start = end - datetime.timedelta(days=SUMMARY_LOOKBACK_DAYS - 1)
    daily_start = (
        min(start - datetime.timedelta(days=ROLLING_WINDOW - 1), summary_start)
        if resolution == RESOLUTION_DAY
        else summary_start
    )
    values: list[Any] = [user.pk, end, daily_start]
    groups = 1
    with_full = False
    if resolution != RESOLUTION_DAY:
        full_first = _period_start(start, resolution)
        if full_first < start:
            full_first = _next_period(full_first, resolution)
        full_last = _period_start(end, resolution)
        if _next_period(full_last, resolution) - ONE_DAY > end:
            full_last = _period_start(full_last - ONE_DAY, resolution)
        with_full = full_first <= full_last
        values += [user.pk, end, start]
        groups = 2
        if with_full:
            after_full = _next_period(full_last, resolution)
            values += [full_first, after_full, user.pk, full_first, full_last]
            groups = 3
    return values + list(symptom_ids) * groups, with_full


def _load_scores(
    user: User,
    symptom_ids: list[int],
    *,
    start: datetime.date,
    end: datetime.date,
    resolution: str,
) -> tuple[
    dict[int, dict[datetime.date, float]],
    dict[int, dict[str, tuple[int, int]]],
]:
    """One query, whatever the range: the daily scores the chart and the
    summaries need, and for weekly or monthly charts each period's sum and
    count of logged days per symptom, added up by the database (the query is
    compiled once per connection and shape: :func:`_score_rows_query`).

    Returns ``({symptom_id: {day: score}}, {symptom_id: {period_start: (sum,
    days_logged)}})``, the period's first day as ISO text; the second is empty
    for daily charts. Days not logged have no row: they are gaps, never zeros.
    """
    scores: dict[int, dict[datetime.date, float]] = defaultdict(dict)
    periods: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    if not symptom_ids:
        return scores, periods
    values, with_full = _score_rows_values(
        user, symptom_ids, start=start, end=end, resolution=resolution
    )
    prepared = _SCORE_ROWS[(resolution, with_full)]
    scalars, _groups = _SCORE_ROWS_LAYOUT[(resolution == RESOLUTION_DAY, with_full)]
    fields = _SCORE_ROWS_SCALARS[scalars] + [_INT] * (len(values) - scalars)
    # The rows as the driver gives them: a ten-year chart has over a thousand,
    # and the ORM's per-value converters were a third of the time. Period rows
    # are keyed by the ISO text of their first day (SQLite returns dates as
    # text, PostgreSQL as dates); daily rows, a few hundred at most, become
    # dates.
    fetched = prepared.rows(fields, values, using=router.db_for_read(SymptomScore))
    # Each day or period start is converted once, not once per symptom: the
    # conversions were four fifths of this loop.
    days: dict[Any, datetime.date] = {}
    starts: dict[Any, str] = {}
    for kind, symptom_id, day, total, n in fetched:
        if kind == _DAY_ROW:
            date = days.get(day)
            if date is None:
                date = days[day] = (
                    datetime.date.fromisoformat(day) if isinstance(day, str) else day
                )
            scores[symptom_id][date] = total
        else:
            start_text = starts.get(day)
            if start_text is None:
                start_text = starts[day] = (
                    day if isinstance(day, str) else day.isoformat()
                )
            # Integers from both databases: SUM and COUNT of integer columns.
            periods[symptom_id][start_text] = (total, n)
    return scores, periods


def _series(
    item: _Tracked,
    values: Mapping[datetime.date, float],
    sums: Mapping[str, tuple[int, int]],
    *,
    start: datetime.date,
    end: datetime.date,
    resolution: str,
) -> dict[str, Any]:
    base = {
        "id": item.symptom_id,
        "uuid": str(item.uuid),
        "name": item.name,
        "shown": item.shown_on_trends,
        "archived": item.archived_at is not None,
    }

    if resolution == RESOLUTION_DAY:
        base["days_logged"] = sum(1 for day in values if start <= day <= end)
        days = _days(start, end)
        daily = analysis.daily_series(values, start, end)
        rolling = analysis.rolling_mean(
            days, values, window=ROLLING_WINDOW, min_days=ROLLING_MIN_DAYS
        )
        base["points"] = [
            {"x": day.isoformat(), "y": value, "n": 0 if value is None else 1}
            for day, value in zip(days, daily, strict=True)
        ]
        base["rolling_mean"] = [
            {"x": day.isoformat(), "y": _round(mean, SHOWN_PLACES)}
            for day, mean in zip(days, rolling, strict=True)
        ]
        return base

    # Every period in ``sums`` lies in the range (the database clips the first
    # and last), so its days add up to the days logged in the range.
    base["days_logged"] = sum(logged for _total, logged in sums.values())
    get, no_days, mean = sums.get, (0, 0), _shown_mean
    base["points"] = [
        {
            "x": first,
            "x_end": last,
            # The mean of the logged days only: a week with none is a gap.
            "y": mean(total, logged) if logged else None,
            "n": logged,
            "days": length,
        }
        for key, first, last, length in _point_frames(resolution, start, end)
        for total, logged in (get(key, no_days),)
    ]
    base["rolling_mean"] = []
    return base


def _summary(
    name: str,
    values: Mapping[datetime.date, float],
    *,
    end: datetime.date,
    today: datetime.date,
) -> dict[str, Any]:
    """:func:`diary.analysis.summary_change` at the end of the range, with a sentence
    such as "Fatigue: 7-day average 6.1, down from 7.3 four weeks ago; 22 of 28
    days logged"."""
    change = analysis.summary_change(values, end)
    as_of = end.isoformat()
    if change is None:
        if end == today:
            text = _("%(name)s: nothing logged in the last 5 weeks.") % {"name": name}
        else:
            text = _("%(name)s: nothing logged in the 5 weeks up to %(day)s.") % {
                "name": name,
                "day": date_format(end, "D j M Y"),
            }
        return {
            "as_of": as_of,
            "current": None,
            "four_weeks_ago": None,
            "days_logged_28": 0,
            "direction": None,
            "text": text,
        }

    logged = ngettext(
        "%(n)d of 28 days logged", "%(n)d of 28 days logged", change["days_logged_28"]
    ) % {"n": change["days_logged_28"]}
    current, earlier = change["current"], change["four_weeks_ago"]
    params = {
        "name": name,
        "current": f"{current:.1f}" if current is not None else "",
        "earlier": f"{earlier:.1f}" if earlier is not None else "",
        "logged": logged,
    }
    if current is None:
        text = _(
            "%(name)s: too few days logged in the last 7 for an average (4 are "
            "needed); %(logged)s."
        )
    elif earlier is None:
        text = _(
            "%(name)s: 7-day average %(current)s; too few days logged four weeks "
            "earlier to compare; %(logged)s."
        )
    elif change["direction"] == "up":
        text = _(
            "%(name)s: 7-day average %(current)s, up from %(earlier)s four weeks "
            "ago; %(logged)s."
        )
    elif change["direction"] == "down":
        text = _(
            "%(name)s: 7-day average %(current)s, down from %(earlier)s four weeks "
            "ago; %(logged)s."
        )
    else:
        text = _(
            "%(name)s: 7-day average %(current)s, the same as four weeks ago; "
            "%(logged)s."
        )
    return {
        "as_of": as_of,
        "current": _round(current, SHOWN_PLACES),
        "four_weeks_ago": _round(earlier, SHOWN_PLACES),
        "days_logged_28": change["days_logged_28"],
        "direction": change["direction"],
        "text": text % params,
    }


def _dose_steps(
    changes: Sequence[_DoseRow], *, start: datetime.date
) -> list[dict[str, Any]]:
    """The dose step in effect on ``start`` (flagged ``before_range``), then every
    change from ``start`` on. ``dose_mg`` is ``None`` for a pause or a stop."""
    steps = []
    at_start = current_dose(changes, start - ONE_DAY)
    if at_start.change is not None:
        steps.append(_dose_step(at_start.change, before_range=True))
    steps += [_dose_step(c, before_range=False) for c in changes if c.date >= start]
    return steps


def _dose_step(change: _DoseRow, *, before_range: bool) -> dict[str, Any]:
    return {
        "date": change.date.isoformat(),
        "dose_mg": float(change.dose_mg) if change.dose_mg is not None else None,
        "reason": change.reason,
        "reason_label": str(DoseChange.Reason(change.reason).label),
        "before_range": before_range,
    }


def _choice_labels(choices) -> dict[Any, str]:
    """Each value of a choices enum with its label in the active language (not
    to be changed: it is shared)."""
    return _labels_in(choices, get_language())


@functools.lru_cache(maxsize=64)
def _labels_in(choices, language: str | None) -> dict[Any, str]:
    with translation.override(language):
        return {value: str(label) for value, label in choices.choices}


def _side_effect_markers(
    effects: Iterable[tuple[datetime.date, str, str, int]],
    *,
    start: datetime.date,
    end: datetime.date,
    resolution: str,
) -> list[dict[str, Any]]:
    """One marker per day with side effects, or per week/month when the chart shows
    averages (so this list never outgrows the series). ``effects`` are
    ``(date, kind, other_description, severity)`` rows; an "other" effect is
    labelled by its description, as ``SideEffect.label`` does."""
    kind_labels = _choice_labels(SideEffect.Kind)
    severity_labels = _choice_labels(SideEffect.Severity)
    grouped: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(dict)
    days_with: dict[tuple, set[datetime.date]] = defaultdict(set)
    for date, kind, other_description, severity in effects:
        key = _bucket_of(date, resolution, start, end)
        days_with[key].add(date)
        if kind == SideEffect.Kind.OTHER and other_description:
            label = other_description
        else:
            label = kind_labels.get(kind, kind)
        found = grouped[key].get(label)
        if found is None:
            grouped[key][label] = {
                "kind": kind,
                "label": label,
                "severity": severity,
                "severity_label": severity_labels[severity],
                "days": {date},
            }
        else:
            found["days"].add(date)
            if severity > found["severity"]:
                found["severity"] = severity
                found["severity_label"] = severity_labels[severity]
    markers = []
    for key in sorted(grouped):
        first, last = key
        markers.append(
            {
                "x": first.isoformat(),
                "x_end": last.isoformat(),
                "days": len(days_with[key]),
                "effects": [
                    effect | {"days": len(effect["days"])}
                    for effect in grouped[key].values()
                ],
            }
        )
    return markers


# --- Preferences --------------------------------------------------------------------


@transaction.atomic
def trends_preferences_save(
    *,
    user: User,
    shown: Iterable[uuid_lib.UUID],
    offered: Iterable[uuid_lib.UUID] | None = None,
) -> list[str]:
    """Remember which of ``user``'s tracked symptoms the trends chart shows.

    ``shown`` and ``offered`` are symptom UUIDs. Of the symptoms that were
    ``offered`` (all the user's tracked symptoms when ``None``), those in ``shown``
    are shown and the others hidden. UUIDs of symptoms the user does not track,
    including anybody else's, are ignored. Returns the UUIDs now shown.
    """
    tracked = TrackedSymptom.objects.for_user(user)
    if offered is not None:
        tracked = tracked.filter(symptom__uuid__in=list(offered))
    shown = list(shown)
    # A change is a write like any other: it raises the user's change counter,
    # which also makes the cached trends payload (diary.trends_cache) stale.
    to_show = tracked.filter(symptom__uuid__in=shown, shown_on_trends=False)
    to_hide = tracked.exclude(symptom__uuid__in=shown).filter(shown_on_trends=True)
    version = next_sync_version(user)
    to_show.update(shown_on_trends=True, sync_version=version)
    to_hide.update(shown_on_trends=False, sync_version=version)
    return [
        str(u)
        for u in TrackedSymptom.objects.for_user(user)
        .filter(shown_on_trends=True)
        .values_list("symptom__uuid", flat=True)
    ]
