from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms.fields import add_service_errors
from ..forms.symptoms import SymptomAddForm, SymptomMoveForm
from ..models import Symptom, TrackedSymptom


def _page(request, add_form: SymptomAddForm, status: int = 200):
    user = request.user
    tracked = list(TrackedSymptom.objects.for_user(user).in_order())
    active = [t for t in tracked if t.archived_at is None]
    archived = [t for t in tracked if t.archived_at is not None]
    tracked_ids = {t.symptom_id for t in tracked}
    available = [s for s in Symptom.objects.builtin() if s.pk not in tracked_ids]
    context = {
        "active": active,
        "archived": archived,
        "available": available,
        "add_form": add_form,
    }
    return render(request, "diary/symptoms.html", context, status=status)


@login_required
def symptom_list(request):
    return _page(request, SymptomAddForm())


@login_required
@require_POST
def symptom_add(request):
    form = SymptomAddForm(request.POST)
    if form.is_valid():
        try:
            symptom = services.symptom_create_own(
                user=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Added “%(name)s” to your check-in.") % {"name": symptom.name},
            )
            return redirect("diary:symptom-list")
    return _page(request, form)


def _available_symptom(request, symptom_uuid) -> Symptom:
    return get_object_or_404(
        Symptom.objects.available_to(request.user), uuid=symptom_uuid
    )


def _tracked(request, symptom_uuid) -> TrackedSymptom:
    return get_object_or_404(
        TrackedSymptom.objects.for_user(request.user).select_related("symptom"),
        symptom__uuid=symptom_uuid,
    )


@login_required
@require_POST
def symptom_track(request, symptom_uuid):
    symptom = _available_symptom(request, symptom_uuid)
    services.symptom_track(user=request.user, symptom=symptom)
    messages.success(
        request, _("“%(name)s” is on your check-in.") % {"name": symptom.name}
    )
    return redirect("diary:symptom-list")


@login_required
@require_POST
def symptom_archive(request, symptom_uuid):
    tracked = _tracked(request, symptom_uuid)
    services.symptom_archive(tracked=tracked)
    messages.success(
        request,
        _("“%(name)s” is no longer on your check-in. Its history is kept.")
        % {"name": tracked.symptom.name},
    )
    return redirect("diary:symptom-list")


@login_required
@require_POST
def symptom_move(request, symptom_uuid):
    tracked = _tracked(request, symptom_uuid)
    form = SymptomMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose up or down."))
    offset = -1 if form.cleaned_data["direction"] == "up" else 1
    services.symptom_move(tracked=tracked, offset=offset)
    return redirect("diary:symptom-list")
