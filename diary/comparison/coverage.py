"""The measured behaviour of the approximate interval, from
``bench/analysis_sim.py`` (fixed seed; see ``bench/results/analysis_sim.txt``).
``tests/diary/test_comparison_coverage.py`` checks these figures against
``bench/results/analysis_sim.json``: rerun the bench and update both together.

The figure quoted beside an interval is the one for the simulated lag-1
correlation nearest to the series' fitted AR(1) coefficient: the lower of the
coverage with a true change of -1 and with no change.
"""

RUNS = 500
MEASURED = {0.0: 0.944, 0.5: 0.926, 0.8: 0.946}
# No LDN effect, scores already improving by 0.15 a week, baseline too short (3
# weeks) to model the trend: share of intervals that excluded 0.
TREND_FALSE_ALARMS_LEVEL = 0.518
# No change, LDN started right after the worst fortnight: share of intervals
# that excluded 0.
WORST_FORTNIGHT_FALSE_ALARMS = 0.172


def coverage_for(lag1: float | None) -> tuple[float, float]:
    """(simulated correlation, measured coverage) nearest to ``lag1``."""
    phi = 0.0 if lag1 is None else lag1
    nearest = min(MEASURED, key=lambda key: abs(key - phi))
    return nearest, MEASURED[nearest]
