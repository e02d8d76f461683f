"""The site's pages written in Markdown: the findings' method (``docs/findings_method.md``),
the codebook (``data/README.md``) and the methods in plain words (``docs/methods.md``).

Published with every build at the site's root and beside each edition built, so a page links
them by a relative address (``methods.html#crps``). A heading written ``## CRPS {#crps}`` gets
that id; other headings of the codebook and methods get one made from their words (letters,
digits and hyphens). The codebook and methods pages are sanitised
(:func:`analysis.report.html.sanitize`) and carry a provenance block: the file's SHA-256 and the
code version.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from analysis.paths import CODEBOOK_PAGE, FINDINGS_METHOD_PAGE, METHODS_PAGE, ROOT
from analysis.report.html import provenance_html, sanitize, site_page

__all__ = [
    "CODEBOOK_PAGE",
    "METHODS_PAGE",
    "METHOD_PAGE",
    "codebook_html",
    "doc_pages",
    "markdown_page",
    "method_html",
    "methods_html",
]

#: the page of the findings' method, published with every build
METHOD_PAGE = FINDINGS_METHOD_PAGE
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][A-Za-z0-9-]*)\}\s*$")
_TAG = re.compile(r"<[^>]+>")


def _slug(text: str) -> str:
    """Letters, digits and hyphens from a heading's text ("What counts as one incident" ->
    "what-counts-as-one-incident")."""
    words = re.sub(r"[^a-z0-9]+", "-", html.unescape(_TAG.sub("", text)).lower()).strip("-")
    return words or "section"


def _heading_ids(body: str) -> str:
    """Every heading of ``body`` with an id: its ``{#id}`` when written, else its slug (made
    unique with a number)."""
    seen: set[str] = set()

    def one(m: re.Match[str]) -> str:
        level, text = m.group(1), m.group(2)
        explicit = _EXPLICIT_ID.search(text)
        if explicit:
            ident, text = explicit.group(1), text[: explicit.start()]
        else:
            ident = _slug(text)
        base, n = ident, 2
        while ident in seen:
            ident, n = f"{base}-{n}", n + 1
        seen.add(ident)
        return f'<h{level} id="{ident}">{text}</h{level}>'

    return _HEADING.sub(one, body)


def markdown_page(
    path: Path, title: str, description: str, intro: str, *, terms: bool = True
) -> str:
    """The Markdown file ``path`` as a page of the site: rendered, headings with ids,
    sanitised, with a provenance block (``intro``, the file's SHA-256, the code version); its
    terms of art linked to the methods page unless not ``terms`` (the methods page itself)."""
    import mistune

    from analysis import __version__

    raw = path.read_bytes()
    body = sanitize(_heading_ids(mistune.html(raw.decode("utf-8"))))
    provenance = {
        "data": {path.name: hashlib.sha256(raw).hexdigest()},
        "version": __version__,
    }
    page = f"{body}\n{provenance_html(provenance, intro)}"
    return site_page(title, description, page, terms=terms)


def method_html() -> str:
    """:data:`METHOD_PAGE`: ``docs/findings_method.md`` (how the one answer per event is
    computed and graded) as a page of the site, so every page can link its method."""
    import mistune

    text = (ROOT / "docs" / "findings_method.md").read_text(encoding="utf-8")
    body = mistune.html(text)
    title = "How the site states what an event did to the tempo of attacks"
    tables = (
        '<p class="findings-link">The figures themselves: <a href="findings.csv">findings.csv</a>'
        '\n(<a href="findings.json">JSON</a>).</p>'
    )
    return site_page(title, title, f"{body}\n{tables}")


CODEBOOK_DESCRIPTION = (
    "The codebook of the attack data: what each table, column and value means, how incidents "
    "are counted and sourced, and the known gaps."
)


def codebook_html(data_dir: Path | None = None) -> str:
    """:data:`CODEBOOK_PAGE`: ``data/README.md`` (of ``data_dir`` when it has one, else the
    project's) as a page of the site."""
    path = data_dir / "README.md" if data_dir is not None else None
    if path is None or not path.is_file():
        path = ROOT / "data" / "README.md"
    return markdown_page(
        path,
        "Codebook: the data behind every page",
        CODEBOOK_DESCRIPTION,
        "What this page was built from: the data folder's README.md, as the build read it.",
    )


METHODS_DESCRIPTION = (
    "The methods the attack tempo pages use, in plain words: rate ratios, intervals, the "
    "models, the forecast scores and the grades."
)


def methods_html() -> str:
    """:data:`METHODS_PAGE`: ``docs/methods.md`` (each term of art the pages use, one short
    section with an id) as a page of the site."""
    return markdown_page(
        ROOT / "docs" / "methods.md",
        "Methods in plain words",
        METHODS_DESCRIPTION,
        "What this page was built from: docs/methods.md, as the build read it.",
        terms=False,
    )


def doc_pages(data_dir: Path | None = None) -> dict[str, str]:
    """The three pages, by file name (the same at the root and in an edition's folder)."""
    return {
        METHOD_PAGE: method_html(),
        CODEBOOK_PAGE: codebook_html(data_dir),
        METHODS_PAGE: methods_html(),
    }
