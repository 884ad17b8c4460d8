"""Celery tasks for exports. Thin: they take ids and call ``services``, which make
every step safe to repeat (see ``diary/exports/services.py``)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    bind=True,
    name="diary.exports.tasks.export_build",
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    max_retries=3,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    # A live worker keeps the job's heartbeat fresh, so the sweep never takes it
    # over; these limits (enforced by the prefork pool) stop a build that hangs.
    soft_time_limit=9 * 60,
    time_limit=10 * 60,
)
def export_build(self, job_id: int) -> None:
    """Build one export. Exits quietly if the job is gone or already done.

    Run in-process (no ``REDIS_URL``), a temporary error fails the job at once:
    there is no worker to retry it later."""
    can_retry = not self.request.is_eager and self.request.retries < self.max_retries
    services.export_run(
        job_id=job_id, can_retry=can_retry, heartbeat=not self.request.is_eager
    )


@shared_task(name="diary.exports.tasks.export_requeue_stale")
def export_requeue_stale() -> int:
    """Periodic (Celery beat): send again the jobs the broker never got, and put
    back in the queue the jobs whose worker died."""
    return services.export_requeue_stale()


@shared_task(name="diary.exports.tasks.export_delete_expired")
def export_delete_expired() -> int:
    """Periodic (Celery beat): delete exports older than EXPORT_RETENTION_DAYS and
    files no job owns."""
    return services.export_delete_expired().jobs
