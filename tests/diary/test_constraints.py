"""Database constraints back every invariant that matters, whatever the caller."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from diary.models import Crash, DoseChange, Entry, Medication, SymptomScore
from tests.factories import (
    CrashFactory,
    EntryFactory,
    SymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 10)


def violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_one_entry_per_user_per_date():
    user = UserFactory()
    EntryFactory(user=user, date=DAY)
    assert violates(lambda: Entry.objects.create(user=user, date=DAY))
    assert not violates(lambda: Entry.objects.create(user=UserFactory(), date=DAY))


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_score_outside_0_10_is_refused_by_the_database(score):
    entry = EntryFactory(date=DAY)
    symptom = SymptomFactory(owner=entry.user)
    assert violates(
        lambda: SymptomScore.objects.create(entry=entry, symptom=symptom, score=score)
    )


def test_one_score_per_symptom_per_entry():
    entry = EntryFactory(date=DAY)
    symptom = SymptomFactory(owner=entry.user)
    SymptomScore.objects.create(entry=entry, symptom=symptom, score=3)
    assert violates(
        lambda: SymptomScore.objects.create(entry=entry, symptom=symptom, score=4)
    )


@pytest.mark.parametrize("value", [5, 35, 110])
def test_bell_score_must_be_a_step_of_10(value):
    assert violates(lambda: EntryFactory(date=DAY, function_score=value))


def test_crash_end_before_start_is_refused():
    crash = CrashFactory.build(
        user=UserFactory(), start_date=DAY, end_date=DAY - datetime.timedelta(1)
    )
    assert violates(crash.save)


@pytest.mark.parametrize(
    ("reason", "dose"),
    [
        ("planned_step", Decimal("0")),
        ("planned_step", Decimal("-1")),
        ("planned_step", Decimal("50.1")),
        ("planned_step", None),
        ("pause", Decimal("1.0")),
        ("stop", Decimal("1.0")),
    ],
)
def test_dose_must_match_reason(reason, dose):
    course = TreatmentCourseFactory(start_date=DAY)
    assert violates(
        lambda: DoseChange.objects.create(
            course=course, date=DAY, dose_mg=dose, reason=reason
        )
    )


def test_valid_doses_are_accepted():
    course = TreatmentCourseFactory(start_date=DAY)
    DoseChange.objects.create(
        course=course, date=DAY, dose_mg=Decimal("0.1"), reason="start"
    )
    DoseChange.objects.create(
        course=course,
        date=DAY + datetime.timedelta(1),
        dose_mg=Decimal("50"),
        reason="planned_step",
    )
    DoseChange.objects.create(
        course=course, date=DAY + datetime.timedelta(2), dose_mg=None, reason="pause"
    )
    assert course.dose_changes.count() == 3


def test_one_dose_change_per_course_per_day():
    course = TreatmentCourseFactory(start_date=DAY)
    DoseChange.objects.create(
        course=course, date=DAY, dose_mg=Decimal("1"), reason="start"
    )
    assert violates(
        lambda: DoseChange.objects.create(
            course=course, date=DAY, dose_mg=Decimal("2"), reason="planned_step"
        )
    )


def test_medication_stop_before_start_is_refused():
    med = Medication(
        user=UserFactory(),
        name="x",
        start_date=DAY,
        stop_date=DAY - datetime.timedelta(1),
    )
    assert violates(med.save)


def test_severity_range_is_enforced():
    assert violates(lambda: CrashFactory(start_date=DAY, severity=9))
    assert Crash.objects.count() == 0
