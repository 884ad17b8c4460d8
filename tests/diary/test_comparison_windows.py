"""Window choice for the before/after comparison: pure, no database."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from diary.comparison.windows import (
    CURRENT_DOSE,
    SINCE_START,
    CourseHistory,
    Step,
    choose_windows,
    dose_on_days,
)

D = datetime.date
START = D(2026, 1, 1)


def course(*steps):
    return CourseHistory(start=START, steps=tuple(Step(*s) for s in steps))


def test_baseline_is_the_eight_weeks_before_the_start():
    windows = choose_windows(course((START, 4.5, "start")), D(2026, 4, 1))

    assert windows.baseline.start == D(2025, 11, 6)
    assert windows.baseline.end == D(2025, 12, 31)
    assert windows.baseline.days == 56


def test_patient_chosen_baseline_length():
    windows = choose_windows(
        course((START, 4.5, "start")), D(2026, 4, 1), baseline_weeks=2
    )

    assert (windows.baseline.start, windows.baseline.end) == (
        D(2025, 12, 18),
        D(2025, 12, 31),
    )


def test_on_ldn_is_the_latest_eight_weeks_at_the_current_dose_when_that_long():
    history = course(
        (START, 1.5, "start"), (D(2026, 1, 15), 3.0, "planned_step")
    )  # 3 mg since 15 Jan: 76 days by 31 Mar

    windows = choose_windows(history, D(2026, 3, 31))

    on = windows.on_ldn
    assert on.rule == CURRENT_DOSE
    assert (on.start, on.end) == (D(2026, 2, 4), D(2026, 3, 31))
    assert on.days == 56
    assert on.doses_mg == (3.0,)
    assert on.titration_days == 0


def test_else_the_latest_eight_weeks_since_the_start_with_titration_labelled():
    history = course((START, 1.5, "start"), (D(2026, 2, 10), 3.0, "planned_step"))

    windows = choose_windows(history, D(2026, 3, 10))  # 3 mg for only 29 days

    on = windows.on_ldn
    assert on.rule == SINCE_START
    assert (on.start, on.end) == (D(2026, 1, 14), D(2026, 3, 10))
    # 14 Jan to 9 Feb at 1.5 mg: 27 titration days.
    assert on.titration_days == 27
    assert [s.titration for s in on.spans] == [True, False]
    assert on.doses_mg == (1.5, 3.0)


def test_paused_and_stopped_days_never_count_as_on_ldn():
    history = course(
        (START, 4.5, "start"),
        (D(2026, 2, 1), None, "pause"),
        (D(2026, 2, 6), 4.5, "restart"),
        (D(2026, 3, 20), None, "stop"),
    )

    windows = choose_windows(history, D(2026, 4, 30))

    on = windows.on_ldn
    # The window ends the day before the stop, and the 5 paused days are out.
    assert on.end == D(2026, 3, 19)
    assert on.start == D(2026, 1, 23)
    assert on.paused_days_excluded == 5
    assert on.days == 51
    assert not any(D(2026, 2, 1) <= day <= D(2026, 2, 5) for day in on.dates)
    assert windows.status == "stopped"


def test_a_short_course_gives_a_short_window_from_the_start():
    windows = choose_windows(course((START, 1.5, "start")), D(2026, 1, 10))

    assert (windows.on_ldn.start, windows.on_ldn.end) == (START, D(2026, 1, 10))
    assert windows.on_ldn.days == 10


def test_before_the_start_there_is_no_on_ldn_window():
    windows = choose_windows(course((START, 1.5, "start")), D(2025, 12, 1))

    assert windows.on_ldn is None


def test_days_on_an_earlier_course_are_left_out_of_the_baseline():
    earlier = CourseHistory(
        start=D(2025, 11, 1),
        steps=(Step(D(2025, 11, 1), 1.5, "start"), Step(D(2025, 11, 20), None, "stop")),
    )

    windows = choose_windows(
        course((START, 1.5, "start")), D(2026, 3, 1), earlier_courses=(earlier,)
    )

    # Baseline 6 Nov - 31 Dec; the earlier course ran 6-19 Nov: 14 days out.
    assert windows.baseline.days == 42
    assert windows.baseline.dates[0] == D(2025, 11, 20)


def test_dose_on_days_leaves_out_pauses_and_keeps_undosed_days_as_none():
    history = CourseHistory(
        start=START,
        steps=(Step(D(2026, 1, 3), 1.5, "start"), Step(D(2026, 1, 5), None, "pause")),
    )

    doses = dose_on_days(history, START, D(2026, 1, 6))

    assert doses == {
        D(2026, 1, 1): None,
        D(2026, 1, 2): None,
        D(2026, 1, 3): 1.5,
        D(2026, 1, 4): 1.5,
    }


# --- Any course history -------------------------------------------------------------

REASONS = ["planned_step", "side_effect", "pause", "restart", "stop"]


@st.composite
def histories(draw):
    start = draw(st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 6, 1)))
    offsets = draw(st.lists(st.integers(0, 400), max_size=8, unique=True))
    steps = [Step(start, draw(st.sampled_from([0.5, 1.5, 3.0, 4.5])), "start")]
    for offset in sorted(o for o in offsets if o > 0):
        reason = draw(st.sampled_from(REASONS))
        dose = (
            None
            if reason in ("pause", "stop")
            else draw(st.sampled_from([0.5, 1.5, 3.0, 4.5, 6.0]))
        )
        steps.append(Step(start + datetime.timedelta(days=offset), dose, reason))
    if draw(st.booleans()):
        steps = steps[1:]  # a course whose start has no recorded dose
    return CourseHistory(start=start, steps=tuple(steps))


@settings(max_examples=300, deadline=None)
@given(
    history=histories(),
    days_after=st.integers(-30, 600),
    baseline_weeks=st.integers(2, 52),
    on_weeks=st.integers(2, 52),
)
def test_windows_never_overlap_and_never_count_paused_days(
    history, days_after, baseline_weeks, on_weeks
):
    today = history.start + datetime.timedelta(days=days_after)

    windows = choose_windows(
        history, today, baseline_weeks=baseline_weeks, on_weeks=on_weeks
    )

    base = windows.baseline
    assert base.end < history.start
    assert base.days == 7 * baseline_weeks
    on = windows.on_ldn
    if today < history.start:
        assert on is None
        return
    assert on is not None
    assert base.end < on.start
    assert not set(base.dates) & set(on.dates)
    assert on.days <= 7 * on_weeks
    taken = dose_on_days(history, history.start, today)
    for day in on.dates:
        assert history.start <= day <= today
        assert on.start <= day <= on.end
        assert day in taken  # never a paused or stopped day
    assert on.days + on.paused_days_excluded == max(on.calendar_days, 0)
