"""Terms of art on the published pages: each linked to its plain-words section of the methods
page (analysis.report.terms), and the methods page has every section the table links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.paths import METHODS_PAGE
from analysis.report.terms import TERMS, link_terms, linkable_text

#: prose a reader sees: not the head, headings, links, code, tables or the provenance block
_NOT_PROSE = {"head", "title", "style", "script", "a", "code", "pre", "table", "svg"}
_NOT_PROSE |= {"h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "kbd", "samp"}


class _Prose(HTMLParser):
    """The text of a page outside :data:`_NOT_PROSE`, the provenance section and headlines
    (quoted as they stand) (an independent reading of the page, by the standard library's
    parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        headline = tag == "p" and any(c.endswith("headline") for c in classes)
        if tag in _NOT_PROSE or "escalation-provenance" in classes or headline:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.stack:
            self.text.append(data)


def prose(page: str) -> str:
    parser = _Prose()
    parser.feed(page)
    return " ".join(parser.text)


def published_pages(site: Path) -> list[Path]:
    """Every page of the site a reader opens, but the methods page itself."""
    pages = [*site.glob("*.html"), *site.glob("archive/*/*.html")]
    return sorted(p for p in pages if p.name != METHODS_PAGE)


def test_every_term_on_every_page_links_the_methods_page(shipped_site: Path) -> None:
    pages = published_pages(shipped_site)
    assert len(pages) > 40
    missing = []
    linked_somewhere = set()
    for path in pages:
        page = path.read_text(encoding="utf-8")
        text = prose(page)
        for term in TERMS:
            if term.regex.search(text):
                if f'href="{term.href}"' not in page:
                    missing.append((path.relative_to(shipped_site).as_posix(), term.pattern))
                else:
                    linked_somewhere.add(term.anchor)
    assert not missing, missing
    # the table is not idle: the terms the pages explain include the ones the issue named
    assert {"binomial-test", "holm", "state-space", "anscombe", "quasi-poisson"} <= linked_somewhere


def test_the_methods_page_has_every_section_the_terms_link(shipped_site: Path) -> None:
    page = (shipped_site / METHODS_PAGE).read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    assert {t.anchor for t in TERMS} <= ids
    assert all(re.fullmatch(r"[a-z0-9-]+", t.anchor) for t in TERMS)
    assert 'class="escalation-term"' not in page  # the methods page does not link itself


def test_no_page_points_readers_to_a_file_of_the_repository(shipped_site: Path) -> None:
    for path in published_pages(shipped_site):
        assert "analysis/models/README.md" not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # the first mention in prose is linked, not the heading's, the code's or the table's
        (
            "<h2>Rate ratio</h2><code>rate ratio</code><table><tr><td>rate ratio</td></tr>"
            "</table><p>A rate ratio and a rate ratio.</p>",
            "<h2>Rate ratio</h2><code>rate ratio</code><table><tr><td>rate ratio</td></tr>"
            '</table><p>A <a class="escalation-term" href="methods.html#rate-ratio">rate ratio'
            "</a> and a rate ratio.</p>",
        ),
        # a term the page links to its section already is left alone
        (
            '<p><a href="methods.html#crps">CRPS</a>, then CRPS</p>',
            '<p><a href="methods.html#crps">CRPS</a>, then CRPS</p>',
        ),
        # whole words only, in their case: no "PIT" in "PITS", no "AIC" in "aice"
        ("<p>PITS aice counterfactual_x</p>", "<p>PITS aice counterfactual_x</p>"),
        # escaping is kept: only words are wrapped, entities and attributes stay as they were
        (
            '<p title="Holm">Holm&#x27;s &amp; <b class="x">Hawkes process</b></p>',
            '<p title="Holm"><a class="escalation-term" href="methods.html#holm">Holm</a>'
            '&#x27;s &amp; <b class="x"><a class="escalation-term" href="methods.html#hawkes">'
            "Hawkes process</a></b></p>",
        ),
        # a headline is quoted as it stands: its terms are linked where they next appear
        (
            '<p class="escalation-headline"><strong>rate ratio</strong></p><p>rate ratio</p>',
            '<p class="escalation-headline"><strong>rate ratio</strong></p><p><a class='
            '"escalation-term" href="methods.html#rate-ratio">rate ratio</a></p>',
        ),
        # the provenance block is not prose
        (
            '<section class="escalation-provenance"><p>AIC</p></section><p>AIC</p>',
            '<section class="escalation-provenance"><p>AIC</p></section><p><a class='
            '"escalation-term" href="methods.html#aic">AIC</a></p>',
        ),
    ],
)
def test_link_terms(page: str, expected: str) -> None:
    assert link_terms(page) == expected
    assert link_terms(expected) == expected  # idempotent
    assert "<a" not in linkable_text(expected).replace("&#x27;", "")
