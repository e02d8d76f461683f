"""The one primary analysis of every event: a joint fit per campaign, graded and put in words.

:func:`evaluate` fits every event of a period at once with the self-exciting attribution model
(:func:`analysis.models.attribution.fit`; its form and options are the constants below, fixed
in advance, see ``docs/findings_method.md``) on the attacks of that period only, and gives one
row per event: rate ratio over the horizon (95% interval), excess attacks over the horizon
(feasible interval), attacks before and after, Holm-adjusted p-value, grade, the events it
cannot be separated from and its sentence. :func:`campaign_findings` runs it once per campaign.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis import case as cases
from analysis import params
from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    attach_data,
    describe,
    log_axis,
    new_axes,
)
from analysis.errors import ParameterError
from analysis.findings import grades, words
from analysis.models import attribution
from analysis.results import Results, attr

__all__ = [
    "COLUMNS",
    "EFFECT",
    "EXCITATION",
    "HORIZON_DAYS",
    "MARKER_GAP_DAYS",
    "SEASONALITY",
    "TREND",
    "FindingsResults",
    "Options",
    "attack_series",
    "check_options",
    "evaluate",
    "sampling",
]

#: days after (and before) an event over which its change and excess attacks are stated
HORIZON_DAYS = 30
#: the event terms of the joint fit: a lasting change of the attack rate from the event's date
EFFECT = "step"
#: a log-linear trend of the background over the period
TREND = True
#: annual Fourier pairs of the background (none: a campaign spans one or two years)
SEASONALITY = 0
#: attacks triggering attacks (self-excitation) fitted alongside the events
EXCITATION = True
#: an attack event with no attack in this many days before it opens a new spell: a marker
MARKER_GAP_DAYS = 21
#: parameter draws behind the attribution model's own excess intervals (not used for grades)
N_SAMPLES = 200
#: the fewest attacks in a period the joint fit takes
MIN_PERIOD_ATTACKS = 20
_DAY = pd.Timedelta(days=1)
#: the columns of every findings table, in order
COLUMNS = [
    "event_id",
    "date",
    "label",
    "category",
    "estimate",
    "low",
    "high",
    "p",
    "p_adjusted",
    "excess",
    "excess_low",
    "excess_high",
    "expected_without",
    "attacks_before",
    "attacks_after",
    "horizon_days",
    "grade",
    "joint_grade",
    "group",
    "not_graded_reason",
    "sentence",
]


@dataclass(frozen=True)
class Options:
    """The checked options of :func:`evaluate` (see its docstring)."""

    horizon_days: int = HORIZON_DAYS
    confirmation: str = "confirmed"
    include_state_strikes: bool = False
    seed: int = 0
    n_samples: int = N_SAMPLES


def check_options(**options: Any) -> Options:
    """Every option of :func:`evaluate` checked in one place (``analysis.params`` messages)."""
    known = set(Options.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise ParameterError(f"unknown option(s) {unknown}; known: {sorted(known)}")
    o = Options(**options)
    seed = params.seed(o.seed)
    return Options(
        horizon_days=params.whole_number("horizon_days", o.horizon_days, unit="days"),
        confirmation=params.one_of("confirmation", o.confirmation, ("confirmed", "all")),
        include_state_strikes=params.flag("include_state_strikes", o.include_state_strikes),
        seed=0 if seed is None else seed,
        n_samples=params.n_samples(o.n_samples, minimum=10),
    )


def sampling(n: int) -> dict[str, int]:
    """The keyword by which :func:`analysis.models.attribution.fit` takes its number of
    parameter draws (the one place to change when it is renamed)."""
    return {"n_samples": n}


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def _events(events: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(events, pd.DataFrame):
        raise params.fail("events", "a DataFrame with event_id, date, category", events)
    missing = [c for c in ("event_id", "date", "category") if c not in events.columns]
    if missing:
        raise ParameterError(f"events need column(s) {missing}")
    out = events.copy()
    out["event_id"] = out["event_id"].astype(str)
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    if "label" not in out.columns:
        out["label"] = out["event_id"].str.replace("_", " ")
    return out.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)


def _is_state(incidents: pd.DataFrame, pattern: str | None) -> pd.Series:
    """Incidents that are a state's own strikes: actor or attribution matches the case's
    ``state_pattern`` (``event_kinds`` in case.yml; the shipped case: Iran or the IRGC)."""
    state = pd.Series(False, index=incidents.index)
    for col in ("actor", "attributed_to") if pattern else ():
        if col in incidents.columns:
            state |= incidents[col].fillna("").astype(str).str.contains(pattern, regex=True)
    return state


def attack_series(
    incidents: pd.DataFrame, events: pd.DataFrame, options: Options
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The attacks analysed, the incidents dropped as the events themselves, and the ids of
    the marker events (militia attack events after :data:`MARKER_GAP_DAYS` days without one).

    Kept: confirmed attacks (all with ``confirmation="all"``), without a state's own strikes
    unless ``include_state_strikes``. Dropped (second frame, with the ``event_id`` they are):
    the attacks on the date of an event that is itself an attack, i.e. every attack on the date
    of an event of the case's attack kind (``event_kinds``: ``militia_attack`` in the shipped
    case) and every state strike on the date of a state-strike event (``iran_strike``; attacks
    only with ``include_state_strikes``). A marker's own attacks are kept: it is not fitted,
    and they are attacks the other events are measured on.
    """
    if "date" not in incidents.columns:
        raise ParameterError("incidents need a 'date' column")
    inc = incidents.copy()
    inc["date"] = pd.to_datetime(inc["date"]).dt.normalize()
    if options.confirmation == "confirmed" and "confirmation" in inc.columns:
        inc = inc[inc["confirmation"] == "confirmed"]
    case = cases.current()
    attack_kind, state_kind = case.attack_kind, case.state_kind
    state = _is_state(inc, state_kind.state_pattern if state_kind else None)
    if not options.include_state_strikes:
        inc, state = inc[~state], state[~state]
    own = pd.Series("", index=inc.index)
    kinds = {attack_kind: ~state} if attack_kind else {}
    if options.include_state_strikes and state_kind:
        kinds[state_kind.code] = state
    gap = pd.Timedelta(days=MARKER_GAP_DAYS)
    marker_ids = []
    for _, ev in events[events["category"].isin(list(kinds))].iterrows():
        quiet = not ((inc["date"] >= ev["date"] - gap) & (inc["date"] < ev["date"])).any()
        if quiet and ev["category"] == attack_kind:  # a state strike opens no militia spell
            marker_ids.append(ev["event_id"])  # its attacks stay: it is not fitted
            continue
        hit = (inc["date"] == ev["date"]) & kinds[ev["category"]] & (own == "")
        own[hit] = ev["event_id"]
    dropped = inc[own != ""].assign(event_id=own[own != ""])
    kept = inc[own == ""].sort_values("date", kind="stable")
    return kept, dropped, marker_ids


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class FindingsResults(Results):
    """One row per event of the period: the primary analysis's figure, grade and sentence."""

    title = "Findings (one joint analysis per period)"

    findings: pd.DataFrame = attr(
        "per event: rate ratio over the horizon (estimate, low, high; 95%), p and Holm p_adjusted, "
        "excess attacks over the horizon (95%, feasible), attacks before/after, grade, group, "
        "reason when not graded, sentence"
    )
    start: pd.Timestamp = attr("first day fitted: the period's first attack")
    end: pd.Timestamp = attr("last day fitted (inclusive)")
    horizon_days: int = attr("days before and after each event the figures speak of")
    n_attacks: int = attr("attacks fitted (after filters and without the events' own attacks)")
    dropped: pd.DataFrame = attr("incidents dropped as being an event themselves, with event_id")
    options: dict = attr("the options used (confirmation, include_state_strikes, seed, ...)")
    fit: attribution.AttributionResults | None = attr(
        "the joint attribution fit behind the figures (None when too few attacks)"
    )

    def to_frame(self) -> pd.DataFrame:
        """The findings table (columns :data:`COLUMNS`)."""
        return self.findings.copy()

    def summary(self) -> str:
        head = (
            f"{self.title}: {self.n_attacks} attacks from {self.start:%Y-%m-%d} to "
            f"{self.end:%Y-%m-%d}, every event fitted jointly; figures over {self.horizon_days} "
            "days, 95% intervals, 'clear' after Holm's adjustment over the events tested."
        )
        return "\n".join([head, *("- " + s for s in self.findings["sentence"])])

    def plot(self, ax: Axes | None = None) -> Axes:
        """Forest chart: each graded event's rate ratio and 95% interval on a log axis, the
        band of no practical change shaded."""
        rows = self.findings[
            self.findings["grade"].isin(grades.GRADES[:7]) & np.isfinite(self.findings["high"])
        ]
        members = rows["event_id"] + ";" + rows["group"].fillna("")
        key = members.map(lambda m: ";".join(sorted(x for x in m.split(";") if x)))
        rows = rows[~key.duplicated()]  # one line per group of inseparable events
        ax = new_axes(ax, figsize=(7.0, 0.32 * max(len(rows), 3) + 1.2))
        y = np.arange(len(rows))[::-1]
        lo = rows["low"].clip(lower=1e-3).to_numpy(dtype=float)
        hi = rows["high"].clip(upper=1e3).to_numpy(dtype=float)
        est = rows["estimate"].to_numpy(dtype=float)
        clear = rows["grade"].str.startswith("clear") | rows["joint_grade"].str.startswith("clear")
        ax.axvspan(*grades.NO_CHANGE_BAND, color=MODEL_COLOR, alpha=0.08, lw=0)
        ax.axvline(1.0, color=OBSERVED_COLOR, lw=0.8)
        ax.hlines(y, lo, hi, color=np.where(clear, EVENT_COLOR, OBSERVED_COLOR), lw=1.5)
        ax.plot(est, y, "o", color=MODEL_COLOR, ms=4)
        log_axis(ax, 1e-3, 1e3)
        names = [
            words.event_name(r) + (" (+ others)" if r["group"] else "") for _, r in rows.iterrows()
        ]
        ax.set_yticks(y, names, fontsize=7)
        ax.set_xlabel(f"rate ratio over {self.horizon_days} days (95% interval, log scale)")
        attach_data(
            ax,
            rows[["event_id", "label", "date", "estimate", "low", "high", "grade", "group"]]
            .rename(columns={"estimate": "rate_ratio"})
            .reset_index(drop=True),
        )
        describe(
            ax,
            f"Rate ratio of attacks after each of {len(rows)} events, {self.start:%b %Y} to "
            f"{self.end:%b %Y}; {int(clear.sum())} clear changes.",
        )
        return ax


# ---------------------------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------------------------


def _count(days: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> int:
    return int(((days >= lo) & (days < hi)).sum())


def _empty_row(ev: Mapping[str, Any], horizon: int) -> dict[str, Any]:
    nan = math.nan
    row = {c: nan for c in COLUMNS}
    row.update(
        event_id=ev["event_id"],
        date=ev["date"],
        label=ev["label"],
        category=ev["category"],
        horizon_days=horizon,
        joint_grade="",
        group="",
        not_graded_reason="",
    )
    return row


def evaluate(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    *,
    start: object,
    end: object,
    **options: Any,
) -> FindingsResults:
    """Every event from ``start`` to ``end`` (inclusive days) fitted once, jointly, on the
    attacks of that period only, graded and worded.

    ``incidents`` needs a ``date`` column (``confirmation``, ``actor``, ``attributed_to`` are
    used when present); ``events`` needs ``event_id``, ``date``, ``category`` (``label``
    optional). Options: ``horizon_days`` (30), ``confirmation`` ("confirmed" or "all"),
    ``include_state_strikes`` (False), ``seed`` (0), ``n_samples`` (draws of the fit's own
    excess intervals). The fit starts at the period's first attack: quiet days before it are
    not baseline, and events on or before it are not graded.
    """
    opts = check_options(**options)
    lo, hi = params.date_range(start, end)
    h = opts.horizon_days
    horizon = pd.Timedelta(days=h)
    ev = _events(events)
    attacks, dropped, markers = attack_series(incidents, ev, opts)
    ev = ev[(ev["date"] >= lo.normalize()) & (ev["date"] <= hi)].reset_index(drop=True)
    fit_end = hi.normalize() + _DAY
    days_all = attacks["date"]
    days = days_all[(days_all >= lo.normalize()) & (days_all < fit_end)]
    first = days.min() if len(days) else lo.normalize()
    dropped = dropped[dropped["event_id"].isin(ev["event_id"])]

    rows = {}
    fit_ids: list[str] = []
    for _, e in ev.iterrows():
        row = _empty_row(e, h)
        d = e["date"]
        row["attacks_before"] = _count(days, max(d - horizon, first), d)
        row["attacks_after"] = _count(days, d, min(d + horizon, fit_end))
        if e["event_id"] in markers:
            row["grade"] = "marker"
            row["not_graded_reason"] = (
                f"an attack after {MARKER_GAP_DAYS}+ days without one: it opens a spell of "
                "attacks, so there are none before it by its definition"
            )
        elif d <= first:
            row["grade"] = "not_graded"
            row["not_graded_reason"] = "no attack before it in the period"
        else:
            fit_ids.append(e["event_id"])
        rows[e["event_id"]] = row

    fit = None
    if fit_ids and len(days) < MIN_PERIOD_ATTACKS:
        for i in fit_ids:
            rows[i]["grade"] = "not_graded"
            rows[i]["not_graded_reason"] = f"fewer than {MIN_PERIOD_ATTACKS} attacks in the period"
    elif fit_ids:
        fit = _joint_fit(rows, ev, fit_ids, days, first, fit_end, opts)
    labels = dict(zip(ev["event_id"], ev["label"].astype(str), strict=True))
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    frame["sentence"] = [words.sentence(r, labels) for r in frame.to_dict("records")]
    return FindingsResults(
        findings=frame,
        start=first,
        end=hi.normalize(),
        horizon_days=h,
        n_attacks=len(days),
        dropped=dropped.reset_index(drop=True),
        options=asdict(opts),
        fit=fit,
    )


def _joint_fit(rows, ev, fit_ids, days, first, fit_end, opts) -> attribution.AttributionResults:
    """Fit the events ``fit_ids`` jointly and fill their rows (figures, p, grades, groups)."""
    h = opts.horizon_days
    horizon = pd.Timedelta(days=h)
    chosen = ev[ev["event_id"].isin(fit_ids)]
    # events on one date are one term, named by the first of them
    same_day = chosen.groupby("date", sort=True)["event_id"].agg(list)
    by_rep = {ids[0]: ids for ids in same_day}
    reps = chosen[chosen["event_id"].isin(list(by_rep))][["event_id", "date"]]
    with warnings.catch_warnings():  # a flat likelihood (an event with no attack after it)
        warnings.filterwarnings("ignore", "covariance is not symmetric", RuntimeWarning)
        fit = _fit(days, reps, first, fit_end, opts)
    expected = fit.decomposition["expected"]
    bound = math.exp(-9.9)
    units = []
    for name, eff in fit.effects.iterrows():
        members_rep = str(eff["cluster"]).split(", ") if eff["cluster"] else [str(name)]
        members = [m for r in members_rep for m in by_rep[r]]
        d0 = rows[members[0]]["date"]
        last = max(rows[m]["date"] for m in members)
        stop = min(last + horizon, fit_end)
        e0 = max(
            float(expected[(expected.index >= last) & (expected.index < stop)].sum())
            - float(eff["excess"]),
            0.0,
        )
        after = _count(days, last, stop)
        before = _count(days, max(d0 - horizon, first), d0)
        est, low, high, p = (
            float(eff[k]) for k in ("rate_ratio", "rate_ratio_low", "rate_ratio_high", "p_value")
        )
        est, low, high, one_sided = grades.pin(est, low, high)
        if float(eff["rate_ratio"]) < bound:  # at the search limit: no attack after it
            if after == 0:
                est, low, high = math.nan, 0.0, grades.one_sided_upper(e0)
                p, one_sided = grades.zero_after_p(e0), True
            else:
                est, low, high, p = math.nan, math.nan, math.nan, math.nan
        elif float(eff["rate_ratio"]) > 1 / bound:
            p = math.nan
        units.append((members, est, low, high, p, e0, after, before, one_sided))
    adjusted = grades.adjust(np.array([u[4] for u in units], dtype=float))
    for (members, est, low, high, p, e0, after, before, one_sided), p_adj in zip(
        units, adjusted, strict=True
    ):
        joint = grades.grade(low, high, p_adj, before + after, one_sided)
        excess = grades.feasible_excess(est, low, high, e0, after)
        for m in members:
            rows[m].update(
                estimate=est,
                low=low,
                high=high,
                p=p,
                p_adjusted=p_adj,
                excess=excess[0],
                excess_low=excess[1],
                excess_high=excess[2],
                expected_without=e0,
                grade="inseparable" if len(members) > 1 else joint,
                joint_grade=joint,
                group=";".join(x for x in members if x != m),
            )
    return fit


def _fit(days, reps, first, fit_end, opts: Options) -> attribution.AttributionResults:
    """The joint fit with the fixed choices of the primary analysis."""
    return attribution.fit(
        days,
        events=reps,
        start=first,
        end=fit_end,
        effect=EFFECT,
        trend=TREND,
        seasonality=SEASONALITY,
        horizon_days=opts.horizon_days,
        seed=opts.seed,
        excitation=EXCITATION,
        compare=False,
        **sampling(opts.n_samples),
    )
