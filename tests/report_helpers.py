"""Tiny notebooks and configs for report runner tests: a kernel starts, next to nothing runs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import nbformat
from conftest import copy_data

from analysis.report.publish import work_dir


def write_notebook(
    path: Path,
    *cells: str,
    parameters: str = "x = 1  # a number",
    title: str = "# A tiny brief",
    checks: dict | None = None,
) -> Path:
    """A notebook with a markdown ``title``, a ``parameters`` cell (with ``checks`` in its
    metadata: see :class:`analysis.report.config.Check`) and the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    if checks:
        params.metadata["checks"] = checks
    nb.cells = [nbformat.v4.new_markdown_cell(title), params]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


GLUE = (
    "from analysis.report.glue import glue\n"
    "glue('title', f'Tiny brief {x}')\n"
    "glue('headline', f'x is {x}.')\n"
    "glue('period', ['2020-01-01', '2020-12-31'])\n"
    "x * 2"
)


#: a cell that reads one data file (the runner records it: a's key covers incidents.csv only)
READS = "from analysis.data import load_incidents\nn = len(load_incidents())"


def write_config(path: Path, entries: dict[str, tuple[Path, dict]]) -> Path:
    lines = ["briefs:"]
    for name, (notebook, params) in entries.items():
        lines += [f"  - name: {name}", f"    notebook: {notebook}"]
        if params:
            lines.append("    parameters:")
            lines += [f"      {k}: {v!r}" for k, v in params.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_project(tmp_path: Path) -> dict[str, Path]:
    """A data copy, two tiny notebooks (a reads incidents.csv, b reads no data) in the
    ``notebooks/`` folder a config may run notebooks from, a config listing them and an empty
    site folder."""
    data = copy_data(tmp_path / "data")
    (tmp_path / "notebooks").mkdir()
    a = write_notebook(tmp_path / "notebooks" / "a.ipynb", READS, GLUE)
    b = write_notebook(tmp_path / "notebooks" / "b.ipynb", GLUE)
    config = write_config(tmp_path / "briefs.yml", {"a": (a, {}), "b": (b, {"x": 2})})
    return {
        "root": tmp_path,
        "data": data,
        "a": a,
        "b": b,
        "config": config,
        "site": tmp_path / "site",
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to show a site did not change)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wait_for_lock(site: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until ``proc`` (a run publishing to ``site``) holds the lock and is building brief a;
    fail if it does not get there within ``timeout`` seconds."""
    lock = work_dir(site.resolve()) / "lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text() and proc.poll() is None:
            if list(work_dir(site.resolve()).glob("staging-*/a.log")):
                return  # the kernel is being started: we are mid-build
        time.sleep(0.1)
    raise AssertionError(f"the slow run never got going: {proc.communicate()}")
