"""Project-wide middleware: request body limits and the security headers that
django's own middleware and django-csp do not set."""

import io

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

CHUNK_SIZE = 64 * 1024


def _too_large(request, limit: int):
    message = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"code": "payload_too_large", "message": message, "errors": {}},
            status=413,
        )
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def _read_chunked_body(request, limit: int) -> bytes | None:
    """Read a body sent without ``Content-Length`` (chunked transfer encoding,
    which gunicorn de-chunks), at most ``limit`` bytes; None when it is longer."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return b""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK_SIZE, limit + 1 - size))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return None


class ApiBodySizeLimitMiddleware:
    """Refuse oversized request bodies with 413 before anything reads them, and
    read a chunked body (no ``Content-Length``) instead of dropping it.

    Django itself refuses oversized form bodies with a 400; an API client deserves
    the precise status and the one JSON error shape. Django reads only
    ``Content-Length`` bytes, so a chunked request without it would look empty and,
    for example, save an entry with nothing in it: such a body is read here, up to
    the limit, and handed on with its length; a longer one answers 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not raw_length and request.method not in ("GET", "HEAD"):
            body = _read_chunked_body(request, limit or 2**62)
            if body is None:
                return _too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
            request._read_started = False
        elif request.path_info.startswith("/api/"):
            try:
                length = int(raw_length or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                return _too_large(request, limit)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: no-store``
    on every response to a signed-in user and every API response, so health data
    never stays in a shared or back-button cache.

    Runs inside the authentication middleware (it is listed after it), and reads
    ``request.user`` only after the view ran: DRF sets it there for token auth."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENY
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        private = request.path_info.startswith("/api/") or (
            user is not None and user.is_authenticated
        )
        # never_cache's "max-age=0, no-cache, no-store, ..." already says it.
        if private and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
