import time

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

    # The service worker is the site's own script, with no diary data in it: the
    # notice page itself registers it, and a redirect would make the browser
    # refuse it ("The script resource is behind a redirect").
    EXEMPT_URL_NAMES = ("accounts:notice", "accounts:logout", "service-worker")

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


class SessionActivityMiddleware:
    """Sign a browser out after ``SESSION_IDLE_MINUTES`` without a request, or
    ``SESSION_COOKIE_AGE`` after it logged in however busy it was, and keep its
    row in the signed-in browsers list current (at most one write a minute)."""

    LAST_SEEN_KEY = "_last_seen"
    SIGNED_IN_KEY = "_signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        from django.contrib.auth import logout

        from . import services
        from .models import SecurityEvent

        now = int(time.time())
        session = request.session
        last_seen = session.get(self.LAST_SEEN_KEY)
        signed_in = session.get(self.SIGNED_IN_KEY)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        idle = isinstance(last_seen, int) and now - last_seen > idle_limit
        too_old = (
            isinstance(signed_in, int) and now - signed_in > settings.SESSION_COOKIE_AGE
        )
        if idle or too_old:
            user = request.user
            request.idle_logout = True  # not a "Logged out" event: this one is
            logout(request)
            services.security_event_record(
                user=user, kind=SecurityEvent.Kind.SESSION_EXPIRED, request=request
            )
            return
        if not isinstance(last_seen, int) or now - last_seen >= 60:
            session[self.LAST_SEEN_KEY] = now
        services.browser_session_track(request=request)
