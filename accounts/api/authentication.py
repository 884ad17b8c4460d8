from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from ..models import Device
from ..services import device_password_still_valid


class DeviceTokenAuthentication(JWTAuthentication):
    """A short-lived access token, valid only while its device is signed in.

    Revoking a device (or signing out) ends its access tokens at once, not when
    they expire: the device is looked up with its user in one query."""

    def get_user(self, validated_token):
        device_id = validated_token.get("device")
        if not device_id:
            raise InvalidToken(str(_("Token has no device.")))
        device = (
            Device.objects.select_related("user")
            .filter(uuid=device_id, revoked_at__isnull=True)
            .first()
        )
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
