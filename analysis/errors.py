"""The one family of errors every part of ``analysis`` raises, and the exit code of each.

Every error the package raises on purpose is an :class:`EscalationError`. Each family also
subclasses the built-in a caller would have caught before the family existed (``ValueError`` for
bad data, parameters and model input; ``OSError`` for fetch failures; ``RuntimeError`` for a held
lock), so existing ``except`` clauses keep working. The command line maps a family to its
documented exit code in one place, :func:`exit_code`.

- :class:`DataError`        invalid data: names the file, the line and the field where known
- :class:`ParameterError`   a bad argument to a public function (a window length, a freq, ...)
- :class:`ConfigError`      a bad briefs config entry or brief parameter (before anything runs)
- :class:`ModelInputError`  data a model cannot fit (too short, irregular, negative counts)
- :class:`FetchError`       a feed download or verification failed
- :class:`LockedError`      another run holds the site's lock
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "DataError",
    "EscalationError",
    "FetchError",
    "LockedError",
    "ModelInputError",
    "ParameterError",
    "exit_code",
]


class EscalationError(Exception):
    """Base of every error ``analysis`` raises on purpose."""


class ParameterError(EscalationError, ValueError):
    """A bad argument to a public function: the message names the parameter and the value."""


class ConfigError(ParameterError):
    """A briefs config entry or a brief parameter is wrong; nothing has run."""


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


#: the command line's exit code for each family, most specific first (see the README's tables)
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (LockedError, 3),
    (ConfigError, 2),
    (ParameterError, 2),
    (DataError, 1),
    (ModelInputError, 1),
    (FetchError, 1),
    (EscalationError, 1),
)


def exit_code(exc: BaseException, codes: dict[type[BaseException], int] | None = None) -> int:
    """The exit code for ``exc``: the first family in :data:`EXIT_CODES` it belongs to, after any
    overrides in ``codes`` (a command whose table differs, e.g. ``run`` exits 4 on bad data).
    1 for anything else."""
    for family, code in (*(codes or {}).items(), *EXIT_CODES):
        if isinstance(exc, family):
            return code
    return 1
