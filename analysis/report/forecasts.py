"""Stored forecasts: the forecast a brief published, kept so later runs score it.

A brief that glues a ``forecast_record`` (the outlook) has it stored with its page as
``forecasts/<as_of>.json`` (its as-of day; written once, never rewritten: the track record keeps
what was published first) and, with its edition, as ``archive/<day>/<name>.forecast.json``.
Every later brief's kernel finds the folder in ``$ESCALATION_FORECASTS_DIR``
(:func:`analysis.report.execute.kernel_env`); a brief run on a Dask worker takes the files with
it (:func:`pack`, :func:`unpack`: regular files only, never a link). A brief whose notebook reads
them (:func:`reads_forecasts`) has the folder's content in its build key (:func:`folder_hash`),
so an edited, added or removed stored forecast rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.report.publish import naming
from analysis.report.site import ARCHIVE

__all__ = [
    "DATA_KEY",
    "FORECASTS",
    "folder_hash",
    "pack",
    "reads_forecasts",
    "stage",
    "stored_edition",
    "unpack",
]

#: the site's folder of stored forecasts: ``forecasts/<as_of>.json``, written once, never rewritten
FORECASTS = "forecasts"
#: the name the stored forecasts go by among a brief's data in its build key
DATA_KEY = f"{FORECASTS}/"
#: what a notebook calls when it reads the stored forecasts
_READER = "load_forecasts"


def reads_forecasts(notebook: Path) -> bool:
    """Whether ``notebook``'s code reads the stored forecasts (calls ``load_forecasts``)."""
    try:
        return _READER in notebook.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False


def folder_hash(folder: Path, before: str | None = None) -> str:
    """A SHA-256 of the stored forecasts in ``folder`` as a brief would see them: each
    ``*.json`` entry's name with its bytes' hash (a link: where it points). With ``before`` (the
    as-of date of the forecast the brief stored last time), only files of earlier dates count:
    a brief scores only forecasts made before its own, so the one it stored itself does not
    make it build again. A missing folder counts as an empty one."""
    h = hashlib.sha256()
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    for path in paths:
        if before and path.stem >= before:
            continue
        h.update(path.name.encode() + b"\0")
        if path.is_symlink():
            h.update(b"link:" + os.readlink(path).encode(errors="replace"))
        elif path.is_file():
            with path.open("rb") as fh:
                h.update(hashlib.file_digest(fh, "sha256").digest())
        h.update(b"\0")
    return h.hexdigest()


def stored_edition(glued: Mapping[str, Any]) -> str | None:
    """The as-of date of the forecast a build glued (``forecast_record``), or None."""
    record = glued.get("forecast_record")
    if not isinstance(record, Mapping) or not record.get("edition"):
        return None
    return str(record["edition"])


def stage(
    site: Path, staging: Path, name: str, day: str, glued: Mapping[str, Any], notes: list[str]
) -> dict[str, Path]:
    """The forecast brief ``name`` published (its glued ``forecast_record``), staged to be
    published with its edition of ``day``: site path -> staged file. A forecast already stored
    for that as-of day is kept (a note says so in ``notes``), as is a record with a bad date."""
    record = glued.get("forecast_record")
    if not isinstance(record, Mapping) or not record.get("edition"):
        return {}
    as_of = str(record["edition"])
    try:
        as_of = dt.date.fromisoformat(as_of).isoformat()
    except ValueError:
        notes.append(f"{name}: forecast record with a bad as-of date {as_of!r} not stored")
        return {}
    files: dict[str, Path] = {}
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    targets = [f"{FORECASTS}/{as_of}.json", f"{ARCHIVE}/{day}/{name}.forecast.json"]
    for i, rel in enumerate(targets):
        target = site / rel
        if target.is_file() and not target.is_symlink():  # a link is replaced, never kept
            if i == 0:
                notes.append(f"{name}: a forecast for {as_of} is stored already: kept")
            continue
        staged = staging / f"{name}.forecast.{i}.json"
        with naming(staged):
            staged.write_text(text, encoding="utf-8")
        files[rel] = staged
    return files


def pack(folder: Path | None) -> dict[str, bytes] | None:
    """The stored forecasts in ``folder`` (file name -> bytes), to travel with a remote brief;
    None without a folder, empty when it does not exist yet. Links and other files that are
    not regular stay behind (the brief's page names them as skipped only locally)."""
    if folder is None:
        return None
    if not folder.is_dir():
        return {}
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.glob("*.json"))
        if p.is_file() and not p.is_symlink()
    }


def unpack(blobs: Mapping[str, bytes] | None, work: Path) -> Path | None:
    """Write :func:`pack`'s ``blobs`` into ``work/forecasts`` for a remote brief's kernel; the
    folder, or None when the brief travelled without stored forecasts."""
    if blobs is None:
        return None
    folder = work / FORECASTS
    folder.mkdir()
    for name, blob in blobs.items():
        (folder / name).write_bytes(blob)
    return folder
