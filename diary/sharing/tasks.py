"""Celery tasks for share links. Thin: they call ``services``."""

from celery import shared_task

from . import services


@shared_task(name="diary.sharing.tasks.share_accesses_delete_old")
def share_accesses_delete_old() -> int:
    """Periodic (Celery beat): delete access-log rows older than
    SHARE_ACCESS_RETENTION_DAYS."""
    return services.share_accesses_delete_old()
