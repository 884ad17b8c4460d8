"""Two-step log-in: a time-based code from an authenticator app (TOTP, RFC 6238)
plus ten single-use backup codes, on django-otp's devices.

Turning it on: ``two_factor_begin`` makes an unconfirmed TOTP device (its key is
shown as a QR code); ``two_factor_confirm`` checks the first code, confirms the
device and returns the backup codes, shown once. Logging in then asks for a code
(``two_factor_verify``), on the web, in the admin and for the API token."""

import secrets

import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityEvent, User
from .services import security_event_record

BACKUP_CODE_COUNT = 10
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _new_backup_code() -> str:
    return "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))


def format_backup_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_begin(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator key (any earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (no image request, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", border=2
    )


def secret_for_typing(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [_new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return [format_backup_code(code) for code in codes]


@transaction.atomic
def two_factor_confirm(
    *, user: User, code: str, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm the pending key with its first code. Returns the backup codes, or
    None when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .first()
    )
    if device is None or not device.verify_token(normalise_code(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_backup_codes(user)
    security_event_record(
        user=user, kind=SecurityEvent.Kind.TWO_FACTOR_ENABLED, request=request
    )
    return codes


def backup_codes_renew(*, user: User, request: HttpRequest | None = None) -> list[str]:
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        security_event_record(
            user=user, kind=SecurityEvent.Kind.BACKUP_CODES_RENEWED, request=request
        )
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def two_factor_disable(*, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security_event_record(
            user=user, kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED, request=request
        )


def two_factor_verify(*, user: User, code: str, request: HttpRequest | None = None):
    """The device that accepts ``code`` (an app code or an unused backup code),
    or None. A backup code is deleted in the same statement that checks it, so
    two requests racing with one code cannot both succeed."""
    code = normalise_code(code)
    if not code:
        return None
    if code.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return None
        deleted, _ = StaticToken.objects.filter(device=device, token=code).delete()
        if deleted:
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
            security_event_record(
                user=user, kind=SecurityEvent.Kind.BACKUP_CODE_USED, request=request
            )
            return device
        device.throttle_increment()
    return None


def staff_must_enrol(user: User) -> bool:
    return bool(user.is_staff) and not two_factor_enabled(user)
