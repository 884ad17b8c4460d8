"""The result of the one before/after comparison, as frozen plain data.

The web page, the PDF, the share page and the API only render a
:class:`Comparison`; ``to_dict()`` is the API's JSON shape (dates as ISO strings).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from .windows import Window, Windows


@dataclass(frozen=True)
class Warning_:
    """A visible warning beside a result. ``code`` is stable (for tests and apps):
    ``baseline_trending``, ``baseline_ends_in_crash``, ``baseline_ends_worst``,
    ``fewer_days_logged_after``, ``other_medicines``, ``titration_days``,
    ``earlier_course``."""

    code: str
    text: str


@dataclass(frozen=True)
class Side:
    """One outcome in one window: its logged days and plain summaries."""

    window_days: int  # counted days in the window
    logged_days: int  # of those, days with a value for this outcome
    mean: float | None
    median: float | None

    @property
    def logged_fraction(self) -> float:
        return self.logged_days / self.window_days if self.window_days else 0.0


@dataclass(frozen=True)
class DoseStepMean:
    """An outcome's mean over one dose step (only steps with >= 14 logged days)."""

    start: datetime.date
    end: datetime.date
    dose_mg: float
    logged_days: int
    mean: float


@dataclass(frozen=True)
class Trend:
    """The baseline's own slope, in points per week, from the segmented model."""

    per_week: float
    low: float
    high: float
    trending: bool


@dataclass(frozen=True)
class OutcomeResult:
    """One outcome compared: ``difference`` is on LDN minus baseline, from the
    AR(1) regression (None when there is not enough data or the interval was
    declined). ``interval`` is approximate; ``coverage_text`` states how often
    such an interval contained the true change in the simulation."""

    key: str  # "function", "hours_upright" or "symptom:<uuid>"
    label: str
    kind: str  # "function", "hours" or "symptom"
    unit: str
    higher_is_better: bool
    primary: bool
    baseline: Side
    on_ldn: Side
    difference: float | None
    interval: tuple[float, float] | None
    coverage: float | None  # measured coverage for this series' correlation
    coverage_text: str
    lag1: float | None  # fitted AR(1) coefficient
    model: str  # "ar1", "segmented_ar1" or ""
    trend: Trend | None
    warnings: tuple[Warning_, ...]
    not_enough_data: tuple[str, ...]  # reasons; empty when there was enough
    declined: str  # why no interval is given although there was data ("" if given)
    dose_steps: tuple[DoseStepMean, ...]

    @property
    def exploratory(self) -> bool:
        return not self.primary

    @property
    def enough_data(self) -> bool:
        return not self.not_enough_data

    @property
    def direction(self) -> str:
        """``"better"``, ``"worse"`` or ``"same"`` (to one decimal), or ``""``
        without a difference."""
        if self.difference is None:
            return ""
        shown = round(self.difference, 1)
        if shown == 0:
            return "same"
        return "better" if (shown > 0) == self.higher_is_better else "worse"

    @property
    def interval_excludes_zero(self) -> bool | None:
        if self.interval is None:
            return None
        return not (self.interval[0] <= 0 <= self.interval[1])


@dataclass(frozen=True)
class CrashRate:
    """Crash days per 30 days in a window: every day of a crash episode counts,
    logged or not."""

    crash_days: int
    window_days: int
    per_30_days: float | None


@dataclass(frozen=True)
class Comparison:
    """The one before/after comparison of a user's diary.

    ``status``: ``"ok"``, ``"no_course"`` (no LDN course), ``"not_started"`` (the
    course starts after today), ``"no_baseline_data"`` (nothing logged in the
    baseline weeks). ``outcomes`` lists the primary outcome first.
    """

    status: str
    today: datetime.date
    windows: Windows | None
    outcomes: tuple[OutcomeResult, ...]
    primary_key: str | None
    primary_chosen_at: datetime.datetime | None
    crash_rates: tuple[CrashRate, CrashRate] | None  # (baseline, on LDN)
    warnings: tuple[Warning_, ...]  # about the windows, not one outcome
    caveats: tuple[str, ...]  # causation, multiplicity, not medical advice
    method: str
    sync_version: int = 0

    @property
    def primary(self) -> OutcomeResult | None:
        return self.outcomes[0] if self.outcomes and self.outcomes[0].primary else None

    @property
    def exploratory(self) -> tuple[OutcomeResult, ...]:
        return tuple(o for o in self.outcomes if not o.primary)

    @property
    def primary_chosen_after_start(self) -> bool | None:
        """Whether the primary outcome was chosen after the LDN start (so
        possibly after seeing how things went); None without a choice."""
        if self.primary_chosen_at is None or self.windows is None:
            return None
        return self.primary_chosen_at.date() > self.windows.ldn_start

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self)) | {
            "outcomes": [_outcome_dict(o) for o in self.outcomes],
            "windows": _windows_dict(self.windows) if self.windows else None,
            "primary_chosen_after_start": self.primary_chosen_after_start,
        }


def _window_dict(window: Window) -> dict[str, Any]:
    return {
        "kind": window.kind,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "calendar_days": window.calendar_days,
        "days": window.days,
        "doses_mg": list(window.doses_mg),
        "paused_days_excluded": window.paused_days_excluded,
        "titration": window.titration,
        "titration_days": window.titration_days,
        "rule": window.rule,
        "spans": [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "dose_mg": s.dose_mg,
                "titration": s.titration,
                "days": s.days,
            }
            for s in window.spans
        ],
    }


def _windows_dict(windows: Windows) -> dict[str, Any]:
    return {
        "ldn_start": windows.ldn_start.isoformat(),
        "baseline_weeks": windows.baseline_weeks,
        "on_weeks": windows.on_weeks,
        "current_dose_mg": windows.current_dose_mg,
        "status": windows.status,
        "titration_end": (
            windows.titration_end.isoformat() if windows.titration_end else None
        ),
        "baseline": _window_dict(windows.baseline),
        "on_ldn": _window_dict(windows.on_ldn) if windows.on_ldn else None,
    }


def _outcome_dict(outcome: OutcomeResult) -> dict[str, Any]:
    data = _plain(dataclasses.asdict(outcome))
    data["exploratory"] = outcome.exploratory
    data["enough_data"] = outcome.enough_data
    data["interval_excludes_zero"] = outcome.interval_excludes_zero
    data["direction"] = outcome.direction
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value
