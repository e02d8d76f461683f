"""Build one brief in a worker process: execute its notebook with papermill, export HTML.

Runs in a child process of the runner (one per ``--jobs`` slot), each driving its own kernel.
Everything is written into the run's staging folder; nothing here touches the published site.

Work dies with the run (:mod:`analysis.report.lifetime`): the pool's initializer has each worker
die with the runner, and each Jupyter kernel dies with its worker
(:func:`analysis.report.warm.kernel_manager_class`, given to papermill).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analysis.errors import WRITE_ERRNOS, EscalationError
from analysis.paths import DATA_DIR_ENV, FINDINGS_ENV, FORECASTS_DIR_ENV, RECORD_READS_ENV
from analysis.report import warm
from analysis.report.deadline import BriefTimeout, Deadline
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
    #: the site's folder of stored forecasts, given to the kernel as ``$ESCALATION_FORECASTS_DIR``
    #: (the outlook notebook scores earlier editions' forecasts from it)
    forecasts_dir: Path | None = None
    #: the socket of the warm forge to fork the brief's kernel from (:mod:`analysis.report.warm`),
    #: or None for a fresh kernel
    forge: str | None = None
    #: the runner's environment, which the worker takes before the brief's own variables (a
    #: worker forked from a fork server would otherwise have the server's); None: keep its own
    environ: dict[str, str] | None = None
    #: this run's findings table (``findings.csv``, :func:`analysis.findings.store.build`),
    #: given to the kernel as ``$ESCALATION_FINDINGS``; None: the kernel builds or reuses its own
    findings: Path | None = None
    #: seconds the whole brief may take (its kernel is killed past them: :mod:`.deadline`);
    #: None: no limit but the cell timeout
    brief_timeout: float | None = None


@dataclass
class Outcome:
    """A built (or failed) brief: staged files, glued values, time taken, error text."""

    name: str
    ok: bool
    seconds: float
    html: Path | None = None
    #: the page's downloads (its CSVs and JSON) by site path -> staged file
    files: dict[str, Path] = field(default_factory=dict)
    notebook: Path | None = None
    glued: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    built_at: str = ""
    data_read: list[str] = field(default_factory=list)
    #: the task's inputs with the data files the notebook read, and their build key
    inputs: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    #: (errno, strerror, filename) when the brief failed because a file could not be written
    #: (disk full, read-only, permissions): the run then exits "cannot write", not "a brief failed"
    os_error: tuple[int, str, str | None] | None = None
    #: one line when the brief was run again on a fresh kernel (its warm forge died under it)
    retried: str = ""


#: a kernel that dies before its first reply (jupyter_client's port race when several kernels
#: start at once) is started again this many times in all; no cell has run, so nothing repeats
KERNEL_START_ATTEMPTS = 2
KERNEL_DIED = "Kernel died before replying to kernel_info"


# --- what went wrong --------------------------------------------------------------------------


def _stored_cell(task: Task, executed_index: int) -> tuple[int | None, str]:
    """The number (1-based) in the stored notebook of the cell at ``executed_index`` of the
    executed one, and that cell's first line. papermill inserts a cell with the injected
    parameters after the ``parameters`` cell (or at the top), which shifts every later cell by
    one; that cell itself has no number in the stored notebook (None)."""
    import nbformat

    try:
        cells = nbformat.read(task.notebook, as_version=4).cells
    except Exception:  # the notebook was readable a moment ago; fall back to papermill's index
        return executed_index + 1, ""

    def tagged(tag: str) -> int | None:
        found = [i for i, c in enumerate(cells) if tag in c.get("metadata", {}).get("tags", [])]
        return found[0] if found else None

    index: int | None = executed_index
    if task.parameters and tagged("injected-parameters") is None:  # papermill inserted one
        params = tagged("parameters")
        at = 0 if params is None else params + 1
        if executed_index == at:
            index = None
        elif executed_index > at:
            index = executed_index - 1
    if index is None or not 0 <= index < len(cells):
        return None, ""
    source = cells[index].source
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return index + 1, first if len(first) <= 80 else first[:77] + "..."


def _running_cell(exc: BaseException) -> int | None:
    """The index (in the executed notebook) of the cell papermill was running when ``exc`` was
    raised through it (a dead kernel names no cell of its own), or None."""
    tb = exc.__traceback__
    found = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "papermill_execute_cells":
            index = frame.f_locals.get("index")
            found = index if isinstance(index, int) else None
        tb = tb.tb_next
    return found


def _where(task: Task, cell: int) -> str:
    """Cell ``cell`` of the executed notebook in words: its number and first line."""
    number, first = _stored_cell(task, cell)
    if number is None:
        return f"the parameters papermill injected into {task.notebook.name}"
    quoted = f' ("{first}")' if first else ""
    return f"cell {number} of {task.notebook.name}{quoted}"


def kernel_died(exc: BaseException) -> bool:
    """True when ``exc`` says the brief's kernel died mid-notebook (killed, or its parent was)."""
    return type(exc).__name__ == "DeadKernelError" or (
        isinstance(exc, RuntimeError) and "Kernel died" in str(exc)
    )


def error_text(task: Task, exc: BaseException) -> str:
    if isinstance(exc, BriefTimeout):
        return f"brief '{task.name}' failed: {exc}"
    if kernel_died(exc):
        cell = _running_cell(exc)
        where = f" in {_where(task, cell)}" if cell is not None else ""
        return (
            f"brief '{task.name}' failed: its kernel died{where} (killed, or it ended its own "
            "process or its parent's); the other briefs go on"
        )
    cell = getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if cell is not None and ename:
        return f"brief '{task.name}' failed in {_where(task, cell)}: {ename}: {evalue}"
    if isinstance(exc, OSError) and _write_failure(exc):
        filename = f" {exc.filename}" if exc.filename else ""
        return f"brief '{task.name}' failed: cannot write{filename}: {exc.strerror or exc}"
    return f"brief '{task.name}' failed ({task.notebook.name}): {type(exc).__name__}: {exc}"


def _write_failure(exc: BaseException) -> bool:
    """True for an OSError of writing (disk full, read-only, permissions), not a kernel's error."""
    return (
        isinstance(exc, OSError)
        and not isinstance(exc, EscalationError | TimeoutError)
        and exc.errno in WRITE_ERRNOS
    )


def files_read(record: Path, data_dir: Path) -> list[str]:
    """Names of the data files (in ``data_dir``) the notebook read, from the kernel's record."""
    try:
        lines = record.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    names = {Path(line).name for line in lines if Path(line).parent == data_dir.resolve()}
    return sorted(names)


def kernel_env(task: Task, reads: Path) -> dict[str, str]:
    """What a brief's kernel finds in its environment beyond the worker's own: the data folder,
    the stored forecasts' folder (if any), the run's findings table (if any), the file its data
    reads are recorded in, and an inline charts backend (charts must land in the notebook,
    whatever the calling shell sets)."""
    env = {
        DATA_DIR_ENV: str(task.data_dir),
        RECORD_READS_ENV: str(reads),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    if task.forecasts_dir is not None:  # the outlook reads the forecasts earlier runs stored
        env[FORECASTS_DIR_ENV] = str(task.forecasts_dir)
    if task.findings is not None:  # every page states the run's one answer per event
        env[FINDINGS_ENV] = str(task.findings)
    return env


def execute_notebook(
    task: Task, executed: Path, manager: type | None = None, cwd: Path | None = None
) -> None:
    """Run ``task.notebook`` with its parameters into ``executed`` (papermill, one kernel from
    ``manager``, default :func:`analysis.report.warm.kernel_manager_class`: forked from the
    forge ``task.forge`` when given, else fresh); raises what papermill raises."""
    import papermill as pm

    manager = manager or warm.kernel_manager_class(task.forge is not None)
    extra = {"config": warm.forge_config(task.forge)} if task.forge is not None else {}

    for attempt in range(KERNEL_START_ATTEMPTS):
        try:
            pm.execute_notebook(
                str(task.notebook),
                str(executed),
                parameters=task.parameters,
                kernel_name="python3",
                cwd=str(cwd or task.cwd),
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=task.timeout,
                kernel_manager_class=manager,
                **extra,
            )
            return
        except RuntimeError as exc:
            # the kernel died before it answered: nothing of the notebook has run yet
            if KERNEL_DIED not in str(exc) or attempt + 1 == KERNEL_START_ATTEMPTS:
                raise


def forge_lost(task: Task, exc: BaseException) -> bool:
    """True when ``exc`` is a warm kernel dying with its forge (the forge no longer answers):
    the brief's own code is not to blame, and it may be run again on a fresh kernel."""
    return task.forge is not None and kernel_died(exc) and not warm.answers(task.forge)


def retried_line(name: str) -> str:
    """What the run says of a brief built again on a fresh kernel."""
    return (
        f"brief '{name}' retried on a fresh kernel: the warm forge its kernel was forked from "
        "died mid-brief"
    )


def execute_retrying(
    task: Task,
    executed: Path,
    manager: Callable[[Task], type | None] = lambda task: None,
    retried: list[str] | None = None,
) -> None:
    """:func:`execute_notebook` (``manager(task)`` its kernel manager class, None: the default);
    when the warm forge died under the brief (:func:`forge_lost`), run it once more from the
    start on a fresh kernel and append :func:`retried_line` to ``retried``. A dead forge costs
    only speed: later briefs' launchers start fresh kernels by themselves."""
    try:
        execute_notebook(task, executed, manager(task))
        return
    except Exception as exc:
        if not forge_lost(task, exc):
            raise
    if retried is not None:
        retried.append(retried_line(task.name))
    executed.unlink(missing_ok=True)
    fresh = replace(task, forge=None)
    execute_notebook(fresh, executed, manager(fresh))


def finish(task: Task, executed: Path, data_read: list[str], start: float) -> Outcome:
    """Turn an executed notebook into the staged page: read the glued values, key the page on
    the data files the notebook read, export the HTML with its provenance (on the client)."""
    import nbformat

    from analysis.report.downloads import data_through
    from analysis.report.glue import read_glued
    from analysis.report.html import export_page

    nb = nbformat.read(executed, as_version=4)
    glued = read_glued(nb)
    built_at = task.built_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    title = task.title or str(glued.get("title") or task.name)
    data = {k: v for k, v in task.provenance.get("data", {}).items() if k in data_read}
    # a folder among the inputs (``forecasts/``: the stored forecasts the outlook scores) stays
    # in the key whatever files the notebook was seen to read
    folders = {k: v for k, v in task.inputs.get("data", {}).items() if k.endswith("/")}
    inputs = {**task.inputs, "data": {**data, **folders}}
    key = build_key(inputs)
    provenance = {**task.provenance, "data": data, "key": key, "built_at": built_at}
    through = data_through(task.data_dir, task.parameters.get("as_of"))
    page, downloads = export_page(
        nb, title=title, provenance=provenance, name=task.name, through=through
    )
    html_path = task.staging / f"{task.name}.html"
    html_path.write_text(page, encoding="utf-8")
    files = {}
    for rel, content in downloads.items():  # the page's CSVs and JSON, staged beside it
        staged = task.staging / "downloads" / rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(content)
        files[rel] = staged
    return Outcome(
        task.name,
        True,
        time.perf_counter() - start,
        html=html_path,
        files=files,
        notebook=executed,
        glued={**glued, "title": title},
        built_at=built_at,
        data_read=data_read,
        inputs=inputs,
        key=key,
    )


def failed(task: Task, exc: BaseException, start: float, executed: Path) -> Outcome:
    """The outcome of a brief that raised ``exc`` (its error text, a write failure noted)."""
    os_error = None
    if isinstance(exc, OSError) and _write_failure(exc):
        filename = None if exc.filename is None else str(exc.filename)
        os_error = (exc.errno, exc.strerror or str(exc), filename)
    return Outcome(
        task.name,
        False,
        time.perf_counter() - start,
        notebook=executed if executed.exists() else None,
        error=error_text(task, exc),
        os_error=os_error,
    )


def build(task: Task) -> Outcome:
    """Execute ``task.notebook`` into staging and export its HTML; never raises."""
    start = time.perf_counter()
    reads = task.staging / f"{task.name}.reads"
    if task.environ is not None:
        os.environ.clear()
        os.environ.update(task.environ)
    os.environ.update(kernel_env(task, reads))
    executed = task.staging / f"{task.name}.ipynb"
    deadline = Deadline(task.brief_timeout)
    retried: list[str] = []
    try:
        # the kernel inherits this process's stderr: send its chatter to a log beside the notebook
        log = os.open(task.staging / f"{task.name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 2)
        os.close(log)
        with deadline:
            execute_retrying(task, executed, retried=retried)
        outcome = finish(task, executed, files_read(reads, task.data_dir), start)
    except Exception as exc:
        outcome = failed(task, deadline.error() if deadline.expired else exc, start, executed)
    outcome.retried = "".join(retried)
    return outcome
