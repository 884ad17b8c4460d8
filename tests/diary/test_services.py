"""The service layer enforces the rules, whoever calls it (forms now, API later)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from diary import services
from diary.models import Entry, Symptom, SymptomScore, TrackedSymptom
from tests.factories import TreatmentCourseFactory

pytestmark = pytest.mark.django_db


def symptom_ids(user):
    return [
        t.symptom_id for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def test_entry_upsert_creates_then_edits(alice):
    day = alice.local_today()
    ids = symptom_ids(alice)
    entry, created = services.entry_upsert(
        user=alice, date=day, scores={ids[0]: 4, ids[1]: 6}, fields={"notes": "a"}
    )
    assert created
    again, created = services.entry_upsert(
        user=alice,
        date=day,
        scores={ids[0]: None, ids[1]: 7},
        fields={"sleep_hours": 8},
    )
    assert not created and again.pk == entry.pk
    assert {s.symptom_id: s.score for s in again.scores.all()} == {ids[1]: 7}
    again.refresh_from_db()
    assert again.notes == "a"  # fields not named keep their value
    assert again.sleep_hours == Decimal("8.0")
    assert Entry.objects.count() == 1


def test_entry_upsert_keeps_a_client_uuid(alice):
    given = uuid.uuid4()
    entry, _ = services.entry_upsert(
        user=alice, date=alice.local_today(), scores={}, fields={}, uuid=given
    )
    assert entry.uuid == given


def test_entry_upsert_rejects_a_future_date(alice):
    with pytest.raises(ValidationError) as info:
        services.entry_upsert(
            user=alice,
            date=alice.local_today() + datetime.timedelta(days=1),
            scores={},
            fields={},
        )
    assert "date" in info.value.message_dict
    assert not Entry.objects.exists()


@pytest.mark.parametrize("bad", [11, -1, "5", 5.5, True])
def test_entry_upsert_rejects_bad_scores_and_writes_nothing(alice, bad):
    ids = symptom_ids(alice)
    with pytest.raises(ValidationError) as info:
        services.entry_upsert(
            user=alice,
            date=alice.local_today(),
            scores={ids[0]: 3, ids[1]: bad},
            fields={},
        )
    assert f"symptom_{ids[1]}" in info.value.message_dict
    assert not Entry.objects.exists()
    assert not SymptomScore.objects.exists()


def test_entry_upsert_rejects_another_users_symptom(alice, bob):
    private = Symptom.objects.create(owner=bob, name="bob only")
    with pytest.raises(ValidationError):
        services.entry_upsert(
            user=alice, date=alice.local_today(), scores={private.pk: 3}, fields={}
        )


def test_entry_upsert_rejects_bad_field_values_and_keeps_saved_data(alice):
    day = alice.local_today()
    services.entry_upsert(user=alice, date=day, scores={}, fields={"sleep_hours": 7})
    with pytest.raises(ValidationError) as info:
        services.entry_upsert(
            user=alice, date=day, scores={}, fields={"sleep_hours": 30}
        )
    assert "sleep_hours" in info.value.message_dict
    assert Entry.objects.get(user=alice).sleep_hours == Decimal("7.0")


def test_dose_change_rules(alice):
    course = TreatmentCourseFactory(
        user=alice, start_date=alice.local_today() - datetime.timedelta(10)
    )
    for dose in (Decimal("0"), Decimal("-1"), Decimal("51")):
        with pytest.raises(ValidationError) as info:
            services.dose_change_add(
                course=course, date=course.start_date, dose_mg=dose, reason="start"
            )
        assert "dose_mg" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.dose_change_add(
            course=course,
            date=course.start_date - datetime.timedelta(1),
            dose_mg=Decimal("1"),
            reason="start",
        )
    assert "date" in info.value.message_dict
    services.dose_change_add(
        course=course, date=course.start_date, dose_mg=Decimal("1.5"), reason="start"
    )
    with pytest.raises(ValidationError) as info:
        services.dose_change_add(
            course=course,
            date=course.start_date,
            dose_mg=Decimal("2"),
            reason="planned_step",
        )
    assert "already" in str(info.value)
    assert course.dose_changes.count() == 1


def test_course_start_cannot_move_after_its_dose_history(alice):
    start = alice.local_today() - datetime.timedelta(10)
    course = services.course_create(
        user=alice, start_date=start, formulation="liquid", first_dose_mg=Decimal("1")
    )
    with pytest.raises(ValidationError) as info:
        services.course_update(course=course, start_date=start + datetime.timedelta(3))
    assert "start_date" in info.value.message_dict


def test_symptom_move_at_the_edges_changes_nothing(alice):
    first = TrackedSymptom.objects.for_user(alice).active().in_order().first()
    before = symptom_ids(alice)
    services.symptom_move(tracked=first, offset=-1)
    assert symptom_ids(alice) == before
