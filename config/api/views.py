"""API endpoints that belong to no app: the version check."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response


@extend_schema(
    summary="API version and the minimum mobile app version this server supports",
    responses=inline_serializer(
        "Meta",
        {
            "api_version": serializers.CharField(),
            "min_app_version": serializers.CharField(),
            "disclaimer": serializers.CharField(),
        },
    ),
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def meta(request):
    return Response(
        {
            "api_version": settings.API_VERSION,
            "min_app_version": settings.MIN_MOBILE_APP_VERSION,
            "disclaimer": NOT_MEDICAL_ADVICE,
        }
    )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request):
    """No such endpoint: the one error shape, like every other API error."""
    raise exceptions.NotFound


NOT_MEDICAL_ADVICE = (
    "LDN Diary records what you tell it. It is not medical advice: it does not "
    "diagnose, treat or recommend doses. Decisions about medicines are for you and "
    "your prescriber."
)
