"""The load benchmark's bare views exist only when BENCHMARK_VIEWS is on."""

import pytest
from django.test import override_settings

from tests.api.conftest import bearer_client

pytestmark = pytest.mark.django_db

PAGE = "/__bench__/"
API = "/api/v1/__bench__/"
PLAIN = "/__bench__/plain/"


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()


def test_all_are_404_by_default(alice, alice_client):
    from django.conf import settings
    from rest_framework.test import APIClient

    assert settings.BENCHMARK_VIEWS is False
    assert alice_client.get(PAGE).status_code == 404
    api = bearer_client(alice)
    assert api.get(API).status_code == 404
    assert api.put(API, {"a": 1}, format="json").status_code == 404
    assert APIClient().get(API).status_code == 404
    assert alice_client.get(PLAIN).status_code == 404
    from django.test import Client

    assert Client().get(PLAIN).status_code == 404


@override_settings(BENCHMARK_VIEWS=True)
def test_when_on_they_need_the_same_log_in_as_pages_and_api(alice, alice_client):
    from rest_framework.test import APIClient

    assert alice_client.get(PAGE).content == b"ok"
    from django.test import Client

    assert Client().get(PAGE).status_code == 302  # the log-in page

    api = bearer_client(alice)
    assert api.get(API).json() == {"ok": True}
    assert api.put(API, {"a": 1}, format="json").json() == {"ok": True}
    assert APIClient().get(API).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.get(API).status_code == 401


@override_settings(BENCHMARK_VIEWS=True)
def test_when_on_the_plain_view_answers_anyone_without_the_database(
    alice_client, django_assert_num_queries
):
    from django.test import Client

    anonymous = Client()
    with django_assert_num_queries(0):
        response = anonymous.get(PLAIN)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert not response.cookies  # no session is started for it
    assert alice_client.get(PLAIN).content == b"ok"


@override_settings(BENCHMARK_VIEWS=True)
def test_the_plain_view_changes_nothing_without_a_csrf_token():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post(PLAIN).status_code == 403


def test_the_schema_does_not_list_them(alice_client):
    from django.urls import reverse

    schema = alice_client.get(reverse("api:schema")).content.decode()
    assert "__bench__" not in schema


def _bench_load():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "load.py"
    spec = importlib.util.spec_from_file_location("bench_load", path)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    return load


def _fake_probe(today) -> dict:
    """What ``bench/_probe.py`` gives ``endpoints``, without a database."""
    return {
        "today": today.isoformat(),
        "tokens": ["t"],
        "long_token": "l",
        "long_session": "s",
        "symptoms": [],
    }


def test_the_benchmark_throttle_keeps_at_most_a_second_of_history():
    """``bench/load.py`` raises the patients' throttle without giving each one a
    minute of request times to pickle on every request (tens of thousands for
    the 10-year patient, more than the bare view's own work), which would
    weigh on the floor and the endpoint alike and move with the run."""
    from pathlib import Path

    from rest_framework.throttling import UserRateThrottle

    load = _bench_load()
    env = load.django_env(None, Path("unused.sqlite3"))
    requests, seconds = UserRateThrottle().parse_rate(env["API_THROTTLE_USER"])
    assert seconds <= 1
    # Never the limit: far above what wrk sends to one patient in a second.
    assert requests >= 100_000


def test_a_cache_miss_run_never_asks_for_a_range_twice():
    """The cache-miss figure is of misses only: within a run, each wrk thread
    starts ``stride`` paths after the other, so until one of them has sent
    ``stride`` requests (``wrk`` stops the benchmark then) no range comes
    twice, and no run repeats another's. When it did (300 ranges cycled by
    ~1,300 requests a run), about a fifth of the "misses" were cache hits."""
    import datetime
    import re

    load = _bench_load()
    today = datetime.date(2026, 12, 7)
    probe = _fake_probe(today)
    runs = []
    for run in range(4):
        (miss,) = [
            item["spec"]
            for item in load.endpoints(probe, run)
            if "cache miss" in item["name"]
        ]
        paths = miss["paths"]
        assert len(set(paths)) == len(paths)
        assert miss["stride"] * load.WRK_THREADS == len(paths)
        # What the two threads send before one has sent ``stride``: all distinct.
        sent = [
            paths[(thread * miss["stride"] + n + 1) % len(paths)]
            for thread in range(load.WRK_THREADS)
            for n in range(miss["stride"] - 1)
        ]
        assert len(set(sent)) == len(sent)
        # Ten years of data each (9.7 to 11.1 years asked), ending by today.
        for path in paths:
            start, end = map(
                datetime.date.fromisoformat,
                re.fullmatch(
                    r"/api/v1/trends/\?start=([\d-]+)&end=([\d-]+)", path
                ).groups(),
            )
            assert end <= today
            assert 3550 <= (end - start).days <= 4060
        runs.append(set(paths))
    assert sum(len(paths) for paths in runs) == len(set().union(*runs))
    # The script starts each thread ``stride`` requests after the previous one.
    script = load.lua_script(**miss)
    assert f'thread:set("offset", threads * {miss["stride"]})' in script


def test_the_api_endpoints_are_also_measured_against_the_plain_view():
    """The write, the list and the trends API (and only they) get a second
    ratio, against the bare Django view without log-in, which the issue's
    comparison with wger used; the report shows it beside the bare DRF view's."""
    import datetime

    load = _bench_load()
    probe = _fake_probe(datetime.date(2026, 12, 7))
    api = [
        item["name"]
        for item in load.endpoints(probe, 0)
        if item["name"].startswith(load.API_ENDPOINTS)
    ]
    assert len(api) == 4
    assert all(
        item["spec"]["tokens"]
        for item in load.endpoints(probe, 0)
        if item["name"] in api
    )
    assert load.PLAIN["paths"] == [PLAIN]
    assert not load.PLAIN["tokens"] and not load.PLAIN["cookie"]
    pairs = [
        {
            "name": "daily write, PUT",
            "plain": {"ratio": 0.139, "low": 0.12, "high": 0.15, "bare_ratio": 0.431},
        },
        {"name": "trends page, 90 days"},
    ]
    text = load.plain_table(pairs)
    assert "| daily write, PUT | 0.139 (0.120-0.150) | 0.431 |" in text
    assert "trends page" not in text
