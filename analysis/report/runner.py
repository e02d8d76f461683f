"""``escalation report``: build the briefs a config lists, incrementally, in parallel, safely.

1. Read the config and check every parameter against its notebook (no kernel starts on a bad
   config).
2. Under the site lock, compare each brief's build key (:mod:`analysis.report.keys`) with the one
   recorded in the site's manifest; only briefs whose inputs changed (or ``force``) are built.
3. Build them across ``jobs`` worker processes, each executing its notebook with papermill and
   exporting HTML with nbconvert, into a staging folder.
4. Publish what succeeded, with the manifest and the index, all or nothing
   (:func:`analysis.report.publish.publish`). A failed brief keeps its last good page; its executed
   notebook is kept under ``reports/.build/<site>/failed/`` for debugging.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from analysis import __version__
from analysis.atomic import write_atomic
from analysis.paths import DATA_DIR, DEFAULT_CONFIG, DEFAULT_SITE, ROOT  # DEFAULT_*: re-exported
from analysis.report import config as cfg
from analysis.report import keys
from analysis.report.execute import Outcome, Task, build
from analysis.report.publish import publish, recover, site_lock, work_dir
from analysis.report.site import (
    ARCHIVE,
    FEED,
    MANIFEST,
    archive_copy,
    feed_xml,
    index_html,
    manifest_text,
    read_manifest,
)


@dataclass
class Decision:
    """Whether a brief is built this run, and why (or why not)."""

    name: str
    build: bool
    reasons: list[str]
    key: str
    inputs: dict[str, Any]


class Plan(NamedTuple):
    """What :func:`plan` decided, and what it read to decide it (so :func:`run` reads it once)."""

    #: the briefs to consider (``only`` applied, ``overrides`` set), in config order
    briefs: list[cfg.Brief]
    #: each notebook's declared parameters
    declared: dict[Path, dict[str, cfg.Parameter]]
    #: per brief in ``briefs``: build it or not, and why
    decisions: list[Decision]
    #: the hash of every curated data file
    data: dict[str, str]
    #: the name of every brief in the config, in its order (the index lists them so)
    order: list[str]


@dataclass
class RunReport:
    """What a run did: per brief the decision and, for built ones, the outcome."""

    site: Path
    decisions: list[Decision] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def built(self) -> list[str]:
        return [n for n, o in self.outcomes.items() if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if not o.ok]

    @property
    def skipped(self) -> list[str]:
        return [d.name for d in self.decisions if not d.build]

    @property
    def index(self) -> Path:
        return self.site / "index.html"


def git_commit(root: Path = ROOT) -> str:
    """The project's git commit, with ``-dirty`` when tracked files have local changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("-dirty" if dirty else "")


def _display_path(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _declared(briefs: Sequence[cfg.Brief], cache_path: Path) -> dict[Path, dict]:
    """Declared parameters per notebook, cached by notebook hash (papermill is slow to import).

    New entries are added to the cache, so a run over some briefs (``only``) keeps the others'.
    """
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if not isinstance(cache, dict):
        cache = {}
    out: dict[Path, dict] = {}
    merged = dict(cache)
    for nb in sorted({b.notebook for b in briefs}):
        digest = keys.file_hash(nb)
        if digest in cache:
            out[nb] = {
                n: cfg.Parameter(n, tuple(p[0]), p[1], p[2]) for n, p in cache[digest].items()
            }
        else:
            out[nb] = cfg.declared_parameters(nb)
        merged[digest] = {n: [list(p.types), p.default, p.help] for n, p in out[nb].items()}
    if merged != cache:
        try:
            write_atomic(cache_path, json.dumps(merged, sort_keys=True))
        except OSError:
            pass  # the cache is only an optimisation
    return out


def plan(
    config: Path | str = DEFAULT_CONFIG,
    *,
    site: Path | str = DEFAULT_SITE,
    only: Sequence[str] | None = None,
    force: bool = False,
    data_dir: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Plan:
    """Check the config and decide which briefs need building; starts no kernel.

    Writes nothing but the cache of notebooks' declared parameters (in the site's work folder).

    ``overrides`` sets parameters on every brief whose notebook declares them (``as_of``).
    Raises :class:`~analysis.report.config.ConfigError` on a bad config or parameter.
    """
    config, site = Path(config), Path(site)
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    briefs = cfg.load_config(config)
    order = [b.name for b in briefs]
    if only:
        unknown = sorted(set(only) - {b.name for b in briefs})
        if unknown:
            names = ", ".join(b.name for b in briefs)
            raise cfg.ConfigError(f"{config}: no brief named {', '.join(unknown)} (have: {names})")
        briefs = [b for b in briefs if b.name in only]
    declared = _declared(briefs, work_dir(site) / "parameters-cache.json")
    if overrides:
        briefs = [
            replace(
                b,
                parameters={
                    **{k: v for k, v in overrides.items() if k in declared[b.notebook]},
                    **b.parameters,
                },
            )
            for b in briefs
        ]
    events = cfg.event_ids(data_dir)
    for b in briefs:
        cfg.check_parameters(b, declared[b.notebook], events, config=config)
    data = keys.data_hashes(data_dir)
    missing = [name for name, digest in data.items() if digest == "missing"]
    if missing:
        raise cfg.ConfigError(f"{data_dir}: missing data file(s): {', '.join(missing)}")
    source, versions = keys.source_hash(), keys.package_versions()
    manifest = read_manifest(site)["briefs"]
    decisions = []
    for b in briefs:
        params = b.resolved_parameters(declared[b.notebook])
        old = manifest.get(b.name)
        read = old.get("data_files") if old else None  # what its notebook read last time
        used = {n: h for n, h in data.items() if read is None or n in read}
        inputs = keys.inputs_for(b.notebook, params, used, source, versions)
        key = keys.build_key(inputs)
        if force:
            reasons = ["forced"]
        elif not old or old.get("key") != key:
            reasons = keys.why_changed(old.get("inputs") if old else None, inputs)
        elif not (site / old.get("file", "")).is_file():
            reasons = ["published page missing"]
        elif keys.file_hash(site / old["file"]) != old.get("html_sha256"):
            reasons = ["published page changed since it was built"]
        else:
            reasons = []
        decisions.append(Decision(b.name, bool(reasons), reasons or ["unchanged"], key, inputs))
    return Plan(briefs, declared, decisions, data, order)


def _run_tasks(
    tasks: list[Task], jobs: int, progress: Callable[[Outcome], None] | None
) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    if not tasks:
        return outcomes
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        futures = {pool.submit(build, t): t for t in tasks}
        for fut in cf.as_completed(futures):
            task = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:
                outcome = Outcome(
                    task.name, False, 0.0, error=f"brief '{task.name}' failed: worker died ({exc})"
                )
            outcomes[task.name] = outcome
            if progress:
                progress(outcome)
    return outcomes


def run(
    config: Path | str = DEFAULT_CONFIG,
    *,
    site: Path | str = DEFAULT_SITE,
    only: Sequence[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    data_dir: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    wait: float = 0.0,
    timeout: float | None = 1800,
    progress: Callable[[Outcome], None] | None = None,
    on_plan: Callable[[list[Decision]], None] | None = None,
    now: dt.datetime | None = None,
) -> RunReport:
    """Build and publish the briefs of ``config`` into ``site``; see the module docstring.

    ``jobs``: worker processes (default: the number of cores). ``wait``: seconds to wait for
    another run's lock before giving up. ``timeout``: seconds allowed per notebook cell.
    ``now`` (UTC, default: the clock) dates the new editions and their build time.
    """
    config, site = Path(config).resolve(), Path(site).resolve()
    data_dir = Path(data_dir).resolve() if data_dir is not None else DATA_DIR
    jobs = jobs or os.cpu_count() or 1
    report = RunReport(site)
    options = {"site": site, "only": only, "force": force, "data_dir": data_dir}
    plan(config, **options, overrides=overrides)  # a bad config fails here, before any wait
    with site_lock(site, wait=wait, command=" ".join(sys.argv) or "escalation report") as note:
        if note:
            report.notes.append(note)
        if recover(site):
            report.notes.append("rolled back a publish interrupted in an earlier run")
        # decide under the lock: a run that held it may have just built what we would build
        planned = plan(config, **options, overrides=overrides)
        decisions = report.decisions = planned.decisions
        if on_plan:
            on_plan(decisions)
        todo = {d.name for d in decisions if d.build}
        if not todo:
            return report
        work = work_dir(site)
        work.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=work))
        try:
            provenance_base = {
                "version": __version__,
                "commit": git_commit(),
                "source_hash": decisions[0].inputs["analysis"],
                "packages": decisions[0].inputs["versions"],
                "data_dir": _display_path(data_dir),
                "data": planned.data,  # the worker keeps the files the notebook read
            }
            built_at = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M")
            tasks = [
                Task(
                    b.name,
                    b.notebook,
                    b.parameters,
                    b.title,
                    staging,
                    data_dir,
                    ROOT,
                    inputs=d.inputs,
                    provenance={
                        **provenance_base,
                        "parameters": b.resolved_parameters(planned.declared[b.notebook]),
                        "notebook": _display_path(b.notebook),
                    },
                    timeout=timeout,
                    built_at=built_at,
                )
                for b, d in zip(planned.briefs, decisions, strict=True)
                if d.build
            ]
            report.outcomes = _run_tasks(tasks, jobs, progress)
            _publish(report, site, staging, planned.order, decisions, work, built_at)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return report


def _publish(
    report: RunReport,
    site: Path,
    staging: Path,
    order: list[str],
    decisions: list[Decision],
    work: Path,
    built_at: str,
) -> None:
    """Keep failed notebooks for debugging; publish built pages, editions, manifest, index and
    feed together."""
    failed_dir = work / "failed"
    for outcome in report.failed:
        if outcome.notebook and outcome.notebook.exists():
            failed_dir.mkdir(parents=True, exist_ok=True)
            kept = failed_dir / f"{outcome.name}.ipynb"
            shutil.copy2(outcome.notebook, kept)
            outcome.notebook = kept
            log = staging / f"{outcome.name}.log"
            if log.exists():
                shutil.copy2(log, failed_dir / log.name)
    for name in report.built:  # a success clears an earlier failure's debug copy
        (failed_dir / f"{name}.ipynb").unlink(missing_ok=True)
    if not report.built:
        return
    manifest = read_manifest(site)
    by_name = {d.name: d for d in decisions}
    files: dict[str, Path] = {}
    day = built_at[:10]
    for name in report.built:
        outcome, decision = report.outcomes[name], by_name[name]
        glued = outcome.glued
        old = manifest["briefs"].get(name, {})
        edition = {
            "date": day,
            "file": f"{ARCHIVE}/{day}/{name}.html",
            "headline": glued.get("headline", ""),
            "built_at": built_at,
            "key": outcome.key,
        }
        editions = [e for e in old.get("editions", []) if e.get("date") != day] + [edition]
        manifest["briefs"][name] = {
            "file": f"{name}.html",
            # the key covers the data files the notebook actually read, so a change to another
            # data file does not rebuild it
            "key": outcome.key,
            "inputs": outcome.inputs,
            "data_files": outcome.data_read,
            "reasons": decision.reasons,
            "editions": sorted(editions, key=lambda e: e["date"]),
            "title": glued.get("title", name),
            "headline": glued.get("headline", ""),
            "focus_event": glued.get("focus_event") or "",
            "period": glued.get("period"),
            "built_at": outcome.built_at,
            "seconds": round(outcome.seconds, 2),
            "html_sha256": keys.file_hash(outcome.html),
        }
        files[f"{name}.html"] = outcome.html
        archived = staging / f"{name}.archive.html"
        archived.write_text(archive_copy(outcome.html.read_text(encoding="utf-8")), "utf-8")
        files[edition["file"]] = archived
    # briefs no longer in the config leave the index (their old pages stay on disk)
    manifest["briefs"] = {n: e for n, e in manifest["briefs"].items() if n in order}
    (staging / MANIFEST).write_text(manifest_text(manifest), encoding="utf-8")
    (staging / "index.html").write_text(index_html(manifest, order), encoding="utf-8")
    (staging / FEED).write_text(feed_xml(manifest, order, built_at), encoding="utf-8")
    files[MANIFEST] = staging / MANIFEST
    files["index.html"] = staging / "index.html"
    files[FEED] = staging / FEED
    publish(site, files)
