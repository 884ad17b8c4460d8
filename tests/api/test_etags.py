"""The sync rules every synced resource follows: ETags, If-Match (412 with the
current object), and idempotent creates with a client uuid (one row, 410 once
deleted, 400 when someone else's)."""

import datetime
import uuid as uuid_lib
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from diary import services
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    Symptom,
    TreatmentCourse,
)
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
)

pytestmark = pytest.mark.django_db


def ago(user, n: int) -> str:
    return str(user.local_today() - datetime.timedelta(days=n))


def course_of(user) -> TreatmentCourse:
    course = TreatmentCourse.objects.filter(user=user).first()
    if course is None:
        course = TreatmentCourseFactory(
            user=user, start_date=user.local_today() - datetime.timedelta(days=60)
        )
    return course


def make_entry(user) -> Entry:
    entry, _created = services.entry_upsert(
        user=user,
        date=user.local_today() - datetime.timedelta(days=1),
        scores={},
        fields={"notes": "n"},
    )
    return entry


@dataclass
class Resource:
    name: str
    model: type
    make: Any  # user -> object
    detail: Any  # object -> url
    list_url: Any  # user -> url
    create_body: Any  # user -> body
    change: dict
    can_update: bool = True


RESOURCES = [
    Resource(
        "entry",
        Entry,
        make_entry,
        lambda o: reverse("api:entry-detail", args=[str(o.date)]),
        lambda u: reverse("api:entry-list"),
        lambda u: {"date": ago(u, 2), "notes": "hello"},
        {"notes": "changed"},
    ),
    Resource(
        "symptom",
        Symptom,
        lambda u: services.symptom_create_own(user=u, name="Own"),
        lambda o: reverse("api:symptom-detail", args=[o.uuid]),
        lambda u: reverse("api:symptom-list"),
        lambda u: {"name": "Brand new"},
        {"name": "Renamed"},
    ),
    Resource(
        "crash",
        Crash,
        lambda u: CrashFactory(user=u),
        lambda o: reverse("api:crash-detail", args=[o.uuid]),
        lambda u: reverse("api:crash-list"),
        lambda u: {"start_date": ago(u, 3), "severity": 2},
        {"severity": 4},
    ),
    Resource(
        "course",
        TreatmentCourse,
        course_of,
        lambda o: reverse("api:treatment-detail", args=[o.uuid]),
        lambda u: reverse("api:treatment-list"),
        lambda u: {"start_date": ago(u, 10), "formulation": "capsule"},
        {"pharmacy": "Elsewhere"},
    ),
    Resource(
        "dose change",
        DoseChange,
        lambda u: DoseChangeFactory(course=course_of(u)),
        lambda o: reverse("api:dose-change-detail", args=[o.course.uuid, o.uuid]),
        lambda u: reverse("api:dose-change-list", args=[course_of(u).uuid]),
        lambda u: {"date": ago(u, 5), "reason": "planned_step", "dose_mg": 3},
        {"note": "changed"},
    ),
    Resource(
        "missed dose",
        MissedDose,
        lambda u: MissedDoseFactory(course=course_of(u)),
        lambda o: reverse("api:missed-dose-detail", args=[o.course.uuid, o.uuid]),
        lambda u: reverse("api:missed-dose-list", args=[course_of(u).uuid]),
        lambda u: {"date": ago(u, 6)},
        {},
        can_update=False,
    ),
    Resource(
        "side effect",
        SideEffect,
        lambda u: SideEffectFactory(course=course_of(u)),
        lambda o: reverse("api:side-effect-detail", args=[o.course.uuid, o.uuid]),
        lambda u: reverse("api:side-effect-list", args=[course_of(u).uuid]),
        lambda u: {"date": ago(u, 6), "kind": "nausea", "severity": 1},
        {},
        can_update=False,
    ),
    Resource(
        "medication",
        Medication,
        lambda u: MedicationFactory(user=u),
        lambda o: reverse("api:medication-detail", args=[o.uuid]),
        lambda u: reverse("api:medication-list"),
        lambda u: {"name": "Vitamin B12"},
        {"dose": "1 mg"},
    ),
]
UPDATABLE = [r for r in RESOURCES if r.can_update]


def by_name(resources):
    return pytest.mark.parametrize("resource", resources, ids=lambda r: r.name)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# -------------------------------------------------------------------------- ETags


@by_name(RESOURCES)
def test_a_single_object_carries_its_etag_and_sync_fields(alice, alice_api, resource):
    obj = resource.make(alice)
    response = alice_api.get(resource.detail(obj))
    assert response.status_code == 200
    assert response["ETag"] == fresh(obj).etag
    assert response["ETag"] == f'"{obj.uuid}.{fresh(obj).sync_version}"'
    body = response.json()
    assert body["sync_version"] == fresh(obj).sync_version
    assert body["uuid"] == str(obj.uuid)
    assert "updated_at" in body


@by_name(UPDATABLE)
def test_a_stale_if_match_is_412_with_the_current_object(alice, alice_api, resource):
    obj = resource.make(alice)
    url = resource.detail(obj)
    stale = alice_api.get(url)["ETag"]
    alice_api.patch(url, resource.change, format="json")  # someone else's edit
    current = alice_api.get(url)
    before = fresh(obj).sync_version

    response = alice_api.patch(url, resource.change, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    body = response.json()
    assert body["code"] == "precondition_failed"
    assert body["errors"] == {}
    assert body["message"]
    assert body["current"] == current.json()
    assert fresh(obj).sync_version == before

    response = alice_api.delete(url, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["current"] == current.json()
    assert type(obj).objects.filter(pk=obj.pk).exists()


@by_name(UPDATABLE)
def test_a_matching_if_match_writes_and_the_etag_changes(alice, alice_api, resource):
    obj = resource.make(alice)
    url = resource.detail(obj)
    etag = alice_api.get(url)["ETag"]
    response = alice_api.patch(url, resource.change, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == fresh(obj).etag
    assert response.json()["sync_version"] > int(etag.strip('"').rsplit(".", 1)[1])
    response = alice_api.delete(url, HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 204
    assert not type(obj).objects.filter(pk=obj.pk).exists()


@by_name(UPDATABLE)
def test_without_if_match_the_last_write_wins(alice, alice_api, resource):
    obj = resource.make(alice)
    response = alice_api.patch(resource.detail(obj), resource.change, format="json")
    assert response.status_code == 200


@by_name(RESOURCES)
def test_delete_with_a_stale_if_match_is_refused(alice, alice_api, resource):
    obj = resource.make(alice)
    response = alice_api.delete(resource.detail(obj), HTTP_IF_MATCH='"stale.0"')
    assert response.status_code == 412
    assert response.json()["current"]["uuid"] == str(obj.uuid)
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_if_match_star_matches_any_existing_object(alice, alice_api):
    crash = CrashFactory(user=alice)
    url = reverse("api:crash-detail", args=[crash.uuid])
    response = alice_api.patch(url, {"severity": 1}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_if_match_on_a_day_without_an_entry_is_412_with_no_current(alice, alice_api):
    url = reverse("api:entry-detail", args=[ago(alice, 1)])
    response = alice_api.put(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 412
    assert response.json()["current"] is None
    assert not Entry.objects.exists()


def test_an_entry_write_changes_its_etag(alice, alice_api):
    url = reverse("api:entry-detail", args=[ago(alice, 1)])
    first = alice_api.put(url, {"notes": "one"}, format="json")
    second = alice_api.put(
        url, {"notes": "two"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    third = alice_api.put(
        url, {"notes": "three"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert third.status_code == 412
    assert third.json()["current"]["notes"] == "two"
    assert Entry.objects.get().notes == "two"


def test_other_users_if_match_does_not_reveal_anything(alice, bob_api):
    crash = CrashFactory(user=alice)
    url = reverse("api:crash-detail", args=[crash.uuid])
    response = bob_api.patch(url, {"severity": 1}, format="json", HTTP_IF_MATCH='"x"')
    assert response.status_code == 404
    assert "current" not in response.json()


# ------------------------------------------------------- idempotent creates, 410


@by_name(RESOURCES)
def test_creating_twice_with_one_uuid_makes_one_row(alice, alice_api, resource):
    url = resource.list_url(alice)
    body = {**resource.create_body(alice), "uuid": str(uuid_lib.uuid4())}
    first = alice_api.post(url, body, format="json")
    second = alice_api.post(url, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200), first.json()
    assert first.json() == second.json()
    assert first["ETag"] == second["ETag"]
    assert resource.model.objects.filter(uuid=body["uuid"]).count() == 1


@by_name(RESOURCES)
def test_creating_a_deleted_uuid_is_410_gone(alice, alice_api, resource):
    obj = resource.make(alice)
    deleted = str(obj.uuid)
    assert alice_api.delete(resource.detail(obj)).status_code == 204
    url = resource.list_url(alice)
    response = alice_api.post(
        url, {**resource.create_body(alice), "uuid": deleted}, format="json"
    )
    assert response.status_code == 410
    assert set(response.json()) == {"code", "message", "errors"}
    assert not resource.model.objects.filter(uuid=deleted).exists()


@by_name(RESOURCES)
def test_creating_with_another_users_uuid_is_400_on_uuid(
    alice, bob, alice_api, resource
):
    bobs = resource.make(bob)
    url = resource.list_url(alice)
    count = resource.model.objects.count()
    response = alice_api.post(
        url, {**resource.create_body(alice), "uuid": str(bobs.uuid)}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert "bob" not in response.content.decode().lower()
    assert resource.model.objects.count() == count


# An entry is addressed by its date; its uuid is only used when the day is new.
@by_name([r for r in UPDATABLE if r.model is not Entry])
def test_a_different_uuid_in_an_update_body_is_400(alice, alice_api, resource):
    obj = resource.make(alice)
    response = alice_api.patch(
        resource.detail(obj),
        {**resource.change, "uuid": str(uuid_lib.uuid4())},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert fresh(obj).uuid == obj.uuid
