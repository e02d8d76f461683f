"""Writing files so that readers only ever see the old or the complete new content."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from pathlib import Path

from analysis.errors import EscalationError


class LinkOutside(EscalationError, OSError):
    """A folder on the way to a file to write is a symbolic link out of the tree the file must
    stay in (a site, the data folder): nothing is written through it. ``filename`` is the link."""


def check_inside(root: Path | str, path: Path | str) -> None:
    """Raise :class:`LinkOutside` (an ``OSError`` naming the link) when a folder between ``root``
    and ``path`` (``root`` itself excluded, ``path``'s own name too: a rename replaces a link, it
    never writes through it) is a symbolic link that leads out of ``root``; also when ``path``
    does not lie under ``root`` at all. Checked on resolved paths, before anything is written."""
    root, path = Path(os.path.abspath(root)), Path(os.path.abspath(path))
    real_root = Path(os.path.realpath(root))
    try:
        parts = path.parent.relative_to(root).parts
    except ValueError:
        raise LinkOutside(errno.EXDEV, f"not inside {root}", str(path)) from None
    folder = root
    for part in parts:
        folder = folder / part
        if folder.is_symlink():
            target = Path(os.path.realpath(folder))
            if not target.is_relative_to(real_root):
                raise LinkOutside(
                    errno.ELOOP,
                    f"a symbolic link out of {root} (to {target}); nothing was written: "
                    "replace the link by a folder and run again",
                    str(folder),
                )


def write_atomic(
    path: Path | str, content: str | bytes, *, inside: Path | str | None = None
) -> None:
    """Write ``content`` to ``path`` via a temporary file and a rename: never a half-written file.

    A ``str`` is written as UTF-8, its newlines untranslated. The temporary file sits in the same
    folder (so the rename is atomic) and is flushed to disk before the rename; on any error it is
    removed and ``path`` is left as it was. With ``inside`` (a site, the data folder), a folder
    on the way that links out of it is refused first (:func:`check_inside`).
    """
    path = Path(path)
    if inside is not None:
        check_inside(inside, path)
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
