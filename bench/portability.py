"""How long the full export, the import and the account deletion take for one and
three years of daily data, and how large the file is (README, "Your data").

Runs on a throw-away SQLite database unless DATABASE_URL is set (then on that
database, which must be a scratch one: accounts are created and deleted):
    SECRET_KEY=x .venv/bin/python bench/portability.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from diary.demo import demo_user_create  # noqa: E402
from diary.portability import services  # noqa: E402
from diary.services import symptoms_track_defaults  # noqa: E402

ROUNDS = 5


def timed(function, rounds=ROUNDS):
    times = []
    result = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_symptoms", verbosity=0)
    print(f"database: {connection.vendor}")
    for years in (1, 3):
        user = demo_user_create(email=f"bench{years}@example.org", days=365 * years)
        with CaptureQueriesContext(connection) as queries:
            services.account_export_json(user=user)
        median, fastest, raw = timed(
            lambda u=user: services.account_export_json(user=u)
        )
        print(
            f"{years} year(s): export {median:.0f} ms median (min {fastest:.0f}), "
            f"{len(queries)} queries, {len(raw) / 1e6:.2f} MB"
        )
        import_times, delete_times = [], []
        for round_ in range(3):
            target = User.objects.create_user(
                email=f"import{years}-{round_}@example.org", password=None
            )
            symptoms_track_defaults(user=target)
            start = time.perf_counter()
            services.account_import(user=target, raw=raw)
            import_times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            services.account_delete(user=target)
            delete_times.append((time.perf_counter() - start) * 1000)
        print(
            f"{years} year(s): import {statistics.median(import_times):.0f} ms median, "
            f"delete {statistics.median(delete_times):.0f} ms median (3 rounds)"
        )
        services.account_delete(user=user)


if __name__ == "__main__":
    main()
