"""One answer per event on the shipped site: each event brief states its findings row (the same
figure in findings.csv, the same sentence on the index), in a headline a newsroom can quote, and
never an impossible figure."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from analysis.findings.words import MAX_WORDS

#: an element carrying an event's primary figure (its attributes in any order)
FIGURE = re.compile(r'<\w+\b[^>]*\bdata-event="[^"]*"[^>]*>')
#: the headline paragraph of an event brief: its classes, attributes and text
HEADLINE = re.compile(r'<p class="([^"]*\bheadline\b[^"]*)"([^>]*)>(.*?)</p>', re.S)
#: the index's headline of an event brief (on its card)
INDEX_CELL = re.compile(r'<p class="headline"([^>]*)>(.*?)</p>', re.S)


@pytest.fixture(scope="module")
def site(shipped_site) -> Path:
    return shipped_site


def _findings(site: Path) -> dict[str, dict[str, str]]:
    """findings.csv as published, as text: event_id -> row (the estimate as the file spells it)."""
    with (site / "findings.csv").open(newline="", encoding="utf-8") as fh:
        return {r["event_id"]: r for r in csv.DictReader(fh)}


def _event_pages(site: Path) -> dict[str, str]:
    """Event brief name -> its focus event (the manifest's event briefs, which record findings)."""
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    pages = {n: e["findings"]["event"] for n, e in manifest.items() if e.get("findings")}
    shipped = {n for n, e in manifest.items() if e.get("title", "").endswith("before and after")}
    assert pages and set(pages) == shipped, "every event brief records its findings row"
    return pages


def _attr(tag: str, name: str) -> str | None:
    """The value of attribute ``name`` in an element's markup (None when it has none)."""
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found[1]) if found else None


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _visible(page: str) -> str:
    """A page's text without tags, styles and embedded images."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_site_publishes_the_findings_table(site):
    found = _findings(site)
    doc = json.loads((site / "findings.json").read_text(encoding="utf-8"))
    assert [r["event_id"] for r in doc["findings"]] == list(found)
    assert {"suleimani_strike", "pompeo_embassy_threat", "tower22_attack"} <= set(found)
    assert (site / "findings_method.html").is_file()


def test_each_event_brief_states_its_findings_row_and_nothing_else_as_the_answer(site):
    found = _findings(site)
    pages = _event_pages(site)
    assert {"suleimani_strike", "pompeo_embassy_threat", "tower22_attack"} <= set(pages)
    for name, event in pages.items():
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        row = found[event]
        figures = FIGURE.findall(page)
        assert len(figures) >= 2, f"{name}: the headline and the checks table carry the figure"
        for tag in figures:
            assert _attr(tag, "data-event") == event, name
            estimate = _attr(tag, "data-estimate") or ""  # none for a marker: no figure
            assert estimate == row["estimate"], f"{name}: {estimate} != findings.csv"
        (headline,) = HEADLINE.findall(page)
        classes, attrs, text = headline
        assert "headline" in classes.split()
        assert _attr(attrs, "data-event") == event
        assert (_attr(attrs, "data-estimate") or "") == row["estimate"]
        assert _text(text) == row["sentence"], name
        assert len(_text(text).split()) <= MAX_WORDS, name
        if row["grade"] in ("marker", "not_graded"):
            assert row["not_graded_reason"] in _text(page), f"{name}: the reason is given"
        # one table of checks, each saying whether it agrees with the primary figure
        assert page.count("escalation-checks") == 1, name
        checks = re.search(r'<table class="dataframe escalation-checks">.*?</table>', page, re.S)
        assert "agrees with the primary figure?" in checks.group(), name
        for method in ("Before/after windows", "Trend model", "Counterfactual", "Local joint fit"):
            assert method in checks.group(), f"{name}: check {method}"


def test_the_index_shows_each_event_briefs_headline(site):
    found = _findings(site)
    index = (site / "index.html").read_text(encoding="utf-8")
    by_event = {}
    for attrs, text in INDEX_CELL.findall(index):
        if _attr(attrs, "data-event") is not None:
            estimate = _attr(attrs, "data-estimate") or ""  # none for a marker
            by_event[_attr(attrs, "data-event")] = (estimate, _text(text))
    for name, event in _event_pages(site).items():
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        (headline,) = HEADLINE.findall(page)
        assert by_event[event] == (found[event]["estimate"], _text(headline[2])), name


def test_no_event_brief_prints_an_impossible_figure(site):
    for name in _event_pages(site):
        text = _visible((site / f"{name}.html").read_text(encoding="utf-8"))
        assert not re.search(r"infinit|\bx0\b|\(rise, x|\(fall, x", text, re.I), name
        assert "unlikely to be chance" not in text, f"{name}: unadjusted p-values as verdicts"
        assert not re.search(r"interval -\d", text), f"{name}: a negative count in an interval"
