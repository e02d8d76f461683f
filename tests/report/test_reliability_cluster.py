"""A Dask scheduler killed mid-run: the run ends, names the briefs it lost, one line each.

distributed reports a lost scheduler with multi-line tracebacks from its own loggers; the run
replaces them with one ``error:`` line per brief (exit 1), and nothing is published.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from report_helpers import GLUE, write_config, write_notebook
from test_dask_cluster import Cluster

from analysis.report.deadline import children
from analysis.report.publish import work_dir


def test_a_scheduler_killed_mid_run_is_one_line_per_brief(project, tmp_path):
    p = project
    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster")
    try:
        cluster.add_worker("w1")
        cluster.wait_for_workers(1)
        write_notebook(p["a"], GLUE, "import time\ntime.sleep(120)")
        write_notebook(p["b"], GLUE, "import time\ntime.sleep(120)")
        proc = subprocess.Popen(
            [sys.executable, "-m", "analysis.cli", "report", "--config", str(p["config"]),
             "--out", str(p["site"]), "--data", str(p["data"]), "--scheduler", cluster.address],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worker = cluster.procs[1]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not children(worker.pid):  # no kernel yet
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert children(worker.pid), "no brief ever started on the worker"
        time.sleep(2)  # a brief is running on the worker
        scheduler = cluster.procs[0]
        os.kill(scheduler.pid, signal.SIGKILL)
        scheduler.wait()
        out, err = proc.communicate(timeout=120)
    finally:
        cluster.stop()
    assert proc.returncode == 1, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert sorted(e.split("'")[1] for e in errors) == ["a", "b"], err
    assert all("failed on the cluster" in e for e in errors), err
    assert len(lines) <= 8, err  # build lines, one per brief, the summary: no log noise
    assert not (p["site"] / "a.html").exists() and not (p["site"] / "b.html").exists()
    assert not list(work_dir(p["site"]).glob("staging-*"))


def test_a_stale_worker_gets_no_brief_and_is_named(project, tmp_path):
    """Two workers, one running other code (an older checkout: a copy of ``analysis`` with one
    line changed, first on its ``PYTHONPATH``). It would refuse every brief at once and so take
    most of the queue; the run sends it nothing, names it with the difference, and every brief
    is built on the worker that matches."""
    import shutil

    import analysis
    from analysis.report.runner import run

    p = project
    stale = tmp_path / "stale"
    shutil.copytree(
        Path(analysis.__file__).parent,
        stale / "analysis",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    with (stale / "analysis" / "__init__.py").open("a", encoding="utf-8") as fh:
        fh.write("# an older checkout\n")
    config = write_config(
        p["root"] / "four.yml",
        {"a": (p["a"], {}), "b": (p["b"], {"x": 2}), "c": (p["b"], {"x": 3}),
         "d": (p["b"], {"x": 4})},
    )  # fmt: skip
    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster")
    try:
        cluster.add_worker("good")
        cluster.add_worker("stale", env={"PYTHONPATH": str(stale)})
        cluster.wait_for_workers(2)
        with cluster.client() as c:
            names = {info["name"]: w for w, info in c.scheduler_info()["workers"].items()}
        report = run(config, site=p["site"], data_dir=p["data"], scheduler=cluster.address)
    finally:
        cluster.stop()
    assert sorted(report.built) == ["a", "b", "c", "d"], [o.error for o in report.failed]
    warnings = [n for n in report.notes if n.startswith("warning: Dask worker")]
    assert len(warnings) == 1, report.notes
    assert names["stale"] in warnings[0] and names["good"] not in warnings[0]
    assert "other analysis source" in warnings[0], warnings[0]
