"""Schemas of the three shipped tables, as pandera schemas over the raw text of each CSV.

Validation runs on the file's text (every cell a string) so that a bad cell is reported with its
line and field instead of being coerced away; :mod:`analysis.data.load` then converts the
validated text to typed columns. ``TableSpec`` bundles a table's column order, its pandera schema,
the checks that span several fields, and its typed conversion.

The vocabularies of one conflict (areas, countries, targets, weapons, actors, event categories,
tally scopes) and the incidents table's fewest rows come from the case file
(:mod:`analysis.case`): :func:`specs` builds the three specs for one case, once per version of
its file, when a table is validated (never at import, so a kernel forked from a warm process
checks against its own data folder's case). A value outside a vocabulary is reported with the
case file it was read from.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis import case as case_file
from analysis.data import vocabulary as vocab

DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
EVENT_ID_RE = r"^[a-z0-9][a-z0-9_]*$"
URL_RE = r"^https?://\S+$"

#: The earliest date a row may carry, far before anything in the data (whose rows start in 2019).
#: It also keeps every date within what a ``datetime64[ns]`` column holds (from
#: 1677-09-22), so a typo such as 1066 or 0202 is reported as a bad cell, never as a crash when
#: the column is typed. The latest date is today in the case's time zone (``analysis.data.load``).
EARLIEST_DATE = dt.date(1900, 1, 1)


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


def _category(values: tuple[str, ...], source: str = "") -> pa.Column:
    """A closed vocabulary; ``source`` names the case file the values come from, if any."""
    return pa.Column(
        str,
        pa.Check(lambda s: s.isin(values), error=_not_one_of(values, source)),
    )


def _not_one_of(values: tuple[str, ...], source: str) -> str:
    shown = ", ".join(values[:15]) + (f", ... ({len(values)} in all)" if len(values) > 15 else "")
    return f"not one of: {shown}" + (f" (vocabulary from {source})" if source else "")


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


def _area_elsewhere(case: case_file.Case) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose area (other than ``unknown``) lies in another country than ``country``."""
    home = {a.name: a.country for a in case.areas}

    def bad(df: pd.DataFrame) -> pd.Series:
        where = df["governorate"].map(home)
        return where.notna() & df["country"].isin(case.countries) & (where != df["country"])

    return bad


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

#: a case's table names -> (case, its specs): built once per version of the case file
_SPECS: dict[int, tuple[case_file.Case, dict[str, TableSpec]]] = {}


def show_path(path: Path) -> str:
    """``path`` as a message shows it: relative to the working folder when under it."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def specs(case: case_file.Case | None = None) -> dict[str, TableSpec]:
    """The three tables' specs (``incidents``, ``political_events``, ``attack_counts_reported``)
    checked against ``case``'s vocabularies (default: the case of the data folder in use)."""
    case = case or case_file.current()
    found = _SPECS.get(id(case))
    if found is None or found[0] is not case:
        built = (_incidents(case), _events(case), _reported(case))
        found = (case, {spec.name: spec for spec in built})
        _SPECS[id(case)] = found
    return found[1]


def incidents_spec(case: case_file.Case | None = None) -> TableSpec:
    """The incidents table's spec for ``case`` (default: the case in use)."""
    return specs(case)["incidents"]


def events_spec(case: case_file.Case | None = None) -> TableSpec:
    """The political events table's spec for ``case`` (default: the case in use)."""
    return specs(case)["political_events"]


def reported_spec(case: case_file.Case | None = None) -> TableSpec:
    """The published tallies table's spec for ``case`` (default: the case in use)."""
    return specs(case)["attack_counts_reported"]


def _incidents(case: case_file.Case) -> TableSpec:
    src = show_path(case.path)
    vocabularies = {
        "date_precision": vocab.DATE_PRECISIONS,
        "governorate": case.area_names,
        "country": case.countries,
        "target_type": tuple(case.target_types),
        "attack_type": tuple(case.attack_types),
        "actor": tuple(case.actors),
        "confirmation": vocab.CONFIRMATIONS,
        "source_reliability": vocab.SOURCE_RELIABILITIES,
    }
    from_case = {"governorate", "country", "target_type", "attack_type", "actor"}

    def category(column: str) -> pa.Column:
        return _category(vocabularies[column], src if column in from_case else "")

    return TableSpec(
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
                "governorate": category("governorate"),
                "country": category("country"),
                "target_type": category("target_type"),
                "target_name": _text(),
                "attack_type": category("attack_type"),
                "munitions": _count(),
                "killed": _count(),
                "wounded": _count(),
                "intercepted": _category(("", "true", "false")),
                "actor": category("actor"),
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
        categories=vocabularies,
        counts=("munitions", "killed", "wounded"),
        booleans=("intercepted",),
        cross_checks=(
            (
                "date",
                "a month-precision date must be the 1st of its month",
                lambda df: (df["date_precision"] == "month") & ~df["date"].str.endswith("-01"),
            ),
            ("governorate", f"not a {case.area_word} of the row's country", _area_elsewhere(case)),
        ),
        unique=("incident_id",),
        min_rows=case.min_incidents,
        min_rows_reason=(
            f"{case.min_incidents_reason}; min_incidents in {src}"
            if case.min_incidents_reason
            else f"min_incidents in {src}"
        ),
    )


def _events(case: case_file.Case) -> TableSpec:
    src = show_path(case.path)
    categories = tuple(case.event_categories)
    return TableSpec(
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
                "category": _category(categories, src),
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
        categories={"category": categories},
        unique=("event_id",),
    )


def _reported(case: case_file.Case) -> TableSpec:
    src = show_path(case.path)
    scopes = tuple(case.tally_scopes)
    return TableSpec(
        name="attack_counts_reported",
        columns=REPORTED_COLUMNS,
        schema=pa.DataFrameSchema(
            {
                "period_start": _date_column(),
                "period_end": _date_column(),
                "count": _count(required=True),
                "count_kind": _category(vocab.REPORTED_COUNT_KINDS),
                "scope": _category(scopes, src),
                "what_counted": _text(),
                "source_title": _text(),
                "source_url": _url(),
            },
            strict=True,
            ordered=True,
        ),
        date_columns=("period_start", "period_end"),
        categories={"count_kind": vocab.REPORTED_COUNT_KINDS, "scope": scopes},
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


def spec_for_header(header: list[str], case: case_file.Case | None = None) -> TableSpec | None:
    """Guess which table a CSV holds from its header (used by ``escalation validate PATH``)."""
    best, best_overlap = None, 0
    for spec in specs(case).values():
        overlap = len(set(header) & set(spec.columns))
        if overlap > best_overlap:
            best, best_overlap = spec, overlap
    return best if best_overlap >= 3 else None


def slug(text: str) -> str:
    """Lower-case identifier from free text (used for ids of feeds and events)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
