"""The "Your data" pages: download everything, import an export into an empty
account, delete the account; and the public privacy page.

Every page that shows or takes diary data is for the signed-in owner only and is
never cached. The page after a deletion is neutral: it says an account was
deleted and nothing about whose.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diary.exports.models import ExportJob
from diary.models import Crash, Entry, Medication, ShareLink, TreatmentCourse

from . import services
from .forms import DeleteAccountForm, ImportForm


def download_response(*, user) -> HttpResponse:
    """The full export as an attachment, never cached: for the page and the API."""
    response = HttpResponse(
        services.account_export_json(user=user),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{services.export_filename(user=user)}"'
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _held(user) -> dict[str, int]:
    return {
        "entries": Entry.objects.for_user(user).count(),
        "crashes": Crash.objects.for_user(user).count(),
        "courses": TreatmentCourse.objects.for_user(user).count(),
        "medications": Medication.objects.for_user(user).count(),
        "share_links": ShareLink.objects.for_user(user).count(),
        "exports": ExportJob.objects.for_user(user).count(),
    }


def _render_data(request, *, import_form, problems=None, total=0):
    held = _held(request.user)
    context = {
        "held": held,
        "can_import": not services.account_holds_data(request.user),
        "import_form": import_form,
        "problems": problems or [],
        "more_problems": max(0, total - len(problems or [])),
        "max_import_mb": services.max_import_bytes() // 1_000_000,
        "retention_days": settings.EXPORT_RETENTION_DAYS,
    }
    # A form with errors is shown again with 200, as on every page of the site.
    return render(request, "portability/data.html", context)


@login_required
@require_GET
@never_cache
def data(request):
    return _render_data(request, import_form=ImportForm())


@login_required
@require_GET
def export_download(request):
    return download_response(user=request.user)


@login_required
@require_POST
@never_cache
def import_upload(request):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_data(request, import_form=form)
    upload = form.cleaned_data["file"]
    raw = upload.read(services.max_import_bytes() + 1)
    try:
        summary = services.account_import(user=request.user, raw=raw)
    except services.ImportRejected as rejected:
        return _render_data(
            request,
            import_form=ImportForm(),
            problems=rejected.problems,
            total=rejected.total,
        )
    messages.success(
        request,
        _(
            "Your data has been imported: %(entries)d days, %(crashes)d crashes, "
            "%(courses)d LDN courses and %(medications)d other medications."
        )
        % {
            "entries": summary.entries,
            "crashes": summary.crashes,
            "courses": summary.courses,
            "medications": summary.medications,
        },
    )
    # To the top, where the message is: a redirect keeps the form's #import-heading.
    return redirect(reverse("portability:data") + "#main")


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def account_delete(request):
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            user = request.user
            logout(request)
            services.account_delete(user=user)
            return redirect("portability:deleted")
    else:
        form = DeleteAccountForm(user=request.user)
    return render(
        request, "portability/delete.html", {"form": form, "held": _held(request.user)}
    )


@require_GET
def deleted(request):
    return render(request, "portability/deleted.html")


@require_GET
def privacy(request):
    context = {
        "retention_days": settings.EXPORT_RETENTION_DAYS,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
    }
    return render(request, "portability/privacy.html", context)
