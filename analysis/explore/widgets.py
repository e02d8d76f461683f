"""The JupyterLab explorers (ipywidgets): controls over :mod:`analysis.explore.compute`.

:func:`event` opens an :class:`EventExplorer` for one political event (picked by campaign and
date): window length, confirmation level, governorate/target/attack-type filters and the measure;
each change recomputes with :func:`~analysis.explore.compute.compute_event` and redraws the event
chart, the effects table with 95% intervals and the incidents in the windows. :func:`period`
opens a :class:`PeriodExplorer` over :func:`~analysis.explore.compute.compute_period`.
:func:`forest` opens a :class:`ForestExplorer`: pick kinds of event and a campaign, see
``findings.html``'s forest and pooled figures for them
(:func:`~analysis.explore.compute.findings_forest`). "Save as brief" appends the current choice
to a briefs config (:func:`~analysis.report.entries.save_brief`). A fit that fails shows its
error in the panel; the controls keep working. ipywidgets is imported when an explorer is built,
not with the package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.briefs import defaults
from analysis.briefs.html import esc
from analysis.errors import ConfigError, ParameterError
from analysis.explore.compute import (
    CONFIRMATION_LEVELS,
    FILTERS,
    MEASURES,
    EventChoice,
    EventView,
    ForestView,
    PeriodChoice,
    PeriodView,
    brief_entry,
    compute_event,
    compute_period,
    error_text,
    event_options,
    findings_forest,
)
from analysis.models import changepoints
from analysis.params import AUTO
from analysis.report.entries import save_brief

__all__ = ["EventExplorer", "ForestExplorer", "PeriodExplorer", "event", "forest", "period"]


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

        self._w = w
        self.view: Any = None
        self.error: str | None = None
        self.progress = w.IntProgress(min=0, max=self.steps, value=0, description="working")
        self.progress.layout.display = "none"
        self.status = w.HTML()
        self.status.add_class("escalation-explore-status")
        self.save_name = w.Text(description="name", placeholder="brief name")
        self.save_config = w.Text(  # the user names it: never the shipped config by default
            value=str(config or ""),
            placeholder="the briefs config to save into, e.g. my_briefs.yml",
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
            named = str(config or self.save_config.value).strip()
            if not named:
                raise ConfigError("name the briefs config to save into (its path)")
            path = Path(named)
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
        findings: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(config)
        w = self._w
        self.incidents, self.events, self.findings = incidents, events, findings
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
        return compute_event(
            self.incidents, self.events, self.choice, findings=self.findings, progress=self._step
        )

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
    ``config`` is the briefs config "Save as brief" appends to (default: none, the user names it).
    On the project's data the view is headed by the event's findings sentence, the one every
    page prints."""
    findings = None
    if incidents is None and events is None:  # the project's data: the site's findings table
        from analysis.findings import store

        findings = store.table()
    incidents, events = _load(incidents, events)
    return EventExplorer(
        incidents,
        events,
        findings=findings,
        event_id=event_id,
        window_days=window_days,
        confirmation=confirmation,
        measure=measure,
        context_weeks=context_weeks,
        config=config,
    )


def period(
    start: str = AUTO,
    end: str = AUTO,
    incidents: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    freq: str = "W-MON",
    penalty: str = "bic",
    confirmation: str = "confirmed",
    baseline_breaks: Sequence[str] = (),
    seed: int = 0,
    config: Path | str | None = None,
) -> PeriodExplorer:
    """The period explorer for ``start`` to ``end`` (ISO dates, both included; ``"auto"``: the
    case's ``analysis_period``, else the span of the data): the attack series, its changepoints
    and the Hawkes fit, as notebook 04 computes them."""
    incidents, events = _load(incidents, events)
    start, end = defaults.period(start, end, incidents)
    choice = PeriodChoice(start, end, freq, penalty, confirmation, tuple(baseline_breaks), seed)
    return PeriodExplorer(incidents, events, choice, config=config)


class ForestExplorer:
    """The findings forest's widgets (see :func:`forest`): a category picker and a campaign
    picker over :func:`~analysis.explore.compute.findings_forest`; ``view`` is the last
    :class:`ForestView`, ``error`` the last error's text (None after a success)."""

    def __init__(
        self,
        findings: pd.DataFrame,
        categories: Sequence[str] | None = None,
        campaign: str | None = None,
    ) -> None:
        import ipywidgets as w

        from analysis.findings.pooling import BOTH, noun

        self.findings = findings
        self.view: ForestView | None = None
        self.error: str | None = None
        present = sorted(set(findings["category"].astype(str)))
        named = [(noun(c, 2), c) for c in present]
        self.categories = w.SelectMultiple(
            options=named,
            value=tuple(categories or present),
            description="kinds",
            rows=min(len(named), 8),
        )
        campaigns = sorted(str(c) for c in findings["campaign"].dropna().unique() if str(c))
        self.campaign = w.Dropdown(
            options=[("both campaigns", BOTH), *((c, c) for c in campaigns)],
            value=campaign or BOTH,
            description="campaign",
        )
        self.status = w.HTML()
        self.status.add_class("escalation-explore-status")
        self.out = w.HTML()
        self.categories.observe(self.update, names="value")
        self.campaign.observe(self.update, names="value")
        self.panel = w.VBox([w.HBox([self.categories, self.campaign]), self.status, self.out])
        self.update()

    def update(self, _change: object = None) -> None:
        """Recompute for the pickers' values and redraw; an error goes to the panel."""
        try:
            picked = list(self.categories.value)
            self.view = findings_forest(picked, self.campaign.value, findings=self.findings)
        except Exception as exc:  # shown in the panel: the widget must outlive a bad choice
            self.view, self.error = None, error_text(exc)
            self.status.value = _message(self.error, "error")
            self.out.value = ""
            return
        self.error = None
        n = len(self.view.rows)
        self.status.value = _message(f"{n} forest row{'s' * (n != 1)}", "ok")
        self.out.value = self.view.html.html

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.panel._repr_mimebundle_(**kwargs)


def forest(
    categories: Sequence[str] | None = None,
    campaign: str | None = None,
    *,
    findings: pd.DataFrame | None = None,
) -> ForestExplorer:
    """The findings forest explorer (display it in JupyterLab): ``categories`` and
    ``campaign`` set the pickers' first values (default: every kind, both campaigns);
    ``findings`` defaults to the build's table (:func:`analysis.findings.store.table`), the
    one ``findings.html`` is made from."""
    if findings is None:
        from analysis.findings import store

        findings = store.table()
    return ForestExplorer(findings, categories, campaign)
