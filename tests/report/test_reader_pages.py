"""The published analysis pages read like the event brief: reader tables, no notebook dumps.

The analysis notebooks (01-05) are built with their defaults from the shipped config into a
temporary site, once for the module. No ``<table>`` cell of any page may hold a number in
scientific notation or ``inf``/``nan`` text; every pandas-style table is a reader view (class
``escalation-*``: no raw frame, no index column) and no model summary is a monospace block. In
headless Chromium at 1,100 px, no table is wider than its page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import Browser, artifact_dir, require_chromium

from analysis.report.config import load_config
from analysis.report.runner import DEFAULT_CONFIG, run

#: the pages built from notebooks/01-05 (the briefs config publishes them with their defaults)
ANALYSIS_PAGES = [
    b.name for b in load_config(DEFAULT_CONFIG) if re.match(r"0\d_", Path(b.notebook).name)
]
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+\b")
NOT_A_NUMBER = re.compile(r"\b(?:inf|Inf|INF|infinite|Infinity|nan|NaN|NAN|None|NaT|<NA>)\b")


class _Cells(HTMLParser):
    """Every table of a page: its class and the text of each of its cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[str]]] = []
        self.pre = 0
        self._depth = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        elif tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    assert len(ANALYSIS_PAGES) == 5, ANALYSIS_PAGES
    out = tmp_path_factory.mktemp("reader") / "site"
    report = run(DEFAULT_CONFIG, site=out, only=ANALYSIS_PAGES, jobs=2)
    assert not report.failed, [o.error for o in report.failed]
    assert sorted(report.built) == sorted(ANALYSIS_PAGES)
    return out


def _parse(page: Path) -> _Cells:
    parser = _Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("name", ANALYSIS_PAGES)
def test_no_table_cell_holds_scientific_notation_or_inf_nan(site, name):
    parsed = _parse(site / f"{name}.html")
    cells = [c for _, table in parsed.tables for c in table]
    assert cells, "the page has tables"
    sci = [c for c in cells if SCIENTIFIC.search(c)]
    bad = [c for c in cells if NOT_A_NUMBER.search(c)]
    assert sci == [] and bad == [], (sci, bad)


@pytest.mark.parametrize("name", ANALYSIS_PAGES)
def test_tables_are_reader_views_and_summaries_are_paragraphs(site, name):
    parsed = _parse(site / f"{name}.html")
    frames = [css for css, _ in parsed.tables if "dataframe" in css.split()]
    assert frames, "the page shows its results as tables"
    assert all(re.search(r"\bescalation-[\w-]+", css) for css in frames), frames
    assert parsed.pre == 0, "a model summary printed as a monospace block"


#: tables wider than the space their page gives them, with their class
TOO_WIDE = """(() => { const page = document.querySelector('main').getBoundingClientRect();
  return Array.from(document.querySelectorAll('main table')).filter(t => {
    const box = t.getBoundingClientRect();
    return box.width > t.parentElement.clientWidth + 0.5 || box.right > page.right + 0.5;
  }).map(t => t.className); })()"""
#: cells of number columns whose text broke over several lines
BROKEN_NUMBERS = """Array.from(document.querySelectorAll('td.nowrap'))
  .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                  const lines = new Set(Array.from(r.getClientRects(), x => Math.round(x.top)));
                  return lines.size > 1 && !td.querySelector('br'); })
  .map(td => td.textContent)"""


@pytest.fixture(scope="module")
def browser():
    path = require_chromium()
    with Browser(path) as b:
        b.call(
            "Emulation.setDeviceMetricsOverride",
            width=1100,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield b


@pytest.mark.parametrize("name", ANALYSIS_PAGES)
def test_no_table_is_wider_than_the_page_at_1100_px(site, browser, name):
    shot = artifact_dir() / f"reader-{name}.png"
    shot.unlink(missing_ok=True)
    page = browser.load(site / f"{name}.html", screenshot=shot, expressions=[TOO_WIDE])
    assert page.values[TOO_WIDE] == []
    assert browser.evaluate(BROKEN_NUMBERS) == []
    assert browser.evaluate("document.documentElement.scrollWidth") <= 1100
