"""The ``escalation`` command: validate data, rebuild the curated dataset, summarise, report.

Exit codes: 0 success, 1 invalid data, 2 bad usage (argparse); ``fetch``, ``report`` and ``run``
have their own tables. Every command's table is in :data:`analysis.errors.COMMANDS`, and
:func:`main` maps an error a command stops on (one of the package's, a ``ValueError`` or an
``OSError`` such as a full disk) to one line on stderr and its code through
:func:`analysis.errors.error_exit`: never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from analysis import __version__
from analysis.errors import EscalationError, error_exit
from analysis.paths import DATA_FILES, DEFAULT_CONFIG, DEFAULT_SITE, data_dir
from analysis.report.unattended import EXIT_CODES, FEEDS
from analysis.sources.cli import iso_date, register_review
from analysis.sources.cli import register as register_fetch


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.data import validate_path

    paths = args.paths or [data_dir() / name for name in DATA_FILES]
    status = 0
    for path in paths:
        try:
            problems = validate_path(path)
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        if problems:
            status = 1
            n = len(problems)
            print(f"{path}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
            for p in problems:
                print(f"  {path}:{p}", file=sys.stderr)
        else:
            print(f"{path}: ok")
    return status


def _cmd_data_build(args: argparse.Namespace) -> int:
    from analysis.data.curate import build

    report = build(args.shared, args.out)
    print(
        f"wrote {report.incidents} incidents, {report.events} events, "
        f"{report.reported_counts} reported tallies"
    )
    for d in report.dropped:
        print(f"dropped {d.source} ({d.date}): {d.reason}")
    return 0


def summary_text() -> str:
    """A plain-text summary of the shipped dataset: rows, span, confirmation, coverage gaps."""
    from analysis.data import load_events, load_incidents
    from analysis.data.coverage import monthly_coverage

    incidents = load_incidents()
    events = load_events()
    cov = monthly_coverage(incidents)
    campaign = cov.loc["2019-10-01":"2021-12-01"]
    empty = [d.strftime("%Y-%m") for d in campaign.index[campaign["confirmed"] == 0]]
    lines = [
        f"escalation {__version__}",
        f"incidents: {len(incidents)} rows, {incidents['date'].min().date()} to "
        f"{incidents['date'].max().date()}",
        "  by confirmation: "
        + ", ".join(f"{k} {v}" for k, v in incidents["confirmation"].value_counts().items()),
        "  by attack type: "
        + ", ".join(f"{k} {v}" for k, v in incidents["attack_type"].value_counts().items()),
        f"political events: {len(events)}, {events['date'].min().date()} to "
        f"{events['date'].max().date()}",
        "months of the 2019-10 to 2021-12 campaign with no confirmed incident: "
        + (", ".join(empty) or "none"),
    ]
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
    p.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    p.add_argument("--out", type=Path, default=DEFAULT_SITE, help="site folder")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: data/)")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Measure how the tempo of attacks changes around political events.",
    )
    parser.add_argument("--version", action="version", version=f"escalation {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check data files; print every problem; exit 1 if any")
    p.add_argument("paths", nargs="*", type=Path, help="CSV files (default: the shipped data)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("data", help="curated dataset maintenance")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    b = data_sub.add_parser("build", help="rebuild data/*.csv from the sourced tables in shared/")
    b.add_argument("--shared", type=Path, default=None, help="folder of the sourced tables")
    b.add_argument("--out", type=Path, default=None, help="output folder (default: data/)")
    b.set_defaults(func=_cmd_data_build)

    p = sub.add_parser("summary", help="print a summary of the shipped dataset")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("counts", help="print a count series")
    p.add_argument("--freq", default="W-MON", help="D, W-MON or MS (default W-MON)")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--where", action="append", help="filter, e.g. attack_type=rocket,drone")
    p.add_argument("--weight", choices=["munitions", "killed", "wounded", "casualties"])
    p.add_argument("--confirmation", default="confirmed", help="confirmed, claimed, disputed, all")
    p.set_defaults(func=_cmd_counts)

    register_fetch(sub)
    register_review(sub)

    p = sub.add_parser("report", help="build the HTML briefs listed in reports/briefs.yml")
    _add_report_options(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "run",
        help="unattended: fetch, validate, build and publish, log the run (for cron/CI)",
        description="Exit codes: "
        + ", ".join(f"{code} {what}" for code, what in EXIT_CODES.items())
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
        "set to as_of: latest (default: today in Iraq, for entries that do not set as_of)",
    )  # fmt: skip
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("runs", help="print the recent runs from the site's run log")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_SITE, help="site folder (default reports/site)"
    )
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p.set_defaults(func=_cmd_runs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "shared", "unset") is None:
        from analysis.data.curate import SHARED_DIR

        args.shared = SHARED_DIR
    try:
        return args.func(args)
    except (EscalationError, ValueError, OSError) as exc:
        return error_exit(exc, args.command)


if __name__ == "__main__":
    sys.exit(main())
