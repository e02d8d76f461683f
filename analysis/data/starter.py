"""A new case folder: a starter ``case.yml`` and the three tables with their headers only.

``escalation case new DIR`` calls :func:`new_case`. The incidents table's header names the place
column ``area`` (the shipped Iraq tables' ``governorate`` is its older name); ``escalation
validate DIR`` then says what is still missing (the rows, and whatever the case file lacks).
"""

from __future__ import annotations

from pathlib import Path

from analysis import case as case_file
from analysis.atomic import write_atomic
from analysis.data.load import OLDER_NAMES
from analysis.data.schema import EVENT_COLUMNS, INCIDENT_COLUMNS, REPORTED_COLUMNS
from analysis.errors import ConfigError
from analysis.paths import TABLE_FILES

__all__ = ["new_case"]


def _header(columns: tuple[str, ...]) -> str:
    newer = {old: new for new, old in OLDER_NAMES.items()}
    return ",".join(newer.get(c, c) for c in columns) + "\n"


def new_case(folder: Path | str, name: str = "My conflict") -> list[Path]:
    """Write a starter case into ``folder`` (created if needed) and return the files written.

    Refuses (``ConfigError``, nothing written) when ``folder`` already holds a case file or any
    of the tables: a case is never overwritten."""
    folder = Path(folder)
    headers = dict(
        zip(TABLE_FILES, (INCIDENT_COLUMNS, EVENT_COLUMNS, REPORTED_COLUMNS), strict=True)
    )
    files = [folder / case_file.CASE_FILE, *(folder / n for n in TABLE_FILES)]
    there = [p.name for p in files if p.exists()]
    if there:
        raise ConfigError(f"{folder}: already holds {', '.join(there)}; nothing written")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(files[0], case_file.starter_yaml(name))
    for table, columns in headers.items():
        write_atomic(folder / table, _header(columns))
    return files
