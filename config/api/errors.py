"""The one error shape every API response uses: ``{"code", "message", "errors"}``."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

# The shape in the OpenAPI schema. Built with inline_serializer: a declared field
# called "errors" would shadow Serializer.errors for type checkers.
ErrorSerializer = inline_serializer(
    "Error",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text=_("Messages by field name."),
        ),
    },
)
ERROR = OpenApiResponse(ErrorSerializer, description="Error")


def _text(value) -> str:
    """A message safe to encode as JSON: DRF repeats some input in its messages,
    and a lone surrogate in that input would otherwise crash the renderer."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub_key, sub_value in _flatten(value).items():
                    out[f"{key}.{sub_key}"] = sub_value
            elif isinstance(value, list):
                messages: list[str] = []
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        for sub_key, sub_value in _flatten(item).items():
                            out[f"{key}.{index}.{sub_key}"] = sub_value
                    else:
                        messages.append(_text(item))
                if messages:
                    out[key] = messages
            else:
                out[key] = [_text(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [_text(item) for item in detail]}
    return {}


def exception_handler(exc, context):
    """Every API error answers ``{"code", "message", "errors"}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = {
            "code": "invalid",
            "message": "Some fields are not valid: " + ", ".join(sorted(errors)) + ".",
            "errors": errors,
        }
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": str(code), "message": _text(detail), "errors": {}}
        if isinstance(detail, dict):
            body["message"] = _text(detail.get("detail", exc.default_detail))
            body["errors"] = _flatten(
                {k: v for k, v in detail.items() if k != "detail"}
            )
    extra = getattr(exc, "extra_body", None)
    if extra:
        body.update(extra)
    response.data = body
    return response
