"""Site-wide: one answer per event, the same on every page, and no impossible figure anywhere.

Reads the session's shipped site (``shipped_site`` in conftest, built once): every element
marked ``data-event`` states that event's estimate from the findings table (the site's
``findings.csv`` when the runner publishes it, else ``analysis.findings.store.table()`` for the
shipped data, the same table the pages were built from); every headline has at most 35 words; no
page says "infinite", an "x0" factor, a negative number of attacks or a percent below -100%.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from analysis.findings import store
from analysis.findings.words import MAX_WORDS

VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "area", "col", "base"}
#: a factor of zero written as a multiplier ("x0", "×0.0")
ZERO_FACTOR = re.compile(r"(?<![\w.])[x×]\s?0(?:\.0+)?(?![\d.]*[1-9])\b")
NEGATIVE_ATTACKS = re.compile(r"(?<![\w.+])-\d[\d,]*(?:\.\d+)?\s+(?:more\s+|fewer\s+)?attacks?\b")
PERCENT = re.compile(r"(?<![\w.])-(\d[\d,]*(?:\.\d+)?)\s?%")


class _Page(HTMLParser):
    """Visible text of a page, the text of each ``headline`` element and every
    ``data-event`` element's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headlines: list[list[str]] = []
        self.marked: list[dict[str, str | None]] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, opens a headline)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-event" in a:
            self.marked.append(a)
        if tag in VOID:
            return
        if tag in ("script", "style"):
            self._skip += 1
        is_headline = "headline" in (a.get("class") or "").split()
        if is_headline:
            self.headlines.append([])
        self._stack.append((tag, is_headline))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            top, _ = self._stack.pop()
            if top in ("script", "style"):
                self._skip -= 1
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        open_headlines = sum(h for _, h in self._stack)
        for words in self.headlines[len(self.headlines) - open_headlines :]:
            words.append(data)


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def findings_table(site: Path) -> pd.DataFrame:
    """The site's published findings.csv, else the table the build computed for the shipped
    data (the runner may not publish it yet)."""
    published = sorted(site.rglob("findings.csv"))
    if published:
        return pd.read_csv(published[0], keep_default_na=False, na_values=[""])
    return store.table()


def problems(site: Path) -> list[str]:
    """Every breach of the rules above on every page of ``site``, as "page: what" lines."""
    found = findings_table(site).set_index("event_id")
    out = []
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        page = read_page(path)
        for a in page.marked:
            eid = str(a["data-event"])
            if eid not in found.index:
                out.append(f"{name}: data-event {eid!r} has no findings row")
                continue
            want = float(found.loc[eid, "estimate"])
            given = a.get("data-estimate")
            if given is None:
                if math.isfinite(want):
                    out.append(f"{name}: {eid} states no estimate, findings give {want!r}")
            elif not math.isclose(float(given), want, rel_tol=1e-6):
                out.append(f"{name}: {eid} states {given}, findings give {want!r}")
        for words in page.headlines:
            text = " ".join("".join(words).split())
            if len(text.split()) > MAX_WORDS:
                out.append(f"{name}: headline of {len(text.split())} words: {text[:80]}...")
        text = " ".join(" ".join(page.text).split())
        if "infinite" in text.lower():
            out.append(f"{name}: says 'infinite'")
        for m in ZERO_FACTOR.finditer(text):
            out.append(f"{name}: a zero factor {text[max(m.start() - 40, 0) : m.end() + 10]!r}")
        for m in NEGATIVE_ATTACKS.finditer(text):
            out.append(f"{name}: a negative count {text[max(m.start() - 40, 0) : m.end()]!r}")
        for m in PERCENT.finditer(text):
            if float(m.group(1).replace(",", "")) > 100:
                out.append(f"{name}: below -100% {text[max(m.start() - 40, 0) : m.end()]!r}")
    return out


def test_the_rules_catch_what_they_should(tmp_path: Path) -> None:
    """The checks fail on a page that breaks each rule (so a clean site means something)."""
    table = store.table()
    eid, est = str(table["event_id"].iloc[0]), float(table["estimate"].iloc[0])
    (tmp_path / "bad.html").write_text(
        f'<p class="headline">{" ".join(["word"] * 36)}</p>'
        f'<p data-event="{eid}" data-estimate="{est * 1.01 if math.isfinite(est) else 1.0}">a</p>'
        "<p>rise, xinfinite; fall, x0; 100% fewer (-100% to -150%); -3 attacks</p>"
        "<script>x0 infinite</script>",
        encoding="utf-8",
    )
    found = "\n".join(problems(tmp_path))
    for what in ("headline of 36", f"{eid} states", "infinite", "zero factor", "below -100%"):
        assert what in found
    assert "negative count" in found
    (tmp_path / "bad.html").write_text(
        '<p class="headline">Short and fine.</p><p>x0.47 is not zero; 0.20 times; -2 (-9 to 4)'
        "</p><script>x0 infinite</script>",
        encoding="utf-8",
    )
    assert problems(tmp_path) == []


def test_every_page_states_the_findings_and_nothing_impossible(shipped_site: Path) -> None:
    """On the shipped site: every data-event figure is the findings' estimate, headlines are
    short, and no page says "infinite", "x0", a negative number of attacks or below -100%."""
    marked = sum(len(read_page(p).marked) for p in shipped_site.rglob("*.html"))
    assert marked > 0, "no page marks an event's figure"
    assert problems(shipped_site) == []


def test_pages_keep_the_finding_marks_and_nothing_else() -> None:
    """The publishing sanitizer keeps data-event (an event id) and data-estimate (a number),
    and drops them when they hold anything else."""
    from analysis.report.html import sanitize

    kept = sanitize('<li data-event="suleimani_strike" data-estimate="1.3522990000000001">a</li>')
    assert 'data-event="suleimani_strike"' in kept and 'data-estimate="1.3522990000000001"' in kept
    dropped = sanitize('<p data-event="a b&lt;x" data-estimate="nan" data-other="1">b</p>')
    assert "data-" not in dropped
