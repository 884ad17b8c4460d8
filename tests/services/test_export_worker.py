"""Exports through Redis and a real Celery worker process on PostgreSQL: asked for
in the browser's way, built by the worker, downloaded, read back; and a worker
killed in the middle of an export leaves no half file, and the job finishes once.
"""

import datetime
import subprocess
import time

import pytest
from django.urls import reverse

from diary.exports import services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob
from tests.factories import (
    DoseChangeFactory,
    EntryFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CREATE = reverse("diary:export-create")
LIST = reverse("diary:export-list")


def log_days(user, scores_by_days_ago):
    """One entry per day with a score for a symptom of the user's own. (A
    transactional test cannot count on the built-in symptoms: the database is
    flushed after each such test, data migrations included.)"""
    tracked = TrackedSymptomFactory(user=user, symptom__name="Brain fog (own)")
    today = user.local_today()
    for days_ago, score in scores_by_days_ago.items():
        entry = EntryFactory(user=user, date=today - datetime.timedelta(days=days_ago))
        SymptomScoreFactory(entry=entry, symptom=tracked.symptom, score=score)
    return tracked.symptom


def ask(client, **overrides):
    data = {
        "format": "pdf",
        "preset": "14",
        "sections": list(DEFAULT_SECTIONS),
        "display_name": "Alice Example",
    }
    data.update(overrides)
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def status_of(client, job):
    return client.get(reverse("diary:export-status", args=[job.uuid])).json()


def pdf_text(path):
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return result.stdout.decode()


def exports_folder(private_root):
    folder = private_root / "exports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_pdf_export_is_built_by_a_real_worker_and_downloaded(
    alice, alice_client, start_worker, private_root, tmp_path, wait_for
):
    symptom = log_days(alice, {0: 6, 1: 4, 2: 5, 10: 8})
    course = TreatmentCourseFactory(
        user=alice, start_date=alice.local_today() - datetime.timedelta(days=40)
    )
    DoseChangeFactory(course=course)
    worker = start_worker()

    ask(alice_client)
    job = ExportJob.objects.get(user=alice)
    seen = []

    def finished():
        data = status_of(alice_client, job)
        seen.append(data["progress"])
        return data if data["status"] in ("done", "failed") else None

    data = wait_for(finished, 60, "the worker to build the PDF", interval=0.3)
    assert data["status"] == "done", (data, worker.log())
    assert seen == sorted(seen), "progress only moves forward"
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.progress == 100

    response = alice_client.get(data["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    pdf = tmp_path / "download.pdf"
    pdf.write_bytes(content)
    text = pdf_text(pdf)
    assert "Alice Example" in text
    assert alice.email not in text
    assert symptom.name in text
    assert "Not medical advice" in text
    today = alice.local_today()
    start = today - datetime.timedelta(days=13)
    assert f"{start:%-d %b %Y}" in text or start.isoformat() in text
    # The worker's own record of the run.
    assert "Task diary.exports.tasks.export_build[" in worker.log()
    assert exports_folder(private_root) == [job.file_name.split("/")[1]]


def test_a_worker_killed_mid_export_leaves_no_half_file_and_the_job_finishes_once(
    alice, alice_client, start_worker, private_root, wait_for, settings
):
    """A live worker keeps its job, however long it takes; once it is killed the
    sweep notices within EXPORT_WORKER_DEAD_SECONDS (45 s by default, 4 s here)
    and another worker finishes the job, once."""
    settings.EXPORT_WORKER_DEAD_SECONDS = 4
    log_days(alice, {0: 3, 1: 4})
    # The first worker holds its finished temporary file back for 12 s, beating
    # its heart every second.
    slow = start_worker(
        env={
            "EXPORT_TEST_DELAY_SECONDS": "12",
            "EXPORT_HEARTBEAT_SECONDS": "1",
            "EXPORT_WORKER_DEAD_SECONDS": "4",
        }
    )
    ask(alice_client, format="csv_tidy")
    job = ExportJob.objects.get(user=alice)

    def temp_file_written():
        names = exports_folder(private_root)
        return names if any(n.startswith(services.TEMP_PREFIX) for n in names) else None

    wait_for(temp_file_written, 30, "the worker to write its temporary file")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING
    assert job.progress == 90
    first_beat = job.heartbeat_at

    # Alive for longer than the dead window: its heartbeat keeps it.
    time.sleep(6)
    assert services.export_requeue_stale(older_than_seconds=0) == 0
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING
    assert job.attempts == 1
    assert job.heartbeat_at > first_beat
    slow.kill()
    killed_at = time.monotonic()

    # No final file, whole or half: only the temporary one.
    names = exports_folder(private_root)
    assert names
    assert all(name.startswith(services.TEMP_PREFIX) for name in names)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING
    assert job.file_name == ""
    # The clean-up removes it.
    services.export_delete_expired(files_older_than_seconds=0)
    assert exports_folder(private_root) == []

    # A new worker, and the sweep (defaults, as beat runs it) puts the abandoned
    # job back in the queue as soon as its heartbeat is 4 s old.
    start_worker()
    wait_for(
        lambda: services.export_requeue_stale(older_than_seconds=0) == 1,
        30,
        "the sweep to notice the dead worker",
        interval=0.5,
    )
    noticed_after = time.monotonic() - killed_at
    assert noticed_after < 4 + 6, noticed_after

    def done():
        job.refresh_from_db()
        return job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED)

    wait_for(done, 45, "the second worker to finish the export")
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.attempts == 2
    assert exports_folder(private_root) == [job.file_name.split("/")[1]]
    finished_at = job.finished_at

    # Sweeping again sends nothing; the job stays finished, with one file.
    assert (
        services.export_requeue_stale(
            older_than_seconds=0, running_older_than_seconds=0
        )
        == 0
    )
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert job.attempts == 2
    response = alice_client.get(reverse("diary:export-download", args=[job.uuid]))
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("date,")
