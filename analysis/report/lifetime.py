"""Process lifetime: work dies with the run that started it.

On Linux each pool worker asks the operating system to SIGKILL it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, :func:`die_with_parent`), a worker forked by a fork server also
watches the runner's pidfd (:func:`die_with_runner`), and each kernel or forge does the same
about the process that started it (:func:`preexec_die_with_parent`), so a run killed with
``kill -9`` leaves no worker or kernel building behind it. Standard library only: a warm
kernel's launcher and forge import it.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from functools import cache

__all__ = [
    "PR_SET_PDEATHSIG",
    "alive",
    "die_with_parent",
    "die_with_runner",
    "preexec_die_with_parent",
]

#: prctl's option: the signal this process gets when its parent dies
PR_SET_PDEATHSIG = 1


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` through ctypes, or None off Linux (or without it)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    fn.restype = ctypes.c_int
    return fn


def die_with_parent(parent_pid: int | None = None) -> None:
    """Have this process killed (SIGKILL) when its parent dies; exit at once if the parent
    ``parent_pid`` (default: the parent it has now) is already gone. On Linux
    (``prctl(PR_SET_PDEATHSIG)``); a no-op elsewhere.

    The pool's initializer in each worker, and (:func:`preexec_die_with_parent`) the first
    thing each kernel process does, before it runs anything."""
    if parent_pid is None:
        parent_pid = os.getppid()
    prctl = _prctl()
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os._exit(1)


def die_with_runner(runner_pid: int) -> None:
    """The pool's initializer for a worker forked by a fork server: die (SIGKILL) with the fork
    server, its parent (:func:`die_with_parent`), and with the runner ``runner_pid`` too. The
    server outlives the runner while any worker lives (each holds the server's keep-alive pipe),
    so a thread waits on the runner's pidfd (Linux 5.3+) and kills this worker when it ends;
    the worker's kernels die with it."""
    die_with_parent()
    try:
        fd = os.pidfd_open(runner_pid)
    except (AttributeError, OSError):  # no pidfd here, or the runner is already gone
        if not alive(runner_pid):
            os._exit(1)
        return
    import select
    import threading

    def watch() -> None:
        select.select([fd], [], [])  # readable when the runner has ended
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-runner", daemon=True).start()


def alive(pid: int) -> bool:
    """True while process ``pid`` exists (another user's process too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but is not ours to signal
        pass
    return True


def preexec_die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A ``preexec_fn`` for a kernel (or a forge): :func:`die_with_parent` in the child, before
    it execs (``prctl`` is looked up here, in the parent, so the child only calls it)."""
    prctl = _prctl()
    kill = int(signal.SIGKILL)

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0)
            if os.getppid() != parent_pid:
                os._exit(1)

    return preexec
