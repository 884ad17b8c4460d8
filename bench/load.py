"""The load benchmark (``make bench``): gunicorn under wrk, as ratios against bare
views in the same interleaved run.

For SQLite (a throwaway file) and, when ``DATABASE_URL`` is set, PostgreSQL (that
database is emptied: point it at a benchmark database), it

1. migrates and seeds the database (``bench_seed``: 1,000 patients x 1 year and
   one patient with 10 years x 10 symptoms; ``BENCH_USERS`` changes the 1,000);
2. signs patients in and counts, in-process, the SQL statements per request at
   30 days and 10 years and the compressed sizes (``bench/_probe.py``);
3. starts gunicorn (DEBUG off, 2 workers) with ``BENCHMARK_VIEWS=1`` (the bare
   views of ``config/bench.py``) and the throttle raised through its setting;
4. runs wrk on loopback: each endpoint for ``BENCH_SECONDS`` (4), then its bare
   view with the same log-in, ``BENCH_PAIRS`` (3) times, and takes the ratio of
   each pair (requests per second, endpoint over bare); the median is the figure
   and the lowest and highest ratios its spread. Each pair of an API endpoint
   also runs the bare Django view without log-in, for a second ratio reported
   for reference (the targets are against the bare DRF view);
5. times, in headless Chromium, how long the 10-year chart takes to be drawn
   against the 30-day one.

It prints a table of figure, value, target and whether it is met, and writes
``bench/results/latest.md`` with the machine, the versions and the databases.
Absolute requests per second move 2-3x between runs on a shared machine; the
ratios are what the targets are about. Nothing here runs in the test suite.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8180"))
BENCH_USER_THROTTLE = "1000000/s"
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "3"))
USERS = int(os.environ.get("BENCH_USERS", "1000"))
CONNECTIONS = 4
WRK_THREADS = 2
# Endpoints (by the start of their name) also measured against the plain view.
API_ENDPOINTS = ("daily write", "entries", "trends API")
# Distinct ranges per cache-miss run: 10,000, enough for 2,500 misses a second
# for 4 s (a miss runs at a few hundred).
MISS_STARTS = 100
MISS_ENDS = 100
WORKERS = 2
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- Environment and database --------------------------------------------------------


def django_env(database_url: str | None, sqlite_path: Path | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-hs256",
            "DEBUG": "0",
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "BENCHMARK_VIEWS": "1",
            # The benchmark patients' throttle, raised through its setting. Per
            # second, not per minute: DRF keeps a list of the window's request
            # times per user in the cache, and a minute of the one 10-year
            # patient's requests (tens of thousands) cost milliseconds of
            # pickling on every request, the bare views' too, where a patient
            # at the real limit (600/min) has at most 600.
            "API_THROTTLE_USER": BENCH_USER_THROTTLE,
            "API_ACCESS_TOKEN_MINUTES": "15",
            "LOG_LEVEL": "WARNING",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(sqlite_path)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(env: dict[str, str]) -> dict:
    if "DATABASE_URL" in env:
        ensure_postgres_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "flush", "--noinput", "-v0")
    else:
        manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_symptoms", "-v0")
    manage(env, "load_studies", "-v0")
    started = time.monotonic()
    manage(env, "bench_seed", "--users", str(USERS), "--years", "1")
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    probe = subprocess.run(
        [PYTHON, "bench/_probe.py"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(probe.stdout)


def collect_static(env: dict[str, str]) -> None:
    """DEBUG off serves hashed static files from the manifest; collecting takes
    minutes here, so only when a file under static/ is newer than the manifest."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if manifest.exists():
        newest = max(
            path.stat().st_mtime
            for path in (ROOT / "static").rglob("*")
            if path.is_file()
        )
        if newest < manifest.stat().st_mtime:
            return
    print("Collecting static files", flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- The server ----------------------------------------------------------------------


def start_gunicorn(
    env: dict[str, str], *, port: int = PORT, cwd: Path = ROOT
) -> subprocess.Popen:
    """gunicorn (``WORKERS`` sync workers) serving the checkout ``cwd`` on
    ``port``, once it answers."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"Port {port} is in use; set BENCH_PORT.")
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/accounts/login/", timeout=10
            )
            return server
        except OSError:  # not listening yet, or a worker still booting
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not start in {cwd}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


# --- wrk -------------------------------------------------------------------------------


def lua_script(
    *,
    method: str,
    paths: list[str],
    tokens: list[str],
    cookie: str,
    bodies: list[str],
    scheme: str = "Bearer",
    stride: int = 7919,
) -> str:
    """A wrk script cycling through ``paths``, ``tokens`` (sent as
    ``Authorization: {scheme} <token>``) and ``bodies``, each wrk thread from
    its own place in them: ``stride`` requests after the previous thread's."""

    def table(items: list[str]) -> str:
        return "{" + ",".join(json.dumps(item) for item in items) + "}"

    return f"""
local paths = {table(paths)}
local tokens = {table(tokens)}
local bodies = {table(bodies)}
local cookie = {json.dumps(cookie)}
local counter = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads * {stride})
  threads = threads + 1
end
function init(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  local headers = {{["Accept-Encoding"] = "gzip"}}
  if #tokens > 0 then
    headers["Authorization"] = "{scheme} " .. tokens[(counter % #tokens) + 1]
  end
  if cookie ~= "" then headers["Cookie"] = cookie end
  local body = nil
  if #bodies > 0 then
    body = bodies[(counter % #bodies) + 1]
    headers["Content-Type"] = "application/json"
  end
  return wrk.format("{method}", paths[(counter % #paths) + 1], headers, body)
end
"""


def wrk(
    spec: dict, workdir: Path, seconds: int = SECONDS, warm_up: bool = False
) -> dict:
    script = workdir / "request.lua"
    script.write_text(lua_script(**spec))
    result = subprocess.run(
        [
            "wrk",
            "--threads",
            str(WRK_THREADS),
            "--connections",
            str(CONNECTIONS),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "--script",
            str(script),
            BASE,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    out = result.stdout
    # Let the workers finish what wrk left in flight before the next run.
    time.sleep(1)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    if rps == 0 and not warm_up:
        print(f"  no request finished in {seconds} s: {spec['paths'][0]}", flush=True)
    if rps == 0:
        return {"rps": 0.0, "p50_ms": float("nan")}
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if errors or socket_errors:
        raise SystemExit(f"wrk saw errors for {spec['paths'][0]}:\n{out}")
    sent = int(re.search(r"(\d+) requests in", out).group(1))
    if "stride" in spec and sent >= spec["stride"] and not warm_up:
        # A wrk thread may have come round to another's first paths: some
        # requests of a run meant to miss the cache would have hit it.
        raise SystemExit(
            f"{sent} requests in one run repeat paths meant to be asked once "
            f"(at most {spec['stride'] - 1}): raise MISS_STARTS in bench/load.py."
        )
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale}


# --- The figures -----------------------------------------------------------------------


def cache_miss_paths(today: datetime.date, run: int) -> list[str]:
    """``MISS_STARTS x MISS_ENDS`` trends URLs of about ten years each (9.7 to
    11.1), no two the same and none the same as another run's (runs 0 to 3): a
    cache-miss run never asks for a range twice while each wrk thread sends
    fewer than ``len / WRK_THREADS`` requests, which ``wrk`` checks. Each
    range ends on one of the last ``MISS_ENDS`` days."""
    paths = []
    for k in range(MISS_STARTS):
        start = today - datetime.timedelta(days=3650 + run * MISS_STARTS + k)
        for back in range(MISS_ENDS):
            end = today - datetime.timedelta(days=back)
            paths.append(
                f"/api/v1/trends/?start={start.isoformat()}&end={end.isoformat()}"
            )
    return paths


def endpoints(probe: dict, run: int) -> list[dict]:
    """(name, endpoint, bare view, target ratio). Specs are wrk request specs."""
    today = datetime.date.fromisoformat(probe["today"])
    tokens = probe["tokens"]
    long_token = [probe["long_token"]]
    cookie = f"sessionid={probe['long_session']}"
    bodies = [
        json.dumps(
            {
                "sleep_hours": 7.5,
                "notes": "",
                "scores": [
                    {"symptom": uuid, "score": (score + i) % 11}
                    for i, uuid in enumerate(probe["symptoms"])
                ],
            }
        )
        for score in range(3)
    ]
    bare_api = {
        "method": "GET",
        "paths": ["/api/v1/__bench__/"],
        "cookie": "",
        "bodies": [],
    }
    bare_page = {
        "method": "GET",
        "paths": ["/__bench__/"],
        "tokens": [],
        "cookie": cookie,
        "bodies": [],
    }
    miss_paths = cache_miss_paths(today, run)
    page = {"method": "GET", "tokens": [], "cookie": cookie, "bodies": []}
    return [
        {
            "name": "daily write, PUT /api/v1/entries/{date}/",
            "spec": {
                "method": "PUT",
                "paths": [f"/api/v1/entries/{today.isoformat()}/"],
                "tokens": tokens,
                "cookie": "",
                "bodies": bodies,
            },
            "bare": {**bare_api, "method": "PUT", "tokens": tokens, "bodies": bodies},
            "target": 0.5,
        },
        {
            "name": "entries, 30 days, GET /api/v1/entries/",
            "spec": {
                "method": "GET",
                "paths": [
                    f"/api/v1/entries/?from={(today - datetime.timedelta(days=29)).isoformat()}"
                ],
                "tokens": tokens,
                "cookie": "",
                "bodies": [],
            },
            "bare": {**bare_api, "tokens": tokens},
            "target": 0.5,
        },
        {
            "name": "trends API, 10 years x 10 symptoms, cache miss",
            "spec": {
                "method": "GET",
                "paths": miss_paths,
                "tokens": long_token,
                "cookie": "",
                "bodies": [],
                # The two wrk threads start half the list apart.
                "stride": len(miss_paths) // WRK_THREADS,
            },
            "bare": {**bare_api, "tokens": long_token},
            "target": 0.3,
        },
        {
            "name": "trends API, 10 years x 10 symptoms, cache hit",
            "spec": {
                "method": "GET",
                "paths": ["/api/v1/trends/?preset=all"],
                "tokens": long_token,
                "cookie": "",
                "bodies": [],
            },
            "bare": {**bare_api, "tokens": long_token},
            "target": 0.7,
        },
        {
            "name": "trends page, 90 days",
            "spec": {**page, "paths": ["/trends/?preset=90"]},
            "bare": bare_page,
            "target": 0.2,
        },
        {
            "name": "trends page, 1 year",
            "spec": {**page, "paths": ["/trends/?preset=365"]},
            "bare": bare_page,
            "target": 0.2,
        },
        {
            "name": "trends page, 10 years",
            "spec": {**page, "paths": ["/trends/?preset=all"]},
            "bare": bare_page,
            "target": 0.2,
        },
    ]


# The bare Django view without log-in (``config.bench.bare_plain``): the API's
# endpoints are also measured against it, for reference, as the issue's own
# comparisons with wger were (``bench/wger.py``).
PLAIN = {
    "method": "GET",
    "paths": ["/__bench__/plain/"],
    "tokens": [],
    "cookie": "",
    "bodies": [],
}


def measure_pairs(probe: dict, workdir: Path) -> list[dict]:
    results = []
    for index, item in enumerate(endpoints(probe, 0)):
        api = item["name"].startswith(API_ENDPOINTS)
        ratios, rps, bare_rps, p50, plain_ratios = [], [], [], [], []
        # An unmeasured second of each warms the workers (imports, templates,
        # connections, the cache for hits).
        wrk(item["spec"], workdir, seconds=2, warm_up=True)
        wrk(item["bare"], workdir, seconds=1, warm_up=True)
        for run in range(1, PAIRS + 1):
            spec = endpoints(probe, run)[index]["spec"]
            measured = wrk(spec, workdir)
            floor = wrk(item["bare"], workdir)
            ratios.append(measured["rps"] / floor["rps"] if floor["rps"] else 0.0)
            rps.append(measured["rps"])
            bare_rps.append(floor["rps"])
            p50.append(measured["p50_ms"])
            if api:
                plain = wrk(PLAIN, workdir)
                plain_ratios.append(
                    (measured["rps"] / plain["rps"], floor["rps"] / plain["rps"])
                    if plain["rps"]
                    else (0.0, 0.0)
                )
        results.append(
            {
                "name": item["name"],
                "ratio": statistics.median(ratios),
                "low": min(ratios),
                "high": max(ratios),
                "rps": statistics.median(rps),
                "bare_rps": statistics.median(bare_rps),
                "p50_ms": statistics.median(p50),
                "target": item["target"],
            }
        )
        if api:
            results[-1]["plain"] = {
                "ratio": statistics.median(r for r, _ in plain_ratios),
                "low": min(r for r, _ in plain_ratios),
                "high": max(r for r, _ in plain_ratios),
                "bare_ratio": statistics.median(b for _, b in plain_ratios),
            }
        print(
            f"  {item['name']:48} {results[-1]['ratio']:.3f} "
            f"({results[-1]['low']:.3f}-{results[-1]['high']:.3f}), "
            f"{results[-1]['rps']:.0f} req/s",
            flush=True,
        )
    return results


def chart_paint(probe: dict) -> dict | None:
    """Milliseconds from navigation to the chart drawn, 30 days and 10 years,
    alternated, median of ``PAIRS`` each."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"30": [], "all": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies(
                [{"name": "sessionid", "value": probe["long_session"], "url": BASE}]
            )
            page = context.new_page()
            page.route(
                re.compile(rf"^(?!http://127\.0\.0\.1:{PORT}/)"),
                lambda route: route.abort(),
            )
            for _warm in ("30", "all"):
                page.goto(f"{BASE}/trends/?preset={_warm}")
                page.wait_for_function(
                    "() => window.LDNTrends && window.LDNTrends.chart && window.LDNTrends.chart()"
                )
            for _run in range(PAIRS):
                for preset in ("30", "all"):
                    page.goto(f"{BASE}/trends/?preset={preset}")
                    page.wait_for_function(
                        "() => window.LDNTrends && window.LDNTrends.chart && window.LDNTrends.chart()"
                    )
                    times[preset].append(page.evaluate("() => performance.now()"))
        finally:
            browser.close()
    short, long = statistics.median(times["30"]), statistics.median(times["all"])
    return {"30_ms": short, "10y_ms": long, "ratio": long / short}


# --- Report ----------------------------------------------------------------------------


def rows_for(
    database: str, probe: dict, pairs: list[dict], paint: dict | None
) -> list[tuple]:
    rows = []
    by_name = {item["name"]: item for item in pairs}
    for item in pairs:
        rows.append(
            (
                f"{item['name']} (x bare view)",
                f"{item['ratio']:.3f} ({item['low']:.3f}-{item['high']:.3f})",
                f">= {item['target']}",
                item["ratio"] >= item["target"],
            )
        )
    pages = [
        by_name[f"trends page, {label}"] for label in ("90 days", "1 year", "10 years")
    ]
    medians = [p["ratio"] for p in pages]
    spread = max(p["high"] - p["low"] for p in pages)
    rows.append(
        (
            "trends page 90 d / 1 y / 10 y: the same within the spread",
            f"{' / '.join(f'{m:.3f}' for m in medians)}; widest pair spread {spread:.3f}",
            "max - min <= spread",
            max(medians) - min(medians) <= spread,
        )
    )
    rows.append(
        (
            "daily write, SQL statements",
            str(probe["write_statements"]),
            "<= 12",
            probe["write_statements"] <= 12,
        )
    )
    rows.append(
        (
            "trends API payload, 10 years, gzipped",
            f"{probe['payload_gzip_bytes'] / 1000:.1f} kB ({probe['payload_bytes'] / 1000:.0f} kB raw), "
            + (
                "sent compressed"
                if probe["payload_sent_compressed"]
                else "NOT compressed"
            ),
            "<= 60 kB, sent compressed",
            probe["payload_gzip_bytes"] <= 60_000 and probe["payload_sent_compressed"],
        )
    )
    largest = max(probe["page_gzip_bytes"].values())
    rows.append(
        (
            "trends page HTML, compressed (30 d / 90 d / 1 y / 10 y)",
            " / ".join(
                f"{size / 1000:.1f}" for size in probe["page_gzip_bytes"].values()
            )
            + " kB",
            "< 100 kB",
            largest < 100_000,
        )
    )
    # The same request for a patient with a year and one with ten years of
    # history ("all" is left out: it asks for a range as long as the history,
    # and one more query finds the first entry).
    pages = probe["page_statements"]
    same = (
        len(set(probe["entries_statements"])) == 1
        and probe["trends_api_statements"][0] == probe["trends_api_statements"][1]
        and all(len(set(pages[preset])) == 1 for preset in ("30", "90", "365"))
    )
    rows.append(
        (
            "SQL per request, 1-year vs 10-year patient (entries 30 d / trends API "
            "30 d / page 30 d, 90 d, 1 y)",
            f"{probe['entries_statements']} / {probe['trends_api_statements'][:2]} / "
            + ", ".join(str(pages[preset]) for preset in ("30", "90", "365")),
            "the same",
            same,
        )
    )
    if paint is not None:
        rows.append(
            (
                "chart drawn, 10 years vs 30 days (Chromium)",
                f"{paint['ratio']:.2f}x ({paint['10y_ms']:.0f} vs {paint['30_ms']:.0f} ms)",
                "<= 1.5x",
                paint["ratio"] <= 1.5,
            )
        )
    return rows


def plain_table(pairs: list[dict]) -> str:
    """The API's endpoints and its bare view against the bare Django view without
    log-in, for reference: the issue's targets are against the bare DRF view, and
    the issue put 0.5 of that, for the write, "near 0.09" of this one."""
    lines = [
        "| endpoint | x bare view without log-in | its bare DRF view, x the same |",
        "|---|---|---|",
    ]
    for item in pairs:
        plain = item.get("plain")
        if plain is None:
            continue
        lines.append(
            f"| {item['name']} | {plain['ratio']:.3f} ({plain['low']:.3f}-"
            f"{plain['high']:.3f}) | {plain['bare_ratio']:.3f} |"
        )
    return "\n".join(lines)


def table(rows: list[tuple]) -> str:
    lines = ["| figure | value | target | met |", "|---|---|---|---|"]
    for name, value, target, met in rows:
        lines.append(f"| {name} | {value} | {target} | {'yes' if met else 'NO'} |")
    return "\n".join(lines)


def sizing(pairs: list[dict]) -> str:
    by_name = {item["name"]: item for item in pairs}
    write = by_name["daily write, PUT /api/v1/entries/{date}/"]["rps"]
    page = by_name["trends page, 1 year"]["rps"]
    per_user_seconds = 1 / write + 10 / page  # of the whole machine
    even = 86_400 / per_user_seconds
    return (
        f"- Daily writes: {write:.0f} per second with {WORKERS} workers on "
        f"{os.cpu_count()} cores, about {write / (os.cpu_count() or 1):.0f} per second "
        "per core.\n"
        f"- One patient-day (one check-in and ten trends page views) costs "
        f"{per_user_seconds * 1000:.1f} ms of this machine: about {even:,.0f} patients "
        f"a day spread evenly, or {even / 10:,.0f} if the day's traffic came in a "
        "tenth of it (a 10x peak)."
    )


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    import django
    import gunicorn
    import rest_framework

    return (
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"{platform.system()} {platform.release()}; load average at the start "
        f"{os.getloadavg()[0]:.1f} (shared with other work).\n"
        f"- Python {platform.python_version()}, Django {django.__version__}, "
        f"DRF {rest_framework.__version__}, gunicorn {gunicorn.__version__} "
        f"({WORKERS} sync workers), "
        f"{(wrk_version.stdout or wrk_version.stderr).splitlines()[0].split(' Copyright')[0]} "
        f"(2 threads, {CONNECTIONS} connections, {SECONDS} s per run, {PAIRS} pairs)."
    )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: make system-deps (apt-get install wrk)")
    started = time.monotonic()
    databases = [("SQLite", None)]
    if os.environ.get("DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["DATABASE_URL"]))
    header = machine()
    collect_static(django_env(None, ROOT / "var" / "unused.sqlite3"))
    sections = []
    raw: dict[str, dict] = {}
    all_met = True
    with tempfile.TemporaryDirectory(prefix="ldn-bench-") as tmp:
        workdir = Path(tmp)
        for label, url in databases:
            print(f"{label}: preparing", flush=True)
            env = django_env(url, workdir / "bench.sqlite3")
            probe = prepare(env)
            server = start_gunicorn(env)
            try:
                print(f"{label}: measuring", flush=True)
                pairs = measure_pairs(probe, workdir)
                paint = chart_paint(probe)
            finally:
                stop(server)
            rows = rows_for(label, probe, pairs, paint)
            raw[label] = {
                "probe": {
                    key: value
                    for key, value in probe.items()
                    if key not in ("tokens", "long_token", "long_session")
                },
                "pairs": pairs,
                "paint": paint,
            }
            all_met = all_met and all(row[3] for row in rows)
            text = table(rows)
            print(f"\n{label} ({probe['database_version']})\n{text}\n", flush=True)
            absolute = "\n".join(
                f"| {p['name']} | {p['rps']:.0f} | {p['bare_rps']:.0f} | {p['p50_ms']:.1f} |"
                for p in pairs
            )
            sections.append(
                f"## {label} {probe['database_version']}\n\n{text}\n\n"
                "Absolute figures (medians; they move 2-3x between runs here):\n\n"
                "| endpoint | req/s | bare view req/s | p50 ms |\n|---|---|---|---|\n"
                f"{absolute}\n\n### The API against the bare view without log-in\n\n"
                "For reference (the targets above are against the bare DRF view "
                "with the same log-in): each API endpoint's pairs also ran the bare "
                "Django view without log-in (`/__bench__/plain/`, as `bench/wger.py` "
                "does). The issue put 0.5 of the bare DRF view, for the write, near "
                "0.09 of this view.\n\n"
                f"{plain_table(pairs)}\n\n### Sizing\n\n{sizing(pairs)}\n"
            )
    took = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(raw, indent=1) + "\n")
    (RESULTS / "latest.md").write_text(
        "# Load benchmark: latest results\n\n"
        f"Written by `make bench` (bench/load.py) on "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC in {took / 60:.1f} min. "
        "Ratios are requests per second of the endpoint over its bare view (same "
        "log-in, same middleware), median of the pairs with the lowest and highest "
        "in brackets.\n\n"
        f"{header}\n\n" + "\n".join(sections)
    )
    print(f"Wrote {RESULTS / 'latest.md'} ({took / 60:.1f} min).")
    if not all_met:
        print("Some targets are not met (see the table).")


if __name__ == "__main__":
    main()
