"""The one vocabulary of the models' public API, and the old names it still accepts for a release.

Every results object's ``to_frame()`` names a model's estimate, its 95% interval and its p-value
:data:`ESTIMATE_COLUMNS` (``estimate``, ``low``, ``high``, ``p_value``); the fields keep each
model's own names (``rate_ratio``, ``level_rr``, ``rate_low``, ...), listed by ``describe()``.
``to_frame(names="legacy")`` gives the frame a notebook read before, with a ``FutureWarning``,
for one release. The samples parameter is ``n_samples`` everywhere: :func:`renamed` lets an old
keyword (counterfactual's ``n_sims``) through for one release with a ``FutureWarning``.
"""

from __future__ import annotations

import warnings

from analysis import params

__all__ = ["ESTIMATE_COLUMNS", "FRAME_NAMES", "legacy_names", "renamed"]

#: the columns every ``to_frame()`` gives for a model's estimate, 95% interval and p-value
ESTIMATE_COLUMNS = ("estimate", "low", "high", "p_value")
#: what ``to_frame(names=...)`` takes: the common names, or the names before (one release)
FRAME_NAMES = ("common", "legacy")


def legacy_names(names: object, model: str) -> bool:
    """Whether ``to_frame(names=...)`` asked for the old column names (True, with a
    ``FutureWarning``) or the common ones (False); anything else is a ``ParameterError``."""
    if params.one_of("names", names, FRAME_NAMES) == "common":
        return False
    warnings.warn(
        f"{model}.to_frame(names='legacy') gives the column names before the common vocabulary "
        f"({', '.join(ESTIMATE_COLUMNS)}) and goes in the next release; read the common names",
        FutureWarning,
        stacklevel=3,
    )
    return True


def renamed(old: str, new: str, old_value: object, new_value: object, default: object) -> object:
    """The value of the keyword ``new`` when a caller may still pass its old name ``old``:
    ``old_value`` (with a ``FutureWarning``) when given, else ``new_value``. Giving both is a
    ``ParameterError``. ``default`` is ``new``'s default, to tell "not given" apart."""
    if old_value is None:
        return new_value
    if new_value is not default and new_value != old_value:
        raise params.fail(old, f"left out when {new} is given ({new}={new_value!r})", old_value)
    warnings.warn(
        f"{old} is now called {new}; {old}= goes in the next release",
        FutureWarning,
        stacklevel=3,
    )
    return old_value
