"""Where attacks happened, drawn: tile-grid maps and small multiples, in the house style.

- :func:`plot_tiles` draws counts as equal squares at fixed grid positions, shaded by count (one
  colour scale, shared when two maps are compared), each tile labelled with its name and count.
  :func:`plot_governorate_map` is it on one country's tile map from the case file
  (:func:`analysis.data.geography.country_grid`), with the incidents of unknown place counted in
  a dashed tile beside the map; :func:`plot_target_tiles` on the case's target groups.
- :func:`plot_small_multiples` draws one small bar chart per column of a count frame (weekly
  attacks per governorate or per target), on one shared y axis.

Every label is placed inside its tile or panel and fitted to it (tests check from matplotlib's
text extents that no two labels overlap); every figure carries its alt text
(:func:`analysis.charts.describe`).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from analysis import case as cases
from analysis.charts import OBSERVED_COLOR, attach_data, chart_text, describe, new_axes, new_figure
from analysis.data.geography import (
    UNKNOWN,
    country_grid,
    off_map,
    short_names,
    target_groups,
    unknown_key,
    unknown_tile,
)
from analysis.errors import ParameterError

__all__ = [
    "TILE_CMAP",
    "note_off_map",
    "off_map_text",
    "plot_country_map",
    "plot_governorate_map",
    "plural_area",
    "plot_small_multiples",
    "plot_target_tiles",
    "plot_tiles",
    "target_grid",
    "tile_labels",
    "tiles_alt_text",
]

#: the sequential colour scale of tile maps (light = few attacks, dark = many)
TILE_CMAP = "OrRd"
#: a tile with no attack
EMPTY_COLOR = "#f2f2f2"
#: the share of a grid cell a tile fills (the rest is the gap between tiles)
TILE = 0.92
TILE_GID = "tile-label"


def target_grid() -> dict[str, tuple[int, int]]:
    """target_type -> (row, column) of its tile: the case's target groups in rows of three."""
    return {key: divmod(i, 3) for i, key in enumerate(target_groups())}


def tile_labels(ax: Axes) -> list[matplotlib.text.Text]:
    """The name and count labels drawn on ``ax`` by :func:`plot_tiles`."""
    return [t for t in ax.texts if t.get_gid() == TILE_GID]


def _fit(text: matplotlib.text.Text, width: float, renderer, smallest: float = 5.5) -> Bbox:
    """Fit ``text`` into ``width`` display units: break a name of several words over two lines
    if it is too wide, then shrink its font until it fits (down to ``smallest`` points).
    Returns its extent as fitted (measured once per change: each measure lays the text out)."""
    words = text.get_text().split(" ")
    box = text.get_window_extent(renderer)
    if box.width > width and len(words) > 1:
        cut = min(
            range(1, len(words)),
            key=lambda i: abs(len(" ".join(words[:i])) - 0.5 * len(text.get_text())),
        )
        text.set_text(" ".join(words[:cut]) + "\n" + " ".join(words[cut:]))
        text.set_linespacing(1.0)
        box = text.get_window_extent(renderer)
    while box.width > width and text.get_fontsize() > smallest:
        text.set_fontsize(text.get_fontsize() - 0.5)
        box = text.get_window_extent(renderer)
    return box


def _separate(
    label: matplotlib.text.Text,
    count: matplotlib.text.Text,
    bottom: float,
    renderer,
    boxes: tuple[Bbox, Bbox],
) -> None:
    """If a tile's name (broken over two lines by :func:`_fit`) reaches its count (``boxes``:
    their extents as fitted), set the name just above the tile's middle and the count just
    below it, shrinking the count (down to 6 points) until it ends above the tile's lower edge
    ``bottom`` (data units, y grows down)."""
    if not boxes[0].overlaps(boxes[1]):
        return
    x, middle = label.get_position()[0], bottom - TILE / 2
    label.set_position((x, middle - 0.02))
    label.set_verticalalignment("bottom")
    count.set_position((x, middle + 0.02))
    count.set_verticalalignment("top")
    edge = label.axes.transData.transform((x, bottom))[1]  # display y grows up
    while count.get_window_extent(renderer).y0 < edge and count.get_fontsize() > 6:
        count.set_fontsize(count.get_fontsize() - 0.5)


def plot_tiles(
    values: pd.Series,
    positions: Mapping[str, tuple[int, int]],
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
    vmax: float | None = None,
    title: str | None = None,
    unknown: tuple[tuple[int, int], str, int] | None = None,
) -> Axes:
    """One square per key of ``positions`` at its (row, column), shaded by ``values[key]``
    (missing = 0) on :data:`TILE_CMAP` from 0 to ``vmax`` (default: the largest value), labelled
    with its name (``names``, else the key) and its count. ``unknown`` = (position, label,
    count) adds a dashed, unshaded tile for what has no place on the grid."""
    ax = new_axes(ax, figsize=(4.0, 5.2))
    values = values.reindex(list(positions), fill_value=0).astype(float)
    top = float(vmax if vmax is not None else values.max())
    cmap = matplotlib.colormaps[TILE_CMAP]
    norm = matplotlib.colors.Normalize(0, max(top, 1.0))
    cells = [*positions.values(), *([unknown[0]] if unknown else [])]
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    ax.set_xlim(-0.05, cols + 0.05)
    ax.set_ylim(rows + 0.05, -0.05)  # row 0 at the top (north)
    ax.set_aspect("equal")
    ax.axis("off")
    # hidden axes too, not only undrawn: placing a title measures the y axis's ticks (built and
    # laid out each time) unless the axis is hidden; a map draws none (a fifth of its drawing)
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)
    renderer = ax.figure.canvas.get_renderer()
    ax.apply_aspect()  # the box the draw will give the equal-aspect axes; no draw of the figure
    per_cell = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    room = per_cell * TILE * 0.9
    tiles = [
        (key, pos, (names or {}).get(key, key), float(values[key]))
        for key, pos in positions.items()
    ]
    if unknown:
        tiles.append((UNKNOWN, unknown[0], unknown[1], float(unknown[2])))
    for key, (row, col), name, n in tiles:
        x0, y0 = col + (1 - TILE) / 2, row + (1 - TILE) / 2
        is_unknown = unknown is not None and key == UNKNOWN
        if is_unknown:
            face, ink = "white", OBSERVED_COLOR
            patch = Rectangle((x0, y0), TILE, TILE, fc=face, ec="#888888", ls="--", lw=0.8)
        else:
            face = EMPTY_COLOR if n == 0 else cmap(norm(n))
            dark = n > 0 and norm(n) > 0.6
            ink = "white" if dark else OBSERVED_COLOR
            patch = Rectangle((x0, y0), TILE, TILE, fc=face, ec="white", lw=1.0)
        ax.add_artist(patch)  # not add_patch: the limits are set, and data limits cost
        label = ax.text(
            col + 0.5,
            row + 0.3,
            chart_text(name),
            ha="center",
            va="center",
            fontsize=7,
            color=ink,
            gid=TILE_GID,
            parse_math=False,
        )
        count = ax.text(
            col + 0.5,
            row + 0.66,
            f"{n:.0f}",
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            color=ink,
            gid=TILE_GID,
        )
        boxes = (_fit(label, room, renderer), _fit(count, room, renderer))
        _separate(label, count, row + (1 - TILE) / 2 + TILE, renderer, boxes)
    if title:
        ax.set_title(chart_text(title), fontsize=9)
    return attach_data(
        ax, pd.DataFrame({"place": [t[2] for t in tiles], "attacks": [t[3] for t in tiles]})
    )


def tiles_alt_text(values: pd.Series, names: Mapping[str, str] | None = None) -> str:
    """The counts of a tile map in words, largest first, zeros left out ("Anbar 31, Erbil 30")."""
    shown = values[values > 0].sort_values(ascending=False, kind="stable")
    if shown.empty:
        return "none"
    return ", ".join(f"{(names or {}).get(k, k)} {v:.0f}" for k, v in shown.items())


def plural_area(case: cases.Case | None = None) -> str:
    """The case's word for an area, plural ("governorates", "sea areas")."""
    word = (case or cases.current()).area_word
    return word if word.endswith("s") else f"{word}s"


def plot_governorate_map(
    totals: pd.Series,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    vmax: float | None = None,
    describe_it: bool = True,
    country: str | None = None,
) -> Axes:
    """One country's areas (default: the case's first country) as a tile-grid map
    (:func:`analysis.data.geography.country_grid`) shaded by ``totals`` (attacks per area,
    :func:`analysis.data.geography.place_totals`), with the country's attacks of unknown place
    counted in a dashed tile beside the map. The country must have a map
    (:func:`analysis.data.geography.has_map`)."""
    case = cases.current()
    country = country or case.countries[0]
    grid = country_grid(country)
    if not grid:
        raise ParameterError(
            f"country must have a tile map in the case {case.path}, got {country!r}"
        )
    key = unknown_key(country)
    unknown = int(totals.get(key, 0))
    ax = plot_tiles(
        totals.reindex(list(grid), fill_value=0),
        grid,
        ax,
        names=short_names(),
        vmax=vmax,
        title=title,
        unknown=(unknown_tile(country), "place unknown", unknown),
    )
    if describe_it:
        text = (
            f"Tile map of {country}'s {plural_area(case)}, one square each in its approximate "
            f"position, shaded by attacks{f' ({title})' if title else ''}: "
            f"{tiles_alt_text(totals.reindex(list(grid), fill_value=0))}; place unknown "
            f"{unknown}."
        )
        describe(ax, text)
    return ax


def plot_country_map(
    totals: pd.Series,
    country: str,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    vmax: float | None = None,
) -> Axes:
    """One country's areas as a tile-grid map shaded by ``totals``
    (:func:`analysis.data.geography.place_totals`), with the country's attacks of unknown place
    counted in a dashed tile beside it; undescribed (the caller describes the maps together)."""
    return plot_governorate_map(
        totals, ax, title=title, vmax=vmax, describe_it=False, country=country
    )


def off_map_text(totals: pd.Series, countries: tuple[str, ...] | list[str]) -> str:
    """The attacks of ``totals`` that lie on none of the maps of ``countries``, by name
    ("Deir ez-Zor 3, Mafraq 1"), or "" when none does (:func:`analysis.data.geography.off_map`)."""
    return tiles_alt_text(off_map(totals, countries)) if off_map(totals, countries).sum() else ""


def note_off_map(ax: Axes, totals: pd.Series, countries: tuple[str, ...] | list[str]) -> str:
    """Write under ``ax`` the attacks of ``totals`` that lie on none of the maps of
    ``countries``, by name, in red ("Not on these maps: Deir ez-Zor 3"); nothing when none
    does. Returns the text written ("" if none)."""
    lost = off_map_text(totals, countries)
    if lost:
        ax.text(
            0.0,
            -0.02,
            chart_text(f"Not on {'this map' if len(countries) == 1 else 'these maps'}: {lost}"),
            transform=ax.transAxes,
            fontsize=8,
            color="#b30000",
            va="top",
            parse_math=False,
        )
    return lost


def plot_target_tiles(
    totals: pd.Series,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    vmax: float | None = None,
) -> Axes:
    """The case's target groups (bases, convoys, the Green Zone, ...) as tiles shaded by
    ``totals`` (attacks per ``target_type``), in rows of three."""
    return plot_tiles(totals, target_grid(), ax, names=target_groups(), vmax=vmax, title=title)


def plot_small_multiples(
    frame: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    ncols: int = 4,
    title: str | None = None,
    unit: str = "per week",
) -> Axes:
    """One small bar chart per column of ``frame`` (counts per period, one column per place or
    target, e.g. from :func:`analysis.series.counts_by`), largest total first, each titled with
    its name and total, on one shared y axis. Returns the first panel's axes."""
    totals = frame.sum().sort_values(ascending=False, kind="stable")
    columns = [c for c in totals.index if totals[c] > 0] or list(frame.columns[:1])
    n = max(len(columns), 1)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(
        nrows, ncols, figsize=(9.0, 0.6 + 1.55 * nrows), sharex=True, sharey=True, squeeze=False
    )
    flat = axes.ravel()
    width = (frame.index[1] - frame.index[0]) * 0.9 if len(frame.index) > 1 else pd.Timedelta(1)
    locator = matplotlib.dates.AutoDateLocator(minticks=2, maxticks=4)
    for ax, column in zip(flat, columns, strict=False):
        if column in frame.columns:
            y = frame[column]
            ax.bar(frame.index, y, width=width, align="edge", color=OBSERVED_COLOR, lw=0)
        name = (names or {}).get(str(column), str(column))
        ax.set_title(chart_text(f"{name} ({totals.get(column, 0):.0f})"), fontsize=8, pad=3)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
        ax.tick_params(labelsize=7)
    for i, ax in enumerate(flat[len(columns) :], start=len(columns)):
        ax.set_visible(False)
        if i >= ncols:  # the panel above it is its column's last: it carries the dates
            flat[i - ncols].xaxis.set_tick_params(labelbottom=True)
    for row in axes:
        row[0].set_ylabel(f"attacks\n{unit}", fontsize=7)
    if len(frame.index):
        flat[0].set_xlim(frame.index[0], frame.index[-1] + width / 0.9)
    if title:
        fig.suptitle(chart_text(title), fontsize=10)
    fig.tight_layout()
    span = (
        f"{frame.index[0]:%b %Y} to {frame.index[-1]:%b %Y}" if len(frame.index) else "no periods"
    )
    listed = ", ".join(
        f"{(names or {}).get(str(c), str(c))} {totals[c]:.0f}" for c in columns if totals[c] > 0
    )
    panels = f"{n} {'place' if n == 1 else 'places'}"
    text = (
        f"{f'{title}. ' if title else ''}Small multiples: one bar chart of attacks {unit} for "
        f"each of {panels}, {span}, on one scale; totals {listed or 'none'}."
    )
    return describe(flat[0], text)
