"""What each analysis notebook records for the report runner: title, headline and key numbers.

One function per notebook turns its results into a JSON-safe dict: ``title``, ``headline`` (one
plain sentence with numbers), ``focus_event``, ``period`` (first and last day, ISO) and the key
numbers (None where a number could not be estimated). The runner publishes these beside the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.briefs.wording import (
    DAY,
    attacks_phrase,
    estimate_text,
    finite_or_none,
    fmt_count,
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_span,
    iso_period,
    period_length,
    plural,
)
from analysis.data.coverage import monthly_coverage
from analysis.models.changepoints import ChangepointResults
from analysis.models.counterfactual import CounterfactualResults
from analysis.models.hawkes import HawkesResults
from analysis.models.inputs import period_unit
from analysis.models.its import ITSResults
from analysis.models.windows import WindowsResults
from analysis.results import format_p
from analysis.series import select

__all__ = [
    "changepoint_values",
    "counterfactual_values",
    "its_values",
    "overview_values",
    "windows_values",
]


def _labels(events: pd.DataFrame | None) -> dict[str, str]:
    if events is None or "label" not in events.columns:
        return {}
    return dict(zip(events["event_id"].astype(str), events["label"].astype(str), strict=True))


def windows_values(
    res: WindowsResults, *, start: object, end: object, events: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Title, headline and numbers of the event-windows notebook.

    ``windows`` maps each event to its ``before``, ``after``, ``rate_ratio``, ``low``, ``high``,
    ``p`` and ``p_holm`` (rates per day); ``n_events`` counts the events compared and
    ``n_significant`` those with a Holm-adjusted p below 0.05.
    """
    t = res.table
    labels = _labels(events)
    sig = t[t["p_holm"] < 0.05]
    if len(sig):
        parts = [
            f"{labels.get(name, name)} ({'rise' if r.rate_ratio > 1 else 'fall'}: "
            f"{estimate_text(r.rate_ratio, r.low, r.high)} times the rate before)"
            for name, r in sig.iterrows()
        ]
        verdict = (
            f"{len(sig)} {'shows' if len(sig) == 1 else 'show'} a change in attack tempo unlikely "
            f"to be chance after adjusting for the number of events compared: {'; '.join(parts)}."
        )
    else:
        verdict = (
            "none shows a change in attack tempo that is unlikely to be chance after adjusting "
            "for the number of events compared."
        )
    headline = (
        f"Of {len(t)} events from {fmt_span(start, end)}, comparing the {res.days} days after each "
        f"with the {res.days} days before, {verdict}"
    )
    table = {
        str(name): {
            k: (int(r[k]) if k in ("before", "after") else finite_or_none(r[k]))
            for k in ("before", "after", "rate_ratio", "low", "high", "p", "p_holm")
        }
        for name, r in t.iterrows()
    }
    return {
        "title": (
            f"Attack tempo {res.days} days before and after each event, {fmt_span(start, end)}"
        ),
        "headline": headline,
        "focus_event": str(t.index[0]) if len(t) == 1 else None,
        "period": iso_period(start, end),
        "window_days": res.days,
        "n_events": len(t),
        "n_significant": len(sig),
        "windows": table,
    }


def its_values(
    res: ITSResults, *, start: object, end: object, events: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Title, headline and numbers of the interrupted-time-series notebook.

    ``its_effects`` maps each intervention to its ``level_rr``/``_low``/``_high``/``_p`` and
    ``slope_rr``/... (rate ratio per period); ``its_level_rr`` etc. repeat the first
    intervention's; ``dispersion`` and ``ljung_box_p`` are the diagnostics.
    """
    labels = _labels(events)
    eff = res.effects
    unit = res.unit
    parts = []
    for name, r in eff.iterrows():
        text = (
            f"at the {labels.get(name, name)} ({fmt_date(res.interventions[name])}) the {unit}ly "
            f"rate stepped to {fmt_number(r.level_rr)} times its trend "
            f"({fmt_interval(r.level_low, r.level_high)}, {format_p(r.level_p)})"
        )
        if "slope_rr" in r.index:
            text += (
                f" and its trend changed by a factor of {fmt_number(r.slope_rr, 3)} per {unit} "
                f"({format_p(r.slope_p)})"
            )
        parts.append(text)
    headline = f"From {fmt_span(start, end)}, " + "; ".join(parts) + "."
    headline = headline[0].upper() + headline[1:]
    names = [labels.get(n, n) for n in eff.index]
    first = eff.iloc[0]
    values: dict[str, Any] = {
        "title": f"Interrupted time series: {' and '.join(names)}",
        "headline": headline,
        "focus_event": str(eff.index[0]) if len(eff) == 1 else None,
        "period": iso_period(start, end),
        "its_effects": {
            str(n): {k: finite_or_none(v) for k, v in r.items()} for n, r in eff.iterrows()
        },
        "dispersion": finite_or_none(res.dispersion),
        "ljung_box_p": finite_or_none(res.residual_autocorrelation),
    }
    for k, v in first.items():
        values[f"its_{k}"] = finite_or_none(v)
    return values


def changepoint_values(
    cp: ChangepointResults,
    hawkes_overall: HawkesResults,
    hawkes_periods: HawkesResults | None,
    *,
    start: object,
    end: object,
) -> dict[str, Any]:
    """Title, headline and numbers of the changepoints and escalation notebook.

    ``changepoints`` (ISO dates), ``changepoint_intervals`` (95% interval of each date, as
    [first, last] ISO period labels), ``changepoint_events`` (nearest event id or None), segment
    ``rates`` (attacks per period); ``branching_ratio``/``_low``/``_high`` and ``half_life_days``
    from the Hawkes fit with one background rate; the same with a ``_periods`` suffix from the fit
    with a piecewise background (``baseline_breaks``), when given.
    """
    k = len(cp.changepoints)
    seg = cp.segments
    if k:
        ratios = seg["rate"].to_numpy()[1:] / np.maximum(seg["rate"].to_numpy()[:-1], 1e-12)
        j = int(np.argmax(np.abs(np.log(np.maximum(ratios, 1e-12)))))
        big = cp.changepoints[j]
        verb = "rise" if ratios[j] > 1 else "fall"
        near = ""
        if cp.nearest_events is not None:
            row = cp.nearest_events.iloc[j]
            if row["event_id"] is not None and not pd.isna(row["event_id"]):
                name = row.get("label") or row["event_id"]
                d = int(row["lag_days"])
                when = "the day of" if d == 0 else f"{abs(d)} days {'after' if d > 0 else 'before'}"
                near = f", {when} the {name}"
        loc = cp.locations.iloc[j]
        dated = (
            f"dated to that {cp.unit} alone"
            if loc["low"] == loc["high"]
            else f"95% interval {fmt_date(loc['low'])} to {fmt_date(loc['high'])}"
        )
        cp_text = (
            f"the {cp.unit}ly attack rate changed {k} time{'s' * (k != 1)}; the largest {verb} "
            f"(from {fmt_number(seg['rate'].iloc[j])} to {fmt_number(seg['rate'].iloc[j + 1])} "
            f"per {cp.unit}) came in the {cp.unit} of {fmt_date(big)} ({dated}){near}"
        )
    else:
        cp_text = f"the {cp.unit}ly attack rate shows no clear change"
    h = hawkes_periods if hawkes_periods is not None else hawkes_overall
    hawkes_text = (
        f"about {100 * h.branching_ratio:.0f}% of attacks (95% CI "
        f"{100 * h.branching_ratio_low:.0f}-{100 * h.branching_ratio_high:.0f}%) followed from "
        f"earlier attacks"
    )
    if hawkes_periods is not None:
        n_breaks = len(hawkes_periods.baselines) - 1
        hawkes_text += (
            f", with the background rate allowed to change at {n_breaks} "
            f"date{'s' * (n_breaks != 1)} ({100 * hawkes_overall.branching_ratio:.0f}% with one "
            "background rate)"
        )
    headline = f"From {fmt_span(start, end)}, {cp_text}; {hawkes_text}."
    if len(headline.split()) > 35 and k:  # a headline of at most 35 words: the change first
        short = (
            f"the {cp.unit}ly attack rate changed {k} time{'s' * (k != 1)}; the largest {verb}, "
            f"from {fmt_number(seg['rate'].iloc[j])} to {fmt_number(seg['rate'].iloc[j + 1])} "
            f"a {cp.unit}, came in the {cp.unit} of {fmt_date(big)}"
        )
        tries = [
            f"From {fmt_span(start, end)}, {short} ({dated}){near}.",
            f"From {fmt_span(start, end)}, {short} ({dated}).",
            f"From {fmt_span(start, end)}, {short}{near}; about "
            f"{100 * h.branching_ratio:.0f}% of attacks followed from earlier attacks.",
            f"From {fmt_span(start, end)}, {short}{near}.",
            f"From {fmt_span(start, end)}, {short}.",
        ]
        headline = next((t for t in tries if len(t.split()) <= 35), tries[-1])
    headline = headline[0].upper() + headline[1:]
    values: dict[str, Any] = {
        "title": f"Changepoints and self-excitation of attacks, {fmt_span(start, end)}",
        "headline": headline,
        "focus_event": None,
        "period": iso_period(start, end),
        "n_changepoints": k,
        "changepoints": [f"{c:%Y-%m-%d}" for c in cp.changepoints],
        "changepoint_intervals": [
            [f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}"]
            for lo, hi in cp.locations[["low", "high"]].itertuples(index=False)
        ],
        "changepoint_events": (
            [None if pd.isna(e) else str(e) for e in cp.nearest_events["event_id"]]
            if cp.nearest_events is not None
            else [None] * k
        ),
        "rates": [finite_or_none(r) for r in seg["rate"]],
    }
    fits = {"": hawkes_overall, "_periods": hawkes_periods}
    for suffix, fit in fits.items():
        if fit is None:
            continue
        for name in ("branching_ratio", "branching_ratio_low", "branching_ratio_high"):
            values[f"{name}{suffix}"] = finite_or_none(getattr(fit, name))
        values[f"half_life_days{suffix}"] = finite_or_none(fit.half_life_days)
        values[f"gof_p{suffix}"] = finite_or_none(fit.gof_p)
    if hawkes_periods is not None:
        values["baselines_periods"] = [
            {
                "start": f"{r['start']:%Y-%m-%d}",
                "end": f"{r['end']:%Y-%m-%d}",
                "baseline": finite_or_none(r["baseline"]),
            }
            for _, r in hawkes_periods.baselines.iterrows()
        ]
    return values


def counterfactual_values(
    res: CounterfactualResults, event: Mapping[str, Any] | pd.Series
) -> dict[str, Any]:
    """Title, headline and numbers of the counterfactual notebook: ``excess`` (observed minus
    expected attacks over the post period) with ``excess_low``/``excess_high`` (95%), ``excess_p``
    (one-sided), ``observed_after``, ``expected_after`` (with 95% interval), ``relative_effect``."""
    unit = period_unit(res.freq or "W")
    n = res.n_post
    more = "more" if res.cumulative_effect >= 0 else "fewer"
    headline = (
        f"In the {plural(n, unit)} from {fmt_date(res.post_start)} (the {unit} of the "
        f"{event['label']}), {fmt_count(res.observed_total)} attacks were recorded against about "
        f"{fmt_count(res.predicted_total)} expected from the pre-event pattern: about "
        f"{fmt_count(abs(res.cumulative_effect))} {more} (95% interval "
        f"{fmt_count(res.cumulative_effect_low)} to {fmt_count(res.cumulative_effect_high)})."
    )
    last_day = res.post_end + period_length(unit) - DAY
    return {
        # an analysis of one event, not its brief: not titled like one ("Label, date: ...")
        "title": (
            f"Attacks beyond the pre-event pattern after {event['label']} "
            f"({fmt_date(event['date'])})"
        ),
        "headline": headline,
        "focus_event": str(event["event_id"]),
        "period": iso_period(res.pre_start, last_day),
        "excess": finite_or_none(res.cumulative_effect),
        "excess_low": finite_or_none(res.cumulative_effect_low),
        "excess_high": finite_or_none(res.cumulative_effect_high),
        "excess_p": finite_or_none(res.p_value),
        "observed_after": finite_or_none(res.observed_total),
        "expected_after": finite_or_none(res.predicted_total),
        "expected_after_low": finite_or_none(res.predicted_total_low),
        "expected_after_high": finite_or_none(res.predicted_total_high),
        "relative_effect": finite_or_none(res.relative_effect),
        "n_pre": res.n_pre,
        "n_post": res.n_post,
    }


def overview_values(
    incidents: pd.DataFrame,
    *,
    start: object,
    end: object,
    confirmation: str | Sequence[str] = "confirmed",
) -> dict[str, Any]:
    """Title, headline and numbers of the data overview notebook: ``n_incidents`` (rows at the
    chosen confirmation levels in the period), ``by_confirmation`` (rows per level), the busiest
    calendar month (``busiest_month``, ``busiest_month_count``)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    period = incidents[incidents["date"].between(lo, hi)]
    chosen = select(period, confirmation=confirmation)
    by_level = {str(k): int(v) for k, v in period["confirmation"].value_counts(sort=False).items()}
    headline = (
        f"From {fmt_span(lo, hi)} the dataset holds {attacks_phrase(len(chosen), confirmation)}"
        f" ({len(period)} rows at every confirmation level)"
    )
    values: dict[str, Any] = {
        "title": f"Data overview, {fmt_span(lo, hi)}",
        "focus_event": None,
        "period": iso_period(lo, hi),
        "n_incidents": len(chosen),
        "by_confirmation": by_level,
        "busiest_month": None,
        "busiest_month_count": 0,
    }
    if len(chosen):
        per_month = monthly_coverage(chosen)["total"]
        month = per_month.idxmax()
        values["busiest_month"] = f"{month:%Y-%m}"
        values["busiest_month_count"] = int(per_month.max())
        headline += f"; the busiest month was {month:%b %Y} with {int(per_month.max())}"
    values["headline"] = headline + "."
    return values
