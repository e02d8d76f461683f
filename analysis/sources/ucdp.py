"""UCDP Georeferenced Event Dataset (GED) CSV -> incident rows (one per GED event in the case).

Reads the 49-column GED release (``ged251-csv.zip`` or its CSV) and the monthly candidate files,
some of which were published without a header row (detected: a first row that does not name the
columns is data in the standard column order). Only events in the case's GED countries are kept
(``case.yml``: ``feeds: ucdp: countries`` names or ``country_ids``, read at call time; the Iraq
case: ``country == "Iraq"`` or ``country_id == 645``). GED holds events of organised violence
with at least one death, so it misses attacks without casualties: most rocket attacks on bases
are not in it.

Mapping: ``date_start`` -> ``date``; ``date_prec`` 1-3 -> ``day`` (2, 3: the event lies between
``date_start`` and ``date_end``, said in ``curation_note``), 4-5 -> ``month`` (the month of
``date_start``); ``country`` -> ``country``; ``adm_1`` -> ``governorate``; ``where_description`` ->
``location``; ``best`` -> ``killed`` (``low``/``high`` kept as ``deaths_low``/``deaths_high``);
``source_article`` -> ``source_title``; ``source_headline`` -> ``description``;
``side_a``/``side_b`` -> ``attributed_to`` (both sides: GED does not say who attacked). GED does not
code weapons: ``attack_type`` comes from keywords in the headline ("rocket", "drone", "IED", ...),
else ``unknown``. GED events are coded by UCDP from named sources: ``confirmed``, ``standard``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.case import Case
from analysis.data.actors import first_match
from analysis.data.load import DataValidationError, Problem
from analysis.sources import feeds
from analysis.sources.common import case_rules, finish, parse_counts, parse_dates, read_rows

#: The standard 49 GED columns, in release order (used for header-less candidate files).
COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)

#: Columns the loader reads (a file with a header needs only these, in any order).
USED = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "source_article",
    "source_headline",
    "where_description",
    "adm_1",
    "adm_2",
    "country",
    "country_id",
    "date_prec",
    "date_start",
    "date_end",
    "best",
    "high",
    "low",
)

#: Ordered (pattern, attack_type) keyword rules for GED headlines.
ATTACK_RULES: tuple[tuple[str, str], ...] = (
    (r"ballistic", "ballistic_missile"),
    (r"drone|\bUAVs?\b|unmanned", "drone"),
    (r"rocket|katyusha|mortar|missile", "rocket"),
    (r"\bIEDs?\b|roadside bomb|explosive device|landmine|bomb", "ied"),
)
_ATTACK_RES = tuple((re.compile(p, re.IGNORECASE), t) for p, t in ATTACK_RULES)

DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

EXTRAS = ("deaths_low", "deaths_high", "date_end", "date_prec", "type_of_violence")


def attack_type_from_text(text: object) -> str:
    """Weapon named by a headline (:data:`ATTACK_RULES`), ``"unknown"`` when none is named."""
    return first_match(_ATTACK_RES, text, "unknown")


def load(path: Path | str, *, case: Case | None = None) -> pd.DataFrame:
    """Read a GED release or candidate file into incident rows (see the module docstring), for
    ``case`` (default: the current case, :func:`analysis.case.current`, read now).

    Returns the ``load_incidents`` columns, then ``source_dataset`` ("ucdp"), ``source_event_id``
    (GED ``id``), ``deaths_low``, ``deaths_high`` (Int64, people), ``date_end``, ``date_prec``
    (GED's 1-5 code) and ``type_of_violence`` (1 state-based, 2 non-state, 3 one-sided).
    ``attrs``: ``rows_read``, ``rows_kept``, ``had_header``. Raises
    :class:`~analysis.data.load.DataValidationError` naming file, line and field of bad cells,
    and :class:`~analysis.sources.feeds.FeedNotConfigured` when the case has no UCDP settings.
    """
    path = Path(path)
    rules = case_rules(case)
    wanted = feeds.settings("ucdp", rules.case)
    names, ids = frozenset(wanted.countries), frozenset(wanted.country_ids)
    rows, lines, n_read, had_header = read_rows(
        path,
        USED,
        header=None,
        positional=COLUMNS,
        keep=lambda r: r["country"].strip() in names or r["country_id"].strip() in ids,
    )
    problems = []
    for row, line in zip(rows, lines, strict=True):
        if row["date_prec"].strip() not in ("1", "2", "3", "4", "5"):
            problems.append(Problem(line, "date_prec", "not a code 1-5", row["date_prec"]))
        if not row["id"].strip():
            problems.append(Problem(line, "id", "is empty"))
    if problems:
        raise DataValidationError(path, problems)
    frame = pd.DataFrame(rows, columns=list(USED), dtype="str")
    if frame.empty:
        out = pd.DataFrame({"source_event_id": pd.Series([], dtype="str")})
        for column in EXTRAS:
            out[column] = pd.Series([], dtype="object")
    else:
        start = parse_dates(frame["date_start"].tolist(), DATE_FORMATS, lines, "date_start", path)
        end = parse_dates(frame["date_end"].tolist(), DATE_FORMATS, lines, "date_end", path)
        start, end = start.dt.normalize(), end.dt.normalize()
        for i in start.index[end < start]:
            problems.append(
                Problem(lines[i], "date_end", "is before date_start", frame.at[i, "date_end"])
            )
        best = parse_counts(frame["best"].tolist(), lines, "best", path)
        low = parse_counts(frame["low"].tolist(), lines, "low", path)
        high = parse_counts(frame["high"].tolist(), lines, "high", path)
        if problems:
            raise DataValidationError(path, problems)
        prec = pd.to_numeric(frame["date_prec"].str.strip()).astype("Int64")
        month = prec >= 4
        date = start.where(~month.to_numpy(dtype=bool), start.dt.to_period("M").dt.to_timestamp())
        note = pd.Series(None, index=frame.index, dtype="object")
        ranged = (prec >= 2).to_numpy(dtype=bool) & (end > start).to_numpy()
        note[ranged] = (
            "UCDP date_prec "
            + frame["date_prec"].str.strip()[ranged]
            + ": between "
            + start[ranged].dt.strftime("%Y-%m-%d")
            + " and "
            + end[ranged].dt.strftime("%Y-%m-%d")
        )
        headline = frame["source_headline"].str.strip()
        text = headline + " " + frame["where_description"].str.strip()
        sides = frame["side_a"].str.strip() + "; " + frame["side_b"].str.strip()
        ged_id = frame["id"].str.strip()
        out = pd.DataFrame(
            {
                "incident_id": "ucdp-" + ged_id,
                "date": date,
                "date_precision": pd.Series(month.to_numpy(dtype=bool)).map(
                    {True: "month", False: "day"}
                ),
                "location": frame["where_description"].str.strip().replace("", None),
                "country": frame["country"].str.strip(),
                "governorate": frame["adm_1"].map(rules.area),
                "target_type": text.map(rules.target),
                "attack_type": headline.map(attack_type_from_text),
                "killed": best,
                "actor": sides.map(rules.actor),
                "attributed_to": sides.str.strip("; ").replace("", "unknown"),
                "confirmation": "confirmed",
                "source_reliability": "standard",
                "description": headline.replace("", None),
                "source_title": frame["source_article"].str.strip().replace("", None),
                "curation_note": note,
                "source_event_id": ged_id,
                "deaths_low": low,
                "deaths_high": high,
                "date_end": end,
                "date_prec": prec,
                "type_of_violence": pd.to_numeric(
                    frame["type_of_violence"].str.strip().replace("", None)
                ).astype("Int64"),
            }
        )
    out = finish(out, "ucdp", path, EXTRAS, rules.case)
    out.attrs["rows_read"] = n_read
    out.attrs["rows_kept"] = len(out)
    out.attrs["had_header"] = had_header
    return out
