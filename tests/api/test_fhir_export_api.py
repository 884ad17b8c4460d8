"""The FHIR export through the API, end to end: the owner asks for it, the
in-process worker builds it, the download is an R4 bundle with function, missed
doses, side effects and crashes, and nothing of another patient's; another
patient and an anonymous client get 404 and 401."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from fhir.resources.bundle import Bundle

from config.celery import app
from diary import services as diary_services
from diary.exports.models import ExportJob
from diary.models import TrackedSymptom
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    MissedDoseFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("api:export-list")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"


@pytest.fixture
def eager():
    old = {key: app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(old)


def ago(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def fill(user, *, medication: str) -> None:
    symptom = TrackedSymptom.objects.for_user(user).active().in_order()[0].symptom
    for n, score in [(3, 7), (2, 4)]:
        diary_services.entry_upsert(
            user=user,
            date=ago(user, n),
            scores={symptom.pk: score},
            fields={"function_score": 30, "hours_upright": Decimal("2.5")},
        )
    course = TreatmentCourseFactory(
        user=user, start_date=ago(user, 20), medication=medication
    )
    DoseChangeFactory(course=course, date=ago(user, 20), dose_mg=Decimal("1.5"))
    MissedDoseFactory(course=course, date=ago(user, 4))
    SideEffectFactory(course=course, date=ago(user, 5))
    CrashFactory(user=user, start_date=ago(user, 8), end_date=ago(user, 6))


def test_fhir_export_downloads_an_r4_bundle_of_the_owner_only(
    alice, bob, alice_api, bob_api, anon_api, eager, django_capture_on_commit_callbacks
):
    fill(alice, medication="Alice's LDN")
    fill(bob, medication="Bob's LDN")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(
            LIST,
            {
                "format": "fhir",
                "start": str(ago(alice, 29)),
                "end": str(alice.local_today()),
            },
            format="json",
        )
    assert response.status_code == 202, response.content
    job = ExportJob.objects.get(user=alice)
    url = alice_api.get(reverse("api:export-detail", args=[job.uuid])).json()[
        "download_url"
    ]

    file = alice_api.get(url)
    assert file.status_code == 200
    assert file["Content-Type"].startswith("application/fhir+json")
    content = b"".join(file.streaming_content)
    bundle = Bundle.parse_raw(content)  # the R4 models
    kinds = {entry.resource.resource_type for entry in bundle.entry}
    assert {"Observation", "MedicationStatement", "AdverseEvent"} <= kinds
    entries = [e["resource"] for e in json.loads(content)["entry"]]
    statuses = [
        e["status"] for e in entries if e["resourceType"] == "MedicationStatement"
    ]
    assert statuses == ["active", "not-taken"]
    not_taken = next(e for e in entries if e.get("status") == "not-taken")
    assert not_taken["effectiveDateTime"] == str(ago(alice, 4))
    assert "Alice's LDN" in content.decode()
    assert "Bob" not in content.decode()

    assert bob_api.get(url).status_code == 404
    assert anon_api.get(url).status_code == 401
