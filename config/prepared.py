"""SELECTs compiled once and run again with other values, and UPDATEs of a
saved instance built once (``PreparedUpdate``).

For a small query the ORM spends more time building and compiling it (filters,
joins, SQL, converters) than the database spends answering it. A
``PreparedSelect`` builds its queryset once per database connection, with
placeholder values, keeps the SQL, the position of each value in its
parameters and the compiler (for the column converters), and then only runs
that SQL with the values of the request and converts the rows as the ORM would.

Safe for querysets whose SQL depends only on the *number* of values, never on
the values themselves: ``build`` must be a plain chain of filters, ordering and
``values_list`` (no ``None`` values, whose lookups compile to other SQL, and no
empty lists, which compile to no query at all). The preparation checks that
every placeholder lands in the parameters exactly once and refuses otherwise.
What is kept lives on the connection object (one per thread), so threads never
share a compiler.
"""

import datetime
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet, signals


class PreparationError(RuntimeError):
    pass


class _Compiled:
    __slots__ = ("compiler", "converters", "fixed", "positions", "sql")

    def __init__(self, queryset: QuerySet, placeholders: Sequence[Any], connection):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        adapted = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in placeholders
        ]
        positions: list[int | None] = []
        for param in params:
            found = [i for i, value in enumerate(adapted) if value == param]
            if len(found) > 1:
                raise PreparationError("Two placeholders compile to the same value.")
            positions.append(found[0] if found else None)
        used = [p for p in positions if p is not None]
        if sorted(used) != list(range(len(adapted))):
            raise PreparationError("A placeholder is missing from the SQL or repeated.")
        self.sql = sql
        self.fixed = list(params)
        self.positions = positions
        self.compiler = compiler
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)


class PreparedSelect:
    """``build(*values)`` returns a ``values_list`` queryset and
    ``placeholders(n)`` ``n`` values to compile it with: distinct, and unlike
    any constant of the query (they are never sent to the database).
    ``rows(fields, values)`` answers what ``list(build(*values))`` would;
    ``fields`` are the model fields that prepare each value for the database
    (as the lookups do). With ``repeats``, each distinct value of a column is
    converted once (for columns whose values repeat from row to row). With
    ``raw``, rows are returned as the driver gives them, without the ORM's
    converters (dates may then be text on SQLite)."""

    def __init__(
        self,
        name: str,
        build: Callable[..., QuerySet],
        placeholders: Callable[[int], Sequence[Any]],
        *,
        repeats: bool = False,
        raw: bool = False,
    ):
        self.name = name
        self.build = build
        self.placeholders = placeholders
        self.repeats = repeats
        self.raw = raw

    def rows(self, fields: Sequence[Field], values: Sequence[Any], using="default"):
        connection = connections[using]
        cache = connection.__dict__.setdefault("_prepared_selects", {})
        key = (self.name, len(values))
        compiled = cache.get(key)
        if compiled is None:
            sample = self.placeholders(len(values))
            compiled = _Compiled(
                self.build(*sample), list(zip(fields, sample, strict=True)), connection
            )
            cache[key] = compiled
        adapted = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(fields, values, strict=True)
        ]
        params = [
            fixed if position is None else adapted[position]
            for fixed, position in zip(compiled.fixed, compiled.positions, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        compiler = compiled.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if self.raw:
            return rows
        if not compiled.converters:
            return [tuple(row) for row in rows]
        if self.repeats:
            return _converted(rows, compiled.converters, connection)
        return [
            tuple(row) for row in compiler.apply_converters(rows, compiled.converters)
        ]


# Converters give the same value for the same database value; of these types it
# is safe to hand the same object to every row that holds it.
_MISSING = object()
_IMMUTABLE = (str, int, float, bool, bytes, uuid.UUID, Decimal, datetime.date)


def _converted(rows, converters, connection) -> list[tuple]:
    """The rows with the ORM's converters applied (``apply_converters``), each
    distinct value of a column converted once (a symptom's uuid, say, repeats
    on every score of a page)."""
    columns: list[tuple[int, list, Any, dict]] = [
        (position, convs, expression, {})
        for position, (convs, expression) in converters.items()
    ]
    result = []
    for raw in rows:
        row = list(raw)
        for position, convs, expression, seen in columns:
            value = row[position]
            key: tuple | None = (type(value), value)  # 1 and 1.0 differ here.
            try:
                cached = seen.get(key, _MISSING)
            except TypeError:  # Not hashable: converted every time.
                cached, key = _MISSING, None
            if cached is not _MISSING:
                row[position] = cached
                continue
            for converter in convs:
                value = converter(value, expression, connection)
            if key is not None and isinstance(value, _IMMUTABLE):
                seen[key] = value
            row[position] = value
        result.append(tuple(row))
    return result


class PreparedUpdate:
    """Saves an instance that is already in the database, as ``Model.save()``
    does (every concrete column, each field's ``pre_save`` such as ``auto_now``
    applied, the update matched by primary key), with the SQL built once per
    connection instead of an ``UpdateQuery`` built and compiled on every save.

    Only for models without ``pre_save`` or ``post_save`` receivers, which it
    does not send: with any connected, and for a row that is not there (no row
    updated), it hands over to ``save()`` itself. Fields with a placeholder of
    their own (``get_placeholder``) are refused when the SQL is built."""

    def __init__(self, model):
        self.model = model
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.pk = meta.pk

    def _sql(self, connection) -> str:
        cache = connection.__dict__.setdefault("_prepared_updates", {})
        sql = cache.get(self.model)
        if sql is None:
            if any(hasattr(field, "get_placeholder") for field in self.fields):
                raise PreparationError("A field has a placeholder of its own.")
            quote = connection.ops.quote_name
            columns = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
            sql = cache[self.model] = (
                f"UPDATE {quote(self.model._meta.db_table)} SET {columns} "  # noqa: S608  (names from the model)
                f"WHERE {quote(self.pk.column)} = %s"
            )
        return sql

    def save(self, instance, using: str = "default") -> None:
        if (
            instance._state.adding
            or instance.pk is None
            or signals.pre_save.has_listeners(self.model)
            or signals.post_save.has_listeners(self.model)
        ):
            instance.save(using=using)
            return
        connection = connections[using]
        params = [
            field.get_db_prep_save(field.pre_save(instance, False), connection)
            for field in self.fields
        ]
        params.append(self.pk.get_db_prep_value(instance.pk, connection))
        with connection.cursor() as cursor:
            cursor.execute(self._sql(connection), params)
            updated = cursor.rowcount
        if not updated:
            instance.save(using=using)
            return
        instance._state.db = using


class PreparedUpsert:
    """Inserts rows, or updates ``update_fields`` of the row that already holds
    the same ``unique_fields``, in one statement (``INSERT ... ON CONFLICT DO
    UPDATE``, the SQL ``bulk_create(update_conflicts=True)`` writes), with the
    SQL built once per connection and number of rows and no model instances:
    each row is a tuple of the values of ``fields``, prepared for the database
    by those fields (foreign keys take the related primary key). Like
    ``bulk_create`` it sends no signals."""

    def __init__(
        self,
        model,
        fields: Sequence[str],
        *,
        unique_fields: Sequence[str],
        update_fields: Sequence[str],
    ):
        meta = model._meta
        self.model = model
        self.fields = [meta.get_field(name) for name in fields]
        self.unique = [meta.get_field(name) for name in unique_fields]
        self.update = [meta.get_field(name) for name in update_fields]

    def _sql(self, connection, count: int) -> str:
        cache = connection.__dict__.setdefault("_prepared_upserts", {})
        key = (id(self), count)
        sql = cache.get(key)
        if sql is None:
            if not connection.features.supports_update_conflicts_with_target:
                raise PreparationError(
                    f"{connection.vendor} has no INSERT ... ON CONFLICT (columns)."
                )
            if any(hasattr(field, "get_placeholder") for field in self.fields):
                raise PreparationError("A field has a placeholder of its own.")
            quote = connection.ops.quote_name
            columns = ", ".join(quote(field.column) for field in self.fields)
            row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
            unique = ", ".join(quote(field.column) for field in self.unique)
            updates = ", ".join(
                f"{quote(field.column)} = excluded.{quote(field.column)}"
                for field in self.update
            )
            sql = cache[key] = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608  (names from the model)
                f"VALUES {', '.join([row] * count)} "
                f"ON CONFLICT ({unique}) DO UPDATE SET {updates}"
            )
        return sql

    def run(self, rows: Sequence[Sequence[Any]], using: str = "default") -> None:
        if not rows:
            return
        connection = connections[using]
        params = [
            field.get_db_prep_save(value, connection)
            for row in rows
            for field, value in zip(self.fields, row, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self._sql(connection, len(rows)), params)
