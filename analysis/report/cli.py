"""The ``escalation report`` command: progress on the terminal, a summary, exit codes.

Exit codes: 0 every brief is up to date (built now or unchanged), 1 a brief failed (its last good
page stays published), 2 the config or a parameter is wrong (nothing ran), 3 another run holds the
site's lock, 6 a file cannot be written (disk full, a read-only site: the same code and message as
``escalation run``), all as the ``report`` table of :data:`analysis.errors.COMMANDS` maps them;
the codes are those of :data:`analysis.report.unattended.EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import sys

from analysis.errors import FAILED, PUBLISHED, EscalationError, error_exit
from analysis.report.unattended import run_unattended


def _printer(total: int):
    """A progress callback: a tqdm bar on a terminal, one line per brief otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="brief", file=sys.stderr, leave=False)

        def step(outcome) -> None:
            bar.update(1)
            bar.write(_line(outcome), file=sys.stderr)
            if bar.n >= total:
                bar.close()

        return step

    def line(outcome) -> None:
        print(_line(outcome), file=sys.stderr, flush=True)

    return line


def _line(outcome) -> str:
    if outcome.ok:
        return f"built   {outcome.name} ({outcome.seconds:.1f} s)"
    return f"FAILED  {outcome.name} ({outcome.seconds:.1f} s)"


def run_command(args: argparse.Namespace) -> int:
    """``escalation run``: one unattended run; prints what it did and exits with its code."""
    entry = run_unattended(
        args.config,
        site=args.out,
        fetch=args.fetch,
        as_of=args.as_of,
        jobs=args.jobs,
        data_dir=args.data,
        wait=args.wait,
        progress=lambda o: print(_line(o), file=sys.stderr, flush=True),
        scheduler=getattr(args, "scheduler", None),
        kernels=getattr(args, "kernels", None),
        timeout=getattr(args, "cell_timeout", 1800) or None,
        brief_timeout=getattr(args, "brief_timeout", None) or None,
    )
    for f in entry.fetched:
        print(
            f"fetch   {f['feed']}: {'ok' if f['ok'] else 'FAILED'}: {f['detail']}", file=sys.stderr
        )
    for name, reasons in entry.rebuilt.items():
        print(f"rebuilt {name}: {'; '.join(reasons)}", file=sys.stderr)
    print(f"skipped {len(entry.skipped)} unchanged brief(s)", file=sys.stderr)
    for note in entry.notes:
        print(note if note.startswith("warning: ") else f"note: {note}", file=sys.stderr)
    if entry.error:
        print(f"error: {entry.error}", file=sys.stderr)
    print(f"{entry.status} (exit {entry.exit_code})")
    return entry.exit_code


def report(args: argparse.Namespace) -> int:
    """Run :func:`analysis.report.runner.run` with the command-line options; print a summary."""
    from analysis.report.runner import run

    state = {}

    def on_plan(decisions) -> None:
        todo = [d for d in decisions if d.build]
        for d in decisions:
            if not d.build:
                print(f"skip    {d.name} (unchanged)", file=sys.stderr)
        for d in todo:
            print(f"build   {d.name}: {'; '.join(d.reasons)}", file=sys.stderr)
        state["progress"] = _printer(len(todo)) if todo else None

    try:
        result = run(
            args.config,
            site=args.out,
            only=args.only,
            jobs=args.jobs,
            force=args.force,
            data_dir=args.data,
            wait=args.wait,
            progress=lambda o: state["progress"](o),
            on_plan=on_plan,
            scheduler=getattr(args, "scheduler", None),
            kernels=getattr(args, "kernels", None),
            timeout=getattr(args, "cell_timeout", 1800) or None,
            brief_timeout=getattr(args, "brief_timeout", None) or None,
        )
    except (EscalationError, OSError) as exc:  # bad config (2), lock held (3), cannot write (6)
        return error_exit(exc, "report")
    for note in result.notes:
        print(note if note.startswith("warning: ") else f"note: {note}", file=sys.stderr)
    for outcome in result.failed:
        print(f"error: {outcome.error}", file=sys.stderr)
        if outcome.notebook:
            print(f"  executed notebook kept for debugging: {outcome.notebook}", file=sys.stderr)
    built, skipped = len(result.built), len(result.skipped)
    print(
        f"{built} brief{'s' if built != 1 else ''} built, {skipped} unchanged, "
        f"{len(result.failed)} failed",
        file=sys.stderr,
    )
    print(result.index)
    return FAILED if result.failed else PUBLISHED
