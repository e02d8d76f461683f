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
import re
from collections.abc import Mapping
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis import case
from analysis.events import event_dates
from analysis.media import DATA_MIME

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


#: charts are drawn at this many image pixels per CSS pixel: sharp on high-density screens and
#: in print; the page sizes each image to its CSS size (the ``width``/``height`` metadata)
PIXEL_RATIO = 2


class HouseFigure(Figure):
    """A matplotlib figure that Jupyter displays as a 2x PNG (:data:`PIXEL_RATIO`) with its
    description as alt text and its CSS size as width and height, and the numbers it shows as a
    CSV (:data:`DATA_MIME`)."""

    #: what the chart shows and its main number, in words (set with :func:`describe`)
    alt_text: str = ""

    def png(self) -> tuple[str, dict[str, object]]:
        """The chart as base64 PNG at :data:`PIXEL_RATIO` times its dpi, and its metadata: alt
        text, and width and height in CSS pixels."""
        dpi = self.dpi * PIXEL_RATIO
        drawn = {"bbox_inches": self._tight_box(dpi), "dpi": dpi}
        frame = _Frame()  # the drawn pixels themselves: a PNG written only to be read is slower
        self.savefig(frame, format="rgba", **drawn)
        image = frame.image()
        if image is None:  # a canvas that wrote bytes without their shape (Cairo): the PNG way
            buf = io.BytesIO()
            self.savefig(buf, format="png", **drawn)
            image = buf.getvalue()
        data = small_png(image)
        width, height = (int(v) for v in np.frombuffer(data[16:24], dtype=">u4"))
        meta = {
            "alt": self.alt_text or default_alt(self),
            "width": round(width / PIXEL_RATIO),
            "height": round(height / PIXEL_RATIO),
        }
        return base64.b64encode(data).decode("ascii"), meta

    def _tight_box(self, dpi: float) -> Any:
        """The box ``savefig(bbox_inches="tight")`` crops to at ``dpi`` (inches, padded), found
        without the drawing savefig makes first: without a layout engine, the limits, aspect,
        ticks and titles that drawing would settle are settled by the box's own measuring (an
        event page's two charts 0.89 -> 0.80 s, the same pixels). A figure with a layout engine
        keeps "tight" (its drawing places the axes)."""
        if self.get_layout_engine() is not None:
            return "tight"
        kept = self.dpi
        try:
            self.dpi = dpi  # text is measured at the size it is drawn
            box = self.get_tightbbox(self.canvas.get_renderer())
        finally:
            self.dpi = kept
        pad = matplotlib.rcParams["savefig.pad_inches"]
        return box.padded(pad, pad)

    def _repr_mimebundle_(self, include=None, exclude=None):
        numbers = {DATA_MIME: {"title": self.alt_text or default_alt(self), "csv": _csv(self)}}
        if _shell_renders_png(self):  # the shell's PNG printer wins over ours: make it ours
            return numbers, {}
        png, meta = self.png()
        return {"image/png": png, **numbers}, {"image/png": meta}


#: the colours a chart's PNG keeps (a palette image): a third of the bytes of full colour, and
#: no visible change on charts of a few flat colours and their anti-aliased edges
PNG_COLORS = 128


class _Frame(io.RawIOBase):
    """A file that Agg's ``rgba`` printer writes a drawn chart into: it keeps the pixels with
    their shape (the printer writes the renderer's ``height x width x 4`` buffer)."""

    def __init__(self) -> None:
        super().__init__()
        self.pixels: np.ndarray | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.pixels = np.array(view, dtype=np.uint8, copy=True) if view.ndim == 3 else None
        return view.nbytes

    def image(self) -> Any:
        """The chart as a PIL RGBA image, or None when the shape was not written."""
        from PIL import Image

        return None if self.pixels is None else Image.fromarray(self.pixels, "RGBA")


def small_png(data: Any) -> bytes:
    """The PNG ``data`` (an opaque chart), or a PIL image of it, as a palette PNG of
    :data:`PNG_COLORS` colours."""
    from PIL import Image

    image = (data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))).convert("RGB")
    palette = image.quantize(
        colors=PNG_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    colours = palette.getpalette() or []
    near_white = [i for i in range(0, len(colours), 3) if min(colours[i : i + 3]) >= 248]
    for i in near_white:  # the page's white stays white, not a grey a shade off it
        colours[i : i + 3] = [255, 255, 255]
    palette.putpalette(colours)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


def _shell_renders_png(fig: Figure) -> bool:
    """True when IPython's PNG formatter has a printer registered for figures (the inline
    charts backend does): it renders the PNG whatever ``_repr_mimebundle_`` returns, so drawing
    one here too would only draw every chart twice. The printer for house figures is then
    :meth:`HouseFigure.png` (2x, sized), registered here once per shell."""
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
    formatter.for_type(HouseFigure, HouseFigure.png)
    return True


def _csv(fig: Figure) -> str:
    try:
        return chart_data(fig).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    except Exception as exc:  # the numbers are an extra: never lose the chart over them
        return f"error\n{type(exc).__name__}\n"


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
    _drawn_when_shown(fig)
    return fig, axes


def _drawn_when_shown(fig: Figure) -> None:
    """Draw ``fig`` only when it is shown or saved. After each notebook cell pyplot redraws
    every changed figure for the windows of interactive backends; on an Agg canvas (Jupyter's
    inline charts, scripts) no window shows that drawing, and showing the chart draws it again:
    the first drawing is skipped (0.1 to 0.2 s a chart). A figure with a layout engine keeps it
    (constrained layout starts from the positions of the drawing before, so the saved chart
    would move by a fraction of a pixel); other canvases keep theirs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    if type(canvas) is not FigureCanvasAgg:
        return
    idle = canvas.draw_idle

    def draw_idle(*args: object, **kwargs: object) -> None:
        if fig.get_layout_engine() is not None:
            idle(*args, **kwargs)

    canvas.draw_idle = draw_idle  # type: ignore[method-assign]


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
    """The figure's renderer after layout, to measure text where it will be drawn. A layout
    engine places the axes only when the figure is drawn, so such a figure is drawn (without
    pixels); elsewhere the axes' limits and aspect are all a drawing would settle first, and
    settling only them saves the drawing (a tenth of a second on a timeline)."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    else:
        for ax in fig.axes:  # as Axes.draw begins: the limits, then the aspect
            ax.get_xlim()
            ax.get_ylim()
            ax.apply_aspect()
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
    of the case file's ``label_priority`` (by ``category``, events without one last; earlier
    first within a category), each only where its box touches no label already on the axes
    (from this call or an earlier one) and whose text is not there already. The rest stay
    unlabelled lines. Labels are cut to :data:`MAX_LABEL_CHARS` characters (the page's tables
    keep the full text). Call it after the axis limits are set.
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
    rank = {c: i for i, c in enumerate(case.current().label_priority)}
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
    value = column_name(f"attacks {unit}", "attacks")
    tidy = frame.rename_axis("period_start").reset_index()
    if frame.shape[1] == 1:
        tidy.columns = ["period_start", value]
    else:
        tidy = tidy.melt("period_start", var_name="category", value_name=value)
    tidy["period_start"] = pd.to_datetime(tidy["period_start"]).dt.strftime("%Y-%m-%d")
    attach_data(ax, tidy)
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
    ax.set_xlabel("gap expected if the model fits")
    ax.set_ylabel(f"rescaled gap between {noun}")
    ax.set_title(f"Does the model fit the timing of {noun}? ({format_p(gof_p)})")
    return describe(
        ax,
        f"Quantile plot of {n} time-rescaled gaps between {noun} against the exponential "
        "distribution the fitted model predicts; points near the diagonal mean a good fit "
        f"(Kolmogorov-Smirnov {format_p(gof_p)}).",
    )


# ---------------------------------------------------------------------------------------------
# the numbers a chart shows, for the page's downloads
# ---------------------------------------------------------------------------------------------

#: the attribute of an axes that holds the frame :func:`attach_data` gave it
_DATA_ATTR = "escalation_data"


def attach_data(ax: Axes, frame: pd.DataFrame) -> Axes:
    """Give ``ax`` the tidy frame of the numbers it shows (one row per drawn value, units in
    the column names, e.g. ``attacks_per_week``): its download is then ``frame``, not what
    :func:`chart_data` reads off the drawn artists."""
    setattr(ax, _DATA_ATTR, frame)
    return ax


def column_name(label: str, default: str) -> str:
    """An axis label as a CSV column name: lower case, words joined by underscores, what comes
    after a comma or parenthesis left out ("attacks per week" -> ``attacks_per_week``)."""
    head = re.split(r"[,(;:]", str(label), maxsplit=1)[0]
    name = re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_")
    return name or default


def _is_dates(axis: matplotlib.axis.Axis) -> bool:
    from matplotlib import dates

    formatter = axis.get_major_formatter()
    return isinstance(
        formatter, dates.DateFormatter | dates.AutoDateFormatter | dates.ConciseDateFormatter
    )


def _values(values: np.ndarray, axis: matplotlib.axis.Axis) -> list[object]:
    """Drawn coordinates as values: dates as ISO dates on a date axis, a tick's text where a
    value sits on a labelled category tick (a forest chart's event), else numbers."""
    values = np.asarray(values, dtype=float)
    if _is_dates(axis):
        from matplotlib import dates

        return [dates.num2date(v).strftime("%Y-%m-%d") if np.isfinite(v) else None for v in values]
    ticks = {
        float(t): lab.get_text()
        for t, lab in zip(axis.get_ticklocs(), axis.get_ticklabels(), strict=False)
    }
    texts = [t for t in ticks.values() if t]
    categorical = bool(texts) and not all(
        _NUMERIC.fullmatch(t.replace("\u2212", "-")) for t in texts
    )
    if categorical:
        return [ticks.get(float(v), v) if np.isfinite(v) else None for v in values]
    return [float(v) if np.isfinite(v) else None for v in values]


_NUMERIC = re.compile(r"-?[\d.,]+%?|\$.*\$")


def _series_name(label: str, fallback: str) -> str:
    return fallback if not label or label.startswith("_") else label


def _drawn(ax: Axes) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(series, x, y) of what ``ax`` draws in data coordinates: bars (their value, not their
    stacked top), lines and markers, segments (both ends) and scatter points."""
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.container import BarContainer

    found: list[tuple[str, np.ndarray, np.ndarray]] = []
    for i, bars in enumerate(c for c in ax.containers if isinstance(c, BarContainer)):
        name = _series_name(bars.get_label(), f"bars {i + 1}")
        if bars.orientation == "horizontal":
            ys = np.array([p.get_y() + p.get_height() / 2 for p in bars.patches])
            xs = np.array([p.get_width() for p in bars.patches])
        else:
            xs = np.array([p.get_x() for p in bars.patches])
            ys = np.array([p.get_height() for p in bars.patches])
        found.append((name, xs, ys))
    for i, line in enumerate(ax.get_lines()):
        if line.get_transform() != ax.transData:  # a reference line across the axes
            continue
        x, y = line.get_xdata(orig=False), line.get_ydata(orig=False)
        x = (
            matplotlib.dates.date2num(x)
            if _is_dates(ax.xaxis) and len(x) and not np.issubdtype(np.asarray(x).dtype, np.number)
            else x
        )
        found.append(
            (
                _series_name(line.get_label(), f"line {i + 1}"),
                np.asarray(x, float),
                np.asarray(y, float),
            )
        )
    for i, coll in enumerate(ax.collections):
        if coll.get_transform() != ax.transData and not isinstance(coll, PathCollection):
            continue
        name = _series_name(coll.get_label(), f"series {i + 1}")
        if isinstance(coll, LineCollection):
            segs = [s for s in coll.get_segments() if len(s)]
            if segs:
                ends = np.array([[s[0], s[-1]] for s in segs], dtype=float)
                found.append((f"{name}: from", ends[:, 0, 0], ends[:, 0, 1]))
                found.append((f"{name}: to", ends[:, 1, 0], ends[:, 1, 1]))
        elif isinstance(coll, PathCollection) and coll.get_offset_transform() == ax.transData:
            offsets = np.asarray(coll.get_offsets(), dtype=float)
            if offsets.size:
                found.append((name, offsets[:, 0], offsets[:, 1]))
    return found


def chart_data(fig: Figure) -> pd.DataFrame:
    """The numbers ``fig`` shows as one tidy frame: per axes, the frame :func:`attach_data`
    gave it, else what it draws (columns ``series`` and the axes' labels as names, e.g.
    ``date`` and ``attacks_per_week``); a ``panel`` column (the axes' title) when several axes
    show numbers."""
    parts = []
    for n, ax in enumerate(fig.axes):
        frame = getattr(ax, _DATA_ATTR, None)
        if frame is None:
            x_name = column_name(ax.get_xlabel(), "date" if _is_dates(ax.xaxis) else "x")
            y_name = column_name(ax.get_ylabel(), "y")
            if y_name == x_name:
                y_name = f"{y_name}_y"
            rows = [
                pd.DataFrame(
                    {"series": name, x_name: _values(x, ax.xaxis), y_name: _values(y, ax.yaxis)}
                )
                for name, x, y in _drawn(ax)
                if len(x)
            ]
            if not rows:
                continue
            frame = pd.concat(rows, ignore_index=True)
            if frame["series"].nunique() == 1:
                frame = frame.drop(columns="series")
        parts.append((ax.get_title() or f"panel {n + 1}", frame.reset_index(drop=True)))
    if not parts:
        return pd.DataFrame()
    if len(parts) == 1:
        return parts[0][1]
    return pd.concat(
        [f.assign(panel=title)[["panel", *f.columns]] for title, f in parts], ignore_index=True
    )


# ---------------------------------------------------------------------------------------------
# log axes
# ---------------------------------------------------------------------------------------------

#: the least distance between two labelled ticks on a log axis, as a share of its length
#: (about 35 px of a 450 px axis): closer labels run into each other ("0.010.020.050.1")
MIN_TICK_GAP = 0.08
#: tick patterns tried in turn, finest first: (multipliers of a power of ten, every n-th power)
_LOG_PATTERNS = (((1.0, 2.0, 5.0), 1), ((1.0, 3.0), 1), ((1.0,), 1), ((1.0,), 2), ((1.0,), 3))


def log_ticks(low: float, high: float, most: int = 9) -> list[float]:
    """Readable tick values for a log axis from ``low`` to ``high``: the finest of 1-2-5,
    1-3, powers of ten, every other power of ten ... whose ticks are at most ``most`` and at
    least :data:`MIN_TICK_GAP` of the axis apart; ``low`` and ``high`` (two significant
    digits) when no such value lies between them."""
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0 or high <= low:
        raise ValueError(f"a log axis needs 0 < low < high, got {low!r}, {high!r}")
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    span = np.log10(high) - np.log10(low)
    ticks: list[float] = []
    for steps, every in _LOG_PATTERNS:
        ticks = [
            float(f"{s * 10.0**p:.12g}")
            for p in range(first, last + 1)
            if p % every == 0
            for s in steps
            if low <= s * 10.0**p <= high
        ]
        gap = float(np.diff(np.log10(ticks)).min()) if len(ticks) > 1 else np.inf
        if len(ticks) <= most and gap >= MIN_TICK_GAP * span:
            break
    if len(ticks) < 2:
        ticks = sorted({*ticks, float(f"{low:.2g}"), float(f"{high:.2g}")})
    return ticks


def tick_text(value: float) -> str:
    """A tick value as readers write it: 0.01, 0.5, 1, 20, 1,000 (no powers, no trailing 0)."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.10g}"


def log_axis(ax: Axes, low: float, high: float, axis: str = "x") -> Axes:
    """Make ``ax``'s ``axis`` ("x" or "y") a log axis from ``low`` to ``high`` labelled with
    :func:`log_ticks` in plain numbers (:func:`tick_text`), minor ticks unlabelled."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlim if axis == "x" else ax.set_ylim)(low, high)
    target.set_major_locator(FixedLocator(log_ticks(low, high)))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: tick_text(v)))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())
    return ax
