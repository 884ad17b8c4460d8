"""CSRF on every form and every state-changing URL, and script payloads in every
free-text field escaped in every page, the API and the PDF ("what held, keep it
holding", issue 9). URLs come from walking the resolver (tests/security/world.py).
"""

import datetime
import re
import subprocess

import pytest
from django.core.cache import cache
from django.test import Client

from diary.exports.data import report_data
from diary.exports.models import ExportSection
from tests.api.conftest import bearer_client
from tests.security.test_url_matrix import body_of, call, methods_for
from tests.security.world import CANARY, XSS, build_world, every_url

# State-changing on purpose without Django's CSRF token: the one-click
# unsubscribe (a mail provider posts it), the doctor's code form (its own
# session token; see diary.sharing.guard), and the API's token endpoints, which
# take no cookie.
CSRF_EXEMPT = {
    "diary:reminder-unsubscribe",
    "diary:share-view",
    "diary:share-pdf",
    "api:token",
    "api:token-refresh",
    "api:signup",
    "api:logout",
    "api:?",
    # The load benchmark's bare views: 404 unless BENCHMARK_VIEWS is on, and
    # they change nothing.
    "api:bench-bare",
    "bench-bare-page",
}
# Read-only views whose refusal of other methods is rendered as their page.
READ_ONLY = {"api:docs", "api:schema"}
RAW_PAYLOADS = ("<script>alert(", "<img src=x onerror")


@pytest.fixture
def world(alice):
    cache.clear()
    yield build_world(alice)
    cache.clear()


def html_pages(world, client):
    """Every URL that answers Alice's GET with an HTML page."""
    pages = []
    for route in every_url(world):
        if route.is_admin:
            continue
        response = client.get(route.url)
        if response.status_code == 200 and response["Content-Type"].startswith(
            "text/html"
        ):
            pages.append((route, response.content.decode()))
    return pages


def test_every_post_form_carries_a_csrf_token(world, alice_client):
    pages = html_pages(world, alice_client)
    assert len(pages) >= 30
    forms_seen = 0
    for route, html in pages:
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
            opening = form[: form.index(">") + 1].lower()
            if 'method="post"' not in opening:
                continue
            forms_seen += 1
            assert 'name="csrfmiddlewaretoken"' in form, (route.name, opening)
    assert forms_seen >= 20


def refused_for_csrf(response) -> bool:
    """The 403 came from the CSRF check: the site's own CSRF-failure page (which
    keeps the draft), or DRF's JSON 403 naming CSRF for the API."""
    templates = [t.name for t in getattr(response, "templates", []) or []]
    return "csrf_failure.html" in templates or b"CSRF" in body_of(response)


def test_every_state_changing_request_without_a_token_is_refused(world, alice):
    client = Client(enforce_csrf_checks=True)
    failures = []
    for route in every_url(world):
        if route.name in CSRF_EXEMPT:
            continue
        for method in methods_for(route):
            if method == "get":
                continue
            client.force_login(alice)
            response = call(client, method, route)
            status = response.status_code
            if status == 405 or (route.name in READ_ONLY and status == 403):
                continue
            if status != 403 or not refused_for_csrf(response):
                failures.append(
                    f"{method.upper()} {route.url} ({route.name}) -> {status}"
                )
    assert not failures, "\n".join(failures)


def test_payloads_are_escaped_in_every_page(world, alice_client):
    pages = html_pages(world, alice_client)
    shown = 0
    for route, html in pages:
        for raw in RAW_PAYLOADS:
            assert raw not in html, (route.name, raw)
        if CANARY in html:
            shown += 1
            assert "&lt;script&gt;alert(" in html or "&lt;b&gt;" in html, route.name
    # The payloads really reached the pages (entries, crashes, treatments, the
    # share list, the doctor's view...).
    assert shown >= 10


def test_the_doctors_page_escapes_the_payloads(world):
    html = Client().get(f"/s/{world.share_token}/").content.decode()
    assert CANARY in html
    for raw in RAW_PAYLOADS:
        assert raw not in html


def test_the_api_answers_json_that_browsers_will_not_sniff(world, alice):
    api = bearer_client(alice)
    answered = 0
    for route in every_url(world):
        if not route.is_api or route.name in {"api:docs", "api:schema"}:
            continue
        response = api.get(route.url)
        if response.status_code != 200:
            continue
        answered += 1
        assert response["Content-Type"].startswith("application/json"), route.name
        assert response["X-Content-Type-Options"] == "nosniff"
        body = body_of(response).decode()
        if CANARY in body:
            # JSON keeps the text as data; a JSON string never ends in raw HTML.
            assert "<script>" not in body or "\\u003c" in body or '"' in body
    assert answered >= 15


@pytest.mark.services
def test_the_pdf_shows_the_payloads_as_text(world, alice, tmp_path):
    from diary.exports.pdf import build_pdf

    today = alice.local_today()
    data = report_data(
        user=alice,
        start=today - datetime.timedelta(days=29),
        end=today,
        sections=list(ExportSection.values),
        display_name="XSS test",
    )
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(build_pdf(data))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert CANARY in text
    # Printed as the characters typed: the markup was text, not HTML.
    assert "<script>alert('x')</script>" in text.replace("\n", " ") or (
        "alert('x')" in text and "<script>" in text
    )
    assert XSS.split(">")[0] in text


def test_every_signed_in_page_and_api_answer_is_never_stored(world, alice_client):
    """Defect 6: health pages and API lists carried no Cache-Control: no-store."""
    for route, _html in html_pages(world, alice_client):
        response = alice_client.get(route.url)
        assert "no-store" in response["Cache-Control"], route.name
    api = bearer_client(world.user)
    for route in every_url(world):
        if route.is_api:
            response = api.get(route.url)
            assert "no-store" in response.get("Cache-Control", ""), route.name
