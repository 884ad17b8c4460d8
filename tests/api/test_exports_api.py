"""/api/v1/exports/: a mobile app asks for an export, polls the job and downloads
the file. The owner succeeds, bob gets 404 (and sees none of alice's jobs), a
visitor gets 401; the rules are those of the web page (the same service).

Celery runs tasks in-process here (``eager``), so a job requested through the
API is built as soon as the request's transaction commits."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from config.celery import app
from diary import services as diary_services
from diary.exports import services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob
from diary.models import TrackedSymptom

pytestmark = pytest.mark.django_db

LIST = reverse("api:export-list")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


def celery_conf(**values):
    old = {key: app.conf[key] for key in values}
    app.conf.update(values)
    yield
    app.conf.update(old)


@pytest.fixture
def eager():
    """Tasks in-process, as with no REDIS_URL (also under make test-services)."""
    yield from celery_conf(task_always_eager=True, task_eager_propagates=True)


@pytest.fixture
def broker_down():
    yield from celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")


def detail(job) -> str:
    return reverse("api:export-detail", args=[job.uuid])


def download(job) -> str:
    return reverse("api:export-download", args=[job.uuid])


def day(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def make_job(user, **overrides) -> ExportJob:
    values = {
        "user": user,
        "format": ExportJob.Format.CSV_TIDY,
        "start_date": day(user, 29),
        "end_date": user.local_today(),
        "sections": list(DEFAULT_SECTIONS),
        "expires_at": timezone.now() + datetime.timedelta(days=7),
    }
    values.update(overrides)
    return ExportJob.objects.create(**values)


@pytest.fixture
def done_job(alice):
    """A finished CSV export of alice's, built by the real builder."""
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return job


def state(job) -> dict:
    return ExportJob.objects.filter(pk=job.pk).values().get()


def body(user, **overrides) -> dict:
    data = {
        "format": "csv_tidy",
        "start": str(day(user, 29)),
        "end": str(user.local_today()),
    }
    data.update(overrides)
    return data


def log_days(user, scores_by_day: dict[int, int]):
    """Score alice's first tracked symptom on some days; returns the symptom."""
    symptom = TrackedSymptom.objects.for_user(user).active().in_order()[0].symptom
    for days_ago, score in scores_by_day.items():
        diary_services.entry_upsert(
            user=user, date=day(user, days_ago), scores={symptom.pk: score}, fields={}
        )
    return symptom


def request_and_run(client, django_capture_on_commit_callbacks, data):
    """POST the export; the commit sends it to the (in-process) worker."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, data, format="json")
    return response


# ---------------------------------------------------------------------- owner


def test_owner_asks_for_an_export_and_gets_202_with_the_queued_job(
    alice, alice_api, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(LIST, body(alice), format="json")
    assert response.status_code == 202
    data = response.json()
    job = ExportJob.objects.get()
    assert job.user == alice
    assert data["uuid"] == str(job.uuid)
    assert data["status"] == "queued"
    assert data["progress"] == 0
    assert data["error"] == ""
    assert data["format"] == "csv_tidy"
    assert data["start"] == str(day(alice, 29))
    assert data["end"] == str(alice.local_today())
    assert data["download_url"] is None
    assert data["finished_at"] is None
    assert "not medical advice" in data["disclaimer"]
    assert response["Location"] == f"http://testserver{detail(job)}"
    # Redis is down: the job is recorded and waits for the sweep.
    assert job.status == ExportJob.Status.QUEUED
    assert job.enqueued_at is None


@pytest.mark.parametrize("export_format", ["csv_tidy", "csv_wide", "fhir"])
def test_owner_requests_polls_and_downloads_an_export(
    alice, alice_api, eager, django_capture_on_commit_callbacks, export_format
):
    symptom = log_days(alice, {1: 7, 2: 4})
    response = request_and_run(
        alice_api, django_capture_on_commit_callbacks, body(alice, format=export_format)
    )
    assert response.status_code == 202
    job = ExportJob.objects.get()

    poll = alice_api.get(detail(job))
    assert poll.status_code == 200
    data = poll.json()
    assert data["status"] == "done", data
    assert data["progress"] == 100
    assert data["finished_at"] is not None
    assert data["download_url"] == f"http://testserver{download(job)}"

    file = alice_api.get(data["download_url"])
    assert file.status_code == 200
    assert file["Content-Disposition"].startswith("attachment;")
    assert "no-store" in file["Cache-Control"]
    assert file["X-Content-Type-Options"] == "nosniff"
    content = b"".join(file.streaming_content)
    if export_format == "fhir":
        assert file["Content-Type"].startswith("application/fhir+json")
        assert ".json" in file["Content-Disposition"]
        bundle = json.loads(content)
        assert bundle["resourceType"] == "Bundle"
        values = sorted(
            e["resource"]["valueInteger"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"
        )
        assert values == [4, 7]
    else:
        assert file["Content-Type"] == "text/csv; charset=utf-8"
        assert ".csv" in file["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
        if export_format == "csv_tidy":
            assert sorted((r["date"], r["symptom"], r["score"]) for r in rows) == [
                (str(day(alice, 2)), symptom.name, "4"),
                (str(day(alice, 1)), symptom.name, "7"),
            ]
        else:
            assert [(r["date"], r[symptom.name]) for r in rows] == [
                (str(day(alice, 2)), "4"),
                (str(day(alice, 1)), "7"),
            ]


@pytest.mark.services
def test_owner_requests_and_downloads_a_pdf(
    alice, alice_api, eager, django_capture_on_commit_callbacks
):
    """WeasyPrint needs its system libraries (make test-services installs them)."""
    log_days(alice, {1: 7})
    response = request_and_run(
        alice_api, django_capture_on_commit_callbacks, body(alice, format="pdf")
    )
    assert response.status_code == 202
    job = ExportJob.objects.get()
    data = alice_api.get(detail(job)).json()
    assert data["status"] == "done", data
    file = alice_api.get(data["download_url"])
    assert file.status_code == 200
    assert file["Content-Type"] == "application/pdf"
    assert file["Content-Disposition"].startswith("attachment;")
    assert b"".join(file.streaming_content).startswith(b"%PDF-")


def test_owner_lists_their_exports_newest_first(alice, alice_api, done_job):
    second = make_job(alice, format=ExportJob.Format.FHIR)
    response = alice_api.get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["uuid"], r["status"]) for r in results] == [
        (str(second.uuid), "queued"),
        (str(done_job.uuid), "done"),
    ]
    assert results[0]["download_url"] is None
    assert results[1]["download_url"].endswith(download(done_job))


def test_poll_of_a_running_job_shows_its_progress(alice, alice_api):
    job = make_job(alice, status=ExportJob.Status.RUNNING, progress=50)
    data = alice_api.get(detail(job)).json()
    assert (data["status"], data["progress"], data["download_url"]) == (
        "running",
        50,
        None,
    )


def test_a_failed_job_says_why(alice, alice_api):
    job = make_job(
        alice, status=ExportJob.Status.FAILED, error="The export could not be made."
    )
    data = alice_api.get(detail(job)).json()
    assert data["status"] == "failed"
    assert data["error"] == "The export could not be made."
    response = alice_api.get(download(job))
    assert response.status_code == 409
    assert response.json() == {
        "code": "failed",
        "message": "The export could not be made.",
        "errors": {},
    }


@pytest.mark.parametrize("job_status", ["queued", "running"])
def test_download_of_an_unfinished_job_is_409_not_ready(alice, alice_api, job_status):
    job = make_job(alice, status=job_status)
    response = alice_api.get(download(job))
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "not_ready"
    assert set(data) == {"code", "message", "errors"}


def test_download_of_an_expired_job_is_404(alice, alice_api, done_job):
    ExportJob.objects.filter(pk=done_job.pk).update(expires_at=timezone.now())
    assert alice_api.get(detail(done_job)).json()["download_url"] is None
    response = alice_api.get(download(done_job))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_download_of_a_job_whose_file_is_gone_is_404(
    alice, alice_api, done_job, private_root
):
    (private_root / done_job.file_name).unlink()
    response = alice_api.get(download(done_job))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_download_ignores_the_accept_header(alice_api, done_job):
    response = alice_api.get(download(done_job), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_owner_deletes_an_export_and_its_file(alice, alice_api, done_job, private_root):
    path = private_root / done_job.file_name
    assert path.exists()
    response = alice_api.delete(detail(done_job))
    assert response.status_code == 204
    assert not ExportJob.objects.exists()
    assert not path.exists()
    assert alice_api.get(detail(done_job)).status_code == 404


def test_notes_are_exported_only_when_asked_for(alice, alice_api, broker_down):
    default = alice_api.post(LIST, body(alice), format="json").json()
    assert default["sections"] == list(DEFAULT_SECTIONS)
    assert "notes" not in default["sections"]
    asked = alice_api.post(
        LIST, body(alice, sections=["notes", "summary"]), format="json"
    ).json()
    assert asked["sections"] == ["summary", "notes"]


def test_the_name_on_the_report_defaults_to_the_profile_name(
    alice, alice_api, broker_down
):
    alice.display_name = "Alice A."
    alice.save(update_fields=["display_name"])
    left_out = alice_api.post(LIST, body(alice), format="json").json()
    assert left_out["display_name"] == "Alice A."
    empty = alice_api.post(LIST, body(alice, display_name=""), format="json").json()
    assert empty["display_name"] == ""
    chosen = alice_api.post(
        LIST, body(alice, display_name="  A. P.  "), format="json"
    ).json()
    assert chosen["display_name"] == "A. P."


def test_malformed_uuid_is_404(alice_api):
    for url in ("/api/v1/exports/not-a-uuid/", "/api/v1/exports/not-a-uuid/download/"):
        response = alice_api.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# ------------------------------------------------------------ bob, anonymous


def test_other_user_gets_404_for_alices_export_and_changes_nothing(
    alice, bob_api, done_job, private_root
):
    before = state(done_job)
    for response in (
        bob_api.get(detail(done_job)),
        bob_api.get(download(done_job)),
        bob_api.delete(detail(done_job)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert state(done_job) == before
    assert (private_root / done_job.file_name).exists()


def test_other_user_gets_404_not_409_for_alices_unfinished_export(alice, bob_api):
    job = make_job(alice)
    response = bob_api.get(download(job))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_other_user_sees_none_of_alices_exports(alice, bob, bob_api, done_job):
    mine = make_job(bob)
    response = bob_api.get(LIST)
    assert response.status_code == 200
    assert [r["uuid"] for r in response.json()["results"]] == [str(mine.uuid)]
    assert str(done_job.uuid) not in response.content.decode()


def test_other_users_export_is_made_from_their_own_diary(
    alice, bob, bob_api, eager, django_capture_on_commit_callbacks
):
    log_days(alice, {1: 9})
    response = request_and_run(
        bob_api, django_capture_on_commit_callbacks, body(bob, format="csv_tidy")
    )
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.user == bob
    file = bob_api.get(bob_api.get(detail(job)).json()["download_url"])
    rows = list(csv.DictReader(io.StringIO(b"".join(file.streaming_content).decode())))
    assert rows == []


def test_anonymous_gets_401_everywhere(alice, anon_api, done_job, private_root):
    before = state(done_job)
    for response in (
        anon_api.get(LIST),
        anon_api.post(LIST, body(alice), format="json"),
        anon_api.get(detail(done_job)),
        anon_api.get(download(done_job)),
        anon_api.delete(detail(done_job)),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "errors"}
    assert ExportJob.objects.count() == 1
    assert state(done_job) == before
    assert (private_root / done_job.file_name).exists()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "3 years ago"}, "start"),
        ({"start": "731 days ago"}, "start"),
        ({"start": "tomorrow", "end": "tomorrow"}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"start": "today", "end": "yesterday"}, "end"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": 20260101}, "end"),
        ({"format": "docx"}, "format"),
        ({"format": ""}, "format"),
        ({"format": None}, "format"),
        ({"sections": ["summary", "secrets"]}, "sections.1"),
        ({"sections": ["<script>"]}, "sections.0"),
        ({"sections": []}, "sections"),
        ({"sections": "summary"}, "sections"),
        ({"sections": {"summary": True}}, "sections"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"display_name": 42}, "display_name"),
    ],
)
def test_bad_input_is_400_naming_the_field(alice, alice_api, overrides, field):
    today = alice.local_today()
    named = {
        "today": str(today),
        "tomorrow": str(today + datetime.timedelta(days=1)),
        "yesterday": str(today - datetime.timedelta(days=1)),
        "731 days ago": str(today - datetime.timedelta(days=731)),
        "3 years ago": str(today - datetime.timedelta(days=3 * 365)),
    }
    overrides = {
        k: named.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()
    }
    existing = make_job(alice)
    before = state(existing)
    response = alice_api.post(LIST, body(alice, **overrides), format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"], data
    assert field in data["message"]
    assert ExportJob.objects.count() == 1
    assert state(existing) == before


def test_missing_fields_are_400_naming_each(alice_api):
    response = alice_api.post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"format", "start", "end"} <= set(response.json()["errors"])
    assert not ExportJob.objects.exists()


def test_a_two_year_range_is_the_limit(alice, alice_api, broker_down):
    start = alice.local_today() - datetime.timedelta(days=services.MAX_RANGE_DAYS - 1)
    response = alice_api.post(LIST, body(alice, start=str(start)), format="json")
    assert response.status_code == 202


def test_too_many_waiting_exports_is_400(alice, alice_api):
    for _ in range(services.MAX_ACTIVE_JOBS):
        make_job(alice)
    response = alice_api.post(LIST, body(alice), format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert ExportJob.objects.count() == services.MAX_ACTIVE_JOBS


def test_a_rule_reads_the_same_through_the_web_and_the_api(
    alice, alice_api, alice_client
):
    """Both call ``export_request``: the two-year limit, word for word."""
    today = alice.local_today()
    start = today - datetime.timedelta(days=800)
    api = alice_api.post(LIST, body(alice, start=str(start)), format="json")
    message = api.json()["errors"]["start"][0]
    assert "2 years" in message
    web = alice_client.post(
        reverse("diary:export-create"),
        {
            "format": "csv_tidy",
            "preset": "custom",
            "start": str(start),
            "end": str(today),
            "sections": list(DEFAULT_SECTIONS),
        },
    )
    assert web.status_code == 200
    assert message in web.content.decode()
    assert not ExportJob.objects.exists()


# ---------------------------------------------------------------- performance


def test_list_queries_do_not_grow_with_exports(alice, alice_api):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_api.get(LIST).status_code == 200
        return len(queries.captured_queries)

    make_job(alice)
    one = count()
    for _ in range(19):
        make_job(alice, status=ExportJob.Status.DONE)
    assert len(alice_api.get(LIST).json()["results"]) == 20
    assert count() == one


# --------------------------------------------------------------------- schema


def test_schema_documents_the_download_as_a_file():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/exports/{uuid}/download/"]["get"]
    ok = operation["responses"]["200"]["content"]
    assert set(ok) == {"application/pdf", "text/csv", "application/fhir+json"}
    assert all(media["schema"]["format"] == "binary" for media in ok.values())
    assert set(operation["responses"]["409"]["content"]) == {"application/json"}
    create = schema["paths"]["/api/v1/exports/"]["post"]
    assert set(create["responses"]) == {"202", "400"}
