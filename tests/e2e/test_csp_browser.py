"""The strict Content-Security-Policy in a real browser: every page Alice can
open (found by walking the URLconf, her diary full of script payloads), the API
docs and the doctor's view load with no CSP violation or other console error
(``make_page`` fails the test on any), and no payload ever runs."""

import pytest
from django.test import Client

from tests.security.world import build_world, every_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_every_page_loads_under_the_csp_and_no_payload_runs(signed_in_page, alice):
    world = build_world(alice)
    client = Client()
    client.force_login(alice)
    paths = []
    for route in every_url(world):
        if route.is_admin or route.is_api:
            continue
        response = client.get(route.url)
        if response.status_code == 200 and response["Content-Type"].startswith(
            "text/html"
        ):
            assert "script-src 'self'" in response["Content-Security-Policy"]
            paths.append(route.url)
    paths.append("/api/v1/docs/")
    assert len(paths) >= 30

    page = signed_in_page(alice)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in paths:
        page.goto(page.live_server_url + path)
        page.wait_for_load_state("networkidle")
    assert page.locator("#swagger-ui .information-container").count() == 1, (
        "the API docs rendered"
    )
    assert dialogs == []


def test_the_doctors_view_loads_under_the_csp(make_page, alice):
    world = build_world(alice)
    page = make_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(f"{page.live_server_url}/s/{world.share_token}/")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Download PDF").count() >= 1
    assert dialogs == []
