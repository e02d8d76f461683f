"""``findings.html`` and ``categories.csv``: what moved the tempo, across every graded event.

First the answers to the questions analysts ask (do US strikes deter or provoke? do truces
hold?) per campaign and both together; one forest chart of every graded event of both campaigns
(rate ratio and 95% interval on a log axis, grouped by category, biggest changes first;
inseparable groups as one row), the events not graded with their reason, then each category's
pooled figure (:func:`analysis.findings.pooling.pool`) with its sentence, and the same pools
from the checks (other horizons, claimed attacks counted: :func:`analysis.findings.store.variants`)
side by side. Built by the runner from the build's findings tables, like the method page;
nothing here fits a model.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from pathlib import Path

import pandas as pd

from analysis import __version__
from analysis import case as cases
from analysis.findings import pooling, store, words
from analysis.report import downloads, keys
from analysis.report.html import provenance_html, site_page
from analysis.report.site import METHOD_PAGE

__all__ = [
    "CATEGORIES_CSV",
    "CATEGORIES_COLUMNS",
    "FINDINGS_PAGE",
    "PAGE_STYLE",
    "SENSITIVITY_COLUMNS",
    "SENSITIVITY_CSV",
    "answers_html",
    "categories_csv",
    "findings_html",
    "findings_pages",
    "forest_rows",
    "forest_table",
    "headline",
    "pool_table",
    "sensitivity_csv",
    "sensitivity_html",
]

#: the page's file name at the site's root
FINDINGS_PAGE = "findings.html"
#: the pooled figures, published beside findings.csv
CATEGORIES_CSV = "categories.csv"
#: the columns of :data:`CATEGORIES_CSV`
CATEGORIES_COLUMNS = pooling.COLUMNS
#: the pooled figures of the primary table and of each check, published beside categories.csv
SENSITIVITY_CSV = "categories_sensitivity.csv"
#: the columns of :data:`SENSITIVITY_CSV`: the options of the findings table, then the pool's
SENSITIVITY_COLUMNS = pooling.VARIANT_COLUMNS
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
#: the page's own style (the forest's chart cells and axis)
PAGE_STYLE = """
.forest-chart { min-width: 7rem; width: 45%; padding: 0 0.5rem; }
.forest-chart svg { display: block; width: 100%; height: 1.1rem; overflow: visible; }
.forest-axis svg { height: 1.4rem; }
.forest-axis text { font-size: 11px; fill: #333; }
tr.forest-category th { text-align: left; background: #f2f2f2; }
.grade-clear { font-weight: bold; }
@media (max-width: 600px) { .forest-axis .minor { display: none; } }
.answers li { margin-bottom: 0.4rem; }
td.variant .n { color: #555; font-size: 0.85em; white-space: nowrap; }
table.pooled td:last-child { min-width: 16rem; }
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
    if section != "cannot be told apart":
        many = pooling.noun(section, 2)
        return many[0].upper() + many[1:]
    return "Events that cannot be told apart (one figure for the group)"


def forest_table(rows: pd.DataFrame) -> str:
    """The forest chart as a table (:func:`forest_rows`): one row per event or inseparable
    group under its category, its interval drawn on a log axis (SVG), figure and grade."""
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


def pool_table(pools: pd.DataFrame) -> str:
    """Each kind of event pooled (:attr:`~analysis.findings.pooling.PoolingResults.pools`),
    the kinds with two or more events in some scope, per campaign and both together."""
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
        where = pooling.scope_words(str(r["campaign"]))
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
    for cat in cases.current().questions:
        many = pooling.noun(cat, 2)
        what = many[:1].upper() + many[1:]
        if cat not in both.index or not math.isfinite(both.loc[cat, "pooled_estimate"]):
            continue
        r = both.loc[cat]
        n, grade = int(r["n_events"]), str(r["grade"])
        if grade == "too_few_events":
            said = f"{n} events, too few to say on balance ("
        else:
            said = f"{pooling.verdict(cat, grade)} ({n} events, "
        parts.append(
            f"{what}: {said}{words.ratio(r['pooled_estimate'])} times the expected tempo, "
            f"{words.ratio(r['low'])} to {words.ratio(r['high'])})."
        )
    text = " ".join(parts) or "Too few graded events of any kind to pool."
    if len(text.split()) > words.MAX_WORDS:
        text = parts[0]
    return text


def answers_html(table: pd.DataFrame, pools: pd.DataFrame) -> str:
    """The questions the case file asks first (``event_kinds``) answered in one sentence each,
    with its interval, per campaign and both together (:func:`analysis.findings.pooling.answer`)."""
    campaigns = sorted(str(c) for c in table["campaign"].dropna().unique() if str(c))
    out = []
    for cat in cases.current().questions:
        if cat not in set(table["category"].astype(str)):
            continue
        ask = pooling.question(cat).removeprefix("whether ")
        items = "".join(
            f'<li data-category="{cat}" data-campaign="{html.escape(c)}">'
            f"{html.escape(pooling.answer(table, pools, cat, c))}</li>"
            for c in ([*campaigns, pooling.BOTH] if len(campaigns) > 1 else [pooling.BOTH])
        )
        out.append(f'<h2>Do {html.escape(ask)}?</h2><ul class="answers">{items}</ul>')
    return "\n".join(out)


def _variant_heading(days: int, confirmation: str, primary: bool) -> str:
    """A column heading of the sensitivity table: "14 days, confirmed attacks (check)"."""
    who = "confirmed attacks" if confirmation == "confirmed" else "claimed attacks counted too"
    return f"{days} days, {who}" + (" (primary)" if primary else " (check)")


def _cell(r: dict) -> str:
    n = int(r["n_events"])
    if math.isfinite(r["pooled_estimate"]):
        fig = f"{words.ratio(r['pooled_estimate'])} ({words.ratio(r['low'])} to "
        fig += f"{words.ratio(r['high'])})"
        attrs = f' data-estimate="{r["pooled_estimate"]!r}"'
    else:
        fig, attrs = "not pooled", ""
    return (
        f'<td class="variant" data-horizon="{int(r["horizon_days"])}" '
        f'data-confirmation="{html.escape(str(r["confirmation"]))}"{attrs}>'
        f'{html.escape(fig)} <span class="n">{n} event{"s" * (n != 1)}</span></td>'
    )


def _same_figures(frame: pd.DataFrame, a: pd.DataFrame) -> bool:
    """True when the pools of ``a`` equal the primary's (the same events, the same figures)."""
    b = frame[frame["primary"]]
    cols = ["pooled_estimate", "low", "high"]
    x, y = a[cols].to_numpy(float), b[cols].to_numpy(float)
    same = ((x == y) | (pd.isna(x) & pd.isna(y))).all()
    return bool(same and (a["events"].to_numpy() == b["events"].to_numpy()).all())


def sensitivity_html(frame: pd.DataFrame) -> str:
    """The pooled figures of the primary table and of each check side by side
    (:func:`analysis.findings.pooling.pool_variants`), one row per kind and campaign with two
    or more events in some table, and what the checks show in words."""
    variants = list(dict.fromkeys(zip(frame["horizon_days"], frame["confirmation"], strict=True)))
    keyed = frame.set_index(["horizon_days", "confirmation", "category", "campaign"])
    primary = frame[frame["primary"]]
    first = (primary["horizon_days"].iloc[0], primary["confirmation"].iloc[0])
    most = frame.groupby(["category", "campaign"], sort=False)["n_events"].max()
    heads = "".join(
        f'<th scope="col">{html.escape(_variant_heading(d, c, (d, c) == first))}</th>'
        for d, c in variants
    )
    body = []
    for r in primary.to_dict("records"):
        key = (r["category"], r["campaign"])
        if most.loc[key] < 2:
            continue
        where = pooling.scope_words(str(r["campaign"]))
        cells = "".join(
            _cell({**keyed.loc[(d, c, *key)].to_dict(), "horizon_days": d, "confirmation": c})
            for d, c in variants
        )
        body.append(
            f'<tr data-category="{html.escape(str(r["category"]))}" '
            f'data-campaign="{html.escape(str(r["campaign"]))}">'
            f'<th scope="row">{html.escape(_section_title(str(r["category"])))}</th>'
            f"<td>{html.escape(where)}</td>{cells}</tr>"
        )
    horizons = [(d, c) for d, c in variants if c == first[1] and (d, c) != first]
    same = all(
        _same_figures(frame, frame[(frame["horizon_days"] == d) & (frame["confirmation"] == c)])
        for d, c in horizons
    )
    days = " and ".join(f"{d}" for d, _ in horizons)
    if horizons and same:
        note = (
            f"The {days}-day pools equal the {first[0]}-day ones to the last digit: each event's "
            "rate ratio is a lasting change from its date (a step), which the horizon does not "
            "enter; "
            "the horizon sets only the attack counts and excess attacks, and through them some "
            "events' grades."
        )
    elif horizons:
        note = f"The {days}-day pools differ from the {first[0]}-day ones where the table shows it."
    else:
        note = ""
    method = html.escape(pooling.METHODS[str(frame["method"].iloc[0])])
    return f"""<table class="sensitivity">
<caption>The pooled rate ratio (95% interval, {method} random effects) and the events pooled,
from the primary findings (30 days, confirmed attacks: the figures every page states) and from
the same analysis with other choices, as checks.</caption>
<thead><tr><th scope="col">Kind of event</th><th scope="col">Campaign</th>{heads}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<p class="sensitivity-note">{html.escape(note)} Counting claimed attacks too changes which
attacks are counted and so every figure; a kind whose verdict holds in every column does not rest
on one choice. The figures: <a href="{SENSITIVITY_CSV}">{SENSITIVITY_CSV}</a>.</p>"""


def sensitivity_csv(frame: pd.DataFrame) -> str:
    """:data:`SENSITIVITY_CSV`: every variant's pools (:data:`SENSITIVITY_COLUMNS`)."""
    return frame[SENSITIVITY_COLUMNS].to_csv(index=False, lineterminator="\n")


def categories_csv(pools: pd.DataFrame) -> str:
    """:data:`CATEGORIES_CSV`: the pools (:data:`CATEGORIES_COLUMNS`), floats as ``repr``."""
    return pools[CATEGORIES_COLUMNS].to_csv(index=False, float_format=None, lineterminator="\n")


def _checks(sensitivity: pd.DataFrame | None) -> str:
    if sensitivity is None or sensitivity.empty:
        return ""
    return f"""<h2>Checks: other horizons, claimed attacks counted</h2>
<p>The same analysis and pooling with other choices. The primary column is the one every page
quotes; the others are checks, not other answers.</p>
{sensitivity_html(sensitivity)}"""


#: the intro of the page's provenance block
FINDINGS_PROVENANCE = (
    "What this page was built from: the build's findings table (the same table gives the same "
    "page) and the pooling method."
)


def findings_html(
    table: pd.DataFrame,
    result: pooling.PoolingResults | None = None,
    provenance: dict | None = None,
    sensitivity: pd.DataFrame | None = None,
) -> str:
    """:data:`FINDINGS_PAGE` for the build's findings ``table``, with its ``provenance``
    (data hashes, parameters, version: :func:`analysis.report.html.provenance_html`) and the
    checks' pools (``sensitivity``, :func:`analysis.findings.pooling.pool_variants`) when
    given."""
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
method in <a href="{METHOD_PAGE}">how it is computed</a>): the rate of attacks after it as a
multiple of the rate expected without it, net of the other events of its campaign.
Events are not independent experiments: those of one campaign share its trend and its bursts
of attacks, and no event's date was chosen at random, so a pooled figure
summarises what followed such events; it does not prove what any of them caused, and it is not
a law.
A pool of fewer than {pooling.MIN_POOLED} events is called too few to say anything on balance.</p>
{answers_html(table, pools)}
<h2>Every graded event, biggest changes first</h2>
{forest_table(rows)}
<h2>Events not graded</h2>
<ul class="ungraded">
{chr(10).join(ungraded)}
</ul>
<h2>Each kind of event on balance</h2>
<p>Each kind with two or more graded events that can be told apart, pooled by campaign and
across both. Groups of events that cannot be told apart count once, and only when all their
events are of one kind. The figures: <a href="{CATEGORIES_CSV}">{CATEGORIES_CSV}</a>.</p>
{pool_table(pools)}
{_checks(sensitivity)}
{provenance_html(provenance, FINDINGS_PROVENANCE) if provenance else ""}
"""
    return site_page(title, head, body, style=PAGE_STYLE)


def findings_pages(
    findings: Path,
    data_dir: Path | None = None,
    *,
    through: dt.date | None = None,
    edition: str = "",
) -> dict[str, str]:
    """The pages made from the findings table at ``findings`` (its ``findings.csv``):
    ``findings.html`` (every graded event in one forest chart, each kind of event pooled, the
    pools of the checks beside them), ``categories.csv`` (the pooled figures) and
    ``categories_sensitivity.csv`` (the checks' pools: the variants of ``data_dir``'s table)."""
    table = store.read(findings)
    pooled, checks = store.pools(findings, data_dir)  # once per table, data and code
    provenance = {
        "data": {"findings.csv": keys.file_hash(findings)},
        "parameters": {"pooling": pooled.method, "findings key": findings.parent.name},
        "version": __version__,
    }
    page = findings_html(table, pooled, provenance, checks)
    if edition:  # "Data through" at its top, "Cite as" its edition's copy
        meta = downloads.cite_meta("findings", {**provenance, "edition": edition}, through)
        title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
        name = html.unescape(title[1]) if title else "Findings"
        page = downloads.site_page_extras(
            page, name="findings", title=name, through=through, meta=meta
        )
    return {
        FINDINGS_PAGE: page,
        CATEGORIES_CSV: categories_csv(pooled.pools),
        SENSITIVITY_CSV: sensitivity_csv(checks),
    }
