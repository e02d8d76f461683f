"""Exploring in JupyterLab: widgets over the same functions the briefs publish.

:func:`event` opens an explorer for one political event (picked by campaign and date): window
length, confirmation level, governorate/target/attack-type filters and the measure (the brief's
window comparison or the net attribution); it redraws the event chart, the effects table with
95% intervals and the incidents in the windows, each linked to its source. :func:`period` does
the same for a date range: the count series, the changepoints and the Hawkes fit. Both compute
with :func:`analysis.briefs.event_brief`, :mod:`analysis.models.attribution`,
:mod:`~analysis.models.changepoints` and :mod:`~analysis.models.hawkes`, exactly as the notebooks
do, so the numbers seen while exploring are the numbers a brief would publish.

"Save as brief" appends the current choice to a briefs config (``reports/briefs.yml`` by default)
as an entry for ``notebooks/brief.ipynb`` or ``notebooks/04_changepoints_and_escalation.ipynb``,
checked by :mod:`analysis.report.config` like any entry and written atomically
(:func:`save_brief`). A fit that fails shows its error in the panel; the controls keep working.

This is a top-level room like :mod:`analysis.cli`: it imports from every layer below it and
nothing imports it. ipywidgets is imported when an explorer is built, not with the package.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
from analysis.briefs.html import Html, esc, html_table, paragraphs
from analysis.briefs.wording import fmt_number
from analysis.data.campaigns import CAMPAIGNS as DATA_CAMPAIGNS
from analysis.data.campaigns import campaign_holding
from analysis.errors import EscalationError, ModelInputError, ParameterError
from analysis.models import changepoints, hawkes
from analysis.models.attribution import AttributionResults
from analysis.models.changepoints import ChangepointResults
from analysis.models.hawkes import HawkesResults
from analysis.report.entries import save_brief
from analysis.results import format_p
from analysis.series import counts, select

__all__ = [
    "CAMPAIGNS",
    "EVENT_NOTEBOOK",
    "PERIOD_NOTEBOOK",
    "EventChoice",
    "EventExplorer",
    "EventView",
    "PeriodChoice",
    "PeriodExplorer",
    "PeriodView",
    "brief_entry",
    "campaign_of",
    "compute_event",
    "compute_period",
    "event",
    "event_options",
    "filter_incidents",
    "period",
    "save_brief",
]

#: the campaigns the event picker groups events by: the data layer's
#: (:data:`analysis.data.campaigns.CAMPAIGNS`, the spans the briefs and the index use)
CAMPAIGNS = DATA_CAMPAIGNS
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
# choices and what they compute (no widgets: the tests call these directly)
# ---------------------------------------------------------------------------------------------


def campaign_of(date: object) -> str:
    """The label of the campaign (:data:`CAMPAIGNS`) whose span holds ``date``, else
    :data:`OTHER_EVENTS`."""
    found = campaign_holding(date)
    return found.label if found is not None else OTHER_EVENTS


def event_options(events: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The picker's options: campaign -> [(label, event_id)] by date ("03 Jan 2020 · Suleimani
    strike"); campaigns in :data:`CAMPAIGNS` order, then :data:`OTHER_EVENTS`, empty ones left
    out."""
    rows = events.sort_values(["date", "event_id"], kind="stable")
    groups: dict[str, list[tuple[str, str]]] = {c.label: [] for c in CAMPAIGNS}
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
                esc(shown),
                esc(f"{r['date']:%Y-%m-%d}"),
                esc(fmt_number(r["rate_ratio"], 2)),
                esc(
                    f"{fmt_number(r['rate_ratio_low'], 2)} to {fmt_number(r['rate_ratio_high'], 2)}"
                ),
                esc(format_p(r["p_value"]).removeprefix("p ").replace("= ", "")),
                esc(f"{r['excess']:+.1f}"),
                esc(f"{r['excess_low']:+.1f} to {r['excess_high']:+.1f}"),
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
    table = html_table(header, rows, "attribution", numeric=(2, 3, 4, 5, 6), nowrap=(1,))
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


def compute_event(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    choice: EventChoice,
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> EventView:
    """Everything the event explorer shows for ``choice``: :func:`analysis.briefs.event_brief` on
    the filtered incidents (as ``notebooks/brief.ipynb`` calls it); the "attribution" measure
    shows that brief's own joint fit (its "net of the other events" rows' model,
    :attr:`EventBrief.attribution`), so the numbers are the ones the brief publishes. The
    analysed period is the unfiltered data's, so a filter never moves the chart's dates.
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
    """What the period explorer shows: the dates (first and last day), the period of the
    changepoint series, its penalty, the confirmation level and the Hawkes background breaks."""

    start: str = "2019-10-01"
    end: str = "2021-12-31"
    freq: str = "W-MON"
    penalty: str = "bic"
    confirmation: str = "confirmed"
    baseline_breaks: tuple[str, ...] = ("2020-10-10", "2020-11-17")
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
# the widgets
# ---------------------------------------------------------------------------------------------


def _load(incidents: pd.DataFrame | None, events: pd.DataFrame | None):
    from analysis.data import load_events, load_incidents

    return (
        load_incidents() if incidents is None else incidents,
        load_events() if events is None else events,
    )


def _message(text: str, kind: str) -> str:
    """A status line for the panel (escaped); ``kind``: ok, error, busy."""
    colour = {"ok": "#2e7d32", "error": "#b71c1c", "busy": "#555"}[kind]
    return f'<div class="escalation-explore-{kind}" style="color:{colour}">{esc(text)}</div>'


class _Explorer:
    """What both explorers share: a status line with a progress bar, the save row, the panel."""

    steps = 3

    def __init__(self, config: Path | str | None) -> None:
        import ipywidgets as w

        from analysis.paths import DEFAULT_CONFIG

        self._w = w
        self.view: Any = None
        self.error: str | None = None
        self.progress = w.IntProgress(min=0, max=self.steps, value=0, description="working")
        self.progress.layout.display = "none"
        self.status = w.HTML()
        self.status.add_class("escalation-explore-status")
        self.save_name = w.Text(description="name", placeholder="brief name")
        self.save_config = w.Text(
            value=str(config or DEFAULT_CONFIG),
            description="config",
            layout=w.Layout(width="90%"),
        )
        self.save_button = w.Button(description="Save as brief", icon="save")
        self.save_button.add_class("escalation-explore-save")
        self.save_message = w.HTML()
        self.save_message.add_class("escalation-explore-saved")
        self.save_button.on_click(lambda _: self.save())
        self._holding = False

    def _save_row(self):
        w = self._w
        return w.VBox(
            [self.save_config, w.HBox([self.save_name, self.save_button]), self.save_message]
        )

    def _step(self, text: str) -> None:
        self.progress.value = min(self.progress.value + 1, self.steps)
        self.status.value = _message(text + "…", "busy")

    def _changed(self, _change: object = None) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Recompute for the controls' current values and redraw; an error goes to the panel."""
        self.progress.value = 0
        self.progress.layout.display = None
        try:
            self.view = self._compute()
        except Exception as exc:  # shown in the panel: the widget must outlive a failing fit
            self.view = None
            self.error = error_text(exc)
            self.status.value = _message(self.error, "error")
            self._clear()
        else:
            self.error = None
            self._show()
        finally:
            self.progress.layout.display = "none"

    def save(self, name: str | None = None, config: Path | str | None = None) -> Any:
        """Append the current choice to the briefs config (:func:`save_brief`); the result or
        the reason it was refused is shown under the button. Returns the saved entry or None."""
        try:
            suggested, notebook, params = brief_entry(self.choice)
            name = name or self.save_name.value.strip() or suggested
            path = Path(config or self.save_config.value)
            saved = save_brief(path, name, notebook, params)
        except Exception as exc:
            self.save_message.value = _message(f"Not saved: {error_text(exc)}", "error")
            return None
        self.save_name.value = name
        self.save_message.value = _message(
            f"Saved brief '{saved.name}' to {path}; `escalation report` builds it.", "ok"
        )
        return saved

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.panel._repr_mimebundle_(**kwargs)

    # filled in by each explorer
    choice: Any
    panel: Any

    def _compute(self) -> Any:
        raise NotImplementedError

    def _show(self) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError


class EventExplorer(_Explorer):
    """The event explorer's widgets (see :func:`event`); ``view`` is the last
    :class:`EventView`, ``error`` the last error's text (None after a success)."""

    steps = 4

    def __init__(
        self,
        incidents: pd.DataFrame,
        events: pd.DataFrame,
        *,
        event_id: str | None = None,
        window_days: int = 30,
        confirmation: str = "confirmed",
        measure: str = "windows",
        context_weeks: int = 26,
        config: Path | str | None = None,
    ) -> None:
        super().__init__(config)
        w = self._w
        self.incidents, self.events = incidents, events
        self.context_weeks = context_weeks
        self.groups = event_options(events)
        if event_id is None:
            event_id = next(iter(self.groups.values()))[0][1]
        campaign = next(
            (c for c, o in self.groups.items() if any(v == event_id for _, v in o)), None
        )
        if campaign is None:
            raise ParameterError(f"event_id {event_id!r} is not in the events table")
        self.campaign = w.ToggleButtons(
            options=list(self.groups), value=campaign, style={"button_width": "auto"}
        )
        self.campaign.add_class("escalation-explore-campaign")
        self.event = w.Dropdown(
            options=self.groups[campaign],
            value=event_id,
            description="event",
            layout=w.Layout(width="460px"),
        )
        self.event.add_class("escalation-explore-event")
        self.window = w.BoundedIntText(
            value=window_days, min=1, max=365, description="window (days)", continuous_update=False
        )
        self.window.add_class("escalation-explore-window")
        self.window.style.description_width = "initial"
        self.window.layout.width = "170px"
        self.confirmation = w.Dropdown(
            options=[(v, k) for k, v in CONFIRMATION_LEVELS.items()],
            value=confirmation,
            description="counted",
            layout=w.Layout(width="280px"),
        )
        self.measure = w.ToggleButtons(
            options=[(v, k) for k, v in MEASURES.items()],
            value=measure,
            style={"button_width": "auto"},
        )
        self.measure.add_class("escalation-explore-measure")
        self.filters = {
            column: w.SelectMultiple(
                options=sorted(map(str, incidents[column].dropna().unique())),
                description=label,
                rows=4,
                layout=w.Layout(width="300px"),
            )
            for column, label in FILTERS.items()
        }
        self.chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.chart.add_class("escalation-explore-chart")
        self.caption = w.HTML()
        self.caption.add_class("escalation-explore-caption")
        self.tile_map = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.tile_map.add_class("escalation-explore-tiles")
        self.tile_map.layout.display = "none"
        self.table = w.HTML()
        self.table.add_class("escalation-explore-table")
        self.incident_list = w.HTML()
        self.incident_list.add_class("escalation-explore-incidents")

        self.campaign.observe(self._campaign_changed, names="value")
        for control in (self.event, self.window, self.confirmation, self.measure):
            control.observe(self._changed, names="value")
        for control in self.filters.values():
            control.observe(self._changed, names="value")
        heading = w.HTML
        self.panel = w.VBox(
            [
                self.campaign,
                w.HBox([self.event, self.window, self.confirmation]),
                self.measure,
                w.HBox(list(self.filters.values())),
                w.HBox([self.progress, self.status]),
                self.chart,
                self.caption,
                self.tile_map,
                heading("<h3>Effects, with 95% intervals</h3>"),
                self.table,
                heading("<h3>Incidents in the two windows</h3>"),
                self.incident_list,
                heading("<h3>Save this view as a brief</h3>"),
                self._save_row(),
            ]
        )
        self.panel.add_class("escalation-explore")
        self.update()

    @property
    def choice(self) -> EventChoice:
        """The controls' current values as an :class:`EventChoice`."""
        return EventChoice(
            event_id=self.event.value,
            window_days=int(self.window.value),
            confirmation=self.confirmation.value,
            where={c: tuple(s.value) for c, s in self.filters.items()},
            measure=self.measure.value,
            context_weeks=self.context_weeks,
        )

    def _campaign_changed(self, change: Any) -> None:
        self._holding = True
        try:
            self.event.options = self.groups[change["new"]]
            self.event.value = self.groups[change["new"]][0][1]
        finally:
            self._holding = False
        self.update()

    def _compute(self) -> EventView:
        return compute_event(self.incidents, self.events, self.choice, progress=self._step)

    def _show(self) -> None:
        v: EventView = self.view
        self.chart.value = v.chart
        self.caption.value = f"<p><small>{esc(v.caption)}</small></p>"
        if v.tile_map is not None:
            self.tile_map.value = v.tile_map
            self.tile_map.layout.display = None
        self.table.value = v.table.html
        self.incident_list.value = v.incidents.html
        what = MEASURES[v.choice.measure]
        self.status.value = _message(f"{v.brief.title} ({what})", "ok")

    def _clear(self) -> None:
        self.chart.value = b""
        self.caption.value = ""
        self.tile_map.layout.display = "none"
        self.table.value = ""
        self.incident_list.value = ""


class PeriodExplorer(_Explorer):
    """The period explorer's widgets (see :func:`period`); ``view`` is the last
    :class:`PeriodView`."""

    steps = 3

    def __init__(
        self,
        incidents: pd.DataFrame,
        events: pd.DataFrame,
        choice: PeriodChoice,
        *,
        config: Path | str | None = None,
    ) -> None:
        super().__init__(config)
        w = self._w
        self.incidents, self.events = incidents, events
        self.start = w.DatePicker(value=dt.date.fromisoformat(choice.start), description="from")
        self.end = w.DatePicker(value=dt.date.fromisoformat(choice.end), description="to")
        self.freq = w.Dropdown(
            options=[("per week", "W-MON"), ("per month", "MS"), ("per day", "D")],
            value=choice.freq,
            description="series",
        )
        self.penalty = w.Dropdown(
            options=list(changepoints.PENALTY_NAMES),
            value=choice.penalty,
            description="penalty",
            layout=w.Layout(width="180px"),
        )
        self.confirmation = w.Dropdown(
            options=[(v, k) for k, v in CONFIRMATION_LEVELS.items()],
            value=choice.confirmation,
            description="counted",
            layout=w.Layout(width="260px"),
        )
        self.breaks = w.Text(
            value=", ".join(choice.baseline_breaks),
            description="Hawkes breaks",
            placeholder="YYYY-MM-DD, ...",
            continuous_update=False,
            layout=w.Layout(width="300px"),
        )
        self.breaks.style.description_width = "initial"
        self.seed = choice.seed
        self.series_chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.changepoint_chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.changepoint_tables = w.HTML()
        self.hawkes_table = w.HTML()
        self.errors = w.HTML()
        controls = (self.start, self.end, self.freq, self.penalty, self.confirmation, self.breaks)
        for control in controls:
            control.observe(self._changed, names="value")
        heading = w.HTML
        self.panel = w.VBox(
            [
                w.HBox([self.start, self.end, self.freq]),
                w.HBox([self.penalty, self.confirmation, self.breaks]),
                w.HBox([self.progress, self.status]),
                self.errors,
                self.series_chart,
                heading("<h3>Changepoints</h3>"),
                self.changepoint_chart,
                self.changepoint_tables,
                heading("<h3>Self-excitation (Hawkes)</h3>"),
                self.hawkes_table,
                heading("<h3>Save this view as a brief</h3>"),
                self._save_row(),
            ]
        )
        self.panel.add_class("escalation-explore-period")
        self.update()

    @property
    def choice(self) -> PeriodChoice:
        """The controls' current values as a :class:`PeriodChoice`."""

        def day(value: object) -> str:
            if value is None:
                raise ParameterError("pick both dates")
            return pd.Timestamp(value).strftime("%Y-%m-%d")

        breaks = tuple(b.strip() for b in self.breaks.value.split(",") if b.strip())
        return PeriodChoice(
            start=day(self.start.value),
            end=day(self.end.value),
            freq=self.freq.value,
            penalty=self.penalty.value,
            confirmation=self.confirmation.value,
            baseline_breaks=breaks,
            seed=self.seed,
        )

    def _compute(self) -> PeriodView:
        return compute_period(self.incidents, self.events, self.choice, progress=self._step)

    def _show(self) -> None:
        v: PeriodView = self.view
        self.series_chart.value = v.series_chart or b""
        self.changepoint_chart.value = v.changepoint_chart or b""
        self.changepoint_tables.value = v.changepoint_tables.html if v.changepoint_tables else ""
        self.hawkes_table.value = v.hawkes_table.html if v.hawkes_table else ""
        self.errors.value = "".join(
            _message(f"{part}: {text}", "error") for part, text in v.errors.items()
        ) + "".join(_message(note, "busy") for note in v.notes)
        self.error = "; ".join(f"{p}: {t}" for p, t in v.errors.items()) or None
        c = v.choice
        self.status.value = _message(f"{c.start} to {c.end}", "ok" if not v.errors else "error")

    def _clear(self) -> None:
        self.series_chart.value = b""
        self.changepoint_chart.value = b""
        self.changepoint_tables.value = ""
        self.hawkes_table.value = ""
        self.errors.value = ""


def event(
    incidents: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    event_id: str | None = None,
    window_days: int = 30,
    confirmation: str = "confirmed",
    measure: str = "windows",
    context_weeks: int = 26,
    config: Path | str | None = None,
) -> EventExplorer:
    """The event explorer (display it in JupyterLab): incidents and events default to the
    project's data (:func:`analysis.data.load_incidents` / ``load_events``); the other arguments
    set the controls' first values (``event_id``: the first event of the first campaign);
    ``config`` is the briefs config "Save as brief" appends to (default ``reports/briefs.yml``)."""
    incidents, events = _load(incidents, events)
    return EventExplorer(
        incidents,
        events,
        event_id=event_id,
        window_days=window_days,
        confirmation=confirmation,
        measure=measure,
        context_weeks=context_weeks,
        config=config,
    )


def period(
    start: str = "2019-10-01",
    end: str = "2021-12-31",
    incidents: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    freq: str = "W-MON",
    penalty: str = "bic",
    confirmation: str = "confirmed",
    baseline_breaks: Sequence[str] = ("2020-10-10", "2020-11-17"),
    seed: int = 0,
    config: Path | str | None = None,
) -> PeriodExplorer:
    """The period explorer for ``start`` to ``end`` (ISO dates, both included): the attack
    series, its changepoints and the Hawkes fit, as notebook 04 computes them."""
    incidents, events = _load(incidents, events)
    choice = PeriodChoice(start, end, freq, penalty, confirmation, tuple(baseline_breaks), seed)
    return PeriodExplorer(incidents, events, choice, config=config)
