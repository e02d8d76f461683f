"""The house chart style, chart descriptions (alt text) and the labelling of political events.

Every chart in the suite goes through :func:`new_axes` (or :func:`new_figure` for several axes),
so briefs look alike and are byte-stable across runs (fixed style, no timestamps in figures).

- The house style is applied to each figure and axes directly, never through a global
  ``rcParams`` context: a first figure created inside ``plt.rc_context`` under Jupyter's inline
  backend resets the backend's interactive flag on leaving the context, and every later figure
  of the session is then silently never shown.
- Figures are :class:`HouseFigure`: in Jupyter they display with their :func:`describe` text as
  the image's alt text (WCAG 1.1.1), which the published pages carry.
- :func:`annotate_events` marks every event in view, labels the ones that matter by a documented
  rule and never lets two labels overlap; :func:`legend_below` keeps legends off the data.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.events import event_dates

STYLE: dict[str, object] = {
    "figure.figsize": (9.0, 4.0),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
}

EVENT_COLOR = "#b2182b"
OBSERVED_COLOR = "#333333"
MODEL_COLOR = "#2166ac"
#: longest event label drawn on a chart (the full text stays in the page's tables)
MAX_LABEL_CHARS = 32
#: the order in which event categories earn a label when not all fit (first = most important):
#: the political moves the tempo is read against before attacks, which the bars already show
LABEL_PRIORITY = (
    "us_strike",
    "iran_strike",
    "truce",
    "threat",
    "political",
    "diplomatic",
    "military_posture",
    "militia_attack",
)


class HouseFigure(Figure):
    """A matplotlib figure that Jupyter displays as PNG with its description as alt text."""

    #: what the chart shows and its main number, in words (set with :func:`describe`)
    alt_text: str = ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        meta = {"image/png": {"alt": self.alt_text or default_alt(self)}}
        if _shell_renders_png(self):  # the inline backend's PNG wins over ours: give the alt only
            return {}, meta
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight", dpi=self.dpi)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        return {"image/png": png}, meta


def _shell_renders_png(fig: Figure) -> bool:
    """True when IPython's PNG formatter has a printer registered for figures (the inline
    charts backend does): it renders the PNG whatever ``_repr_mimebundle_`` returns, so drawing
    one here too would only draw every chart twice."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters.get("image/png")
    try:
        formatter.lookup(fig)
    except (KeyError, AttributeError):
        return False
    return True


def default_alt(fig: Figure) -> str:
    """A description built from the figure's titles and axis labels, when none was given."""
    parts = []
    for ax in fig.axes:
        what = ax.get_title() or ax.get_ylabel()
        if what and what not in parts:
            parts.append(what)
    return "Chart: " + "; ".join(parts) if parts else "Chart"


def describe(ax: Axes, text: str) -> Axes:
    """Give ``ax``'s figure its alt text: what the chart shows and its main number, in words
    (e.g. "Weekly confirmed attacks, Jul 2019 to Jul 2020; 12 in the 30 days after ...")."""
    fig = ax.figure
    if isinstance(fig, HouseFigure):
        fig.alt_text = " ".join(str(text).split())
    return ax


def style_axes(ax: Axes) -> Axes:
    """Apply the house style to one axes: no top/right spines, a light grid."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, alpha=float(STYLE["grid.alpha"]))
    ax.tick_params(labelsize=float(STYLE["font.size"]))
    return ax


def new_figure(
    nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kwargs
) -> tuple[Figure, np.ndarray | Axes]:
    """A :class:`HouseFigure` with ``nrows`` x ``ncols`` axes in the house style
    (``plt.subplots`` arguments pass through)."""
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=figsize or STYLE["figure.figsize"],
        dpi=STYLE["figure.dpi"],
        FigureClass=HouseFigure,
        **kwargs,
    )
    for ax in np.atleast_1d(axes).ravel():
        style_axes(ax)
    return fig, axes


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh axes drawn in the house style."""
    if ax is not None:
        return ax
    _, ax = new_figure(figsize=figsize)
    return ax


def legend_below(ax: Axes, ncols: int = 3, **kwargs) -> Axes:
    """A legend under the axes, outside the data, or nothing when no artist is labelled."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return ax
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncols=min(ncols, len(handles)),
        fontsize=8,
        frameon=False,
        **kwargs,
    )
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


def short_label(text: object, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for a label on a chart."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _events_frame(events: pd.DataFrame | Mapping[str, object] | None) -> pd.DataFrame:
    """``label``, ``date``, ``category`` of the events, as :func:`events_as_series` reads them."""
    dates = events_as_series(events)
    frame = pd.DataFrame({"label": dates.index.astype(str), "date": dates.to_numpy()})
    frame["category"] = ""
    if isinstance(events, pd.DataFrame) and "category" in events.columns and len(events):
        key = "label" if "label" in events.columns else "event_id"
        cats = dict(zip(events[key].astype(str), events["category"].astype(str), strict=False))
        frame["category"] = frame["label"].map(cats).fillna("")
    return frame


def _renderer(fig: Figure):
    """The figure's renderer after layout, to measure text where it will be drawn."""
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def event_labels(ax: Axes) -> list[matplotlib.text.Text]:
    """The event labels drawn on ``ax`` by :func:`annotate_events`."""
    return [t for t in ax.texts if t.get_gid() == "event-label"]


def annotate_events(
    ax: Axes,
    events: pd.DataFrame | Mapping[str, object] | None,
    *,
    labels: bool = True,
    solid: bool = False,
    at: str = "top",
) -> Axes:
    """Mark each event in view with a vertical line; label the ones that matter, never two
    labels over each other.

    Political events are dashed with labels at the top; a model's own interventions are drawn
    ``solid`` with labels ``at="bottom"`` so the two read apart on one chart. The labelling
    rule: interventions (``solid``) are labelled first; other events earn a label in the order
    of :data:`LABEL_PRIORITY` (by ``category``, events without one last; earlier first within a
    category), each only where its box touches no label already on the axes (from this call or
    an earlier one) and whose text is not there already. The rest stay unlabelled lines.
    Labels are cut to :data:`MAX_LABEL_CHARS` characters (the page's tables keep the full text).
    Call it after the axis limits are set.
    """
    frame = _events_frame(events)
    if frame.empty:
        return ax
    lo, hi = ax.get_xlim()
    x = matplotlib.dates.date2num(pd.DatetimeIndex(frame["date"]).to_pydatetime())
    frame = frame[(x >= lo) & (x <= hi)]
    style = {"color": EVENT_COLOR, "linestyle": "-" if solid else "--", "linewidth": 0.8}
    if frame.empty:
        return ax
    labelled = _place_labels(ax, frame, solid=solid, at=at) if labels else set()
    for r in frame.itertuples(index=False):
        if r.label in labelled or solid:
            ax.axvline(r.date, **style)
        else:  # an unlabelled event: a short tick on the top edge, not a line through the data
            ax.axvline(r.date, ymin=0.965, ymax=1.0, color=EVENT_COLOR, linewidth=0.8)
    return ax


def _place_labels(ax: Axes, frame: pd.DataFrame, *, solid: bool, at: str) -> set[str]:
    """Draw the labels :func:`annotate_events`' rule picks; return the events labelled. Labels
    at the top sit on a light background, and the y axis grows so the data stay below them."""
    rank = {c: i for i, c in enumerate(LABEL_PRIORITY)}
    order = frame.assign(
        _rank=0 if solid else frame["category"].map(rank).fillna(len(rank)),
    ).sort_values(["_rank", "date"], kind="stable")
    renderer = _renderer(ax.figure)
    existing = event_labels(ax)
    taken = [t.get_window_extent(renderer).padded(2) for t in existing]
    shown = {t.get_text() for t in existing}
    placed: set[str] = set()
    lowest = None
    for r in order.itertuples(index=False):
        if short_label(r.label) in shown:  # already labelled, e.g. as an intervention
            continue
        text = ax.annotate(
            short_label(r.label),
            xy=(r.date, 1.0 if at == "top" else 0.02),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top" if at == "top" else "bottom",
            ha="right" if at == "top" else "left",
            fontsize=7,
            color=EVENT_COLOR,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            parse_math=False,  # labels are data: a "$" is a dollar sign, not mathtext
            gid="event-label",
        )
        box = text.get_window_extent(renderer).padded(2)
        if any(box.overlaps(other) for other in taken):
            text.remove()
            continue
        taken.append(box)
        shown.add(text.get_text())
        placed.add(r.label)
        lowest = box.y0 if lowest is None else min(lowest, box.y0)
    if at == "top" and lowest is not None and ax.get_yscale() == "linear":
        _keep_data_below(ax, lowest, renderer)
    return placed


def _keep_data_below(ax: Axes, label_bottom: float, renderer) -> None:
    """Raise the top of the y axis so the highest data point sits below ``label_bottom``
    (display units), when there is room: labels never cover bars."""
    box = ax.get_window_extent(renderer)
    free = (label_bottom - box.y0) / box.height - 0.03  # share of the height below the labels
    y0, y1 = ax.get_ylim()
    top = min(ax.dataLim.y1, y1)
    if free < 0.35 or top <= y0:
        return
    needed = y0 + (top - y0) / free
    if needed > y1:
        ax.set_ylim(y0, needed)


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
    if title:
        ax.set_title(chart_text(title))
    annotate_events(ax, events)
    if frame.shape[1] > 1:
        legend_below(ax, ncols=4)
    total = frame.sum(axis=1)
    text = f"Bar chart of attacks {unit}, {frame.index[0]:%b %Y} to {frame.index[-1]:%b %Y}"
    if frame.shape[1] > 1:
        shares = frame.sum().sort_values(ascending=False, kind="stable")
        text += " stacked by " + ", ".join(f"{k} ({v:.0f})" for k, v in shares.items())
    if len(total) and total.max() > 0:
        text += (
            f": {total.sum():.0f} in all, the most ({total.max():.0f}) in the period from "
            f"{total.idxmax():%d %b %Y}"
        )
    return describe(ax, (f"{title}. " if title else "") + text + ".")


def chart_text(text: str) -> str:
    """``text`` for a matplotlib label: dollar signs escaped so they are not read as mathtext."""
    return str(text).replace("$", r"\$")


def plot_rescaled_gaps(
    rescaled: np.ndarray, gof_p: float, *, noun: str = "events", ax: Axes | None = None
) -> Axes:
    """QQ plot of a point process's time-rescaled gaps against Exp(1), the distribution they
    follow when the fitted intensity is right; ``gof_p`` is the Kolmogorov-Smirnov p-value."""
    from scipy import stats

    from analysis.results import format_p

    ax = new_axes(ax, figsize=(4.5, 4.5))
    r = np.sort(np.asarray(rescaled, dtype=float))
    n = len(r)
    q = stats.expon.ppf((np.arange(1, n + 1) - 0.5) / n)
    ax.plot(q, r, ".", color=OBSERVED_COLOR, markersize=3)
    top = float(max(q.max(), r.max()))
    ax.plot([0, top], [0, top], color=MODEL_COLOR, linewidth=1.0)
    ax.set_xlabel("Exp(1) quantile")
    ax.set_ylabel(f"rescaled gap between {noun}")
    ax.set_title(f"Time-rescaling check (KS {format_p(gof_p)})")
    return describe(
        ax,
        f"Quantile plot of {n} time-rescaled gaps between {noun} against the exponential "
        "distribution the fitted model predicts; points near the diagonal mean a good fit "
        f"(Kolmogorov-Smirnov {format_p(gof_p)}).",
    )
