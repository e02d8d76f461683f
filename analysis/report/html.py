"""Turn an executed notebook into one self-contained, offline HTML brief with a provenance block.

nbconvert's HTML exporter runs in-process with the ``brief`` template (``templates/brief``): the lab
layout without require.js, MathJax, Mermaid or widget scripts, one small inline stylesheet, code
cells and prompts hidden, images embedded. Before export the notebook is cleaned: stderr streams
(warnings with server paths), scripts and anything tagged ``remove-cell``/``remove-output`` go (and
``lab-only``: Markdown for JupyterLab readers, such as how to change the parameters), and
outputs with HTML are sanitised as a second line of defence behind the notebooks' own escaping.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from analysis.paths import CODEBOOK_PAGE, FINDINGS_METHOD_PAGE, METHODS_PAGE
from analysis.report import downloads
from analysis.report.a11y import FAVICON, HIDDEN, accessible, description_meta
from analysis.report.downloads import CSV_FILE
from analysis.report.terms import link_terms

TEMPLATES = Path(__file__).with_name("templates")
CSS = (TEMPLATES / "brief" / "brief.css").read_text(encoding="utf-8")
#: cell tags whose cells never reach a published page: ``lab-only`` marks Markdown written for
#: JupyterLab readers (how to change the parameters, papermill), ``remove-cell`` anything else
REMOVED_CELL_TAGS = frozenset({"remove-cell", "lab-only"})
#: output MIME types that can carry script; they are dropped before export
SCRIPT_MIME_TYPES = {
    "application/javascript",
    "text/javascript",
    "application/vnd.jupyter.widget-view+json",
}


def clean(nb: Any) -> Any:
    """A copy of ``nb`` fit to publish: no stderr, no script outputs, no removed cells.

    Cell ids are renumbered so the same inputs give byte-identical pages.
    """
    nb = copy.deepcopy(nb)
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVED_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if "remove-output" in tags:
                cell.outputs = []
            outputs = []
            for out in cell.outputs:
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    continue
                if "data" in out:
                    for mime in SCRIPT_MIME_TYPES & set(out["data"]):
                        del out["data"][mime]
                    if not out["data"]:
                        continue
                outputs.append(out)
            cell.outputs = outputs
        keep.append(cell)
    for i, cell in enumerate(keep):  # papermill's injected cell has a random id
        cell["id"] = f"cell-{i}"
    nb.cells = keep
    return nb


ALLOWED_TAGS = {
    *("a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "figure"),
    *("figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p"),
    *("pre", "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td"),
    *("tfoot", "th", "thead", "tr", "ul", "caption", "colgroup", "col"),
}
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


#: the site's own files a page may link by a relative address (the findings table and method,
#: the codebook, the methods: ``methods.html#crps`` too)
SITE_LINKS = frozenset(
    {"findings.csv", "findings.json", FINDINGS_METHOD_PAGE, CODEBOOK_PAGE, METHODS_PAGE}
)
_EVENT_ID = re.compile(r"[a-z0-9_]{1,80}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if name in {"class", "id", "title"}:
        return True
    if name == "data-event":  # the event a stated finding is about (tests/report check it)
        return _EVENT_ID.fullmatch(value) is not None
    if name == "data-estimate":  # that finding's estimate, exactly as in the findings table
        return _NUMBER.fullmatch(value) is not None
    if tag == "a" and name == "href":
        return (
            value.startswith(("http://", "https://", "#", "mailto:"))
            or value.split("#", 1)[0] in SITE_LINKS
            or CSV_FILE.fullmatch(value) is not None  # a chart's or table's numbers, beside it
        )
    if tag == "img" and name == "src":
        return value.startswith("data:image/")
    if tag == "img" and name in {"alt", "width", "height"}:
        return True
    if tag == "th" and name == "scope":
        return value in {"col", "row", "colgroup", "rowgroup"}
    return tag in {"td", "th"} and name in {"colspan", "rowspan"}


def sanitize(markup: str | bytes) -> str:
    """HTML with only inert tags and attributes left: no script, handler, style or remote source.

    Used for every Markdown cell and HTML output of a brief, behind the notebooks' own escaping:
    a tag outside :data:`ALLOWED_TAGS` is removed (its text stays, as text), links keep only web
    and in-page addresses, images only embedded ``data:image/`` sources.
    """
    text = markup.decode() if isinstance(markup, bytes) else str(markup)
    return _kept(text) if len(text) <= KEPT_CHARS else _sanitized(text)


#: sanitised HTML up to this many characters is kept for a worker's later pages: a sweep's pages
#: repeat their Markdown and short outputs (the event, the map note), and bleach takes 10 ms
#: each; long outputs (a page's table of attacks) are its own, and are not kept
KEPT_CHARS = 16_384


def _sanitized(markup: str) -> str:
    """:func:`sanitize` of text."""
    import bleach

    return bleach.clean(
        _STYLE_ELEMENT.sub("", markup),
        tags=ALLOWED_TAGS,
        attributes=_attribute_allowed,
        protocols={"http", "https", "mailto", "data"},
        strip=True,
        strip_comments=True,
    )


_kept = lru_cache(maxsize=512)(_sanitized)


@cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="brief",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        sanitize_html=True,
        filters={"clean_html": sanitize},
    )
    return exporter


def _row(label: str, value: str) -> str:
    return (
        f'<tr><th scope="row">{html.escape(label)}</th>'
        f"<td><code>{html.escape(value)}</code></td></tr>"
    )


#: the provenance rows after the data and parameters: (label, key), shown when present
PROVENANCE_ROWS = [
    ("analysis version", "version"),
    ("git commit", "commit"),
    ("analysis source hash", "source_hash"),
    ("notebook", "notebook"),
    ("build key", "key"),
]
BRIEF_PROVENANCE = (
    "Everything this brief was built from. The same data, parameters and code give the "
    "same numbers and charts."
)


#: the link every page's provenance block gives to the build's findings table (published beside
#: the page: at the site's root, and in each edition's archive folder)
FINDINGS_LINK = (
    '<p class="findings-link">Findings table: <a href="findings.csv">findings.csv</a> '
    '(<a href="findings.json">JSON</a>): one answer per event, the figures every page of this '
    "build states.</p>"
)


def provenance_html(provenance: Mapping[str, Any], intro: str = BRIEF_PROVENANCE) -> str:
    """The provenance block: data files and hashes, parameters, code version, packages, time.

    Every value is escaped. This is the only place a brief carries a timestamp. A key missing
    from ``provenance`` leaves its row out (the review page has no notebook, key or time).
    """
    rows = [_row("data folder", provenance["data_dir"])] if "data_dir" in provenance else []
    rows += [_row(f"data: {name} (SHA-256)", digest) for name, digest in provenance["data"].items()]
    rows += [_row(f"parameter: {k}", repr(v)) for k, v in provenance.get("parameters", {}).items()]
    rows += [_row(label, provenance[key]) for label, key in PROVENANCE_ROWS if key in provenance]
    rows += [_row(f"package: {k}", v) for k, v in provenance.get("packages", {}).items()]
    if "built_at" in provenance:
        rows.append(_row("built at (UTC)", provenance["built_at"]))
    return (
        '<section class="escalation-provenance" id="provenance"><h2>Provenance</h2>'
        f"<p>{html.escape(intro)}</p>{FINDINGS_LINK}<table>"
        f'<caption class="{HIDDEN}">Provenance: data, parameters, code and packages</caption>'
        f"{''.join(rows)}</table></section>"
    )


def export(nb: Any, *, title: str, provenance: Mapping[str, Any]) -> str:
    """The executed notebook ``nb`` as a self-contained HTML page titled ``title`` (without
    downloads: :func:`export_page` adds them)."""
    return export_page(nb, title=title, provenance=provenance)[0]


def export_page(
    nb: Any,
    *,
    title: str,
    provenance: Mapping[str, Any],
    name: str | None = None,
    through: dt.date | None = None,
) -> tuple[str, dict[str, bytes]]:
    """The executed notebook ``nb`` as a self-contained HTML page titled ``title``, described
    (meta description) by its glued headline, else its title; made accessible
    (:func:`analysis.report.a11y.accessible`). With ``name`` (the page's file name without
    ``.html``) the page links its downloads (:mod:`analysis.report.downloads`), returned by
    site path beside it, and says at its top that its data run ``through`` that day and at its
    end how to cite it."""
    from analysis.report.glue import read_glued

    glued = read_glued(nb)
    headline = str(glued.get("headline") or "") or title
    nb = clean(nb)
    nb.metadata["title"] = title
    top = cite = ""
    files: dict[str, bytes] = {}
    if name is not None:
        nb, items = downloads.prepare(nb, name)
        meta = downloads.cite_meta(name, provenance, through)
        top = downloads.through_html(through)
        cite = downloads.cite_html(title, meta, items, name)
        files = {d.file: d.csv.encode("utf-8") for d in items}
        files[f"{name}.json"] = downloads.page_json(name, title, meta, glued, items).encode()
    resources = {
        "escalation": {
            "css": CSS,
            "version": provenance.get("version", ""),
            "key": provenance.get("key", ""),
            "index_href": "index.html",
            "top_html": top,
            "provenance_html": cite + provenance_html(provenance),
            "head": f"{description_meta(headline)}\n{FAVICON}",
        }
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return accessible(link_terms(body), caption=title), files


def page_head(title: str, description: str, *, style: str = "", links: str = "") -> str:
    """The house ``<head>`` of a page the site writes itself (site pages, the index, sweep
    pages), from the doctype to ``</head>``: viewport, escaped ``title`` and ``description``,
    inline favicon, ``links`` (already safe lines, e.g. the feed) and the stylesheet with
    ``style`` after it. One function, so every such page has the same head."""
    links = f"{links}\n" if links else ""
    extra = f"{style}\n" if style else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
{description_meta(description)}
{FAVICON}
{links}<style>
{CSS}
{extra}</style>
</head>
"""


def site_page(
    title: str, description: str, body: str, *, style: str = "", terms: bool = True
) -> str:
    """One of the site's own pages (not a notebook's): the house head (title, description,
    inline favicon and stylesheet, ``style`` after it), a link back to the index, then
    ``body`` (already safe HTML), its terms of art linked to the methods page unless not
    ``terms`` (:func:`analysis.report.terms.link_terms`), made accessible
    (:func:`analysis.report.a11y.accessible`)."""
    page = f"""{page_head(title, description, style=style)}<body class="escalation-index">
<main>
<p class="escalation-nav"><a href="index.html">All briefs</a></p>
{body.rstrip(chr(10))}
</main>
</body>
</html>
"""
    return accessible(link_terms(page) if terms else page)
