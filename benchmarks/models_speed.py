"""Speed of the five models on ten years of daily data (3,650 days; 10,000 events for Hawkes).

Prints each model's fit time and the total; the target is under 2 seconds in total on a 2-core
machine. Attribution is timed apart (its own targets): the shipped 2019-21 campaign (confirmed
day-dated attacks, four events, nested models included) under 2 s, and 10,000 simulated attacks
with 10 events under 5 s. Run: ``.venv/bin/python benchmarks/models_speed.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from analysis.models import attribution, changepoints, counterfactual, hawkes, its, windows


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

    timed("its.fit", lambda: its.fit(y, events={"event_a": events["event_a"]}))
    timed("windows.compare", lambda: windows.compare(y, events=events, days=30))
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
    timings.update(_attribution())
    return {"timings": timings, "total": total, "n_events": len(times)}


def _attribution() -> dict[str, float]:
    """Attribution: the shipped campaign (target < 2 s); 10,000 attacks, 10 events (< 5 s)."""
    from analysis.briefs import attack_times
    from analysis.data import load_events, load_incidents

    campaign = attack_times(load_incidents(), "2019-10-01", "2021-12-31")
    ids = ["k1_attack", "suleimani_strike", "pompeo_embassy_threat", "militia_truce_oct2020"]
    events = load_events()
    dates = pd.date_range("2014-06-01", periods=10, freq="240D")
    effects = {f"e{i}": (d, 1.5 if i % 2 == 0 else 0.7) for i, d in enumerate(dates)}
    big = attribution.simulate(
        1.4, effects, branching_ratio=0.5, decay=1.5, start="2014-01-01", end="2021-01-01", seed=1
    )
    out = {}
    t0 = time.perf_counter()
    attribution.fit(campaign, events=events, event_ids=ids, start="2019-10-01", end="2022-01-01")
    out["attribution.fit (shipped)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    marks = {k: v[0] for k, v in effects.items()}
    attribution.fit(big, events=marks, start="2014-01-01", end="2021-01-01")
    out["attribution.fit (10k, 10 ev)"] = time.perf_counter() - t0
    print(
        f"attribution: shipped 2019-21 campaign ({len(campaign)} attacks, 4 events, nested models) "
        f"{out['attribution.fit (shipped)']:.2f} s (target < 2 s); {len(big):,} simulated attacks "
        f"with 10 events {out['attribution.fit (10k, 10 ev)']:.2f} s (target < 5 s)"
    )
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
