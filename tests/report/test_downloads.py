"""Every published page offers its numbers (a CSV per chart and table, the whole page as JSON),
says at its top how far its data run and at its end how to cite it; charts are sharp (2x PNG
sized to their CSS size); log axes carry readable ticks.

The page checks read the shipped site built once per session (``conftest.shipped_site``).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import re
import struct
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import ROOT

from analysis.charts import PIXEL_RATIO, log_axis, log_ticks, new_axes, tick_text
from analysis.paths import DEFAULT_CONFIG
from analysis.report.downloads import prepare, table_rows

CSV_LINK = re.compile(r'<p class="escalation-download">(.*?)</p>', re.DOTALL)
HREF = re.compile(r'href="([^"]+)"')
IMG = re.compile(r"<img\b[^>]*>")
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
PROVENANCE = re.compile(r'<section class="escalation-provenance".*?</section>', re.DOTALL)


def _pages() -> list[str]:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return [b["name"] for b in config["briefs"]]


def _edition(site: Path, name: str) -> str:
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    return manifest["briefs"][name]["editions"][-1]["date"]


@pytest.mark.parametrize("name", _pages())
def test_every_page_links_a_csv_per_chart_and_table_and_its_json_in_the_archive_too(
    shipped_site, name
):
    page = (shipped_site / f"{name}.html").read_text(encoding="utf-8")
    body = PROVENANCE.sub("", page)
    shown = len(IMG.findall(body)) + len(TABLE.findall(body))
    under = [h for block in CSV_LINK.findall(body) for h in HREF.findall(block)]
    assert shown > 0 and len(under) == shown, f"{name}: {shown} charts/tables, {len(under)} links"
    assert len(set(under)) == len(under)
    assert all(h.startswith(f"{name}.data/") and h.endswith(".csv") for h in under)
    cite = re.search(r'<section class="escalation-cite".*?</section>', page, re.DOTALL)[0]
    listed = HREF.findall(cite)
    assert f"{name}.json" in listed and set(under) <= set(listed)
    archive = shipped_site / "archive" / _edition(shipped_site, name)
    record = json.loads((shipped_site / f"{name}.json").read_text(encoding="utf-8"))
    assert [d["file"] for d in record["downloads"]] == under
    for rel in [*under, f"{name}.json"]:
        live, kept = shipped_site / rel, archive / rel
        assert live.is_file() and kept.is_file(), rel
        assert live.read_bytes() == kept.read_bytes(), rel
    for item in record["downloads"]:
        rows = list(csv.reader(io.StringIO((shipped_site / item["file"]).read_text("utf-8"))))
        assert rows[0] == item["columns"] and len(rows) - 1 == len(item["rows"]), item["file"]
        assert rows[0] != ["error"] and all(re.fullmatch(r"[a-z0-9_]+", c) for c in rows[0])
        if item["kind"] == "chart":  # a chart's numbers: at least one number column, some rows
            assert len(rows) > 1 and any(
                isinstance(v, int | float) for r in item["rows"] for v in r
            ), item["file"]


def _cells(table: str) -> list[list[str]]:
    """The visible text of each row's cells (tags dropped), read independently of the code."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", tr, re.DOTALL)
        rows.append([" ".join(re.sub(r"<[^>]*>", " ", c).split()) for c in cells])
    return rows


def test_a_tables_csv_holds_the_numbers_the_page_shows(shipped_site):
    page = (shipped_site / "data_overview.html").read_text(encoding="utf-8")
    first = _cells(TABLE.findall(page)[0])
    record = json.loads((shipped_site / "data_overview.json").read_text(encoding="utf-8"))
    table = next(d for d in record["downloads"] if d["kind"] == "table")
    assert table["columns"][1:] == ["confirmed", "claimed", "disputed", "all_levels"]
    shown = [[r[0], *(int(c.replace(",", "")) for c in r[1:])] for r in first[1:]]
    assert table["rows"] == shown
    # and the brief's finding: the JSON holds the estimate the page states, as the table has it
    brief = (shipped_site / "suleimani_strike.html").read_text(encoding="utf-8")
    stated = float(re.search(r'data-estimate="([^"]+)"', brief)[1])
    values = json.loads((shipped_site / "suleimani_strike.json").read_text("utf-8"))["values"]
    assert values["findings_estimate"] == pytest.approx(stated, rel=1e-12)
    findings = list(csv.DictReader((shipped_site / "findings.csv").open(encoding="utf-8")))
    row = next(r for r in findings if r["event_id"] == "suleimani_strike")
    assert float(row["estimate"]) == pytest.approx(stated, rel=1e-9)


def _data_end() -> dt.date:
    with (ROOT / "data" / "incidents.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return max(
        dt.date.fromisoformat(r["date"])
        for r in rows
        if r["confirmation"] == "confirmed" and r["date_precision"] == "day"
    )


@pytest.mark.parametrize("name", _pages())
def test_every_page_says_data_through_at_its_top_and_how_to_cite_it(shipped_site, name):
    page = (shipped_site / f"{name}.html").read_text(encoding="utf-8")
    end = _data_end()
    through = (
        f'<p class="escalation-data-through">Data through {end.day} {end:%b %Y} '
        "(the newest confirmed attack dated to the day).</p>"
    )
    assert through in page
    # at the top: right under the link to the index, before any heading or chart
    main = page[page.index("<main>") :]
    assert main.index(through) < min(main.find(t) for t in ("<h1", "<h2", "<img") if t in main)
    day = _edition(shipped_site, name)
    permanent = f"archive/{day}/{name}.html"
    digest = hashlib.sha256((ROOT / "data" / "incidents.csv").read_bytes()).hexdigest()
    cite = re.search(r"<p>Cite as: (.*?)</p>", page, re.DOTALL)[1]
    assert f"edition of {day}" in cite and f'href="{permanent}">{permanent}</a>' in cite
    assert f"incidents.csv SHA-256 <code>{digest[:16]}</code>" in cite
    assert (shipped_site / permanent).is_file()
    kept = (shipped_site / permanent).read_text(encoding="utf-8")
    assert f'class="escalation-permalink" href="{name}.html">{permanent}</a>' in kept
    record = json.loads((shipped_site / f"{name}.json").read_text(encoding="utf-8"))
    assert record["permanent"] == permanent and record["data_sha256"] == digest
    assert record["data_through"] == end.isoformat() and record["edition"] == day


def _png_size(tag: str) -> tuple[int, int]:
    data = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', tag)[1][:64])
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", ["suleimani_strike", "event_windows", "outlook"])
def test_charts_are_2x_pngs_sized_to_their_css_size(shipped_site, name):
    page = (shipped_site / f"{name}.html").read_text(encoding="utf-8")
    tags = IMG.findall(page)
    assert tags
    for tag in tags:
        width = int(re.search(r'\bwidth="(\d+)"', tag)[1])
        height = int(re.search(r'\bheight="(\d+)"', tag)[1])
        natural = _png_size(tag)
        assert abs(natural[0] - PIXEL_RATIO * width) <= PIXEL_RATIO, (natural, width)
        assert abs(natural[1] - PIXEL_RATIO * height) <= PIXEL_RATIO, (natural, height)
    # readable at 375 px: the stylesheet scales every image down to the column, keeping its ratio
    assert "img { max-width: 100%; height: auto; }" in page


def test_ids_are_letters_digits_and_hyphens_with_no_notebook_cell_ids(shipped_site):
    for page in [shipped_site / f"{n}.html" for n in _pages()] + [shipped_site / "review.html"]:
        text = page.read_text(encoding="utf-8")
        ids = re.findall(r'\sid="([^"]*)"', text)
        assert ids and all(re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", i) for i in ids), page.name
        assert "cell-id" not in text and "'s-" not in " ".join(ids)
        assert '<section class="escalation-provenance" id="provenance">' in text, page.name


# --- the parts, on small inputs -----------------------------------------------------------


def test_table_rows_split_intervals_and_read_numbers():
    markup = (
        "<table><caption>Rates</caption><thead><tr><th>Event</th><th>Attacks per week</th>"
        "<th>Rate ratio (95% interval)</th><th>Share</th></tr></thead><tbody>"
        "<tr><th>K-1 <small>note</small></th><td>1,234</td><td>2.4 (0.79 to 8.7)</td>"
        "<td>92%</td></tr>"
        "<tr><th>Truce</th><td></td><td>0.25 (0.031 to 1.0)</td><td>+7%</td></tr></tbody></table>"
    )
    caption, names, rows = table_rows(markup)
    assert caption == "Rates"
    assert names == [
        "event",
        "attacks_per_week",
        "rate_ratio_95_interval",
        "rate_ratio_95_interval_low",
        "rate_ratio_95_interval_high",
        "share_percent",
    ]
    assert rows == [
        ["K-1 note", 1234, 2.4, 0.79, 8.7, 92],
        ["Truce", None, 0.25, 0.031, 1.0, 7],
    ]


def test_prepare_links_each_chart_and_table_and_numbers_them_in_page_order():
    from analysis.media import DATA_MIME

    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell("## How big was the change?")
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBO", DATA_MIME: {"title": "Attacks per week", "csv": "a\n1\n"}},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<table><tr><th>n</th></tr><tr><td>3</td></tr></table>"},
        ),
    ]
    nb.cells = [md, code]
    out, items = prepare(nb, "brief_x")
    assert [d.file for d in items] == [
        "brief_x.data/1-attacks-per-week.csv",
        "brief_x.data/2-how-big-was-the-change.csv",
    ]
    assert [d.csv for d in items] == ["a\n1\n", "n\n3\n"]
    outputs = out.cells[1].outputs
    assert len(outputs) == 4 and DATA_MIME not in outputs[0]["data"]
    assert 'href="brief_x.data/1-attacks-per-week.csv"' in outputs[1]["data"]["text/html"]
    assert 'href="brief_x.data/2-how-big-was-the-change.csv"' in outputs[3]["data"]["text/html"]
    assert len(nb.cells[1].outputs) == 2  # the notebook given is left as it was


# --- log axes -------------------------------------------------------------------------------


def test_log_ticks_are_readable_and_apart():
    assert log_ticks(0.2, 10) == [0.2, 0.5, 1, 2, 5, 10]
    assert log_ticks(1e-4, 100) == [0.0001, 0.001, 0.01, 0.1, 1, 10, 100]
    assert log_ticks(0.6, 0.9) == [0.6, 0.9]
    for low, high in [(1e-8, 1e3), (0.05, 20), (0.003, 150), (1e-3, 1e3)]:
        ticks = log_ticks(low, high)
        gaps = [b / a for a, b in zip(ticks, ticks[1:], strict=False)]
        assert 2 <= len(ticks) <= 9 and min(gaps) >= (high / low) ** 0.08 - 1e-9
    assert [tick_text(v) for v in (0.01, 0.5, 1.0, 20.0, 1000.0)] == [
        "0.01",
        "0.5",
        "1",
        "20",
        "1,000",
    ]
    with pytest.raises(ValueError):
        log_ticks(0, 1)


def test_a_wide_log_axis_prints_no_overlapping_tick_labels():
    """The all-events forest once printed "0.010.020.050.1": labels must not touch."""
    ax = new_axes(figsize=(7.0, 3.0))
    ax.plot([1e-4, 100], [0, 1])
    log_axis(ax, 1e-4, 100)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in labels] == ["0.0001", "0.001", "0.01", "0.1", "1", "10", "100"]
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    assert all(a.x1 + 4 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False))
    assert not [t for t in ax.xaxis.get_minorticklabels() if t.get_text()]


def test_exporting_a_page_imports_neither_matplotlib_nor_pandas(tmp_path):
    """A pool worker exports pages: its first page must not pay for the charting stack (over
    a second of imports) just to know the chart data's media type."""
    import subprocess
    import sys

    script = """
import sys, nbformat
from analysis.media import DATA_MIME
from analysis.report.html import export_page
nb = nbformat.v4.new_notebook()
code = nbformat.v4.new_code_cell("x")
code.outputs = [nbformat.v4.new_output(
    "display_data", data={"image/png": "iVBO", DATA_MIME: {"title": "A chart", "csv": "a\\n1\\n"}})]
nb.cells = [nbformat.v4.new_markdown_cell("## A question"), code]
page, files = export_page(nb, title="t", provenance={"version": "v", "data": {}}, name="p")
assert "p.data/1-a-chart.csv" in files and "p.data/1-a-chart.csv" in page
print(sorted(m for m in ("matplotlib", "pandas", "numpy") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "[]"
