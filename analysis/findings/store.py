"""The build's findings table, computed once per data and code version and read by every page.

Fitting every campaign's events together takes tens of seconds, so no page fits them itself:
:func:`build` computes the table once for a data folder (or finds it in the cache, keyed by the
hashes of the data files it reads and of the ``analysis`` package's source) and :func:`table`
is what a page calls. The runner builds it before any kernel starts and hands kernels its path
in ``$ESCALATION_FINDINGS``; a notebook run by hand (JupyterLab) builds or reuses the cached one.

:func:`variants` gives the same analysis with other options, the checks ``findings.html`` shows
beside the primary table (:data:`VARIANTS`: 14 and 60 day horizons, claimed attacks counted),
cached under the primary table's key (under a second each: the joint fits take well under one).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.atomic import write_atomic
from analysis.findings.campaigns import (
    BUILD_COLUMNS,
    campaign_findings,
    findings_csv,
    write_findings,
)
from analysis.findings.evaluation import HORIZON_DAYS
from analysis.paths import FINDINGS_ENV

__all__ = [
    "CACHE_DIR",
    "FINDINGS_ENV",
    "INPUT_FILES",
    "PRIMARY",
    "VARIANTS",
    "build",
    "cache_key",
    "read",
    "pools",
    "row",
    "table",
    "variants",
]

#: where computed tables are kept, one file per cache key (git-ignored)
CACHE_DIR = paths.ROOT / "reports" / ".build" / "findings"
#: the data files a findings table is computed from (the case file: its campaigns, vocabularies)
INPUT_FILES = ("incidents.csv", "political_events.csv", paths.CASE_FILE)
_PACKAGE = Path(__file__).resolve().parents[1]
#: the options of the primary table, (horizon_days, confirmation): the figures every page states
PRIMARY = (HORIZON_DAYS, "confirmed")
#: the primary table and its checks, (horizon_days, confirmation) in the order shown
VARIANTS = (PRIMARY, (14, "confirmed"), (60, "confirmed"), (HORIZON_DAYS, "all"))


def _source_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(_PACKAGE.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(_PACKAGE).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def cache_key(data_dir: Path | str | None = None) -> str:
    """16 hex digits naming one findings table: the bytes of :data:`INPUT_FILES` in
    ``data_dir`` (default: the data folder) and the package's source."""
    folder = Path(data_dir) if data_dir is not None else paths.data_dir()
    h = hashlib.sha256()
    for name in INPUT_FILES:
        blob = (folder / name).read_bytes() if (folder / name).is_file() else b"missing"
        h.update(name.encode() + b"\0" + blob + b"\0")
    h.update(_source_hash().encode())
    return h.hexdigest()[:16]


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("group", "joint_grade", "not_graded_reason", "campaign", "label", "sentence"):
        if col in frame:
            frame[col] = frame[col].fillna("").astype(str)
    return frame[[c for c in BUILD_COLUMNS if c in frame.columns]]


def read(path: Path | str) -> pd.DataFrame:
    """A findings table written by :func:`build` (its ``findings.csv`` at ``path``)."""
    return _read(Path(path))


def build(data_dir: Path | str | None = None, *, cache_dir: Path | str | None = None) -> Path:
    """The path of the findings table (``findings.csv``, with ``findings.json`` beside it) for
    the data in ``data_dir``: from the cache when its key is there, else computed now (once,
    under a lock, so parallel callers wait for the first) and stored."""
    from analysis.data import load_events, load_incidents
    from analysis.data.campaigns import campaigns
    from analysis.data.load import case_for

    folder = Path(data_dir) if data_dir is not None else paths.data_dir()
    key = cache_key(folder)
    where = Path(cache_dir) if cache_dir is not None else CACHE_DIR
    target = where / key
    csv = target / "findings.csv"
    if csv.is_file():
        return csv
    where.mkdir(parents=True, exist_ok=True)
    with open(where / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel callers wait for the first to compute
        if csv.is_file():
            return csv
        incidents = load_incidents(folder / "incidents.csv")
        events = load_events(folder / "political_events.csv")
        own = campaigns(case_for(folder / "incidents.csv"))  # the folder's case, not the env's
        found = campaign_findings(incidents, events, own)
        target.mkdir(parents=True, exist_ok=True)
        write_findings(found, target)
        write_atomic(target / "key", key + "\n")
    return csv


def variants(
    data_dir: Path | str | None = None, *, cache_dir: Path | str | None = None
) -> dict[tuple[int, str], pd.DataFrame]:
    """The findings table of each of :data:`VARIANTS` by (horizon_days, confirmation): the
    primary one (:func:`build`) and the same analysis with the others' options, each computed
    once per cache key (stored as ``variants/h<days>_<confirmation>.csv`` beside the primary)."""
    from analysis.data import load_events, load_incidents

    folder = Path(data_dir) if data_dir is not None else paths.data_dir()
    primary = build(folder, cache_dir=cache_dir)
    out = {PRIMARY: _read(primary)}
    wanted = {v: primary.parent / "variants" / f"h{v[0]}_{v[1]}.csv" for v in VARIANTS[1:]}
    if not all(p.is_file() for p in wanted.values()):
        with open(primary.parent.parent / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # parallel callers wait for the first to compute
            missing = {v: p for v, p in wanted.items() if not p.is_file()}
            if missing:
                incidents = load_incidents(folder / "incidents.csv")
                events = load_events(folder / "political_events.csv")
            for (days, confirmation), path in missing.items():
                found = campaign_findings(
                    incidents, events, horizon_days=days, confirmation=confirmation
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, findings_csv(found))
    return out | {v: _read(p) for v, p in wanted.items()}


def pools(findings: Path | str, data_dir: Path | str | None = None) -> tuple[Any, dict]:
    """The pools of the findings table at ``findings`` (:func:`analysis.findings.pooling.pool`)
    and of its checks (:func:`variants` of ``data_dir``), computed once per table, data and
    code: kept beside the table as ``pools-<key>.pickle`` (the package's own build folder,
    trusted as its code is). A missing or unreadable file is computed again."""
    from analysis.findings import pooling  # statsmodels: only when pools are wanted

    findings = Path(findings)
    folder = Path(data_dir) if data_dir is not None else paths.data_dir()
    h = hashlib.sha256(findings.read_bytes())
    h.update(cache_key(folder).encode())
    cache = findings.parent / f"pools-{h.hexdigest()[:16]}.pickle"
    try:
        return pickle.loads(cache.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        pass
    table = read(findings)
    pooled = pooling.pool(table)
    tables = variants(folder) | {PRIMARY: table}  # the primary as given
    checks = pooling.pool_variants(tables, pooled.method)
    try:
        write_atomic(cache, pickle.dumps((pooled, checks)))
    except OSError:
        pass  # a read-only build folder: computed each time
    return pooled, checks


def table(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The findings table a page reads: this build's (``$ESCALATION_FINDINGS``) when the runner
    set it, else :func:`build` for ``data_dir``. One row per event (columns
    :data:`analysis.findings.campaigns.BUILD_COLUMNS`)."""
    given = os.environ.get(FINDINGS_ENV)
    if given and data_dir is None:
        from analysis.data.load import note_read

        for name in INPUT_FILES:  # the page's build key covers the data its figures rest on
            note_read(paths.data_dir() / name)
        return _read(Path(given))
    return _read(build(data_dir))


def row(event_id: str, findings: pd.DataFrame | None = None) -> dict[str, Any]:
    """One event's findings row as a dict (KeyError naming the event when it has none)."""
    found = table() if findings is None else findings
    hit = found[found["event_id"] == event_id]
    if hit.empty:
        raise KeyError(f"no findings row for event {event_id!r}")
    return hit.iloc[0].to_dict()
