"""/api/v1/me/: the daily check-in reminder, ``reminders: {enabled, time}``, set
through the same service as the web settings page."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from diary.reminders import services as reminder_services

pytestmark = pytest.mark.django_db

ME = reverse("api:me")


def reminders(user) -> tuple:
    fresh = User.objects.get(pk=user.pk)
    return (fresh.reminder_enabled, fresh.reminder_time)


def profile(user) -> tuple:
    fresh = User.objects.get(pk=user.pk)
    return (fresh.display_name, fresh.time_zone, fresh.takes_opioids)


def test_owner_reads_their_reminder_settings(alice, alice_api):
    response = alice_api.get(ME)
    assert response.status_code == 200
    assert response.json()["reminders"] == {"enabled": False, "time": "19:00"}


def test_owner_switches_the_reminder_on_at_a_time(alice, alice_api):
    response = alice_api.patch(
        ME, {"reminders": {"enabled": True, "time": "07:30"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reminders"] == {"enabled": True, "time": "07:30"}
    assert reminders(alice) == (True, datetime.time(7, 30))
    assert alice_api.get(ME).json()["reminders"] == {"enabled": True, "time": "07:30"}


def test_patch_changes_only_the_reminder_keys_sent(alice, alice_api):
    reminder_services.reminder_settings_update(
        user=alice, enabled=True, time=datetime.time(21, 15)
    )
    before = profile(alice)
    response = alice_api.patch(ME, {"reminders": {"time": "08:00"}}, format="json")
    assert response.status_code == 200
    assert reminders(alice) == (True, datetime.time(8, 0))
    response = alice_api.patch(ME, {"reminders": {"enabled": False}}, format="json")
    assert response.json()["reminders"] == {"enabled": False, "time": "08:00"}
    assert reminders(alice) == (False, datetime.time(8, 0))
    assert profile(alice) == before


def test_other_profile_changes_leave_the_reminder_alone(alice, alice_api):
    reminder_services.reminder_settings_update(
        user=alice, enabled=True, time=datetime.time(6, 45)
    )
    response = alice_api.patch(ME, {"display_name": "Al"}, format="json")
    assert response.status_code == 200
    assert response.json()["reminders"] == {"enabled": True, "time": "06:45"}
    assert reminders(alice) == (True, datetime.time(6, 45))


def test_the_one_click_unsubscribe_shows_in_the_api(alice, alice_api, client):
    reminder_services.reminder_settings_update(
        user=alice, enabled=True, time=datetime.time(20, 0)
    )
    token = reminder_services.unsubscribe_token(user=alice)
    response = client.post(reverse("diary:reminder-unsubscribe", args=[token]))
    assert response.status_code == 302
    assert alice_api.get(ME).json()["reminders"] == {"enabled": False, "time": "20:00"}


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"time": "25:00"}, "reminders.time"),
        ({"time": "19:60"}, "reminders.time"),
        ({"time": "7pm"}, "reminders.time"),
        ({"time": "7:05"}, "reminders.time"),
        ({"time": "19:00:00"}, "reminders.time"),
        ({"time": " 19:00"}, "reminders.time"),
        ({"time": ""}, "reminders.time"),
        ({"time": None}, "reminders.time"),
        ({"time": 1900}, "reminders.time"),
        ({"time": "<script>"}, "reminders.time"),
        ({"enabled": "yes"}, "reminders.enabled"),
        ({"enabled": 1}, "reminders.enabled"),
        ({"enabled": None}, "reminders.enabled"),
        ("on", "reminders.non_field_errors"),
        (None, "reminders"),
    ],
)
def test_bad_reminder_input_is_400_naming_the_field(alice, alice_api, value, field):
    reminder_services.reminder_settings_update(
        user=alice, enabled=True, time=datetime.time(19, 0)
    )
    response = alice_api.patch(
        ME, {"reminders": value, "display_name": "changed"}, format="json"
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"], data
    # Nothing of the request was saved.
    assert reminders(alice) == (True, datetime.time(19, 0))
    assert User.objects.get(pk=alice.pk).display_name != "changed"


def test_a_bad_time_reaching_the_service_is_named_as_in_the_api(
    alice, alice_api, monkeypatch
):
    """The service's own check speaks of ``reminder_time`` (the web form's
    field); the API names it ``reminders.time``."""
    from diary.api import views

    original = views.reminder_settings_update

    def with_a_bad_time(**kwargs):
        return original(**{**kwargs, "time": "19:00"})

    monkeypatch.setattr(views, "reminder_settings_update", with_a_bad_time)
    response = alice_api.patch(
        ME, {"reminders": {"enabled": True, "time": "19:00"}}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reminders.time"]
    assert reminders(alice) == (False, datetime.time(19, 0))


def test_each_user_sees_and_changes_only_their_own_reminder(
    alice, bob, alice_api, bob_api
):
    response = bob_api.patch(
        ME, {"reminders": {"enabled": True, "time": "06:00"}}, format="json"
    )
    assert response.status_code == 200
    assert reminders(bob) == (True, datetime.time(6, 0))
    assert reminders(alice) == (False, datetime.time(19, 0))
    assert alice_api.get(ME).json()["reminders"] == {"enabled": False, "time": "19:00"}


def test_anonymous_gets_401_and_changes_nothing(alice, anon_api):
    assert anon_api.get(ME).status_code == 401
    response = anon_api.patch(
        ME, {"reminders": {"enabled": True, "time": "06:00"}}, format="json"
    )
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "errors"}
    assert reminders(alice) == (False, datetime.time(19, 0))
