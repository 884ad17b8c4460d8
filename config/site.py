"""The site's own absolute addresses, for links that leave the page (share links,
e-mails)."""

from django.conf import settings
from django.http import HttpRequest


def absolute_url(path: str, *, request: HttpRequest | None = None) -> str:
    """``SITE_URL`` + ``path`` when ``SITE_URL`` is set; else the address the
    request came to (its host is checked against ``ALLOWED_HOSTS``), so a link
    works wherever the site is served; else, with no request (a periodic e-mail),
    the local default."""
    if settings.SITE_URL:
        return settings.SITE_URL + path
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL_FALLBACK + path
