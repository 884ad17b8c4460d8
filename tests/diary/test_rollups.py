"""The weekly and monthly score totals (diary.rollups): always what the scores
add up to, whatever sequence of writes, clears and deletions made them, and the
trends chart's long-range points equal to averaging the days themselves."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary import rollups, services
from diary.models import Entry, ScoreRollup, SymptomScore
from diary.trends import monthly_buckets, trends_payload, weekly_buckets
from tests.factories import SymptomFactory, TrackedSymptomFactory, UserFactory

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


def expected_totals(user) -> dict:
    """The totals computed in Python from the scores: {(symptom, period, start):
    (sum, days)}, periods with no score left out."""
    totals: dict = defaultdict(lambda: [0, 0])
    for symptom_id, date, score in SymptomScore.objects.filter(
        entry__user=user
    ).values_list("symptom_id", "entry__date", "score"):
        for period in (rollups.WEEK, rollups.MONTH):
            first, _last = rollups.period_bounds(date, period)
            total = totals[(symptom_id, period, first)]
            total[0] += score
            total[1] += 1
    return {key: tuple(value) for key, value in totals.items()}


def stored_totals(user) -> dict:
    return {
        (symptom_id, period, start): (total, days)
        for symptom_id, period, start, total, days in ScoreRollup.objects.filter(
            user=user, days_logged__gt=0
        ).values_list("symptom_id", "period", "start", "score_sum", "days_logged")
    }


def make_symptoms(user, count=3) -> list:
    return [
        TrackedSymptomFactory(user=user, symptom=SymptomFactory(owner=user)).symptom
        for _ in range(count)
    ]


# Each operation: (days back from today, {symptom index: score or None}) to
# write (PUT-like: the symptoms not named keep their score), or (days back,
# None) to delete the day's entry.
operation = st.tuples(
    st.integers(min_value=0, max_value=75),
    st.one_of(
        st.none(),
        st.dictionaries(
            st.integers(min_value=0, max_value=2),
            st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
            min_size=1,
        ),
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_totals_are_what_the_scores_add_up_to_after_any_writes(operations):
    user = UserFactory()
    symptoms = make_symptoms(user)
    today = user.local_today()
    for back, scores in operations:
        day = today - back * ONE_DAY
        if scores is None:
            entry = Entry.objects.filter(user=user, date=day).first()
            if entry is not None:
                services.entry_delete(entry=entry)
            continue
        services.entry_upsert(
            user=user,
            date=day,
            scores={symptoms[i].pk: score for i, score in scores.items()},
            fields={},
        )
    assert stored_totals(user) == expected_totals(user)
    # Nothing to recompute: the check finds them all equal.
    call_command("rebuild_rollups", "--check", stdout=io.StringIO())


def test_a_cleared_last_score_leaves_a_gap_not_a_stale_total(alice):
    fatigue = make_symptoms(alice, 1)[0]
    day = alice.local_today()
    services.entry_upsert(user=alice, date=day, scores={fatigue.pk: 7}, fields={})
    assert stored_totals(alice) == expected_totals(alice) != {}
    services.entry_upsert(user=alice, date=day, scores={fatigue.pk: None}, fields={})
    assert stored_totals(alice) == {}
    payload = trends_payload(
        user=alice, start=day - 800 * ONE_DAY, end=day, symptom_ids=[fatigue.pk]
    )
    assert all(point["y"] is None for point in payload["series"][0]["points"])


def test_deleting_an_own_symptom_or_the_account_takes_its_totals(alice):
    own, kept = make_symptoms(alice, 2)
    services.entry_upsert(
        user=alice,
        date=alice.local_today(),
        scores={own.pk: 3, kept.pk: 4},
        fields={},
    )
    services.symptom_delete_own(symptom=own)
    assert {key[0] for key in stored_totals(alice)} == {kept.pk}
    alice.delete()
    assert not ScoreRollup.objects.exists()


def test_the_write_refreshes_its_periods_in_one_statement(alice):
    fatigue = make_symptoms(alice, 1)[0]
    day = alice.local_today()
    services.entry_upsert(user=alice, date=day, scores={fatigue.pk: 5}, fields={})
    with CaptureQueriesContext(connection) as queries:
        services.entry_upsert(user=alice, date=day, scores={fatigue.pk: 6}, fields={})
    touching = [q["sql"] for q in queries if "diary_scorerollup" in q["sql"]]
    assert len(touching) == 1
    # An unchanged day writes nothing to them.
    with CaptureQueriesContext(connection) as queries:
        services.entry_upsert(user=alice, date=day, scores={fatigue.pk: 6}, fields={})
    assert not [q for q in queries if "diary_scorerollup" in q["sql"]]


def test_check_command_finds_totals_loaded_past_the_services(alice):
    fatigue = make_symptoms(alice, 1)[0]
    entry = Entry.objects.bulk_create([Entry(user=alice, date=alice.local_today())])[0]
    SymptomScore.objects.bulk_create(
        [SymptomScore(entry=entry, symptom=fatigue, score=9)]
    )
    with pytest.raises(CommandError, match="2 weekly or monthly totals differ"):
        call_command("rebuild_rollups", "--check")
    assert stored_totals(alice) == {}  # --check changed nothing
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert stored_totals(alice) == expected_totals(alice) != {}


@pytest.mark.parametrize(
    ("length", "end_back", "resolution"),
    [
        (3 * 365, 0, "week"),  # ends today, starts mid-week
        (3 * 365 + 3, 10, "week"),  # ends mid-week in the past
        (20 * 365 - 10, 40, "month"),  # starts and ends mid-month
    ],
)
def test_long_range_points_equal_averaging_the_days(
    alice, length, end_back, resolution
):
    symptoms = make_symptoms(alice, 2)
    today = alice.local_today()
    values: dict = {s.pk: {} for s in symptoms}
    # About 800 days ending today, every 4th not logged, the second symptom
    # not logged on every 3rd day: written through the services.
    for back in range(800):
        if back % 4 == 1:
            continue
        day = today - back * ONE_DAY
        scores = {symptoms[0].pk: (back * 7) % 11}
        if back % 3:
            scores[symptoms[1].pk] = (back * 5) % 11
        services.entry_upsert(user=alice, date=day, scores=scores, fields={})
        for pk, score in scores.items():
            values[pk][day] = float(score)
    end = today - end_back * ONE_DAY
    start = end - (length - 1) * ONE_DAY
    payload = trends_payload(
        user=alice, start=start, end=end, symptom_ids=[s.pk for s in symptoms]
    )
    assert payload["resolution"] == resolution
    bucket = weekly_buckets if resolution == "week" else monthly_buckets
    for series in payload["series"]:
        in_range = {d: v for d, v in values[series["id"]].items() if start <= d <= end}
        buckets = bucket(in_range, start, end)
        assert [
            (p["x"], p["x_end"], p["n"], p["days"], p["y"]) for p in series["points"]
        ] == [
            (
                b.start.isoformat(),
                b.end.isoformat(),
                b.days_logged,
                b.days_in_range,
                None if b.mean is None else round(b.mean, 1),
            )
            for b in buckets
        ]
        assert series["days_logged"] == len(in_range)


@pytest.mark.parametrize(
    ("length", "end_back", "resolution"),
    [
        (400, 0, "week"),  # starts on a Thursday inside the history
        (900, 17, "week"),  # ends mid-week in the past
        (6 * 365 + 9, 0, "month"),  # starts mid-month inside the history
        (6 * 365 + 40, 13, "month"),  # starts and ends mid-month
    ],
)
def test_ranges_inside_the_history_count_each_edge_day_once(
    alice, length, end_back, resolution
):
    """The partial first and last periods are added up from their days, the
    whole ones from the totals: a day on either side of a period boundary
    counts once, in its own period."""
    from tests.diary.test_trends_payload import make_history, track_symptoms

    track_symptoms(alice, 2)
    symptoms = make_history(alice, 7 * 365, skip=lambda i: i % 5 == 2)
    today = alice.local_today()
    end = today - end_back * ONE_DAY
    start = end - (length - 1) * ONE_DAY
    values: dict = defaultdict(dict)
    for symptom_id, day, score in SymptomScore.objects.filter(
        entry__user=alice
    ).values_list("symptom_id", "entry__date", "score"):
        if start <= day <= end:
            values[symptom_id][day] = float(score)
    payload = trends_payload(
        user=alice, start=start, end=end, symptom_ids=[s.pk for s in symptoms]
    )
    assert payload["resolution"] == resolution
    bucket = weekly_buckets if resolution == "week" else monthly_buckets
    for series in payload["series"]:
        buckets = bucket(values[series["id"]], start, end)
        assert [(p["x"], p["n"], p["y"]) for p in series["points"]] == [
            (
                b.start.isoformat(),
                b.days_logged,
                None if b.mean is None else round(b.mean, 1),
            )
            for b in buckets
        ]
        assert series["days_logged"] == len(values[series["id"]])


def test_rebuilt_totals_are_written_in_the_order_a_chart_reads_them(alice, bob):
    """A rebuild (imports, bench_seed, rebuild_rollups) writes the totals in
    the unique index's order, user, period, start, symptom, as the diary's
    writes add them, so that a chart's range lies on neighbouring pages: the
    ids, given in insertion order, follow that order."""
    from tests.diary.test_trends_payload import make_history, track_symptoms

    for user in (bob, alice):
        track_symptoms(user, 3)
        make_history(user, 120, skip=lambda i: i % 6 == 1)
    rollups.rebuild()
    rows = list(
        ScoreRollup.objects.order_by("id").values_list(
            "user_id", "period", "start", "symptom_id"
        )
    )
    assert len(rows) > 100
    assert rows == sorted(rows)
