"""Exploring in JupyterLab: widgets over the same functions the briefs publish.

:func:`event` opens an explorer for one political event (picked by campaign and date): window
length, confirmation level, governorate/target/attack-type filters and the measure (the brief's
window comparison or the net attribution); it redraws the event chart, the effects table with
95% intervals and the incidents in the windows, each linked to its source. :func:`period` does
the same for a date range: the count series, the changepoints and the Hawkes fit. Both compute
with :func:`analysis.briefs.event_brief`, :mod:`analysis.models.attribution`,
:mod:`~analysis.models.changepoints` and :mod:`~analysis.models.hawkes`, exactly as the notebooks
do, so the numbers seen while exploring are the numbers a brief would publish. :func:`forest`
shows ``findings.html``'s forest and pooled figures for the kinds of event and campaign picked
(:func:`findings_forest`, from the build's findings table).

"Save as brief" appends the current choice to the briefs config the user names (none by default: the
shipped ``reports/briefs.yml`` is written only when named) as an entry for ``notebooks/brief.ipynb``
or ``notebooks/04_changepoints_and_escalation.ipynb``, checked by :mod:`analysis.report.config` like
any entry and written atomically (:func:`save_brief`). A fit that fails shows its error in the
panel; the controls keep working.

Two modules: :mod:`analysis.explore.compute` (what a view computes, no widgets) and
:mod:`analysis.explore.widgets` (the ipywidgets explorers over it). This is a top-level room like
:mod:`analysis.cli`: it imports from every layer below it and nothing imports it. ipywidgets is
imported when an explorer is built, not with the package.
"""

from analysis.explore.compute import (
    EVENT_NOTEBOOK,
    PERIOD_NOTEBOOK,
    EventChoice,
    EventView,
    ForestView,
    PeriodChoice,
    PeriodView,
    brief_entry,
    campaign_of,
    campaigns,
    compute_event,
    compute_period,
    event_options,
    filter_incidents,
    findings_forest,
)
from analysis.explore.widgets import (
    EventExplorer,
    ForestExplorer,
    PeriodExplorer,
    event,
    forest,
    period,
)
from analysis.report.entries import save_brief

__all__ = [
    "campaigns",
    "EVENT_NOTEBOOK",
    "PERIOD_NOTEBOOK",
    "EventChoice",
    "EventExplorer",
    "EventView",
    "ForestExplorer",
    "ForestView",
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
    "findings_forest",
    "forest",
    "period",
    "save_brief",
]
