"""/api/v1/symptoms/: the built-in catalogue (read-only) and the user's own."""

import pytest
from django.urls import reverse

from diary import services
from diary.models import Symptom, Tombstone, TrackedSymptom

pytestmark = pytest.mark.django_db

LIST = reverse("api:symptom-list")


def detail(symptom) -> str:
    return reverse("api:symptom-detail", args=[symptom.uuid])


def all_results(client) -> list[dict]:
    results, url = [], LIST
    while url:
        page = client.get(url).json()
        results += page["results"]
        url = page["next"]
    return results


def own(user, name="Tinnitus", **kwargs) -> Symptom:
    return services.symptom_create_own(user=user, name=name, **kwargs)


def state(symptom) -> tuple:
    fresh = Symptom.objects.get(pk=symptom.pk)
    return (fresh.name, fresh.description, fresh.sync_version)


def test_list_has_the_catalogue_and_own_symptoms_with_their_state(alice, alice_api):
    mine = own(alice, description="ringing")
    archived = TrackedSymptom.objects.for_user(alice).active().in_order()[0]
    services.symptom_archive(tracked=archived)
    results = {r["uuid"]: r for r in all_results(alice_api)}
    builtin_count = Symptom.objects.builtin().count()
    assert len(results) == builtin_count + 1
    assert results[str(mine.uuid)] | {"sync_version": 0} == {
        "uuid": str(mine.uuid),
        "name": "Tinnitus",
        "description": "ringing",
        "is_builtin": False,
        "tracked": True,
        "archived": False,
        "sync_version": 0,
        "created_at": results[str(mine.uuid)]["created_at"],
        "updated_at": results[str(mine.uuid)]["updated_at"],
    }
    gone = results[str(archived.symptom.uuid)]
    assert (gone["is_builtin"], gone["tracked"], gone["archived"]) == (
        True,
        False,
        True,
    )
    untracked = Symptom.objects.builtin().exclude(
        pk__in=TrackedSymptom.objects.for_user(alice).values("symptom")
    )
    for symptom in untracked:
        item = results[str(symptom.uuid)]
        assert (item["tracked"], item["archived"]) == (False, False)


def test_other_users_own_symptoms_are_invisible_and_404(alice, bob, bob_api):
    mine = own(alice, name="Alice only")
    before = state(mine)
    assert str(mine.uuid) not in {r["uuid"] for r in all_results(bob_api)}
    assert bob_api.get(detail(mine)).status_code == 404
    assert bob_api.patch(detail(mine), {"name": "x"}, format="json").status_code == 404
    assert bob_api.put(detail(mine), {"name": "x"}, format="json").status_code == 404
    assert bob_api.delete(detail(mine)).status_code == 404
    track = reverse("api:symptom-track", args=[mine.uuid])
    assert bob_api.post(track).status_code == 404
    assert state(mine) == before
    assert not TrackedSymptom.objects.filter(user=bob, symptom=mine).exists()


def test_anonymous_gets_401(alice, anon_api):
    mine = own(alice)
    for response in (
        anon_api.get(LIST),
        anon_api.post(LIST, {"name": "x"}, format="json"),
        anon_api.get(detail(mine)),
        anon_api.patch(detail(mine), {"name": "x"}, format="json"),
        anon_api.delete(detail(mine)),
        anon_api.post(reverse("api:symptom-archive", args=[mine.uuid])),
    ):
        assert response.status_code == 401
    assert Symptom.objects.filter(pk=mine.pk).exists()


def test_owner_creates_a_symptom_which_goes_on_the_checkin(alice, alice_api):
    response = alice_api.post(
        LIST, {"name": "  Jaw   pain ", "description": "clenching"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Jaw pain"
    assert (body["tracked"], body["archived"], body["is_builtin"]) == (
        True,
        False,
        False,
    )
    symptom = Symptom.objects.get(uuid=body["uuid"])
    assert symptom.owner == alice
    assert response["ETag"] == symptom.etag


def test_creating_twice_with_the_same_uuid_makes_one_symptom(alice, alice_api):
    body = {"uuid": "4b9f3a38-5d57-4c42-8f5b-1b0c2d3e4f50", "name": "Tremor"}
    first = alice_api.post(LIST, body, format="json")
    second = alice_api.post(LIST, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Symptom.objects.filter(owner=alice).count() == 1


def test_a_deleted_uuid_is_410_gone(alice, alice_api):
    mine = own(alice)
    services.symptom_delete_own(symptom=mine)
    response = alice_api.post(
        LIST, {"uuid": str(mine.uuid), "name": "Tinnitus"}, format="json"
    )
    assert response.status_code == 410
    assert response.json()["code"] == "gone"
    assert not Symptom.objects.filter(owner=alice).exists()


@pytest.mark.parametrize("whose", ["bob", "builtin"])
def test_a_uuid_used_by_something_else_is_400_on_uuid(alice, bob, alice_api, whose):
    taken = own(bob, name="Bob's") if whose == "bob" else Symptom.objects.builtin()[0]
    response = alice_api.post(
        LIST, {"uuid": str(taken.uuid), "name": "Mine"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert "bob" not in response.content.decode().lower()
    assert not Symptom.objects.filter(owner=alice).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "Ok", "description": "d" * 241}, "description"),
        ({"name": "Headache"}, "name"),  # already in the catalogue
        ({"name": "Ok", "uuid": 5}, "uuid"),
    ],
)
def test_bad_symptoms_are_400_naming_the_field(alice, alice_api, body, field):
    response = alice_api.post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Symptom.objects.filter(owner=alice).exists()


def test_owner_renames_with_patch_and_put(alice, alice_api):
    mine = own(alice, description="old")
    response = alice_api.patch(detail(mine), {"name": "Ringing ears"}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == (
        "Ringing ears",
        "old",
    )
    response = alice_api.put(detail(mine), {"name": "Tinnitus"}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == (
        "Tinnitus",
        "",
    )
    assert alice_api.put(detail(mine), {}, format="json").status_code == 400
    assert Symptom.objects.get(pk=mine.pk).name == "Tinnitus"


def test_renaming_to_a_name_in_use_is_400(alice, alice_api):
    mine = own(alice)
    own(alice, name="Other")
    before = state(mine)
    response = alice_api.patch(detail(mine), {"name": "other"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    assert state(mine) == before


def test_built_in_symptoms_cannot_be_changed_or_deleted(alice, alice_api):
    builtin = Symptom.objects.builtin()[0]
    before = state(builtin)
    for response in (
        alice_api.patch(detail(builtin), {"name": "Mine now"}, format="json"),
        alice_api.put(detail(builtin), {"name": "Mine now"}, format="json"),
        alice_api.delete(detail(builtin)),
    ):
        assert response.status_code == 405
        body = response.json()
        assert body["code"] == "builtin_read_only"
        assert "archive" in body["message"]
        assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert state(builtin) == before
    assert alice_api.get(detail(builtin)).status_code == 200


def test_deleting_an_own_symptom_leaves_a_tombstone(alice, alice_api):
    mine = own(alice)
    response = alice_api.delete(detail(mine))
    assert response.status_code == 204
    assert not Symptom.objects.filter(pk=mine.pk).exists()
    assert Tombstone.objects.filter(kind="symptom", uuid=mine.uuid).exists()


def test_archive_and_track_again(alice, alice_api):
    symptom = TrackedSymptom.objects.for_user(alice).active().in_order()[0].symptom
    response = alice_api.post(reverse("api:symptom-archive", args=[symptom.uuid]))
    assert response.status_code == 200
    assert (response.json()["tracked"], response.json()["archived"]) == (False, True)
    response = alice_api.post(reverse("api:symptom-track", args=[symptom.uuid]))
    assert response.status_code == 200
    assert (response.json()["tracked"], response.json()["archived"]) == (True, False)


def test_tracking_a_catalogue_symptom_puts_it_on_the_checkin(alice, alice_api):
    new = Symptom.objects.builtin().exclude(
        pk__in=TrackedSymptom.objects.for_user(alice).values("symptom")
    )[0]
    response = alice_api.post(reverse("api:symptom-track", args=[new.uuid]))
    assert response.status_code == 200
    assert response.json()["tracked"] is True
    assert TrackedSymptom.objects.for_user(alice).active().filter(symptom=new).exists()


def test_a_malformed_uuid_in_the_path_is_404(alice_api):
    response = alice_api.get(f"{LIST}not-a-uuid/")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "errors"}
