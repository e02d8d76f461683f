"""Build the shipped dataset (``data/*.csv``) from the sourced tables in ``../shared/data/``.

The build is deterministic and drops nothing silently: it normalises categories, derives the
``actor``, ``confirmation`` and ``source_reliability`` columns by the rules below, applies the
row-level judgements in ``data/curation/incident_resolutions.csv`` (each with its reason), and
returns every row it had to drop with the reason. Run it with ``escalation data build``.

Rules (the codebook in ``data/README.md`` states them for readers):

- ``confirmation`` (:func:`confirmation_for`): a description that ends with a confirmation marker
  takes its level: "(confirmed)" -> ``confirmed``, "(claim only)" -> ``claimed``, "(disputed)" ->
  ``disputed`` (the marker is the last parenthesis, optionally with a qualifier after a
  semicolon, e.g. "(confirmed; foiled)"; the fourth sourcing pass tags every row this way).
  Otherwise a row is ``claimed`` when its text says "(claim only)" anywhere or rests on a
  militia-linked weekly tally relayed by a low-reliability outlet, and ``confirmed`` else.
  ``incident_resolutions.csv`` then overrides single rows (e.g. ``disputed`` where the
  responsible authority denied the attack); a resolution may also re-date a row, fill a field
  or ``drop`` it as a duplicate, always with its reason.
- ``scope`` of a published tally (:func:`reported_scope`): ordered rules on its ``what_counted``
  text (Iraq-only parts first, then the wider region, then Iraq and Syria, else Iraq);
  ``tally_scopes.csv`` overrides the tallies whose text does not say where they count.
- ``source_reliability`` is ``low`` for the partisan and low-reliability outlets named in the
  shared ``SOURCES.md``.
- ``actor`` is the first of the case's ``actor_rules`` (:func:`analysis.data.actors.actor_for`)
  that matches ``attributed_to`` (the feed loaders apply the same rules).
- ``data/curation/incident_additions.csv`` holds rows accepted from the feeds' review queue
  (``escalation review accept``, :mod:`analysis.sources.review`): the shared tables' columns plus
  the reviewer's ``confirmation`` (which decides, instead of a marker) and the candidate's
  ``candidate_id``, ``feed`` and ``feed_id`` (named in ``curation_note``). The build reads it after
  the shared passes, by the same rules, so an accepted row survives every rebuild.
- ``incident_id`` is ``inc-`` and the first 8 hex digits of a SHA-1 of the source row's own
  date, location, target, URL and description: stable across rebuilds and independent of row order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic import write_atomic
from analysis.data.actors import actor_for, first_match
from analysis.data.load import numbered_rows
from analysis.data.schema import EVENT_COLUMNS, INCIDENT_COLUMNS, REPORTED_COLUMNS
from analysis.errors import DataError

SHARED_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"

#: Outlets SOURCES.md flags as partisan or low-reliability, matched in the URL or the title.
LOW_RELIABILITY = re.compile(
    r"southfront|mehrnews|kayhan|ifpnews|iranintl|iran international|ukrainebreakingnews|"
    r"smartencyclopedia|playcrazygame|muslimcommunityreport|depokpost|sputnik|parstoday|presstv|"
    r"press tv|islamtimes|islam times|alahed|al-ahed|kurdpress|agenzianova|agenzia nova|"
    r"pledgetimes|pledge times|hajij|spnfa|livejournal",
    re.IGNORECASE,
)

CLAIM_ONLY_MARKERS = ("(claim only)", "per a weekly tally; low-reliability outlet")

#: A confirmation marker closing a description: "(confirmed)", "(claim only)" or "(disputed)",
#: optionally qualified after a semicolon ("(confirmed; foiled)"), then only punctuation.
END_MARKER = re.compile(r"\((confirmed|claim only|disputed)(?:;[^()]*)?\)\W*$")
END_MARKER_LEVELS = {"confirmed": "confirmed", "claim only": "claimed", "disputed": "disputed"}


#: Sourcing passes kept in their own folder of the shared data, read after the shared
#: ``incidents_sourced*.csv`` files, listed one by one so a pass joins the build only when named
#: here (the fifth: attacks in Syria and Jordan, 2023-24; ``SOURCES_pass5.md``).
EXTRA_INCIDENT_FILES = ("pass5/incidents_sourced_syria.csv",)
#: the published tallies of those passes (with their own ``scope`` column)
EXTRA_TALLY_FILES = ("pass5/attack_counts_reported_syria.csv",)
#: a source row's scope spelling -> the codebook's
SCOPE_ALIASES = {"iraq_and_syria": "iraq_syria"}
#: a source row's weapon spelling -> the codebook's: the fifth pass's two "missile" rows report
#: militia fire on a base in words (Arabic sawarikh) that mean rockets; no ballistic missile
ATTACK_TYPE_ALIASES = {"missile": "rocket"}
#: the country of a source row that has no ``country`` column (the first four passes: Iraq)
DEFAULT_COUNTRY = "Iraq"

#: the curated-additions table (in ``data/curation/``): the shared tables' columns, then its own
ADDITIONS = "incident_additions.csv"
SOURCE_COLUMNS = (
    "date",
    "date_precision",
    "location",
    "governorate",
    "target_type",
    "target_name",
    "attack_type",
    "munitions",
    "killed",
    "wounded",
    "intercepted",
    "attributed_to",
    "description",
    "source_title",
    "source_url",
)
ADDITION_COLUMNS = SOURCE_COLUMNS + ("confirmation", "candidate_id", "feed", "feed_id")


@dataclass(frozen=True)
class Dropped:
    """A source row left out of the dataset, and why."""

    source: str
    date: str
    reason: str


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote: row counts per table and every dropped row with its reason."""

    incidents: int
    events: int
    reported_counts: int
    dropped: tuple[Dropped, ...]


def confirmation_for(description: str) -> str:
    """Confirmation level a source row's description states (before any resolution).

    The closing marker decides when there is one; else the older in-text claim markers; else
    ``confirmed``.
    """
    end = END_MARKER.search(description)
    if end:
        return END_MARKER_LEVELS[end.group(1)]
    if any(m in description for m in CLAIM_ONLY_MARKERS):
        return "claimed"
    return "confirmed"


def incident_id(row: dict[str, str]) -> str:
    """Stable id from the source row's own content (not its position in the file)."""
    key = "|".join(row[k] for k in ("date", "location", "target_name", "source_url", "description"))
    return "inc-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with the line each starts on."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        _ = reader.fieldnames  # read the header first, so the first row is line 2, not 1
        return [
            (line, {k: (v or "").strip() for k, v in row.items()})
            for line, row in numbered_rows(reader)
        ]


def _resolutions(curation_dir: Path) -> dict[tuple[str, int], list[dict[str, str]]]:
    out: dict[tuple[str, int], list[dict[str, str]]] = {}
    path = curation_dir / "incident_resolutions.csv"
    settable = set(INCIDENT_COLUMNS) - {"incident_id", "curation_note"}
    for line, row in _read_csv(path):
        if row["field"] not in settable | {"drop"}:
            raise ValueError(f"{path.name}:{line}: unknown field {row['field']!r}")
        if not row["reason"]:
            raise ValueError(f"{path.name}:{line}: every resolution needs a reason")
        out.setdefault((row["source_file"], int(row["source_line"])), []).append(row)
    return out


def build_incidents(
    shared_dir: Path, curation_dir: Path
) -> tuple[list[dict[str, str]], list[Dropped]]:
    """Merge the sourced incident passes into curated rows (see module docstring for the rules)."""
    resolutions = _resolutions(curation_dir)
    used: set[tuple[str, int]] = set()
    rows: list[tuple[str, int, int, dict[str, str]]] = []
    dropped: list[Dropped] = []
    seen: dict[str, str] = {}
    files = sorted(shared_dir.glob("incidents_sourced*.csv"), key=lambda p: (len(p.name), p.name))
    files += [shared_dir / f for f in EXTRA_INCIDENT_FILES if (shared_dir / f).is_file()]
    if (curation_dir / ADDITIONS).is_file():
        files.append(curation_dir / ADDITIONS)
    for order, path in enumerate(files):
        for line, src in _read_csv(path):
            where = f"{path.name}:{line}"
            if not src.get("source_url") or not src.get("source_title"):
                dropped.append(Dropped(where, src.get("date", ""), "no source title or URL"))
                continue
            iid = incident_id(src)
            if iid in seen:
                dropped.append(Dropped(where, src["date"], f"exact duplicate of {seen[iid]}"))
                continue
            seen[iid] = where
            description = src["description"]
            out = {
                "incident_id": iid,
                "date": src["date"],
                "date_precision": src["date_precision"],
                "location": src["location"],
                "governorate": src.get("governorate") or src.get("area") or "unknown",
                "country": src.get("country") or DEFAULT_COUNTRY,
                "target_type": src["target_type"],
                "target_name": src["target_name"],
                "attack_type": ATTACK_TYPE_ALIASES.get(src["attack_type"], src["attack_type"]),
                "munitions": src["munitions"],
                "killed": src["killed"],
                "wounded": src["wounded"],
                "intercepted": src["intercepted"].lower(),
                "actor": actor_for(src["attributed_to"]),
                "attributed_to": src["attributed_to"] or "unknown",
                "confirmation": confirmation_for(description),
                "source_reliability": "low"
                if LOW_RELIABILITY.search(src["source_url"] + " " + src["source_title"])
                else "standard",
                "description": description,
                "source_title": src["source_title"],
                "source_url": src["source_url"],
                "curation_note": "",
            }
            if path.name == ADDITIONS:
                out["confirmation"] = src["confirmation"]
                out["curation_note"] = (
                    f"Accepted from the review queue: {src['feed']} event {src['feed_id']} "
                    f"(candidate {src['candidate_id']}), checked against the cited source."
                )
            for res in resolutions.get((path.name, line), []):
                if res["date"] != src["date"]:
                    raise DataError(
                        f"incident_resolutions.csv: {path.name}:{line} is dated {src['date']}, "
                        f"the resolution expects {res['date']}",
                        path=curation_dir / "incident_resolutions.csv",
                        field="date",
                    )
                used.add((path.name, line))
                if res["field"] == "drop":
                    dropped.append(Dropped(where, src["date"], res["reason"]))
                    out = {}
                    break
                out[res["field"]] = res["value"]
                out["curation_note"] = "; ".join(
                    filter(None, [out["curation_note"], res["reason"]])
                )
            if out:
                rows.append((out["date"], order, line, out))
    unused = sorted(set(resolutions) - used)
    if unused:
        raise DataError(
            f"incident_resolutions.csv: rows match no source row: {unused}",
            path=curation_dir / "incident_resolutions.csv",
        )
    rows.sort(key=lambda r: r[:3])
    return [r[3] for r in rows], dropped


#: events added by hand (``data/curation/``): the shared events table's columns, each row with a
#: public source that states it; read after the shared table, so an addition survives a rebuild
EVENT_ADDITIONS = "event_additions.csv"


def _event_additions(path: Path, known: set[str]) -> list[dict[str, str]]:
    """Rows of :data:`EVENT_ADDITIONS` (none when the file is absent); a row missing a column,
    a source, or repeating an event id is a DataError naming the file, line and field."""
    if not path.exists():
        return []
    rows = []
    for line, row in _read_csv(path):
        for col in ("event_id", "date", "label", "category", "source_title", "source_url"):
            if not (row.get(col) or "").strip():
                raise DataError(f"{path}:{line}: {col} is empty", path=path, line=line, field=col)
        if row["event_id"] in known:
            raise DataError(
                f"{path}:{line}: event_id {row['event_id']!r} is already an event",
                path=path,
                line=line,
                field="event_id",
            )
        known.add(row["event_id"])
        rows.append({c: (row.get(c) or "") for c in EVENT_COLUMNS if c != "date_note"})
    return rows


def build_events(shared_dir: Path, curation_dir: Path) -> list[dict[str, str]]:
    """The political timeline (the shared table, then :data:`EVENT_ADDITIONS`) with a
    ``date_note`` where sources disagree on the date."""
    notes = {
        row["event_id"]: row["date_note"]
        for _, row in _read_csv(curation_dir / "event_date_notes.csv")
    }
    events = [row for _, row in _read_csv(shared_dir / "political_events_sourced.csv")]
    events += _event_additions(curation_dir / EVENT_ADDITIONS, {e["event_id"] for e in events})
    unknown = sorted(set(notes) - {e["event_id"] for e in events})
    if unknown:
        raise DataError(
            f"event_date_notes.csv: unknown event ids {unknown}",
            path=curation_dir / "event_date_notes.csv",
            field="event_id",
        )
    out = [{**e, "date_note": notes.get(e["event_id"], "")} for e in events]
    return [{c: e[c] for c in EVENT_COLUMNS} for e in sorted(out, key=lambda e: e["date"])]


#: Ordered (pattern, scope) rules on a tally's ``what_counted``; the first match decides.
REPORTED_SCOPE_RULES: tuple[tuple[str, str], ...] = (
    (r"Iraq-only", "iraq"),  # the Iraq part of an Iraq-and-Syria figure
    (r"Middle East|Jordan", "region"),
    (r"context also Syria", "iraq"),  # an Iraq tally whose article also covers Syria
    (r"Syria", "iraq_syria"),
)
_SCOPE_RES = tuple((re.compile(p), s) for p, s in REPORTED_SCOPE_RULES)


def reported_scope(what_counted: str, count: object = None) -> str:
    """Scope of a published tally: iraq, iraq_syria, region (wider Middle East) or one_base.

    ``count`` (the tally's own number), when given, places a tally whose text states that
    number for Iraq ("36 of the attacks in Iraq, 37 in Syria") in ``iraq``. ``one_base`` (a
    tally for a single base) comes only from ``tally_scopes.csv``.
    """
    if count is not None and re.search(
        rf"\b{re.escape(str(count))} (?:of the attacks )?in Iraq\b", what_counted
    ):
        return "iraq"
    return first_match(_SCOPE_RES, what_counted, "iraq")


def _tally_scopes(curation_dir: Path) -> dict[tuple[str, int], dict[str, str]]:
    path = curation_dir / "tally_scopes.csv"
    if not path.exists():
        return {}
    out = {}
    for line, row in _read_csv(path):
        if not row["reason"]:
            raise ValueError(f"{path.name}:{line}: every scope override needs a reason")
        out[(row["source_file"], int(row["source_line"]))] = row
    return out


def build_reported_counts(
    shared_dir: Path, curation_dir: Path | None = None, dropped: list[Dropped] | None = None
) -> list[dict[str, str]]:
    """Published attack tallies of every ``attack_counts_reported*.csv`` (and
    :data:`EXTRA_TALLY_FILES`) with a ``scope`` column.

    Sorted by period end, then start (ties keep file and line order). ``scope`` is the row's own
    (a pass that states it; :data:`SCOPE_ALIASES` spellings) or derived by
    :func:`reported_scope`, unless ``tally_scopes.csv`` in ``curation_dir`` overrides the row.
    A tally with no ``period_end`` (an undated page) cannot be set against any dates: it is left
    out and appended to ``dropped`` with the reason.
    """
    overrides = _tally_scopes(curation_dir) if curation_dir is not None else {}
    used: set[tuple[str, int]] = set()
    rows: list[tuple[str, str, int, int, dict[str, str]]] = []
    files = sorted(
        shared_dir.glob("attack_counts_reported*.csv"), key=lambda p: (len(p.name), p.name)
    )
    files += [shared_dir / f for f in EXTRA_TALLY_FILES if (shared_dir / f).is_file()]
    for order, path in enumerate(files):
        for line, r in _read_csv(path):
            if not r["period_end"]:
                if dropped is not None:
                    reason = "undated tally: the page gives no date, so no period to compare"
                    dropped.append(Dropped(f"{path.name}:{line}", r["period_start"], reason))
                continue
            if r.get("scope"):  # a pass that states each tally's scope
                scope = SCOPE_ALIASES.get(r["scope"], r["scope"])
            else:
                scope = reported_scope(r["what_counted"], r["count"])
            over = overrides.get((path.name, line))
            if over is not None:
                if (over["period_end"], over["count"]) != (r["period_end"], r["count"]):
                    raise ValueError(
                        f"tally_scopes.csv: {path.name}:{line} is {r['count']} to "
                        f"{r['period_end']}, the override expects {over['count']} to "
                        f"{over['period_end']}"
                    )
                used.add((path.name, line))
                scope = over["scope"]
            rows.append((r["period_end"], r["period_start"], order, line, {**r, "scope": scope}))
    unused = sorted(set(overrides) - used)
    if unused:
        raise ValueError(f"tally_scopes.csv: rows match no tally: {unused}")
    rows.sort(key=lambda t: t[:4])
    return [{c: t[4][c] for c in REPORTED_COLUMNS} for t in rows]


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def build(
    shared_dir: Path | str = SHARED_DIR,
    out_dir: Path | str | None = None,
    *,
    curation_dir: Path | str | None = None,
) -> BuildReport:
    """Rebuild ``incidents.csv``, ``political_events.csv`` and ``attack_counts_reported.csv``.

    Everything is computed and validated in memory first; files are replaced only when all three
    tables pass validation, so a failed build leaves the shipped data as it was.
    ``curation_dir`` (default: ``data/curation``) holds the resolutions and curated additions.
    """
    from analysis.data.load import case_for, data_dir, read_table

    shared_dir = Path(shared_dir)
    out_dir = Path(out_dir) if out_dir is not None else data_dir()
    curation_dir = Path(curation_dir) if curation_dir is not None else data_dir() / "curation"
    incidents, dropped = build_incidents(shared_dir, curation_dir)
    events = build_events(shared_dir, curation_dir)
    reported = build_reported_counts(shared_dir, curation_dir, dropped)
    case = case_for(out_dir / "incidents.csv")  # the case of the folder built into
    tables = {
        "incidents.csv": ("incidents", _csv_text(INCIDENT_COLUMNS, incidents)),
        "political_events.csv": ("political_events", _csv_text(EVENT_COLUMNS, events)),
        "attack_counts_reported.csv": (
            "attack_counts_reported",
            _csv_text(REPORTED_COLUMNS, reported),
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, text) in tables.items():
            staged = Path(tmp) / name
            staged.write_text(text, encoding="utf-8")
            read_table(staged, spec, case=case)  # raises before anything is replaced
    for name, (_, text) in tables.items():
        write_atomic(out_dir / name, text)
    readme = out_dir / "README.md"
    if readme.exists():
        from analysis.data.coverage import coverage_markdown, replace_block

        block = coverage_markdown(
            read_table(out_dir / "incidents.csv", "incidents", case=case),
            read_table(out_dir / "attack_counts_reported.csv", "attack_counts_reported", case=case),
        )
        write_atomic(readme, replace_block(readme.read_text(encoding="utf-8"), block))
    return BuildReport(len(incidents), len(events), len(reported), tuple(dropped))
