"""The site's front: an index read in ten seconds (its sections in order, no column repeating
one value), the archive's index and the banner of every archived page, the codebook and the
methods pages, and every link to a methods term landing on its section."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.paths import CODEBOOK_PAGE, METHODS_PAGE
from analysis.report.archive import ARCHIVE_PAGE, BANNER_CLASS, archive_copy, banner
from analysis.report.doc_pages import markdown_page

PROVENANCE = re.compile(r'<section class="escalation-provenance".*?</section>', re.DOTALL)


@pytest.fixture(scope="module")
def site(shipped_site) -> Path:
    return shipped_site


def _manifest(site: Path) -> dict:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))


class _Tables(HTMLParser):
    """Every table's body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._body = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def repeated_columns(page: str) -> list[tuple[int, int, str]]:
    """(table, column, value) of every column of two or more body rows holding one value."""
    parser = _Tables()
    parser.feed(page)
    found = []
    for t, rows in enumerate(parser.tables):
        if len(rows) < 2:
            continue
        for c in range(min(len(r) for r in rows)):
            values = {r[c] for r in rows}
            if len(values) == 1:
                found.append((t, c, values.pop()))
    return found


def test_the_repeated_column_check_could_fail():
    page = (
        "<table><tbody><tr><td>a</td><td>6 Dec</td></tr><tr><td>b</td><td>6 Dec</td></tr>"
        "</tbody></table>"
    )
    assert repeated_columns(page) == [(0, 1, "6 Dec")]


def test_the_index_reads_in_order(site):
    """What the site is and its data's last date; the findings page; the event briefs; the
    analyses; the outlook; data and methods; no column repeating one value in every row."""
    index = (site / "index.html").read_text(encoding="utf-8")
    main = index.split("<main>", 1)[1]
    marks = [
        "<h1>",
        'class="escalation-through">Data through <strong>3 Dec 2024</strong>',
        'href="findings.html"',
        '<section id="events">',
        '<section id="analyses">',
        '<section id="outlook">',
        '<section id="data">',
    ]
    at = [main.index(m) for m in marks]
    assert at == sorted(at), list(zip(marks, at, strict=True))
    events, analyses, outlook, data = (main.split(f'<section id="{s}">')[1] for s in
                                       ("events", "analyses", "outlook", "data"))  # fmt: skip
    manifest = _manifest(site)["briefs"]
    for name, entry in manifest.items():
        link = f'href="{name}.html"'
        if entry.get("findings"):
            assert link in events.split("</section>")[0], name
        elif entry["notebook"] in ("07_outlook.ipynb", "recent_tempo.ipynb"):
            assert link in outlook.split("</section>")[0], name
        else:
            assert link in analyses.split("</section>")[0], name
    for page in (CODEBOOK_PAGE, METHODS_PAGE, "findings_method.html", ARCHIVE_PAGE, "feed.xml"):
        assert f'href="{page}"' in data, page
    assert repeated_columns(index) == []
    assert "Built (UTC)" not in index and "Editions" not in index


def test_the_index_names_events_and_grades_in_words(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    events = index.split('<section id="events">')[1].split("</section>")[0]
    text = html.unescape(re.sub(r"<[^>]+>", " ", events))
    manifest = _manifest(site)["briefs"]
    for entry in manifest.values():
        if entry.get("focus_event"):
            assert entry["focus_event"] not in text, "no event code names on the index"
    cards = re.findall(r'<li class="escalation-card">(.*?)</li>', events, re.S)
    assert len(cards) == sum(1 for e in manifest.values() if e.get("findings"))
    for card in cards:
        assert re.search(r'class="card-date">\d{1,2} [A-Z][a-z]{2} \d{4}<', card), card
        assert re.search(r'class="card-grade">Grade: <strong>[A-Z][a-z ]+<', card), card
        sentence = re.search(r'<p class="headline"[^>]*>(.*?)</p>', card, re.S)[1]
        words = html.unescape(re.sub(r"<[^>]+>", "", sentence)).split()  # a term may be linked
        assert len(words) <= 35, sentence
    # the counterfactual pages are analyses, never titled like an event's brief
    analyses = index.split('<section id="analyses">')[1].split("</section>")[0]
    for name in ("counterfactual", "counterfactual_2023_24"):
        link = re.search(rf'href="{name}.html">([^<]*)</a>', analyses)
        assert link and "before and after" not in link[1] and ":" in link[1], name
    status = re.search(r'<p class="data-status[^"]*">(.*?)</p>', index, re.S)[1]
    assert "review.html" in status and "no curated row matches wait" not in status


def test_the_archive_index_lists_every_edition(site):
    archive = (site / ARCHIVE_PAGE).read_text(encoding="utf-8")
    assert f'href="{ARCHIVE_PAGE}"' in (site / "index.html").read_text(encoding="utf-8")
    manifest = _manifest(site)["briefs"]
    for name, entry in manifest.items():
        assert f'href="{entry["file"]}"' in archive, name
        for e in entry["editions"]:
            assert (site / e["file"]).is_file(), e["file"]
            assert f'href="{e["file"]}"' in archive, e["file"]
    on_disk = {p.relative_to(site).as_posix() for p in site.glob("archive/*/*.html")}
    listed = {e["file"] for entry in manifest.values() for e in entry["editions"]}
    assert listed <= on_disk


def test_every_archived_page_carries_its_banner(site):
    """Each page under archive/<date>/ opens with the banner naming that date and linking the
    live page of the same name, which exists."""
    pages = sorted(site.glob("archive/*/*.html"))
    assert len(pages) >= len(_manifest(site)["briefs"]) + 3  # briefs + method, codebook, methods
    for page in pages:
        text = page.read_text(encoding="utf-8")
        day = page.parent.name
        found = re.findall(rf'<p class="{BANNER_CLASS}"[^>]*>(.*?)</p>', text, re.S)
        assert len(found) == 1, page
        assert f'datetime="{day}"' in found[0] and f'href="../../{page.name}"' in found[0]
        assert "The latest is here." in found[0]
        assert (site / page.name).is_file()
        body = text.split("<main>", 1)[1]
        assert body.lstrip().startswith(f'<p class="{BANNER_CLASS}"'), page
        assert "<script" not in text.lower()


def test_the_banner_is_escaped_and_lands_without_the_house_link():
    hostile = 'x.html" onclick="alert(1)'
    note = banner("2026-12-06", hostile)
    assert 'onclick="' not in note and "&quot;" in note
    assert "6 Dec 2026" in note
    bare = "<html><head><title>t</title></head><body class='x'><p>text</p></body></html>"
    copied = archive_copy(bare, "2026-12-06", "t.html")
    at = copied.index(f'<p class="{BANNER_CLASS}"')
    assert copied.index("<body") < at < copied.index("<p>text")
    assert copied.count("<style>") == 1


def test_codebook_and_methods_are_published_and_linked(site):
    codebook = (site / CODEBOOK_PAGE).read_text(encoding="utf-8")
    methods = (site / METHODS_PAGE).read_text(encoding="utf-8")
    assert "What counts as one incident" in codebook and "<script" not in codebook.lower()
    for page, source in ((codebook, "README.md"), (methods, "methods.md")):
        block = PROVENANCE.search(page)
        assert block and f"data: {source} (SHA-256)" in block.group(), source
    for term in ("rate-ratio", "interval", "quasi-poisson", "interrupted-time-series",
                 "event-window", "changepoints", "hawkes", "counterfactual", "crps", "pit",
                 "aic", "pooled-estimate", "confirmation", "grades"):  # fmt: skip
        assert f'id="{term}"' in methods, term
    ids = re.findall(r'\bid="([^"]*)"', codebook + methods)
    assert all(re.fullmatch(r"[A-Za-z0-9-]+", i) for i in ids), ids
    linking = [p.name for p in site.glob("*.html") if f'href="{CODEBOOK_PAGE}' in p.read_text()]
    assert "index.html" in linking and len(linking) >= 4, linking
    assert not [p.name for p in site.glob("*.html") if "data/README.md" in p.read_text()]


def test_every_methods_link_lands_on_a_section(site):
    """Every ``methods.html#term`` on any page (the root's and the archive's) names an id of
    the methods page beside it."""
    checked = 0
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        anchors = re.findall(rf'href="{re.escape(METHODS_PAGE)}#([^"]*)"', text)
        if not anchors:
            continue
        target = (page.parent / METHODS_PAGE).read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]*)"', target))
        missing = [a for a in anchors if html.unescape(a) not in ids]
        assert missing == [], f"{page.relative_to(site)}: {missing}"
        checked += len(anchors)
    assert checked >= 1


def test_markdown_headings_get_plain_ids(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Title\n\n## CRPS {#crps}\n\ntext <script>alert(1)</script>\n\n"
        "## It's a test, twice\n\n## It's a test, twice\n\n"
        "[away](other.md) [m](methods.html#crps)\n",
        encoding="utf-8",
    )
    page = markdown_page(doc, "T", "D", "intro")
    assert '<h2 id="crps">CRPS</h2>' in page
    assert 'id="it-s-a-test-twice"' in page and 'id="it-s-a-test-twice-2"' in page
    assert "<script" not in page and 'href="other.md"' not in page
    assert 'href="methods.html#crps"' in page
