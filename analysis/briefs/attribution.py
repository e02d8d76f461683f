"""The attribution page: which of several close events moved the tempo, for readers.

:func:`attribution_page` fits :func:`analysis.models.attribution.fit` (self-exciting process
with a term per event) and its cross-check :func:`~analysis.models.count_attribution.fit_counts`
(negative-binomial regression of counts) to one campaign's attacks and events and returns an
:class:`AttributionPage`: the two fits and every reader view of ``notebooks/06_attribution``
(effects, nested-model comparison and cross-check tables, plain-words summary, the two charts)
and the values the page records. Events with no attack before them in the period cannot have a
change measured (from none, any rate is an infinite rise); they are left out of the fits and
named on the page.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.briefs.html import Html, esc, label_with_notes, note_html, reader_table
from analysis.briefs.lookups import attack_times, events_between
from analysis.briefs.wording import (
    DAY,
    estimate_text,
    excess_text,
    finite_or_none,
    fmt_count,
    fmt_date,
    fmt_p,
    fmt_span,
    iso_period,
    plural,
    ratio_phrase,
    ratio_text,
)
from analysis.errors import ParameterError
from analysis.models import attribution, count_attribution
from analysis.models.attribution import AttributionResults
from analysis.models.count_attribution import CountAttributionResults
from analysis.results import Results, attr
from analysis.series import MonthPrecisionWarning, counts

__all__ = ["AttributionPage", "attribution_page", "cluster_reason"]


def cluster_reason(times: pd.Series, days: Sequence[object]) -> str:
    """Why events on ``days`` were reported together, in words: no attack (in ``times``) between
    consecutive ones, their estimates moving together (|correlation| > 0.9), or both."""
    ordered = sorted(pd.Timestamp(d) for d in days)
    pairs = zip(ordered, ordered[1:], strict=False)
    gaps = [bool(((times >= a) & (times < b)).any()) for a, b in pairs]
    if not gaps:
        return ""
    if not any(gaps):
        return "no attack was recorded between them"
    if all(gaps):
        return "their estimates move together too closely to split (correlation beyond 0.9)"
    return (
        "some have no attack between them, and the others' estimates move together too closely "
        "to split"
    )


_MODEL_WORDS = {
    "full": "events and self-excitation (the model reported)",
    "no events, no self-excitation": "neither (background rate only)",
    "events only": "events, no self-excitation",
    "self-excitation only": "self-excitation, no events",
}


@dataclass(repr=False, eq=False)
class AttributionPage(Results):
    """One campaign's attribution page: the fits, the events fitted and those left out."""

    title = "Attribution"

    fit: AttributionResults = attr("the self-exciting process with a term per event")
    counts_fit: CountAttributionResults | None = attr(
        "the negative-binomial cross-check (None if it could not be fitted)"
    )
    counts_missing: str = attr("why the cross-check is missing ('' when fitted)")
    events: pd.DataFrame = attr("the events fitted: event_id, date, label")
    left_out: pd.DataFrame = attr("events asked for but left out (no attack before them)")
    start: pd.Timestamp = attr("first day of the period")
    end: pd.Timestamp = attr("last day of the period")
    confirmation: str | list[str] = attr("confirmation levels counted")
    counts_freq: str = attr("period of the cross-check's counts (D or W-MON)")
    trend: bool = attr("whether both models have a log-linear trend besides the events")
    cluster_reasons: dict[str, str] = attr(
        "per cluster of the fit (its members as in effects['cluster']): why, in words"
    )

    # -- words ------------------------------------------------------------------------------
    def _label(self, event_id: str) -> str:
        rows = self.events[self.events["event_id"] == event_id]
        return str(rows["label"].iloc[0]) if len(rows) else event_id

    def _row_label(self, name: str) -> str:
        return " + ".join(self._label(e) for e in str(name).split(" + "))

    def to_frame(self) -> pd.DataFrame:
        return self.fit.effects.copy()

    def headline(self) -> str:
        """One sentence: the events' net changes that are unlikely to be chance, contagion."""
        eff = self.fit.effects
        clear = eff[eff["p_value"] < 0.05]
        span = fmt_span(self.start, self.end)
        if len(clear):
            parts = [
                f"{self._row_label(n)} "
                f"({ratio_text(r['rate_ratio'], r['rate_ratio_low'], r['rate_ratio_high'])})"
                for n, r in clear.iterrows()
            ]
            found = (
                f"net of each other and of attacks triggering attacks, {len(clear)} of "
                f"{len(eff)} changes are unlikely to be chance: " + "; ".join(parts)
            )
        else:
            found = (
                f"net of each other and of attacks triggering attacks, none of the {len(eff)} "
                "changes fitted is clearly more than chance"
            )
        f = self.fit
        return (
            f"From {span}, with {plural(len(self.events), 'event')} fitted together, {found}; "
            f"about {100 * f.contagion_share:.0f}% of attacks (95% interval "
            f"{100 * f.contagion_share_low:.0f}% to {100 * f.contagion_share_high:.0f}%) followed "
            "from earlier attacks."
        )

    def summary(self) -> str:
        return " ".join([self.headline(), *self.summary_lines()])

    def summary_lines(self) -> list[str]:
        """What the headline leaves out, in plain words: clusters, left-out events, estimates
        at a search limit, the fit check and the trend assumption."""
        f = self.fit
        lines = []
        for _, r in f.effects.iterrows():
            if r["cluster"]:
                members = [self._label(e) for e in r["cluster"].split(", ")]
                why = self.cluster_reasons.get(r["cluster"], "")
                lines.append(
                    f"{', '.join(members[:-1])} and {members[-1]} are too close for the data to "
                    f"tell apart ({why}), so "
                    "only their joint change is given: "
                    f"{ratio_phrase(r['rate_ratio'], r['rate_ratio_low'], r['rate_ratio_high'])}"
                    " after the last of them."
                )
        if len(self.left_out):
            names = "; ".join(
                f"{r.label} ({fmt_date(r.date)})" for r in self.left_out.itertuples(index=False)
            )
            lines.append(
                f"Left out, with no attack recorded before them in the period (a change from "
                f"none cannot be measured): {names}."
            )
        if f.at_bound:
            lines.append(
                "Some estimates sit at a limit of the model's search (for instance no attack at "
                "all after an event), so their intervals are not reliable: "
                f"{'; '.join(f.at_bound)}."
            )
        if self.trend:
            lines.append(
                "The background rate has a log-linear trend over the period besides the events' "
                "steps; over a long period the trend and the steps compete to explain the same "
                "rises and falls, so the figures can move a lot with this choice."
            )
        else:
            lines.append(
                "The background rate is held constant apart from the events' steps (no trend). "
                "With a trend over the period (trend = True) the trend and the steps compete to "
                "explain the same rises and falls, and the figures can move a lot."
            )
        verdict = "adequate" if f.gof_p >= 0.05 else "poor: read the figures with caution"
        lines.append(
            f"The fit of the timing of attacks (time-rescaling test) is {verdict} "
            f"(p = {fmt_p(f.gof_p)})."
        )
        return lines

    def summary_html(self) -> Html:
        """The findings as paragraphs."""
        lines = self.summary_lines()
        body = "".join(f'<p class="escalation-summary">{esc(t)}</p>' for t in lines)
        return Html(body, "\n".join(lines))

    # -- tables ------------------------------------------------------------------------------
    def _excess_cell(self, name: object, r: pd.Series) -> str:
        """An effects row's excess attacks over the horizon, bounded to what the counts allow:
        at most the attacks recorded in the horizon from the row's date, at least minus the
        attacks the model expects there without the event."""
        d = self.fit.decomposition
        start = pd.Timestamp(r["date"])
        inside = d.loc[(d.index >= start) & (d.index < start + self.fit.horizon_days * DAY)]
        observed = float(inside["observed"].sum())
        expected = float(inside["expected"].sum()) - float(r["excess"])
        return excess_text(
            r["excess"], r["excess_low"], r["excess_high"], observed=observed, expected=expected
        )

    def effects_html(self) -> Html:
        """Per event (or cluster): date, change in rate (95% interval), p, attacks over the
        horizon it accounts for (95% interval, follow-on attacks included), half-life."""
        f = self.fit
        pulses = (f.effects["effect"] != "step").any()
        header = [
            "event",
            "date",
            "change in rate (95% interval)",
            "p",
            f"attacks over {f.horizon_days} days (95% interval)",
        ]
        if pulses:
            header.append("half-life, days (95% interval)")
        rows = []
        for name, r in f.effects.iterrows():
            notes = []
            if r["cluster"]:
                notes.append("cannot be separated: joint change after the last")
            if r["effect"] == "pulse":
                notes.append("a change that fades")
            row = [
                label_with_notes(self._row_label(name), notes),
                fmt_date(r["date"]),
                estimate_text(r["rate_ratio"], r["rate_ratio_low"], r["rate_ratio_high"]),
                fmt_p(r["p_value"]),
                self._excess_cell(name, r),
            ]
            if pulses:
                row.append(
                    estimate_text(
                        r["half_life_days"], r["half_life_days_low"], r["half_life_days_high"]
                    )
                    if r["effect"] == "pulse"
                    else ""
                )
            rows.append(row)
        return reader_table(header, rows, "attribution-effects", numeric=[2, 3, 4], nowrap=[1])

    def comparison_html(self) -> Html:
        """The model against simpler ones: log-likelihood, parameters, AIC, test against it."""
        c = self.fit.comparison
        header = ["model", "log-likelihood", "parameters", "AIC", "simpler model enough? (p)"]
        rows = []
        for name, r in c.iterrows():
            p = "" if name == "full" else fmt_p(r["p_value"])
            rows.append(
                [
                    _MODEL_WORDS.get(str(name), str(name)),
                    f"{r['loglik']:,.1f}",
                    f"{int(r['n_params'])}",
                    f"{r['aic']:,.1f}",
                    p,
                ]
            )
        return reader_table(header, rows, "attribution-comparison", numeric=[1, 2, 3, 4])

    def crosscheck_html(self) -> Html:
        """Both models side by side, per event: change in rate and attacks over the horizon."""
        f, c = self.fit, self.counts_fit
        if c is None:
            return note_html(f"The count cross-check could not be fitted: {self.counts_missing}.")
        header = [
            "event",
            "change in rate: point process",
            "change in rate: count regression",
            "attacks: point process",
            "attacks: count regression",
        ]
        by_member = {m: n for n in c.effects.index for m in str(n).split(" + ")}
        shown: set[str] = set()
        rows = []
        for name, r in f.effects.iterrows():
            first = str(name).split(" + ")[0]
            other = by_member.get(first)
            notes = []
            if other is not None and other != name:
                notes.append(f"count regression: {self._row_label(other)} jointly")
            if other is None:
                cells = ["", ""]
            elif other in shown:
                cells = ["jointly, in the row above", "jointly, in the row above"]
            else:
                shown.add(other)
                q = c.effects.loc[other]
                cells = [
                    estimate_text(q["rate_ratio"], q["rate_ratio_low"], q["rate_ratio_high"]),
                    _count_cell(q["excess"], q["excess_low"], q["excess_high"]),
                ]
            rows.append(
                [
                    label_with_notes(self._row_label(name), notes),
                    estimate_text(r["rate_ratio"], r["rate_ratio_low"], r["rate_ratio_high"]),
                    cells[0],
                    self._excess_cell(name, r),
                    cells[1],
                ]
            )
        table = reader_table(header, rows, "attribution-crosscheck", numeric=[1, 2, 3, 4])
        unit = c.unit
        note = note_html(
            f"Count regression: negative-binomial regression of {unit}ly counts on the same "
            f"{'trend' if self.trend else 'constant background'} and event steps plus the "
            f"previous {unit}'s count; attacks over "
            f"{plural(c.horizon_periods, unit)}. Point process: attacks over "
            f"{f.horizon_days} days."
        )
        return table + note

    # -- charts ------------------------------------------------------------------------------
    def plot(self, ax: Axes | None = None) -> Axes:
        """The decomposition: background, what the events added or removed, contagion."""
        return self.fit.plot(ax=ax)

    def plot_gof(self, ax: Axes | None = None) -> Axes:
        """The time-rescaling check of the point-process fit."""
        return self.fit.plot_gof(ax=ax)

    # -- values ------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Title, headline and numbers the page records (JSON-safe: None where not finite)."""
        f = self.fit
        effects = {
            str(n): {
                k: finite_or_none(r[k])
                for k in (
                    "rate_ratio",
                    "rate_ratio_low",
                    "rate_ratio_high",
                    "p_value",
                    "excess",
                    "excess_low",
                    "excess_high",
                    "half_life_days",
                )
            }
            for n, r in f.effects.iterrows()
        }
        out: dict[str, Any] = {
            "title": f"Which event moved the tempo? Attribution, {fmt_span(self.start, self.end)}",
            "headline": self.headline(),
            "focus_event": None,
            "period": iso_period(self.start, self.end),
            "events": list(self.events["event_id"]),
            "left_out": list(self.left_out["event_id"]),
            "clusters": [list(c) for c in f.clusters],
            "effects": effects,
            "n_attacks": f.n_attacks,
            "trend": self.trend,
            "gof_p": finite_or_none(f.gof_p),
        }
        for k in ("branching_ratio", "branching_ratio_low", "branching_ratio_high"):
            out[k] = finite_or_none(getattr(f, k))
        for k in ("contagion_share", "contagion_share_low", "contagion_share_high"):
            out[k] = finite_or_none(getattr(f, k))
        out["comparison_p"] = {
            str(n): finite_or_none(r["p_value"]) for n, r in f.comparison.iterrows() if n != "full"
        }
        if self.counts_fit is not None:
            out["counts_effects"] = {
                str(n): finite_or_none(r["rate_ratio"])
                for n, r in self.counts_fit.effects.iterrows()
            }
        return out


def _count_cell(x: float, low: float, high: float) -> str:
    """ "-2.0 (-149 to 19)"; "not estimable" when a number is missing."""
    if not all(np.isfinite([x, low, high])):
        return "not estimable"
    return f"{fmt_count(x)} ({fmt_count(low)} to {fmt_count(high)})"


def attribution_page(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    *,
    start: object,
    end: object,
    event_ids: Sequence[str],
    effect: str = "step",
    confirmation: str | Sequence[str] = "confirmed",
    horizon_days: int = 30,
    counts_freq: str = "W-MON",
    trend: bool = False,
    seed: int = 0,
) -> AttributionPage:
    """Fit the attribution model and its count cross-check to the attacks known to the day from
    ``start`` to ``end`` (inclusive) with the events ``event_ids``; see the module docstring.
    ``trend`` adds a log-linear trend to both models' background (off by default here: over a
    campaign with events throughout, an exponential trend and the steps explain the same rises
    and falls, and the trend extrapolates far beyond the attacks seen).

    Events outside the period or with no attack before them in it are left out (named on the
    page). Unknown ids are a :class:`~analysis.errors.ParameterError`; the point-process fit's
    own errors (too few attacks, ...) are raised, the cross-check's are noted on the page.
    """
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    known = set(events["event_id"].astype(str))
    unknown = [e for e in event_ids if str(e) not in known]
    if unknown:
        raise ParameterError(f"event_ids: unknown event id(s) {unknown}")
    times = attack_times(incidents, lo, hi, confirmation)
    chosen = events[events["event_id"].astype(str).isin([str(e) for e in event_ids])]
    chosen = chosen.assign(date=pd.DatetimeIndex(chosen["date"]).normalize())
    chosen = chosen.sort_values("date", kind="stable")[["event_id", "date", "label"]]
    inside = events_between(chosen, lo, hi)
    usable = inside[[bool((times < d).any()) and d > lo for d in inside["date"]]]
    left_out = chosen[~chosen["event_id"].isin(usable["event_id"])]
    if usable.empty:
        raise ParameterError(
            "event_ids: no event of the list has an attack before it in the period "
            f"{fmt_span(lo, hi)}"
        )
    usable = usable.reset_index(drop=True)
    forms = effect if isinstance(effect, str) else dict(effect)
    fit = attribution.fit(
        times,
        events=usable,
        start=lo,
        end=hi + DAY,
        effect=forms,
        trend=bool(trend),
        horizon_days=horizon_days,
        seed=seed,
    )
    day_of = dict(zip(usable["event_id"].astype(str), usable["date"], strict=True))
    reasons = {
        c: cluster_reason(times, [day_of[m] for m in c.split(", ")])
        for c in fit.effects["cluster"]
        if c
    }
    counts_fit, missing = None, ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)  # month-only rows: a caveat
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            y = counts(incidents, counts_freq, lo, hi, confirmation=confirmation)
            counts_fit = count_attribution.fit_counts(
                y, events=usable, trend=bool(trend), horizon_days=horizon_days, seed=seed
            )
        except (ValueError, RuntimeError, ArithmeticError, np.linalg.LinAlgError) as exc:
            missing = str(exc)
    return AttributionPage(
        fit=fit,
        counts_fit=counts_fit,
        counts_missing=missing,
        events=usable,
        left_out=left_out.reset_index(drop=True),
        start=lo,
        end=hi,
        confirmation=confirmation if isinstance(confirmation, str) else list(confirmation),
        counts_freq=counts_freq,
        trend=bool(trend),
        cluster_reasons=reasons,
    )
