"""Brief executions on a running Dask distributed cluster: the other side of the runner's seam.

The runner builds briefs in a local process pool by default. With a scheduler address
(``--scheduler tcp://HOST:PORT`` or ``$ESCALATION_SCHEDULER``) it sends each brief's *execution*
to the cluster instead, through the ``distributed`` client API; everything else stays on the
client: planning, the HTML export, staging and the atomic publish. So a worker never writes the
site, and a lost worker can never half-publish.

Each task carries what it needs: the notebook's bytes, its parameters, the run's findings table
(the bytes of its ``findings.csv``, a few kilobytes, computed once by the client), the data files
(their bytes, sent to the workers once per run and kept there in a folder named by their hash)
and the code version the client runs (the package version, the hash of the ``analysis`` source
and the key packages' versions). A worker that runs other code (a stale checkout) gets no
brief: the run sends its tasks only to the workers that match and says once which worker is
stale and how (:func:`stale_workers`); were it left in, it would refuse each brief at once and
so take most of the queue. A worker that joins with other code mid-run refuses the brief, with
the difference named: its page would not be the page the build key promises. The worker runs the
notebook in a fresh kernel (:func:`analysis.report.execute.execute_notebook`) in a scratch folder
of its own and returns the executed notebook's bytes and the names of the data files it read.

A worker that dies mid-task (its kernel dies with it) is Dask's business: the scheduler gives the
task to another worker, up to ``distributed.scheduler.allowed-failures`` times (default 3); past
that, or on any other error, the brief is reported failed and its last good page stays.

An address that does not answer, or a cluster with no worker or only workers running other
code, is a :class:`~analysis.errors.ConfigError` (exit 2) before the run takes the lock.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from analysis.errors import ConfigError
from analysis.report import forecasts as stored
from analysis.report.execute import (
    Outcome,
    Task,
    error_text,
    execute_retrying,
    failed,
    files_read,
    finish,
    kernel_env,
)
from analysis.report.warm import kernel_manager_class

#: the environment variable naming the scheduler when ``--scheduler`` is not given
SCHEDULER_ENV = "ESCALATION_SCHEDULER"
#: seconds to wait for the scheduler to answer and for a first worker to join it
TIMEOUT_ENV = "ESCALATION_SCHEDULER_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+$")
#: where a worker keeps the run's data files (by content hash) and its briefs' scratch folders
WORKER_DIR = "escalation-worker"


def scheduler_address(given: str | None) -> str | None:
    """The scheduler to send briefs to: ``given`` (``--scheduler``), else
    ``$ESCALATION_SCHEDULER``, else None (the local pool). A malformed address is a
    :class:`ConfigError` naming where it came from."""
    where = "--scheduler"
    if not given:
        given, where = os.environ.get(SCHEDULER_ENV, "").strip() or None, f"${SCHEDULER_ENV}"
    if given is None:
        return None
    if not ADDRESS.match(given):
        raise ConfigError(
            f"{where}: {given!r} is not a Dask scheduler address (expected tcp://HOST:PORT)"
        )
    return given


def connect_timeout() -> float:
    """Seconds allowed for the scheduler to answer (``$ESCALATION_SCHEDULER_TIMEOUT``, else 10)."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"${TIMEOUT_ENV}: expected a number of seconds > 0, got {raw!r}")
    return value


@cache
def code_identity() -> dict[str, Any]:
    """What code this process runs: the package version, the hash of the ``analysis`` source
    and the versions of the packages in every build key (computed once per process)."""
    from analysis import __version__
    from analysis.report import keys

    return {
        "version": __version__,
        "source": keys.source_hash(),
        "packages": keys.package_versions(),
    }


def identity_difference(expected: Mapping[str, Any], got: Mapping[str, Any]) -> str:
    """How the code ``got`` differs from ``expected``, in words ('' when the same)."""
    diffs = []
    if got.get("version") != expected.get("version"):
        diffs.append(f"escalation {got.get('version')} (client: {expected.get('version')})")
    if got.get("source") != expected.get("source"):
        diffs.append("other analysis source (a different commit or local edits)")
    mine, theirs = expected.get("packages", {}), got.get("packages", {})
    diffs += [
        f"{name} {theirs.get(name, 'not installed')} (client: {version})"
        for name, version in sorted(mine.items())
        if name != "escalation" and theirs.get(name) != version
    ]
    return "; ".join(diffs)


#: the loggers of the Dask libraries whose own reports (multi-line tracebacks when a scheduler
#: or worker dies) the run replaces by one line per failed brief
DASK_LOGGERS = ("distributed", "tornado", "asyncio")


def quiet_distributed() -> None:
    """Let only critical records of :data:`DASK_LOGGERS` through: a lost scheduler or worker is
    said once per brief it cost, in the run's own words, never as distributed's traceback."""
    import logging

    names = set(DASK_LOGGERS) | {  # distributed sets levels of its own modules' loggers too
        n for n in logging.root.manager.loggerDict if n.split(".")[0] in DASK_LOGGERS
    }
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def one_line(text: object) -> str:
    """``text`` on one line (a remote error's message may span many)."""
    return " ".join(str(text).split())


def connect(address: str, timeout: float | None = None) -> Any:
    """A ``distributed.Client`` on ``address`` with at least one worker running the client's
    code; :class:`ConfigError` (exit 2) when the scheduler does not answer in ``timeout`` seconds,
    has no worker, or a worker runs other code."""
    timeout = connect_timeout() if timeout is None else timeout
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - a runtime dependency
        raise ConfigError(
            "--scheduler needs the 'distributed' package: pip install distributed"
        ) from None
    quiet_distributed()
    try:
        client = Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); start one (dask scheduler) or leave out "
            f"--scheduler / ${SCHEDULER_ENV} to build on this machine"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            raise ConfigError(
                f"the Dask scheduler at {address} has no worker (waited {timeout:g} s); start "
                f"one with: dask worker {address}"
            ) from None
        differ = stale_workers(client)
        if differ and len(differ) == len(client.scheduler_info()["workers"]):
            shown = "; ".join(f"{w}: {d}" for w, d in sorted(differ.items())[:3])
            raise ConfigError(
                f"every worker of the Dask scheduler at {address} runs other code than this "
                f"client ({shown}); install this checkout on the workers (pip install -e .)"
            )
    except BaseException:
        client.close()
        raise
    return client


def stale_workers(client: Any) -> dict[str, str]:
    """Each worker of ``client``'s cluster that runs other code than this client (a stale
    checkout, other package versions): its address -> the difference in words."""
    expected = code_identity()
    return {
        worker: diff
        for worker, ident in sorted(client.run(code_identity).items())
        if (diff := identity_difference(expected, ident))
    }


def _matching(client: Any, notes: list[str] | None) -> list[str] | None:
    """The workers a run's tasks may go to: None (any) when every worker runs this client's
    code, else those that do, with one warning line per stale worker in ``notes``. A stale
    worker refuses every brief at once, so left in the pool it would take most of the queue."""
    stale = stale_workers(client)
    if not stale:
        return None
    for worker, diff in stale.items():
        line = (
            f"warning: Dask worker {worker} runs other code than this client ({diff}): no brief "
            "sent to it; install this checkout there (pip install -e .) and restart it"
        )
        if notes is not None:
            notes.append(line)
    return sorted(set(client.scheduler_info()["workers"]) - set(stale))


@dataclass(frozen=True)
class RemoteBrief:
    """One brief's execution as a Dask task: plain data, so it pickles to any worker."""

    name: str
    notebook_name: str
    notebook: bytes
    parameters: dict[str, Any]
    #: data file name -> SHA-256 of its bytes (the bytes travel separately, once per run)
    data: dict[str, str]
    timeout: float | None
    #: the client's :func:`code_identity`: a worker running other code refuses the brief
    identity: dict[str, Any]
    #: the site's stored forecasts (file name -> bytes) for a brief that scores them (outlook)
    forecasts: dict[str, bytes] | None = None
    #: ``warm``: fork the kernel from the worker's forge (:mod:`analysis.report.warm_workers`)
    kernels: str = "fresh"
    #: the run's findings table (the bytes of its ``findings.csv``), given to the kernel as
    #: ``$ESCALATION_FINDINGS`` so a remote page states the same figures as a local one
    findings: bytes | None = None


#: a worker removes the data folders no task has used for this many seconds (a day)
DATA_FOLDER_TTL = 24 * 3600.0


def _data_folder(root: Path, files: Mapping[str, bytes]) -> Path:
    """A worker's folder holding ``files`` (name -> bytes), named by their combined hash and
    written once (in a scratch folder, then renamed into place). Each use marks it used; making
    a new one removes those unused for :data:`DATA_FOLDER_TTL` (earlier data the worker will
    most likely never be sent again), so a long-lived worker does not fill its disk."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    folder = root / "data" / h.hexdigest()[:32]
    if folder.is_dir():
        try:
            os.utime(folder)
        except OSError:  # removed by another worker's pruning this instant: made again below
            pass
        else:
            return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    _prune(folder.parent, keep=folder.name)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".incoming-"))
    for name, blob in files.items():
        (scratch / name).write_bytes(blob)
    try:
        scratch.rename(folder)
    except OSError:  # another task of the run put it there first
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _prune(parent: Path, keep: str, ttl: float = DATA_FOLDER_TTL) -> list[str]:
    """Remove the folders of ``parent`` (other than ``keep``) unused for ``ttl`` seconds; their
    names. A folder in use is touched by its task first, so it is never old."""
    cutoff = time.time() - ttl
    gone = []
    for old in parent.iterdir():
        try:
            if old.name != keep and old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
                gone.append(old.name)
        except OSError:
            continue
    return gone


def _manager(env: Mapping[str, str], log: Path, warm: bool = False) -> type:
    """The kernel manager of one remote brief: its kernel dies with the worker (forked from the
    worker's forge, ``Task.forge``, when ``warm``), gets the brief's environment (a worker runs
    briefs in threads: the worker's own environment is left alone) and writes its stderr to
    ``log``."""
    base = kernel_manager_class(warm)
    extra = dict(env)

    class BriefKernelManager(base):  # type: ignore[misc, valid-type]
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw["env"] = {**(kw.get("env") or os.environ), **extra}
            with open(log, "ab") as stderr:  # the kernel keeps its own copy of the descriptor
                kw.setdefault("stderr", stderr)
                await super()._async_launch_kernel(kernel_cmd, **kw)

    return BriefKernelManager


def _worker_forge() -> str | None:
    """The socket of this Dask worker's warm forge (:mod:`analysis.report.warm_workers`)."""
    from analysis.report.warm_workers import worker_forge

    return worker_forge()


def _files(files: Mapping[str, bytes]) -> Mapping[str, bytes]:
    """The run's data files, as a task's result every brief's task depends on."""
    return files


def execute_remote(brief: RemoteBrief, files: Mapping[str, bytes]) -> dict[str, Any]:
    """Run on a Dask worker: execute one brief's notebook in a fresh kernel and return the
    executed notebook's bytes, the data files it read, the seconds taken and any error text.
    Never raises for the brief's own failure (that is a result); a lost worker is Dask's."""
    start = time.perf_counter()
    out: dict[str, Any] = {"ok": False, "executed": None, "reads": [], "error": ""}
    diff = identity_difference(brief.identity, code_identity())
    if diff:
        out["error"] = f"brief '{brief.name}' refused by a worker running other code: {diff}"
        return out
    root = Path(tempfile.gettempdir()) / WORKER_DIR
    data_dir = _data_folder(root, files)
    work = Path(tempfile.mkdtemp(dir=root, prefix=f"{brief.name}-"))
    try:
        (work / "notebooks").mkdir()
        notebook = work / "notebooks" / brief.notebook_name
        notebook.write_bytes(brief.notebook)
        executed = work / f"{brief.name}.ipynb"
        reads = work / f"{brief.name}.reads"
        forecasts = stored.unpack(brief.forecasts, work)
        findings = None
        if brief.findings is not None:
            findings = work / "findings.csv"
            findings.write_bytes(brief.findings)
        task = Task(
            brief.name,
            notebook,
            brief.parameters,
            None,
            work,
            data_dir,
            work,
            timeout=brief.timeout,
            forecasts_dir=forecasts,
            forge=_worker_forge() if brief.kernels == "warm" else None,
            findings=findings,
        )
        env = kernel_env(task, reads)
        log = work / f"{brief.name}.log"
        retried: list[str] = []
        try:
            execute_retrying(
                task, executed, lambda t: _manager(env, log, t.forge is not None), retried
            )
            out["ok"] = True
        except Exception as exc:
            out["error"] = error_text(task, exc)
        out["retried"] = "".join(retried)
        if executed.exists():
            out["executed"] = executed.read_bytes()
        out["reads"] = files_read(reads, data_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["seconds"] = time.perf_counter() - start
    return out


def run_tasks(
    client: Any,
    tasks: list[Task],
    data_dir: Path,
    progress: Callable[[Outcome], None] | None = None,
    kernels: str = "fresh",
    notes: list[str] | None = None,
) -> dict[str, Outcome]:
    """Execute ``tasks`` on the cluster of ``client`` and finish each page here (export into
    the task's staging folder); one :class:`Outcome` per task, never raises for a brief.
    ``kernels`` ``warm``: each worker forks the briefs' kernels from a warm forge of its own.
    Workers running other code get no task (:func:`stale_workers`), each named in ``notes``."""
    from distributed import as_completed

    outcomes: dict[str, Outcome] = {}
    if not tasks:
        return outcomes
    if kernels == "warm":
        from analysis.report import warm_workers

        warm_workers.ensure(client)
    names = sorted({n for t in tasks for n in t.provenance.get("data", {})})
    files = {n: (data_dir / n).read_bytes() for n in names if (data_dir / n).is_file()}
    # the data travel once per worker per run, as the result of a task holding them (not
    # scattered: scattered data die with the worker holding them, a task's can be re-run)
    where = {"workers": _matching(client, notes), "allow_other_workers": False}
    shipped = client.submit(_files, files, pure=False, key=f"data-{uuid.uuid4().hex[:12]}", **where)
    identity = code_identity()
    found = {t.findings for t in tasks if t.findings is not None}
    findings = found.pop().read_bytes() if found else None  # one table per run
    started = time.perf_counter()
    futures = {}
    for task in tasks:
        brief = RemoteBrief(
            task.name,
            task.notebook.name,
            task.notebook.read_bytes(),
            dict(task.parameters),
            {n: hashlib.sha256(b).hexdigest() for n, b in files.items()},
            task.timeout,
            identity,
            stored.pack(task.forecasts_dir),
            kernels,
            findings,
        )
        key = f"brief-{task.name}-{uuid.uuid4().hex[:12]}"  # named for the dashboard, unique
        fut = client.submit(execute_remote, brief, shipped, pure=False, key=key, **where)
        futures[fut] = task
    try:
        for fut in as_completed(list(futures), loop=client.loop):
            task = futures[fut]
            outcomes[task.name] = outcome = _outcome(task, fut, started)
            if progress:
                progress(outcome)
    finally:
        for fut in futures:
            fut.cancel()
        shipped.cancel()
    return outcomes


def _outcome(task: Task, fut: Any, started: float) -> Outcome:
    """The outcome of one finished (or failed) future: the page exported here on success."""
    try:
        result = fut.result()
    except Exception as exc:  # KilledWorker past the allowed failures, a cancelled task, ...
        return Outcome(
            task.name,
            False,
            time.perf_counter() - started,
            error=f"brief '{task.name}' failed on the cluster: {type(exc).__name__}: "
            + one_line(exc)[:300],
        )
    executed = task.staging / f"{task.name}.ipynb"
    if result.get("executed") is not None:
        executed.write_bytes(result["executed"])
    outcome = _finished(task, executed, result)
    outcome.retried = str(result.get("retried") or "")
    return outcome


def _finished(task: Task, executed: Path, result: Mapping[str, Any]) -> Outcome:
    """The outcome of a brief a worker executed (``result``): its page exported here."""
    if not result.get("ok"):
        return Outcome(
            task.name,
            False,
            float(result.get("seconds", 0.0)),
            notebook=executed if executed.exists() else None,
            error=result.get("error") or f"brief '{task.name}' failed on the cluster",
        )
    start = time.perf_counter() - float(result.get("seconds", 0.0))
    try:
        return finish(task, executed, list(result.get("reads", [])), start)
    except Exception as exc:
        return failed(task, exc, start, executed)
