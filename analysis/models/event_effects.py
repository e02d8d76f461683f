"""The effects table of the two attribution models (:mod:`~analysis.models.attribution` and its
count cross-check :mod:`~analysis.models.count_attribution`): which events, which of them the
data cannot separate, and one row per event or cluster of events.

Both models estimate one log rate ratio per event; events whose estimates correlate beyond
:data:`CLUSTER_CORRELATION` are reported together (one row ``"a + b"``), so the two tables have
the same rows and the same columns (:data:`EFFECT_COLUMNS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import params
from analysis.events import event_dates
from analysis.models.vocabulary import legacy_names

__all__ = [
    "CLUSTER_CORRELATION",
    "EFFECT_COLUMNS",
    "MIN_ATTACKS",
    "correlated_clusters",
    "effect_row",
    "effects_frame",
    "event_series",
]

#: |correlation| of two events' log rate ratios beyond which they are reported as one cluster
CLUSTER_CORRELATION = 0.9
#: fewest attacks either model attributes
MIN_ATTACKS = 20
#: columns of the ``effects`` table: the rate ratio (after / before) with its 95% interval and
#: two-sided ``p_value``; excess attacks over the horizon with their 95% interval; a pulse's
#: half-life in days with its interval; the cluster's members
EFFECT_COLUMNS = [
    "date",
    "effect",
    "rate_ratio",
    "rate_ratio_low",
    "rate_ratio_high",
    "p_value",
    "excess",
    "excess_low",
    "excess_high",
    "half_life_days",
    "half_life_days_low",
    "half_life_days_high",
    "cluster",
]


def event_series(
    events: pd.DataFrame | Mapping[str, object], event_ids: Sequence[str] | None
) -> pd.Series:
    """Event dates by event id (sorted; ``event_ids`` picks some), at least one, no two on one
    date (their effects could not be told apart): a ParameterError otherwise."""
    if isinstance(events, pd.DataFrame) and "event_id" not in events.columns:
        raise params.fail("events", "a DataFrame with an 'event_id' column", list(events.columns))
    dates = event_dates(events, name="event_id")
    if event_ids is not None:
        wanted = [str(e) for e in event_ids]
        unknown = [e for e in wanted if e not in dates.index]
        if unknown:
            raise params.fail("event_ids", "ids of the events given (unknown ids)", unknown)
        dates = dates.loc[wanted].sort_values(kind="stable")
    if dates.empty:
        raise params.fail("events", "at least one event to attribute", list(dates.index))
    same = dates[dates.duplicated(keep=False)]
    if len(same):
        day = same.iloc[0]
        names = list(same[same == day].index)
        raise params.fail(
            "events",
            f"on distinct dates (these fall on {day:%Y-%m-%d}, so their effects cannot be told "
            "apart: keep one of them or merge them)",
            names,
        )
    return dates


def correlated_clusters(cov: np.ndarray, first: int, n_terms: int) -> list[list[int]]:
    """Groups of the ``n_terms`` event terms (parameters ``first``, ``first + 1``, ... of
    ``cov``) whose estimates correlate beyond :data:`CLUSTER_CORRELATION` (union-find; an
    infinite variance joins); each term alone otherwise, in order."""
    parent = list(range(n_terms))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    sd = np.sqrt(np.diag(cov))
    for i in range(n_terms):
        for j in range(i + 1, n_terms):
            a, b = first + i, first + j
            r = cov[a, b] / (sd[a] * sd[b]) if np.isfinite(sd[a] * sd[b]) else 1.0
            if not np.isfinite(r) or abs(r) > CLUSTER_CORRELATION:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n_terms):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())


def effect_row(
    log_rr: tuple[float, float, float],
    name: str,
    date: pd.Timestamp,
    effect: str,
    p_value: float,
    excess: tuple[float, float, float],
    half_life: tuple[float, float, float] = (math.nan, math.nan, math.nan),
    cluster: str = "",
) -> dict[str, Any]:
    """One row of the effects table (with its ``event_id``): the log rate ratio and its 95%
    limits exponentiated, excess attacks and half-life (days) as (estimate, low, high)."""
    return {
        "event_id": name,
        "date": date,
        "effect": effect,
        "rate_ratio": math.exp(log_rr[0]),
        "rate_ratio_low": math.exp(log_rr[1]),
        "rate_ratio_high": math.exp(log_rr[2]),
        "p_value": p_value,
        "excess": excess[0],
        "excess_low": excess[1],
        "excess_high": excess[2],
        "half_life_days": half_life[0],
        "half_life_days_low": half_life[1],
        "half_life_days_high": half_life[2],
        "cluster": cluster,
    }


def effects_frame(effects: pd.DataFrame, names: str, model: str) -> pd.DataFrame:
    """The effects table in the common vocabulary: ``estimate`` (the rate ratio), ``low``,
    ``high`` (its 95% interval), ``p_value``, then the other columns as in ``effects``;
    ``names="legacy"``: ``effects`` as before (``rate_ratio``, ``rate_ratio_low``, ...), for one
    release, with a FutureWarning."""
    if legacy_names(names, model):
        return effects.copy()
    return effects.rename(
        columns={"rate_ratio": "estimate", "rate_ratio_low": "low", "rate_ratio_high": "high"}
    )
