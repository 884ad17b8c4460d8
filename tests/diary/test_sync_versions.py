"""Every write raises the owner's change counter; every delete leaves a tombstone."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from diary import services
from diary.models import Tombstone, TrackedSymptom

pytestmark = pytest.mark.django_db


def version(user) -> int:
    return User.objects.get(pk=user.pk).sync_version


def test_each_write_gets_a_higher_version_than_the_last(alice):
    day = alice.local_today()
    start = version(alice)
    entry, _ = services.entry_upsert(user=alice, date=day, scores={}, fields={})
    assert entry.sync_version == start + 1 == version(alice)
    crash = services.crash_create(user=alice, start_date=day, severity=2)
    assert crash.sync_version == start + 2
    edited, _ = services.entry_upsert(
        user=alice, date=day, scores={}, fields={"notes": "x"}
    )
    assert edited.sync_version == start + 3


def test_versions_are_per_user(alice, bob):
    services.entry_upsert(user=alice, date=alice.local_today(), scores={}, fields={})
    before = version(bob)
    services.entry_upsert(user=alice, date=alice.local_today(), scores={}, fields={})
    assert version(bob) == before


def test_deleting_leaves_a_tombstone_and_blocks_recreation(alice):
    given = uuid.uuid4()
    entry, _ = services.entry_upsert(
        user=alice, date=alice.local_today(), scores={}, fields={}, uuid=given
    )
    services.entry_delete(entry=entry)
    stone = Tombstone.objects.get(uuid=given)
    assert (stone.kind, stone.user_id, stone.sync_version) == (
        "entry",
        alice.pk,
        version(alice),
    )
    with pytest.raises(ValidationError) as info:
        services.entry_upsert(
            user=alice, date=alice.local_today(), scores={}, fields={}, uuid=given
        )
    assert "uuid" in info.value.message_dict


def test_deleting_a_course_buries_its_history(alice):
    start = alice.local_today() - datetime.timedelta(days=20)
    course = services.course_create(
        user=alice, start_date=start, formulation="liquid", first_dose_mg=Decimal("1")
    )
    services.missed_dose_add(course=course, date=start + datetime.timedelta(3))
    services.side_effect_add(
        course=course, date=start + datetime.timedelta(1), kind="insomnia", severity=1
    )
    services.course_delete(course=course)
    kinds = sorted(Tombstone.objects.filter(user=alice).values_list("kind", flat=True))
    assert kinds == ["course", "dose_change", "missed_dose", "side_effect"]


def test_reordering_bumps_every_moved_tracked_symptom(alice):
    ids = [
        t.symptom_id for t in TrackedSymptom.objects.for_user(alice).active().in_order()
    ]
    services.symptoms_set_order(user=alice, symptom_ids=list(reversed(ids[:3])))
    tracked = TrackedSymptom.objects.for_user(alice)
    assert [t.symptom_id for t in tracked.active().in_order()] == list(
        reversed(ids[:3])
    )
    assert {t.sync_version for t in tracked} == {version(alice)}
    assert tracked.archived().count() == len(ids) - 3


def test_a_uuid_taken_by_another_row_is_an_error_on_uuid(alice, bob):
    crash = services.crash_create(
        user=alice, start_date=alice.local_today(), severity=1
    )
    medication = services.medication_create(user=alice, name="Vitamin D")
    course = services.course_create(
        user=alice, start_date=alice.local_today(), formulation="liquid"
    )
    for create in (
        lambda: services.crash_create(
            user=bob, start_date=bob.local_today(), severity=1, uuid=crash.uuid
        ),
        lambda: services.medication_create(user=bob, name="x", uuid=medication.uuid),
        lambda: services.course_create(
            user=bob,
            start_date=bob.local_today(),
            formulation="liquid",
            uuid=course.uuid,
        ),
    ):
        with pytest.raises(ValidationError) as info:
            create()
        assert "uuid" in info.value.message_dict


def test_a_dose_change_restamps_its_course_for_sync(alice):
    start = alice.local_today() - datetime.timedelta(days=10)
    course = services.course_create(user=alice, start_date=start, formulation="liquid")
    change = services.dose_change_add(
        course=course, date=start, dose_mg=Decimal("1.5"), reason="start"
    )
    course.refresh_from_db()
    assert course.sync_version == change.sync_version == version(alice)
    services.dose_change_delete(change=change)
    course.refresh_from_db()
    assert course.sync_version == version(alice)
