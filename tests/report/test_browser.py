"""A published brief and the index load in headless Chromium offline: nothing is requested beyond
``file:``/``data:``, no console error, no script; hostile text from a notebook stays text. Every
page of the shipped site passes axe-core's WCAG 2.1 A/AA rules at 1280 and 375 px.

The demo notebook is synthetic and written here; it reads no data. Screenshots are saved to
``$ESCALATION_ARTIFACTS`` (else ``reports/.build/artifacts/``) for a person to look at. axe-core
is installed from npm once (pinned, cached under ``.venv/``: ``tests/axe.py``).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import axe
import pytest
from browser import Browser, across, artifact_dir, require_chromium
from report_helpers import write_config, write_notebook

from analysis.report import downloads
from analysis.report.archive import archive_copy
from analysis.report.runner import run

HOSTILE_CELL = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = "<script>alert(2)</script> demo"
HOSTILE_HEADLINE = "<img src=x onerror=alert(3)>"

CELLS = [
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(7, 3))\n"
    "ax.plot(range(12), [3, 4, 2, 6, 5, 8, 7, 9, 6, 10, 9, 12], marker='o')\n"
    "ax.set_title('Attacks per week (synthetic)')\n"
    "plt.show()",
    "import pandas as pd\n"
    "pd.DataFrame({\n"
    "    'week': range(rows),\n"
    f"    'note': ['a quiet week', {HOSTILE_CELL!r}, {HOSTILE_IMG!r}][:rows],\n"
    "})",
    "from analysis.report.glue import glue\n"
    f"glue('title', {HOSTILE_TITLE!r})\n"
    f"glue('headline', {HOSTILE_HEADLINE!r}, display=True)",
]

#: read from every loaded page
SCRIPTS = "document.scripts.length"
TEXT = "document.body.innerText"
HANDLERS = "document.querySelectorAll('[onerror], [onload], [onclick]').length"
IMAGES = "Array.from(document.images, i => i.getAttribute('src').slice(0, 22))"


def _write_demo(folder: Path) -> Path:
    (folder / "notebooks").mkdir(exist_ok=True)
    notebook = write_notebook(
        folder / "notebooks" / "demo.ipynb",
        *CELLS,
        parameters="rows = 3  # rows of the table",
        title="# Demo brief\n\nA line chart and a table, for the browser.",
    )
    return write_config(folder / "briefs.yml", {"demo": (notebook, {})})


@pytest.fixture(scope="module")
def browser():
    path = require_chromium()
    with Browser(path) as b:
        yield b


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser) -> Path:
    """The demo brief built into a fresh site (once for the module)."""
    folder = tmp_path_factory.mktemp("browser")
    report = run(_write_demo(folder), site=folder / "site", jobs=1)
    assert report.built == ["demo"], [o.error for o in report.failed]
    return report.site


def _check_offline_and_quiet(page) -> None:
    assert page.requests and page.requests[0] == page.url
    assert page.outside_requests() == []
    assert page.console_errors == []
    assert page.dialogs == []
    assert page.values[SCRIPTS] == 0
    assert page.values[HANDLERS] == 0


def _check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5_000


def test_harness_catches_requests_errors_and_dialogs(browser, tmp_path):
    """The checks below could fail: a page that misbehaves is caught on every count."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        "<p>hi</p><script>console.error('boom'); alert('hey')</script>",
        encoding="utf-8",
    )
    page = browser.load(bad, expressions=[SCRIPTS])
    assert page.outside_requests() == ["https://cdn.example.com/x.css"]
    assert any("boom" in e for e in page.console_errors)
    assert any("ERR_INTERNET_DISCONNECTED" in e for e in page.console_errors)
    assert page.dialogs == ["alert: hey"]
    assert page.values[SCRIPTS] == 1


def test_brief_loads_offline_without_errors_or_scripts(browser, site):
    shot = artifact_dir() / "browser-brief.png"
    shot.unlink(missing_ok=True)
    page = browser.load(
        site / "demo.html", screenshot=shot, expressions=[SCRIPTS, HANDLERS, TEXT, IMAGES]
    )
    _check_offline_and_quiet(page)
    text = page.values[TEXT]
    assert "Demo brief" in text and "Provenance" in text
    # the chart is embedded in the page, not fetched
    assert page.values[IMAGES] and all(s.startswith("data:image/png") for s in page.values[IMAGES])
    _check_png(shot)


def test_brief_renders_markdown_chart_and_table_as_html(browser, site):
    """Markdown and HTML outputs are rendered, not shown as escaped markup."""
    heading = "document.querySelector('h1') && document.querySelector('h1').textContent"
    header = "Array.from(document.querySelectorAll('table thead th'), th => th.textContent.trim())"
    page = browser.load(site / "demo.html", expressions=[TEXT, heading, header])
    assert "Demo brief" in (page.values[heading] or "")
    assert {"week", "note"} <= set(page.values[header])
    leaked = [
        m
        for m in ("<h1", "</p>", "<style", "<thead", "<th>", "vertical-align:")
        if m in page.values[TEXT]
    ]
    assert leaked == [], f"markup shown as text: {leaked}"


def test_index_loads_offline_and_links_the_brief(browser, site):
    shot = artifact_dir() / "browser-index.png"
    shot.unlink(missing_ok=True)
    links = "Array.from(document.links, a => a.getAttribute('href'))"
    page = browser.load(
        site / "index.html", screenshot=shot, expressions=[SCRIPTS, HANDLERS, links]
    )
    _check_offline_and_quiet(page)
    hrefs = page.values[links]
    assert "demo.html" in hrefs and "feed.xml" in hrefs
    assert all(not h.startswith(("http:", "https:", "//")) for h in hrefs)
    _check_png(shot)


def test_hostile_notebook_text_is_shown_as_text_in_the_brief(browser, site):
    page = browser.load(site / "demo.html", expressions=[SCRIPTS, HANDLERS, TEXT])
    _check_offline_and_quiet(page)
    text = page.values[TEXT]
    assert HOSTILE_CELL in text and HOSTILE_IMG in text
    shown = "Array.from(document.querySelectorAll('.escalation-headline'), p => p.textContent)"
    assert page.evaluate(shown) == [HOSTILE_HEADLINE]  # glued with display=True
    assert page.evaluate("document.title") == HOSTILE_TITLE


def test_hostile_title_and_headline_are_shown_as_text_in_the_index(browser, site):
    cells = "Array.from(document.querySelectorAll('main li p'), p => p.innerText)"
    page = browser.load(site / "index.html", expressions=[SCRIPTS, HANDLERS, cells])
    _check_offline_and_quiet(page)
    assert HOSTILE_TITLE in page.values[cells]
    assert HOSTILE_HEADLINE in page.values[cells]


# --- accessibility: axe-core on every published page ----------------------------------------

#: the widths checked: a laptop and a phone (CSS px)
AXE_WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def axe_js() -> str:
    return axe.axe_source()


def _published(site: Path) -> list[Path]:
    """Every page of ``site``; an archive copy that is just today's page with its banner and
    its index link moved two levels up (:func:`archive_copy`) is left out but the first, as
    the others hold nothing new to check."""
    pages = []
    copies = 0
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        current = site / rel.name
        if rel.parts[0] == "archive" and current.exists():
            live = current.read_text(encoding="utf-8")
            same = downloads.archived(archive_copy(live, rel.parts[1], rel.name))
            if page.read_text(encoding="utf-8") == same:
                copies += 1
                if copies > 1:
                    continue
        pages.append(page)
    return pages


def _axe_failures(browser, axe_js: str, site: Path, pages: list[Path]) -> list[str]:
    """axe-core's violations on ``pages`` at each of :data:`AXE_WIDTHS`, named page and width;
    the pages are shared between ``browser`` and a second Chromium (both cores)."""

    def check(b: Browser, item: tuple[int, Path]) -> list[str]:
        width, page = item
        axe.set_width(b, width)
        b.load(page, settle=0)
        return [f"{page.relative_to(site)} at {width} px: {v}" for v in axe.violations(b, axe_js)]

    items = [(width, page) for width in AXE_WIDTHS for page in pages]
    with Browser(require_chromium()) as second:
        try:
            found = across([browser, second], items, check)
        finally:
            axe.reset_width(browser)
    return [f for page_failures in found for f in page_failures]


def test_axe_catches_what_it_should(browser, axe_js, tmp_path):
    """The check below could fail: an unreachable scroll box and a bare image are reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>'
        '<div style="overflow-x:auto;width:100px"><p style="width:900px">wide</p></div>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>",
        encoding="utf-8",
    )
    failures = _axe_failures(browser, axe_js, tmp_path, [bad])
    found = {f.split(": ", 1)[1].split(" ", 1)[0] for f in failures}
    assert found == {"scrollable-region-focusable", "image-alt"}, failures
    assert all(f.startswith("bad.html at ") for f in failures)


def test_every_published_page_passes_axe_at_1280_and_375_px(browser, axe_js, shipped_site):
    """WCAG 2.1 A and AA rules of axe-core on every page of the shipped site (briefs, index,
    review page, archive editions), laid out at 1280 and at 375 px; named page, rule, node."""
    pages = _published(shipped_site)
    names = {p.name for p in pages}
    assert {"index.html", "review.html", "suleimani_strike.html"} <= names, sorted(names)
    failures = _axe_failures(browser, axe_js, shipped_site, pages)
    assert failures == [], "\n".join(failures)


# --- the index on a phone and on paper ------------------------------------------------------

#: the most A4 pages the shipped index may print to (it printed to 14, page 1 almost empty)
INDEX_PRINT_PAGES = 8


def test_the_index_fits_a_phone_and_prints_in_a_few_pages(browser, shipped_site):
    """At 375 px nothing runs off the screen sideways; printed on A4 it takes a few pages.
    Screenshots at 1100 and 375 px are kept as artefacts."""
    width = "document.documentElement.scrollWidth"
    index = shipped_site / "index.html"
    try:
        for px in (1100, 375):
            axe.set_width(browser, px)
            shot = artifact_dir() / f"index-{px}.png"
            shot.unlink(missing_ok=True)
            page = browser.load(index, screenshot=shot, expressions=[width, SCRIPTS])
            assert page.values[width] <= px, f"the index is {page.values[width]} px wide at {px}"
            assert page.values[SCRIPTS] == 0
            _check_png(shot)
    finally:
        axe.reset_width(browser)
    browser.load(index)
    pdf = base64.b64decode(
        browser.call("Page.printToPDF", paperWidth=8.27, paperHeight=11.69)["data"]
    )
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= INDEX_PRINT_PAGES, f"the index prints to {pages} pages"
