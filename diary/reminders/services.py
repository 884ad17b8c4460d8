"""Daily check-in reminders by e-mail, at each user's own local time.

"Never twice for the same day" rests on the database, not on Celery: sending
happens inside a transaction that first inserts the (user, local date)
``ReminderDelivery`` row. A retried, redelivered or concurrent task hits the
unique constraint and stops; a send that fails rolls the row back so a retry can
send. The one window left is a worker that dies after the mail server accepted
the message and before the commit: then the retry sends a second copy. That is
as close to exactly-once as e-mail allows.

Reminders carry no health data: only the date, a link to the check-in page and
a one-click unsubscribe link (RFC 8058).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from config.site import absolute_url
from diary.models import Entry

from .models import ReminderDelivery

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "diary.reminders.unsubscribe"
UNSUBSCRIBE_PURPOSE = "reminder-unsubscribe"
DUE_BATCH_SIZE = 500


# ------------------------------------------------------------------ settings


def reminder_settings_update(*, user: User, enabled: bool, time: datetime.time) -> User:
    """Switch the daily reminder on or off and set its local time (in the
    user's own time zone; seconds are dropped)."""
    if not isinstance(time, datetime.time) or time.tzinfo is not None:
        raise ValidationError(
            {"reminder_time": [_("Enter a time of day, for example 19:00.")]}
        )
    user.reminder_enabled = bool(enabled)
    user.reminder_time = time.replace(second=0, microsecond=0)
    user.save(update_fields=["reminder_enabled", "reminder_time"])
    return user


# ----------------------------------------------------------- unsubscribe links


def _unsubscribe_signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, user: User) -> str:
    """A signed token that stops one user's reminders and nothing else. It needs
    no log-in, so it says only who and what for; it does not expire (every
    reminder repeats it), and the same user always gets the same token."""
    return _unsubscribe_signer().sign_object({"u": user.pk, "p": UNSUBSCRIBE_PURPOSE})


def unsubscribe_user(*, token: str) -> User | None:
    """The user a token was made for, or None when it is forged, altered,
    made for something else, or its user is gone."""
    try:
        payload = _unsubscribe_signer().unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("p") != UNSUBSCRIBE_PURPOSE:
        return None
    user_id = payload.get("u")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return User.objects.filter(pk=user_id).first()


def unsubscribe_url(*, user: User) -> str:
    path = reverse(
        "diary:reminder-unsubscribe", kwargs={"token": unsubscribe_token(user=user)}
    )
    return absolute_url(path)


def reminder_unsubscribe(*, user: User) -> User:
    """Stop the user's reminders; the chosen time is kept for next time."""
    return reminder_settings_update(user=user, enabled=False, time=user.reminder_time)


# ----------------------------------------------------------------- who is due


def _local_now(user: User, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(user.zone)


def _batches(users: QuerySet[User], size: int) -> Iterator[list[User]]:
    batch: list[User] = []
    for user in users.iterator(chunk_size=size):
        batch.append(user)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _due_in_batch(
    batch: Iterable[User], now: datetime.datetime
) -> list[tuple[User, datetime.date]]:
    """Of one batch of opted-in users, those whose reminder time has come
    today (their today) and who have neither had a reminder nor logged it.
    Two queries, whatever the size of the batch."""
    candidates: list[tuple[User, datetime.date]] = []
    for user in batch:
        local = _local_now(user, now)
        if local.time() >= user.reminder_time:
            candidates.append((user, local.date()))
    if not candidates:
        return []
    user_ids = {user.pk for user, _day in candidates}
    days = {day for _user, day in candidates}
    sent = set(
        ReminderDelivery.objects.filter(
            user_id__in=user_ids, local_date__in=days
        ).values_list("user_id", "local_date")
    )
    logged = set(
        Entry.objects.filter(user_id__in=user_ids, date__in=days).values_list(
            "user_id", "date"
        )
    )
    return [
        (user, day)
        for user, day in candidates
        if (user.pk, day) not in sent and (user.pk, day) not in logged
    ]


def reminders_due_with_dates(
    *, now: datetime.datetime | None = None
) -> list[tuple[User, datetime.date]]:
    """Each due user with the local date their reminder is for."""
    now = now or timezone.now()
    users = (
        User.objects.filter(reminder_enabled=True, is_active=True)
        .only("id", "email", "time_zone", "reminder_time")
        .order_by("pk")
    )
    due: list[tuple[User, datetime.date]] = []
    for batch in _batches(users, DUE_BATCH_SIZE):
        due.extend(_due_in_batch(batch, now))
    return due


def reminders_due(*, now: datetime.datetime | None = None) -> list[User]:
    """Users to remind now: opted in, active, at or past their reminder time
    today in their own time zone, not yet reminded today and not yet logged
    today. Queries grow with the number of opted-in users in batches of
    ``DUE_BATCH_SIZE``, never one per user."""
    return [user for user, _day in reminders_due_with_dates(now=now)]


# --------------------------------------------------------------------- sending


def _build_message(*, user: User, local_date: datetime.date) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user=user)
    context = {
        "day": date_format(local_date, "l j F Y"),
        "checkin_url": absolute_url(reverse("diary:checkin")),
        "settings_url": absolute_url(reverse("accounts:settings")),
        "unsubscribe_url": unsubscribe,
    }
    subject = _("Your LDN Diary check-in for %(day)s") % {
        "day": date_format(local_date, "D j M Y")
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string("emails/reminder.html", context), "text/html"
    )
    return message


def reminder_send(*, user_id: int, local_date: datetime.date) -> bool:
    """Send one user's reminder for one local date, at most once.

    Returns True when this call sent it, False when there was nothing to do:
    the user is gone, inactive or opted out, the date is no longer their
    today, the day is already logged, or the reminder was already sent (or is
    being sent by another worker right now). An error from the mail backend
    propagates and leaves no trace, so a retry can send."""
    user = User.objects.filter(
        pk=user_id, is_active=True, reminder_enabled=True
    ).first()
    if user is None:
        return False
    if local_date != user.local_today():
        # A late task for a day that is over would only confuse.
        return False
    if Entry.objects.filter(user=user, date=local_date).exists():
        return False
    with translation.override(settings.LANGUAGE_CODE):
        message = _build_message(user=user, local_date=local_date)
    try:
        with transaction.atomic():
            # A second worker's insert waits here until the first commits
            # (then it fails: already sent) or rolls back (then it sends).
            ReminderDelivery.objects.create(user=user, local_date=local_date)
            message.send(fail_silently=False)
    except IntegrityError:
        return False
    logger.info("reminder sent user=%s local_date=%s", user.pk, local_date)
    return True


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Queue a reminder task for every due user (run in-process when Celery
    is eager). One user's failure does not stop the others; a user whose
    reminder did not go out is simply due again at the next run. Returns how
    many were queued (or, in-process, attempted without error).

    ``now`` decides who is due; each task still checks that the date is the
    user's today when it runs, so a task delayed past midnight sends nothing."""
    from .tasks import reminder_send as reminder_send_task

    queued = 0
    for user, local_date in reminders_due_with_dates(now=now):
        try:
            reminder_send_task.delay(user.pk, local_date.isoformat())
        except Exception:
            logger.exception(
                "reminder not queued user=%s local_date=%s", user.pk, local_date
            )
        else:
            queued += 1
    return queued
