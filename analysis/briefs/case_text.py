"""Sentences of the notebooks that name the case's places: said from the case file (its area
word, countries and map), so no notebook's Markdown holds one conflict's geography."""

from __future__ import annotations

from collections.abc import Sequence

from analysis import case as cases
from analysis.briefs.html import Html, paragraphs

__all__ = ["areas_weekly_html", "map_note_html"]


def _plural(word: str) -> str:
    return word if word.endswith("s") else f"{word}s"


def map_note_html(countries: Sequence[str] | None = None, *, windows: bool = False) -> Html:
    """How to read the map of where attacks happened in ``countries`` (default: the case's; a
    page passes those its map draws) (``windows``: the brief's two maps, before and after the
    event, under each its targets; else one map for the period, targets beside)."""
    case = cases.current()
    area = case.area_word
    if not case.has_map:
        first = (
            f"The case gives its {_plural(area)} no tiles, so there is no map: the attacks are "
            f"counted by {area} by name."
        )
    else:
        where = case.where(countries)
        first = (
            f"Each square is one of the {_plural(area)} of {where}, placed roughly where it lies "
            "(north at the top). "
        )
        first += (
            "Its shade and number are the attacks recorded there in the window before the event "
            "(left) and in the window from the event on (right), on one scale for both maps."
            if windows
            else "Its shade and number are the attacks recorded there in the period."
        )
        first += (
            f" Attacks the sources do not pin to one {area} are counted in the dashed square"
            f"{'' if windows else ' beside the map'}"
        )
        shown = countries or case.countries
        off = any(not a.on_map for a in case.areas if a.country in shown)
        first += (
            f"; {_plural(area)} without a tile are counted beside the map by name." if off else "."
        )
    second = (
        "Under each map, the same attacks by kind of target."
        if windows
        else "The tiles on the right count the same attacks by kind of target. Incidents known "
        "only to the month are left out."
    )
    return paragraphs([f"{first} {second}"], "map-note")


def areas_weekly_html() -> Html:
    """How to read the small multiples of attacks per period by area and by target."""
    area = cases.current().area_word
    return paragraphs(
        [
            f"Week by week in each {area} with any attack, then for each target, on one scale, "
            "so a tall bar means the same number of attacks in every panel."
        ],
        "map-note",
    )
