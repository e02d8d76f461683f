"""Speed of the five models on ten years of daily data (3,650 days; 10,000 events for Hawkes).

Prints each model's fit time and the total; the target is under 2 seconds in total on a 2-core
machine. Run: ``.venv/bin/python benchmarks/models_speed.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from analysis.models import changepoints, counterfactual, hawkes, its, windows


def _daily_series(seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2014-01-01", periods=3650, freq="D")
    rate = np.where(np.arange(3650) < 2000, 2.0, 3.5)
    return pd.Series(rng.poisson(rate), index=index, name="incidents")


def main(quick: bool = False) -> dict:
    y = _daily_series()
    events = {"event_a": "2019-06-24", "event_b": "2016-03-01", "event_c": "2021-01-15"}
    # about 10,000 events in continuous time (2 per day background, branching ratio 0.5)
    times = hawkes.simulate(2.0, 0.5, 1.5, start="2014-01-01", end="2020-11-05", seed=1)
    timings: dict[str, float] = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - t0

    timed("its.fit", lambda: its.fit(y, {"event_a": events["event_a"]}))
    timed("windows.compare", lambda: windows.compare(y, events, days=30))
    timed("changepoints.detect", lambda: changepoints.detect(y))
    timed("hawkes.fit", lambda: hawkes.fit(times))
    timed("counterfactual.fit", lambda: counterfactual.fit(y, pd.Timestamp(events["event_a"])))
    total = sum(timings.values())
    # the same events known only to the day: ties handled by within-day jitter (5 draws)
    timed("hawkes.fit (day-rounded)", lambda: hawkes.fit(times.normalize()))
    print(f"series: {len(y)} daily points; Hawkes events: {len(times)}")
    for name, seconds in timings.items():
        print(f"  {name:<26} {seconds:7.3f} s")
        if name == "counterfactual.fit":
            print(f"  {'total of the five':<26} {total:7.3f} s   (target: < 2 s)")
    return {"timings": timings, "total": total, "n_events": len(times)}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
