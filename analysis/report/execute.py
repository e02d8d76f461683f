"""Build one brief in a worker process: execute its notebook with papermill, export HTML.

Runs in a child process of the runner (one per ``--jobs`` slot), each driving its own kernel.
Everything is written into the run's staging folder; nothing here touches the published site.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.paths import DATA_DIR_ENV, RECORD_READS_ENV
from analysis.report.keys import build_key


@dataclass(frozen=True)
class Task:
    """What a worker needs to build one brief (plain data, so it pickles)."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    title: str | None
    staging: Path
    data_dir: Path
    cwd: Path
    #: the brief's inputs as planned (:func:`analysis.report.keys.inputs_for`); the worker keeps
    #: the hashes of the data files the notebook read and keys the page on those
    inputs: dict[str, Any] = field(default_factory=dict)
    #: what the page's provenance block shows; ``data`` holds the hash of every data file
    provenance: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    built_at: str = ""


@dataclass
class Outcome:
    """A built (or failed) brief: staged files, glued values, time taken, error text."""

    name: str
    ok: bool
    seconds: float
    html: Path | None = None
    notebook: Path | None = None
    glued: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    built_at: str = ""
    data_read: list[str] = field(default_factory=list)
    #: the task's inputs with the data files the notebook read, and their build key
    inputs: dict[str, Any] = field(default_factory=dict)
    key: str = ""


def _error_text(task: Task, exc: BaseException) -> str:
    cell = getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if cell is not None and ename:
        count = getattr(exc, "exec_count", None)
        return (
            f"brief '{task.name}' failed in cell {cell + 1} of {task.notebook.name} "
            f"(execution count {count}): {ename}: {evalue}"
        )
    return f"brief '{task.name}' failed ({task.notebook.name}): {type(exc).__name__}: {exc}"


def _data_read(record: Path, data_dir: Path) -> list[str]:
    """Names of the data files (in ``data_dir``) the notebook read, from the kernel's record."""
    try:
        lines = record.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    names = {Path(line).name for line in lines if Path(line).parent == data_dir.resolve()}
    return sorted(names)


def build(task: Task) -> Outcome:
    """Execute ``task.notebook`` into staging and export its HTML; never raises."""
    start = time.perf_counter()
    os.environ[DATA_DIR_ENV] = str(task.data_dir)
    reads = task.staging / f"{task.name}.reads"
    os.environ[RECORD_READS_ENV] = str(reads)
    # charts must land in the notebook, whatever backend the calling shell sets
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    executed = task.staging / f"{task.name}.ipynb"
    # the kernel inherits this process's stderr: send its chatter to a log beside the notebook
    log = os.open(task.staging / f"{task.name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 2)
    os.close(log)
    try:
        import nbformat
        import papermill as pm

        from analysis.report.glue import read_glued
        from analysis.report.html import export

        pm.execute_notebook(
            str(task.notebook),
            str(executed),
            parameters=task.parameters,
            kernel_name="python3",
            cwd=str(task.cwd),
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=task.timeout,
        )
        nb = nbformat.read(executed, as_version=4)
        glued = read_glued(nb)
        built_at = task.built_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        title = task.title or str(glued.get("title") or task.name)
        data_read = _data_read(reads, task.data_dir)
        data = {k: v for k, v in task.provenance.get("data", {}).items() if k in data_read}
        inputs = {**task.inputs, "data": data}
        key = build_key(inputs)
        provenance = {**task.provenance, "data": data, "key": key, "built_at": built_at}
        page = export(nb, title=title, provenance=provenance)
        html_path = task.staging / f"{task.name}.html"
        html_path.write_text(page, encoding="utf-8")
        return Outcome(
            task.name,
            True,
            time.perf_counter() - start,
            html=html_path,
            notebook=executed,
            glued={**glued, "title": title},
            built_at=built_at,
            data_read=data_read,
            inputs=inputs,
            key=key,
        )
    except Exception as exc:
        return Outcome(
            task.name,
            False,
            time.perf_counter() - start,
            notebook=executed if executed.exists() else None,
            error=_error_text(task, exc),
        )
