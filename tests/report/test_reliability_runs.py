"""Runs that fail where schedulers can see them, die whole, and say true things.

- a failed fetch is exit 7 (not 5, which schedulers count as success), and the shipped schedulers
  treat 7 as a failure;
- a full disk or a site that cannot be written is exit 6 with one message, in ``report`` as in
  ``run``, the site byte-identical and no half-written file left;
- ``kill -9`` of ``escalation report`` leaves no worker or kernel running, and the next run
  removes the staging folder it left;
- a failing cell is named by its number in the stored notebook and its first line; ``--as-of``
  makes that date's edition, filed under its own date; the edition date is the date in Iraq;
  pages do not publish the server's paths.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT
from report_helpers import GLUE, READS, snapshot, write_config, write_notebook
from test_deploy import (
    CRONTAB,
    GITHUB_BASH,
    SERVICE,
    _crontab_line,
    _escalation_step,
    _stub,
    _unit,
    _workflow,
)

from analysis.cli import main
from analysis.errors import COMMANDS, FETCH_FAILED, IO_ERROR, NOTHING, PUBLISHED
from analysis.report import pool
from analysis.report.execute import Outcome
from analysis.report.publish import work_dir
from analysis.report.runner import run
from analysis.report.unattended import read_log, run_unattended
from analysis.sources.fetch import gdelt, ucdp

DAY1 = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)


def _args(p: dict, command: str, *extra: str, site: Path | None = None) -> list[str]:
    return [command, "--config", str(p["config"]), "--out", str(site or p["site"]),
            "--data", str(p["data"]), *extra]  # fmt: skip


def _without_log(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k != "runs.jsonl"}


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error: ")]


# --- 3. failures schedulers can see: a failed fetch ------------------------------------------


def test_a_run_whose_every_fetch_fails_exits_7_not_5(project, http_server, monkeypatch, capsys):
    p = project
    assert main(_args(p, "run")) == PUBLISHED
    before = snapshot(p["site"])
    http_server.plans["/gdeltv2/masterfilelist.txt"] = ["portal"]  # a captive portal, status 200
    monkeypatch.setenv(gdelt.BASE_URL_ENV, http_server.url + "gdeltv2/")
    monkeypatch.setenv(ucdp.BASE_URL_ENV, http_server.url + "ucdp/")  # 404: no such release
    capsys.readouterr()

    code = main(_args(p, "run", "--fetch", "gdelt", "ucdp"))
    out, err = capsys.readouterr()
    assert code == FETCH_FAILED == 7
    assert out.strip().splitlines()[-1] == "a fetch failed (exit 7)"
    fetch_lines = [line for line in err.splitlines() if line.startswith("fetch ")]
    assert len(fetch_lines) == 2  # one line per feed
    assert fetch_lines[0].startswith("fetch   gdelt: FAILED: cannot read the master file list")
    assert "HTML page (text/html)" in fetch_lines[0]
    assert fetch_lines[1].startswith("fetch   ucdp: FAILED: ") and "HTTP 404" in fetch_lines[1]
    assert "Traceback" not in err
    assert _without_log(snapshot(p["site"])) == _without_log(before)  # nothing else changed
    assert not [f for f in (p["data"] / "raw").rglob("*") if f.is_file()]  # nothing kept
    last = read_log(p["site"])[-1]
    assert last["status"] == "a fetch failed" and last["exit_code"] == 7
    assert "fetch gdelt failed" in last["error"] and "fetch ucdp failed" in last["error"]
    assert COMMANDS["run"].meanings[7] == "a fetch failed"


def test_the_shipped_schedulers_treat_exit_7_as_a_failure(tmp_path):
    # systemd: only 5 is added to success (0)
    assert _unit(SERVICE)["Service"]["SuccessExitStatus"].split() == ["5"]
    # the workflow's step fails (and the job deploys nothing)
    script = tmp_path / "step.sh"
    script.write_text(_escalation_step(_workflow())["run"], encoding="utf-8")
    _stub(tmp_path)
    env = {"PATH": os.environ["PATH"], "STUB_ARGS": str(tmp_path / "args"), "STUB_EXIT": "7"}
    done = subprocess.run([*GITHUB_BASH, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 7 and "a fetch failed" in done.stdout
    # the cron line exits 7 and prints the line cron mails
    command = _crontab_line().split(None, 5)[5]
    workdir = command.split("cd ", 1)[1].split()[0]
    checkout = tmp_path / "checkout"
    _stub(checkout)
    home = tmp_path / "home"
    home.mkdir()
    env = {**env, "HOME": str(home)}
    done = subprocess.run(["/bin/sh", "-c", command.replace(workdir, str(checkout))],
                          cwd=tmp_path, env=env, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 7 and "failed (exit 7)" in done.stdout
    # and the documentation says so, next to each scheduler
    deploy = (CRONTAB.parent / "README.md").read_text(encoding="utf-8")
    assert "| 7 | a fetch failed" in deploy and "| 6 | cannot write" in deploy


# --- 3. failures schedulers can see: cannot write ---------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/fd")
@pytest.mark.parametrize("command", ["report", "run"])
def test_a_full_disk_is_exit_6_with_the_same_message_in_report_and_run(
    project, monkeypatch, capsys, command
):
    p = project
    assert main(_args(p, command)) == 0
    before = snapshot(p["site"])
    write_notebook(p["a"], GLUE, "1 / 0")  # a fails: its executed notebook is kept for debugging

    real_fsync = os.fsync

    def disk_full(fd: int) -> None:  # the disk is full by the time the debug copy is flushed
        if "/failed/" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full)
    capsys.readouterr()
    code = main(_args(p, command, "--jobs", "1"))
    err = capsys.readouterr().err
    assert code == IO_ERROR == 6
    failed = work_dir(p["site"].resolve()) / "failed"
    kept = failed / "a.ipynb"
    assert _error_lines(err) == [f"error: cannot write {kept}: No space left on device"]
    assert "Traceback" not in err
    assert not [f for f in failed.rglob("*") if f.is_file()]  # no 0-byte notebook, no temp file
    assert _without_log(snapshot(p["site"])) == _without_log(before)
    assert COMMANDS[command].meanings[6] == "cannot write (disk full, permissions)"


@pytest.mark.parametrize("command", ["report", "run"])
def test_a_site_that_cannot_be_written_is_exit_6_in_report_and_run(
    project, tmp_path, capsys, command
):
    """A read-only site, as root sees one too: the site's folder lies under a regular file."""
    p = project
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where a folder should be\n", encoding="utf-8")
    code = main(_args(p, command, site=blocker / "site"))
    err = capsys.readouterr().err
    assert code == 6
    where = blocker / ".build" / "site"  # the run's work folder, beside the site: made first
    assert _error_lines(err) == [f"error: cannot write {where}: Not a directory"]
    assert "Traceback" not in err
    assert blocker.read_text(encoding="utf-8") == "a regular file where a folder should be\n"


def test_a_worker_that_cannot_write_fails_the_run_as_cannot_write(project, monkeypatch, capsys):
    """The worker's own writes (executed notebook, page) refused: exit 6, not 'a brief failed'."""
    p = project
    assert main(_args(p, "report")) == 0
    before = snapshot(p["site"])
    write_notebook(p["a"], READS, GLUE, "print('changed')")
    staged = "/x/staging/a.html"

    def tasks(tasks, *_):
        return {
            t.name: Outcome(t.name, False, 0.1, error="brief 'a' failed: cannot write",
                            os_error=(errno.ENOSPC, "No space left on device", staged))
            for t in tasks
        }  # fmt: skip

    monkeypatch.setattr(pool, "run_tasks", tasks)
    capsys.readouterr()
    assert main(_args(p, "report")) == 6
    assert _error_lines(capsys.readouterr().err) == [
        f"error: cannot write {staged}: No space left on device"
    ]
    assert snapshot(p["site"]) == before


def test_a_worker_names_the_file_it_could_not_write(tmp_path):
    """build() itself, in a process of its own (it redirects its stderr): a staging folder that
    cannot be written is an outcome with the OSError's errno and file, never an exception."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    code = (
        "import sys; from pathlib import Path; from analysis.report.execute import Task, build\n"
        "o = build(Task('a', Path(sys.argv[1]), {}, None, Path(sys.argv[2]), Path('.'), Path('.')))"
        "\nprint(o.ok, o.os_error[0], o.os_error[2], o.error, sep='|', file=sys.stdout)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "a.ipynb"), str(blocker / "staging")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    ok, err_no, filename, message = done.stdout.strip().split("|")
    assert (ok, int(err_no)) == ("False", errno.ENOTDIR), done.stderr
    assert filename == str(blocker / "staging" / "a.log")
    assert message == f"brief 'a' failed: cannot write {filename}: Not a directory"


# --- 4. a killed run leaves no work running ---------------------------------------------------

MARKER = "ESCALATION_TEST_RUN_MARKER"


def _processes_of(marker: str) -> dict[int, str]:
    """Live processes (not zombies) whose environment holds ``MARKER=marker``: pid -> command."""
    found = {}
    needle = f"{MARKER}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and stat.rsplit(")", 1)[-1].split()[0] not in "ZX":
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def _a_kernel(cmd: str) -> bool:
    """A fresh kernel (not the shield it runs under, analysis.report.shield), or the launcher
    standing in for a warm one (analysis/report/launcher.py)."""
    if "analysis.report.shield" in cmd:
        return False
    return "ipykernel_launcher" in cmd or "analysis/report/launcher.py" in cmd


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_kill_9_of_a_report_leaves_no_worker_or_kernel_and_no_staging(project):
    p = project
    assert not run(p["config"], site=p["site"], data_dir=p["data"], jobs=2).failed
    before = snapshot(p["site"])
    write_notebook(p["a"], READS, GLUE, "import time; time.sleep(120)")
    write_notebook(p["b"], GLUE, "import time; time.sleep(120)")
    marker = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", *_args(p, "report", "--jobs", "2")],
        cwd=ROOT, env={**os.environ, MARKER: marker}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        kernels: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None:
            found = _processes_of(marker)
            kernels = [pid for pid, cmd in found.items() if _a_kernel(cmd)]
            if len(kernels) == 2:
                break
            time.sleep(0.2)
        assert len(kernels) == 2, f"the kernels never started: {_processes_of(marker)}"
        os.kill(proc.pid, signal.SIGKILL)  # the runner only: its children are on their own
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while (left := _processes_of(marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"still running 10 s after kill -9 of the run: {left}"
    finally:
        for pid in _processes_of(marker):  # clean up what the test started, by pid
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    work = work_dir(p["site"].resolve())
    stale = sorted(work.glob("staging-*"))
    assert len(stale) == 1
    assert json.loads((stale[0] / "owner").read_text())["pid"] == proc.pid
    assert snapshot(p["site"]) == before

    write_notebook(p["a"], READS, GLUE)  # back to the published notebooks
    write_notebook(p["b"], GLUE)
    again = run(p["config"], site=p["site"], data_dir=p["data"], jobs=2)
    assert f"removed 1 staging folder(s) left by killed runs: {stale[0].name}" in again.notes
    assert not list(work.glob("staging-*"))
    assert again.built == [] and snapshot(p["site"]) == before


def test_a_staging_folder_of_a_live_run_or_of_no_known_owner_is_kept(tmp_path):
    from analysis.report.publish import clear_stale_staging, make_staging

    work = tmp_path / "work"
    mine = make_staging(work)  # this process: alive
    legacy = work / "staging-abc123"  # before owners were recorded: cannot be proved dead
    legacy.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    gone = work / f"staging-{dead}-xyz"
    gone.mkdir()
    reused = work / "staging-1-reused"  # pid 1 is alive, but started at another time
    reused.mkdir()
    (reused / "owner").write_text(json.dumps({"pid": 1, "started": "-1"}))
    assert sorted(clear_stale_staging(work)) == sorted([gone.name, reused.name])
    assert mine.is_dir() and legacy.is_dir() and not gone.exists() and not reused.exists()


# --- 6. honest messages and pages -------------------------------------------------------------


def test_a_failing_cell_is_named_as_the_stored_notebook_numbers_it(project, capsys):
    p = project  # b has parameters (x: 2): papermill injects a cell after its parameters cell
    write_notebook(p["b"], GLUE, "total = x + 1\ntotal / 0")
    code = main(_args(p, "report", "--only", "b", "--jobs", "1"))
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "error: brief 'b' failed in cell 4 of b.ipynb (\"total = x + 1\"): "
        "ZeroDivisionError: division by zero"
    ) in err.splitlines()


TEMPO = (
    "from analysis.report.glue import glue\n"
    "glue('title', 'Tempo')\n"
    "glue('headline', f'as of {as_of}.')\n"
    "glue('period', ['2020-01-01', '2020-12-31'])\n"
    "print(f'as of {as_of}.')"
)


def test_as_of_makes_that_dates_edition_filed_under_its_own_date(project):
    p = project
    nb = write_notebook(
        p["root"] / "notebooks" / "t.ipynb", TEMPO, parameters='as_of = "latest"  # or a date'
    )
    write_config(p["config"], {"t": (nb, {"as_of": "latest"}), "u": (nb, {})})
    site = p["site"]

    def go(now, as_of=None):
        return run_unattended(p["config"], site=site, data_dir=p["data"], now=now, jobs=2,
                              as_of=as_of)  # fmt: skip

    first = go(DAY1)  # the default: t keeps latest, u gets the run's date
    assert first.exit_code == PUBLISHED, first.error
    today = snapshot(site)
    assert "as of latest." in today["t.html"].decode()
    assert "as of 2026-11-02." in today["u.html"].decode()

    old = go(DAY1 + dt.timedelta(hours=1), as_of=dt.date(2021, 6, 30))
    assert old.exit_code == PUBLISHED, old.error
    assert sorted(old.rebuilt) == ["t", "u"]
    now = snapshot(site)
    for name in ("t", "u"):
        assert "as of 2021-06-30." in now[f"archive/2021-06-30/{name}.html"].decode()
        assert now[f"archive/2026-11-02/{name}.html"] == today[f"archive/2026-11-02/{name}.html"]
        assert now[f"{name}.html"] == today[f"{name}.html"]  # the current page stays today's
    manifest = json.loads(now["manifest.json"])["briefs"]
    assert [e["date"] for e in manifest["t"]["editions"]] == ["2021-06-30", "2026-11-02"]
    assert 'href="archive/2021-06-30/t.html"' in now["archive.html"].decode()
    assert any("t: built for 2021-06-30" in n for n in old.notes)

    again = go(DAY1 + dt.timedelta(hours=2), as_of=dt.date(2021, 6, 30))
    assert again.exit_code == NOTHING, again.rebuilt  # that edition is published already
    assert go(DAY1 + dt.timedelta(hours=3)).exit_code == NOTHING  # and today's still stands
    assert _without_log(snapshot(site)) == _without_log(now)


def test_the_edition_date_is_the_date_in_iraq_not_utc_nor_the_machine_s(project, monkeypatch):
    p = project
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        noon = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)  # Kiritimati: 3 Nov; Iraq: 2 Nov
        assert noon.astimezone().date() == dt.date(2026, 11, 3)  # the zone is in force
        first = run_unattended(p["config"], site=p["site"], data_dir=p["data"], now=noon, jobs=2)
        assert first.exit_code == PUBLISHED and first.as_of == "2026-11-02"
        assert (p["site"] / "archive/2026-11-02/a.html").is_file()
        assert not (p["site"] / "archive/2026-11-03").exists()

        incidents = p["data"] / "incidents.csv"
        incidents.write_bytes(incidents.read_bytes() + b"\n")
        late = dt.datetime(2026, 11, 2, 22, 30, tzinfo=dt.UTC)  # UTC: 2 Nov; Iraq: 3 Nov
        second = run_unattended(p["config"], site=p["site"], data_dir=p["data"], now=late, jobs=2)
        assert second.exit_code == PUBLISHED and second.as_of == "2026-11-03"
        assert second.rebuilt == {"a": ["data changed: incidents.csv"]}
        assert (p["site"] / "archive/2026-11-03/a.html").is_file()
        manifest = json.loads((p["site"] / "manifest.json").read_text())["briefs"]
        assert manifest["a"]["built_at"] == "2026-11-02 22:30"  # the build time stays UTC
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_pages_do_not_publish_the_server_s_paths(project):
    p = project
    assert not run(p["config"], site=p["site"], data_dir=p["data"], jobs=2).failed
    page = (p["site"] / "a.html").read_text(encoding="utf-8")
    assert str(p["root"]) not in page and "/tmp" not in page
    assert '<th scope="row">data folder</th><td><code>data</code></td>' in page  # its name only
    assert '<th scope="row">notebook</th><td><code>a.ipynb</code></td>' in page
    shipped = p["root"] / "shipped"  # the project's own data folder: relative to the project
    assert not run(p["config"], site=shipped, jobs=1, only=["b"]).failed
    page = (shipped / "b.html").read_text(encoding="utf-8")
    assert '<th scope="row">data folder</th><td><code>data</code></td>' in page
    assert str(ROOT) not in page
