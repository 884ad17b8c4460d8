"""Writes to accounts. Forms and API serializers validate, then call these."""

import datetime

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.site import absolute_url

from .models import BrowserSession, Device, SecurityEvent, User, hash_token
from .net import client_ip_or_none

# Where a browser's BrowserSession id is kept in its Django session.
BROWSER_SESSION_KEY = "_browser_session"
# How often a browser's "last used" is written (one small UPDATE at most).
BROWSER_TOUCH_SECONDS = 60


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    time_zone: str,
    display_name: str = "",
    notice_acknowledged: bool,
    email_confirmed: bool = True,
) -> User:
    """Create an account. The caller must have shown the not-medical-advice
    notice and received an explicit acknowledgement."""
    if not notice_acknowledged:
        raise ValueError("The not-medical-advice notice must be acknowledged.")
    user = User.objects.create_user(
        email=email,
        password=password,
        time_zone=time_zone,
        display_name=display_name,
        medical_notice_version=settings.MEDICAL_NOTICE_VERSION,
        medical_notice_acknowledged_at=timezone.now(),
        email_confirmed=email_confirmed,
    )
    SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.SIGNUP)
    from diary.services import symptoms_track_defaults

    symptoms_track_defaults(user=user)
    return user


def user_acknowledge_notice(*, user: User) -> User:
    user.medical_notice_version = settings.MEDICAL_NOTICE_VERSION
    user.medical_notice_acknowledged_at = timezone.now()
    user.save(
        update_fields=["medical_notice_version", "medical_notice_acknowledged_at"]
    )
    return user


def user_update_settings(
    *, user: User, time_zone: str, display_name: str, takes_opioids: str
) -> User:
    """Validate on a copy first, so a rejected change leaves ``user`` untouched."""
    candidate = User.objects.get(pk=user.pk)
    candidate.time_zone = time_zone
    candidate.display_name = display_name
    candidate.takes_opioids = takes_opioids
    candidate.full_clean(exclude=["password"])
    candidate.save(update_fields=["time_zone", "display_name", "takes_opioids"])
    user.time_zone, user.display_name, user.takes_opioids = (
        time_zone,
        display_name,
        takes_opioids,
    )
    return user


# ------------------------------------------------------------------ mobile devices


class RefreshTokenInvalid(Exception):
    """The refresh token is unknown, expired, rotated away or revoked."""


def device_sign_in(
    *,
    user: User,
    name: str = "",
    user_agent: str = "",
    request: HttpRequest | None = None,
) -> tuple[Device, str]:
    """Sign a mobile app in. Returns the device and its first refresh token (only
    the token's hash is stored)."""
    token = Device.new_refresh_token()
    device = Device.objects.create(
        user=user,
        name=name[:80],
        user_agent=user_agent[:200],
        refresh_token_hash=hash_token(token),
        refresh_expires_at=timezone.now()
        + datetime.timedelta(days=settings.API_REFRESH_TOKEN_DAYS),
        auth_hash=user.get_session_auth_hash(),
    )
    if request is not None:
        security_event_record(
            user=user, kind=SecurityEvent.Kind.DEVICE_SIGNED_IN, request=request
        )
    return device, token


def device_password_still_valid(device: Device) -> bool:
    """False once the user's password changed after this device signed in."""
    from django.utils.crypto import constant_time_compare

    return bool(device.auth_hash) and constant_time_compare(
        device.auth_hash, device.user.get_session_auth_hash()
    )


def device_refresh(*, refresh_token: str) -> tuple[Device, str]:
    """Swap a refresh token for a new one. The old token stops working at once.

    Presenting a token that was already rotated away means it was copied: the
    device is revoked, so neither copy works any more."""
    digest = hash_token(refresh_token)
    with transaction.atomic():
        device = (
            Device.objects.select_for_update()
            .select_related("user")
            .filter(refresh_token_hash=digest)
            .first()
        )
        if (
            device is not None
            and device.is_active
            and device.user.is_active
            and device_password_still_valid(device)
        ):
            token = Device.new_refresh_token()
            device.previous_token_hash = digest
            device.refresh_token_hash = hash_token(token)
            device.refresh_expires_at = timezone.now() + datetime.timedelta(
                days=settings.API_REFRESH_TOKEN_DAYS
            )
            device.last_used_at = timezone.now()
            device.save(
                update_fields=[
                    "previous_token_hash",
                    "refresh_token_hash",
                    "refresh_expires_at",
                    "last_used_at",
                ]
            )
            return device, token
    if device is None:
        Device.objects.filter(
            previous_token_hash=digest, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    raise RefreshTokenInvalid


def device_revoke(*, device: Device, request: HttpRequest | None = None) -> None:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        security_event_record(
            user=device.user, kind=SecurityEvent.Kind.DEVICE_SIGNED_OUT, request=request
        )


def access_token_for(*, device: Device) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(device.user)
    token["device"] = str(device.uuid)
    return str(token)


# ------------------------------------------------------------ security events


def _ip_or_none(request) -> str | None:
    return None if request is None else client_ip_or_none(request)


def _agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def security_event_record(
    *, user: User, kind: str, request: HttpRequest | None = None
) -> SecurityEvent:
    """Record what happened to an account (never any health data)."""
    return SecurityEvent.objects.create(
        user=user,
        kind=kind,
        ip_address=_ip_or_none(request),
        user_agent=_agent(request),
    )


# ------------------------------------------------------------ browser sessions


def security_events_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete security events older than ``SECURITY_EVENT_RETENTION_DAYS`` (365 by
    default). Run by Celery beat and by ``manage.py security_events_delete_old``.
    Returns the number of rows deleted."""
    days = int(getattr(settings, "SECURITY_EVENT_RETENTION_DAYS", 365))
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _by_model = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def browser_session_track(
    *, request: HttpRequest, user: User | None = None
) -> BrowserSession | None:
    """Create or refresh the row for the signed-in browser making ``request``.

    Costs no query while the session already says which row is its own and that
    the row was touched less than a minute ago; otherwise one or two. Follows
    the session key when Django rotates it (log-in, password change)."""
    session = request.session
    user = user or getattr(request, "user", None)
    if user is None or not user.is_authenticated or not session.session_key:
        return None
    now = timezone.now()
    seen = session.get(BROWSER_SESSION_KEY)
    if (
        isinstance(seen, dict)
        and seen.get("key") == session.session_key
        and isinstance(seen.get("at"), int)
        and now.timestamp() - seen["at"] < BROWSER_TOUCH_SECONDS
    ):
        return None
    row = None
    if isinstance(seen, dict) and seen.get("id"):
        row = BrowserSession.objects.filter(uuid=seen["id"], user=user).first()
    if row is None:
        row = BrowserSession.objects.filter(session_key=session.session_key).first()
    if row is None:
        row = BrowserSession.objects.create(
            user=user,
            session_key=session.session_key,
            user_agent=_agent(request),
            ip_address=_ip_or_none(request),
            last_used_at=now,
        )
    else:
        row.session_key = session.session_key
        row.last_used_at = now
        row.ip_address = _ip_or_none(request)
        row.save(update_fields=["session_key", "last_used_at", "ip_address"])
    session[BROWSER_SESSION_KEY] = {
        "id": str(row.uuid),
        "key": session.session_key,
        "at": int(now.timestamp()),
    }
    return row


def _end_sessions(rows) -> int:
    from django.contrib.sessions.models import Session

    keys = list(rows.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    count, _ = rows.delete()
    return count


def browser_session_revoke(
    *, session: BrowserSession, request: HttpRequest | None = None
) -> None:
    """Sign one browser out: its Django session is deleted, so its next request
    is anonymous."""
    user = session.user
    _end_sessions(BrowserSession.objects.filter(pk=session.pk))
    security_event_record(
        user=user, kind=SecurityEvent.Kind.SESSION_REVOKED, request=request
    )


def sessions_end_all(*, user: User, keep_session_key: str | None = None) -> int:
    """End every browser session of ``user`` except ``keep_session_key``'s and
    sign out every app. Returns how many browsers and apps were signed out."""
    rows = BrowserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    ended = _end_sessions(rows)
    revoked = Device.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return ended + revoked


def sign_out_everywhere_else(*, request: HttpRequest) -> int:
    user = request.user
    assert isinstance(user, User)
    count = sessions_end_all(user=user, keep_session_key=request.session.session_key)
    security_event_record(
        user=user, kind=SecurityEvent.Kind.SIGNED_OUT_ELSEWHERE, request=request
    )
    return count


def password_changed(
    *, user: User, request: HttpRequest | None, by_reset: bool = False
) -> None:
    """After a new password (change or reset): every app and every other browser
    is signed out. After a change the browser that made it stays signed in; a
    reset is done signed out, so no browser stays."""
    keep = None
    if not by_reset and request is not None and request.user.is_authenticated:
        keep = request.session.session_key
    with transaction.atomic():
        sessions_end_all(user=user, keep_session_key=keep)
        # Whoever chose the new password may log in at once, from anywhere: the
        # wrong-password lock on the account ends (django-axes).
        axes_reset(username=user.email)
        if by_reset and not user.email_confirmed:
            # The reset link reached the inbox: the address is theirs.
            user.email_confirmed = True
            user.save(update_fields=["email_confirmed"])
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.PASSWORD_RESET
            if by_reset
            else SecurityEvent.Kind.PASSWORD_CHANGED,
            request=request,
        )


# ------------------------------------------------------------ web sign-up


class EmailConfirmTokenGenerator(PasswordResetTokenGenerator):
    """One-use link in the welcome e-mail: invalid once the address is confirmed
    or the user has logged in."""

    key_salt = "accounts.services.EmailConfirmTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.email_confirmed}"


email_confirm_tokens = EmailConfirmTokenGenerator()


def signup_request(
    *,
    email: str,
    password: str,
    time_zone: str,
    display_name: str,
    notice_acknowledged: bool,
    request: HttpRequest,
) -> None:
    """Start a web sign-up without telling the visitor whether the address is
    already in use: either way the page says "check your email". A new address
    gets a link that confirms it and logs in; an address with an account gets a
    note saying so, with links to log in and reset the password."""
    email = User.objects.normalize_email(email).lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Spend the same time as creating an account would, so timing tells nothing.
        make_password(password)
        _send(
            to=existing.email,
            subject_template="registration/signup_exists_subject.txt",
            body_template="registration/signup_exists_email.txt",
            context={
                "login_url": absolute_url(reverse("accounts:login"), request=request),
                "reset_url": absolute_url(
                    reverse("accounts:password-reset"), request=request
                ),
            },
        )
        return
    try:
        with transaction.atomic():
            user = user_sign_up(
                email=email,
                password=password,
                time_zone=time_zone,
                display_name=display_name,
                notice_acknowledged=notice_acknowledged,
                email_confirmed=False,
            )
    except IntegrityError:
        # The same address signed up a moment ago: same answer as above.
        return
    link = reverse(
        "accounts:signup-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_confirm_tokens.make_token(user),
        },
    )
    _send(
        to=user.email,
        subject_template="registration/signup_confirm_subject.txt",
        body_template="registration/signup_confirm_email.txt",
        context={"confirm_url": absolute_url(link, request=request)},
    )


def signup_confirm(*, user: User, request: HttpRequest) -> None:
    user.email_confirmed = True
    user.save(update_fields=["email_confirmed"])
    security_event_record(
        user=user, kind=SecurityEvent.Kind.EMAIL_CONFIRMED, request=request
    )


def _send(*, to: str, subject_template: str, body_template: str, context) -> None:
    subject = "".join(render_to_string(subject_template, context).splitlines())
    body = render_to_string(body_template, context)
    send_mail(subject, body, None, [to])
