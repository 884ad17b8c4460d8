"""What one clinician-report PDF costs a worker: CPU seconds and peak memory.

Not run by the test suite. Build a demo diary first (on a scratch database)::

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py make_demo --days 730
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 \
        python bench/report_pdf.py --warm --days 365 730 --repeat 5

Each round builds one report per range length, interleaved, so the load of a
shared machine falls on all of them; it prints per length the median CPU
seconds of gathering the data (the comparison computed afresh: the cache is
cleared before each report) and of rendering the PDF, the median total with its
minimum and maximum, and at the end the peak resident memory of the process.

``--warm`` first builds a 30-day report, as a worker that has run a job before
(its imports loaded). With REDIS_URL set, ``--prime`` (its own process) computes
the comparison into the shared cache, as the patient's analysis page does, and
``--cached`` then measures a worker that reads it instead of fitting it (while
diary.comparison.loader imports the fitting code at module level, a cache hit
still loads scipy and statsmodels, so only the CPU of the fit is saved).

Targets (issue 11): a 2-year report costs at most the 1-year one, under 3 s of
CPU for 1 year, under 250 MB of peak memory.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    from django.core.cache import cache

    from accounts.models import User
    from diary.exports.data import report_data
    from diary.exports.models import DEFAULT_SECTIONS, ExportSection
    from diary.exports.pdf import build_pdf

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
    for _round in range(args.repeat):
        for days in args.days:  # interleaved, so load on the machine hits all
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
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for days, runs in results.items():
        totals = sorted(d + p for d, p in runs)
        print(
            f"days={days} warm={args.warm} cached={args.cached} notes={args.notes} "
            f"runs={len(runs)} "
            f"data_cpu_s={statistics.median(d for d, _p in runs):.2f} "
            f"pdf_cpu_s={statistics.median(p for _d, p in runs):.2f} "
            f"total_cpu_s_median={statistics.median(totals):.2f} "
            f"min={totals[0]:.2f} max={totals[-1]:.2f} bytes={size[days]}"
        )
    print(f"peak_rss_mib={peak_mib:.0f} (the whole process)")


if __name__ == "__main__":
    main()
