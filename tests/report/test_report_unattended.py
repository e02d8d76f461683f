"""``escalation run`` end to end: editions, archive, feed and run log; bad data; overlap; I/O."""

from __future__ import annotations

import datetime as dt
import errno
import json
import subprocess
import sys

import feedparser
import pytest
from conftest import ROOT, edit_cells
from report_helpers import GLUE, READS, snapshot, wait_for_lock, write_notebook

from analysis.cli import main
from analysis.errors import DATA_INVALID, IO_ERROR, LOCKED, NOTHING, PUBLISHED
from analysis.report import downloads, runner
from analysis.report.archive import archive_copy
from analysis.report.keys import file_hash
from analysis.report.unattended import read_log, run_unattended

DAY1 = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 9, 6, 0, tzinfo=dt.UTC)


def _run(p: dict, now: dt.datetime, **kw):
    return run_unattended(p["config"], site=p["site"], data_dir=p["data"], now=now, jobs=2, **kw)


def test_new_incidents_publish_a_new_edition_of_the_briefs_that_read_them(project, capsys):
    p = project
    incidents = p["data"] / "incidents.csv"
    lines = incidents.read_text(encoding="utf-8").splitlines(keepends=True)
    newest = lines[-3:]  # three real, sourced rows: held back, then "arrive" for the second run
    incidents.write_text("".join(lines[:-3]), encoding="utf-8")

    first = _run(p, DAY1)
    assert first.exit_code == PUBLISHED, first.error
    assert sorted(first.rebuilt) == ["a", "b"]
    assert _run(p, DAY1 + dt.timedelta(hours=1)).exit_code == NOTHING

    with incidents.open("a", encoding="utf-8") as fh:
        fh.writelines(newest)
    second = _run(p, DAY2)
    assert second.exit_code == PUBLISHED, second.error
    assert second.rebuilt == {"a": ["data changed: incidents.csv"]}
    assert second.skipped == {"b": ["unchanged"]}

    site = p["site"]
    assert (site / "archive/2026-11-02/a.html").is_file()
    assert (site / "archive/2026-11-09/a.html").is_file()
    assert (site / "archive/2026-11-02/b.html").is_file()
    assert not (site / "archive/2026-11-09/b.html").exists()
    latest = (site / "a.html").read_text(encoding="utf-8")
    assert downloads.archived(archive_copy(latest, "2026-11-09", "a.html")) == (
        site / "archive/2026-11-09/a.html"
    ).read_text("utf-8")
    assert 'href="../../index.html"' in (site / "archive/2026-11-02/a.html").read_text()
    index = (site / "archive.html").read_text(encoding="utf-8")  # the archive's index
    assert 'href="archive/2026-11-02/a.html"' in index
    assert 'href="archive/2026-11-09/a.html"' in index

    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    links = [e.link for e in feed.entries]
    assert links == ["archive/2026-11-09/a.html", "archive/2026-11-02/b.html",
                     "archive/2026-11-02/a.html"]  # fmt: skip
    assert feed.entries[0].summary == "x is 1."
    assert feed.entries[0].updated_parsed[:3] == (2026, 11, 9)
    assert len({e.id for e in feed.entries}) == 3

    log = read_log(site)
    assert [r["status"] for r in log] == ["published", "nothing to do", "published"]
    assert log[2]["rebuilt"] == {"a": ["data changed: incidents.csv"]}
    assert log[2]["skipped"] == {"b": ["unchanged"]}
    assert log[2]["as_of"] == "2026-11-09" and log[2]["seconds"]["a"] > 0

    assert main(["runs", "--out", str(site)]) == 0
    table = capsys.readouterr().out
    assert "nothing to do" in table and table.count("published") == 2


def test_bad_data_stops_the_run_before_anything_is_published(project):
    p = project
    assert _run(p, DAY1).exit_code == PUBLISHED
    before = snapshot(p["site"])
    edit_cells(p["data"] / "incidents.csv", {(4, "date"): "2020-02-30"})
    entry = _run(p, DAY2)
    assert entry.exit_code == DATA_INVALID
    assert "incidents.csv:line 6, field 'date'" in entry.error
    after = snapshot(p["site"])
    log = after.pop("runs.jsonl")
    before.pop("runs.jsonl")
    assert after == before  # nothing published
    last = json.loads(log.decode().splitlines()[-1])
    assert last["status"] == "data invalid" and "line 6, field 'date'" in last["error"]
    assert last["rebuilt"] == {}


def test_a_second_run_at_once_is_turned_away_and_the_first_completes(project):
    p = project
    assert _run(p, DAY1).exit_code == PUBLISHED
    write_notebook(p["a"], READS, GLUE, "import time; time.sleep(4)")
    first = subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "run", "--config", str(p["config"]),
         "--out", str(p["site"]), "--data", str(p["data"]), "--jobs", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_lock(p["site"], first)
    second = _run(p, DAY2)
    out, err = first.communicate(timeout=120)
    assert second.exit_code == LOCKED and "another run is publishing" in second.error
    assert first.returncode == PUBLISHED, err
    manifest = json.loads((p["site"] / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["briefs"].items():
        assert file_hash(p["site"] / f"{name}.html") == entry["html_sha256"]
    statuses = [r["status"] for r in read_log(p["site"])]
    assert statuses[0] == "published" and sorted(statuses[1:]) == [
        "another run holds the lock",
        "published",
    ]


def test_a_full_disk_is_reported_not_swallowed(project, monkeypatch):
    p = project
    assert _run(p, DAY1).exit_code == PUBLISHED
    before = snapshot(p["site"])
    (p["data"] / "incidents.csv").write_bytes((p["data"] / "incidents.csv").read_bytes() + b"\n")

    def disk_full(site, files, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(site / "a.html"))

    monkeypatch.setattr(runner, "publish", disk_full)
    full = _run(p, DAY2)
    assert full.exit_code == IO_ERROR
    assert "No space left on device" in full.error and "a.html" in full.error
    after = snapshot(p["site"])
    assert {k: v for k, v in after.items() if k != "runs.jsonl"} == {
        k: v for k, v in before.items() if k != "runs.jsonl"
    }
    assert read_log(p["site"])[-1]["status"] == "cannot write (disk full, permissions)"


def test_the_run_command_exit_codes(project, capsys):
    p = project
    args = ["run", "--config", str(p["config"]), "--out", str(p["site"]),
            "--data", str(p["data"]), "--as-of", "2024-10-01"]  # fmt: skip
    assert main(args) == PUBLISHED
    assert main(args) == NOTHING
    out = capsys.readouterr().out
    assert "published (exit 0)" in out and "nothing to do (exit 5)" in out
    with pytest.raises(SystemExit):
        main([*args[:-1], "1 Oct 2024"])  # a date that does not parse is a usage error
