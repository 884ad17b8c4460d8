"""The measured coverage of the approximate interval, from
``bench/analysis_sim.py`` (fixed seed). A test checks these figures against
``bench/results/analysis_sim.json``; rerun the bench and update both together.

Keys are the simulated lag-1 correlations; the figure used for a series is the
one for the nearest simulated correlation to its fitted AR(1) coefficient.
"""

RUNS = 500
MEASURED = {0.0: 0.95, 0.5: 0.94, 0.8: 0.94}


def coverage_for(lag1: float | None) -> tuple[float, float]:
    """(simulated correlation, measured coverage) nearest to ``lag1``."""
    phi = 0.0 if lag1 is None else lag1
    nearest = min(MEASURED, key=lambda key: abs(key - phi))
    return nearest, MEASURED[nearest]
