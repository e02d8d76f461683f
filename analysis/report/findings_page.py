"""``findings.html`` and ``categories.csv``: what moved the tempo, across every graded event.

One forest chart of every graded event of both campaigns (rate ratio and 95% interval on a log
axis, grouped by category, biggest changes first; inseparable groups as one row), the events
not graded with their reason, then each category's pooled figure
(:func:`analysis.findings.pooling.pool`) with its sentence. Built by the runner from the build's
findings table, like the method page; nothing here fits a model.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from analysis.findings import pooling, words
from analysis.report.html import provenance_html, site_page
from analysis.report.site import METHOD_PAGE

__all__ = [
    "CATEGORIES_CSV",
    "CATEGORIES_COLUMNS",
    "FINDINGS_PAGE",
    "categories_csv",
    "findings_html",
    "forest_rows",
    "headline",
]

#: the page's file name at the site's root
FINDINGS_PAGE = "findings.html"
#: the pooled figures, published beside findings.csv
CATEGORIES_CSV = "categories.csv"
#: the columns of :data:`CATEGORIES_CSV`
CATEGORIES_COLUMNS = pooling.COLUMNS
#: the log axis of the forest chart: its ends and ticks (rate ratios)
AXIS = (0.01, 100.0)
TICKS = (0.01, 0.1, 0.5, 1, 2, 10, 100)
_GRADE_SHORT = {
    "clear_rise": "clear rise",
    "clear_fall": "clear fall",
    "likely_rise": "likely rise",
    "likely_fall": "likely fall",
    "no_change": "no change",
    "cannot_tell": "cannot tell",
}
_PAGE_STYLE = """
.forest-chart { min-width: 7rem; width: 45%; padding: 0 0.5rem; }
.forest-chart svg { display: block; width: 100%; height: 1.1rem; overflow: visible; }
.forest-axis svg { height: 1.4rem; }
.forest-axis text { font-size: 11px; fill: #333; }
tr.forest-category th { text-align: left; background: #f2f2f2; }
.grade-clear { font-weight: bold; }
@media (max-width: 600px) { .forest-axis .minor { display: none; } }
"""


def _x(value: float) -> float:
    """Horizontal position on the chart, in percent of its width (clipped to the axis)."""
    lo, hi = (math.log10(v) for v in AXIS)
    v = min(max(value, AXIS[0]), AXIS[1])
    return round((math.log10(v) - lo) / (hi - lo) * 100, 2)


def _chart(est: float, low: float, high: float, clear: bool) -> str:
    """One row's interval (a line) and estimate (a dot); the dashed line marks 1 (no change)."""
    colour = "#b03a2e" if clear else "#333"
    parts = [
        f'<line x1="{_x(1)}%" x2="{_x(1)}%" y1="0" y2="100%" stroke="#999" '
        'stroke-dasharray="3 2"/>',
        f'<line x1="{_x(low if low > 0 else AXIS[0])}%" x2="{_x(high)}%" y1="50%" y2="50%" '
        f'stroke="{colour}" stroke-width="2"/>',
    ]
    if math.isfinite(est):
        parts.append(f'<circle cx="{_x(est)}%" cy="50%" r="4" fill="{colour}"/>')
    return f'<svg aria-hidden="true" focusable="false">{"".join(parts)}</svg>'


def _minor(tick: float) -> str:
    """Ticks left out on a narrow screen, where they would overlap."""
    return ' class="minor"' if tick in (0.01, 0.5, 2, 100) else ""


def _axis() -> str:
    ticks = "".join(
        f'<text x="{_x(t)}%" y="70%" text-anchor="{a}"{_minor(t)}>{t:g}</text>'
        for t, a in zip(TICKS, ["start", *["middle"] * (len(TICKS) - 2), "end"], strict=True)
    )
    return f'<svg aria-hidden="true" focusable="false">{ticks}</svg>'


def _figure_words(est: float, low: float, high: float) -> str:
    """The rate ratio and its interval in words, e.g. "1.6 (0.62 to 4.4)", or a bound."""
    if not math.isfinite(est) and low == 0 and math.isfinite(high):
        return f"fewer than {words.ratio(high)} (upper bound)"
    return f"{words.ratio(est)} ({words.ratio(low)} to {words.ratio(high)})"


def forest_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The forest chart's rows: one per graded event and one per inseparable group (its events
    named once), with a ``section`` (the category, or "cannot be told apart" for groups whose
    events differ in category), ordered: sections by their largest change, rows by change."""
    labels = {str(r["event_id"]): words.event_name(r) for r in table.to_dict("records")}
    cats = dict(zip(table["event_id"].astype(str), table["category"].astype(str), strict=True))
    rows, seen = [], set()
    for r in table.to_dict("records"):
        grade = str(r["grade"])
        low, high = float(r["low"]), float(r["high"])
        if grade not in (*pooling.GRADED, "inseparable") or not math.isfinite(high):
            continue
        ids = tuple(sorted({str(r["event_id"]), *str(r.get("group") or "").split(";")} - {""}))
        if grade != "inseparable":
            ids = (str(r["event_id"]),)
        if ids in seen:
            continue
        seen.add(ids)
        kinds = {cats[i] for i in ids}
        shown = str(r.get("joint_grade") or "cannot_tell") if grade == "inseparable" else grade
        est = float(r["estimate"])
        rows.append(
            {
                "section": kinds.pop() if len(kinds) == 1 else "cannot be told apart",
                "event_id": ids[0] if len(ids) == 1 else str(r["event_id"]),
                "events": ";".join(ids),
                "name": " + ".join(labels[i] for i in ids),
                "campaign": str(r["campaign"]),
                "estimate": est,
                "low": low,
                "high": high,
                "grade": shown,
                "inseparable": grade == "inseparable",
                "change": abs(math.log(est if math.isfinite(est) else high)),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["section_change"] = frame.groupby("section")["change"].transform("max")
    mixed = frame["section"] == "cannot be told apart"
    frame = frame.assign(mixed=mixed).sort_values(
        ["mixed", "section_change", "section", "change"], ascending=[True, False, True, False]
    )
    return frame.drop(columns=["section_change", "mixed"]).reset_index(drop=True)


def _section_title(section: str) -> str:
    if section in pooling.CATEGORY_WORDS:
        many = pooling.CATEGORY_WORDS[section][1]
        return many[0].upper() + many[1:]
    return "Events that cannot be told apart (one figure for the group)"


def _forest_table(rows: pd.DataFrame) -> str:
    body = []
    for section, part in rows.groupby("section", sort=False):
        body.append(
            f'<tr class="forest-category"><th scope="col" colspan="4">'
            f"{html.escape(_section_title(str(section)))}</th></tr>"
        )
        for r in part.to_dict("records"):
            clear = str(r["grade"]).startswith("clear")
            grade = _GRADE_SHORT.get(str(r["grade"]), str(r["grade"]))
            if r["inseparable"]:
                grade += ", inseparable"
            body.append(
                "<tr>"
                f'<th scope="row">{html.escape(str(r["name"]))} '
                f'<span class="campaign">({html.escape(str(r["campaign"]))})</span></th>'
                f'<td class="forest-chart">'
                f"{_chart(r['estimate'], r['low'], r['high'], clear)}</td>"
                f"<td{words.figure_attributes(r['event_id'], r['estimate'])}>"
                f"{html.escape(_figure_words(r['estimate'], r['low'], r['high']))}</td>"
                f'<td class="{"grade-clear" if clear else "grade"}">{html.escape(grade)}</td>'
                "</tr>"
            )
    return f"""<table class="forest">
<caption>Every graded event: attacks after it, as a multiple of the rate expected without it
(dot), with its 95% interval (line), on a log scale; the dashed line is 1 (no change).</caption>
<thead><tr><th scope="col">Event (campaign)</th>
<th scope="col" class="forest-chart forest-axis">Rate ratio, log scale {_axis()}</th>
<th scope="col">Rate ratio (95% interval)</th><th scope="col">Grade</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>"""


def _pool_table(pools: pd.DataFrame) -> str:
    body = []
    shown = pools.groupby("category")["n_events"].transform("max") >= 2
    for r in pools[shown].to_dict("records"):
        n = int(r["n_events"])
        if math.isfinite(r["pooled_estimate"]):
            fig = (
                f"{words.ratio(r['pooled_estimate'])} ({words.ratio(r['low'])} to "
                f"{words.ratio(r['high'])})"
            )
            tau, i2 = f"{r['tau2']:.2f}", f"{r['i2']:.0%}"
        else:
            fig, tau, i2 = "not pooled", "", ""
        where = "both campaigns" if r["campaign"] == pooling.BOTH else str(r["campaign"])
        body.append(
            "<tr>"
            f'<th scope="row">{html.escape(_section_title(str(r["category"])))}</th>'
            f"<td>{html.escape(where)}</td><td>{n}</td><td>{html.escape(fig)}</td>"
            f"<td>{tau}</td><td>{i2}</td><td>{html.escape(str(r['sentence']))}</td>"
            "</tr>"
        )
    method = html.escape(pooling.METHODS[str(pools["method"].iloc[0])])
    return f"""<table class="pooled">
<caption>Each kind of event pooled (random effects, {method}):
the rate ratio across its events with its 95% interval; tau² is the spread of the events' true
ratios (log scale), I² the share of their differences beyond chance.</caption>
<thead><tr><th scope="col">Kind of event</th><th scope="col">Campaign</th>
<th scope="col">Events</th><th scope="col">Pooled rate ratio (95% interval)</th>
<th scope="col">tau²</th><th scope="col">I²</th><th scope="col">In words</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>"""


def headline(pools: pd.DataFrame) -> str:
    """At most 35 words: US strikes and truces on balance, across both campaigns."""
    both = pools[pools["campaign"] == pooling.BOTH].set_index("category")
    parts = []
    for cat, what in (("us_strike", "US strikes"), ("truce", "Truces")):
        if cat not in both.index or not math.isfinite(both.loc[cat, "pooled_estimate"]):
            continue
        r = both.loc[cat]
        verdict = pooling.verdict(cat, r["low"], r["high"])
        parts.append(
            f"{what}: {verdict} ({int(r['n_events'])} events, "
            f"{words.ratio(r['pooled_estimate'])} times the expected tempo, "
            f"{words.ratio(r['low'])} to {words.ratio(r['high'])})."
        )
    text = " ".join(parts) or "Too few graded events of any kind to pool."
    if len(text.split()) > words.MAX_WORDS:
        text = parts[0]
    return text


def categories_csv(pools: pd.DataFrame) -> str:
    """:data:`CATEGORIES_CSV`: the pools (:data:`CATEGORIES_COLUMNS`), floats as ``repr``."""
    return pools[CATEGORIES_COLUMNS].to_csv(index=False, float_format=None, lineterminator="\n")


#: the intro of the page's provenance block
FINDINGS_PROVENANCE = (
    "What this page was built from: the build's findings table (the same table gives the same "
    "page) and the pooling method."
)


def findings_html(
    table: pd.DataFrame,
    result: pooling.PoolingResults | None = None,
    provenance: dict | None = None,
) -> str:
    """:data:`FINDINGS_PAGE` for the build's findings ``table``, with its ``provenance``
    (data hashes, parameters, version: :func:`analysis.report.html.provenance_html`)."""
    result = result if result is not None else pooling.pool(table)
    pools = result.pools
    head = headline(pools)
    rows = forest_rows(table)
    ungraded = [
        f"<li>{html.escape(str(r['sentence']))}</li>"
        for r in table.to_dict("records")
        if str(r["grade"]) not in (*pooling.GRADED, "inseparable")
        or not math.isfinite(float(r["high"]))
    ]
    title = "What moved the tempo: every event, and each kind of event on balance"
    body = f"""<h1>What moved the tempo</h1>
<p class="headline"><strong>{html.escape(head)}</strong></p>
<p>Each event's figure is the one every page gives it (<a href="findings.csv">findings.csv</a>,
method in <a href="{METHOD_PAGE}">how it is computed</a>): attacks in the 30 days after it as a
multiple of the rate expected without it. Events are not independent experiments: those of one
campaign share its trend and its bursts of attacks, so a pooled figure summarises them; it is not
a test of a law.</p>
<h2>Every graded event, biggest changes first</h2>
{_forest_table(rows)}
<h2>Events not graded</h2>
<ul class="ungraded">
{chr(10).join(ungraded)}
</ul>
<h2>Each kind of event on balance</h2>
<p>Each kind with two or more graded events that can be told apart, pooled by campaign and
across both. Groups of events that cannot be told apart count once, and only when all their
events are of one kind. The figures: <a href="{CATEGORIES_CSV}">{CATEGORIES_CSV}</a>.</p>
{_pool_table(pools)}
{provenance_html(provenance, FINDINGS_PROVENANCE) if provenance else ""}
"""
    return site_page(title, head, body, style=_PAGE_STYLE)
