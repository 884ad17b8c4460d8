from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode


class UserTimezoneMiddleware:
    """Render times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class MedicalNoticeMiddleware:
    """Send a signed-in user to the not-medical-advice notice until they have
    acknowledged its current version. A new version asks again."""

    EXEMPT_URL_NAMES = ("accounts:notice", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.has_current_medical_notice
            and not self._is_exempt(request.path_info)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:notice')}?{query}")
        return self.get_response(request)

    def _is_exempt(self, path: str) -> bool:
        prefixes = [reverse(name) for name in self.EXEMPT_URL_NAMES]
        prefixes += [settings.STATIC_URL, "/admin/", "/api/"]
        return any(path.startswith(prefix) for prefix in prefixes)
