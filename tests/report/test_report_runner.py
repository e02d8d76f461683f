"""The runner builds what changed, keeps the last good page on failure, survives kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from conftest import ROOT
from report_helpers import GLUE, READS, snapshot, wait_for_lock, write_config, write_notebook

from analysis.cli import main
from analysis.report import keys
from analysis.report.config import ConfigError
from analysis.report.publish import SiteLocked, work_dir
from analysis.report.runner import RunReport, plan, run


def _run(p: dict, **kw):
    return run(p["config"], site=p["site"], data_dir=p["data"], jobs=2, **kw)


def _plan(p: dict, **kw):
    return RunReport(
        p["site"], decisions=plan(p["config"], site=p["site"], data_dir=p["data"], **kw)[2]
    )


def _reasons(report) -> dict[str, list[str]]:
    return {d.name: d.reasons for d in report.decisions}


def test_builds_then_rebuilds_only_what_changed(project, monkeypatch):
    p = project
    monkeypatch.setattr(keys, "source_hash", lambda *a, **k: "code v1")
    first = _run(p)
    assert sorted(first.built) == ["a", "b"] and not first.failed
    index = (p["site"] / "index.html").read_text(encoding="utf-8")
    assert "Tiny brief 1" in index and "Tiny brief 2" in index and "x is 2." in index
    manifest = json.loads((p["site"] / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["briefs"]) == {"a", "b"}
    for entry in manifest["briefs"].values():  # one key per page: manifest, edition, provenance
        page = (p["site"] / entry["file"]).read_text(encoding="utf-8")
        assert entry["editions"][-1]["key"] == entry["key"]
        assert f"<code>{entry['key']}</code>" in page
    before = snapshot(p["site"])

    again = _run(p)
    assert again.built == [] and sorted(again.skipped) == ["a", "b"]
    assert snapshot(p["site"]) == before

    incidents = p["data"] / "incidents.csv"
    original = incidents.read_bytes()
    incidents.write_bytes(original + b"\n")  # any byte change to a data file
    reasons = _reasons(_plan(p))  # only the brief whose notebook read the file is affected
    assert reasons == {"a": ["data changed: incidents.csv"], "b": ["unchanged"]}
    (p["data"] / "political_events.csv").write_bytes(
        (p["data"] / "political_events.csv").read_bytes() + b"\n"
    )
    assert _reasons(_plan(p)) == reasons  # a file no notebook read changes nothing
    incidents.write_bytes(original)
    assert _reasons(_plan(p)) == {n: ["unchanged"] for n in ("a", "b")}

    monkeypatch.setattr(keys, "source_hash", lambda *a, **k: "code v2")
    assert _reasons(_plan(p))["b"] == ["analysis code changed"]
    monkeypatch.setattr(keys, "source_hash", lambda *a, **k: "code v1")
    assert _reasons(_plan(p, force=True))["a"] == ["forced"]

    write_notebook(p["a"], READS, GLUE, "print('edited')")
    write_config(p["config"], {"a": (p["a"], {}), "b": (p["b"], {"x": 3})})
    changed = _run(p)
    assert sorted(changed.built) == ["a", "b"]
    assert _reasons(changed) == {"a": ["notebook changed"], "b": ["parameters changed: x"]}
    assert "Tiny brief 3" in (p["site"] / "b.html").read_text(encoding="utf-8")


def test_a_failing_notebook_keeps_the_last_good_page(project, capsys):
    p = project
    _run(p)
    good = (p["site"] / "a.html").read_bytes()
    write_notebook(p["a"], GLUE, "1 / 0")
    code = main(["report", "--config", str(p["config"]), "--out", str(p["site"]),
                 "--data", str(p["data"]), "--jobs", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "brief 'a' failed in cell 4 of a.ipynb" in err and "ZeroDivisionError" in err
    assert (p["site"] / "a.html").read_bytes() == good
    kept = work_dir(p["site"].resolve()) / "failed" / "a.ipynb"
    assert kept.is_file() and str(kept) in err
    assert "ZeroDivisionError" in kept.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"y": 1}, "brief 'a': unknown parameter 'y' for a.ipynb (it takes: x)"),
        ({"x": "one"}, "brief 'a': parameter 'x' must be int, got str \"one\""),
    ],
)
def test_a_bad_parameter_stops_before_any_kernel(project, capsys, params, message):
    p = project
    write_config(p["config"], {"a": (p["a"], params)})
    code = main(["report", "--config", str(p["config"]), "--out", str(p["site"]),
                 "--data", str(p["data"])])  # fmt: skip
    assert code == 2
    assert message in capsys.readouterr().err
    assert not p["site"].exists()


def test_unknown_event_and_bad_date_are_named(project):
    p = project
    nb = write_notebook(
        p["root"] / "notebooks" / "e.ipynb",
        parameters='event_id = "suleimani_strike"\nstart = "2020-01-01"',
    )
    write_config(p["config"], {"e": (nb, {"event_id": "no_such_event"})})
    with pytest.raises(ConfigError, match="brief 'e': parameter 'event_id': unknown event_id"):
        _run(p)
    write_config(p["config"], {"e": (nb, {"start": "2020-13-01"})})
    with pytest.raises(ConfigError, match="parameter 'start' must be an ISO date"):
        _run(p)


def test_a_missing_data_file_is_named_and_nothing_runs(project):
    p = project
    (p["data"] / "attack_counts_reported.csv").unlink()
    with pytest.raises(ConfigError, match="missing data file.*attack_counts_reported.csv"):
        _run(p)
    assert not p["site"].exists()


def _start_slow_run(p: dict, seconds: int) -> subprocess.Popen:
    write_notebook(p["a"], GLUE, f"import time; time.sleep({seconds})")
    return subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "report", "--config", str(p["config"]),
         "--out", str(p["site"]), "--data", str(p["data"]), "--jobs", "1", "--only", "a"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def test_a_killed_run_leaves_the_site_as_it_was(project):
    p = project
    _run(p)
    before = snapshot(p["site"])
    proc = _start_slow_run(p, 60)
    wait_for_lock(p["site"], proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snapshot(p["site"]) == before
    write_notebook(p["a"], READS, GLUE)  # back to the published version
    after = _run(p)  # the dead run's lock does not block; nothing of it was published
    assert after.built == [] and snapshot(p["site"]) == before
    assert any("stale lock" in n for n in after.notes)


def test_two_runs_at_once_do_not_interleave(project, capsys):
    p = project
    _run(p)
    proc = _start_slow_run(p, 4)
    try:
        wait_for_lock(p["site"], proc)
        with pytest.raises(SiteLocked, match="another run is publishing"):
            _run(p)
        code = main(["report", "--config", str(p["config"]), "--out", str(p["site"]),
                     "--data", str(p["data"]), "--wait", "120"])  # fmt: skip
        assert code == 0  # waited for the first run, then found nothing left to do
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()
    assert ", 0 failed" in capsys.readouterr().err
    manifest = json.loads((p["site"] / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["briefs"].items():
        assert keys.file_hash(p["site"] / f"{name}.html") == entry["html_sha256"]


def test_a_run_checks_its_config_once_and_again_only_if_it_changed(project, monkeypatch):
    """The config is checked before the lock (a bad one fails without waiting) and reused under
    it; the decisions are made once, under the lock. A config edited while the run waited for
    the lock is checked again (:meth:`Checked.current`), and a missing data file is named
    before the lock too."""
    from analysis.report import runner

    p = project
    calls = {"check": 0, "decide": 0}
    check, decide = runner.check, runner.decide

    def counted(name, fn):
        def wrapper(*a, **kw):
            calls[name] += 1
            return fn(*a, **kw)

        return wrapper

    monkeypatch.setattr(runner, "check", counted("check", check))
    monkeypatch.setattr(runner, "decide", counted("decide", decide))
    _run(p)
    assert calls == {"check": 1, "decide": 1}

    options = runner.RunOptions(p["site"], p["data"])
    checked = check(p["config"], options)
    assert checked.current()
    p["config"].write_text(p["config"].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not checked.current()
    (p["data"] / "incidents.csv").unlink()
    with pytest.raises(ConfigError, match="missing data file"):
        check(p["config"], options)
