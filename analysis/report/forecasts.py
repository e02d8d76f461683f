"""Stored forecasts: the forecast a brief published, kept so later runs score it.

A brief that glues a ``forecast_record`` (the outlook) has it stored with its page as
``forecasts/<as_of>.json`` (its as-of day; written once, never rewritten: the track record keeps
what was published first) and, with its edition, as ``archive/<day>/<name>.forecast.json``.
Every later brief's kernel finds the folder in ``$ESCALATION_FORECASTS_DIR``
(:func:`analysis.report.execute.kernel_env`); a brief run on a Dask worker takes the files with
it (:func:`pack`, :func:`unpack`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.report.publish import naming
from analysis.report.site import ARCHIVE

__all__ = ["FORECASTS", "pack", "stage", "unpack"]

#: the site's folder of stored forecasts: ``forecasts/<as_of>.json``, written once, never rewritten
FORECASTS = "forecasts"


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
        if (site / rel).exists():
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
    None without a folder, empty when it does not exist yet."""
    if folder is None:
        return None
    return (
        {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}
    )


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
