"""The campaigns the dataset covers: fixed spans of dates, each with a name readers know.

A campaign is a definition of the analysis, not incident data: the dataset's incidents fall in
two waves separated by a year with no recorded attack (the last 2022 attack is in September
2022, the next on 17-18 October 2023, when the Islamic Resistance in Iraq opened its campaign;
``data/README.md`` has the counts per campaign). They are used

- by :func:`analysis.briefs.event_brief`, whose default analysed period stays inside the
  campaign that holds the event (so a trend model of an event in 2024 is not fitted across the
  quiet year before the campaign), and
- by the site's index (:mod:`analysis.report.site`), which lists each brief under the campaign
  holding the last day of its period (others under "Other briefs").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "CAMPAIGNS",
    "Campaign",
    "campaign_holding",
    "campaign_of_period",
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
    countries: tuple[str, ...] = ("Iraq",)

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


#: The campaigns, oldest first. Their spans do not overlap.
CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        key="2019-21",
        label="2019–2021 campaign",
        start=pd.Timestamp("2019-05-01"),
        end=pd.Timestamp("2022-12-31"),
        why=(
            "From the month of the first recorded attack (19 May 2019, rockets near the US "
            "embassy) to the end of 2022: the attacks of 2019-2021 and their tail into 2022 "
            "(the last recorded in September 2022). The analysis pages read 1 Oct 2019 to "
            "31 Dec 2021, the campaign's main phase."
        ),
    ),
    Campaign(
        key="2023-24",
        label="2023–24 campaign",
        start=pd.Timestamp("2023-10-01"),
        end=pd.Timestamp("2024-12-31"),
        why=(
            "From the month the Islamic Resistance in Iraq opened its campaign (17-18 Oct 2023, "
            "the start of the Pentagon's tallies) to the end of 2024; attacks all but stopped "
            "after Kataib Hezbollah's suspension (30 Jan 2024) and the US strikes of 3 Feb 2024, "
            "with a few from April 2024 on. It covers Iraq, Syria and Jordan: the militias "
            "struck US forces in Syria more often than in Iraq, and Tower 22 is in Jordan."
        ),
        countries=("Iraq", "Syria", "Jordan"),
    ),
)


def campaign_holding(date: object) -> Campaign | None:
    """The campaign whose span holds ``date``, or None."""
    return next((c for c in CAMPAIGNS if c.holds(date)), None)


def campaign_of_period(start: object, end: object) -> Campaign | None:
    """The campaign whose span holds more than half the days of ``start`` to ``end``
    (inclusive), or None: a brief of a campaign's first event, whose before window reaches into
    the weeks before the campaign, still belongs to it."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days = (hi - lo).days + 1
    for c in CAMPAIGNS:
        inside = (min(hi, c.end) - max(lo, c.start)).days + 1
        if days > 0 and inside > days / 2:
            return c
    return None


def countries_of_period(start: object, end: object) -> tuple[str, ...]:
    """The countries whose attacks the dataset holds for ``start`` to ``end``: those of the
    campaign holding most of the period (:func:`campaign_of_period`), else Iraq alone (the
    sourcing passes outside the campaigns covered Iraq only)."""
    found = campaign_of_period(start, end)
    return found.countries if found is not None else ("Iraq",)
