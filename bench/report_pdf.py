"""What one clinician-report PDF costs a worker: CPU seconds and peak memory.

Not run by the test suite. Build a demo diary first (on a scratch database), then
run the bench with the settings a worker runs with (DEBUG off: with it on, Django
keeps every query it runs)::

    export DATABASE_URL=sqlite:////tmp/demo.sqlite3
    DEBUG=1 manage.py migrate
    DEBUG=1 manage.py make_demo --days 730
    SECRET_KEY=bench-only-0123456789-abcdefghijklmnopqrstuvwxyz DEBUG=0 \\
        python bench/report_pdf.py --as-worker --warm --days 365 730 --repeat 5

Each round builds one report per range length, interleaved (in the reverse
order every other round), so the load of a shared machine falls on all of them;
it prints per length the median CPU
seconds of gathering the data (the comparison computed afresh: the cache is
cleared before each report) and of rendering the PDF, the median total with its
minimum and maximum, then the peak resident memory of the process that built
the reports, and whether each target is met.

``--as-worker`` starts as a Celery worker does before it builds anything: the
main process loads the task modules (with the Django fix-up's system checks, as
configured in config.celery), sends ``worker_init`` (the worker's own checks and
the preload of the report libraries), then forks a child, as the prefork pool
does, and the child builds the reports. The child's peak resident memory counts
every page it shares with the main process, as ``ps`` or a container's
per-process figures would; its private (unshared) memory at the end is printed
too. Without ``--as-worker`` one process imports what the reports need as they
run.

``--warm`` first builds a 30-day report, as a worker that has run a job before.
With REDIS_URL set, ``--prime`` (its own process) computes the comparison into
the shared cache, as the patient's analysis page does, and ``--cached`` then
measures a worker that reads it instead of fitting it.

``--instructions`` answers "does a 2-year report cost more than a 1-year one?"
without the noise of CPU seconds on a shared machine (there, the medians of 5
rounds swap places from one run to the next): it runs this script once per range
length under ``valgrind --tool=callgrind`` (``--warm``, one report, a fixed hash
seed; the lengths side by side), which counts the instructions executed, the
same count for the same inputs whatever else the machine does. Everything but
the report's range is the same in every run (imports, start-up, the 30-day
report), so the difference between two runs' counts is the difference between
their reports. Each run takes a few minutes; needs valgrind (Debian's package).

Targets (issue 11): a 2-year report costs at most the 1-year one, under 3 s of
CPU for 1 year, under 250 MB (238.4 MiB) of peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PEAK_TARGET_MIB = 250e6 / 2**20  # 250 MB
CPU_TARGET_S = 3.0  # for one year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--days", type=int, nargs="+", default=[365], help="range lengths"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds")
    parser.add_argument(
        "--notes", action="store_true", help="include the notes section too"
    )
    parser.add_argument("--email", default="demo@example.org")
    parser.add_argument("--out", help="also write the PDF here (DAYS: the range)")
    parser.add_argument(
        "--as-worker",
        action="store_true",
        help="start as a Celery worker (task modules, worker_init: checks and "
        "preload), then build the reports in a forked child",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="build a 30-day report first, as a worker that has run a job before "
        "(imports loaded); the comparison cache is cleared either way",
    )
    parser.add_argument(
        "--prime",
        action="store_true",
        help="only compute the comparison into the cache (as the analysis page "
        "does) and exit",
    )
    parser.add_argument(
        "--cached",
        action="store_true",
        help="keep the cache: read the comparison a --prime run stored (needs a "
        "shared cache, REDIS_URL)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count each length's instructions under valgrind's callgrind, "
        "one process per length, and compare them",
    )
    args = parser.parse_args()
    if args.instructions:
        count_instructions(args)
        return

    if args.as_worker:
        start_as_worker()
        pid = os.fork()
        if pid:
            _pid, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
        try:
            run(args)
        except BaseException:
            import traceback

            traceback.print_exc()
            os._exit(1)
        sys.stdout.flush()
        os._exit(0)
    run(args)


def count_instructions(args: argparse.Namespace) -> None:
    """``--instructions``: one callgrind run of this script per range length."""
    import re
    import shutil
    import subprocess
    import tempfile

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is missing (apt-get install valgrind).")
    out = Path(tempfile.mkdtemp(prefix="ldn-callgrind-"))
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    counts = {}
    with contextlib.ExitStack() as logs:
        runs = {}
        for days in args.days:
            command = [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={out / f'{days}.out'}",
                sys.executable,
                __file__,
                "--warm",
                "--days",
                str(days),
                "--email",
                args.email,
            ] + (["--notes"] if args.notes else [])
            log = logs.enter_context(open(out / f"{days}.log", "w"))
            runs[days] = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        for days, process in runs.items():
            if process.wait() != 0:
                raise SystemExit(
                    f"The {days}-day run failed: see {out / f'{days}.log'}"
                )
            text = (out / f"{days}.out").read_text()
            found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if found is None:
                raise SystemExit(f"No instruction count in {out / f'{days}.out'}")
            counts[days] = int(found[1])
            print(f"days={days} instructions={counts[days]:,}", flush=True)
    if 365 in counts and 730 in counts:
        difference = counts[730] - counts[365]
        print(
            f"target 2 y <= 1 y (instructions): {verdict(difference <= 0)} "
            f"(2 y - 1 y = {difference / 1e6:+,.0f} million, "
            f"{difference / counts[365]:+.1%} of the whole 1-year run)"
        )
    shutil.rmtree(out)


def start_as_worker() -> None:
    """What a Celery worker's main process does before its pool forks."""
    from celery.signals import worker_init

    from config.celery import app

    # Sends import_modules: the Django fix-up sets Django up (and runs its
    # checks unless CELERY_SKIP_CHECKS), then the task modules are imported.
    app.loader.import_default_modules()

    class Worker:  # stands for the WorkController in the fix-up
        pool_cls = "prefork"

    worker = Worker()
    worker.app = app  # type: ignore[attr-defined]
    worker_init.send(sender=worker)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    from django.conf import settings
    from django.core.cache import cache

    from accounts.models import User
    from diary.exports.data import report_data
    from diary.exports.models import DEFAULT_SECTIONS, ExportSection
    from diary.exports.pdf import build_pdf

    if settings.DEBUG:
        print("warning: DEBUG is on (Django keeps every query): not a worker's run")
    # The default report (every section but the patient's free-text notes, which
    # grow with the range like the diary itself); --notes adds them.
    sections = list(ExportSection.values) if args.notes else list(DEFAULT_SECTIONS)
    user = User.objects.get(email=args.email)
    end = user.local_today()
    if args.prime:
        from diary.comparison import comparison_for_user

        comparison_for_user(user)
        return
    if args.warm:
        if not args.cached:
            cache.clear()
        build_pdf(
            report_data(
                user=user,
                start=end - datetime.timedelta(days=29),
                end=end,
                sections=sections,
            )
        )
    results: dict[int, list[tuple[float, float]]] = {d: [] for d in args.days}
    size = {}
    for round_ in range(args.repeat):
        # Interleaved, so load on the machine hits all, and in the reverse order
        # every other round, so no length always follows the same one (the
        # collector's full passes, for one, land on the same place of a cycle).
        order = args.days if round_ % 2 == 0 else args.days[::-1]
        for days in order:
            if not args.cached:
                cache.clear()  # the comparison is computed afresh
            start = end - datetime.timedelta(days=days - 1)
            cpu0 = time.process_time()
            data = report_data(user=user, start=start, end=end, sections=sections)
            cpu1 = time.process_time()
            content = build_pdf(data)
            cpu2 = time.process_time()
            results[days].append((cpu1 - cpu0, cpu2 - cpu1))
            size[days] = len(content)
            if args.out:
                Path(args.out.replace("DAYS", str(days))).write_bytes(content)
            del data, content
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    medians = {}
    for days, runs in results.items():
        totals = sorted(d + p for d, p in runs)
        medians[days] = statistics.median(totals)
        print(
            f"days={days} warm={args.warm} cached={args.cached} notes={args.notes} "
            f"as_worker={args.as_worker} runs={len(runs)} "
            f"data_cpu_s={statistics.median(d for d, _p in runs):.2f} "
            f"pdf_cpu_s={statistics.median(p for _d, p in runs):.2f} "
            f"total_cpu_s_median={medians[days]:.2f} "
            f"min={totals[0]:.2f} max={totals[-1]:.2f} bytes={size[days]}"
        )
    who = "the worker's child" if args.as_worker else "the whole process"
    print(
        f"peak_rss_mib={peak_mib:.1f} ({who}) private_mib_at_end={_private_mib():.1f}"
    )
    _targets(medians, peak_mib)


def _private_mib() -> float:
    """This process's pages that no other process shares, now."""
    kib = 0
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                kib += int(line.split()[1])
    return kib / 1024


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _targets(medians: dict[int, float], peak_mib: float) -> None:
    print(
        f"target peak < {PEAK_TARGET_MIB:.1f} MiB: {verdict(peak_mib < PEAK_TARGET_MIB)}"
    )
    if 365 in medians:
        print(
            f"target 1 y < {CPU_TARGET_S:.0f} s CPU: "
            f"{verdict(medians[365] < CPU_TARGET_S)} ({medians[365]:.2f} s)"
        )
    if 365 in medians and 730 in medians:
        print(
            "target 2 y <= 1 y (medians): "
            f"{verdict(medians[730] <= medians[365])} "
            f"({medians[730]:.2f} s against {medians[365]:.2f} s)"
        )


if __name__ == "__main__":
    main()
