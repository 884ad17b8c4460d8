import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms.checkin import CheckinForm
from ..forms.fields import add_service_errors
from ..models import Entry, Symptom, TrackedSymptom

DAYS_PER_PAGE = 28


def _checkin_symptoms(user, entry: Entry | None) -> list[Symptom]:
    """The user's active symptoms in their order, plus any archived symptom that
    already has a score on this entry, so editing an old day loses nothing."""
    tracked = [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]
    if entry is not None:
        tracked_ids = {s.pk for s in tracked}
        tracked += [
            score.symptom
            for score in entry.scores.all()
            if score.symptom_id not in tracked_ids
        ]
    return tracked


def _nearest_entry(user, day: datetime.date, *, with_scores: bool = False):
    """The logged day nearest before ``day``, or else the nearest after it: what
    "same as last time" copies (back-filling yesterday after logging today still
    offers today's answers)."""
    entries = Entry.objects.for_user(user)
    if with_scores:
        entries = entries.with_scores()
    before = entries.filter(date__lt=day).order_by("-date").first()
    if before is not None:
        return before
    return entries.filter(date__gt=day).order_by("date").first()


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, day: datetime.date | None = None):
    user = request.user
    today = user.local_today()
    day = day or today
    if day > today:
        messages.warning(request, _("You can't log a day that hasn't happened yet."))
        return redirect("diary:checkin")

    # Scores with their symptoms: an archived symptom scored that day is shown too.
    entry = (
        Entry.objects.for_user(user)
        .prefetch_related("scores__symptom")
        .filter(date=day)
        .first()
    )
    symptoms = _checkin_symptoms(user, entry)
    prefill_from = None

    if request.method == "POST":
        form = CheckinForm(request.POST, symptoms=symptoms, today=today)
        if form.is_valid():
            try:
                saved, created = services.entry_upsert(
                    user=user,
                    date=form.cleaned_data["date"],
                    scores=form.scores(),
                    fields=form.day_fields(),
                    # The form's symptoms: tracked, or scored on this day.
                    available_symptom_ids=[symptom.pk for symptom in symptoms],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                when = date_format(saved.date, "l j F")
                messages.success(
                    request,
                    _("Saved your check-in for %(day)s.") % {"day": when}
                    if created
                    else _("Updated your check-in for %(day)s.") % {"day": when},
                )
                return redirect("diary:home")
    else:
        if entry is not None:
            initial = CheckinForm.initial_from(entry)
        elif request.GET.get("prefill") == "last":
            prefill_from = _nearest_entry(user, day, with_scores=True)
            initial = (
                CheckinForm.initial_from(prefill_from, include_notes=False)
                if prefill_from
                else {}
            )
            if prefill_from is None:
                messages.info(request, _("There is no other logged day to copy yet."))
        else:
            initial = {}
        initial["date"] = day
        form = CheckinForm(initial=initial, symptoms=symptoms, today=today)

    previous = _nearest_entry(user, day) if entry is None else None
    context = {
        "form": form,
        "entry": entry,
        "day": day,
        "today": today,
        "is_today": day == today,
        "previous_entry": previous,
        "prefilled_from": prefill_from,
        "yesterday": day - datetime.timedelta(days=1),
        "tomorrow": day + datetime.timedelta(days=1) if day < today else None,
    }
    return render(request, "diary/checkin.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, day: datetime.date):
    entry = get_object_or_404(Entry.objects.for_user(request.user), date=day)
    if request.method == "POST":
        services.entry_delete(entry=entry)
        messages.success(
            request,
            _("Deleted your check-in for %(day)s.")
            % {"day": date_format(day, "l j F")},
        )
        return redirect("diary:entry-list")
    return render(request, "diary/entry_confirm_delete.html", {"entry": entry})


@login_required
def entry_list(request):
    """Calendar days, newest first, 28 to a page. A day without an entry is shown
    as not logged: a gap, never a zero."""
    user = request.user
    today = user.local_today()
    first = Entry.objects.for_user(user).order_by("date").values_list("date", flat=True)
    first_day = first.first() or today
    total_days = (today - first_day).days + 1
    paginator = Paginator(range(total_days), DAYS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    offsets = list(page.object_list)
    newest = today - datetime.timedelta(days=offsets[0])
    oldest = today - datetime.timedelta(days=offsets[-1])

    symptoms = [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]
    entries = {
        e.date: e
        for e in Entry.objects.for_user(user).with_scores().between(oldest, newest)
    }
    rows = []
    for offset in offsets:
        day = today - datetime.timedelta(days=offset)
        entry = entries.get(day)
        scores = {s.symptom_id: s.score for s in entry.scores.all()} if entry else {}
        rows.append(
            {
                "day": day,
                "entry": entry,
                "scores": [scores.get(s.pk) for s in symptoms],
                # (symptom, score) pairs: each cell names its column, so the
                # table can become stacked rows on a phone.
                "cells": [(s, scores.get(s.pk)) for s in symptoms],
                "edit_url": reverse("diary:checkin-date", args=[day]),
            }
        )
    return render(
        request,
        "diary/entry_list.html",
        {"rows": rows, "symptoms": symptoms, "page": page, "today": today},
    )
