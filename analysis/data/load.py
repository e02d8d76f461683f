"""Validated loading of the shipped tables into typed DataFrames.

Every cell is checked against the table's schema (:mod:`analysis.data.schema`) before any type
conversion, and all problems are gathered into one :class:`DataValidationError` that names the
file, the line and the field of each, so a bad file never passes quietly and never half-loads.

What is refused, besides cells that break the schema (each a :class:`Problem` with the physical
line and the field):

- bytes that are not UTF-8 (on the line holding the byte, in the field holding it);
- broken CSV quoting: a quoted value left open at the end of the file (it would swallow the rest
  of the file), or text after a closing quote;
- dates that are not real, before ``1900-01-01`` or in the future: "future" is judged by the date
  in the case's time zone (:func:`analysis.clock.today_local`), never by the machine's;
- a value outside a vocabulary of the case (``case.yml`` beside the table, else the case in use;
  :mod:`analysis.case`): the message names the case file;
- a table with too few rows: every table needs at least one row, and the curated incidents table
  at least the case's ``min_incidents`` rows (``TableSpec.min_rows``; 250 for the shipped case, see
  ``data/README.md``), so briefs are never built and published from a truncated or emptied file.

The incidents table names an incident's place in an ``area`` column; ``governorate`` (the shipped
Iraq tables' header) is read as its older name, and the typed frame calls the column
``governorate`` whichever the file uses. ``country`` may be left out: each row then takes its
area's country (an ``unknown`` area: the case's only country; with several, the row is refused).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis import case as case_file
from analysis.clock import today_local
from analysis.data import table_cache
from analysis.data.schema import TableSpec, spec_for_header, specs
from analysis.errors import DataError
from analysis.paths import RECORD_READS_ENV, data_dir


@dataclass(frozen=True, order=True)
class Problem:
    """One bad cell (or row, or header): where it is and what is wrong with it."""

    line: int
    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        value = f" (value: {self.value!r})" if self.value != "" else ""
        return f"line {self.line}, field '{self.field}': {self.message}{value}"


class DataValidationError(DataError):
    """A data file failed validation; ``.problems`` lists every offending line and field
    (``line`` and ``field`` are those of the first problem)."""

    def __init__(self, path: Path | str, problems: Iterable[Problem]):
        self.path = Path(path)
        self.problems = sorted(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(
            self.report(),
            path=path,
            line=first.line if first else None,
            field=first.field if first else None,
        )

    def report(self) -> str:
        n = len(self.problems)
        lines = [f"{self.path}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  {self.path}:{p}" for p in self.problems]
        return "\n".join(lines)


class UnreadableRow(DataError):
    """The csv module could not parse a row; ``line`` is where that row starts."""

    def __init__(self, line: int, message: str):
        super().__init__(message, line=line)


def numbered_rows(reader: Iterable) -> Iterator[tuple[int, object]]:
    """Each row of a ``csv.reader``/``DictReader`` with the physical line it starts on.

    Line numbers stay right with quoted multi-line cells and CRLF ends (they come from the
    reader's ``line_num``). A row the csv module cannot parse raises :class:`UnreadableRow`.
    """
    last = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableRow(last + 1, str(exc)) from exc
        start, last = last + 1, reader.line_num
        yield start, row


def first_row(reader: Iterator[list[str]], path: Path) -> list[str]:
    """The first row (the header, usually) of a ``csv.reader`` over ``path``.

    Raises :class:`DataValidationError` when the file is empty or that row is unreadable.
    """
    try:
        return next(reader)
    except StopIteration:
        raise DataValidationError(path, [Problem(1, "(header)", "the file is empty")]) from None
    except csv.Error as exc:
        raise DataValidationError(
            path, [Problem(1, "(header)", f"unreadable CSV: {exc}")]
        ) from None


#: a byte that is not UTF-8, as decoded with ``errors="surrogateescape"``
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _breaks(text: str) -> int:
    """How many physical line ends ``text`` holds (``\\n``, ``\\r\\n`` or a lone ``\\r``)."""
    return len(_LINE_BREAK.findall(text))


def _decoded(path: Path) -> str:
    """The text of ``path`` with any byte that is not UTF-8 kept as a lone surrogate (so the file
    is still parsed and every such byte reported where it is); a UTF-8 BOM is dropped."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape")


def _encoding_problems(start: int, row: list[str], names: list[str]) -> list[Problem]:
    """A :class:`Problem` for each cell of ``row`` (a record starting on line ``start``) that
    holds bytes that are not UTF-8, on the physical line of its first such byte; the cells are
    cleaned in place (each bad byte becomes U+FFFD) so later messages print safely."""
    problems = []
    line = start
    for i, cell in enumerate(row):
        bad = _UNDECODABLE.search(cell)
        if bad:
            byte = ord(bad.group()) - 0xDC00
            field = names[i] if i < len(names) else "(row)"
            clean = _UNDECODABLE.sub("\ufffd", cell)
            problems.append(
                Problem(
                    line + _breaks(cell[: bad.start()]),
                    field,
                    f"byte 0x{byte:02X} is not UTF-8 (save the file as UTF-8)",
                    clean,
                )
            )
            row[i] = clean
        line += _breaks(cell)
    return problems


def _quoting_error(raw: str) -> tuple[int, int, str, str] | None:
    """Where the quoting of one CSV record (its raw text) goes wrong, as the strict csv reader
    sees it: (field index, line ends before the bad field's opening quote, what is wrong, the
    start of the value), or None if nothing is found."""
    field, quote, state = 0, 0, "start"
    for i, ch in enumerate(raw):
        if state == "start":
            if ch == '"':
                state, quote = "quoted", i
            elif ch == ",":
                field += 1
            elif ch in "\r\n":
                return None
            else:
                state = "plain"
        elif state == "plain":
            if ch == ",":
                field, state = field + 1, "start"
            elif ch in "\r\n":
                return None
        elif state == "quoted":
            if ch == '"':
                state = "closed"
        elif ch == '"':  # state "closed": a doubled quote inside the value
            state = "quoted"
        elif ch == ",":
            field, state = field + 1, "start"
        elif ch in "\r\n":
            return None
        else:
            value = raw[quote : i + 1]
            return field, _breaks(raw[:quote]), "text after the closing quote", value
    if state == "quoted":
        value = raw[quote + 1 :]
        return (
            field,
            _breaks(raw[:quote]),
            "unclosed quote: the value runs to the end of the file",
            value,
        )
    return None


def _records(
    lines: list[str], names: list[str]
) -> Iterator[tuple[int, list[str] | None, list[Problem]]]:
    """Each record after the header of a file's physical ``lines``: (first line, cells or None
    when the record is unreadable, its problems). Quoting is read strictly, and reading goes on
    after an unreadable record, so every problem of the file is found."""
    reader = csv.reader(lines, strict=True)
    next(reader, None)  # the header, read by the caller
    last = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, last = last + 1, reader.line_num
            found = _quoting_error("".join(lines[start - 1 : last]))
            if found is None:
                yield start, None, [Problem(start, "(row)", f"unreadable CSV: {exc}")]
            else:
                i, before, message, value = found
                field = names[i] if i < len(names) else "(row)"
                value = _UNDECODABLE.sub("\ufffd", value)
                value = value if len(value) <= 60 else value[:57] + "..."
                yield start, None, [Problem(start + before, field, message, value)]
            continue
        start, last = last + 1, reader.line_num
        yield start, row, _encoding_problems(start, row, names)


#: why a row without a country column is refused (its area unknown, the case's countries many)
NO_COUNTRY = "unknown and the file has no country column: the case has several countries"
#: the older name of an incidents table's column, as the shipped Iraq tables spell it
OLDER_NAMES = {"area": "governorate"}


def case_for(path: Path) -> case_file.Case:
    """The case a table is checked against: ``case.yml`` beside it, else the case in use."""
    beside = path.parent / case_file.CASE_FILE
    return case_file.load(path.parent) if beside.is_file() else case_file.current()


def _read_text_table(
    path: Path, spec: TableSpec | str | None, case: case_file.Case
) -> tuple[TableSpec, pd.DataFrame, list[int], list[Problem], dict[str, str]]:
    """Read a CSV as text: its spec, a string DataFrame of the well-formed records, each record's
    first line, the problems found so far (unreadable rows, bad bytes, too few rows) and the
    columns the file names differently (spec's name -> the file's); the cells of the
    well-formed records are checked next. A bad header raises at once."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")
    lines = io.StringIO(_decoded(path), newline="").readlines()
    header = [h.strip() for h in first_row(csv.reader(lines, strict=True), path)]
    problems = _encoding_problems(1, header, ["(header)"] * len(header))
    renamed = {old: new for new, old in OLDER_NAMES.items() if new in header and old not in header}
    header = [next((o for o, n in renamed.items() if n == h), h) for h in header]
    spec = specs(case)[spec] if isinstance(spec, str) else spec or spec_for_header(header, case)
    if spec is None:
        problems.append(Problem(1, "(header)", "not the header of a known table", ",".join(header)))
        raise DataValidationError(path, problems)
    derive = spec.name == "incidents" and "country" not in header and "governorate" in header
    if derive:
        header.insert(header.index("governorate") + 1, "country")
    problems += _header_problems(header, spec, renamed)
    if problems:
        raise DataValidationError(path, problems)
    records, starts, n_rows = [], [], 0
    for start, row, found in _records(lines, header):
        problems += found
        if row is not None and not any(cell.strip() for cell in row):
            continue  # blank line
        n_rows += 1
        if row is None:
            continue
        if derive:
            row.insert(header.index("country"), "")
        if len(row) != len(header):
            problems.append(
                Problem(start, "(row)", f"has {len(row)} fields, the header has {len(header)}")
            )
            continue
        if derive:
            problems += _derive_country(row, header, start, case, renamed)
        records.append(row)
        starts.append(start)
    if n_rows < spec.min_rows:
        problems.append(_too_few_rows(n_rows, len(lines) + 1, spec))
    frame = pd.DataFrame(records, columns=list(spec.columns), dtype=str)
    return spec, frame, starts, problems, renamed


def _derive_country(
    row: list[str], header: list[str], line: int, case: case_file.Case, renamed: dict[str, str]
) -> list[Problem]:
    """Fill an incident row's missing country with its area's (in place); a problem when the
    area is ``unknown`` and the case has several countries."""
    area = row[header.index("governorate")]
    country = case.country_of(area)
    if country is None and (area != case_file.UNKNOWN or len(case.countries) == 1):
        country = case.countries[0]  # an area outside the case is reported on its own
    if country is None:
        field = renamed.get("governorate", "governorate")
        message = f"the {field} is {NO_COUNTRY} ({', '.join(case.countries)}), add a country column"
        return [Problem(line, "country", message, area)]
    row[header.index("country")] = country
    return []


def _too_few_rows(n: int, line: int, spec: TableSpec) -> Problem:
    """The problem of a table with ``n`` rows, fewer than its spec's ``min_rows``; ``line`` is
    the line after the file's last, where the missing rows would be."""
    has = "no rows, only a header" if n == 0 else f"only {n} row{'s' * (n != 1)}"
    needs = f"at least {spec.min_rows} row{'s' * (spec.min_rows != 1)}"
    why = f" ({spec.min_rows_reason})" if spec.min_rows_reason else ""
    return Problem(line, "(rows)", f"{has}; the {spec.name} table needs {needs}{why}", str(n))


def _header_problems(
    header: list[str], spec: TableSpec, renamed: dict[str, str] | None = None
) -> list[Problem]:
    if header == list(spec.columns):
        return []
    if renamed:  # name the columns as the file does
        header = [renamed.get(h, h) for h in header]
    missing = [c for c in spec.columns if c not in header]
    unexpected = [c for c in header if c not in spec.columns]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unexpected:
        parts.append(f"unexpected {', '.join(unexpected)}")
    if not parts:
        parts.append("columns out of order")
    expected = ",".join(spec.columns)
    if spec.name == "incidents":
        expected += " (area may stand for governorate; country may be left out)"
    return [Problem(1, "(header)", f"wrong header: {'; '.join(parts)}. Expected: {expected}")]


def _cell_problems(
    frame: pd.DataFrame, starts: list[int], spec: TableSpec, today: dt.date
) -> list[Problem]:
    problems: list[Problem] = []
    try:
        spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                problems.append(Problem(1, str(case.column), str(case.check)))
                continue
            check = "is duplicated" if case.check == "field_uniqueness" else str(case.check)
            problems.append(
                Problem(starts[int(case.index)], str(case.column), check, str(case.failure_case))
            )
    for column in spec.date_columns:
        dates = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
        future = dates > pd.Timestamp(today)
        for i in future[future].index:
            problems.append(
                Problem(starts[i], column, f"is in the future (after {today})", frame.at[i, column])
            )
    for column, message, bad in spec.cross_checks:
        mask = bad(frame).fillna(False)
        for i in mask[mask].index:
            problems.append(Problem(starts[i], column, message, frame.at[i, column]))
    return problems


def _typed(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = frame.copy()
    for column in spec.date_columns:
        out[column] = pd.to_datetime(out[column], format="%Y-%m-%d").astype("datetime64[ns]")
    for column, values in spec.categories.items():
        out[column] = pd.Categorical(out[column], categories=list(values))
    for column in spec.counts:
        out[column] = pd.to_numeric(out[column].replace("", None)).astype("Int64")
    for column in spec.booleans:
        out[column] = out[column].map({"true": True, "false": False, "": None}).astype("boolean")
    return out


def note_read(path: Path) -> None:
    record = os.environ.get(RECORD_READS_ENV)
    if record:
        with open(record, "a", encoding="utf-8") as fh:
            fh.write(f"{path.resolve()}\n")


def read_table(
    path: Path | str,
    spec: TableSpec | str | None = None,
    *,
    today: dt.date | None = None,
    case: case_file.Case | None = None,
) -> pd.DataFrame:
    """Read and validate one table; raise :class:`DataValidationError` listing every problem.

    ``spec`` is a spec, a table's name (``incidents``, ``political_events``,
    ``attack_counts_reported``: its spec for the case) or None (guessed from the header).
    ``case`` (default: :func:`case_for` the file) gives the vocabularies; ``today`` (default:
    today in the case's time zone, :func:`analysis.clock.today_local`, whatever the machine's)
    is the latest date a row may carry. A broken case file raises
    :class:`analysis.case.CaseError`.
    """
    path = Path(path)
    note_read(path)
    cached = case is None and not isinstance(spec, TableSpec)  # named or guessed: keyable
    case = case or case_for(path)
    today = today or today_local(where=case)
    name = _cache_key(path, spec, today) if cached else None
    if name is not None and (hit := table_cache.load(name)) is not None:
        hit.attrs["source_path"] = str(path)
        return hit
    spec, frame, starts, problems, renamed = _read_text_table(path, spec, case)
    problems += _cell_problems(frame, starts, spec, today)
    unknown = {p.line for p in problems if p.field == "country" and NO_COUNTRY in p.message}
    problems = [  # a row without a country: that problem alone, not its empty cell's too
        p for p in problems if not (p.line in unknown and p.field == "country")
    ] + [p for p in problems if p.line in unknown and NO_COUNTRY in p.message]
    if problems:
        if renamed:
            problems = [replace(p, field=renamed.get(p.field, p.field)) for p in problems]
        raise DataValidationError(path, problems)
    typed = _typed(frame, spec)
    typed.attrs["table"] = spec.name
    if name is not None:
        table_cache.store(name, typed)
    typed.attrs["source_path"] = str(path)
    return typed


def _cache_key(path: Path, spec: str | None, today: dt.date) -> str | None:
    """The :mod:`analysis.data.table_cache` key of ``path`` checked as ``spec`` against the case
    :func:`case_for` reads, on ``today``; None when the cache is off or a file cannot be read
    (then the table is validated and the read fails as it would uncached)."""
    if table_cache.cache_dir() is None:
        return None
    beside = path.parent / case_file.CASE_FILE
    case_path = beside if beside.is_file() else data_dir() / case_file.CASE_FILE
    try:
        table, case_bytes = path.read_bytes(), case_path.read_bytes()
    except OSError:
        return None
    return table_cache.key(table, case_bytes, spec or "", today.isoformat())


def validate_path(path: Path | str, *, today: dt.date | None = None) -> list[Problem]:
    """All problems of a data file (empty when it is valid); reads it, writes nothing."""
    try:
        read_table(path, today=today)
    except DataValidationError as exc:
        return exc.problems
    return []


def load_incidents(path: Path | str | None = None, *, today: dt.date | None = None) -> pd.DataFrame:
    """The curated incidents (one row per attack), validated and typed.

    Columns: ``date`` datetime64 (local date in the case's time zone; with
    ``date_precision == "month"`` only the month is known and the date is the 1st), categoricals
    for the vocabularies (the case's and the structural ones), nullable ``Int64`` for
    ``munitions``/``killed``/``wounded`` (NA: the source does not say) and nullable boolean
    ``intercepted``. Default path: ``data/incidents.csv``.
    """
    return read_table(path or data_dir() / "incidents.csv", "incidents", today=today)


def load_events(path: Path | str | None = None, *, today: dt.date | None = None) -> pd.DataFrame:
    """The political and military events timeline, validated and typed, sorted by date.

    Default path: ``data/political_events.csv``.
    """
    events = read_table(
        path or data_dir() / "political_events.csv", "political_events", today=today
    )
    return events.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)


def load_reported_counts(
    path: Path | str | None = None, *, today: dt.date | None = None
) -> pd.DataFrame:
    """Attack tallies published by officials and media, for checking the dataset's coverage.

    Default path: ``data/attack_counts_reported.csv``.
    """
    path = path or data_dir() / "attack_counts_reported.csv"
    return read_table(path, "attack_counts_reported", today=today)


__all__ = [
    "OLDER_NAMES",
    "case_for",
    "data_dir",
    "DataValidationError",
    "Problem",
    "load_events",
    "load_incidents",
    "load_reported_counts",
    "read_table",
    "validate_path",
]
