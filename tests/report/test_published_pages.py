"""Every chart a notebook draws reaches its published page, described for screen readers;
every table is a reader view (no scientific notation, inf or nan, no notebook dump); every page
of the shipped site reads at 1100 px: no table wider than the page, no number split over lines.

The shipped site (``make report``'s config) is built once per session into a temporary folder
(``conftest``); its executed notebooks, kept beside it, are what the chart checks read (each
notebook as it ran for the first page built from it).
Browser screenshots of every page are kept as test artefacts (``$ESCALATION_ARTIFACTS``, else
``reports/.build/artifacts/pages/``).
"""

from __future__ import annotations

import html
import itertools
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from browser import Browser, across, artifact_dir, require_chromium
from conftest import ROOT

from analysis.charts import PIXEL_RATIO
from analysis.paths import CODEBOOK_PAGE, DEFAULT_CONFIG
from analysis.report.archive import ARCHIVE_PAGE

#: a cell that draws: a results object's ``.plot*()`` or :func:`analysis.charts.plot_counts`
DRAWS = re.compile(r"\.plot(?:_\w+)?\(|\bplot_counts\(")
#: what nbconvert writes when an image has no description
DEFAULT_ALT = "No description has been provided for this image"
IMG = re.compile(r"<img\b[^>]*>")
ALT = re.compile(r"""\balt=(?:"([^"]*)"|'([^']*)')""")
#: notebooks that show their results in ipywidgets (the explorer): for JupyterLab, not published
#: (not in reports/briefs.yml), so not executed here; tests/test_explore.py checks what they
#: compute and tests/report/test_lab.py runs them in a real JupyterLab
WIDGET_NOTEBOOKS = {"00_explore.ipynb"}
NOTEBOOKS = [
    p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if p.name not in WIDGET_NOTEBOOKS
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
def executed(shipped_executed) -> dict[str, nbformat.NotebookNode]:
    """Every shipped notebook as it ran for the first page the shipped site builds from it (the
    site's own executions, kept by ``conftest``: the notebooks are not run twice), by file name."""
    out: dict[str, nbformat.NotebookNode] = {}
    for page, notebook in _entries():
        if notebook not in out:
            out[notebook] = nbformat.read(shipped_executed / f"{page}.ipynb", as_version=4)
    missing = sorted({p.name for p in NOTEBOOKS} - set(out))
    assert not missing, f"notebooks no page is built from: {missing}"
    return out


@pytest.fixture(scope="module")
def site(shipped_site) -> Path:
    """The shipped site, built from reports/briefs.yml once per session (``conftest``)."""
    return shipped_site


def _images(nb: nbformat.NotebookNode, cell_index: int) -> list[dict]:
    outputs = nb.cells[cell_index].get("outputs", [])
    return [o for o in outputs if "image/png" in o.get("data", {})]


def _entries() -> list[tuple[str, str]]:
    """(page name, notebook file name) of every entry of the shipped briefs config."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return [(b["name"], Path(b["notebook"]).name) for b in config["briefs"]]


#: the pages built from the analysis notebooks (notebooks/01-05)
ANALYSIS_PAGES = [name for name, notebook in _entries() if re.match(r"0\d_", notebook)]


def _parse(page: Path) -> _Cells:
    parser = _Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("name", [name for name, _ in _entries()])
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


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_every_cell_that_draws_shows_one_described_chart(executed, name):
    nb = executed[name]
    drawing = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and DRAWS.search(c.source)
    ]
    assert drawing, f"{name} draws no chart"
    for i in drawing:
        images = _images(nb, i)
        shown = f"{name} cell {i}: {len(images)} charts shown\n{nb.cells[i].source}"
        assert len(images) == 1, shown
        alt = images[0].get("metadata", {}).get("image/png", {}).get("alt", "")
        assert len(alt) > 30 and alt != DEFAULT_ALT, f"{name} cell {i}: alt text {alt!r}"
    # and no chart appears anywhere else (a figure left open would show in a later cell)
    others = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and i not in drawing]
    assert not [i for i in others if _images(nb, i)], f"{name}: charts in cells that draw none"


def test_every_page_shows_every_chart_its_notebook_draws(executed, site):
    for page, notebook in _entries():
        html = (site / f"{page}.html").read_text(encoding="utf-8")
        images = IMG.findall(html)
        nb = executed[notebook]
        drawn = sum(len(_images(nb, i)) for i in range(len(nb.cells)))
        assert len(images) == drawn, f"{page}: {len(images)} images on the page, {drawn} drawn"
        alts = [(m.group(1) or m.group(2)) if (m := ALT.search(tag)) else "" for tag in images]
        assert all(a and DEFAULT_ALT not in a for a in alts), f"{page}: {alts}"
        # the archive copy of today's edition is the same page
        (copy,) = site.glob(f"archive/*/{page}.html")
        assert len(IMG.findall(copy.read_text(encoding="utf-8"))) == drawn


def test_pages_fit_1100_px_and_are_kept_as_screenshots(site):
    """Each page at 1100 px: nothing wider than the window (tables, images), a screenshot kept."""
    shots = artifact_dir() / "pages"
    width = "[document.documentElement.scrollWidth, window.innerWidth]"
    wide = (
        "Array.from(document.querySelectorAll('table, img'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + ' ' + (e.className || ''))"
    )

    def check(browser: Browser, page: str) -> None:
        shot = shots / f"{page}.png"
        shot.unlink(missing_ok=True)
        loaded = browser.load(site / f"{page}.html", screenshot=shot, expressions=[width, wide])
        scroll, inner = loaded.values[width]
        assert inner == 1100 and scroll <= inner, f"{page} is {scroll} px wide at {inner}"
        assert loaded.values[wide] == [], f"{page}: wider than the page: {loaded.values[wide]}"
        assert browser.evaluate(TOO_WIDE) == [], page
        assert browser.evaluate(BROKEN_NUMBERS) == [], page
        assert shot.stat().st_size > 10_000

    with Browser(require_chromium()) as one, Browser(require_chromium()) as two:
        across([one, two], [page for page, _ in _entries()], check)  # both cores


def test_event_labels_never_overlap_on_the_busiest_chart():
    """The changepoint chart of 2019-2021 has every event of the campaign in view: labels are
    picked by the documented rule and no two labels' boxes intersect."""
    from analysis.briefs import events_between
    from analysis.charts import event_labels
    from analysis.data import load_events, load_incidents
    from analysis.models import changepoints
    from analysis.series import MonthPrecisionWarning, counts

    start, end = "2019-10-01", "2021-12-31"
    events = events_between(load_events(), start, end)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)  # month-only rows: a caveat
        y = counts(load_incidents(), "W-MON", start, end)
    result = changepoints.detect(y, events=events)
    ax = result.plot()
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = event_labels(ax)
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert 5 <= len(labels) < len(events), (len(labels), len(events))
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        assert not a.overlaps(b), f"{ta.get_text()!r} overlaps {tb.get_text()!r}"
    # every label sits inside the figure, and the legend (if any) is outside the data area
    fig_box = fig.bbox
    assert all(fig_box.x0 <= bx.x0 and bx.x1 <= fig_box.x1 for bx in boxes)
    legend = ax.get_legend()
    if legend is not None:
        assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


#: the 2023-24 campaign's event briefs of the shipped config
BRIEFS_2023_24 = [
    "iri_campaign_start",
    "us_strikes_iraq_nov2023",
    "us_strikes_jan2024",
    "tower22_attack",
    "kh_suspension",
    "us_strikes_feb2024",
]
#: the pages that draw where attacks happened: both data overviews and the event briefs
PLACE_PAGES = ["data_overview", "data_overview_2023_24", "suleimani_strike", "tower22_attack"]
#: every image of a page with its alt text, loaded size and right edge
IMAGES = """Array.from(document.querySelectorAll('main img')).map(i => ({
  alt: i.alt, complete: i.complete, natural: i.naturalWidth,
  width: i.getBoundingClientRect().width, right: i.getBoundingClientRect().right}))"""


def test_the_site_holds_both_campaigns_grouped_on_the_index(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    first, second = index.index(">2019–2021 campaign</h3>"), index.index(">2023–24 campaign</h3>")
    assert first < index.index('href="suleimani_strike.html"') < second
    other = index.find(">Other briefs</h3>")
    analyses = index.index('<section id="analyses">')
    for name in BRIEFS_2023_24:  # event briefs: cards under their campaign's heading
        at = index.index(f'href="{name}.html"')
        assert second < at < analyses and (other < 0 or at < other), name
    for name in ["data_overview_2023_24", "changepoints_and_escalation_2023_24"]:
        # analyses: one link per campaign, named by it
        assert re.search(rf'href="{name}.html">2023–24</a>', index[analyses:]), name
    for name in ["data_overview_2023_24", "event_windows_2023_24", "counterfactual_2023_24"]:
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        assert "2019-21" not in page and "2019–2021" not in page.split("escalation-provenance")[0]


#: a tally's scope in the words of a coverage sentence -> the countries it counts
TALLY_SCOPES = {
    "Iraq, Syria and Jordan": ("Iraq", "Syria", "Jordan"),
    "Iraq and Syria": ("Iraq", "Syria"),
    "Syria": ("Syria",),
    "Iraq": ("Iraq",),
}
#: the coverage sentence of a 2023-24 brief: the Pentagon tally, its scope and count, the
#: dataset's confirmed and all rows for its dates and countries, each share, the split by country
COVERAGE = re.compile(
    r"against the Pentagon's tally for (\d+ \w+ \d{4} to \d+ \w+ \d{4}) "
    r"\(((?:at least |about |more than )?(\d+)) attacks in (" + "|".join(TALLY_SCOPES) + r")\), "
    r"the dataset holds (\d+) confirmed attacks for the same dates and countries \((\d+)%\) "
    r"and (\d+) counting claimed and disputed rows too \((\d+)%\); by country, confirmed "
    r"\(all\): ((?:\w+ \d+ \(\d+\)(?:, )?)+)\."
)


@pytest.mark.parametrize("name", BRIEFS_2023_24)
def test_each_2023_24_brief_compares_a_pentagon_tally_like_for_like_by_country(site, name):
    """The coverage sentence sets a Pentagon tally beside the dataset's rows for the same dates
    and the countries the tally counts: confirmed rows and all rows, each as a share of the
    published figure, and the split by country adding up to both; the tally table holds the
    same row, and the reference table (wider region, one base) sets no dataset count."""
    page = (site / f"{name}.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#x27;", "'")
    found = COVERAGE.search(text)
    assert found, name
    span, published_text, scope = found[1], found[2], found[4]
    published, confirmed, share_confirmed, rows, share_all = map(int, found.group(3, 5, 6, 7, 8))
    assert 0 < confirmed <= rows, (name, confirmed, rows)
    assert share_confirmed == round(100 * confirmed / published), name
    assert share_all == round(100 * rows / published), name
    split = re.findall(r"(\w+) (\d+) \((\d+)\)", found[9])
    assert tuple(c for c, _, _ in split) == TALLY_SCOPES[scope], (name, scope, split)
    assert sum(int(n) for _, n, _ in split) == confirmed, (name, split)
    assert sum(int(n) for _, _, n in split) == rows, (name, split)
    assert all(int(n) <= int(m) for _, n, m in split), (name, split)
    parsed = _parse(site / f"{name}.html")
    (compared,) = [rows for css, rows in parsed.tables if "escalation-tallies" in css.split()]
    header = ["counts", "period", "published", "dataset: confirmed (all)"]
    header += ["share: confirmed (all)", "by country: confirmed (all)", "what was counted, source"]
    assert compared[: len(header)] == header, name
    table_rows = [
        compared[i : i + len(header)] for i in range(len(header), len(compared), len(header))
    ]
    assert [
        scope,
        span,
        published_text,
        f"{confirmed} ({rows})",
        f"{share_confirmed}% ({share_all}%)",
        found[9],
    ] in [r[:6] for r in table_rows], name
    reference = [rows for css, rows in parsed.tables if "escalation-tallies-reference" in css]
    assert all(not any(c.startswith("dataset") for c in rows) for rows in reference)


def test_tile_maps_and_small_multiples_render_labelled_at_1100_px(site):
    """The governorate view reaches the pages as described images that load and fit at 1100 px;
    their labels never overlap (matplotlib's text extents, as for the event labels)."""
    with Browser(require_chromium()) as browser:
        for page in PLACE_PAGES:
            images = browser.load(site / f"{page}.html", expressions=[IMAGES]).values[IMAGES]
            maps = [i for i in images if "tile map" in i["alt"].lower()]
            multiples = [i for i in images if "Small multiples" in i["alt"]]
            assert maps, f"{page}: no tile map"
            if page.startswith("data_overview"):
                assert len(multiples) == 2, f"{page}: small multiples by governorate and target"
            for image in maps + multiples:
                assert image["complete"] and image["natural"] > 300, (page, image["alt"][:60])
                assert 300 < image["width"] and image["right"] <= 1100, (page, image["alt"][:60])
                assert "governorate" in image["alt"] or "target" in image["alt"]
    _assert_place_labels_do_not_overlap()


def _assert_place_labels_do_not_overlap():
    from analysis.briefs import event_brief, where_attacks
    from analysis.data import load_events, load_incidents

    incidents = load_incidents()
    figures = [
        where_attacks(incidents, "2023-10-01", "2024-10-01").plot().figure,
        where_attacks(incidents, "2019-10-01", "2021-12-31").plot_weekly().figure,
        event_brief(incidents, load_events(), "tower22_attack").plot_places().figure,
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = [
            t
            for ax in fig.axes
            if ax.get_visible()
            for t in [*ax.texts, ax.title]
            if t.get_visible() and t.get_text()
        ]
        assert len(texts) > 10
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), f"{ta!r} overlaps {tb!r}"
        assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 for _, b in boxes)


# --- accessibility markup of every page (axe-core itself runs in tests/report/test_browser.py) --

SIMPLE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


class _Markup(HTMLParser):
    """A page's ids, in-page links, images, tables (caption or not), header cells and head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.images: list[dict] = []
        self.tables = self.captions = 0
        self.th: list[dict] = []
        self.meta: dict[str, str] = {}
        self.icons: list[str] = []
        self.scroll_boxes: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"] or "")
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.fragments.append(a["href"][1:])
        elif tag == "img":
            self.images.append(a)
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.th.append(a)
        elif tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content") or ""
        elif tag == "link" and a.get("rel") == "icon":
            self.icons.append(a.get("href") or "")
        elif "overflow-x" in (a.get("style") or "") or "escalation-scroll" in (
            a.get("class") or ""
        ):
            self.scroll_boxes.append(a)


def _markup(page: Path) -> _Markup:
    parser = _Markup()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


#: the site's pages that are lists of pages, without a table
LIST_PAGES = ("index.html", ARCHIVE_PAGE)


def test_every_page_has_simple_ids_sized_images_captioned_scoped_tables_and_a_described_head(
    site,
):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        name = str(page.relative_to(site))
        m = _markup(page)
        bad = [i for i in m.ids if not SIMPLE_ID.match(i)]
        assert bad == [], f"{name}: ids {bad[:5]}"
        assert len(m.ids) == len(set(m.ids)), f"{name}: repeated ids"
        assert set(m.fragments) <= set(m.ids), f"{name}: links to {set(m.fragments) - set(m.ids)}"
        unsized = [
            i.get("alt", "")[:50] for i in m.images if not (i.get("width") and i.get("height"))
        ]
        assert unsized == [], f"{name}: images without width/height {unsized}"
        # the index and the archive's index are lists, without a table
        assert m.tables or name in LIST_PAGES, f"{name}: no table (nor provenance block)"
        assert m.captions == m.tables, f"{name}: {m.tables} tables, {m.captions} captions"
        assert m.th or name in LIST_PAGES, f"{name}: no header cell"
        assert all(t.get("scope") in ("col", "row") for t in m.th), f"{name}: th scope"
        assert len(m.meta.get("description", "")) > 40, f"{name}: no meta description"
        assert m.icons and all(i.startswith("data:image/svg+xml,") for i in m.icons), name
        assert all(
            b.get("tabindex") == "0" and b.get("role") == "region" and b.get("aria-label")
            for b in m.scroll_boxes
        ), f"{name}: a scroll box a keyboard cannot reach"


def test_the_review_page_carries_provenance_and_a_brief_its_headline(site):
    review = (site / "review.html").read_text(encoding="utf-8")
    assert '<section class="escalation-provenance" id="provenance">' in review
    assert "review candidates (SHA-256)" in review
    brief = _markup(site / "suleimani_strike.html")
    headline = re.search(
        r'<p class="escalation-headline[^"]*"[^>]*><strong>(.*?)</strong>',
        (site / "suleimani_strike.html").read_text(encoding="utf-8"),
    )[1]
    assert brief.meta["description"].rstrip("…")[:100] == html.unescape(headline)[:100]
    # charts are 2x PNGs (PIXEL_RATIO) the page sizes to their CSS size: the browser decodes
    # twice the pixels the width and height attributes give, and lays the image out at those
    with Browser(require_chromium()) as browser:
        sizes = "Array.from(document.images, i => [i.naturalWidth, i.naturalHeight, i.width > 0])"
        loaded = browser.load(site / "suleimani_strike.html", expressions=[sizes])
    for (w, h, shown), image in zip(loaded.values[sizes], brief.images, strict=True):
        assert shown and abs(w - PIXEL_RATIO * int(image["width"])) <= PIXEL_RATIO
        assert abs(h - PIXEL_RATIO * int(image["height"])) <= PIXEL_RATIO


# --- pages read as a publication, not as notebooks (issue 26) ---------------------------------

#: what a notebook tells its JupyterLab reader about running it; never on a published page
LAB_INSTRUCTIONS = re.compile(r"papermill|in the next cell|the cell at the top", re.IGNORECASE)
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
#: the provenance block, which names the packages a page was built with (papermill among them)
PROVENANCE = re.compile(r'<section class="escalation-provenance".*?</section>', re.DOTALL)


def _vocabulary_codes() -> tuple[set[str], re.Pattern]:
    """Every codebook value whose words differ from the code (``ied``, ``us_military_base``,
    ``us_strike``...), and a pattern for those that read as code in running text (an underscore,
    or ``ied``), matched case-sensitively as whole words."""
    from analysis.briefs.wording import CASE_COLUMNS, WORDS, word_table, words

    columns = [*CASE_COLUMNS, *WORDS]
    codes = {c for column in columns for c in word_table(column) if words(column, c) != c}
    coded = sorted((c for c in codes if "_" in c or c == "ied"), key=len, reverse=True)
    return codes, re.compile(r"\b(?:" + "|".join(map(re.escape, coded)) + r")\b")


def test_no_published_page_tells_readers_about_parameters_or_papermill(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    said = {
        str(p.relative_to(site)): LAB_INSTRUCTIONS.findall(
            PROVENANCE.sub("", p.read_text(encoding="utf-8"))
        )
        for p in pages
    }
    assert {k: v for k, v in said.items() if v} == {}


def test_the_lab_only_cells_stay_in_the_notebooks():
    """The instructions are kept for JupyterLab, in cells tagged ``lab-only``, in every
    analysis notebook that takes parameters from the command line."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        told = [c for c in nb.cells if LAB_INSTRUCTIONS.search(c.source)]
        assert all("lab-only" in c.metadata.get("tags", []) for c in told), path.name
        if re.match(r"0[1-6]_", path.name):
            assert told, f"{path.name}: no lab-only note on changing the parameters"


@pytest.mark.parametrize("name", [name for name, _ in _entries()])
def test_each_page_is_titled_in_words_not_by_its_notebook(site, name):
    text = (site / f"{name}.html").read_text(encoding="utf-8")
    titles = [re.sub(r"<[^>]+>|¶", "", html.unescape(t)).strip() for t in H1.findall(text)]
    assert len(titles) == 1, titles
    assert not re.match(r"\d\d\s*·", titles[0]), titles[0]
    assert len(titles[0].split()) >= 4, titles[0]


def test_no_chart_description_or_table_cell_is_a_vocabulary_code(site):
    """Legends (read through the charts' alt text) and table headers and cells name weapons,
    targets and kinds of event in words (``analysis.briefs.wording.words``), never by code."""
    codes, in_text = _vocabulary_codes()
    assert {"ied", "ballistic_missile", "us_military_base", "coalition_convoy"} <= codes
    found: dict[str, list[str]] = {}
    for page in sorted(site.glob("*.html")):
        if page.name == CODEBOOK_PAGE:
            continue  # the codebook's tables list the codes, each with its meaning
        text = page.read_text(encoding="utf-8")
        alts = [html.unescape(a or b) for a, b in ALT.findall(text)]
        cells = [
            " ".join(re.sub(r"<[^>]+>", "", html.unescape(h)).split())
            for h in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", text, re.DOTALL)
        ]
        bad = [m for a in alts for m in in_text.findall(a)] + [c for c in cells if c in codes]
        if bad:
            found[page.name] = sorted(set(bad))
    assert found == {}
