"""What one FHIR R4 export costs a worker: queries, CPU seconds, resources, bytes.

Not run by the test suite. Build a demo diary first (on a scratch database)::

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 manage.py make_demo --days 730
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 DEBUG=1 \\
        python bench/fhir_export.py --days 30 365 730 --repeat 3

Each round builds one bundle per range length, interleaved, so the load of a
shared machine falls on all of them. It prints per length the number of
queries (the same for every length), the entries in the bundle, its size, and
the median CPU seconds of loading the diary, of building the resources and of
validating them against the FHIR R4 models (fhir.resources 6.4.0, pydantic 1),
which is most of the cost.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, nargs="+", default=[365])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--email", default="demo@example.org")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from diary.exports import fhir
    from diary.exports.fhir_data import fhir_source
    from diary.exports.models import ExportSection

    user = User.objects.get(email=args.email)
    end = user.local_today()
    sections = list(ExportSection.values)
    timings: dict[int, dict[str, list[float]]] = {
        days: {"load": [], "build": [], "validate": []} for days in args.days
    }
    facts: dict[int, tuple[int, int, int]] = {}
    for _round in range(args.repeat):
        for days in args.days:
            start = end - datetime.timedelta(days=days - 1)
            t0 = time.process_time()
            with CaptureQueriesContext(connection) as queries:
                source = fhir_source(user=user, start=start, end=end, sections=sections)
            t1 = time.process_time()
            builder = fhir._Builder(source)
            bundle = {
                "resourceType": "Bundle",
                "id": fhir._new_id(),
                "type": "collection",
                "timestamp": builder.asserted,
                "entry": [
                    {"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
                    for r in builder.resources()
                ],
            }
            t2 = time.process_time()
            fhir.validate_bundle(bundle)
            t3 = time.process_time()
            size = len(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")))
            timings[days]["load"].append(t1 - t0)
            timings[days]["build"].append(t2 - t1)
            timings[days]["validate"].append(t3 - t2)
            facts[days] = (len(queries), len(bundle["entry"]), size)

    print("days  queries  entries     bytes   load s  build s  validate s")
    for days in args.days:
        n_queries, entries, size = facts[days]
        med = {k: statistics.median(v) for k, v in timings[days].items()}
        print(
            f"{days:4d}  {n_queries:7d}  {entries:7d}  {size:8d}  "
            f"{med['load']:7.2f}  {med['build']:7.2f}  {med['validate']:10.2f}"
        )


if __name__ == "__main__":
    main()
