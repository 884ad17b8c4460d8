"""The Celery worker's main process imports the report libraries before its
pool forks (config.celery.preload_report_libraries on ``worker_init``)."""

import logging

import pytest
from celery.signals import worker_init
from django.core import checks
from django.core.checks.registry import registry

from config import celery as celery_config
from tests.fresh_python import fresh_python

HEAVY = ("weasyprint", "statsmodels.tsa.statespace.sarimax", "scipy.optimize")


def test_preload_runs_at_worker_init():
    receivers = [ref() for _key, ref in worker_init.receivers]
    assert celery_config.preload_report_libraries in receivers


def test_preload_imports_what_a_report_needs_and_django_alone_does_not():
    code = (
        "import sys, django; django.setup(); import config.celery as c; "
        f"heavy = {HEAVY!r}; "
        "before = [m for m in heavy if m in sys.modules]; "
        "import gc; frozen = gc.get_freeze_count(); "
        "c.preload_report_libraries(); "
        "after = [m for m in heavy if m in sys.modules]; "
        "print(before, after, frozen == 0 and gc.get_freeze_count() > 100000)"
    )
    assert fresh_python(code).strip() == f"[] {list(HEAVY)!r} True"


# What a worker never needs: the web's URLconf (every view, the API schema, the
# import's JSON Schema validator), every template tag library (Django REST
# framework's brings psycopg, requests and pygments), the password strength
# dictionaries and the FHIR models.
NOT_IN_A_WORKER = (
    "config.urls",
    "rest_framework.templatetags.rest_framework",
    "drf_spectacular.openapi",
    "jsonschema",
    "zxcvbn",
    "pydantic",
    "fhir.resources",
)


def test_a_worker_starts_without_what_only_the_web_serves():
    """Celery's start-up as the worker runs it: the Django fix-up and the task
    modules (import_default_modules), then worker_init (checks and preload)."""
    code = (
        "import sys; from celery.signals import worker_init; "
        "from config.celery import app; "
        "app.loader.import_default_modules(); "
        "worker = type('Worker', (), {'app': app})(); "
        "worker_init.send(sender=worker); "
        f"print([m for m in {NOT_IN_A_WORKER!r} if m in sys.modules], "
        f"[m for m in {HEAVY!r} if m in sys.modules])"
    )
    found = fresh_python(code, drop=("CELERY_SKIP_CHECKS",))
    assert found.strip().splitlines()[-1] == f"[] {list(HEAVY)!r}"


def test_celery_runs_its_own_full_checks_only_when_asked():
    code = "import os, config.celery; print(repr(os.environ['CELERY_SKIP_CHECKS']))"
    default = fresh_python(code, drop=("CELERY_SKIP_CHECKS",))
    asked = fresh_python(code, env={"CELERY_SKIP_CHECKS": ""})
    assert default.strip() == "'1'"
    assert asked.strip() == "''"


@pytest.fixture
def extra_checks():
    """Register checks for one test and take them out again."""
    added = []

    def add(check, *tags):
        registry.register(check, *tags)
        added.append(check)

    yield add
    for check in added:
        registry.registered_checks.discard(check)


def test_worker_checks_log_what_they_find_and_skip_the_web_only_ones(
    extra_checks, caplog
):
    calls = []

    def web_only(app_configs, **kwargs):
        calls.append("urls")
        return [checks.Error("the URLconf is broken", id="test.E001")]

    def for_everyone(app_configs, **kwargs):
        calls.append("models")
        return [
            checks.Error("a model is broken", id="test.E002"),
            checks.Warning("a setting is odd", id="test.W001"),
        ]

    extra_checks(web_only, checks.Tags.urls)
    extra_checks(for_everyone, checks.Tags.models)
    with caplog.at_level(logging.WARNING, logger="config.celery"):
        messages = celery_config.worker_checks()

    assert calls == ["models"]
    ids = {message.id for message in messages}
    assert {"test.E002", "test.W001"} <= ids and "test.E001" not in ids
    logged = {
        (record.levelno, record.getMessage().rsplit(") ", 1)[-1])
        for record in caplog.records
    }
    assert (logging.ERROR, "a model is broken") in logged
    assert (logging.WARNING, "a setting is odd") in logged


def test_worker_checks_run_at_worker_init():
    receivers = [ref() for _key, ref in worker_init.receivers]
    assert celery_config.worker_checks in receivers
