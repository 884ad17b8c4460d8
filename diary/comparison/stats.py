"""The before/after statistics: a regression over every logged day with AR(1)
errors, fitted by exact (Kalman filter) likelihood with statsmodels' state-space
SARIMAX, so unlogged days are simply missing observations: nothing is filled in.

Three models, all over consecutive calendar days with NaN for every day that
does not count (not logged, paused, or outside the modelled days); ``t`` is in
weeks from the LDN start and ``after`` is 1 from the start on:

- ``LEVEL``: ``y = a + d * after + e`` over the two windows only (the days
  between are missing). ``d`` is the change in level, on LDN minus before. Used
  when the baseline is too short to say anything about a trend.
- ``STEADY_TREND``: ``y = a + b * t + d * after + e`` over every day from the
  baseline's first day to the on-LDN window's last day. ``d`` is the change in
  level at the start, allowing for a steady trend that was there before and
  continues (natural recovery or decline). The headline when the baseline is
  long enough: in the simulation it keeps false alarms near 5% when scores
  were already improving before LDN, where ``LEVEL`` flagged over 90%.
- ``SEGMENTED``: ``y = a + b * t + c * after + g * t * after + e`` over the same
  days: ``b`` is the baseline's own trend per week (shown, and "trending" when
  its 90% interval excludes 0).

``e`` is AR(1) in every model.

The regression coefficients are states of the model (``mle_regression=False``),
so a bounded scalar search finds the AR coefficient (the scale is concentrated
out): a year of one outcome fits in a few tens of milliseconds.

The interval is approximate. It uses a t quantile with the effective number of
independent days (n (1 - phi) / (1 + phi)) as degrees of freedom, which widens it
when days come in runs; its real coverage is measured by ``bench/analysis_sim.py``
and stated beside every interval (see :mod:`diary.comparison.coverage`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

# scipy and statsmodels come in through .ar1, imported by the functions that fit,
# not here: a comparison read from the cache never loads them.

LEVEL = 0.95
PHI_BOUNDS = (-0.95, 0.98)
TREND_LEVEL = 0.90  # a baseline slope whose 90% interval excludes 0 is "trending"


@dataclass(frozen=True)
class Fit:
    """One fitted change. ``low``/``high`` are the approximate interval."""

    difference: float
    se: float
    low: float
    high: float
    lag1: float
    observations: int
    model: str
    trend_per_week: float | None = None
    trend_low: float | None = None
    trend_high: float | None = None

    @property
    def trending(self) -> bool:
        if self.trend_low is None or self.trend_high is None:
            return False
        return not (self.trend_low <= 0 <= self.trend_high)


class FitError(Exception):
    """The model could not be fitted to this series (for example no variation)."""


def _quantile(level: float, df: float) -> float:
    from .ar1 import t_quantile

    return t_quantile(level, df)


LEVEL_MODEL = "level"
STEADY_TREND = "steady_trend"
SEGMENTED = "segmented"


def fit_change(
    values: np.ndarray,
    on: np.ndarray,
    *,
    start_index: int,
    model: str = LEVEL_MODEL,
) -> Fit:
    """Fit the change in level at ``start_index`` (the LDN start's position).

    ``values``: one float per calendar day, NaN where the day does not count.
    ``on``: 1.0 from the start on, else 0.0. ``model``: ``"level"``,
    ``"steady_trend"`` or ``"segmented"`` (see the module docstring); for the
    segmented model the change is the level and slope change at the mean ``t``
    of the on-LDN days with a value.
    """
    from .ar1 import smoothed_regression

    segmented = model == SEGMENTED
    y = np.asarray(values, dtype=float)
    after = np.asarray(on, dtype=float)
    observed = ~np.isnan(y)
    n_obs = int(observed.sum())
    base_obs = observed & (after == 0)
    on_obs = observed & (after == 1)
    if base_obs.sum() < 3 or on_obs.sum() < 3:
        raise FitError("too few days")
    if np.nanstd(y) == 0:
        raise FitError("no variation")
    weeks = (np.arange(len(y)) - start_index) / 7.0
    if segmented:
        exog = np.column_stack(
            [np.ones_like(y), weeks, after, np.where(after == 1, weeks, 0.0)]
        )
        weights = np.array([0.0, 0.0, 1.0, float(np.mean(weeks[on_obs]))])
    elif model == STEADY_TREND:
        exog = np.column_stack([np.ones_like(y), weeks, after])
        weights = np.array([0.0, 0.0, 1.0])
    elif model == LEVEL_MODEL:
        exog = np.column_stack([np.ones_like(y), after])
        weights = np.array([0.0, 1.0])
    else:
        raise ValueError(f"unknown model {model!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = smoothed_regression(y, exog, phi_bounds=PHI_BOUNDS)
        except (ValueError, np.linalg.LinAlgError) as error:
            raise FitError(str(error)) from error
    phi = float(result.params[0])
    state = np.asarray(result.smoothed_state)[:, -1]
    cov = np.asarray(result.smoothed_state_cov)[:, :, -1]
    # State 0 is the AR error; the regression coefficients follow in exog order.
    beta = state[1:]
    beta_cov = cov[1:, 1:]
    difference = float(weights @ beta)
    variance = float(weights @ beta_cov @ weights)
    if not math.isfinite(variance) or variance <= 0:
        raise FitError("no usable variance")
    se = math.sqrt(variance)
    rho = min(max(phi, 0.0), 0.99)
    n_eff = n_obs * (1 - rho) / (1 + rho)
    df = n_eff - len(weights)
    half = _quantile(LEVEL, df) * se
    fit = Fit(
        difference=difference,
        se=se,
        low=difference - half,
        high=difference + half,
        lag1=phi,
        observations=n_obs,
        model=model,
    )
    if not segmented:
        return fit
    slope = float(beta[1])
    slope_se = math.sqrt(max(float(beta_cov[1, 1]), 0.0))
    base_eff = int(base_obs.sum()) * (1 - rho) / (1 + rho)
    slope_half = _quantile(TREND_LEVEL, base_eff - 2) * slope_se
    return Fit(
        **{
            **fit.__dict__,
            "trend_per_week": slope,
            "trend_low": slope - slope_half,
            "trend_high": slope + slope_half,
        }
    )
