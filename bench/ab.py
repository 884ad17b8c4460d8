"""A/B of two checkouts of the project under real load: is a change faster?

    python bench/ab.py BEFORE_DIR AFTER_DIR [--database URL] [--cases write,miss]

The load benchmark (``bench/load.py``) gives one build's ratios; between runs the
same build moves by up to 0.14 here, more than most single changes. This runs
both builds at once, each under its own gunicorn (2 workers, ``DEBUG`` off) on
its own port, against one database that is already seeded (``bench_seed``, as
``make bench`` leaves it, or ``--seed``), and alternates them under wrk: each
endpoint of ``bench/load.py`` whose name contains one of ``--cases`` is paired
with that build's own bare view, ``--rounds`` times, the builds' order reversed
every other round. It prints each build's median ratio, its spread and its
requests per second. Both builds use this Python and its installed packages;
``BEFORE_DIR`` is typically ``git worktree add ../before HEAD~1``.

``--database`` is a PostgreSQL URL or ``sqlite:////path`` (default: the SQLite
file ``var/ab.sqlite3``). Environment variables starting with ``A_`` or ``B_``
are given, without the prefix, to the first or the second build only (for
example ``B_DB_PREPARED_STATEMENTS=0`` to A/B a setting on one checkout).
Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

PORTS = (8391, 8392)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument(
        "--database", default=f"sqlite:///{ROOT / 'var' / 'ab.sqlite3'}"
    )
    parser.add_argument("--cases", default="write", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--seed", action="store_true", help="migrate and seed the database first"
    )
    args = parser.parse_args()
    if args.database.startswith("sqlite:///"):
        # The default file's folder is not in a fresh clone.
        Path(args.database.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    env = load.django_env(args.database, None)
    if args.seed:
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["load_symptoms", "-v0"],
            ["bench_seed", "--users", str(load.USERS), "--years", "1", "--force"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=args.before,
                env=env,
                check=True,
            )
    for directory in (args.before, args.after):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=directory,
            env=env,
            check=True,
        )
    probe = json.loads(
        subprocess.run(
            [sys.executable, "bench/_probe.py"],
            cwd=args.before,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    builds = {"A": (args.before, PORTS[0]), "B": (args.after, PORTS[1])}
    servers = []
    for name, (directory, port) in builds.items():
        own = dict(env)
        own.update(
            {
                key[2:]: value
                for key, value in os.environ.items()
                if key.startswith(f"{name}_")
            }
        )
        servers.append(load.start_gunicorn(own, port=port, cwd=directory))
    cases = args.cases.split(",")
    chosen = [
        (index, item)
        for index, item in enumerate(load.endpoints(probe, 0))
        if any(case in item["name"] for case in cases)
    ]
    workdir = Path(tempfile.mkdtemp(prefix="ldn-ab-"))
    try:
        for index, item in chosen:
            results: dict[str, list[tuple[float, float, float]]] = {"A": [], "B": []}
            for _name, (_directory, port) in builds.items():
                load.BASE = f"http://127.0.0.1:{port}"
                load.wrk(item["spec"], workdir, seconds=2, warm_up=True)
                load.wrk(item["bare"], workdir, seconds=1, warm_up=True)
            for round_ in range(1, args.rounds + 1):
                order = list(builds.items())
                if round_ % 2 == 0:
                    order.reverse()
                for name, (_directory, port) in order:
                    load.BASE = f"http://127.0.0.1:{port}"
                    spec = load.endpoints(probe, round_)[index]["spec"]
                    measured = load.wrk(spec, workdir)
                    floor = load.wrk(item["bare"], workdir)
                    ratio = measured["rps"] / floor["rps"] if floor["rps"] else 0.0
                    results[name].append((ratio, measured["rps"], floor["rps"]))
            for name, runs in results.items():
                ratios = [run[0] for run in runs]
                print(
                    f"{item['name'][:48]:48} {name} ratio "
                    f"{statistics.median(ratios):.3f} "
                    f"({min(ratios):.3f}-{max(ratios):.3f}), "
                    f"{statistics.median(run[1] for run in runs):.0f} req/s, "
                    f"bare {statistics.median(run[2] for run in runs):.0f}",
                    flush=True,
                )
    finally:
        for server in servers:
            load.stop(server)


if __name__ == "__main__":
    main()
