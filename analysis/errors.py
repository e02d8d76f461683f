"""The one family of errors every part of ``analysis`` raises, and the exit code of each.

Every error the package raises on purpose is an :class:`EscalationError`. Each family also
subclasses the built-in a caller would have caught before the family existed (``ValueError`` for
bad data, parameters and model input; ``OSError`` for fetch failures; ``RuntimeError`` for a held
lock), so existing ``except`` clauses keep working. The command line maps an error to its
documented exit code in one place, :func:`exit_code`, by family, through each command's table in
:data:`COMMANDS`.

- :class:`DataError`        invalid data: names the file, the line and the field where known
- :class:`ParameterError`   a bad argument to a public function (a window length, a freq, ...)
- :class:`ConfigError`      a bad briefs config entry or brief parameter (before anything runs)
- :class:`ModelInputError`  data a model cannot fit (too short, irregular, negative counts)
- :class:`FetchError`       a feed download or verification failed
- :class:`LockedError`      another run holds the site's lock
- :class:`FindingsError`    the build's findings table could not be computed (nothing is built)
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COMMANDS",
    "WRITE_ERRNOS",
    "ConfigError",
    "DataError",
    "EscalationError",
    "ExitCodes",
    "FetchError",
    "FindingsError",
    "LockedError",
    "ModelInputError",
    "ParameterError",
    "error_exit",
    "error_text",
    "exit_code",
]


class EscalationError(Exception):
    """Base of every error ``analysis`` raises on purpose."""


class ParameterError(EscalationError, ValueError):
    """A bad argument to a public function: the message names the parameter and the value."""


class ConfigError(ParameterError):
    """The briefs config or a brief parameter is wrong; the message names the file, the brief
    and the field. Raised before anything runs."""


class ModelInputError(EscalationError, ValueError):
    """Data a model cannot fit: an irregular or too short series, NaN or negative counts."""


class DataError(EscalationError, ValueError):
    """Invalid data. ``path``, ``line`` (1-based physical line) and ``field`` say where, when
    known; the message names them too."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)
        self.line = line
        self.field = field


class FetchError(EscalationError, OSError):
    """A feed could not be downloaded, or what came back failed verification."""


class LockedError(EscalationError, RuntimeError):
    """Another run holds the site's lock."""


class FindingsError(EscalationError, RuntimeError):
    """The build's findings table (one answer per event, :mod:`analysis.findings.store`) could
    not be computed: the run builds and publishes nothing, and exits 1 (no family of its own in
    :data:`COMMANDS`: every brief it would have built failed)."""


# --- exit codes ------------------------------------------------------------------------------

#: The codes of ``escalation run`` (``report`` uses 0 to 3 and 6 of them, every command 0 and 1).
PUBLISHED, FAILED, CONFIG, LOCKED, DATA_INVALID, NOTHING, IO_ERROR, FETCH_FAILED = range(8)

#: ``errno`` values that mean "the disk or the folder refuses the write": full, over quota, a file
#: too large, read-only, no permission, a path through a regular file
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}
    | {errno.ENOTDIR}
)


@dataclass(frozen=True)
class ExitCodes:
    """One command's documented exit codes: what each code means, and the code each error
    family exits with, most specific family first. An error of no listed family exits 1."""

    meanings: Mapping[int, str]
    families: tuple[tuple[type[BaseException], int], ...] = ()


#: what a failure to write exits with, and says, in ``report`` and ``run`` alike
_CANNOT_WRITE = "cannot write (disk full, permissions)"

#: Every command's exit codes, as the README's tables give them. 2 is also argparse's code for
#: bad usage (an unknown option, a date that does not parse), which exits before any command runs.
COMMANDS: dict[str, ExitCodes] = {
    # validate, summary, counts, runs: any error is exit 1
    "escalation": ExitCodes({0: "success", FAILED: "invalid data", 2: "bad usage (argparse)"}),
    # data build: waits --wait s for a report reading the data (it holds their lock shared)
    "data": ExitCodes(
        {
            0: "done",
            FAILED: "invalid data (a table fails validation; nothing written)",
            2: "bad usage (argparse)",
            LOCKED: "a report is reading the data",
        },
        ((LockedError, LOCKED),),
    ),
    "fetch": ExitCodes(
        {
            0: "done",
            FAILED: "some file failed or credentials are missing",
            CONFIG: "bad usage (argparse), or a Dask scheduler that does not answer",
        },
        ((ConfigError, CONFIG),),
    ),
    "report": ExitCodes(
        {
            PUBLISHED: "up to date",
            FAILED: "a brief failed",
            CONFIG: "bad config or parameter",
            LOCKED: "another run holds the lock",
            IO_ERROR: _CANNOT_WRITE,
        },
        (
            (LockedError, LOCKED),
            (ParameterError, CONFIG),
            (FetchError, FAILED),  # (report fetches nothing) an OSError, but no write failure
            (OSError, IO_ERROR),
        ),
    ),
    # review, review accept|reject|refresh: a refused candidate or bad input is 2, nothing
    # written; a row the curation build refuses is 1
    "review": ExitCodes(
        {
            0: "done",
            FAILED: "invalid data (the row or a table fails validation)",
            CONFIG: "refused: bad input or no such candidate (nothing written)",
            LOCKED: "another review command holds the lock",
        },
        ((LockedError, LOCKED), (ParameterError, CONFIG)),
    ),
    # the meanings are also the ``status`` of each line of the run log (runs.jsonl)
    "run": ExitCodes(
        {
            PUBLISHED: "published",
            FAILED: "a brief failed",
            CONFIG: "bad config or parameter",
            LOCKED: "another run holds the lock",
            DATA_INVALID: "data invalid",
            NOTHING: "nothing to do",
            IO_ERROR: _CANNOT_WRITE,
            FETCH_FAILED: "a fetch failed",
        },
        (
            (LockedError, LOCKED),
            (ParameterError, CONFIG),
            (DataError, DATA_INVALID),
            (FetchError, FETCH_FAILED),  # an OSError, but no failure to write the site
            (OSError, IO_ERROR),
        ),
    ),
}


def exit_code(exc: BaseException, command: str = "escalation") -> int:
    """The exit code of ``command`` (a key of :data:`COMMANDS`; any other name is a plain
    ``escalation`` command) for the error ``exc``: that of the first family in the command's
    table that ``exc`` belongs to, else 1."""
    table = COMMANDS.get(command, COMMANDS["escalation"])
    for family, code in table.families:
        if isinstance(exc, family):
            return code
    return FAILED


def error_text(exc: BaseException, command: str = "escalation") -> str:
    """What ``command`` says about the error ``exc`` it stops on, on one line for an ``OSError``.

    An ``OSError`` is named by its file and the system's
    words for it: "cannot write <file>: No space left on device" where the command's code for it
    is "cannot write" (``report``, ``run``), else "<file>: <reason>". Other errors are their
    message. The package's own ``OSError`` with the system's words (``strerror``: a link out of
    the site, :class:`analysis.atomic.LinkOutside`) is named the same way."""
    if isinstance(exc, OSError) and (not isinstance(exc, EscalationError) or exc.strerror):
        reason = exc.strerror or str(exc) or type(exc).__name__
        where = str(exc.filename) if exc.filename else ""
        if (
            COMMANDS.get(command, COMMANDS["escalation"]).meanings.get(exit_code(exc, command))
            == _CANNOT_WRITE
        ):
            return f"cannot write{' ' + where if where else ''}: {reason}"
        return f"{where}: {reason}" if where else reason
    return str(exc)


def error_exit(exc: BaseException, command: str = "escalation") -> int:
    """Print ``error: <what>`` (:func:`error_text`) on stderr and return the exit code of
    ``exc`` for ``command``: what every command does with an error it stops on."""
    print(f"error: {error_text(exc, command)}", file=sys.stderr)
    return exit_code(exc, command)
