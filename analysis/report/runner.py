"""``escalation report``: build the briefs a config lists, incrementally, in parallel, safely.

1. Read the config and check every parameter against its notebook (:func:`check`; no kernel
   starts on a bad config). Everything the run is told travels as one :class:`RunOptions`.
2. Under the site lock (:func:`decide`), compare each brief's build key
   (:mod:`analysis.report.keys`) with the one recorded in the site's manifest; only briefs whose
   inputs changed (or ``force``) are built.
3. Build them across ``jobs`` worker processes, each executing its notebook with papermill and
   exporting HTML with nbconvert, into a staging folder.
4. Publish what succeeded, with the manifest and the index, all or nothing
   (:func:`analysis.report.publish.publish`). A failed brief keeps its last good page; its executed
   notebook is kept under ``reports/.build/<site>/failed/`` for debugging.

Editions. Each build is an edition dated by its own as-of date: the ``as_of`` it was built with
when that is a date, else the run's local day (:func:`analysis.clock.today_local`). It
is kept as ``archive/<date>/<brief>.html``; it also becomes the current page ``<brief>.html``
unless the brief already has a later edition (a run for an earlier date, ``escalation run --as-of
2021-06-30``, adds that date's edition to the archive and leaves today's page as it is).

A run's workers and kernels die with it (:mod:`analysis.report.lifetime`); a staging folder left
by a killed run is removed by the next one (:func:`analysis.report.publish.clear_stale_staging`).
A file that cannot be written (disk full, read-only site) is an ``OSError`` out of :func:`run`,
which ``report`` and ``run`` both exit 6 on, with the same message.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import analysis
from analysis import paths
from analysis.atomic import data_lock, write_atomic
from analysis.clock import now_utc, today_local
from analysis.errors import DataError, FindingsError
from analysis.paths import DEFAULT_CONFIG, DEFAULT_SITE, ROOT
from analysis.report import cluster, downloads, keys, pool, unchanged, warm
from analysis.report import config as cfg
from analysis.report import forecasts as stored
from analysis.report.archive import archive_copy, missing_banners
from analysis.report.doc_pages import doc_pages
from analysis.report.execute import Outcome, Task
from analysis.report.publish import (
    clear_stale_staging,
    make_staging,
    naming,
    publish,
    recover,
    refuse_links_out,
    site_lock,
    work_dir,
)
from analysis.report.reconcile import reconcile
from analysis.report.site import (
    ARCHIVE,
    FEED,
    MANIFEST,
    edition,
    feed_xml,
    file_build,
    front_pages,
    listed,
    manifest_text,
    read_manifest,
)
from analysis.report.sweeps import point_values, summaries


@dataclass
class Decision:
    """Whether a brief is built this run, and why (or why not)."""

    name: str
    build: bool
    reasons: list[str]
    key: str
    inputs: dict[str, Any]
    #: the date (YYYY-MM-DD) of the edition a build makes: see :func:`edition_date`
    edition: str = ""
    #: the sweep this brief is a point of, or None
    sweep: str | None = None


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
    #: the name of every brief in the config, in its order (the index lists them so), then
    #: every sweep's points
    order: list[str]
    #: the config's sweeps (their points are in ``briefs``)
    sweeps: list[cfg.Sweep] = []
    #: the event ids of the data (what a sweep's ``all`` expands to)
    events: frozenset[str] = frozenset()
    #: the package's file digests (:func:`analysis.report.keys.package_digests`), read once
    package: Mapping[str, bytes] = {}


@dataclass(frozen=True)
class RunOptions:
    """How one run goes (:func:`run`'s arguments, resolved), passed down whole."""

    site: Path
    data_dir: Path
    #: the briefs (or sweeps) to consider; None: all
    only: Sequence[str] | None = None
    force: bool = False
    #: parameters set on every brief whose notebook declares them: see :func:`plan`
    overrides: dict[str, Any] | None = None
    replace_latest: bool = False
    #: the run's local day, which dates editions built for no date of their own
    today: dt.date | None = None
    #: the run's time (aware): the pages' build time
    now: dt.datetime | None = None
    #: seconds to wait for another run's lock
    wait: float = 0.0
    #: local worker processes, and ``warm`` or ``fresh`` kernels
    jobs: int = 1
    kernels: str = "fresh"
    #: seconds allowed per notebook cell, and per brief (local pool only; None: no limit)
    timeout: float | None = 1800
    brief_timeout: float | None = None
    progress: Callable[[Outcome], None] | None = None
    on_plan: Callable[[list[Decision]], None] | None = None
    #: a connected ``distributed.Client`` to build on, or None: the local pool
    client: Any = None


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
    """``path`` as a page may show it: relative to the project, else only its name (a page never
    publishes where the server keeps its files)."""
    path = Path(os.path.abspath(path))
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def edition_date(parameters: Mapping[str, Any], today: dt.date) -> str:
    """The date of the edition a build with ``parameters`` makes: its ``as_of`` when that is a
    date (its own as-of date), else ``today`` (the run's local day; also for ``latest``)."""
    value = parameters.get("as_of")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    return today.isoformat()


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
        entry = cache.get(digest)
        if isinstance(entry, dict) and all(len(p) == 4 for p in entry.values()):
            out[nb] = {
                n: cfg.Parameter(n, tuple(t), d, h, cfg.Check.from_spec(c, str(nb)) if c else None)
                for n, (t, d, h, c) in entry.items()
            }
        else:  # not cached, or cached by a version that did not record the checks
            out[nb] = cfg.declared_parameters(nb)
        merged[digest] = {
            n: [list(p.types), p.default, p.help, p.check.spec() if p.check else None]
            for n, p in out[nb].items()
        }
    if merged != cache:
        try:
            write_atomic(cache_path, json.dumps(merged, sort_keys=True))
        except OSError:
            pass  # the cache is only an optimisation
    return out


@dataclass(frozen=True)
class Checked:
    """A config read and checked against its notebooks and the data's events (the first half
    of :func:`plan`), with the hash of every file that went into it (:meth:`current`)."""

    briefs: list[cfg.Brief]
    declared: dict[Path, dict[str, cfg.Parameter]]
    order: list[str]
    sweeps: list[cfg.Sweep]
    events: frozenset[str]
    #: path -> SHA-256 of the config, each notebook and the events file, as read
    read: dict[Path, str]

    def current(self) -> bool:
        """True while every file it was checked from is as it was (a config edited while the
        run waited for the lock is checked again)."""
        try:
            return all(keys.file_hash(p) == digest for p, digest in self.read.items())
        except OSError:
            return False


def check(config: Path, options: RunOptions) -> Checked:
    """Read the config, expand its sweeps, apply ``only`` and ``overrides`` and check every
    parameter; raises :class:`~analysis.report.config.ConfigError`. Writes nothing but the cache
    of notebooks' declared parameters (in the site's work folder)."""
    read = {config: keys.file_hash(config)} if config.is_file() else {}
    briefs = cfg.load_config(config)
    sweeps = cfg.load_sweeps(config)
    events = cfg.event_ids(options.data_dir)
    read[options.data_dir / "political_events.csv"] = keys.file_hash(
        options.data_dir / "political_events.csv"
    )
    briefs += cfg.expand_sweeps(sweeps, briefs, events, config=config)
    order = [b.name for b in briefs]
    only = options.only
    if only:  # a sweep's name selects all its points
        names = {b.name for b in briefs} | {s.name for s in sweeps}
        unknown = sorted(set(only) - names)
        if unknown:
            have = ", ".join([b.name for b in briefs if b.sweep is None] + [s.name for s in sweeps])
            raise cfg.ConfigError(f"{config}: no brief named {', '.join(unknown)} (have: {have})")
        briefs = [b for b in briefs if b.name in only or b.sweep in only]
    declared = _declared(briefs, work_dir(options.site) / "parameters-cache.json")
    read |= {nb: keys.file_hash(nb) for nb in declared}
    overrides = options.overrides
    if overrides:

        def overridden(b: cfg.Brief) -> dict[str, Any]:
            params = dict(b.parameters)
            for k, v in overrides.items():
                if k not in declared[b.notebook]:
                    continue
                if k not in params or (options.replace_latest and params[k] == "latest"):
                    params[k] = v
            return params

        briefs = [replace(b, parameters=overridden(b)) for b in briefs]
    for b in briefs:
        cfg.check_parameters(b, declared[b.notebook], events, config=config)
    _no_missing_data(options.data_dir, keys.data_hashes(options.data_dir, hashed=False))
    return Checked(briefs, declared, order, sweeps, frozenset(events), read)


def _no_missing_data(data_dir: Path, data: Mapping[str, str]) -> None:
    """Raise a ``ConfigError`` naming the curated data files :func:`keys.data_hashes` found
    missing."""
    missing = [name for name, digest in data.items() if digest == "missing"]
    if missing:
        raise cfg.ConfigError(f"{data_dir}: missing data file(s): {', '.join(missing)}")


def decide(checked: Checked, options: RunOptions) -> Plan:
    """Which of ``checked``'s briefs need building, from their build keys and the site's
    manifest (the second half of :func:`plan`; under the site lock in :func:`run`)."""
    site, data_dir = options.site, options.data_dir
    today = options.today or today_local()
    data = keys.data_hashes(data_dir)
    _no_missing_data(data_dir, data)
    package = keys.package_digests()
    source, versions = keys.source_hash(digests=package), keys.package_versions()
    manifest = read_manifest(site)["briefs"]
    decisions = []
    for b in checked.briefs:
        params = b.resolved_parameters(checked.declared[b.notebook])
        old = manifest.get(b.name)
        read = old.get("data_files") if old else None  # what its notebook read last time
        used = {n: h for n, h in data.items() if read is None or n in read}
        if stored.reads_forecasts(b.notebook):  # the outlook scores the forecasts stored before
            before = old.get("forecast_edition") if old else None
            used[stored.DATA_KEY] = stored.folder_hash(site / stored.FORECASTS, before)
        inputs = keys.inputs_for(b.notebook, params, used, source, versions)
        key = keys.build_key(inputs)
        day = edition_date(params, today)
        same_edition = edition(old, day) if old else None
        if options.force:
            reasons = ["forced"]
        elif (
            old
            and old.get("key") != key
            and same_edition
            and same_edition.get("key") == key
            and (site / same_edition.get("file", "")).is_file()
        ):
            reasons = []  # this date's edition, with these inputs, is in the archive already
        elif not old or old.get("key") != key:
            reasons = keys.why_changed(old.get("inputs") if old else None, inputs)
        elif not (site / old.get("file", "")).is_file():
            reasons = ["published page missing"]
        elif keys.file_hash(site / old["file"]) != old.get("html_sha256"):
            reasons = ["published page changed since it was built"]
        else:
            reasons = []
        decisions.append(
            Decision(b.name, bool(reasons), reasons or ["unchanged"], key, inputs, day, b.sweep)
        )
    c = checked
    return Plan(c.briefs, c.declared, decisions, data, c.order, c.sweeps, c.events, package)


def plan(
    config: Path | str = DEFAULT_CONFIG,
    *,
    site: Path | str = DEFAULT_SITE,
    only: Sequence[str] | None = None,
    force: bool = False,
    data_dir: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    replace_latest: bool = False,
    today: dt.date | None = None,
) -> Plan:
    """Check the config and decide which briefs need building; starts no kernel.

    Writes nothing but the cache of notebooks' declared parameters (in the site's work folder).

    ``overrides`` sets parameters on every brief whose notebook declares them (``as_of``) and
    whose entry does not set them; with ``replace_latest`` (an explicit ``--as-of``) also on an
    entry that sets one to ``latest``. ``today`` (default: the local day) dates the editions of
    briefs built for no date of their own (:func:`edition_date`). A brief whose inputs differ
    from its current page's is not rebuilt when an edition for the same date with the same key
    is already published (a run for an earlier date, repeated).
    Raises :class:`~analysis.report.config.ConfigError` on a bad config or parameter.
    """
    options = RunOptions(
        Path(site),
        Path(data_dir) if data_dir is not None else paths.data_dir(),
        only,
        force,
        overrides,
        replace_latest,
        today or today_local(),
    )
    return decide(check(Path(config), options), options)


def run(
    config: Path | str = DEFAULT_CONFIG,
    *,
    site: Path | str = DEFAULT_SITE,
    only: Sequence[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    data_dir: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    replace_latest: bool = False,
    wait: float = 0.0,
    timeout: float | None = 1800,
    brief_timeout: float | None = None,
    progress: Callable[[Outcome], None] | None = None,
    on_plan: Callable[[list[Decision]], None] | None = None,
    now: dt.datetime | None = None,
    scheduler: str | Any = None,
    kernels: str | None = None,
) -> RunReport:
    """Build and publish the briefs of ``config`` into ``site``; see the module docstring.

    ``jobs``: worker processes (default: :func:`analysis.report.pool.default_jobs`). ``wait``:
    seconds to wait for another run's lock before giving up. ``timeout``: seconds allowed per
    notebook cell; ``brief_timeout``: per brief, its kernel killed past them and the brief
    failed alone (local pool; default: no limit but the cell's).
    ``overrides``, ``replace_latest``: see :func:`plan`. ``now`` (aware, default: the clock)
    gives the build time (UTC) and the local day that dates editions built for no date of
    their own. Raises ``OSError`` when a file cannot be written (after publishing what it can).
    ``scheduler``: a Dask scheduler address (default ``$ESCALATION_SCHEDULER``, else none: the
    local pool), or a connected ``distributed.Client``, to execute the briefs on
    (:mod:`analysis.report.cluster`); an address that does not answer is a ``ConfigError``
    before the lock is taken. ``kernels``: ``warm`` (each brief's kernel forked from a process
    that imported the heavy modules once; the default on Linux) or ``fresh`` (a new Python per
    brief), see :mod:`analysis.report.warm`.
    """
    config = Path(config).resolve()
    now = now or now_utc()
    options = RunOptions(
        site=Path(site).resolve(),
        data_dir=Path(data_dir).resolve() if data_dir is not None else paths.data_dir(),
        only=only,
        force=force,
        overrides=overrides,
        replace_latest=replace_latest,
        today=today_local(now),
        now=now,
        wait=wait,
        jobs=jobs or pool.default_jobs(),
        kernels=warm.kernel_mode(kernels),
        timeout=timeout,
        brief_timeout=brief_timeout,
        progress=progress,
        on_plan=on_plan,
    )
    checked = check(config, options)  # a bad config fails here, before any wait
    if scheduler is None or isinstance(scheduler, str):
        address = cluster.scheduler_address(scheduler)
        client = cluster.connect(address) if address else None  # unreachable: fails here too
        own = client is not None
    else:  # a connected ``distributed.Client`` (``escalation run`` connects before fetching)
        client, own = scheduler, False
    try:
        return _run_locked(config, checked, replace(options, client=client))
    finally:
        if own:
            client.close()


def _run_locked(config: Path, checked: Checked, options: RunOptions) -> RunReport:
    """:func:`run` from taking the site lock on: decide, build (locally in ``options.jobs``
    workers, or on ``options.client``'s cluster), publish.

    The config was checked before the lock (so a bad one fails without waiting); it is checked
    again only if a file it was checked from changed meanwhile (:meth:`Checked.current`). The
    decisions are made under the lock, from the manifest as the last run left it: a run that
    held the lock may have just built what this one would build."""
    site, work = options.site, work_dir(options.site)
    report = RunReport(site)
    with site_lock(
        site, wait=options.wait, command=" ".join(sys.argv) or "escalation report"
    ) as note:
        if note:
            report.notes.append(note)
        refuse_links_out(site)  # a folder linked out of the site: refused before anything runs
        if recover(site):
            report.notes.append("rolled back a publish interrupted in an earlier run")
        stale = clear_stale_staging(work)
        if stale:
            report.notes.append(
                f"removed {len(stale)} staging folder(s) left by killed runs: {', '.join(stale)}"
            )
        if not checked.current():
            checked = check(config, options)
        repaired = reconcile(site, checked.order)  # a lost manifest, a deleted edition
        if repaired:
            report.notes.append(repaired)
        # the data's hashes are read, and its kernels read the data, under one shared lock
        # that ``review accept`` respects: a page's provenance names the data it was built from
        with data_lock(options.data_dir, shared=True, wait=DATA_LOCK_WAIT):
            _build_and_publish(report, checked, options)
    unwritten = next((o.os_error for o in report.failed if o.os_error), None)
    if unwritten:  # a worker could not write (disk full, read-only): the run's error, not a brief's
        raise OSError(*unwritten)
    return report


#: seconds a run waits for a ``review accept`` rewriting the data to finish (it takes seconds)
DATA_LOCK_WAIT = 120.0


def _build_and_publish(report: RunReport, checked: Checked, options: RunOptions) -> None:
    """Decide, build and publish (the site lock and the data's shared lock held)."""
    work = work_dir(options.site)
    planned = decide(checked, options)
    report.decisions = planned.decisions
    if options.on_plan:
        options.on_plan(planned.decisions)
    if not any(d.build for d in planned.decisions):
        _refresh_front_pages(report, planned, options)
        return
    # before any kernel starts; a failure raises here and publishes nothing
    findings = build_findings(options.data_dir)
    staging = make_staging(work)
    try:
        built_at = options.now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        tasks = _tasks(planned, options, staging, built_at, findings)
        if options.client is None:
            report.outcomes = pool.run_tasks(
                tasks, options.jobs, options.kernels, options.data_dir, options.progress
            )
        else:
            report.outcomes = cluster.run_tasks(
                options.client,
                tasks,
                options.data_dir,
                options.progress,
                options.kernels,
                report.notes,
            )
        # a brief built again on a fresh kernel (its warm forge died): one line each
        report.notes += [o.retried for o in report.outcomes.values() if o.retried]
        _publish(report, staging, planned, built_at, options.data_dir, findings)
        _keep_failed(report, staging, work)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


#: the findings table's files, published at the site's root with every build (the pages link them)
FINDINGS_FILES = ("findings.csv", "findings.json")


def build_findings(data_dir: Path) -> Path:
    """This run's findings table (:func:`analysis.findings.store.build`: computed once per data
    and code version, else read from its cache): the path of its ``findings.csv``. Invalid data
    stay a :class:`~analysis.errors.DataError` and a file that cannot be written an ``OSError``;
    any other failure is a :class:`~analysis.errors.FindingsError` naming the data folder."""
    try:
        from analysis.findings import store  # heavy: only when something is to be built

        return store.build(data_dir)
    except (DataError, OSError):
        raise
    except Exception as exc:  # a model that cannot fit these data, or a bug: say so, build nothing
        raise FindingsError(
            f"the findings table (one answer per event) could not be computed from "
            f"{_display_path(data_dir)}: {type(exc).__name__}: {exc}; nothing was built"
        ) from exc


def _tasks(
    planned: Plan, options: RunOptions, staging: Path, built_at: str, findings: Path | None = None
) -> list[Task]:
    """One :class:`Task` per brief to build, with its page's provenance and the run's findings
    table."""
    decisions = planned.decisions
    provenance = {
        "version": analysis.__version__,
        "commit": git_commit(),
        "source_hash": decisions[0].inputs["analysis"],
        "packages": decisions[0].inputs["versions"],
        "data_dir": _display_path(options.data_dir),
        "data": planned.data,  # the worker keeps the files the notebook read
    }
    return [
        Task(
            b.name,
            b.notebook,
            b.parameters,
            b.title,
            staging,
            options.data_dir,
            ROOT,
            inputs=d.inputs,
            provenance={
                **provenance,
                # by name: the same page whether the declared parameters came from the cache
                # (which stores them sorted) or from the notebook (in the order it declares them)
                "parameters": dict(
                    sorted(b.resolved_parameters(planned.declared[b.notebook]).items())
                ),
                "notebook": _display_path(b.notebook),
                "edition": d.edition or built_at[:10],  # what the page is cited by
            },
            timeout=options.timeout,
            # a Dask worker's children include its forge: the brief limit is the local pool's
            brief_timeout=options.brief_timeout if options.client is None else None,
            built_at=built_at,
            forecasts_dir=options.site / stored.FORECASTS,
            findings=findings,
        )
        for b, d in zip(planned.briefs, decisions, strict=True)
        if d.build
    ]


def _keep_failed(report: RunReport, staging: Path, work: Path) -> None:
    """Keep each failed brief's executed notebook (and kernel log) under ``work/failed/`` for
    debugging, each written whole or not at all; a success clears an earlier failure's copy."""
    failed_dir = work / "failed"
    for name in report.built:
        (failed_dir / f"{name}.ipynb").unlink(missing_ok=True)
        (failed_dir / f"{name}.log").unlink(missing_ok=True)
    for outcome in report.failed:
        if outcome.notebook and outcome.notebook.exists():
            kept = failed_dir / f"{outcome.name}.ipynb"
            with naming(kept):
                write_atomic(kept, outcome.notebook.read_bytes())
            outcome.notebook = kept
            log = staging / f"{outcome.name}.log"
            if log.exists():
                with naming(failed_dir / log.name):
                    write_atomic(failed_dir / log.name, log.read_bytes())


def _staged(staging: Path, pages: Mapping[str, str]) -> dict[str, Path]:
    """Each page's text written into ``staging`` under its site path: site path -> staged file."""
    files = {}
    for rel, text in pages.items():
        with naming(staging / rel):
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_text(text, encoding="utf-8")
        files[rel] = staging / rel
    return files


def _publish(
    report: RunReport,
    staging: Path,
    planned: Plan,
    built_at: str,
    data_dir: Path | None,
    findings: Path | None = None,
) -> None:
    """Publish built pages, editions (:func:`analysis.report.site.file_build`), stored
    forecasts, sweep summaries, manifest, index, feed, review page and the run's findings table
    (``findings.csv`` and ``findings.json``, :data:`FINDINGS_FILES`) together."""
    if not report.built:
        return
    site = report.site
    manifest = read_manifest(site)
    by_name = {d.name: d for d in planned.decisions}
    files: dict[str, Path] = {}
    gone: list[str] = []  # downloads of an earlier build the pages published now no longer have
    notebooks = {b.name: b.notebook.name for b in planned.briefs}
    for name in report.built:
        outcome, decision = report.outcomes[name], by_name[name]
        glued = outcome.glued
        day = decision.edition or built_at[:10]
        page = {
            # the key covers the data files the notebook actually read, so a change to
            # another data file does not rebuild it
            "key": outcome.key,
            "inputs": outcome.inputs,
            "data_files": outcome.data_read,
            "reasons": decision.reasons,
            "built_at": outcome.built_at,
            "seconds": round(outcome.seconds, 2),
            "html_sha256": keys.file_hash(outcome.html),
            "notebook": notebooks.get(name, ""),  # the index's section and words for the page
        }
        if stored.stored_edition(glued):  # its own forecast: not part of its next key
            page["forecast_edition"] = stored.stored_edition(glued)
        if decision.sweep:  # what the sweep's summary page compares across the grid
            page["sweep"] = decision.sweep
            page["values"] = point_values(planned.sweeps, decision.sweep, glued)
        note = file_build(manifest, name, day, built_at, glued, page)
        if note:
            report.notes.append(note)
        else:
            files[f"{name}.html"] = outcome.html
        archived = staging / f"{name}.archive.html"
        with naming(archived):
            page_text = outcome.html.read_text(encoding="utf-8")
            archived.write_text(
                downloads.archived(archive_copy(page_text, day, f"{name}.html")), "utf-8"
            )
        files[f"{ARCHIVE}/{day}/{name}.html"] = archived
        staged = downloads.staged_with_archive(outcome.files, f"{ARCHIVE}/{day}/", not note)
        files |= staged
        folders = [f"{ARCHIVE}/{day}/"] if note else ["", f"{ARCHIVE}/{day}/"]
        gone += downloads.stale(site, name, staged, folders)
        files.update(stored.stage(site, staging, name, day, glued, report.notes))
    # briefs no longer in the config leave the index (their old pages stay on disk)
    manifest["briefs"] = {n: e for n, e in manifest["briefs"].items() if n in planned.order}
    built = report.built
    files |= _staged(
        staging,
        summaries(manifest, planned.sweeps, planned.briefs, planned.events, built, built_at),
    )
    sources = unchanged.sources_key(
        planned.order, data_dir, planned.data, digests=planned.package or None
    )
    front = front_pages(manifest, planned.order, data_dir, report.notes)
    pages = {
        MANIFEST: manifest_text(manifest),
        "index.html": front["index.html"],
        # a sweep's points stay out of the feed
        FEED: feed_xml(manifest, listed(manifest, planned.order), built_at),
        **front,
    }
    if findings is not None:  # the table every page's figures come from, its method, the
        # codebook and the methods, beside them: at the root and in the archive folder of each
        # edition built (its pages link them by relative address)
        days = {by_name[n].edition or built_at[:10] for n in report.built}
        docs = doc_pages(data_dir)
        for day in ["", *sorted(days)]:
            folder = f"{ARCHIVE}/{day}/" if day else ""
            for rel, text in docs.items():
                staged = staging / "findings" / f"{folder}{rel}"
                with naming(staged):
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    staged.write_text(archive_copy(text, day, rel) if day else text, "utf-8")
                files[f"{folder}{rel}"] = staged
            for name in FINDINGS_FILES:  # copied: publishing moves a staged file
                staged = staging / "findings" / f"{folder}{name}"
                with naming(staged):
                    shutil.copyfile(findings.parent / name, staged)
                files[f"{folder}{name}"] = staged
        from analysis.report.findings_page import (  # heavy: only when something is published
            CATEGORIES_CSV,
            FINDINGS_PAGE,
            SENSITIVITY_CSV,
            findings_pages,
        )

        through = downloads.data_through(data_dir) if data_dir is not None else None
        found = findings_pages(findings, data_dir, through=through, edition=built_at[:10])
        pages |= found
        for day in sorted(days):  # the findings page is cited by its edition's copy
            pages[f"{ARCHIVE}/{day}/{FINDINGS_PAGE}"] = downloads.archived(
                archive_copy(found[FINDINGS_PAGE], day, FINDINGS_PAGE)
            )
            for csv_name in (CATEGORIES_CSV, SENSITIVITY_CSV):
                pages[f"{ARCHIVE}/{day}/{csv_name}"] = found[csv_name]
    # editions archived before the banner existed get it now (unless this run replaces them)
    old = missing_banners(site)
    pages |= {rel: text for rel, text in old.items() if rel not in files and rel not in pages}
    files |= _staged(staging, pages)
    publish(site, files, remove=gone)
    unchanged.record(site, unchanged.front_key(site, sources))


def _refresh_front_pages(report: RunReport, planned: Plan, options: RunOptions) -> None:
    """When no brief is rebuilt but the review queue changed (a fetch, an accept, a reject),
    republish ``index.html`` and the review page so they say how many candidates wait now.
    Nothing is written when both are as published (or no brief has been published yet).

    When the hashes of all they are rendered from and of the pages themselves are as the last
    run recorded (:mod:`analysis.report.unchanged`), they are not even rendered: a run with
    nothing to do imports neither the data stack nor the findings."""
    site = options.site
    manifest = read_manifest(site)
    if not manifest["briefs"]:
        return
    sources = unchanged.sources_key(
        planned.order, options.data_dir, planned.data, digests=planned.package or None
    )
    if unchanged.front_key(site, sources) == unchanged.recorded(site):
        return
    pages = front_pages(manifest, planned.order, options.data_dir, report.notes)
    current = {}
    for rel in pages:
        try:
            current[rel] = (site / rel).read_text(encoding="utf-8")
        except (OSError, ValueError):
            current[rel] = None
    if all(current[rel] == text for rel, text in pages.items()):
        unchanged.record(site, unchanged.front_key(site, sources))
        return
    staging = make_staging(work_dir(site))
    try:
        publish(site, _staged(staging, pages))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    unchanged.record(site, unchanged.front_key(site, sources))
    report.notes.append("the review queue changed: index and review page republished")
