"""Redis down when the patient asks for an export: the page answers at once, the job
is recorded and shown as queued, and once Redis is back the sweep sends it and a
real worker builds it, once."""

import datetime
import time

import pytest
from django.urls import reverse

from diary.exports import services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CREATE = reverse("diary:export-create")
LIST = reverse("diary:export-list")
REQUEST_BUDGET_SECONDS = 2.0


def test_with_redis_down_the_export_is_queued_at_once_and_made_when_it_is_back(
    alice,
    alice_client,
    redis_server,
    use_broker,
    start_worker,
    private_root,
    wait_for,
):
    redis = redis_server()
    use_broker(redis.url)
    redis.stop()

    started = time.monotonic()
    response = alice_client.post(
        CREATE,
        {
            "format": "csv_wide",
            "preset": "30",
            "sections": list(DEFAULT_SECTIONS),
            "display_name": "",
        },
    )
    elapsed = time.monotonic() - started
    print(f"\nexport request with Redis down answered in {elapsed:.3f} s")
    assert response.status_code == 302
    assert elapsed < REQUEST_BUDGET_SECONDS

    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportJob.Status.QUEUED
    assert job.enqueued_at is None
    page = alice_client.get(LIST).content.decode()
    assert "Queued" in page
    assert "It will start by itself" in page

    # While Redis is still down, the sweep tries once, quickly, and gives up.
    started = time.monotonic()
    assert services.export_requeue_stale(older_than_seconds=0) == 0
    assert time.monotonic() - started < REQUEST_BUDGET_SECONDS

    redis.start()
    assert services.export_requeue_stale(older_than_seconds=0) == 1
    job.refresh_from_db()
    assert job.enqueued_at is not None
    worker = start_worker(broker_url=redis.url)

    def finished():
        job.refresh_from_db()
        return job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED)

    wait_for(finished, 45, "the worker to build the export")
    assert job.status == ExportJob.Status.DONE, (job.error, worker.log())
    assert job.attempts == 1
    assert job.end_date == alice.local_today()
    assert job.start_date == alice.local_today() - datetime.timedelta(days=29)
    files = sorted(p.name for p in (private_root / "exports").iterdir())
    assert files == [job.file_name.split("/")[1]]
    download = alice_client.get(reverse("diary:export-download", args=[job.uuid]))
    assert download.status_code == 200
