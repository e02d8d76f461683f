"""The site around the briefs: manifest, index, archive of editions and Atom feed.

``manifest.json`` sits in the site and records, per brief, the build key and its named inputs
(so the next run can say why a brief is rebuilt), the data files its notebook read, the glued
title, headline, focus event and period, the build time, the hash of the published HTML and its
editions. Each build of a brief is an edition, dated by its own as-of date (the ``as_of`` it was
built with when that is a date, else the day of the run in Iraq):
``archive/<YYYY-MM-DD>/<brief>.html`` keeps each one (a second build for the same date replaces
that date's) and ``<brief>.html`` is the one of the latest date. ``index.html`` and ``feed.xml``
(Atom) are rendered from the manifest; the index lists the briefs campaign by campaign.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from analysis.paths import FINDINGS_METHOD_PAGE
from analysis.report.a11y import FAVICON, accessible, description_meta
from analysis.report.html import CSS, provenance_html, site_page

MANIFEST = "manifest.json"
ARCHIVE = "archive"
FEED = "feed.xml"
NAV_LINK = '<p class="escalation-nav"><a href="index.html">'
FEED_ID = uuid.uuid5(uuid.NAMESPACE_URL, "escalation/briefs")
#: the index's group of sweep summary pages (after the campaigns and the other briefs)
SWEEPS = "Sweeps"
#: the index's heading for briefs that lie in no single campaign
OTHER_BRIEFS = "Other briefs"
#: the page of the findings' method (docs/findings_method.md), published with every build
METHOD_PAGE = FINDINGS_METHOD_PAGE


def read_manifest(site: Path) -> dict[str, Any]:
    """The site's manifest (``{"briefs": {name: entry}}``); empty when there is none yet."""
    try:
        doc = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):  # no site yet (writing it says what is wrong)
        return {"briefs": {}}
    except ValueError:
        return {"briefs": {}}  # a damaged manifest only costs a rebuild
    if not isinstance(doc, dict) or not isinstance(doc.get("briefs"), dict):
        return {"briefs": {}}
    return doc


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True) + "\n"


def edition(entry: Mapping[str, Any], date: str) -> Mapping[str, Any] | None:
    """The edition of ``date`` (YYYY-MM-DD) a brief's manifest ``entry`` lists, or None."""
    return next((e for e in entry.get("editions", []) if e.get("date") == date), None)


def file_build(
    manifest: dict[str, Any],
    name: str,
    day: str,
    built_at: str,
    glued: Mapping[str, Any],
    page: Mapping[str, Any],
) -> str:
    """Record a build of brief ``name`` in ``manifest`` as its edition of ``day``
    (``archive/<day>/<name>.html``), replacing only an earlier build for that same date. It
    becomes the brief's current page (its entry: ``page``, the build's key, inputs and timings,
    with the editions, title, headline, focus event and period from ``glued``) unless the brief
    has a later edition already; then it goes into the archive only, and the note saying so is
    returned ("" otherwise)."""
    old = manifest["briefs"].get(name, {})
    filed = {
        "date": day,
        "file": f"{ARCHIVE}/{day}/{name}.html",
        "headline": glued.get("headline", ""),
        "built_at": built_at,
        "key": page["key"],
    }
    others = [e for e in old.get("editions", []) if e.get("date") != day]
    editions = sorted([*others, filed], key=lambda e: e["date"])
    latest = max((e["date"] for e in others), default="")
    if old and day < latest:  # an edition for an earlier date: into the archive only
        manifest["briefs"][name] = {**old, "editions": editions}
        return (
            f"{name}: built for {day}, before its latest edition ({latest}): "
            f"added to the archive, {name}.html stays the {latest} edition"
        )
    manifest["briefs"][name] = {
        "file": f"{name}.html",
        **page,
        "editions": editions,
        "title": glued.get("title", name),
        "headline": glued.get("headline", ""),
        "focus_event": glued.get("focus_event") or "",
        "period": glued.get("period"),
    }
    if glued.get("findings_sentence"):  # an event brief: its headline is its findings row's
        manifest["briefs"][name]["findings"] = {
            "event": glued.get("focus_event") or "",
            "estimate": glued.get("findings_estimate"),
            "grade": glued.get("findings_grade") or "",
        }
    return ""


def listed(manifest: Mapping[str, Any], order: list[str]) -> list[str]:
    """The briefs the index and feed list: all but a sweep's points (listed on its page)."""
    points = {n for n, e in manifest["briefs"].items() if e.get("sweep")}
    return [n for n in order if n not in points]


def review_queue(data_dir: Path | None) -> tuple[Any, list[dict[str, str]], str]:
    """The review queue's status and candidates for the index and review pages, and "";
    (None, [], why) when ``data/review/`` cannot be read (a damaged file: the briefs are
    published regardless), ``why`` naming the file and line relative to the data folder."""
    from analysis.errors import EscalationError
    from analysis.paths import data_dir as default_data_dir
    from analysis.sources import review

    try:
        return review.queue_status(data_dir), review.read_candidates(data_dir), ""
    except (EscalationError, ValueError, OSError) as exc:
        folder = str(data_dir if data_dir is not None else default_data_dir())
        return None, [], str(exc).replace(folder, "data")  # a page never shows server paths


def front_pages(
    manifest: Mapping[str, Any],
    order: list[str],
    data_dir: Path | None,
    notes: list[str] | None = None,
) -> dict[str, str]:
    """``index.html`` (with the review queue's status) and the review page, from ``manifest``
    and ``data_dir``'s review queue; a queue that cannot be read is a warning on both pages
    and in ``notes``."""
    status, candidates, problem = review_queue(data_dir)
    if problem and notes is not None:
        notes.append(f"warning: the review queue could not be read: {problem}")
    return {
        "index.html": index_html(
            manifest,
            listed(manifest, order),
            queue_status_html(status, problem=problem),
            manifest.get("sweeps"),
        ),
        REVIEW_PAGE: review_html(candidates, status, problem),
    }


def _period(entry: Mapping[str, Any]) -> str:
    period = entry.get("period")
    if isinstance(period, list | tuple) and len(period) == 2:
        return f"{period[0]} to {period[1]}"
    return ""


def archive_copy(page: str) -> str:
    """A brief's page as stored in ``archive/<date>/``: its link to the index goes two levels up."""
    return page.replace(NAV_LINK, NAV_LINK.replace('"index.html"', '"../../index.html"'), 1)


def _editions_html(entry: Mapping[str, Any]) -> str:
    links = [
        f'<a href="{html.escape(e["file"])}">{html.escape(e["date"])}</a>'
        for e in reversed(entry.get("editions", []))
    ]
    return ", ".join(links)


def _rfc3339(built_at: str) -> str:
    """``YYYY-MM-DD HH:MM`` (UTC) as an Atom date."""
    return built_at.replace(" ", "T") + ":00Z"


def feed_xml(manifest: Mapping[str, Any], order: list[str], updated: str, limit: int = 200) -> str:
    """An Atom feed of the editions of every brief, newest first (title, date, headline, link).

    Links are relative to the feed, which sits at the site's root.
    """
    entries = []
    for name in order:
        brief = manifest["briefs"].get(name)
        for e in (brief or {}).get("editions", []):
            entries.append((e["built_at"], name, brief, e))
    entries.sort(key=lambda t: (t[0], t[1]), reverse=True)
    items = []
    for built_at, name, brief, e in entries[:limit]:
        ident = uuid.uuid5(FEED_ID, f"{name}/{e['date']}/{e['key']}")
        items.append(
            "<entry>"
            f"<id>urn:uuid:{ident}</id>"
            f"<title>{xml_escape(str(brief.get('title', name)))} ({xml_escape(e['date'])})</title>"
            f"<updated>{_rfc3339(built_at)}</updated>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(e["file"])}"/>'
            f"<summary>{xml_escape(str(e.get('headline', '')))}</summary>"
            "</entry>"
        )
    body = "\n".join(items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>Attack tempo briefs</title>\n"
        f"<id>urn:uuid:{FEED_ID}</id>\n"
        f"<updated>{_rfc3339(updated)}</updated>\n"
        "<author><name>escalation</name></author>\n"
        '<link rel="alternate" type="text/html" href="index.html"/>\n'
        '<link rel="self" type="application/atom+xml" href="feed.xml"/>\n'
        f"{body}\n</feed>\n"
    )


def campaign_of_entry(entry: Mapping[str, Any]) -> str:
    """The label of the campaign a manifest entry is listed under on the index: the campaign
    (:data:`analysis.data.campaigns.CAMPAIGNS`) holding the last day of the brief's glued
    ``period`` (the newest data it reads: an outlook built on every week since 2019 is read as a
    2023-24 page), else :data:`OTHER_BRIEFS` (no period, or one ending outside every campaign)."""
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


def _index_table(rows: list[str]) -> str:
    body = "\n".join(rows)
    return f"""<table class="escalation-briefs">
<thead><tr><th>Brief</th><th>Focus event</th><th>Period</th><th>Built (UTC)</th>
<th>Headline</th><th>Editions</th></tr></thead>
<tbody>
{body}
</tbody>
</table>"""


#: the index's meta description
INDEX_DESCRIPTION = (
    "How the tempo of attacks on US diplomatic and military sites in Iraq, Syria and Jordan "
    "changed around "
    "political events, campaign by campaign: one brief per event and per analysis, with its "
    "data, parameters and code version."
)


def index_html(
    manifest: Mapping[str, Any],
    order: list[str],
    status: str = "",
    sweeps: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The index page: every brief with its title, focus event, period, build time, headline,
    grouped by campaign (:func:`campaign_of_entry`; campaigns oldest first, then the other
    briefs), in the config's ``order`` within a group. All text from briefs is escaped.

    ``status``: an HTML paragraph placed under the introduction (:func:`queue_status_html`).
    ``sweeps`` (name -> the manifest's record of its summary page) adds a last group, one row
    per sweep."""
    from analysis.data.campaigns import CAMPAIGNS  # pandas: not at the CLI's start

    groups: dict[str, list[str]] = {c.label: [] for c in CAMPAIGNS}
    groups[OTHER_BRIEFS] = []
    for name in order:
        entry = manifest["briefs"].get(name)
        if not entry:
            continue
        e = {k: html.escape(str(v)) for k, v in entry.items() if isinstance(v, str | int | float)}
        href = html.escape(entry.get("file", f"{name}.html"))
        groups[campaign_of_entry(entry)].append(
            "<tr>"
            f'<td><a href="{href}">{e.get("title", html.escape(name))}</a></td>'
            f"<td>{e.get('focus_event', '')}</td>"
            f"<td>{html.escape(_period(entry))}</td>"
            f"<td>{e.get('built_at', '')}</td>"
            f'<td class="headline"{headline_data(entry)}>{e.get("headline", "")}</td>'
            f'<td class="editions">{_editions_html(entry)}</td>'
            "</tr>"
        )
    for name, entry in sorted((sweeps or {}).items()):
        grid = " × ".join(f"{k} ({v})" for k, v in entry.get("grid", {}).items())
        groups.setdefault(SWEEPS, []).append(
            "<tr>"
            f'<td><a href="{html.escape(entry.get("file", f"{name}.html"))}">'
            f"{html.escape(str(entry.get('title', name)))}</a></td>"
            "<td></td><td></td>"
            f"<td>{html.escape(str(entry.get('built_at', '')))}</td>"
            f'<td class="headline">{html.escape(str(entry.get("points", "")))} pages across '
            f"{html.escape(grid)}</td>"
            "<td></td>"
            "</tr>"
        )
    sections = [
        f'<h2 class="escalation-campaign">{html.escape(label)}</h2>\n{_index_table(rows)}'
        for label, rows in groups.items()
        if rows
    ]
    body = "\n".join(sections) or _index_table(
        ['<tr><td colspan="6">No briefs published yet.</td></tr>']
    )
    return accessible(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Attack tempo briefs</title>
{description_meta(INDEX_DESCRIPTION)}
{FAVICON}
<link rel="alternate" type="application/atom+xml" title="Attack tempo briefs" href="feed.xml">
<style>
{CSS}
</style>
</head>
<body class="escalation-index">
<main>
<h1>Attack tempo briefs</h1>
<p class="findings-page"><a href="findings.html">What moved the tempo</a>: every graded event of
both campaigns in one chart, and whether US strikes, truces and other kinds of event moved it on
balance.</p>
<p>How the tempo of attacks on US diplomatic and military sites in Iraq (and, in 2023–24, Syria
and Jordan) changed around political events, campaign by campaign. Each brief states its data,
parameters and code version at the end.
Every edition stays in the archive; subscribe to new ones with the <a href="feed.xml">Atom
feed</a>. Each event's figure comes from one table, the same on every page: findings table
<a href="findings.csv">findings.csv</a> (<a href="findings.json">JSON</a>), its method in
<a href="{METHOD_PAGE}">how it is computed</a>.</p>
{status}
{body}
</main>
</body>
</html>
""")


def method_html() -> str:
    """:data:`METHOD_PAGE`: ``docs/findings_method.md`` (how the one answer per event is
    computed and graded) as a page of the site, so every page can link its method."""
    import mistune

    from analysis.paths import ROOT

    text = (ROOT / "docs" / "findings_method.md").read_text(encoding="utf-8")
    body = mistune.html(text)
    title = "How the site states what an event did to the tempo of attacks"
    tables = (
        '<p class="findings-link">The figures themselves: <a href="findings.csv">findings.csv</a>'
        '\n(<a href="findings.json">JSON</a>).</p>'
    )
    return site_page(title, title, f"{body}\n{tables}")


# --- the feeds' review queue (analysis.sources.review) ---------------------------------------

REVIEW_PAGE = "review.html"
#: the most candidates the review page lists (newest first); the command lists them all
REVIEW_LIMIT = 300


def queue_status_html(status: Any, stale_days: int = 14, problem: str = "") -> str:
    """One paragraph for the index: candidates waiting (linked to :data:`REVIEW_PAGE`) and how
    far the newest curated date trails the newest feed date, a warning past ``stale_days``.

    ``status``: an :class:`analysis.sources.review.QueueStatus`, or None when it could not be
    read (``problem`` says why)."""
    if status is None:
        if problem:
            return (
                '<p class="data-status stale"><strong>Warning: the review queue could not be '
                f"read.</strong> {html.escape(problem)}. The briefs are published regardless.</p>"
            )
        return '<p class="data-status">Review queue: could not be read.</p>'
    waiting = int(status.waiting)
    count = f"{waiting} feed incident{'s' if waiting != 1 else ''}" if waiting else "none"
    queue = (
        f'<a href="{REVIEW_PAGE}">{count}</a> waiting for a person to check '
        "(incidents in the coded feeds that no curated row matches)"
    )
    if status.lag_days is None:
        fresh = (
            f"Newest curated incident: {html.escape(status.newest_curated or 'none')}. "
            "No feed has been fetched to compare with."
        )
        cls = "data-status"
    else:
        lag = int(status.lag_days)
        behind = f"{lag} day{'s' if lag != 1 else ''} behind" if lag > 0 else "up to date with"
        fresh = (
            f"The curated data (newest incident {html.escape(status.newest_curated)}) is {behind} "
            f"the feeds (newest event: {html.escape(status.newest_feed)}, "
            f"{html.escape(status.newest_feed_name)})."
        )
        cls = "data-status"
        if lag > stale_days:
            fresh = f"<strong>Warning: stale data.</strong> {fresh}"
            cls = "data-status stale"
    return f'<p class="{cls}">Review queue: {queue}. {fresh}</p>'


REVIEW_DESCRIPTION = (
    "Incidents reported by coded feeds (ACLED, UCDP, GDELT) that no curated row matches, "
    "waiting for a person to find a public source before any brief counts them."
)
REVIEW_PROVENANCE = (
    "What this page was built from. The same candidates give the same page; the briefs do not "
    "count them."
)


def review_provenance(candidates: list[Mapping[str, str]], status: Any) -> dict[str, Any]:
    """The review page's provenance: the SHA-256 of the candidates it lists (as text: the same
    queue gives the same page, so republishing stays a no-op), the queue's dates, the version."""
    import hashlib

    from analysis import __version__

    listed = json.dumps(list(candidates), sort_keys=True, ensure_ascii=False, default=str)
    data = {"review candidates": hashlib.sha256(listed.encode("utf-8")).hexdigest()}
    parameters: dict[str, Any] = {"candidates listed (most)": REVIEW_LIMIT}
    if status is not None:
        parameters["newest curated incident"] = str(status.newest_curated or "none")
        parameters["newest feed event"] = str(status.newest_feed or "none")
    return {"data": data, "parameters": parameters, "version": __version__}


def review_html(candidates: list[Mapping[str, str]], status: Any, problem: str = "") -> str:
    """The review page: the waiting candidates, newest first (at most :data:`REVIEW_LIMIT`),
    with the nearest curated row and its match score, and its provenance
    (:func:`review_provenance`); ``problem``: why the queue could not be read (a warning on the
    page). Every feed text is escaped; a feed URL is a link only when it
    is http(s)."""
    rows = []
    for c in candidates[:REVIEW_LIMIT]:
        e = {k: html.escape(str(v or "")) for k, v in c.items()}
        url = str(c.get("source_url") or "")
        link = (
            f'<a href="{html.escape(url, quote=True)}">feed source</a>'
            if url.lower().startswith(("http://", "https://"))
            else ""
        )
        nearest = (
            f"{e['nearest_incident_id']} ({e['nearest_date']}, score {e['match_score']})"
            if c.get("nearest_incident_id")
            else "none within 14 days"
        )
        rows.append(
            "<tr>"
            f'<td class="nowrap"><code>{e["candidate_id"]}</code></td>'
            f'<td class="nowrap">{e["date"]}</td>'
            f"<td>{e['feed']} {e['feed_id']}</td>"
            f"<td>{e['governorate']}<br>{e['place']}</td>"
            f"<td>{e['description']} {link}</td>"
            f"<td>{nearest}</td>"
            "</tr>"
        )
    more = len(candidates) - REVIEW_LIMIT
    empty = "The queue could not be read." if problem else "No candidates waiting."
    body = "\n".join(rows) or f'<tr><td colspan="6">{empty}</td></tr>'
    note = f"<p>{more} older candidates are not shown; list them all with the command.</p>" * (
        more > 0
    )
    provenance = provenance_html(review_provenance(candidates, status), REVIEW_PROVENANCE)
    return accessible(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Review queue: feed incidents to check</title>
{description_meta(REVIEW_DESCRIPTION)}
{FAVICON}
<style>
{CSS}
td.nowrap {{ white-space: nowrap; }}
</style>
</head>
<body class="escalation-index">
<main>
<p class="escalation-nav"><a href="index.html">All briefs</a></p>
<h1>Review queue</h1>
{queue_status_html(status, problem=problem)}
<p>Incidents reported by a coded feed (ACLED, UCDP, GDELT) about attacks on US or coalition
sites that no curated row matches. None is counted in any brief until a person finds a public
source for it and adds it with <code>escalation review accept ID --source-url URL
--source-title TITLE</code>, or rejects it with <code>escalation review reject ID --reason
TEXT</code>. The feeds' own text is shown as the feeds give it.</p>
<table>
<caption class="escalation-sr-only">Feed incidents waiting for review, newest first</caption>
<thead><tr><th>Candidate</th><th>Date</th><th>Feed</th><th>Where</th><th>What the feed says</th>
<th>Nearest curated row</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
{note}
{provenance}
</main>
</body>
</html>
""")
