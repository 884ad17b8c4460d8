"""Share links: a read-only view of a range and chosen sections of a patient's
diary, for their doctor, that expires and can be revoked.

The token is 32 random bytes from :mod:`secrets` (256 bits), written in the URL
as 43 URL-safe characters. Only its SHA-256 is stored, so a copy of the database
cannot open any link; the patient sees the token once, when the link is made.
An optional access code is stored like a password (``make_password``). Each
visit is logged with an approximate client only (browser family and system),
never the IP address or the full User-Agent.

A link can also be deleted, with its access log (:func:`share_link_delete`);
access-log rows older than ``SHARE_ACCESS_RETENTION_DAYS`` (90) are deleted by a
periodic job (:func:`share_accesses_delete_old`).

The web pages and the API both call these functions.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.site import absolute_url
from diary.exports.models import ExportSection
from diary.exports.services import MAX_RANGE_DAYS

from .models import ShareAccess, ShareLink
from .useragent import approximate_client

TOKEN_BYTES = 32  # 256 bits of randomness
EXPIRY_DAYS_DEFAULT = 14
EXPIRY_DAYS_MAX = 90
ACCESS_CODE_MIN_LENGTH = 4
ACCESS_CODE_MAX_LENGTH = 64
LABEL_MAX_LENGTH = 80
DISPLAY_NAME_MAX_LENGTH = 80
# A token in a URL is never longer than this; anything longer is not ours.
TOKEN_MAX_LENGTH = 128
CLIENT_MAX_LENGTH = 80  # ShareAccess.client


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token: what the database stores and looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_link_url(token: str, *, request=None) -> str:
    """The full URL a doctor opens: ``SITE_URL`` + ``/s/<token>/`` when
    ``SITE_URL`` is set, else the address the request came to (the one the
    patient is using, so the link works wherever the site is served)."""
    return absolute_url(reverse("diary:share-view", args=[token]), request=request)


def _validate(
    *,
    user: User,
    start,
    end,
    sections: list[str],
    expires_in_days,
    access_code: str,
    label: str,
    display_name: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = user.local_today()
    if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
        errors["start"] = _("Choose the first day of the range.")
    if not isinstance(end, datetime.date) or isinstance(end, datetime.datetime):
        errors["end"] = _("Choose the last day of the range.")
    if not errors:
        if start > today:
            errors["start"] = _(
                "The start date is in the future; choose today or earlier."
            )
        if end > today:
            errors["end"] = _("The end date is in the future; choose today or earlier.")
        if end < start:
            errors["end"] = _("The end date is before the start date.")
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            errors["start"] = _(
                "Choose a range of at most 2 years (%(limit)d days); this one has "
                "%(days)d days."
            ) % {"limit": MAX_RANGE_DAYS, "days": (end - start).days + 1}
    if any(s not in ExportSection.values for s in sections):
        errors["sections"] = _("Choose sections from the list.")
    elif not sections:
        errors["sections"] = _("Choose at least one section.")
    if (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int)
        or not 1 <= expires_in_days <= EXPIRY_DAYS_MAX
    ):
        errors["expires_in_days"] = _(
            "Choose how many days the link works: from 1 to %(max)d."
        ) % {"max": EXPIRY_DAYS_MAX}
    if access_code and not (
        ACCESS_CODE_MIN_LENGTH <= len(access_code) <= ACCESS_CODE_MAX_LENGTH
    ):
        errors["access_code"] = _(
            "An access code has %(min)d to %(max)d characters, or leave it empty."
        ) % {"min": ACCESS_CODE_MIN_LENGTH, "max": ACCESS_CODE_MAX_LENGTH}
    if len(label) > LABEL_MAX_LENGTH:
        errors["label"] = _("The label can be at most %(max)d characters long.") % {
            "max": LABEL_MAX_LENGTH
        }
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        errors["display_name"] = _(
            "The name can be at most %(max)d characters long."
        ) % {"max": DISPLAY_NAME_MAX_LENGTH}
    return errors


def share_link_create(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    sections: list[str],
    expires_in_days: int = EXPIRY_DAYS_DEFAULT,
    access_code: str = "",
    label: str = "",
    display_name: str = "",
) -> tuple[ShareLink, str]:
    """Make a share link and return it with its raw token.

    The token is returned this once and never stored: show it to the patient now.
    Notes are shared only if ``sections`` names them. Raises ``ValidationError``
    with a message per field (``start``, ``end``, ``sections``,
    ``expires_in_days``, ``access_code``, ``label``, ``display_name``).
    """
    sections = list(dict.fromkeys(sections or []))
    access_code = (access_code or "").strip()
    label = (label or "").strip()
    display_name = (display_name or "").strip()
    errors = _validate(
        user=user,
        start=start,
        end=end,
        sections=sections,
        expires_in_days=expires_in_days,
        access_code=access_code,
        label=label,
        display_name=display_name,
    )
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    chosen = set(sections)
    link = ShareLink.objects.create(
        user=user,
        label=label,
        token_hash=hash_token(token),
        access_code_hash=make_password(access_code) if access_code else "",
        start_date=start,
        end_date=end,
        sections=[s for s in ExportSection.values if s in chosen],
        display_name=display_name,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days),
    )
    return link, token


def share_link_revoke(*, link: ShareLink) -> ShareLink:
    """Stop a link from working, at once and for good. Revoking twice keeps the
    first time."""
    if link.revoked_at is None:
        now = timezone.now()
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        link.refresh_from_db(fields=["revoked_at"])
    return link


def share_link_delete(*, link: ShareLink) -> int:
    """Delete a link and its whole access log, for good: the link stops working
    at once (its token no longer resolves). Returns the number of access-log rows
    deleted with it."""
    accesses = ShareAccess.objects.filter(link=link).count()
    ShareLink.objects.filter(pk=link.pk).delete()  # the log goes by CASCADE
    return accesses


def share_accesses_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete access-log rows older than ``SHARE_ACCESS_RETENTION_DAYS`` (90 by
    default). Run by Celery beat and by ``manage.py share_accesses_delete_old``.
    Returns the number of rows deleted."""
    days = int(getattr(settings, "SHARE_ACCESS_RETENTION_DAYS", 90))
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _by_model = ShareAccess.objects.filter(accessed_at__lt=cutoff).delete()
    return deleted


def share_link_resolve(*, token: str) -> ShareLink | None:
    """The usable link for ``token``: None when it is unknown, revoked, expired, or
    its owner's account is closed. Callers must not tell these cases apart."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        ShareLink.objects.usable()
        .filter(token_hash=hash_token(token), user__is_active=True)
        .select_related("user")
        .first()
    )


def share_link_needs_code(link: ShareLink) -> bool:
    return bool(link.access_code_hash)


def share_link_check_code(*, link: ShareLink, code: str) -> bool:
    """Whether ``code`` opens ``link`` (always true for a link without a code)."""
    if not link.access_code_hash:
        return True
    code = (code or "").strip()
    if not code or len(code) > ACCESS_CODE_MAX_LENGTH:
        return False
    return check_password(code, link.access_code_hash)


def share_access_record(
    *, link: ShareLink, outcome: str, user_agent: str | None
) -> ShareAccess:
    """Log one visit: the time, what happened, and the browser family and system
    only ("Firefox on Windows"). Never the IP address or the full User-Agent."""
    if outcome not in ShareAccess.Outcome.values:
        raise ValueError(f"Unknown share access outcome {outcome!r}")
    return ShareAccess.objects.create(
        link=link,
        outcome=outcome,
        client=approximate_client(user_agent)[:CLIENT_MAX_LENGTH],
    )
