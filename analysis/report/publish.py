"""Safe publishing: one run at a time (a lock), and all-or-nothing replacement of site files.

The site (``reports/site``) is only ever changed by :func:`publish`, which moves complete files
from a staging folder into place under a journal: before the first move it hard-links every file
it will replace into the journal and records the plan; after the last move it deletes the
journal. A run killed in between leaves the journal behind, and the next run (or
:func:`recover`) rolls the site back to exactly how it was, so readers never see a mix of two runs
for longer than the gap between a kill and the next start.

The lock is an ``flock`` on a file beside the site. The operating system releases it when the
holding process dies, so a lock left by a killed run is never stale: the next run takes it and
reports the dead holder it replaced.

Each run builds in its own staging folder, ``staging-<pid>-<random>``, with an ``owner`` file
naming the process and its start time (:func:`make_staging`). A run killed with ``kill -9``
cannot remove it; the next run (under the lock) removes every staging folder whose owner is
provably dead: that process is gone, or its pid now belongs to a process started at another time
(:func:`clear_stale_staging`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic import check_inside, lock_exclusive, write_atomic
from analysis.errors import LockedError


class SiteLocked(LockedError):
    """Another run holds the site's lock (a :class:`~analysis.errors.LockedError`)."""


def work_dir(site: Path) -> Path:
    """The runner's private folder for ``site``: lock, staging, journal, failed notebooks."""
    return site.parent / ".build" / site.name


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last held) a lock: process id, start time, command line."""

    pid: int
    started: str
    command: str

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _read_info(path: Path) -> LockInfo | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8") or "null")
        return LockInfo(int(raw["pid"]), str(raw["started"]), str(raw["command"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


@contextlib.contextmanager
def site_lock(
    site: Path, *, wait: float = 0.0, command: str = "escalation report"
) -> Iterator[str]:
    """Hold the lock of ``site`` for the duration of the block.

    Waits up to ``wait`` seconds for another run to finish, then raises :class:`SiteLocked` with
    who holds it. Yields a note when the previous holder died without releasing (else "").
    """
    path = work_dir(site) / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not lock_exclusive(fd, wait, poll=0.2):
            holder = _read_info(path)
            who = (
                f"pid {holder.pid} ({holder.command}, since {holder.started})"
                if holder
                else "another process"
            )
            raise SiteLocked(
                f"{site}: another run is publishing ({who}); try again when it ends, "
                "or pass --wait SECONDS"
            )
        previous = _read_info(path)
        note = ""
        if previous and previous.pid != os.getpid() and not previous.alive():
            note = (
                f"cleared a stale lock left by pid {previous.pid} "
                f"({previous.command}, since {previous.started})"
            )
        info = {
            "pid": os.getpid(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield note
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """Within the block, an ``OSError`` that names no file (a write refused by a full disk)
    names ``path``, so the message says which file could not be written."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


STAGING_PREFIX = "staging-"
OWNER = "owner"


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` from the state (field 3) on, or None without it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()  # the command, in parentheses, may hold spaces


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, field 22 of proc(5)), or None when
    it cannot be told (no such process, or no ``/proc``)."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid``, started at ``started`` (when known), still runs: not if it is
    gone, a zombie, or another process that was given the same pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process under that pid
    fields = _proc_stat(pid)
    if not fields:
        return True  # no /proc to tell more: it exists
    if fields[0] in ("Z", "X"):  # dead, not yet reaped
        return False
    return started is None or len(fields) <= 19 or fields[19] == started


def make_staging(work: Path) -> Path:
    """A new staging folder in ``work`` that names this process as its owner."""
    work.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=work))
    owner = {"pid": os.getpid(), "started": _start_time(os.getpid())}
    with naming(staging / OWNER):
        write_atomic(staging / OWNER, json.dumps(owner))
    return staging


def clear_stale_staging(work: Path) -> list[str]:
    """Remove the staging folders of ``work`` whose owner is dead; return their names.

    Call with the site's lock held. A folder's owner is read from its ``owner`` file, else from
    its name (``staging-<pid>-...``); a folder that names no owner is left alone (it cannot be
    proved dead).
    """
    removed = []
    for folder in sorted(work.glob(f"{STAGING_PREFIX}*")):
        if not folder.is_dir():
            continue
        pid, started = None, None
        try:
            raw = json.loads((folder / OWNER).read_text(encoding="utf-8"))
            pid, started = int(raw["pid"]), raw.get("started")
        except (OSError, ValueError, TypeError, KeyError):
            head, sep, _ = folder.name[len(STAGING_PREFIX) :].partition("-")
            pid = int(head) if head.isdigit() and sep else None
        if pid is None or pid == os.getpid() or _alive(pid, started):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder.name)
    return removed


def _journal(site: Path) -> Path:
    return work_dir(site) / "journal"


def refuse_links_out(site: Path) -> None:
    """Raise :class:`analysis.atomic.LinkOutside` (an ``OSError``: ``report`` and ``run`` exit 6
    naming it) when a folder of ``site`` (``archive``, ``forecasts``, an edition's folder, ...)
    is a symbolic link out of the site: the run would write through it. Checked before a run
    builds or writes anything; :func:`publish` checks every file it moves again."""
    if not site.is_dir():
        return
    for folder, dirs, _files in os.walk(site):  # never follows a link
        for name in dirs:
            if (Path(folder) / name).is_symlink():
                check_inside(site, Path(folder) / name / "file")


def recover(site: Path) -> bool:
    """Undo a publish that was interrupted; True when there was one to undo.

    Call with the lock held. Files the interrupted publish had replaced get their old content
    back; files it had added are removed.
    """
    journal = _journal(site)
    if not journal.exists():
        return False
    plan_path = journal / "plan.json"
    if plan_path.exists():
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        for rel in plan["files"]:
            check_inside(site, site / rel)
        for rel in plan["files"]:
            target = site / rel
            backup = journal / "backup" / rel
            if rel in plan["existed"]:
                if backup.exists():
                    os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
    shutil.rmtree(journal)
    return True


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def publish(site: Path, files: Mapping[str, Path], remove: Iterable[str] = ()) -> None:
    """Move each staged file ``files[rel]`` to ``site/rel`` and delete each site file ``remove``
    names (a page's downloads left from an earlier build), all or nothing (see module doc): a
    deleted file is kept in the journal like a replaced one, and put back the same way.

    Call with the lock held. Staged files must be on the same file system as ``site``. Nothing
    is written when a folder on the way to any of them links out of the site
    (:func:`analysis.atomic.check_inside`); when a move fails (a read-only folder, a full disk),
    the files already moved are put back (:func:`recover`) before the error is raised, so the
    site stays as it was.
    """
    site.mkdir(parents=True, exist_ok=True)
    gone = [rel for rel in dict.fromkeys(remove) if rel not in files]
    for rel in [*files, *gone]:
        check_inside(site, site / rel)
    recover(site)
    journal = _journal(site)
    journal.mkdir(parents=True)
    existed = []
    for rel in [*files, *gone]:
        target = site / rel
        if target.exists():
            _link_or_copy(target, journal / "backup" / rel)
            existed.append(rel)
    with naming(journal / "plan.json"):
        write_atomic(
            journal / "plan.json", json.dumps({"files": [*files, *gone], "existed": existed})
        )
    try:
        for rel in files:  # every folder first: a folder that cannot be made fails before a move
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
        for rel, staged in files.items():
            with naming(site / rel):
                os.replace(staged, site / rel)
        for rel in gone:
            with naming(site / rel):
                (site / rel).unlink(missing_ok=True)
    except BaseException:
        recover(site)
        raise
    done = journal.with_name("journal.done")
    shutil.rmtree(done, ignore_errors=True)
    os.replace(journal, done)
    shutil.rmtree(done, ignore_errors=True)
    for folder in {(site / rel).parent for rel in gone}:  # a downloads folder left empty
        with contextlib.suppress(OSError):
            folder.rmdir()
