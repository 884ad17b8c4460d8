"""Celery tasks for reminders. Thin: they take ids and call the services, which
make sending idempotent (see ``diary/reminders/services.py``)."""

import datetime
import smtplib

from celery import shared_task

from . import services


@shared_task(name="diary.reminders.tasks.reminders_send_due")
def reminders_send_due() -> int:
    """Periodic (Celery beat, every 5 minutes): queue every due reminder."""
    return services.reminders_send_due()


@shared_task(
    name="diary.reminders.tasks.reminder_send",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=3,
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
)
def reminder_send(user_id: int, local_date_iso: str) -> bool:
    """Send one reminder. Safe to run twice: the second run sends nothing. Exits
    quietly when the user is gone or has opted out."""
    try:
        local_date = datetime.date.fromisoformat(local_date_iso)
    except (TypeError, ValueError):
        return False
    return services.reminder_send(user_id=user_id, local_date=local_date)
