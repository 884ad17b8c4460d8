"""Bad input that used to get through or answer 500 (issue 9, defects 5 and 9):
deeply nested JSON, dates before 1900 (forms, API, URLs), and a chunked body
without Content-Length."""

import datetime
import io
import json

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api.parsers import MAX_DEPTH, json_depth_exceeds
from config.middleware import ApiBodySizeLimitMiddleware
from diary.models import Crash, Entry, TreatmentCourse
from tests.api.conftest import bearer_client
from tests.diary.test_checkin import checkin_post
from tests.diary.test_crashes import crash_data
from tests.diary.test_treatments import course_data

NESTED = "[" * 3000 + "]" * 3000  # about 6 kB; Python's decoder recursed on it
ANCIENT = "0001-01-01"
JUST_BEFORE_1900 = "1899-12-31"
TOO_EARLY = "Dates before 1 January 1900 are not accepted"


# ------------------------------------------------------------------ nested JSON


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def assert_parse_error(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "parse_error"
    assert "nested" in body["message"]
    assert body["errors"] == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/auth/token/", "/api/v1/auth/signup/", "/api/v1/auth/refresh/"]
)
def test_nested_json_is_a_400_for_anonymous_endpoints(client, url):
    response = client.post(url, NESTED, content_type="application/json")
    assert_parse_error(response)


def test_nested_json_is_a_400_on_the_entry_put(alice):
    day = alice.local_today().isoformat()
    body = '{"date": "' + day + '", "scores": ' + NESTED + "}"
    response = bearer_client(alice).put(
        f"/api/v1/entries/{day}/", body, content_type="application/json"
    )
    assert_parse_error(response)
    assert not Entry.objects.exists()


def test_nesting_up_to_the_limit_still_parses_and_brackets_in_strings_do_not_count():
    assert not json_depth_exceeds("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert json_depth_exceeds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert not json_depth_exceeds(json.dumps({"notes": "[[[[{{{{" * 100}))
    assert not json_depth_exceeds(json.dumps({"notes": 'a \\" [[[[' * 100}))


@pytest.mark.django_db
def test_invalid_json_is_still_a_400_parse_error(client):
    response = client.post(
        "/api/v1/auth/token/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# ------------------------------------------------------------------ old dates


@pytest.mark.parametrize("day", [ANCIENT, JUST_BEFORE_1900])
def test_checkin_form_refuses_dates_before_1900(alice, alice_client, day):
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, date=day, notes="kept")
    )
    assert response.status_code == 200
    assert TOO_EARLY in response.content.decode()
    assert "kept" in response.content.decode()  # what was typed is kept
    assert not Entry.objects.exists()


def test_1900_itself_is_accepted(alice, alice_client):
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, date="1900-01-01")
    )
    assert response.status_code == 302
    assert Entry.objects.get().date == datetime.date(1900, 1, 1)


def test_crash_and_course_forms_refuse_dates_before_1900(alice, alice_client):
    response = alice_client.post(
        reverse("diary:crash-create"),
        crash_data(alice, start_date=ANCIENT, end_date=ANCIENT),
    )
    assert response.status_code == 200
    assert TOO_EARLY in response.content.decode()
    assert not Crash.objects.exists()
    response = alice_client.post(
        reverse("diary:course-create"), course_data(alice, start_date=ANCIENT)
    )
    assert response.status_code == 200
    assert TOO_EARLY in response.content.decode()
    assert not TreatmentCourse.objects.exists()


def test_the_date_picker_does_not_offer_days_before_1900(alice_client):
    html = alice_client.get(reverse("diary:checkin")).content.decode()
    assert 'min="1900-01-01"' in html


def test_api_refuses_dates_before_1900_naming_the_field(alice):
    api = bearer_client(alice)
    response = api.put(f"/api/v1/entries/{ANCIENT}/", {"scores": []}, format="json")
    assert response.status_code == 400
    assert TOO_EARLY in " ".join(response.json()["errors"]["date"])
    response = api.post(
        "/api/v1/crashes/", {"start_date": ANCIENT, "severity": 2}, format="json"
    )
    assert response.status_code == 400
    assert TOO_EARLY in " ".join(response.json()["errors"]["start_date"])
    response = api.post(
        "/api/v1/treatments/",
        {"start_date": JUST_BEFORE_1900, "formulation": "capsule"},
        format="json",
    )
    assert response.status_code == 400
    assert TOO_EARLY in " ".join(response.json()["errors"]["start_date"])
    response = api.get("/api/v1/entries/", {"from": ANCIENT})
    assert response.status_code == 400
    assert "from" in response.json()["errors"]
    assert not Entry.objects.exists()
    assert not Crash.objects.exists()
    assert not TreatmentCourse.objects.exists()


def date_url_patterns():
    """Every URL pattern in the URLconf with a date in it (the isodate converter),
    found by walking the resolver: a new one cannot be forgotten."""
    from diary.urls import IsoDateConverter

    found = []

    def walk(patterns, prefix_names):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix_names + [entry.namespace])
            elif isinstance(entry, URLPattern):
                converters = getattr(entry.pattern, "converters", {})
                dates = [
                    key
                    for key, conv in converters.items()
                    if isinstance(conv, IsoDateConverter)
                ]
                if dates:
                    name = ":".join([n for n in prefix_names if n] + [entry.name])
                    found.append((name, dates, list(converters)))

    walk(get_resolver().url_patterns, [])
    return found


def test_there_are_date_urls_to_check():
    names = {name for name, _d, _a in date_url_patterns()}
    assert {"diary:checkin-date", "diary:entry-delete"} <= names


@pytest.mark.parametrize(
    "day", [ANCIENT, JUST_BEFORE_1900, "9999-12-31", "2026-02-30", "0000-00-00"]
)
def test_no_date_url_answers_500(alice, alice_client, day):
    """Defect 9: /checkin/0001-01-01/ answered 500 (OverflowError)."""
    for name, date_args, all_args in date_url_patterns():
        assert date_args == all_args, f"{name}: fill in the other arguments"
        url = reverse(name, kwargs={"day": datetime.date(2026, 1, 1)}).replace(
            "2026-01-01", day
        )
        for method in ("get", "post"):
            response = getattr(alice_client, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)


def test_an_old_entry_already_stored_does_not_break_its_page(alice, alice_client):
    """Rows stored before the fix (dated 0001-01-01) cannot be opened by URL any
    more, and the pages that list them still work."""
    from tests.factories import EntryFactory

    EntryFactory(user=alice, date=datetime.date(1, 1, 1))
    for name in ("diary:home", "diary:entry-list", "diary:trends", "diary:analysis"):
        assert alice_client.get(reverse(name)).status_code == 200, name


# ------------------------------------------------------------------ chunked bodies


def chunked_request(path, body: bytes, content_type="application/json"):
    """A request as gunicorn hands it over for ``Transfer-Encoding: chunked``: the
    body de-chunked in wsgi.input and no CONTENT_LENGTH."""
    request = RequestFactory().generic("PUT", path, data=b"", content_type=content_type)
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.environ["wsgi.input"] = io.BytesIO(body)
    # WSGIRequest read CONTENT_LENGTH (absent: 0) when it was made, like Django does.
    from django.core.handlers.wsgi import LimitedStream

    request._stream = LimitedStream(request.environ["wsgi.input"], 0)
    return request


def test_a_chunked_body_under_the_limit_is_read_not_dropped():
    seen = {}

    def view(request):
        seen["body"] = request.body
        from django.http import HttpResponse

        return HttpResponse("ok")

    body = json.dumps({"notes": "a chunked body"}).encode()
    response = ApiBodySizeLimitMiddleware(view)(
        chunked_request("/api/v1/entries/2026-01-01/", body)
    )
    assert response.status_code == 200
    assert seen["body"] == body


def test_a_chunked_body_over_the_limit_is_refused_with_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

    def view(request):  # pragma: no cover - must not be reached
        raise AssertionError("the view must not run")

    big = b"x" * (5 * 1024 * 1024)
    response = ApiBodySizeLimitMiddleware(view)(
        chunked_request("/api/v1/entries/2026-01-01/", big)
    )
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "payload_too_large"
    page = ApiBodySizeLimitMiddleware(view)(chunked_request("/checkin/", big))
    assert page.status_code == 413


def test_a_chunked_entry_put_saves_what_was_sent(alice, settings):
    """Defect 9 end to end through Django's handler: the chunked body reaches the
    view and the entry holds its notes (it used to be saved empty, 201)."""
    from django.core.handlers.wsgi import WSGIHandler

    day = alice.local_today().isoformat()
    api = bearer_client(alice)
    token = api._credentials["HTTP_AUTHORIZATION"]
    body = json.dumps({"scores": [], "notes": "sent in chunks"}).encode()
    environ = RequestFactory()._base_environ(
        PATH_INFO=f"/api/v1/entries/{day}/",
        REQUEST_METHOD="PUT",
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=token,
    )
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body)
    statuses = []
    # As Django's test client does: keep the test's database connection open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = WSGIHandler()(environ, lambda status, hdrs: statuses.append(status))
        b"".join(chunks)
        chunks.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert statuses[0].startswith(("200", "201")), statuses
    assert Entry.objects.get(user=alice).notes == "sent in chunks"


@pytest.mark.parametrize(
    "url",
    [
        "/trends/",
        "/trends/data/",
        "/api/v1/trends/",
    ],
)
@pytest.mark.parametrize("day", [ANCIENT, JUST_BEFORE_1900])
def test_date_query_parameters_before_1900_are_refused_not_500(
    alice, alice_client, url, day
):
    query = {"start": day, "end": "1900-01-31", "comparison": "custom"}
    if url.startswith("/api/"):
        response = bearer_client(alice).get(url, query)
        assert response.status_code == 400
        assert TOO_EARLY in json.dumps(response.json()["errors"])
    else:
        response = alice_client.get(url, query)
        assert response.status_code in (200, 400)
        assert TOO_EARLY in response.content.decode()
