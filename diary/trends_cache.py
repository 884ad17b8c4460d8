"""The trends payload, cached per user, range and change counter.

Every write to a user's diary raises ``User.sync_version``
(``services.next_sync_version``), so a key made of the user, that counter, the
range, the user's today and the language can never serve data older than the
diary: a write makes the next view a miss, and any repeat view (the page, the
chart's JSON, the API) is one cache read.

On a miss the payload is built once (``diary.trends.trends_payload``) and stored
twice: the JSON body gzipped (so a repeat view costs no serialising and no
compressing; a client that does not take gzip gets it unpacked, a tenth of a
millisecond for ten years), and a small summary of it (``trends_meta``: the
series without their points, the summaries, the LDN and dose data, how many
crashes and side-effect markers there are) that the page renders from, so the
page costs the same whatever the length of the history. The body is kept only
compressed: a ten-year payload is 100 kB of JSON and 14 kB gzipped, so each
cached range takes a seventh of the memory it would with both.

The key also carries the account's creation time: a deleted account's number can
come back on SQLite, its cache entries never do.
"""

from __future__ import annotations

import datetime
import gzip
import re
from typing import Any

import orjson
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from accounts.models import User

from .models import Entry
from .trends import trends_payload

__all__ = [
    "CACHE_SECONDS",
    "cache_key",
    "first_logged_day",
    "trends_body",
    "trends_json_response",
    "trends_meta",
]

# The key changes with every write, so this only bounds how long an entry for a
# range nobody looks at again stays in the cache.
CACHE_SECONDS = 60 * 60
# Raise when the shape of what is cached changes.
FORMAT = 4
GZIP_LEVEL = 3
# Dates, decimals, lazy translations... as Django's JSON encoder writes them.
_JSON_DEFAULT = DjangoJSONEncoder().default

_accepts_gzip = re.compile(r"\bgzip\b").search


def cache_key(user: User, start: datetime.date, end: datetime.date, part: str) -> str:
    """The cache key of one part of a user's trends for a range; anything cached
    under it (here, and the trends page's HTML in ``diary.views.trends``) goes
    stale with the next write."""
    joined = int(user.date_joined.timestamp() * 1_000_000)
    return (
        f"trends:{FORMAT}:{user.pk}.{joined}:{user.sync_version}:"
        f"{start.isoformat()}:{end.isoformat()}:{user.local_today().isoformat()}:"
        f"{get_language() or ''}:{part}"
    )


def first_logged_day(user: User, end: datetime.date) -> datetime.date | None:
    """The first day with an entry up to ``end`` (the start of the "all"
    preset), from the cache after the first look: it can only change with a
    write, which raises the key's change counter."""
    key = cache_key(user, end, end, "first")
    found = cache.get(key)
    if found is None:
        first = (
            Entry.objects.for_user(user)
            .filter(date__lte=end)
            .aggregate(first=Min("date"))["first"]
        )
        # "" for "no entry yet", which a cache miss (None) is not.
        found = first.isoformat() if first else ""
        cache.set(key, found, CACHE_SECONDS)
    return datetime.date.fromisoformat(found) if found else None


def _meta(payload: dict[str, Any]) -> dict[str, Any]:
    """What the page shows around the chart: everything but the points."""
    meta = {
        key: value
        for key, value in payload.items()
        if key not in ("series", "crashes", "side_effects")
    }
    meta["series"] = [
        {
            key: value
            for key, value in series.items()
            if key not in ("points", "rolling_mean")
        }
        for series in payload["series"]
    ]
    meta["crash_count"] = len(payload["crashes"])
    meta["side_effect_count"] = len(payload["side_effects"])
    return meta


def _build(user: User, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    payload = trends_payload(user=user, start=start, end=end)
    # Compact UTF-8, as json.dumps(ensure_ascii=False, separators=(",", ":"))
    # writes it, in a tenth of the time (3 ms for a ten-year payload).
    body = orjson.dumps(payload, default=_JSON_DEFAULT)
    # Level 3, not the middleware's 6: a ten-year payload (106 kB of monthly
    # points) is packed in half the time for 2 kB more (measured: level 3,
    # 14.4 kB in 0.54 ms; 4, 17.1 kB in 0.85 ms; 6, 12.1 kB in 1.09 ms).
    # The body is built once and then served from the cache as it is, and holds
    # no secret (no CSRF token, nothing reflected from the request), so the
    # middleware's random filename bytes (BREACH) would protect nothing here.
    gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    parts = {"gzip": gzipped, "meta": _meta(payload)}
    cache.set_many(
        {cache_key(user, start, end, part): value for part, value in parts.items()},
        CACHE_SECONDS,
    )
    return {**parts, "json": body}


def trends_meta(
    *, user: User, start: datetime.date, end: datetime.date
) -> dict[str, Any]:
    """The page's part of the payload (see the module docstring)."""
    meta = cache.get(cache_key(user, start, end, "meta"))
    if meta is None:
        meta = _build(user, start, end)["meta"]
    return meta


def trends_body(
    *, user: User, start: datetime.date, end: datetime.date, gzipped: bool = False
) -> bytes:
    """The payload as JSON (UTF-8), gzipped when asked."""
    packed = cache.get(cache_key(user, start, end, "gzip"))
    if packed is None:
        return _build(user, start, end)["gzip" if gzipped else "json"]
    return packed if gzipped else gzip.decompress(packed)


def trends_payload_cached(
    *, user: User, start: datetime.date, end: datetime.date
) -> dict[str, Any]:
    """The whole payload as a dict, from the cached JSON."""
    return orjson.loads(trends_body(user=user, start=start, end=end))


def trends_json_response(
    request: HttpRequest, *, user: User, start: datetime.date, end: datetime.date
) -> HttpResponse:
    """The payload as a JSON response, sent gzipped to clients that accept it
    (already compressed: the GZip middleware leaves it alone)."""
    gzipped = bool(_accepts_gzip(request.headers.get("Accept-Encoding", "")))
    response = HttpResponse(
        trends_body(user=user, start=start, end=end, gzipped=gzipped),
        content_type="application/json",
    )
    if gzipped:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
