"""Weekly and monthly totals of each symptom's scores (``ScoreRollup``), kept
beside the scores so that a long trends range reads one row per symptom and
period instead of every logged day.

They are derived data, recomputed from the scores, never adjusted by a
difference: ``refresh`` recomputes the week and the month holding a day that was
written (``services.entry_upsert``, ``services.entry_delete``), in the write's
transaction and under the owner's lock, so a chart can never be a write behind
the diary; ``rebuild`` recomputes a whole account (after an import) or every
account (``manage.py rebuild_rollups``, after a bulk load such as ``bench_seed``).
A symptom's or an account's deletion takes its rows with it (foreign keys).
A score saved one at a time past the services (the shell, a test) refreshes its
week and month through ``post_save``; loading or deleting scores in bulk past
the services needs ``rebuild`` afterwards.

Only periods that lie wholly inside a range are read from here; the partial
first and last periods of a range are added up from the scores
(``diary.trends._load_scores``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import NotSupportedError, connection
from django.db.models import DateField, Func
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Entry, ScoreRollup, SymptomScore

__all__ = [
    "PeriodStart",
    "next_period",
    "period_bounds",
    "period_start",
    "rebuild",
    "refresh",
]

WEEK = ScoreRollup.Period.WEEK.value
MONTH = ScoreRollup.Period.MONTH.value
ONE_DAY = datetime.timedelta(days=1)


def _period_start_sql(vendor: str, column: str, period: str) -> str:
    """SQL for the first day of the ISO week (Monday) or calendar month of a
    date column."""
    if vendor == "sqlite":
        if period == WEEK:
            # 'weekday 0' moves on to the Sunday (or stays on one); 6 days back
            # is that ISO week's Monday.
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"date({column}, 'start of month')"
    if vendor == "postgresql":
        # Truncating a timestamp without time zone: no session time zone involved.
        return f"CAST(DATE_TRUNC('{period}', CAST({column} AS timestamp)) AS date)"
    raise NotSupportedError(f"Period starts are not written for {vendor}.")


class PeriodStart(Func):
    """The first day of the ISO week (Monday) or calendar month holding a date,
    computed by the database."""

    output_field = DateField()

    def __init__(self, expression, *, resolution: str):
        if resolution not in (WEEK, MONTH):
            raise ValueError(f"No periods for resolution {resolution!r}.")
        self.resolution = resolution
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return _period_start_sql(connection.vendor, sql, self.resolution), params


def period_start(day: datetime.date, period: str) -> datetime.date:
    """The first day of the ISO week (Monday) or calendar month holding ``day``."""
    if period == WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(first: datetime.date, period: str) -> datetime.date:
    """The first day of the week or month after the one starting on ``first``."""
    if period == WEEK:
        return first + datetime.timedelta(days=7)
    if first.month == 12:
        return datetime.date(first.year + 1, 1, 1)
    return datetime.date(first.year, first.month + 1, 1)


def period_bounds(
    day: datetime.date, period: str
) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the ISO week or calendar month holding ``day``."""
    first = period_start(day, period)
    return first, next_period(first, period) - ONE_DAY


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "rollup": quote(ScoreRollup._meta.db_table),
        "score": quote(SymptomScore._meta.db_table),
        "entry": quote(Entry._meta.db_table),
    }


_COLUMNS = "user_id, symptom_id, period, start, score_sum, days_logged"


def refresh(user_id: int, days: Iterable[datetime.date]) -> None:
    """Recompute, in one statement, the weeks and months holding ``days`` for one
    user from their scores. Every symptom scored in such a period, or with a
    total stored for it, gets its row recomputed: one whose last score of the
    period went keeps a row of 0 days (a gap, as no row is). Call it inside the
    write's transaction, after the scores are written."""
    periods = sorted(
        {
            (period, *period_bounds(day, period))
            for day in days
            for period in (WEEK, MONTH)
        }
    )
    if not periods:
        return
    adapt = connection.ops.adapt_datefield_value
    t = _tables()
    selects, params = [], []
    for period, first, last in periods:
        scored = (
            f"SELECT s.symptom_id, SUM(s.score) AS total, COUNT(*) AS n "  # noqa: S608
            f"FROM {t['score']} s INNER JOIN {t['entry']} e ON s.entry_id = e.id "
            f"WHERE e.user_id = %s AND e.date >= %s AND e.date <= %s "
            f"GROUP BY s.symptom_id"
        )
        scored_params = [user_id, adapt(first), adapt(last)]
        selects.append(
            f"SELECT %s, sym.symptom_id, %s, %s, COALESCE(agg.total, 0), "  # noqa: S608
            f"COALESCE(agg.n, 0) FROM ("
            f"SELECT r.symptom_id FROM {t['rollup']} r "
            f"WHERE r.user_id = %s AND r.period = %s AND r.start = %s "
            f"UNION SELECT symptom_id FROM ({scored}) AS now_scored"
            f") AS sym LEFT JOIN ({scored}) AS agg ON agg.symptom_id = sym.symptom_id"
        )
        params += [
            user_id,
            period,
            adapt(first),
            user_id,
            period,
            adapt(first),
            *scored_params,
            *scored_params,
        ]
    # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    sql = (
        f"INSERT INTO {t['rollup']} ({_COLUMNS}) "  # noqa: S608
        f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS fresh WHERE true "
        f"ON CONFLICT (user_id, period, start, symptom_id) DO UPDATE SET "
        f"score_sum = excluded.score_sum, days_logged = excluded.days_logged"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild(user_id: int | None = None) -> int:
    """Recompute every rollup of one user (or of everybody) from the scores, in
    three statements. Returns how many rows there are now."""
    rows = ScoreRollup.objects.all()
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    rows.delete()
    t = _tables()
    where, params = (
        ("WHERE e.user_id = %s", [user_id]) if user_id is not None else ("", [])
    )
    vendor = connection.vendor
    selects = []
    for period in (WEEK, MONTH):
        start = _period_start_sql(vendor, "e.date", period)
        selects.append(
            f"SELECT e.user_id, s.symptom_id, '{period}', {start}, SUM(s.score), "  # noqa: S608
            f"COUNT(*) FROM {t['score']} s INNER JOIN {t['entry']} e "
            f"ON s.entry_id = e.id {where} GROUP BY e.user_id, s.symptom_id, {start}"
        )
    # Written in the order of the unique index (user, period, start, symptom), the
    # order in which the diary's writes add them: a chart's range of periods is
    # then read from a few neighbouring pages, not a page per row.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {t['rollup']} ({_COLUMNS}) "  # noqa: S608
            f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS fresh "
            f"ORDER BY 1, 3, 4, 2",
            params * 2,
        )
    return (
        ScoreRollup.objects.filter(user_id=user_id).count()
        if user_id is not None
        else ScoreRollup.objects.count()
    )


@receiver(post_save, sender=SymptomScore, dispatch_uid="diary-rollups-score-saved")
def _score_saved(sender, instance: SymptomScore, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: run rebuild_rollups afterwards
        return
    entry = instance.entry
    refresh(entry.user_id, [entry.date])
