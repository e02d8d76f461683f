"""The review queue: feed incidents no curated row matches, waiting for a person to decide.

After a fetch, :func:`refresh` reads every fetched feed (:mod:`analysis.sources.raw`), keeps the
rows about attacks on US and coalition sites (:func:`analysis.sources.raw.in_scope`), matches
them against the curated incidents with :func:`analysis.sources.reconciliation.reconcile`, and
writes each feed row that matches none, and that nobody has decided on yet, as a **candidate**
to ``data/review/candidates.csv``: feed, feed id, date, governorate, place, description, the
feed's source URL, and the nearest curated row with its match score (:func:`match_score`).
A candidate's id is ``cand-`` and 10 hex digits of a SHA-1 of its feed and feed id, so it is the
same in every refresh. ``data/review/feeds.csv`` records, per feed, its rows and newest date
(what the index page compares with the curated data).

Nothing is accepted automatically. :func:`accept` turns one candidate into a curated row only
with a source the reviewer gives (an http(s) URL and a title): it appends the row to
``data/curation/incident_additions.csv``, the curated-additions table that the deterministic
curation build (:func:`analysis.data.curate.build`) reads, so the row survives a rebuild from
the shared tables, and rebuilds ``data/*.csv``. The new table is built and validated in a
staging folder first: a bad URL, a row that fails validation or that would duplicate a curated
row is refused with the reason and nothing is written. :func:`reject` records a reason.
Both append to ``data/review/decisions.csv`` (committed with ``data/``), and a decided candidate
never comes back. Every change happens under one lock (an ``flock`` on
``data/review/.lock``, released by the operating system if the process dies) and every file is
replaced atomically, so two reviewers at once cannot corrupt the tables. An accept writes the
addition first and the decision last, so one killed in between leaves an addition with no
decision: the next review command that takes the lock (accept, reject, refresh) finishes it
(the build again, then the decision), and retrying that accept says it is done.

This module sits with the feeds (``analysis.sources``): it needs the reconciliation (a feed
module) and the curation build (``analysis.data``), both at or below this layer; the report
layer reads its status for the index page.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from analysis import params
from analysis.atomic import check_inside, data_lock, lock_exclusive, write_atomic
from analysis.errors import DataError, LockedError, ParameterError
from analysis.sources.feeds import configured
from analysis.sources.raw import FEEDS, case_of, feed_files, in_scope, load_feed

CANDIDATES = "candidates.csv"
DECISIONS = "decisions.csv"
FEED_STATUS = "feeds.csv"
LOCK = ".lock"
CANDIDATE_COLUMNS = (
    "candidate_id",
    "feed",
    "feed_id",
    "date",
    "date_precision",
    "governorate",
    "place",
    "target_type",
    "attack_type",
    "attributed_to",
    "killed",
    "description",
    "source_url",
    "nearest_incident_id",
    "nearest_date",
    "match_score",
)
DECISION_COLUMNS = (
    "candidate_id",
    "feed",
    "feed_id",
    "date",
    "decision",
    "incident_id",
    "reason",
    "source_title",
    "source_url",
    "decided_at",
)
FEED_STATUS_COLUMNS = ("feed", "files", "rows", "in_scope", "candidates", "newest_date")
#: curated rows further than this many days from a candidate are not its "nearest"
NEAREST_DAYS = 14
#: the index page warns when the feeds' newest date is this many days past the curated data's
STALE_DAYS = 14
MAX_TEXT = 500


def review_dir(data_dir: Path | str | None = None) -> Path:
    """``<data_dir>/review`` (default: the project's data folder, ``$ESCALATION_DATA_DIR``)."""
    if data_dir is None:
        from analysis import paths

        data_dir = paths.data_dir()
    return Path(data_dir) / "review"


def _data_dir(data_dir: Path | str | None) -> Path:
    return review_dir(data_dir).parent


def candidate_id(feed: str, feed_id: str) -> str:
    """Stable id of a feed event in the queue: the same in every refresh."""
    return "cand-" + hashlib.sha1(f"{feed}|{feed_id}".encode()).hexdigest()[:10]


# --- the lock and the tables -----------------------------------------------------------------


@contextlib.contextmanager
def queue_lock(data_dir: Path | str | None = None, *, wait: float = 60.0) -> Iterator[None]:
    """Hold the review lock of ``data_dir`` for the block, waiting up to ``wait`` seconds.

    Raises :class:`LockedError` when another review or refresh still holds it after ``wait``.
    """
    path = review_dir(data_dir) / LOCK
    check_inside(_data_dir(data_dir), path)  # data/review linked out of the data folder: refused
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not lock_exclusive(fd, wait):
            raise LockedError(
                f"{path}: another review command holds the lock; try again when it ends, or "
                "pass --wait SECONDS"
            )
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """The rows of one of the queue's tables ([] when it does not exist yet). A byte that is not
    UTF-8 (a Latin-1 edit) or a row the csv module cannot read is a :class:`DataError` naming
    the file and the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}, {exc.reason}); "
            "save the file as UTF-8",
            path=path,
            line=line,
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    line = 1  # where the record being read starts
    try:
        if reader.fieldnames is not None and list(reader.fieldnames) != list(columns):
            raise DataError(
                f"{path}: header is not {', '.join(columns)}",
                path=path,
                line=1,
                field="(header)",
            )
        rows = []
        line = reader.line_num + 1
        for row in reader:
            rows.append({c: (row.get(c) or "") for c in columns})
            line = reader.line_num + 1
        return rows
    except csv.Error as exc:
        why = f"unreadable CSV: {exc}"
        if "field limit" in str(exc):  # a stray quote runs a field on to the end of the file
            why += ' (a stray " opens a field that never closes?)'
        raise DataError(f"{path}:{line}: {why}", path=path, line=line) from None


def _text(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: "" if r.get(c) is None else r.get(c) for c in columns} for r in rows)
    return buf.getvalue()


def read_candidates(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """The candidates waiting in ``data/review/candidates.csv`` (as text), newest first."""
    return _read(review_dir(data_dir) / CANDIDATES, CANDIDATE_COLUMNS)


def read_decisions(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """Every decision of ``data/review/decisions.csv``, oldest first."""
    return _read(review_dir(data_dir) / DECISIONS, DECISION_COLUMNS)


def read_feed_status(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """Per feed, what the last refresh read: files, rows, rows in scope, candidates, newest date."""
    return _read(review_dir(data_dir) / FEED_STATUS, FEED_STATUS_COLUMNS)


# --- refresh ---------------------------------------------------------------------------------


def match_score(day_diff: int, same_governorate: bool, target_ok: bool, attack_ok: bool) -> float:
    """How close a curated row is to a candidate, 0 to 1 (1: what ``reconcile`` would match).

    ``1 / (1 + |day_diff|)`` (1 the same day, 0.5 a day apart, ...), halved for a different
    governorate, for an incompatible target type and for an incompatible attack type (each);
    0 beyond :data:`NEAREST_DAYS` days. So a row the same day and place with another target type
    (0.5) is as near as a fully compatible one a day apart.
    """
    if abs(day_diff) > NEAREST_DAYS:
        return 0.0
    score = 1 / (1 + abs(day_diff))
    for ok in (same_governorate, target_ok, attack_ok):
        score *= 1.0 if ok else 0.5
    return round(score, 3)


def _nearest(row: pd.Series, curated: pd.DataFrame) -> tuple[str, str, float]:
    """The curated row with the highest :func:`match_score` against a feed row (ties: closer
    date, then incident id); ("", "", 0.0) when none lies within :data:`NEAREST_DAYS` days."""
    from analysis.sources.common import normalise_governorate
    from analysis.sources.reconciliation import type_cost

    diffs = (curated["date"] - row["date"]).dt.days
    near = curated[diffs.abs() <= NEAREST_DAYS]
    best: tuple[float, int, str, str] | None = None
    gov = normalise_governorate(row["governorate"])
    for _, cur in near.iterrows():
        d = int((row["date"] - cur["date"]).days)
        cur_gov = normalise_governorate(cur["governorate"])
        score = match_score(
            d,
            gov == cur_gov or "unknown" in (gov, cur_gov),
            type_cost(cur["target_type"], row["target_type"]) is not None,
            type_cost(cur["attack_type"], row["attack_type"], unknown=("unknown",)) is not None,
        )
        key = (-score, abs(d), str(cur["incident_id"]), f"{cur['date']:%Y-%m-%d}")
        if best is None or key < (-best[0], best[1], best[2], best[3]):
            best = (score, abs(d), str(cur["incident_id"]), f"{cur['date']:%Y-%m-%d}")
    if best is None:
        return "", "", 0.0
    return best[2], best[3], best[0]


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)


@dataclass(frozen=True)
class RefreshReport:
    """What :func:`refresh` wrote: candidates per feed, and the candidates' total."""

    candidates: int
    per_feed: dict[str, int]
    decided_skipped: int

    def text(self) -> str:
        feeds = ", ".join(f"{f} {n}" for f, n in self.per_feed.items()) or "no feed data"
        return (
            f"review queue: {self.candidates} candidate(s) waiting ({feeds}); "
            f"{self.decided_skipped} already decided left out"
        )


def refresh(
    data_dir: Path | str | None = None,
    feeds: Sequence[str] = FEEDS,
    *,
    wait: float = 60.0,
) -> RefreshReport:
    """Recompute the queue from the fetched feeds (module docstring); returns what it wrote.

    Feeds with no fetched file are skipped. Raises a loader's ``DataValidationError`` for a
    damaged feed file (nothing written then).
    """
    from analysis.data.load import load_incidents
    from analysis.sources.reconciliation import reconcile

    data_dir = _data_dir(data_dir)
    with queue_lock(data_dir, wait=wait):
        _finish_interrupted(data_dir)
        curated = load_incidents(data_dir / "incidents.csv")
        decided = {d["candidate_id"] for d in read_decisions(data_dir)}
        frames, status = {}, []
        for feed in feeds:
            files = feed_files(feed, data_dir)
            if not files or not configured(feed, case_of(data_dir)):
                continue  # nothing fetched, or a feed the case leaves out (not read)
            frame = load_feed(feed, data_dir)
            scoped = frame[in_scope(frame, data_dir).to_numpy()].reset_index(drop=True)
            frames[feed] = scoped
            newest = frame["date"].max() if len(frame) else None
            status.append(
                {
                    "feed": feed,
                    "files": len(files),
                    "rows": len(frame),
                    "in_scope": len(scoped),
                    "newest_date": _cell(newest),
                }
            )
        rows: list[dict[str, object]] = []
        skipped = 0
        per_feed: dict[str, int] = {}
        present = [f for f in frames.values() if len(f)]
        marked = reconcile(curated, *present).feeds if present else {}
        if frames:
            for feed, scoped in frames.items():
                unmatched = (
                    marked[feed][marked[feed]["matched_incident_id"].isna()]
                    if feed in marked
                    else scoped
                )
                n = 0
                for _, row in unmatched.iterrows():
                    cid = candidate_id(feed, str(row["source_event_id"]))
                    if cid in decided:
                        skipped += 1
                        continue
                    nearest, nearest_date, score = _nearest(row, curated)
                    rows.append(
                        {
                            "candidate_id": cid,
                            "feed": feed,
                            "feed_id": _cell(row["source_event_id"]),
                            "date": _cell(row["date"]),
                            "date_precision": _cell(row["date_precision"]),
                            "governorate": _cell(row["governorate"]),
                            "place": _cell(row["location"]),
                            "target_type": _cell(row["target_type"]),
                            "attack_type": _cell(row["attack_type"]),
                            "attributed_to": _cell(row["attributed_to"]),
                            "killed": _cell(row["killed"]),
                            "description": _cell(row["description"]),
                            "source_url": _cell(row["source_url"]),
                            "nearest_incident_id": nearest,
                            "nearest_date": nearest_date,
                            "match_score": f"{score:.3f}",
                        }
                    )
                    n += 1
                per_feed[feed] = n
        for s in status:
            s["candidates"] = per_feed.get(str(s["feed"]), 0)
        rows.sort(key=lambda r: (str(r["date"]), str(r["candidate_id"])), reverse=True)
        folder = review_dir(data_dir)
        write_atomic(folder / CANDIDATES, _text(CANDIDATE_COLUMNS, rows), inside=data_dir)
        write_atomic(folder / FEED_STATUS, _text(FEED_STATUS_COLUMNS, status), inside=data_dir)
    return RefreshReport(len(rows), per_feed, skipped)


# --- listing ---------------------------------------------------------------------------------


def list_candidates(
    data_dir: Path | str | None = None,
    *,
    feed: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, str]]:
    """The waiting candidates, newest first, of one ``feed`` and dated ``start`` to ``end``
    (inclusive) when given."""
    if feed is not None and feed not in FEEDS:
        raise ParameterError(f"--feed must be one of {', '.join(FEEDS)}, got {feed!r}")
    out = []
    for row in read_candidates(data_dir):
        if feed is not None and row["feed"] != feed:
            continue
        if start is not None and row["date"] < start.isoformat():
            continue
        if end is not None and row["date"] > end.isoformat():
            continue
        out.append(row)
    return sorted(out, key=lambda r: (r["date"], r["candidate_id"]), reverse=True)


def candidates_table(rows: Sequence[dict[str, str]], width: int = 60) -> str:
    """Candidates as a plain-text table (description cut to ``width`` characters)."""
    head = ("id", "feed", "feed id", "date", "governorate", "place", "nearest", "score", "what")
    lines = [head]
    for r in rows:
        what = " ".join(r["description"].split())
        lines.append(
            (
                r["candidate_id"],
                r["feed"],
                r["feed_id"],
                r["date"],
                r["governorate"],
                " ".join(r["place"].split())[:30],
                r["nearest_incident_id"] or "-",
                r["match_score"],
                what if len(what) <= width else what[: width - 1] + "…",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = ("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines)
    return "\n".join(t.rstrip() for t in text)


# --- decisions -------------------------------------------------------------------------------


def _one_line(name: str, value: object, *, required: bool = True) -> str:
    text = "" if value is None else str(value)
    if required and not text.strip():
        raise ParameterError(f"{name} is empty")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ParameterError(f"{name} holds a newline or another control character")
    if len(text) > MAX_TEXT:
        raise ParameterError(f"{name} is longer than {MAX_TEXT} characters")
    params.printable_line(name, text)  # zero-width, right-to-left override, ...: the config's rule
    return text.strip()


def check_url(url: object, name: str = "--source-url") -> str:
    """``url`` when it is an absolute http(s) URL with a host and no spaces, else a
    :class:`ParameterError` naming ``name`` and saying why."""
    text = _one_line(name, url)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ParameterError(f"{name} {text!r}: not an http(s) URL")
    if not parts.netloc or any(ch.isspace() for ch in text):
        raise ParameterError(f"{name} {text!r}: not an http(s) URL with a host")
    return text


def _pending(data_dir: Path, cid: str) -> dict[str, str]:
    for d in read_decisions(data_dir):
        if d["candidate_id"] == cid:
            raise ParameterError(
                f"candidate {cid} was already {d['decision']} on {d['decided_at']}; "
                "a decided candidate does not come back"
            )
    for row in read_candidates(data_dir):
        if row["candidate_id"] == cid:
            return row
    raise ParameterError(
        f"candidate {cid!r} is not in {review_dir(data_dir) / CANDIDATES}; "
        "`escalation review` lists the candidates waiting"
    )


def _now(now: dt.datetime | None) -> str:
    from analysis.clock import now_utc

    return (now or now_utc()).astimezone(dt.UTC).isoformat(timespec="seconds")


def _decide(data_dir: Path, candidate: dict[str, str], decision: dict[str, str]) -> None:
    """Append ``decision`` and take its candidate out of the queue (both atomic)."""
    folder = review_dir(data_dir)
    decisions = [*read_decisions(data_dir), decision]
    write_atomic(folder / DECISIONS, _text(DECISION_COLUMNS, decisions), inside=data_dir)
    rest = [r for r in read_candidates(data_dir) if r["candidate_id"] != candidate["candidate_id"]]
    write_atomic(folder / CANDIDATES, _text(CANDIDATE_COLUMNS, rest), inside=data_dir)


#: the ``reason`` of an accepted decision a later command recorded (:func:`_finish_interrupted`)
FINISHED_LATER = "accept interrupted after incident_additions.csv was written; finished later"


def _finish_interrupted(
    data_dir: Path, shared_dir: Path | None = None, now: dt.datetime | None = None
) -> dict[str, str]:
    """Finish what a review command killed half-way left, under the lock; returns the candidates
    whose accept it finished, with their incident ids.

    :func:`accept` writes, in order, ``incident_additions.csv``, ``data/*.csv`` (the build),
    ``decisions.csv``, ``candidates.csv``; each write is atomic, so a kill leaves a prefix. An
    addition whose candidate has no decision is an accept that was killed: the build is run
    again (it is deterministic) and the decision recorded (its source from the addition row,
    its ``reason`` :data:`FINISHED_LATER`). A candidate still queued with a decision is taken
    out of the queue. Nothing to do when the tables agree (the usual case: two reads)."""
    from analysis.data.curate import ADDITION_COLUMNS, ADDITIONS, SHARED_DIR, build, incident_id

    additions = _read(data_dir / "curation" / ADDITIONS, ADDITION_COLUMNS)
    decisions = read_decisions(data_dir)
    decided = {d["candidate_id"] for d in decisions}
    killed = [a for a in additions if a["candidate_id"] and a["candidate_id"] not in decided]
    queued = read_candidates(data_dir)
    if not killed and not any(c["candidate_id"] in decided for c in queued):
        return {}
    finished = {a["candidate_id"]: incident_id(a) for a in killed}
    if killed:
        with data_lock(data_dir, shared=False, wait=60.0):  # held already in an accept
            build(shared_dir or SHARED_DIR, data_dir, curation_dir=data_dir / "curation")
        decisions += [
            {
                **{c: a[c] for c in ("candidate_id", "feed", "feed_id", "date")},
                "decision": "accepted",
                "incident_id": finished[a["candidate_id"]],
                "reason": FINISHED_LATER,
                "source_title": a["source_title"],
                "source_url": a["source_url"],
                "decided_at": _now(now),
            }
            for a in killed
        ]
        write_atomic(
            review_dir(data_dir) / DECISIONS, _text(DECISION_COLUMNS, decisions), inside=data_dir
        )
    done = decided | set(finished)
    rest = [c for c in queued if c["candidate_id"] not in done]
    write_atomic(review_dir(data_dir) / CANDIDATES, _text(CANDIDATE_COLUMNS, rest), inside=data_dir)
    return finished


@dataclass(frozen=True)
class Accepted:
    """An accepted candidate: the curated row's id and the build's row count."""

    candidate_id: str
    incident_id: str
    incidents: int


def addition_row(
    candidate: dict[str, str],
    *,
    source_url: str,
    source_title: str,
    confirmation: str,
    description: str | None = None,
    target_name: str | None = None,
    data_dir: Path | str | None = None,
) -> dict[str, str]:
    """The row of ``incident_additions.csv`` a candidate becomes with the reviewer's source;
    with no ``target_name``, the name the case of ``data_dir`` gives its target type
    (``target_names``)."""
    from analysis.data.curate import ADDITION_COLUMNS

    place = candidate["place"] or candidate["governorate"]
    name = target_name or case_of(data_dir).target_name(candidate["target_type"] or "other")
    row = {
        "date": candidate["date"],
        "date_precision": candidate["date_precision"] or "day",
        "location": place,
        "governorate": candidate["governorate"],
        "target_type": candidate["target_type"] or "other",
        "target_name": name,
        "attack_type": candidate["attack_type"] or "unknown",
        "munitions": "",
        "killed": candidate["killed"],
        "wounded": "",
        "intercepted": "",
        "attributed_to": candidate["attributed_to"] or "unknown",
        "description": description if description is not None else candidate["description"],
        "source_title": source_title,
        "source_url": source_url,
        "confirmation": confirmation,
        "candidate_id": candidate["candidate_id"],
        "feed": candidate["feed"],
        "feed_id": candidate["feed_id"],
    }
    return {c: row[c] for c in ADDITION_COLUMNS}


def accept(
    cid: str,
    *,
    source_url: str,
    source_title: str,
    confirmation: str = "confirmed",
    description: str | None = None,
    target_name: str | None = None,
    data_dir: Path | str | None = None,
    shared_dir: Path | str | None = None,
    wait: float = 60.0,
    now: dt.datetime | None = None,
) -> Accepted:
    """Add candidate ``cid`` as a sourced curated row and rebuild the data (module docstring).

    ``source_url``/``source_title``: the page that states the attack (the reviewer's, not the
    feed's). ``confirmation``: confirmed (default), claimed or disputed. ``description``: the
    row's text (default: the feed's; required for ACLED, whose terms forbid redistributing its
    notes). ``target_name`` (default: from the target type). Raises :class:`ParameterError` or a
    ``DataError`` with the reason, having written nothing.
    """
    from analysis.data.curate import ADDITION_COLUMNS, ADDITIONS, SHARED_DIR, build, incident_id
    from analysis.data.load import load_incidents
    from analysis.data.vocabulary import CONFIRMATIONS

    data_dir = _data_dir(data_dir)
    shared_dir = Path(shared_dir) if shared_dir is not None else SHARED_DIR
    source_url = check_url(source_url)
    source_title = _one_line("--source-title", source_title)
    if confirmation not in CONFIRMATIONS:
        raise ParameterError(
            f"--confirmation must be one of {', '.join(CONFIRMATIONS)}, got {confirmation!r}"
        )
    if description is not None:
        description = _one_line("--description", description)
    if target_name is not None:
        target_name = _one_line("--target-name", target_name)
    # the data's lock too: a report reading the data holds it shared, so its pages' provenance
    # names the data its kernels read; this accept waits for it (or says who is in the way)
    with queue_lock(data_dir, wait=wait), data_lock(data_dir, shared=False, wait=wait):
        finished = _finish_interrupted(data_dir, shared_dir, now)
        if cid in finished:  # this very accept, killed before: done now, with its first source
            return Accepted(cid, finished[cid], len(load_incidents(data_dir / "incidents.csv")))
        candidate = _pending(data_dir, cid)
        if candidate["feed"] == "acled" and description is None:
            raise ParameterError(
                f"candidate {cid} is an ACLED event: give --description in your own words from "
                "the cited source (ACLED's terms forbid redistributing its notes)"
            )
        row = addition_row(
            candidate,
            source_url=source_url,
            source_title=source_title,
            confirmation=confirmation,
            description=description,
            target_name=target_name,
            data_dir=data_dir,
        )
        curation = data_dir / "curation"
        additions = _read(curation / ADDITIONS, ADDITION_COLUMNS)
        text = _text(ADDITION_COLUMNS, [*additions, row])
        new_id = incident_id(row)
        before = set(load_incidents(data_dir / "incidents.csv")["incident_id"])
        if new_id in before:
            raise ParameterError(f"candidate {cid}: the row would repeat curated row {new_id}")
        with tempfile.TemporaryDirectory(prefix="review-") as tmp:
            staged = Path(tmp) / "curation"
            shutil.copytree(curation, staged)
            (staged / ADDITIONS).write_text(text, encoding="utf-8")
            out = Path(tmp) / "out"
            out.mkdir()
            try:
                report = build(shared_dir, out, curation_dir=staged)
            except DataError as exc:
                raise DataError(
                    f"candidate {cid} refused, the row fails validation (staged build, nothing "
                    f"written): {exc}",
                    path=exc.path,
                    line=exc.line,
                    field=exc.field,
                ) from exc
            dropped = [d for d in report.dropped if d.source.startswith(ADDITIONS)]
            if dropped:
                raise ParameterError(f"candidate {cid} refused: {dropped[-1].reason}")
            after = set(load_incidents(out / "incidents.csv")["incident_id"])
            if after - before != {new_id}:
                raise DataError(
                    f"candidate {cid} refused: the build would add {sorted(after - before)} "
                    f"and drop {sorted(before - after)}, not exactly one row; run "
                    "`escalation data build` first to bring data/ in line with the shared tables",
                    path=data_dir / "incidents.csv",
                )
        write_atomic(curation / ADDITIONS, text, inside=data_dir)
        final = build(shared_dir, data_dir, curation_dir=curation)
        _decide(
            data_dir,
            candidate,
            {
                **{c: candidate[c] for c in ("candidate_id", "feed", "feed_id", "date")},
                "decision": "accepted",
                "incident_id": new_id,
                "reason": "",
                "source_title": source_title,
                "source_url": source_url,
                "decided_at": _now(now),
            },
        )
    return Accepted(cid, new_id, final.incidents)


def reject(
    cid: str,
    *,
    reason: str,
    data_dir: Path | str | None = None,
    wait: float = 60.0,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """Record that candidate ``cid`` is not added, with ``reason``; returns the decision."""
    data_dir = _data_dir(data_dir)
    reason = _one_line("--reason", reason)
    with queue_lock(data_dir, wait=wait):
        _finish_interrupted(data_dir, now=now)
        candidate = _pending(data_dir, cid)
        decision = {
            **{c: candidate[c] for c in ("candidate_id", "feed", "feed_id", "date")},
            "decision": "rejected",
            "incident_id": "",
            "reason": reason,
            "source_title": "",
            "source_url": "",
            "decided_at": _now(now),
        }
        _decide(data_dir, candidate, decision)
    return decision


# --- status for the index page ---------------------------------------------------------------


@dataclass(frozen=True)
class QueueStatus:
    """How many candidates wait, and how far the curated data trails the feeds.

    ``lag_days`` = newest feed date - newest curated date, in days (None without feed data);
    ``stale`` when it exceeds :data:`STALE_DAYS`.
    """

    waiting: int
    newest_curated: str
    newest_feed: str
    newest_feed_name: str
    lag_days: int | None

    @property
    def stale(self) -> bool:
        return self.lag_days is not None and self.lag_days > STALE_DAYS


def queue_status(data_dir: Path | str | None = None) -> QueueStatus:
    """The queue's status from ``data/review/`` and ``incidents.csv`` (cheap: no feed is read)."""
    data_dir = _data_dir(data_dir)
    newest_curated = ""
    with contextlib.suppress(FileNotFoundError, ValueError):
        with (data_dir / "incidents.csv").open(newline="", encoding="utf-8") as fh:
            dates = [r["date"] for r in csv.DictReader(fh) if r.get("date")]
        newest_curated = max(dates, default="")
    feeds = [f for f in read_feed_status(data_dir) if f["newest_date"]]
    newest = max(feeds, key=lambda f: f["newest_date"], default=None)
    lag = None
    if newest is not None and newest_curated:
        lag = (
            dt.date.fromisoformat(newest["newest_date"]) - dt.date.fromisoformat(newest_curated)
        ).days
    return QueueStatus(
        len(read_candidates(data_dir)),
        newest_curated,
        newest["newest_date"] if newest else "",
        newest["feed"] if newest else "",
        lag,
    )
