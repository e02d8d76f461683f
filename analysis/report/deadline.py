"""A brief's time limit: past it, the brief's kernel is killed and the brief fails alone.

papermill's ``execution_timeout`` bounds one cell (``--cell-timeout``); a brief of many slow
cells, or a kernel that stops answering in a way the cell timeout never sees, would still hold
its worker. :class:`Deadline` is a watchdog thread in the worker: when the brief's seconds
(``--brief-timeout``) run out it kills the worker's child processes (the brief's kernel, or the
launcher standing in for a warm kernel, which takes its kernel with it). papermill then sees a
dead kernel and returns; the worker lives on for the next brief, and :attr:`Deadline.expired`
says why the brief failed.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import TracebackType

from analysis.errors import EscalationError

__all__ = ["BriefTimeout", "Deadline", "children"]


class BriefTimeout(EscalationError, TimeoutError):
    """A brief ran past its time limit (its kernel was killed)."""


def children(pid: int) -> list[int]:
    """Every live descendant of process ``pid`` (read from ``/proc``; [] without it)."""
    parents: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1].isdigit():
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Deadline:
    """Within the block, kill this process's children once ``seconds`` have passed (None or 0:
    no limit); :attr:`expired` tells whether it did."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.expired = False
        self._timer: threading.Timer | None = None

    def _expire(self) -> None:
        self.expired = True
        for pid in children(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def __enter__(self) -> Deadline:
        if self.seconds:
            self._timer = threading.Timer(self.seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def error(self) -> BriefTimeout:
        """The error a brief that ran out of time fails with."""
        return BriefTimeout(
            f"stopped after {self.seconds:g} s, its time limit (--brief-timeout); its kernel "
            "was ended"
        )
