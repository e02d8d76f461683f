"""Kernels that lose their parent: a forge killed mid-run, a cell that kills its kernel's parent.

- a warm forge killed while its kernels run: the briefs in flight are built again on fresh
  kernels, one line each says so, and every brief is published (a dead forge costs only speed);
- a cell running ``os.kill(os.getppid(), 9)`` ends only the shield its kernel runs under (a
  fresh kernel's :mod:`analysis.report.shield`, a warm kernel's shield forked by the forge):
  that brief fails with one line, the others (also those not started yet) are published.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from report_helpers import GLUE, write_config, write_notebook

from analysis.report.deadline import children

#: a cell that kills the process its kernel runs under
#: the parent dies at once, the kernel a moment later (its death signal): on busy cores a kernel
#: could finish the notebook in that moment, so the cell waits for its own end
KILL_PARENT = "import os, time\nos.kill(os.getppid(), 9)\ntime.sleep(60)"


def _report(p: dict, config: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "report", "--config", str(config),
         "--out", str(p["site"]), "--data", str(p["data"]), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _ended(pid: int) -> bool:
    """Whether process ``pid`` has ended: gone, or a zombie its new parent has not reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def test_a_killed_forge_costs_only_speed(project):
    p = project
    # each brief says it started, then waits until the test lets it go (a file appears)
    go, started = p["root"] / "go", p["root"] / "started"
    started.mkdir()
    for name in ("a", "b"):
        write_notebook(
            p[name],
            f"import pathlib, time\npathlib.Path({str(started / name)!r}).touch()\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.05)",
            GLUE,
        )
    proc = _report(p, p["config"], "--kernels", "warm", "--jobs", "2")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(started.iterdir())) < 2:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        assert len(list(started.iterdir())) == 2, "the briefs never started"
        # the forge is the runner's child (its kernels, forked from it, share its command line)
        forge = next(c for c in children(proc.pid) if "analysis.report.warm serve" in _cmdline(c))
        doomed = children(forge)
        assert len(doomed) == 4  # both briefs' kernels, each under its shield
        os.kill(forge, signal.SIGKILL)
        # the shields and kernels die a moment later (death signals): let the briefs go only
        # then, or a kernel could finish its brief in that moment and never need a retry
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(_ended(pid) for pid in doomed):
            time.sleep(0.02)
        assert all(_ended(pid) for pid in doomed), "the forge's kernels outlived it"
        go.touch()  # the fresh kernels the briefs are retried on go straight through
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    retried = [line for line in err.splitlines() if "retried on a fresh kernel" in line]
    assert sorted(line.split("'")[1] for line in retried) == ["a", "b"], err
    assert all("warm forge" in line for line in retried), err
    assert "Kernel died" not in err and "Traceback" not in err, err
    assert (p["site"] / "a.html").is_file() and (p["site"] / "b.html").is_file()


@pytest.mark.parametrize("kernels", ["fresh", "warm"])
def test_a_cell_that_kills_its_kernels_parent_loses_only_its_brief(project, kernels):
    p = project
    killer = write_notebook(p["root"] / "notebooks" / "killer.ipynb", KILL_PARENT, GLUE)
    # the killer first, then more briefs than workers: some start only after it struck
    config = write_config(
        p["root"] / "k.yml", {"killer": (killer, {}), "b": (p["b"], {"x": 2}), "a": (p["a"], {})}
    )
    proc = _report(p, config, "--kernels", kernels, "--jobs", "2")
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 1, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "brief 'killer' failed" in errors[0], err
    # the kernel dies a moment after its parent: while cell 3 runs, or as the next one starts
    assert re.search(r"its kernel died in cell [34] of killer\.ipynb", errors[0]), err
    assert "Traceback" not in err and "retried" not in err, err  # a warm forge lives on
    for name in ("a", "b"):
        assert (p["site"] / f"{name}.html").is_file(), (name, err)
    assert not (p["site"] / "killer.html").exists()
