"""The fit's use of scipy and statsmodels: a regression with AR(1) errors by exact
likelihood (state-space SARIMAX; NaN days are missing observations), and the t
quantile of its interval.

Kept in its own module so that :mod:`diary.comparison.stats` imports it only when
a fit runs: these libraries cost about 130 MiB and a second of start-up, which a
comparison read from the cache (the analysis page, a report or share view after
it) never pays.
"""

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats
from statsmodels.tsa.statespace.sarimax import SARIMAX


def t_quantile(level: float, df: float) -> float:
    return float(scipy_stats.t.ppf(0.5 + level / 2, max(df, 2.0)))


def smoothed_regression(y: np.ndarray, exog: np.ndarray, *, phi_bounds):
    """The smoothed state of ``y = exog @ beta + AR(1) error``: the AR
    coefficient is found by a bounded scalar search of the exact log-likelihood
    (the scale is concentrated out and the regression coefficients are states,
    so there is one parameter to search)."""
    sarimax = SARIMAX(
        y,
        exog=exog,
        order=(1, 0, 0),
        trend="n",
        concentrate_scale=True,
        mle_regression=False,
    )
    search = optimize.minimize_scalar(
        lambda value: -sarimax.loglike(np.array([value])),
        bounds=phi_bounds,
        method="bounded",
        options={"xatol": 1e-3},
    )
    return sarimax.smooth(np.array([search.x]), cov_type="none")
