"""The export page (ask for an export, see your exports), the job status as JSON
for ``static/js/exports.js``, the download and the delete.

Files are served only here, only to their owner: another patient's export, an
unfinished or expired one, or a missing file is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from diary.forms.fields import add_service_errors

from . import services
from .downloads import export_file_response
from .forms import FORMAT_HELP, ExportForm
from .models import ExportJob

ACTIVE = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
LIST_LIMIT = 50


def _get_job(request, job_uuid) -> ExportJob:
    return get_object_or_404(ExportJob.objects.for_user(request.user), uuid=job_uuid)


def _render_list(request, form, status=200):
    jobs = list(ExportJob.objects.for_user(request.user)[:LIST_LIMIT])
    formats = [
        {"radio": radio, "help": FORMAT_HELP.get(radio.data["value"], "")}
        for radio in form["format"]
    ]
    context = {
        "form": form,
        "formats": formats,
        "jobs": jobs,
        "any_active": any(job.status in ACTIVE for job in jobs),
        "retention_days": settings.EXPORT_RETENTION_DAYS,
    }
    return render(request, "diary/exports/list.html", context, status=status)


@login_required
@require_GET
@never_cache
def export_list(request):
    form = ExportForm(
        user=request.user, initial={"display_name": request.user.display_name}
    )
    return _render_list(request, form)


@login_required
@require_POST
def export_create(request):
    form = ExportForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            job = services.export_request(user=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Without a broker the job has already run by now (tasks in-process):
            # say what is true of it, not "queued" beside an item marked Ready.
            job.refresh_from_db(fields=["status"])
            if job.status == ExportJob.Status.DONE:
                messages.success(
                    request, _("Your export is ready: download it from the list.")
                )
            elif job.status == ExportJob.Status.FAILED:
                messages.error(
                    request,
                    _("Your export could not be made; the list says why."),
                )
            else:
                messages.success(
                    request,
                    _(
                        "Your export is queued. It is usually ready within a "
                        "minute; this page shows when you can download it."
                    ),
                )
            return redirect("diary:export-list")
    return _render_list(request, form)


@login_required
@require_GET
@never_cache
def export_status(request, job_uuid):
    job = _get_job(request, job_uuid)
    return JsonResponse(
        {
            "uuid": str(job.uuid),
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "error": job.error,
            "download_url": (
                reverse("diary:export-download", args=[job.uuid])
                if job.is_downloadable
                else None
            ),
        }
    )


@login_required
@require_GET
def export_download(request, job_uuid):
    job = _get_job(request, job_uuid)
    if not job.is_downloadable:
        raise Http404("This export is not ready.")
    response = export_file_response(job)
    if response is None:
        raise Http404("This export's file is gone.")
    return response


@login_required
@require_POST
def export_delete(request, job_uuid):
    job = _get_job(request, job_uuid)
    services.export_delete(job=job)
    messages.success(request, _("Export deleted."))
    return redirect("diary:export-list")
