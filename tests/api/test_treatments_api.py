"""/api/v1/treatments/ (LDN courses), their dose changes, side effects and missed
doses, and /api/v1/medications/."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from diary import services
from diary.models import (
    DoseChange,
    Medication,
    MissedDose,
    SideEffect,
    Tombstone,
    TreatmentCourse,
)
from tests.factories import (
    DoseChangeFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
)

pytestmark = pytest.mark.django_db

COURSES = reverse("api:treatment-list")
MEDICATIONS = reverse("api:medication-list")
DOSE_RANGE = "The dose must be more than 0 and at most 50 mg."


def days_ago(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def course_for(user, days=60) -> TreatmentCourse:
    return TreatmentCourseFactory(user=user, start_date=days_ago(user, days))


def child_list(kind: str, course) -> str:
    return reverse(f"api:{kind}-list", args=[course.uuid])


def child_detail(kind: str, obj) -> str:
    return reverse(f"api:{kind}-detail", args=[obj.course.uuid, obj.uuid])


def fields(obj, names) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {name: getattr(fresh, name) for name in (*names, "sync_version")}


# ------------------------------------------------------------------------ courses


def test_owner_lists_courses_with_the_current_dose(alice, alice_api):
    course = course_for(alice)
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("0.5"))
    DoseChangeFactory(
        course=course,
        date=days_ago(alice, 30),
        dose_mg=Decimal("1.5"),
        reason="planned_step",
    )
    DoseChangeFactory(  # not yet: a future step does not count
        course=course,
        date=alice.local_today() + datetime.timedelta(days=3),
        dose_mg=Decimal("3"),
        reason="planned_step",
    )
    response = alice_api.get(COURSES)
    assert response.status_code == 200
    [body] = response.json()["results"]
    assert body["uuid"] == str(course.uuid)
    assert body["current_dose"] == {
        "status": "taking",
        "dose_mg": 1.5,
        "time_of_day": "bedtime",
        "since": str(days_ago(alice, 30)),
    }
    assert "id" not in body and "user" not in body


def test_a_course_without_doses_says_none(alice, alice_api):
    course = course_for(alice)
    body = alice_api.get(reverse("api:treatment-detail", args=[course.uuid])).json()
    assert body["current_dose"]["status"] == "none"
    assert body["current_dose"]["dose_mg"] is None


def test_owner_creates_a_course_with_a_first_dose(alice, alice_api):
    start = str(days_ago(alice, 10))
    response = alice_api.post(
        COURSES,
        {
            "start_date": start,
            "formulation": "liquid",
            "strength": "1 mg/ml",
            "first_dose_mg": "0.5",
            "time_of_day": "bedtime",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["current_dose"]["dose_mg"] == 0.5
    assert "first_dose_mg" not in body
    course = TreatmentCourse.objects.get(uuid=body["uuid"])
    assert course.user == alice
    assert course.dose_changes.get().reason == "start"
    assert response["ETag"] == TreatmentCourse.objects.get(pk=course.pk).etag


def test_course_list_query_count_does_not_grow(
    alice, bob, alice_api, bob_api, django_assert_num_queries
):
    for user, count in ((alice, 1), (bob, 12)):
        for n in range(count):
            course = course_for(user, days=100 + n)
            DoseChangeFactory(course=course, dose_mg=Decimal("1"))
    # the device, the courses, their dose changes
    with django_assert_num_queries(3):
        alice_api.get(COURSES)
    with django_assert_num_queries(3):
        bob_api.get(COURSES)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"first_dose_mg": 0}, "first_dose_mg", DOSE_RANGE),
        ({"first_dose_mg": 51}, "first_dose_mg", DOSE_RANGE),
        ({"first_dose_mg": 500}, "first_dose_mg", DOSE_RANGE),
        ({"first_dose_mg": "1.55"}, "first_dose_mg", None),
        ({"first_dose_mg": "abc"}, "first_dose_mg", None),
        ({"time_of_day": "bedtime"}, "first_dose_mg", None),
        ({"formulation": "smoke"}, "formulation", None),
        ({"formulation": None}, "formulation", None),
        ({"start_date": "9999-01-01"}, "start_date", None),
        ({"start_date": "2026-02-30"}, "start_date", None),
        ({"strength": "x" * 41}, "strength", None),
        ({"notes": "x" * 100_000}, "notes", None),
    ],
)
def test_bad_courses_are_400_naming_the_field(alice, alice_api, body, field, message):
    payload = {"start_date": str(days_ago(alice, 5)), "formulation": "capsule", **body}
    response = alice_api.post(COURSES, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors, errors
    if message:
        assert errors[field] == [message]
    assert not TreatmentCourse.objects.exists()
    assert not DoseChange.objects.exists()


def test_moving_the_start_after_the_first_dose_is_refused(alice, alice_api):
    course = course_for(alice)
    DoseChangeFactory(course=course)
    before = fields(course, services.COURSE_FIELDS)
    response = alice_api.patch(
        reverse("api:treatment-detail", args=[course.uuid]),
        {"start_date": str(days_ago(alice, 10))},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["start_date"]
    assert fields(course, services.COURSE_FIELDS) == before


def test_owner_updates_and_deletes_a_course_with_its_history(alice, alice_api):
    course = course_for(alice)
    change = DoseChangeFactory(course=course)
    url = reverse("api:treatment-detail", args=[course.uuid])
    response = alice_api.patch(url, {"pharmacy": "Corner pharmacy"}, format="json")
    assert response.status_code == 200
    assert response.json()["pharmacy"] == "Corner pharmacy"
    assert response.json()["strength"] == "1 mg/ml"
    assert alice_api.delete(url).status_code == 204
    assert not TreatmentCourse.objects.exists()
    assert Tombstone.objects.filter(kind="dose_change", uuid=change.uuid).exists()


def test_other_user_gets_404_on_courses_and_everything_under_them(alice, bob_api):
    course = course_for(alice)
    change = DoseChangeFactory(course=course)
    missed = MissedDoseFactory(course=course)
    effect = SideEffectFactory(course=course)
    before = [
        fields(course, services.COURSE_FIELDS),
        fields(change, services.DOSE_CHANGE_FIELDS),
    ]
    assert bob_api.get(COURSES).json()["results"] == []
    url = reverse("api:treatment-detail", args=[course.uuid])
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, {"notes": "bob"}, format="json").status_code == 404
    assert bob_api.delete(url).status_code == 404
    for kind, obj in (
        ("dose-change", change),
        ("missed-dose", missed),
        ("side-effect", effect),
    ):
        assert bob_api.get(child_list(kind, course)).status_code == 404
        assert (
            bob_api.post(
                child_list(kind, course),
                {"date": str(course.start_date)},
                format="json",
            ).status_code
            == 404
        )
        assert bob_api.get(child_detail(kind, obj)).status_code == 404
        assert bob_api.delete(child_detail(kind, obj)).status_code == 404
    assert (
        bob_api.patch(child_detail("dose-change", change), {"note": "x"}, format="json")
    ).status_code == 404
    assert before == [
        fields(course, services.COURSE_FIELDS),
        fields(change, services.DOSE_CHANGE_FIELDS),
    ]
    assert MissedDose.objects.filter(pk=missed.pk).exists()
    assert SideEffect.objects.filter(pk=effect.pk).exists()


def test_bobs_course_with_alices_child_uuid_is_404(alice, bob, bob_api):
    """A child is found only under its own course, and only the owner's."""
    change = DoseChangeFactory(course=course_for(alice))
    bobs_course = course_for(bob)
    url = reverse("api:dose-change-detail", args=[bobs_course.uuid, change.uuid])
    assert bob_api.get(url).status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert DoseChange.objects.filter(pk=change.pk).exists()


def test_anonymous_gets_401(alice, anon_api):
    course = course_for(alice)
    change = DoseChangeFactory(course=course)
    medication = MedicationFactory(user=alice)
    for response in (
        anon_api.get(COURSES),
        anon_api.post(COURSES, {}, format="json"),
        anon_api.get(reverse("api:treatment-detail", args=[course.uuid])),
        anon_api.get(child_list("dose-change", course)),
        anon_api.get(child_list("side-effect", course)),
        anon_api.get(child_list("missed-dose", course)),
        anon_api.delete(child_detail("dose-change", change)),
        anon_api.get(MEDICATIONS),
        anon_api.patch(
            reverse("api:medication-detail", args=[medication.uuid]), {}, format="json"
        ),
    ):
        assert response.status_code == 401
    assert DoseChange.objects.filter(pk=change.pk).exists()


# ------------------------------------------------------------------- dose changes


def test_owner_adds_lists_edits_and_deletes_dose_changes(alice, alice_api):
    course = course_for(alice)
    url = child_list("dose-change", course)
    response = alice_api.post(
        url,
        {
            "date": str(course.start_date),
            "reason": "start",
            "dose_mg": 0.5,
            "time_of_day": "bedtime",
        },
        format="json",
    )
    assert response.status_code == 201
    change = DoseChange.objects.get(uuid=response.json()["uuid"])
    assert change.course == course
    assert response.json()["dose_mg"] == 0.5
    assert [c["uuid"] for c in alice_api.get(url).json()["results"]] == [
        str(change.uuid)
    ]
    response = alice_api.patch(
        child_detail("dose-change", change), {"dose_mg": "1.0"}, format="json"
    )
    assert response.status_code == 200
    assert DoseChange.objects.get(pk=change.pk).dose_mg == Decimal("1.0")
    assert alice_api.delete(child_detail("dose-change", change)).status_code == 204
    assert Tombstone.objects.filter(kind="dose_change", uuid=change.uuid).exists()


def test_a_pause_has_no_dose_and_no_time_of_day(alice, alice_api):
    course = course_for(alice)
    response = alice_api.post(
        child_list("dose-change", course),
        {"date": str(days_ago(alice, 1)), "reason": "pause", "time_of_day": "morning"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["dose_mg"], response.json()["time_of_day"]) == (None, "")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"dose_mg": 0}, "dose_mg", DOSE_RANGE),
        ({"dose_mg": -1}, "dose_mg", DOSE_RANGE),
        ({"dose_mg": 51}, "dose_mg", DOSE_RANGE),
        ({"dose_mg": 1e300}, "dose_mg", DOSE_RANGE),
        ({"dose_mg": "4,5"}, "dose_mg", None),
        ({"dose_mg": None}, "dose_mg", "Enter the dose in mg."),
        ({"dose_mg": [1]}, "dose_mg", None),
        ({"reason": "pause"}, "dose_mg", None),  # a pause with a dose
        ({"reason": "vibes"}, "reason", None),
        ({"date": "2026-02-30"}, "date", None),
        ({"date": "9999-12-31"}, "date", None),
        ({"date": "1999-01-01"}, "date", None),  # before the course started
        ({"time_of_day": "noon"}, "time_of_day", None),
        ({"note": "x" * 501}, "note", None),
    ],
)
def test_bad_dose_changes_are_400_naming_the_field_and_change_nothing(
    alice, alice_api, body, field, message
):
    course = course_for(alice)
    change = DoseChangeFactory(course=course)
    before = fields(change, services.DOSE_CHANGE_FIELDS)
    payload = {"date": str(days_ago(alice, 3)), "reason": "planned_step", "dose_mg": 2}
    response = alice_api.post(
        child_list("dose-change", course), {**payload, **body}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors, errors
    if message:
        assert errors[field] == [message]
    response = alice_api.patch(child_detail("dose-change", change), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert fields(change, services.DOSE_CHANGE_FIELDS) == before
    assert DoseChange.objects.count() == 1


def test_a_second_dose_change_on_a_day_is_400_on_date(alice, alice_api):
    course = course_for(alice)
    change = DoseChangeFactory(course=course)
    response = alice_api.post(
        child_list("dose-change", course),
        {"date": str(change.date), "reason": "planned_step", "dose_mg": 3},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]


def test_a_dose_change_uuid_of_another_course_is_400(alice, alice_api):
    first, second = course_for(alice), course_for(alice, days=90)
    change = DoseChangeFactory(course=first)
    response = alice_api.post(
        child_list("dose-change", second),
        {
            "uuid": str(change.uuid),
            "date": str(second.start_date),
            "reason": "start",
            "dose_mg": 1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert not second.dose_changes.exists()


# ---------------------------------------------------- side effects, missed doses


def test_owner_records_and_deletes_side_effects(alice, alice_api):
    course = course_for(alice)
    url = child_list("side-effect", course)
    response = alice_api.post(
        url,
        {"date": str(days_ago(alice, 2)), "kind": "vivid_dreams", "severity": 2},
        format="json",
    )
    assert response.status_code == 201
    effect = SideEffect.objects.get(uuid=response.json()["uuid"])
    assert alice_api.get(url).json()["results"][0]["uuid"] == str(effect.uuid)
    detail = child_detail("side-effect", effect)
    assert alice_api.get(detail).json()["severity"] == 2
    # There is no service to edit one: delete it and record it again.
    assert alice_api.patch(detail, {"severity": 3}, format="json").status_code == 405
    assert alice_api.delete(detail).status_code == 204
    assert Tombstone.objects.filter(kind="side_effect", uuid=effect.uuid).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "other"}, "other_description"),
        ({"kind": "sparkles"}, "kind"),
        ({"severity": 4}, "severity"),
        ({"severity": None}, "severity"),
        ({"date": "1999-01-01"}, "date"),
        ({"date": "9999-12-31"}, "date"),
    ],
)
def test_bad_side_effects_are_400(alice, alice_api, body, field):
    course = course_for(alice)
    payload = {"date": str(days_ago(alice, 2)), "kind": "headache", "severity": 1}
    response = alice_api.post(
        child_list("side-effect", course), {**payload, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not SideEffect.objects.exists()


def test_owner_records_a_missed_dose_once_per_day(alice, alice_api):
    course = course_for(alice)
    url = child_list("missed-dose", course)
    body = {"date": str(days_ago(alice, 4)), "note": "forgot"}
    assert alice_api.post(url, body, format="json").status_code == 201
    again = alice_api.post(url, body, format="json")
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["date"]
    assert MissedDose.objects.count() == 1


def test_missed_doses_are_idempotent_with_a_uuid_and_410_once_deleted(alice, alice_api):
    course = course_for(alice)
    url = child_list("missed-dose", course)
    body = {
        "uuid": "7c1e7a3c-4f31-4a57-8c0e-2d6f4a0b9e21",
        "date": str(days_ago(alice, 4)),
    }
    first = alice_api.post(url, body, format="json")
    second = alice_api.post(url, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    missed = MissedDose.objects.get()
    assert alice_api.delete(child_detail("missed-dose", missed)).status_code == 204
    assert alice_api.post(url, body, format="json").status_code == 410
    assert not MissedDose.objects.exists()


# -------------------------------------------------------------------- medications


def test_owner_manages_medications(alice, alice_api):
    response = alice_api.post(
        MEDICATIONS,
        {
            "name": "Magnesium",
            "kind": "supplement",
            "start_date": str(days_ago(alice, 9)),
        },
        format="json",
    )
    assert response.status_code == 201
    medication = Medication.objects.get(uuid=response.json()["uuid"])
    assert medication.user == alice
    detail = reverse("api:medication-detail", args=[medication.uuid])
    response = alice_api.patch(
        detail, {"stop_date": str(days_ago(alice, 1))}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Magnesium"
    assert [m["uuid"] for m in alice_api.get(MEDICATIONS).json()["results"]] == [
        str(medication.uuid)
    ]
    assert alice_api.delete(detail).status_code == 204
    assert Tombstone.objects.filter(kind="medication", uuid=medication.uuid).exists()


def test_other_user_gets_404_on_medications(alice, bob_api):
    medication = MedicationFactory(user=alice)
    before = fields(medication, services.MEDICATION_FIELDS)
    detail = reverse("api:medication-detail", args=[medication.uuid])
    assert bob_api.get(MEDICATIONS).json()["results"] == []
    assert bob_api.get(detail).status_code == 404
    assert bob_api.put(detail, {"name": "Bob's"}, format="json").status_code == 404
    assert bob_api.delete(detail).status_code == 404
    assert fields(medication, services.MEDICATION_FIELDS) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stop_date": "2000-01-01"}, "stop_date"),  # before the start
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"kind": "potion"}, "kind"),
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"dose": "x" * 81}, "dose"),
    ],
)
def test_bad_medications_are_400_and_change_nothing(alice, alice_api, body, field):
    medication = MedicationFactory(user=alice, start_date=days_ago(alice, 30))
    before = fields(medication, services.MEDICATION_FIELDS)
    detail = reverse("api:medication-detail", args=[medication.uuid])
    response = alice_api.patch(detail, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert fields(medication, services.MEDICATION_FIELDS) == before
