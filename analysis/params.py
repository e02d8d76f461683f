"""Checks of the parameters public functions take (after scikit-learn's ``_param_validation``).

One place for them, so every function rejects a bad argument with the same words: the message
names the parameter, what it must be and the value given. Every check raises
:class:`analysis.errors.ParameterError` (a ``ValueError``).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import ParameterError

__all__ = ["whole_number"]


def whole_number(name: str, value: object, minimum: int = 1, unit: str = "") -> int:
    """``value`` as an int, or a ParameterError naming ``name`` unless it is a whole number (not
    a bool) of at least ``minimum``; ``unit`` ("days", "weeks") is named in the message."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        what = f"a whole number of {unit}" if unit else "a whole number"
        raise ParameterError(f"{name} must be {what} >= {minimum}, got {value!r}")
    return int(value)
