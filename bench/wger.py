"""LDN Diary side by side with wger (a Django + DRF fitness tracker with a mobile
app), measured the same way: gunicorn with 2 workers and DEBUG off, wrk on
loopback, each endpoint alternated with a bare Django view WITHOUT log-in on the
same server, and the figure is the ratio (requests per second of the endpoint
over its bare view), as absolute numbers move 2-3x between runs here.

Run it by hand (not part of the test suite, CI or ``make bench``)::

    .venv/bin/python bench/wger.py --wger-python /path/to/wger-env/bin/python
    # or let it make that venv first (pip, from the registry: wger and the
    # gunicorn this project runs):
    .venv/bin/python bench/wger.py --wger-python /path/to/wger-env/bin/python \
        --create-venv

The wger venv stays outside the project; no wger code is kept here. In a
temporary folder it

1. seeds LDN as ``bench/load.py`` does (``prepare``: migrate, ``bench_seed``,
   the probe's tokens and SQL counts) on a throwaway SQLite file, starts it
   with ``start_gunicorn`` and measures, with ``wrk`` and its Lua script from
   ``bench/load.py``, the daily write (PUT of a day) and the 30-day entries
   list, each over the bare view without log-in (``/__bench__/plain/``,
   ``config/bench.py``) and over the bare DRF view with the same token
   (``/api/v1/__bench__/``), in one alternation;
2. writes a settings module for wger there (DEBUG off, a SQLite file, and a
   ROOT_URLCONF with wger's own URLs plus a bare view answering "ok" without
   log-in), migrates, loads wger's base fixtures (languages, units, gym), makes
   one user with a DRF token and a year of daily weight entries, counts the SQL
   statements of its write and list in-process, starts it under gunicorn from
   its venv on the same port and measures its daily write (PATCH of today's
   weight entry) and its 30-day list (the 30 newest weight entries) over its
   bare view; then both once more with SQLite in WAL mode and
   ``synchronous=NORMAL``, as LDN runs SQLite (wger leaves Django's defaults).

Each endpoint runs ``BENCH_SECONDS`` (4) then its bare view(s), ``BENCH_PAIRS``
(3) times; the median ratio is the figure and the lowest and highest its
spread. It writes ``bench/results/wger.md``. About 5-7 minutes here; one app
runs at a time and every server it starts is stopped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py)

RESULTS = load.RESULTS
WGER_VERSION = "2.1"
PLAIN = load.PLAIN["paths"][0]
# Reported in issue 11 before LDN's later speed-ups, for comparison.
EARLIER = {
    ("LDN", "daily write", "bare view, no log-in"): "0.016",
    ("LDN", "30-day list", "bare DRF view, same token"): "0.144",
    ("wger", "daily write", "bare view, no log-in"): "0.071",
    ("wger", "30-day list", "bare view, no log-in"): "0.529",
}


# --- wger, set up in a temporary folder ------------------------------------------------

WGER_SETTINGS = """\
import os

from wger.settings_global import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECRET_KEY = "bench-only-secret-key-not-secret"
ROOT_URLCONF = "bench_urls"
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}
}}
MEDIA_ROOT = {media!r}
STATIC_ROOT = {static!r}
# wger's settings.tpl leaves reCAPTCHA unconfigured; the check refuses that.
SILENCED_SYSTEM_CHECKS = ["captcha.recaptcha_test_key_error"]
LOGGING["loggers"]["wger"]["level"] = "WARNING"  # noqa: F405

if os.environ.get("BENCH_SQLITE_WAL") == "1":
    from django.db.backends.signals import connection_created

    def _as_ldn_runs_sqlite(sender, connection, **kwargs):
        connection.connection.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        )

    connection_created.connect(_as_ldn_runs_sqlite)
"""

WGER_URLS = """\
from django.http import HttpResponse
from django.urls import path
from wger.urls import urlpatterns as wger_urlpatterns


def bare_plain(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/plain/", bare_plain), *wger_urlpatterns]
"""

# Run with wger's python: one user, a DRF token, a year of daily weights; the SQL
# statements of the write and the list; the versions. Prints one JSON object.
WGER_SEED = """\
import datetime
import json
import platform
from decimal import Decimal

import django

django.setup()

import rest_framework
import wger
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from wger.weight.models import WeightEntry

user = User.objects.create_user("bench", "bench@example.org", "bench-not-secret")
token = Token.objects.create(user=user)
today = datetime.date.today()
WeightEntry.objects.bulk_create(
    WeightEntry(
        user=user,
        date=today - datetime.timedelta(days=days),
        weight=Decimal("70") + Decimal(days % 7) / 4,
    )
    for days in range(365)
)
entry = WeightEntry.objects.get(user=user, date=today)


def statements(method, url, **kwargs):
    client = APIClient()  # a new one each time: no session cookie, as wrk sends
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    # BEGIN and COMMIT left out, as LDN's counts (Django 5.2 does not capture them).
    return sum(q["sql"] not in ("BEGIN", "COMMIT") for q in ctx.captured_queries)


with connection.cursor() as cursor:
    cursor.execute("SELECT sqlite_version()")
    sqlite_version = cursor.fetchone()[0]
print(json.dumps({
    "token": token.key,
    "entry_id": entry.id,
    "write_statements": statements(
        "patch", f"/api/v2/weightentry/{entry.id}/", data={"weight": "71.25"},
        format="json",
    ),
    "list_statements": statements(
        "get", "/api/v2/weightentry/?ordering=-date&limit=30"
    ),
    "versions": {
        "wger": wger.get_version(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
        "python": platform.python_version(),
        "sqlite": sqlite_version,
    },
}))
"""

WGER_FIXTURES = [
    # wger's own load-fixtures task, less the exercise catalogue.
    "gym.json",
    "languages.json",
    "groups.json",
    "users.json",
    "licenses.json",
    "days_of_week.json",
    "setting_repetition_units.json",
    "setting_weight_units.json",
    "language_config.json",
    "gym_config.json",
    "gym-config.json",
    "gym-adminconfig.json",
]

SESSIONS_COUNT = """\
import django

django.setup()
from django.contrib.sessions.models import Session

print(Session.objects.count())
"""


def create_venv(python: Path) -> None:
    import gunicorn

    venv = python.parent.parent
    print(f"Creating {venv} (wger {WGER_VERSION})", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"wger=={WGER_VERSION}",
            f"gunicorn=={gunicorn.__version__}",
        ],
        check=True,
    )


def wger_env(folder: Path, *, wal: bool = False) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO", "PYTHON", "DATABASE", "SQLITE", "REDIS"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": str(folder),
            "BENCH_SQLITE_WAL": "1" if wal else "0",
        }
    )
    return env


def run_wger(python: Path, folder: Path, *args: str, wal: bool = False) -> str:
    result = subprocess.run(
        [str(python), *args],
        cwd=folder,
        env=wger_env(folder, wal=wal),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"wger: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_wger(python: Path, folder: Path) -> dict:
    folder.mkdir()
    (folder / "bench_settings.py").write_text(
        WGER_SETTINGS.format(
            database=str(folder / "wger.sqlite3"),
            media=str(folder / "media"),
            static=str(folder / "static"),
        )
    )
    (folder / "bench_urls.py").write_text(WGER_URLS)
    (folder / "seed.py").write_text(WGER_SEED)
    (folder / "sessions.py").write_text(SESSIONS_COUNT)
    run_wger(python, folder, "-m", "django", "migrate", "--noinput", "-v0")
    run_wger(python, folder, "-m", "django", "loaddata", *WGER_FIXTURES)
    return json.loads(run_wger(python, folder, "seed.py").strip().splitlines()[-1])


def start_wger(python: Path, folder: Path, *, wal: bool) -> subprocess.Popen:
    # load.start_gunicorn runs this project's config.wsgi with this project's
    # python and waits for /accounts/login/; wger needs its own.
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "wger.wsgi",
            "--workers",
            str(load.WORKERS),
            "--bind",
            f"127.0.0.1:{load.PORT}",
            "--log-level",
            "warning",
        ],
        cwd=folder,
        env=wger_env(folder, wal=wal),
        # DRF 3.15 warns about wger's DecimalFields at every import.
        stderr=(folder / "gunicorn.log").open("a"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{load.BASE}{PLAIN}", timeout=10)
            return server
        except OSError:
            time.sleep(0.5)
    load.stop(server)
    log = (folder / "gunicorn.log").read_text()[-3000:]
    raise SystemExit(f"wger's gunicorn did not start:\n{log}")


def port_free() -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", load.PORT)) == 0:
            raise SystemExit(f"Port {load.PORT} is in use; set BENCH_PORT.")


# --- Measuring -------------------------------------------------------------------------


def measure(items: list[dict], workdir: Path) -> list[dict]:
    """Each item: app, name, what, spec, floors {label: spec}. Per run the
    endpoint then each of its floors; one ratio per floor and run."""
    rows = []
    for item in items:
        load.wrk(item["spec"], workdir, seconds=2, warm_up=True)
        for floor in item["floors"].values():
            load.wrk(floor, workdir, seconds=1, warm_up=True)
        ratios: dict[str, list[float]] = {label: [] for label in item["floors"]}
        floor_rps: dict[str, list[float]] = {label: [] for label in item["floors"]}
        rps, p50 = [], []
        for _run in range(load.PAIRS):
            measured = load.wrk(item["spec"], workdir)
            rps.append(measured["rps"])
            p50.append(measured["p50_ms"])
            for label, floor in item["floors"].items():
                bare = load.wrk(floor, workdir)
                floor_rps[label].append(bare["rps"])
                ratios[label].append(
                    measured["rps"] / bare["rps"] if bare["rps"] else 0.0
                )
        for label in item["floors"]:
            row = {
                "app": item["app"],
                "name": item["name"],
                "what": item["what"],
                "floor": label,
                "ratio": statistics.median(ratios[label]),
                "low": min(ratios[label]),
                "high": max(ratios[label]),
                "rps": statistics.median(rps),
                "floor_rps": statistics.median(floor_rps[label]),
                "p50_ms": statistics.median(p50),
                "statements": item["statements"],
            }
            rows.append(row)
            print(
                f"  {row['app']:5} {row['name']:28} / {label:26} "
                f"{row['ratio']:.3f} ({row['low']:.3f}-{row['high']:.3f}), "
                f"{row['rps']:.0f} vs {row['floor_rps']:.0f} req/s",
                flush=True,
            )
    return rows


def ldn_items(probe: dict) -> list[dict]:
    by_name = {item["name"]: item for item in load.endpoints(probe, 0)}
    write = by_name["daily write, PUT /api/v1/entries/{date}/"]
    entries = by_name["entries, 30 days, GET /api/v1/entries/"]
    return [
        {
            "app": "LDN",
            "name": "daily write",
            "what": "PUT /api/v1/entries/{today}/",
            "spec": write["spec"],
            "floors": {
                "bare view, no log-in": load.PLAIN,
                "bare DRF view, same token": write["bare"],
            },
            "statements": probe["write_statements"],
        },
        {
            "app": "LDN",
            "name": "30-day list",
            "what": "GET /api/v1/entries/?from={today-29}",
            "spec": entries["spec"],
            "floors": {
                "bare view, no log-in": load.PLAIN,
                "bare DRF view, same token": entries["bare"],
            },
            "statements": probe["entries_statements"][0],
        },
    ]


def wger_items(seed: dict, *, wal: bool) -> list[dict]:
    token = {"tokens": [seed["token"]], "cookie": "", "scheme": "Token"}
    suffix = ", WAL" if wal else ""
    write = {
        "app": "wger",
        "name": "daily write" + suffix,
        "what": f"PATCH /api/v2/weightentry/{{id of today's}}/ (id {seed['entry_id']})",
        "spec": {
            **token,
            "method": "PATCH",
            "paths": [f"/api/v2/weightentry/{seed['entry_id']}/"],
            "bodies": [
                json.dumps({"weight": weight}) for weight in ("70.50", "71.25", "72.00")
            ],
        },
        "floors": {"bare view, no log-in": load.PLAIN},
        "statements": seed["write_statements"],
    }
    return [
        write,
        {
            "app": "wger",
            "name": "30-day list" + suffix,
            "what": "GET /api/v2/weightentry/?ordering=-date&limit=30",
            "spec": {
                **token,
                "method": "GET",
                "paths": ["/api/v2/weightentry/?ordering=-date&limit=30"],
                "bodies": [],
            },
            "floors": {"bare view, no log-in": load.PLAIN},
            "statements": seed["list_statements"],
        },
    ]


# --- Report ----------------------------------------------------------------------------


def report(
    rows: list[dict],
    header: str,
    seed: dict,
    *,
    symptoms: int,
    sessions: int,
    took: float,
) -> str:
    versions = seed["versions"]
    lines = [
        "| app | endpoint | over | ratio (low-high) | issue 11 | req/s | bare req/s "
        "| p50 ms | SQL |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        earlier = EARLIER.get((row["app"], row["name"], row["floor"]), "")
        lines.append(
            f"| {row['app']} | {row['name']}: `{row['what']}` | {row['floor']} "
            f"| {row['ratio']:.3f} ({row['low']:.3f}-{row['high']:.3f}) | {earlier} "
            f"| {row['rps']:.0f} | {row['floor_rps']:.0f} | {row['p50_ms']:.1f} "
            f"| {row['statements']} |"
        )
    return f"""# LDN Diary and wger side by side

Written by `bench/wger.py` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC \
in {took / 60:.1f} min. Each app runs alone under gunicorn ({load.WORKERS} sync \
workers, DEBUG off) on a throwaway SQLite file; wrk on loopback alternates each \
endpoint with its own app's bare view ({load.PAIRS} pairs of {load.SECONDS} s). \
The ratio is requests per second of the endpoint over the bare view, median of \
the pairs with the lowest and highest in brackets. "issue 11" is the figure \
reported there before LDN's later speed-ups. SQL is the statements of one \
request, counted in-process (BEGIN and COMMIT left out on both).

{header}
- wger {versions["wger"]} from the package registry in its own venv: Python \
{versions["python"]}, Django {versions["django"]}, DRF {versions["drf"]}, SQLite \
{versions["sqlite"]}; same gunicorn and wrk settings.

## The endpoints

- Bare view, no log-in: a Django view behind each app's whole middleware stack \
that answers "ok" (LDN `{PLAIN}`, `config/bench.py`; wger the same path in the \
URLconf this script writes, in front of wger's own URLs). Bare DRF view: LDN's \
`/api/v1/__bench__/` with the API's token authentication, permission and \
throttles (for the write, PUT with the same body).
- LDN daily write: PUT of today's entry (sleep hours, notes and {symptoms} \
symptom scores) by 200 patients' device tokens in turn, 1,000 patients x 1 year seeded \
(`bench_seed`), as in `bench/load.py`. 30-day list: the entries of the last 30 \
days with their scores.
- wger daily write: PATCH of today's weight entry (one user, DRF token in \
`Authorization: Token`, a year of daily weights). wger's mobile app adds a \
day's weight with POST and edits it with PATCH; a repeated POST for the same \
date is refused by wger's unique (date, user), so the repeatable write is the \
edit. 30-day list: the 30 newest weight entries (wger 2.1 filters dates by exact \
value only, so "the last 30 days" is `ordering=-date&limit=30`, paginated with \
a count).

## Results

{chr(10).join(lines)}

## How comparable the two writes are

- What each writes: LDN's PUT validates the day (date not in the future, known \
symptoms, 0-10 scores), then in one transaction raises the owner's sync \
version (locking the owner's row), reads the day's entry with its scores, \
saves the entry, upserts the changed scores in one statement and refreshes the \
week's and month's totals (rollups) when a score changed, and answers the entry \
with its scores. wger's PATCH reads the token with its user, the weight entry \
and, for the owner check, the entry's user, validates the weight (30-600), \
updates that one row (date, weight and user rewritten) in autocommit and \
answers its four fields. LDN's write carries several times the data and rules \
of wger's.
- Sessions: wger 2.1's authentication middleware stores `has_demo_data = \
False` in the session on every request that reads the user, and as `False` \
reads as "not set" it does so each time, so every token request to wger's API \
also saves a session in the database (an INSERT and a `Set-Cookie` without a \
session cookie, as wrk and a phone without a cookie jar send; an UPDATE with \
one): {sessions:,} sessions were in wger's database after the run. Its write \
is therefore two writes (the weight and a session), and its list is a write \
too; the SQL column counts these. LDN's API starts no session. wger's settings \
template suggests the cache session engine once Redis is set up, which would \
move that write out of the database.
- SQLite: LDN runs it in WAL mode with `synchronous=NORMAL` and immediate \
transactions; wger leaves Django's defaults (a rollback journal, \
`synchronous=FULL`, an fsync per commit), hence the extra wger rows with WAL \
and `synchronous=NORMAL` set per connection. Both apps also run on \
PostgreSQL, where neither setting applies (not measured here).
- Other differences: LDN compresses answers (gzip middleware; wrk asks for gzip) \
and wger does not; LDN's write uses 200 patients' tokens where wger's uses one; \
Django {versions["django"]} and DRF {versions["drf"]} under wger against LDN's \
newer ones. Each ratio is taken against its own app's bare view within the \
same minute: it says how many bare requests without log-in one call of the \
endpoint costs, and moves much less than absolute figures with the machine's \
other work. It includes authentication (LDN's signed device token and a \
device lookup, wger's token lookup), which the bare view skips.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--wger-python",
        type=Path,
        required=True,
        help="the python of a venv with wger and gunicorn installed",
    )
    parser.add_argument(
        "--create-venv",
        action="store_true",
        help=f"create that venv first (pip install wger=={WGER_VERSION} gunicorn)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: make system-deps (apt-get install wrk)")
    python = args.wger_python.absolute()
    if args.create_venv and not python.exists():
        create_venv(python)
    if not python.exists():
        raise SystemExit(f"{python} does not exist (--create-venv makes it)")
    started = time.monotonic()
    header = load.machine()
    load.collect_static(load.django_env(None, load.ROOT / "var" / "unused.sqlite3"))
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ldn-wger-bench-") as tmp:
        workdir = Path(tmp)

        print("LDN: preparing", flush=True)
        env = load.django_env(None, workdir / "ldn.sqlite3")
        probe = load.prepare(env)
        server = load.start_gunicorn(env)
        try:
            print("LDN: measuring", flush=True)
            rows += measure(ldn_items(probe), workdir)
        finally:
            load.stop(server)

        print("wger: preparing", flush=True)
        folder = workdir / "wger"
        seed = prepare_wger(python, folder)
        for wal in (False, True):
            port_free()
            server = start_wger(python, folder, wal=wal)
            try:
                print(f"wger{' (WAL)' if wal else ''}: measuring", flush=True)
                rows += measure(wger_items(seed, wal=wal), workdir)
            finally:
                load.stop(server)
        sessions = int(run_wger(python, folder, "sessions.py").strip())
    took = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "wger.md"
    path.write_text(
        report(
            rows,
            header,
            seed,
            symptoms=len(probe["symptoms"]),
            sessions=sessions,
            took=took,
        )
    )
    print(f"Wrote {path} ({took / 60:.1f} min).")


if __name__ == "__main__":
    main()
