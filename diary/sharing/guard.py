"""What protects the doctor's side of share links (``/s/<token>/``).

- :func:`doctor_page`: every response, the neutral 404, the 405 and the 429
  included, carries ``Cache-Control: no-store``, ``Referrer-Policy: no-referrer``
  (the token is in the URL: no link on the page may leak it to another site) and
  ``X-Robots-Tag: noindex``. Only the methods named are allowed.
- The access-code form cannot use Django's CSRF middleware: under
  ``no-referrer`` a browser sends ``Origin: null`` and no ``Referer`` with the
  form, which the middleware rejects. It carries its own token instead, kept in
  the visitor's session (:func:`form_token` / :func:`form_token_ok`); the session
  cookie is ``SameSite=Lax``, so another site cannot post the form with it.
- Guessing is rate-limited per client address and per link, never globally:
  each unknown, revoked or expired token and each wrong access code counts as a
  failure for the client's IP address, in the Django cache (local memory without
  Redis, Redis with it), in a fixed window. Once an address reaches
  ``SHARE_GUESS_LIMIT`` failures (default 20) in ``SHARE_GUESS_WINDOW_SECONDS``
  (default 600), every share-link request from that address answers 429 until the
  window ends, valid tokens included, so the answer never tells a guesser which
  token exists; every other address is unaffected. Wrong codes also count against
  the link itself, so a code cannot be guessed from many addresses either: once a
  link reaches the limit, only its code form is closed (a doctor who already
  entered the code keeps reading).

The client address comes from :func:`accounts.net.client_ip`, the one rule that
DRF's throttles and django-axes use too: behind ``TRUSTED_PROXY_COUNT`` proxies it
is the address the outermost trusted proxy saw, and a client's own
``X-Forwarded-For`` entries are never believed. (With a proxy and the count left
at 0 every visitor would share the proxy's address; the system check
``ldn.W002`` warns about that.) The address is used only as a (hashed) cache key
for the count; it is never stored in the database or logged here.
"""

import functools
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.net import client_ip

GUESS_LIMIT_DEFAULT = 20
GUESS_WINDOW_DEFAULT = 600
FORM_TOKEN_KEY = "share_code_form_token"  # noqa: S105 (a session key)
FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a form field name)
DOCTOR_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def doctor_page(*methods: str):
    """Decorate a doctor-side view: allow only ``methods`` and set
    :data:`DOCTOR_HEADERS` on every response. The view checks its own form token
    on POST (see the module docstring)."""

    def decorator(view):
        inner = require_http_methods(list(methods))(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            response = inner(request, *args, **kwargs)
            for name, value in DOCTOR_HEADERS.items():
                response[name] = value
            return response

        return csrf_exempt(wrapper)

    return decorator


def form_token(request) -> str:
    """The access-code form's anti-forgery token for this visitor's session."""
    token = request.session.get(FORM_TOKEN_KEY)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[FORM_TOKEN_KEY] = token
    return token


def form_token_ok(request) -> bool:
    expected = request.session.get(FORM_TOKEN_KEY) or ""
    sent = request.POST.get(FORM_TOKEN_FIELD, "")
    return bool(expected) and hmac.compare_digest(
        expected.encode("utf-8", "replace"), sent.encode("utf-8", "replace")
    )


def guess_limit() -> int:
    return int(getattr(settings, "SHARE_GUESS_LIMIT", GUESS_LIMIT_DEFAULT))


def guess_window() -> int:
    return int(getattr(settings, "SHARE_GUESS_WINDOW_SECONDS", GUESS_WINDOW_DEFAULT))


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"share-guess:{kind}:{digest}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _bump(key: str) -> None:
    # add() starts a window only if none is running; incr() keeps its expiry.
    cache.add(key, 0, timeout=guess_window())
    try:
        cache.incr(key)
    except ValueError:  # the window ended in between
        cache.add(key, 1, timeout=guess_window())


def ip_blocked(request) -> bool:
    return _count(_key("ip", client_ip(request))) >= guess_limit()


def link_blocked(link) -> bool:
    return _count(_key("link", str(link.uuid))) >= guess_limit()


def record_failure(request, link=None) -> None:
    """Count an unknown token or a wrong code (``link`` given) against the
    client's address, and a wrong code against the link too."""
    _bump(_key("ip", client_ip(request)))
    if link is not None:
        _bump(_key("link", str(link.uuid)))
