"""Load one user's diary for the comparison, once, in a fixed number of queries,
and cache the result per user, windows, day, language and sync version.

Queries on a cache miss (whatever the amount of history): the user's sync
version; the courses and their dose history (two, through a prefetch); the
tracked symptoms; the entries' dates, function and hours upright; the symptom
scores; the crashes; the other medicines; the latest primary-outcome choice. On a
hit: only the sync version. Every write raises the sync version, so a cached
comparison is never stale.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)

from .compare import DiaryData, MedicationSpan, OutcomeSeries, compare
from .models import FUNCTION, HOURS_UPRIGHT, PrimaryOutcomeChoice
from .result import Comparison
from .windows import (
    BASELINE_WEEKS_DEFAULT,
    ON_WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
    CourseHistory,
    Step,
)

CACHE_SECONDS = 24 * 60 * 60
CACHE_VERSION = 1


def _weeks(value: int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("weeks must be a whole number")
    if not WEEKS_MIN <= value <= WEEKS_MAX:
        raise ValueError(f"weeks must be from {WEEKS_MIN} to {WEEKS_MAX}")
    return value


def comparison_for_user(
    user: User, *, baseline_weeks: int | None = None, on_weeks: int | None = None
) -> Comparison:
    """The user's before/after comparison (see :mod:`diary.comparison`)."""
    baseline_weeks = _weeks(baseline_weeks, BASELINE_WEEKS_DEFAULT)
    on_weeks = _weeks(on_weeks, ON_WEEKS_DEFAULT)
    today = user.local_today()
    sync_version = (
        User.objects.filter(pk=user.pk).values_list("sync_version", flat=True).get()
    )
    key = ":".join(
        str(part)
        for part in (
            "comparison",
            CACHE_VERSION,
            user.pk,
            sync_version,
            baseline_weeks,
            on_weeks,
            today.isoformat(),
            translation.get_language() or "",
        )
    )
    cached = cache.get(key)
    if isinstance(cached, Comparison):
        return cached
    data = load_diary(
        user, today=today, sync_version=sync_version, weeks=baseline_weeks
    )
    result = compare(data, baseline_weeks=baseline_weeks, on_weeks=on_weeks)
    cache.set(key, result, CACHE_SECONDS)
    return result


def load_diary(
    user: User, *, today: datetime.date, sync_version: int, weeks: int
) -> DiaryData:
    """Everything :func:`compare` needs, from the baseline's first possible day
    (``weeks`` before the latest course start) to today."""
    courses = list(
        TreatmentCourse.objects.for_user(user)
        .order_by("-start_date", "-id")
        .prefetch_related(
            Prefetch("dose_changes", queryset=DoseChange.objects.order_by("date", "id"))
        )
    )
    histories = tuple(
        CourseHistory(
            start=course.start_date,
            steps=tuple(
                Step(
                    date=change.date,
                    dose_mg=float(change.dose_mg)
                    if change.dose_mg is not None
                    else None,
                    reason=change.reason,
                )
                for change in course.dose_changes.all()
            ),
        )
        for course in courses
    )
    tracked = list(TrackedSymptom.objects.for_user(user).active().in_order())
    started = [h.start for h in histories if h.start <= today]
    anchor = max(started) if started else today
    try:
        first = anchor - datetime.timedelta(weeks=weeks)
    except OverflowError:
        first = datetime.date.min

    function: dict[datetime.date, float] = {}
    hours: dict[datetime.date, float] = {}
    entry_days: set[datetime.date] = set()
    for day, bell, upright in (
        Entry.objects.for_user(user)
        .filter(date__range=(first, today))
        .values_list("date", "function_score", "hours_upright")
    ):
        entry_days.add(day)
        if bell is not None:
            function[day] = float(bell)
        if upright is not None:
            hours[day] = float(upright)
    scores: dict[int, dict[datetime.date, float]] = {t.symptom_id: {} for t in tracked}
    for day, symptom_id, score in SymptomScore.objects.filter(
        entry__user=user,
        symptom_id__in=list(scores),
        entry__date__range=(first, today),
    ).values_list("entry__date", "symptom_id", "score"):
        scores[symptom_id][day] = float(score)
    crashes = tuple(
        Crash.objects.for_user(user)
        .overlapping(first, today)
        .values_list("start_date", "end_date")
    )
    medications = tuple(
        MedicationSpan(name=name, start=start, stop=stop)
        for name, start, stop in Medication.objects.for_user(user).values_list(
            "name", "start_date", "stop_date"
        )
    )
    choice = (
        PrimaryOutcomeChoice.objects.for_user(user)
        .select_related("symptom")
        .order_by("-chosen_at", "-id")
        .first()
    )
    outcomes = [
        OutcomeSeries(
            key=FUNCTION,
            label=gettext("Overall function (Bell scale 0-100)"),
            kind="function",
            unit=gettext("points"),
            higher_is_better=True,
            values=function,
        ),
        OutcomeSeries(
            key=HOURS_UPRIGHT,
            label=gettext("Hours upright"),
            kind="hours",
            unit=gettext("hours"),
            higher_is_better=True,
            values=hours,
        ),
    ]
    outcomes += [
        OutcomeSeries(
            key=f"symptom:{t.symptom.uuid}",
            label=t.symptom.name,
            kind="symptom",
            unit=gettext("points (0-10)"),
            higher_is_better=False,
            values=scores[t.symptom_id],
        )
        for t in tracked
    ]
    return DiaryData(
        today=today,
        courses=histories,
        outcomes=tuple(outcomes),
        entry_days=frozenset(entry_days),
        crashes=crashes,
        medications=medications,
        primary_key=choice.key if choice else None,
        primary_chosen_at=choice.chosen_at if choice else None,
        sync_version=sync_version,
    )
