"""Which days are "before LDN" and which are "on LDN": a pure choice from the
course history and today, independent of any display, report or share range.

- Baseline: the ``baseline_weeks`` weeks (default 8) before the LDN start. Days
  on an earlier LDN course are left out of it.
- On LDN: by default the most recent ``on_weeks`` weeks (default 8) at the
  current dose, when the course has been at that dose that long; otherwise the
  last ``on_weeks`` weeks since the start. The window ends on the last day on
  LDN (today, or the day before the current pause or stop).
- Paused and stopped days never count as on LDN; days before the course first
  reached its current dose (or, once stopped, its highest dose) are titration
  days and are labelled so.
- The two windows never overlap: the baseline ends the day before the start and
  the on-LDN window starts on or after it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)
PAUSE = "pause"
STOP = "stop"
NO_DOSE_REASONS = frozenset({PAUSE, STOP})

BASELINE_WEEKS_DEFAULT = 8
ON_WEEKS_DEFAULT = 8
WEEKS_MIN = 2
WEEKS_MAX = 52

CURRENT_DOSE = "current_dose"
SINCE_START = "since_start"


@dataclass(frozen=True)
class Step:
    """One dated step of a dose history (``dose_mg`` is None for pause/stop)."""

    date: datetime.date
    dose_mg: float | None
    reason: str


@dataclass(frozen=True)
class CourseHistory:
    """An LDN course as plain data: its start date and dose steps."""

    start: datetime.date
    steps: tuple[Step, ...] = ()

    def sorted_steps(self, today: datetime.date) -> list[Step]:
        return sorted((s for s in self.steps if s.date <= today), key=lambda s: s.date)


@dataclass(frozen=True)
class DoseSpan:
    """Consecutive days in a window at one dose (``None``: no dose recorded yet)."""

    start: datetime.date
    end: datetime.date
    dose_mg: float | None
    titration: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Window:
    """A stretch of calendar days and the days in it that count.

    ``dates`` are the counted days (on LDN: paused and stopped days removed; the
    baseline: days on an earlier course removed). ``days`` is ``len(dates)``.
    ``doses_mg`` are the distinct doses taken on counted days, in order of first
    use. ``titration`` is True when some counted day is a titration day.
    """

    kind: str  # "baseline" or "on_ldn"
    start: datetime.date
    end: datetime.date
    dates: tuple[datetime.date, ...]
    doses_mg: tuple[float, ...]
    spans: tuple[DoseSpan, ...]
    paused_days_excluded: int
    titration_days: int
    rule: str = ""  # on LDN: CURRENT_DOSE or SINCE_START

    @property
    def days(self) -> int:
        return len(self.dates)

    @property
    def calendar_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def titration(self) -> bool:
        return self.titration_days > 0

    def __contains__(self, day: object) -> bool:
        """Whether ``day`` counts in this window (paused days do not)."""
        return day in self.dates


@dataclass(frozen=True)
class Windows:
    """The two windows of one comparison. ``on_ldn`` is None before the start."""

    ldn_start: datetime.date
    today: datetime.date
    baseline_weeks: int
    on_weeks: int
    baseline: Window
    on_ldn: Window | None
    current_dose_mg: float | None
    status: str  # "taking", "paused", "stopped", "none" (no dose recorded)
    titration_end: datetime.date | None  # first day at the target dose


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    if last < first:
        return []
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def _minus_days(day: datetime.date, days: int) -> datetime.date:
    try:
        return day - datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.min


def dose_on_days(
    course: CourseHistory, first: datetime.date, last: datetime.date
) -> dict[datetime.date, float | None]:
    """The dose on each day from ``first`` to ``last`` that is on LDN.

    Days before the start, and paused or stopped days, are absent. A day on LDN
    before any recorded dose maps to None.
    """
    steps = course.sorted_steps(last)
    result: dict[datetime.date, float | None] = {}
    index = 0
    current: Step | None = None
    for day in _days(max(first, course.start), last):
        while index < len(steps) and steps[index].date <= day:
            current = steps[index]
            index += 1
        if current is not None and current.reason in NO_DOSE_REASONS:
            continue
        result[day] = current.dose_mg if current is not None else None
    return result


def titration_end(course: CourseHistory, today: datetime.date) -> datetime.date | None:
    """The first day the course reached its target dose: the current dose while
    taking or paused, the highest dose once stopped. None without a dose."""
    steps = course.sorted_steps(today)
    dosed = [s for s in steps if s.dose_mg is not None]
    if not dosed:
        return None
    stopped = steps[-1].reason == STOP
    target = max(s.dose_mg for s in dosed) if stopped else dosed[-1].dose_mg  # type: ignore[type-var]
    return min(s.date for s in dosed if s.dose_mg == target)


def choose_windows(
    course: CourseHistory,
    today: datetime.date,
    *,
    baseline_weeks: int = BASELINE_WEEKS_DEFAULT,
    on_weeks: int = ON_WEEKS_DEFAULT,
    earlier_courses: Sequence[CourseHistory] = (),
) -> Windows:
    """Choose the baseline and on-LDN windows (see the module docstring)."""
    start = course.start
    steps = course.sorted_steps(today)
    last_step = steps[-1] if steps else None
    if last_step is None:
        status = "none"
    elif last_step.reason == PAUSE:
        status = "paused"
    elif last_step.reason == STOP:
        status = "stopped"
    else:
        status = "taking"
    dosed = [s for s in steps if s.dose_mg is not None]
    current = dosed[-1].dose_mg if dosed else None
    target_from = titration_end(course, today)

    # Baseline.
    base_first = _minus_days(start, 7 * baseline_weeks)
    base_last = start - ONE_DAY if start > datetime.date.min else start
    earlier_on: set[datetime.date] = set()
    for other in earlier_courses:
        if other.start <= base_last:
            earlier_on.update(dose_on_days(other, base_first, base_last))
    base_dates = tuple(d for d in _days(base_first, base_last) if d not in earlier_on)
    baseline = Window(
        kind="baseline",
        start=base_first,
        end=base_last,
        dates=base_dates,
        doses_mg=(),
        spans=(),
        paused_days_excluded=0,
        titration_days=0,
    )
    if start > today or start == datetime.date.min:
        return Windows(
            ldn_start=start,
            today=today,
            baseline_weeks=baseline_weeks,
            on_weeks=on_weeks,
            baseline=baseline,
            on_ldn=None,
            current_dose_mg=current,
            status=status,
            titration_end=target_from,
        )

    # The last day on LDN: today, or the day before the current pause or stop.
    on_last = today
    if last_step is not None and last_step.reason in NO_DOSE_REASONS:
        on_last = last_step.date - ONE_DAY
    doses = dose_on_days(course, start, on_last)
    span = 7 * on_weeks

    # How long the course has been at its current dose without another dose
    # between (pauses and restarts at the same dose do not break the run).
    rule = SINCE_START
    on_first = max(start, on_last - datetime.timedelta(days=span - 1))
    if current is not None:
        run_start = None
        for step in reversed(dosed):
            if step.dose_mg != current:
                break
            run_start = step.date
        if run_start is not None and (on_last - run_start).days + 1 >= span:
            rule = CURRENT_DOSE
            on_first = on_last - datetime.timedelta(days=span - 1)
    calendar = _days(on_first, on_last)
    on_dates = tuple(d for d in calendar if d in doses)
    spans: list[DoseSpan] = []
    for day in on_dates:
        dose = doses[day]
        titrating = target_from is not None and day < target_from
        previous = spans[-1] if spans else None
        if (
            previous is not None
            and previous.dose_mg == dose
            and previous.titration == titrating
            and previous.end == day - ONE_DAY
        ):
            spans[-1] = DoseSpan(previous.start, day, dose, titrating)
        else:
            spans.append(DoseSpan(day, day, dose, titrating))
    distinct: list[float] = []
    for day in on_dates:
        dose = doses[day]
        if dose is not None and dose not in distinct:
            distinct.append(dose)
    on_ldn = Window(
        kind="on_ldn",
        start=on_first,
        end=max(on_last, on_first - ONE_DAY),
        dates=on_dates,
        doses_mg=tuple(distinct),
        spans=tuple(spans),
        paused_days_excluded=len(calendar) - len(on_dates),
        titration_days=sum(s.days for s in spans if s.titration),
        rule=rule,
    )
    return Windows(
        ldn_start=start,
        today=today,
        baseline_weeks=baseline_weeks,
        on_weeks=on_weeks,
        baseline=baseline,
        on_ldn=on_ldn,
        current_dose_mg=current,
        status=status,
        titration_end=target_from,
    )
