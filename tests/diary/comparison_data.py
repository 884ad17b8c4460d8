"""Diary data for the comparison's database tests (page, API, loader)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from diary.models import Entry, SymptomScore, TrackedSymptom
from tests.factories import DoseChangeFactory, TreatmentCourseFactory

# Noon in London, so "today" is the same date for every persona's time zone.
NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def frozen():
    """A fixed clock and an empty cache (factories write without raising the
    sync version, so a comparison cached by another test must not be reused)."""
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def tracked(user):
    return [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def start_ldn(user, days_ago=120, doses=None):
    """An LDN course started ``days_ago`` days ago; dose steps as (days ago,
    dose or None, reason)."""
    course = TreatmentCourseFactory(user=user, start_date=ago(days_ago))
    for step_days_ago, dose, reason in doses or [(days_ago, "4.5", "start")]:
        DoseChangeFactory(
            course=course,
            date=ago(step_days_ago),
            dose_mg=Decimal(dose) if dose is not None else None,
            reason=reason,
        )
    return course


def log(user, first_ago, last_ago, score, *, function=None, every=1):
    """Entries from ``first_ago`` to ``last_ago`` days ago (every ``every``-th
    day), each tracked symptom scored ``score(day index)`` (or a number), with
    the Bell score ``function`` when given."""
    symptoms = tracked(user)
    days = [ago(n) for n in range(first_ago, last_ago - 1, -1)][::every]
    entries = Entry.objects.bulk_create(
        [
            Entry(
                user=user,
                date=day,
                function_score=function(i) if callable(function) else function,
            )
            for i, day in enumerate(days)
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(
                entry=entry,
                symptom=symptom,
                score=score(i) if callable(score) else score,
            )
            for i, entry in enumerate(entries)
            for symptom in symptoms
        ]
    )
    return entries
