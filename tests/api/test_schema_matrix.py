"""The owner / other user / anonymous matrix of every operation in the OpenAPI
schema, generated from the schema itself, so a new endpoint cannot be forgotten:
it fails ``test_every_operation_in_the_schema_has_a_row`` until it gets a row in
``OPERATIONS`` below.

For each operation, against alice's real objects:

- alice (the owner) succeeds with the status in the row;
- bob gets 404 for anything that names alice's object in its path, and on the
  other operations (lists, creates, his profile, sync, trends...) sees none of
  alice's rows; either way nothing of alice's changes;
- a visitor without a token gets 401, except on the public operations
  (``PUBLIC``), which answer the same as to the owner.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts import services as account_services
from accounts.models import Device
from diary import services
from diary.exports import services as export_services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    Symptom,
    TrackedSymptom,
    TreatmentCourse,
)
from diary.sharing import services as sharing_services
from diary.sharing.models import ShareLink
from evidence.services import studies_load
from tests.api.conftest import bearer_client
from tests.factories import BOB_TIME_ZONE, PASSWORD

pytestmark = pytest.mark.django_db


def schema_operations() -> list[tuple[str, str, str]]:
    """(method, path, operationId) of every operation the schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path, operation["operationId"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    )


SCHEMA_OPERATIONS = schema_operations()

# ------------------------------------------------------------------ alice's data


@dataclass
class World:
    """Alice's diary: one of everything, for the path parameters."""

    alice: Any
    entry: Entry
    crash: Crash
    course: TreatmentCourse
    dose_change: DoseChange
    side_effect: SideEffect
    missed_dose: MissedDose
    medication: Medication
    symptom: Symptom
    other_device: Device
    share_link: ShareLink
    study_key: str
    refresh: str
    extra: dict = field(default_factory=dict)

    @cached_property
    def export(self) -> ExportJob:
        """A finished export, made only for the operations on exports (building
        the file is the slowest part of the set-up)."""
        job = export_services.export_request(
            user=self.alice,
            format=ExportJob.Format.CSV_TIDY,
            start=self.alice.local_today() - datetime.timedelta(days=29),
            end=self.alice.local_today(),
            sections=list(DEFAULT_SECTIONS),
        )
        export_services.export_run(job_id=job.pk)
        job.refresh_from_db()
        return job

    def prepare(self, operation: str) -> None:
        """Make what only some operations need (the slowest parts of the set-up)."""
        if operation.startswith("exports_"):
            assert self.export.status == ExportJob.Status.DONE
        if operation.startswith("studies_"):
            studies_load()

    def day(self, n: int) -> str:
        """``n`` days before a today that is not in the future for alice
        (Europe/London) nor for bob (America/New_York), who sends the same
        bodies: just after midnight in London it is still yesterday for bob."""
        bobs_today = timezone.localtime(timezone=ZoneInfo(BOB_TIME_ZONE)).date()
        today = min(self.alice.local_today(), bobs_today)
        return str(today - datetime.timedelta(days=n))

    def private_marks(self) -> set[str]:
        """What must never appear in bob's answers: the uuids of everything
        alice owns, and her email."""
        alice = self.alice
        marks = {alice.email}
        for queryset in (
            Entry.objects.for_user(alice),
            Crash.objects.for_user(alice),
            TreatmentCourse.objects.for_user(alice),
            DoseChange.objects.for_user(alice),
            SideEffect.objects.for_user(alice),
            MissedDose.objects.for_user(alice),
            Medication.objects.for_user(alice),
            Symptom.objects.own(alice),
            TrackedSymptom.objects.for_user(alice),
            Device.objects.for_user(alice),
            ShareLink.objects.filter(user=alice),
            ExportJob.objects.filter(user=alice),
        ):
            marks |= {str(u) for u in queryset.values_list("uuid", flat=True)}
        return marks

    def snapshot(self) -> tuple:
        """Alice's state that no one else may change: every diary write raises
        her change counter; devices and share links are not diary data."""
        self.alice.refresh_from_db()
        return (
            self.alice.sync_version,
            self.alice.display_name,
            self.alice.time_zone,
            sorted(
                Device.objects.for_user(self.alice).values_list(
                    "uuid", "revoked_at", "refresh_token_hash"
                )
            ),
            sorted(
                ShareLink.objects.filter(user=self.alice).values_list(
                    "uuid", "revoked_at"
                )
            ),
            sorted(
                ExportJob.objects.filter(user=self.alice).values_list("uuid", "status")
            ),
        )


@pytest.fixture
def world(alice, settings, tmp_path) -> World:
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    day = lambda n: alice.local_today() - datetime.timedelta(days=n)  # noqa: E731
    symptom = services.symptom_create_own(user=alice, name="Alice's own symptom")
    entry, _created = services.entry_upsert(
        user=alice, date=day(1), scores={symptom.pk: 7}, fields={"notes": "private"}
    )
    course = services.course_create(
        user=alice,
        start_date=day(40),
        formulation=TreatmentCourse.Formulation.LIQUID,
        first_dose_mg=Decimal("0.5"),
    )
    other_device, refresh = account_services.device_sign_in(
        user=alice, name="old phone"
    )
    share_link, _token = sharing_services.share_link_create(
        user=alice, start=day(30), end=day(0), sections=list(DEFAULT_SECTIONS)
    )
    return World(
        alice=alice,
        entry=entry,
        crash=services.crash_create(
            user=alice, start_date=day(9), severity=Crash.Severity.MODERATE
        ),
        course=course,
        dose_change=services.dose_change_add(
            course=course,
            date=day(20),
            dose_mg=Decimal("1.5"),
            reason=DoseChange.Reason.PLANNED_STEP,
        ),
        side_effect=services.side_effect_add(
            course=course, date=day(19), kind="insomnia", severity=1
        ),
        missed_dose=services.missed_dose_add(course=course, date=day(18)),
        medication=services.medication_create(user=alice, name="Vitamin D"),
        symptom=symptom,
        other_device=other_device,
        share_link=share_link,
        study_key="younger2013",
        refresh=refresh,
    )


# ------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    """How an operation is called and what the owner gets."""

    status: int = 200
    body: Any = None  # World -> request body
    # Public: no token needed; anybody gets ``status``.
    public: bool = False
    # {uuid} names this object of alice's (World attribute).
    uuid: str = ""
    # What bob gets instead of 404 (or of ``status`` on a collection).
    other_status: int | None = None


def crud(
    resource: str,
    *,
    create=None,
    update=None,
    partial=None,
    prefix: str | None = None,
    has_update: bool = True,
) -> dict[str, Row]:
    prefix = prefix or resource
    rows = {
        f"{prefix}_list": Row(),
        f"{prefix}_create": Row(201, create),
        f"{prefix}_retrieve": Row(uuid=resource),
        f"{prefix}_destroy": Row(204, uuid=resource),
    }
    if has_update:
        rows[f"{prefix}_update"] = Row(200, update, uuid=resource)
        rows[f"{prefix}_partial_update"] = Row(200, partial, uuid=resource)
    return rows


OPERATIONS: dict[str, Row] = {
    # Public: the version check, the studies, signing in and out.
    "meta_retrieve": Row(public=True),
    "studies_list": Row(public=True),
    "studies_retrieve": Row(public=True),
    "auth_token_create": Row(
        200, lambda w: {"email": w.alice.email, "password": PASSWORD}, public=True
    ),
    "auth_refresh_create": Row(200, lambda w: {"refresh": w.refresh}, public=True),
    "auth_logout_create": Row(204, lambda w: {"refresh": w.refresh}, public=True),
    "auth_signup_create": Row(
        202,
        lambda w: {
            "email": "carol@example.org",
            "password": "a long enough passphrase 42",
            "time_zone": "Europe/Paris",
            "notice_acknowledged": True,
        },
        public=True,
    ),
    # Signed in.
    "auth_devices_list": Row(),
    "auth_devices_destroy": Row(204),
    "auth_events_list": Row(),
    "me_retrieve": Row(),
    "me_partial_update": Row(200, lambda w: {"display_name": "A."}),
    "sync_retrieve": Row(),
    "trends_retrieve": Row(),
    "analysis_retrieve": Row(),
    # Bob's choice is his own; alice's is untouched.
    "analysis_primary_outcome_create": Row(
        201, lambda w: {"primary_outcome": "function"}
    ),
    "symptoms_track_create": Row(uuid="symptom"),
    "symptoms_archive_create": Row(uuid="symptom"),
    "share_links_revoke_create": Row(uuid="share_link"),
    "share_links_delete_create": Row(uuid="share_link", status=204),
    **crud(
        "symptom",
        prefix="symptoms",
        create=lambda w: {"name": "Tinnitus"},
        update=lambda w: {"name": "Renamed", "description": ""},
        partial=lambda w: {"description": "Worse at night"},
    ),
    **crud(
        "crash",
        prefix="crashes",
        create=lambda w: {"start_date": w.day(2), "severity": 2},
        update=lambda w: {"start_date": w.day(9), "severity": 3},
        partial=lambda w: {"notes": "changed"},
    ),
    **crud(
        "medication",
        prefix="medications",
        create=lambda w: {"name": "Magnesium"},
        update=lambda w: {"name": "Vitamin D3"},
        partial=lambda w: {"dose": "1000 IU"},
    ),
    **crud(
        "course",
        prefix="treatments",
        create=lambda w: {"start_date": w.day(5), "formulation": "capsule"},
        update=lambda w: {"start_date": w.day(40), "formulation": "capsule"},
        partial=lambda w: {"pharmacy": "Corner pharmacy"},
    ),
    **crud(
        "dose_change",
        prefix="treatments_dose_changes",
        create=lambda w: {"date": w.day(10), "reason": "planned_step", "dose_mg": 2},
        update=lambda w: {"date": w.day(20), "reason": "planned_step", "dose_mg": 1},
        partial=lambda w: {"note": "as planned"},
    ),
    **crud(
        "side_effect",
        prefix="treatments_side_effects",
        create=lambda w: {"date": w.day(3), "kind": "headache", "severity": 2},
        has_update=False,
    ),
    **crud(
        "missed_dose",
        prefix="treatments_missed_doses",
        create=lambda w: {"date": w.day(3)},
        has_update=False,
    ),
    **crud(
        "share_link",
        prefix="share_links",
        create=lambda w: {"start_date": w.day(60), "end_date": w.day(0)},
        has_update=False,
    ),
    **crud("export", prefix="exports", has_update=False),
    # Made in the background: 202 with the queued job.
    "exports_create": Row(
        202, lambda w: {"format": "csv_tidy", "start": w.day(29), "end": w.day(0)}
    ),
    "exports_download_retrieve": Row(uuid="export"),
    "entries_list": Row(),
    "entries_create": Row(201, lambda w: {"date": w.day(3), "notes": "new day"}),
    "entries_retrieve": Row(),
    # A day is not alice's object: bob's PUT makes his own entry for it.
    "entries_update": Row(200, lambda w: {"notes": "whole day"}, other_status=201),
    "entries_partial_update": Row(200, lambda w: {"notes": "a change"}),
    "entries_destroy": Row(204),
    # Your data: everyone gets their own export; an import needs an empty account
    # (alice has data: 409; bob has none: his import of an empty file works);
    # deleting needs the caller's own password and deletes only the caller.
    "account_export_retrieve": Row(),
    "account_import_create": Row(409, lambda w: empty_export(w), other_status=201),
    "account_delete_create": Row(204, lambda w: {"password": PASSWORD}),
}


def empty_export(world: World) -> dict:
    """A valid export file with no diary data in it."""
    from diary.portability.exporting import account_export_data

    data = account_export_data(user=world.alice)
    for key in ("entries", "crashes", "courses", "medications", "share_links"):
        data[key] = []
    data["symptoms"] = {"own": [], "tracked": []}
    data["reminders"]["sent_on"] = []
    return data


def path_values(world: World, path: str, row: Row) -> dict[str, str]:
    values = {
        "date": str(world.entry.date),
        "course_uuid": str(world.course.uuid),
        "device_uuid": str(world.other_device.uuid),
        "key": world.study_key,
    }
    if "{uuid}" in path:
        values["uuid"] = str(getattr(world, row.uuid).uuid)
    return values


def url_for(world: World, path: str, row: Row) -> str:
    return path.format(**path_values(world, path, row))


def names_alices_object(path: str) -> bool:
    return any(
        name in path for name in ("{uuid}", "{date}", "{course_uuid}", "{device_uuid}")
    )


def call(client, method: str, url: str, body):
    return getattr(client, method.lower())(url, body, format="json")


IDS = [f"{method} {path}" for method, path, _op in SCHEMA_OPERATIONS]


# ------------------------------------------------------------------ the tests


def test_every_operation_in_the_schema_has_a_row():
    in_schema = {op for _method, _path, op in SCHEMA_OPERATIONS}
    assert in_schema - set(OPERATIONS) == set(), "add these to OPERATIONS"
    assert set(OPERATIONS) - in_schema == set(), "these left the schema"


def test_the_schema_lists_every_api_route():
    """A route left out of the schema would be left out of this matrix too."""
    documented = {path for _m, path, _op in SCHEMA_OPERATIONS}
    assert "/api/v1/sync/" in documented
    assert len(documented) >= 30
    assert {
        reverse("api:schema"),
        reverse("api:docs"),
    }.isdisjoint(documented)


@pytest.mark.parametrize(("method", "path", "operation"), SCHEMA_OPERATIONS, ids=IDS)
def test_owner_succeeds(world, alice_api, method, path, operation):
    row = OPERATIONS[operation]
    world.prepare(operation)
    body = row.body(world) if row.body else None
    response = call(alice_api, method, url_for(world, path, row), body)
    assert response.status_code == row.status, response.content


@pytest.mark.parametrize(("method", "path", "operation"), SCHEMA_OPERATIONS, ids=IDS)
def test_other_user_gets_404_or_none_of_the_owners_rows(
    world, bob_api, method, path, operation
):
    row = OPERATIONS[operation]
    world.prepare(operation)
    body = row.body(world) if row.body else None
    before = world.snapshot()
    private = world.private_marks()
    response = call(bob_api, method, url_for(world, path, row), body)
    if row.public:
        # Public operations answer anybody alike (signing in with alice's
        # password is signing in as alice: not bob's token at work).
        assert response.status_code == row.status, response.content
        return
    if row.other_status is not None:
        assert response.status_code == row.other_status, response.content
    elif names_alices_object(path):
        assert response.status_code == 404, response.content
        assert set(response.json()) == {"code", "message", "errors"}
    else:
        assert response.status_code == row.status, response.content
    text = response.content.decode()
    leaked = [mark for mark in private if mark in text]
    assert leaked == []
    assert world.snapshot() == before


@pytest.mark.parametrize(("method", "path", "operation"), SCHEMA_OPERATIONS, ids=IDS)
def test_anonymous_gets_401_except_on_public_operations(
    world, anon_api, method, path, operation
):
    row = OPERATIONS[operation]
    world.prepare(operation)
    body = row.body(world) if row.body else None
    before = world.snapshot()
    response = call(anon_api, method, url_for(world, path, row), body)
    if row.public:
        assert response.status_code == row.status, response.content
        return
    assert response.status_code == 401, response.content
    assert set(response.json()) == {"code", "message", "errors"}
    assert world.snapshot() == before


def test_a_bad_token_is_401_even_on_public_operations(world):
    """Public operations that take a token still check one that is sent."""
    client = bearer_client(world.alice)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get(reverse("api:study-list")).status_code == 401
    assert client.get(reverse("api:sync")).status_code == 401


def test_schema_and_docs_are_public(anon_api):
    schema = anon_api.get(reverse("api:schema"))
    assert schema.status_code == 200
    docs = anon_api.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"//cdn" not in docs.content and b"https://" not in docs.content
