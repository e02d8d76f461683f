"""Where attacks happened: the tile maps of the case's areas, and the target groups.

A tile-grid map draws each area of a country (a governorate, a province, a sea area) as one
equal square in its approximate geographic position (north at the top, east to the right), a
newsroom convention that needs no boundary files and gives small areas the same room as large
ones. The layout is geography, not incident data: it comes from the case file (``areas``: each
area's ``row`` and ``col``; ``countries``: the empty cell beside a country's map where its
attacks of unknown place are counted, :mod:`analysis.case`), read when a map is drawn, never
at import. A case without tiles draws no map (:func:`has_map`), and its pages say so.

The shipped Iraq case's grid reads, in rows from north to south::

    .        Duhok         Erbil      .
    Nineveh  Salah al-Din  Kirkuk     Sulaymaniyah
    Anbar    Baghdad       Diyala     Halabja
    Karbala  Babil         Wasit      .
    Najaf    Qadisiyah     Dhi Qar    Maysan
    .        Muthanna      .          Basra

:func:`place_totals` counts incidents per area or per target group over a span. It never
reindexes onto a fixed list: every area the rows hold is counted, on a map or beside it by name
(:func:`off_map`), so the total always equals the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import case as cases
from analysis.errors import ParameterError

__all__ = [
    "PLACE_COLUMNS",
    "UNKNOWN",
    "area_column",
    "country_grid",
    "has_map",
    "off_map",
    "place_totals",
    "short_names",
    "target_groups",
    "unknown_key",
    "unknown_tile",
]

#: the area value of an incident whose place the sources do not pin to one area
UNKNOWN = cases.UNKNOWN

#: what :func:`place_totals` can count by: the area (``governorate``, its older name, or
#: ``area``) or the target group (the ``target_type`` column)
PLACE_COLUMNS = {"governorate": "area", "area": "area", "target": "target_type"}


def area_column(rows: pd.DataFrame) -> str:
    """The column naming each incident's area: ``area``, or ``governorate`` (its older name,
    as in the Iraq tables)."""
    return "area" if "area" in rows.columns else "governorate"


def country_grid(country: str) -> dict[str, tuple[int, int]]:
    """``country``'s tile map in the case in use: area -> (row, column), row 0 the
    northernmost, column 0 the westernmost, in map order (north to south, then west to east:
    the order ties are listed in); empty when the country has no tiles."""
    grid = cases.current().grid(country)
    return dict(sorted(grid.items(), key=lambda item: item[1]))


def unknown_tile(country: str) -> tuple[int, int]:
    """The cell beside ``country``'s map where its attacks of unknown place are counted: the
    case's ``unknown_tile``, else the first free cell of the row below the map."""
    case = cases.current()
    if country in case.unknown_tiles:
        return case.unknown_tiles[country]
    cells = country_grid(country).values()
    return (max((r for r, _ in cells), default=-1) + 1, 0)


def has_map(countries: Sequence[str] | None = None) -> bool:
    """Whether any of ``countries`` (default: the case's) has a tile map."""
    case = cases.current()
    return any(country_grid(c) for c in (countries or case.countries))


def short_names() -> dict[str, str]:
    """area -> the shorter name drawn on its tile, where the case gives one (a space marks
    where a name may break over two lines)."""
    return {a.name: a.short for a in cases.current().areas if a.short}


def target_groups() -> dict[str, str]:
    """target_type -> its target group in words, in the case's order (bases, convoys, ...)."""
    return dict(cases.current().target_groups)


def unknown_key(country: str) -> str:
    """The :func:`place_totals` key of a country's attacks of unknown place: plain ``unknown``
    for the case's first country (and so for a case of one country; the Iraq pages read so),
    ``unknown (<country>)`` for the others."""
    first = cases.current().countries[0]
    return UNKNOWN if country == first else f"{UNKNOWN} ({country})"


def place_totals(
    rows: pd.DataFrame, by: str = "governorate", countries: Sequence[str] | None = None
) -> pd.Series:
    """Incidents per area (``by="governorate"`` or ``"area"``) or per target group
    (``by="target"``: indexed by the ``target_type`` values in the case's order, then any other
    value the rows hold), as int64.

    By area: every area on the maps of ``countries`` (default: the case's first country), in
    map order, zeros included; then any other area the rows hold, by name (an attack off these
    maps is never lost); then the attacks of unknown place: ``unknown`` (the case's first
    country; always present) and ``unknown (<country>)`` for each other country in
    ``countries`` or in the rows. Rows without a ``country`` column are the first country's.
    The total always equals ``len(rows)``.

    ``rows`` are the incidents to count, already selected (span, confirmation, precision).
    """
    if by not in PLACE_COLUMNS:
        raise ParameterError(f"by must be one of {', '.join(PLACE_COLUMNS)}, got {by!r}")
    case = cases.current()
    countries = tuple(countries) if countries is not None else case.countries[:1]
    if by == "target":
        values = rows["target_type"].astype(str)
        groups = list(case.target_groups)
        out = values.value_counts().reindex(groups, fill_value=0).astype("int64")
        extra = sorted(set(values) - set(groups))
        if extra:
            out = pd.concat([out, values.value_counts()[extra].astype("int64")])
    else:
        area = rows[area_column(rows)].astype(str)
        country = (
            rows["country"].astype(str)
            if "country" in rows
            else pd.Series(case.countries[0], index=rows.index)
        )
        keys = area.where(area != UNKNOWN, country.map(unknown_key))
        on_grid = [g for c in countries for g in country_grid(c)]
        seen = set(keys)
        first = case.countries[0]
        unknowns = [
            unknown_key(c)
            for c in dict.fromkeys([first, *countries, *sorted(set(country))])
            if c == first or c in countries or unknown_key(c) in seen
        ]
        others = sorted(seen - set(on_grid) - set(unknowns))
        order = [*on_grid, *others, *unknowns]
        out = keys.value_counts().reindex(order, fill_value=0).astype("int64")
    out.index.name = by
    out.name = "attacks"
    return out


def off_map(totals: pd.Series, countries: Sequence[str]) -> pd.Series:
    """The places of ``totals`` (from :func:`place_totals`) with attacks that lie on none of
    the maps of ``countries`` and are not one of their unknown places (e.g. Syrian
    governorates, or ``unknown (Syria)``, beside a map of Iraq alone; every area, when the
    countries have no map): the attacks a map of those countries would lose, by name, to be
    counted beside it."""
    mapped = {g for c in countries for g in country_grid(c)}
    mapped |= {unknown_key(c) for c in countries}
    return totals[[k for k, v in totals.items() if v and k not in mapped]]
