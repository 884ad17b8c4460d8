"""/api/v1/crashes/: post-exertional malaise episodes."""

import datetime

import pytest
from django.urls import reverse

from diary import services
from diary.models import Crash, Tombstone
from tests.factories import CrashFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:crash-list")
FUTURE = "This date is in the future. You can log today or earlier days."


def detail(crash) -> str:
    return reverse("api:crash-detail", args=[crash.uuid])


def days_ago(user, n: int) -> str:
    return str(user.local_today() - datetime.timedelta(days=n))


def state(crash) -> dict:
    fresh = Crash.objects.get(pk=crash.pk)
    return {
        name: getattr(fresh, name)
        for name in (*services.CRASH_FIELDS, "sync_version", "updated_at")
    }


def test_owner_lists_and_gets_crashes(alice, alice_api):
    crash = CrashFactory(user=alice, notes="after the wedding")
    listing = alice_api.get(LIST)
    assert listing.status_code == 200
    assert [c["uuid"] for c in listing.json()["results"]] == [str(crash.uuid)]
    response = alice_api.get(detail(crash))
    assert response.status_code == 200
    body = response.json()
    assert body["start_date"] == str(crash.start_date)
    assert body["severity"] == 2
    assert body["trigger"] == "physical"
    assert {"sync_version", "updated_at"} <= set(body)
    assert response["ETag"] == crash.etag


def test_other_user_sees_no_crash_and_gets_404(alice, bob_api):
    crash = CrashFactory(user=alice)
    before = state(crash)
    assert bob_api.get(LIST).json()["results"] == []
    assert bob_api.get(detail(crash)).status_code == 404
    assert (
        bob_api.patch(detail(crash), {"severity": 4}, format="json").status_code == 404
    )
    assert bob_api.put(detail(crash), {"severity": 4}, format="json").status_code == 404
    assert bob_api.delete(detail(crash)).status_code == 404
    assert state(crash) == before


def test_anonymous_gets_401(alice, anon_api):
    crash = CrashFactory(user=alice)
    for response in (
        anon_api.get(LIST),
        anon_api.post(LIST, {}, format="json"),
        anon_api.get(detail(crash)),
        anon_api.patch(detail(crash), {}, format="json"),
        anon_api.delete(detail(crash)),
    ):
        assert response.status_code == 401
    assert Crash.objects.filter(pk=crash.pk).exists()


def test_owner_creates_an_ongoing_crash(alice, alice_api):
    response = alice_api.post(
        LIST, {"start_date": days_ago(alice, 2), "severity": 3}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["end_date"] is None
    assert body["trigger"] == "unknown"
    crash = Crash.objects.get(uuid=body["uuid"])
    assert crash.user == alice
    assert response["ETag"] == crash.etag


def test_creating_twice_with_the_same_uuid_makes_one_crash(alice, alice_api):
    body = {
        "uuid": "3d3f0f3e-2a43-4d8e-b1b5-5a9c0e6f7a01",
        "start_date": days_ago(alice, 5),
        "end_date": days_ago(alice, 3),
        "severity": 2,
    }
    first = alice_api.post(LIST, body, format="json")
    second = alice_api.post(LIST, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Crash.objects.filter(user=alice).count() == 1


def test_a_deleted_uuid_is_410_and_another_users_is_400(alice, bob, alice_api):
    deleted = CrashFactory(user=alice)
    services.crash_delete(crash=deleted)
    bobs = CrashFactory(user=bob)
    body = {"start_date": days_ago(alice, 5), "severity": 2}
    response = alice_api.post(LIST, {**body, "uuid": str(deleted.uuid)}, format="json")
    assert response.status_code == 410
    response = alice_api.post(LIST, {**body, "uuid": str(bobs.uuid)}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert not Crash.objects.filter(user=alice).exists()
    assert Crash.objects.get(pk=bobs.pk).user == bob


def test_patch_changes_only_what_is_sent_and_put_replaces(alice, alice_api):
    crash = CrashFactory(user=alice, notes="kept", trigger="cognitive")
    response = alice_api.patch(detail(crash), {"severity": 4}, format="json")
    assert response.status_code == 200
    assert (response.json()["severity"], response.json()["notes"]) == (4, "kept")
    response = alice_api.put(
        detail(crash),
        {"start_date": str(crash.start_date), "severity": 1},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["notes"], body["trigger"], body["end_date"]) == ("", "unknown", None)


def test_delete_leaves_a_tombstone(alice, alice_api):
    crash = CrashFactory(user=alice)
    assert alice_api.delete(detail(crash)).status_code == 204
    assert Tombstone.objects.filter(kind="crash", uuid=crash.uuid).exists()
    assert alice_api.get(detail(crash)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end_date": "2000-01-01"}, "end_date"),  # before the start
        ({"severity": 0}, "severity"),
        ({"severity": 5}, "severity"),
        ({"severity": None}, "severity"),
        ({"severity": "bad"}, "severity"),
        ({"trigger": "moon"}, "trigger"),
        ({"start_date": None}, "start_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"notes": "x" * 100_000}, "notes"),
        ({"notes": {"a": 1}}, "notes"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    alice, alice_api, body, field
):
    crash = CrashFactory(user=alice, notes="before")
    before = state(crash)
    response = alice_api.patch(detail(crash), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert state(crash) == before
    create = {"start_date": days_ago(alice, 3), "severity": 2, **body}
    response = alice_api.post(LIST, create, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Crash.objects.filter(user=alice).count() == 1


def test_the_end_before_the_start_has_the_web_message(alice, alice_api):
    response = alice_api.post(
        LIST,
        {
            "start_date": days_ago(alice, 3),
            "end_date": days_ago(alice, 5),
            "severity": 2,
        },
        format="json",
    )
    assert response.json()["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_the_api_and_the_web_refuse_a_future_start_with_the_same_message(
    alice, alice_client, alice_api
):
    tomorrow = str(alice.local_today() + datetime.timedelta(days=1))
    web = alice_client.post(
        reverse("diary:crash-create"),
        {"start_date": tomorrow, "severity": "2", "trigger": "unknown"},
    )
    assert web.status_code == 200
    assert FUTURE in web.content.decode()
    api = alice_api.post(LIST, {"start_date": tomorrow, "severity": 2}, format="json")
    assert api.status_code == 400
    assert api.json()["errors"] == {"start_date": [FUTURE]}
    assert not Crash.objects.exists()


def test_html_in_notes_is_returned_as_typed(alice, alice_api):
    notes = "<img src=x onerror=alert(1)>"
    response = alice_api.post(
        LIST,
        {"start_date": days_ago(alice, 1), "severity": 1, "notes": notes},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["notes"] == notes


def test_a_wrong_choice_names_the_allowed_values(alice, alice_api):
    response = alice_api.post(
        LIST, {"start_date": days_ago(alice, 1), "severity": 5}, format="json"
    )
    assert response.json()["errors"] == {"severity": ["Choose one of: 1, 2, 3, 4."]}
