"""The site around the briefs: manifest, index, archive of editions and Atom feed.

``manifest.json`` sits in the site and records, per brief, the build key and its named inputs
(so the next run can say why a brief is rebuilt), the data files its notebook read, the glued
title, headline, focus event and period, the build time, the hash of the published HTML and its
editions. Each build of a brief is an edition, dated by its own as-of date (the ``as_of`` it was
built with when that is a date, else the day of the run in Iraq):
``archive/<YYYY-MM-DD>/<brief>.html`` keeps each one (a second build for the same date replaces
that date's) and ``<brief>.html`` is the one of the latest date. ``index.html`` and ``feed.xml``
(Atom) are rendered from the manifest.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from analysis.report.html import CSS

MANIFEST = "manifest.json"
ARCHIVE = "archive"
FEED = "feed.xml"
NAV_LINK = '<p class="escalation-nav"><a href="index.html">'
FEED_ID = uuid.uuid5(uuid.NAMESPACE_URL, "escalation/briefs")


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


def index_html(
    manifest: Mapping[str, Any],
    order: list[str],
    sweeps: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The index page: every brief with its title, focus event, period, build time, headline.

    ``order`` is the config's order of brief names. ``sweeps`` (name -> the manifest's record of
    its summary page) adds one row per sweep after the briefs. All text from briefs is escaped.
    """
    rows = []
    for name in order:
        entry = manifest["briefs"].get(name)
        if not entry:
            continue
        e = {k: html.escape(str(v)) for k, v in entry.items() if isinstance(v, str | int | float)}
        href = html.escape(entry.get("file", f"{name}.html"))
        rows.append(
            "<tr>"
            f'<td><a href="{href}">{e.get("title", html.escape(name))}</a></td>'
            f"<td>{e.get('focus_event', '')}</td>"
            f"<td>{html.escape(_period(entry))}</td>"
            f"<td>{e.get('built_at', '')}</td>"
            f'<td class="headline">{e.get("headline", "")}</td>'
            f'<td class="editions">{_editions_html(entry)}</td>'
            "</tr>"
        )
    for name, entry in sorted((sweeps or {}).items()):
        grid = " × ".join(f"{k} ({v})" for k, v in entry.get("grid", {}).items())
        rows.append(
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
    body = "\n".join(rows) or '<tr><td colspan="6">No briefs published yet.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Attack tempo briefs</title>
<link rel="alternate" type="application/atom+xml" title="Attack tempo briefs" href="feed.xml">
<style>
{CSS}
</style>
</head>
<body class="escalation-index">
<main>
<h1>Attack tempo briefs</h1>
<p>How the tempo of attacks on US diplomatic and military sites in Iraq changed around political
events. Each brief states its data, parameters and code version at the end. Every edition stays
in the archive; subscribe to new ones with the <a href="feed.xml">Atom feed</a>.</p>
<table>
<thead><tr><th>Brief</th><th>Focus event</th><th>Period</th><th>Built (UTC)</th>
<th>Headline</th><th>Editions</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</main>
</body>
</html>
"""
