"""/api/v1/me/: the profile and the check-in's symptoms in order."""

import pytest
from django.urls import reverse

from accounts.models import User
from diary import services
from diary.models import Symptom, TrackedSymptom

pytestmark = pytest.mark.django_db

ME = reverse("api:me")


def active_uuids(user) -> list[str]:
    return [
        str(t.symptom.uuid)
        for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def profile(user) -> tuple:
    fresh = User.objects.get(pk=user.pk)
    return (fresh.display_name, fresh.time_zone, fresh.takes_opioids)


def test_owner_reads_their_profile(alice, alice_api):
    response = alice_api.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "alice@example.org"
    assert body["time_zone"] == "Europe/London"
    assert body["takes_opioids"] == ""
    assert body["tracked_symptoms"] == active_uuids(alice)
    assert body["reminders"] == {"enabled": False, "time": "19:00"}
    assert "id" not in body and "password" not in body


def test_each_user_sees_only_their_own_profile(alice, bob, alice_api, bob_api):
    services.symptom_create_own(user=alice, name="Alice's own")
    assert bob_api.get(ME).json()["email"] == "bob@example.org"
    assert bob_api.get(ME).json()["tracked_symptoms"] == active_uuids(bob)
    assert alice_api.get(ME).json()["tracked_symptoms"] == active_uuids(alice)


def test_anonymous_gets_401(anon_api):
    assert anon_api.get(ME).status_code == 401
    assert anon_api.patch(ME, {"display_name": "x"}, format="json").status_code == 401


def test_patch_changes_only_what_is_sent(alice, alice_api):
    response = alice_api.patch(
        ME, {"display_name": "Al", "takes_opioids": "no"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Al"
    assert profile(alice) == ("Al", "Europe/London", "no")
    response = alice_api.patch(ME, {"time_zone": "Asia/Tokyo"}, format="json")
    assert profile(alice) == ("Al", "Asia/Tokyo", "no")


def test_the_email_cannot_be_changed_here(alice, alice_api):
    response = alice_api.patch(ME, {"email": "evil@example.org"}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=alice.pk).email == "alice@example.org"


def test_patch_sets_the_tracked_symptoms_in_order(alice, alice_api):
    current = active_uuids(alice)
    mine = services.symptom_create_own(user=alice, name="Tinnitus")
    wanted = [str(mine.uuid), current[2], current[0]]
    response = alice_api.patch(ME, {"tracked_symptoms": wanted}, format="json")
    assert response.status_code == 200
    assert response.json()["tracked_symptoms"] == wanted
    assert active_uuids(alice) == wanted
    # Symptoms left out are archived, not deleted.
    archived = TrackedSymptom.objects.for_user(alice).archived()
    assert {str(t.symptom.uuid) for t in archived} >= {current[1]}


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda bobs, mine: {"tracked_symptoms": [str(bobs.uuid)]}, "tracked_symptoms"),
        (
            lambda bobs, mine: {
                "tracked_symptoms": ["00000000-0000-0000-0000-000000000000"]
            },
            "tracked_symptoms",
        ),
        (
            lambda bobs, mine: {"tracked_symptoms": [str(mine.uuid), str(mine.uuid)]},
            "tracked_symptoms",
        ),
        (lambda bobs, mine: {"tracked_symptoms": "abc"}, "tracked_symptoms"),
        (lambda bobs, mine: {"tracked_symptoms": None}, "tracked_symptoms"),
        (lambda bobs, mine: {"tracked_symptoms": [1, 2]}, "tracked_symptoms.0"),
        (lambda bobs, mine: {"time_zone": "Mars/Olympus"}, "time_zone"),
        (lambda bobs, mine: {"time_zone": None}, "time_zone"),
        (lambda bobs, mine: {"takes_opioids": "sometimes"}, "takes_opioids"),
        (lambda bobs, mine: {"display_name": "x" * 81}, "display_name"),
        (lambda bobs, mine: {"display_name": ["x"]}, "display_name"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    alice, bob, alice_api, make_body, field
):
    bobs = services.symptom_create_own(user=bob, name="Bob's own")
    mine = services.symptom_create_own(user=alice, name="Mine")
    tracked_before = active_uuids(alice)
    before = profile(alice)
    body = {"display_name": "Changed", **make_body(bobs, mine)}
    response = alice_api.patch(ME, body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors, errors
    assert "bob" not in response.content.decode().lower()
    assert profile(alice) == before
    assert active_uuids(alice) == tracked_before


def test_a_list_instead_of_an_object_is_400(alice, alice_api):
    response = alice_api.patch(ME, ["display_name"], format="json")
    assert response.status_code == 400
    assert profile(alice)[0] == ""


def test_html_in_the_display_name_is_returned_as_typed(alice, alice_api):
    name = "<b>Al</b>"
    response = alice_api.patch(ME, {"display_name": name}, format="json")
    assert response.json()["display_name"] == name


def test_tracking_a_built_in_symptom_by_uuid(alice, alice_api):
    new = Symptom.objects.builtin().exclude(
        pk__in=TrackedSymptom.objects.for_user(alice).values("symptom")
    )[0]
    wanted = [*active_uuids(alice), str(new.uuid)]
    response = alice_api.patch(ME, {"tracked_symptoms": wanted}, format="json")
    assert response.status_code == 200
    assert active_uuids(alice) == wanted
