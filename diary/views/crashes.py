"""Crash (post-exertional malaise) pages: the list, add, edit and delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from diary import services
from diary.forms.crashes import CrashForm
from diary.forms.fields import add_service_errors
from diary.models import Crash


def _get_crash(request, crash_uuid) -> Crash:
    return get_object_or_404(Crash.objects.for_user(request.user), uuid=crash_uuid)


@login_required
def crash_list(request):
    today = request.user.local_today()
    crashes = (
        Crash.objects.for_user(request.user)
        .annotate(
            ongoing_first=Case(
                When(end_date__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("ongoing_first", "-start_date", "-id")
    )
    rows = [{"crash": crash, "days": crash.duration_days(today)} for crash in crashes]
    return render(request, "diary/crashes/list.html", {"rows": rows, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def crash_create(request):
    today = request.user.local_today()
    if request.method == "POST":
        form = CrashForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.crash_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Crash saved."))
                return redirect("diary:crash-list")
    else:
        form = CrashForm(initial={"start_date": today}, today=today)
    return render(request, "diary/crashes/form.html", {"form": form, "crash": None})


@login_required
@require_http_methods(["GET", "POST"])
def crash_edit(request, crash_uuid):
    crash = _get_crash(request, crash_uuid)
    today = request.user.local_today()
    if request.method == "POST":
        form = CrashForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.crash_update(crash=crash, **form.cleaned_data)
            except ValidationError as error:
                # The service set the typed values on the instance before it
                # refused them; show the page with what is really saved.
                crash.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("Crash updated."))
                return redirect("diary:crash-list")
    else:
        form = CrashForm(initial=CrashForm.initial_from(crash), today=today)
    return render(request, "diary/crashes/form.html", {"form": form, "crash": crash})


@login_required
@require_http_methods(["GET", "POST"])
def crash_delete(request, crash_uuid):
    crash = _get_crash(request, crash_uuid)
    if request.method == "POST":
        services.crash_delete(crash=crash)
        messages.success(request, _("Crash deleted."))
        return redirect("diary:crash-list")
    today = request.user.local_today()
    return render(
        request,
        "diary/crashes/confirm_delete.html",
        {"crash": crash, "days": crash.duration_days(today)},
    )
