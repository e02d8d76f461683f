"""Calibration of :func:`analysis.models.attribution.fit`: coverage of its 95% intervals.

Two settings, each simulated over ``N_SEEDS`` seeds (``attribution.simulate``: background by
thinning, the cascade by the Hawkes cluster representation, exact):

- **steps**: background 2 attacks a day over 320 days, a step x3 on day 121 and a step x0.4
  twenty days later, branching ratio 0.3, decay 1 per day. Coverage of both rate ratios' and the
  branching ratio's intervals.
- **pulse**: the same background with a pulse x5 at onset (day 91) decaying with a half-life of
  6 days and a step x0.5 on day 213. Coverage of the half-life's, the pulse's rate ratio's and the
  branching ratio's intervals.

Goal: 93-97% (with 200 seeds a coverage's standard error is about 1.5 points). Times are
continuous (no jitter), the nested models are skipped (``compare=False``) and few parameter draws
are taken (``n_samples=20``): neither changes the intervals checked here. Runs on every core
(processes). Run: ``.venv/bin/python benchmarks/calibration_attribution.py [--quick] [--seeds N]``.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import sys
import time

import pandas as pd

from analysis.models import attribution

START = pd.Timestamp("2020-01-01")
END = START + pd.Timedelta(days=320)
MU, ALPHA, BETA = 2.0, 0.3, 1.0  # per day, branching ratio, decay per day
N_SEEDS = 200
SETTINGS = {
    "steps": {"surge": ("2020-05-01", 3.0), "truce": ("2020-05-21", 0.4)},
    "pulse": {"pulse": ("2020-04-01", 5.0, 6.0), "step": ("2020-08-01", 0.5)},
}


def _one(setting: str, seed: int) -> dict[str, bool]:
    """Fit one simulated series; which intervals hold the truth."""
    effects = SETTINGS[setting]
    times = attribution.simulate(
        MU, effects, branching_ratio=ALPHA, decay=BETA, start=START, end=END, seed=seed
    )
    form = {k: "pulse" for k, v in effects.items() if len(v) == 3}
    res = attribution.fit(
        times,
        events={k: v[0] for k, v in effects.items()},
        start=START,
        end=END,
        effect=form or "step",
        n_samples=20,
        compare=False,
        seed=seed,
    )
    eff = res.effects
    out = {"branching_ratio": res.branching_ratio_low <= ALPHA <= res.branching_ratio_high}
    for name, spec in effects.items():
        if name not in eff.index:  # reported in a cluster: no separate interval, a miss
            out[f"rate_ratio[{name}]"] = False
            continue
        row = eff.loc[name]
        rr = (row["rate_ratio_low"], row["rate_ratio_high"])
        out[f"rate_ratio[{name}]"] = bool(rr[0] <= spec[1] <= rr[1])
        if len(spec) == 3:
            hl = (row["half_life_days_low"], row["half_life_days_high"])
            out[f"half_life[{name}]"] = bool(hl[0] <= spec[2] <= hl[1])
    return out


def main(quick: bool = False, n_seeds: int | None = None) -> dict:
    n = n_seeds or (10 if quick else N_SEEDS)
    workers = os.cpu_count() or 1
    results: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(workers) as pool:
        for setting in SETTINGS:
            hits = list(pool.map(_one, [setting] * n, range(n), chunksize=4))
            frame = pd.DataFrame(hits)
            results[setting] = {k: float(v) for k, v in frame.mean().items()}
    elapsed = time.perf_counter() - t0
    se = math.sqrt(0.95 * 0.05 / n)
    print(
        f"attribution.fit: coverage of 95% intervals over {n} seeds per setting "
        f"(goal 93-97%; standard error about {100 * se:.1f} points); {workers} processes, "
        f"{elapsed:.0f} s"
    )
    for setting, cov in results.items():
        print(f"  {setting}:")
        for name, value in cov.items():
            print(f"    {name:<24} {100 * value:5.1f}%")
    return {"n_seeds": n, "coverage": results, "seconds": elapsed}


if __name__ == "__main__":
    seeds = None
    if "--seeds" in sys.argv:
        seeds = int(sys.argv[sys.argv.index("--seeds") + 1])
    main(quick="--quick" in sys.argv, n_seeds=seeds)
