"""The pure before/after comparison: hand-computed figures, warnings, "not enough
data", the primary outcome first. No database."""

import datetime
import json

import numpy as np
import pytest

from diary.comparison.compare import DiaryData, MedicationSpan, OutcomeSeries, compare
from diary.comparison.coverage import MEASURED
from diary.comparison.stats import LEVEL_MODEL, STEADY_TREND, FitError, fit_change
from diary.comparison.windows import CourseHistory, Step

D = datetime.date
ONE = datetime.timedelta(days=1)
START = D(2026, 1, 1)
TODAY = D(2026, 3, 31)  # 4.5 mg since the start: on LDN = 4 Feb - 31 Mar
BASE = (D(2025, 11, 6), D(2025, 12, 31))
ON = (D(2026, 2, 4), D(2026, 3, 31))


def days(first, last):
    return [first + ONE * i for i in range((last - first).days + 1)]


def pattern(first, last, values):
    """Cycle ``values`` over the days from first to last."""
    return {
        day: float(values[i % len(values)]) for i, day in enumerate(days(first, last))
    }


def symptom(values, key="symptom:a", label="Fatigue"):
    return OutcomeSeries(
        key=key,
        label=label,
        kind="symptom",
        unit="points",
        higher_is_better=False,
        values=values,
    )


def data(*outcomes, **extra):
    entry_days = frozenset().union(*(o.values for o in outcomes))
    fields = {
        "today": TODAY,
        "courses": (CourseHistory(START, (Step(START, 4.5, "start"),)),),
        "outcomes": outcomes,
        "entry_days": entry_days,
    }
    fields.update(extra)
    return DiaryData(**fields)


def steady():
    """Baseline 6,4,5 repeating; on LDN 4,2,3 repeating: every mean known."""
    values = pattern(*BASE, [6, 4, 5])
    values |= pattern(*ON, [4, 2, 3])
    return values


def test_means_medians_and_counts_are_worked_out_by_hand():
    result = compare(data(symptom(steady())))

    assert result.status == "ok"
    fatigue = result.outcomes[0]
    # Baseline: 56 days of 6,4,5,...: 19 sixes, 19 fours, 18 fives.
    assert fatigue.baseline.logged_days == 56
    assert fatigue.baseline.mean == round((19 * 6 + 19 * 4 + 18 * 5) / 56, 2)
    assert fatigue.baseline.median == 5.0
    assert fatigue.on_ldn.logged_days == 56
    assert fatigue.on_ldn.mean == round((19 * 4 + 19 * 2 + 18 * 3) / 56, 2)
    assert fatigue.on_ldn.median == 3.0
    # The model's change is close to the plain difference of the means (-2).
    assert fatigue.difference == pytest.approx(-2.0, abs=0.15)
    low, high = fatigue.interval
    assert low < -2.0 < high < 0
    assert fatigue.direction == "better"
    assert fatigue.coverage in MEASURED.values()
    assert "%" in fatigue.coverage_text


def test_the_same_data_always_gives_the_same_figures():
    first = compare(data(symptom(steady())))
    second = compare(data(symptom(steady())))

    assert first.to_dict() == second.to_dict()
    json.dumps(first.to_dict())  # plain JSON


def test_primary_outcome_first_and_the_rest_exploratory():
    a = symptom(steady(), key="symptom:a", label="Fatigue")
    b = symptom(steady(), key="symptom:b", label="Brain fog")

    result = compare(data(a, b, primary_key="symptom:b"))

    assert [o.key for o in result.outcomes] == ["symptom:b", "symptom:a"]
    assert result.primary.key == "symptom:b"
    assert [o.exploratory for o in result.outcomes] == [False, True]
    assert any("by chance" in caveat for caveat in result.caveats)


def test_fewer_than_70_percent_logged_is_not_enough_data_with_the_counts():
    values = steady()
    # Keep 39 of the 56 baseline days (69.6%).
    for day in days(*BASE)[39:]:
        del values[day]

    fatigue = compare(data(symptom(values))).outcomes[0]

    assert fatigue.difference is None and fatigue.interval is None
    assert fatigue.not_enough_data == (
        "Not enough data before LDN: 39 of 56 days logged (at least 70% are needed).",
    )


def test_seventy_percent_logged_is_enough():
    values = steady()
    for day in days(*BASE)[40:]:  # 40 of 56 = 71%
        del values[day]

    assert compare(data(symptom(values))).outcomes[0].enough_data


def test_crash_days_per_30_count_every_day_of_an_episode_logged_or_not():
    values = steady()
    crash = (D(2025, 12, 1), D(2025, 12, 10))  # 10 days, none logged
    for day in days(*crash):
        del values[day]

    result = compare(data(symptom(values), crashes=(crash,)))

    baseline, on_ldn = result.crash_rates
    assert baseline.crash_days == 10
    assert baseline.per_30_days == round(10 / 56 * 30, 1)
    assert on_ldn.crash_days == 0 and on_ldn.per_30_days == 0.0


def test_an_ongoing_crash_runs_to_today():
    result = compare(data(symptom(steady()), crashes=((D(2026, 3, 22), None),)))

    assert result.crash_rates[1].crash_days == 10


def test_warnings_for_other_medicines_and_a_crash_at_the_baselines_end():
    result = compare(
        data(
            symptom(steady()),
            crashes=((D(2025, 12, 28), D(2025, 12, 30)),),
            medications=(
                MedicationSpan("Magnesium", D(2025, 1, 1), D(2025, 12, 10)),
                MedicationSpan("Old", D(2020, 1, 1), D(2020, 2, 1)),
            ),
        )
    )

    codes = [w.code for w in result.warnings]
    assert "baseline_ends_in_crash" in codes
    texts = " ".join(w.text for w in result.warnings)
    assert "Magnesium stopped 2025-12-10" in texts
    assert "Old" not in texts


def test_far_fewer_logged_days_on_ldn_is_a_warning():
    values = steady()
    logged_on = days(*ON)
    for day in logged_on[:18]:  # 38 of 56 on LDN against 56 of 56 before
        del values[day]

    result = compare(data(symptom(values)))

    warning = next(w for w in result.warnings if w.code == "fewer_days_logged_after")
    assert "38 of 56" in warning.text and "56 of 56" in warning.text


def test_baseline_ending_in_its_worst_fortnight_is_a_warning():
    values = pattern(*BASE, [4, 5, 4, 5])
    for day in days(D(2025, 12, 18), D(2025, 12, 31)):
        values[day] = 8.0
    values |= pattern(*ON, [4, 5])

    fatigue = compare(data(symptom(values))).outcomes[0]

    assert "baseline_ends_worst" in [w.code for w in fatigue.warnings]


def test_a_trending_baseline_is_said_and_the_change_allows_for_it():
    rng = np.random.default_rng(3)
    values = {}
    for i, day in enumerate(days(BASE[0], TODAY)):
        if day in set(days(*BASE)) or day >= START:
            values[day] = float(round(8 - i / 35 + rng.normal(0, 0.7)))

    fatigue = compare(data(symptom(values))).outcomes[0]

    assert fatigue.trend is not None and fatigue.trend.trending
    assert fatigue.trend.per_week < 0
    assert fatigue.warnings[0].code == "baseline_trending"
    assert fatigue.model == STEADY_TREND
    # Plain means differ by about 2.5 points; allowing for the trend, no change.
    assert fatigue.on_ldn.mean - fatigue.baseline.mean < -2
    assert fatigue.interval[0] <= 0 <= fatigue.interval[1]


def test_dose_step_averages_only_for_steps_with_14_logged_days():
    history = CourseHistory(
        START,
        (
            Step(START, 1.5, "start"),
            Step(D(2026, 1, 20), 3.0, "planned_step"),  # 19 days at 1.5 mg
            Step(D(2026, 1, 30), 4.5, "planned_step"),  # 10 days at 3 mg
        ),
    )
    values = pattern(*BASE, [5]) | pattern(START, TODAY, [4, 2])
    for day in days(START, D(2026, 1, 6)):
        del values[day]  # 1.5 mg: 13 logged days

    fatigue = compare(data(symptom(values), courses=(history,))).outcomes[0]

    assert [(s.dose_mg, s.logged_days) for s in fatigue.dose_steps] == [(4.5, 61)]
    # From 30 Jan (an odd day of the 4, 2 cycle): 31 twos and 30 fours.
    assert fatigue.dose_steps[0].mean == round((31 * 2 + 30 * 4) / 61, 2)


def test_without_a_course_or_before_it_starts_or_with_no_baseline_data():
    assert compare(data(symptom(steady()), courses=())).status == "no_course"
    later = CourseHistory(D(2026, 6, 1), (Step(D(2026, 6, 1), 1.5, "start"),))
    assert compare(data(symptom(steady()), courses=(later,))).status == "not_started"
    only_after = pattern(*ON, [3])
    assert compare(data(symptom(only_after))).status == "no_baseline_data"


def test_level_model_recovers_a_known_step_on_noise_free_alternation():
    y = np.array([4, 6] * 20 + [2, 4] * 20, dtype=float)
    on = np.array([0.0] * 40 + [1.0] * 40)

    fit = fit_change(y, on, start_index=40, model=LEVEL_MODEL)

    assert fit.difference == pytest.approx(-2.0, abs=0.01)
    assert fit.low < -2 < fit.high


def test_a_series_without_variation_cannot_be_fitted():
    with pytest.raises(FitError):
        fit_change(np.full(40, 5.0), np.array([0.0] * 20 + [1.0] * 20), start_index=20)


def test_unlogged_days_are_missing_never_zero():
    y = np.array([4, 6] * 20 + [2, 4] * 20, dtype=float)
    y[::3] = np.nan
    on = np.array([0.0] * 40 + [1.0] * 40)

    fit = fit_change(y, on, start_index=40)

    assert fit.observations == int((~np.isnan(y)).sum())
    assert fit.difference == pytest.approx(-2.0, abs=0.3)
