"""/api/v1/share-links/: the mobile apps make, list and revoke share links. The
URL is in the answer that creates a link and nowhere else."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diary.exports.models import DEFAULT_SECTIONS
from diary.sharing import services
from diary.sharing.models import ShareAccess, ShareLink

pytestmark = pytest.mark.django_db

LIST = reverse("api:share-link-list")
FIREFOX_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)


def detail(link) -> str:
    return reverse("api:share-link-detail", args=[link.uuid])


def revoke(link) -> str:
    return reverse("api:share-link-revoke", args=[link.uuid])


def days_ago(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def make_link(user, **kwargs):
    kwargs.setdefault("start", days_ago(user, 29))
    kwargs.setdefault("end", user.local_today())
    kwargs.setdefault("sections", list(DEFAULT_SECTIONS))
    return services.share_link_create(user=user, **kwargs)


def state(link) -> dict:
    return ShareLink.objects.filter(pk=link.pk).values().get()


def body(user, **overrides) -> dict:
    data = {
        "start_date": str(days_ago(user, 29)),
        "end_date": str(user.local_today()),
    }
    data.update(overrides)
    return data


def test_owner_creates_a_link_and_gets_its_url_once(alice, alice_api, settings):
    settings.SITE_URL = "https://diary.example.org"
    response = alice_api.post(
        LIST,
        body(alice, label="Dr Patel", access_code="blue-heron", display_name="A. P."),
        format="json",
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    match = re.fullmatch(
        r"https://diary\.example\.org/s/([A-Za-z0-9_-]{43,})/", data["url"]
    )
    assert match, data["url"]
    token = match.group(1)
    link = ShareLink.objects.get()
    assert services.share_link_resolve(token=token) == link
    assert data["uuid"] == str(link.uuid)
    assert data["label"] == "Dr Patel"
    assert data["display_name"] == "A. P."
    assert data["sections"] == list(DEFAULT_SECTIONS)
    assert "notes" not in data["sections"]
    assert data["has_access_code"] is True
    assert "access_code" not in data
    assert data["status"] == "active"
    assert data["view_count"] == 0
    assert data["accesses"] == []
    assert check_password("blue-heron", link.access_code_hash)
    expires = datetime.datetime.fromisoformat(data["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=14))) < (
        datetime.timedelta(minutes=1)
    )
    # Never again.
    assert alice_api.get(detail(link)).json()["url"] is None
    assert alice_api.get(LIST).json()["results"][0]["url"] is None
    assert token not in alice_api.get(LIST).content.decode()
    for row in ShareLink.objects.values():
        assert all(token not in str(value) for value in row.values())


def test_owner_lists_links_newest_first_with_status(alice, alice_api):
    first, _ = make_link(alice, label="first")
    second, _ = make_link(alice, label="second")
    services.share_link_revoke(link=first)
    third, _ = make_link(alice, label="third")
    ShareLink.objects.filter(pk=third.pk).update(expires_at=timezone.now())
    response = alice_api.get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["label"], r["status"]) for r in results] == [
        ("third", "expired"),
        ("second", "active"),
        ("first", "revoked"),
    ]


def test_owner_retrieves_a_link_with_its_access_log(alice, alice_api, client):
    link, token = make_link(alice)
    services.share_access_record(
        link=link, outcome=ShareAccess.Outcome.VIEWED, user_agent=FIREFOX_WINDOWS
    )
    services.share_access_record(
        link=link, outcome=ShareAccess.Outcome.WRONG_CODE, user_agent=""
    )
    response = alice_api.get(detail(link))
    assert response.status_code == 200
    data = response.json()
    assert data["view_count"] == 1
    assert [(a["outcome"], a["client"]) for a in data["accesses"]] == [
        ("wrong_code", ""),
        ("viewed", "Firefox on Windows"),
    ]
    assert set(data["accesses"][0]) == {"accessed_at", "outcome", "client"}
    assert "Gecko" not in response.content.decode()


def test_owner_revokes_with_post_and_the_link_stops_working(alice, alice_api):
    link, token = make_link(alice)
    response = alice_api.post(revoke(link))
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"] is not None
    assert services.share_link_resolve(token=token) is None
    # Again: nothing changes.
    first = ShareLink.objects.get(pk=link.pk).revoked_at
    assert alice_api.post(revoke(link)).status_code == 200
    assert ShareLink.objects.get(pk=link.pk).revoked_at == first


def test_owner_revokes_with_delete_and_the_link_stays_listed(alice, alice_api):
    link, token = make_link(alice)
    response = alice_api.delete(detail(link))
    assert response.status_code == 204
    assert services.share_link_resolve(token=token) is None
    assert alice_api.get(detail(link)).json()["status"] == "revoked"


def test_other_user_gets_404_for_alices_links_and_changes_nothing(alice, bob_api):
    link, token = make_link(alice, label="Alice's GP")
    before = state(link)
    assert bob_api.get(LIST).json()["results"] == []
    for response in (
        bob_api.get(detail(link)),
        bob_api.post(revoke(link)),
        bob_api.delete(detail(link)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert state(link) == before
    assert services.share_link_resolve(token=token) == link


def test_anonymous_gets_401_everywhere(alice, anon_api):
    link, _token = make_link(alice)
    before = state(link)
    for response in (
        anon_api.get(LIST),
        anon_api.post(LIST, body(alice), format="json"),
        anon_api.get(detail(link)),
        anon_api.post(revoke(link)),
        anon_api.delete(detail(link)),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "errors"}
    assert ShareLink.objects.count() == 1
    assert state(link) == before


def test_malformed_uuid_is_404(alice_api):
    response = alice_api.get("/api/v1/share-links/not-a-uuid/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "tomorrow"}, "end_date"),
        ({"start_date": "3 years ago"}, "start_date"),
        ({"start_date": "today", "end_date": "yesterday"}, "end_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"expires_in_days": 91}, "expires_in_days"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": "many"}, "expires_in_days"),
        ({"sections": ["summary", "secrets"]}, "sections.1"),
        ({"sections": []}, "sections"),
        ({"sections": "summary"}, "sections"),
        ({"access_code": "abc"}, "access_code"),
        ({"access_code": "x" * 65}, "access_code"),
        ({"label": "L" * 81}, "label"),
        ({"display_name": "<b>" * 30}, "display_name"),
    ],
)
def test_bad_input_is_400_naming_the_field(alice, alice_api, overrides, field):
    today = alice.local_today()
    named = {
        "today": str(today),
        "tomorrow": str(today + datetime.timedelta(days=1)),
        "yesterday": str(today - datetime.timedelta(days=1)),
        "3 years ago": str(today - datetime.timedelta(days=3 * 365)),
    }
    overrides = {
        k: named.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()
    }
    existing, _token = make_link(alice)
    before = state(existing)
    response = alice_api.post(LIST, body(alice, **overrides), format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"], data
    assert ShareLink.objects.count() == 1
    assert state(existing) == before


def test_missing_dates_are_400(alice_api):
    response = alice_api.post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"start_date", "end_date"} <= set(response.json()["errors"])
    assert not ShareLink.objects.exists()


def test_notes_are_shared_only_when_named(alice, alice_api):
    response = alice_api.post(
        LIST, body(alice, sections=["notes", "summary"]), format="json"
    )
    assert response.status_code == 201
    assert response.json()["sections"] == ["summary", "notes"]


def test_list_queries_do_not_grow_with_links(
    alice, alice_api, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            link, _ = make_link(alice)
            services.share_access_record(
                link=link, outcome="viewed", user_agent=FIREFOX_WINDOWS
            )

    add(1)
    with django_assert_max_num_queries(10) as small:
        alice_api.get(LIST)
    add(5)
    with django_assert_max_num_queries(10) as large:
        alice_api.get(LIST)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_schema_documents_share_links_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in (
        "/api/v1/share-links/:",
        "/api/v1/share-links/{uuid}/:",
        "/api/v1/share-links/{uuid}/revoke/:",
    ):
        assert path in schema
