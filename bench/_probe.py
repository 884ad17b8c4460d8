"""Helper of ``bench/load.py``, run in the benchmark's environment against the
seeded database (not through the server): signs the benchmark patients in
(session cookies for the pages, device tokens for the API), and counts what the
load test cannot see: SQL statements per request at 30 days and at 10 years, and
the compressed sizes of the trends page and payload. Prints one JSON object.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from diary.management.commands.bench_seed import LONG_EMAIL, bench_email  # noqa: E402
from diary.models import TrackedSymptom  # noqa: E402

TOKENS = int(os.environ.get("BENCH_TOKENS", "200"))


def token(user: User) -> str:
    device, _refresh = account_services.device_sign_in(user=user, name="bench")
    return account_services.access_token_for(device=device)


def session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def statements(client, method: str, url: str, **kwargs) -> tuple[int, object]:
    cache.clear()  # a cache miss: the work the request really does
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code in (200, 201), (url, response.status_code)
    return len(ctx.captured_queries), response


def main() -> None:
    long = User.objects.get(email=LONG_EMAIL)
    users = list(
        User.objects.filter(email__in=[bench_email(i) for i in range(TOKENS)]).order_by(
            "email"
        )
    )
    symptoms = [
        str(t.symptom.uuid)
        for t in TrackedSymptom.objects.for_user(users[0]).in_order()
    ]
    today = long.local_today()
    out: dict[str, object] = {
        "today": today.isoformat(),
        "long_session": session(long),
        "long_token": token(long),
        "tokens": [token(user) for user in users],
        "symptoms": symptoms,
        "database": connection.vendor,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()"
            if connection.vendor == "sqlite"
            else "SHOW server_version"
        )
        out["database_version"] = cursor.fetchone()[0]

    # The daily write: a new day, then the same day changed, as a phone sends it.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token(users[-1])}")
    day = (today - datetime.timedelta(days=400)).isoformat()
    body = {
        "sleep_hours": 7.5,
        "scores": [{"symptom": uuid, "score": 5} for uuid in symptoms],
    }
    writes = []
    for score in (5, 6):
        body["scores"] = [{"symptom": uuid, "score": score} for uuid in symptoms]
        count, _response = statements(
            api, "put", f"/api/v1/entries/{day}/", data=body, format="json"
        )
        writes.append(count)
    out["write_statements"] = max(writes)

    long_api = APIClient()
    long_api.credentials(HTTP_AUTHORIZATION=f"Bearer {out['long_token']}")
    short_api = APIClient()
    short_api.credentials(HTTP_AUTHORIZATION=f"Bearer {token(users[1])}")
    start_30 = (today - datetime.timedelta(days=29)).isoformat()
    out["entries_statements"] = [
        statements(c, "get", f"/api/v1/entries/?from={start_30}")[0]
        for c in (short_api, long_api)
    ]
    out["trends_api_statements"] = [
        statements(c, "get", "/api/v1/trends/?preset=30")[0]
        for c in (short_api, long_api)
    ] + [statements(long_api, "get", "/api/v1/trends/?preset=all")[0]]
    _count, packed = statements(
        long_api, "get", "/api/v1/trends/?preset=all", HTTP_ACCEPT_ENCODING="gzip"
    )
    out["payload_gzip_bytes"] = len(packed.content)
    out["payload_sent_compressed"] = packed.get("Content-Encoding") == "gzip"
    _count, plain = statements(long_api, "get", "/api/v1/trends/?preset=all")
    out["payload_bytes"] = len(plain.content)

    page = Client()
    page.cookies[settings.SESSION_COOKIE_NAME] = out["long_session"]
    short_page = Client()
    short_page.force_login(users[1])
    out["page_statements"] = {}
    out["page_gzip_bytes"] = {}
    for preset in ("30", "90", "365", "all"):
        counts = []
        for client in (short_page, page):
            count, response = statements(
                client, "get", f"/trends/?preset={preset}", HTTP_ACCEPT_ENCODING="gzip"
            )
            counts.append(count)
        out["page_statements"][preset] = counts
        out["page_gzip_bytes"][preset] = len(response.content)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
