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

:data:`TARGET_GROUPS` names the incident schema's ``target_type`` values for readers (bases,
convoys, the Green Zone, the airport, ...), in the order charts show them.
:func:`place_totals` counts incidents per governorate or per target group over a span.
"""

from __future__ import annotations

import pandas as pd

from analysis.errors import ParameterError

__all__ = [
    "GOVERNORATE_GRID",
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

#: the name drawn on a governorate's tile, where the codebook's spelling is too long for it
#: (a space marks where a name may break over two lines)
GOVERNORATE_SHORT: dict[str, str] = {
    "Al-Qadisiyah": "Qadisiyah",
    "Al-Muthanna": "Muthanna",
    "Sulaymaniyah": "Sulay- maniyah",
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


def place_totals(rows: pd.DataFrame, by: str = "governorate") -> pd.Series:
    """Incidents per governorate (``by="governorate"``: every governorate of the codebook in
    grid order, then ``unknown``) or per target group (``by="target"``: indexed by the
    ``target_type`` values in :data:`TARGET_GROUPS` order), zeros included, as int64.

    ``rows`` are the incidents to count, already selected (span, confirmation, precision).
    """
    if by not in PLACE_COLUMNS:
        raise ParameterError(f"by must be one of {', '.join(PLACE_COLUMNS)}, got {by!r}")
    order = [*GOVERNORATE_GRID, UNKNOWN] if by == "governorate" else list(TARGET_GROUPS)
    values = rows[PLACE_COLUMNS[by]].astype(str)
    out = values.value_counts().reindex(order, fill_value=0).astype("int64")
    out.index.name = by
    out.name = "attacks"
    return out
