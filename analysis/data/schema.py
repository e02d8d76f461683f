"""Schemas of the three shipped tables, as pandera schemas over the raw text of each CSV.

Validation runs on the file's text (every cell a string) so that a bad cell is reported with its
line and field instead of being coerced away; :mod:`analysis.data.load` then converts the
validated text to typed columns. ``TableSpec`` bundles a table's column order, its pandera schema,
the checks that span several fields, and its typed conversion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from analysis.data import vocabulary as vocab

DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
EVENT_ID_RE = r"^[a-z0-9][a-z0-9_]*$"
URL_RE = r"^https?://\S+$"

#: The earliest date a row may carry, far before anything in the data (whose rows start in 2019).
#: It also keeps every date within what a ``datetime64[ns]`` column holds (from
#: 1677-09-22), so a typo such as 1066 or 0202 is reported as a bad cell, never as a crash when
#: the column is typed. The latest date is today in Iraq (``analysis.data.load``).
EARLIEST_DATE = dt.date(1900, 1, 1)

#: The fewest rows the curated incidents table may have: four fifths of the 312 rows of this
#: release, rounded down. A table that shrank by more than a fifth is far likelier truncated or
#: emptied by accident than curated; a release that really removes that many rows lowers this
#: number in the same commit (``data/README.md`` documents it). Every other table needs one row.
MIN_INCIDENTS = 250


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def _parses_as_date(s: pd.Series) -> pd.Series:
    return _dates(s).notna()


def _not_too_early(s: pd.Series) -> pd.Series:
    dates = _dates(s)
    return dates.isna() | (dates >= pd.Timestamp(EARLIEST_DATE))


def _date_column() -> pa.Column:
    return pa.Column(
        str,
        [
            pa.Check.str_matches(DATE_RE, error="not a date in YYYY-MM-DD form"),
            pa.Check(_parses_as_date, error="not a real calendar date"),
            pa.Check(_not_too_early, error=f"is before {EARLIEST_DATE}"),
        ],
    )


def _text(*, required: bool = True) -> pa.Column:
    checks = [pa.Check(lambda s: s.str.strip() != "", error="is empty")] if required else []
    return pa.Column(str, checks)


def _category(values: tuple[str, ...]) -> pa.Column:
    return pa.Column(
        str,
        pa.Check(lambda s: s.isin(values), error=f"not one of: {', '.join(values)}"),
    )


def _count(*, required: bool = False) -> pa.Column:
    """A count: a whole number >= 0; empty means "the source does not say" unless required."""
    negative = r"-\s*\d+(\.\d*)?"
    checks = [
        pa.Check(lambda s: ~s.str.fullmatch(negative), error="is negative"),
        pa.Check(
            lambda s: (s == "") | s.str.fullmatch(r"\d+") | s.str.fullmatch(negative),
            error="not a whole number",
        ),
    ]
    if required:
        checks.append(pa.Check(lambda s: s != "", error="is empty"))
    return pa.Column(str, checks)


def _url() -> pa.Column:
    return pa.Column(
        str,
        [
            pa.Check(lambda s: s.str.strip() != "", error="is empty: every row needs a source URL"),
            pa.Check(
                lambda s: (s.str.strip() == "") | s.str.match(URL_RE),
                error="not an http(s) URL",
            ),
        ],
    )


def _governorate_elsewhere(df: pd.DataFrame) -> pd.Series:
    """Rows whose governorate (other than ``unknown``) lies in another country than ``country``."""
    home = {g: c for c, govs in vocab.COUNTRY_GOVERNORATES.items() for g in govs}
    where = df["governorate"].map(home)
    return where.notna() & df["country"].isin(vocab.COUNTRIES) & (where != df["country"])


#: A check that spans fields: (field to blame, message, function(df) -> boolean mask of bad rows).
CrossCheck = tuple[str, str, Callable[[pd.DataFrame], pd.Series]]


@dataclass(frozen=True)
class TableSpec:
    """Everything needed to validate and type one table.

    ``min_rows``: the fewest data rows the table may have (an empty table is never valid);
    ``min_rows_reason`` says why, in the message of a table that has fewer.
    """

    name: str
    columns: tuple[str, ...]
    schema: pa.DataFrameSchema
    date_columns: tuple[str, ...]
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    counts: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    cross_checks: tuple[CrossCheck, ...] = ()
    unique: tuple[str, ...] = ()
    min_rows: int = 1
    min_rows_reason: str = ""


INCIDENT_COLUMNS = (
    "incident_id",
    "date",
    "date_precision",
    "location",
    "governorate",
    "country",
    "target_type",
    "target_name",
    "attack_type",
    "munitions",
    "killed",
    "wounded",
    "intercepted",
    "actor",
    "attributed_to",
    "confirmation",
    "source_reliability",
    "description",
    "source_title",
    "source_url",
    "curation_note",
)

INCIDENTS = TableSpec(
    name="incidents",
    columns=INCIDENT_COLUMNS,
    schema=pa.DataFrameSchema(
        {
            "incident_id": pa.Column(
                str, pa.Check.str_matches(ID_RE, error="not a valid identifier"), unique=True
            ),
            "date": _date_column(),
            "date_precision": _category(vocab.DATE_PRECISIONS),
            "location": _text(),
            "governorate": _category(vocab.GOVERNORATES),
            "country": _category(vocab.COUNTRIES),
            "target_type": _category(vocab.TARGET_TYPES),
            "target_name": _text(),
            "attack_type": _category(vocab.ATTACK_TYPES),
            "munitions": _count(),
            "killed": _count(),
            "wounded": _count(),
            "intercepted": _category(("", "true", "false")),
            "actor": _category(vocab.ACTORS),
            "attributed_to": _text(),
            "confirmation": _category(vocab.CONFIRMATIONS),
            "source_reliability": _category(vocab.SOURCE_RELIABILITIES),
            "description": _text(),
            "source_title": _text(),
            "source_url": _url(),
            "curation_note": _text(required=False),
        },
        strict=True,
        ordered=True,
    ),
    date_columns=("date",),
    categories={
        "date_precision": vocab.DATE_PRECISIONS,
        "governorate": vocab.GOVERNORATES,
        "country": vocab.COUNTRIES,
        "target_type": vocab.TARGET_TYPES,
        "attack_type": vocab.ATTACK_TYPES,
        "actor": vocab.ACTORS,
        "confirmation": vocab.CONFIRMATIONS,
        "source_reliability": vocab.SOURCE_RELIABILITIES,
    },
    counts=("munitions", "killed", "wounded"),
    booleans=("intercepted",),
    cross_checks=(
        (
            "date",
            "a month-precision date must be the 1st of its month",
            lambda df: (df["date_precision"] == "month") & ~df["date"].str.endswith("-01"),
        ),
        ("governorate", "not a governorate of the row's country", _governorate_elsewhere),
    ),
    unique=("incident_id",),
    min_rows=MIN_INCIDENTS,
    min_rows_reason="fewer means a truncated or emptied file; see data/README.md",
)

EVENT_COLUMNS = (
    "event_id",
    "date",
    "label",
    "category",
    "actor",
    "description",
    "date_note",
    "source_title",
    "source_url",
)

EVENTS = TableSpec(
    name="political_events",
    columns=EVENT_COLUMNS,
    schema=pa.DataFrameSchema(
        {
            "event_id": pa.Column(
                str,
                pa.Check.str_matches(
                    EVENT_ID_RE, error="not a lower-case identifier (a-z, 0-9, _)"
                ),
                unique=True,
            ),
            "date": _date_column(),
            "label": _text(),
            "category": _category(vocab.EVENT_CATEGORIES),
            "actor": _text(),
            "description": _text(),
            "date_note": _text(required=False),
            "source_title": _text(),
            "source_url": _url(),
        },
        strict=True,
        ordered=True,
    ),
    date_columns=("date",),
    categories={"category": vocab.EVENT_CATEGORIES},
    unique=("event_id",),
)

REPORTED_COLUMNS = (
    "period_start",
    "period_end",
    "count",
    "count_kind",
    "scope",
    "what_counted",
    "source_title",
    "source_url",
)

REPORTED_COUNTS = TableSpec(
    name="attack_counts_reported",
    columns=REPORTED_COLUMNS,
    schema=pa.DataFrameSchema(
        {
            "period_start": _date_column(),
            "period_end": _date_column(),
            "count": _count(required=True),
            "count_kind": _category(vocab.REPORTED_COUNT_KINDS),
            "scope": _category(vocab.REPORTED_SCOPES),
            "what_counted": _text(),
            "source_title": _text(),
            "source_url": _url(),
        },
        strict=True,
        ordered=True,
    ),
    date_columns=("period_start", "period_end"),
    categories={"count_kind": vocab.REPORTED_COUNT_KINDS, "scope": vocab.REPORTED_SCOPES},
    counts=("count",),
    cross_checks=(
        (
            "period_end",
            "period_end is before period_start",
            lambda df: (
                pd.to_datetime(df["period_end"], errors="coerce")
                < pd.to_datetime(df["period_start"], errors="coerce")
            ),
        ),
    ),
)

SPECS = {spec.name: spec for spec in (INCIDENTS, EVENTS, REPORTED_COUNTS)}


def spec_for_header(header: list[str]) -> TableSpec | None:
    """Guess which table a CSV holds from its header (used by ``escalation validate PATH``)."""
    best, best_overlap = None, 0
    for spec in SPECS.values():
        overlap = len(set(header) & set(spec.columns))
        if overlap > best_overlap:
            best, best_overlap = spec, overlap
    return best if best_overlap >= 3 else None


def slug(text: str) -> str:
    """Lower-case identifier from free text (used for ids of feeds and events)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
