"""Calibration and speed of the counterfactual model (analysis.models.counterfactual).

Simulates weekly Poisson series (rate 4 per week, 80 pre-event weeks, 20 post-event weeks) with
either a known excess (an independent Poisson(4) per week added after the event: expected total
excess 80) or none, fits each with the default settings, and prints:

- coverage of the 95% interval of the cumulative effect, against the realised excess (the sum of
  the added attacks: what the predictive interval is for) and against the expected excess (80 or 0);
- how often the interval excludes zero (power under the excess, false-positive rate under the null);
- mean bias of the cumulative effect against the realised excess, mean interval width;
- mean runtime per fit; and the runtime of one fit on 3,650 daily points (650 post-event days).

Run: ``.venv/bin/python benchmarks/calibration_counterfactual.py`` (add ``--quick`` for a
few-second smoke run).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from analysis.models import counterfactual as cf

PRE, POST = 80, 20
BASE_RATE, STEP = 4.0, 4.0  # attacks per week before the event; added per week after it
SEED = 20240611


def _weekly(rng: np.random.Generator, step: float) -> tuple[pd.Series, float]:
    base = rng.poisson(BASE_RATE, PRE + POST)
    extra = np.r_[np.zeros(PRE, dtype=int), rng.poisson(step, POST)] if step else 0 * base
    idx = pd.date_range("2018-06-04", periods=PRE + POST, freq="W-MON")
    return pd.Series(base + extra, index=idx), float(extra.sum())


def _calibrate(model: str, step: float, reps: int, param_draws: int, n_samples: int) -> dict:
    rng = np.random.default_rng([SEED, int(step), reps])
    hits_real = hits_expected = excludes_zero = 0
    bias, width, seconds, cpu = [], [], [], []
    for i in range(reps):
        y, realised = _weekly(rng, step)
        t0, c0 = time.perf_counter(), time.process_time()
        res = cf.fit(
            y, y.index[PRE], model=model, seed=i, n_samples=n_samples, param_draws=param_draws
        )
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        lo, hi = res.cumulative_effect_low, res.cumulative_effect_high
        hits_real += lo <= realised <= hi
        hits_expected += lo <= step * POST <= hi
        excludes_zero += not lo <= 0 <= hi
        bias.append(res.cumulative_effect - realised)
        width.append(hi - lo)
    return {
        "coverage_realised": hits_real / reps,
        "coverage_expected": hits_expected / reps,
        "excludes_zero": excludes_zero / reps,
        "mean_bias": float(np.mean(bias)),
        "mean_width": float(np.mean(width)),
        "mean_seconds": float(np.mean(seconds)),
        "mean_cpu_seconds": float(np.mean(cpu)),
    }


def _daily_timing(model: str, param_draws: int, repeats: int) -> tuple[float, float]:
    rng = np.random.default_rng(SEED)
    y = pd.Series(rng.poisson(0.6, 3650), index=pd.date_range("2012-01-01", periods=3650, freq="D"))
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        cf.fit(y, y.index[3000], model=model, param_draws=param_draws)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.median(cpu))


def main(quick: bool = False) -> dict:
    """Run the calibration (200 series per setting, or 10 when quick) and the timing; print them."""
    reps = 3 if quick else 200
    n_samples = 200 if quick else 1000
    settings = [("ucm", 20), ("sarima", 20)] if quick else [("ucm", 20), ("sarima", 20), ("ucm", 0)]
    out: dict = {"reps": reps, "n_samples": n_samples, "calibration": {}, "daily_3650_seconds": {}}
    print(
        f"Counterfactual calibration: {reps} weekly Poisson series per row, "
        f"rate {BASE_RATE:g}/week, {PRE} pre + {POST} post weeks, {n_samples} simulated paths "
        "per fit, "
        "nominal coverage 95%"
    )
    header = (
        f"{'model':<8}{'param draws':>12}{'scenario':>10}{'cover realised':>16}"
        f"{'cover expected':>16}{'excl. 0':>9}{'bias':>8}{'width':>8}{'s/fit':>8}{'cpu s':>8}"
    )
    print(header)
    for model, draws in settings:
        for name, step in (("excess", STEP), ("null", 0.0)):
            r = _calibrate(model, step, reps, draws, n_samples)
            out["calibration"][f"{model}/draws={draws}/{name}"] = r
            print(
                f"{model:<8}{draws:>12}{name:>10}{r['coverage_realised']:>16.3f}"
                f"{r['coverage_expected']:>16.3f}{r['excludes_zero']:>9.3f}{r['mean_bias']:>8.2f}"
                f"{r['mean_width']:>8.1f}{r['mean_seconds']:>8.3f}{r['mean_cpu_seconds']:>8.3f}"
            )
    repeats = 1 if quick else 3
    print("One fit on 3,650 daily points (event at day 3,000; median of runs; wall / CPU seconds):")
    timed = [("ucm", 20)] if quick else [("ucm", 20), ("sarima", 20), ("ucm", 0), ("sarima", 0)]
    for model, draws in timed:
        wall, cpu = _daily_timing(model, draws, repeats)
        out["daily_3650_seconds"][f"{model}/draws={draws}"] = {"wall": wall, "cpu": cpu}
        print(f"  {model:<7} param_draws={draws:<3} {wall:.3f} s wall, {cpu:.3f} s CPU")
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
