"""Writing files so that readers only ever see the old or the complete new content."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from analysis.errors import EscalationError, LockedError


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


def lock_exclusive(fd: int, wait: float, poll: float = 0.1, *, shared: bool = False) -> bool:
    """Take an exclusive (``shared``: a shared) ``flock`` on the open file ``fd``, trying again
    every ``poll`` seconds for up to ``wait`` seconds; False when another process still holds
    it then (the caller says who and what to do). Released by ``flock(fd, LOCK_UN)`` or by
    closing ``fd``."""
    deadline = time.monotonic() + wait
    kind = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    while True:
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)


#: the data folder's readers-writer lock (an ``flock``, released by the operating system if its
#: holder dies): a report holds it shared from reading the data's hashes until its briefs are
#: published, so the kernels read the very data its pages' provenance names; a command that
#: rewrites the curated tables (``review accept``) holds it alone
DATA_LOCK = ".data.lock"


@contextlib.contextmanager
def data_lock(data_dir: Path | str, *, shared: bool, wait: float) -> Iterator[None]:
    """Hold ``data_dir``'s :data:`DATA_LOCK` for the block (``shared``: as a reader), waiting
    up to ``wait`` seconds; :class:`~analysis.errors.LockedError` saying who is in the way when
    it cannot. A reader of a folder it cannot write (read-only data: nobody rewrites them)
    goes on without the lock. Re-entrant within a process (``flock`` would refuse a second
    descriptor of the same process)."""
    path = Path(data_dir) / DATA_LOCK
    held = os.path.realpath(path)
    if held in _HELD:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if shared and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            yield
            return
        raise
    try:
        if not lock_exclusive(fd, wait, shared=shared):
            if shared:
                raise LockedError(
                    f"{data_dir}: its curated tables are being rewritten (review accept or data "
                    f"build); waited {wait:g} s: try again when it ends"
                )
            raise LockedError(
                f"{data_dir}: a report is building briefs from these data, which stay as they "
                "are until it ends; try again then, or pass --wait SECONDS"
            )
        _HELD.add(held)
        try:
            yield
        finally:
            _HELD.discard(held)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


#: the data locks this process holds (their real paths)
_HELD: set[str] = set()
