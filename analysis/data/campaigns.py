"""The campaigns of the case: fixed spans of dates, each with a name readers know.

A campaign is a definition of the analysis, not incident data, and belongs to one conflict: it
is read from the case file (``campaigns`` in ``case.yml``, :mod:`analysis.case`) when asked for,
never at import. The shipped Iraq case has two, separated by a year with no recorded attack
(the last 2022 attack is in September 2022, the next on 17-18 October 2023; ``data/README.md``
has the counts per campaign). They are used

- by :func:`analysis.briefs.event_brief`, whose default analysed period stays inside the
  campaign that holds the event (so a trend model of an event in 2024 is not fitted across the
  quiet year before the campaign), and
- by the site's index (:mod:`analysis.report.site`), which lists each brief under the campaign
  holding the last day of its period (others under "Other briefs").

Outside every campaign the data are taken to hold the case's first country alone (the shipped
case's sourcing passes outside its campaigns covered Iraq only); a case with no campaigns holds
all its countries throughout (:func:`countries_of_period`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import case as case_file

__all__ = [
    "Campaign",
    "campaign_holding",
    "campaign_of_period",
    "campaigns",
    "countries_of_period",
]


@dataclass(frozen=True)
class Campaign:
    """One campaign: ``key`` (as in file names), ``label`` (for readers), first and last day,
    and the ``countries`` whose attacks the dataset holds for it."""

    key: str
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    why: str
    countries: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """The campaign's countries in words: "Iraq", "Iraq, Syria and Jordan"."""
        *head, last = self.countries
        return f"{', '.join(head)} and {last}" if head else last

    def holds(self, start: object, end: object | None = None) -> bool:
        """Whether the days ``start`` to ``end`` (inclusive; one day without ``end``) lie in it."""
        lo = pd.Timestamp(start)
        hi = pd.Timestamp(end) if end is not None else lo
        return bool(self.start <= lo and hi <= self.end)


#: case -> (case, its campaigns), built once per version of the case file
_BUILT: dict[int, tuple[case_file.Case, tuple[Campaign, ...]]] = {}


def campaigns(case: case_file.Case | None = None) -> tuple[Campaign, ...]:
    """The campaigns of ``case`` (default: the case in use), oldest first; their spans do not
    overlap (the case file is refused otherwise)."""
    case = case or case_file.current()
    found = _BUILT.get(id(case))
    if found is None or found[0] is not case:
        built = tuple(
            Campaign(
                key=c.key,
                label=c.label,
                start=pd.Timestamp(c.start),
                end=pd.Timestamp(c.end),
                why=c.why,
                countries=c.countries,
            )
            for c in case.campaigns
        )
        found = (case, built)
        _BUILT[id(case)] = found
    return found[1]


def campaign_holding(date: object) -> Campaign | None:
    """The campaign whose span holds ``date``, or None."""
    return next((c for c in campaigns() if c.holds(date)), None)


def campaign_of_period(
    start: object, end: object, case: case_file.Case | None = None
) -> Campaign | None:
    """The campaign (of ``case``, default: the case in use) whose span holds more than half the
    days of ``start`` to ``end`` (inclusive), or None: a brief of a campaign's first event,
    whose before window reaches into the weeks before the campaign, still belongs to it."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days = (hi - lo).days + 1
    for c in campaigns(case):
        inside = (min(hi, c.end) - max(lo, c.start)).days + 1
        if days > 0 and inside > days / 2:
            return c
    return None


def countries_of_period(
    start: object, end: object, case: case_file.Case | None = None
) -> tuple[str, ...]:
    """The countries whose attacks the dataset holds for ``start`` to ``end``: those of the
    campaign holding most of the period (:func:`campaign_of_period`); outside every campaign,
    the case's first country alone (the shipped case's passes outside its campaigns covered
    Iraq only), or every country of a case that has no campaigns. ``case``: default, the case
    in use."""
    case = case or case_file.current()
    found = campaign_of_period(start, end, case)
    if found is not None:
        return found.countries
    return case.countries if not case.campaigns else case.countries[:1]
