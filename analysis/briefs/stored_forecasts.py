"""Stored forecasts as a later outlook reads them: every file checked before it is scored.

The site keeps each forecast the outlook published as ``forecasts/<edition>.json``
(:func:`analysis.briefs.outlook.forecast_record`). A file edited, truncated, replaced by a link
or made by hand would be scored and published as the page's track record; :func:`load` reads
only regular files inside the folder, at most :data:`MAX_BYTES` each, whose record has every
field with the right type, finite quantiles in order (q05 <= q50 <= q95, none below 0) and
sample histograms of the forecast's length. Any other file is skipped, and the page says which
and why (:attr:`StoredForecasts.skipped`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["MAX_BYTES", "QUANTILES", "StoredForecasts", "check_record", "load"]

#: the largest stored forecast read (a record of 2,000 samples over 4 weeks is about 40 KB)
MAX_BYTES = 8 << 20
#: the quantiles every record must hold, in the order they must keep
QUANTILES = ("q05", "q50", "q95")


class StoredForecasts(list):
    """The valid records (a list of dicts, oldest edition first) and ``skipped``: one line per
    file left out, ``forecasts/<file>: <why>``."""

    def __init__(self, records: Iterable[dict] = (), skipped: Iterable[str] = ()) -> None:
        super().__init__(records)
        self.skipped = list(skipped)


def _finite(values: Any, what: str, n: int) -> list[float]:
    """``values`` as ``n`` finite numbers, else a ValueError saying what is wrong."""
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"{what} must be a list of {n} numbers")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"{what} holds {json.dumps(v)}, not a finite number")
    return [float(v) for v in values]


def _date(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a date")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def check_record(record: Any, stem: str = "") -> None:
    """Raise ValueError (what is wrong, in words) unless ``record`` is a forecast record a
    later outlook can score; ``stem``: its file's name without ``.json``, which must be the
    record's edition."""
    if not isinstance(record, Mapping):
        raise ValueError("not a JSON object")
    edition = _date(record.get("edition"), "edition")
    _date(record.get("as_of"), "as_of")
    if stem and stem != edition:
        raise ValueError(f"the file's name says {stem}, its edition {edition}")
    if not isinstance(record.get("model"), str):
        raise ValueError("model is missing")
    periods = record.get("periods")
    if not isinstance(periods, list) or not periods:
        raise ValueError("periods must be a non-empty list of dates")
    for i, p in enumerate(periods, 1):
        _date(p, f"period {i}")
    n = len(periods)
    quantiles = record.get("quantiles")
    if not isinstance(quantiles, Mapping):
        raise ValueError("quantiles are missing")
    q = {k: _finite(quantiles.get(k), f"quantile {k}", n) for k in QUANTILES}
    for week in range(n):
        low, mid, high = (q[k][week] for k in QUANTILES)
        if not 0 <= low <= mid <= high:
            raise ValueError(
                f"week {week + 1}: q05 {low:g}, median {mid:g}, q95 {high:g} are not "
                "0 <= q05 <= median <= q95"
            )
    samples = record.get("samples")
    if not isinstance(samples, list) or len(samples) != n:
        raise ValueError(f"samples must be a list of {n} histograms")
    for week, hist in enumerate(samples, 1):
        if not isinstance(hist, Mapping):
            raise ValueError(f"samples of week {week} are not a histogram")
        values = hist.get("values")
        size = len(values) if isinstance(values, list) else -1
        if size < 1:
            raise ValueError(f"samples of week {week} hold no values")
        values = _finite(values, f"samples of week {week}", size)
        counts = hist.get("counts")
        if (
            not isinstance(counts, list)
            or len(counts) != size
            or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in counts)
        ):
            raise ValueError(f"samples of week {week}: counts must be {size} positive integers")
        if min(values) < 0:
            raise ValueError(f"samples of week {week} hold a negative count of attacks")


def load(folder: Path) -> StoredForecasts:
    """The valid stored forecasts in ``folder`` (none when it does not exist), oldest edition
    first, and a line for each file skipped (a link, not a regular file, too large, not UTF-8
    JSON, or a record that fails :func:`check_record`)."""
    records, skipped = [], []
    if not folder.is_dir():
        return StoredForecasts()
    for path in sorted(folder.glob("*.json")):
        where = f"{folder.name}/{path.name}"
        try:
            if path.is_symlink():
                raise ValueError("a symbolic link, not a file the site stored")
            if not path.is_file():
                raise ValueError("not a regular file")
            if path.stat().st_size > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES >> 20} MiB")
            record = json.loads(path.read_bytes().decode("utf-8"))
            check_record(record, path.stem)
        except (OSError, ValueError, RecursionError) as exc:  # JSON and decode errors too
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            skipped.append(f"{where}: {why}")  # the folder's name only: no server path
            continue
        records.append(record)
    return StoredForecasts(sorted(records, key=lambda r: r["edition"]), skipped)
