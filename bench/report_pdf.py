"""What one clinician-report PDF costs a worker: CPU seconds and peak memory.

Not run by the test suite. Build a demo diary first (on a scratch database), then
run this once per range length; each run is a fresh process, so the peak memory
is that of one worker building one report, imports included::

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py make_demo --days 730
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 python bench/report_pdf.py --days 365
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 python bench/report_pdf.py --days 730

It prints one line: the range, the CPU seconds of gathering the data (the
comparison computed afresh: the cache is cleared) and of rendering the PDF, the
total, the peak resident memory of the process (MiB) and the file size. With
``--warm`` a 30-day report is built first, as by a worker that has run a job
before (its imports, statsmodels and WeasyPrint's stylesheets, loaded). Targets (issue 11): a 2-year report costs at most the 1-year one,
under 3 s of CPU for 1 year, under 250 MB of peak memory.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365, help="range length")
    parser.add_argument("--email", default="demo@example.org")
    parser.add_argument("--out", help="also write the PDF here")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="build a 30-day report first, as a worker that has run a job before "
        "(imports loaded); the comparison cache is cleared either way",
    )
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    from django.core.cache import cache

    from accounts.models import User
    from diary.exports.data import report_data
    from diary.exports.models import ExportSection
    from diary.exports.pdf import build_pdf

    user = User.objects.get(email=args.email)
    end = user.local_today()
    start = end - datetime.timedelta(days=args.days - 1)
    if args.warm:
        build_pdf(
            report_data(
                user=user,
                start=end - datetime.timedelta(days=29),
                end=end,
                sections=list(ExportSection.values),
            )
        )
    cache.clear()  # the comparison is computed afresh, as on a cache miss

    cpu0 = time.process_time()
    data = report_data(
        user=user, start=start, end=end, sections=list(ExportSection.values)
    )
    cpu1 = time.process_time()
    content = build_pdf(data)
    cpu2 = time.process_time()
    if args.out:
        Path(args.out).write_bytes(content)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = content.count(b"/Type /Page\n") or content.count(b"/Type /Page")
    print(
        f"days={args.days} warm={args.warm} data_cpu_s={cpu1 - cpu0:.2f} "
        f"pdf_cpu_s={cpu2 - cpu1:.2f} total_cpu_s={cpu2 - cpu0:.2f} "
        f"peak_rss_mib={peak_mib:.0f} pages~{pages} bytes={len(content)}"
    )


if __name__ == "__main__":
    main()
