"""Calibration of the grades on simulated campaigns whose true event effects are known.

A simulated campaign is a self-exciting process (:func:`analysis.models.attribution.simulate`)
with a fixed set of events at known dates, some with a true step change of the attack rate; its
attacks are recorded to the day, like the dataset's. :func:`calibrate` runs the primary
analysis (:func:`~analysis.findings.evaluation.evaluate`) on many of them and counts the grades:
with no effects, "clear" should fall on at most 5% of events (Holm keeps it to 5% of campaigns);
with a real tripling, "clear rise" should be the usual grade and "no change" never.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.findings.evaluation import evaluate
from analysis.models import attribution

__all__ = ["SIM_END", "SIM_EVENTS", "SIM_START", "calibrate", "simulate_campaign"]

SIM_START = pd.Timestamp("2020-01-01")
SIM_END = pd.Timestamp("2021-12-31")
#: the simulated campaign's events: ten, one every ~66 days, none an attack
SIM_EVENTS = pd.DataFrame(
    {
        "event_id": [f"e{i}" for i in range(1, 11)],
        "date": pd.date_range("2020-02-15", periods=10, freq="66D"),
        "category": ["us_strike", "political"] * 5,
    }
)


def simulate_campaign(
    seed: int,
    effects: Mapping[str, float] | None = None,
    *,
    baseline: float = 0.3,
    branching_ratio: float = 0.3,
    decay: float = 0.5,
) -> pd.DataFrame:
    """Incidents (one ``date`` per attack, to the day) of one simulated campaign:
    ``baseline`` attacks per day, each event of ``effects`` (id -> true rate ratio, a lasting
    step) changing it from its date, attacks triggering ``branching_ratio`` more on average
    after Exp(``decay`` per day) delays."""
    dates = dict(zip(SIM_EVENTS["event_id"], SIM_EVENTS["date"], strict=True))
    steps = {e: (dates[e], rr) for e, rr in (effects or {}).items()}
    times = attribution.simulate(
        baseline,
        steps,
        branching_ratio=branching_ratio,
        decay=decay,
        start=SIM_START,
        end=SIM_END + pd.Timedelta(days=1),
        seed=seed,
    )
    return pd.DataFrame({"date": times.normalize()})


def calibrate(
    n_runs: int,
    effects: Mapping[str, float] | None = None,
    *,
    seed: int = 0,
    **simulation: float,
) -> pd.DataFrame:
    """The findings of ``n_runs`` simulated campaigns (seeds ``seed``, ``seed + 1``, ...), one
    row per event and run, with ``run`` and ``true_ratio`` columns."""
    effects = dict(effects or {})
    out = []
    for k in range(n_runs):
        incidents = simulate_campaign(seed + k, effects, **simulation)
        res = evaluate(incidents, SIM_EVENTS, start=SIM_START, end=SIM_END, n_samples=50)
        frame = res.to_frame()
        frame["run"] = seed + k
        frame["true_ratio"] = frame["event_id"].map(lambda e: effects.get(e, 1.0))
        out.append(frame)
    table = pd.concat(out, ignore_index=True)
    table["covered"] = np.where(
        table["grade"].isin(["marker", "not_graded"]),
        np.nan,
        (table["low"].fillna(0) <= table["true_ratio"])
        & (table["true_ratio"] <= table["high"].fillna(np.inf)),
    )
    return table
