"""Writing files so that readers only ever see the old or the complete new content."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from pathlib import Path


def write_atomic(path: Path | str, content: str | bytes) -> None:
    """Write ``content`` to ``path`` via a temporary file and a rename: never a half-written file.

    A ``str`` is written as UTF-8, its newlines untranslated. The temporary file sits in the same
    folder (so the rename is atomic) and is flushed to disk before the rename; on any error it is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def lock_exclusive(fd: int, wait: float, poll: float = 0.1) -> bool:
    """Take an exclusive ``flock`` on the open file ``fd``, trying again every ``poll`` seconds
    for up to ``wait`` seconds; False when another process still holds it then (the caller says
    who and what to do). Released by ``flock(fd, LOCK_UN)`` or by closing ``fd``."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
