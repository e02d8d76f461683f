"""The default config builds every brief on the shipped data: self-contained, stated, repeatable."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import DATA, ROOT, SESSION_NOW

from analysis.paths import CODEBOOK_PAGE, DEFAULT_CONFIG, METHODS_PAGE
from analysis.report import keys
from analysis.report.archive import ARCHIVE_PAGE
from analysis.report.config import load_config
from analysis.report.glue import read_glued
from analysis.report.runner import run
from analysis.report.site import METHOD_PAGE

#: the site's own pages: no manifest entry (a brief's provenance is checked against it)
SITE_OWN_PAGES = (
    "index.html", "review.html", METHOD_PAGE, "findings.html", ARCHIVE_PAGE, CODEBOOK_PAGE,
    METHODS_PAGE,
)  # fmt: skip
PROVENANCE = re.compile(r'<section class="escalation-provenance".*?</section>', re.DOTALL)


@pytest.fixture(scope="module")
def site(shipped_site) -> Path:
    """The shipped site, built once per session (``conftest``)."""
    return shipped_site


def test_every_config_entry_is_published_and_indexed(site):
    briefs = load_config(DEFAULT_CONFIG)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    index = (site / "index.html").read_text(encoding="utf-8")
    words = re.sub(r'<a class="escalation-term" href="[^"]*">([^<]*)</a>', r"\1", index)
    assert {b.name for b in briefs} == set(manifest)
    events = [b.name for b in briefs if "event_id" in b.parameters and b.name in manifest
              and manifest[b.name].get("findings")]  # fmt: skip
    positions = [index.index(f'href="{name}.html"') for name in events]
    assert positions == sorted(positions), "the index keeps the config's order of event briefs"
    for b in briefs:
        entry = manifest[b.name]
        assert (site / f"{b.name}.html").is_file()
        assert entry["title"] and entry["headline"], f"{b.name}: glue a title and a headline"
        assert entry["notebook"] == b.notebook.name, "the manifest names each page's notebook"
        assert f'href="{b.name}.html"' in index
        if b.name in events:  # an event brief's card states its sentence
            assert html.escape(entry["headline"]) in words  # (a term in it may be linked)
        if "event_id" in b.parameters:
            assert entry["focus_event"] == b.parameters["event_id"]
        assert len(entry["period"]) == 2


def test_briefs_are_self_contained_and_state_their_inputs(site):
    data_hashes = keys.data_hashes(DATA)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page.name
        # a <link> is the feed's (alternate) or the inline icon (data:), never a fetch
        assert not re.search(r'<link(?![^>]*rel="alternate")(?![^>]*href="data:)', text), (
            f"{page.name}: <link>"
        )
        assert "@import" not in text, page.name
        assert not re.search(r'\bsrc="(?!data:)', text), f"{page.name}: only embedded images"
        assert not re.search(r"url\((?!data:)", text), f"{page.name}: no external CSS resource"
        if page.name in SITE_OWN_PAGES:
            continue  # the site's own pages (findings.html, codebook and methods state theirs)
        provenance = PROVENANCE.search(text)
        assert provenance, page.name
        read = manifest[page.stem]["data_files"]
        assert "incidents.csv" in read, f"{page.name}: the runner recorded the files read"
        for name in read:
            assert f"data: {name}" in provenance.group()
            assert data_hashes[name] in provenance.group()
        assert "git commit" in provenance.group() and "analysis source hash" in provenance.group()
        assert "built at (UTC)" in provenance.group()
        assert not re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d\b", PROVENANCE.sub("", text)), (
            f"{page.name}: a build time outside the provenance block"
        )


def test_a_second_run_builds_nothing(site):
    again = run(DEFAULT_CONFIG, site=site, jobs=2)
    assert again.built == [] and not again.failed
    assert set(again.skipped) == {b.name for b in load_config(DEFAULT_CONFIG)}


def test_the_same_inputs_give_the_same_page(site, tmp_path):
    name = "suleimani_strike"
    first = (site / f"{name}.html").read_text(encoding="utf-8")
    other = tmp_path / "site"
    again = run(DEFAULT_CONFIG, site=other, only=[name], jobs=1, now=SESSION_NOW)
    assert again.built == [name]
    second = (other / f"{name}.html").read_text(encoding="utf-8")
    assert PROVENANCE.sub("", first) == PROVENANCE.sub("", second)


def test_the_brief_runs_by_hand_with_papermill(tmp_path):
    """The README's command: papermill on the brief with another event, in the project's env."""
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "brief.ipynb"),
        str(out),
        parameters={"event_id": "militia_truce_oct2020"},
        cwd=str(ROOT / "notebooks"),  # as JupyterLab would: the kernel starts in notebooks/
        kernel_name="python3",
        progress_bar=False,
    )
    glued = read_glued(nbformat.read(out, as_version=4))
    assert glued["focus_event"] == "militia_truce_oct2020"
