"""``escalation run``: fetch, validate, build and publish with nobody watching, and log the run.

In order: fetch the named feeds into ``data/raw/<feed>/`` (optional); validate every curated data
file (on a bad file nothing is built or published); build the briefs incrementally with ``as_of``
passed to the notebooks that declare it. The run's date is ``--as-of`` or, by default, today where
the data are dated (:func:`analysis.clock.today_local`, never the machine's zone). By default an
entry that sets ``as_of`` itself keeps it (``latest``: the last date in the data); an explicit
``--as-of`` also replaces ``latest``, so ``escalation run --as-of 2021-06-30`` makes that date's
edition of every brief that takes a date (an entry set to a date of its own still keeps it).
Every run appends one JSON line to ``<site>/runs.jsonl``: start and end, what was fetched,
which briefs were rebuilt and why, which were skipped, durations, and any error.

Exit codes, for cron, systemd and CI monitors (see :data:`EXIT_CODES`, the ``run`` table of
:data:`analysis.errors.COMMANDS`). A feed that could not be fetched is a failure of its own,
7, even when the briefs were built and published from the data at hand: the shipped schedulers
count only 0 and 5 as success.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.clock import now_utc, today_local
from analysis.errors import (
    COMMANDS,
    DATA_INVALID,
    FAILED,
    FETCH_FAILED,
    IO_ERROR,
    NOTHING,
    PUBLISHED,
    EscalationError,
    error_text,
    exit_code,
)
from analysis.paths import TABLE_FILES
from analysis.report.publish import naming
from analysis.sources import feeds as feed_registry

#: what each exit code of ``escalation run`` means (also the ``status`` of its run-log line)
EXIT_CODES = COMMANDS["run"].meanings
RUN_LOG = "runs.jsonl"
#: the feeds ``--fetch`` takes (the registry's, :data:`analysis.sources.feeds.KEYS`)
FEEDS = feed_registry.KEYS


@dataclass
class RunLog:
    """One line of ``runs.jsonl``: what a run did and how it ended."""

    start: str
    end: str = ""
    as_of: str = ""
    status: str = ""
    exit_code: int = 0
    fetched: list[dict[str, Any]] = field(default_factory=list)
    rebuilt: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    def finish(self, code: int, error: str = "") -> RunLog:
        self.exit_code, self.status = code, EXIT_CODES[code]
        self.error = error or self.error
        self.end = _now().isoformat(timespec="seconds")
        return self


def _now() -> dt.datetime:
    return now_utc()


def fetch_feeds(feeds: Sequence[str], as_of: dt.date, raw_dir: Path) -> list[dict[str, Any]]:
    """Fetch each feed up to ``as_of`` into ``raw_dir/<feed>``; one record per feed, never raises.

    Each feed's window is its registry record's (:meth:`analysis.sources.feeds.Feed.fetch_recent`:
    GDELT the 7 days to ``as_of``; ACLED the 365 days to ``as_of``, for each of the case's ACLED
    countries; UCDP the GED release named by ``$ESCALATION_UCDP_VERSION``, default 25.1). A feed
    the case does not configure is skipped, a failure saying so. The case is that of the data
    folder ``raw_dir`` lies in. Credentials and base URLs come from the environment, as for
    ``escalation fetch``.
    """
    from analysis import case

    records = []
    for feed in feeds:
        start = time.perf_counter()
        record: dict[str, Any] = {"feed": feed}
        try:
            wanted = feed_registry.feed(feed)
            ok, detail = wanted.fetch_recent(as_of, raw_dir / feed, case=case.load(raw_dir.parent))
            record.update(ok=ok, detail=detail)
        except feed_registry.FeedNotConfigured as exc:  # asked for, but not the case's: a failure
            record.update(ok=False, skipped=True, detail=" ".join(str(exc).split()))
        except EscalationError as exc:  # a download, the server's answer, credentials, a date
            record.update(ok=False, detail=" ".join(str(exc).split()))
        except Exception as exc:  # anything else is recorded too: the run goes on, and fails 7
            record.update(ok=False, detail=f"{type(exc).__name__}: {exc}")
        record["seconds"] = round(time.perf_counter() - start, 2)
        records.append(record)
    return records


def refresh_queue(data_dir: Path) -> str:
    """Recompute the feeds' review queue after a fetch (``analysis.sources.review``); what it
    did, as a note for the run log. Never raises: the briefs are still built from the data."""
    from analysis.sources import review

    try:
        return review.refresh(data_dir).text()
    except Exception as exc:
        return f"review queue not refreshed: {type(exc).__name__}: {' '.join(str(exc).split())}"


def validate_data(data_dir: Path) -> list[str]:
    """Every problem in the curated data files, as ``file:line, field: message`` lines."""
    from analysis.case import CaseError, load
    from analysis.data import validate_path

    try:
        load(data_dir)
    except CaseError as exc:
        return [str(exc)]
    problems = []
    for name in TABLE_FILES:
        path = data_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        problems += [f"{path}:{p}" for p in validate_path(path)]
    return problems


def append_log(site: Path, entry: RunLog) -> None:
    """Append ``entry`` as one JSON line to ``site/runs.jsonl`` (one write, flushed to disk); a
    ``runs.jsonl`` that is a symbolic link is not written through (``ELOOP``)."""
    site.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(entry), sort_keys=True) + "\n").encode("utf-8")
    with naming(site / RUN_LOG):
        fd = os.open(site / RUN_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


#: the JSON type of each field of a logged run (a field may be missing: older logs lack some)
_LOG_TYPES: dict[str, type | tuple[type, ...]] = {
    "start": str, "end": str, "as_of": str, "status": str, "error": str, "exit_code": int,
    "fetched": list, "notes": list, "rebuilt": dict, "skipped": dict, "failed": dict,
    "seconds": dict,
}  # fmt: skip


def _log_problem(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """(the run, "") for a good line of the log, else (None, what is wrong with it)."""
    try:
        run = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except ValueError:
        return None, "not JSON"
    if not isinstance(run, dict):
        return None, f"a JSON {type(run).__name__}, not an object"
    for key, kind in _LOG_TYPES.items():
        if key in run and (not isinstance(run[key], kind) or isinstance(run[key], bool)):
            return None, f"field {key!r} is a {type(run[key]).__name__}"
    return run, ""


def read_log(site: Path, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every run logged in ``site/runs.jsonl``, oldest first. A damaged line (not UTF-8, not
    JSON, not an object, a field of the wrong type) is skipped with a warning naming the file
    and the line, given to ``warn`` (default: a ``warning:`` line on stderr)."""
    path = site / RUN_LOG
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    if warn is None:

        def warn(text: str) -> None:
            print(f"warning: {text}", file=sys.stderr)

    runs = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        run, problem = _log_problem(raw)
        if run is None:
            warn(f"{path}:{number}: {problem}; line skipped")
        else:
            runs.append(run)
    return runs


def run_unattended(
    config: Path | str,
    *,
    site: Path | str,
    fetch: Sequence[str] = (),
    as_of: dt.date | None = None,
    jobs: int | None = None,
    data_dir: Path | str | None = None,
    wait: float = 0.0,
    now: dt.datetime | None = None,
    progress: Callable[[Any], None] | None = None,
    scheduler: str | None = None,
    kernels: str | None = None,
    timeout: float | None = 1800,
    brief_timeout: float | None = None,
) -> RunLog:
    """Fetch, validate, build and publish; log the run in ``site/runs.jsonl`` and return it.

    ``as_of`` (explicit, e.g. ``--as-of``) is passed to every notebook that declares it, also
    to entries set to ``latest``; by default the run's date is today where the data are dated
    at ``now`` and entries that set ``as_of`` keep it. ``scheduler``: a Dask scheduler to build
    the briefs on; ``kernels``: warm or fresh kernels; ``timeout``, ``brief_timeout``: seconds
    per cell and per brief (all :func:`analysis.report.runner.run`)."""
    from analysis.report.runner import run

    site = Path(site).resolve()
    data_dir = Path(data_dir).resolve() if data_dir is not None else paths.data_dir()
    now = now or _now()
    explicit = as_of is not None
    as_of = as_of or today_local(now)
    entry = RunLog(start=now.isoformat(timespec="seconds"), as_of=as_of.isoformat())
    client = None
    try:
        from analysis.report import cluster

        address = cluster.scheduler_address(scheduler)
        if address:  # an unreachable scheduler fails before anything is fetched or built
            client = cluster.connect(address)
        if fetch:
            entry.fetched = fetch_feeds(fetch, as_of, data_dir / "raw")
            entry.notes.append(refresh_queue(data_dir))
        problems = validate_data(data_dir)
        if problems:
            shown = problems[:50] + ([f"... and {len(problems) - 50} more"] * (len(problems) > 50))
            entry.finish(DATA_INVALID, "data invalid, nothing published:\n" + "\n".join(shown))
        else:
            report = run(
                config,
                site=site,
                jobs=jobs,
                data_dir=data_dir,
                overrides={"as_of": as_of.isoformat()},
                replace_latest=explicit,
                wait=wait,
                now=now,
                progress=progress,
                scheduler=client,
                kernels=kernels,
                timeout=timeout,
                brief_timeout=brief_timeout,
            )
            entry.notes += report.notes
            for d in report.decisions:
                (entry.rebuilt if d.build else entry.skipped)[d.name] = d.reasons
            for name, outcome in report.outcomes.items():
                entry.seconds[name] = round(outcome.seconds, 2)
                if not outcome.ok:
                    entry.failed[name] = outcome.error
            unfetched = [f for f in entry.fetched if not f["ok"]]
            if report.failed:
                code = FAILED
            elif unfetched:
                code = FETCH_FAILED
            else:
                code = PUBLISHED if report.built else NOTHING
            errors = list(entry.failed.values())
            errors += [f"fetch {f['feed']} failed: {f['detail']}" for f in unfetched]
            entry.finish(code, "; ".join(errors))
    except (EscalationError, OSError) as exc:
        # a bad config (2), the lock held (3), a feed's error (7), a file that cannot be
        # written (6): the same code and message as ``escalation report`` gives
        entry.finish(exit_code(exc, "run"), error_text(exc, "run"))
    finally:
        if client is not None:
            client.close()
    try:
        append_log(site, entry)
    except OSError as exc:
        entry.notes.append(f"could not append to {site / RUN_LOG}: {exc}")
        if entry.exit_code in (PUBLISHED, NOTHING):
            entry.finish(IO_ERROR, error_text(exc, "run"))
    return entry


def runs_table(runs: list[dict[str, Any]], limit: int = 20) -> str:
    """The last ``limit`` runs as a plain-text table, newest last."""
    rows = [("start (UTC)", "as of", "status", "rebuilt", "skipped", "failed", "seconds")]
    for r in runs[-limit:]:
        try:
            start = dt.datetime.fromisoformat(r["start"])
            secs = (dt.datetime.fromisoformat(r["end"]) - start).total_seconds()
        except (KeyError, ValueError):
            start, secs = None, float("nan")
        rows.append(
            (
                start.strftime("%Y-%m-%d %H:%M") if start else "?",
                r.get("as_of", ""),
                r.get("status", ""),
                ", ".join(r.get("rebuilt", {})) or "-",
                str(len(r.get("skipped", {}))),
                ", ".join(r.get("failed", {})) or "-",
                f"{secs:.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)
