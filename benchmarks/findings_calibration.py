"""Calibration of the findings' grades (:mod:`analysis.findings`) on simulated campaigns.

Each run is a two-year campaign (``analysis.findings.calibration``): ten events, one every ~66
days, a background of 0.3 attacks a day (about the 2019-2021 campaign's tempo), self-excitation
with branching ratio 0.3 and decay 0.5 per day, attacks recorded to the day. Scenarios:

- **null**: no event does anything;
- **tripling**: event e5 triples the rate from its date (a lasting step);
- **halving**: event e5 halves it;
- **bursty null**: no effects, branching ratio 0.6 (long bursts of attacks);
- **bursty null, no excitation fitted**: the same data fitted as a Poisson process (the
  analysis's self-excitation switched off), to show why the primary analysis fits it.

Printed per scenario: share of events graded clear (goal <= 5% without effects), share of runs
with any clear grade (Holm's family-wise rate, nominal 5%), share graded likely, coverage of the
95% intervals of the true rate ratio, and for e5 the share of each grade and the median estimate.
Run: ``.venv/bin/python benchmarks/findings_calibration.py [--runs N]`` (default 200 runs a
scenario, about a minute each on one core).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from analysis.findings import calibration, evaluation

SCENARIOS = {
    "null": ({}, {}, True),
    "tripling": ({"e5": 3.0}, {}, True),
    "halving": ({"e5": 0.5}, {}, True),
    "bursty null": ({}, {"branching_ratio": 0.6}, True),
    "bursty null, no excitation fitted": ({}, {"branching_ratio": 0.6}, False),
}


def summarise(table: pd.DataFrame) -> dict[str, float]:
    """The calibration figures of one scenario's table (see the module docstring)."""
    graded = table[~table["grade"].isin(["marker", "not_graded"])]
    clear = graded["grade"].str.startswith("clear") | graded["joint_grade"].str.startswith("clear")
    likely = graded["grade"].str.startswith("likely")
    e5 = graded[graded["event_id"] == "e5"]
    shares = e5["grade"].value_counts(normalize=True)
    return {
        "events": len(graded),
        "clear %": 100 * clear.mean(),
        "runs any clear %": 100 * clear.groupby(graded["run"]).any().mean(),
        "likely %": 100 * likely.mean(),
        "no_change %": 100 * (graded["grade"] == "no_change").mean(),
        "coverage %": 100 * graded["covered"].astype(float).mean(),
        "e5 clear_rise %": 100 * shares.get("clear_rise", 0.0),
        "e5 likely_rise %": 100 * shares.get("likely_rise", 0.0),
        "e5 clear_fall %": 100 * shares.get("clear_fall", 0.0),
        "e5 likely_fall %": 100 * shares.get("likely_fall", 0.0),
        "e5 no_change %": 100 * shares.get("no_change", 0.0),
        "e5 cannot_tell %": 100 * shares.get("cannot_tell", 0.0),
        "e5 median estimate": float(np.nanmedian(e5["estimate"])),
    }


def main(argv: list[str]) -> None:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 200
    rows = {}
    for name, (effects, simulation, excitation) in SCENARIOS.items():
        t0 = time.perf_counter()
        evaluation.EXCITATION = excitation  # the benchmark's contrast only; restored below
        try:
            table = calibration.calibrate(runs, effects, seed=1000, **simulation)
        finally:
            evaluation.EXCITATION = True
        rows[name] = summarise(table)
        rows[name]["seconds"] = time.perf_counter() - t0
        print(f"{name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    out = pd.DataFrame(rows).T
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(f"{runs} runs per scenario, 10 events per run")
        print(out.round(1).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
