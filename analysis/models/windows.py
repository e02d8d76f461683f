"""Before/after event windows: exact comparison of daily counts around each political event.

For an event on day d the "before" window is the ``days`` days d - days .. d - 1 and the "after"
window the ``days`` days d .. d + days - 1 (the event day belongs to "after"). The rate ratio is
(after / days_after) / (before / days_before). Conditional on n = before + after, under a constant
rate the after-count is Binomial(n, p0) with p0 = days_after / (days_before + days_after), which
gives an exact test and an exact (Clopper-Pearson) interval: p is mapped to the rate ratio by
RR = p / (1 - p) * days_before / days_after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from analysis import params
from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    attach_data,
    describe,
    legend_below,
    log_axis,
    new_axes,
    short_label,
)
from analysis.errors import ModelInputError
from analysis.events import event_dates
from analysis.models.inputs import count_series
from analysis.models.multiplicity import holm
from analysis.models.vocabulary import legacy_names
from analysis.results import Results, attr, format_p, format_rr

COLUMNS = [
    "before",
    "after",
    "rate_ratio",
    "low",
    "high",
    "p",
    "p_holm",
    "overlaps",
    "days_before",
    "days_after",
    "truncated",
]


@dataclass(repr=False, eq=False)
class WindowsResults(Results):
    """Before/after window comparison for a set of events.

    ``table`` columns, one row per event (sorted by date): ``before``/``after`` (counts in the
    windows), ``rate_ratio`` (after rate / before rate, both per day), ``low``/``high`` (exact
    95% interval), ``p`` (exact two-sided p-value for rate ratio 1), ``p_holm`` (Holm-adjusted
    across the events that have a p-value), ``overlaps`` (another event's date falls inside this
    event's nominal before or after window; not symmetric: an event 30 days after this one is
    outside its after window but this one is inside that event's before window),
    ``days_before``/``days_after`` (days actually observed in each window) and ``truncated`` (a
    window runs off the series: fewer days than ``days``; with 0 days on one side the ratio,
    interval and p-values are NaN).

    Rate ratio when before = 0 < after: inf, with a finite lower bound (upper bound inf); when
    after = 0 < before: 0 with a finite upper bound; when both are 0: NaN, interval (0, inf), p = 1.
    """

    title = "Before/after event windows"

    table: pd.DataFrame = attr(
        "per event: counts before/after, rate ratio (per day) with exact 95% interval, p, Holm p, "
        "overlaps, days observed, truncated"
    )
    dates: pd.Series = attr("event dates (Timestamps) by event name, sorted by date")
    days: int = attr("nominal length of each window, in days")
    overlapping: dict[str, list[str]] = attr(
        "event name -> names of the other events whose dates fall inside its windows"
    )
    labels: dict[str, str] = attr(
        "event name -> the label a chart shows (the events' ``label`` column, else the name)",
        default_factory=dict,
    )

    def to_frame(self, names: str = "common") -> pd.DataFrame:
        """The per-event table in the common vocabulary: ``estimate`` (the rate ratio, after
        rate / before rate per day), ``low``, ``high`` (exact 95% interval), ``p_value`` (exact
        two-sided), then ``before``, ``after``, ``p_holm``, ``overlaps``, ``days_before``,
        ``days_after``, ``truncated`` (see the class docstring). ``names="legacy"``: the
        ``table`` as before (``rate_ratio``, ``p``), for one release."""
        if legacy_names(names, "windows"):
            return self.table.copy()
        frame = self.table.rename(columns={"rate_ratio": "estimate", "p": "p_value"})
        first = ["estimate", "low", "high", "p_value"]
        return frame[first + [c for c in frame.columns if c not in first]]

    def summary(self) -> str:
        """One line per event, plain text."""
        d = self.days
        lines = [
            f"{self.title}: attacks in the {d} days before each event vs the {d} days from the "
            f"event day on; rate ratio = after rate / before rate (per day), exact conditional "
            f"binomial test, Holm-adjusted across {int(self.table['p'].notna().sum())} events."
        ]
        for name, row in self.table.iterrows():
            head = f"{name} ({self.dates[name].date()}): {int(row.before)} before"
            if row.days_before != d:
                head += f" (in {int(row.days_before)} days)"
            head += f", {int(row.after)} after"
            if row.days_after != d:
                head += f" (in {int(row.days_after)} days)"
            if row.days_before == 0 or row.days_after == 0:
                lines.append(head + "; no comparison: a window lies outside the series.")
                continue
            rr = "n/a" if np.isnan(row.rate_ratio) else format_rr(row.rate_ratio, row.low, row.high)
            text = f"{head}; rate ratio {rr}, {format_p(row.p)}, Holm {format_p(row.p_holm)}"
            if row.overlaps:
                text += f"; overlaps {', '.join(self.overlapping[name])}"
            if row.truncated:
                text += "; window truncated at the series edge"
            lines.append(text + ".")
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Forest plot: rate ratio and 95% interval per event on a log axis; overlapping events
        are drawn as open red markers. Infinite bounds run to the axis edge (with an arrow)."""
        t = self.table
        created = ax is None
        ax = new_axes(ax, figsize=(7.0, 1.5 + 0.35 * max(len(t), 1)))
        finite = t[["rate_ratio", "low", "high"]].to_numpy(dtype=float).ravel()
        finite = finite[np.isfinite(finite) & (finite > 0)]
        lo_lim = min(finite.min() / 1.5, 0.5) if finite.size else 0.1
        hi_lim = max(finite.max() * 1.5, 2.0) if finite.size else 10.0
        ypos = np.arange(len(t))[::-1]
        labelled: set[str] = set()
        for y, (_name, row) in zip(ypos, t.iterrows(), strict=True):
            if np.isnan(row.rate_ratio) and np.isnan(row.low):
                ax.annotate("n/a", xy=(1.0, y), ha="center", va="center", fontsize=8, color="grey")
                continue
            color = EVENT_COLOR if row.overlaps else MODEL_COLOR
            low = min(max(row.low, lo_lim), hi_lim) if not np.isnan(row.low) else lo_lim
            high = min(row.high, hi_lim) if not np.isnan(row.high) else hi_lim
            ax.plot([low, high], [y, y], color=color, lw=1.5)
            if row.high > hi_lim:
                ax.plot(hi_lim, y, ">", color=color, ms=5)
            if row.low < lo_lim:
                ax.plot(lo_lim, y, "<", color=color, ms=5)
            if np.isfinite(row.rate_ratio) and row.rate_ratio > 0:
                key = "overlapping window" if row.overlaps else "rate ratio (95% CI)"
                ax.plot(
                    row.rate_ratio,
                    y,
                    "o",
                    ms=6,
                    color=color,
                    mfc="white" if row.overlaps else color,
                    label=None if key in labelled else key,
                )
                labelled.add(key)
        ax.axvline(1.0, color="grey", lw=0.8, ls="--")
        log_axis(ax, lo_lim, hi_lim)
        ax.set_yticks(ypos)
        ax.set_yticklabels([short_label(self.labels.get(n, n)) for n in t.index])
        ax.set_ylim(-0.7, len(t) - 0.3)
        ax.set_xlabel(f"rate ratio, {self.days} days after vs before (log scale)")
        if labelled:
            legend_below(ax, ncols=2)
        if created:
            ax.figure.tight_layout()
        shown = t.reset_index().rename(
            columns={"before": "attacks_before", "after": "attacks_after", "p": "p_value"}
        )
        shown.insert(1, "label", [self.labels.get(n, n) for n in t.index])
        attach_data(ax, shown.replace([np.inf, -np.inf], np.nan))
        finite_rr = t["rate_ratio"][np.isfinite(t["rate_ratio"])]
        return describe(
            ax,
            f"Forest plot of rate ratios (attacks per day in the {self.days} days after each "
            f"event against the {self.days} days before, log scale) with 95% intervals for "
            f"{len(t)} events: {int((finite_rr > 1).sum())} above 1, "
            f"{int((finite_rr < 1).sum())} below 1.",
        )


def compare(
    y: pd.Series,
    *,
    events: pd.DataFrame | Mapping[str, object],
    days: int = 30,
) -> WindowsResults:
    """Compare daily counts in the ``days`` days before each event with the ``days`` days from it.

    ``y``: daily counts (regular daily DatetimeIndex). ``events``: DataFrame with ``date`` and
    ``event_id`` (or ``label``) columns, or a mapping name -> date. Windows running off the
    series are truncated and the exposure (days observed) adjusted; see :class:`WindowsResults`
    for the returned numbers, including inf/NaN conventions.
    """
    y, freq = count_series(y, min_periods=3, whole=True)
    if freq != "D":
        raise ModelInputError(f"y must be a daily series (freq 'D'), got freq {freq!r}")
    days = params.whole_number("days", days, 1, "days")
    dates = event_dates(events)
    if dates.empty:
        raise params.fail("events", "at least one event (a frame or a mapping)", events)
    one_day = pd.Timedelta(days=1)
    span = pd.Timedelta(days=int(days))
    cumsum = np.r_[0.0, np.cumsum(y.to_numpy(dtype=float))]
    index = y.index

    def window(start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, int]:
        i = int(index.searchsorted(start, side="left"))
        j = int(index.searchsorted(end, side="right"))
        j = max(i, j)
        return cumsum[j] - cumsum[i], j - i

    rows = []
    overlapping: dict[str, list[str]] = {}
    for name, date in dates.items():
        before, days_before = window(date - span, date - one_day)
        after, days_after = window(date, date + span - one_day)
        others = dates.drop(index=name)
        inside = others[(others >= date - span) & (others <= date + span - one_day)]
        overlapping[name] = list(inside.index)
        rows.append(
            {
                "before": int(round(before)),
                "after": int(round(after)),
                **exact_rate_ratio(int(round(before)), int(round(after)), days_before, days_after),
                "overlaps": bool(len(inside)),
                "days_before": days_before,
                "days_after": days_after,
                "truncated": bool(days_before < days or days_after < days),
            }
        )
    table = pd.DataFrame(rows, index=pd.Index(dates.index, name="event"))
    table["p_holm"] = np.nan
    ok = table["p"].notna()
    if ok.any():
        table.loc[ok, "p_holm"] = holm(table.loc[ok, "p"].to_numpy())
    labels = {}
    if isinstance(events, pd.DataFrame) and {"event_id", "label"} <= set(events.columns):
        labels = dict(zip(events["event_id"].astype(str), events["label"].astype(str), strict=True))
    return WindowsResults(table[COLUMNS], dates, int(days), overlapping, labels)


def exact_rate_ratio(before: int, after: int, t_before: int, t_after: int) -> dict[str, float]:
    """Rate ratio after/before with exact conditional binomial p-value and Clopper-Pearson CI.

    ``before``/``after`` are counts observed over ``t_before``/``t_after`` days (any common unit
    of exposure). Returns ``rate_ratio`` ((after / t_after) / (before / t_before)), ``low``/
    ``high`` (exact 95% interval) and ``p`` (exact two-sided p-value for rate ratio 1), with the
    inf/NaN conventions of :class:`WindowsResults`.
    """
    nan = float("nan")
    if t_before == 0 or t_after == 0:
        return {"rate_ratio": nan, "low": nan, "high": nan, "p": nan}
    n = before + after
    if n == 0:
        return {"rate_ratio": nan, "low": 0.0, "high": float("inf"), "p": 1.0}
    p0 = t_after / (t_before + t_after)
    pvalue = float(stats.binomtest(after, n, p0).pvalue)
    p_low = float(stats.beta.ppf(0.025, after, n - after + 1)) if after > 0 else 0.0
    p_high = float(stats.beta.ppf(0.975, after + 1, n - after)) if after < n else 1.0
    exposure = t_before / t_after

    def to_rr(p: float) -> float:
        return float("inf") if p >= 1.0 else p / (1.0 - p) * exposure

    rate_ratio = float("inf") if before == 0 else (after / t_after) / (before / t_before)
    return {"rate_ratio": rate_ratio, "low": to_rr(p_low), "high": to_rr(p_high), "p": pvalue}
