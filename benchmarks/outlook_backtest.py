"""The outlook's backtest on the shipped data (issue 13's "Goals to measure").

Weekly confirmed attacks (``analysis.series.counts``), a forecast from every week from
2020-01-06 to the end of the data, horizons 1-4, every model of ``analysis.models.outlook``.
Prints, per model and horizon, the mean CRPS, the CRPS skill against the best baseline with its
block-bootstrap 95% interval, and the 50% / 90% coverage (randomised intervals, overall and on
weeks with attacks; the closed intervals' 90% share too), for three spans of target weeks:

1. **selection** (targets 2020-01-07 to 2022-12-31): the only span used to choose ``auto``'s rule
   (``AUTO_COMPONENTS``); the script prints the rule's verdict on it;
2. **held out** (targets from 2023-01-01: the 2023-24 campaign), reported separately and never
   used for choosing;
3. **all** (2020 to the end of the data).

Then whether the goal is met: ``auto``'s one-week CRPS at least 10% better than the best
baseline with an interval excluding 0, and its 90% intervals covering 85-95% of outcomes, also
on weeks with attacks.

Run: ``.venv/bin/python benchmarks/outlook_backtest.py`` (about a minute on 2 cores;
``--quick`` for a smoke run on 2020 only with fewer samples).
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np
import pandas as pd

from analysis.data import load_incidents
from analysis.models import backtest, outlook
from analysis.series import MonthPrecisionWarning, counts

SELECTION_END = "2022-12-31"
HOLDOUT_START = "2023-01-01"
SEED = 13


def _table(bt: backtest.BacktestResults) -> pd.DataFrame:
    f = bt.to_frame()
    out = pd.DataFrame(
        {
            "crps": f["crps"].round(3),
            "skill": (100 * f["skill"]).round(1),
            "skill_low": (100 * f["low"]).round(1),
            "skill_high": (100 * f["high"]).round(1),
            "vs": f["baseline"],
            "cov50": (100 * f["cover50"]).round(1),
            "cov90": (100 * f["cover90"]).round(1),
            "cov90_att": (100 * f["cover90_attacks"]).round(1),
            "cov90_closed": (100 * f["cover90_closed"]).round(1),
            "n": f["n"].astype(int),
        }
    )
    return out


def _rule(bt: backtest.BacktestResults) -> str:
    """auto's documented rule on the selection span: does a component alone beat the mixture
    (mean CRPS over horizons 1-4 per origin, block-bootstrap 95% interval excluding 0)?"""
    s = bt.scored
    per_origin = s.pivot_table(index="origin", columns="model", values="crps", aggfunc="mean")
    rng = np.random.default_rng(SEED)
    lines = []
    winner = None
    for m in outlook.AUTO_COMPONENTS:
        skill, lo, hi = backtest.block_bootstrap_skill(
            per_origin[m].to_numpy(), per_origin["auto"].to_numpy(), bt.block, rng
        )
        lines.append(
            f"  {m} alone vs the mixture: CRPS skill {100 * skill:+.1f}% "
            f"(95% interval {100 * lo:+.1f}% to {100 * hi:+.1f}%)"
        )
        if lo > 0:
            winner = m
    verdict = (
        f"  verdict: {winner} alone is better; set AUTO_COMPONENTS = ('{winner}',)"
        if winner
        else "  verdict: no component alone is better: auto stays the equal mixture"
    )
    return "\n".join([*lines, verdict])


def _goal(bt: backtest.BacktestResults, label: str) -> str:
    f = bt.to_frame().loc[("auto", 1)]
    better = f["skill"] >= 0.10 and f["low"] > 0
    cover = 0.85 <= f["cover90"] <= 0.95 and 0.85 <= f["cover90_attacks"] <= 0.95
    return (
        f"{label}: auto one-week skill {100 * f['skill']:+.1f}% against {f['baseline']} "
        f"(95% interval {100 * f['low']:+.1f}% to {100 * f['high']:+.1f}%): "
        f"{'MET' if better else 'NOT MET'} (goal >= +10%, interval excluding 0); 90% coverage "
        f"{100 * f['cover90']:.1f}%, on weeks with attacks {100 * f['cover90_attacks']:.1f}%: "
        f"{'MET' if cover else 'NOT MET'} (goal 85-95%)"
    )


def main(quick: bool = False) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)
        weekly = counts(load_incidents(), "W-MON")
    end = "2020-12-28" if quick else None
    n_samples = 300 if quick else 1000
    t0 = time.perf_counter()
    bt = backtest.backtest(
        weekly, start="2020-01-06", end=end, horizon=4, seed=SEED, n_samples=n_samples
    )
    seconds = time.perf_counter() - t0
    print(
        f"Weekly confirmed attacks {weekly.index[0]:%Y-%m-%d} to {weekly.index[-1]:%Y-%m-%d} "
        f"({int(weekly.sum())} attacks); {bt.n_origins} origins from {bt.start:%Y-%m-%d} to "
        f"{bt.end:%Y-%m-%d}, horizons 1-4, {n_samples} samples per forecast, seed {SEED}: "
        f"{seconds:.0f} s ({seconds / bt.n_origins:.2f} s per origin, all six models)"
    )
    print("skill: % CRPS improvement on the best baseline; coverage in %; randomised intervals\n")
    pd.set_option("display.width", 200)
    spans = [("selection", None, SELECTION_END)]
    if not quick:
        spans += [("held out (2023-24)", HOLDOUT_START, None), ("all", None, None)]
    results = {}
    for label, lo, hi in spans:
        sub = bt.between(lo, hi)
        results[label] = sub
        print(f"== {label}: targets {sub.scored['target'].min():%Y-%m-%d} to "
              f"{sub.scored['target'].max():%Y-%m-%d}, {sub.n_origins} origins")  # fmt: skip
        print(_table(sub).to_string())
        print()
    print("auto's rule, on the selection span only:")
    print(_rule(results["selection"]))
    print()
    for label, sub in results.items():
        print(_goal(sub, label))
    pit = results[spans[-1][0]].pit
    auto1 = pit[(pit["model"] == "auto") & (pit["horizon"] == 1)]["pit"]
    hist = np.histogram(auto1, bins=5, range=(0, 1))[0]
    print(f"auto one-week PIT, fifths of [0, 1] ({spans[-1][0]}): {hist.tolist()}")
    if not math.isfinite(seconds):  # pragma: no cover
        sys.exit(1)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
