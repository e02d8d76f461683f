"""Validated tables cached by content hash: one validation per data version, read by every kernel.

Validating a table cell by cell (:func:`analysis.data.load.read_table`) takes about 0.2 s for the
incidents, and every page of a build reads the same bytes. The typed frame of a valid table is
kept as a pickle under :func:`cache_dir`, one file per :func:`key`: the SHA-256 of the table's
bytes, the case file it was checked against, the table's spec name, the latest date a row may
carry (``today``), the source of the modules that validate (:data:`CODE_FILES`) and the versions of
pandas, pandera and numpy. Another table, case, day or validating code is another key, so a frame
is never served for other data. Only valid tables are stored; an entry is written atomically and
holds its key and a digest of its payload, and one that is damaged, truncated or names another key
is ignored (and replaced by the next validation). The newest :data:`KEEP` entries are kept.

``$ESCALATION_TABLE_CACHE`` names another folder, or ``off`` to validate at every read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.atomic import write_atomic

__all__ = ["CACHE_ENV", "CODE_FILES", "cache_dir", "key", "load", "store"]

#: the environment variable naming the cache folder (``off``: no cache)
CACHE_ENV = "ESCALATION_TABLE_CACHE"
#: the default folder (git-ignored, beside the findings cache)
DEFAULT_DIR = paths.ROOT / "reports" / ".build" / "tables"
_PACKAGE = Path(__file__).resolve().parents[1]
#: the modules whose code decides what a valid table's typed frame is (relative to ``analysis/``)
CODE_FILES = (
    "data/load.py",
    "data/schema.py",
    "data/vocabulary.py",
    "data/table_cache.py",
    "case.py",
    "clock.py",
)
#: entries kept: storing one more removes the oldest (by modification time) beyond this
KEEP = 48
_MAGIC = b"escalation-table-v1\n"
_code_digest: bytes | None = None


def cache_dir() -> Path | None:
    """The cache folder: ``$ESCALATION_TABLE_CACHE`` or :data:`DEFAULT_DIR`; None when ``off``."""
    given = os.environ.get(CACHE_ENV, "")
    if given.strip().lower() in ("off", "0", "no", "false"):
        return None
    return Path(given) if given else DEFAULT_DIR


def _code() -> bytes:
    """The digest of :data:`CODE_FILES` and the library versions (once per process)."""
    global _code_digest
    if _code_digest is None:
        import numpy
        import pandera

        h = hashlib.sha256()
        for name in CODE_FILES:
            h.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes() + b"\0")
        for version in (pd.__version__, pandera.__version__, numpy.__version__):
            h.update(version.encode() + b"\0")
        _code_digest = h.digest()
    return _code_digest


def key(table: bytes, case_bytes: bytes, spec_name: str, today: str) -> str:
    """32 hex digits naming one validated table: its bytes, its case file's bytes, its spec's
    name, the latest date allowed (ISO) and the validating code (:data:`CODE_FILES`)."""
    h = hashlib.sha256()
    for part in (table, case_bytes, spec_name.encode(), today.encode(), _code()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:32]


def _entry(folder: Path, name: str) -> Path:
    return folder / f"{name}.pickle"


def load(name: str) -> pd.DataFrame | None:
    """The frame stored under key ``name``, or None when there is none or it does not check
    (wrong magic, key or digest, unreadable pickle): a damaged entry is never served."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        blob = _entry(folder, name).read_bytes()
    except OSError:
        return None
    head = _MAGIC + name.encode() + b"\n"
    if not blob.startswith(head) or len(blob) < len(head) + 32:
        return None
    digest, payload = blob[len(head) : len(head) + 32], blob[len(head) + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        frame = pickle.loads(payload)
    except Exception:  # any unreadable entry is a miss, validated again
        return None
    return frame if isinstance(frame, pd.DataFrame) else None


def store(name: str, frame: pd.DataFrame) -> None:
    """Keep ``frame`` (a valid table's typed frame) under key ``name``, atomically; a folder that
    cannot be written leaves the table uncached."""
    folder = cache_dir()
    if folder is None:
        return
    payload = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    head = _MAGIC + name.encode() + b"\n"
    try:
        write_atomic(_entry(folder, name), head + hashlib.sha256(payload).digest() + payload)
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Remove the oldest entries beyond :data:`KEEP` (each day and data version adds a few)."""
    entries = []
    for entry in folder.glob("*.pickle"):
        try:
            entries.append((entry.stat().st_mtime_ns, entry))
        except OSError:
            continue  # removed by a parallel caller
    for _, entry in sorted(entries, reverse=True)[KEEP:]:
        entry.unlink(missing_ok=True)
