"""Recent tempo: is the attack rate of the last few weeks higher or lower than the year before?

For scheduled runs. The "recent" window is the ``recent_weeks`` weeks (7-day blocks) up to and
including ``as_of``; the "baseline" is the ``baseline_weeks`` weeks just before it. The rate ratio
is the recent rate divided by the baseline rate (both per week). Conditional on the total, the
recent count is binomial under a constant rate, which gives an exact test and an exact
(Clopper-Pearson) interval, as for political-event windows (:mod:`analysis.models.windows`).
When the data start inside the baseline, the baseline is cut to the days the data cover and the
exposure adjusted.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis import case as cases
from analysis.briefs.html import Html, bullets, esc, heading, reader_table
from analysis.briefs.lookups import events_between
from analysis.briefs.wording import (
    DAY,
    attack_noun,
    attacks_phrase,
    finite_or_none,
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_span,
    iso_period,
    plural,
    words,
)
from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    chart_text,
    describe,
    legend_below,
    new_axes,
)
from analysis.errors import ParameterError
from analysis.models.windows import exact_rate_ratio
from analysis.params import whole_number
from analysis.results import Results, attr, format_p
from analysis.series import MonthPrecisionWarning, counts, select
from analysis.sources.feeds import FEEDS

__all__ = [
    "TempoComparison",
    "TempoResults",
    "compare_tempo",
    "recent_tempo",
    "resolve_as_of",
    "source_note_html",
]

#: the other source's weekly series on the recent-tempo chart (a feed's green)
COMPARE_COLOR = "#1b7837"
#: what a brief's ``source`` parameter names, in words (analysis.sources.raw.SOURCES): the
#: feeds' names come from their registry records
SOURCE_NAMES = {"curated": "the curated dataset", **{f.key: f.name for f in FEEDS}}


def resolve_as_of(incidents: pd.DataFrame, as_of: object = "latest") -> pd.Timestamp:
    """The reference day: ``as_of`` as a date, or the last incident date in the data for
    ``"latest"``. A date that is not ISO-like or lies after the data is a ``ValueError``."""
    if incidents.empty:
        raise ParameterError("no incidents")
    last = pd.Timestamp(incidents["date"].max()).normalize()
    if isinstance(as_of, str) and as_of.strip().lower() == "latest":
        return last
    try:
        day = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise ParameterError(f"as_of must be an ISO date or 'latest', got {as_of!r}") from None
    if pd.isna(day):
        raise ParameterError(f"as_of must be an ISO date or 'latest', got {as_of!r}")
    day = day.normalize()
    if day > last:
        raise ParameterError(
            f"as_of {day.date()} is after the last incident in the data ({last.date()}); "
            "the data cannot say the recent weeks were quiet"
        )
    return day


@dataclass(repr=False, eq=False)
class TempoResults(Results):
    """Recent attack rate against the baseline before it. Rates are attacks per week. Built by
    :func:`recent_tempo`."""

    as_of: pd.Timestamp = attr("last day of the recent window")
    recent_start: pd.Timestamp = attr("first day of the recent window")
    baseline_start: pd.Timestamp = attr("first day of the baseline actually covered")
    baseline_end: pd.Timestamp = attr("last day of the baseline (the day before recent_start)")
    recent_weeks: int = attr("nominal length of the recent window, in weeks")
    baseline_weeks: int = attr("nominal length of the baseline, in weeks")
    recent_days: int = attr("days observed in the recent window")
    baseline_days: int = attr("days observed in the baseline")
    recent_count: int = attr("attacks in the recent window")
    baseline_count: int = attr("attacks in the baseline")
    recent_rate: float = attr("attacks per week in the recent window (count / days * 7)")
    baseline_rate: float = attr("attacks per week in the baseline (NaN when it has no days)")
    rate_ratio: float = attr("recent rate / baseline rate (inf when the baseline is empty)")
    low: float = attr("exact 95% interval of the rate ratio, lower end")
    high: float = attr("exact 95% interval of the rate ratio, upper end")
    p: float = attr("exact two-sided p-value (NaN when both windows are empty)")
    weekly: pd.Series = attr(
        "attacks per 7-day block ending on as_of (index: each block's first day)"
    )
    events: pd.DataFrame = attr("political events in the two windows")
    confirmation: str | list[str] = attr("confirmation levels counted")
    month_precision_excluded: int = attr("incidents known only to the month in the span, left out")
    source: str = attr(
        "whose incidents are counted: curated, or a feed (acled, ucdp, gdelt)", default="curated"
    )

    title: ClassVar[str] = "Recent attack tempo"

    @property
    def headline(self) -> str:
        """One plain sentence of at most 35 words: recent and baseline rates, the ratio and its
        interval (the p-value is in the table)."""
        head = (
            f"In the {self.recent_weeks} weeks to {fmt_date(self.as_of)}: "
            f"{attacks_phrase(self.recent_count, self.confirmation)}, "
            f"{fmt_number(self.recent_rate)} a week against {fmt_number(self.baseline_rate)} "
            f"in the {self._baseline_span()} before"
        )
        if self.recent_count == 0 and self.baseline_count == 0:
            return f"{head}: none in either period."
        if not np.isfinite(self.rate_ratio):
            return f"{head}: attacks resumed after a quiet year."
        if self.p < 0.05:
            verdict = f"{'higher' if self.rate_ratio > 1 else 'lower'} than before"
        else:
            verdict = "not clearly different"
        return (
            f"{head}; {verdict}, {fmt_number(self.rate_ratio)} times "
            f"({fmt_interval(self.low, self.high)})."
        )

    def _baseline_span(self) -> str:
        d = self.baseline_days
        return f"{d // 7} weeks" if d % 7 == 0 else f"{d} days"

    def to_frame(self) -> pd.DataFrame:
        """One row per window (``recent``, ``baseline``): start, end, days, attacks, rate per
        week; the rate ratio, interval and p on the recent row."""
        rows = [
            {
                "window": "baseline",
                "start": self.baseline_start,
                "end": self.baseline_end,
                "days": self.baseline_days,
                "attacks": self.baseline_count,
                "rate_per_week": self.baseline_rate,
                "rate_ratio": np.nan,
                "low": np.nan,
                "high": np.nan,
                "p": np.nan,
            },
            {
                "window": "recent",
                "start": self.recent_start,
                "end": self.as_of,
                "days": self.recent_days,
                "attacks": self.recent_count,
                "rate_per_week": self.recent_rate,
                "rate_ratio": self.rate_ratio,
                "low": self.low,
                "high": self.high,
                "p": self.p,
            },
        ]
        return pd.DataFrame(rows).set_index("window")

    def summary(self) -> str:
        """The headline, the windows' dates and the caveats."""
        lines = [
            self.headline,
            f"Recent window {fmt_span(self.recent_start, self.as_of)}; baseline "
            f"{fmt_span(self.baseline_start, self.baseline_end)}. Exact conditional "
            "binomial test and interval for the ratio of the two weekly rates.",
        ]
        return "\n".join(lines + self.caveats())

    def caveats(self) -> list[str]:
        """Plain-text caveats on the comparison."""
        if self.source == "curated":
            first = (
                "Counts are attacks recorded in the curated dataset, a sample of public "
                "reporting; the latest weeks may be less complete than earlier ones."
            )
        else:
            first = (
                f"Counts are {SOURCE_NAMES.get(self.source, self.source)}'s incidents about "
                f"{cases.current().subject}, as the feed codes them: not checked against "
                "sources like the curated dataset's rows, and not limited to the attacks it "
                "holds."
            )
        out = [first]
        if self.baseline_days < 7 * self.baseline_weeks:
            out.append(
                f"The data start on {fmt_date(self.baseline_start)}: the baseline covers "
                f"{self.baseline_days} days instead of {7 * self.baseline_weeks}."
            )
        if self.month_precision_excluded:
            n = self.month_precision_excluded
            out.append(
                f"{plural(n, 'incident')} known only to the month "
                f"{'is' if n == 1 else 'are'} left out."
            )
        return out

    def table_html(self) -> Html:
        """The two windows for readers (period, days, attacks, attacks per week) and the rate
        ratio with its 95% interval and p-value, escaped."""
        rows = [
            [
                f"the {self._baseline_span()} before",
                fmt_span(self.baseline_start, self.baseline_end),
                self.baseline_days,
                self.baseline_count,
                fmt_number(self.baseline_rate),
            ],
            [
                f"the last {self.recent_weeks} weeks",
                fmt_span(self.recent_start, self.as_of),
                self.recent_days,
                self.recent_count,
                fmt_number(self.recent_rate),
            ],
        ]
        header = ["period", "dates", "days", "attacks", "attacks per week"]
        ratio = (
            f"Rate ratio (recent / before): {fmt_number(self.rate_ratio)} "
            f"({fmt_interval(self.low, self.high)}), {format_p(self.p)}."
            if np.isfinite(self.rate_ratio)
            else f"Rate ratio: not defined (no attacks in the baseline), {format_p(self.p)}."
        )
        text = self.to_frame().to_string() + "\n" + ratio
        return reader_table(header, rows, "tempo", text=text) + Html(f"<p>{esc(ratio)}</p>", "")

    def caveats_html(self) -> Html:
        """The caveats as an escaped bulleted list."""
        return bullets(self.caveats(), "caveats")

    def heading_html(self) -> Html:
        """Title and headline as escaped HTML. The title names no period: the headline under it
        starts with it (the page's glued title, read alone in the index, keeps it)."""
        return heading(self._source_title(), self.headline)

    def _source_prefix(self) -> str:
        """ "ACLED: " on a page read from a feed, "" on the curated data's."""
        return "" if self.source == "curated" else f"{SOURCE_NAMES.get(self.source)}: "

    def _source_title(self) -> str:
        """The title, naming the feed on a page read from one: "Recent attack tempo (ACLED
        data)"."""
        source = "" if self.source == "curated" else f" ({SOURCE_NAMES.get(self.source)} data)"
        return f"{self.title}{source}"

    def _full_title(self) -> str:
        """The title with its period, for the index and the feed."""
        return f"{self._source_title()}, {self.recent_weeks} weeks to {fmt_date(self.as_of)}"

    def events_html(self) -> Html:
        """Political events in the two windows (date, event, category), escaped."""
        if self.events.empty:
            return Html("<p>No political events in the timeline fall in these weeks.</p>", "")
        rows = [
            [fmt_date(r.date), r.label, words("category", r.category)]
            for r in self.events.itertuples(index=False)
        ]
        text = self.events[["date", "event_id", "label"]].to_string(index=False)
        return reader_table(["date", "event", "kind of event"], rows, "events", text=text)

    def glue_values(self) -> dict[str, Any]:
        """Values recorded for the report runner and tests (JSON-safe; None for inf/NaN)."""
        return {
            "title": self._full_title(),
            "headline": self.headline,
            "focus_event": None,
            "period": iso_period(self.baseline_start, self.as_of),
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "recent_start": f"{self.recent_start:%Y-%m-%d}",
            "recent_weeks": self.recent_weeks,
            "baseline_weeks": self.baseline_weeks,
            "recent_days": self.recent_days,
            "baseline_days": self.baseline_days,
            "recent_count": self.recent_count,
            "baseline_count": self.baseline_count,
            "recent_rate": finite_or_none(self.recent_rate),
            "baseline_rate": finite_or_none(self.baseline_rate),
            "rate_ratio": finite_or_none(self.rate_ratio),
            "rate_ratio_low": finite_or_none(self.low),
            "rate_ratio_high": finite_or_none(self.high),
            "p": finite_or_none(self.p),
            "source": self.source,
        }

    def plot(self, ax: Axes | None = None, *, compare: TempoComparison | None = None) -> Axes:
        """Attacks per 7-day block ending on ``as_of`` (bars), the baseline and recent rates
        (horizontal lines) and the political events in view. With ``compare`` (from
        :func:`compare_tempo`), the other source's weekly series as a step line over the bars:
        the curated data on a feed's page, the feed on the curated one."""
        ax = new_axes(ax)
        w = self.weekly
        other = None
        if compare is not None:
            column, name = ("curated", "curated dataset")
            if self.source == "curated":
                column, name = ("feed", compare.feed_name)
            other = compare.weekly[column].reindex(w.index, fill_value=0)
            ax.step(
                other.index, other.to_numpy(), where="post", color=COMPARE_COLOR, lw=1.4,
                label=f"{name}: per week",
            )  # fmt: skip
        week = pd.Timedelta(days=7)
        recent = w.index >= self.recent_start
        ax.bar(
            w.index[~recent],
            w.to_numpy()[~recent],
            width=week * 0.85,
            align="edge",
            color=OBSERVED_COLOR,
            alpha=0.35,
            linewidth=0,
            label=f"{self._source_prefix()}{attack_noun(self.confirmation)} per week, baseline",
        )
        ax.bar(
            w.index[recent],
            w.to_numpy()[recent],
            width=week * 0.85,
            align="edge",
            color=EVENT_COLOR,
            alpha=0.55,
            linewidth=0,
            label=f"last {self.recent_weeks} weeks",
        )
        end = self.as_of + DAY
        ax.hlines(
            self.baseline_rate,
            self.baseline_start,
            self.recent_start,
            color=MODEL_COLOR,
            lw=2,
            label=f"baseline rate {fmt_number(self.baseline_rate)} a week",
        )
        ax.hlines(
            self.recent_rate,
            self.recent_start,
            end,
            color=EVENT_COLOR,
            lw=2,
            label=f"recent rate {fmt_number(self.recent_rate)} a week",
        )
        ax.set_xlim(w.index[0], end)
        top = max(float(w.max()), float(other.max()) if other is not None else 0.0)
        ax.set_ylim(0, max(top, self.baseline_rate, self.recent_rate, 1.0) * 1.6)
        ax.set_ylabel("attacks per week")
        ax.set_title(
            chart_text(f"{self.title}: {self.recent_weeks} weeks to {fmt_date(self.as_of)}"),
            fontsize=10,
        )
        annotate_events(ax, self.events)
        legend_below(ax, ncols=2)
        noun = attack_noun(self.confirmation)
        return describe(
            ax,
            f"Bar chart of {noun} per week, {fmt_span(self.baseline_start, self.as_of)}: "
            f"{fmt_number(self.recent_rate)} a week in the last {self.recent_weeks} weeks "
            f"against {fmt_number(self.baseline_rate)} a week in the "
            f"{self._baseline_span()} before."
            + (
                f" A green step line gives the {'feed' if self.source == 'curated' else 'curated'} "
                f"series for the same weeks ({int(other.sum())} in all)."
                if other is not None
                else ""
            ),
        )


def recent_tempo(
    incidents: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    as_of: object = "latest",
    recent_weeks: int = 12,
    baseline_weeks: int = 52,
    confirmation: str | Sequence[str] = "confirmed",
    source: str = "curated",
) -> TempoResults:
    """Compare the attack rate of the ``recent_weeks`` weeks up to ``as_of`` with the
    ``baseline_weeks`` weeks before.

    ``as_of``: an ISO date or "latest" (the last incident date in the data, any confirmation
    level). ``recent_weeks``, ``baseline_weeks``: whole weeks (>= 1). Incidents known only to the
    month are left out (counted in ``month_precision_excluded``). Returns :class:`TempoResults`
    (rates per week).
    """
    recent_weeks = whole_number("recent_weeks", recent_weeks, 1, "weeks")
    baseline_weeks = whole_number("baseline_weeks", baseline_weeks, 1, "weeks")
    day = resolve_as_of(incidents, as_of)
    data_start = pd.Timestamp(incidents["date"].min()).normalize()
    recent_start = day - pd.Timedelta(weeks=int(recent_weeks)) + DAY
    nominal_start = recent_start - pd.Timedelta(weeks=int(baseline_weeks))
    if recent_start <= data_start:
        raise ParameterError(
            f"the recent window ({recent_start.date()} to {day.date()}) starts before the data "
            f"({data_start.date()}): nothing to compare it with"
        )
    baseline_start = max(nominal_start, data_start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)
        daily = counts(incidents, "D", nominal_start, day, confirmation=confirmation)
    covered = daily.index >= baseline_start
    is_recent = daily.index >= recent_start
    recent_count = int(daily[is_recent].sum())
    baseline_count = int(daily[covered & ~is_recent].sum())
    recent_days = int(is_recent.sum())
    baseline_days = int((covered & ~is_recent).sum())
    stats = exact_rate_ratio(baseline_count, recent_count, baseline_days, recent_days)
    # 7-day blocks ending on as_of
    blocks = (day - daily.index).days // 7
    weekly = daily.groupby(blocks).sum().sort_index(ascending=False)
    weekly.index = pd.DatetimeIndex([day - pd.Timedelta(days=7 * int(b) + 6) for b in weekly.index])
    weekly = weekly[weekly.index >= baseline_start - pd.Timedelta(days=6)]
    in_view = (
        events_between(events, baseline_start, day)
        if events is not None
        else pd.DataFrame(columns=["date", "event_id", "label", "category"])
    )
    return TempoResults(
        as_of=day,
        recent_start=recent_start,
        baseline_start=baseline_start,
        baseline_end=recent_start - DAY,
        recent_weeks=int(recent_weeks),
        baseline_weeks=int(baseline_weeks),
        recent_days=recent_days,
        baseline_days=baseline_days,
        recent_count=recent_count,
        baseline_count=baseline_count,
        recent_rate=recent_count / recent_days * 7.0,
        baseline_rate=baseline_count / baseline_days * 7.0 if baseline_days else float("nan"),
        rate_ratio=stats["rate_ratio"],
        low=stats["low"],
        high=stats["high"],
        p=stats["p"],
        weekly=weekly.rename("incidents"),
        events=in_view,
        confirmation=confirmation if isinstance(confirmation, str) else list(confirmation),
        month_precision_excluded=int(_month_rows(incidents, baseline_start, day, confirmation)),
        source=str(source),
    )


def _month_rows(
    incidents: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, confirmation: object
) -> int:
    """Incidents known only to the month whose month overlaps ``start``..``end``."""
    rows = select(incidents, confirmation=confirmation)  # type: ignore[arg-type]
    rows = rows[rows["date_precision"] == "month"]
    month_end = rows["date"] + pd.offsets.MonthEnd(0)
    return int(((rows["date"] <= end) & (month_end >= start)).sum())


# --- the curated data and a feed, side by side ------------------------------------------------


@dataclass(repr=False, eq=False)
class TempoComparison(Results):
    """The curated dataset's and one feed's attacks per 7-day block (the blocks of a
    :class:`TempoResults`), with the reconciliation coverage of each week. Built by
    :func:`compare_tempo`."""

    feed: str = attr("the feed compared (acled, ucdp, gdelt)")
    weekly: pd.DataFrame = attr(
        "one row per 7-day block (index: its first day): curated (attacks in the curated data), "
        "feed (the feed's incidents), matched (curated attacks the feed reports), coverage "
        "(matched / curated; NaN for a week with no curated attack)"
    )
    recent_start: pd.Timestamp = attr("first day of the recent window")
    as_of: pd.Timestamp = attr("last day of the last block")
    confirmation: str | list[str] = attr("confirmation levels counted, on both sides")

    title: ClassVar[str] = "The curated data and the feed, week by week"

    @property
    def feed_name(self) -> str:
        return SOURCE_NAMES.get(self.feed, self.feed)

    def to_frame(self) -> pd.DataFrame:
        """The weekly table (curated, feed, matched, coverage)."""
        return self.weekly.copy()

    def _totals(self, recent: bool) -> tuple[int, int, int]:
        part = self.weekly[(self.weekly.index >= self.recent_start) == recent]
        return int(part["curated"].sum()), int(part["feed"].sum()), int(part["matched"].sum())

    def summary(self) -> str:
        """Attacks in each source and the feed's coverage of the curated ones, recent and
        before."""
        lines = [f"{self.title} ({self.feed_name})"]
        for recent, label in ((False, "before"), (True, "recent weeks")):
            cur, feed, matched = self._totals(recent)
            share = f"{matched / cur:.0%}" if cur else "no curated attacks"
            lines.append(
                f"  {label}: curated {cur}, {self.feed_name} {feed}; the feed reports "
                f"{matched} of the curated attacks ({share})"
            )
        return "\n".join(lines)

    def table_html(self) -> Html:
        """The recent weeks one by one and the weeks before in one line: curated attacks, the
        feed's incidents, curated attacks the feed reports and that share (escaped)."""
        rows = []
        cur, feed, matched = self._totals(False)
        rows.append(
            [
                f"before {fmt_date(self.recent_start)}",
                cur,
                feed,
                matched,
                f"{matched / cur:.0%}" if cur else "–",
            ]
        )
        recent = self.weekly[self.weekly.index >= self.recent_start]
        for start, r in recent.iterrows():
            rows.append(
                [
                    fmt_span(start, start + pd.Timedelta(days=6)),
                    int(r["curated"]),
                    int(r["feed"]),
                    int(r["matched"]),
                    f"{r['coverage']:.0%}" if np.isfinite(r["coverage"]) else "–",
                ]
            )
        header = [
            "weeks",
            "curated attacks",
            f"{self.feed_name} incidents",
            f"curated attacks {self.feed_name} reports",
            "coverage",
        ]
        return reader_table(
            header, rows, "tempo-compare", numeric=(1, 2, 3, 4), nowrap=(0,), text=self.summary()
        )

    def section_html(self) -> Html:
        """The section for the recent-tempo page: a heading, what is compared, the table."""
        cur, feed, matched = self._totals(True)
        intro = (
            f"The same weeks counted in the curated dataset and in {self.feed_name}, whose "
            f"incidents this page reads. In the last weeks the curated data hold {cur} "
            f"attacks and {self.feed_name} {feed} incidents; {matched} of the curated attacks "
            f"{'is' if matched == 1 else 'are'} in {self.feed_name} (same or adjacent day, same "
            f"{cases.current().area_word}, compatible target and weapon). Coverage is that share, "
            "week by week: low coverage means the feed misses attacks the curated sources "
            "report, and feed incidents beyond the matched ones are attacks the curated data may "
            "lack (the review queue lists them)."
        )
        table = self.table_html()
        return Html(
            f"<h2>{esc(f'The curated data and {self.feed_name}')}</h2><p>{esc(intro)}</p>"
            + table.html,
            intro + "\n" + table.text,
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Curated attacks and the feed's incidents per 7-day block, side by side."""
        ax = new_axes(ax)
        w = self.weekly
        ax.step(
            w.index, w["curated"].to_numpy(), where="post", color=OBSERVED_COLOR, lw=1.8,
            label=f"curated: {attack_noun(self.confirmation)} per week",
        )  # fmt: skip
        ax.step(
            w.index, w["feed"].to_numpy(), where="post", color=MODEL_COLOR, lw=1.5,
            linestyle="--", label=f"{self.feed_name}: incidents per week",
        )  # fmt: skip
        ax.axvline(self.recent_start, color=EVENT_COLOR, lw=1, alpha=0.7)
        ax.set_xlim(w.index[0], self.as_of + DAY)
        top = max(float(w[["curated", "feed"]].to_numpy().max()), 1.0)
        ax.set_ylim(0, top * 1.4)
        ax.set_ylabel("per week")
        ax.set_title(chart_text(f"Curated data and {self.feed_name}, week by week"), fontsize=10)
        legend_below(ax, ncols=2)
        cur, feed, _ = self._totals(True)
        return describe(
            ax,
            f"Step chart of curated attacks and {self.feed_name} incidents per week, "
            f"{fmt_span(w.index[0], self.as_of)}; in the recent weeks {cur} curated and "
            f"{feed} in the feed.",
        )


def _per_block(frame: pd.DataFrame, tempo: TempoResults, confirmation: object) -> pd.Series:
    """Day-precision rows of ``frame`` per 7-day block of ``tempo`` (index: block start)."""
    rows = select(frame, confirmation=confirmation)  # type: ignore[arg-type]
    rows = rows[rows["date_precision"] == "day"]
    return _blocks(rows["date"], tempo)


def _blocks(dates: pd.Series, tempo: TempoResults) -> pd.Series:
    first = tempo.weekly.index[0]
    dates = pd.to_datetime(dates)
    dates = dates[(dates >= first) & (dates <= tempo.as_of)]
    starts = tempo.as_of - pd.to_timedelta((tempo.as_of - dates).dt.days // 7 * 7 + 6, unit="D")
    return starts.value_counts().reindex(tempo.weekly.index, fill_value=0).astype("int64")


def compare_tempo(
    tempo: TempoResults, curated: pd.DataFrame, feed: pd.DataFrame
) -> TempoComparison:
    """Curated attacks and ``feed``'s incidents in the 7-day blocks of ``tempo``, with the share
    of the curated ones the feed reports (matched by
    :func:`analysis.sources.reconciliation.reconcile`, same or adjacent day).

    ``curated``: incidents as from ``load_incidents``; ``feed``: one feed's frame (from
    ``analysis.sources.raw.load_source``), counted at the confirmation levels of ``tempo``.
    """
    from analysis.sources.reconciliation import reconcile

    if "source_dataset" not in feed or feed.empty:
        raise ParameterError("feed must be one feed's incidents (with source_dataset), not empty")
    names = feed["source_dataset"].astype(str).unique()
    if len(names) != 1:
        raise ParameterError(f"feed must hold one feed, got {', '.join(sorted(names))}")
    name = str(names[0])
    confirmation = tempo.confirmation
    matched = reconcile(curated, feed).incidents
    reported = matched[matched[f"{name}_id"].notna()]
    weekly = pd.DataFrame(
        {
            "curated": _per_block(curated, tempo, confirmation),
            "feed": _per_block(feed, tempo, confirmation),
            "matched": _per_block(reported, tempo, confirmation),
        }
    )
    weekly["coverage"] = weekly["matched"] / weekly["curated"].where(weekly["curated"] > 0)
    return TempoComparison(
        feed=name,
        weekly=weekly,
        recent_start=tempo.recent_start,
        as_of=tempo.as_of,
        confirmation=confirmation,
    )


def source_note_html(incidents: pd.DataFrame, source: str = "curated") -> Html:
    """A note for a brief run on a feed (``source`` not ``curated``): whose incidents the
    numbers count, how many, and that they are not the curated, sourced rows. Empty for
    ``curated``, so a notebook can show it whatever its source."""
    if source == "curated":
        return Html("", "")
    name = SOURCE_NAMES.get(source, source)
    span = fmt_span(incidents["date"].min(), incidents["date"].max()) if len(incidents) else "none"
    text = (
        f"This page reads {name}'s incidents, not the curated dataset: {len(incidents)} "
        f"incidents about {cases.current().subject} ({span}), as the feed codes them "
        "from its own sources. They are not checked row by row like the curated data; feed "
        "incidents the curated data lack wait in the review queue until a person sources them."
    )
    return Html(f'<p class="escalation-source-note"><strong>{esc(text)}</strong></p>', text)
