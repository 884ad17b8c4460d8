"""Log-in, log-out and failed log-ins, wherever they happen (web, admin, API),
become security events the patient can read. Thin: each calls a service."""

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver
from django.utils import timezone

from . import services
from .lockout import username_from
from .middleware import SessionActivityMiddleware
from .models import BrowserSession, SecurityEvent, User


def _account(request, credentials) -> User | None:
    email = username_from(request, credentials)
    if not email:
        return None
    return User.objects.filter(email__iexact=email).first()


@receiver(user_logged_in, dispatch_uid="accounts-login-event")
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    services.security_event_record(
        user=user, kind=SecurityEvent.Kind.LOGIN, request=request
    )
    services.browser_session_track(request=request, user=user)
    # The idle clock starts now, so the first page costs no session write.
    now = int(time.time())
    request.session[SessionActivityMiddleware.LAST_SEEN_KEY] = now
    request.session[SessionActivityMiddleware.SIGNED_IN_KEY] = now


@receiver(user_logged_out, dispatch_uid="accounts-logout-event")
def on_logged_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    key = request.session.session_key
    if key:
        BrowserSession.objects.filter(session_key=key).delete()
    if not getattr(request, "idle_logout", False):
        services.security_event_record(
            user=user, kind=SecurityEvent.Kind.LOGOUT, request=request
        )


@receiver(user_login_failed, dispatch_uid="accounts-login-failed-event")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Attempts against addresses without an account are not recorded anywhere.
    if request is None or getattr(request, "axes_locked_out", False):
        return
    user = _account(request, credentials)
    if user is not None:
        services.security_event_record(
            user=user, kind=SecurityEvent.Kind.LOGIN_FAILED, request=request
        )


@receiver(user_locked_out, dispatch_uid="accounts-locked-out-event")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    user = (
        get_user_model().objects.filter(email__iexact=username).first()
        if username
        else None
    )
    if user is None:
        return
    # axes says so again at every try during the lock; one event per lock.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if not SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.LOGIN_LOCKED, created_at__gte=since
    ).exists():
        services.security_event_record(
            user=user, kind=SecurityEvent.Kind.LOGIN_LOCKED, request=request
        )
