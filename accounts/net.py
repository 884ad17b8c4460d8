"""The client's address, from the one setting that says how many proxies to trust.

``TRUSTED_PROXY_COUNT`` is the number of reverse proxies in front of the app that
each append the address they received the request from to ``X-Forwarded-For``.
With 0 (the default) no client-supplied header is ever trusted and the address
is ``REMOTE_ADDR``. With N, the address is the N-th entry from the right of
``X-Forwarded-For``: the one the outermost trusted proxy saw. Entries further
left were written by the client and are ignored.

DRF's throttles (``NUM_PROXIES``), django-axes (``AXES_CLIENT_IP_CALLABLE``) and
the share-link guard all use this, so they always agree on who the client is.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, as far as trusted proxies say.

    Mirrors DRF's ``BaseThrottle.get_ident`` with ``NUM_PROXIES`` set, so an
    address that DRF throttles is the same address axes locks."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        candidate = _valid(hops[-min(count, len(hops))])
        if candidate is not None:
            return candidate
    return _valid(remote) or remote or UNKNOWN


def client_ip_or_none(request: HttpRequest) -> str | None:
    """``client_ip``, or None when the request carries no address at all (a
    request built in code). For django-axes, which stores it in an IP field."""
    address = client_ip(request)
    return None if address == UNKNOWN else address
