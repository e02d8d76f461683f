"""A kernel's own parent: each fresh kernel runs under a small process of its own.

A cell can reach its kernel's parent (``os.kill(os.getppid(), 9)``). Were that parent the pool
worker driving the brief, the pool would break and every brief of the run would fail, also
those not started. So a fresh kernel is started as ``python -m analysis.report.shield KERNEL-CMD``
(:func:`command`): the shield starts the kernel as its child, which dies with it, waits, and
exits with the kernel's exit status (or is killed by the same signal). A cell that kills its
parent ends only the shield and its own kernel: that brief fails, the worker lives on.

jupyter_client starts the shield in a session of its own and signals the whole process group
(interrupts, shutdown), which the kernel is part of, so the shield ignores those signals rather
than passing them on twice; a signal sent to the shield alone (no process group) is passed on.
Standard library only: it starts before any brief runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from analysis.report.lifetime import preexec_die_with_parent

__all__ = ["command", "run"]

#: signals jupyter_client sends a kernel's process group; the kernel gets them itself
_GROUP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)


def command(kernel_cmd: Sequence[str]) -> list[str]:
    """``kernel_cmd`` run under a shield (this module as a program)."""
    return [sys.executable, "-m", __name__, *kernel_cmd]


def run(kernel_cmd: Sequence[str]) -> int:
    """Start ``kernel_cmd`` as a child that dies with this process, wait for it, and return its
    exit status; a kernel killed by a signal ends this process with the same signal."""
    proc = subprocess.Popen(list(kernel_cmd), preexec_fn=preexec_die_with_parent(os.getpid()))

    def pass_on(signum: int, frame: Any) -> None:
        try:
            if os.getpgid(proc.pid) != os.getpgid(0):  # not in our group: it did not get it
                os.kill(proc.pid, signum)
        except OSError:
            pass

    for sig in _GROUP_SIGNALS:
        signal.signal(sig, pass_on)
    code = proc.wait()
    if code < 0:  # killed by a signal: end the same way, so the kernel manager sees it
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python -m analysis.report.shield KERNEL-COMMAND...", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1:]))
