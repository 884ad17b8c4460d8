"""Writes to accounts. Forms and API serializers validate, then call these."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Device, User, hash_token


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    time_zone: str,
    display_name: str = "",
    notice_acknowledged: bool,
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
    )
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
    *, user: User, name: str = "", user_agent: str = ""
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
    )
    return device, token


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
        if device is not None and device.is_active and device.user.is_active:
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


def device_revoke(*, device: Device) -> None:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])


def access_token_for(*, device: Device) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(device.user)
    token["device"] = str(device.uuid)
    return str(token)
