"""PostgreSQL timestamps are read by psycopg's own (C) loader when the session is
in UTC, and give exactly the values Django's loader gives (``config.db``)."""

import datetime
import zoneinfo

import pytest
from django.db import connection, connections, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

from config.db import UtcTimestamptzLoader, _session_in_utc

pytestmark = [pytest.mark.services, pytest.mark.django_db]

TIMESTAMPTZ = pg_types["timestamptz"].oid
# Text PostgreSQL parses as timestamptz: offsets, microseconds, the ends of the
# range Python can hold, a daylight-saving change and a leap day.
LITERALS = [
    "2026-12-07 06:57:03.319263+00",
    "2026-12-07 06:57:03+00",
    "2026-03-29 01:30:00.5+02",
    "2026-10-25 01:30:00-04:30",
    "2024-02-29 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "1900-01-01 12:00:00+05:53:28",
]
QUERY = "SELECT " + ", ".join(f"'{text}'::timestamptz" for text in LITERALS)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The services tests need PostgreSQL: set DATABASE_URL")


def test_a_utc_connection_reads_timestamps_with_the_c_loader():
    needs_postgresql()
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is UtcTimestamptzLoader
    with connection.cursor() as cursor:
        cursor.execute(QUERY)
        fast = cursor.fetchone()
        # The loader each value went through: psycopg's, not a Python one.
        used = cursor.cursor._tx.get_loader(TIMESTAMPTZ, Format.TEXT)  # noqa: SLF001
        assert type(used.load.__self__).__module__.startswith("psycopg")
    with connection.cursor() as cursor:
        # Django's own loader, for this cursor only.
        register_tzloader(datetime.UTC, cursor.cursor)
        cursor.execute(QUERY)
        django = cursor.fetchone()
    assert fast == django
    assert all(value.tzinfo is datetime.UTC for value in fast)
    assert fast[0] == datetime.datetime(
        2026, 12, 7, 6, 57, 3, 319263, tzinfo=datetime.UTC
    )
    assert fast[2] == datetime.datetime(
        2026, 3, 28, 23, 30, 0, 500000, tzinfo=datetime.UTC
    )


def test_models_read_through_the_loader_are_what_was_saved(alice):
    needs_postgresql()
    from diary.models import Entry

    entry = Entry.objects.create(user=alice, date=alice.local_today())
    stamped = datetime.datetime(2026, 7, 1, 23, 30, 1, 250, tzinfo=datetime.UTC)
    Entry.objects.filter(pk=entry.pk).update(created_at=stamped)
    read = Entry.objects.get(pk=entry.pk)
    assert read.created_at == stamped
    assert read.created_at.tzinfo is datetime.UTC
    assert read.updated_at == entry.updated_at


def test_a_database_in_another_zone_keeps_djangos_loader():
    """A database set to another time zone (DATABASES' TIME_ZONE) keeps
    Django's loader, which gives values in that zone."""
    needs_postgresql()
    wrapper_class = type(connections["default"])
    paris = wrapper_class(
        {**connection.settings_dict, "TIME_ZONE": "Europe/Paris"}, alias="default"
    )
    try:
        paris.ensure_connection()
        loader = paris.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader is not UtcTimestamptzLoader
        with paris.cursor() as cursor:
            cursor.execute("SELECT '2026-12-07 06:00:00+00'::timestamptz")
            (value,) = cursor.fetchone()
        assert value.tzinfo == zoneinfo.ZoneInfo("Europe/Paris")
        assert value == datetime.datetime(2026, 12, 7, 6, tzinfo=datetime.UTC)
    finally:
        paris.close()


def test_a_session_moved_out_of_utc_is_seen():
    needs_postgresql()
    assert _session_in_utc(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Europe/Paris'")
        assert not _session_in_utc(connection)
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        assert _session_in_utc(connection)
