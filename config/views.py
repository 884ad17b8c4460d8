"""Site-wide pages that belong to no app: the friendly CSRF failure page and the
service worker (served from the site root so that it may control every page)."""

import hashlib
import json
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# What the check-in and trends pages load. The service worker keeps these, and
# only these, in its cache: never a page, never an API answer, so no diary data
# is ever stored by it (and nothing of one user is shown to another).
OFFLINE_STATIC_FILES = [
    "css/app.css",
    "js/app.js",
    "css/trends.css",
    "css/evidence.css",
    "js/trends.js",
    "vendor/chart.js/chart.umd.min.js",
    "vendor/chartjs-adapter-date-fns/chartjs-adapter-date-fns.bundle.min.js",
    "vendor/chartjs-plugin-annotation/chartjs-plugin-annotation.min.js",
    "img/favicon.svg",
]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say what happened in plain words, offer the way back to
    the form, and keep the draft (the page is marked so the browser keeps it)."""
    # Back to the page the form was on (sent by the browser for this site's own
    # pages), else the address the form was sent to, which shows it again.
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}
    ):
        back_url = urlsplit(referer).path or "/"
    elif request.method == "POST" and request.path != reverse("accounts:logout"):
        back_url = request.path
    else:
        back_url = "/"
    return render(request, "csrf_failure.html", {"back_url": back_url}, status=403)


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    files = [static(name) for name in OFFLINE_STATIC_FILES]
    files_json = json.dumps(files)
    version = hashlib.sha256(files_json.encode()).hexdigest()[:12]
    return render(
        request,
        "pwa/sw.js",
        {"files_json": files_json, "version": version},
        content_type="text/javascript; charset=utf-8",
    )
