"""Reader views of the model pages (``notebooks/02``-``05``): every model's table and summary,
written for a newsroom.

The analysis notebooks show these instead of raw frames and ``print(result.summary())``. Each
function returns an :class:`~analysis.briefs.html.Html`: an escaped reader table
(:func:`~analysis.briefs.html.reader_table`, the event brief's table style) or paragraphs, with a
plain-text twin. They are written the way the event brief is (:mod:`analysis.briefs.wording`):
numbers rounded, with units and 95% intervals in one cell ("0.08 a day (0.04 to 0.15)"),
p-values to three digits, dates as "3 Jan 2020", category names and column headers in words, no
index column. A number the data cannot pin down is said in words: a rate over a span without
attacks is "no attacks: below 0.10 a day", the exact one-sided 95% upper limit
(:func:`~analysis.briefs.wording.zero_count_upper`), never 0, ``1e-11`` or ``inf``.

Analysts keep the full frames: ``result.to_frame()`` is unchanged; these are separate views.
:func:`summary_html` picks the summary of any model's results.

>>> windows_table_html(windows.compare(daily, events=events), events)   # one row per event
>>> summary_html(its.fit(weekly, events=events))                # the model summary as paragraphs
"""

from __future__ import annotations

import pandas as pd

from analysis.briefs.html import (
    Cell,
    Html,
    label_with_notes,
    note_html,
    paragraphs,
    reader_table,
    strong,
)
from analysis.briefs.wording import (
    DAY,
    all_finite,
    and_list,
    count_upper,
    estimate_text,
    excess_text,
    fmt_count,
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_p,
    fmt_span,
    pct,
    per_unit,
    percent_change_text,
    period_label,
    period_span,
    plural,
    rate_words,
    ratio_phrase,
    unit_adjective,
    zero_count_upper,
)
from analysis.models.changepoints import ChangepointResults
from analysis.models.counterfactual import CounterfactualResults
from analysis.models.hawkes import HawkesResults
from analysis.models.inputs import period_unit
from analysis.models.its import ITSResults
from analysis.models.windows import WindowsResults
from analysis.results import format_p

__all__ = [
    "changepoint_events_html",
    "changepoints_summary_html",
    "counterfactual_summary_html",
    "counterfactual_table_html",
    "hawkes_summary_html",
    "hawkes_table_html",
    "its_diagnostics_html",
    "its_effects_html",
    "its_summary_html",
    "segments_html",
    "summary_html",
    "windows_summary_html",
    "windows_table_html",
]

_FAMILIES = {"poisson": "Poisson", "quasipoisson": "quasi-Poisson", "negbin": "negative-binomial"}


def _label_map(events: object) -> dict[str, str]:
    if not isinstance(events, pd.DataFrame) or not {"event_id", "label"} <= set(events.columns):
        return {}
    return dict(zip(events["event_id"].astype(str), events["label"].astype(str), strict=True))


def _ratio_cell(r: pd.Series) -> str:
    """The window rate ratio with its interval, or what stands in for it, in words."""
    if r["days_before"] == 0 or r["days_after"] == 0:
        return "no comparison: a window lies outside the data"
    if r["before"] == 0 and r["after"] == 0:
        return "no attacks on either side"
    if r["before"] == 0:
        return f"not defined (lower limit {fmt_number(r['low'])})"
    return estimate_text(r["rate_ratio"], r["low"], r["high"])


def windows_table_html(res: WindowsResults, events: pd.DataFrame | None = None) -> Html:
    """One row per event: event (with the other events in its windows and any window cut short
    by the data), date, attacks before / after, the daily rates before and after (in words when
    no attack was recorded), the rate ratio after / before with its exact 95% interval, and the
    p-value with the Holm-adjusted one in brackets."""
    labels = _label_map(events)
    d = res.days
    n_tested = int(res.table["p"].notna().sum())
    rows = []
    for name, r in res.table.iterrows():
        notes = []
        others = res.overlapping.get(name, [])
        if others:
            notes.append(f"{plural(len(others), 'other event')} in its windows")
        for side, days in (("before", r["days_before"]), ("after", r["days_after"])):
            if days < d:
                notes.append(f"only {plural(days, 'day')} of data {side}")
        p = f"{fmt_p(r['p'])} ({fmt_p(r['p_holm'])})" if all_finite(r["p"], r["p_holm"]) else ""
        rows.append(
            [
                label_with_notes(labels.get(str(name), str(name)), notes),
                fmt_date(res.dates[name]),
                f"{int(r['before'])} / {int(r['after'])}",
                rate_words(r["before"], r["days_before"], "day"),
                rate_words(r["after"], r["days_after"], "day"),
                _ratio_cell(r),
                p,
            ]
        )
    header = [
        "event",
        "date",
        "attacks before / after",
        "rate before",
        "rate after",
        "rate ratio after / before (95% interval)",
        f"p (adjusted for {n_tested} events)",
    ]
    return reader_table(header, rows, "windows", numeric=[2, 3, 4, 5, 6], nowrap=[1])


def _primary_of(ids: list[str], findings: pd.DataFrame) -> str:
    """What the primary analysis says of the events this page's comparison flags: how many
    separate findings they are (inseparable groups count once) and which it grades clear."""
    rows = findings[findings["event_id"].isin(ids)]
    labels = dict(zip(findings["event_id"].astype(str), findings["label"].astype(str), strict=True))
    seen: set[str] = set()
    groups, clear = [], []
    for _, r in rows.iterrows():
        eid = str(r["event_id"])
        if eid in seen:
            continue
        members = [eid] + [
            g for g in str(r["group"]).split(";") if g and r["grade"] == "inseparable"
        ]
        seen.update(members)
        if len(members) > 1:
            groups.append(and_list([labels.get(m, m) for m in members]))
        if str(r["joint_grade"] if r["grade"] == "inseparable" else r["grade"]).startswith("clear"):
            clear.append(labels.get(eid, eid))
    n_findings = len({*ids} - seen) + len(
        {
            frozenset([str(r["event_id"]), *[g for g in str(r["group"]).split(";") if g]])
            for _, r in rows.iterrows()
        }
    )
    which = f"only {and_list(clear)}" if clear else "none of them"
    text = (
        "Of these, the primary analysis (each campaign's events fitted together) grades "
        f"{which} a clear change"
    )
    if groups:
        text += (
            f"; it cannot separate {'; nor '.join(groups)}, so these "
            f"{plural(len(ids), 'event')} are {n_findings} findings, not {len(ids)}"
        )
    return text + "."


def windows_summary_html(
    res: WindowsResults,
    events: pd.DataFrame | None = None,
    findings: pd.DataFrame | None = None,
) -> Html:
    """The window comparison in paragraphs: what was compared, which events show a change
    unlikely to be chance after the Holm adjustment (with ``findings``, the findings table:
    which of them the primary analysis cannot separate and grades clear), overlapping and
    cut-short windows."""
    t = res.table
    labels = _label_map(events)
    d = res.days
    n = len(t)
    tested = t[t["p"].notna()]
    texts = [
        f"Attacks in the {d} days before each of {plural(n, 'event')} against the {d} days from "
        "the event day on. The rate ratio divides the daily rate after by the daily rate before "
        "(2 means twice as many attacks a day); its 95% interval and p-value are exact (a "
        "binomial test conditional on the total). Because among many events a few "
        "'significant' changes arise by chance alone, each p-value is also adjusted for the "
        f"{plural(len(tested), 'event')} compared (Holm)."
    ]
    sig = tested[tested["p_holm"] < 0.05]
    if len(sig):
        parts = []
        for name, r in sig.iterrows():
            label = labels.get(str(name), str(name))
            size = (
                ratio_phrase(r["rate_ratio"], r["low"], r["high"])
                if all_finite(r["rate_ratio"])
                else "no attacks before"
            )
            parts.append(
                f"{label} ({fmt_date(res.dates[name])}): {plural(r['after'], 'attack')} after "
                f"against {int(r['before'])} before, {size}, adjusted {format_p(r['p_holm'])}"
            )
        verb = "shows" if len(sig) == 1 else "show"
        texts.append(
            f"By this page's comparison, after that adjustment, {plural(len(sig), 'event')} "
            f"{verb} a change unlikely to be chance alone in {'its' if len(sig) == 1 else 'their'} "
            "own windows: " + "; ".join(parts) + "."
        )
        if findings is not None:
            texts.append(_primary_of(list(map(str, sig.index)), findings))
    else:
        raw = int((tested["p"] < 0.05).sum())
        texts.append(
            "After that adjustment, no event shows a change unlikely to be chance alone"
            + (f" ({raw} would without it)." if raw else ".")
        )
    overlapping = int(t["overlaps"].sum())
    if overlapping:
        texts.append(
            f"The windows of {overlapping} of the {n} events hold another event, so their "
            "before/after contrast mixes the effects of both (the table says how many)."
        )
    undefined = int(((t["before"] == 0) & (t["after"] > 0) & (t["days_before"] > 0)).sum())
    if undefined:
        texts.append(
            f"For {plural(undefined, 'event')} no attack was recorded in the {d} days before, so "
            "the rate ratio is not defined; the table gives the lower limit of its interval."
        )
    short = [
        labels.get(str(name), str(name))
        for name, r in t.iterrows()
        if r["days_before"] < d or r["days_after"] < d
    ]
    if short:
        texts.append(
            f"Windows cut short by the start or end of the data: {and_list(short)} (rates per day "
            "of data)."
        )
    texts.append(
        "A p-value above 0.05 means the change could be chance given the number of attacks; it "
        "does not show that nothing changed."
    )
    return paragraphs(texts, "summary")


# --------------------------------------------------------------------------------------------
# 03 interrupted time series
# --------------------------------------------------------------------------------------------


def _its_labels(res: ITSResults, events: pd.DataFrame | None) -> dict[str, str]:
    """Event id -> label from ``events`` when given, else the labels the fit kept."""
    return _label_map(events) if events is not None else dict(res.labels)


def its_effects_html(res: ITSResults, events: pd.DataFrame | None = None) -> Html:
    """One row per intervention: event, date, the step at the event (rate ratio with its 95%
    interval), its p-value and, when fitted, the change of trend per period and its p-value."""
    labels = _its_labels(res, events)
    unit = period_unit(res.freq)
    slope = "slope_rr" in res.effects.columns
    rows = []
    for name, r in res.effects.iterrows():
        row = [
            labels.get(str(name), str(name)),
            fmt_date(res.interventions[name]),
            estimate_text(r["level_rr"], r["level_low"], r["level_high"]),
            fmt_p(r["level_p"]),
        ]
        if slope:
            row += [
                estimate_text(r["slope_rr"], r["slope_low"], r["slope_high"], 3),
                fmt_p(r["slope_p"]),
            ]
        rows.append(row)
    header = ["event", "date", "step at the event: rate ratio (95% interval)", "p"]
    if slope:
        header += [f"change of trend, per {unit}: rate ratio (95% interval)", "p"]
    return reader_table(header, rows, "its-effects", numeric=range(2, len(header)), nowrap=[1])


def _its_cov_words(res: ITSResults, unit: str) -> str:
    return {
        "hac": "Standard errors allow for over-dispersion and for autocorrelation up to "
        f"{plural(res.maxlags, unit)} apart.",
        "nw": f"Newey-West standard errors ({plural(res.maxlags, 'lag')}).",
        "robust": "Heteroskedasticity-robust standard errors.",
        "model": "Model-based standard errors.",
    }.get(res.cov, "")


def its_summary_html(res: ITSResults, events: pd.DataFrame | None = None) -> Html:
    """The segmented regression in paragraphs: the model, then one sentence per intervention."""
    labels = _its_labels(res, events)
    unit = period_unit(res.freq)
    adj = unit_adjective(unit)
    f = res.fitted
    names = [labels.get(str(n), str(n)) for n in res.effects.index]
    texts = [
        f"A segmented {_FAMILIES.get(res.family, res.family)} regression of attacks per {unit} "
        f"over {plural(len(f), unit)} ({period_span(f.index[0], f.index[-1], unit)}), with a "
        "level and a "
        f"trend, and a step and a change of trend at {and_list(names)}. The step compares "
        f"the {adj} rate just after the event with the trend before it carried forward (0.5 = the "
        f"rate halved). {_its_cov_words(res, unit)}"
    ]
    for name, r in res.effects.iterrows():
        label = labels.get(str(name), str(name))
        if all_finite(r["level_rr"], r["level_low"], r["level_high"]):
            text = (
                f"{label} ({fmt_date(res.interventions[name])}): the {adj} rate stepped to "
                f"{ratio_phrase(r['level_rr'], r['level_low'], r['level_high'], 'its trend')} "
                f"({format_p(r['level_p'])})"
            )
        else:
            text = f"{label} ({fmt_date(res.interventions[name])}): the step is not estimable"
        if "slope_rr" in r.index and all_finite(r["slope_rr"], r["slope_low"], r["slope_high"]):
            text += (
                f", and the trend then changed by a factor of {fmt_number(r['slope_rr'], 3)} per "
                f"{unit} ({fmt_interval(r['slope_low'], r['slope_high'], 3)}, "
                f"{format_p(r['slope_p'])})"
            )
        texts.append(text + ".")
    texts.append(
        "A p-value above 0.05 means the change could be chance given the number of attacks; it "
        "does not show that nothing changed. Other events in the period are not modelled."
    )
    return paragraphs(texts, "summary")


def its_diagnostics_html(res: ITSResults) -> Html:
    """Dispersion and leftover autocorrelation (Ljung-Box) of the segmented model, in words."""
    unit = period_unit(res.freq)
    allowed = res.family != "poisson" or res.cov != "model"
    d = float(res.dispersion)
    if res.family == "negbin":
        disp = (
            f"Over-dispersion: the negative-binomial α is {fmt_number(d)} (0 would be Poisson): "
            "the model allows for counts that vary more than Poisson counts do."
        )
    elif d > 1.1:
        disp = (
            f"Dispersion {fmt_number(d)}: the {unit_adjective(unit)} counts vary more than a "
            "Poisson model allows (1 would be Poisson); "
            + (
                "the standard errors allow for it."
                if allowed
                else "the model-based intervals are too narrow."
            )
        )
    elif d < 0.9:
        disp = (
            f"Dispersion {fmt_number(d)}: the counts vary less than a Poisson model expects "
            "(1 would be Poisson)."
        )
    else:
        disp = f"Dispersion {fmt_number(d)}: close to Poisson (1)."
    lb = res.ljung_box
    p = float(res.residual_autocorrelation)
    lag = int(lb.index[-1])
    test = f"Ljung-Box {format_p(p)} at lag {lag}, residuals up to {plural(lag, unit)} apart"
    if not all_finite(p):
        auto = "Leftover autocorrelation could not be tested."
    elif p >= 0.05:
        auto = f"No sign of autocorrelation left in the residuals ({test})."
        low = lb["lb_pvalue"].astype(float)
        if (low < 0.05).any():
            k = int(low.idxmin())
            auto += f" At lag {k} alone the test gives {format_p(float(low.min()))}."
    else:
        robust = res.cov in ("hac", "nw")
        auto = f"Autocorrelation is left in the residuals ({test}): " + (
            "the autocorrelation-robust standard errors allow for it, but it hints at structure "
            "the model misses (other events, changes in reporting)."
            if robust
            else "these standard errors do not allow for it, so the intervals are too narrow."
        )
    return paragraphs([disp, auto], "summary")


# --------------------------------------------------------------------------------------------
# 04 changepoints and self-excitation
# --------------------------------------------------------------------------------------------


def changepoints_summary_html(cp: ChangepointResults) -> Html:
    """The segmentation in paragraphs: how many changes, how they were found, how to read them."""
    seg = cp.segments
    unit = cp.unit
    k = len(cp.changepoints)
    n = int(seg["n_periods"].sum())
    span = period_span(seg["start"].iloc[0], seg["end"].iloc[-1], unit)
    if cp.method == "dp":
        how = f"the best segmentation with exactly {plural(k, 'change')}"
    else:
        name = cp.penalty_name.upper() if cp.penalty_name != "fixed" else "fixed"
        how = f"exact Poisson segmentation (PELT with a {name} penalty)"
    if not k:
        found = f"No change in the {unit_adjective(unit)} attack rate was found"
        tail = f" (shortest segment allowed: {plural(cp.min_size, unit)})."
    else:
        found = f"The {unit_adjective(unit)} attack rate changed {plural(k, 'time')}"
        tail = "; each date is its posterior median." if cp.locate == "median" else "."
    texts = [
        f"{found} over {plural(n, unit)} ({span}), by {how}" + tail,
        "Each segment's rate comes with an exact 95% interval given the changepoints (somewhat "
        "too narrow, since the changepoints were chosen to make the rates differ); each "
        "change's date comes with a 95% interval, and an event inside it is as close as the "
        "data can say. Counts are assumed Poisson: clustered attacks yield more changes than the "
        "penalty intends.",
    ]
    return paragraphs(texts, "summary")


def segments_html(cp: ChangepointResults) -> Html:
    """One row per segment of constant rate: first and last period, periods, attacks, and the
    rate per period with its exact 95% interval (in words when the segment has no attack)."""
    unit = cp.unit
    rows = [
        [
            period_label(r["start"], unit),
            period_label(r["end"], unit),
            f"{int(r['n_periods'])}",
            f"{int(r['count'])}",
            rate_words(r["count"], r["n_periods"], unit, r["rate_low"], r["rate_high"]),
        ]
        for _, r in cp.segments.iterrows()
    ]
    of = "" if unit == "month" else f" ({unit} of)"
    header = [f"from{of}", f"to{of}", f"{unit}s", "attacks", "rate (95% interval)"]
    return reader_table(header, rows, "segments", numeric=[2, 3, 4], nowrap=[0, 1])


def _timing(lag_days: int) -> str:
    if lag_days == 0:
        return "on the day of the event"
    side = "after" if lag_days > 0 else "before"
    return f"{plural(abs(lag_days), 'day')} {side} the event"


def changepoint_events_html(cp: ChangepointResults) -> Html:
    """One row per change: its period, the 95% interval of its date, the rate before and after,
    and (when events were given) the nearest political event and how far the change is from it."""
    unit = cp.unit
    seg = cp.segments
    near = cp.nearest_events
    if not cp.changepoints:
        return note_html("No change in the attack rate was found.", "empty")
    rows = []
    for i, date in enumerate(cp.changepoints):
        loc = cp.locations.iloc[i]
        interval = (
            f"that {unit} alone"
            if loc["low"] == loc["high"]
            else f"{period_label(loc['low'], unit)} to {period_label(loc['high'], unit)}"
        )
        rates = f"{fmt_number(seg['rate'].iloc[i])} → {fmt_number(seg['rate'].iloc[i + 1])}"
        row: list[Cell] = [period_label(date, unit), interval, rates]
        if near is not None:
            e = near.iloc[i]
            if e["event_id"] is None or pd.isna(e["event_id"]):
                row += ["no event nearby", ""]
            else:
                label = e.get("label") if "label" in near.columns else None
                label = (
                    str(label) if label is not None and not pd.isna(label) else str(e["event_id"])
                )
                row += [
                    label_with_notes(label, [fmt_date(e["event_date"])]),
                    _timing(int(e["lag_days"])),
                ]
        rows.append(row)
    of = "" if unit == "month" else f" ({unit} of)"
    header = [
        f"change{of}",
        "95% interval of the date",
        f"attacks {per_unit(unit)}, before → after",
    ]
    if near is not None:
        header += ["nearest event", "the change came"]
    return reader_table(header, rows, "changepoints", numeric=[2], nowrap=[0, 1])


def _regime_count(fit: HawkesResults, start: pd.Timestamp, end: pd.Timestamp) -> int:
    days = fit.counts.index
    return int(fit.counts[(days >= start) & (days < end)].sum())


def _background(fit: HawkesResults, r: pd.Series) -> tuple[str, str, str, str]:
    """A background rate as (estimate cell, interval cell, words for a sentence, a note for
    readers or ""), said in words where the data cannot pin it down: no attack in the period
    (exact one-sided 95% upper limit), or the period's attacks all put down to earlier attacks
    (then the upper limit of the rate of all attacks, which bounds the background)."""
    start, end = pd.Timestamp(r["start"]), pd.Timestamp(r["end"])
    exposure = (end - start) / DAY
    count = _regime_count(fit, start, end)
    if count == 0:
        upper = fmt_number(zero_count_upper(exposure))
        return (
            rate_words(0, exposure, "day"),
            "",
            f"no attacks in this period: the rate is below {upper} a day",
            "",
        )
    b, lo, hi = r["baseline"], r["low"], r["high"]
    if not all_finite(b, lo, hi) or b < 1e-4:
        upper = fmt_number(count_upper(count, exposure))
        attacks = plural(count, "attack")
        return (
            "close to 0 (not pinned down)",
            f"below {upper} a day",
            f"close to 0, not pinned down by the data ({attacks}, put down to earlier attacks; "
            f"below {upper} a day)",
            f"From {fmt_span(start, _last_day(end))} the model puts the {attacks} recorded down "
            "to earlier attacks, so the data cannot pin the background rate down: it is close to "
            f"0, and below {upper} a day, the exact upper 95% limit of the rate of all attacks in "
            "that period.",
        )
    est, ci = f"{fmt_number(b)} a day", f"{fmt_number(lo)} to {fmt_number(hi)}"
    return est, ci, f"{est} ({ci})", ""


def _no_excitation(fit: HawkesResults) -> bool:
    return "branching_ratio" in fit.at_bound or fit.branching_ratio < 0.005


def _half_life_cells(fit: HawkesResults) -> tuple[str, str]:
    if _no_excitation(fit) or not all_finite(fit.half_life_days):
        return "not identified", ""
    lo, hi = fit.half_life_days_low, fit.half_life_days_high
    interval = (
        f"{fmt_number(lo)} to {fmt_number(hi)} days"
        if all_finite(lo, hi)
        else f"from {fmt_number(lo)} days, no upper limit"
        if all_finite(lo)
        else ""
    )
    return f"{fmt_number(fit.half_life_days)} days", interval


def _last_day(end: object) -> pd.Timestamp:
    """The last day of a window that ends at midnight ``end`` (exclusive)."""
    end = pd.Timestamp(end)
    return end - DAY if end == end.normalize() else end.normalize()


def hawkes_table_html(fit: HawkesResults) -> Html:
    """The self-exciting process's numbers: background rate per day (per period when it may
    change), the share of attacks that followed from earlier attacks (branching ratio), the
    half-life of that excitation in days (95% intervals) and the goodness of fit."""
    rows = []
    notes = []
    several = len(fit.baselines) > 1
    for _, r in fit.baselines.iterrows():
        span = fmt_span(r["start"], _last_day(r["end"]))
        est, ci, _, note = _background(fit, r)
        if note:
            notes.append(note)
        rows.append(
            [
                f"background rate, {span}" if several else "background rate",
                est,
                ci,
            ]
        )
    if several and all_finite(fit.baseline, fit.baseline_low, fit.baseline_high):
        rows.append(
            [
                "background rate, time-weighted mean",
                f"{fmt_number(fit.baseline)} a day",
                f"{fmt_number(fit.baseline_low)} to {fmt_number(fit.baseline_high)}",
            ]
        )
    share = "share of attacks that followed from earlier attacks (branching ratio)"
    if _no_excitation(fit):
        rows.append([share, "none detected", f"below {pct(fit.branching_ratio_high)}"])
    else:
        rows.append(
            [
                share,
                pct(fit.branching_ratio),
                f"{pct(fit.branching_ratio_low)} to {pct(fit.branching_ratio_high)}",
            ]
        )
    rows.append(["half-life of that excitation", *_half_life_cells(fit)])
    fits = "adequate" if fit.gof_p >= 0.05 else "poor"
    rows.append(
        [
            "fit to the timing of attacks (time-rescaling test)",
            f"{fits} ({format_p(fit.gof_p)})",
            "",
        ]
    )
    table = reader_table(["measure", "estimate", "95% interval"], rows, "hawkes", numeric=[1, 2])
    for note in notes:
        table = table + note_html(note)
    return table


def hawkes_summary_html(fit: HawkesResults) -> Html:
    """The self-exciting process in paragraphs: data, self-excitation, background rate, fit."""
    breaks = getattr(fit, "baseline_breaks", None)
    breaks = [] if breaks is None else list(breaks)
    background = (
        f"a background rate that may change on {and_list([fmt_date(b) for b in breaks])}"
        if breaks
        else "one background rate for the whole period"
    )
    texts = [
        f"{fit.n_events:,} attacks from {fmt_span(fit.start, _last_day(fit.end))}, with "
        f"{background}."
    ]
    mid, lo, hi = (
        pct(x) for x in (fit.branching_ratio, fit.branching_ratio_low, fit.branching_ratio_high)
    )
    if _no_excitation(fit):
        texts.append(
            "No self-excitation detected: the estimated share of attacks that followed from "
            f"earlier attacks is {mid} (upper 95% limit {hi}); this close to zero the interval is "
            "unreliable and the half-life of the excitation is not identified."
        )
    else:
        half, half_ci = _half_life_cells(fit)
        texts.append(
            f"About {mid} of attacks (95% interval {lo} to {hi}) followed from earlier attacks; "
            f"that excitation fades with a half-life of {half}"
            + (f" (95% interval {half_ci})." if half_ci else ".")
        )
    if "decay" in fit.at_bound and fit.decay < 1:
        texts.append(
            "The excitation fades as slowly as the model allows: it cannot be told apart from a "
            "drift in the background rate (baseline_breaks let the background change)."
        )
    parts = []
    for _, r in fit.baselines.iterrows():
        text = _background(fit, r)[2]
        if len(fit.baselines) > 1:
            text = f"{fmt_span(r['start'], _last_day(r['end']))}: {text}"
        parts.append(text)
    texts.append(
        "Background rate (attacks not triggered by earlier ones"
        + (", by period): " if len(parts) > 1 else "): ")
        + "; ".join(parts)
        + "."
    )
    verdict = (
        "the model describes the timing of attacks adequately"
        if fit.gof_p >= 0.05
        else "the model does not describe the timing of attacks well; read with caution"
    )
    texts.append(f"Goodness of fit (time-rescaling test): {format_p(fit.gof_p)}, {verdict}.")
    if fit.n_jitter:
        texts.append(
            "Dates known only to the day were spread at random within their day "
            f"({plural(fit.n_jitter, 'draw')} combined)."
        )
    return paragraphs(texts, "summary")


# --------------------------------------------------------------------------------------------
# 05 counterfactual
# --------------------------------------------------------------------------------------------


def _count_interval(x: float, low: float, high: float, floor: float | None = None) -> str:
    if floor is not None:
        low = max(low, floor)
    if not all_finite(x, low, high):
        return "not estimable"
    return f"{fmt_number(x)} ({fmt_number(low)} to {fmt_number(high)})"


def counterfactual_table_html(res: CounterfactualResults) -> Html:
    """One row per post-event period, and the total: observed attacks, attacks expected without
    the event, their difference and its running total, each with a 95% interval."""
    unit = period_unit(res.freq or "W")
    rows: list[list[Cell]] = []
    for date, r in res.table.iterrows():
        rows.append(
            [
                period_label(date, unit),
                fmt_count(r["observed"]),
                _count_interval(r["predicted"], r["predicted_low"], r["predicted_high"], 0.0),
                _count_interval(r["effect"], r["effect_low"], r["effect_high"]),
                _count_interval(
                    r["cumulative_effect"],
                    r["cumulative_effect_low"],
                    r["cumulative_effect_high"],
                ),
            ]
        )
    rows.append(
        [
            strong(f"all {plural(res.n_post, unit)}"),
            strong(fmt_count(res.observed_total)),
            strong(
                _count_interval(
                    res.predicted_total, res.predicted_total_low, res.predicted_total_high, 0.0
                )
            ),
            strong(
                _count_interval(
                    res.cumulative_effect, res.cumulative_effect_low, res.cumulative_effect_high
                )
            ),
            "",
        ]
    )
    of = "month" if unit == "month" else f"{unit} of"
    header = [
        of,
        "attacks",
        "expected without the event (95% interval)",
        "difference (95% interval)",
        "running total of the difference (95% interval)",
    ]
    return reader_table(header, rows, "counterfactual", numeric=[1, 2, 3, 4], nowrap=[0])


def counterfactual_summary_html(res: CounterfactualResults) -> Html:
    """The counterfactual in paragraphs: observed against expected, the excess, its p-value and
    the model."""
    unit = period_unit(res.freq or "W")
    excess = excess_text(
        res.cumulative_effect,
        res.cumulative_effect_low,
        res.cumulative_effect_high,
        observed=res.observed_total,
    )
    texts = [
        f"In the {plural(res.n_post, unit)} from {fmt_date(res.post_start)} (the {unit} holding "
        f"the event and those after it), {fmt_count(res.observed_total)} attacks were recorded "
        f"against about {fmt_count(res.predicted_total)} expected without the event (95% "
        f"interval {fmt_count(max(res.predicted_total_low, 0.0))} to "
        f"{fmt_count(res.predicted_total_high)}): a difference of "
        f"{excess}."
    ]
    if all_finite(res.relative_effect, res.relative_effect_low, res.relative_effect_high):
        upper = zero_count_upper(1.0) / res.predicted_total if res.predicted_total > 0 else None
        texts[0] += (
            " Against the expected: "
            + percent_change_text(
                res.relative_effect,
                res.relative_effect_low,
                res.relative_effect_high,
                zero_after_upper=upper,
            )
            + "."
        )
    texts.append(
        f"One-sided p = {fmt_p(res.p_value)}: the share of {res.n_samples:,} simulated totals "
        "without the event at least as far out as the observed one."
    )
    model = "a local-level model" if res.model == "ucm" else "an AR(1) model with a constant"
    scale = "variance-stabilised (Anscombe) counts" if res.transform == "anscombe" else "log counts"
    uncertainty = (
        f"the simulations also reflect the uncertainty in its parameters "
        f"({plural(res.param_draws, 'draw')})"
        if res.param_draws
        else "its parameters are taken as known"
    )
    texts.append(
        f"The expectation comes from {model} fitted to {scale} in the {plural(res.n_pre, unit)} "
        f"before the {unit} holding the event (from {fmt_date(res.pre_start)}) and simulated "
        f"forward; {uncertainty}."
    )
    if not res.converged:
        texts.append("Warning: the model's optimiser did not report convergence.")
    return paragraphs(texts, "summary")


# --------------------------------------------------------------------------------------------
# any model
# --------------------------------------------------------------------------------------------


def summary_html(results: object, events: pd.DataFrame | None = None) -> Html:
    """A model's summary as paragraphs for readers (not a monospace ``print`` block): the
    results of ``windows.compare``, ``its.fit``, ``changepoints.detect``, ``hawkes.fit`` or
    ``counterfactual.fit``. ``events`` (with ``event_id`` and ``label``) names events in words."""
    if isinstance(results, WindowsResults):
        return windows_summary_html(results, events)
    if isinstance(results, ITSResults):
        return its_summary_html(results, events)
    if isinstance(results, ChangepointResults):
        return changepoints_summary_html(results)
    if isinstance(results, HawkesResults):
        return hawkes_summary_html(results)
    if isinstance(results, CounterfactualResults):
        return counterfactual_summary_html(results)
    raise TypeError(f"no reader summary for {type(results).__name__}")
