"""What the explorers compute, without widgets: an event view or a period view.

An :class:`EventChoice` (event, window, confirmation, filters, measure) becomes an
:class:`EventView` with :func:`compute_event` (:func:`analysis.briefs.event_brief` on the filtered
incidents, as ``notebooks/brief.ipynb`` calls it); a :class:`PeriodChoice` (dates, series period,
penalty, Hawkes breaks) becomes a :class:`PeriodView` with :func:`compute_period` (counts,
changepoints and the Hawkes fit, as notebook 04 computes them). :func:`brief_entry` turns a choice
into a briefs-config entry, which :func:`analysis.report.entries.save_brief` appends to a config.
:func:`findings_forest` is ``findings.html``'s forest and pooled figures for the categories and
campaign picked, from the build's findings table (the page's functions, so the same numbers).
The widgets (:mod:`analysis.explore.widgets`) only call these; the tests call them directly.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import charts
from analysis.briefs import (
    EventBrief,
    attack_times,
    changepoint_events_html,
    event_brief,
    events_between,
    hawkes_table_html,
    segments_html,
    summary_html,
)
from analysis.briefs.html import Html, paragraphs, reader_table
from analysis.briefs.wording import fmt_number
from analysis.data.campaigns import campaign_holding, campaigns
from analysis.errors import EscalationError, ModelInputError, ParameterError
from analysis.findings import pooling
from analysis.models import changepoints, hawkes
from analysis.models.attribution import AttributionResults
from analysis.models.changepoints import ChangepointResults
from analysis.models.hawkes import HawkesResults
from analysis.report.findings_page import PAGE_STYLE, forest_rows, forest_table, pool_table
from analysis.results import format_p
from analysis.series import counts, select

__all__ = [
    "campaigns",
    "CONFIRMATION_LEVELS",
    "EVENT_NOTEBOOK",
    "FILTERS",
    "MEASURES",
    "OTHER_EVENTS",
    "PERIOD_NOTEBOOK",
    "EventChoice",
    "EventView",
    "ForestView",
    "PeriodChoice",
    "PeriodView",
    "attribution_table",
    "brief_entry",
    "campaign_of",
    "compute_event",
    "compute_period",
    "error_text",
    "event_options",
    "filter_incidents",
    "findings_forest",
    "places_map",
]

#: the group of events outside every campaign
OTHER_EVENTS = "between campaigns"
#: measures of the event explorer: value -> label
MEASURES = {"windows": "window comparison", "attribution": "net attribution"}
#: confirmation levels offered (those the brief notebook's ``confirmation`` parameter takes)
CONFIRMATION_LEVELS = {"confirmed": "confirmed only", "all": "all (claimed, disputed too)"}
#: the incident columns the event explorer filters on: column -> label
FILTERS = {"governorate": "governorate", "target_type": "target", "attack_type": "attack type"}
#: the notebooks a saved view becomes a brief of (relative to the project root)
EVENT_NOTEBOOK = "notebooks/brief.ipynb"
PERIOD_NOTEBOOK = "notebooks/04_changepoints_and_escalation.ipynb"
_DAY = pd.Timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# choices and what they compute
# ---------------------------------------------------------------------------------------------


def campaign_of(date: object) -> str:
    """The label of the case's campaign (:func:`analysis.data.campaigns.campaigns`) whose span
    holds ``date``, else :data:`OTHER_EVENTS`."""
    found = campaign_holding(date)
    return found.label if found is not None else OTHER_EVENTS


def event_options(events: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The picker's options: campaign -> [(label, event_id)] by date ("03 Jan 2020 · Suleimani
    strike"); the case's campaigns in order, then :data:`OTHER_EVENTS`, empty ones left
    out."""
    rows = events.sort_values(["date", "event_id"], kind="stable")
    groups: dict[str, list[tuple[str, str]]] = {c.label: [] for c in campaigns()}
    groups[OTHER_EVENTS] = []
    for r in rows.itertuples(index=False):
        label = f"{pd.Timestamp(r.date):%d %b %Y} · {r.label}"
        groups[campaign_of(r.date)].append((label, str(r.event_id)))
    return {k: v for k, v in groups.items() if v}


def filter_incidents(
    incidents: pd.DataFrame, where: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """Incidents whose columns hold one of the values in ``where`` (column -> values; an empty
    list keeps every value), every confirmation level kept. Same rules as
    :func:`analysis.series.counts`'s ``where``: an unknown column or value is a
    ``ParameterError``."""
    wanted = {k: list(v) for k, v in (where or {}).items() if len(v)}
    return select(incidents, wanted, confirmation="all")


@dataclass(frozen=True)
class EventChoice:
    """What the event explorer shows: the event, the window (days before vs from the event day
    on), the confirmation level, the filters (column -> values; empty = all) and the measure."""

    event_id: str
    window_days: int = 30
    confirmation: str = "confirmed"
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    measure: str = "windows"
    context_weeks: int = 26
    seed: int = 0

    @property
    def filtered(self) -> bool:
        """True when a filter leaves some incidents out."""
        return any(len(v) for v in self.where.values())


@dataclass
class EventView:
    """What one :class:`EventChoice` computed: the brief's numbers, the attribution fit (measure
    "attribution", else None), the effects table, the incidents list and the charts (PNG)."""

    choice: EventChoice
    brief: EventBrief
    attribution: AttributionResults | None
    table: Html
    incidents: Html
    chart: bytes
    caption: str
    tile_map: bytes | None = None


def _png(ax_or_fig: Any) -> bytes:
    """A figure (or an axes' figure) as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=fig.dpi)
    plt.close(fig)
    return buf.getvalue()


def _labels(events: pd.DataFrame) -> dict[str, str]:
    return dict(zip(events["event_id"].astype(str), events["label"].astype(str), strict=True))


def attribution_table(res: AttributionResults, events: pd.DataFrame) -> Html:
    """The net attribution's effects for readers: event (or cluster), date, rate ratio with its
    95% interval and p-value, excess attacks over the horizon with their 95% interval; then the
    branching ratio and the fit check in words (all escaped)."""
    labels = _labels(events)
    rows = []
    for name, r in res.effects.iterrows():
        shown = " + ".join(labels.get(i, i) for i in str(name).split(" + "))
        rows.append(
            [
                shown,
                f"{r['date']:%Y-%m-%d}",
                fmt_number(r["rate_ratio"], 2),
                f"{fmt_number(r['rate_ratio_low'], 2)} to {fmt_number(r['rate_ratio_high'], 2)}",
                format_p(r["p_value"]).removeprefix("p ").replace("= ", ""),
                f"{r['excess']:+.1f}",
                f"{r['excess_low']:+.1f} to {r['excess_high']:+.1f}",
            ]
        )
    header = [
        "event (net of the others)",
        "date",
        "rate ratio",
        "95% interval",
        "p",
        f"excess attacks, {res.horizon_days} days",
        "95% interval",
    ]
    table = reader_table(header, rows, "attribution", numeric=(2, 3, 4, 5, 6), nowrap=(1,)).html
    words = [
        f"Branching ratio {res.branching_ratio:.2f} (95% interval {res.branching_ratio_low:.2f}"
        f" to {res.branching_ratio_high:.2f}): about {100 * res.contagion_share:.0f}% of the "
        f"{res.n_attacks} attacks were set off by earlier attacks.",
        f"Fit check (time-rescaling): {format_p(res.gof_p)}.",
    ]
    if res.clusters:
        words.append(
            "Events joined by + are too close for the data to tell apart: only their joint "
            "effect is given."
        )
    return Html(table, res.effects.to_string()) + paragraphs(words, "attribution-notes")


def places_map(brief: EventBrief) -> bytes:
    """Where, before and after, as PNG: the brief's own tile-grid maps of the governorates and
    targets (:meth:`EventBrief.plot_places`, the figure the brief page shows)."""
    return _png(brief.plot_places())


def _finding(findings: pd.DataFrame | None, event_id: str) -> dict[str, Any] | None:
    """The event's findings row, or None when there is no table or no row for it."""
    if findings is None:
        return None
    hit = findings[findings["event_id"] == event_id]
    return None if hit.empty else hit.iloc[0].to_dict()


def compute_event(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    choice: EventChoice,
    *,
    findings: pd.DataFrame | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> EventView:
    """Everything the event explorer shows for ``choice``: :func:`analysis.briefs.event_brief` on
    the filtered incidents (as ``notebooks/brief.ipynb`` calls it); the "attribution" measure
    shows that brief's own joint fit (its "net of the other events" rows' model,
    :attr:`EventBrief.attribution`), so the numbers are the ones the brief publishes. The
    analysed period is the unfiltered data's, so a filter never moves the chart's dates.
    ``findings`` (the build's findings table, :func:`analysis.findings.store.table`) gives the
    brief the event's primary figure, so the explorer heads the view with the sentence every
    page prints; without it (data of your own) the view has no primary figure.
    ``progress`` is told each step."""
    if choice.measure not in MEASURES:
        raise ParameterError(
            f"measure must be one of {', '.join(MEASURES)}, got {choice.measure!r}"
        )
    rows = filter_incidents(incidents, choice.where)
    if rows.empty:
        raise ParameterError("no incident matches the filters")
    progress("computing the brief's measures")
    brief = event_brief(
        rows,
        events,
        choice.event_id,
        window_days=choice.window_days,
        context_weeks=choice.context_weeks,
        confirmation=choice.confirmation,
        seed=choice.seed,
        data_span=(incidents["date"].min(), incidents["date"].max()),
        finding=_finding(findings, choice.event_id),
    )
    fit = None
    if choice.measure == "attribution":
        fit = brief.attribution
        if fit is None:
            raise ModelInputError(f"no net attribution for this view: {brief.net_missing}")
        table = attribution_table(fit, events)
    else:
        table = brief.effects_html()
    if brief.notes:
        table = table + paragraphs(brief.notes, "notes")
    progress("drawing")
    chart = _png(brief.plot())
    return EventView(
        choice=choice,
        brief=brief,
        attribution=fit,
        table=table,
        incidents=brief.incidents_html(),
        chart=chart,
        caption=brief.alt_text(),
        tile_map=places_map(brief),
    )


@dataclass(frozen=True)
class PeriodChoice:
    """What the period explorer shows: the dates (first and last day, ISO), the period of the
    changepoint series, its penalty, the confirmation level and the Hawkes background breaks
    (none by default: one background rate, as notebook 04's default)."""

    start: str
    end: str
    freq: str = "W-MON"
    penalty: str = "bic"
    confirmation: str = "confirmed"
    baseline_breaks: tuple[str, ...] = ()
    seed: int = 0


@dataclass
class PeriodView:
    """What one :class:`PeriodChoice` computed; a part that failed is None with its error in
    ``errors`` (by part: "series", "changepoints", "hawkes")."""

    choice: PeriodChoice
    series: pd.Series | None
    changepoints: ChangepointResults | None
    hawkes: HawkesResults | None
    series_chart: bytes | None
    changepoint_chart: bytes | None
    changepoint_tables: Html | None
    hawkes_table: Html | None
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def error_text(exc: BaseException) -> str:
    """An error as the panel shows it: the kind (for errors not raised on purpose) and message."""
    if isinstance(exc, EscalationError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def compute_period(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    choice: PeriodChoice,
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> PeriodView:
    """The period explorer's numbers, as ``notebooks/04_changepoints_and_escalation.ipynb``
    computes them: :func:`analysis.series.counts`, :func:`analysis.models.changepoints.detect`
    (with the period's events) and :func:`analysis.models.hawkes.fit` on the attacks known to
    the day (its window ends after ``end``). Each part that fails keeps its error."""
    errors: dict[str, str] = {}
    y = cp = fit = None
    series_chart = cp_chart = cp_tables = hawkes_html = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        in_period = events_between(events, choice.start, choice.end)
        progress("counting")
        try:
            y = counts(
                incidents, choice.freq, choice.start, choice.end, confirmation=choice.confirmation
            )
            title = f"Attacks per {y.attrs.get('unit', 'period')}, {choice.start} to {choice.end}"
            series_chart = _png(charts.plot_counts(y, in_period, title=title))
        except Exception as exc:
            errors["series"] = error_text(exc)
        if y is not None:
            progress("finding changepoints")
            try:
                cp = changepoints.detect(y, penalty=choice.penalty, events=in_period)
                cp_chart = _png(cp.plot())
                cp_tables = summary_html(cp) + segments_html(cp) + changepoint_events_html(cp)
            except Exception as exc:
                errors["changepoints"] = error_text(exc)
        progress("fitting the Hawkes process")
        try:
            times = attack_times(incidents, choice.start, choice.end, choice.confirmation)
            fit = hawkes.fit(
                times,
                start=choice.start,
                end=pd.Timestamp(choice.end) + _DAY,
                baseline_breaks=list(choice.baseline_breaks) or None,
                seed=choice.seed,
                events=in_period,
            )
            hawkes_html = summary_html(fit) + hawkes_table_html(fit)
        except Exception as exc:
            errors["hawkes"] = error_text(exc)
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    return PeriodView(
        choice, y, cp, fit, series_chart, cp_chart, cp_tables, hawkes_html, errors, notes
    )


# ---------------------------------------------------------------------------------------------
# saving a view as a brief
# ---------------------------------------------------------------------------------------------


def brief_entry(choice: EventChoice | PeriodChoice) -> tuple[str, str, dict[str, Any]]:
    """(suggested name, notebook, parameters) of the brief that publishes ``choice``.

    A view the notebook cannot reproduce is a ``ParameterError`` saying why: the brief notebook
    has no incident filters and shows the window comparison, not the net attribution."""
    if isinstance(choice, PeriodChoice):
        params: dict[str, Any] = {
            "start": choice.start,
            "end": choice.end,
            "freq": choice.freq,
            "penalty": choice.penalty,
            "baseline_breaks": list(choice.baseline_breaks),
            "confirmation": choice.confirmation,
        }
        name = f"period_{choice.start}_{choice.end}".replace("-", "")
        return name, PERIOD_NOTEBOOK, params
    cannot = []
    if choice.filtered:
        cannot.append("it has no governorate, target or attack-type filter (clear the filters)")
    if choice.measure != "windows":
        cannot.append("it shows the window comparison, not the net attribution")
    if cannot:
        raise ParameterError(
            f"this view cannot be saved as a brief of {EVENT_NOTEBOOK}: " + "; ".join(cannot)
        )
    params = {"event_id": choice.event_id, "window_days": int(choice.window_days)}
    if choice.confirmation != "confirmed":
        params["confirmation"] = choice.confirmation
    if choice.context_weeks != 26:
        params["context_weeks"] = int(choice.context_weeks)
    name = f"{choice.event_id}_{choice.window_days}d".lower()
    return name, EVENT_NOTEBOOK, params


# ---------------------------------------------------------------------------------------------
# the findings forest: every event of the kinds picked, and their pooled figures
# ---------------------------------------------------------------------------------------------


@dataclass
class ForestView:
    """``findings.html``'s forest and pools for some categories in one campaign (or both)."""

    categories: tuple[str, ...]  # the kinds of event shown
    campaign: str  # a campaign of the findings table, or "both"
    rows: pd.DataFrame  # the forest's rows (:func:`analysis.report.findings_page.forest_rows`)
    pools: (
        pd.DataFrame
    )  # each kind's pool in that campaign (:func:`analysis.findings.pooling.pool`)
    html: Html  # the forest and the pools as findings.html draws them


def findings_forest(
    categories: Sequence[str] | None = None,
    campaign: str | None = None,
    *,
    findings: pd.DataFrame | None = None,
) -> ForestView:
    """The forest rows and pooled figures of ``categories`` (default: every category in the
    table, and the groups mixing kinds) in ``campaign`` (a campaign of the table; default
    "both"), from ``findings`` (default: the build's table,
    :func:`analysis.findings.store.table`): the rows and pools ``findings.html`` shows."""
    if findings is None:
        from analysis.findings import store

        findings = store.table()
    present = sorted(set(findings["category"].astype(str)))
    picked = tuple(present if categories is None else (str(c) for c in categories))
    unknown = sorted(set(picked) - set(present))
    if unknown or not picked:
        raise ParameterError(
            f"categories must be some of {', '.join(present)}, got {list(categories or [])!r}"
        )
    campaigns = sorted(str(c) for c in findings["campaign"].dropna().unique() if str(c))
    scope = pooling.BOTH if campaign is None else str(campaign)
    if scope not in (*campaigns, pooling.BOTH):
        raise ParameterError(
            f"campaign must be one of {', '.join([*campaigns, pooling.BOTH])}, got {campaign!r}"
        )
    rows = forest_rows(findings)
    if len(rows):
        keep = rows["section"].isin(picked)
        if categories is None:
            keep |= ~rows["section"].isin(present)  # the groups mixing kinds
        if scope != pooling.BOTH:
            keep &= rows["campaign"] == scope
        rows = rows[keep].reset_index(drop=True)
    pools = pooling.pool(findings).pools
    pools = pools[pools["category"].isin(picked) & (pools["campaign"] == scope)]
    pools = pools.reset_index(drop=True)
    parts = [f"<style>{PAGE_STYLE}</style>"]
    parts.append(forest_table(rows) if len(rows) else "<p>No graded event of these kinds.</p>")
    if len(pools):
        parts.append(pool_table(pools))
    text = "\n".join(str(x) for x in pools["sentence"])
    return ForestView(picked, scope, rows, pools, Html("\n".join(parts), text))
