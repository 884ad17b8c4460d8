"""bench_seed: fast, seeded benchmark diaries, on a throwaway database only."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from diary.management.commands.bench_seed import LONG_EMAIL, bench_email
from diary.models import Crash, DoseChange, Entry, SymptomScore, TrackedSymptom

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command(
        "bench_seed",
        users=3,
        years=1,
        long_years=2,
        long_symptoms=10,
        symptoms=5,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
        **options,
    )


def scores_by_day(user):
    return sorted(
        SymptomScore.objects.filter(entry__user=user).values_list(
            "entry__date", "symptom_id", "score"
        )
    )


def test_it_makes_the_patients_with_gaps_and_scores_in_range():
    seed()
    users = [User.objects.get(email=bench_email(i)) for i in range(3)]
    long = User.objects.get(email=LONG_EMAIL)
    for user in users:
        days = Entry.objects.filter(user=user).count()
        assert 300 <= days < 365  # about one day in ten is not logged
        assert TrackedSymptom.objects.filter(user=user).count() == 5
        assert SymptomScore.objects.filter(entry__user=user).count() == days * 5
        assert user.has_current_medical_notice
    assert TrackedSymptom.objects.filter(user=long).count() == 10
    assert 600 <= Entry.objects.filter(user=long).count() < 730
    assert DoseChange.objects.filter(course__user=long).exists()
    assert Crash.objects.filter(user=long).exists()
    assert not SymptomScore.objects.filter(score__gt=10).exists()
    assert not SymptomScore.objects.filter(score__lt=0).exists()
    # The entry ids were set by hand: the next one created gets a fresh id.
    entry = Entry.objects.create(user=users[0], date=users[0].local_today())
    assert entry.pk > Entry.objects.exclude(pk=entry.pk).order_by("-pk")[0].pk


def test_the_same_seed_gives_the_same_diaries():
    seed(seed=5)
    first = scores_by_day(User.objects.get(email=bench_email(1)))
    seed(seed=5)  # replaces its own patients
    assert scores_by_day(User.objects.get(email=bench_email(1))) == first
    assert User.objects.filter(email=bench_email(1)).count() == 1


def test_it_refuses_a_database_with_real_accounts(alice):
    with pytest.raises(CommandError, match="real accounts"):
        seed()
    assert not User.objects.filter(email=LONG_EMAIL).exists()
