"""``manage.py make_demo`` and the demo generator behind it (diary/demo.py)."""

import datetime
import io
import statistics
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from accounts.models import User
from diary.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_user_create
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from tests.factories import EntryFactory, UserFactory

pytestmark = pytest.mark.django_db

# Noon in London on a fixed day, so "today" cannot move under a test.
NOW = datetime.datetime(2026, 6, 15, 11, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 6, 15)
SHORT = 120  # days: enough for every feature of the demo, and quick


def make_demo(*args):
    out = io.StringIO()
    call_command("make_demo", *args, stdout=out)
    return out.getvalue()


def demo_user():
    return User.objects.get(email=DEMO_EMAIL)


def counts(user):
    return {
        "entries": Entry.objects.for_user(user).count(),
        "scores": SymptomScore.objects.filter(entry__user=user).count(),
        "tracked": TrackedSymptom.objects.for_user(user).count(),
        "crashes": Crash.objects.for_user(user).count(),
        "courses": TreatmentCourse.objects.for_user(user).count(),
        "dose_changes": DoseChange.objects.for_user(user).count(),
        "missed": MissedDose.objects.for_user(user).count(),
        "side_effects": SideEffect.objects.for_user(user).count(),
        "medications": Medication.objects.for_user(user).count(),
    }


def scores_by_day(user):
    """Every score as (date, symptom, score), independent of database ids."""
    return sorted(
        SymptomScore.objects.filter(entry__user=user).values_list(
            "entry__date", "symptom__name", "score"
        )
    )


def crash_days(user, today):
    days = set()
    for crash in Crash.objects.for_user(user):
        day = crash.start_date
        while day <= (crash.end_date or today):
            days.add(day)
            day += datetime.timedelta(days=1)
    return days


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_make_demo_creates_a_year_of_demo_data(debug_on):
    output = make_demo()

    user = demo_user()
    assert user.time_zone == "Europe/London"
    assert user.check_password(DEMO_PASSWORD)
    assert user.medical_notice_version == settings.MEDICAL_NOTICE_VERSION
    assert user.medical_notice_acknowledged_at is not None
    assert user.has_current_medical_notice

    dates = list(
        Entry.objects.for_user(user).order_by("date").values_list("date", flat=True)
    )
    assert dates[-1] == TODAY
    assert dates[0] >= TODAY - datetime.timedelta(days=364)
    assert 0.80 * 365 <= len(dates) <= 0.90 * 365

    tracked = TrackedSymptom.objects.for_user(user).active().in_order()
    names = {t.symptom.name for t in tracked}
    assert {"Fatigue", "Joint pain", "Tinnitus"} <= names
    assert len(names) == 8
    assert tracked.get(symptom__name="Tinnitus").symptom.owner == user

    course = TreatmentCourse.objects.for_user(user).get()
    assert course.formulation == TreatmentCourse.Formulation.LIQUID
    assert course.strength == "1 mg/ml"
    assert course.pharmacy
    assert 140 <= (TODAY - course.start_date).days <= 160
    changes = list(course.dose_changes.order_by("date"))
    assert changes[0].reason == DoseChange.Reason.START
    assert changes[0].dose_mg == Decimal("0.5")
    assert changes[0].date == course.start_date
    assert changes[-1].dose_mg == Decimal("4.5")
    reasons = [c.reason for c in changes]
    for reason in ("planned_step", "side_effect", "pause", "restart"):
        assert reason in reasons
    pause = next(c for c in changes if c.reason == "pause")
    restart = next(c for c in changes if c.reason == "restart")
    assert (restart.date - pause.date).days == 5
    assert MissedDose.objects.for_user(user).count() >= 3

    effects = SideEffect.objects.for_user(user)
    assert {"vivid_dreams", "insomnia", "headache"} <= set(
        effects.values_list("kind", flat=True)
    )
    assert set(effects.values_list("severity", flat=True)) <= {1, 2, 3}
    first_dreams = effects.filter(kind="vivid_dreams").order_by("date").first()
    assert (first_dreams.date - course.start_date).days <= 7

    crashes = Crash.objects.for_user(user)
    assert 6 <= crashes.count() <= 8
    assert crashes.filter(start_date__lt=course.start_date).exists()
    assert crashes.filter(start_date__gt=course.start_date).exists()
    assert crashes.filter(end_date__isnull=True).count() == 1
    assert set(crashes.values_list("severity", flat=True)) <= {1, 2, 3, 4}
    assert len(set(crashes.values_list("trigger", flat=True))) >= 4

    medications = Medication.objects.for_user(user)
    assert medications.count() == 2
    assert medications.filter(stop_date__isnull=False).count() == 1

    assert DEMO_PASSWORD in output
    assert "local demos only" in output
    assert "days logged" in output


def test_running_make_demo_twice_replaces_the_demo_without_duplicates(debug_on):
    make_demo("--days", str(SHORT))
    first = demo_user()
    first_counts = counts(first)
    first_scores = scores_by_day(first)

    make_demo("--days", str(SHORT))

    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
    assert not User.objects.filter(pk=first.pk).exists()
    again = demo_user()
    assert counts(again) == first_counts
    assert scores_by_day(again) == first_scores
    assert Entry.objects.count() == first_counts["entries"]


def test_password_option_sets_the_demo_password(debug_on):
    output = make_demo("--days", str(SHORT), "--password", "another-local-pass")
    assert demo_user().check_password("another-local-pass")
    assert "another-local-pass" in output


def test_make_demo_prints_the_address_it_was_given(debug_on, settings):
    settings.SITE_URL = ""
    output = make_demo("--days", str(SHORT), "--site-url", "http://127.0.0.1:8101/")
    assert "Log in at http://127.0.0.1:8101/accounts/login/" in output
    assert ":8000" not in output


def test_make_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        make_demo("--days", str(SHORT))
    assert not User.objects.filter(email=DEMO_EMAIL).exists()


def test_make_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    make_demo("--days", str(SHORT), "--force")
    assert Entry.objects.for_user(demo_user()).exists()


def test_make_demo_rejects_too_few_days(debug_on):
    with pytest.raises(CommandError, match="--days"):
        make_demo("--days", "10")
    assert not User.objects.filter(email=DEMO_EMAIL).exists()


def test_same_seed_gives_the_same_scores():
    first = scores_by_day(demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY))
    second = scores_by_day(demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY))
    assert first == second
    assert len(first) > 500


def test_another_seed_gives_other_scores():
    seven = scores_by_day(demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY))
    eight = scores_by_day(
        demo_user_create(email=DEMO_EMAIL, days=SHORT, seed=8, today=TODAY)
    )
    assert seven != eight


def test_every_score_and_day_field_is_in_range():
    user = demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY)
    scores = list(
        SymptomScore.objects.filter(entry__user=user).values_list("score", flat=True)
    )
    assert scores and all(0 <= s <= 10 for s in scores)
    assert all(isinstance(s, int) for s in scores)

    entries = list(Entry.objects.for_user(user))
    functions = [e.function_score for e in entries if e.function_score is not None]
    assert functions and all(f % 10 == 0 and 0 <= f <= 100 for f in functions)
    assert 25 <= statistics.mean(functions) <= 45
    for entry in entries:
        for name in ("sleep_quality", "physical_exertion", "cognitive_exertion"):
            value = getattr(entry, name)
            assert value is None or 0 <= value <= 10
        for name in ("hours_upright", "sleep_hours"):
            value = getattr(entry, name)
            assert value is None or 0 <= value <= 24
    filled = [e for e in entries if e.hours_upright is not None]
    assert len(filled) > 0.7 * len(entries)
    assert sum(1 for e in entries if e.notes) >= 3


def test_some_days_are_not_logged_and_some_symptoms_unanswered():
    user = demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY)
    logged = set(Entry.objects.for_user(user).values_list("date", flat=True))
    window = [TODAY - datetime.timedelta(days=n) for n in range(SHORT)]
    missing = [day for day in window if day not in logged]
    assert 0.05 * SHORT <= len(missing) <= 0.22 * SHORT
    assert not any(day > TODAY for day in logged)

    # A run of five or more days not logged, in the middle of a crash.
    in_crash = crash_days(user, TODAY)
    longest = run = 0
    for day in sorted(window):
        run = run + 1 if day not in logged and day in in_crash else 0
        longest = max(longest, run)
    assert longest >= 5

    # Now and then a symptom is left unanswered on a day that is logged.
    tracked = TrackedSymptom.objects.for_user(user).count()
    partial = (
        Entry.objects.for_user(user).annotate(n=Count("scores")).filter(n__lt=tracked)
    )
    assert 0 < partial.count() < 0.5 * len(logged)


def test_crash_days_score_higher_than_other_days():
    user = demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY)
    in_crash = crash_days(user, TODAY)
    fatigue = SymptomScore.objects.filter(
        entry__user=user, symptom__slug="fatigue"
    ).values_list("entry__date", "score")
    during = [score for day, score in fatigue if day in in_crash]
    outside = [score for day, score in fatigue if day not in in_crash]
    assert statistics.mean(during) - statistics.mean(outside) >= 1.5


def test_demo_refuses_an_address_that_could_be_real_and_leaves_it_alone():
    real = UserFactory(email="someone@gmail.com")
    with pytest.raises(ValueError, match="reserved"):
        demo_user_create(email="someone@gmail.com", days=SHORT, today=TODAY)
    assert User.objects.filter(pk=real.pk).exists()


def test_demo_leaves_other_users_data_alone(alice):
    entry = EntryFactory(user=alice, date=TODAY, notes="mine")
    demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY)
    demo_user_create(email=DEMO_EMAIL, days=SHORT, today=TODAY)
    entry.refresh_from_db()
    assert entry.notes == "mine"
    assert Entry.objects.for_user(alice).count() == 1
