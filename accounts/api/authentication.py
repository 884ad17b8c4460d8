import uuid

from django.db import router
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from config.prepared import PreparedSelect

from ..models import Device, User
from ..services import device_password_still_valid

# Every column of the device and of its user, in the models' field order, so that
# ``from_db`` builds whole instances (nothing deferred) from one row.
_DEVICE_COLUMNS = [field.attname for field in Device._meta.concrete_fields]
_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]
_UUID = Device._meta.get_field("uuid")

# The signed-in device with its user, as
# ``Device.objects.select_related("user").filter(uuid=..., revoked_at__isnull=True)``
# reads them, compiled once per database connection (config.prepared): every API
# request looks its device up, and building and compiling that query through the
# ORM was about half of a bare API request's time (in-process, py-spy: 51% on
# SQLite, 55% on PostgreSQL).
_SIGNED_IN_DEVICE = PreparedSelect(
    "accounts.api.signed_in_device",
    lambda device_uuid: (
        Device.objects.filter(uuid=device_uuid, revoked_at__isnull=True)
        .order_by()
        .values_list(*_DEVICE_COLUMNS, *(f"user__{name}" for name in _USER_COLUMNS))
    ),
    # A UUID no device gets (uuid4 sets the version bits; this one has none).
    lambda n: [uuid.UUID(int=1)],
)


def signed_in_device(device_uuid: uuid.UUID) -> Device | None:
    """The device with this uuid unless it was revoked, with its user loaded."""
    db = router.db_for_read(Device)
    rows = _SIGNED_IN_DEVICE.rows([_UUID], [device_uuid], using=db)
    if not rows:
        return None
    row = rows[0]
    split = len(_DEVICE_COLUMNS)
    device = Device.from_db(db, _DEVICE_COLUMNS, row[:split])
    device.user = User.from_db(db, _USER_COLUMNS, row[split:])
    return device


class DeviceTokenAuthentication(JWTAuthentication):
    """A short-lived access token, valid only while its device is signed in.

    Revoking a device (or signing out) ends its access tokens at once, not when
    they expire: the device is looked up with its user in one query."""

    def get_user(self, validated_token):
        device_id = validated_token.get("device")
        if not device_id:
            raise InvalidToken(str(_("Token has no device.")))
        try:
            device_uuid = uuid.UUID(str(device_id))
        except ValueError:
            raise InvalidToken(str(_("Token has no device."))) from None
        device = signed_in_device(device_uuid)
        if (
            device is None
            or not device.user.is_active
            or not device_password_still_valid(device)
        ):
            raise exceptions.AuthenticationFailed(
                _("This device is signed out. Sign in again."), code="device_revoked"
            )
        if str(device.user.pk) != str(validated_token.get("user_id")):
            raise InvalidToken(str(_("Token does not match its device.")))
        user = device.user
        user.api_device = device  # type: ignore[attr-defined]  # the device in use
        return user


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
