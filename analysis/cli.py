"""The ``escalation`` command: validate data, rebuild the curated dataset, summarise, report.

Exit codes: 0 success, 1 invalid data, 2 bad usage (argparse) or a case file that cannot be used
(:class:`analysis.case.CaseError`, in every command); ``fetch``, ``report`` and ``run`` have
their own tables.

``--data DIR`` (``validate``, ``summary``, ``counts``, ``review``, ``report``, ``run``) points the
whole command at a case folder: it sets ``$ESCALATION_DATA_DIR`` while the command runs, so
everything it calls, and every kernel a report starts, reads that folder and its ``case.yml``.

Every command's table is in :data:`analysis.errors.COMMANDS`, and :func:`main` maps an error a
command stops on (one of the package's, a ``ValueError`` or an ``OSError`` such as a full disk) to
one line on stderr and its code through :func:`analysis.errors.error_exit`: never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import analysis
from analysis.errors import COMMANDS, EscalationError, error_exit
from analysis.paths import DATA_DIR_ENV, DEFAULT_CONFIG, DEFAULT_SITE, TABLE_FILES, data_dir
from analysis.sources.cli import iso_date, register_review
from analysis.sources.cli import register as register_fetch
from analysis.sources.feeds import KEYS as FEEDS


def _problems_of(path: Path) -> int:
    """Print ``path``'s problems (or ``ok``); 1 when it has any."""
    from analysis.data import validate_path

    try:
        problems = validate_path(path)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not problems:
        print(f"{path}: ok")
        return 0
    n = len(problems)
    print(f"{path}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
    for p in problems:
        print(f"  {path}:{p}", file=sys.stderr)
    return 1


def _cmd_validate(args: argparse.Namespace) -> int:
    """Check each folder (its case file, then its three tables), case file or table named
    (default: the data folder in use); a broken case file stops the command (exit 2)."""
    from analysis import case

    status = 0
    for path in args.paths or [data_dir()]:
        if path.is_dir() or path.suffix in (".yml", ".yaml"):
            found = case.load(path)  # a CaseError: exit 2, its tables cannot be checked
            print(f"{found.path}: ok")
            if path.is_dir():
                for name in TABLE_FILES:
                    status = max(status, _problems_of(path / name))
            continue
        status = max(status, _problems_of(path))
    return status


def _cmd_data_build(args: argparse.Namespace) -> int:
    """Rebuild the tables holding the data folder's lock alone, as ``review accept`` does: a
    report reading the folder keeps it as it is; waits ``--wait`` s for one, then exits 3."""
    from analysis.atomic import data_lock
    from analysis.data.curate import build

    out = args.out if args.out is not None else data_dir()
    with data_lock(out, shared=False, wait=args.wait):
        report = build(args.shared, out)
    print(
        f"wrote {report.incidents} incidents, {report.events} events, "
        f"{report.reported_counts} reported tallies"
    )
    for d in report.dropped:
        print(f"dropped {d.source} ({d.date}): {d.reason}")
    return 0


def summary_text() -> str:
    """A plain-text summary of the data folder in use: rows, span, confirmation, and the months
    with no confirmed incident within the years the data hold (up to the last incident's
    month)."""
    from analysis import case
    from analysis.data import load_events, load_incidents
    from analysis.data.coverage import monthly_coverage

    incidents = load_incidents()
    events = load_events()
    lines = [f"escalation {analysis.__version__}", f"case: {case.current().name}"]
    if incidents.empty:
        lines.append("incidents: no rows")
    else:
        cov = monthly_coverage(incidents)
        years = set(incidents["date"].dt.year)
        held = cov[cov.index.year.isin(years)]
        empty = [d.strftime("%Y-%m") for d in held.index[held["confirmed"] == 0]]
        lines += [
            f"incidents: {len(incidents)} rows, {incidents['date'].min().date()} to "
            f"{incidents['date'].max().date()}",
            "  by confirmation: "
            + ", ".join(f"{k} {v}" for k, v in incidents["confirmation"].value_counts().items()),
            "  by attack type: "
            + ", ".join(f"{k} {v}" for k, v in incidents["attack_type"].value_counts().items()),
            f"months with no confirmed incident, in the years the data hold "
            f"({', '.join(str(y) for y in sorted(years))}): " + (", ".join(empty) or "none"),
        ]
    if events.empty:
        lines.append("political events: none")
    else:
        lines.append(
            f"political events: {len(events)}, {events['date'].min().date()} to "
            f"{events['date'].max().date()}"
        )
    return "\n".join(lines)


def _cmd_summary(args: argparse.Namespace) -> int:
    print(summary_text())
    return 0


def _cmd_counts(args: argparse.Namespace) -> int:
    from analysis.data import load_incidents
    from analysis.series import counts

    where = {}
    for item in args.where or []:
        key, _, value = item.partition("=")
        where[key] = value.split(",")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series = counts(
            load_incidents(),
            args.freq,
            args.start,
            args.end,
            where=where,
            weight=args.weight,
            confirmation=args.confirmation,
        )
    for w in caught:
        print(f"note: {w.message}", file=sys.stderr)
    import pandas as pd

    with pd.option_context("display.max_rows", None):
        print(series.to_string())
    return 0


def _cmd_case_new(args: argparse.Namespace) -> int:
    """Write a starter case; a folder that holds one already is refused (exit 2)."""
    from analysis.data.starter import new_case
    from analysis.errors import ConfigError

    try:
        written = new_case(args.folder)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(
        f"next: edit {args.folder / 'case.yml'}, add rows, run `escalation validate {args.folder}`"
    )
    return 0


def _add_data_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="the case's data folder: its case.yml and tables (default: $ESCALATION_DATA_DIR, "
        "else data/)",
    )


def _seconds(text: str) -> float:
    """A count of seconds on the command line: a finite number, 0 or more."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, got {text!r}")
    return value


def _add_report_options(p: argparse.ArgumentParser, run: bool = False) -> None:
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="briefs config (YAML)")
    if not run:
        p.add_argument("--only", nargs="+", metavar="NAME", help="build only these briefs")
        p.add_argument("--force", action="store_true", help="rebuild even unchanged briefs")
    p.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores + 1)")
    p.add_argument("--out", type=Path, default=DEFAULT_SITE, help="site folder")
    _add_data_option(p)
    p.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait if another run holds the lock"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the briefs on this Dask scheduler's workers (default: $ESCALATION_SCHEDULER, "
        "else this machine)",
    )
    p.add_argument(
        "--cell-timeout",
        type=_seconds,
        default=1800,
        metavar="SECONDS",
        help="seconds one notebook cell may run before its brief fails (default 1800; 0: none)",
    )
    p.add_argument(
        "--brief-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds one brief may take in all before its kernel is ended and it fails alone "
        "(default: no limit but the cell's; local workers only)",
    )
    p.add_argument(
        "--kernels",
        choices=("warm", "fresh"),
        default=None,
        help="warm: fork each brief's kernel from a process that imported the heavy modules "
        "once (default on Linux); fresh: start a new Python per brief",
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.report.cli import report

    return report(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from analysis.report.cli import run_command

    return run_command(args)


def _cmd_runs(args: argparse.Namespace) -> int:
    from analysis.report.unattended import read_log, runs_table

    runs = read_log(args.out)
    print(runs_table(runs, args.limit) if runs else "no runs logged yet")
    return 0


class _Version(argparse.Action):
    """``--version``: the package's version, read only when asked for (see ``analysis``)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(f"escalation {analysis.__version__}\n")  # as argparse's "version"
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Measure how the tempo of attacks changes around political events.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check data files; print every problem; exit 1 if any")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="case folders, case files or CSV files (default: the data folder in use)",
    )
    _add_data_option(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("case", help="start a case: a data folder for another conflict")
    case_sub = p.add_subparsers(dest="case_command", required=True)
    c = case_sub.add_parser("new", help="write a starter case.yml and the empty tables into DIR")
    c.add_argument("folder", type=Path, metavar="DIR", help="the new case's folder")
    c.set_defaults(func=_cmd_case_new)

    p = sub.add_parser("data", help="curated dataset maintenance")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    b = data_sub.add_parser(
        "build",
        help="rebuild data/*.csv from the sourced tables in shared/",
        description="Exit codes: "
        + ", ".join(f"{code} {what}" for code, what in COMMANDS["data"].meanings.items())
        + ".",
    )
    b.add_argument("--shared", type=Path, default=None, help="folder of the sourced tables")
    b.add_argument("--out", type=Path, default=None, help="output folder (default: data/)")
    b.add_argument(
        "--wait", type=float, default=60.0,
        help="seconds to wait for a report reading the data (default 60)",
    )  # fmt: skip
    b.set_defaults(func=_cmd_data_build)

    p = sub.add_parser("summary", help="print a summary of the data folder in use")
    _add_data_option(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("counts", help="print a count series")
    p.add_argument("--freq", default="W-MON", help="D, W-MON or MS (default W-MON)")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--where", action="append", help="filter, e.g. attack_type=rocket,drone")
    p.add_argument("--weight", choices=["munitions", "killed", "wounded", "casualties"])
    p.add_argument("--confirmation", default="confirmed", help="confirmed, claimed, disputed, all")
    _add_data_option(p)
    p.set_defaults(func=_cmd_counts)

    register_fetch(sub)
    register_review(sub)
    _add_data_option(sub.choices["review"])  # before its action: review --data DIR accept ...

    p = sub.add_parser("report", help="build the HTML briefs listed in reports/briefs.yml")
    _add_report_options(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "run",
        help="unattended: fetch, validate, build and publish, log the run (for cron/CI)",
        description="Exit codes: "
        + ", ".join(f"{code} {what}" for code, what in COMMANDS["run"].meanings.items())
        + ".",
    )
    _add_report_options(p, run=True)
    p.add_argument(
        "--fetch", nargs="+", default=[], choices=FEEDS, metavar="FEED",
        help=f"feeds to fetch first: {', '.join(FEEDS)}",
    )  # fmt: skip
    p.add_argument(
        "--as-of", type=iso_date, default=None,
        help="the edition date: passed as as_of to the notebooks that take it, also to entries "
        "set to as_of: latest (default: today in the case's time zone, for entries that do not "
        "set as_of)",
    )  # fmt: skip
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("runs", help="print the recent runs from the site's run log")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_SITE, help="site folder (default reports/site)"
    )
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p.set_defaults(func=_cmd_runs)
    return parser


#: the commands that read a case, checked before they start (a broken case file: exit 2)
CASE_COMMANDS = ("validate", "summary", "counts", "review", "report", "run")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "shared", "unset") is None:
        from analysis.data.curate import SHARED_DIR

        args.shared = SHARED_DIR
    folder = getattr(args, "data", None)
    before = os.environ.get(DATA_DIR_ENV)
    try:
        if folder is not None:
            if not folder.is_dir():
                print(f"error: {folder}: no such data folder", file=sys.stderr)
                return 2
            os.environ[DATA_DIR_ENV] = str(folder.resolve())  # the command's kernels too
        return _run(args)
    finally:
        if before is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = before


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; a case file that cannot be used is exit 2, other errors are
    mapped by :func:`analysis.errors.error_exit`."""
    from analysis.case import CaseError, load

    try:
        if args.command in CASE_COMMANDS and not (args.command == "validate" and args.paths):
            load(data_dir())
        return args.func(args)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (EscalationError, ValueError, OSError) as exc:
        return error_exit(exc, args.command)


if __name__ == "__main__":
    sys.exit(main())
