"""The Celery worker's main process imports the report libraries before its
pool forks (config.celery.preload_report_libraries on ``worker_init``)."""

import subprocess
import sys
from pathlib import Path

from celery.signals import worker_init

from config import celery as celery_config

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "statsmodels.tsa.statespace.sarimax", "scipy.optimize")


def test_preload_runs_at_worker_init():
    receivers = [ref() for _key, ref in worker_init.receivers]
    assert celery_config.preload_report_libraries in receivers


def test_preload_imports_what_a_report_needs_and_django_alone_does_not():
    code = (
        "import sys, django; django.setup(); import config.celery as c; "
        f"heavy = {HEAVY!r}; "
        "before = [m for m in heavy if m in sys.modules]; "
        "c.preload_report_libraries(); "
        "after = [m for m in heavy if m in sys.modules]; "
        "print(before, after)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"[] {list(HEAVY)!r}"
