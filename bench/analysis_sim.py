"""How often the before/after interval tells the truth: simulated diaries with a
known change, run through the app's own pure comparison
(``diary.comparison.compare``: window choice, warnings, AR(1) fits, declines).

Run with ``make bench`` (or ``python bench/analysis_sim.py``). Fixed seed,
``RUNS`` diaries per scenario, rounded 0-10 scores, at most two processes. Writes
``bench/results/analysis_sim.json`` and ``.txt``. Nothing here is a test: the
default test suite never runs it. ``diary/comparison/coverage.py`` holds the
coverage figures measured here, which the patient-facing text quotes.

Each diary: 8 weeks of baseline, LDN started with 4 weeks of titration (1.5,
3.0 mg), then 8 weeks at 4.5 mg, so the on-LDN window is the most recent 8 weeks
at the current dose. Latent daily score = 5 + change (from the start) + trend +
1.5 x an AR(1) series of unit variance; the diary holds it rounded and clipped
to 0-10. The true change is the change in the expected rounded score.

Scenarios (one symptom per diary; false alarm = an interval is given and
excludes 0 when nothing changed):

- ``lag0``, ``lag0.5``, ``lag0.8``: lag-1 correlation 0, 0.5, 0.8; 5% of days
  missing at random; a true change of -1 (coverage) and, separately, none
  (false alarms).
- ``missing30``: correlation 0.5, 30% of days missing at random, no change.
- ``skip_worse``: correlation 0.5, no change, but on LDN days scored 7 or worse
  are skipped with probability 0.6 (5% other missing days).
- ``trend``: correlation 0.5, no LDN effect, scores already improving by 0.15 a
  week from the baseline on (natural recovery).
- ``trend_short_baseline``: the same with only 3 weeks of baseline, too short
  for the app to model a trend (it then fits the level model and says so).
- ``worst_fortnight``: correlation 0.5, no change, LDN started right after the
  worst fortnight of a 6-month stretch.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "SECRET_KEY", "bench-only-secret-key-that-is-long-enough-for-hs256"
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from scipy import stats as scipy_stats  # noqa: E402

from diary.comparison.compare import DiaryData, OutcomeSeries, compare  # noqa: E402
from diary.comparison.windows import CourseHistory, Step  # noqa: E402

SEED = 20261201
RUNS = int(os.environ.get("ANALYSIS_SIM_RUNS", "500"))
WORKERS = 2
BASE_DAYS = 56
TITRATION_DAYS = 28
ON_DAYS = 56
LEVEL = 5.0
SPREAD = 1.5
RESULTS = ROOT / "bench" / "results"
FIRST_DAY = datetime.date(2025, 1, 1)

SCENARIOS = {
    "lag0": {"phi": 0.0, "missing": 0.05, "change": -1.0},
    "lag0_null": {"phi": 0.0, "missing": 0.05, "change": 0.0},
    "lag0.5": {"phi": 0.5, "missing": 0.05, "change": -1.0},
    "lag0.5_null": {"phi": 0.5, "missing": 0.05, "change": 0.0},
    "lag0.8": {"phi": 0.8, "missing": 0.05, "change": -1.0},
    "lag0.8_null": {"phi": 0.8, "missing": 0.05, "change": 0.0},
    "missing30": {"phi": 0.5, "missing": 0.30, "change": 0.0},
    "skip_worse": {"phi": 0.5, "missing": 0.05, "change": 0.0, "skip_worse": 0.6},
    "trend": {"phi": 0.5, "missing": 0.05, "change": 0.0, "trend_per_week": -0.15},
    "trend_short_baseline": {
        "phi": 0.5,
        "missing": 0.05,
        "change": 0.0,
        "trend_per_week": -0.15,
        "baseline_weeks": 3,
    },
    "worst_fortnight": {
        "phi": 0.5,
        "missing": 0.05,
        "change": 0.0,
        "worst_fortnight": True,
    },
}


def expected_score(mean: float) -> float:
    """E[clip(round(Y), 0, 10)] for Y ~ Normal(mean, SPREAD)."""
    edges = np.arange(-0.5, 11.0, 1.0)
    cdf = scipy_stats.norm.cdf(edges, loc=mean, scale=SPREAD)
    probs = np.diff(cdf)
    probs[0] += cdf[0]
    probs[-1] += 1 - cdf[-1]
    return float(np.arange(11) @ probs)


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    noise = rng.standard_normal(n)
    series = np.empty(n)
    series[0] = noise[0]
    scale = math.sqrt(1 - phi * phi)
    for t in range(1, n):
        series[t] = phi * series[t - 1] + scale * noise[t]
    return series


def simulate(name: str, seed: int) -> dict:
    spec = SCENARIOS[name]
    rng = np.random.default_rng(seed)
    phi = spec["phi"]
    if spec.get("worst_fortnight"):
        pre = 180
        latent_noise = ar1(rng, pre + TITRATION_DAYS + ON_DAYS, phi)
        # LDN starts the day after the worst fortnight (highest mean) that
        # leaves a full baseline before it.
        means = np.convolve(latent_noise[:pre], np.ones(14) / 14, mode="valid")
        ends = np.arange(13, pre)
        allowed = ends >= BASE_DAYS + 13
        worst_end = int(ends[allowed][np.argmax(means[allowed])])
        start_index = worst_end + 1
        noise = latent_noise[start_index - BASE_DAYS :]
        noise = noise[: BASE_DAYS + TITRATION_DAYS + ON_DAYS]
    else:
        noise = ar1(rng, BASE_DAYS + TITRATION_DAYS + ON_DAYS, phi)
    n = len(noise)
    days = np.arange(n)
    after = days >= BASE_DAYS
    latent = (
        LEVEL
        + spec["change"] * after
        + spec.get("trend_per_week", 0.0) * days / 7.0
        + SPREAD * noise
    )
    observed = np.clip(np.round(latent), 0, 10)
    logged = rng.random(n) >= spec["missing"]
    if spec.get("skip_worse"):
        worse = after & (observed >= 7)
        logged &= ~(worse & (rng.random(n) < spec["skip_worse"]))
    start = FIRST_DAY + datetime.timedelta(days=BASE_DAYS)
    course = CourseHistory(
        start=start,
        steps=(
            Step(start, 1.5, "start"),
            Step(start + datetime.timedelta(days=14), 3.0, "planned_step"),
            Step(start + datetime.timedelta(days=TITRATION_DAYS), 4.5, "planned_step"),
        ),
    )
    values = {
        FIRST_DAY + datetime.timedelta(days=int(i)): float(observed[i])
        for i in range(n)
        if logged[i]
    }
    data = DiaryData(
        today=FIRST_DAY + datetime.timedelta(days=n - 1),
        courses=(course,),
        outcomes=(
            OutcomeSeries(
                key="symptom:sim",
                label="Simulated",
                kind="symptom",
                unit="points",
                higher_is_better=False,
                values=values,
            ),
        ),
        entry_days=frozenset(values),
        primary_key="symptom:sim",
    )
    result = compare(data, baseline_weeks=spec.get("baseline_weeks", 8))
    outcome = result.outcomes[0]
    codes = {w.code for w in outcome.warnings} | {w.code for w in result.warnings}
    if spec.get("trend_per_week"):
        true_change = 0.0  # no LDN effect; the trend is not LDN's
    else:
        true_change = expected_score(LEVEL + spec["change"]) - expected_score(LEVEL)
    interval = outcome.interval
    return {
        "given": interval is not None,
        "covered": interval is not None and interval[0] <= true_change <= interval[1],
        "excludes_zero": interval is not None and not (interval[0] <= 0 <= interval[1]),
        "not_enough": bool(outcome.not_enough_data),
        "declined": bool(outcome.declined),
        "lag1": outcome.lag1,
        "level_only": outcome.model == "level",
        "warnings": sorted(codes),
    }


def run_scenario(name: str, pool: ProcessPoolExecutor) -> dict:
    offset = list(SCENARIOS).index(name) * 1_000_003
    seeds = [SEED + offset + i for i in range(RUNS)]
    rows = list(pool.map(simulate, [name] * RUNS, seeds, chunksize=25))
    given = [r for r in rows if r["given"]]
    warning_counts: dict[str, int] = {}
    for row in rows:
        for code in row["warnings"]:
            warning_counts[code] = warning_counts.get(code, 0) + 1
    lags = [r["lag1"] for r in rows if r["lag1"] is not None]
    return {
        "scenario": name,
        **SCENARIOS[name],
        "runs": RUNS,
        "intervals_given": len(given),
        "coverage": round(sum(r["covered"] for r in given) / len(given), 3)
        if given
        else None,
        "false_alarm_rate": round(sum(r["excludes_zero"] for r in rows) / RUNS, 3)
        if SCENARIOS[name]["change"] == 0
        else None,
        "not_enough_data_rate": round(sum(r["not_enough"] for r in rows) / RUNS, 3),
        "declined_rate": round(sum(r["declined"] for r in rows) / RUNS, 3),
        "median_fitted_lag1": round(statistics.median(lags), 2) if lags else None,
        "warning_rates": {
            code: round(count / RUNS, 3)
            for code, count in sorted(warning_counts.items())
        },
    }


def year_cpu_seconds() -> dict:
    """CPU time to compare function, hours upright and 8 symptoms over a year."""
    rng = np.random.default_rng(SEED)
    n = 365
    first = datetime.date(2025, 1, 1)
    start = first + datetime.timedelta(days=200)
    course = CourseHistory(
        start=start,
        steps=(
            Step(start, 1.5, "start"),
            Step(start + datetime.timedelta(days=21), 3.0, "planned_step"),
            Step(start + datetime.timedelta(days=49), 4.5, "planned_step"),
        ),
    )
    outcomes = []
    for index in range(10):
        values = np.clip(np.round(5 + 1.5 * ar1(rng, n, 0.7)), 0, 10)
        logged = rng.random(n) >= 0.15
        outcomes.append(
            OutcomeSeries(
                key=f"symptom:{index}",
                label=f"Outcome {index}",
                kind="symptom",
                unit="points",
                higher_is_better=False,
                values={
                    first + datetime.timedelta(days=i): float(values[i])
                    for i in range(n)
                    if logged[i]
                },
            )
        )
    data = DiaryData(
        today=first + datetime.timedelta(days=n - 1),
        courses=(course,),
        outcomes=tuple(outcomes),
        entry_days=frozenset().union(*(o.values for o in outcomes)),
    )
    compare(data)  # warm up
    timings = []
    for _ in range(5):
        began = time.process_time()
        compare(data)
        timings.append(time.process_time() - began)
    return {
        "outcomes": len(outcomes),
        "days": n,
        "median_cpu_seconds": round(statistics.median(timings), 3),
        "max_cpu_seconds": round(max(timings), 3),
    }


def main() -> None:
    began = time.time()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        for name in SCENARIOS:
            row = run_scenario(name, pool)
            results.append(row)
            print(json.dumps(row), flush=True)
    cpu = year_cpu_seconds()
    print(json.dumps({"year_fit": cpu}), flush=True)
    summary = {
        "seed": SEED,
        "runs_per_scenario": RUNS,
        "scenarios": results,
        "year_fit": cpu,
        "wall_seconds": round(time.time() - began, 1),
    }
    (RESULTS / "analysis_sim.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [
        f"Before/after interval simulation: seed {SEED}, {RUNS} diaries per scenario.",
        "",
        f"{'scenario':<22} {'given':>6} {'coverage':>9} {'false alarm':>12} "
        f"{'not enough':>11} {'declined':>9} {'lag1':>5}",
    ]
    for row in results:
        lines.append(
            f"{row['scenario']:<22} {row['intervals_given']:>6} "
            f"{_fmt(row['coverage']):>9} {_fmt(row['false_alarm_rate']):>12} "
            f"{_fmt(row['not_enough_data_rate']):>11} {_fmt(row['declined_rate']):>9} "
            f"{_fmt(row['median_fitted_lag1']):>5}"
        )
    lines += [
        "",
        "Warnings shown (share of diaries):",
        *(f"  {row['scenario']}: {row['warning_rates']}" for row in results),
        "",
        f"Year of 10 outcomes: median {cpu['median_cpu_seconds']} s CPU "
        f"(max {cpu['max_cpu_seconds']} s).",
        f"Wall time {summary['wall_seconds']} s.",
    ]
    (RESULTS / "analysis_sim.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
