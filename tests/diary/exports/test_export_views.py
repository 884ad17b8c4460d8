"""The export page, the job status, the download and the delete: the owner, another
patient (404) and a visitor (log in), bad input, and files served privately."""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from diary.exports import builders, services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob
from tests.factories import TreatmentCourseFactory

pytestmark = pytest.mark.django_db

LIST = reverse("diary:export-list")
CREATE = reverse("diary:export-create")


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
    yield from celery_conf(task_always_eager=True, task_eager_propagates=True)


@pytest.fixture
def broker_down():
    yield from celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")


@pytest.fixture
def fake_builder(monkeypatch):
    calls = []

    def fake(job, *, on_progress=None):
        calls.append(job.pk)
        return b"%PDF-1.7 fake export", "pdf"

    monkeypatch.setattr(builders, "build_export_file", fake)
    return calls


def make_job(user, **overrides):
    today = user.local_today()
    values = {
        "user": user,
        "format": ExportJob.Format.PDF,
        "start_date": today - datetime.timedelta(days=29),
        "end_date": today,
        "sections": list(DEFAULT_SECTIONS),
        "expires_at": timezone.now() + datetime.timedelta(days=7),
    }
    values.update(overrides)
    return ExportJob.objects.create(**values)


@pytest.fixture
def queued_job(alice):
    return make_job(alice)


@pytest.fixture
def done_job(alice, fake_builder):
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def form_data(**overrides):
    data = {
        "format": "pdf",
        "preset": "30",
        "start": "",
        "end": "",
        "sections": list(DEFAULT_SECTIONS),
        "display_name": "Alice",
    }
    data.update(overrides)
    return data


def url(name, job):
    return reverse(f"diary:{name}", args=[job.uuid])


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def snapshot(job):
    job.refresh_from_db()
    return (job.status, job.file_name, job.progress, job.expires_at)


# ------------------------------------------------------------------ anonymous


def test_a_visitor_is_sent_to_log_in_everywhere(anon_client, done_job, private_root):
    assert_login_redirect(anon_client.get(LIST))
    assert_login_redirect(anon_client.post(CREATE, form_data()))
    assert_login_redirect(anon_client.get(url("export-status", done_job)))
    assert_login_redirect(anon_client.get(url("export-download", done_job)))
    assert_login_redirect(anon_client.post(url("export-delete", done_job)))
    assert ExportJob.objects.count() == 1
    assert (private_root / done_job.file_name).exists()


# ---------------------------------------------------------------- other user


def test_another_patient_does_not_see_the_job_in_their_list(bob_client, done_job):
    response = bob_client.get(LIST)
    assert response.status_code == 200
    assert str(done_job.uuid) not in response.content.decode()


def test_another_patient_gets_404_for_the_status(bob_client, done_job):
    assert bob_client.get(url("export-status", done_job)).status_code == 404


def test_another_patient_gets_404_for_the_download(bob_client, done_job):
    response = bob_client.get(url("export-download", done_job))
    assert response.status_code == 404
    assert b"fake export" not in response.content


def test_another_patients_delete_is_a_404_and_changes_nothing(
    bob_client, done_job, private_root
):
    before = snapshot(done_job)
    assert bob_client.post(url("export-delete", done_job)).status_code == 404
    assert snapshot(done_job) == before
    assert (private_root / done_job.file_name).exists()


def test_an_unknown_job_is_a_404(alice_client):
    import uuid

    missing = uuid.uuid4()
    for name in ("export-status", "export-download"):
        response = alice_client.get(reverse(f"diary:{name}", args=[missing]))
        assert response.status_code == 404
    response = alice_client.post(reverse("diary:export-delete", args=[missing]))
    assert response.status_code == 404


# ------------------------------------------------------------------ the page


def test_the_page_offers_formats_presets_and_sections_with_notes_off(alice_client):
    response = alice_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-medical-advice-prominent"' in html
    for value in ("pdf", "csv_tidy", "csv_wide", "fhir"):
        assert f'name="format" value="{value}"' in html
    for value in ("14", "30", "90", "ldn", "custom"):
        assert f'name="preset" value="{value}"' in html
    for section in DEFAULT_SECTIONS:
        assert re.search(rf'value="{section}"[^>]*checked', html), section
    notes = re.search(r'<input[^>]*value="notes"[^>]*>', html).group(0)
    assert "checked" not in notes
    assert "Notes are private" in html
    assert "No exports yet" in html


def test_the_page_has_no_inline_script(alice_client, queued_job):
    html = alice_client.get(LIST).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts, "the page loads exports.js"
    for tag in scripts:
        assert "src=" in tag
    assert "/static/js/exports.js" in html
    assert " onclick=" not in html


def test_the_page_prefills_the_name_from_the_account(alice, alice_client):
    alice.display_name = "Alice Example"
    alice.save()
    html = alice_client.get(LIST).content.decode()
    assert 'value="Alice Example"' in html


def test_the_list_shows_each_state(alice, alice_client, done_job):
    make_job(alice)  # queued
    make_job(
        alice,
        status=ExportJob.Status.RUNNING,
        progress=50,
        attempts=1,
        started_at=timezone.now(),
    )
    make_job(alice, status=ExportJob.Status.FAILED, error="It broke, sorry.")
    html = alice_client.get(LIST).content.decode()
    assert "Queued" in html
    assert "Being made" in html
    assert 'value="50"' in html
    assert "Ready" in html
    assert url("export-download", done_job) in html
    assert "It broke, sorry." in html
    assert 'data-testid="exports-refresh"' in html
    assert html.count("data-export-status-url=") == 2  # only the active ones


def test_the_list_page_is_never_cached(alice_client):
    response = alice_client.get(LIST)
    assert (
        "no-cache" in response["Cache-Control"]
        or "max-age=0" in (response["Cache-Control"])
    )


# ------------------------------------------------------------------- create


def test_asking_for_an_export_queues_it_and_says_so(alice, alice_client):
    response = alice_client.post(CREATE, form_data(), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportJob.Status.QUEUED
    today = alice.local_today()
    assert job.start_date == today - datetime.timedelta(days=29)
    assert job.end_date == today
    assert job.display_name == "Alice"
    assert "notes" not in job.sections
    html = response.content.decode()
    assert "Your export is queued" in html
    assert "Queued" in html


def test_the_export_is_made_in_process_without_redis(
    alice, alice_client, eager, fake_builder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(CREATE, form_data())
    assert response.status_code == 302
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportJob.Status.DONE
    response = alice_client.get(url("export-download", job))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 fake export"


@pytest.mark.django_db(transaction=True)
def test_an_export_made_in_process_is_announced_as_ready_not_queued(
    alice, alice_client, eager, fake_builder
):
    # A real commit (no test transaction around the request), as under make run.
    response = alice_client.post(CREATE, form_data())
    html = alice_client.get(response["Location"]).content.decode()
    assert ExportJob.objects.get(user=alice).status == ExportJob.Status.DONE
    assert "Your export is ready" in html
    assert "is queued" not in html


def test_with_redis_down_the_request_answers_at_once_and_says_queued(
    alice, alice_client, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(CREATE, form_data())
    assert time.monotonic() - started < 2
    assert response.status_code == 302
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportJob.Status.QUEUED
    assert job.enqueued_at is None
    assert "Queued" in alice_client.get(LIST).content.decode()


@pytest.mark.parametrize(("preset", "days"), [("14", 14), ("30", 30), ("90", 90)])
def test_presets_cover_the_last_days(alice, alice_client, preset, days):
    alice_client.post(CREATE, form_data(preset=preset))
    job = ExportJob.objects.get(user=alice)
    assert job.end_date == alice.local_today()
    assert (job.end_date - job.start_date).days + 1 == days


def test_since_ldn_start_begins_on_the_first_course(alice, alice_client):
    start = alice.local_today() - datetime.timedelta(days=100)
    TreatmentCourseFactory(user=alice, start_date=start)
    alice_client.post(CREATE, form_data(preset="ldn"))
    assert ExportJob.objects.get(user=alice).start_date == start


def test_since_ldn_start_is_shortened_to_two_years(alice, alice_client):
    today = alice.local_today()
    TreatmentCourseFactory(user=alice, start_date=today - datetime.timedelta(days=1500))
    alice_client.post(CREATE, form_data(preset="ldn"))
    job = ExportJob.objects.get(user=alice)
    assert (job.end_date - job.start_date).days + 1 == services.MAX_RANGE_DAYS


def test_since_ldn_start_without_a_course_is_explained(alice, alice_client):
    response = alice_client.post(CREATE, form_data(preset="ldn"))
    assert response.status_code == 200
    assert "not recorded an LDN start date" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_own_dates_are_used_when_filled_in(alice, alice_client):
    today = alice.local_today()
    start = today - datetime.timedelta(days=200)
    end = today - datetime.timedelta(days=100)
    alice_client.post(
        CREATE, form_data(preset="30", start=start.isoformat(), end=end.isoformat())
    )
    job = ExportJob.objects.get(user=alice)
    assert (job.start_date, job.end_date) == (start, end)


def test_a_range_over_two_years_rerenders_with_the_typed_dates(
    alice, alice_client, queued_job
):
    today = alice.local_today()
    start = (today - datetime.timedelta(days=800)).isoformat()
    response = alice_client.post(
        CREATE, form_data(preset="custom", start=start, end=today.isoformat())
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 2 years" in html
    assert f'value="{start}"' in html
    assert 'href="#id_start">From</a>' in html  # the message names the field
    assert ExportJob.objects.count() == 1  # only the job that was there


def test_a_future_range_is_rejected(alice, alice_client):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        CREATE, form_data(preset="custom", start=tomorrow, end=tomorrow)
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_own_dates_need_both_ends(alice, alice_client):
    response = alice_client.post(CREATE, form_data(preset="custom"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the first day of the range." in html
    assert "Choose the last day of the range." in html
    assert ExportJob.objects.count() == 0


def test_a_malformed_date_is_rejected(alice, alice_client):
    response = alice_client.post(CREATE, form_data(start="31/01/2026", end="x"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "YYYY-MM-DD" in html
    assert 'value="31/01/2026"' in html
    assert ExportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([], "Choose at least one section."),
        (["summary", "passwords"], "Choose sections from the list."),
    ],
)
def test_sections_are_validated(alice_client, sections, message):
    response = alice_client.post(CREATE, form_data(sections=sections))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_a_chosen_notes_section_is_kept(alice, alice_client):
    alice_client.post(CREATE, form_data(sections=["summary", "notes"]))
    assert ExportJob.objects.get(user=alice).sections == ["summary", "notes"]


@pytest.mark.parametrize(
    ("field", "value"), [("format", "exe"), ("preset", "10000"), ("format", "")]
)
def test_bad_choices_are_rejected(alice_client, field, value):
    response = alice_client.post(CREATE, form_data(**{field: value}))
    assert response.status_code == 200
    assert "Choose" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_a_name_too_long_is_rejected_and_kept(alice_client):
    name = "N" * 81
    response = alice_client.post(CREATE, form_data(display_name=name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 80 characters" in html
    assert f'value="{name}"' in html
    assert ExportJob.objects.count() == 0


def test_too_many_waiting_exports_are_refused_on_the_page(alice, alice_client):
    for _ in range(services.MAX_ACTIVE_JOBS):
        make_job(alice)
    response = alice_client.post(CREATE, form_data())
    assert response.status_code == 200
    assert "Please wait" in response.content.decode()
    assert ExportJob.objects.count() == services.MAX_ACTIVE_JOBS


def test_html_in_the_name_is_shown_escaped(alice, alice_client):
    alice_client.post(CREATE, form_data(display_name="<script>alert(1)</script>"))
    html = alice_client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_create_only_accepts_post(alice_client):
    assert alice_client.get(CREATE).status_code == 405
    assert ExportJob.objects.count() == 0


# ------------------------------------------------------------------- status


def test_the_status_says_where_the_job_is(alice_client, queued_job, done_job):
    data = alice_client.get(url("export-status", queued_job)).json()
    assert data == {
        "uuid": str(queued_job.uuid),
        "status": "queued",
        "status_label": "Queued",
        "progress": 0,
        "error": "",
        "download_url": None,
    }
    data = alice_client.get(url("export-status", done_job)).json()
    assert data["status"] == "done"
    assert data["progress"] == 100
    assert data["download_url"] == url("export-download", done_job)


def test_the_status_of_a_failed_job_gives_the_reason(alice, alice_client):
    job = make_job(alice, status=ExportJob.Status.FAILED, error="Out of paper.")
    data = alice_client.get(url("export-status", job)).json()
    assert (data["status"], data["error"]) == ("failed", "Out of paper.")


# ----------------------------------------------------------------- download


def test_the_owner_downloads_the_file_privately(alice_client, done_job):
    response = alice_client.get(url("export-download", done_job))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 fake export"
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert done_job.start_date.isoformat() in disposition
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unfinished_job_has_no_download(alice, alice_client, queued_job):
    running = make_job(
        alice, status=ExportJob.Status.RUNNING, attempts=1, started_at=timezone.now()
    )
    failed = make_job(alice, status=ExportJob.Status.FAILED)
    for job in (queued_job, running, failed):
        assert alice_client.get(url("export-download", job)).status_code == 404


def test_a_missing_file_is_a_404(alice_client, done_job, private_root):
    (private_root / done_job.file_name).unlink()
    assert alice_client.get(url("export-download", done_job)).status_code == 404


def test_an_expired_export_is_no_longer_served(alice_client, done_job):
    ExportJob.objects.filter(pk=done_job.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert alice_client.get(url("export-download", done_job)).status_code == 404


def test_files_are_not_under_a_public_url(settings, done_job, private_root):
    root = private_root.resolve()
    assert not root.is_relative_to(settings.STATIC_ROOT.resolve())
    for folder in settings.STATICFILES_DIRS:
        assert not root.is_relative_to(folder.resolve())


# ------------------------------------------------------------------- delete


def test_the_owner_deletes_an_export_and_its_file(alice_client, done_job, private_root):
    response = alice_client.post(url("export-delete", done_job), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Export deleted." in response.content.decode()
    assert not ExportJob.objects.filter(pk=done_job.pk).exists()
    assert not (private_root / done_job.file_name).exists()


def test_delete_is_post_only(alice_client, done_job):
    assert alice_client.get(url("export-delete", done_job)).status_code == 405
    assert ExportJob.objects.filter(pk=done_job.pk).exists()
