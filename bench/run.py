"""Page and request benchmarks, as ratios against a bare Django view.

Run with ``make bench``. It builds a throwaway SQLite database, creates demo
patients with one year and with five years of daily data, then times each page
in-process through Django's test client (the whole middleware stack, templates
and queries) and divides by the time of a view that returns "ok". Ratios, not
seconds, so the figures compare across machines. It also prints the number of
queries per request, which must not grow from one year to five.

Nothing here is a test: the default test suite never runs it.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "SECRET_KEY", "bench-only-secret-key-that-is-long-enough-for-hs256"
)
_db_dir = tempfile.mkdtemp(prefix="ldn-bench-")
os.environ["SQLITE_PATH"] = str(Path(_db_dir) / "bench.sqlite3")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("__bare__/", bare), path("", include("config.urls"))]


def timed(client: Client, url: str) -> tuple[float, int]:
    """Median seconds per request over REPEATS (after one warm-up), and queries."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), queries


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_studies", verbosity=0)
    from diary.demo import demo_user_create

    users = {
        "1 year": demo_user_create(email="bench1@example.org", days=365),
        "5 years": demo_user_create(email="bench5@example.org", days=5 * 365),
    }
    pages = [
        ("home", "/"),
        ("check-in", "/checkin/"),
        ("diary list", "/entries/"),
        ("trends page, 1 year", "/trends/?preset=365"),
        ("trends page, all", "/trends/?preset=all"),
        ("trends JSON, all", "/trends/data/?preset=all"),
        ("before/after", "/analysis/"),
        ("API entries list", "/api/v1/entries/"),
        ("API sync, full", "/api/v1/sync/"),
        ("evidence list", "/evidence/"),
    ]
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["*"]):
        settings.STORAGES["staticfiles"]["BACKEND"] = (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
        anon = Client()
        baseline, _ = timed(anon, "/__bare__/")
        print(f"bare view: {baseline * 1000:.2f} ms median over {REPEATS} requests\n")
        print(f"{'page':24} {'history':8} {'ms':>8} {'ratio':>8} {'queries':>8}")
        for name, url in pages:
            counts = set()
            for label, user in users.items():
                client = Client()
                client.force_login(user)
                seconds, queries = timed(client, url)
                counts.add(queries)
                print(
                    f"{name:24} {label:8} {seconds * 1000:8.1f} "
                    f"{seconds / baseline:8.1f} {queries:8d}"
                )
            if len(counts) != 1:
                print(f"  !! query count changed with history: {sorted(counts)}")


if __name__ == "__main__":
    main()
