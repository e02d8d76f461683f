"""One stuck brief never holds back the others: a time limit per cell and per brief.

- ``--brief-timeout``: a brief that runs past it has its kernel ended and fails alone, named, with
  the limit it broke; the other briefs are published;
- ``--cell-timeout``: a kernel that can no longer answer (its JSON broken by the brief's own code)
  fails its brief after that many seconds instead of the fixed 1,800.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from report_helpers import GLUE, write_notebook

from analysis.cli import main
from analysis.report.deadline import children


def _args(p: dict, command: str, *extra: str) -> list[str]:
    return [command, "--config", str(p["config"]), "--out", str(p["site"]),
            "--data", str(p["data"]), "--jobs", "2", *extra]  # fmt: skip


@pytest.mark.parametrize("command", ["report", "run"])
def test_a_brief_past_its_time_limit_fails_alone(project, capsys, command):
    p = project
    write_notebook(p["a"], GLUE, "import time\ntime.sleep(300)")
    start = time.perf_counter()
    code = main(_args(p, command, "--brief-timeout", "8"))
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 1, err
    assert seconds < 120, seconds
    assert (
        "error: brief 'a' failed: stopped after 8 s, its time limit (--brief-timeout); its kernel "
        "was ended"
    ) in err
    assert (p["site"] / "b.html").is_file() and not (p["site"] / "a.html").exists()
    assert "Traceback" not in err


def test_a_kernel_that_cannot_answer_fails_at_the_cell_timeout(project, capsys):
    p = project
    write_notebook(p["a"], GLUE, "import json\njson.dumps = None", "1 + 1")
    start = time.perf_counter()
    code = main(_args(p, "report", "--cell-timeout", "6"))
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 1, err
    assert seconds < 120, seconds
    assert "brief 'a' failed" in err
    assert (p["site"] / "b.html").is_file()


def test_bad_timeouts_are_refused_by_the_command_line(project, capsys):
    for bad in ("-1", "nan", "soon"):
        with pytest.raises(SystemExit) as exit_:
            main(_args(project, "report", "--brief-timeout", bad))
        assert exit_.value.code == 2
        assert "must be a number of seconds" in capsys.readouterr().err


def test_children_lists_every_descendant():
    proc = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; "
         "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
         "time.sleep(30)"]
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(children(proc.pid)) < 1:
            time.sleep(0.1)
        assert len(children(proc.pid)) == 1  # the grandchild
        assert proc.pid in children(os.getpid())
    finally:
        for pid in children(proc.pid):
            os.kill(pid, 9)
        proc.kill()
        proc.wait()
