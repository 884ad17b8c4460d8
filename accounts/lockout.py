"""django-axes hooks: how the log-in name is read, and what a locked-out client
sees. The client address comes from ``accounts.net.client_ip``."""

from django.conf import settings
from django.shortcuts import render


def username_from(request, credentials=None) -> str:
    """The log-in name, lower-cased, so "Alice@" and "alice@" share one counter.

    The web and admin forms send ``username``; the API sends ``email``."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None)
        if data is None or not hasattr(data, "get"):
            data = getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    return value.strip().lower() if isinstance(value, str) else ""


def lockout_response(request, original_response=None, credentials=None):
    """Web and admin: a page saying when to try again (429). The API view answers
    in the API's own error shape, so its response is kept."""
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": settings.AXES_COOLOFF_MINUTES},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
