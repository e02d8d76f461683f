"""The event brief: what one political event did to the attack tempo, by three measures.

:func:`event_brief` runs the measures for one event on one count series and returns an
:class:`EventBrief`, whose fields are the numbers and tables (declared below with units). The
text, HTML and chart that read them live in :mod:`analysis.briefs.event_views`.

The measures, all on counts of recorded attacks:

- **before/after windows** (:mod:`analysis.models.windows`): attacks in the ``window_days`` days
  before the event against the ``window_days`` days from the event day on; rate ratio of the two
  daily rates with an exact 95% interval and p-value;
- **interrupted time series** (:mod:`analysis.models.its`): weekly counts over the analysed period
  with a step and a change of trend at the event (rate ratio of the step; rate ratio per week of
  the trend change);
- **counterfactual** (:mod:`analysis.models.counterfactual`): a local-level model fitted to the
  weeks before the event's week and simulated forward to the end of the after window; the excess
  is observed minus expected attacks, with a 95% interval;
- **net of the other events and of contagion** (:mod:`analysis.models.attribution`): a
  self-exciting process of the day-dated attacks over the analysed period with a step for the
  focus event and for every other event inside its windows, fitted together; the focus's rate
  ratio (background rate from its date on over before) and its excess attacks over the window,
  follow-on attacks included. Events the data cannot separate from the focus are reported with
  it as one cluster (one joint figure, never two).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.briefs.attribution import cluster_reason
from analysis.briefs.campaign_views import mostly_claimed
from analysis.briefs.event_findings import EventFindingsViews
from analysis.briefs.event_views import EventBriefViews
from analysis.briefs.lookups import (
    attack_times,
    event_row,
    events_between,
    incidents_in_window,
    tallies_overlapping,
    thin_months,
)
from analysis.briefs.places import case_campaign, window_places
from analysis.briefs.wording import DAY
from analysis.data.campaigns import campaign_holding
from analysis.errors import ParameterError
from analysis.models import attribution as attribution_model
from analysis.models import counterfactual as cf_model
from analysis.models import its as its_model
from analysis.models import windows as windows_model
from analysis.models.attribution import AttributionResults
from analysis.models.counterfactual import CounterfactualResults
from analysis.models.its import ITSResults
from analysis.models.windows import WindowsResults
from analysis.params import whole_number
from analysis.results import Results, attr
from analysis.series import MonthPrecisionWarning, counts, normalise_freq

__all__ = ["EventBrief", "default_period", "event_brief"]

_NAN = float("nan")


@dataclass(repr=False, eq=False)
class EventBrief(EventFindingsViews, EventBriefViews, Results):
    """Everything one event's brief shows. Counts are attacks; rates per day (windows) or per
    period of ``freq`` (trend model, counterfactual); NaN where a measure could not be estimated
    (``notes`` says why). Built by :func:`event_brief`."""

    event_id: str = attr("the focus event's id")
    label: str = attr("the focus event's label")
    event_date: pd.Timestamp = attr("the focus event's date (local date of the case)")
    event: dict[str, Any] = attr("the focus event's row of the events table, as a dict")
    start: pd.Timestamp = attr("first day of the analysed period")
    end: pd.Timestamp = attr("last day of the analysed period")
    freq: str = attr("period of ``weekly``, the trend model and the counterfactual (W-MON, MS, D)")
    window_days: int = attr("nominal length of each window, in days")
    confirmation: str | list[str] = attr("confirmation levels counted")
    seed: int = attr("seed of the counterfactual's simulations")
    weekly: pd.Series = attr("attacks per period of ``freq`` over the analysed period")
    daily: pd.Series = attr("attacks per day over the analysed period")
    windows: WindowsResults | None = attr("the window comparison (None if it could not be made)")
    its: ITSResults | None = attr("the trend model's fit (None if it could not be fitted)")
    counterfactual: CounterfactualResults | None = attr(
        "the counterfactual's fit (None if it could not be fitted)"
    )
    incidents: pd.DataFrame = attr("incidents in the two windows (see ``incidents_in_window``)")
    other_events: pd.DataFrame = attr(
        "events other than the focus inside its windows (date, event_id, label)"
    )
    events: pd.DataFrame = attr("events in the analysed period (for the chart)")
    thin_months: pd.DataFrame = attr("months of the period with at most one counted row")
    tallies: pd.DataFrame = attr(
        "published tallies overlapping the windows beside the dataset's counts (empty without)"
    )
    month_precision_excluded: int = attr(
        "incidents known only to the month, left out of the weekly series"
    )
    window_before: int = attr("attacks in the before window")
    window_after: int = attr("attacks in the after window (the event day on)")
    window_days_before: int = attr("days observed before the event (< window_days if cut)")
    window_days_after: int = attr("days observed from the event day on (< window_days if cut)")
    window_rate_ratio: float = attr("daily rate after / daily rate before")
    window_low: float = attr("exact 95% interval of the window rate ratio, lower end")
    window_high: float = attr("exact 95% interval of the window rate ratio, upper end")
    window_p: float = attr("exact two-sided p-value of the window comparison")
    its_level_rr: float = attr("rate ratio of the step at the event (trend model)")
    its_level_low: float = attr("95% interval of the step, lower end")
    its_level_high: float = attr("95% interval of the step, upper end")
    its_level_p: float = attr("p-value of the step")
    its_slope_rr: float = attr("rate ratio per period of the change of trend after the event")
    its_slope_low: float = attr("95% interval of the change of trend, lower end")
    its_slope_high: float = attr("95% interval of the change of trend, upper end")
    its_slope_p: float = attr("p-value of the change of trend")
    excess: float = attr("attacks observed minus expected without the event (counterfactual)")
    excess_low: float = attr("95% interval of the excess, lower end (attacks)")
    excess_high: float = attr("95% interval of the excess, upper end (attacks)")
    excess_p: float = attr("one-sided p-value of the excess")
    observed_after: float = attr("attacks observed over the counterfactual's post period")
    expected_after: float = attr("attacks expected without the event over that period")
    expected_after_low: float = attr("95% interval of the expected attacks, lower end")
    expected_after_high: float = attr("95% interval of the expected attacks, upper end")
    cf_post_start: pd.Timestamp = attr("first period of the counterfactual's post period")
    cf_post_end: pd.Timestamp = attr("last period of the counterfactual's post period")
    cf_n_pre: int = attr("periods the counterfactual model was fitted to")
    notes: list[str] = attr("notes on measures that could not be estimated and model warnings")
    # -- where, before and after (analysis.briefs.places.window_places) --
    governorates_before: pd.Series = attr(
        "attacks per area in the before window (map order, other areas, then 'unknown')"
    )
    governorates_after: pd.Series = attr("attacks per area in the after window")
    targets_before: pd.Series = attr("attacks per target_type in the before window")
    targets_after: pd.Series = attr("attacks per target_type in the after window")
    # -- net of the other events in the window and of contagion (analysis.models.attribution) --
    attribution: AttributionResults | None = attr(
        "the joint fit of the focus and the other events in its windows (None if not made)",
        default=None,
    )
    claims_countries: tuple[str, ...] = attr(
        "countries of the event's campaign most of whose rows are unconfirmed claims (named "
        "beside the coverage of a campaign of several countries)",
        default=(),
    )
    net_events: list[str] = attr(
        "ids of the events fitted together (focus and others in its windows), by date",
        default_factory=list,
    )
    net_group: list[str] = attr(
        "the focus's row of the joint fit: the focus alone, or every event of the cluster the "
        "data cannot separate it from (then the net figures are the cluster's joint ones)",
        default_factory=list,
    )
    net_same_day: dict[str, str] = attr(
        "events on the same day as another fitted event: id -> the event it is fitted as one with",
        default_factory=dict,
    )
    net_left_out: list[str] = attr(
        "other events in the windows left out of the joint fit (no attack before them)",
        default_factory=list,
    )
    net_rate_ratio: float = attr(
        "background rate from the event on / before, net of the other fitted events and of "
        "attacks triggering attacks (joint fit)",
        default=_NAN,
    )
    net_low: float = attr("95% interval of net_rate_ratio, lower end", default=_NAN)
    net_high: float = attr("95% interval of net_rate_ratio, upper end", default=_NAN)
    net_p: float = attr("two-sided p-value of net_rate_ratio (Wald)", default=_NAN)
    net_excess: float = attr(
        "expected attacks in the window_days from net_excess_from that the event (or its "
        "cluster) accounts for, attacks they trigger included",
        default=_NAN,
    )
    net_excess_low: float = attr("95% interval of net_excess, lower end (attacks)", default=_NAN)
    net_excess_high: float = attr("95% interval of net_excess, upper end (attacks)", default=_NAN)
    net_excess_from: pd.Timestamp = attr(
        "first day of net_excess's window: the event's date (a cluster's: its last member's)",
        default=pd.NaT,
    )
    net_cluster_reason: str = attr(
        "why the focus could not be separated from the rest of net_group, in words ('' alone)",
        default="",
    )
    net_at_bound: bool = attr(
        "whether the focus's term sits at a limit of the search (its interval is unreliable)",
        default=False,
    )
    net_missing: str = attr(
        "why the net figures are missing, in words (empty when they were computed)", default=""
    )
    finding: dict[str, Any] = attr(
        "the event's row of the findings table (:func:`analysis.findings.store.row`): the "
        "primary figure the brief states; empty: none given (the explorer's briefs)",
        default_factory=dict,
    )

    title_suffix = "attack tempo before and after"


def _window_numbers(res: WindowsResults | None) -> dict[str, Any]:
    """The brief's window fields from the window comparison (zeros and NaN without one)."""
    w = res.table.iloc[0] if res is not None else None
    out: dict[str, Any] = {
        "window_before": int(w["before"]) if w is not None else 0,
        "window_after": int(w["after"]) if w is not None else 0,
        "window_days_before": int(w["days_before"]) if w is not None else 0,
        "window_days_after": int(w["days_after"]) if w is not None else 0,
    }
    for col in ("rate_ratio", "low", "high", "p"):
        out[f"window_{col}"] = float(w[col]) if w is not None else _NAN
    return out


_TREND_FIELDS = {
    "level": ("its_level_rr", "its_level_low", "its_level_high", "its_level_p"),
    "slope": ("its_slope_rr", "its_slope_low", "its_slope_high", "its_slope_p"),
}


def _trend_numbers(res: ITSResults | None, event_id: str, notes: list[str]) -> dict[str, float]:
    """The brief's trend-model fields: the step and the change of trend at the event, NaN (and a
    note in ``notes``) where the fit cannot pin them down."""
    out = {name: _NAN for names in _TREND_FIELDS.values() for name in names}
    if res is None:
        return out
    row = res.effects.loc[event_id]
    for kind, names in _TREND_FIELDS.items():
        rr, lo, hi = row[f"{kind}_rr"], row[f"{kind}_low"], row[f"{kind}_high"]
        if all(np.isfinite([rr, lo, hi])) and lo > 0:
            for name, part in zip(names, ("rr", "low", "high", "p"), strict=True):
                out[name] = float(row[f"{kind}_{part}"])
        else:
            what = "step" if kind == "level" else "change of trend"
            notes.append(
                f"The trend model could not estimate the {what} at the event: too few "
                "attacks around it."
            )
    return out


def _counterfactual_numbers(c: CounterfactualResults | None) -> dict[str, Any]:
    """The brief's counterfactual fields (NaN, NaT and 0 without a fit)."""
    return {
        "excess": c.cumulative_effect if c else _NAN,
        "excess_low": c.cumulative_effect_low if c else _NAN,
        "excess_high": c.cumulative_effect_high if c else _NAN,
        "excess_p": c.p_value if c else _NAN,
        "observed_after": c.observed_total if c else _NAN,
        "expected_after": c.predicted_total if c else _NAN,
        "expected_after_low": c.predicted_total_low if c else _NAN,
        "expected_after_high": c.predicted_total_high if c else _NAN,
        "cf_post_start": c.post_start if c else pd.NaT,
        "cf_post_end": c.post_end if c else pd.NaT,
        "cf_n_pre": c.n_pre if c else 0,
    }


def default_period(
    date: pd.Timestamp,
    context_weeks: int,
    window_days: int,
    data_start: pd.Timestamp,
    data_end: pd.Timestamp,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A brief's default analysed period: ``context_weeks`` weeks either side of the event,
    clipped to the data and to the case's campaign holding the event
    (:func:`analysis.data.campaigns.campaigns`), so a 2024 event's trend model is not fitted
    across the quiet year before its campaign. The start is never clipped past the event's own
    before window (``window_days`` days): the brief of a campaign's first attack still compares
    it with the weeks before."""
    context = pd.Timedelta(weeks=int(context_weeks))
    lo, hi = max(date - context, data_start), min(date + context, data_end)
    campaign = campaign_holding(date)
    if campaign is not None:
        lo = max(lo, min(campaign.start, date - pd.Timedelta(days=int(window_days))))
        hi = min(hi, campaign.end)
    return lo, hi


def event_brief(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    event_id: str,
    *,
    window_days: int = 30,
    context_weeks: int = 26,
    freq: str = "W-MON",
    start: object = None,
    end: object = None,
    confirmation: str | Sequence[str] = "confirmed",
    reported: pd.DataFrame | None = None,
    seed: int = 0,
    data_span: tuple[object, object] | None = None,
    finding: Mapping[str, Any] | None = None,
) -> EventBrief:
    """Run the brief's three measures for ``event_id`` and gather the brief's tables and texts.

    Parameters
    ----------
    incidents, events : from :func:`analysis.data.load_incidents` / :func:`load_events`.
    event_id : the focus event (an ``event_id`` of ``events``).
    window_days : length in days of the before and after windows (>= 1).
    context_weeks : default period: this many weeks either side of the event (>= 4), clipped to
        the dataset's first and last incident dates and to the campaign holding the event
        (:func:`default_period`).
    freq : period of the trend model and the counterfactual: "W-MON" (ISO weeks, default),
        "MS" (months) or "D" (days).
    start, end : the analysed period (ISO dates); override ``context_weeks``.
    confirmation : levels counted ("confirmed", "all", or a list).
    reported : published tallies (:func:`analysis.data.load_reported_counts`) for the coverage
        caveats; None leaves the tally comparison out.
    seed : seed of the counterfactual's simulations.
    data_span : first and last day the data cover (default: the first and last incident dates
        of ``incidents``); the explorer gives the whole dataset's when ``incidents`` is a
        filtered subset (one governorate, say), whose own first attack may come after the event.
    finding : the event's row of the findings table (:func:`analysis.findings.store.row`): the
        primary figure the brief states, its own measures shown as checks beside it; None: the
        brief states its window comparison (the explorer, on a subset of the data).

    A measure that cannot be estimated (too few periods or attacks) is NaN with a note instead of
    an error; bad arguments are ``ValueError``s. Warnings raised by the models are caught and kept
    in ``notes``, so a brief's output carries none.
    """
    window_days = whole_number("window_days", window_days, 1, "days")
    context_weeks = whole_number("context_weeks", context_weeks, 4, "weeks")
    freq = normalise_freq(freq)
    if incidents.empty:
        raise ParameterError("no incidents")
    row = event_row(events, event_id)
    date = pd.Timestamp(row["date"]).normalize()
    data_start, data_end = incidents["date"].min(), incidents["date"].max()
    if data_span is not None:
        data_start, data_end = (pd.Timestamp(d).normalize() for d in data_span)
    if date < data_start or date > data_end:
        raise ParameterError(
            f"{event_id} ({date.date()}) lies outside the incident data "
            f"({data_start.date()} to {data_end.date()})"
        )
    lo, hi = default_period(date, int(context_weeks), int(window_days), data_start, data_end)
    lo = pd.Timestamp(start) if start is not None else lo
    hi = pd.Timestamp(end) if end is not None else hi
    if not lo <= date <= hi:
        raise ParameterError(
            f"{event_id} ({date.date()}) lies outside the period {lo.date()} to {hi.date()}"
        )
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weekly = counts(incidents, freq, lo, hi, confirmation=confirmation)
        daily = counts(incidents, "D", lo, hi, confirmation=confirmation)
        window_res = _try(
            notes,
            "before/after comparison",
            lambda: windows_model.compare(daily, events={event_id: date}, days=int(window_days)),
        )
        its_res = _try(
            notes,
            "trend model",
            lambda: its_model.fit(weekly, events={event_id: date}),
        )
        cf_res = _try(
            notes,
            "counterfactual",
            lambda: cf_model.fit(
                weekly,
                date,
                post_end=min(date + pd.Timedelta(days=int(window_days) - 1), hi),
                seed=seed,
            ),
        )
        net = _net_numbers(incidents, events, row, date, lo, hi, window_days, confirmation, seed)
    for w in caught:
        if issubclass(w.category, MonthPrecisionWarning | RuntimeWarning):
            continue  # month precision is a caveat below; overflow shows as "not estimable"
        text = f"model warning: {w.message}"
        if text not in notes:
            notes.append(text)

    period_events = events_between(events, lo, hi)
    span = pd.Timedelta(days=int(window_days))
    inside = period_events["date"].between(date - span, date + span - DAY)
    others = period_events[inside & (period_events["event_id"] != event_id)]
    tallies = tallies_overlapping(incidents, reported, date - span, date + span - DAY)
    campaign = case_campaign(date)
    claims = (
        tuple(mostly_claimed(incidents, campaign.start, campaign.end, campaign.countries))
        if campaign is not None and len(campaign.countries) > 1
        else ()
    )
    return EventBrief(
        event_id=event_id,
        label=str(row["label"]),
        event_date=date,
        event={k: (None if pd.isna(v) else v) for k, v in row.to_dict().items()},
        start=lo,
        end=hi,
        freq=freq,
        window_days=int(window_days),
        confirmation=confirmation if isinstance(confirmation, str) else list(confirmation),
        seed=seed,
        weekly=weekly,
        daily=daily,
        windows=window_res,
        its=its_res,
        counterfactual=cf_res,
        incidents=incidents_in_window(incidents, date, int(window_days), confirmation),
        other_events=others[["date", "event_id", "label"]].reset_index(drop=True),
        events=period_events,
        thin_months=thin_months(incidents, lo, hi, confirmation),
        tallies=tallies,
        claims_countries=claims,
        month_precision_excluded=int(weekly.attrs.get("month_precision_excluded", 0)),
        **_window_numbers(window_res),
        **_trend_numbers(its_res, event_id, notes),
        **_counterfactual_numbers(cf_res),
        notes=notes,
        **window_places(incidents, date, int(window_days), confirmation),
        **net,
        finding=_checked_finding(finding, event_id),
    )


def _checked_finding(finding: Mapping[str, Any] | None, event_id: str) -> dict[str, Any]:
    """``finding`` as a dict, checked to be ``event_id``'s row (a ParameterError otherwise)."""
    if finding is None:
        return {}
    row = dict(finding)
    if str(row.get("event_id")) != event_id or "sentence" not in row:
        raise ParameterError(f"finding must be the findings row of {event_id}, got {row!r}")
    return row


#: errors a joint fit can end with on awkward data (the brief then says why the row is missing)
_FIT_ERRORS = (ValueError, RuntimeError, ArithmeticError, np.linalg.LinAlgError)


def _net_numbers(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    row: pd.Series,
    date: pd.Timestamp,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    window_days: int,
    confirmation: str | Sequence[str],
    seed: int,
) -> dict[str, Any]:
    """The brief's net-of-other-events fields: :func:`analysis.models.attribution.fit` on the
    day-dated attacks of the period with a step for the focus and for each other event inside
    its windows; excess attacks over ``window_days``. Never raises on data: a fit that fails
    leaves the numbers NaN and ``net_missing`` saying why."""
    event_id = str(row["event_id"])
    span = pd.Timedelta(days=int(window_days))
    period = events_between(events, lo, hi)
    near = period[period["date"].between(date - span, date + span - DAY)]
    near = near.assign(date=pd.DatetimeIndex(near["date"]).normalize())
    near = pd.concat([near[near["event_id"] == event_id], near[near["event_id"] != event_id]])
    times = attack_times(incidents, lo, hi, confirmation)
    out: dict[str, Any] = {"net_same_day": {}, "net_left_out": []}
    kept: dict[pd.Timestamp, str] = {}
    for r in near.itertuples(index=False):
        eid, day = str(r.event_id), pd.Timestamp(r.date)
        if day in kept:  # the focus first: an event on its day is fitted as one with it
            out["net_same_day"][eid] = kept[day]
        elif eid != event_id and (day <= lo or not (times < day).any()):
            out["net_left_out"].append(eid)
        else:
            kept[day] = eid
    chosen = pd.Series(kept, dtype=object).sort_index()
    out["net_events"] = [str(e) for e in chosen]
    if not (times < date).any():
        out["net_missing"] = (
            "no attack was recorded before the event in the period, so a change at it cannot "
            "be estimated"
        )
        return out
    try:
        fit = attribution_model.fit(
            times,
            events={eid: day for day, eid in chosen.items()},
            start=lo,
            end=hi + DAY,
            horizon_days=int(window_days),
            seed=seed,
            compare=False,
        )
    except _FIT_ERRORS as exc:
        out["net_missing"] = f"the joint model could not be fitted ({exc})"
        return out
    eff = fit.effects
    name = next(
        k for k, r in eff.iterrows() if k == event_id or event_id in r["cluster"].split(", ")
    )
    r = eff.loc[name]
    group = r["cluster"].split(", ") if r["cluster"] else [event_id]
    group += [e for e, k in out["net_same_day"].items() if k in group]
    dates = dict(zip(chosen.to_numpy(), chosen.index, strict=True))
    last = max(dates[g] for g in group if g in dates)
    reason = cluster_reason(times, [dates[g] for g in group if g in dates])
    at_bound = any(
        b.startswith("rate ratio of ")
        and set(b.removeprefix("rate ratio of ").split(" + ")) & set(group)
        for b in fit.at_bound
    )
    out.update(
        attribution=fit,
        net_group=group,
        net_rate_ratio=float(r["rate_ratio"]),
        net_low=float(r["rate_ratio_low"]),
        net_high=float(r["rate_ratio_high"]),
        net_p=float(r["p_value"]),
        net_excess=float(r["excess"]),
        net_excess_low=float(r["excess_low"]),
        net_excess_high=float(r["excess_high"]),
        net_excess_from=last,
        net_at_bound=bool(at_bound),
        net_cluster_reason=reason,
    )
    return out


def _try(notes: list[str], what: str, fit: Any) -> Any:
    """``fit()``, or None with a note when the model rejects this data (a ``ValueError``)."""
    try:
        return fit()
    except ValueError as exc:
        notes.append(f"The {what} could not be computed: {exc}.")
        return None
