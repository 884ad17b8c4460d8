from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ..net import client_ip


class SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate from the current settings at each request, so a changed
    REST_FRAMEWORK setting (environment, tests) takes effect without a restart."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[str(self.scope)]

    def get_ident(self, request):
        # TRUSTED_PROXY_COUNT decides, as for axes and the share guard.
        return client_ip(request)


class LoginIPThrottle(SettingsRateThrottle):
    """Sign-in attempts from one address."""

    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class SignupThrottle(LoginIPThrottle):
    scope = "signup"


class RefreshThrottle(LoginIPThrottle):
    scope = "refresh"
