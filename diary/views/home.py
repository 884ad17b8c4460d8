import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from ..doses import course_day, current_dose
from ..models import DoseChange, Entry, TrackedSymptom, TreatmentCourse

RECENT_DAYS = 7


@login_required
def home(request):
    """Today's status, the last 7 days, and the current LDN dose. The number of
    queries does not depend on how much history there is."""
    user = request.user
    today = user.local_today()
    first_day = today - datetime.timedelta(days=RECENT_DAYS - 1)
    symptoms = [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]
    entries = {
        e.date: e
        for e in Entry.objects.for_user(user).with_scores().between(first_day, today)
    }
    rows = []
    for offset in range(RECENT_DAYS):
        day = today - datetime.timedelta(days=offset)
        entry = entries.get(day)
        scores = {s.symptom_id: s.score for s in entry.scores.all()} if entry else {}
        rows.append(
            {"day": day, "entry": entry, "scores": [scores.get(s.pk) for s in symptoms]}
        )

    course = (
        TreatmentCourse.objects.for_user(user)
        .filter(start_date__lte=today)
        .prefetch_related(Prefetch("dose_changes", queryset=DoseChange.objects.all()))
        .order_by("-start_date", "-id")
        .first()
    )
    dose = current_dose(course.dose_changes.all(), today) if course else None
    context = {
        "today": today,
        "today_entry": entries.get(today),
        "rows": rows,
        "symptoms": symptoms,
        "days_logged": sum(1 for row in rows if row["entry"]),
        "course": course,
        "dose": dose,
        "day_number": course_day(course.start_date, today) if course else None,
    }
    return render(request, "diary/home.html", context)
