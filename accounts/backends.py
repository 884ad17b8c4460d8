from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class EmailConfirmedBackend(ModelBackend):
    """Django's model backend, refusing accounts whose address is not confirmed.

    A sign-up with someone else's address therefore cannot be used to log in (or to
    learn whether the address already had an account): only the inbox's owner can
    confirm it, by the sign-up link or a password reset."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(
            user, "email_confirmed", True
        )


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: a locked-out account
    and address pair is refused before any password is compared.

    Calls without a request come from server-side code (the shell, the test
    client), never from a visitor; axes would raise there, this lets the next
    backend decide."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
