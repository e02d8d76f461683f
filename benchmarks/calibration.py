"""Calibration of the models on simulated data with known truth (prints figures; not a test).

- ITS: 95%-interval coverage of a known level rate ratio over 500 overdispersed, autocorrelated
  weekly series: a naive Poisson GLM against ``its.fit`` defaults (target 93-97%).
- Changepoints: F1 of ``changepoints.detect`` against ruptures' PELT with its best built-in cost
  on 300 simulated Poisson series with 0-3 changepoints (target: at least as good).
- Hawkes: estimates against ``tick``'s HawkesExpKern on the same simulated events (agreement
  within 5%), and the ratio of fit times (needs the ``bench`` extra: ``pip install -e .[bench]``).
- Counterfactual: coverage of the cumulative-effect interval.

Run: ``.venv/bin/python benchmarks/calibration.py [--quick]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import calibration_changepoints
import calibration_counterfactual
import calibration_hawkes
import calibration_its


def main(quick: bool = False) -> dict:
    results = {}
    for name, module in [
        ("its", calibration_its),
        ("changepoints", calibration_changepoints),
        ("hawkes", calibration_hawkes),
        ("counterfactual", calibration_counterfactual),
    ]:
        print(f"\n=== {name} ===")
        results[name] = module.main(quick=quick)
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
