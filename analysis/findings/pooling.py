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

A pool's words follow the events' grade rules (:func:`analysis.findings.grades.grade`: "clear"
after Holm's adjustment over the kinds pooled in one scope, "likely" before it, "no change"
inside the band), and a pool of fewer than :data:`MIN_POOLED` events says it is too few to
say anything on balance (:func:`pool_grade`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import case as cases
from analysis import params
from analysis.findings import grades, words
from analysis.results import Results, attr

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BOTH",
    "COLUMNS",
    "GRADED",
    "METHODS",
    "MIN_POOLED",
    "POOL_GRADES",
    "PoolingResults",
    "VARIANT_COLUMNS",
    "answer",
    "noun",
    "pool",
    "pool_grade",
    "pool_units",
    "pool_variants",
    "question",
    "scope_words",
    "units",
    "verdict",
]

#: grades whose figure is pooled (markers, not graded and inseparable rows are not)
GRADED = ("clear_rise", "clear_fall", "likely_rise", "likely_fall", "no_change", "cannot_tell")
#: random-effects estimators of tau² offered by combine_effects: DerSimonian-Laird, Paule-Mandel
METHODS = {"dl": "DerSimonian-Laird", "pm": "Paule-Mandel"}
#: the campaign value of a pool over both campaigns
BOTH = "both"
#: fewest events whose pool is given a verdict: with two, the spread between events (tau²) has
#: one degree of freedom and the interval leans on it, so two events are "too few to say"
MIN_POOLED = 3
#: the grades of a pool: those of an event (:data:`analysis.findings.grades.GRADES`) that a
#: figure can get, and "too_few_events"
POOL_GRADES = (*GRADED, "too_few_events")
#: columns of :meth:`PoolingResults.to_frame` (and of the site's categories.csv); the first
#: eleven are categories.csv's documented columns, the grade and p-values follow them
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
    "grade",
    "p",
    "p_adjusted",
]
#: columns of :func:`pool_variants`: which findings table, then :data:`COLUMNS`
VARIANT_COLUMNS = ["horizon_days", "confirmation", "primary", *COLUMNS]
_Z = 1.959963984540054  # the 97.5% normal quantile


def noun(category: str, n: int) -> str:
    """A category as a noun for ``n`` events ("US strike", "US strikes"), from the case file's
    ``event_kinds`` (:meth:`analysis.case.Case.kind`)."""
    kind = cases.current().kind(category)
    return kind.one if n == 1 else kind.many


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
    pooled rate ratio, its 95% interval, tau² (log scale), I² (0-1) and the two-sided p-value
    of "no change" (the normal test behind the interval)."""
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
    eff, lo, hi, sd = (float(frame.loc[which, k]) for k in ("eff", "ci_low", "ci_upp", "sd_eff"))
    q, df = float(res.q), float(res.df)
    return {
        "pooled_estimate": math.exp(eff),
        "low": math.exp(lo),
        "high": math.exp(hi),
        "tau2": max(tau2, 0.0),
        "i2": (q - df) / q if q > df else 0.0,  # Higgins' I², 0 when Q <= df (and Q = 0)
        "p": math.erfc(abs(eff / sd) / math.sqrt(2)) if sd > 0 else math.nan,  # two-sided z
    }


def pool_grade(n_events: int, low: float, high: float, p_adjusted: float) -> str:
    """The grade of a pool of ``n_events`` (:data:`POOL_GRADES`): "too_few_events" below
    :data:`MIN_POOLED`, else an event's rules (:func:`analysis.findings.grades.grade`) on the
    pooled 95% interval and its Holm-adjusted p-value. The events' minimum-attack rule is not
    applied again: each event's interval already carries its own count."""
    if n_events < MIN_POOLED or not (math.isfinite(low) and math.isfinite(high)):
        return "too_few_events"
    return grades.grade(low, high, p_adjusted, grades.MIN_ATTACKS, False)


#: what a pool's grade says of a kind of event the case file words no verdicts for
_OTHER_VERDICTS = {
    "clear_rise": "on balance a clear rise",
    "likely_rise": "likely a rise, not clear across all kinds tested",
    "clear_fall": "on balance a clear fall",
    "likely_fall": "likely a fall, not clear across all kinds tested",
    "no_change": "no change that matters",
    "cannot_tell": "no clear change either way",
}


def question(category: str) -> str:
    """What analysts ask of ``category``: "whether US strikes deter or provoke" (the case file's
    ``event_kinds``), else "what <kinds> do on balance"."""
    return cases.current().kind(category).asks or f"what {noun(category, 2)} do on balance"


def verdict(category: str, grade: str) -> str:
    """What a pool of ``category`` graded ``grade`` (:data:`POOL_GRADES`) says, in words."""
    params.one_of("grade", grade, POOL_GRADES)
    if grade == "too_few_events":
        return f"too few events to say {question(category)}"
    return (cases.current().kind(category).verdicts or _OTHER_VERDICTS)[grade]


def category_sentence(
    category: str, n: int, est: float, low: float, high: float, i2: float, grade: str
) -> str:
    """One plain sentence for a pool of ``n`` events of ``category`` graded ``grade``."""
    many = noun(category, n)
    figure = (
        f"Across {n} {many} the tempo after them was {words.ratio(est)} times that expected "
        f"without them ({words.ratio(low)} to {words.ratio(high)})"
    )
    if grade == "too_few_events":
        return f"{figure}, but {n} events are too few to say {question(category)}."
    spread = (
        f"the {many} differ more than chance would make them"
        if i2 >= 0.5
        else f"the {many} differ no more than chance would make them"
    )
    return f"{figure}: {verdict(category, grade)}; {spread} (I² = {i2:.0%})."


def scope_words(campaign: str) -> str:
    """A pool's scope as a noun phrase: a campaign key as "the 2019–2021 campaign" (its name in
    the case file), :data:`BOTH` as "both campaigns", "all 3 campaigns" or, for a case of one
    campaign or none, that campaign or "the whole record"."""
    named = {c.key: c.label for c in cases.current().campaigns}
    if campaign != BOTH:
        return f"the {named[campaign]}" if campaign in named else campaign
    if len(named) == 2:
        return "both campaigns"
    if len(named) == 1:
        return f"the {next(iter(named.values()))}"
    return f"all {len(named)} campaigns" if named else "the whole record"


def _single_sentence(category: str, campaign: str, n: int) -> str:
    where = f"across {scope_words(campaign)}" if campaign == BOTH else f"in {scope_words(campaign)}"
    if n == 0:
        return f"No graded, separable {noun(category, 1)} {where}: nothing to pool."
    return f"Only one graded, separable {noun(category, 1)} {where}: nothing to pool."


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
                labels.append(f"{noun(str(cat), 2)}: pooled")
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
    each category and campaign, and both campaigns together, with two or more pooled rows.
    "Clear" is Holm-adjusted over the kinds given a verdict in one scope (a campaign, or both)."""
    params.one_of("method", method, tuple(METHODS))
    found = units(table)
    campaigns = sorted(str(c) for c in table["campaign"].dropna().unique() if str(c))
    rows = []
    present = set(table["category"].astype(str))
    first = [c for c in cases.current().questions if c in present]  # the questions asked first
    nan = dict.fromkeys(("pooled_estimate", "low", "high", "tau2", "i2", "p"), math.nan)
    for cat in [*first, *sorted(present - set(first))]:
        for camp in [*campaigns, BOTH]:
            part = found[found["category"] == cat]
            if camp != BOTH:
                part = part[part["campaign"] == camp]
            row = {"category": cat, "campaign": camp, "method": method, "n_events": len(part)}
            row["events"] = ";".join(part["events"])
            got = pool_units(part["log_rr"].to_numpy(), part["se"].to_numpy(), method)
            rows.append(row | (got if len(part) >= 2 else nan))
    pools = pd.DataFrame(rows)
    # Holm over the kinds of one scope that get a verdict (MIN_POOLED events or more)
    pools["p_adjusted"] = math.nan
    for _, part in pools.groupby("campaign", sort=False):
        tested = part[part["n_events"] >= MIN_POOLED]
        pools.loc[tested.index, "p_adjusted"] = grades.adjust(tested["p"].to_numpy(float))
    pools["grade"] = [
        pool_grade(int(r.n_events), r.low, r.high, r.p_adjusted) if r.n_events >= 2 else ""
        for r in pools.itertuples()
    ]
    pools["sentence"] = [
        category_sentence(
            str(r.category), int(r.n_events), r.pooled_estimate, r.low, r.high, r.i2, r.grade
        )
        if r.n_events >= 2
        else _single_sentence(str(r.category), str(r.campaign), int(r.n_events))
        for r in pools.itertuples()
    ]
    return PoolingResults(pools=pools[COLUMNS], units=found, method=method)


def answer(table: pd.DataFrame, pools: pd.DataFrame, category: str, campaign: str) -> str:
    """The answer to :func:`question` for ``category`` in ``campaign`` (or :data:`BOTH`), one
    sentence with an interval: the pool's sentence when two or more events count, else the one
    event's own figure; then how many events of the kind could not be told apart from others."""
    hit = pools[(pools["category"] == category) & (pools["campaign"] == campaign)]
    together = campaign == BOTH and len(cases.current().campaigns) > 1
    where = f"In {scope_words(campaign)}" + (" together" if together else "")
    scope = table if campaign == BOTH else table[table["campaign"] == campaign]
    counted = set(";".join(hit["events"].astype(str)).split(";"))
    of_kind = scope[(scope["category"] == category) & (scope["grade"] == "inseparable")]
    left_out = int((~of_kind["event_id"].astype(str).isin(counted)).sum())
    n = int(hit["n_events"].iloc[0]) if len(hit) else 0
    if n >= 2:
        said = str(hit["sentence"].iloc[0])
        text = f"{where}, {said[0].lower()}{said[1:]}"
    elif n == 1:
        eid = str(hit["events"].iloc[0]).split(";")[0]
        said = str(table.loc[table["event_id"] == eid, "sentence"].iloc[0])
        text = (
            f"{where} only one {noun(category, 1)} can be graded apart from the events around "
            f"it: {said[0].lower()}{said[1:]}"
        )
    else:
        text = f"{where} no {noun(category, 1)} can be graded on its own."
    if left_out:
        verb = "was" if left_out == 1 else "were"
        text += (
            f" {left_out} other {noun(category, left_out)} {verb} too close to events of other "
            "kinds to be told apart, and not counted."
        )
    return text


def pool_variants(
    tables: Mapping[tuple[int, str], pd.DataFrame], method: str = "pm"
) -> pd.DataFrame:
    """:func:`pool` of each findings table in ``tables`` (by (horizon_days, confirmation), the
    primary first: :func:`analysis.findings.store.variants`), stacked with those options and
    ``primary`` (True for the first) in front (:data:`VARIANT_COLUMNS`)."""
    parts = []
    for i, ((days, confirmation), found) in enumerate(tables.items()):
        pools = pool(found, method).pools
        pools.insert(0, "primary", i == 0)
        pools.insert(0, "confirmation", confirmation)
        pools.insert(0, "horizon_days", int(days))
        parts.append(pools)
    return pd.concat(parts, ignore_index=True)[VARIANT_COLUMNS]
