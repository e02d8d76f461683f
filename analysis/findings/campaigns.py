"""Findings of every campaign for the build: one table, written as findings.csv and .json.

:func:`campaign_findings` runs :func:`~analysis.findings.evaluation.evaluate` once per campaign
of the case (:func:`analysis.data.campaigns.campaigns`; fit window = the campaign's span, so a
baseline never reaches into another campaign or the quiet year between) and lists events outside
every campaign as not graded; :func:`write_findings` writes the table atomically.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.atomic import write_atomic
from analysis.data import campaigns as case_campaigns
from analysis.data.campaigns import Campaign
from analysis.findings import grades, words
from analysis.findings.evaluation import (
    COLUMNS,
    EFFECT,
    EXCITATION,
    HORIZON_DAYS,
    MARKER_GAP_DAYS,
    SEASONALITY,
    TREND,
    check_options,
    evaluate,
)

__all__ = [
    "BUILD_COLUMNS",
    "campaign_findings",
    "findings_csv",
    "method_constants",
    "write_findings",
]

#: columns of the build's table: the campaign, then those of every findings table
BUILD_COLUMNS = ["campaign", *COLUMNS]


def campaign_findings(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    campaigns: Sequence[Campaign] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """One findings row per event: each campaign's events evaluated together over its span;
    events in no campaign listed as not graded. Seconds per campaign in ``.attrs["seconds"]``.
    ``campaigns`` default to the case's (:func:`analysis.data.campaigns.campaigns`)."""
    check_options(**options)
    if campaigns is None:
        campaigns = case_campaigns.campaigns()
    parts, seconds = [], {}
    dates = pd.to_datetime(events["date"]).dt.normalize()
    inside = pd.Series(False, index=events.index)
    for c in campaigns:
        held = (dates >= c.start) & (dates <= c.end)
        inside |= held
        t0 = time.perf_counter()
        res = evaluate(incidents, events[held], start=c.start, end=c.end, **options)
        seconds[c.key] = round(time.perf_counter() - t0, 2)
        parts.append(res.to_frame().assign(campaign=c.key))
    rest = events[~inside]
    if len(rest):
        frame = pd.DataFrame({c: math.nan for c in COLUMNS}, index=range(len(rest)))
        frame = frame.astype(object)
        frame["event_id"] = rest["event_id"].astype(str).to_numpy()
        frame["date"] = dates[~inside].to_numpy()
        labels = rest["label"] if "label" in rest.columns else rest["event_id"]
        frame["label"] = labels.astype(str).to_numpy()
        frame["category"] = rest["category"].to_numpy()
        frame["horizon_days"] = options.get("horizon_days", HORIZON_DAYS)
        frame["grade"] = "not_graded"
        frame["not_graded_reason"] = "outside every campaign"
        frame[["joint_grade", "group"]] = ""
        frame["sentence"] = [words.sentence(r) for r in frame.to_dict("records")]
        parts.append(frame.assign(campaign=""))
    table = pd.concat(parts, ignore_index=True)[BUILD_COLUMNS]
    table = table.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)
    table.attrs["seconds"] = seconds
    return table


def method_constants() -> dict[str, Any]:
    """The fixed choices of the primary analysis, for the JSON file and the methods page."""
    return {
        "model": "self-exciting point process with event steps (analysis.models.attribution)",
        "effect": EFFECT,
        "trend": TREND,
        "seasonality": SEASONALITY,
        "excitation": EXCITATION,
        "horizon_days": HORIZON_DAYS,
        "marker_gap_days": MARKER_GAP_DAYS,
        "no_change_band": list(grades.NO_CHANGE_BAND),
        "max_spread": grades.MAX_SPREAD,
        "min_attacks": grades.MIN_ATTACKS,
        "alpha": grades.ALPHA,
        "multiplicity": "Holm over the events (or inseparable groups) tested in one campaign",
    }


def _plain(x: Any) -> Any:
    if isinstance(x, pd.Timestamp):
        return f"{x:%Y-%m-%d}"
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x.item() if hasattr(x, "item") else x


def findings_csv(table: pd.DataFrame) -> str:
    """``table`` as ``findings.csv`` holds it: dates as YYYY-MM-DD, floats as ``repr``."""
    out = table.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n")


def write_findings(table: pd.DataFrame, folder: Path | str) -> tuple[Path, Path]:
    """Write ``table`` as ``findings.csv`` and ``findings.json`` (with the method's constants)
    in ``folder``, atomically; returns both paths."""
    folder = Path(folder)
    csv_path, json_path = folder / "findings.csv", folder / "findings.json"
    write_atomic(csv_path, findings_csv(table))
    records = [{k: _plain(v) for k, v in r.items()} for r in table.to_dict("records")]
    doc = {"method": method_constants(), "findings": records}
    write_atomic(json_path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return csv_path, json_path
