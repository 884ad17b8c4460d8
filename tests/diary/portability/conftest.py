"""A full account: one of everything an account can hold, for alice."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from diary.comparison.models import PrimaryOutcomeChoice
from diary.models import (
    DoseChange,
    ReminderDelivery,
    ShareAccess,
    SideEffect,
    Symptom,
    SymptomScore,
    TrackedSymptom,
)
from diary.services import symptom_archive, symptom_create_own, symptom_track
from diary.sharing.services import share_link_create, share_link_revoke
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    EntryFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
)


def fill_account(user, *, days: int = 30, token_sink: list | None = None) -> None:
    """Give ``user`` ``days`` days of diary and one or more of everything else."""
    today = user.local_today()
    own = symptom_create_own(
        user=user, name="Tinnitus <b>loud</b>", description="Ringing"
    )
    extra = (
        Symptom.objects.builtin()
        .exclude(pk__in=TrackedSymptom.objects.for_user(user).values("symptom"))
        .first()
    )
    tracked_extra = symptom_track(user=user, symptom=extra)
    symptom_archive(tracked=tracked_extra)
    TrackedSymptom.objects.for_user(user).filter(position=0).update(
        shown_on_trends=False
    )
    tracked = list(
        TrackedSymptom.objects.for_user(user).values_list("symptom_id", flat=True)
    )
    scores = []
    for offset in range(days):
        entry = EntryFactory(
            user=user,
            date=today - datetime.timedelta(days=offset),
            function_score=(offset % 10) * 10 if offset % 3 else None,
            hours_upright=Decimal("7.5") if offset % 2 else None,
            sleep_hours=Decimal("6.0"),
            sleep_quality=offset % 11,
            physical_exertion=3,
            cognitive_exertion=None,
            notes=""
            if offset % 4
            else f"Day {offset}: <script>alert(1)</script> ✓ ሰላም",
        )
        for index, symptom_id in enumerate(tracked):
            if (offset + index) % 5:  # some symptoms not scored: a gap, not 0
                scores.append(
                    SymptomScore(
                        entry=entry, symptom_id=symptom_id, score=(offset + index) % 11
                    )
                )
    SymptomScore.objects.bulk_create(scores)
    CrashFactory(
        user=user, start_date=today - datetime.timedelta(days=12), notes="bad week"
    )
    CrashFactory(
        user=user, start_date=today - datetime.timedelta(days=2), end_date=None
    )
    course = TreatmentCourseFactory(
        user=user, start_date=today - datetime.timedelta(days=25), pharmacy="Corner"
    )
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("0.5"))
    DoseChangeFactory(
        course=course,
        date=course.start_date + datetime.timedelta(days=7),
        dose_mg=Decimal("1.5"),
        reason=DoseChange.Reason.PLANNED_STEP,
        time_of_day="",
    )
    DoseChangeFactory(
        course=course,
        date=course.start_date + datetime.timedelta(days=14),
        dose_mg=None,
        reason=DoseChange.Reason.PAUSE,
        note="holiday",
    )
    MissedDoseFactory(course=course, note="forgot")
    SideEffectFactory(course=course)
    SideEffectFactory(
        course=course,
        kind=SideEffect.Kind.OTHER,
        other_description="Itchy",
        severity=SideEffect.Severity.MODERATE,
    )
    MedicationFactory(user=user, start_date=today - datetime.timedelta(days=100))
    MedicationFactory(
        user=user,
        name="Ibuprofen",
        kind="medication",
        start_date=today - datetime.timedelta(days=50),
        stop_date=today - datetime.timedelta(days=40),
    )
    link, token = share_link_create(
        user=user,
        start=today - datetime.timedelta(days=20),
        end=today,
        sections=["summary", "charts"],
        access_code="1234",
        label="Dr Who",
    )
    ShareAccess.objects.create(link=link, outcome="viewed", client="Firefox on Linux")
    old, old_token = share_link_create(
        user=user,
        start=today - datetime.timedelta(days=5),
        end=today,
        sections=["notes"],
    )
    share_link_revoke(link=old)
    if token_sink is not None:
        token_sink.extend([token, old_token])
    ReminderDelivery.objects.create(
        user=user, local_date=today - datetime.timedelta(days=1)
    )
    # A history of primary-outcome choices; the newest (the own symptom) is current.
    now = timezone.now()
    for outcome, symptom, days_ago in (
        (PrimaryOutcomeChoice.Outcome.HOURS_UPRIGHT, None, 20),
        (PrimaryOutcomeChoice.Outcome.FUNCTION, None, 10),
        (PrimaryOutcomeChoice.Outcome.SYMPTOM, own, 1),
    ):
        PrimaryOutcomeChoice.objects.create(
            user=user,
            outcome=outcome,
            symptom=symptom,
            chosen_at=now - datetime.timedelta(days=days_ago, minutes=7),
        )
    user.reminder_enabled = True
    user.reminder_time = datetime.time(8, 30)
    user.display_name = "Alice <i>A</i>"
    user.takes_opioids = "no"
    user.save()
    assert own.owner_id == user.pk and timezone.now()


@pytest.fixture
def full_alice(alice):
    fill_account(alice)
    return alice
