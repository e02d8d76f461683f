"""A Parquet cache of GDELT's rows for the case's countries, partitioned by month, filled in
parallel.

Years of GDELT 2.0 are tens of thousands of 15-minute files and hundreds of millions of rows, of
which about 1% are Iraqi material conflict (the Iraq case). The countries are the case file's
(``feeds: gdelt: countries``), sent to each scan with the file and written to
``<cache>/countries.txt``: a cache filled for other countries is refused by :func:`ingest`, and
:func:`read` keeps only the case's countries. :func:`ingest` scans each downloaded export file once
(:func:`analysis.sources.gdelt.scan`: the byte pre-filter, then the exact filter), validates the
kept rows (a bad date, count or id names the file and line, and that file is not cached) and
writes them to ``<cache>/month=YYYY-MM/<md5>.parquet``, by the month of each row's ``SQLDATE``
(the event's date). A file is keyed by the MD5 that GDELT's master file list gives it: a file
whose MD5 is in the cache is never read again, whatever its name or folder, and a file with no
row kept leaves an empty part so it is not read again either. Each part is written whole or not
at all (a scratch file renamed into place), so an interrupted ingest resumes where it stopped.

The scans run on any ``concurrent.futures.Executor``: a local process pool by default, or a Dask
cluster's (``distributed.Client.get_executor()``, what ``escalation fetch gdelt --scheduler``
uses). A task carries the file's bytes (a worker needs no access to the client's disk) and
returns the kept rows; only the client writes the cache.

:func:`read` loads the cache back as incident rows (the same rows, collapsed and deduplicated as
:func:`analysis.sources.gdelt.load` gives for the files themselves), reading only the months
asked for. pyarrow datasets rather than DuckDB: pyarrow is already a dependency, its hive
partitioning prunes a month query to that month's files, and nothing here needs SQL; the same
filter as SQL over GDELT's BigQuery tables is in ``analysis/sources/README.md``.

This module uses :mod:`analysis.sources.gdelt`'s parser, never the other way round;
:func:`analysis.sources.raw.load_gdelt` chooses between the cache and the export files.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from analysis import paths
from analysis.case import Case
from analysis.errors import DataError, ParameterError
from analysis.sources.common import case_rules, finish
from analysis.sources.gdelt import (
    EXTRAS,
    NEEDED,
    checked_rows,
    collapse,
    country_codes,
    empty_scan,
    scan,
)


def default_cache() -> Path:
    """Where ``escalation fetch gdelt`` keeps the cache: ``<data folder>/interim/gdelt`` (the data
    folder: :func:`analysis.paths.data_dir`, read at each call)."""
    return paths.data_dir() / "interim" / "gdelt"


PART = re.compile(r"^[0-9a-f]{32}\.parquet$")
MONTH = re.compile(r"^month=(\d{4}-\d{2})$")
#: the columns of a cached part: the scanned strings, the line in its file and the file's name
COLUMNS = (*NEEDED, "line", "file")
#: the file in a cache naming the FIPS country codes its rows were kept for, one a line
COUNTRIES_FILE = "countries.txt"


def _schema() -> pa.Schema:
    fields = [pa.field(c, pa.string()) for c in NEEDED]
    return pa.schema([*fields, pa.field("line", pa.int64()), pa.field("file", pa.string())])


@dataclass(frozen=True)
class Source:
    """One GDELT file to cache: its name, its MD5 (hex, from the master list) and where it is."""

    name: str
    md5: str
    path: Path


@dataclass
class IngestReport:
    """What an ingest did: files scanned (with rows read and kept), files already cached, files
    that failed (name -> reason; not cached), seconds taken."""

    cache: Path
    scanned: dict[str, tuple[int, int]] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def rows_read(self) -> int:
        return sum(r for r, _ in self.scanned.values())

    def text(self) -> str:
        kept = sum(k for _, k in self.scanned.values())
        lines = [
            f"{self.cache}: {len(self.scanned)} file(s) scanned ({self.rows_read:,} rows read, "
            f"{kept:,} rows kept), {len(self.cached)} already cached, {len(self.failed)} "
            f"failed, {self.seconds:.1f} s"
        ]
        lines += [f"  failed {name}: {why}" for name, why in self.failed.items()]
        return "\n".join(lines)


def cached_md5s(cache: Path | str) -> set[str]:
    """The MD5s of every file in the cache (each part is named by its file's MD5)."""
    cache = Path(cache)
    if not cache.is_dir():
        return set()
    return {
        p.name[:32]
        for d in cache.iterdir()
        if d.is_dir() and MONTH.match(d.name)
        for p in d.iterdir()
        if PART.match(p.name)
    }


def scan_file(
    name: str, source: Path | str | bytes, countries: tuple[str, ...] | None = None
) -> tuple[pa.Table | None, int, str]:
    """Run in a worker: the validated rows of one GDELT file (a path, or its bytes) in
    ``countries`` (FIPS codes; sent by the client, since a worker may not see the case file)
    with their file's ``name``, the number of rows it read, and '' - or, for a file that cannot be
    read or validated, (None, 0, the reason naming ``name`` and the line). The reason comes back
    as text: the loader's errors do not travel between processes."""
    try:
        if isinstance(source, bytes):
            suffix = ".zip" if source[:4] == b"PK\x03\x04" else ".CSV"
            with tempfile.TemporaryDirectory(prefix="gdelt-") as tmp:
                path = Path(tmp) / (Path(name).name if Path(name).suffix else name + suffix)
                path.write_bytes(source)
                return _scan(name, path, countries)
        return _scan(name, Path(source), countries)
    except (DataError, OSError, ValueError) as exc:
        return None, 0, " ".join(str(exc).split())[:500]


def _scan(name: str, path: Path, countries: tuple[str, ...] | None) -> tuple[pa.Table, int, str]:
    table, rows = scan(path, countries=countries)
    checked_rows(table.to_pandas(), Path(name))  # a bad date, count or id: this file is refused
    table = table.append_column("file", pa.array([name] * table.num_rows, pa.string()))
    return table.cast(_schema()), rows, ""


def _write_parts(cache: Path, md5: str, table: pa.Table, stamp_month: str) -> None:
    """Write ``table`` as one part per month of its rows' ``SQLDATE`` (an empty table: one empty
    part in ``stamp_month``), each whole or not at all."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    months = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(table["SQLDATE"]), 0, 6)
    groups = sorted(set(months.to_pylist())) or [stamp_month.replace("-", "")]
    for ym in groups:
        part = table.filter(pc.equal(months, ym)) if table.num_rows else table
        folder = cache / f"month={ym[:4]}-{ym[4:6]}"
        folder.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".parquet")
        os.close(fd)
        try:
            pq.write_table(part, scratch, compression="zstd")
            os.replace(scratch, folder / f"{md5}.parquet")
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise


def _month_of(name: str) -> str:
    m = re.match(r"(\d{4})(\d{2})", Path(name).name)
    return f"{m.group(1)}-{m.group(2)}" if m else "0000-00"


def ingest(
    sources: Iterable[Source],
    cache: Path | str | None = None,
    *,
    executor: cf.Executor | None = None,
    jobs: int | None = None,
    send_bytes: bool = False,
    progress: Callable[[str], None] | None = None,
    case: Case | None = None,
) -> IngestReport:
    """Scan every source whose MD5 is not cached yet, in parallel on ``executor`` (default: a
    local pool of ``jobs`` processes), and write its rows in the countries of ``case`` (default:
    the current case) into ``cache``. A cache filled for other countries (its ``countries.txt``)
    is a :class:`~analysis.errors.ParameterError`: its parts would hold the wrong rows.

    ``send_bytes``: each task carries the file's bytes rather than its path (for workers on
    other machines; :func:`ingest` sets it for an executor it did not make). A file that
    cannot be read or validated is reported in :attr:`IngestReport.failed` and not cached; the
    others are. ``progress`` is called with each file's name as it is done.
    """
    import time

    start = time.perf_counter()
    cache = Path(cache) if cache is not None else default_cache()
    codes = country_codes(case=case)
    _claim(cache, codes)
    report = IngestReport(cache)
    have = cached_md5s(cache)
    todo: dict[str, Source] = {}
    for s in sources:
        if not re.fullmatch(r"[0-9a-f]{32}", s.md5):
            raise ParameterError(f"{s.name}: MD5 must be 32 hex digits, got {s.md5!r}")
        if s.md5 in have:
            report.cached.append(s.name)
        else:
            todo.setdefault(s.md5, s)  # the same file listed twice is read once
    own = executor is None
    if own and todo:
        import multiprocessing

        executor = cf.ProcessPoolExecutor(
            max_workers=min(jobs or os.cpu_count() or 1, len(todo)),
            mp_context=multiprocessing.get_context("spawn"),
        )
    send_bytes = send_bytes or not own
    try:
        futures = {}
        for md5, s in todo.items():
            arg = s.path.read_bytes() if send_bytes else str(s.path)
            futures[executor.submit(scan_file, s.name, arg, codes)] = (md5, s)
        for fut in cf.as_completed(futures):
            md5, s = futures[fut]
            try:
                table, rows, error = fut.result()
            except Exception as exc:  # a lost worker, a pool broken
                table, rows, error = None, 0, f"{type(exc).__name__}: {exc}"
            if table is None:
                report.failed[s.name] = error
            else:
                _write_parts(cache, md5, table, _month_of(s.name))
                report.scanned[s.name] = (rows, table.num_rows)
            if progress:
                progress(s.name)
    finally:
        if own and executor is not None:
            executor.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - start
    return report


def cache_countries(cache: Path | str) -> tuple[str, ...] | None:
    """The FIPS country codes ``cache`` was filled for (None: none recorded)."""
    marker = Path(cache) / COUNTRIES_FILE
    if not marker.is_file():
        return None
    return tuple(line.strip() for line in marker.read_text("utf-8").splitlines() if line.strip())


def _claim(cache: Path, codes: tuple[str, ...]) -> None:
    """Record ``codes`` as the cache's countries, or refuse a cache filled for others."""
    had = cache_countries(cache)
    if had is None and cached_md5s(cache):
        raise ParameterError(
            f"{cache}: a GDELT cache that does not record its countries (no {COUNTRIES_FILE}, "
            f"written before the case file named them); write its FIPS codes there, one a line "
            f"(IZ for the Iraq case), or move it aside"
        )
    if had is not None and set(had) != set(codes):
        raise ParameterError(
            f"{cache}: a GDELT cache of the countries {', '.join(had)}, but the case asks for "
            f"{', '.join(codes)}; move it aside or pass --cache DIR for a new one"
        )
    if had is None:
        from analysis.atomic import write_atomic

        cache.mkdir(parents=True, exist_ok=True)
        write_atomic(cache / COUNTRIES_FILE, "".join(f"{c}\n" for c in codes))


def is_cache(folder: Path | str) -> bool:
    """True when ``folder`` is a cache :func:`ingest` wrote (it holds ``month=YYYY-MM`` folders),
    not a folder of export files."""
    folder = Path(folder)
    return folder.is_dir() and any(folder.glob("month=*"))


def months(cache: Path | str) -> list[str]:
    """The months (``YYYY-MM``) the cache holds rows or parts for, in order."""
    cache = Path(cache)
    if not cache.is_dir():
        return []
    return sorted(m.group(1) for d in cache.iterdir() if (m := MONTH.match(d.name)))


def read_raw(
    cache: Path | str, start: dt.date | str | None = None, end: dt.date | str | None = None
) -> pa.Table:
    """The cached rows (strings, as scanned) of the months from ``start`` to ``end``
    (inclusive, by ``SQLDATE``; default: all), read from those months' parts only."""
    import pyarrow.dataset as ds

    cache = Path(cache)
    if not cache.is_dir():
        raise DataError(f"{cache}: no GDELT cache (run escalation fetch gdelt)", path=cache)
    lo = _ym(start) if start is not None else "0000-00"
    hi = _ym(end) if end is not None else "9999-99"
    wanted = [m for m in months(cache) if lo <= m <= hi]
    files = [
        str(p)
        for m in wanted
        for p in sorted((cache / f"month={m}").iterdir())
        if PART.match(p.name)
    ]
    if not files:
        return empty_scan().append_column("file", pa.array([], pa.string()))
    table = ds.dataset(files, format="parquet", schema=_schema()).to_table()
    if start is not None or end is not None:  # the days within the first and last month
        import pyarrow.compute as pc

        day = pc.utf8_trim_whitespace(table["SQLDATE"])
        keep = pc.and_(
            pc.greater_equal(day, _ymd(start) if start is not None else "00000000"),
            pc.less_equal(day, _ymd(end) if end is not None else "99999999"),
        )
        table = table.filter(keep)
    return table


def read(
    cache: Path | str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    *,
    case: Case | None = None,
) -> pd.DataFrame:
    """The cache as incident rows (for ``case``; default: the current case, read now), as
    :func:`analysis.sources.gdelt.load` returns them for the same files (collapsed per date, place
    and CAMEO code; a ``GLOBALEVENTID`` seen twice counts once), for the days ``start`` .. ``end``
    (default: all), in the case's countries (a cache filled for more keeps its other rows out).
    ``attrs["rows_matched"]``: cached rows read; ``attrs["months"]``: the months read."""
    cache = Path(cache) if cache is not None else default_cache()
    table = read_raw(cache, start, end)
    rules = case_rules(case)
    frame = table.to_pandas()
    codes = country_codes(case=rules.case)
    frame = frame[frame["ActionGeo_CountryCode"].str.strip().isin(codes).to_numpy()]
    raw = checked_rows(frame.reset_index(drop=True), cache)
    raw = raw.sort_values(["file", "line"], kind="stable")
    raw = raw.drop_duplicates("event_id_num", keep="first").drop(columns=["file"])
    out = finish(collapse(raw, rules), "gdelt", cache, EXTRAS, rules.case)
    out.attrs["rows_matched"] = len(raw)
    out.attrs["rows_kept"] = len(out)
    out.attrs["months"] = sorted({str(d)[:7] for d in table["SQLDATE"].to_pylist()})
    return out


def _ym(value: dt.date | str) -> str:
    return _ymd(value)[:4] + "-" + _ymd(value)[4:6]


def _ymd(value: dt.date | str) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ParameterError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    return f"{value:%Y%m%d}"


def sources_from(listed: Iterable[Any], folder: Path | str) -> list[Source]:
    """:class:`Source` rows for master-list entries (``.name``, ``.md5``) found in ``folder``."""
    folder = Path(folder)
    return [Source(f.name, f.md5, folder / f.name) for f in listed if (folder / f.name).is_file()]


def describe(cache: Path | str) -> Mapping[str, Any]:
    """Files and months in the cache (for messages)."""
    return {"files": len(cached_md5s(cache)), "months": months(cache)}
