"""Publishing that never writes out of the site and never half-publishes.

- a folder of the site the runner writes into (``archive``, ``forecasts``, an edition's folder)
  replaced by a symbolic link out of the site: ``report`` and ``run`` refuse with one line naming
  the link (exit 6) and write nothing through it, nor anything else;
- a move that fails half-way (a read-only ``archive/``) puts back every file already moved: the
  current pages, manifest, index and archive stay as they were (all or nothing).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from report_helpers import GLUE, snapshot, write_notebook

from analysis.atomic import LinkOutside, check_inside, write_atomic
from analysis.cli import main
from analysis.report.publish import publish, work_dir
from analysis.report.site import read_manifest
from analysis.report.unattended import read_log


def _args(p: dict, command: str, *extra: str) -> list[str]:
    if command == "run":  # run builds what changed; it has no --force
        extra = tuple(e for e in extra if e != "--force")
    return [command, "--config", str(p["config"]), "--out", str(p["site"]),
            "--data", str(p["data"]), "--jobs", "1", *extra]  # fmt: skip


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error: ")]


def _without_log(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k != "runs.jsonl"}


def _plant(site: Path, folder: str, outside: Path) -> Path:
    """Replace ``site/folder`` by a link to ``outside`` (holding what the folder held)."""
    if (site / folder).is_dir():
        shutil.copytree(site / folder, outside, dirs_exist_ok=True)
        shutil.rmtree(site / folder)
    outside.mkdir(exist_ok=True)
    (site / folder).symlink_to(outside, target_is_directory=True)
    return site / folder


# --- 2. planted links ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["report", "run"])
@pytest.mark.parametrize("folder", ["archive", "forecasts"])
def test_a_folder_linked_out_of_the_site_is_refused_and_nothing_written(
    project, tmp_path, capsys, command, folder
):
    p = project
    assert main(_args(p, "report")) == 0
    outside = tmp_path / "elsewhere"
    link = _plant(p["site"], folder, outside)
    before_outside = snapshot(outside)
    before_site = os.listdir(p["site"])
    before_pages = {n: (p["site"] / n).read_bytes() for n in before_site if n.endswith(".html")}
    write_notebook(p["b"], GLUE, "print('changed')")  # b must be rebuilt
    capsys.readouterr()

    code = main(_args(p, command, "--force"))
    err = capsys.readouterr().err
    assert code == 6, err
    (line,) = _error_lines(err)
    assert line.startswith(f"error: cannot write {link}: a symbolic link out of {p['site']}")
    assert str(outside) in line and "Traceback" not in err
    assert snapshot(outside) == before_outside  # nothing written through the link
    assert not list(outside.rglob(".*.tmp"))
    assert sorted(os.listdir(p["site"])) == sorted(
        before_site + (["runs.jsonl"] if command == "run" and "runs.jsonl" not in before_site
                       else [])
    )  # fmt: skip
    assert {n: (p["site"] / n).read_bytes() for n in before_pages} == before_pages
    assert not list(work_dir(p["site"]).glob("staging-*"))  # no kernel was started for it
    if command == "run":
        assert read_log(p["site"])[-1]["exit_code"] == 6


def test_an_editions_folder_linked_out_is_refused_too(project, tmp_path, capsys):
    p = project
    assert main(_args(p, "report")) == 0
    (day,) = os.listdir(p["site"] / "archive")
    outside = tmp_path / "elsewhere"
    link = _plant(p["site"], f"archive/{day}", outside)
    before = snapshot(outside)
    capsys.readouterr()
    assert main(_args(p, "report", "--force")) == 6
    assert f"cannot write {link}: a symbolic link out of" in capsys.readouterr().err
    assert snapshot(outside) == before


def test_a_link_inside_the_site_is_still_followed(project, capsys):
    """A folder linked to another folder of the same site is no way out: it is allowed."""
    p = project
    assert main(_args(p, "report")) == 0
    (p["site"] / "forecasts-real").mkdir()
    (p["site"] / "forecasts").symlink_to(p["site"] / "forecasts-real")
    assert main(_args(p, "report", "--force")) == 0


def test_publish_and_write_atomic_check_every_file_before_writing(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    site.mkdir()
    outside.mkdir()
    (site / "archive").symlink_to(outside)
    staged = tmp_path / "staged.html"
    staged.write_text("new")
    (site / "index.html").write_text("old")
    other = tmp_path / "other.html"
    other.write_text("index")
    with pytest.raises(LinkOutside) as err:
        publish(site, {"index.html": other, "archive/2026-11-02/a.html": staged})
    assert err.value.filename == str(site / "archive") and err.value.errno == errno.ELOOP
    assert (site / "index.html").read_text() == "old" and not list(outside.iterdir())
    with pytest.raises(LinkOutside):
        write_atomic(site / "archive" / "x.json", "{}", inside=site)
    assert not list(outside.iterdir())
    with pytest.raises(LinkOutside):
        check_inside(site, tmp_path / "not-in-site.txt")
    write_atomic(site / "fine" / "x.json", "{}", inside=site)  # a real folder is fine
    (site / "page.html").symlink_to(outside / "page.html")  # a page that is a link: replaced,
    publish(site, {"page.html": staged})  # never written through
    assert not (site / "page.html").is_symlink() and not (outside / "page.html").exists()


# --- 4. all or nothing when a move fails ------------------------------------------------------


@pytest.mark.parametrize("command", ["report", "run"])
def test_a_read_only_archive_publishes_nothing(project, monkeypatch, capsys, command):
    p = project
    assert main(_args(p, "report")) == 0
    before = snapshot(p["site"])
    write_notebook(p["a"], GLUE, "print('changed')")
    write_notebook(p["b"], GLUE, "print('changed too')")
    real_replace = os.replace
    archive = str(p["site"].resolve() / "archive") + "/"

    def read_only_archive(src, dst, *args, **kwargs):
        if str(dst).startswith(archive) and "journal" not in str(src):
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", read_only_archive)
    capsys.readouterr()
    code = main(_args(p, command, "--force"))
    err = capsys.readouterr().err
    assert code == 6, err
    (line,) = _error_lines(err)
    assert line.startswith(f"error: cannot write {archive}") and "Read-only file system" in line
    assert _without_log(snapshot(p["site"])) == _without_log(before)  # no page replaced
    assert not (work_dir(p["site"]) / "journal").exists()


def test_an_archive_that_cannot_hold_a_new_edition_publishes_nothing(project, capsys):
    """As root sees a read-only folder too: the edition's folder cannot be made (a file is in
    its way); the moves never start."""
    p = project
    assert main(_args(p, "report")) == 0
    (day,) = os.listdir(p["site"] / "archive")
    shutil.rmtree(p["site"] / "archive" / day)
    (p["site"] / "archive" / day).write_text("in the way\n")
    before = snapshot(p["site"])
    capsys.readouterr()
    code = main(_args(p, "report", "--force"))
    err = capsys.readouterr().err
    assert code == 6, err
    assert "Traceback" not in err and len(_error_lines(err)) == 1
    # no page moved; only the manifest and the feed changed before the build: the editions
    # whose files are gone left them (report/reconcile.py)
    after, reconciled = snapshot(p["site"]), ("manifest.json", "feed.xml")
    assert {k: v for k, v in after.items() if k not in reconciled} == {
        k: v for k, v in before.items() if k not in reconciled
    }
    assert read_manifest(p["site"])["briefs"]["a"]["editions"] == []
    assert b"<entry>" in before["feed.xml"] and b"<entry>" not in after["feed.xml"]


# --- 3. a damaged review queue ----------------------------------------------------------------


def _damage_queue(data: Path) -> Path:
    """A candidates.csv with one stray quote on line 3: the field runs on past the csv limit."""
    from analysis.sources.review import CANDIDATE_COLUMNS

    path = data / "review" / "candidates.csv"
    path.parent.mkdir(exist_ok=True)
    good = ",".join(["c1", "acled", "1", "2020-01-01"] + ["x"] * (len(CANDIDATE_COLUMNS) - 4))
    bad = good.replace("c1,acled", 'c2,"acled', 1)
    path.write_text(
        ",".join(CANDIDATE_COLUMNS) + f"\n{good}\n{bad}\n" + "y" * 140_000 + "\n", "utf-8"
    )
    return path


def test_a_damaged_queue_stops_review_naming_file_and_line(project, capsys):
    path = _damage_queue(project["data"])
    os.environ["ESCALATION_DATA_DIR"] = str(project["data"])
    try:
        code = main(["review"])
    finally:
        del os.environ["ESCALATION_DATA_DIR"]
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert _error_lines(err) == [
        f"error: {path}:3: unreadable CSV: field larger than field limit (131072) "
        '(a stray " opens a field that never closes?)'
    ]


@pytest.mark.parametrize("command", ["report", "run"])
def test_a_damaged_queue_is_a_warning_and_the_briefs_publish(project, capsys, command):
    p = project
    _damage_queue(p["data"])
    code = main(_args(p, command))
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    why = "data/review/candidates.csv:3: unreadable CSV: field larger than field limit"
    assert f"warning: the review queue could not be read: {why}" in err
    assert (p["site"] / "a.html").is_file() and (p["site"] / "b.html").is_file()
    review = (p["site"] / "review.html").read_text(encoding="utf-8")
    assert "Warning: the review queue could not be read." in review and why in review
    assert "The queue could not be read." in review and str(p["data"]) not in review
    index = (p["site"] / "index.html").read_text(encoding="utf-8")
    assert "Warning: the review queue could not be read." in index
    if command == "run":
        assert any(why in n for n in read_log(p["site"])[-1]["notes"])


def test_the_run_log_is_never_appended_through_a_link(tmp_path):
    from analysis.report.unattended import RunLog, append_log

    site, outside = tmp_path / "site", tmp_path / "victim.txt"
    site.mkdir()
    outside.write_text("keep me\n")
    (site / "runs.jsonl").symlink_to(outside)
    with pytest.raises(OSError) as err:
        append_log(site, RunLog(start="2026-11-02T06:00:00+00:00", as_of="2026-11-02"))
    assert err.value.errno == errno.ELOOP and err.value.filename == str(site / "runs.jsonl")
    assert outside.read_text() == "keep me\n"
