"""Treatment pages: the overview, the LDN course with its dose history, missed
doses and side effects, other medications, and the opioid question."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from diary.doses import course_day, current_dose
from diary.models import (
    DoseChange,
    Medication,
    MissedDose,
    SideEffect,
    TreatmentCourse,
)
from tests.factories import (
    DoseChangeFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
)

D0 = datetime.date(2026, 1, 1)
DOSE_RANGE = "The dose must be more than 0 and at most 50 mg."


def day(n):
    return D0 + datetime.timedelta(days=n)


def step(n, dose, reason="planned_step", time_of_day="bedtime"):
    return SimpleNamespace(
        date=day(n),
        dose_mg=None if dose is None else Decimal(dose),
        reason=reason,
        time_of_day=time_of_day,
    )


def days_ago(user, n):
    return user.local_today() - datetime.timedelta(days=n)


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# ------------------------------------------------------ current dose (pure)

HISTORY = [
    step(0, "1.5", reason="start"),
    step(14, "3.0"),
    step(30, None, reason="pause"),
    step(40, "1.0", reason="restart", time_of_day="morning"),
]


@pytest.mark.parametrize(
    ("today", "status", "dose"),
    [
        (day(-1), "none", None),
        (day(0), "taking", Decimal("1.5")),
        (day(13), "taking", Decimal("1.5")),
        (day(14), "taking", Decimal("3.0")),
        (day(29), "taking", Decimal("3.0")),
        (day(30), "paused", None),
        (day(39), "paused", None),
        (day(40), "taking", Decimal("1.0")),
        (day(400), "taking", Decimal("1.0")),
    ],
)
def test_current_dose_is_the_latest_step_on_or_before_today(today, status, dose):
    result = current_dose(HISTORY, today)
    assert result.status == status
    assert result.dose_mg == dose


def test_current_dose_ignores_input_order():
    assert current_dose(list(reversed(HISTORY)), day(20)).dose_mg == Decimal("3.0")


def test_current_dose_ignores_steps_after_today():
    result = current_dose(HISTORY, day(35))
    assert result.status == "paused"
    assert result.since == day(30)


def test_current_dose_carries_time_of_day_and_since():
    result = current_dose(HISTORY, day(41))
    assert result.time_of_day == "morning"
    assert result.since == day(40)
    assert result.change is HISTORY[3]


def test_stop_means_stopped_with_no_dose():
    result = current_dose([step(0, "4.5"), step(9, None, reason="stop")], day(10))
    assert result.status == "stopped"
    assert result.dose_mg is None
    assert not result.is_taking


def test_no_history_means_no_dose_recorded():
    assert current_dose([], day(0)).status == "none"


@pytest.mark.parametrize(
    ("today", "expected"), [(day(0), 1), (day(1), 2), (day(29), 30), (day(-1), None)]
)
def test_day_one_is_the_start_date(today, expected):
    assert course_day(D0, today) == expected


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def course(alice):
    return TreatmentCourseFactory(
        user=alice,
        start_date=days_ago(alice, 60),
        strength="1 mg/ml",
        pharmacy="Corner Pharmacy",
    )


@pytest.fixture
def change(course):
    return DoseChangeFactory(
        course=course, date=course.start_date, dose_mg=Decimal("1.5")
    )


@pytest.fixture
def missed(course):
    return MissedDoseFactory(
        course=course, date=course.start_date + datetime.timedelta(5)
    )


@pytest.fixture
def effect(course):
    return SideEffectFactory(
        course=course, date=course.start_date + datetime.timedelta(2)
    )


@pytest.fixture
def medication(alice):
    return MedicationFactory(user=alice, name="Vitamin D", dose="1000 IU daily")


def dose_data(date, **overrides):
    data = {
        "dose-date": date.isoformat(),
        "dose-reason": "planned_step",
        "dose-dose_mg": "3.0",
        "dose-time_of_day": "bedtime",
        "dose-note": "",
    }
    data.update(overrides)
    return data


def course_data(user, **overrides):
    data = {
        "start_date": days_ago(user, 10).isoformat(),
        "formulation": "liquid",
        "strength": "1 mg/ml",
        "pharmacy": "Corner Pharmacy",
        "notes": "",
        "first_dose_mg": "",
        "time_of_day": "",
    }
    data.update(overrides)
    return data


def medication_data(user, **overrides):
    data = {
        "name": "Magnesium",
        "kind": "supplement",
        "dose": "300 mg",
        "start_date": days_ago(user, 30).isoformat(),
        "stop_date": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def content_of(response):
    return response.content.decode()


# ----------------------------------------------------------------- anonymous

OBJECT_URLS = [
    ("course-detail", "course"),
    ("course-edit", "course"),
    ("course-delete", "course"),
    ("dose-change-add", "course"),
    ("missed-dose-add", "course"),
    ("side-effect-add", "course"),
    ("dose-change-edit", "change"),
    ("dose-change-delete", "change"),
    ("missed-dose-delete", "missed"),
    ("side-effect-delete", "effect"),
    ("medication-edit", "medication"),
    ("medication-delete", "medication"),
]
PLAIN_URLS = ["treatment-list", "opioid-answer", "course-create", "medication-create"]


@pytest.mark.parametrize("name", PLAIN_URLS)
def test_anonymous_visitor_is_sent_to_log_in(anon_client, db, name):
    url = reverse(f"diary:{name}")
    assert_login_redirect(anon_client.get(url))
    assert_login_redirect(anon_client.post(url, {"takes_opioids": "yes"}))
    assert not TreatmentCourse.objects.exists()
    assert not Medication.objects.exists()


@pytest.mark.parametrize(("name", "fixture"), OBJECT_URLS)
def test_anonymous_visitor_is_sent_to_log_in_for_objects(
    anon_client, request, name, fixture
):
    obj = request.getfixturevalue(fixture)
    url = reverse(f"diary:{name}", args=[obj.uuid])
    assert_login_redirect(anon_client.get(url))
    assert_login_redirect(anon_client.post(url, dose_data(days_ago(obj_user(obj), 1))))
    assert type(obj).objects.filter(pk=obj.pk).exists()


def obj_user(obj):
    return obj.course.user if hasattr(obj, "course") else obj.user


@pytest.mark.parametrize(("name", "fixture"), OBJECT_URLS)
def test_other_user_gets_404(bob_client, request, name, fixture):
    obj = request.getfixturevalue(fixture)
    url = reverse(f"diary:{name}", args=[obj.uuid])
    counts = {
        model: model.objects.count()
        for model in (TreatmentCourse, DoseChange, MissedDose, SideEffect, Medication)
    }
    if not name.endswith("-add"):
        assert bob_client.get(url).status_code == 404
    assert (
        bob_client.post(url, dose_data(days_ago(obj_user(obj), 1))).status_code == 404
    )
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert counts == {model: model.objects.count() for model in counts}


# ------------------------------------------------------------------ overview


def test_overview_shows_the_prominent_not_medical_advice_notice(alice_client):
    response = alice_client.get(reverse("diary:treatment-list"))
    assert response.status_code == 200
    assert 'data-testid="not-medical-advice-prominent"' in content_of(response)


def test_overview_shows_course_details_current_dose_and_day(alice_client, alice):
    course = TreatmentCourseFactory(
        user=alice, start_date=days_ago(alice, 20), pharmacy="Corner Pharmacy"
    )
    DoseChangeFactory(course=course, date=days_ago(alice, 20), dose_mg=Decimal("1.5"))
    DoseChangeFactory(
        course=course,
        date=days_ago(alice, 6),
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )
    response = alice_client.get(reverse("diary:treatment-list"))
    content = content_of(response)
    assert "Liquid, 1 mg/ml" in content
    assert "Corner Pharmacy" in content
    assert "day 21" in content
    [summary] = response.context["courses"]
    assert summary["dose"].dose_mg == Decimal("3.0")
    assert "3.0 mg" in content
    assert "1.5 mg" not in content


def test_overview_shows_paused_and_no_dose_during_a_pause(alice_client, alice, course):
    DoseChangeFactory(course=course, date=days_ago(alice, 60), dose_mg=Decimal("1.5"))
    DoseChangeFactory(
        course=course, date=days_ago(alice, 3), dose_mg=None, reason="pause"
    )
    response = alice_client.get(reverse("diary:treatment-list"))
    assert response.context["courses"][0]["dose"].status == "paused"
    content = content_of(response)
    assert ">paused<" in content
    assert "1.5 mg" not in content


def test_overview_after_restart_shows_the_restart_dose(alice_client, alice, course):
    for n, dose, reason in [
        (60, "1.5", "start"),
        (40, "3.0", "planned_step"),
        (20, None, "pause"),
        (5, "1.0", "restart"),
    ]:
        DoseChangeFactory(
            course=course,
            date=days_ago(alice, n),
            dose_mg=None if dose is None else Decimal(dose),
            reason=reason,
        )
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert "1.0 mg" in content


def test_overview_lists_current_and_stopped_medications_apart(alice_client, alice):
    MedicationFactory(user=alice, name="Magnesium")
    MedicationFactory(
        user=alice,
        name="Melatonin",
        start_date=days_ago(alice, 90),
        stop_date=days_ago(alice, 10),
    )
    response = alice_client.get(reverse("diary:treatment-list"))
    assert [m.name for m in response.context["current_medications"]] == ["Magnesium"]
    assert [m.name for m in response.context["stopped_medications"]] == ["Melatonin"]
    content = content_of(response)
    assert content.index("Magnesium") < content.index("Melatonin")


def test_overview_shows_only_own_treatments(alice_client, bob):
    TreatmentCourseFactory(user=bob, pharmacy="Bob's Pharmacy")
    MedicationFactory(user=bob, name="Bob's pills")
    response = alice_client.get(reverse("diary:treatment-list"))
    assert response.context["courses"] == []
    assert response.context["current_medications"] == []
    assert "Bob" not in content_of(response)


def test_script_in_names_is_escaped_on_the_overview(alice_client, alice):
    TreatmentCourseFactory(user=alice, pharmacy="<script>alert(1)</script>")
    MedicationFactory(user=alice, name="<script>alert(2)</script>")
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in content


def _seed_treatments(user, *, courses, changes_per_course):
    for index in range(courses):
        course = TreatmentCourseFactory(
            user=user, start_date=days_ago(user, 400 + index * 100)
        )
        DoseChangeFactory(course=course, date=course.start_date)
        for n in range(1, changes_per_course):
            DoseChangeFactory(
                course=course,
                date=course.start_date + datetime.timedelta(days=n),
                dose_mg=Decimal("0.5") + Decimal(n) / 10,
                reason="planned_step",
            )
        MissedDoseFactory(course=course)
        SideEffectFactory(course=course)
    MedicationFactory(user=user, name=f"Current {courses}")
    MedicationFactory(
        user=user,
        name=f"Stopped {courses}",
        start_date=days_ago(user, 50),
        stop_date=days_ago(user, 5),
    )


def test_overview_query_count_does_not_grow_with_dose_history(
    alice_client, alice, django_assert_num_queries
):
    url = reverse("diary:treatment-list")
    _seed_treatments(alice, courses=1, changes_per_course=1)
    # session, user, courses, dose changes, medications
    with django_assert_num_queries(5):
        alice_client.get(url)
    TreatmentCourse.objects.all().delete()
    _seed_treatments(alice, courses=1, changes_per_course=30)
    with django_assert_num_queries(5):
        response = alice_client.get(url)
    assert len(response.context["courses"][0]["changes"]) == 30
    _seed_treatments(alice, courses=4, changes_per_course=30)
    with django_assert_num_queries(5):
        response = alice_client.get(url)
    assert len(response.context["courses"]) == 5


def test_course_page_query_count_does_not_grow_with_history(
    alice_client, alice, django_assert_num_queries
):
    _seed_treatments(alice, courses=1, changes_per_course=1)
    course = TreatmentCourse.objects.get(user=alice)
    url = reverse("diary:course-detail", args=[course.uuid])
    # session, user, course, dose changes, missed doses, side effects
    with django_assert_num_queries(6):
        alice_client.get(url)
    for n in range(1, 30):
        DoseChangeFactory(
            course=course,
            date=course.start_date + datetime.timedelta(days=n),
            dose_mg=Decimal("2.0"),
            reason="planned_step",
        )
        MissedDoseFactory(
            course=course, date=course.start_date + datetime.timedelta(days=n + 40)
        )
        SideEffectFactory(
            course=course, date=course.start_date + datetime.timedelta(days=n + 40)
        )
    with django_assert_num_queries(6):
        response = alice_client.get(url)
    assert len(response.context["changes"]) == 30


# ------------------------------------------------------------ opioid question


def test_opioid_notice_shown_when_the_answer_is_yes(alice_client, alice):
    alice.takes_opioids = User.OpioidAnswer.YES
    alice.save()
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert 'class="notice notice-danger"' in content
    assert "LDN is an opioid antagonist" in content
    assert "can bring on withdrawal" in content
    assert "for your prescriber to decide" in content


def test_opioid_notice_shown_when_unsure(alice_client, alice):
    alice.takes_opioids = User.OpioidAnswer.UNSURE
    alice.save()
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert 'data-testid="opioid-warning"' in content


def test_opioid_notice_shown_on_the_course_page_too(alice_client, alice, course):
    alice.takes_opioids = User.OpioidAnswer.YES
    alice.save()
    url = reverse("diary:course-detail", args=[course.uuid])
    assert 'data-testid="opioid-warning"' in content_of(alice_client.get(url))


def test_no_opioid_notice_when_the_answer_is_no(alice_client, alice, course):
    alice.takes_opioids = User.OpioidAnswer.NO
    alice.save()
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert "notice-danger" not in content
    assert "LDN is an opioid antagonist" not in content
    assert 'data-testid="opioid-question"' not in content
    assert "You told us you do not take opioid medicines." in content
    url = reverse("diary:course-detail", args=[course.uuid])
    assert "notice-danger" not in content_of(alice_client.get(url))


def test_unanswered_opioid_question_is_asked_inline(alice_client):
    content = content_of(alice_client.get(reverse("diary:treatment-list")))
    assert 'data-testid="opioid-question"' in content
    assert f'action="{reverse("diary:opioid-answer")}"' in content
    assert "notice-danger" not in content


def test_opioid_question_page_shows_the_saved_answer(alice_client, alice):
    alice.takes_opioids = User.OpioidAnswer.UNSURE
    alice.save()
    response = alice_client.get(reverse("diary:opioid-answer"))
    assert response.status_code == 200
    content = content_of(response)
    assert re.search(r'value="unsure"[^>]*\schecked', content)
    assert content.count(" checked") == 1


@pytest.mark.parametrize("answer", ["yes", "no", "unsure"])
def test_owner_can_answer_the_opioid_question(alice_client, alice, answer):
    response = alice_client.post(
        reverse("diary:opioid-answer"), {"takes_opioids": answer}
    )
    assert response.status_code == 302
    assert response.url == reverse("diary:treatment-list")
    alice.refresh_from_db()
    assert alice.takes_opioids == answer
    assert alice.time_zone == "Europe/London"


@pytest.mark.parametrize("answer", ["", "maybe", "<script>"])
def test_bad_opioid_answer_is_rejected(alice_client, alice, answer):
    alice.takes_opioids = User.OpioidAnswer.NO
    alice.save()
    response = alice_client.post(
        reverse("diary:opioid-answer"), {"takes_opioids": answer}
    )
    assert response.status_code == 200
    assert "Choose one answer." in content_of(response)
    assert "<script>" not in content_of(response).split("</head>")[1]
    alice.refresh_from_db()
    assert alice.takes_opioids == "no"


def test_opioid_answer_changes_only_the_users_own_answer(bob_client, alice, bob):
    bob_client.post(reverse("diary:opioid-answer"), {"takes_opioids": "yes"})
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.takes_opioids == ""
    assert bob.takes_opioids == "yes"


# ---------------------------------------------------------------- LDN course


def test_create_page_has_the_prominent_notice(alice_client):
    response = alice_client.get(reverse("diary:course-create"))
    assert response.status_code == 200
    assert 'data-testid="not-medical-advice-prominent"' in content_of(response)


def test_owner_can_start_a_course_with_a_first_dose(alice_client, alice):
    response = alice_client.post(
        reverse("diary:course-create"),
        course_data(alice, first_dose_mg="1,5", time_of_day="bedtime"),
    )
    course = TreatmentCourse.objects.get(user=alice)
    assert response.status_code == 302
    assert response.url == reverse("diary:course-detail", args=[course.uuid])
    assert course.start_date == days_ago(alice, 10)
    assert course.formulation == "liquid"
    assert course.strength == "1 mg/ml"
    [first] = course.dose_changes.all()
    assert first.date == course.start_date
    assert first.dose_mg == Decimal("1.5")
    assert first.reason == "start"
    assert first.time_of_day == "bedtime"


def test_owner_can_start_a_course_without_a_dose(alice_client, alice):
    response = alice_client.post(reverse("diary:course-create"), course_data(alice))
    assert response.status_code == 302
    course = TreatmentCourse.objects.get(user=alice)
    assert not course.dose_changes.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", DOSE_RANGE),
        ("-1", DOSE_RANGE),
        ("51", DOSE_RANGE),
        ("abc", "First dose (mg): enter a number"),
        ("1.25", "0.1 mg steps"),
    ],
)
def test_bad_first_dose_saves_no_course(alice_client, alice, typed, message):
    response = alice_client.post(
        reverse("diary:course-create"), course_data(alice, first_dose_mg=typed)
    )
    assert response.status_code == 200
    content = content_of(response)
    assert message in content
    assert f'value="{typed}"' in content
    assert not TreatmentCourse.objects.exists()


def test_future_course_start_is_rejected(alice_client, alice):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("diary:course-create"),
        course_data(alice, start_date=tomorrow, first_dose_mg="1.5"),
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize("formulation", ["", "injection"])
def test_course_needs_a_known_formulation(alice_client, alice, formulation):
    response = alice_client.post(
        reverse("diary:course-create"), course_data(alice, formulation=formulation)
    )
    assert response.status_code == 200
    assert "formulation" in response.context["form"].errors
    assert not TreatmentCourse.objects.exists()


def test_100_kb_course_notes_are_rejected_and_kept(alice_client, alice):
    notes = "n" * 100_000
    response = alice_client.post(
        reverse("diary:course-create"), course_data(alice, notes=notes)
    )
    assert response.status_code == 200
    assert "Notes: at most 10,000 characters (you typed 100,000)." in content_of(
        response
    )
    assert notes in content_of(response)
    assert not TreatmentCourse.objects.exists()


def test_course_page_shows_history_missed_doses_and_side_effects(
    alice_client, alice, course, change, missed, effect
):
    DoseChangeFactory(
        course=course,
        date=days_ago(alice, 30),
        dose_mg=None,
        reason="pause",
        note="Flu",
    )
    response = alice_client.get(reverse("diary:course-detail", args=[course.uuid]))
    assert response.status_code == 200
    content = content_of(response)
    assert 'data-testid="not-medical-advice-prominent"' in content
    assert [c.pk for c in response.context["changes"]][0] == change.pk
    assert "Pause" in content and "Flu" in content
    assert reverse("diary:dose-change-edit", args=[change.uuid]) in content
    assert reverse("diary:dose-change-delete", args=[change.uuid]) in content
    assert reverse("diary:missed-dose-delete", args=[missed.uuid]) in content
    assert "Vivid dreams" in content
    assert "1: mild" in content
    assert reverse("diary:side-effect-delete", args=[effect.uuid]) in content
    assert response.context["dose"].status == "paused"
    assert "day 61" in content


def test_script_in_course_fields_is_escaped_on_the_course_page(alice_client, alice):
    course = TreatmentCourseFactory(
        user=alice, strength="<b>1</b>", notes="<script>alert(1)</script>"
    )
    DoseChangeFactory(course=course, note="<script>alert(2)</script>")
    content = content_of(
        alice_client.get(reverse("diary:course-detail", args=[course.uuid]))
    )
    assert "<script>alert" not in content
    assert "<b>1</b>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in content


def test_owner_can_edit_the_course(alice_client, alice, course):
    data = course_data(
        alice,
        start_date=course.start_date.isoformat(),
        formulation="capsule",
        strength="4.5 mg capsules",
        pharmacy="New Pharmacy",
    )
    response = alice_client.post(reverse("diary:course-edit", args=[course.uuid]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.formulation == "capsule"
    assert course.strength == "4.5 mg capsules"
    assert course.pharmacy == "New Pharmacy"


def test_course_edit_page_shows_saved_values(alice_client, course):
    response = alice_client.get(reverse("diary:course-edit", args=[course.uuid]))
    assert response.status_code == 200
    content = content_of(response)
    assert 'value="Corner Pharmacy"' in content
    assert "first_dose_mg" not in content


def test_course_start_after_its_dose_history_is_rejected(
    alice_client, alice, course, change
):
    later = (course.start_date + datetime.timedelta(days=5)).isoformat()
    response = alice_client.post(
        reverse("diary:course-edit", args=[course.uuid]),
        course_data(alice, start_date=later, pharmacy="Changed"),
    )
    assert response.status_code == 200
    assert "The dose history starts on" in content_of(response)
    assert f'value="{later}"' in content_of(response)
    course.refresh_from_db()
    assert course.start_date == change.date
    assert course.pharmacy == "Corner Pharmacy"


def test_course_delete_asks_first_with_what_goes(
    alice_client, course, change, missed, effect
):
    response = alice_client.get(reverse("diary:course-delete", args=[course.uuid]))
    assert response.status_code == 200
    content = content_of(response)
    assert "Delete this LDN course?" in content
    assert "1 dose change" in content
    assert "1 missed dose" in content
    assert "1 side effect" in content
    assert TreatmentCourse.objects.filter(pk=course.pk).exists()


def test_owner_can_delete_a_course_with_its_history(
    alice_client, course, change, missed, effect
):
    response = alice_client.post(reverse("diary:course-delete", args=[course.uuid]))
    assert response.status_code == 302
    assert response.url == reverse("diary:treatment-list")
    assert not TreatmentCourse.objects.exists()
    assert not DoseChange.objects.exists()
    assert not MissedDose.objects.exists()
    assert not SideEffect.objects.exists()


# ------------------------------------------------------------- dose changes


def test_owner_can_add_a_dose_step(alice_client, alice, course, change):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    response = alice_client.post(
        url, dose_data(days_ago(alice, 1), **{"dose-dose_mg": "3"})
    )
    assert response.status_code == 302
    assert response.url == reverse("diary:course-detail", args=[course.uuid]) + "#doses"
    new = course.dose_changes.get(date=days_ago(alice, 1))
    assert new.dose_mg == Decimal("3.0")
    assert new.reason == "planned_step"


def test_dose_with_a_decimal_comma_is_read_as_a_point(alice_client, alice, course):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    response = alice_client.post(
        url, dose_data(days_ago(alice, 1), **{"dose-dose_mg": "1,5"})
    )
    assert response.status_code == 302
    assert course.dose_changes.get().dose_mg == Decimal("1.5")


def _post_bad_dose(client, alice, course, **overrides):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    response = client.post(url, dose_data(days_ago(alice, 1), **overrides))
    assert response.status_code == 200
    assert response.context["dose_form"].is_bound
    assert not response.context["missed_form"].is_bound
    return response


@pytest.mark.parametrize("typed", ["0", "0.0", "-1", "51", "50.1", "100", "999"])
def test_dose_out_of_range_is_rejected(alice_client, alice, course, change, typed):
    response = _post_bad_dose(alice_client, alice, course, **{"dose-dose_mg": typed})
    content = content_of(response)
    assert DOSE_RANGE in content
    assert f'value="{typed}"' in content
    assert list(course.dose_changes.all()) == [change]


def test_dose_of_50_mg_is_the_upper_limit(alice_client, alice, course):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    response = alice_client.post(
        url, dose_data(days_ago(alice, 1), **{"dose-dose_mg": "50"})
    )
    assert response.status_code == 302


@pytest.mark.parametrize("typed", ["abc", "1,5,3", "1.000,5", "1e1"])
def test_dose_that_is_not_a_number_is_rejected(alice_client, alice, course, typed):
    response = _post_bad_dose(alice_client, alice, course, **{"dose-dose_mg": typed})
    content = content_of(response)
    assert "Dose (mg): enter a number, for example 1.5 (1,5 works too)." in content
    assert f'value="{typed}"' in content
    assert not course.dose_changes.exists()


@pytest.mark.parametrize("typed", ["1.25", "1,25", "4.55"])
def test_dose_finer_than_a_tenth_of_a_mg_is_rejected(
    alice_client, alice, course, typed
):
    response = _post_bad_dose(alice_client, alice, course, **{"dose-dose_mg": typed})
    assert "Use 0.1 mg steps" in content_of(response)
    assert not course.dose_changes.exists()


@pytest.mark.parametrize("reason", ["pause", "stop"])
def test_pause_or_stop_with_a_dose_is_rejected(alice_client, alice, course, reason):
    response = _post_bad_dose(
        alice_client, alice, course, **{"dose-reason": reason, "dose-dose_mg": "1.5"}
    )
    assert "A pause or stop has no dose" in content_of(response)
    assert not course.dose_changes.exists()


def test_pause_without_a_dose_is_saved_and_shown_as_paused(
    alice_client, alice, course, change
):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    response = alice_client.post(
        url,
        dose_data(days_ago(alice, 1), **{"dose-reason": "pause", "dose-dose_mg": ""}),
    )
    assert response.status_code == 302
    assert course.dose_changes.get(reason="pause").dose_mg is None
    overview = alice_client.get(reverse("diary:treatment-list"))
    assert overview.context["courses"][0]["dose"].status == "paused"


def test_a_step_without_a_dose_is_rejected(alice_client, alice, course):
    response = _post_bad_dose(alice_client, alice, course, **{"dose-dose_mg": ""})
    assert "Enter the dose in mg." in content_of(response)
    assert not course.dose_changes.exists()


def test_dose_change_before_the_course_start_is_rejected(alice_client, alice, course):
    before = (course.start_date - datetime.timedelta(days=1)).isoformat()
    response = _post_bad_dose(alice_client, alice, course, **{"dose-date": before})
    assert "This is before the course started" in content_of(response)
    assert f'value="{before}"' in content_of(response)
    assert not course.dose_changes.exists()


def test_future_dose_change_is_rejected(alice_client, alice, course):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = _post_bad_dose(alice_client, alice, course, **{"dose-date": tomorrow})
    assert "This date is in the future" in content_of(response)
    assert not course.dose_changes.exists()


def test_second_dose_change_on_the_same_day_is_rejected(
    alice_client, alice, course, change
):
    response = _post_bad_dose(
        alice_client, alice, course, **{"dose-date": change.date.isoformat()}
    )
    assert "There is already a dose change on this date" in content_of(response)
    change.refresh_from_db()
    assert change.dose_mg == Decimal("1.5")
    assert course.dose_changes.count() == 1


def test_script_in_dose_note_is_escaped_when_redisplayed(alice_client, alice, course):
    response = _post_bad_dose(
        alice_client,
        alice,
        course,
        **{"dose-dose_mg": "0", "dose-note": "<script>alert(1)</script>"},
    )
    content = content_of(response)
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_adding_a_dose_needs_post(alice_client, course):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    assert alice_client.get(url).status_code == 405


def test_dose_change_edit_page_shows_saved_values(alice_client, change):
    response = alice_client.get(reverse("diary:dose-change-edit", args=[change.uuid]))
    assert response.status_code == 200
    content = content_of(response)
    assert 'value="1.5"' in content
    assert 'data-testid="not-medical-advice-prominent"' in content


def test_owner_can_edit_a_dose_change(alice_client, course, change):
    url = reverse("diary:dose-change-edit", args=[change.uuid])
    data = dose_data(change.date, **{"dose-dose_mg": "2,0", "dose-reason": "start"})
    response = alice_client.post(url, data)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.dose_mg == Decimal("2.0")


@pytest.mark.parametrize("typed", ["0", "-1", "51", "abc", "1.25"])
def test_bad_dose_on_edit_keeps_the_saved_change(alice_client, change, typed):
    url = reverse("diary:dose-change-edit", args=[change.uuid])
    response = alice_client.post(url, dose_data(change.date, **{"dose-dose_mg": typed}))
    assert response.status_code == 200
    assert f'value="{typed}"' in content_of(response)
    change.refresh_from_db()
    assert change.dose_mg == Decimal("1.5")


def test_edit_onto_another_dose_date_is_rejected(alice_client, alice, course, change):
    other = DoseChangeFactory(
        course=course,
        date=days_ago(alice, 10),
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )
    url = reverse("diary:dose-change-edit", args=[other.uuid])
    response = alice_client.post(url, dose_data(change.date))
    assert response.status_code == 200
    assert "There is already a dose change on this date" in content_of(response)
    other.refresh_from_db()
    assert other.date == days_ago(alice, 10)


def test_dose_change_delete_asks_first(alice_client, change):
    response = alice_client.get(reverse("diary:dose-change-delete", args=[change.uuid]))
    assert response.status_code == 200
    assert "Delete this dose change?" in content_of(response)
    assert DoseChange.objects.filter(pk=change.pk).exists()


def test_owner_can_delete_a_dose_change(alice_client, course, change):
    response = alice_client.post(
        reverse("diary:dose-change-delete", args=[change.uuid])
    )
    assert response.status_code == 302
    assert response.url == reverse("diary:course-detail", args=[course.uuid]) + "#doses"
    assert not DoseChange.objects.exists()


# ------------------------------------------------------------- missed doses


def test_owner_can_record_a_missed_dose(alice_client, alice, course):
    url = reverse("diary:missed-dose-add", args=[course.uuid])
    response = alice_client.post(
        url, {"missed-date": days_ago(alice, 2).isoformat(), "missed-note": "Forgot"}
    )
    assert response.status_code == 302
    missed = course.missed_doses.get()
    assert missed.date == days_ago(alice, 2)
    assert missed.note == "Forgot"


def test_missed_dose_twice_on_a_day_is_rejected(alice_client, course, missed):
    url = reverse("diary:missed-dose-add", args=[course.uuid])
    response = alice_client.post(
        url, {"missed-date": missed.date.isoformat(), "missed-note": "again"}
    )
    assert response.status_code == 200
    assert response.context["missed_form"].is_bound
    assert "A missed dose is already recorded on this date." in content_of(response)
    assert 'value="again"' in content_of(response)
    assert course.missed_doses.count() == 1


def test_missed_dose_with_a_bad_date_is_rejected(alice_client, course):
    url = reverse("diary:missed-dose-add", args=[course.uuid])
    response = alice_client.post(url, {"missed-date": "yesterday"})
    assert response.status_code == 200
    assert "missed-date" in content_of(response)
    assert 'value="yesterday"' in content_of(response)
    assert not course.missed_doses.exists()


def test_owner_can_delete_a_missed_dose(alice_client, course, missed):
    url = reverse("diary:missed-dose-delete", args=[missed.uuid])
    assert alice_client.get(url).status_code == 200
    assert MissedDose.objects.exists()
    response = alice_client.post(url)
    assert response.status_code == 302
    assert not MissedDose.objects.exists()


# ------------------------------------------------------------- side effects


def effect_data(date, **overrides):
    data = {
        "effect-date": date.isoformat(),
        "effect-kind": "insomnia",
        "effect-other_description": "",
        "effect-severity": "2",
        "effect-note": "",
    }
    data.update(overrides)
    return data


def test_owner_can_record_a_side_effect(alice_client, alice, course):
    url = reverse("diary:side-effect-add", args=[course.uuid])
    response = alice_client.post(url, effect_data(days_ago(alice, 3)))
    assert response.status_code == 302
    effect = course.side_effects.get()
    assert effect.kind == "insomnia"
    assert effect.severity == 2


@pytest.mark.parametrize("severity", ["4", "-1", "bad", ""])
def test_side_effect_severity_outside_0_to_3_is_rejected(
    alice_client, alice, course, severity
):
    url = reverse("diary:side-effect-add", args=[course.uuid])
    response = alice_client.post(
        url, effect_data(days_ago(alice, 3), **{"effect-severity": severity})
    )
    assert response.status_code == 200
    assert response.context["effect_form"].is_bound
    assert "Severity: choose one, from 0 to 3." in content_of(response)
    assert not course.side_effects.exists()


def test_other_side_effect_needs_a_description(alice_client, alice, course):
    url = reverse("diary:side-effect-add", args=[course.uuid])
    response = alice_client.post(
        url, effect_data(days_ago(alice, 3), **{"effect-kind": "other"})
    )
    assert response.status_code == 200
    assert "Describe the side effect in a few words." in content_of(response)
    assert not course.side_effects.exists()


def test_script_in_side_effect_description_is_escaped(alice_client, alice, course):
    url = reverse("diary:side-effect-add", args=[course.uuid])
    alice_client.post(
        url,
        effect_data(
            days_ago(alice, 3),
            **{
                "effect-kind": "other",
                "effect-other_description": "<script>x</script>",
            },
        ),
    )
    content = content_of(
        alice_client.get(reverse("diary:course-detail", args=[course.uuid]))
    )
    assert "<script>x</script>" not in content
    assert "&lt;script&gt;x&lt;/script&gt;" in content


def test_owner_can_delete_a_side_effect(alice_client, course, effect):
    url = reverse("diary:side-effect-delete", args=[effect.uuid])
    assert "Delete this side effect?" in content_of(alice_client.get(url))
    assert SideEffect.objects.exists()
    response = alice_client.post(url)
    assert response.status_code == 302
    assert not SideEffect.objects.exists()


# -------------------------------------------------------------- medications


def test_owner_can_add_a_medication(alice_client, alice):
    response = alice_client.post(
        reverse("diary:medication-create"), medication_data(alice)
    )
    assert response.status_code == 302
    assert response.url == reverse("diary:treatment-list")
    medication = Medication.objects.get(user=alice)
    assert medication.name == "Magnesium"
    assert medication.kind == "supplement"
    assert medication.stop_date is None


def test_medication_page_has_the_prominent_notice(alice_client):
    response = alice_client.get(reverse("diary:medication-create"))
    assert response.status_code == 200
    assert 'data-testid="not-medical-advice-prominent"' in content_of(response)


def test_medication_stop_before_start_is_rejected(alice_client, alice):
    data = medication_data(alice, stop_date=days_ago(alice, 40).isoformat())
    response = alice_client.post(reverse("diary:medication-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["stop_date"] == [
        "The stop date cannot be before the start date."
    ]
    assert 'value="Magnesium"' in content_of(response)
    assert not Medication.objects.exists()


def test_medication_future_start_is_rejected(alice_client, alice):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("diary:medication-create"), medication_data(alice, start_date=tomorrow)
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert not Medication.objects.exists()


def test_medication_needs_a_name(alice_client, alice):
    response = alice_client.post(
        reverse("diary:medication-create"), medication_data(alice, name="   ")
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Medication.objects.exists()


def test_overlong_medication_name_is_rejected(alice_client, alice):
    response = alice_client.post(
        reverse("diary:medication-create"), medication_data(alice, name="m" * 121)
    )
    assert response.status_code == 200
    assert "at most 120 characters" in content_of(response)
    assert not Medication.objects.exists()


def test_script_in_medication_name_is_escaped_when_redisplayed(alice_client, alice):
    response = alice_client.post(
        reverse("diary:medication-create"),
        medication_data(alice, name="<script>alert(1)</script>", kind="poison"),
    )
    content = content_of(response)
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_owner_can_stop_a_medication(alice_client, alice, medication):
    data = medication_data(
        alice,
        name="Vitamin D",
        start_date="",
        stop_date=days_ago(alice, 1).isoformat(),
    )
    response = alice_client.post(
        reverse("diary:medication-edit", args=[medication.uuid]), data
    )
    assert response.status_code == 302
    medication.refresh_from_db()
    assert medication.stop_date == days_ago(alice, 1)
    overview = alice_client.get(reverse("diary:treatment-list"))
    assert overview.context["stopped_medications"] == [medication]


def test_bad_medication_edit_keeps_the_saved_one(alice_client, alice, medication):
    data = medication_data(
        alice, name="Changed", stop_date=days_ago(alice, 40).isoformat()
    )
    response = alice_client.post(
        reverse("diary:medication-edit", args=[medication.uuid]), data
    )
    assert response.status_code == 200
    assert 'value="Changed"' in content_of(response)
    medication.refresh_from_db()
    assert medication.name == "Vitamin D"
    assert medication.stop_date is None


def test_medication_edit_page_shows_saved_values(alice_client, medication):
    response = alice_client.get(
        reverse("diary:medication-edit", args=[medication.uuid])
    )
    assert response.status_code == 200
    assert 'value="Vitamin D"' in content_of(response)


def test_owner_can_delete_a_medication(alice_client, medication):
    url = reverse("diary:medication-delete", args=[medication.uuid])
    assert "Delete this medication or supplement?" in content_of(alice_client.get(url))
    assert Medication.objects.exists()
    response = alice_client.post(url)
    assert response.status_code == 302
    assert not Medication.objects.exists()


def test_time_of_day_without_a_first_dose_is_not_silently_dropped(alice_client, alice):
    response = alice_client.post(
        reverse("diary:course-create"), course_data(alice, time_of_day="morning")
    )
    assert response.status_code == 200
    assert "Enter the first dose too, or leave the time of day empty." in content_of(
        response
    )
    assert not TreatmentCourse.objects.exists()


def test_pause_is_saved_without_a_time_of_day(alice_client, alice, course):
    url = reverse("diary:dose-change-add", args=[course.uuid])
    data = dose_data(
        days_ago(alice, 1),
        **{"dose-reason": "stop", "dose-dose_mg": "", "dose-time_of_day": "bedtime"},
    )
    assert alice_client.post(url, data).status_code == 302
    stop = course.dose_changes.get()
    assert stop.reason == "stop"
    assert stop.time_of_day == ""


@time_machine.travel(datetime.datetime(2026, 1, 10, 2, 0, tzinfo=datetime.UTC))
def test_day_count_and_dose_use_the_users_local_today(bob_client, bob):
    # 02:00 UTC on 10 January is still 9 January in New York.
    course = TreatmentCourseFactory(user=bob, start_date=datetime.date(2026, 1, 9))
    DoseChangeFactory(
        course=course, date=datetime.date(2026, 1, 9), dose_mg=Decimal("1.5")
    )
    DoseChangeFactory(
        course=course,
        date=datetime.date(2026, 1, 10),
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )
    response = bob_client.get(reverse("diary:treatment-list"))
    [summary] = response.context["courses"]
    assert summary["day"] == 1
    assert summary["dose"].dose_mg == Decimal("1.5")
    assert "day 1<" in content_of(response)
