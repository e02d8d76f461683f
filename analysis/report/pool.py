"""The local pool: the worker processes that build a run's briefs on this machine, how many
there are by default, and what their fork server has imported before it forks them.

Each worker executes a brief's notebook on its own kernel and exports its page
(:func:`analysis.report.execute.build`); a worker, and so its kernel, dies with the run
(:mod:`analysis.report.lifetime`). The process machinery (``concurrent.futures``,
``multiprocessing``) is imported when a brief is built: a run with nothing to build imports
neither. The Dask path is :mod:`analysis.report.cluster`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from analysis.report import warm
from analysis.report.execute import Outcome, Task, build
from analysis.report.lifetime import die_with_parent, die_with_runner


def default_jobs() -> int:
    """Worker processes when ``jobs`` is not given: one more than the cores this process may
    run on. A worker waits on its kernel (its start, each cell's messages, its end) for part of
    every page: with as many workers as cores, two cores sat idle 10-13% of a sweep's time; with
    one more, 5-6% (0.94x the time, median of 7 paired 40-page sweeps)."""
    try:
        cores = len(os.sched_getaffinity(0))  # the cores a container or taskset allows
    except AttributeError:  # no affinity outside Linux
        cores = os.cpu_count() or 1
    return cores + 1


def run_tasks(
    tasks: list[Task],
    jobs: int,
    kernels: str,
    data_dir: Path,
    progress: Callable[[Outcome], None] | None = None,
) -> dict[str, Outcome]:
    """Build ``tasks`` in a local pool of ``jobs`` processes, by name; with ``warm`` kernels,
    every brief's kernel is forked from one warm forge of this run (:mod:`analysis.report.warm`,
    reading the case file of ``data_dir``). ``progress`` is called with each outcome."""
    outcomes: dict[str, Outcome] = {}
    if not tasks:
        return outcomes
    ctx = worker_context()
    environ = dict(os.environ)  # a forked worker has its fork server's; it takes the run's
    tasks = [replace(t, environ=environ) for t in tasks]
    with contextlib.ExitStack() as stack:
        if kernels == "warm":
            forge = stack.enter_context(warm.Forge(data_dir=str(data_dir)))
            tasks = [replace(t, forge=forge.address) for t in tasks]
        _pool(tasks, jobs, progress, ctx, outcomes)
    return outcomes


#: what the pool's fork server imports once (Linux), so that each worker starts with the
#: notebook-running and exporting libraries loaded instead of importing them itself
WORKER_PRELOAD = [
    "analysis.report.execute",
    "analysis.report.html",
    "papermill",
    "nbconvert",
    "bleach",  # every page's Markdown and HTML outputs are sanitized with it
]


def worker_context() -> Any:
    """The pool's start method: on Linux a fork server that has imported
    :data:`WORKER_PRELOAD` (started once per process and reused by every later run of that
    process); elsewhere ``spawn``. Either way a worker never inherits the runner's state."""
    import multiprocessing

    if not warm.available():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_PRELOAD)
    return ctx


def _pool(
    tasks: list[Task],
    jobs: int,
    progress: Callable[[Outcome], None] | None,
    ctx: Any,
    outcomes: dict[str, Outcome],
) -> None:
    import concurrent.futures as cf

    with cf.ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=ctx,
        # a worker (and so its kernel) dies with this process: its parent (spawn), or watched
        # from the worker forked by the fork server
        initializer=die_with_parent if ctx.get_start_method() == "spawn" else die_with_runner,
        initargs=(os.getpid(),),
    ) as executor:
        futures = {executor.submit(build, t): t for t in tasks}
        for fut in cf.as_completed(futures):
            task = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:
                outcome = Outcome(
                    task.name, False, 0.0, error=f"brief '{task.name}' failed: worker died ({exc})"
                )
            outcomes[task.name] = outcome
            if progress:
                progress(outcome)
