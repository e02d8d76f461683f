"""ACLED export CSV -> incident rows (one per ACLED event of remote violence in the case).

Reads the 31-column export (``event_id_cnty, event_date, ..., notes, fatalities, tags,
timestamp``; column order free, extra columns ignored) from a CSV or a zip holding one. Only
events in the case's ACLED countries (``case.yml``: ``feeds: acled: countries``, read at call
time; the Iraq case: ``country == "Iraq"``) of ``event_type == "Explosions/Remote violence"`` are
incidents in the sense of ``data/incidents.csv``; the rest are counted in ``attrs`` and left out.

Mapping: ``sub_event_type`` -> ``attack_type`` (:data:`ATTACK_TYPES`; "ballistic" in the notes
makes a missile attack ``ballistic_missile``); ``time_precision`` 1 or 2 -> ``day`` (2: the date
is within a week of the true date, said in ``curation_note``), 3 -> ``month`` (date set to the
1st); ``country`` -> ``country``; ``admin1`` -> ``governorate`` (the case's areas and aliases);
``notes`` -> ``description``; ``fatalities`` -> ``killed``; ``actor1`` -> ``attributed_to`` and
(by the case's ``actor_rules``) ``actor``; ``source`` -> ``source_title``. ACLED gives no URLs,
so ``source_url`` is NA; ``target_type`` is inferred from the notes where they name a target by
the case's ``target_rules`` (else NA). ACLED events are researcher-coded from named sources, so
they are ``confirmation = "confirmed"`` and ``source_reliability = "standard"``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.case import Case
from analysis.data.load import DataValidationError, Problem
from analysis.sources import feeds
from analysis.sources.common import case_rules, finish, parse_counts, parse_dates, read_rows

COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: Older exports lack these (``disorder_type`` from 2022, ``civilian_targeting`` from 2021,
#: ``tags`` from 2020); the loader does not need them.
OPTIONAL = ("disorder_type", "civilian_targeting", "tags", "year", "iso", "region", "timestamp")
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)

EVENT_TYPE = "Explosions/Remote violence"

#: ACLED ``sub_event_type`` -> ``attack_type``.
ATTACK_TYPES = {
    "Shelling/artillery/missile attack": "rocket",
    "Air/drone strike": "drone",
    "Remote explosive/landmine/IED": "ied",
    "Suicide bomb": "ied",
    "Grenade": "unknown",
    "Chemical weapon": "unknown",
}

#: ``event_date`` formats: ISO (current API and exports), then older export styles.
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d/%m/%Y")


def load(path: Path | str, *, case: Case | None = None) -> pd.DataFrame:
    """Read an ACLED export into incident rows (see the module docstring for the mapping), for
    ``case`` (default: the current case, :func:`analysis.case.current`, read now).

    Returns the ``load_incidents`` columns, then ``source_dataset`` ("acled"),
    ``source_event_id`` (``event_id_cnty``), ``time_precision`` (ACLED's 1-3 code) and
    ``admin2``. ``attrs``: ``rows_read`` (data rows in the file), ``rows_kept``. Raises
    :class:`~analysis.data.load.DataValidationError` naming file, line and field of bad cells,
    and :class:`~analysis.sources.feeds.FeedNotConfigured` when the case has no ACLED settings.
    """
    path = Path(path)
    rules = case_rules(case)
    countries = frozenset(feeds.settings("acled", rules.case).countries)
    rows, lines, n_read, _ = read_rows(
        path,
        REQUIRED,
        header=True,
        keep=lambda r: r["country"].strip() in countries and r["event_type"].strip() == EVENT_TYPE,
    )
    problems = []
    for row, line in zip(rows, lines, strict=True):
        if row["time_precision"].strip() not in ("1", "2", "3"):
            problems.append(Problem(line, "time_precision", "not 1, 2 or 3", row["time_precision"]))
        if not row["event_id_cnty"].strip():
            problems.append(Problem(line, "event_id_cnty", "is empty"))
    if problems:
        raise DataValidationError(path, problems)
    frame = pd.DataFrame(rows, columns=list(REQUIRED), dtype="str")
    if frame.empty:
        out = finish(_empty(), "acled", path, ("time_precision", "admin2"), rules.case)
    else:
        dates = parse_dates(frame["event_date"].tolist(), DATE_FORMATS, lines, "event_date", path)
        killed = parse_counts(frame["fatalities"].tolist(), lines, "fatalities", path)
        precision = frame["time_precision"].str.strip()
        month = precision == "3"
        dates = dates.where(~month, dates.dt.to_period("M").dt.to_timestamp())
        notes = frame["notes"].str.strip()
        sub = frame["sub_event_type"].str.strip()
        attack = sub.map(ATTACK_TYPES).fillna("unknown")
        ballistic = notes.str.contains("ballistic", case=False, na=False)
        attack = attack.where(
            ~((sub == "Shelling/artillery/missile attack") & ballistic), "ballistic_missile"
        )
        actor1 = frame["actor1"].str.strip()
        out = pd.DataFrame(
            {
                "incident_id": "acled-" + frame["event_id_cnty"].str.strip(),
                "date": dates,
                "date_precision": month.map({True: "month", False: "day"}),
                "location": frame["location"].str.strip().replace("", None),
                "country": frame["country"].str.strip(),
                "governorate": frame["admin1"].map(rules.area),
                "target_type": notes.map(rules.target),
                "attack_type": attack,
                "killed": killed,
                "actor": actor1.map(rules.actor),
                "attributed_to": actor1.replace("", "unknown"),
                "confirmation": "confirmed",
                "source_reliability": "standard",
                "description": notes.replace("", None),
                "source_title": frame["source"].str.strip().replace("", None),
                "curation_note": precision.map(
                    {"2": "ACLED time_precision 2: the date is within a week of the event"}
                ),
                "source_event_id": frame["event_id_cnty"].str.strip(),
                "time_precision": pd.to_numeric(precision).astype("Int64"),
                "admin2": frame["admin2"].str.strip().replace("", None),
            }
        )
        out = finish(out, "acled", path, ("time_precision", "admin2"), rules.case)
    out.attrs["rows_read"] = n_read
    out.attrs["rows_kept"] = len(out)
    return out


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({"source_event_id": pd.Series([], dtype="str")})
    out["time_precision"] = pd.Series([], dtype="Int64")
    out["admin2"] = pd.Series([], dtype="str")
    return out
