"""Writes to accounts. Forms and API serializers validate, then call these."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import User


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
    user.time_zone = time_zone
    user.display_name = display_name
    user.takes_opioids = takes_opioids
    user.full_clean(exclude=["password"])
    user.save(update_fields=["time_zone", "display_name", "takes_opioids"])
    return user
