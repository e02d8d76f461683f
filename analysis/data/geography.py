"""Where attacks happened: the tile-grid layout of Iraq's governorates and the target groups.

A tile-grid map draws each of Iraq's governorates (the codebook's 19: the 18 of the Iraqi
state and Halabja, which the Kurdistan Region counts as its fourth) as one equal square in its
approximate geographic position (north at the top, east to the right), a newsroom convention
that needs no boundary files and gives small governorates (Halabja, Karbala, Baghdad) the same
room as Anbar.
:data:`GOVERNORATE_GRID` is that layout: geography, not incident data. It was laid out by hand
from the governorates' relative positions (each tile's neighbours are, as far as a grid allows,
its neighbours on the map) and reads, in rows from north to south::

    .        Duhok         Erbil      .
    Nineveh  Salah al-Din  Kirkuk     Sulaymaniyah
    Anbar    Baghdad       Diyala     Halabja
    Karbala  Babil         Wasit      .
    Najaf    Qadisiyah     Dhi Qar    Maysan
    .        Muthanna      .          Basra

Incidents whose governorate is ``unknown`` have no tile; charts count them beside the map.

The 2023-24 campaign also struck US sites in Syria and Jordan: :data:`SYRIA_GRID` lays out
Syria's 14 governorates and :data:`JORDAN_GRID` Jordan's 12 the same way (Syria, rows north to
south: Latakia Idlib Aleppo Raqqa Hasakah / Tartus Hama Homs Deir-ez-Zor / Quneitra Damascus
Rif-Dimashq / Daraa Suwayda; Jordan: Irbid Mafraq / Ajloun Jerash Zarqa / Balqa Amman /
Madaba / Karak / Tafilah Ma'an / Aqaba). :data:`COUNTRY_GRIDS` maps each country to its grid.

:data:`TARGET_GROUPS` names the incident schema's ``target_type`` values for readers (bases,
convoys, the Green Zone, the airport, ...), in the order charts show them.
:func:`place_totals` counts incidents per governorate or per target group over a span.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.errors import ParameterError

__all__ = [
    "COUNTRY_GRIDS",
    "COUNTRY_UNKNOWN_TILES",
    "GOVERNORATE_GRID",
    "JORDAN_GRID",
    "SYRIA_GRID",
    "off_map",
    "unknown_key",
    "GOVERNORATE_SHORT",
    "PLACE_COLUMNS",
    "TARGET_GROUPS",
    "UNKNOWN",
    "place_totals",
]

#: governorate -> (row, column) of its tile: row 0 is the northernmost, column 0 the westernmost
GOVERNORATE_GRID: dict[str, tuple[int, int]] = {
    "Duhok": (0, 1),
    "Erbil": (0, 2),
    "Nineveh": (1, 0),
    "Salah al-Din": (1, 1),
    "Kirkuk": (1, 2),
    "Sulaymaniyah": (1, 3),
    "Anbar": (2, 0),
    "Baghdad": (2, 1),
    "Diyala": (2, 2),
    "Halabja": (2, 3),
    "Karbala": (3, 0),
    "Babil": (3, 1),
    "Wasit": (3, 2),
    "Najaf": (4, 0),
    "Al-Qadisiyah": (4, 1),
    "Dhi Qar": (4, 2),
    "Maysan": (4, 3),
    "Al-Muthanna": (5, 1),
    "Basra": (5, 3),
}

#: Syria's governorates -> (row, column), north at the top, east to the right
SYRIA_GRID: dict[str, tuple[int, int]] = {
    "Latakia": (0, 0),
    "Idlib": (0, 1),
    "Aleppo": (0, 2),
    "Raqqa": (0, 3),
    "Hasakah": (0, 4),
    "Tartus": (1, 0),
    "Hama": (1, 1),
    "Homs": (1, 2),
    "Deir ez-Zor": (1, 3),
    "Quneitra": (2, 0),
    "Damascus": (2, 1),
    "Rif Dimashq": (2, 2),
    "Daraa": (3, 1),
    "Suwayda": (3, 2),
}

#: Jordan's governorates -> (row, column), north at the top, east to the right
JORDAN_GRID: dict[str, tuple[int, int]] = {
    "Irbid": (0, 0),
    "Mafraq": (0, 1),
    "Ajloun": (1, 0),
    "Jerash": (1, 1),
    "Zarqa": (1, 2),
    "Balqa": (2, 0),
    "Amman": (2, 1),
    "Madaba": (3, 0),
    "Karak": (4, 0),
    "Tafilah": (5, 0),
    "Ma'an": (5, 1),
    "Aqaba": (6, 0),
}

#: country -> its tile grid
COUNTRY_GRIDS: dict[str, dict[str, tuple[int, int]]] = {
    "Iraq": GOVERNORATE_GRID,
    "Syria": SYRIA_GRID,
    "Jordan": JORDAN_GRID,
}

#: country -> the empty cell beside its grid where its attacks of unknown place are counted
COUNTRY_UNKNOWN_TILES: dict[str, tuple[int, int]] = {
    "Iraq": (5, 0),
    "Syria": (3, 4),
    "Jordan": (6, 2),
}

#: the name drawn on a governorate's tile, where the codebook's spelling is too long for it
#: (a space marks where a name may break over two lines)
GOVERNORATE_SHORT: dict[str, str] = {
    "Al-Qadisiyah": "Qadisiyah",
    "Al-Muthanna": "Muthanna",
    "Sulaymaniyah": "Sulay- maniyah",
    "Deir ez-Zor": "Deir ez-Zor",
    "Rif Dimashq": "Rif Dimashq",
}

#: the governorate value of an incident whose place the sources do not pin to one governorate
UNKNOWN = "unknown"

#: target_type -> the target group in words (the codebook's order)
TARGET_GROUPS: dict[str, str] = {
    "us_military_base": "Bases",
    "coalition_convoy": "Convoys",
    "us_embassy": "Green Zone (embassy)",
    "airport": "Airport",
    "residential": "Homes",
    "other": "Other",
}

#: what :func:`place_totals` can count by: "governorate" or "target" (the target_type column)
PLACE_COLUMNS = {"governorate": "governorate", "target": "target_type"}


def unknown_key(country: str) -> str:
    """The :func:`place_totals` key of a country's attacks of unknown place: ``unknown`` for
    Iraq (as on every Iraq page), ``unknown (Syria)``, ``unknown (Jordan)``."""
    return UNKNOWN if country == "Iraq" else f"{UNKNOWN} ({country})"


def place_totals(
    rows: pd.DataFrame, by: str = "governorate", countries: Sequence[str] = ("Iraq",)
) -> pd.Series:
    """Incidents per governorate (``by="governorate"``) or per target group (``by="target"``:
    indexed by the ``target_type`` values in :data:`TARGET_GROUPS` order), as int64.

    By governorate: every governorate on the grids of ``countries`` (:data:`COUNTRY_GRIDS`, in
    grid order, zeros included), then any other governorate the rows hold, by name (an attack
    off these maps is never lost), then the attacks of unknown place: ``unknown`` (Iraq; always
    present) and ``unknown (<country>)`` for each other country in ``countries`` or in the
    rows. The total always equals ``len(rows)``.

    ``rows`` are the incidents to count, already selected (span, confirmation, precision).
    """
    if by not in PLACE_COLUMNS:
        raise ParameterError(f"by must be one of {', '.join(PLACE_COLUMNS)}, got {by!r}")
    if by == "target":
        values = rows[PLACE_COLUMNS[by]].astype(str)
        out = values.value_counts().reindex(list(TARGET_GROUPS), fill_value=0).astype("int64")
        extra = sorted(set(values) - set(TARGET_GROUPS))
        if extra:
            out = pd.concat([out, values.value_counts()[extra].astype("int64")])
    else:
        gov = rows["governorate"].astype(str)
        country = (
            rows["country"].astype(str)
            if "country" in rows
            else pd.Series("Iraq", index=rows.index)
        )
        keys = gov.where(gov != UNKNOWN, country.map(unknown_key))
        on_grid = [g for c in countries for g in COUNTRY_GRIDS.get(c, {})]
        seen = set(keys)
        unknowns = [
            unknown_key(c)
            for c in dict.fromkeys(["Iraq", *countries, *sorted(set(country))])
            if c == "Iraq" or c in countries or unknown_key(c) in seen
        ]
        others = sorted(seen - set(on_grid) - set(unknowns))
        order = [*on_grid, *others, *unknowns]
        out = keys.value_counts().reindex(order, fill_value=0).astype("int64")
    out.index.name = by
    out.name = "attacks"
    return out


def off_map(totals: pd.Series, countries: Sequence[str]) -> pd.Series:
    """The places of ``totals`` (from :func:`place_totals`) with attacks that lie on none of
    the grids of ``countries`` and are not one of their unknown places (e.g. Syrian
    governorates, or ``unknown (Syria)``, beside a map of Iraq alone): the attacks a map of
    those countries would lose, by name, to be counted beside it."""
    mapped = {g for c in countries for g in COUNTRY_GRIDS.get(c, {})}
    mapped |= {unknown_key(c) for c in countries}
    return totals[[k for k, v in totals.items() if v and k not in mapped]]
