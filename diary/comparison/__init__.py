"""The ONE before/after (n-of-1) comparison of a diary.

Every place that shows "before LDN" against "on LDN" (the analysis page, page 1
and the analysis section of the PDF, the share page, ``/api/v1/analysis/``)
renders the same :class:`Comparison`, so they agree to the digit. Their display
or report range does not change it: the windows come from the course history.

Entry point (loads the diary once, fixed number of queries, cached per user,
windows, language and the user's ``sync_version``, which every write raises)::

    comparison_for_user(
        user, *, baseline_weeks: int | None = None, on_weeks: int | None = None
    ) -> Comparison

Pure parts, for tests and the simulation::

    windows.choose_windows(course: CourseHistory, today, *, baseline_weeks=8,
                           on_weeks=8, earlier_courses=()) -> Windows
    diary.comparison.compare.compare(data: DiaryData, *, baseline_weeks=8,
    on_weeks=8) -> Comparison
    stats.fit_change(values, on, *, start_index, model="level"|"steady_trend"|
                     "segmented") -> Fit   (AR(1) errors, exact likelihood)

Statistics (see :mod:`diary.comparison.stats`): with at least 28 logged baseline
days the change is the step in level at the LDN start allowing for a steady trend
(``steady_trend``), and a segmented model gives the baseline's own trend
(``OutcomeResult.trend``); with fewer, the level model (said so in
``coverage_text``). Intervals are approximate; ``coverage_text`` quotes the
coverage measured by ``bench/analysis_sim.py`` (figures in ``coverage.py``).

Data classes (all frozen):

- ``windows.Step(date, dose_mg: float | None, reason)``,
  ``windows.CourseHistory(start, steps)``.
- ``windows.Window(kind: "baseline"|"on_ldn", start, end, dates: tuple[date],
  doses_mg: tuple[float], spans: tuple[DoseSpan], paused_days_excluded,
  titration_days, rule: "current_dose"|"since_start"|"")`` with ``days``
  (= len(dates), paused/stopped days excluded), ``calendar_days``,
  ``titration``.
- ``windows.DoseSpan(start, end, dose_mg, titration)``.
- ``windows.Windows(ldn_start, today, baseline_weeks, on_weeks, baseline,
  on_ldn: Window | None, current_dose_mg, status, titration_end)``.
- ``result.Comparison(status: "ok"|"no_course"|"not_started"|
  "no_baseline_data", today, windows, outcomes: tuple[OutcomeResult] (primary
  first), primary_key, primary_chosen_at, crash_rates: (CrashRate, CrashRate) |
  None, warnings: tuple[Warning_], caveats: tuple[str], method, sync_version)``
  with ``primary``, ``exploratory`` and ``to_dict()`` (the API's JSON).
- ``result.OutcomeResult(key: "function"|"hours_upright"|"symptom:<uuid>",
  label, kind, unit, higher_is_better, primary, baseline: Side, on_ldn: Side,
  difference, interval: (low, high) | None, coverage, coverage_text, lag1,
  model, trend: Trend | None, warnings, not_enough_data: tuple[str], declined:
  str, dose_steps: tuple[DoseStepMean])`` with ``exploratory``,
  ``enough_data``, ``interval_excludes_zero``.
- ``result.Side(window_days, logged_days, mean, median)``,
  ``result.CrashRate(crash_days, window_days, per_30_days)``,
  ``result.Trend(per_week, low, high, trending)``,
  ``result.DoseStepMean(start, end, dose_mg, logged_days, mean)``,
  ``result.Warning_(code, text)``.

Not medical advice: the caveats carry the notice and why one person's chart
cannot show that LDN caused a change.
"""

from typing import TYPE_CHECKING

from .result import (
    Comparison,
    CrashRate,
    DoseStepMean,
    OutcomeResult,
    Side,
    Trend,
    Warning_,
)
from .windows import (
    BASELINE_WEEKS_DEFAULT,
    ON_WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
    CourseHistory,
    DoseSpan,
    Step,
    Window,
    Windows,
    choose_windows,
)

if TYPE_CHECKING:
    from accounts.models import User


def comparison_for_user(
    user: "User", *, baseline_weeks: int | None = None, on_weeks: int | None = None
) -> Comparison:
    """The user's before/after comparison, loaded once and cached (see
    :func:`diary.comparison.loader.comparison_for_user`)."""
    from .loader import comparison_for_user as load

    return load(user, baseline_weeks=baseline_weeks, on_weeks=on_weeks)


__all__ = [
    "comparison_for_user",
    "BASELINE_WEEKS_DEFAULT",
    "ON_WEEKS_DEFAULT",
    "WEEKS_MAX",
    "WEEKS_MIN",
    "Comparison",
    "CourseHistory",
    "CrashRate",
    "DoseSpan",
    "DoseStepMean",
    "OutcomeResult",
    "Side",
    "Step",
    "Trend",
    "Warning_",
    "Window",
    "Windows",
    "choose_windows",
]
