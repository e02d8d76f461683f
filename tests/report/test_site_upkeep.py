"""The site kept true from run to run: a page's downloads of an earlier build leave with it,
editions archived before the banner existed get it (once), and every page and the index say
one and the same "Data through" date."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

import pytest
from report_helpers import GLUE, write_config, write_notebook

from analysis.paths import ROOT
from analysis.report import publish as publishing
from analysis.report.archive import BANNER_CLASS, archive_copy, missing_banners
from analysis.report.downloads import THROUGH_RULE, data_through, long_date, stale
from analysis.report.runner import run

#: a cell showing ``x`` small tables: each gets a CSV download beside the page
TABLES = (
    "from IPython.display import HTML\n"
    "HTML(''.join(f'<h3>Table {i}</h3><table><tr><th>n</th></tr><tr><td>{i}</td></tr></table>'"
    " for i in range(1, x + 1)))"
)
BANNER = f'<p class="{BANNER_CLASS}"'


def _banners(path: Path) -> int:
    return path.read_text(encoding="utf-8").count(BANNER)


def test_a_rebuilt_page_drops_old_downloads_and_old_editions_get_their_banner(project):
    p = project
    nb = write_notebook(p["root"] / "notebooks" / "t.ipynb", GLUE, TABLES)
    config = write_config(p["root"] / "t.yml", {"t": (nb, {"x": 3})})
    site, day = p["site"], dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    report = run(config, site=site, data_dir=p["data"], jobs=1, now=day)
    assert report.built == ["t"], [o.error for o in report.failed]
    three = sorted(f.name for f in (site / "t.data").iterdir())
    assert len(three) == 3 and three[2].startswith("3-table-3")
    edition = site / "archive" / "2026-03-01"
    assert sorted(f.name for f in (edition / "t.data").iterdir()) == three
    # an edition kept before the banner existed: the same page, as it was then
    old = site / "archive" / "2025-01-01" / "t.html"
    old.parent.mkdir()
    plain = (site / "t.html").read_text(encoding="utf-8")
    old.write_text(plain, encoding="utf-8")
    assert _banners(old) == 0 and set(missing_banners(site)) == {"archive/2025-01-01/t.html"}

    write_config(config, {"t": (nb, {"x": 1})})  # now one table: two CSVs are left over
    report = run(config, site=site, data_dir=p["data"], jobs=1, now=day)
    assert report.built == ["t"]
    one = sorted(f.name for f in (site / "t.data").iterdir())
    assert one == three[:1]  # the live page's and its edition's, with the page
    assert sorted(f.name for f in (edition / "t.data").iterdir()) == one
    assert (site / "t.html").read_text(encoding="utf-8").count(".data/") == 2  # link + cite list
    assert _banners(old) == 1 and 'datetime="2025-01-01"' in old.read_text(encoding="utf-8")
    assert 'href="../../t.html"' in old.read_text(encoding="utf-8")
    assert missing_banners(site) == {}  # so the next run adds none: never two banners
    assert _banners(edition / "t.html") == 1


def test_missing_banners_reads_only_unbannered_editions(tmp_path):
    site = tmp_path / "site"
    day = site / "archive" / "2024-05-06"
    day.mkdir(parents=True)
    page = "<html><head><title>t</title></head><body><main>\n<p>text</p></main></body></html>"
    (day / "a.html").write_text(page, encoding="utf-8")
    (day / "b.html").write_text(archive_copy(page, "2024-05-06", "b.html"), encoding="utf-8")
    (site / "archive" / "notes").mkdir()  # not an edition's folder
    (site / "archive" / "notes" / "c.html").write_text(page, encoding="utf-8")
    found = missing_banners(site)
    assert list(found) == ["archive/2024-05-06/a.html"]
    assert found["archive/2024-05-06/a.html"].count(BANNER) == 1
    assert missing_banners(tmp_path / "nothing") == {}


def test_a_publish_interrupted_after_its_deletions_puts_them_back(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "p.data").mkdir(parents=True)
    (site / "p.html").write_text("old page", encoding="utf-8")
    (site / "p.data" / "1-a.csv").write_text("a\n1\n", encoding="utf-8")
    (site / "p.data" / "2-b.csv").write_text("b\n2\n", encoding="utf-8")
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "p.html").write_text("new page", encoding="utf-8")
    (staged / "1-a.csv").write_text("a\n9\n", encoding="utf-8")
    files = {"p.html": staged / "p.html", "p.data/1-a.csv": staged / "1-a.csv"}
    gone = stale(site, "p", files)
    assert gone == ["p.data/2-b.csv"]
    real_replace = os.replace

    def killed_at_the_end(src, dst):  # the run dies before it closes its journal
        if Path(src).name == "journal":
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(publishing.os, "replace", killed_at_the_end)
    with pytest.raises(KeyboardInterrupt):
        publishing.publish(site, files, remove=gone)
    assert not (site / "p.data" / "2-b.csv").exists()  # deleted with the page ...
    monkeypatch.setattr(publishing.os, "replace", real_replace)
    assert publishing.recover(site)  # ... and the next run puts the site back as it was
    assert (site / "p.html").read_text(encoding="utf-8") == "old page"
    assert (site / "p.data" / "2-b.csv").read_text(encoding="utf-8") == "b\n2\n"
    assert (site / "p.data" / "1-a.csv").read_text(encoding="utf-8") == "a\n1\n"
    (staged / "p.html").write_text("new page", encoding="utf-8")
    (staged / "1-a.csv").write_text("a\n9\n", encoding="utf-8")
    publishing.publish(site, files, remove=gone)  # done whole: the stale file is gone
    assert sorted(f.name for f in (site / "p.data").iterdir()) == ["1-a.csv"]


def _newest_confirmed_day_row(data: Path) -> dt.date:
    """An independent reading of the rule: the newest confirmed row dated to the day."""
    with (data / "incidents.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f)]
    days = [
        r["date"] for r in rows if r["confirmation"] == "confirmed" and r["date_precision"] == "day"
    ]
    return dt.date.fromisoformat(max(days))


def test_data_through_counts_confirmed_rows_dated_to_the_day(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    head = "id,date,date_precision,confirmation\n"
    (data / "incidents.csv").write_text(
        head + "1,2024-12-01,day,confirmed\n2,2024-12-05,day,claimed\n"
        "3,2024-12-01,month,confirmed\n4,2024-11-30,day,confirmed\n",
        encoding="utf-8",
    )
    assert data_through(data) == dt.date(2024, 12, 1) == _newest_confirmed_day_row(data)
    assert data_through(data, "2024-11-30") == dt.date(2024, 11, 30)
    assert data_through(tmp_path / "none") is None


def test_index_and_every_page_say_the_same_data_through(shipped_site):
    end = _newest_confirmed_day_row(ROOT / "data")
    assert data_through(ROOT / "data") == end
    words = f"Data through {long_date(end)} ({THROUGH_RULE})."
    index = (shipped_site / "index.html").read_text(encoding="utf-8")
    said = re.search(r'class="escalation-through">(.*?)</p>', index, re.S)[1]
    assert re.sub(r"</?strong>", "", said) == words
    pages = [p for p in shipped_site.glob("*.html") if p.name != "index.html"]
    tops = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = re.findall(r'class="escalation-data-through">(.*?)</p>', text, re.S)
        if found:
            tops[page.name] = found
    assert len(tops) >= 25 and "findings.html" in tops  # briefs, analyses and findings
    assert all(found == [words] for found in tops.values()), tops
