"""Treatment pages: the overview, the LDN course with its dose history, missed
doses and side effects, other medications and supplements, and the opioid
question.

These pages record what the patient and their prescriber decided. Nothing here
suggests a dose, a step or a change.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.services import user_update_settings
from diary import services
from diary.doses import course_day, current_dose
from diary.forms.fields import add_service_errors
from diary.forms.treatments import (
    CourseCreateForm,
    CourseForm,
    DoseChangeForm,
    MedicationForm,
    MissedDoseForm,
    OpioidAnswerForm,
    SideEffectForm,
)
from diary.models import (
    DoseChange,
    Medication,
    MissedDose,
    SideEffect,
    TreatmentCourse,
)

OPIOID_WARNING_ANSWERS = (User.OpioidAnswer.YES, User.OpioidAnswer.UNSURE)


def _get_course(request, course_uuid) -> TreatmentCourse:
    return get_object_or_404(
        TreatmentCourse.objects.for_user(request.user), uuid=course_uuid
    )


def _course_url(course: TreatmentCourse, section: str = "") -> str:
    url = reverse("diary:course-detail", args=[course.uuid])
    return f"{url}#{section}" if section else url


def _courses_with_doses(user):
    """The user's courses, each with its dose history in date order: two queries
    however many courses and steps there are."""
    return TreatmentCourse.objects.for_user(user).prefetch_related(
        Prefetch("dose_changes", queryset=DoseChange.objects.order_by("date", "id"))
    )


def _course_summary(course: TreatmentCourse, today) -> dict:
    changes = list(course.dose_changes.all())
    return {
        "course": course,
        "changes": changes,
        "dose": current_dose(changes, today),
        "day": course_day(course.start_date, today),
    }


# ----------------------------------------------------------------------- overview


@login_required
def treatment_list(request):
    user = request.user
    today = user.local_today()
    courses = [_course_summary(c, today) for c in _courses_with_doses(user)]
    current: list[Medication] = []
    stopped: list[Medication] = []
    for medication in Medication.objects.for_user(user).order_by("name", "id"):
        is_stopped = medication.stop_date is not None and medication.stop_date <= today
        (stopped if is_stopped else current).append(medication)
    stopped.sort(key=lambda m: (m.stop_date, m.name), reverse=True)
    context = {
        "courses": courses,
        "current_medications": current,
        "stopped_medications": stopped,
        "opioid_warning": user.takes_opioids in OPIOID_WARNING_ANSWERS,
        "opioid_unanswered": user.takes_opioids == User.OpioidAnswer.UNANSWERED,
        "opioid_form": OpioidAnswerForm(),
        "today": today,
    }
    return render(request, "diary/treatments/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opioid_answer(request):
    user = request.user
    if request.method == "POST":
        form = OpioidAnswerForm(request.POST)
        if form.is_valid():
            try:
                user_update_settings(
                    user=user,
                    time_zone=user.time_zone,
                    display_name=user.display_name,
                    takes_opioids=form.cleaned_data["takes_opioids"],
                )
            except ValidationError as error:
                user.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your answer is saved."))
                return redirect("diary:treatment-list")
    else:
        initial = {"takes_opioids": user.takes_opioids} if user.takes_opioids else {}
        form = OpioidAnswerForm(initial=initial)
    return render(request, "diary/treatments/opioid_form.html", {"form": form})


# -------------------------------------------------------------------- LDN course


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    today = request.user.local_today()
    if request.method == "POST":
        form = CourseCreateForm(request.POST, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                course = services.course_create(
                    user=request.user,
                    start_date=data["start_date"],
                    formulation=data["formulation"],
                    strength=data["strength"],
                    pharmacy=data["pharmacy"],
                    notes=data["notes"],
                    first_dose_mg=data["first_dose_mg"],
                    time_of_day=data["time_of_day"],
                )
            except ValidationError as error:
                add_service_errors(
                    form,
                    error,
                    rename={"dose_mg": "first_dose_mg", "date": "start_date"},
                )
            else:
                messages.success(request, _("LDN course saved."))
                return redirect("diary:course-detail", course_uuid=course.uuid)
    else:
        form = CourseCreateForm(today=today)
    return render(
        request, "diary/treatments/course_form.html", {"form": form, "course": None}
    )


def _render_course_detail(
    request,
    course: TreatmentCourse,
    *,
    dose_form: DoseChangeForm | None = None,
    missed_form: MissedDoseForm | None = None,
    effect_form: SideEffectForm | None = None,
):
    today = request.user.local_today()
    changes = list(course.dose_changes.order_by("date", "id"))
    last = changes[-1] if changes else None
    context = {
        "course": course,
        "changes": changes,
        "dose": current_dose(changes, today),
        "day": course_day(course.start_date, today),
        "missed_doses": list(course.missed_doses.order_by("-date", "-id")),
        "side_effects": list(course.side_effects.order_by("-date", "kind", "-id")),
        "dose_form": dose_form
        or DoseChangeForm(
            initial={
                "date": today,
                "time_of_day": last.time_of_day if last else "",
            },
            today=today,
        ),
        "missed_form": missed_form
        or MissedDoseForm(initial={"date": today}, today=today),
        "effect_form": effect_form
        or SideEffectForm(initial={"date": today}, today=today),
        "opioid_warning": request.user.takes_opioids in OPIOID_WARNING_ANSWERS,
        "today": today,
    }
    return render(request, "diary/treatments/course_detail.html", context)


@login_required
def course_detail(request, course_uuid):
    return _render_course_detail(request, _get_course(request, course_uuid))


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, course_uuid):
    course = _get_course(request, course_uuid)
    today = request.user.local_today()
    if request.method == "POST":
        form = CourseForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.course_update(course=course, **form.cleaned_data)
            except ValidationError as error:
                course.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("LDN course updated."))
                return redirect("diary:course-detail", course_uuid=course.uuid)
    else:
        form = CourseForm(initial=CourseForm.initial_from(course), today=today)
    return render(
        request, "diary/treatments/course_form.html", {"form": form, "course": course}
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, course_uuid):
    course = _get_course(request, course_uuid)
    if request.method == "POST":
        services.course_delete(course=course)
        messages.success(request, _("LDN course deleted."))
        return redirect("diary:treatment-list")
    return _confirm_delete(
        request,
        kind="course",
        obj=course,
        cancel_url=_course_url(course),
        counts={
            "dose_changes": course.dose_changes.count(),
            "missed_doses": course.missed_doses.count(),
            "side_effects": course.side_effects.count(),
        },
    )


def _confirm_delete(request, *, kind: str, obj, cancel_url: str, **extra):
    """The page that asks before anything is deleted (a GET never deletes)."""
    context = {"kind": kind, "object": obj, "cancel_url": cancel_url, **extra}
    return render(request, "diary/treatments/confirm_delete.html", context)


# ------------------------------------------------------------------ dose history


@login_required
@require_POST
def dose_change_add(request, course_uuid):
    course = _get_course(request, course_uuid)
    form = DoseChangeForm(request.POST, today=request.user.local_today())
    if form.is_valid():
        try:
            services.dose_change_add(course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Dose change saved."))
            return redirect(_course_url(course, "doses"))
    return _render_course_detail(request, course, dose_form=form)


def _get_dose_change(request, change_uuid) -> DoseChange:
    return get_object_or_404(
        DoseChange.objects.for_user(request.user).select_related("course__user"),
        uuid=change_uuid,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dose_change_edit(request, change_uuid):
    change = _get_dose_change(request, change_uuid)
    course = change.course
    today = request.user.local_today()
    if request.method == "POST":
        form = DoseChangeForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.dose_change_update(change=change, **form.cleaned_data)
            except ValidationError as error:
                change.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("Dose change updated."))
                return redirect(_course_url(course, "doses"))
    else:
        form = DoseChangeForm(initial=DoseChangeForm.initial_from(change), today=today)
    return render(
        request,
        "diary/treatments/dose_change_form.html",
        {"form": form, "change": change, "course": course},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dose_change_delete(request, change_uuid):
    change = _get_dose_change(request, change_uuid)
    course_url = _course_url(change.course, "doses")
    if request.method == "POST":
        services.dose_change_delete(change=change)
        messages.success(request, _("Dose change deleted."))
        return redirect(course_url)
    return _confirm_delete(
        request, kind="dose_change", obj=change, cancel_url=course_url
    )


# ------------------------------------------------------------------ missed doses


@login_required
@require_POST
def missed_dose_add(request, course_uuid):
    course = _get_course(request, course_uuid)
    form = MissedDoseForm(request.POST, today=request.user.local_today())
    if form.is_valid():
        try:
            services.missed_dose_add(course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Missed dose saved."))
            return redirect(_course_url(course, "missed"))
    return _render_course_detail(request, course, missed_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def missed_dose_delete(request, missed_uuid):
    missed = get_object_or_404(
        MissedDose.objects.for_user(request.user).select_related("course"),
        uuid=missed_uuid,
    )
    course_url = _course_url(missed.course, "missed")
    if request.method == "POST":
        services.missed_dose_delete(missed=missed)
        messages.success(request, _("Missed dose deleted."))
        return redirect(course_url)
    return _confirm_delete(
        request, kind="missed_dose", obj=missed, cancel_url=course_url
    )


# ------------------------------------------------------------------ side effects


@login_required
@require_POST
def side_effect_add(request, course_uuid):
    course = _get_course(request, course_uuid)
    form = SideEffectForm(request.POST, today=request.user.local_today())
    if form.is_valid():
        try:
            services.side_effect_add(course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Side effect saved."))
            return redirect(_course_url(course, "side-effects"))
    return _render_course_detail(request, course, effect_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def side_effect_delete(request, effect_uuid):
    effect = get_object_or_404(
        SideEffect.objects.for_user(request.user).select_related("course"),
        uuid=effect_uuid,
    )
    course_url = _course_url(effect.course, "side-effects")
    if request.method == "POST":
        services.side_effect_delete(effect=effect)
        messages.success(request, _("Side effect deleted."))
        return redirect(course_url)
    return _confirm_delete(
        request, kind="side_effect", obj=effect, cancel_url=course_url
    )


# ---------------------------------------------- other medications and supplements


def _get_medication(request, medication_uuid) -> Medication:
    return get_object_or_404(
        Medication.objects.for_user(request.user), uuid=medication_uuid
    )


@login_required
@require_http_methods(["GET", "POST"])
def medication_create(request):
    today = request.user.local_today()
    if request.method == "POST":
        form = MedicationForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.medication_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Medication saved."))
                return redirect("diary:treatment-list")
    else:
        form = MedicationForm(today=today)
    return render(
        request,
        "diary/treatments/medication_form.html",
        {"form": form, "medication": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def medication_edit(request, medication_uuid):
    medication = _get_medication(request, medication_uuid)
    today = request.user.local_today()
    if request.method == "POST":
        form = MedicationForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.medication_update(medication=medication, **form.cleaned_data)
            except ValidationError as error:
                medication.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("Medication updated."))
                return redirect("diary:treatment-list")
    else:
        form = MedicationForm(
            initial=MedicationForm.initial_from(medication), today=today
        )
    return render(
        request,
        "diary/treatments/medication_form.html",
        {"form": form, "medication": medication},
    )


@login_required
@require_http_methods(["GET", "POST"])
def medication_delete(request, medication_uuid):
    medication = _get_medication(request, medication_uuid)
    if request.method == "POST":
        services.medication_delete(medication=medication)
        messages.success(request, _("Medication deleted."))
        return redirect("diary:treatment-list")
    return _confirm_delete(
        request,
        kind="medication",
        obj=medication,
        cancel_url=reverse("diary:medication-edit", args=[medication.uuid]),
    )
