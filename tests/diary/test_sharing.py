"""Share links: the patient makes, lists and stops them; the doctor reads the
report through one, and through it only the chosen range and sections, nothing
else, and can write nothing. Unknown, revoked and expired links look the same;
guessing is rate-limited; only a hash of the token is stored."""

import datetime
import hashlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.models import Entry, SideEffect
from diary.sharing import services
from diary.sharing.models import ShareAccess, ShareLink
from diary.sharing.useragent import approximate_client
from tests.diary.exports.report_story import Story, flat, page_one_expectations
from tests.factories import (
    EntryFactory,
    SideEffectFactory,
    SymptomFactory,
    SymptomScoreFactory,
    TreatmentCourseFactory,
)

pytestmark = pytest.mark.django_db

FIREFOX_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)
DOCTOR_IP = "203.0.113.77"
NEUTRAL = "This link is not available. Ask the person who shared it for a new one."
DOCTOR_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
NO_NOTES = [s for s in DEFAULT_SECTIONS if s != ExportSection.NOTES]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def make_link(user, **kwargs):
    today = user.local_today()
    kwargs.setdefault("start", today - days(29))
    kwargs.setdefault("end", today)
    kwargs.setdefault("sections", list(DEFAULT_SECTIONS))
    return services.share_link_create(user=user, **kwargs)


def view_url(token: str) -> str:
    return reverse("diary:share-view", args=[token])


def pdf_url(token: str) -> str:
    return reverse("diary:share-pdf", args=[token])


def doctor(ip: str = DOCTOR_IP) -> Client:
    return Client(HTTP_USER_AGENT=FIREFOX_WINDOWS, REMOTE_ADDR=ip)


def submit_code(client, token: str, code: str, **extra):
    """Open the code form as a browser would, then send ``code`` with its token."""
    page = client.get(view_url(token)).content.decode()
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return client.post(
        view_url(token), {"code": code, "form_token": form_token}, **extra
    )


def assert_doctor_headers(response):
    for name, value in DOCTOR_HEADERS.items():
        assert response[name] == value, name


def link_state(link) -> dict:
    return ShareLink.objects.filter(pk=link.pk).values().get()


def text_columns_containing(needle: str) -> list[str]:
    """Every text-like column of every table that contains ``needle``."""
    found = []
    text_types = (models.CharField, models.TextField, models.JSONField)
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, text_types) or f.get_internal_type() == "BinaryField"
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for name, value in zip(fields, row, strict=True):
                if value is not None and needle in str(value):
                    found.append(f"{model._meta.label}.{name}")
    return found


# ------------------------------------------------------------------- services


def test_token_has_at_least_256_bits_and_is_never_repeated(alice):
    _link, token = make_link(alice)
    _other, token2 = make_link(alice)
    assert len(token) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert token != token2


def test_only_the_sha256_of_the_token_is_stored(alice):
    link, token = make_link(alice)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash


def test_database_scan_shows_no_raw_token_or_access_code(alice):
    link, token = make_link(alice, access_code="secret-code-42", label="Dr P")
    client = doctor()
    client.get(view_url(token))
    submit_code(client, token, "wrong-code")
    submit_code(client, token, "secret-code-42")
    assert ShareAccess.objects.filter(link=link).exists()
    # Every text column of every table: links, accesses, sessions, everything.
    assert text_columns_containing(token) == []
    assert text_columns_containing("secret-code-42") == []
    for row in ShareLink.objects.values():
        assert all(token not in str(value) for value in row.values())
    for row in ShareAccess.objects.values():
        assert all(token not in str(value) for value in row.values())


def test_access_code_is_stored_hashed(alice):
    link, _token = make_link(alice, access_code="  open sesame  ")
    assert link.access_code_hash != "open sesame"
    assert check_password("open sesame", link.access_code_hash)
    assert services.share_link_check_code(link=link, code="open sesame")
    assert not services.share_link_check_code(link=link, code="open sesam")


def test_new_link_expires_after_14_days_by_default_and_keeps_notes_out(alice):
    before = timezone.now()
    link, _token = make_link(alice, sections=list(DEFAULT_SECTIONS))
    assert ExportSection.NOTES not in link.sections
    assert (
        before + days(14)
        <= link.expires_at
        <= timezone.now() + days(14) + datetime.timedelta(seconds=5)
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end": "tomorrow"}, "end"),
        ({"start": "tomorrow", "end": "tomorrow"}, "start"),
        ({"start": "today", "end": "yesterday"}, "end"),
        ({"start": "three years ago"}, "start"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 91}, "expires_in_days"),
        ({"expires_in_days": True}, "expires_in_days"),
        ({"sections": []}, "sections"),
        ({"sections": ["summary", "everything"]}, "sections"),
        ({"access_code": "abc"}, "access_code"),
        ({"access_code": "x" * 65}, "access_code"),
        ({"label": "L" * 81}, "label"),
        ({"display_name": "N" * 81}, "display_name"),
    ],
)
def test_bad_link_requests_are_rejected_naming_the_field(alice, kwargs, field):
    today = alice.local_today()
    named = {
        "today": today,
        "tomorrow": today + days(1),
        "yesterday": today - days(1),
        "three years ago": today - days(3 * 365),
    }
    kwargs = {
        k: named.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()
    }
    with pytest.raises(ValidationError) as caught:
        make_link(alice, **kwargs)
    assert field in caught.value.message_dict
    assert not ShareLink.objects.exists()


def test_range_of_exactly_two_years_is_allowed(alice):
    today = alice.local_today()
    link, _token = make_link(alice, start=today - days(730), end=today)
    assert link.start_date == today - days(730)


def test_resolve_finds_only_usable_links(alice):
    link, token = make_link(alice)
    assert services.share_link_resolve(token=token) == link
    assert services.share_link_resolve(token=token + "x") is None
    assert services.share_link_resolve(token="") is None
    assert services.share_link_resolve(token="a" * 500) is None
    services.share_link_revoke(link=link)
    assert services.share_link_resolve(token=token) is None


def test_resolve_ignores_expired_links_and_closed_accounts(alice):
    expired, expired_token = make_link(alice)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert services.share_link_resolve(token=expired_token) is None
    _link, token = make_link(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert services.share_link_resolve(token=token) is None


def test_revoking_twice_keeps_the_first_time(alice):
    link, _token = make_link(alice)
    services.share_link_revoke(link=link)
    first = link.revoked_at
    services.share_link_revoke(link=ShareLink.objects.get(pk=link.pk))
    assert ShareLink.objects.get(pk=link.pk).revoked_at == first is not None


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1."
            "15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0",
            "Opera on Linux",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "curl on unknown system"),
        ("", ""),
        ("<script>alert(1)</script>", ""),
    ],
)
def test_approximate_client_is_browser_family_and_system_only(user_agent, expected):
    assert approximate_client(user_agent) == expected


def test_access_record_keeps_no_version_ip_or_full_user_agent(alice):
    link, _token = make_link(alice)
    access = services.share_access_record(
        link=link, outcome=ShareAccess.Outcome.VIEWED, user_agent=FIREFOX_WINDOWS
    )
    assert access.client == "Firefox on Windows"
    assert "128" not in access.client
    with pytest.raises(ValueError):
        services.share_access_record(link=link, outcome="edited", user_agent="")


# --------------------------------------------------------- the patient's pages


def test_owner_lists_links_with_status_views_and_access_log(alice, alice_client):
    active, token = make_link(alice, label="Dr Patel, March")
    stopped, _ = make_link(alice, label="Old GP link")
    services.share_link_revoke(link=stopped)
    expired, _ = make_link(alice, label="Last year")
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    doctor().get(view_url(token))
    doctor().get(view_url(token))

    response = alice_client.get(reverse("diary:share-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-medical-advice-prominent"' in html
    for label in ("Dr Patel, March", "Old GP link", "Last year"):
        assert label in html
    statuses = dict(re.findall(r'data-link="([^"]+)" data-status="(\w+)"', html))
    assert statuses == {
        str(active.uuid): "active",
        str(stopped.uuid): "revoked",
        str(expired.uuid): "expired",
    }
    assert "Firefox on Windows" in html
    assert "Viewed" in html
    assert '<dd data-testid="share-view-count">2</dd>' in html
    assert active.start_date.strftime("%-d %b %Y") in html
    assert "One-page summary" in html
    assert token not in html
    # Only an active link can be stopped; every link can be deleted.
    assert len(re.findall(r'action="/share/[^"]+/revoke/"', html)) == 1
    assert len(re.findall(r'action="/share/[^"]+/delete/"', html)) == 3
    assert reverse("diary:share-revoke", args=[active.uuid]) in html


def test_access_log_shows_approximate_client_never_ip_or_user_agent(
    alice, alice_client
):
    link, token = make_link(alice)
    doctor(ip=DOCTOR_IP).get(view_url(token))
    html = alice_client.get(reverse("diary:share-list")).content.decode()
    assert "Firefox on Windows" in html
    assert DOCTOR_IP not in html
    assert "rv:128.0" not in html
    assert "Gecko/20100101" not in html
    assert text_columns_containing(DOCTOR_IP) == []
    assert text_columns_containing("Gecko/20100101") == []
    assert list(ShareAccess.objects.values_list("client", flat=True)) == [
        "Firefox on Windows"
    ]


def test_other_user_does_not_see_alices_links(alice, bob_client):
    make_link(alice, label="Alice's neurologist")
    response = bob_client.get(reverse("diary:share-list"))
    assert response.status_code == 200
    assert "Alice&#x27;s neurologist" not in response.content.decode()
    assert "Alice's neurologist" not in response.content.decode()


def test_anonymous_is_sent_to_log_in_from_every_management_page(alice, anon_client):
    link, _token = make_link(alice)
    before = link_state(link)
    login = reverse("accounts:login")
    for response in (
        anon_client.get(reverse("diary:share-list")),
        anon_client.get(reverse("diary:share-create")),
        anon_client.post(reverse("diary:share-create"), {"preset": "30"}),
        anon_client.post(reverse("diary:share-revoke", args=[link.uuid])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(login)
    assert ShareLink.objects.count() == 1
    assert link_state(link) == before


def test_create_form_offers_presets_and_leaves_notes_off(alice, alice_client):
    response = alice_client.get(reverse("diary:share-create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-medical-advice-prominent"' in html
    for preset in ("Last 14 days", "Last 30 days", "Last 90 days", "Since LDN start"):
        assert preset in html
    assert re.search(r'name="sections" value="summary"[^>]*checked', html)
    assert not re.search(r'name="sections" value="notes"[^>]*checked', html)
    assert re.search(r'name="expires_in_days" value="14"', html)
    assert 'name="access_code"' in html


def create_post(**overrides) -> dict:
    data = {
        "preset": "30",
        "sections": list(NO_NOTES),
        "display_name": "A. Patient",
        "expires_in_days": "14",
        "access_code": "",
        "label": "Dr Patel",
    }
    data.update(overrides)
    return data


def test_without_site_url_the_link_uses_the_address_the_patient_used(
    alice, alice_client, settings
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["diary.local"]
    response = alice_client.post(
        reverse("diary:share-create"), create_post(), HTTP_HOST="diary.local:8101"
    )
    html = response.content.decode()
    assert re.search(r'value="http://diary\.local:8101/s/[^/"]+/"', html), html
    assert "data-copy=" in html  # a copy button (shown by app.js)


def test_owner_creates_a_link_and_sees_its_url_once(alice, alice_client, settings):
    settings.SITE_URL = "https://diary.example.org"
    response = alice_client.post(reverse("diary:share-create"), create_post())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "we can&#x27;t show it again" in html or "we can't show it again" in html
    match = re.search(r'value="(https://diary\.example\.org/s/([^/"]+)/)"', html)
    assert match, html
    token = match.group(2)
    link = ShareLink.objects.get()
    assert link.user == alice
    assert link.label == "Dr Patel"
    assert link.display_name == "A. Patient"
    assert link.end_date == alice.local_today()
    assert link.start_date == alice.local_today() - days(29)
    assert ExportSection.NOTES not in link.sections
    assert link.access_code_hash == ""
    assert services.share_link_resolve(token=token) == link
    # Nowhere else: not on the list, not in the session.
    listing = alice_client.get(reverse("diary:share-list")).content.decode()
    assert token not in listing
    assert text_columns_containing(token) == []


def test_owner_creates_a_link_with_notes_and_an_access_code(alice, alice_client):
    response = alice_client.post(
        reverse("diary:share-create"),
        create_post(
            sections=["summary", "notes"],
            access_code="blue-heron",
            expires_in_days="90",
            preset="custom",
            start=str(alice.local_today() - days(100)),
            end=str(alice.local_today() - days(10)),
        ),
    )
    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.sections == ["summary", "notes"]
    assert check_password("blue-heron", link.access_code_hash)
    assert link.start_date == alice.local_today() - days(100)
    assert link.end_date == alice.local_today() - days(10)
    assert link.expires_at > timezone.now() + days(89)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expires_in_days": "91"}, "expires_in_days", "from 1 to 90"),
        ({"expires_in_days": "0"}, "expires_in_days", "from 1 to 90"),
        ({"expires_in_days": "soon"}, "expires_in_days", "whole number of days"),
        ({"access_code": "abc"}, "access_code", "4 to 64 characters"),
        ({"sections": []}, "sections", "Choose at least one section."),
        (
            {"preset": "custom", "start": "2019-01-01", "end": "2023-06-01"},
            "start",
            "at most 2 years",
        ),
        (
            {"preset": "custom", "start": "2020-01-05", "end": "2020-01-01"},
            "end",
            "before the start date",
        ),
        ({"preset": "ldn"}, "preset", "LDN start date"),
    ],
)
def test_bad_input_re_renders_with_message_and_typed_values(
    alice, alice_client, overrides, field, message
):
    existing, _token = make_link(alice, label="Kept as it was")
    before = link_state(existing)
    data = create_post(label="My typed label", **overrides)
    response = alice_client.post(reverse("diary:share-create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert 'value="My typed label"' in html
    assert ShareLink.objects.count() == 1
    assert link_state(existing) == before


def test_future_end_date_is_rejected(alice, alice_client):
    tomorrow = alice.local_today() + days(1)
    response = alice_client.post(
        reverse("diary:share-create"),
        create_post(preset="custom", start=str(alice.local_today()), end=str(tomorrow)),
    )
    assert response.status_code == 200
    assert "end" in response.context["form"].errors
    assert not ShareLink.objects.exists()


def test_hostile_label_and_name_are_escaped(alice, alice_client):
    alice_client.post(
        reverse("diary:share-create"),
        create_post(label="<script>alert(1)</script>", display_name="<b>x</b>"),
    )
    html = alice_client.get(reverse("diary:share-list")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_owner_revokes_a_link_and_it_stops_working(alice, alice_client):
    link, token = make_link(alice)
    response = alice_client.post(reverse("diary:share-revoke", args=[link.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("diary:share-list")
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
    assert doctor().get(view_url(token)).status_code == 404


def test_revoke_is_post_only(alice, alice_client):
    link, _token = make_link(alice)
    response = alice_client.get(reverse("diary:share-revoke", args=[link.uuid]))
    assert response.status_code == 405
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None


def test_other_user_gets_404_revoking_alices_link_and_it_keeps_working(
    alice, bob_client
):
    link, token = make_link(alice)
    before = link_state(link)
    response = bob_client.post(reverse("diary:share-revoke", args=[link.uuid]))
    assert response.status_code == 404
    assert link_state(link) == before
    assert services.share_link_resolve(token=token) == link


def test_share_list_queries_do_not_grow_with_links_or_visits(
    alice, alice_client, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            link, _token = make_link(alice)
            for _ in range(3):
                services.share_access_record(
                    link=link, outcome="viewed", user_agent=FIREFOX_WINDOWS
                )

    add(1)
    with django_assert_max_num_queries(8) as small:
        alice_client.get(reverse("diary:share-list"))
    add(6)
    with django_assert_max_num_queries(8) as large:
        alice_client.get(reverse("diary:share-list"))
    assert len(large.captured_queries) == len(small.captured_queries)


# ------------------------------------------------------------- the doctor's side


def test_doctor_sees_the_report_and_the_visit_is_logged(alice):
    link, token = make_link(alice, display_name="A. Patient")
    response = doctor().get(view_url(token))
    assert response.status_code == 200
    assert_doctor_headers(response)
    html = response.content.decode()
    assert "A. Patient" in html
    assert pdf_url(token) in html
    assert "Download PDF" in html
    access = ShareAccess.objects.get(link=link)
    assert access.outcome == ShareAccess.Outcome.VIEWED
    assert access.client == "Firefox on Windows"


def test_doctor_page_shows_nothing_else_of_the_account(alice):
    EntryFactory(user=alice, date=alice.local_today() - days(400), notes="old")
    _link, token = make_link(alice, display_name="A. Patient")
    html = doctor().get(view_url(token)).content.decode()
    assert alice.email not in html
    for name in (
        "diary:home",
        "diary:checkin",
        "diary:trends",
        "diary:share-list",
        "diary:export-list",
        "accounts:settings",
    ):
        assert f'href="{reverse(name)}"' not in html
    assert 'action="/accounts/logout/' not in html
    assert "<form" not in html


def test_unknown_revoked_and_expired_links_get_the_same_neutral_404(alice):
    revoked, revoked_token = make_link(alice)
    services.share_link_revoke(link=revoked)
    expired, expired_token = make_link(alice)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - days(1))
    _valid, valid_token = make_link(alice)
    unknown_token = valid_token[:-4] + (
        "AAAA" if valid_token[-4:] != "AAAA" else "BBBB"
    )
    bodies = set()
    for token in (unknown_token, revoked_token, expired_token, "short"):
        for url in (view_url(token), pdf_url(token)):
            response = doctor().get(url)
            assert response.status_code == 404
            assert_doctor_headers(response)
            html = response.content.decode()
            assert NEUTRAL in html
            assert "revoked" not in html.lower()
            assert "expired" not in html.lower()
            bodies.add(html.replace(token, "TOKEN"))
    assert len(bodies) == 1
    assert not ShareAccess.objects.exists()


def test_link_with_code_asks_for_it_before_showing_anything(alice):
    link, token = make_link(alice, access_code="blue-heron", display_name="A. Patient")
    client = doctor()
    response = client.get(view_url(token))
    assert response.status_code == 200
    assert_doctor_headers(response)
    html = response.content.decode()
    assert 'name="code"' in html
    assert "A. Patient" not in html
    assert pdf_url(token) not in html
    # The PDF is not a way round the code.
    response = client.get(pdf_url(token))
    assert response.status_code == 302
    assert response["Location"] == view_url(token)
    assert_doctor_headers(response)
    assert not ShareAccess.objects.exists()


def test_wrong_access_code_shows_no_report_and_is_logged(alice):
    link, token = make_link(alice, access_code="blue-heron", display_name="A. Patient")
    client = doctor()
    response = submit_code(client, token, "red-heron")
    assert response.status_code == 200
    assert_doctor_headers(response)
    html = response.content.decode()
    assert "This is not the access code." in html
    assert "A. Patient" not in html
    access = ShareAccess.objects.get(link=link)
    assert access.outcome == ShareAccess.Outcome.WRONG_CODE
    assert access.client == "Firefox on Windows"
    # Still locked afterwards.
    assert "A. Patient" not in client.get(view_url(token)).content.decode()


def test_empty_access_code_is_asked_again_without_logging(alice):
    _link, token = make_link(alice, access_code="blue-heron")
    response = submit_code(doctor(), token, "  ")
    assert response.status_code == 200
    assert "Enter the access code you were given." in response.content.decode()
    assert not ShareAccess.objects.exists()


def test_right_access_code_opens_the_report_for_this_session_only(alice):
    link, token = make_link(alice, access_code="blue-heron", display_name="A. Patient")
    client = doctor()
    session_before = client.session.session_key  # a session set beforehand
    client.get(view_url(token))
    response = submit_code(client, token, " blue-heron ")
    assert response.status_code == 302
    assert response["Location"] == view_url(token)
    assert_doctor_headers(response)
    assert client.cookies["sessionid"].value != session_before
    response = client.get(view_url(token))
    assert response.status_code == 200
    assert "A. Patient" in response.content.decode()
    assert list(ShareAccess.objects.values_list("outcome", flat=True)) == ["viewed"]
    # Another browser still needs the code.
    assert (
        "A. Patient" not in doctor("198.51.100.1").get(view_url(token)).content.decode()
    )
    # A code opened for one link does not open another.
    _other, other_token = make_link(alice, access_code="blue-heron")
    assert 'name="code"' in client.get(view_url(other_token)).content.decode()


def test_access_code_form_works_as_a_no_referrer_browser_sends_it(alice):
    # Under Referrer-Policy: no-referrer a browser posts with "Origin: null" and no
    # Referer; Django's CSRF middleware would refuse that.
    _link, token = make_link(alice, access_code="blue-heron", display_name="A. P.")
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=DOCTOR_IP)
    response = submit_code(client, token, "blue-heron", HTTP_ORIGIN="null", secure=True)
    assert response.status_code == 302
    assert "A. P." in client.get(view_url(token)).content.decode()


def test_access_code_form_posted_without_its_token_is_refused(alice):
    link, token = make_link(alice, access_code="blue-heron", display_name="A. P.")
    victim = doctor()
    victim.get(view_url(token))  # has a session and a form token
    # Another site's form: the right code, but no token (and no cookie would come).
    response = victim.post(view_url(token), {"code": "blue-heron"})
    assert response.status_code == 403
    assert_doctor_headers(response)
    assert 'data-testid="share-code-stale"' in response.content.decode()
    assert 'name="code"' in victim.get(view_url(token)).content.decode()
    # A token from another session does not work either.
    other = doctor("198.51.100.2")
    page = other.get(view_url(token)).content.decode()
    other_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = victim.post(
        view_url(token), {"code": "blue-heron", "form_token": other_token + "x"}
    )
    assert response.status_code == 403
    assert not ShareAccess.objects.filter(link=link).exists()


class Scope:
    """Alice's diary inside and outside a 20-day range ending 10 days ago, with
    distinctive words everywhere, plus Bob's diary."""

    def __init__(self, alice, bob):
        today = alice.local_today()
        self.start = today - days(29)
        self.end = today - days(10)
        inside, before, after = self.start + days(3), self.start - days(2), today
        course = TreatmentCourseFactory(user=alice, start_date=self.start - days(60))
        outsider = SymptomFactory(owner=alice, name="Outsidersymptom Qx")
        for day, word in ((inside, "INSIDE"), (before, "BEFORE"), (after, "AFTER")):
            entry = EntryFactory(user=alice, date=day, notes=f"{word}-NOTE-kqz")
            SideEffectFactory(
                course=course,
                date=day,
                kind=SideEffect.Kind.OTHER,
                other_description=f"{word}-effect-wpv",
                note=f"{word}-EFFECT-NOTE",
            )
            if word != "INSIDE":
                SymptomScoreFactory(entry=entry, symptom=outsider, score=9)
        bob_entry = EntryFactory(user=bob, date=inside, notes="BOB-NOTE-kqz")
        bob_symptom = SymptomFactory(owner=bob, name="Bobsymptom Qx")
        SymptomScoreFactory(entry=bob_entry, symptom=bob_symptom, score=7)


SCOPE_SECTIONS = ["summary", "charts", "weekly", "doses", "side_effects", "crashes"]


def test_share_page_shows_nothing_outside_its_range_and_no_notes(alice, bob):
    scope = Scope(alice, bob)
    _link, token = make_link(
        alice, start=scope.start, end=scope.end, sections=SCOPE_SECTIONS
    )
    html = doctor().get(view_url(token)).content.decode()
    assert "INSIDE-effect-wpv" in html
    for absent in (
        "BEFORE-effect-wpv",
        "AFTER-effect-wpv",
        "Outsidersymptom Qx",
        "NOTE-kqz",
        "EFFECT-NOTE",
        "BOB-NOTE",
        "Bobsymptom Qx",
        bob.email,
    ):
        assert absent not in html, absent


def test_share_page_with_notes_shows_only_the_notes_in_range(alice, bob):
    scope = Scope(alice, bob)
    _link, token = make_link(
        alice, start=scope.start, end=scope.end, sections=[*SCOPE_SECTIONS, "notes"]
    )
    html = doctor().get(view_url(token)).content.decode()
    assert "INSIDE-NOTE-kqz" in html
    for absent in ("BEFORE-NOTE-kqz", "AFTER-NOTE-kqz", "BOB-NOTE-kqz"):
        assert absent not in html, absent


def test_share_page_shows_only_the_chosen_sections(alice, bob):
    scope = Scope(alice, bob)
    _link, token = make_link(
        alice, start=scope.start, end=scope.end, sections=["crashes"]
    )
    response = doctor().get(view_url(token))
    assert response.status_code == 200
    assert "INSIDE-effect-wpv" not in response.content.decode()


# ------------------------------------------------- the comparison on the share page


def test_a_link_that_starts_after_the_ldn_start_carries_the_comparison(
    alice, bob, alice_client, bob_client, anon_client
):
    """The share page renders the one comparison, whoever opens the link: the
    doctor (anonymous), the patient herself, or another patient who is logged
    in. None of them sees anything of the viewer's own diary, and the old
    'range starts' sentence never appears."""
    story = Story(alice)
    Story(bob)  # Bob's own diary, which must not leak into Alice's report
    _link, token = make_link(
        alice, start=story.today - days(20), end=story.today, display_name="A. P."
    )
    pages = {}
    for who, client in (
        ("doctor", doctor()),
        ("anonymous", anon_client),
        ("owner", alice_client),
        ("other", bob_client),
    ):
        response = client.get(view_url(token))
        assert response.status_code == 200, who
        assert_doctor_headers(response)
        html = flat(response.content.decode())
        for expected in page_one_expectations(story):
            assert expected in html, (who, expected)
        assert "range starts" not in html
        assert bob.email not in html and alice.email not in html
        pages[who] = re.sub(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2}", "", html)
    # The same report for everyone (apart from when it was made).
    assert len(set(pages.values())) == 1
    # Every visit was logged for the patient, and only as views.
    assert ShareAccess.objects.filter(outcome=ShareAccess.Outcome.VIEWED).count() == 4


def test_a_link_without_the_summary_or_analysis_does_not_compute_the_comparison(
    alice, monkeypatch
):
    import diary.comparison

    story = Story(alice)
    _link, token = make_link(
        alice, start=story.today - days(20), end=story.today, sections=["crashes"]
    )
    calls = []
    monkeypatch.setattr(
        diary.comparison, "comparison_for_user", lambda *a, **k: calls.append(a)
    )
    response = doctor().get(view_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Primary outcome" not in html and "core-table" not in html
    assert calls == []


def test_share_page_queries_do_not_grow_with_the_diary(django_assert_num_queries):
    """The doctor's page for 30 days of diary and for two years: the same
    number of queries (the comparison computed afresh both times)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.diary.exports.test_data import make_history
    from tests.factories import UserFactory

    short_user, long_user = UserFactory(), UserFactory()
    short_range = make_history(short_user, 30)
    long_range = make_history(long_user, 731)
    _link, short_token = make_link(short_user, start=short_range[0], end=short_range[1])
    _link, long_token = make_link(long_user, start=long_range[0], end=long_range[1])
    cache.clear()
    with CaptureQueriesContext(connection) as short_queries:
        assert doctor().get(view_url(short_token)).status_code == 200
    cache.clear()
    with django_assert_num_queries(len(short_queries.captured_queries)):
        response = doctor().get(view_url(long_token))
    assert response.status_code == 200
    assert 'data-testid="core-table"' in response.content.decode()


def test_no_writes_through_a_share_link(alice):
    link, token = make_link(alice)
    EntryFactory(user=alice, date=alice.local_today() - days(2), notes="kept")
    before_link = link_state(link)
    before_entries = list(Entry.objects.values())
    client = doctor()
    response = client.post(
        view_url(token), {"notes": "changed", "date": str(alice.local_today())}
    )
    assert response.status_code == 302
    assert response["Location"] == view_url(token)
    assert_doctor_headers(response)
    for method in ("put", "patch", "delete"):
        for url in (view_url(token), pdf_url(token)):
            response = getattr(client, method)(url, "notes=changed")
            assert response.status_code == 405, (method, url)
            assert_doctor_headers(response)
    assert client.post(pdf_url(token), {"x": "y"}).status_code == 405
    assert link_state(link) == before_link
    assert list(Entry.objects.values()) == before_entries
    assert not ShareAccess.objects.exists()


def test_guessing_is_rate_limited_per_address(alice, settings):
    settings.SHARE_GUESS_LIMIT = 3
    _link, token = make_link(alice)
    guesser = doctor("192.0.2.10")
    for n in range(3):
        assert guesser.get(view_url(f"guess-{n}")).status_code == 404
    response = guesser.get(view_url("guess-4"))
    assert response.status_code == 429
    assert_doctor_headers(response)
    assert "Too many tries" in response.content.decode()
    assert response["Retry-After"] == "600"
    # Blocked for every token, so a 429 says nothing about which tokens exist.
    assert guesser.get(view_url(token)).status_code == 429
    assert guesser.get(pdf_url(token)).status_code == 429
    # Others are not.
    assert doctor("192.0.2.11").get(view_url(token)).status_code == 200


def test_wrong_access_codes_are_rate_limited(alice, settings):
    settings.SHARE_GUESS_LIMIT = 3
    link, token = make_link(alice, access_code="blue-heron")
    for n in range(3):
        response = submit_code(doctor(f"192.0.2.{n}"), token, f"no-{n}")
        assert response.status_code == 200
    # Three addresses, one link: the link's code cannot be guessed either.
    response = submit_code(doctor("192.0.2.99"), token, "blue-heron")
    assert response.status_code == 429
    assert_doctor_headers(response)
    assert ShareAccess.objects.filter(outcome="wrong_code").count() == 3


def test_rate_limit_window_ends(alice, settings):
    settings.SHARE_GUESS_LIMIT = 1
    _link, token = make_link(alice)
    client = doctor("192.0.2.50")
    client.get(view_url("nope"))
    assert client.get(view_url(token)).status_code == 429
    cache.clear()  # what the end of the window does
    assert client.get(view_url(token)).status_code == 200


def test_trusted_proxy_count_names_the_client(alice, settings):
    settings.SHARE_GUESS_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    _link, token = make_link(alice)
    proxy = "10.0.0.1"
    doctor(proxy).get(view_url("nope"), HTTP_X_FORWARDED_FOR="198.51.100.7")
    blocked = doctor(proxy).get(view_url(token), HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert blocked.status_code == 429
    other = doctor(proxy).get(view_url(token), HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 200


def test_head_request_gets_headers_and_logs_nothing(alice):
    _link, token = make_link(alice)
    response = doctor().head(view_url(token))
    assert response.status_code == 200
    assert_doctor_headers(response)
    assert not ShareAccess.objects.exists()


@pytest.mark.services
def test_doctor_downloads_the_pdf_and_the_download_is_logged(alice):
    link, token = make_link(alice, display_name="A. Patient")
    response = doctor().get(pdf_url(token))
    assert response.status_code == 200
    assert_doctor_headers(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    access = ShareAccess.objects.get(link=link)
    assert access.outcome == ShareAccess.Outcome.PDF
    assert access.client == "Firefox on Windows"


@pytest.mark.services
def test_pdf_after_the_right_code(alice):
    _link, token = make_link(alice, access_code="blue-heron")
    client = doctor()
    submit_code(client, token, "blue-heron")
    response = client.get(pdf_url(token))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
