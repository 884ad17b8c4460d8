"""The before/after report service: windows, numbers worked out by hand, privacy,
bad parameters and a fixed number of queries."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from diary.analysis import CAUSATION_CAVEAT
from diary.before_after import before_after_report
from diary.models import DoseChange, Entry, SymptomScore, TrackedSymptom
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Noon in London, so "today" is the same date for every persona's time zone.
NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 15)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def tracked_symptoms(user):
    return [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def log(user, symptom, days, score) -> None:
    """Score ``symptom`` on each of ``days`` (``score`` a number or a function of
    the day), creating the day's entry when there is none."""
    for day in days:
        entry, _created = Entry.objects.get_or_create(user=user, date=day)
        value = score(day) if callable(score) else score
        SymptomScore.objects.update_or_create(
            entry=entry, symptom=symptom, defaults={"score": value}
        )


def start_ldn(user, days_ago: int = 60, doses=None):
    """An LDN course that started ``days_ago`` days ago, with dose steps given as
    (days ago, dose or None, reason)."""
    course = TreatmentCourseFactory(user=user, start_date=ago(days_ago))
    for step_days_ago, dose, reason in doses or [(days_ago, "1.5", "start")]:
        DoseChangeFactory(
            course=course,
            date=ago(step_days_ago),
            dose_mg=Decimal(dose) if dose is not None else None,
            reason=reason,
        )
    return course


def result_for(report, symptom):
    [item] = [
        s for s in report["symptoms"] if s["symptom"]["uuid"] == str(symptom.uuid)
    ]
    return item


# --- Windows ------------------------------------------------------------------------


def test_default_windows_are_8_weeks_before_ldn_and_the_last_8_weeks(alice):
    start_ldn(alice, days_ago=100)

    report = before_after_report(user=alice)

    assert report["status"] == "ok"
    assert report["baseline"]["start"] == ago(100 + 56).isoformat()
    assert report["baseline"]["end"] == ago(101).isoformat()
    assert report["baseline"]["days"] == 56
    assert report["comparison"]["start"] == ago(55).isoformat()
    assert report["comparison"]["end"] == TODAY.isoformat()
    assert report["comparison"]["days"] == 56


def test_baseline_weeks_sets_the_length_of_the_baseline(alice):
    start_ldn(alice, days_ago=100)

    report = before_after_report(user=alice, baseline_weeks=2)

    assert report["baseline"]["start"] == ago(114).isoformat()
    assert report["baseline"]["end"] == ago(101).isoformat()


def test_last_8_weeks_starts_at_the_ldn_start_when_ldn_is_younger(alice):
    start_ldn(alice, days_ago=20)

    report = before_after_report(user=alice)

    assert report["comparison"]["start"] == ago(20).isoformat()
    assert report["comparison"]["clipped_to_ldn_start"] is True
    assert report["notes"]


def test_current_dose_compares_from_the_latest_real_dose_step(alice):
    start_ldn(
        alice,
        days_ago=90,
        doses=[
            (90, "0.5", "start"),
            (60, "1.5", "planned_step"),
            (30, "3.0", "planned_step"),
        ],
    )

    report = before_after_report(user=alice, comparison="current_dose")

    assert report["comparison"]["start"] == ago(30).isoformat()
    assert report["comparison"]["end"] == TODAY.isoformat()
    assert report["comparison"]["dose_mg"] == 3.0


def test_current_dose_skips_a_pause_and_ends_the_day_before_it(alice):
    start_ldn(
        alice,
        days_ago=90,
        doses=[(90, "1.5", "start"), (40, "3.0", "planned_step"), (10, None, "pause")],
    )

    report = before_after_report(user=alice, comparison="current_dose")

    assert report["comparison"]["start"] == ago(40).isoformat()
    assert report["comparison"]["end"] == ago(11).isoformat()
    assert report["comparison"]["ended_by"] == {
        "date": ago(10).isoformat(),
        "reason": "pause",
    }


def test_current_dose_after_a_restart_starts_at_the_restart(alice):
    start_ldn(
        alice,
        days_ago=90,
        doses=[(90, "1.5", "start"), (50, None, "pause"), (20, "1.0", "restart")],
    )

    report = before_after_report(user=alice, comparison="current_dose")

    assert report["comparison"]["start"] == ago(20).isoformat()
    assert report["comparison"]["end"] == TODAY.isoformat()


def test_current_dose_ignores_steps_dated_after_today(alice):
    course = start_ldn(alice, days_ago=90, doses=[(90, "1.5", "start")])
    # A step dated tomorrow has not happened yet where the patient is.
    DoseChange.objects.create(
        course=course,
        date=TODAY + datetime.timedelta(days=1),
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )

    report = before_after_report(user=alice, comparison="current_dose")

    assert report["comparison"]["start"] == ago(90).isoformat()


def test_current_dose_without_any_recorded_dose_is_an_error_on_comparison(alice):
    TreatmentCourseFactory(user=alice, start_date=ago(60))

    with pytest.raises(ValidationError) as error:
        before_after_report(user=alice, comparison="current_dose")

    assert set(error.value.message_dict) == {"comparison"}


def test_custom_window_uses_the_dates_given(alice):
    start_ldn(alice, days_ago=100)

    report = before_after_report(
        user=alice, comparison="custom", start=ago(50), end=ago(20)
    )

    assert report["comparison"]["start"] == ago(50).isoformat()
    assert report["comparison"]["end"] == ago(20).isoformat()
    assert report["parameters"]["start"] == ago(50).isoformat()


def test_custom_window_starting_before_ldn_start_is_an_error_on_start(alice):
    start_ldn(alice, days_ago=60)

    with pytest.raises(ValidationError) as error:
        before_after_report(user=alice, comparison="custom", start=ago(61), end=ago(1))

    assert set(error.value.message_dict) == {"start"}
    assert ago(60).isoformat() in error.value.message_dict["start"][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"comparison": "bogus"}, "comparison"),
        ({"baseline_weeks": 0}, "baseline_weeks"),
        ({"baseline_weeks": 1}, "baseline_weeks"),
        ({"baseline_weeks": 53}, "baseline_weeks"),
        ({"baseline_weeks": True}, "baseline_weeks"),
        ({"comparison": "custom", "end": ago(1)}, "start"),
        ({"comparison": "custom", "start": ago(10)}, "end"),
        (
            {
                "comparison": "custom",
                "start": TODAY + datetime.timedelta(1),
                "end": TODAY,
            },
            "start",
        ),
        (
            {
                "comparison": "custom",
                "start": ago(5),
                "end": TODAY + datetime.timedelta(1),
            },
            "end",
        ),
        ({"comparison": "custom", "start": ago(5), "end": ago(6)}, "end"),
    ],
)
def test_bad_parameters_raise_an_error_naming_the_parameter(alice, params, field):
    start_ldn(alice, days_ago=60)

    with pytest.raises(ValidationError) as error:
        before_after_report(user=alice, **params)

    assert field in error.value.message_dict


def test_without_a_course_the_report_says_so(alice):
    report = before_after_report(user=alice)

    assert report["status"] == "no_course"
    assert report["symptoms"] == []
    assert report["disclaimer"]


def test_the_latest_started_course_is_used_and_an_earlier_one_is_noted(alice):
    earlier = start_ldn(alice, days_ago=300)
    latest = start_ldn(alice, days_ago=60)

    report = before_after_report(user=alice)

    assert report["course"]["uuid"] == str(latest.uuid)
    assert earlier.start_date.isoformat() in " ".join(report["notes"])


def test_an_earlier_course_stopped_before_the_baseline_is_not_noted(alice):
    start_ldn(alice, days_ago=300, doses=[(300, "1.5", "start"), (250, None, "stop")])
    start_ldn(alice, days_ago=60)

    report = before_after_report(user=alice)

    assert report["notes"] == []


# --- Numbers worked out by hand -----------------------------------------------------


def test_constant_scores_give_the_exact_difference_and_interval(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)  # 20 days before LDN
    log(alice, fatigue, days_between(ago(19), ago(0)), 4)  # the last 20 days

    result = result_for(before_after_report(user=alice), fatigue)

    numbers = result["result"]
    assert numbers["enough_data"] is True
    assert numbers["baseline"]["days_logged"] == 20
    assert numbers["comparison"]["days_logged"] == 20
    assert numbers["baseline"]["mean"] == 6.0
    assert numbers["baseline"]["median"] == 6.0
    assert numbers["comparison"]["mean"] == 4.0
    assert numbers["difference"] == -2.0
    assert numbers["ci_low"] == -2.0
    assert numbers["ci_high"] == -2.0
    assert result["direction"] == "lower"
    assert result["interval_includes_zero"] is False


def test_scores_outside_the_two_windows_are_left_out(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=100)
    log(alice, fatigue, days_between(ago(156), ago(101)), 6)  # the baseline
    log(alice, fatigue, days_between(ago(200), ago(157)), 10)  # before the baseline
    log(alice, fatigue, days_between(ago(100), ago(56)), 9)  # between the windows
    log(alice, fatigue, days_between(ago(55), ago(0)), 2)  # the comparison

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["baseline"]["mean"] == 6.0
    assert numbers["baseline"]["days_logged"] == 56
    assert numbers["comparison"]["mean"] == 2.0
    assert numbers["comparison"]["days_logged"] == 56


def test_missing_days_are_not_counted_as_zero(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(90), ago(61)), 6)  # 30 days
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)  # 30 days
    Entry.objects.filter(user=alice, date__in=days_between(ago(85), ago(76))).delete()
    Entry.objects.filter(user=alice, date__in=days_between(ago(20), ago(11))).delete()

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["baseline"]["days_logged"] == 20
    assert numbers["comparison"]["days_logged"] == 20
    assert numbers["baseline"]["mean"] == 6.0
    assert numbers["comparison"]["mean"] == 4.0
    assert numbers["difference"] == -2.0


def test_13_logged_days_on_one_side_is_not_enough_data(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(73), ago(61)), 6)  # 13 days
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)

    result = result_for(before_after_report(user=alice), fatigue)

    numbers = result["result"]
    assert numbers["enough_data"] is False
    assert numbers["baseline"]["days_logged"] == 13
    assert numbers["comparison"]["days_logged"] == 30
    assert numbers["min_days"] == 14
    assert numbers["difference"] is None
    assert numbers["baseline"]["mean"] is None
    assert numbers["comparison"]["mean"] is None
    assert numbers["comparison"]["crash_days_per_30"] is None
    assert all(step["mean"] is None for step in result["dose_steps"])


def test_14_logged_days_on_each_side_is_enough(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(74), ago(61)), 6)  # 14 days
    log(alice, fatigue, days_between(ago(13), ago(0)), 4)  # 14 days

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["enough_data"] is True
    assert numbers["difference"] == -2.0


def test_crash_days_per_30_logged_days_count_the_days_a_crash_covers(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)  # 20 baseline days
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)  # 30 comparison days
    # Baseline: 5 crash days, of which 4 were logged (ago(81) has no entry).
    CrashFactory(user=alice, start_date=ago(81), end_date=ago(77))
    # Comparison: 3 crash days, all logged.
    CrashFactory(user=alice, start_date=ago(20), end_date=ago(18))

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["baseline"]["crash_days"] == 4
    assert numbers["baseline"]["crash_days_per_30"] == 6.0  # 4 / 20 * 30
    assert numbers["comparison"]["crash_days"] == 3
    assert numbers["comparison"]["crash_days_per_30"] == 3.0  # 3 / 30 * 30


def test_an_ongoing_crash_counts_up_to_today(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)
    CrashFactory(user=alice, start_date=ago(2), end_date=None)

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["comparison"]["crash_days"] == 3
    assert numbers["comparison"]["crash_days_per_30"] == 3.0


def test_crash_days_count_days_with_an_entry_even_without_this_score(alice):
    fatigue, other = tracked_symptoms(alice)[:2]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)
    # Another symptom logged on a day fatigue was not: the day has an entry.
    log(alice, other, [ago(40)], 5)
    CrashFactory(user=alice, start_date=ago(40), end_date=ago(40))

    numbers = result_for(before_after_report(user=alice), fatigue)["result"]

    assert numbers["comparison"]["days_with_entry"] == 31
    assert numbers["comparison"]["crash_days"] == 1


def test_mean_by_dose_step_within_the_comparison_period(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(
        alice, days_ago=60, doses=[(60, "1.5", "start"), (30, "3.0", "planned_step")]
    )
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(55), ago(31)), 5)
    log(alice, fatigue, days_between(ago(30), ago(0)), 3)

    report = before_after_report(user=alice)
    steps = result_for(report, fatigue)["dose_steps"]

    assert steps == [
        {
            "start": ago(55).isoformat(),
            "end": ago(31).isoformat(),
            "dose_mg": 1.5,
            "reason": "start",
            "days_logged": 25,
            "mean": 5.0,
        },
        {
            "start": ago(30).isoformat(),
            "end": TODAY.isoformat(),
            "dose_mg": 3.0,
            "reason": "planned_step",
            "days_logged": 31,
            "mean": 3.0,
        },
    ]
    assert [step["dose_mg"] for step in report["dose_steps"]] == [1.5, 3.0]


def test_symptoms_are_the_active_tracked_ones_in_order(alice):
    tracked = list(TrackedSymptom.objects.for_user(alice).in_order())
    tracked[1].archived_at = NOW
    tracked[1].save()
    start_ldn(alice)

    report = before_after_report(user=alice)

    expected = [str(t.symptom.uuid) for t in tracked if t.pk != tracked[1].pk]
    assert [s["symptom"]["uuid"] for s in report["symptoms"]] == expected


# --- Privacy ------------------------------------------------------------------------


def test_bob_gets_no_course_even_though_alice_has_one(alice, bob):
    start_ldn(alice)

    assert before_after_report(user=bob)["status"] == "no_course"


def test_another_users_scores_and_crashes_are_never_counted(alice, bob):
    fatigue = tracked_symptoms(alice)[0]
    assert fatigue in tracked_symptoms(bob)  # a built-in symptom both track
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)
    CrashFactory(user=alice, start_date=ago(20), end_date=ago(18))
    start_ldn(bob, days_ago=60)

    numbers = result_for(before_after_report(user=bob), fatigue)["result"]

    assert numbers["enough_data"] is False
    assert numbers["baseline"]["days_logged"] == 0
    assert numbers["comparison"]["days_logged"] == 0
    assert numbers["comparison"]["crash_days"] == 0


# --- Plain data for the API ---------------------------------------------------------


def test_report_is_json_serialisable_and_carries_the_disclaimer(alice):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(alice, days_ago=60)
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(29), ago(0)), 4)
    CrashFactory(user=alice, start_date=ago(5), end_date=None)

    report = before_after_report(user=alice)
    round_trip = json.loads(json.dumps(report))

    assert round_trip == report
    assert "Not medical advice" in report["disclaimer"]
    assert CAUSATION_CAVEAT in report["disclaimer"]
    assert report["method"]
    assert report["how_to_read"]


def test_no_course_report_is_json_serialisable(alice):
    report = before_after_report(user=alice)

    assert json.loads(json.dumps(report))["disclaimer"] == report["disclaimer"]


# --- Queries ------------------------------------------------------------------------


def make_patient(*, symptoms: int, days: int):
    """A patient with ``symptoms`` tracked symptoms, one entry a day for ``days``
    days with every symptom scored, crashes every month and an LDN course with
    monthly dose steps started half-way through."""
    user = UserFactory()
    tracked = [TrackedSymptomFactory(user=user) for _ in range(symptoms)]
    entries = Entry.objects.bulk_create(
        [Entry(user=user, date=ago(i)) for i in range(days)]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(entry=entry, symptom=t.symptom, score=(i + j) % 11)
            for i, entry in enumerate(entries)
            for j, t in enumerate(tracked)
        ]
    )
    for month in range(days // 30):
        CrashFactory(
            user=user, start_date=ago(30 * month + 3), end_date=ago(30 * month)
        )
    course = TreatmentCourseFactory(user=user, start_date=ago(days // 2))
    DoseChange.objects.bulk_create(
        [
            DoseChange(
                course=course,
                date=course.start_date + datetime.timedelta(days=30 * k),
                dose_mg=Decimal("0.5") * (k + 1),
                reason="start" if k == 0 else "planned_step",
            )
            for k in range(days // 60)
        ]
    )
    return user


# Courses, their dose changes (prefetch), tracked symptoms, entry dates, scores,
# crashes.
REPORT_QUERIES = 6


@pytest.mark.parametrize(("symptoms", "days"), [(3, 60), (10, 60), (3, 730), (10, 730)])
@pytest.mark.parametrize("comparison", ["last8w", "current_dose"])
def test_query_count_does_not_grow_with_days_or_symptoms(
    django_assert_num_queries, symptoms, days, comparison
):
    user = make_patient(symptoms=symptoms, days=days)

    with django_assert_num_queries(REPORT_QUERIES):
        report = before_after_report(user=user, comparison=comparison)

    assert len(report["symptoms"]) == symptoms
