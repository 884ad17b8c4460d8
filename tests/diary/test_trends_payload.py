"""The trends payload (diary.trends.trends_payload): honest gaps, aggregation of long
ranges, markers, and a query count that does not grow with the history."""

import datetime
import json
from decimal import Decimal

import pytest

from diary import rollups, trends
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
)
from diary.trends import monthly_buckets, trends_payload, trends_preferences_save
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    SideEffectFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def day(offset: int, today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=offset)


def track_symptoms(user, count: int) -> list:
    """Make sure ``user`` tracks at least ``count`` symptoms; return them in order."""
    have = TrackedSymptom.objects.for_user(user).count()
    for _ in range(count - have):
        TrackedSymptomFactory(user=user)
    return [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]


def make_history(user, days: int, *, skip=lambda i: False, score=None) -> list:
    """``days`` days of entries ending today (minus skipped ones) with a score for
    every tracked symptom, written with bulk_create."""
    today = user.local_today()
    symptoms = [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]
    entries = Entry.objects.bulk_create(
        [Entry(user=user, date=day(i, today)) for i in range(days) if not skip(i)]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(
                entry=entry,
                symptom=symptom,
                score=score if score is not None else (entry.date.toordinal() + j) % 11,
            )
            for entry in entries
            for j, symptom in enumerate(symptoms)
        ]
    )
    # Loaded past diary.services: the weekly and monthly totals too.
    rollups.rebuild(user_id=user.pk)
    return symptoms


def add_treatment_history(user, days: int) -> None:
    today = user.local_today()
    course = TreatmentCourseFactory(user=user, start_date=day(days - 1, today))
    DoseChange.objects.bulk_create(
        [
            DoseChange(
                course=course,
                date=course.start_date + datetime.timedelta(days=14 * k),
                dose_mg=Decimal("0.5") * (k + 1),
                reason="start" if k == 0 else "planned_step",
            )
            for k in range(min(days // 14, 9))
        ]
    )
    SideEffect.objects.bulk_create(
        [
            SideEffect(
                course=course,
                date=course.start_date + datetime.timedelta(days=3 * k),
                kind="vivid_dreams",
                severity=1,
            )
            for k in range(days // 3)
        ]
    )
    Crash.objects.bulk_create(
        [
            Crash(
                user=user,
                start_date=course.start_date + datetime.timedelta(days=20 * k),
                end_date=course.start_date + datetime.timedelta(days=20 * k + 2),
                severity=2,
            )
            for k in range(days // 20)
        ]
    )


def series_by_name(payload, name):
    return next(s for s in payload["series"] if s["name"] == name)


# --- Long ranges ---------------------------------------------------------------------


def test_five_years_of_ten_symptoms_is_aggregated_to_weeks_with_day_counts(alice):
    today = alice.local_today()
    track_symptoms(alice, 10)
    # Every 5th day is not logged.
    make_history(alice, 5 * 365, skip=lambda i: i % 5 == 0)
    start = day(5 * 365 - 1, today)

    payload = trends_payload(user=alice, start=start, end=today)

    assert payload["resolution"] == "week"
    assert len(payload["series"]) == 10
    for series in payload["series"]:
        assert 0 < len(series["points"]) <= 262
        assert series["rolling_mean"] == []
        assert sum(p["days"] for p in series["points"]) == 5 * 365
        assert sum(p["n"] for p in series["points"]) == 5 * 365 - 365
        for point in series["points"]:
            assert 0 <= point["n"] <= point["days"] <= 7
            assert point["y"] is None or 0 <= point["y"] <= 10
    # A full week in the middle: 7 days, of which those not divisible by 5 logged.
    point = payload["series"][0]["points"][10]
    first, last = D.fromisoformat(point["x"]), D.fromisoformat(point["x_end"])
    assert first.weekday() == 0 and (last - first).days == 6
    expected = [
        d for d in (first + i * ONE_DAY for i in range(7)) if (today - d).days % 5
    ]
    assert point["days"] == 7
    assert point["n"] == len(expected)
    json.dumps(payload)  # plain, JSON-safe data


def test_weekly_mean_is_over_logged_days_only(alice):
    today = alice.local_today()
    fatigue = track_symptoms(alice, 1)[0]
    start = day(399, today)
    monday = start + datetime.timedelta(days=(7 - start.weekday()) % 7 + 7)
    for offset, value in ((0, 2), (1, 4), (4, 9)):
        entry = Entry.objects.create(user=alice, date=monday + offset * ONE_DAY)
        SymptomScore.objects.create(entry=entry, symptom=fatigue, score=value)

    payload = trends_payload(
        user=alice, start=start, end=today, symptom_ids=[fatigue.pk]
    )

    point = next(
        p for p in payload["series"][0]["points"] if p["x"] == monday.isoformat()
    )
    assert point == {
        "x": monday.isoformat(),
        "x_end": (monday + 6 * ONE_DAY).isoformat(),
        "y": 5.0,
        "n": 3,
        "days": 7,
    }
    empty_weeks = [p for p in payload["series"][0]["points"] if p["n"] == 0]
    assert empty_weeks and all(p["y"] is None for p in empty_weeks)


def test_twenty_years_are_aggregated_to_months(alice):
    today = alice.local_today()
    symptoms = track_symptoms(alice, 2)
    make_history(alice, 60)
    start = trends.earliest_allowed_start(today)

    payload = trends_payload(user=alice, start=start, end=today)

    assert payload["resolution"] == "month"
    for series in payload["series"]:
        assert len(series["points"]) <= 262
        assert len(series["points"]) in (240, 241)
        assert series["points"][0]["x"] == start.isoformat()
        assert series["points"][-1]["x_end"] == today.isoformat()
    logged = series_by_name(payload, symptoms[0].name)["points"]
    assert sum(p["n"] for p in logged) == 60


def test_a_range_longer_than_twenty_years_is_refused(alice):
    today = alice.local_today()
    with pytest.raises(ValueError):
        trends_payload(
            user=alice,
            start=trends.earliest_allowed_start(today) - ONE_DAY,
            end=today,
        )
    with pytest.raises(ValueError):
        trends_payload(user=alice, start=today, end=today - ONE_DAY)


def test_resolution_switches_after_a_year_and_at_262_weeks():
    end = D(2026, 6, 30)
    assert trends.choose_resolution(end - 365 * ONE_DAY, end) == "day"  # 366 days
    assert trends.choose_resolution(end - 366 * ONE_DAY, end) == "week"
    weeks_262 = end - datetime.timedelta(days=7 * 261 + end.weekday())
    assert trends.choose_resolution(weeks_262, end) == "week"
    assert trends.choose_resolution(weeks_262 - ONE_DAY, end) == "month"
    # Five years ending on any weekday stay weekly; twenty years fit in 262 months.
    for offset in range(7):
        last = end + offset * ONE_DAY
        assert trends.choose_resolution(last - (5 * 365 - 1) * ONE_DAY, last) == "week"
    twenty = trends.earliest_allowed_start(end)
    assert len(trends._buckets("month", twenty, end)) <= trends.MAX_POINTS


def test_monthly_buckets_leave_missing_days_out():
    values = {D(2026, 1, 30): 4, D(2026, 2, 1): 6, D(2026, 2, 2): 8}
    buckets = monthly_buckets(values, D(2026, 1, 15), D(2026, 3, 3))
    assert [
        (b.start, b.end, b.mean, b.days_logged, b.days_in_range) for b in buckets
    ] == [
        (D(2026, 1, 15), D(2026, 1, 31), 4.0, 1, 17),
        (D(2026, 2, 1), D(2026, 2, 28), 7.0, 2, 28),
        (D(2026, 3, 1), D(2026, 3, 3), None, 0, 3),
    ]


# --- Daily points: gaps and the rolling mean ------------------------------------------


def test_missing_days_are_null_never_zero(alice):
    today = alice.local_today()
    fatigue = track_symptoms(alice, 1)[0]
    make_history(alice, 30, skip=lambda i: i in (0, 3, 4), score=0)

    payload = trends_payload(
        user=alice, start=day(29, today), end=today, symptom_ids=[fatigue.pk]
    )

    points = {p["x"]: p for p in payload["series"][0]["points"]}
    assert payload["resolution"] == "day"
    assert len(points) == 30
    for offset in (0, 3, 4):
        assert points[day(offset, today).isoformat()] == {
            "x": day(offset, today).isoformat(),
            "y": None,
            "n": 0,
        }
    # A logged zero stays a zero: it is a real score.
    assert points[day(1, today).isoformat()]["y"] == 0
    assert points[day(1, today).isoformat()]["n"] == 1


def test_rolling_mean_needs_four_logged_days_in_its_window(alice):
    today = alice.local_today()
    fatigue = track_symptoms(alice, 1)[0]
    start = day(20, today)
    # Logged: days 0, 2 and 4 of the range (three days), then day 6 (the fourth).
    for offset, value in ((0, 2), (2, 4), (4, 6), (6, 8)):
        entry = Entry.objects.create(user=alice, date=start + offset * ONE_DAY)
        SymptomScore.objects.create(entry=entry, symptom=fatigue, score=value)

    payload = trends_payload(
        user=alice, start=start, end=today, symptom_ids=[fatigue.pk]
    )

    rolling = [p["y"] for p in payload["series"][0]["rolling_mean"]]
    assert rolling[:6] == [None] * 6  # at most three logged days in any window
    assert rolling[6] == 5.0  # (2 + 4 + 6 + 8) / 4 on the fourth logged day
    assert rolling[7] is None  # window of days 1-7 has three logged days again
    assert all(value is None for value in rolling[8:])


def test_rolling_mean_counts_days_logged_just_before_the_range(alice):
    today = alice.local_today()
    fatigue = track_symptoms(alice, 1)[0]
    start = day(9, today)
    for offset, value in ((-3, 1), (-2, 2), (-1, 3), (0, 6)):
        entry = Entry.objects.create(user=alice, date=start + offset * ONE_DAY)
        SymptomScore.objects.create(entry=entry, symptom=fatigue, score=value)

    payload = trends_payload(
        user=alice, start=start, end=today, symptom_ids=[fatigue.pk]
    )

    assert payload["series"][0]["rolling_mean"][0] == {"x": start.isoformat(), "y": 3.0}
    assert payload["series"][0]["points"][0]["y"] == 6


# --- Summary, markers, overlay --------------------------------------------------------


def test_summary_sentence_uses_the_7_day_averages(alice):
    today = alice.local_today()
    fatigue = track_symptoms(alice, 1)[0]
    for offset in range(35):
        if offset in (1, 2, 30):
            continue
        entry = Entry.objects.create(user=alice, date=day(offset, today))
        SymptomScore.objects.create(
            entry=entry, symptom=fatigue, score=5 if offset < 7 else 8
        )

    payload = trends_payload(
        user=alice, start=day(29, today), end=today, symptom_ids=[fatigue.pk]
    )

    summary = payload["series"][0]["summary"]
    assert summary["current"] == 5.0
    assert summary["four_weeks_ago"] == 8.0
    assert summary["days_logged_28"] == 26
    assert summary["direction"] == "down"
    assert summary["text"] == (
        "Fatigue: 7-day average 5.0, down from 8.0 four weeks ago; "
        "26 of 28 days logged."
    )


def test_summary_says_when_nothing_was_logged(alice):
    today = alice.local_today()
    track_symptoms(alice, 1)
    payload = trends_payload(user=alice, start=day(29, today), end=today)
    summary = payload["series"][0]["summary"]
    assert summary["current"] is None
    assert "nothing logged in the last 5 weeks" in summary["text"]


def test_ldn_start_dose_steps_crashes_and_side_effects_are_marked(alice):
    today = alice.local_today()
    course = TreatmentCourseFactory(user=alice, start_date=day(60, today))
    DoseChangeFactory(course=course, date=day(60, today), dose_mg=Decimal("0.5"))
    DoseChangeFactory(
        course=course,
        date=day(20, today),
        dose_mg=Decimal("1.5"),
        reason="planned_step",
    )
    DoseChangeFactory(course=course, date=day(10, today), dose_mg=None, reason="pause")
    CrashFactory(user=alice, start_date=day(40, today), end_date=day(38, today))
    CrashFactory(user=alice, start_date=day(5, today), end_date=None)
    CrashFactory(user=alice, start_date=day(90, today), end_date=day(80, today))
    SideEffectFactory(course=course, date=day(15, today), kind="insomnia", severity=2)
    SideEffectFactory(course=course, date=day(15, today), kind="headache", severity=1)
    SideEffectFactory(
        course=course,
        date=day(14, today),
        kind="other",
        other_description="Itchy skin",
        severity=1,
    )
    SideEffectFactory(course=course, date=day(50, today), kind="nausea", severity=1)

    payload = trends_payload(user=alice, start=day(45, today), end=today)

    assert payload["ldn_start"] == day(60, today).isoformat()
    assert payload["dose_steps"] == [
        {
            "date": day(60, today).isoformat(),
            "dose_mg": 0.5,
            "reason": "start",
            "reason_label": "Start",
            "before_range": True,
        },
        {
            "date": day(20, today).isoformat(),
            "dose_mg": 1.5,
            "reason": "planned_step",
            "reason_label": "Planned step",
            "before_range": False,
        },
        {
            "date": day(10, today).isoformat(),
            "dose_mg": None,
            "reason": "pause",
            "reason_label": "Pause",
            "before_range": False,
        },
    ]
    assert [(c["start"], c["end"], c["ongoing"]) for c in payload["crashes"]] == [
        (day(40, today).isoformat(), day(38, today).isoformat(), False),
        (day(5, today).isoformat(), None, True),
    ]
    assert payload["crashes"][0]["severity_label"].startswith("Moderate")
    markers = {m["x"]: m for m in payload["side_effects"]}
    assert list(markers) == [day(15, today).isoformat(), day(14, today).isoformat()]
    assert sorted(
        e["label"] for e in markers[day(15, today).isoformat()]["effects"]
    ) == [
        "Headache",
        "Insomnia",
    ]
    assert markers[day(14, today).isoformat()]["effects"][0]["label"] == "Itchy skin"
    assert markers[day(14, today).isoformat()]["days"] == 1


def test_side_effects_are_grouped_per_week_on_long_ranges(alice):
    today = alice.local_today()
    course = TreatmentCourseFactory(user=alice, start_date=day(700, today))
    monday = day(300, today) - datetime.timedelta(days=day(300, today).weekday())
    for offset, severity in ((0, 1), (1, 3), (2, 1)):
        SideEffectFactory(
            course=course,
            date=monday + offset * ONE_DAY,
            kind="vivid_dreams",
            severity=severity,
        )

    payload = trends_payload(user=alice, start=day(699, today), end=today)

    assert payload["resolution"] == "week"
    [marker] = payload["side_effects"]
    assert marker["x"] == monday.isoformat()
    assert marker["days"] == 3
    assert marker["effects"] == [
        {
            "kind": "vivid_dreams",
            "label": "Vivid dreams",
            "severity": 3,
            "severity_label": "3: severe",
            "days": 3,
        }
    ]


def test_overlay_is_passed_through_and_disclaimer_is_plain(alice):
    today = alice.local_today()
    overlay = [{"label": "12-week trial", "start": "2026-01-01", "end": "2026-03-25"}]
    payload = trends_payload(
        user=alice, start=day(29, today), end=today, overlay=overlay
    )
    assert payload["overlay"] == overlay
    assert "Not medical advice" in payload["disclaimer"]
    assert "gaps, not zeros" in payload["disclaimer"]
    assert trends_payload(user=alice, start=today, end=today)["overlay"] == []


# --- Whose data, which symptoms -------------------------------------------------------


def test_payload_holds_only_the_users_own_data(alice, bob):
    today = alice.local_today()
    make_history(bob, 30, score=9)
    bob_course = TreatmentCourseFactory(user=bob, start_date=day(20, today))
    DoseChangeFactory(course=bob_course)
    SideEffectFactory(course=bob_course, date=day(10, today))
    CrashFactory(user=bob, start_date=day(5, today))
    secret = TrackedSymptomFactory(user=bob, symptom__name="Bob's secret symptom")

    payload = trends_payload(user=alice, start=day(29, today), end=today)

    assert payload["ldn_start"] is None
    assert payload["dose_steps"] == []
    assert payload["crashes"] == []
    assert payload["side_effects"] == []
    assert all(s["days_logged"] == 0 for s in payload["series"])
    assert secret.symptom.name not in json.dumps(payload)
    # Asking for bob's symptom by id gives nothing either.
    assert (
        trends_payload(
            user=alice, start=today, end=today, symptom_ids=[secret.symptom_id]
        )["series"]
        == []
    )


def test_archived_symptom_appears_only_when_it_has_scores_in_range(alice):
    today = alice.local_today()
    symptoms = track_symptoms(alice, 2)
    make_history(alice, 10)
    TrackedSymptom.objects.filter(user=alice, symptom=symptoms[0]).update(
        archived_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    recent = trends_payload(user=alice, start=day(9, today), end=today)
    assert recent["series"][-1]["name"] == symptoms[0].name
    assert recent["series"][-1]["archived"] is True

    earlier = trends_payload(user=alice, start=day(60, today), end=day(30, today))
    assert symptoms[0].name not in [s["name"] for s in earlier["series"]]


def test_preferences_save_ignores_symptoms_of_other_users(alice, bob):
    alice_own = TrackedSymptomFactory(user=alice)
    bob_own = TrackedSymptomFactory(user=bob)
    fatigue = TrackedSymptom.objects.get(user=bob, symptom__slug="fatigue")

    shown = trends_preferences_save(
        user=bob, shown=[fatigue.symptom.uuid, alice_own.symptom.uuid]
    )

    assert shown == [str(fatigue.symptom.uuid)]
    alice_own.refresh_from_db()
    bob_own.refresh_from_db()
    assert alice_own.shown_on_trends is True
    assert bob_own.shown_on_trends is False
    assert TrackedSymptom.objects.get(
        user=alice, symptom__slug="fatigue"
    ).shown_on_trends


def test_preferences_save_leaves_symptoms_not_offered_alone(alice):
    first, second = TrackedSymptom.objects.for_user(alice).in_order()[:2]
    trends_preferences_save(user=alice, shown=[], offered=[first.symptom.uuid])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.shown_on_trends is False
    assert second.shown_on_trends is True


def test_hidden_symptoms_stay_in_the_payload_marked_not_shown(alice):
    today = alice.local_today()
    first = TrackedSymptom.objects.for_user(alice).in_order().first()
    first.shown_on_trends = False
    first.save()
    payload = trends_payload(user=alice, start=day(6, today), end=today)
    assert payload["series"][0]["uuid"] == str(first.symptom.uuid)
    assert payload["series"][0]["shown"] is False
    # A new account shows its first three symptoms on the chart; the first is
    # hidden now, so two are shown and the rest wait in the payload, not shown.
    assert [s["shown"] for s in payload["series"][1:]] == [True, True] + [False] * (
        len(payload["series"]) - 3
    )


def test_a_new_account_shows_three_symptoms_on_the_chart_and_adds_up_to_three(alice):
    shown = TrackedSymptom.objects.for_user(alice).active().filter(shown_on_trends=True)
    assert shown.count() == 3
    assert list(shown.in_order()) == list(
        TrackedSymptom.objects.for_user(alice).active().in_order()[:3]
    )
    from diary import services
    from diary.models import Symptom

    services.symptom_track(user=alice, symptom=Symptom.objects.get(slug="joint-pain"))
    assert shown.count() == 3  # already three: the new one waits for a tick
    shown.filter(symptom__slug="fatigue").update(shown_on_trends=False)
    services.symptom_track(user=alice, symptom=Symptom.objects.get(slug="sore-throat"))
    assert shown.filter(symptom__slug="sore-throat").exists()


# --- Query count ----------------------------------------------------------------------


def test_query_count_is_the_same_for_30_days_and_5_years(django_assert_num_queries):
    small = UserFactory()
    large = UserFactory()
    for user, days in ((small, 30), (large, 5 * 365)):
        track_symptoms(user, 10)
        make_history(user, days)
        add_treatment_history(user, days)

    for user, days in ((small, 30), (large, 5 * 365)):
        today = user.local_today()
        with django_assert_num_queries(3):
            payload = trends_payload(user=user, start=day(days - 1, today), end=today)
        assert len(payload["series"]) == 10
        assert payload["crashes"] and payload["side_effects"] and payload["dose_steps"]


def test_query_count_does_not_grow_with_the_number_of_symptoms(
    django_assert_num_queries,
):
    few, many = UserFactory(), UserFactory()
    track_symptoms(few, 1)
    track_symptoms(many, 25)
    for user in (few, many):
        make_history(user, 20)
        today = user.local_today()
        with django_assert_num_queries(3):
            trends_payload(user=user, start=day(19, today), end=today)
