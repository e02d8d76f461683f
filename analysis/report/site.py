"""The site around the briefs: manifest, index, archive of editions and Atom feed.

``manifest.json`` sits in the site and records, per brief, the build key and its named inputs
(so the next run can say why a brief is rebuilt), the data files its notebook read, the glued
title, headline, focus event and period, the build time, the hash of the published HTML and its
editions. Each build of a brief is an edition, dated by its own as-of date (the ``as_of`` it was
built with when that is a date, else the day of the run where the data are dated):
``archive/<YYYY-MM-DD>/<brief>.html`` keeps each one (a second build for the same date replaces
that date's) and ``<brief>.html`` is the one of the latest date. ``index.html``
(:mod:`analysis.report.index_page`), the archive's index (:mod:`analysis.report.archive`) and
``feed.xml`` (Atom) are rendered from the manifest; the review page from the review queue.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis import case
from analysis.report.a11y import accessible
from analysis.report.archive import ARCHIVE, ARCHIVE_PAGE, archive_html
from analysis.report.doc_pages import METHOD_PAGE
from analysis.report.downloads import data_through
from analysis.report.html import page_head, provenance_html
from analysis.report.index_page import day_in_words, event_names, index_html

__all__ = [
    "ARCHIVE",
    "ARCHIVE_PAGE",
    "FEED",
    "MANIFEST",
    "METHOD_PAGE",
    "REVIEW_PAGE",
    "edition",
    "feed_xml",
    "file_build",
    "front_pages",
    "listed",
    "manifest_text",
    "queue_status_html",
    "read_manifest",
    "review_html",
]

MANIFEST = "manifest.json"
FEED = "feed.xml"
FEED_ID = uuid.uuid5(uuid.NAMESPACE_URL, "escalation/briefs")


def _xml_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities, as :func:`xml.sax.saxutils.escape` does (whose
    import pulls in urllib.request, http.client and ssl: 20 ms of every command)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


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
    """``index.html`` (data through :func:`analysis.report.downloads.data_through`, the review
    queue's status),
    the review page and the archive's index (:data:`ARCHIVE_PAGE`), from ``manifest`` and
    ``data_dir``'s data and review queue; a queue that cannot be read is a warning on the index
    and the review page and in ``notes``."""
    status, candidates, problem = review_queue(data_dir)
    if problem and notes is not None:
        notes.append(f"warning: the review queue could not be read: {problem}")
    shown = listed(manifest, order)
    from analysis.paths import data_dir as default_data_dir

    day = data_through(data_dir if data_dir is not None else default_data_dir())
    through = day.isoformat() if day is not None else ""
    return {
        "index.html": index_html(
            manifest,
            shown,
            queue_status_html(status, problem=problem),
            manifest.get("sweeps"),
            data_through=through,
            events=event_names(data_dir),
        ),
        REVIEW_PAGE: review_html(candidates, status, problem),
        ARCHIVE_PAGE: archive_html(manifest, shown),
    }


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
            f"<title>{_xml_escape(str(brief.get('title', name)))} "
            f"({_xml_escape(e['date'])})</title>"
            f"<updated>{_rfc3339(built_at)}</updated>"
            f'<link rel="alternate" type="text/html" href="{_xml_escape(e["file"])}"/>'
            f"<summary>{_xml_escape(str(e.get('headline', '')))}</summary>"
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


# --- the feeds' review queue (analysis.sources.review) ---------------------------------------

REVIEW_PAGE = "review.html"
#: the most candidates the review page lists (newest first); the command lists them all
REVIEW_LIMIT = 300


def queue_status_html(status: Any, stale_days: int = 14, problem: str = "") -> str:
    """One paragraph in plain words for the index and review page: how many incidents the
    coded feeds report that match no row of the data (linked to :data:`REVIEW_PAGE`), and how
    far the newest incident in the data trails the feeds' newest, a warning past
    ``stale_days``; ``problem``: why the queue could not be read (a warning instead).

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
    if waiting:
        many = waiting != 1
        queue = (
            f'<a href="{REVIEW_PAGE}">{waiting} incident{"s" if many else ""}</a> reported by '
            f"the coded feeds (ACLED, UCDP, GDELT) match{'' if many else 'es'} no row of the "
            f"data and wait{'' if many else 's'} for a person to check {'them' if many else 'it'}; "
            "none is counted until then."
        )
    else:
        queue = (
            f"No incident reported by the coded feeds waits for a person to check it (<a "
            f'href="{REVIEW_PAGE}">review queue</a>).'
        )
    newest = day_in_words(status.newest_curated) if status.newest_curated else "none"
    if status.lag_days is None:
        fresh = (
            f"The newest incident in the data is dated {html.escape(newest)}; no feed has been "
            "fetched yet to compare it with."
        )
        cls = "data-status"
    else:
        lag = int(status.lag_days)
        behind = f"{lag} day{'s' if lag != 1 else ''} behind" if lag > 0 else "up to date with"
        fresh = (
            f"The data (newest incident: {html.escape(newest)}) are {behind} the feeds "
            f"(newest event: {html.escape(day_in_words(status.newest_feed))}, "
            f"{html.escape(status.newest_feed_name)})."
        )
        cls = "data-status"
        if lag > stale_days:
            fresh = f"<strong>Warning: stale data.</strong> {fresh}"
            cls = "data-status stale"
    return f'<p class="{cls}">{queue} {fresh}</p>'


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
    head = page_head(
        "Review queue: feed incidents to check",
        REVIEW_DESCRIPTION,
        style="td.nowrap { white-space: nowrap; }",
    )
    return accessible(f"""{head}<body class="escalation-index">
<main>
<p class="escalation-nav"><a href="index.html">All briefs</a></p>
<h1>Review queue</h1>
{queue_status_html(status, problem=problem)}
<p>Incidents reported by a coded feed (ACLED, UCDP, GDELT) about
{html.escape(case.current().subject)} that no curated row matches. None is counted in any
brief until a person finds a public source for it and adds it with <code>escalation review
accept ID --source-url URL --source-title TITLE</code>, or rejects it with <code>escalation
review reject ID --reason TEXT</code>. The feeds' own text is shown as the feeds give it.</p>
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
