from django.conf import settings
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from config.api.errors import ERROR

from .. import services, two_factor
from ..models import Device, SecurityEvent
from .serializers import (
    DeviceSerializer,
    RefreshRequestSerializer,
    SecurityEventSerializer,
    SignupAcceptedSerializer,
    SignupSerializer,
    TokenPairSerializer,
    TokenRequestSerializer,
)
from .throttles import LoginIPThrottle, RefreshThrottle, SignupThrottle


class TokenRejected(exceptions.APIException):
    """401 from the token endpoints, which take no authentication themselves (DRF
    would otherwise turn an AuthenticationFailed there into a 403)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "invalid_credentials"
    # One answer for a wrong password and a not-yet-confirmed address, as on the
    # web log-in: a different one would tell a sign-up whether the address was new.
    default_detail = _(
        "Email or password is not right, or the address is not confirmed yet: "
        "open the link in the sign-up e-mail first."
    )


def _token_pair(device: Device, refresh: str) -> dict:
    lifetime = settings.ACCESS_TOKEN_LIFETIME
    return {
        "access": services.access_token_for(device=device),
        "access_expires_in": int(lifetime.total_seconds()),
        "refresh": refresh,
        "device": device.uuid,
    }


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


@extend_schema(
    summary="Sign in a mobile app",
    request=TokenRequestSerializer,
    responses={200: TokenPairSerializer, 400: ERROR, 401: ERROR, 429: ERROR},
    tags=["auth"],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([LoginIPThrottle])
def token_obtain(request):
    """django-axes counts wrong passwords per account AND address, as on the web:
    after AXES_FAILURE_LIMIT from one address that pair gets 429 for the cool-off,
    while the account's owner elsewhere can still sign in."""
    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    django_request = request._request
    user = authenticate(
        django_request, username=data["email"], password=data["password"]
    )
    if getattr(django_request, "axes_locked_out", False):
        raise exceptions.Throttled(
            wait=settings.AXES_COOLOFF_MINUTES * 60,
            detail=str(_("Too many wrong passwords from here. Try again later.")),
        )
    if user is None:
        raise TokenRejected
    if two_factor.two_factor_enabled(user):
        code = data.get("otp_code", "")
        if not code:
            raise TokenRejected(
                _("This account uses two-step log-in: send otp_code as well."),
                code="otp_required",
            )
        if two_factor.two_factor_verify(user=user, code=code, request=request) is None:
            services.security_event_record(
                user=user, kind=SecurityEvent.Kind.LOGIN_FAILED, request=request
            )
            raise TokenRejected(
                _("That code is not right, or was already used."), code="otp_invalid"
            )
    device, refresh = services.device_sign_in(
        user=user,
        name=data.get("device_name", ""),
        user_agent=_user_agent(request),
        request=request,
    )
    return Response(TokenPairSerializer(_token_pair(device, refresh)).data)


@extend_schema(
    summary="Swap a refresh token for a new pair (the old refresh token stops working)",
    request=RefreshRequestSerializer,
    responses={200: TokenPairSerializer, 400: ERROR, 401: ERROR, 429: ERROR},
    tags=["auth"],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([RefreshThrottle])
def token_refresh(request):
    serializer = RefreshRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        device, refresh = services.device_refresh(
            refresh_token=serializer.validated_data["refresh"]
        )
    except services.RefreshTokenInvalid:
        raise TokenRejected(
            _("This refresh token is no longer valid. Sign in again."),
            code="refresh_invalid",
        ) from None
    return Response(TokenPairSerializer(_token_pair(device, refresh)).data)


@extend_schema(
    summary="Sign this device out (its refresh and access tokens stop working)",
    request=RefreshRequestSerializer,
    responses={204: None, 400: ERROR, 429: ERROR},
    tags=["auth"],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([RefreshThrottle])
def logout(request):
    serializer = RefreshRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    from ..models import hash_token

    device = Device.objects.filter(
        refresh_token_hash=hash_token(serializer.validated_data["refresh"])
    ).first()
    if device is not None:
        services.device_revoke(device=device, request=request)
    # The same answer whether or not the token was known: nothing to learn here.
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="Start a sign-up from the app: the address gets an e-mail",
    description=(
        "Always 202 with the same body, whether or not the address already has an "
        "account, so the answer tells nobody who uses the app. A new address gets a "
        "link that confirms it; until then /auth/token/ refuses the account. An "
        "address with an account gets a note with links to log in and reset the "
        "password. No tokens here: sign in at /auth/token/ once confirmed."
    ),
    request=SignupSerializer,
    responses={202: SignupAcceptedSerializer, 400: ERROR, 429: ERROR},
    tags=["auth"],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([SignupThrottle])
def signup(request):
    serializer = SignupSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    services.signup_request(
        email=data["email"],
        password=data["password"],
        time_zone=data["time_zone"],
        display_name=data.get("display_name", ""),
        notice_acknowledged=data["notice_acknowledged"],
        request=request._request,
    )
    body = {
        "detail": _(
            "Check your email: we sent a message to this address. To a new address "
            "it holds a link that confirms it; then sign in."
        ),
        "email": data["email"],
    }
    return Response(
        SignupAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED
    )


@extend_schema(
    summary="Signed-in devices", responses=DeviceSerializer(many=True), tags=["auth"]
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def device_list(request):
    devices = Device.objects.for_user(request.user).active()
    return Response(
        DeviceSerializer(devices, many=True, context={"request": request}).data
    )


@extend_schema(
    summary="Sign a device out", responses={204: None, 404: ERROR}, tags=["auth"]
)
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def device_revoke(request, device_uuid):
    device = get_object_or_404(Device.objects.for_user(request.user), uuid=device_uuid)
    services.device_revoke(device=device, request=request)
    return Response(status=status.HTTP_204_NO_CONTENT)


class SecurityEventList(generics.ListAPIView):
    """The signed-in user's own security events, newest first."""

    serializer_class = SecurityEventSerializer

    def get_queryset(self):
        return SecurityEvent.objects.for_user(self.request.user)


security_event_list = extend_schema(
    summary="Your security events (log-ins, password changes, devices, two-step)",
    tags=["auth"],
    responses={200: SecurityEventSerializer(many=True), 400: ERROR, 404: ERROR},
)(SecurityEventList).as_view()
