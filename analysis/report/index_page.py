"""``index.html``, the site's front page, read in ten seconds: what the site is and how far its
data reach, the findings page, the event briefs (one card per event, campaign by campaign: its
name, date, grade and sentence), the analyses (one line each on what it shows, one link per
campaign), the outlook, then data and methods.

Rendered from the manifest (:mod:`analysis.report.site`): every text a brief glued, every event
label from the data and every value of the review queue is escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis import case
from analysis.paths import CODEBOOK_PAGE, FINDINGS_METHOD_PAGE, METHODS_PAGE
from analysis.report.a11y import accessible
from analysis.report.downloads import THROUGH_RULE
from analysis.report.html import page_head
from analysis.report.terms import link_terms

__all__ = [
    "ANALYSES",
    "ARCHIVE_PAGE",
    "GRADE_LABELS",
    "OTHER_BRIEFS",
    "SWEEPS",
    "campaign_of_entry",
    "day_in_words",
    "event_names",
    "headline_data",
    "index_html",
]

#: the index's heading for briefs that lie in no single campaign
OTHER_BRIEFS = "Other briefs"
#: the analyses' line for the sweeps' summary pages
SWEEPS = "Sweeps"
#: the archive's index page (every edition of every page, by date)
ARCHIVE_PAGE = "archive.html"
#: the notebooks of the outlook section (the present and the weeks ahead), in this order
OUTLOOK_NOTEBOOKS = ("recent_tempo.ipynb", "07_outlook.ipynb")
#: the event brief's notebook (one card per page)
EVENT_NOTEBOOK = "brief.ipynb"
#: analysis notebook -> (its name in words, what its pages show), in the index's order
ANALYSES: dict[str, tuple[str, str]] = {
    "01_data_overview.ipynb": (
        "Data overview",
        "what the data hold: attacks by month, place, target and weapon, and the known gaps.",
    ),
    "02_event_windows.ipynb": (
        "Before and after each event",
        "attacks in the 30 days before and after every event of a campaign, each net of the "
        "others.",
    ),
    "06_attribution.ipynb": (
        "All of a campaign's events at once",
        "a campaign's events fitted together, net of each other and of attacks setting off "
        "attacks.",
    ),
    "03_interrupted_time_series.ipynb": (
        "Breaks in the weekly trend",
        "whether the weekly attack rate stepped up or down after key events, beyond its trend.",
    ),
    "04_changepoints_and_escalation.ipynb": (
        "When the tempo changed",
        "the weeks the attack rate shifted, and how far attacks set off further attacks.",
    ),
    "05_counterfactual.ipynb": (
        "Against the pattern before an event",
        "attacks after one event against what the weeks before it predicted.",
    ),
}
#: a finding's grade on an event card, in words
GRADE_LABELS = {
    "clear_rise": "Clear rise",
    "clear_fall": "Clear fall",
    "likely_rise": "Likely rise",
    "likely_fall": "Likely fall",
    "no_change": "No change that matters",
    "cannot_tell": "Too few attacks to tell",
    "inseparable": "Cannot be told apart from events days away",
    "marker": "Not graded",
    "not_graded": "Not graded",
}


def index_description() -> str:
    """The index's meta description, on the case's subject (read when the index is built)."""
    return (
        f"How the tempo of {case.current().subject} changed around political events, campaign "
        "by campaign: one brief per event and per analysis, with its data, parameters and code "
        "version."
    )


def index_subject() -> str:
    """The index's subject, campaign by campaign: the first campaign's countries, then those a
    later campaign adds ("attacks on US diplomatic and military sites in Iraq (and, in
    2023–24, Syria and Jordan)"); the case's subject when it has no campaigns."""
    found = case.current()
    if not found.campaigns:
        return found.subject
    first = found.campaigns[0].countries
    out = found.subject_in(first)
    for c in found.campaigns[1:]:
        extra = [x for x in c.countries if x not in first]
        if extra:
            out += f" (and, in {c.label.removesuffix(' campaign')}, {found.where(extra)})"
    return out


def _kinds_words() -> str:
    """Examples of the case's kinds of event: those it asks a question of first, else its first
    categories ("US strikes, truces, ...")."""
    c = case.current()
    codes = list(c.questions) or list(c.event_categories)[:3]
    return ", ".join(c.kind(code).many for code in codes[:3]) + ", ..."


def _campaign_words() -> str:
    """The case's campaigns in words ("the 2019–2021 and 2023–24 campaigns"), or ""."""
    labels = [c.label.removesuffix(" campaign") for c in case.current().campaigns]
    if not labels:
        return ""
    *head, last = labels
    joined = f"{', '.join(head)} and {last}" if head else last
    return f", in the {joined} campaign{'s' if head else ''}"


#: the index's own layout: cards for event briefs, one line per analysis; printed in few pages
INDEX_STYLE = """
.escalation-lead { font-size: 1.1rem; margin: 0 0 0.5rem; }
.escalation-through { margin: 0 0 1rem; color: var(--muted); }
.escalation-findings-link { font-size: 1.1rem; border-left: 4px solid var(--accent);
  padding: 0.5rem 0.75rem; background: #f6f8fa; margin: 1rem 0 1.5rem; }
.escalation-findings-link a { font-weight: bold; }
.escalation-cards, .escalation-list { list-style: none; padding: 0; margin: 0.5rem 0; }
.escalation-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr));
  gap: 0.75rem; }
.escalation-card { border: 1px solid var(--rule); border-radius: 4px; padding: 0.5rem 0.75rem;
  break-inside: avoid; overflow-wrap: break-word; min-width: 0; }
.escalation-card p { margin: 0.2rem 0; }
.escalation-card .card-title { font-weight: bold; }
.escalation-card .card-date { color: var(--muted); font-weight: normal; white-space: nowrap; }
.escalation-card .card-grade { font-size: 0.9rem; }
.escalation-card .headline { font-size: 0.9rem; color: var(--muted); }
.escalation-list > li { margin: 0.5rem 0; break-inside: avoid; overflow-wrap: break-word; }
.escalation-list p { margin: 0.1rem 0; }
.escalation-list .pages { font-size: 0.9rem; }
h3.escalation-campaign { margin-top: 1rem; }
@media print {
  .escalation-cards { display: block; }
  .escalation-card { margin: 0 0 0.4rem; padding: 0.25rem 0.5rem; }
  h2 { margin-top: 1rem; }
}"""


def campaign_of_entry(entry: Mapping[str, Any]) -> str:
    """The label of the campaign a manifest entry is listed under on the index: the campaign
    (the case's, :func:`analysis.data.campaigns.campaigns`) holding the last day of the brief's
    glued ``period`` (the newest data it reads: an outlook built on every week since 2019 is
    read as a 2023-24 page), else :data:`OTHER_BRIEFS` (no period, or one ending outside every
    campaign)."""
    from analysis.data.campaigns import campaign_holding  # pandas: not at the CLI's start

    period = entry.get("period")
    if isinstance(period, list | tuple) and len(period) == 2:
        try:
            found = campaign_holding(period[1])
        except (TypeError, ValueError):
            found = None
        if found is not None:
            return found.label
    return OTHER_BRIEFS


def headline_data(entry: Mapping[str, Any]) -> str:
    """The data attributes of an event brief's headline on the index: the event and its
    findings estimate as ``findings.csv`` writes it (``repr`` of the float, "" when the event
    has none), so a reader or a test can check the sentence against the table; "" otherwise."""
    found = entry.get("findings")
    if not isinstance(found, Mapping):
        return ""
    from analysis.findings.words import figure_attributes  # the command line starts light

    return figure_attributes(found.get("event", ""), found.get("estimate"))


def day_in_words(day: str) -> str:
    """An ISO date (YYYY-MM-DD) as "3 Dec 2024"; the text itself when it is not one."""
    try:
        d = dt.date.fromisoformat(str(day)[:10])
    except ValueError:
        return str(day)
    return f"{d.day} {d:%b %Y}"


def event_names(data_dir: Path | None) -> dict[str, tuple[str, str]]:
    """Event id -> (label, ISO date) from ``data_dir``'s ``political_events.csv`` (default: the
    project's data folder); {} when it cannot be read (the index then names events by their
    briefs' titles)."""
    if data_dir is None:
        from analysis import paths

        data_dir = paths.data_dir()
    try:
        with (data_dir / "political_events.csv").open(newline="", encoding="utf-8") as fh:
            return {
                r["event_id"]: (r.get("label") or "", r.get("date") or "")
                for r in csv.DictReader(fh)
                if r.get("event_id")
            }
    except (OSError, ValueError, KeyError, csv.Error):
        return {}


def _event_of(entry: Mapping[str, Any], events: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    """An event brief's event in words and its date in words: from the data, else from the
    brief's title ("Label, 3 Jan 2020: ..."), else the title alone."""
    found = events.get(str(entry.get("focus_event") or ""))
    if found and found[0].strip():
        return found[0].strip(), day_in_words(found[1])
    head = str(entry.get("title", "")).split(": ", 1)[0]
    label, sep, day = head.rpartition(", ")
    return (label, day) if sep else (head, "")


def _card(name: str, entry: Mapping[str, Any], events: Mapping[str, tuple[str, str]]) -> str:
    href = html.escape(str(entry.get("file") or f"{name}.html"))
    label, day = _event_of(entry, events)
    grade = str((entry.get("findings") or {}).get("grade") or "")
    words = GRADE_LABELS.get(grade, "")
    when = f' <span class="card-date">{html.escape(day)}</span>' if day else ""
    graded = f'<p class="card-grade">Grade: <strong>{html.escape(words)}</strong></p>' * bool(words)
    return (
        '<li class="escalation-card">'
        f'<p class="card-title"><a href="{href}">{html.escape(label)}</a>{when}</p>'
        f"{graded}"
        f'<p class="headline"{headline_data(entry)}>'
        f"{html.escape(str(entry.get('headline', '')))}</p>"
        "</li>"
    )


def _short_campaign(label: str) -> str:
    return label.removesuffix(" campaign")


def _page_link(
    name: str,
    entry: Mapping[str, Any],
    events: Mapping[str, tuple[str, str]],
    repeated: bool,
) -> str:
    """One page of an analysis: its campaign (and focus event) as the link's words; its title
    when its kind has two pages of one campaign."""
    href = html.escape(str(entry.get("file") or f"{name}.html"))
    if repeated:
        words = str(entry.get("title", name))
    else:
        words = _short_campaign(campaign_of_entry(entry))
        focus = events.get(str(entry.get("focus_event") or ""))
        if focus and focus[0].strip():
            words += f": {focus[0].strip()}"
    return f'<a href="{href}">{html.escape(words)}</a>'


def _titled(name: str, entry: Mapping[str, Any]) -> str:
    """A page the index knows no kind for: its title (linked) and its headline."""
    href = html.escape(str(entry.get("file") or f"{name}.html"))
    return (
        f'<li><p><a href="{href}">{html.escape(str(entry.get("title", name)))}</a></p>'
        f'<p class="headline">{html.escape(str(entry.get("headline", "")))}</p></li>'
    )


def _analyses(
    manifest: Mapping[str, Any],
    order: list[str],
    events: Mapping[str, tuple[str, str]],
    sweeps: Mapping[str, Mapping[str, Any]] | None,
) -> tuple[list[str], list[str]]:
    """The analyses section's lines and the outlook section's lines."""
    kinds: dict[str, list[str]] = {nb: [] for nb in ANALYSES}
    other, outlook = [], []
    for name in order:
        entry = manifest["briefs"].get(name)
        if not entry or entry.get("findings"):
            continue
        notebook = str(entry.get("notebook") or "")
        if notebook in kinds:
            kinds[notebook].append(name)
        elif notebook in OUTLOOK_NOTEBOOKS:
            outlook.append((OUTLOOK_NOTEBOOKS.index(notebook), _titled(name, entry)))
        elif notebook != EVENT_NOTEBOOK:
            other.append(_titled(name, entry))
    lines = []
    for notebook, names in kinds.items():
        if not names:
            continue
        title, shows = ANALYSES[notebook]
        campaigns = [campaign_of_entry(manifest["briefs"][n]) for n in names]
        links = [
            _page_link(n, manifest["briefs"][n], events, campaigns.count(c) > 1)
            for n, c in zip(names, campaigns, strict=True)
        ]
        lines.append(
            f"<li><p><strong>{html.escape(title)}</strong>: {html.escape(shows)}</p>"
            f'<p class="pages">{" · ".join(links)}</p></li>'
        )
    for name, entry in sorted((sweeps or {}).items()):
        grid = " × ".join(f"{k} ({v})" for k, v in entry.get("grid", {}).items())
        href = html.escape(str(entry.get("file") or f"{name}.html"))
        lines.append(
            f'<li><p><strong>{SWEEPS}</strong>: <a href="{href}">'
            f"{html.escape(str(entry.get('title', name)))}</a>, "
            f"{html.escape(str(entry.get('points', '')))} pages across {html.escape(grid)}.</p>"
            "</li>"
        )
    return lines + other, [line for _, line in sorted(outlook, key=lambda t: t[0])]


def _section(heading: str, ident: str, intro: str, body: str) -> str:
    return f'<section id="{ident}">\n<h2>{heading}</h2>\n{intro}\n{body}\n</section>'


def index_html(
    manifest: Mapping[str, Any],
    order: list[str],
    status: str = "",
    sweeps: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    data_through: str = "",
    events: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """The index page, in the order a reader wants it: what the site is and ``data_through``
    (ISO date: :func:`analysis.report.downloads.data_through`); the findings page; the event
    briefs as cards grouped by campaign (:func:`campaign_of_entry`; campaigns oldest first, the
    config's ``order`` within one); the analyses, one line per notebook (:data:`ANALYSES`) with a
    link per page, and the sweeps; the outlook; data and methods, with the review queue's
    ``status`` (an HTML paragraph, :func:`analysis.report.site.queue_status_html`). ``events``:
    event id -> (label, ISO date), :func:`event_names`. All text from briefs and data is escaped."""
    events = events or {}
    groups: dict[str, list[str]] = {c.label: [] for c in case.current().campaigns}
    groups[OTHER_BRIEFS] = []
    for name in order:
        entry = manifest["briefs"].get(name)
        if entry and (entry.get("findings") or entry.get("notebook") == EVENT_NOTEBOOK):
            groups[campaign_of_entry(entry)].append(_card(name, entry, events))
    cards = "\n".join(
        f'<h3 class="escalation-campaign">{html.escape(label)}</h3>\n'
        f'<ul class="escalation-cards">\n{chr(10).join(rows)}\n</ul>'
        for label, rows in groups.items()
        if rows
    )
    analyses, outlook = _analyses(manifest, order, events, sweeps)
    sections = []
    if cards:
        sections.append(
            _section(
                "Event briefs",
                "events",
                "<p>One page per event: attacks in the 30 days after it against the rate "
                f'expected without it (a <a href="{METHODS_PAGE}#rate-ratio">rate ratio</a>), '
                f'with a <a href="{METHODS_PAGE}#grades">grade</a>.</p>',
                cards,
            )
        )
    if analyses:
        sections.append(
            _section(
                "Analyses",
                "analyses",
                "<p>Each method across a whole campaign, one page per campaign.</p>",
                f'<ul class="escalation-list">\n{chr(10).join(analyses)}\n</ul>',
            )
        )
    if outlook:
        sections.append(
            _section(
                "Outlook",
                "outlook",
                "<p>The recent tempo, and the attacks expected in the weeks after the data "
                "end.</p>",
                f'<ul class="escalation-list">\n{chr(10).join(outlook)}\n</ul>',
            )
        )
    if not (cards or analyses or outlook):
        sections.append("<p>No briefs published yet.</p>")
    through = (
        '<p class="escalation-through">Data through <strong>'
        f"{html.escape(day_in_words(data_through))}</strong> ({THROUGH_RULE}).</p>"
        if data_through
        else ""
    )
    data = f"""<ul class="escalation-list">
<li><a href="{CODEBOOK_PAGE}">Codebook</a>: what each table, column and value of the data means,
and the known gaps.</li>
<li><a href="{METHODS_PAGE}">Methods in plain words</a>: rate ratios, intervals, the models and
the grades the pages use.</li>
<li><a href="{FINDINGS_METHOD_PAGE}">How the findings are computed and graded</a>; the table
itself: <a href="findings.csv">findings.csv</a> (<a href="findings.json">JSON</a>).</li>
<li>{status or "Review queue: could not be read."}</li>
<li><a href="{ARCHIVE_PAGE}">Archive</a>: every edition of every page, by date; new editions
in the <a href="feed.xml">Atom feed</a>.</li>
</ul>"""
    sections.append(
        _section(
            "Data and methods",
            "data",
            "<p>Each page states its data, parameters and code version at its end.</p>",
            data,
        )
    )
    body = "\n".join(sections)
    feed = '<link rel="alternate" type="application/atom+xml" title="Attack tempo briefs" '
    feed += 'href="feed.xml">'
    head = page_head("Attack tempo briefs", index_description(), style=INDEX_STYLE, links=feed)
    return accessible(
        link_terms(f"""{head}<body class="escalation-index">
<main>
<h1>Attack tempo briefs</h1>
<p class="escalation-lead">How the tempo of {html.escape(index_subject())} changed around
political events{html.escape(_campaign_words())}.</p>
{through}
<p class="findings-page escalation-findings-link"><a href="findings.html">What moved the
tempo</a>: every graded event in one chart, and whether each kind of event
({html.escape(_kinds_words())}) moved it on balance.</p>
{body}
</main>
</body>
</html>
""")
    )
