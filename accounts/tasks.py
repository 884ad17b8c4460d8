"""Celery tasks for accounts. Thin: they call ``services``."""

from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.security_events_delete_old")
def security_events_delete_old() -> int:
    """Periodic (Celery beat): delete security events older than
    SECURITY_EVENT_RETENTION_DAYS."""
    return services.security_events_delete_old()
