"""The archive of editions: each archived page's banner, and ``archive.html``, the list of every
edition of every page by date.

An edition of a brief is kept as ``archive/<YYYY-MM-DD>/<brief>.html`` (beside it, that day's
copies of the site's own pages it links: the findings method, codebook and methods). Its copy
says at its top that it is an archived edition of that date and links the live page, two levels
up; the banner carries its own small style, and no script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.report.downloads import archived
from analysis.report.html import site_page
from analysis.report.index_page import ARCHIVE_PAGE, day_in_words

__all__ = [
    "ARCHIVE",
    "ARCHIVE_PAGE",
    "BANNER_CLASS",
    "archive_copy",
    "archive_html",
    "banner",
    "missing_banners",
]

#: the folder of the editions, at the site's root
ARCHIVE = "archive"
#: the class of an archived page's banner (tests and readers' style sheets find it by it)
BANNER_CLASS = "escalation-archived"
NAV_LINK = '<p class="escalation-nav"><a href="index.html">'
_BODY = re.compile(r"<body\b[^>]*>(\s*<main>)?")
_BANNER_STYLE = (
    f"<style>.{BANNER_CLASS} {{ border: 2px solid #8a6d00; background: #fff8dc; "
    "padding: 0.4rem 0.75rem; margin: 0 0 0.75rem; }</style>"
)


def banner(day: str, live: str) -> str:
    """The banner of an archived page of ``day`` (YYYY-MM-DD) whose live page is ``live`` (a
    file name at the site's root): escaped, linked two levels up."""
    href = html.escape(f"../../{live}", quote=True)
    return (
        f'<p class="{BANNER_CLASS}" role="note">An archived edition of '
        f'<time datetime="{html.escape(day, quote=True)}">{html.escape(day_in_words(day))}</time>. '
        f'<a href="{href}">The latest is here.</a></p>'
    )


def archive_copy(page: str, day: str, live: str) -> str:
    """A page as stored in ``archive/<day>/``: the banner (:func:`banner`) at the top of its
    main content, its own style in its head, its link to the index two levels up. ``live``: the
    live page's file name at the site's root."""
    note = banner(day, live)
    if NAV_LINK in page:
        up = NAV_LINK.replace('"index.html"', '"../../index.html"')
        page = page.replace(NAV_LINK, f"{note}\n{up}", 1)
    else:  # a page without the house link to the index: the banner opens its body
        page = _BODY.sub(lambda m: f"{m.group()}\n{note}", page, count=1)
    return page.replace("</head>", f"{_BANNER_STYLE}\n</head>", 1)


#: how an archived page shows it has its banner (the paragraph, not the style rule)
_HAS_BANNER = f'<p class="{BANNER_CLASS}"'
#: an edition's folder name, and how far into a page its banner is looked for before the page
#: is read whole (the banner sits at the top of the body, after a head of about 10 kB)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEAD_BYTES = 1 << 16


def missing_banners(site: Path) -> dict[str, str]:
    """The archived pages of ``site`` (``archive/<day>/<page>.html``) kept without a banner,
    as they should be (:func:`archive_copy`), by site path: editions archived before the
    banner existed. A page that has its banner is left out, so publishing these is idempotent
    and a page never gets two. Cheap when all have one: only a page's first 64 kB are read."""
    out: dict[str, str] = {}
    root = site / ARCHIVE
    if not root.is_dir() or root.is_symlink():
        return out
    for folder in sorted(root.iterdir()):
        if not _DAY.fullmatch(folder.name) or folder.is_symlink() or not folder.is_dir():
            continue
        for page in sorted(folder.glob("*.html")):
            if page.is_symlink() or not page.is_file():
                continue
            with page.open("rb") as f:
                raw = f.read(_HEAD_BYTES)
                if _HAS_BANNER.encode() in raw:
                    continue
                raw += f.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            rel = f"{ARCHIVE}/{folder.name}/{page.name}"
            out[rel] = archived(archive_copy(text, folder.name, page.name))
    return out


ARCHIVE_DESCRIPTION = "Every edition of every page of the attack tempo briefs, by date."


def archive_html(manifest: Mapping[str, Any], order: list[str]) -> str:
    """:data:`ARCHIVE_PAGE`: every page of ``order`` (the index's) with its live page and its
    editions, newest first, each dated and linked. All text from briefs is escaped."""
    rows = []
    for name in order:
        entry = manifest["briefs"].get(name)
        if not entry or not entry.get("editions"):
            continue
        title = html.escape(str(entry.get("title", name)))
        live = html.escape(str(entry.get("file") or f"{name}.html"))
        editions = ", ".join(
            f'<a href="{html.escape(str(e.get("file", "")))}">'
            f"{html.escape(day_in_words(str(e.get('date', ''))))}</a>"
            for e in reversed(entry["editions"])
        )
        rows.append(
            f'<li data-page="{html.escape(name)}"><p><a href="{live}">{title}</a></p>'
            f'<p class="pages">Editions: {editions}</p></li>'
        )
    items = "\n".join(rows) or "<li>No editions yet.</li>"
    body = f"""<h1>Archive of editions</h1>
<p>Each page as it was published on each date, newest first. An archived page says so at its top
and links the latest.</p>
<ul class="escalation-list">
{items}
</ul>"""
    style = (
        ".escalation-list { list-style: none; padding: 0; } "
        ".escalation-list > li { margin: 0 0 0.6rem; } .escalation-list p { margin: 0; }"
    )
    return site_page("Archive of editions", ARCHIVE_DESCRIPTION, body, style=style)
