"""Briefs executed on a real Dask cluster: a scheduler and two workers on 127.0.0.1, as processes.

The cluster (``dask scheduler`` and two ``dask worker --no-nanny`` processes, dashboards off,
ports chosen free) is started once for the module and stopped by PID at teardown. The briefs
are the tiny notebooks of :mod:`report_helpers`, so a brief costs little more than a kernel.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from report_helpers import GLUE, make_project, snapshot, write_config, write_notebook

from analysis.cli import main
from analysis.report import cluster
from analysis.report.runner import run

BIN = Path(sys.executable).parent
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # one build time for local and cluster runs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and its workers, each a process of its own, stopped by PID."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.log = tmp / "cluster.log"
        self._start(
            [str(BIN / "dask"), "scheduler", "--no-dashboard", "--host", "127.0.0.1"]
            + ["--port", str(self.port)]
        )

    def _start(self, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with self.log.open("ab") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=log, cwd=self.tmp, env={**os.environ, **(env or {})}
            )
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return self._start(
            [str(BIN / "dask"), "worker", self.address, "--no-dashboard", "--no-nanny"]
            + ["--nthreads", "1", "--host", "127.0.0.1", "--name", name]
            + ["--local-directory", str(self.tmp / name)],
            env,
        )

    def client(self):
        from distributed import Client

        return Client(self.address, timeout="30s", set_as_default=False)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as c:
            c.wait_for_workers(n, timeout=60)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.add_worker("w1")
        c.add_worker("w2")
        c.wait_for_workers(2)
        yield c
    finally:
        c.stop()


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


def _pages(site: Path) -> dict[str, bytes]:
    """The published pages (current and archived), not the manifest (it records durations)."""
    return {k: v for k, v in snapshot(site).items() if k.endswith(".html") and k != "index.html"}


def _with_sweep(p: dict) -> dict:
    """The project's config with a 2-point sweep added (grid x: 1, 2 over a tiny notebook)."""
    point = write_notebook(p["root"] / "notebooks" / "point.ipynb", GLUE)
    p["config"].write_text(
        p["config"].read_text()
        + f"sweeps:\n  - name: grid\n    notebook: {point}\n    grid: {{x: [1, 2]}}\n"
        + "    pattern: 'x{x}'\n    values: [title]\n",
        encoding="utf-8",
    )
    p["point"] = point
    return p


def test_a_sweep_on_the_cluster_is_byte_identical_to_a_local_run(project, dask_cluster, tmp_path):
    p = _with_sweep(project)
    only = ["a", "grid"]  # a brief that reads a data file, and the sweep's two points
    local = run(p["config"], site=tmp_path / "local", data_dir=p["data"], now=NOW, only=only)
    remote = run(  # on the workers' warm forges; the local run had fresh kernels
        p["config"],
        site=p["site"],
        data_dir=p["data"],
        now=NOW,
        scheduler=dask_cluster.address,
        only=only,
        kernels="warm",
    )
    names = ["a", "x1", "x2"]
    assert sorted(local.built) == sorted(remote.built) == names, remote.failed
    pages = _pages(p["site"])
    assert pages == _pages(tmp_path / "local")
    # each page and its archive copy, the sweep's summary, the review queue's page, the
    # archive's index and the findings' method, codebook and methods (at the root and in the
    # edition's archive folder), and the findings page at the root and in that folder
    assert len(pages) == 2 * 3 + 11 and "review.html" in pages and "findings_method.html" in pages
    assert {"archive.html", "codebook.html", "methods.html"} <= set(pages)
    assert "findings.html" in pages  # every event's figure and the pools, at the root
    assert "grid.html" in pages
    # the worker reported what the notebook read: a's key covers incidents.csv and the case file
    # it was checked against, as locally
    manifest = json.loads((p["site"] / "manifest.json").read_text())
    assert manifest["briefs"]["a"]["data_files"] == ["case.yml", "incidents.csv"]
    assert manifest["briefs"]["x1"]["data_files"] == []
    local_manifest = json.loads((tmp_path / "local" / "manifest.json").read_text())
    for name in names:
        assert manifest["briefs"][name]["key"] == local_manifest["briefs"][name]["key"]
    # incremental as ever: nothing changed, nothing sent
    again = run(
        p["config"],
        site=p["site"],
        data_dir=p["data"],
        now=NOW,
        scheduler=dask_cluster.address,
        only=only,
    )
    assert again.built == [] and sorted(again.skipped) == names

    # a point failing on a worker: reported with its cell, its last good page stays
    write_notebook(p["point"], "raise ValueError('boom on the cluster')", GLUE)
    before = snapshot(p["site"])
    failed = run(
        p["config"],
        site=p["site"],
        data_dir=p["data"],
        now=NOW,
        scheduler=dask_cluster.address,
        only=["x2"],
    )
    assert [o.name for o in failed.failed] == ["x2"]
    assert "cell 3 of point.ipynb" in failed.failed[0].error
    assert "ValueError: boom on the cluster" in failed.failed[0].error
    assert failed.failed[0].notebook and failed.failed[0].notebook.is_file()  # kept to debug
    assert snapshot(p["site"]) == before


def test_a_brief_on_the_cluster_reads_the_runs_findings_table(project, dask_cluster):
    from test_runner_findings import FINDINGS_CELL

    from analysis.findings import store

    p = project
    nb = write_notebook(p["root"] / "notebooks" / "f.ipynb", FINDINGS_CELL)
    config = write_config(p["root"] / "f.yml", {"f": (nb, {})})
    report = run(config, site=p["site"], data_dir=p["data"], scheduler=dask_cluster.address)
    assert report.built == ["f"], report.failed
    glued = report.outcomes["f"].glued
    assert glued["findings_env"].endswith("findings.csv"), "the worker's kernel had the table"
    table = store.table(p["data"])
    estimate = table.set_index("event_id").loc["suleimani_strike", "estimate"]
    assert glued["suleimani"] == repr(float(estimate)) and glued["rows"] == len(table)
    assert (p["site"] / "findings.csv").read_bytes() == store.build(p["data"]).read_bytes()


def test_unreachable_scheduler_exits_2_before_anything_runs(project, monkeypatch, capsys):
    monkeypatch.setenv(cluster.TIMEOUT_ENV, "1")
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    argv = ["--config", str(project["config"]), "--out", str(project["site"])]
    argv += ["--data", str(project["data"])]
    start = time.perf_counter()
    assert main(["report", *argv, "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at {address}" in err
    assert time.perf_counter() - start < 30
    # the environment variable does the same, for ``escalation run`` too (nothing fetched)
    monkeypatch.setenv(cluster.SCHEDULER_ENV, address)
    assert main(["run", *argv, "--fetch", "gdelt"]) == 2
    log = [json.loads(line) for line in (project["site"] / "runs.jsonl").read_text().splitlines()]
    assert log[-1]["fetched"] == [] and log[-1]["rebuilt"] == {}
    assert "cannot reach the Dask scheduler" in log[-1]["error"]
    assert not (project["site"] / "a.html").exists()
    # a malformed address is named before any connection is tried
    assert main(["report", *argv, "--scheduler", "localhost:8786"]) == 2
    assert "not a Dask scheduler address" in capsys.readouterr().err


def test_a_worker_running_other_code_is_named():
    mine = cluster.code_identity()
    other = {**mine, "source": "0" * 64, "packages": {**mine["packages"], "pandas": "0.1"}}
    diff = cluster.identity_difference(mine, other)
    assert "other analysis source" in diff and "pandas 0.1" in diff
    assert cluster.identity_difference(mine, dict(mine)) == ""


def test_a_worker_killed_mid_run_the_brief_is_retried(project, dask_cluster):
    """Last in the module: it kills one of the two workers."""
    slow = write_notebook(
        project["root"] / "notebooks" / "slow.ipynb", "import time\ntime.sleep(6)", GLUE
    )
    config = write_config(project["root"] / "slow.yml", {"slow": (slow, {})})
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.update(
            report=run(
                config,
                site=project["site"],
                data_dir=project["data"],
                now=NOW,
                scheduler=dask_cluster.address,
            )
        )
    )
    thread.start()
    killed = None
    with dask_cluster.client() as c:
        pids = c.run(os.getpid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and killed is None:
            busy = [w for w, keys in c.processing().items() if keys]
            if busy:
                time.sleep(1.5)  # the kernel is up and sleeping
                killed = pids[busy[0]]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.1)
    thread.join(timeout=120)
    assert killed is not None, "the brief never started on a worker"
    report = result["report"]
    if report.built:  # retried on the other worker
        assert report.built == ["slow"]
        assert (project["site"] / "slow.html").is_file()
    else:  # failed for good: cleanly, nothing published
        assert [o.name for o in report.failed] == ["slow"]
        assert not (project["site"] / "slow.html").exists()
    assert report.built == ["slow"], report.failed  # with a second worker it must be retried


def test_a_worker_removes_data_folders_no_task_used_for_a_day(tmp_path):
    """A long-lived worker keeps each run's data by hash; the ones unused for a day go when a
    new one is made, the ones in use (touched by each task) stay."""
    old = cluster._data_folder(tmp_path, {"incidents.csv": b"old"})
    recent = cluster._data_folder(tmp_path, {"incidents.csv": b"recent"})
    stale = time.time() - cluster.DATA_FOLDER_TTL - 60
    os.utime(old, (stale, stale))
    assert cluster._data_folder(tmp_path, {"incidents.csv": b"recent"}) == recent  # in use
    assert old.is_dir()  # only making a new folder prunes
    new = cluster._data_folder(tmp_path, {"incidents.csv": b"new"})
    assert (new / "incidents.csv").read_bytes() == b"new"
    assert not old.exists() and (recent / "incidents.csv").read_bytes() == b"recent"
