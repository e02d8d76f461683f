"""The site's state damaged by hand: the next run repairs it and says so, never silently forgets.

- ``manifest.json`` deleted or damaged: rebuilt from the archive (a warning on stderr, the damaged
  file kept in the work folder); a run for an earlier date then goes into the archive only, and
  the index and feed list every edition;
- an archived edition deleted by hand leaves the manifest and the index; the run does not fail.
"""

from __future__ import annotations

import json

import pytest
from report_helpers import GLUE, write_notebook

from analysis.cli import main
from analysis.errors import NOTHING, PUBLISHED
from analysis.report.archive import ARCHIVE_PAGE
from analysis.report.publish import work_dir
from analysis.report.reconcile import DAMAGED_COPY
from analysis.report.site import read_manifest

DAYS = ("2026-10-01", "2026-10-15")


def _run(p: dict, *extra: str) -> list[str]:
    return ["run", "--config", str(p["config"]), "--out", str(p["site"]), "--data",
            str(p["data"]), "--jobs", "1", *extra]  # fmt: skip


@pytest.fixture
def two_editions(project, capsys) -> dict:
    """Brief a (which declares ``as_of``) published for two dates, b for today."""
    p = project
    write_notebook(p["a"], GLUE, parameters='x = 1  # a number\nas_of = "latest"  # a date')
    for day in DAYS:
        assert main(_run(p, "--as-of", day)) == PUBLISHED
    capsys.readouterr()
    return p


def _editions(site) -> list[str]:
    return [e["date"] for e in read_manifest(site)["briefs"]["a"]["editions"]]


@pytest.mark.parametrize("damage", ["deleted", "not json", "a list"])
def test_a_lost_manifest_is_rebuilt_from_the_archive(two_editions, capsys, damage):
    p = two_editions
    site = p["site"]
    current = (site / "a.html").read_bytes()
    manifest = site / "manifest.json"
    if damage == "deleted":
        manifest.unlink()
    else:
        manifest.write_text('{"briefs": {' if damage == "not json" else "[1, 2]", "utf-8")
    damaged = None if damage == "deleted" else manifest.read_bytes()

    assert main(_run(p, "--as-of", "2026-10-08")) == PUBLISHED
    err = capsys.readouterr().err
    warning = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1, err
    why = "is missing" if damage == "deleted" else "is damaged"
    assert warning[0].startswith(f"warning: {manifest} {why}")
    assert f": rebuilt from {site / 'archive'} " in warning[0]
    assert "(2 brief(s), 3 edition(s))" in warning[0]
    # the earlier date went into the archive only: the current page is still the newest edition
    assert (site / "a.html").read_bytes() == current
    assert (site / "archive" / "2026-10-08" / "a.html").is_file()
    assert _editions(site) == ["2026-10-01", "2026-10-08", "2026-10-15"]
    listing = (site / ARCHIVE_PAGE).read_text(encoding="utf-8")  # the index links it
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    for day in ("2026-10-01", "2026-10-08", "2026-10-15"):
        assert f"archive/{day}/a.html" in listing and f"archive/{day}/a.html" in feed
    if damaged is not None:
        assert (work_dir(site) / DAMAGED_COPY).read_bytes() == damaged
        assert "kept as" in warning[0]


def test_an_edition_deleted_by_hand_leaves_the_index(two_editions, capsys):
    p = two_editions
    site = p["site"]
    (site / "archive" / DAYS[0] / "a.html").unlink()
    code = main(_run(p, "--as-of", DAYS[1]))
    err = capsys.readouterr().err
    assert code in (PUBLISHED, NOTHING), err
    assert "Traceback" not in err and "error:" not in err
    assert (
        f"warning: 1 archived edition(s) deleted by hand left the manifest and index: a {DAYS[0]}"
    ) in err
    assert _editions(site) == [DAYS[1]]
    listing = (site / ARCHIVE_PAGE).read_text(encoding="utf-8")
    assert f"archive/{DAYS[0]}/a.html" not in listing and f"archive/{DAYS[1]}/a.html" in listing
    # the feed too, although nothing was built (the reconcile step writes it with the manifest)
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert f"archive/{DAYS[0]}/a.html" not in feed and f"archive/{DAYS[1]}/a.html" in feed
    assert (
        "<entry>" in feed
        and feed.count("<entry>") == len(read_manifest(site)["briefs"]["b"]["editions"]) + 1
    )  # b's editions and a's one left
    assert json.loads((site / "manifest.json").read_text())["briefs"]["b"]["editions"]


#: a cell that tries to take the data's lock for itself, as ``review accept`` would
TRY_ACCEPT = (
    "import os\nfrom analysis.atomic import data_lock\nfrom analysis.errors import LockedError\n"
    "try:\n    with data_lock(os.environ['ESCALATION_DATA_DIR'], shared=False, wait=0):\n"
    "        held = False\nexcept LockedError:\n    held = True\n"
    "from analysis.report.glue import glue\nglue('held', held)"
)


def test_the_data_stay_as_hashed_while_the_kernels_read_them(project):
    """The run reads the data's hashes (each page's provenance) and its kernels read the data
    under one shared lock: an accept (which needs the lock alone) cannot rewrite the tables in
    between. Checked from inside a brief's kernel, without timing."""
    from report_helpers import READS

    from analysis.report.keys import file_hash
    from analysis.report.runner import run

    p = project
    write_notebook(p["a"], READS, TRY_ACCEPT, GLUE)
    report = run(p["config"], site=p["site"], data_dir=p["data"], only=["a"], jobs=1)
    assert report.built == ["a"], report.failed
    assert report.outcomes["a"].glued["held"] is True  # an accept would have had to wait
    digest = file_hash(p["data"] / "incidents.csv")
    assert report.outcomes["a"].inputs["data"]["incidents.csv"] == digest
    assert digest in (p["site"] / "a.html").read_text(encoding="utf-8")  # its provenance
