"""PostgreSQL connections read timestamps with psycopg's C loader.

Django 5.2 reads every ``timestamptz`` value through a loader of its own
(``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): a subclass of
psycopg's pure-Python loader that then sets the connection's time zone on the
value. That costs about 3.5 microseconds a value: a month of entries in the API
(two timestamps each) spent about 0.2 ms on it, a fifth of its page query.

psycopg's C loader (which cannot be subclassed) parses the same text about
seven times faster and gives the value in the session's time zone. When that
zone is UTC, as Django sets it with ``USE_TZ`` and no ``TIME_ZONE`` of the
database's own, the values are exactly Django's: aware datetimes with
``tzinfo=datetime.timezone.utc``. :func:`use_c_timestamp_loader` installs it
on each new connection in that case, and leaves every other set-up to Django.
"""

from __future__ import annotations

import datetime

import psycopg
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.adapt import Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

__all__ = ["UtcTimestamptzLoader", "use_c_timestamp_loader"]

_TIMESTAMPTZ = pg_types["timestamptz"].oid


class UtcTimestamptzLoader(Loader):
    """psycopg's own ``timestamptz`` text loader (the C one when psycopg has its
    C extension), for sessions in UTC. ``timezone`` is what Django's cursors
    compare with the connection's time zone before installing a loader of their
    own (``DatabaseWrapper.create_cursor``)."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        default = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)
        if default is None:  # psycopg always has one; a clear error otherwise
            raise LookupError("psycopg has no timestamptz loader")
        self._default = default(oid, context)
        # The default loader's bound method, so that psycopg calls it directly
        # for each value, with no Python frame of ours in between.
        self.load = self._default.load  # type: ignore[method-assign]

    def load(self, data):
        return self._default.load(data)


def _session_in_utc(connection) -> bool:
    info = connection.connection.info
    return info.parameter_status("TimeZone") == "UTC"


@receiver(connection_created, dispatch_uid="config.db.use_c_timestamp_loader")
def use_c_timestamp_loader(sender, connection, **kwargs) -> None:
    """Install :class:`UtcTimestamptzLoader` on a new PostgreSQL connection whose
    values Django wants in UTC and whose session is in UTC. Any other case keeps
    Django's loader (which sets the wanted zone on each value)."""
    if connection.vendor != "postgresql":
        return
    if not settings.USE_TZ or connection.timezone is not datetime.UTC:
        return
    if not _session_in_utc(connection):
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
