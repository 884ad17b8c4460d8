from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from celery import Celery
from celery.signals import worker_init

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Celery's Django fix-up runs every system check when a worker starts. The URL
# checks import the whole URLconf (every view, the API, drf-spectacular, the
# import's JSON Schema validator), and the template and admin checks set up the
# template engine, which imports every template tag library (Django REST
# framework's pulls in psycopg, requests and pygments): about 40 MiB in the
# worker's main process and so in every child it forks, for pages a worker never
# serves. It also drops the checks' results. Instead the worker
# runs the other checks itself and logs what they find (worker_checks below). Set
# CELERY_SKIP_CHECKS to an empty value to run Celery's full set again.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

logger = logging.getLogger(__name__)

app = Celery("ldn_diary")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, and those of the diary's sub-packages by concept.
app.autodiscover_tasks()
app.autodiscover_tasks(["diary.exports", "diary.reminders"])

# Checks about what only the web process serves (URLs, templates, the admin
# site, the API's pagination: Django REST framework's check imports its
# pagination module and with it the same template tags); `manage.py check
# --deploy` and the web process's commands run them.
WEB_ONLY_CHECK_TAGS = frozenset({"urls", "templates", "admin"})
WEB_ONLY_CHECKS = frozenset({"rest_framework.checks.pagination_system_check"})


@worker_init.connect(dispatch_uid="config.celery.checks")
def worker_checks(**kwargs) -> list[CheckMessage]:
    """Run the system checks that concern a worker (models, caches, settings,
    security, ...) and log the errors and warnings; skip those about what only
    the web process serves, which load its whole URLconf and template
    libraries."""
    from django.core.checks import registry

    messages: list[CheckMessage] = []
    for check in registry.registry.get_checks():
        name = f"{check.__module__}.{getattr(check, '__qualname__', '')}"
        if WEB_ONLY_CHECK_TAGS.intersection(check.tags) or name in WEB_ONLY_CHECKS:
            continue
        messages.extend(check(app_configs=None, databases=None))
    for message in messages:
        if message.is_serious():
            logger.error("System check: %s", message)
        else:
            logger.warning("System check: %s", message)
    return messages


@worker_init.connect(dispatch_uid="config.celery.preload")
def preload_report_libraries(**kwargs) -> None:
    """Import what a report job needs (WeasyPrint; numpy, scipy and statsmodels
    for the before/after comparison's fit) in the worker's main process, before
    its pool forks: the children then share those pages instead of each loading
    them (about 100 MiB each), and the first report a child makes does not pay
    seconds of imports (4.05 s of CPU for a first 1-year report in a fresh
    process, against 1.93 s once imported: measured on the 2-year demo diary)."""
    import gc

    import weasyprint  # noqa: F401

    from diary.comparison import ar1  # noqa: F401

    # Everything loaded so far lives as long as the worker: move it out of the
    # garbage collector's reach. A child's collections then neither write to
    # those pages (which would copy them, page by page, out of the memory it
    # shares with the main process) nor walk them again on every pass: the
    # collector's share of a 1- or 2-year report's CPU fell from 0.2-0.4 s to
    # 0.1-0.2 s on the demo diary.
    gc.freeze()
