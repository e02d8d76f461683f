"""Briefs: results turned into pages a newsroom can read.

One module per job:

- :mod:`~analysis.briefs.html`         safe HTML fragments (everything from the data escaped) and
  the reader table (:func:`reader_table`, :func:`frame_html`)
- :mod:`~analysis.briefs.wording`      numbers, dates, rates, intervals and codebook values in
  plain words
- :mod:`~analysis.briefs.lookups`      event and incident look-ups by id, date and window
- :mod:`~analysis.briefs.event`        the event brief's numbers (:class:`EventBrief`) and
  :func:`event_brief`, which computes them
- :mod:`~analysis.briefs.event_views`  the event brief's text, HTML fragments and chart
- :mod:`~analysis.briefs.tempo`        the recent-tempo brief (:func:`recent_tempo`)
- :mod:`~analysis.briefs.outlook`      the outlook brief (``outlook_brief``): forecast, track
  record, stored forecasts scored, governorate and target small multiples
- :mod:`~analysis.briefs.places`       where attacks happened: governorates and targets
  (:func:`where_attacks`, the tile-grid map and small multiples)
- :mod:`~analysis.briefs.values`       what each analysis notebook records for the report runner
- :mod:`~analysis.briefs.overview`     the data-overview page's tables (crosstab, timeline, tallies)
- :mod:`~analysis.briefs.model_views`  the model pages' tables and summaries for readers
- :mod:`~analysis.briefs.findings_views`  an analysis page's primary figures and its method
  as a named check
- :mod:`~analysis.briefs.defaults`     notebook defaults from the case and its data (the period,
  the focus event) where a parameters cell says "auto"
- :mod:`~analysis.briefs.case_text`    the notebooks' sentences that name the case's places
- :mod:`~analysis.briefs.attribution`  the attribution page: events' effects net of each other
  and of contagion, with its cross-check (:func:`attribution_page`)

>>> from analysis.briefs import event_brief
>>> brief = event_brief(load_incidents(), load_events(), "suleimani_strike")
>>> brief.headline, brief.window_rate_ratio
"""

from analysis.briefs.attribution import attribution_page
from analysis.briefs.event import EventBrief, event_brief
from analysis.briefs.html import Html, headline_html, link, safe_url
from analysis.briefs.lookups import (
    attack_times,
    counterfactual_span,
    event_card,
    event_dates_by_id,
    event_row,
    events_between,
    incidents_in_window,
)
from analysis.briefs.model_views import (
    changepoint_events_html,
    counterfactual_table_html,
    hawkes_table_html,
    its_diagnostics_html,
    its_effects_html,
    segments_html,
    summary_html,
    windows_table_html,
)
from analysis.briefs.overview import (
    crosstab_html,
    events_html,
    period_html,
    tallies_html,
    thin_months_html,
)
from analysis.briefs.places import where_attacks, window_places
from analysis.briefs.tempo import compare_tempo, recent_tempo, source_note_html
from analysis.briefs.values import (
    changepoint_values,
    counterfactual_values,
    its_values,
    overview_values,
    windows_values,
)
from analysis.briefs.wording import fmt_date, fmt_number

__all__ = [
    "attribution_page",
    "EventBrief",
    "Html",
    "compare_tempo",
    "source_note_html",
    "attack_times",
    "changepoint_events_html",
    "changepoint_values",
    "counterfactual_span",
    "counterfactual_table_html",
    "counterfactual_values",
    "crosstab_html",
    "event_brief",
    "event_card",
    "event_dates_by_id",
    "event_row",
    "events_between",
    "events_html",
    "fmt_date",
    "fmt_number",
    "frame_html",
    "hawkes_table_html",
    "headline_html",
    "incidents_in_window",
    "its_diagnostics_html",
    "its_effects_html",
    "its_values",
    "link",
    "overview_values",
    "period_html",
    "recent_tempo",
    "safe_url",
    "segments_html",
    "summary_html",
    "tallies_html",
    "thin_months_html",
    "windows_table_html",
    "where_attacks",
    "window_places",
    "windows_values",
]
