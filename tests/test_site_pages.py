"""Site-wide pages: the CSRF failure page, the service worker, the web app
manifest and its icons, and the page frame (base.html)."""

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_a_post_without_csrf_token_gets_a_plain_page_that_keeps_the_draft(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("diary:checkin"), {"notes": "<b>typed</b>"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Your form was not sent" in html
    assert "Nothing you typed is lost" in html
    assert "data-keep-drafts" in html
    assert f'href="{reverse("diary:checkin")}"' in html
    assert "CSRF verification failed" not in html
    assert "<b>typed</b>" not in html  # nothing posted is echoed back


@pytest.mark.django_db
def test_the_service_worker_caches_static_files_only(client):
    response = client.get(reverse("service-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert (
        "no-cache" in response["Cache-Control"]
        or "max-age=0" in (response["Cache-Control"])
    )
    files = json.loads(
        re.search(r"var FILES = (\[.*?\]);", response.content.decode())[1]
    )
    assert files and all(name.startswith("/static/") for name in files)
    assert "/static/js/app.js" in files and "/static/js/trends.js" in files


def test_the_manifest_starts_at_the_check_in_and_its_icons_exist():
    manifest = json.loads((ROOT / "static" / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "/checkin/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        path = ROOT / "static" / icon["src"]
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            data = path.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width = int.from_bytes(data[16:20], "big")
            assert icon["sizes"] == f"{width}x{width}"
            sizes.add(width)
    assert {192, 512} <= sizes


@pytest.mark.django_db
def test_messages_sit_in_a_status_region_around_the_list(alice_client):
    alice_client.post(reverse("diary:checkin"), {"date": "2001-01-01"})
    html = alice_client.get(reverse("diary:home")).content.decode()
    assert '<ul class="messages" role="status">' not in html
    assert re.search(r'<div role="status">\s*<ul class="messages">', html)


@pytest.mark.django_db
def test_every_page_loads_the_manifest_and_no_inline_script(alice_client):
    html = alice_client.get(reverse("diary:home")).content.decode()
    assert 'rel="manifest"' in html
    assert "js/app.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@pytest.mark.django_db
def test_the_log_in_page_says_why_when_a_page_sent_the_patient_there(client):
    html = client.get(reverse("accounts:login") + "?next=/checkin/").content.decode()
    assert 'data-testid="login-to-continue"' in html
    assert "data-keep-drafts" in html
    plain = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="login-to-continue"' not in plain


@pytest.mark.django_db
def test_the_csrf_page_leads_back_to_the_page_of_the_form_never_elsewhere(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    crashes = reverse("diary:crash-list")
    html = client.post(
        reverse("diary:crash-create"),
        HTTP_REFERER=f"http://testserver{crashes}",
    ).content.decode()
    assert f'href="{crashes}"' in html
    html = client.post(
        reverse("diary:crash-create"), HTTP_REFERER="https://evil.example/x/"
    ).content.decode()
    assert "evil.example" not in html
    assert f'href="{reverse("diary:crash-create")}"' in html
    html = client.post(reverse("accounts:logout")).content.decode()
    assert (
        'data-testid="back-to-form" href="/"' in html or 'href="/" data-testid' in html
    )
