"""Tests for diary.analysis: pure functions, no database.

Expected values are worked out by hand in each test, not by calling the code under
test.
"""

from datetime import date, timedelta

import pytest

from diary.analysis import (
    WeekPoint,
    daily_series,
    rolling_mean,
    summary_change,
    weekly_aggregate,
)

JAN_1 = date(2024, 1, 1)  # a Monday


def day(offset: int) -> date:
    """The date ``offset`` days after 1 January 2024."""
    return JAN_1 + timedelta(days=offset)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- daily_series and rolling_mean ---------------------------------------------------


def test_daily_series_has_none_for_missing_days_and_keeps_zero_scores():
    values = {day(0): 3.0, day(2): 0.0, day(9): 5.0}

    assert daily_series(values, day(0), day(3)) == [3.0, None, 0.0, None]


def test_daily_series_rejects_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        daily_series({}, day(3), day(2))


def test_rolling_mean_is_none_when_fewer_than_four_days_logged_in_window():
    values = {day(0): 2.0, day(1): 4.0, day(2): 6.0, day(5): 8.0, day(8): 10.0}

    result = rolling_mean(days_between(day(0), day(9)), values)

    # Day 5 and day 6: the window holds 2, 4, 6, 8. Day 7 drops day 0; from then on
    # only 3 or fewer values remain in the window.
    assert result == [None, None, None, None, None, 5.0, 5.0, None, None, None]


def test_rolling_mean_with_four_logged_values_averages_only_those_four():
    values = {day(1): 3.0, day(3): 4.0, day(4): 6.0, day(6): 9.0}

    result = rolling_mean([day(6)], values)

    # (3 + 4 + 6 + 9) / 4, not divided by the 7 days of the window.
    assert result == [pytest.approx(5.5)]


def test_rolling_mean_slides_over_a_full_window():
    values = {day(i): float(i + 1) for i in range(9)}  # 1, 2, ..., 9

    result = rolling_mean(days_between(day(6), day(8)), values)

    # 1..7 -> 4, 2..8 -> 5, 3..9 -> 6
    assert result == [pytest.approx(4.0), pytest.approx(5.0), pytest.approx(6.0)]


def test_rolling_mean_counts_values_logged_before_the_first_requested_day():
    values = {day(-3): 1.0, day(-2): 2.0, day(-1): 3.0, day(0): 6.0}

    assert rolling_mean([day(0)], values) == [pytest.approx(3.0)]


def test_rolling_mean_respects_window_and_min_days():
    values = {day(0): 1.0, day(1): 2.0, day(2): 6.0}

    assert rolling_mean([day(2)], values, window=3, min_days=3) == [3.0]
    assert rolling_mean([day(2)], values, window=2, min_days=2) == [4.0]
    assert rolling_mean([day(2)], values, window=2, min_days=1) == [4.0]
    assert rolling_mean([day(3)], values, window=2, min_days=2) == [None]


def test_rolling_mean_of_no_days_is_empty():
    assert rolling_mean([], {day(0): 5.0}) == []


@pytest.mark.parametrize(
    ("window", "min_days"), [(0, 1), (7, 0), (7, 8)], ids=["window", "zero", "big"]
)
def test_rolling_mean_rejects_impossible_window_settings(window, min_days):
    with pytest.raises(ValueError, match="window|min_days"):
        rolling_mean([day(0)], {}, window=window, min_days=min_days)


def test_rolling_mean_rejects_days_out_of_order():
    with pytest.raises(ValueError, match="ascending"):
        rolling_mean([day(2), day(1)], {})


# --- weekly_aggregate ----------------------------------------------------------------


def test_weekly_aggregate_counts_and_means_per_iso_week():
    values = {
        day(1): 10.0,  # Tuesday before the range: ignored
        day(2): 4.0,
        day(4): 6.0,
        day(14): 3.0,
        day(15): 5.0,
        day(16): 7.0,
        day(22): 9.0,
        day(23): 1.0,  # after the range: ignored
    }

    weeks = weekly_aggregate(values, day(2), day(22))  # Wednesday to Tuesday

    assert weeks == [
        WeekPoint(week_start=day(0), mean=5.0, days_logged=2, days_in_range=5),
        WeekPoint(week_start=day(7), mean=None, days_logged=0, days_in_range=7),
        WeekPoint(week_start=day(14), mean=5.0, days_logged=3, days_in_range=7),
        WeekPoint(week_start=day(21), mean=9.0, days_logged=1, days_in_range=2),
    ]
    assert all(week.week_start.weekday() == 0 for week in weeks)


def test_weekly_aggregate_of_a_single_day():
    assert weekly_aggregate({day(3): 2.0}, day(3), day(3)) == [
        WeekPoint(week_start=day(0), mean=2.0, days_logged=1, days_in_range=1)
    ]


# --- summary_change ------------------------------------------------------------------

TODAY = date(2024, 3, 31)


def test_summary_change_reports_down_and_counts_days_logged():
    scores = {
        date(2024, 2, 25): 1.0,  # one day too early for either week: ignored
        # The 7 days ending four weeks ago (26 Feb to 3 Mar): 36.5 / 5 = 7.3
        date(2024, 2, 26): 7.0,
        date(2024, 2, 27): 8.0,
        date(2024, 2, 28): 7.0,
        date(2024, 3, 1): 7.0,
        date(2024, 3, 3): 7.5,
        # The last 7 days (25 to 31 Mar): 30.5 / 5 = 6.1
        date(2024, 3, 25): 6.0,
        date(2024, 3, 26): 6.0,
        date(2024, 3, 28): 6.5,
        date(2024, 3, 29): 6.0,
        date(2024, 3, 31): 6.0,
    }
    # 4 to 20 March: 17 more days inside the 28 days ending today.
    scores.update({date(2024, 3, d): 7.0 for d in range(4, 21)})

    result = summary_change(scores, TODAY)

    assert result == {
        "current": pytest.approx(6.1),
        "four_weeks_ago": pytest.approx(7.3),
        "days_logged_28": 22,  # 17 + 5
        "direction": "down",
    }


def test_summary_change_reports_up():
    scores = {TODAY - timedelta(days=i): 8.0 for i in range(4)}
    scores.update({TODAY - timedelta(days=28 + i): 5.0 for i in range(4)})

    result = summary_change(scores, TODAY)

    assert result is not None
    assert result["direction"] == "up"
    assert result["days_logged_28"] == 4


def test_summary_change_is_same_when_means_round_to_the_same_tenth():
    scores = {TODAY - timedelta(days=i): 6.0 for i in range(4)}
    scores[TODAY - timedelta(days=4)] = 6.2  # 30.2 / 5 = 6.04, shown as 6.0
    scores.update({TODAY - timedelta(days=28 + i): 6.0 for i in range(4)})

    result = summary_change(scores, TODAY)

    assert result is not None
    assert result["current"] == pytest.approx(6.04)
    assert result["direction"] == "same"


def test_summary_change_needs_four_logged_days_in_each_week():
    scores = {TODAY - timedelta(days=i): 5.0 for i in range(3)}  # only 3
    scores.update({TODAY - timedelta(days=28 + i): 6.0 for i in range(4)})

    result = summary_change(scores, TODAY)

    assert result == {
        "current": None,
        "four_weeks_ago": 6.0,
        "days_logged_28": 3,
        "direction": None,
    }


def test_summary_change_is_none_when_nothing_was_logged():
    old = {TODAY - timedelta(days=60): 5.0}

    assert summary_change(old, TODAY) is None
