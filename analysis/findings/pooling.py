"""Across events of one kind: do US strikes deter or provoke, do truces hold? Findings pooled.

Each category's graded events (their log rate ratios from the build's findings table) are
combined in a random-effects meta-analysis (statsmodels ``combine_effects``, Paule-Mandel by
default; DerSimonian-Laird on request, its tau² truncated at zero as published, which
statsmodels 0.15 does not do), per campaign and for both
campaigns together. A rate ratio's standard error comes from its 95% interval on the log
scale: (log(high) - log(low)) / (2 x 1.96).

Which rows count: events graded clear_*/likely_*/no_change/cannot_tell with a finite estimate
and interval. An inseparable group is one figure for several events: it counts once, in a
category only when every member belongs to that category (else the figure cannot be given to
any one kind of event and it is left out). Events of one campaign share its trend and bursts:
they are not independent experiments, so the pooled interval is a summary, not a test.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import params
from analysis.findings import words
from analysis.results import Results, attr

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BOTH",
    "CATEGORY_WORDS",
    "COLUMNS",
    "GRADED",
    "METHODS",
    "PoolingResults",
    "pool",
    "pool_units",
    "units",
    "verdict",
]

#: grades whose figure is pooled (markers, not graded and inseparable rows are not)
GRADED = ("clear_rise", "clear_fall", "likely_rise", "likely_fall", "no_change", "cannot_tell")
#: random-effects estimators of tau² offered by combine_effects: DerSimonian-Laird, Paule-Mandel
METHODS = {"dl": "DerSimonian-Laird", "pm": "Paule-Mandel"}
#: the campaign value of a pool over both campaigns
BOTH = "both"
#: a category as a plural noun ("Across 5 US strikes ...")
CATEGORY_WORDS = {
    "us_strike": ("US strike", "US strikes"),
    "truce": ("truce", "truces"),
    "militia_attack": ("militia attack", "militia attacks"),
    "iran_strike": ("Iranian strike", "Iranian strikes"),
    "political": ("political event", "political events"),
    "diplomatic": ("diplomatic event", "diplomatic events"),
    "threat": ("threat", "threats"),
    "military_posture": ("change of US posture", "changes of US posture"),
}
#: columns of :meth:`PoolingResults.to_frame` (and of the site's categories.csv)
COLUMNS = [
    "category",
    "campaign",
    "pooled_estimate",
    "low",
    "high",
    "method",
    "tau2",
    "i2",
    "n_events",
    "events",
    "sentence",
]
_Z = 1.959963984540054  # the 97.5% normal quantile


def _noun(category: str, n: int) -> str:
    one, many = CATEGORY_WORDS.get(category, (category.replace("_", " "), None))
    return one if n == 1 else (many or f"{one} events")


def units(table: pd.DataFrame) -> pd.DataFrame:
    """The pooled rows of a findings table: one per graded event and one per inseparable group
    whose members all share a category. Columns: category, campaign, events (ids joined by
    ";"), estimate, low, high, log_rr, se (log-scale standard error)."""
    rows = []
    seen: set[tuple[str, ...]] = set()
    cats = dict(zip(table["event_id"].astype(str), table["category"].astype(str), strict=True))
    for r in table.to_dict("records"):
        grade = str(r["grade"])
        est, low, high = (float(r[k]) for k in ("estimate", "low", "high"))
        finite = all(math.isfinite(x) for x in (est, low, high)) and 0 < low <= est <= high
        if not finite:
            continue
        if grade == "inseparable":
            if str(r.get("joint_grade") or "") not in GRADED:
                continue
            ids = tuple(sorted({str(r["event_id"]), *str(r.get("group") or "").split(";")} - {""}))
            if ids in seen or len({cats.get(i) for i in ids}) != 1:
                continue  # counted once, and only when the whole group is of one kind
            seen.add(ids)
        elif grade in GRADED:
            ids = (str(r["event_id"]),)
        else:
            continue
        se = (math.log(high) - math.log(low)) / (2 * _Z)
        if not se > 0:
            continue
        rows.append(
            {
                "category": str(r["category"]),
                "campaign": str(r["campaign"]),
                "events": ";".join(ids),
                "estimate": est,
                "low": low,
                "high": high,
                "log_rr": math.log(est),
                "se": se,
            }
        )
    cols = ["category", "campaign", "events", "estimate", "low", "high", "log_rr", "se"]
    return pd.DataFrame(rows, columns=cols)


def pool_units(log_rr: np.ndarray, se: np.ndarray, method: str = "pm") -> dict[str, float]:
    """Random-effects pool of log rate ratios ``log_rr`` with standard errors ``se``:
    pooled rate ratio, its 95% interval, tau² (log scale) and I² (0-1)."""
    from statsmodels.stats.meta_analysis import combine_effects

    params.one_of("method", method, tuple(METHODS))
    with np.errstate(invalid="ignore", divide="ignore"):  # its unused WLS variants warn
        res = combine_effects(
            np.asarray(log_rr, float), np.asarray(se, float) ** 2, method_re=method
        )
        frame = res.summary_frame()
    tau2 = float(res.tau2)
    # DerSimonian-Laird truncated at zero, as published (statsmodels 0.15 leaves it negative):
    # no spread beyond chance, so the random-effects pool is the fixed-effect one
    which = "fixed effect" if tau2 < 0 else "random effect"
    eff, lo, hi = (float(frame.loc[which, k]) for k in ("eff", "ci_low", "ci_upp"))
    q, df = float(res.q), float(res.df)
    return {
        "pooled_estimate": math.exp(eff),
        "low": math.exp(lo),
        "high": math.exp(hi),
        "tau2": max(tau2, 0.0),
        "i2": (q - df) / q if q > df else 0.0,  # Higgins' I², 0 when Q <= df (and Q = 0)
    }


def verdict(category: str, low: float, high: float) -> str:
    """What the pooled interval says, in the words analysts ask the question in."""
    if category == "us_strike":
        if low > 1:
            return "on balance they provoked more attacks"
        if high < 1:
            return "on balance they deterred attacks"
        return "no clear deterrent or provoking effect"
    if category == "truce":
        if high < 1:
            return "on balance they held"
        if low > 1:
            return "attacks came faster, not slower"
        return "no clear sign that they held"
    if low > 1:
        return "on balance a rise"
    if high < 1:
        return "on balance a fall"
    return "no clear change either way"


def category_sentence(category: str, n: int, est: float, low: float, high: float, i2: float) -> str:
    """One plain sentence for a pool of ``n`` events of ``category``."""
    many = _noun(category, n)
    spread = (
        f"the {many} differ more than chance would make them"
        if i2 >= 0.5
        else f"the {many} differ no more than chance would make them"
    )
    return (
        f"Across {n} {many} the tempo in the 30 days after was {words.ratio(est)} times that "
        f"expected without them ({words.ratio(low)} to {words.ratio(high)}): "
        f"{verdict(category, low, high)}; {spread} (I² = {i2:.0%})."
    )


def _single_sentence(category: str, campaign: str, n: int) -> str:
    where = "across both campaigns" if campaign == BOTH else f"in {campaign}"
    if n == 0:
        return f"No graded, separable {_noun(category, 1)} {where}: nothing to pool."
    return f"Only one graded, separable {_noun(category, 1)} {where}: nothing to pool."


@dataclasses.dataclass(repr=False, eq=False)
class PoolingResults(Results):
    """Random-effects pools of each category's findings, per campaign and both together."""

    title = "Findings pooled by category"

    pools: pd.DataFrame = attr(
        "one row per category and campaign (or 'both'): pooled rate ratio, 95% interval, method, "
        "tau² (log scale), I² (0-1), number of events and their ids (';'), one sentence"
    )
    units: pd.DataFrame = attr(
        "the pooled rows: one per graded event (or one-category inseparable group), with its "
        "rate ratio, 95% interval, log rate ratio and log-scale standard error"
    )
    method: str = attr("random-effects estimator of tau²: 'pm' (Paule-Mandel) or 'dl'")

    def to_frame(self) -> pd.DataFrame:
        """The pools, one row per category and campaign (:data:`COLUMNS`)."""
        return self.pools.copy()

    def summary(self) -> str:
        """One sentence per pooled category (both campaigns), and the caveat."""
        both = self.pools[self.pools["campaign"] == BOTH]
        lines = [f"{self.title} ({METHODS[self.method]} random effects)"]
        lines += [f"- {s}" for s in both["sentence"]]
        lines.append(
            "Events are not independent experiments: those of one campaign share its trend "
            "and its bursts of attacks."
        )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Forest chart: each pooled row's rate ratio and 95% interval on a log axis, then the
        pools over both campaigns (diamonds)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.3 * (len(self.units) + 8) + 1))
        labels, y = [], 0
        for cat, part in self.units.groupby("category", sort=True):
            for r in part.itertuples():
                ax.plot([r.low, r.high], [y, y], color="0.4", lw=1)
                ax.plot([r.estimate], [y], "s", color="0.2", ms=4)
                labels.append(f"{r.events.replace(';', ' + ')} ({r.campaign})")
                y -= 1
            pooled = self.pools[(self.pools["category"] == cat) & (self.pools["campaign"] == BOTH)]
            for p in pooled.dropna(subset=["pooled_estimate"]).itertuples():
                ax.plot([p.low, p.high], [y, y], color="C0", lw=2)
                ax.plot([p.pooled_estimate], [y], "D", color="C0", ms=6)
                labels.append(f"{_noun(str(cat), 2)}: pooled")
                y -= 1
        ax.axvline(1, color="0.6", lw=0.8, ls="--")
        ax.set_xscale("log")
        ticks = [0.01, 0.1, 0.5, 1, 2, 10, 100]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.set_yticks(range(0, y, -1), labels, fontsize=8)
        ax.set_xlabel("rate ratio (95% interval): tempo after / tempo expected without")
        return ax


def pool(table: pd.DataFrame, method: str = "pm") -> PoolingResults:
    """Pool the findings table ``table`` (``analysis.findings.store.table()``) by category: for
    each category and campaign, and both campaigns together, with two or more pooled rows."""
    params.one_of("method", method, tuple(METHODS))
    found = units(table)
    campaigns = sorted(str(c) for c in table["campaign"].dropna().unique() if str(c))
    rows = []
    present = set(table["category"].astype(str))
    first = [c for c in ("us_strike", "truce") if c in present]  # the questions analysts ask
    for cat in [*first, *sorted(present - set(first))]:
        for camp in [*campaigns, BOTH]:
            part = found[found["category"] == cat]
            if camp != BOTH:
                part = part[part["campaign"] == camp]
            row = {"category": cat, "campaign": camp, "method": method, "n_events": len(part)}
            row["events"] = ";".join(part["events"])
            if len(part) >= 2:
                got = pool_units(part["log_rr"].to_numpy(), part["se"].to_numpy(), method)
                row |= got
                row["sentence"] = category_sentence(
                    cat, len(part), got["pooled_estimate"], got["low"], got["high"], got["i2"]
                )
            else:
                row |= dict.fromkeys(("pooled_estimate", "low", "high", "tau2", "i2"), math.nan)
                row["sentence"] = _single_sentence(cat, camp, len(part))
            rows.append(row)
    return PoolingResults(pools=pd.DataFrame(rows, columns=COLUMNS), units=found, method=method)
