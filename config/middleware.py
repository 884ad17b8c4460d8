from django.conf import settings
from django.http import JsonResponse


class ApiBodySizeLimitMiddleware:
    """Refuse oversized API request bodies with 413 before anything reads them.

    Django itself refuses oversized form bodies with a 400; an API client deserves
    the precise status and the one JSON error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                return JsonResponse(
                    {
                        "code": "payload_too_large",
                        "message": f"The request body is larger than {limit} bytes.",
                        "errors": {},
                    },
                    status=413,
                )
        return self.get_response(request)
