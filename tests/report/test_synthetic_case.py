"""A second case, end to end: the SYNTHETIC "Northern Sea" (tests/fixtures/case_synthetic/,
invented, never published) built into a temporary site with ``escalation report --data``.

Every published notebook runs once with its defaults, which must come from the case and its
data (no Iraq date or event); the pages must not speak of Iraq; the case's sea areas must be on
its map; and no attack may be lost between the data and the maps. The site is built once for
the module (about a minute).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT

from analysis import case as cases

CASE = FIXTURES / "case_synthetic"
#: every notebook a site publishes (00_explore is for JupyterLab only)
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p.stem != "00_explore")
#: words of the Iraq case that must not reach a page of another case
IRAQ_WORDS = ("Iraq", "governorate", "Pentagon", "Suleimani", "Baghdad")
#: what the data layer and the pages need before this case builds: the data layer from the case
#: (an ``area`` column, the case's vocabularies, campaigns and min_incidents: helper
#: ``casedata``) and pages and maps from the case (``casepages``)
IMG_ALT = re.compile(r'<img[^>]*\balt="([^"]*)"')


@dataclass(frozen=True)
class Built:
    """The temporary site, the run's output and how long it took (seconds)."""

    site: Path
    returncode: int
    output: str
    seconds: float

    def pages(self) -> dict[str, str]:
        """Each brief's page: name -> its HTML."""
        return {
            p.stem: p.read_text(encoding="utf-8")
            for p in sorted(self.site.glob("*.html"))
            if p.stem not in ("index", "review")
        }


def _rows(name: str) -> list[dict[str, str]]:
    with (CASE / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The synthetic case's site: one brief per notebook, each with its defaults."""
    tmp = tmp_path_factory.mktemp("synthetic_case")
    (tmp / "reports").mkdir()
    config = tmp / "reports" / "briefs.yml"
    entries = [{"name": Path(nb).stem, "notebook": f"notebooks/{nb}"} for nb in NOTEBOOKS]
    config.write_text(yaml.safe_dump({"briefs": entries}), encoding="utf-8")
    env = {**os.environ, "ESCALATION_DATA_DIR": str(CASE)}
    cmd = [sys.executable, "-m", "analysis.cli", "report", "--config", str(config)]
    cmd += ["--data", str(CASE), "--out", str(tmp / "site"), "--force", "--kernels", "warm"]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    return Built(tmp / "site", proc.returncode, proc.stdout + proc.stderr, time.monotonic() - t0)


# --- the case itself: checked without building anything ---------------------------------------


def test_the_case_is_marked_synthetic_everywhere():
    case = cases.load(CASE)
    assert case.synthetic and "synthetic" in case.name.lower()
    assert "SYNTHETIC" in (CASE / "README.md").read_text(encoding="utf-8")
    assert not set(case.countries) & {"Iraq", "Syria", "Jordan"}
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        rows = _rows(name)
        assert rows, name
        for row in rows:
            assert "synthetic" in " ".join(row.values()).lower(), (name, row)
            url = row["source_url"]
            assert url.startswith("https://example.org/"), (name, url)


def test_the_case_has_its_own_places_and_vocabularies():
    case = cases.load(CASE)
    rows = _rows("incidents.csv")
    assert 150 <= len(rows) <= 300 and len(rows) >= case.min_incidents
    assert 6 <= len(_rows("political_events.csv")) <= 10
    assert 6 <= len(case.areas) <= 8 and case.has_map
    assert [a.name for a in case.areas if not a.on_map] == ["Storm Deep"]
    assert {r["area"] for r in rows} <= set(case.area_names)
    assert {r["area"] for r in rows} >= {"Storm Deep", "unknown"}  # off the map, and unplaced
    assert {r["attack_type"] for r in rows} <= set(case.attack_types)
    assert "anti_ship_missile" in case.attack_types and "naval_strike" in case.event_categories
    assert {r["category"] for r in _rows("political_events.csv")} <= set(case.event_categories)
    assert {r["scope"] for r in _rows("attack_counts_reported.csv")} <= set(case.tally_scopes)
    assert case.analysis_period is None and case.focus_event is None  # defaults from the data


def test_the_generator_rewrites_the_same_rows(tmp_path, monkeypatch):
    """The tables are the seeded script's output, not hand edits."""
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_synthetic_case as make
    finally:
        sys.path.remove(str(FIXTURES))
    monkeypatch.setattr(make, "OUT", tmp_path)
    make.main()
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        assert (tmp_path / name).read_bytes() == (CASE / name).read_bytes(), name


# --- the site built from it -------------------------------------------------------------------


def test_every_notebook_page_builds(built):
    assert built.returncode == 0, built.output[-3000:]
    manifest = json.loads((built.site / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    assert set(manifest) == {Path(nb).stem for nb in NOTEBOOKS}
    for name, entry in manifest.items():
        assert (built.site / f"{name}.html").is_file(), name
        assert entry["title"] and entry["headline"], name
    first, last = (
        min(r["date"] for r in _rows("incidents.csv")),
        max(r["date"] for r in _rows("incidents.csv")),
    )
    assert manifest["01_data_overview"]["period"] == [first, last], "the period spans the data"
    ids = {r["event_id"] for r in _rows("political_events.csv")}
    for name in ("brief", "05_counterfactual", "03_interrupted_time_series"):
        assert manifest[name]["focus_event"] in ids, f"{name}: the focus event is the case's"
    print(f"the synthetic case's {len(manifest)} pages built in {built.seconds:.0f} s")


def test_no_page_speaks_of_iraq(built):
    assert built.returncode == 0, built.output[-3000:]
    pages = {**built.pages(), "index": (built.site / "index.html").read_text(encoding="utf-8")}
    for name, text in pages.items():
        shown = html.unescape(re.sub(r"<[^>]+>", " ", text)) + " ".join(IMG_ALT.findall(text))
        for word in IRAQ_WORDS:
            assert word.lower() not in shown.lower(), f"{name} says {word!r}"


def test_the_findings_page_asks_the_case_s_own_questions(built):
    """The questions, their order and the kinds' nouns come from the case file's event_kinds,
    never from the shipped case (US strikes, truces, militia attacks, Iranian strikes)."""
    assert built.returncode == 0, built.output[-3000:]
    page = (built.site / "findings.html").read_text(encoding="utf-8")
    asked = re.findall(r"<h2[^>]*>(Do [^<]*\?)</h2>", page)
    assert asked == ["Do naval strikes deter or provoke?", "Do ceasefires hold?"], asked
    answers = re.findall(r'<li data-category="[^"]*" data-campaign="[^"]*">([^<]*)</li>', page)
    assert len(answers) == 2, answers  # one campaign: one answer per question, not two alike
    assert all(a.startswith("In the 2016–17 sea campaign") for a in answers), answers
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for word in ("US strike", "truce", "militia", "Iranian", "both campaigns"):
        assert word.lower() not in shown.lower(), f"findings.html says {word!r}"


def test_the_case_areas_are_on_its_map(built):
    assert built.returncode == 0, built.output[-3000:]
    page = built.pages()["01_data_overview"]
    alts = " ".join(html.unescape(a) for a in IMG_ALT.findall(page))
    counts = {r["area"] for r in _rows("incidents.csv") if r["confirmation"] == "confirmed"}
    for area in cases.load(CASE).areas:
        if area.name in counts:
            assert area.name in alts, f"{area.name} is not on the map's description"
    assert "Storm Deep" in alts, "an area without a tile is counted beside the map by name"


def test_no_attack_is_lost_between_the_data_and_the_maps(built):
    """The overview's map covers the whole data (its default period): the counts it states for
    the areas and "place unknown" add up to the confirmed incidents known to the day."""
    assert built.returncode == 0, built.output[-3000:]
    rows = [
        r
        for r in _rows("incidents.csv")
        if r["confirmation"] == "confirmed" and r["date_precision"] == "day"
    ]
    names = [a.name for a in cases.load(CASE).areas] + ["place unknown"]
    page = built.pages()["01_data_overview"]
    sums = []
    for alt in (html.unescape(a) for a in IMG_ALT.findall(page)):
        found = {n: re.search(rf"{re.escape(n)}:? (\d+)", alt) for n in names}
        if sum(m is not None for m in found.values()) >= 3:
            sums.append(sum(int(m.group(1)) for m in found.values() if m))
    assert sums, "no map description with the case's areas on the overview page"
    assert len(rows) in sums, f"the maps count {sums}, the data hold {len(rows)}"
