"""The one page of reminders that needs no log-in: unsubscribing from the link
in a reminder e-mail. Settings for reminders live on the account settings page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services


def _private(response: HttpResponse) -> HttpResponse:
    # The URL carries a token: keep it out of caches, referrers and indexes.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


# The signed token in the URL is what authorises the change, and RFC 8058
# one-click unsubscribe is a cross-site POST from the mail provider by design:
# it cannot carry a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_unsubscribe(request, token: str):
    user = services.unsubscribe_user(token=token)
    if user is None:
        return _private(
            render(request, "diary/reminders/unsubscribe_invalid.html", status=404)
        )
    if request.method == "POST":
        if user.reminder_enabled:
            services.reminder_unsubscribe(user=user)
        messages.success(
            request, _("Done. You will not get any more reminder e-mails.")
        )
        return _private(redirect(request.path))
    return _private(
        render(
            request,
            "diary/reminders/unsubscribe.html",
            {"reminder_enabled": user.reminder_enabled},
        )
    )
