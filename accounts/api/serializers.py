from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import StrictBooleanField, StrictCharField

from ..models import Device, SecurityEvent, User, time_zone_choices


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=256, trim_whitespace=False)
    device_name = StrictCharField(max_length=80, required=False, allow_blank=True)
    otp_code = StrictCharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_(
            "With two-step log-in on: the authenticator app's current code or an "
            "unused backup code. Without it such an account gets 401 otp_required."
        ),
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(
        help_text=_("Send as 'Authorization: Bearer <access>'.")
    )
    access_expires_in = serializers.IntegerField(help_text=_("Seconds."))
    refresh = serializers.CharField(
        help_text=_("Use once: each refresh returns a new one.")
    )
    device = serializers.UUIDField()


class RefreshRequestSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=200)


class DeviceSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = ["uuid", "name", "user_agent", "created_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, device) -> bool:
        current = getattr(self.context["request"].user, "api_device", None)
        return current is not None and current.pk == device.pk


class SignupSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=256, trim_whitespace=False, write_only=True)
    time_zone = serializers.ChoiceField(choices=time_zone_choices())
    display_name = StrictCharField(max_length=80, required=False, allow_blank=True)
    notice_acknowledged = StrictBooleanField(
        help_text=_("Must be true: the user has read the not-medical-advice notice.")
    )

    def validate_email(self, value: str) -> str:
        # Whether the address is taken is never checked here: the answer would
        # tell anyone who has an account (accounts.services.signup_request).
        return User.objects.normalize_email(value.strip()).lower()

    def validate_notice_acknowledged(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                _("Please confirm that you understand this app is not medical advice.")
            )
        return value

    def validate(self, attrs):
        candidate = User(
            email=attrs["email"], display_name=attrs.get("display_name", "")
        )
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {"password": list(error.messages)}
            ) from None
        return attrs


class SignupAcceptedSerializer(serializers.Serializer):
    """The same answer whether or not the address already has an account."""

    detail = serializers.CharField()
    email = serializers.EmailField()


class SecurityEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = SecurityEvent
        fields = ["kind", "kind_label", "created_at", "ip_address", "user_agent"]
        read_only_fields = fields
