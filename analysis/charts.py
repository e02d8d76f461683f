"""The house chart style and the annotation of political events on time axes.

Every chart in the suite goes through :func:`new_axes` and :func:`annotate_events` so briefs look
alike and are byte-stable across runs (fixed style, no timestamps in figures).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.events import event_dates

STYLE: dict[str, object] = {
    "figure.figsize": (9.0, 4.0),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "svg.hashsalt": "escalation",
}

EVENT_COLOR = "#b2182b"
OBSERVED_COLOR = "#333333"
MODEL_COLOR = "#2166ac"


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh axes drawn in the house style."""
    if ax is not None:
        return ax
    with plt.rc_context(STYLE):
        _, ax = plt.subplots(figsize=figsize or STYLE["figure.figsize"])
    return ax


def events_as_series(events: pd.DataFrame | Mapping[str, object] | None) -> pd.Series:
    """Event dates indexed by display label (``label``, else ``event_id``), sorted by date.

    Accepts what every model accepts (see :func:`analysis.events.event_dates`).
    """
    return event_dates(events, name="label", unique=False)


def band(ax: Axes, x: object, low: object, high: object, *, color: str = MODEL_COLOR) -> Axes:
    """Shade a 95% interval between ``low`` and ``high`` over ``x`` (the suite's one band style)."""
    ax.fill_between(
        x,
        np.asarray(low, dtype=float),
        np.asarray(high, dtype=float),
        color=color,
        alpha=0.2,
        linewidth=0,
    )
    return ax


def annotate_events(
    ax: Axes,
    events: pd.DataFrame | Mapping[str, object] | None,
    *,
    labels: bool = True,
    solid: bool = False,
    at: str = "top",
) -> Axes:
    """Draw a vertical line, and optionally a rotated label, at each event date in view.

    Political events are dashed with labels at the top; a model's own interventions are drawn
    ``solid`` with labels ``at="bottom"`` so the two read apart on one chart.
    """
    s = events_as_series(events)
    if s.empty:
        return ax
    lo, hi = ax.get_xlim()
    for name, date in s.items():
        x = matplotlib.dates.date2num(date)
        if not lo <= x <= hi:
            continue
        ax.axvline(date, color=EVENT_COLOR, linestyle="-" if solid else "--", linewidth=0.8)
        if labels:
            ax.annotate(
                name,
                xy=(date, 1.0 if at == "top" else 0.02),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top" if at == "top" else "bottom",
                ha="right" if at == "top" else "left",
                fontsize=7,
                color=EVENT_COLOR,
                parse_math=False,  # labels are data: a "$" is a dollar sign, not mathtext
            )
    return ax


def plot_counts(
    counts: pd.Series | pd.DataFrame,
    events: pd.DataFrame | Mapping[str, object] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Bars of a count series, or stacked bars of a frame of series (one column per category).

    The y label gives the unit (``counts.attrs["unit"]`` when present, e.g. "per week").
    """
    ax = new_axes(ax)
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    if len(frame.index) > 1:
        width = (frame.index[1] - frame.index[0]) * 0.9
    else:
        width = pd.Timedelta(days=1)
    bottom = None
    cmap = plt.get_cmap("tab10")
    for i, column in enumerate(frame.columns):
        color = OBSERVED_COLOR if frame.shape[1] == 1 else cmap(i % 10)
        ax.bar(
            frame.index,
            frame[column],
            width=width,
            bottom=bottom,
            align="edge",
            color=color,
            label=str(column),
            linewidth=0,
        )
        bottom = frame[column] if bottom is None else bottom + frame[column]
    unit = counts.attrs.get("unit") or frame.attrs.get("unit") or "per period"
    ax.set_ylabel(f"attacks {unit}")
    if frame.shape[1] > 1:
        ax.legend(fontsize=8, ncols=2, loc="upper left", frameon=False)
    if title:
        ax.set_title(title)
    annotate_events(ax, events)
    return ax
