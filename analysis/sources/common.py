"""What the feed loaders share: the typed incident frame, name normalisation and CSV reading.

Every loader returns the columns of :func:`analysis.data.load_incidents` with the same dtypes,
followed by ``source_dataset`` (``"acled"``, ``"ucdp"`` or ``"gdelt"``), ``source_event_id`` (the
feed's own id, as text) and any feed-specific extras. Columns a feed cannot fill are NA.

Names come from the case file, read at call time (:func:`case_rules`): areas and their aliases,
``actor_rules`` and ``target_rules``. Nothing here holds one conflict's vocabulary.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

import pandas as pd

from analysis.case import Case
from analysis.case import current as current_case
from analysis.data.actors import first_match
from analysis.data.load import (
    DataValidationError,
    Problem,
    UnreadableRow,
    first_row,
    numbered_rows,
)
from analysis.data.schema import ID_RE, INCIDENT_COLUMNS, URL_RE, incidents_spec
from analysis.sources.bounded import open_bounded_text

#: Columns every feed frame carries after the incident columns.
FEED_COLUMNS = ("source_dataset", "source_event_id")

#: Columns a feed row must always fill (the rest may be NA).
REQUIRED_COLUMNS = (
    "incident_id",
    "date",
    "date_precision",
    "governorate",
    "attack_type",
    "actor",
    "confirmation",
    "source_reliability",
    "source_dataset",
    "source_event_id",
)

# --- areas, actors and targets: from the case file, read at call time -------------------------

_ARTICLE = re.compile(r"^(al|as|an|at|ad|ar|el|ash)\s+")
_SUFFIX = re.compile(r"\b(governorate|province|muhafazat|muhafazah|region|district)\b")


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = _SUFFIX.sub(" ", text)
    text = re.sub(r"[-_'’`.]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _ARTICLE.sub("", text)
    return re.sub(r"[^a-z]", "", text)


@dataclass(frozen=True)
class CaseRules:
    """What the loaders take from one case: its area spellings (name key -> area), and its
    actor and target rules compiled to match in any case."""

    case: Case
    area_keys: Mapping[str, str]
    actors: tuple[tuple[re.Pattern[str], str], ...]
    targets: tuple[tuple[re.Pattern[str], str], ...]

    def area(self, name: object) -> str:
        """The case's name of the area an admin-1 name means; ``"unknown"`` when none."""
        if name is None or (isinstance(name, float) and name != name) or name is pd.NA:
            return "unknown"
        return self.area_keys.get(_name_key(str(name)), "unknown")

    def actor(self, text: object) -> str:
        """The actor free text names by the case's ``actor_rules`` (``"unknown"``: none)."""
        return first_match(self.actors, text, "unknown")

    def target(self, text: object) -> str | None:
        """The target type free text names by the case's ``target_rules`` (None: none)."""
        return first_match(self.targets, text, None)

    @property
    def subject_targets(self) -> tuple[str, ...]:
        """The target types the ``target_rules`` can name: a feed row naming one is about the
        case's subject (:func:`analysis.sources.raw.in_scope`)."""
        return tuple(dict.fromkeys(t for _, t in self.targets))


_RULES: list[CaseRules] = []  # the last case's, rebuilt when the case (file) changes


def case_rules(case: Case | None = None) -> CaseRules:
    """The rules of ``case`` (default: :func:`analysis.case.current`, read now, never at
    import: a kernel forked from a warm process reads its own ``$ESCALATION_DATA_DIR``)."""
    case = case or current_case()
    if _RULES and _RULES[0].case is case:
        return _RULES[0]
    keys: dict[str, str] = {}
    for area in case.areas:  # the first area to claim a spelling keeps it
        for alias in (area.name, *area.aliases):
            keys.setdefault(_name_key(alias), area.name)
    rules = CaseRules(
        case,
        keys,
        tuple((re.compile(p, re.IGNORECASE), a) for p, a in case.actor_rules),
        tuple((re.compile(p, re.IGNORECASE), t) for p, t in case.target_rules),
    )
    _RULES[:] = [rules]
    return rules


def normalise_governorate(name: object) -> str:
    """The current case's name of the area an admin-1 name means (``case.yml``: areas and
    their aliases).

    Accepts the feeds' spellings ("Al Anbar", "Ninawa governorate", "Arbil", "At Ta'mim",
    "Salah ad Din province", ...); anything empty or not recognised is ``"unknown"``.
    """
    return case_rules().area(name)


def infer_target_type(text: object) -> str | None:
    """Target type named by a feed's free text (the current case's ``target_rules``), or None.

    Conservative: a feed row gets a target type only when its text names one; else NA."""
    return case_rules().target(text)


# --- reading delimited text with line numbers -------------------------------------------------


class RowsRead(NamedTuple):
    """What :func:`read_rows` returns: kept rows, their first lines, data rows read, header?"""

    rows: list[dict[str, str]]
    lines: list[int]
    n_read: int
    had_header: bool


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """Open a text file, or the first ``.csv`` member of a zip, BOM-stripped, raw newlines.

    ``newline=""`` lets the csv module handle Windows line ends and quoted line breaks. Read
    within the bounds of :mod:`analysis.sources.bounded` (a line, the file uncompressed).
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            if not any(n.lower().endswith(".csv") for n in zf.namelist()):
                raise DataValidationError(
                    path, [Problem(1, "(file)", "zip archive holds no .csv file")]
                )
    with open_bounded_text(path, member_suffix=".csv") as fh:
        yield fh


def read_rows(
    path: Path,
    columns: tuple[str, ...],
    *,
    header: bool | None = True,
    positional: tuple[str, ...] | None = None,
    keep: Callable[[dict[str, str]], bool] | None = None,
) -> RowsRead:
    """Rows of a CSV file as dicts of the ``columns`` it needs, each with its first line.

    ``header``: True (the first row names the columns; all of ``columns`` must be among them, in
    any order; others are ignored), False (no header: the file's columns are ``positional`` in
    that order), None (detect: a first row naming all of ``columns`` is a header). ``keep``
    filters rows before they are stored, so a large file is held only as its kept rows. Returns
    a :class:`RowsRead`. Raises :class:`DataValidationError` naming the file,
    line and field of every malformed row (at most 50 are gathered).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    n_read = 0
    with open_text(path) as fh:
        reader = csv.reader(fh)
        first = first_row(reader, path)
        names = [c.strip().lower() for c in first]
        if header is None:
            header = all(c.lower() in names for c in columns)
        if header:
            missing = [c for c in columns if c.lower() not in names]
            if missing:
                raise DataValidationError(
                    path,
                    [Problem(1, "(header)", f"missing column(s): {', '.join(missing)}")],
                )
            order = names
        else:
            order = [c.lower() for c in (positional or columns)]
        index = {c: order.index(c.lower()) for c in columns}

        def take(start: int, row: list[str]) -> None:
            nonlocal n_read
            if not any(cell.strip() for cell in row):
                return
            n_read += 1
            if len(row) != len(order):
                problems.append(
                    Problem(start, "(row)", f"has {len(row)} fields, expected {len(order)}")
                )
                return
            record = {c: row[i] for c, i in index.items()}
            if keep is None or keep(record):
                rows.append(record)
                lines.append(start)

        if not header:  # the first row is data
            take(1, first)
        try:
            for start, row in numbered_rows(reader):
                take(start, row)
                if len(problems) >= 50:
                    break
        except UnreadableRow as exc:
            problems.append(Problem(exc.line, "(row)", f"unreadable CSV: {exc}"))
    if problems:
        raise DataValidationError(path, problems)
    return RowsRead(rows, lines, n_read, bool(header))


# --- building and checking the typed frame ----------------------------------------------------


def empty_incidents(case: Case | None = None) -> pd.DataFrame:
    """A zero-row frame with the incident columns and exactly the dtypes of ``load_incidents``
    (for ``case``, default the case in use: its vocabularies are the categories)."""
    empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in INCIDENT_COLUMNS})
    return typed_incidents(empty, case)


def _in_vocabulary(values: pd.Series, vocabulary: tuple[str, ...]) -> pd.Series:
    """A feed's values with those outside the case's ``vocabulary`` (a weapon or target the
    case does not name) read as ``unknown`` when the vocabulary has it, else missing."""
    values = pd.Series(values, dtype=object)
    outside = values.notna() & ~values.isin(vocabulary)
    if not outside.any():
        return values
    return values.where(~outside, "unknown" if "unknown" in vocabulary else None)


def typed_incidents(frame: pd.DataFrame, case: Case | None = None) -> pd.DataFrame:
    """Convert the incident columns of ``frame`` (text/None, Timestamps) to the house dtypes,
    the categories those of ``case`` (default: the case in use).

    Missing incident columns are added as NA; other columns are kept after them.
    """
    out = pd.DataFrame(index=frame.index)
    n = len(frame)
    spec = incidents_spec(case)  # its vocabularies are the categories
    for column in INCIDENT_COLUMNS:
        values = frame[column] if column in frame else pd.Series([None] * n, index=frame.index)
        if column in spec.date_columns:
            out[column] = pd.to_datetime(values).astype("datetime64[ns]")
        elif column in spec.categories:
            out[column] = pd.Categorical(
                _in_vocabulary(values, spec.categories[column]),
                categories=list(spec.categories[column]),
            )
        elif column in spec.counts:
            out[column] = pd.to_numeric(values).astype("Int64")
        elif column in spec.booleans:
            out[column] = values.astype("boolean")
        else:
            out[column] = values.astype("str")
            out.loc[values.isna().to_numpy(), column] = pd.NA
    for column in frame.columns:
        if column not in INCIDENT_COLUMNS:
            out[column] = frame[column]
    return out


def check_incident_frame(
    frame: pd.DataFrame, path: Path | str = "<frame>", case: Case | None = None
) -> None:
    """Raise :class:`DataValidationError` unless ``frame`` satisfies the incident schema.

    The schema of ``data/incidents.csv`` with the relaxations of a feed: the incident columns
    come first, in order, with ``load_incidents`` dtypes (so categorical values are within the
    vocabularies); ``source_dataset`` and ``source_event_id`` follow; :data:`REQUIRED_COLUMNS`
    have no NA; ids are valid and unique; month-precision dates are the 1st of their month;
    counts are >= 0; a ``source_url``, when present, is an http(s) URL.
    """
    problems: list[Problem] = []
    reference = empty_incidents(case).dtypes
    head = tuple(frame.columns[: len(INCIDENT_COLUMNS) + len(FEED_COLUMNS)])
    if head != INCIDENT_COLUMNS + FEED_COLUMNS:
        problems.append(Problem(0, "(columns)", "columns are not the incident columns + feed ids"))
        raise DataValidationError(path, problems)
    for column in INCIDENT_COLUMNS:
        if frame[column].dtype != reference[column]:
            problems.append(
                Problem(0, column, f"dtype {frame[column].dtype}, expected {reference[column]}")
            )
    for column in REQUIRED_COLUMNS:
        for i in frame.index[frame[column].isna().to_numpy()][:5]:
            problems.append(Problem(0, column, f"is missing in row {i}"))
    ids = frame["incident_id"].dropna().astype(str)
    if not ids.is_unique:
        problems.append(Problem(0, "incident_id", "is duplicated"))
    bad_ids = ids[~ids.str.match(ID_RE)]
    for value in bad_ids[:5]:
        problems.append(Problem(0, "incident_id", "not a valid identifier", value))
    month = frame["date_precision"] == "month"
    if (month & (frame["date"].dt.day != 1)).any():
        problems.append(Problem(0, "date", "a month-precision date must be the 1st of its month"))
    for column in incidents_spec(case).counts:
        if (frame[column].dropna() < 0).any():
            problems.append(Problem(0, column, "is negative"))
    urls = frame["source_url"].dropna().astype(str)
    for value in urls[~urls.str.match(URL_RE)][:5]:
        problems.append(Problem(0, "source_url", "not an http(s) URL", value))
    if problems:
        raise DataValidationError(path, problems)


def finish(
    frame: pd.DataFrame,
    dataset: str,
    path: Path,
    extras: tuple[str, ...] = (),
    case: Case | None = None,
) -> pd.DataFrame:
    """Type ``frame``, order its columns (incident, feed ids, ``extras``), check and label it,
    against the vocabularies of ``case`` (default: the case in use)."""
    frame = frame.copy()
    frame["source_dataset"] = dataset
    if "country" not in frame:
        frame["country"] = None  # a loader that knows the row's country sets it
    typed = typed_incidents(frame, case)
    typed["source_event_id"] = typed["source_event_id"].astype("str")
    typed = typed[list(INCIDENT_COLUMNS + FEED_COLUMNS + extras)]
    typed = typed.sort_values(["date", "incident_id"], kind="stable").reset_index(drop=True)
    check_incident_frame(typed, path, case)
    typed.attrs["source_path"] = str(path)
    typed.attrs["source_dataset"] = dataset
    return typed


def parse_dates(
    values: list[str], formats: tuple[str, ...], lines: list[int], field: str, path: Path
) -> pd.Series:
    """Parse text dates trying each format in turn; every unparseable cell is a Problem."""
    s = pd.Series(values, dtype="str").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = out.isna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    bad = out.isna()
    if bad.any():
        problems = [
            Problem(lines[i], field, "not a date in a known format", s[i]) for i in s.index[bad]
        ]
        raise DataValidationError(path, problems)
    return out


def parse_counts(values: list[str], lines: list[int], field: str, path: Path) -> pd.Series:
    """Whole numbers >= 0 from text ("" is NA); anything else is a Problem naming line and field."""
    s = pd.Series(values, dtype="str").str.strip()
    ok = (s == "") | s.str.fullmatch(r"\d+(\.0+)?")
    if not ok.all():
        problems = [Problem(lines[i], field, "not a whole number >= 0", s[i]) for i in s.index[~ok]]
        raise DataValidationError(path, problems)
    return pd.to_numeric(s.replace("", None)).astype("Int64")


def actor_from_text(text: object) -> str:
    """The current case's actor for free text, by its ``actor_rules`` in any case ("unknown":
    none)."""
    return case_rules().actor(text)
