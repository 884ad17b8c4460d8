"""Export jobs without a broker: the request, the run, retries, the sweeps.

Celery runs tasks in-process here (``eager``); ``tests/services`` runs the same
jobs through Redis and a real worker. Where a test is about the job mechanics,
the file builder is replaced by ``fake_builder``; the end-to-end tests use the
real builders.
"""

import csv
import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from config.celery import app
from diary.exports import builders, services, tasks
from diary.exports.models import DEFAULT_SECTIONS, ExportJob, ExportSection
from diary.models import TrackedSymptom
from tests.factories import EntryFactory, SymptomScoreFactory, TrackedSymptomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.EXPORT_TEST_DELAY_SECONDS = 0
    return settings.PRIVATE_FILES_ROOT


def celery_conf(**values):
    """Set Celery options for one test; yields, then puts the old ones back."""
    old = {key: app.conf[key] for key in values}
    app.conf.update(values)
    yield
    app.conf.update(old)


@pytest.fixture
def eager():
    """Tasks run in-process, even when the suite runs with REDIS_URL set."""
    yield from celery_conf(task_always_eager=True, task_eager_propagates=True)


class FakeBuilder:
    def __init__(self):
        self.calls = []
        self.error = None  # raise this on every call
        self.errors = []  # or these, one per call

    def __call__(self, job, *, on_progress=None):
        self.calls.append(job.pk)
        if self.errors:
            raise self.errors.pop(0)
        if self.error is not None:
            raise self.error
        if on_progress is not None:
            on_progress(50)
        return b"%PDF-1.7 fake export", "pdf"


@pytest.fixture
def fake_builder(monkeypatch):
    fake = FakeBuilder()
    monkeypatch.setattr(builders, "build_export_file", fake)
    return fake


def exports_files(root):
    folder = root / "exports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


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


def request(user, **overrides):
    today = user.local_today()
    values = {
        "user": user,
        "format": "pdf",
        "start": today - datetime.timedelta(days=29),
        "end": today,
        "sections": list(DEFAULT_SECTIONS),
    }
    values.update(overrides)
    return services.export_request(**values)


def errors_of(excinfo):
    return excinfo.value.message_dict


# ------------------------------------------------------------------- request


def test_request_records_a_queued_job_that_expires_after_the_retention(alice):
    before = timezone.now()
    job = request(alice, display_name="  Alice A.  ")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED
    assert job.progress == 0
    assert job.display_name == "Alice A."
    assert job.attempts == 0
    assert job.file_name == ""
    days = datetime.timedelta(days=7)
    assert before + days <= job.expires_at <= timezone.now() + days


def test_request_sends_the_job_only_after_the_transaction_commits(
    alice, eager, fake_builder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = request(alice)
    assert len(callbacks) == 1
    assert fake_builder.calls == []
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.enqueued_at is not None


def test_sections_are_stored_in_report_order_without_duplicates(alice):
    job = request(alice, sections=["crashes", "summary", "crashes"])
    assert job.sections == ["summary", "crashes"]


def test_notes_are_left_out_unless_asked_for(alice):
    assert ExportSection.NOTES not in request(alice).sections
    assert ExportSection.NOTES in request(alice, sections=["summary", "notes"]).sections


def test_a_range_of_731_days_is_accepted(alice):
    today = alice.local_today()
    job = request(alice, start=today - datetime.timedelta(days=730), end=today)
    assert (job.end_date - job.start_date).days + 1 == 731


def test_a_range_over_two_years_is_rejected_naming_the_start(alice):
    today = alice.local_today()
    with pytest.raises(ValidationError) as excinfo:
        request(alice, start=today - datetime.timedelta(days=731), end=today)
    assert "2 years" in errors_of(excinfo)["start"][0]
    assert "732 days" in errors_of(excinfo)["start"][0]
    assert ExportJob.objects.count() == 0


def test_future_dates_are_rejected(alice):
    tomorrow = alice.local_today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        request(alice, start=tomorrow, end=tomorrow)
    assert "future" in errors_of(excinfo)["start"][0]
    assert "future" in errors_of(excinfo)["end"][0]
    assert ExportJob.objects.count() == 0


def test_the_future_is_the_patients_own_tomorrow(alice, bob):
    # At 02:00 UTC it is the 10th in London but still the 9th in New York: a
    # New York patient cannot export a day that has not begun for them.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 2, 0, tzinfo=datetime.UTC)):
        london_today = datetime.date(2026, 3, 10)
        assert alice.local_today() == london_today
        request(alice, start=london_today, end=london_today)
        with pytest.raises(ValidationError) as excinfo:
            request(bob, start=london_today, end=london_today)
    assert "end" in errors_of(excinfo)


def test_an_end_before_the_start_is_rejected(alice):
    today = alice.local_today()
    with pytest.raises(ValidationError) as excinfo:
        request(alice, start=today, end=today - datetime.timedelta(days=1))
    assert "before" in errors_of(excinfo)["end"][0]


@pytest.mark.parametrize("sections", [[], ["summary", "everything"], ["<script>"]])
def test_sections_must_come_from_the_list(alice, sections):
    with pytest.raises(ValidationError) as excinfo:
        request(alice, sections=sections)
    assert "sections" in errors_of(excinfo)
    assert ExportJob.objects.count() == 0


def test_an_unknown_format_is_rejected(alice):
    with pytest.raises(ValidationError) as excinfo:
        request(alice, format="xlsx")
    assert "format" in errors_of(excinfo)


def test_a_display_name_over_80_characters_is_rejected(alice):
    with pytest.raises(ValidationError) as excinfo:
        request(alice, display_name="x" * 81)
    assert "display_name" in errors_of(excinfo)


def test_too_many_waiting_exports_are_refused(alice, bob):
    for _ in range(services.MAX_ACTIVE_JOBS):
        request(alice)
    with pytest.raises(ValidationError) as excinfo:
        request(alice)
    assert "waiting" in errors_of(excinfo)["__all__"][0]
    request(bob)  # another patient's queue is their own


# ------------------------------------------------------------------------ run


def test_run_builds_the_file_atomically_under_a_random_name(
    alice, fake_builder, private_root
):
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.progress == 100
    assert job.attempts == 1
    assert job.started_at <= job.finished_at
    assert job.file_name.startswith("exports/")
    assert job.file_name.endswith(".pdf")
    assert str(job.uuid) not in job.file_name
    path = private_root / job.file_name
    assert path.read_bytes() == b"%PDF-1.7 fake export"
    assert job.file_size == path.stat().st_size
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert exports_files(private_root) == [path.name]


def test_running_twice_builds_once_and_writes_one_file(
    alice, fake_builder, private_root
):
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    first = ExportJob.objects.get(pk=job.pk)
    services.export_run(job_id=job.pk)
    second = ExportJob.objects.get(pk=job.pk)
    assert fake_builder.calls == [job.pk]
    assert second.file_name == first.file_name
    assert second.finished_at == first.finished_at
    assert second.attempts == 1
    assert len(exports_files(private_root)) == 1


def test_a_job_being_built_by_a_live_worker_is_left_alone(alice, fake_builder):
    job = make_job(
        alice, status=ExportJob.Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert fake_builder.calls == []
    assert job.status == ExportJob.Status.RUNNING
    assert job.attempts == 1


def test_a_job_whose_worker_died_long_ago_is_taken_over(alice, fake_builder):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    job = make_job(
        alice, status=ExportJob.Status.RUNNING, started_at=long_ago, attempts=1
    )
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.attempts == 2


def test_a_failed_job_is_not_built_again(alice, fake_builder):
    job = make_job(alice, status=ExportJob.Status.FAILED, error="Broke.")
    services.export_run(job_id=job.pk)
    assert fake_builder.calls == []
    assert ExportJob.objects.get(pk=job.pk).error == "Broke."


def test_a_deleted_job_is_skipped_quietly(alice, fake_builder):
    job = make_job(alice)
    job_id = job.pk
    job.delete()
    services.export_run(job_id=job_id)
    tasks.export_build.apply(args=[job_id]).get()
    assert fake_builder.calls == []


def test_a_temporary_error_with_retries_left_puts_the_job_back_and_raises(
    alice, fake_builder, private_root
):
    job = make_job(alice)
    fake_builder.error = OSError("disk full")
    with pytest.raises(OSError):
        services.export_run(job_id=job.pk, can_retry=True)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED
    assert job.attempts == 1
    assert exports_files(private_root) == []


def test_the_last_failure_gives_a_readable_reason_without_details(
    alice, fake_builder, caplog
):
    job = make_job(alice)
    fake_builder.error = OSError("score 9 on 2026-01-01 for Fatigue")
    services.export_run(job_id=job.pk, can_retry=False)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "temporary problem" in job.error
    assert "Fatigue" not in job.error
    assert "Traceback" not in job.error
    assert "OSError" in caplog.text
    assert "Fatigue" not in caplog.text  # the log says where, not what


def test_a_bug_fails_the_job_at_once_even_with_retries_left(alice, fake_builder):
    job = make_job(alice)
    fake_builder.error = ValueError("unexpected")
    services.export_run(job_id=job.pk, can_retry=True)  # does not raise
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "error on our side" in job.error
    assert len(fake_builder.calls) == 1


@pytest.mark.parametrize(
    ("retries", "can_retry"), [(0, True), (2, True), (3, False), (7, False)]
)
def test_the_task_allows_retries_until_the_last_one(monkeypatch, retries, can_retry):
    seen = []
    monkeypatch.setattr(services, "export_run", lambda **kwargs: seen.append(kwargs))
    task = tasks.export_build
    task.push_request(retries=retries, is_eager=False)
    try:
        task.run(7)
    finally:
        task.pop_request()
    assert seen == [{"job_id": 7, "can_retry": can_retry}]


def test_run_in_process_a_temporary_error_fails_the_job_at_once(
    alice, eager, fake_builder
):
    job = make_job(alice)
    fake_builder.error = OperationalError("database went away")
    tasks.export_build.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.attempts == 1
    assert "temporary problem" in job.error


def test_a_worker_killed_before_the_rename_leaves_no_file(
    alice, fake_builder, private_root, monkeypatch
):
    job = make_job(alice)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands in for the process dying here

    monkeypatch.setattr(services.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        services.export_run(job_id=job.pk)
    assert exports_files(private_root) == []
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING


def test_a_job_deleted_while_it_was_built_leaves_no_file(
    alice, private_root, monkeypatch
):
    job = make_job(alice)

    def delete_meanwhile(built_job, *, on_progress=None):
        ExportJob.objects.filter(pk=built_job.pk).delete()
        return b"data", "csv"

    monkeypatch.setattr(builders, "build_export_file", delete_meanwhile)
    services.export_run(job_id=job.pk)
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert exports_files(private_root) == []


def test_progress_is_visible_while_the_file_is_built(alice, monkeypatch):
    job = make_job(alice)
    seen = []

    def watch(built_job, *, on_progress=None):
        seen.append(ExportJob.objects.get(pk=built_job.pk).progress)
        on_progress(50)
        seen.append(ExportJob.objects.get(pk=built_job.pk).progress)
        return b"x", "csv"

    monkeypatch.setattr(builders, "build_export_file", watch)
    services.export_run(job_id=job.pk)
    assert seen == [10, 50]
    assert ExportJob.objects.get(pk=job.pk).progress == 100


# -------------------------------------------------------------- real builders


def test_request_and_eager_run_produce_a_real_csv_file(
    alice, eager, private_root, django_capture_on_commit_callbacks
):
    tracked = TrackedSymptom.objects.for_user(alice).in_order().first()
    today = alice.local_today()
    day = today - datetime.timedelta(days=2)
    entry = EntryFactory(user=alice, date=day)
    SymptomScoreFactory(entry=entry, symptom=tracked.symptom, score=7)
    with django_capture_on_commit_callbacks(execute=True):
        job = request(alice, format="csv_tidy", start=today - datetime.timedelta(6))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.file_name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO((private_root / job.file_name).read_text())))
    scored = [row for row in rows if row["score"] == "7"]
    assert len(scored) == 1
    assert scored[0]["date"] == day.isoformat()


def test_every_format_has_a_builder(alice):
    TrackedSymptomFactory(user=alice)
    for fmt, extension in builders.EXTENSIONS.items():
        job = make_job(alice, format=fmt, sections=["summary"])
        content, ext = builders.build_export_file(job)
        assert ext == extension
        assert content
        assert builders.CONTENT_TYPES[ext]


# --------------------------------------------------------------------- broker


@pytest.fixture
def broker_down():
    """Nothing listens on port 1: the broker refuses every connection."""
    yield from celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")


def test_with_the_broker_down_the_job_waits_for_the_sweep(alice, broker_down):
    job = make_job(alice)
    started = time.monotonic()
    assert services.export_enqueue(job_id=job.pk) is False
    assert time.monotonic() - started < 1.5
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED
    assert job.enqueued_at is None


def test_with_the_broker_down_the_request_still_records_the_job(
    alice, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = request(alice)
    assert time.monotonic() - started < 2
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED
    assert job.enqueued_at is None


# --------------------------------------------------------------------- sweeps


def test_sweep_sends_jobs_the_broker_never_got(alice, eager, fake_builder):
    job = make_job(alice)
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert services.export_requeue_stale() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE


def test_sweep_leaves_recently_sent_and_brand_new_jobs_alone(
    alice, eager, fake_builder
):
    sent = make_job(alice, enqueued_at=timezone.now())
    new = make_job(alice)
    assert services.export_requeue_stale() == 0
    assert fake_builder.calls == []
    for job in (sent, new):
        assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED


def test_sweep_resends_jobs_sent_long_ago(alice, eager, fake_builder):
    job = make_job(alice, enqueued_at=timezone.now() - datetime.timedelta(minutes=3))
    assert services.export_requeue_stale() == 1
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE


def test_sweep_puts_a_job_whose_worker_died_back_in_the_queue(
    alice, eager, fake_builder
):
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    job = make_job(
        alice, status=ExportJob.Status.RUNNING, started_at=long_ago, attempts=1
    )
    alive = make_job(
        alice, status=ExportJob.Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    services.export_requeue_stale()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.attempts == 2
    assert ExportJob.objects.get(pk=alive.pk).status == ExportJob.Status.RUNNING
    assert fake_builder.calls == [job.pk]


def test_sweep_fails_a_job_that_keeps_killing_its_worker(alice, eager, fake_builder):
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    job = make_job(
        alice,
        status=ExportJob.Status.RUNNING,
        started_at=long_ago,
        attempts=services.MAX_ATTEMPTS,
    )
    services.export_requeue_stale()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "interrupted" in job.error
    assert fake_builder.calls == []


def test_sweep_stops_at_the_first_broker_failure(alice, broker_down):
    old = timezone.now() - datetime.timedelta(minutes=5)
    for _ in range(3):
        job = make_job(alice)
        ExportJob.objects.filter(pk=job.pk).update(created_at=old)
    started = time.monotonic()
    assert services.export_requeue_stale() == 0
    assert time.monotonic() - started < 1.5
    assert ExportJob.objects.filter(enqueued_at__isnull=True).count() == 3


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_expired_exports_and_their_files_are_deleted(alice, fake_builder, private_root):
    old = make_job(alice)
    services.export_run(job_id=old.pk)
    fresh = make_job(alice)
    services.export_run(job_id=fresh.pk)
    old.refresh_from_db()
    fresh.refresh_from_db()
    ExportJob.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    result = services.export_delete_expired()
    assert result.jobs == 1
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert not (private_root / old.file_name).exists()
    assert (private_root / fresh.file_name).exists()
    assert ExportJob.objects.get(pk=fresh.pk).status == ExportJob.Status.DONE


def test_leftover_temporary_and_orphan_files_are_deleted_once_old(
    alice, fake_builder, private_root
):
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    folder = private_root / "exports"
    old_temp = folder / ".tmp-abc.part"
    old_orphan = folder / "0123456789abcdef0123456789abcdef.pdf"
    new_temp = folder / ".tmp-new.part"
    for path in (old_temp, old_orphan, new_temp):
        path.write_bytes(b"half")
    for path in (old_temp, old_orphan, private_root / job.file_name):
        _age(path, 2 * 3600)
    result = services.export_delete_expired()
    assert result.files == 2
    assert sorted(exports_files(private_root)) == sorted(
        [new_temp.name, job.file_name.split("/")[1]]
    )


def test_delete_removes_the_row_and_the_file(alice, fake_builder, private_root):
    job = make_job(alice)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    services.export_delete(job=job)
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert exports_files(private_root) == []


def test_a_file_name_outside_the_exports_folder_is_never_served_or_deleted(
    alice, private_root
):
    outside = private_root / "secret.txt"
    private_root.mkdir(parents=True)
    outside.write_text("keep")
    job = make_job(alice, status=ExportJob.Status.DONE, file_name="../secret.txt")
    assert services.export_file_path(job) is None
    job.file_name = "exports/../secret.txt"
    assert services.export_file_path(job) is None
    services.export_delete(job=job)
    assert outside.read_text() == "keep"


# ------------------------------------------------------------ commands, beat


def test_the_management_commands_run_the_sweeps(alice, eager, fake_builder):
    job = make_job(alice)
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    out = io.StringIO()
    call_command("exports_requeue_stale", stdout=out)
    assert "1 export job(s) sent again" in out.getvalue()
    ExportJob.objects.filter(pk=job.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("exports_delete_expired", stdout=out)
    assert "1 expired export(s) and 1 file(s) deleted" in out.getvalue()
    assert ExportJob.objects.count() == 0


def test_the_beat_schedule_names_real_tasks(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    export_names = {name for name in names if name.startswith("diary.exports.")}
    assert export_names == {
        "diary.exports.tasks.export_requeue_stale",
        "diary.exports.tasks.export_delete_expired",
    }
    for name in export_names:
        assert name in app.tasks


def test_the_periodic_tasks_call_the_services(alice, eager, fake_builder):
    job = make_job(alice, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.export_delete_expired.apply().get() == 1
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert tasks.export_requeue_stale.apply().get() == 0


def test_the_build_task_acknowledges_late_with_bounded_retries():
    task = tasks.export_build
    assert task.acks_late is True
    assert task.max_retries == 3
    assert task.retry_backoff
    assert OSError in task.autoretry_for


def test_a_worker_process_finds_the_export_tasks():
    """A worker started with ``celery -A config worker`` must know the tasks the
    web sends it and beat schedules; ``autodiscover_tasks()`` alone only looks
    for ``diary.tasks``."""
    code = (
        "import django; django.setup();"
        "from config.celery import app;"
        "app.loader.import_default_modules();"
        "print('\\n'.join(sorted(app.tasks)))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only-secret",
    }
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    registered = set(result.stdout.split())
    assert {
        "diary.exports.tasks.export_build",
        "diary.exports.tasks.export_requeue_stale",
        "diary.exports.tasks.export_delete_expired",
    } <= registered, "config/celery.py must discover diary.exports.tasks"
