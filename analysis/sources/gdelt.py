"""GDELT event files -> incident rows: material conflict (CAMEO roots 18-20) in the case's
countries, deduplicated.

Reads GDELT 2.0 export files (tab-separated, no header, 61 columns) and GDELT 1.0 daily files
(57 columns before April 2013, 58 with ``SOURCEURL`` after), plain or zipped, one file or a folder
of them. Rows are kept when ``ActionGeo_CountryCode`` is one of the case's FIPS codes
(``case.yml``: ``feeds: gdelt: countries``, read at call time; the Iraq case: "IZ") and
``EventRootCode`` is "18" (assault), "19" (fight) or "20" (unconventional mass violence); codes
are compared as strings ("0211" keeps its zero). ``ActionGeo_ADM1Code`` names the area by the
case's ``admin1`` table, else the place name by the areas' aliases.

Speed and memory: a month of 2.0 files is millions of rows, of which a few per cent are about one
country, so a file is never split into all its fields. It is read in binary blocks of ``block_size``
bytes (a line cut by a block end is carried over; a zip member is read as a stream); numpy finds
each block's line ends and the bytes ``\\tIZ\\t`` (each country code between tabs), which every row
with that ``ActionGeo_CountryCode`` contains, and only those candidate lines (a few per cent of a
file) go to pyarrow's CSV parser (all as strings, no type inference), after which the exact filter
on the parsed columns keeps the rows, so the result is the same as parsing everything. Memory is
bounded by the block size plus the kept rows, whatever the file size.
Validation: every candidate line must have the layout's number of fields (else a
:class:`DataValidationError` names file, line and ``(row)``); the other lines, which cannot be
rows kept, are checked only in aggregate (a block's tab count must equal its non-empty lines
times the fields less one; a mismatch is traced to the offending lines) and their cells are not
decoded. Line numbers are the file's physical lines (an empty line counts; it is skipped, not
an error); lines end in ``\\n`` or ``\\r\\n``. pyarrow rather than DuckDB: it is already
what pandas uses for its string columns (no new dependency), and with the byte pre-filter the
parser sees so few lines that its speed no longer matters. ``benchmarks/ingest_gdelt.py``
measures the loader against ``pandas.read_csv``.

Several GDELT rows often describe one event (one per article cluster): rows with the same
``SQLDATE``, place (``ActionGeo_FeatureID``, else ``ActionGeo_FullName``) and ``EventCode`` are
collapsed into one incident; ``num_articles`` sums their ``NumArticles`` and ``num_reports``
counts them. Machine-coded from unverified media reports, GDELT rows are ``confirmation =
"claimed"`` and ``source_reliability = "low"``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis.case import Case
from analysis.data.load import DataValidationError, Problem
from analysis.data.schema import URL_RE
from analysis.errors import ParameterError
from analysis.sources import feeds
from analysis.sources.bounded import open_bounded
from analysis.sources.common import CaseRules, case_rules, finish

_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_EVENT = (
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
)


def _geo(prefix: str, adm2: bool) -> tuple[str, ...]:
    fields = ["Type", "FullName", "CountryCode", "ADM1Code"]
    fields += ["ADM2Code"] if adm2 else []
    fields += ["Lat", "Long", "FeatureID"]
    return tuple(f"{prefix}Geo_{f}" for f in fields)


def _columns(adm2: bool) -> tuple[str, ...]:
    return (
        ("GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate")
        + tuple(f"Actor1{f}" for f in _ACTOR)
        + tuple(f"Actor2{f}" for f in _ACTOR)
        + _EVENT
        + _geo("Actor1", adm2)
        + _geo("Actor2", adm2)
        + _geo("Action", adm2)
        + ("DATEADDED",)
    )


#: Column names by field count: GDELT 2.0 (61), GDELT 1.0 daily files (58) and backfiles (57).
LAYOUTS: dict[int, tuple[str, ...]] = {
    61: _columns(True) + ("SOURCEURL",),
    58: _columns(False) + ("SOURCEURL",),
    57: _columns(False),
}

#: The columns the loader converts (the rest are tokenised and skipped).
NEEDED = (
    "GLOBALEVENTID",
    "SQLDATE",
    "Actor1Name",
    "Actor2Name",
    "EventCode",
    "EventRootCode",
    "NumArticles",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_FeatureID",
    "SOURCEURL",
)

ROOT_CODES = ("18", "19", "20")

#: CAMEO event codes -> ``attack_type`` (most specific first; unlisted codes are "unknown").
CAMEO_ATTACK_TYPES = {
    "1831": "ied",  # suicide bombing
    "1832": "ied",  # vehicular bombing
    "1833": "ied",  # roadside bombing
    "1834": "ied",  # location bombing
    "183": "ied",  # suicide, car or other non-military bombing
    "1952": "drone",  # remotely piloted aerial munitions
    "194": "rocket",  # fight with artillery and tanks
}

#: CAMEO labels used in generated descriptions.
CAMEO_LABELS = {
    "18": "assault",
    "180": "use unconventional violence",
    "181": "abduct, hijack or take hostage",
    "182": "physically assault",
    "183": "bombing",
    "1831": "suicide bombing",
    "1832": "vehicular bombing",
    "1833": "roadside bombing",
    "1834": "location bombing",
    "184": "use as human shield",
    "185": "attempt to assassinate",
    "186": "assassinate",
    "19": "fight",
    "190": "use conventional military force",
    "191": "impose blockade",
    "192": "occupy territory",
    "193": "fight with small arms and light weapons",
    "194": "fight with artillery and tanks",
    "195": "employ aerial weapons",
    "1951": "employ precision-guided aerial munitions",
    "1952": "employ remotely piloted aerial munitions",
    "196": "violate ceasefire",
    "20": "use unconventional mass violence",
    "200": "use unconventional mass violence",
    "201": "mass expulsion",
    "202": "mass killings",
    "203": "ethnic cleansing",
    "204": "use weapons of mass destruction",
}

EXTRAS = ("num_articles", "num_reports", "event_code", "adm1_code")


def files_in(path: Path | str) -> list[Path]:
    """The GDELT event files of ``path``: itself, or a folder's ``*.CSV``/``*.CSV.zip`` sorted
    (the file names of the feed registry, :data:`analysis.sources.feeds.FEEDS`)."""
    path = Path(path)
    if path.is_dir():
        return feeds.feed("gdelt").files(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return [path]


def _open_binary(path: Path, stack: ExitStack):
    """``path`` or its zip's first member, read within :mod:`analysis.sources.bounded`'s bounds
    (a line, the file uncompressed), so a zip bomb of one endless line is refused."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            if not any(not n.endswith("/") for n in zf.namelist()):
                raise DataValidationError(path, [Problem(1, "(file)", "zip archive is empty")])
    return stack.enter_context(open_bounded(path))


_TAB, _LF, _CR = 9, 10, 13
_FIPS = re.compile(r"^[A-Z]{2}$")


def country_codes(
    countries: Iterable[str] | None = None, case: Case | None = None
) -> tuple[str, ...]:
    """The FIPS country codes a scan keeps: ``countries``, or ``case``'s (default: the current
    case's, read now)."""
    codes = tuple(feeds.settings("gdelt", case).codes if countries is None else countries)
    if not codes or any(not (isinstance(c, str) and _FIPS.match(c)) for c in codes):
        raise ParameterError(f"countries must be two-letter FIPS codes such as IZ, got {codes!r}")
    return codes


def scan(
    path: Path | str, *, block_size: int = 4 << 20, countries: Iterable[str] | None = None
) -> tuple[pa.Table, int]:
    """Stream one GDELT file and keep rows of CAMEO roots 18-20 in ``countries`` (FIPS codes;
    default: the case's, :func:`country_codes`), as strings.

    Returns (kept rows with the :data:`NEEDED` columns plus ``line``, the 1-based line number in
    the file; number of data rows read, i.e. non-empty lines). Memory: a block of ``block_size``
    bytes at a time plus the candidate lines awaiting parsing (at most about ``block_size``).

    Only lines containing the bytes ``\\tIZ\\t`` (each code between tabs) are parsed; the
    module docstring says how, and what is checked on the other lines.
    """
    if block_size < 1:
        raise ParameterError(f"block_size must be a positive number of bytes, not {block_size}")
    path = Path(path)
    scanner = _Scanner(path, block_size, country_codes(countries))
    with ExitStack() as stack:
        for buf, end in _whole_lines(_open_binary(path, stack), block_size):
            scanner.feed(buf, end)
    scanner.flush()
    if not scanner.kept:
        return empty_scan(), scanner.rows
    table = pa.concat_tables(scanner.kept)
    if "SOURCEURL" not in table.column_names:
        table = table.append_column("SOURCEURL", pa.array([""] * table.num_rows, pa.string()))
    return table.select(list(NEEDED) + ["line"]), scanner.rows


def _whole_lines(fh, block_size: int) -> Iterator[tuple[bytearray, int]]:
    """Read ``fh`` in blocks; yield (buffer, end) where ``buffer[:end]`` is whole lines.

    Every yielded piece ends in ``\\n`` (a last line without one gets it); a line split across
    blocks is carried over to the next piece. The buffer is reused: use it before the next step.
    """
    buf = bytearray(max(block_size, 1))
    have = 0  # bytes of an unfinished line at the front of buf
    while True:
        if have == len(buf):  # a line longer than the buffer
            buf.extend(bytes(len(buf)))
        n = fh.readinto(memoryview(buf)[have:])
        if not n:
            break
        size = have + n
        end = buf.rfind(b"\n", 0, size) + 1
        if end:
            yield buf, end
        buf[: size - end] = buf[end:size]
        have = size - end
    if have:
        yield buf[:have] + b"\n", have + 1


def _positions(mask: np.ndarray) -> np.ndarray:
    """Indices of the True entries of a sparse boolean mask, in order (``np.flatnonzero``).

    Faster on sparse masks: it finds the 8-byte words holding a True; a word holding one True
    (0x01 in one byte, read little-endian) is 2**(8 * offset), whose exponent gives the byte's
    offset; only words holding several are looked into byte by byte.
    """
    n = len(mask) // 8 * 8
    words = mask[:n].view("<u8")
    hit = np.flatnonzero(words != 0)
    values = words[hit]
    single = (values & (values - np.uint64(1))) == 0
    exponent = np.frexp(values[single].astype(np.float64))[1]  # 2**k = 0.5 * 2**(k + 1)
    found = hit[single] * 8 + (exponent - 1) // 8
    if not single.all():
        several = hit[~single]
        rows, cols = np.nonzero(mask[:n].reshape(-1, 8)[several])
        found = np.sort(np.concatenate((found, several[rows] * 8 + cols)))
    rest = np.flatnonzero(mask[n:])  # the last len(mask) % 8 entries
    return np.concatenate((found, rest + n)) if len(rest) else found


class _Scanner:
    """State of one file's scan: layout, line count, candidate lines awaiting parsing, kept rows."""

    def __init__(self, path: Path, block_size: int, codes: tuple[str, ...]):
        self.path = path
        self.block_size = block_size
        self.codes = codes
        # second letter -> the first letters it follows: one pass over a block per second letter
        pairs: dict[int, list[int]] = {}
        for code in dict.fromkeys(codes):
            pairs.setdefault(ord(code[1]), []).append(ord(code[0]))
        self.pairs = [(second, np.array(firsts, np.uint8)) for second, firsts in pairs.items()]
        self.n_fields: int | None = None
        self.lines = 0  # physical lines before the current piece
        self.rows = 0  # non-empty lines
        self.pending: list[bytearray] = []
        self.pending_lines: list[int] = []
        self.pending_bytes = 0
        self.kept: list[pa.Table] = []
        self.mask = np.empty(0, bool)

    def fail(self, problems: list[Problem]) -> NoReturn:
        raise DataValidationError(self.path, problems)

    def feed(self, buf: bytearray, end: int) -> None:
        """Scan ``buf[:end]`` (whole lines): count and check them, queue the candidate lines."""
        arr = np.frombuffer(buf, np.uint8, count=end)
        if len(self.mask) < end:
            self.mask = np.empty(end, bool)
        mask = self.mask[:end]  # reused: no fresh pages for every block
        newlines = _positions(np.equal(arr, _LF, out=mask))
        starts = np.empty_like(newlines)
        starts[0] = 0
        starts[1:] = newlines[:-1] + 1
        stops = newlines
        if buf.find(b"\r", 0, end) >= 0:
            stops = self._without_cr(arr, starts, newlines)
        nonempty = stops > starts
        if self.n_fields is None and not self._layout(buf, starts, stops, nonempty):
            self.lines += len(newlines)
            return
        n_rows = int(np.count_nonzero(nonempty))
        if np.count_nonzero(np.equal(arr, _TAB, out=mask)) != (self.n_fields - 1) * n_rows:
            self.fail(self._bad_lines(buf, starts, stops, nonempty))
        hits = []
        for second, firsts in self.pairs:  # the bytes \tXY\t of each country code XY
            z = _positions(np.equal(arr, second, out=mask))
            z = z[z >= 2]
            before = arr[z - 1]
            first = before == firsts[0] if len(firsts) == 1 else np.isin(before, firsts)
            hits.append(z[first & (arr[z - 2] == _TAB) & (arr[z + 1] == _TAB)])
        z = hits[0] if len(hits) == 1 else np.concatenate(hits)
        if len(z):
            idx = np.unique(np.searchsorted(newlines, z))
            # the parser checks each one's field count (see flush)
            first, last = starts[idx], stops[idx]
            self.pending += [buf[s:e] for s, e in zip(first.tolist(), last.tolist(), strict=True)]
            self.pending_bytes += int((last - first).sum())
            self.pending_lines += (idx + self.lines + 1).tolist()
        self.lines += len(newlines)
        self.rows += n_rows
        if self.pending_bytes >= self.block_size:
            self.flush()

    def _layout(self, buf: bytes, starts, stops, nonempty) -> bool:
        """Set the layout from the first non-empty line; False when the piece has none."""
        first = np.flatnonzero(nonempty)
        if not len(first):
            return False
        k = int(first[0])
        n_fields = buf.count(b"\t", int(starts[k]), int(stops[k])) + 1
        if n_fields not in LAYOUTS:
            message = f"has {n_fields} fields; GDELT event files have 57, 58 or 61"
            self.fail([Problem(self.lines + k + 1, "(row)", message)])
        self.n_fields = n_fields
        self.names = LAYOUTS[n_fields]
        self.needed = [c for c in NEEDED if c in self.names]
        return True

    def _without_cr(self, arr, starts, newlines):
        """Line ends without the ``\\r`` of ``\\r\\n``; any other carriage return is an error."""
        cr = np.flatnonzero(arr == _CR)
        lone = cr[arr[cr + 1] != _LF]  # the piece ends in \n, so cr + 1 is inside it
        if len(lone):
            lines = np.unique(np.searchsorted(newlines, lone)) + self.lines + 1
            message = "has a carriage return inside the line (lines end in \\n or \\r\\n)"
            self.fail([Problem(int(n), "(row)", message) for n in lines])
        crlf = (newlines > starts) & (arr[np.maximum(newlines - 1, 0)] == _CR)
        return newlines - crlf

    def _wrong_count(self, number: int, fields: int) -> Problem:
        return Problem(number, "(row)", f"has {fields} fields, expected {self.n_fields}")

    def _bad_lines(self, buf: bytes, starts, stops, nonempty) -> list[Problem]:
        """Every non-empty line of the piece without the layout's number of fields."""
        problems = []
        for k in np.flatnonzero(nonempty).tolist():
            fields = buf.count(b"\t", int(starts[k]), int(stops[k])) + 1
            if fields != self.n_fields:
                problems.append(self._wrong_count(self.lines + k + 1, fields))
        return problems or [Problem(self.lines + 1, "(row)", "field separators do not add up")]

    def flush(self) -> None:
        """Split the pending candidate lines into fields and keep the exact matches."""
        if not self.pending:
            return
        data = b"\n".join(self.pending)
        try:
            table = pacsv.read_csv(
                pa.BufferReader(data),
                read_options=pacsv.ReadOptions(column_names=list(self.names), use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter="\t",
                    quote_char=False,
                    escape_char=False,
                    newlines_in_values=False,
                    ignore_empty_lines=False,
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=self.needed,
                    column_types={c: pa.string() for c in self.needed},
                    strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            self.fail([self._unreadable(exc)])
        if table.num_rows != len(self.pending):  # cannot happen after the checks in feed()
            self.fail([Problem(self.pending_lines[0], "(row)", "lines and rows out of step")])
        mask = pc.and_(
            pc.is_in(table.column("ActionGeo_CountryCode"), value_set=pa.array(self.codes)),
            pc.is_in(table.column("EventRootCode"), value_set=pa.array(ROOT_CODES)),
        )
        idx = pc.indices_nonzero(mask)
        if len(idx):
            lines = pa.array(self.pending_lines, pa.int64()).take(idx)
            self.kept.append(table.take(idx).append_column("line", lines))
        self.pending, self.pending_lines, self.pending_bytes = [], [], 0

    def _unreadable(self, exc: Exception) -> Problem:
        """The first pending line with a wrong field count or bad UTF-8, as a Problem."""
        for number, line in zip(self.pending_lines, self.pending, strict=True):
            fields = line.count(b"\t") + 1
            if fields != self.n_fields:
                return self._wrong_count(number, fields)
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                return Problem(number, "(row)", f"not UTF-8 text: {err.reason}")
        return Problem(self.pending_lines[0], "(row)", f"unreadable: {exc}")


def empty_scan() -> pa.Table:
    fields = [pa.field(c, pa.string()) for c in NEEDED] + [pa.field("line", pa.int64())]
    return pa.schema(fields).empty_table()


def load(
    path: Path | str | Iterable[Path | str],
    *,
    block_size: int = 4 << 20,
    case: Case | None = None,
) -> pd.DataFrame:
    """Read GDELT event files (a file, a folder, or several) into deduplicated incident rows,
    for ``case`` (default: the current case, :func:`analysis.case.current`, read now).

    Returns the ``load_incidents`` columns, then ``source_dataset`` ("gdelt"),
    ``source_event_id`` (the smallest ``GLOBALEVENTID`` of the collapsed rows),
    ``num_articles`` (sum of ``NumArticles``), ``num_reports`` (GDELT rows collapsed),
    ``event_code`` (CAMEO) and ``adm1_code`` (FIPS). A ``GLOBALEVENTID`` seen twice (the same
    file read twice) counts once. ``attrs``: ``rows_read`` (all data rows), ``rows_matched``
    (distinct rows of roots 18-20 in the case's countries, before collapsing), ``rows_kept``.
    Export files only: a folder holding the Parquet cache (``month=YYYY-MM`` folders,
    ``data/interim/gdelt``) is a ``ParameterError`` pointing to
    :func:`analysis.sources.raw.load_gdelt`, which reads either.
    """
    paths = [path] if isinstance(path, str | Path) else list(path)
    for p in paths:
        if Path(p).is_dir() and any(Path(p).glob("month=*")):
            raise ParameterError(
                f"{p} is a GDELT Parquet cache (month=YYYY-MM folders), not export files: read it "
                "with analysis.sources.raw.load_gdelt or analysis.sources.gdelt_cache.read"
            )
    files = [f for p in paths for f in files_in(p)]
    rules = case_rules(case)
    codes = country_codes(case=rules.case)  # read once; FeedNotConfigured when it has none
    parts, n_read = [], 0
    for f in files:
        table, n = scan(f, block_size=block_size, countries=codes)
        n_read += n
        parts.append(checked_rows(table.to_pandas(), f))
    label = Path(paths[0]) if len(paths) == 1 else Path(files[0]).parent if files else Path(".")
    raw = (
        pd.concat(parts, ignore_index=True)
        if parts
        else checked_rows(empty_scan().to_pandas(), label)
    )
    raw = raw.drop_duplicates("event_id_num", keep="first")  # the same file read twice
    out = finish(collapse(raw, rules), "gdelt", label, EXTRAS, rules.case)
    out.attrs["rows_read"] = n_read
    out.attrs["rows_matched"] = len(raw)
    out.attrs["rows_kept"] = len(out)
    out.attrs["files"] = [str(f) for f in files]
    return out


def checked_rows(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Parse dates and counts of the kept rows; a bad cell names file, line and field."""
    problems = []
    frame = frame.copy()
    sqldate = frame["SQLDATE"].str.strip()
    frame["date"] = pd.to_datetime(sqldate, format="%Y%m%d", errors="coerce")
    for i in frame.index[frame["date"].isna()]:
        problems.append(
            Problem(int(frame.at[i, "line"]), "SQLDATE", "not a YYYYMMDD date", sqldate[i])
        )
    articles = frame["NumArticles"].str.strip()
    ok = articles.str.fullmatch(r"\d+")
    for i in frame.index[~ok]:
        problems.append(
            Problem(int(frame.at[i, "line"]), "NumArticles", "not a whole number", articles[i])
        )
    event_id = frame["GLOBALEVENTID"].str.strip()
    for i in frame.index[~event_id.str.fullmatch(r"\d+")]:
        problems.append(
            Problem(int(frame.at[i, "line"]), "GLOBALEVENTID", "not a number", event_id[i])
        )
    if problems:
        raise DataValidationError(path, problems)
    frame["num_articles"] = pd.to_numeric(articles).astype("int64")
    frame["event_id_num"] = pd.to_numeric(event_id).astype("int64")
    return frame


def collapse(raw: pd.DataFrame, rules: CaseRules | None = None) -> pd.DataFrame:
    """One incident per (date, place, CAMEO code), represented by its most-cited row; its area,
    country and actor by the case's rules and ``feeds: gdelt`` settings (``rules``; default:
    the current case's, read now)."""
    rules = rules or case_rules()
    if raw.empty:  # no attack row kept (a 15-minute file often has none)
        columns = ("source_event_id", "event_code", "adm1_code")
        empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
        return empty.assign(num_articles=pd.array([], "Int64"), num_reports=pd.array([], "Int64"))
    place = raw["ActionGeo_FeatureID"].str.strip()
    place = place.where(place != "", raw["ActionGeo_FullName"].str.strip())
    raw = raw.assign(place=place, code=raw["EventCode"].str.strip())
    raw = raw.sort_values(["num_articles", "event_id_num"], ascending=[False, True], kind="stable")
    groups = raw.groupby(["date", "place", "code"], sort=False)
    top = groups.head(1).set_index(["date", "place", "code"])
    agg = groups.agg(
        num_articles=("num_articles", "sum"),
        num_reports=("num_articles", "size"),
        first_id=("event_id_num", "min"),
    )
    top = top.drop(columns=["num_articles"]).join(agg).reset_index()
    code = top["code"]
    attack = code.map(CAMEO_ATTACK_TYPES)
    attack = attack.fillna(code.str[:3].map(CAMEO_ATTACK_TYPES)).fillna("unknown")
    wanted = feeds.settings("gdelt", rules.case)
    adm1 = top["ActionGeo_ADM1Code"].str.strip()
    governorate = adm1.map(dict(wanted.admin1))
    by_name = _map_unique(top["ActionGeo_FullName"], lambda name: _area_from_name(name, rules))
    governorate = governorate.fillna(by_name)
    a1 = top["Actor1Name"].str.strip()
    a2 = top["Actor2Name"].str.strip()
    label = code.map(CAMEO_LABELS).fillna(code.str[:3].map(CAMEO_LABELS)).fillna("conflict")
    description = (
        "GDELT machine-coded event, CAMEO "
        + code
        + " ("
        + label
        + "): "
        + a1.replace("", "(no actor)")
        + " -> "
        + a2.replace("", "(no actor)")
        + "; "
        + top["num_articles"].astype(str)
        + " article(s)"
    )
    url = top["SOURCEURL"].str.strip()
    url = url.where(url.str.match(URL_RE), None)
    ids = top["first_id"].astype(str)
    location = top["ActionGeo_FullName"].str.strip()
    return pd.DataFrame(
        {
            "incident_id": "gdelt-" + ids,
            "date": top["date"],
            "date_precision": "day",
            "location": location.replace("", None),
            "country": top["ActionGeo_CountryCode"].str.strip().map(dict(wanted.countries)),
            "governorate": governorate,
            "attack_type": attack,
            "actor": _map_unique(a1 + " " + a2, rules.actor),
            "attributed_to": a1.replace("", "unknown"),
            "confirmation": "claimed",
            "source_reliability": "low",
            "description": description,
            "source_url": url,
            "source_event_id": ids,
            "num_articles": top["num_articles"].astype("Int64"),
            "num_reports": top["num_reports"].astype("Int64"),
            "event_code": code,
            "adm1_code": adm1.replace("", None),
        }
    )


def _map_unique(values: pd.Series, func) -> pd.Series:
    """``values.map(func)``, calling ``func`` once per distinct value (rows repeat names a lot)."""
    distinct = values.unique()
    return values.map(dict(zip(distinct, map(func, distinct), strict=True)))


def _area_from_name(full_name: object, rules: CaseRules) -> str:
    """Area from a GDELT place name ("Balad, Salah ad Din, Iraq" -> "Salah al-Din")."""
    if not isinstance(full_name, str):
        return "unknown"
    parts = [p.strip() for p in full_name.split(",")][:-1] or [full_name]
    for part in reversed(parts):
        g = rules.area(part)
        if g != "unknown":
            return g
    return "unknown"


__all__ = ["CAMEO_ATTACK_TYPES", "LAYOUTS", "country_codes", "files_in", "load", "scan"]
