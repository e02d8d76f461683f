"""A sweep's summary page: does a brief's conclusion hold across its parameter grid?

A sweep (:class:`analysis.report.config.Sweep`) publishes one page per grid point, built and keyed
like any brief, and this one summary page: a heatmap of the sweep's first glued value (rows: the
first grid parameter; columns: every combination of the others) and a table of every glued value
the sweep names, per point, each linking to its page. The numbers come from the manifest, where
the runner records each point's glued ``values`` when it is built, so a run that rebuilds only
some points still summarises all of them. A point not built (or failed) shows as "not built".

Everything from outside (parameter values, glued text) is escaped; the chart is an embedded PNG
with a text description as its alt text, drawn in the house style (:mod:`analysis.charts`).
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from analysis.report.a11y import accessible
from analysis.report.config import Brief, Sweep
from analysis.report.html import page_head
from analysis.report.terms import link_terms

#: a sweep page's table: scrolled sideways on a narrow screen, numbers right-aligned
SWEEP_STYLE = """div.sweep-table { overflow-x: auto; }
table.sweep { font-size: 0.85em; }
table.sweep th, table.sweep td { padding: 0.25em 0.5em; }
table.sweep td.num { text-align: right; font-variant-numeric: tabular-nums; }"""
#: glued names read as ratios (drawn on a log scale centred on 1, "no change")
RATIO_HINTS = ("ratio", "_rr")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _shown(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    if number == 0 or 0.01 <= abs(number) < 10_000:
        return f"{number:.3g}" if abs(number) < 100 else f"{number:.0f}"
    return f"{number:.2g}"


def _grid(
    sweep: Sweep, axes: Mapping[str, list[Any]], points: Sequence[Brief]
) -> tuple[list[Any], list[tuple[Any, ...]], dict[tuple[Any, tuple[Any, ...]], Brief]]:
    """Heatmap rows (first grid parameter), columns (combinations of the others) and the
    point at each cell."""
    names = list(axes)
    rows = axes[names[0]]
    cols = list(itertools.product(*(axes[n] for n in names[1:])))
    cell = {}
    for b in points:
        key = (b.parameters[names[0]], tuple(b.parameters[n] for n in names[1:]))
        cell[key] = b
    return rows, cols, cell


def heatmap_png(
    sweep: Sweep,
    axes: Mapping[str, list[Any]],
    points: Sequence[Brief],
    entries: Mapping[str, Mapping[str, Any]],
) -> tuple[str, str, tuple[int, int]]:
    """The heatmap of the sweep's first value as base64 PNG at twice its CSS size (as every
    chart of the site: :data:`analysis.charts.PIXEL_RATIO`), its alt text, and its width and
    height in CSS pixels."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    from analysis.charts import new_figure

    value = sweep.values[0]
    names = list(axes)
    rows, cols, cell = _grid(sweep, axes, points)
    grid = np.full((len(rows), len(cols)), np.nan)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            b = cell.get((r, c))
            got = _number(entries.get(b.name, {}).get("values", {}).get(value)) if b else None
            if got is not None:
                grid[i, j] = got
    ratio = any(h in value for h in RATIO_HINTS) and bool(np.all(grid[~np.isnan(grid)] > 0))
    shown = np.log2(grid) if ratio else grid
    width = min(10.0, 2.5 + 1.1 * len(cols))
    fig, ax = new_figure(figsize=(width, 1.2 + 0.32 * len(rows)))
    ax.grid(False)
    finite = shown[~np.isnan(shown)]
    if ratio and finite.size:
        span = max(float(np.abs(finite).max()), 0.1)
        norm, cmap = TwoSlopeNorm(0.0, -span, span), "RdBu_r"
    else:
        norm, cmap = None, "viridis"
    masked = np.ma.masked_invalid(shown)
    colours = matplotlib.colormaps[cmap].with_extremes(bad="#dddddd")
    image = ax.imshow(masked, aspect="auto", cmap=colours, norm=norm, interpolation="nearest")
    for i, j in itertools.product(range(len(rows)), range(len(cols))):
        text = "–" if np.isnan(grid[i, j]) else _shown(grid[i, j])
        level = float(image.norm(shown[i, j])) if not np.isnan(grid[i, j]) else 0.5
        dark = (level > 0.8 or level < 0.2) if ratio else level < 0.35  # white on dark cells
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "k")
    ax.set_yticks(range(len(rows)), [str(r) for r in rows], fontsize=8)
    ax.set_xticks(
        range(len(cols)), [" · ".join(map(str, c)) or value for c in cols], fontsize=8, rotation=30
    )
    ax.set_ylabel(names[0])
    ax.set_xlabel(" · ".join(names[1:]))
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(f"log2 {value}" if ratio else value)
    png, meta = fig.png()
    import matplotlib.pyplot as plt

    plt.close(fig)
    done = int((~np.isnan(grid)).sum())
    alt = (
        f"Heatmap of {value} across {len(rows)} values of {names[0]}"
        + (f" and {len(cols)} combinations of {', '.join(names[1:])}" if names[1:] else "")
        + f"; {done} of {grid.size} points have a value."
    )
    return png, alt, (int(meta["width"]), int(meta["height"]))


def summary_html(
    sweep: Sweep,
    axes: Mapping[str, list[Any]],
    points: Sequence[Brief],
    entries: Mapping[str, Mapping[str, Any]],
    built_at: str,
) -> str:
    """The sweep's summary page: heading, heatmap and the table of values per point."""
    esc = html.escape
    png, alt, (width, height) = heatmap_png(sweep, axes, points, entries)
    names = list(axes)
    # long glued names may break after an underscore, so the table fits the page
    head = "".join(f"<th>{esc(n).replace('_', '_<wbr>')}</th>" for n in [*names, *sweep.values])
    body = []
    for b in points:
        entry = entries.get(b.name)
        shown = [esc(str(b.parameters[n])) for n in names]
        if entry:  # the first parameter links to the point's page
            href = esc(entry.get("file", b.name + ".html"))
            shown[0] = f'<a href="{href}" title="{esc(b.name)}">{shown[0]}</a>'
        cells = "".join(f"<td>{v}</td>" for v in shown)
        if entry:
            got = entry.get("values", {})
            cells += "".join(
                f'<td class="num">{esc(_shown(got.get(v)))}</td>' for v in sweep.values
            )
        else:
            cells += f'<td colspan="{len(sweep.values)}">not built</td>'
        body.append(f"<tr>{cells}</tr>")
    title = sweep.title or f"Sweep {sweep.name}: {sweep.values[0]} across the grid"
    built = sum(1 for b in points if b.name in entries)
    axes_text = ", ".join(f"{esc(n)} ({len(v)})" for n, v in axes.items())
    description = f"{title}: {built} of {len(points)} pages of {sweep.notebook.name}."
    top = page_head(title, description, style=SWEEP_STYLE)
    return accessible(
        link_terms(f"""{top}<body class="escalation-sweep">
<main>
<p class="escalation-nav"><a href="index.html">All briefs</a></p>
<h1>{esc(title)}</h1>
<p>{built} of {len(points)} pages of notebook <code>{esc(sweep.notebook.name)}</code> over
{axes_text}. Each row links to its page; the heatmap shows <code>{esc(sweep.values[0])}</code>
(grey: not built or no estimate).</p>
<figure><img src="data:image/png;base64,{png}" alt="{esc(alt)}" width="{width}" height="{height}"
style="max-width:100%;height:auto"></figure>
<div class="sweep-table"><table class="sweep">
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table></div>
<p class="escalation-provenance">Summary built {esc(built_at)} UTC from the values each page
recorded.</p>
</main>
</body>
</html>
""")
    )


def point_values(sweeps: Sequence[Sweep], sweep: str, glued: Mapping[str, Any]) -> dict[str, Any]:
    """What a built point of ``sweep`` records in the manifest for its summary page: the glued
    values the sweep names (none when the sweep is not in ``sweeps``)."""
    found = next((s for s in sweeps if s.name == sweep), None)
    return {k: glued.get(k) for k in (found.values if found else ())}


def summaries(
    manifest: dict[str, Any],
    sweeps: Sequence[Sweep],
    briefs: Sequence[Brief],
    events: Iterable[str],
    built: Iterable[str],
    built_at: str,
) -> dict[str, str]:
    """The summary page (``<sweep>.html``) of every sweep with a point (in ``briefs``) built in
    this run (``built``), from the values the manifest records for all its points; records each
    in ``manifest["sweeps"]`` (sweeps no longer in the config leave it)."""
    built = set(built)
    known = manifest.get("sweeps") if isinstance(manifest.get("sweeps"), dict) else {}
    manifest["sweeps"] = {n: e for n, e in known.items() if n in {s.name for s in sweeps}}
    pages = {}
    for sweep in sweeps:
        points = [b for b in briefs if b.sweep == sweep.name]
        if not built & {b.name for b in points}:
            continue
        axes = sweep.axes(events)
        entries = {
            b.name: manifest["briefs"][b.name] for b in points if b.name in manifest["briefs"]
        }
        rel = f"{sweep.name}.html"
        pages[rel] = summary_html(sweep, axes, points, entries, built_at)
        manifest["sweeps"][sweep.name] = {
            "file": rel,
            "title": sweep.title or f"Sweep {sweep.name}: {sweep.values[0]} across the grid",
            "points": len(points),
            "built": len(entries),
            "built_at": built_at,
            "grid": {k: len(v) for k, v in axes.items()},
        }
    return pages
