"""Checks of the parameters public functions take (after scikit-learn's ``_param_validation``).

One place for them, so every function rejects a bad argument with the same words: the message
names the parameter, what it must be and the value given ("<name> must be <what>, got <value>").
Every check returns the value in the form the caller uses (an ``int``, a ``Timestamp``, ...) and
raises :class:`analysis.errors.ParameterError` (a ``ValueError``) otherwise. Models, the briefs
config check and the explorer all call these, so a rule is written once.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from analysis.errors import ParameterError

__all__ = [
    "AUTO",
    "MAX_SAMPLES",
    "a_date",
    "date_range",
    "fail",
    "flag",
    "list_of",
    "n_samples",
    "number",
    "one_of",
    "positive",
    "printable_line",
    "probability",
    "seed",
    "seed_or_fresh",
    "whole_number",
]

#: a notebook default resolved from the case and its data (:mod:`analysis.briefs.defaults`):
#: the case's period or focus event, else the data's span or first graded event
AUTO = "auto"

#: the most simulated paths or samples a model draws (about 0.8 GB of floats at 100 periods):
#: a larger request is a typo, refused before any work
MAX_SAMPLES = 1_000_000
#: the longest span a parameter may give in days (a window, a gap): a century
MAX_DAYS = 36_525
#: the longest span a parameter may give in weeks: a century
MAX_WEEKS = 5_218


def _numpy(*names: str) -> tuple[type, ...]:
    """numpy's types ``names`` when numpy is loaded, else none: a numpy value means numpy was
    imported, so checking a config (the command line) need not import numpy (0.1 s)."""
    np = sys.modules.get("numpy")
    return tuple(getattr(np, n) for n in names) if np is not None else ()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(name: str, what: str, value: object) -> ParameterError:
    """The one message style: ``"<name> must be <what>, got <value>"`` (raise what it returns)."""
    return ParameterError(f"{name} must be {what}, got {_shown(value)}")


def whole_number(
    name: str,
    value: object,
    minimum: int = 1,
    unit: str = "",
    *,
    maximum: int | None = None,
    none: bool = False,
) -> int | None:
    """``value`` as an int of at least ``minimum`` (and at most ``maximum``): a whole number, not
    a bool; ``unit`` ("days", "weeks") is named in the message; ``none`` lets None through."""
    if value is None and none:
        return None
    whole = (int, *_numpy("integer"))
    ok = not isinstance(value, bool) and isinstance(value, whole) and value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        what = f"a whole number of {unit}" if unit else "a whole number"
        span = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise fail(name, f"{what} {span}" + (" or None" if none else ""), value)
    return int(value)


def number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict: bool = False,
    unit: str = "",
) -> float:
    """``value`` as a finite float within [``minimum``, ``maximum``] (open ends with
    ``strict``); bools are refused. ``unit`` ("per day") is named in the message."""
    real = (int, float, *_numpy("integer", "floating"))
    ok = isinstance(value, real) and not isinstance(value, bool)
    x = float(value) if ok else math.nan  # type: ignore[arg-type]
    ok = ok and math.isfinite(x)
    if ok and minimum is not None:
        ok = x > minimum if strict else x >= minimum
    if ok and maximum is not None:
        ok = x < maximum if strict else x <= maximum
    if not ok:
        lo, hi = ("(", ")") if strict else ("[", "]")
        span = ""
        if minimum is not None and maximum is not None:
            span = f" in {lo}{minimum}, {maximum}{hi}"
        elif minimum is not None:
            span = f" {'>' if strict else '>='} {minimum}"
        elif maximum is not None:
            span = f" {'<' if strict else '<='} {maximum}"
        raise fail(name, f"a finite number{span}" + (f" ({unit})" if unit else ""), value)
    return x


def positive(name: str, value: object, unit: str = "") -> float:
    """``value`` as a finite float > 0."""
    return number(name, value, minimum=0.0, strict=True, unit=unit)


def probability(name: str, value: object, *, open_: bool = True) -> float:
    """``value`` as a float strictly between 0 and 1 (``open_=False``: 0 and 1 allowed)."""
    return number(name, value, minimum=0.0, maximum=1.0, strict=open_)


def one_of(name: str, value: object, choices: Iterable[object], *, none: bool = False) -> Any:
    """``value`` if it is one of ``choices`` (or None with ``none``)."""
    choices = tuple(choices)
    if value is None and none:
        return None
    try:
        if value in choices:
            return value
    except TypeError:  # an unhashable or uncomparable value is not a choice
        pass
    listed = ", ".join(map(str, choices))
    raise fail(name, f"one of {listed}" + (" or None" if none else ""), value)


def flag(name: str, value: object) -> bool:
    """``value`` if it is a bool (True or False, not 0 or "yes")."""
    if isinstance(value, (bool, *_numpy("bool_"))):
        return bool(value)
    raise fail(name, "True or False", value)


def seed(value: object, name: str = "seed") -> int | None:
    """A random seed: a whole number >= 0, or None for fresh entropy (the one seed type of every
    model: ``seed: int | None``)."""
    return whole_number(name, value, minimum=0, none=True)


def n_samples(value: object, minimum: int = 1, name: str = "n_samples") -> int:
    """How many simulated paths or samples to draw: a whole number from ``minimum`` to
    :data:`MAX_SAMPLES` (the one samples parameter of every model)."""
    return whole_number(name, value, minimum, maximum=MAX_SAMPLES)  # type: ignore[return-value]


def a_date(name: str, value: object, *, none: bool = False) -> Any:
    """``value`` as a ``pandas.Timestamp`` (a date, datetime or ISO text); None with ``none``."""
    import pandas as pd

    if value is None and none:
        return None
    if isinstance(value, bool) or value is None:
        raise fail(name, "a date (YYYY-MM-DD)", value)
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise fail(name, "a date (YYYY-MM-DD)", value) from None
    if ts is pd.NaT or pd.isna(ts):
        raise fail(name, "a date (YYYY-MM-DD)", value)
    return ts


def date_range(start: object, end: object, *, none: bool = False) -> tuple[Any, Any]:
    """``start`` and ``end`` as Timestamps with ``end`` after ``start`` (either may be None with
    ``none``)."""
    lo = a_date("start", start, none=none)
    hi = a_date("end", end, none=none)
    if lo is not None and hi is not None and hi <= lo:
        raise ParameterError(f"end must be after start, got start {lo.date()} and end {hi.date()}")
    return lo, hi


def list_of(
    name: str,
    value: object,
    check: Callable[[str, object], Any],
    *,
    min_len: int = 0,
) -> list[Any]:
    """``value`` as a list whose every item passes ``check(f"{name}[i]", item)``; text is not a
    list of letters."""
    if isinstance(value, str | bytes) or not isinstance(value, (Sequence, *_numpy("ndarray"))):
        raise fail(name, "a list", value)
    items = [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    if len(items) < min_len:
        raise fail(name, f"a list of at least {min_len}", value)
    return items


def seed_or_fresh(value: object, name: str = "seed") -> int:
    """:func:`seed`, with None replaced by a seed drawn from fresh entropy, for models that
    derive several streams from one seed and record the seed they used (so a run with
    ``seed=None`` can still be repeated)."""
    checked = seed(value, name)
    if checked is None:
        import numpy as np

        return int(np.random.SeedSequence().entropy % 2**63)
    return checked


def printable_line(
    what: str,
    value: str,
    *,
    max_length: int | None = None,
    error: type[ParameterError] = ParameterError,
) -> str:
    """``value`` when it is one line of printable text of at most ``max_length`` characters,
    else ``error`` saying which character: no character of Unicode category C (controls,
    newlines, format characters such as zero-width spaces and right-to-left overrides, private
    use, unassigned) and no line or paragraph separator. ``what`` names the text in the message
    ("<what> must be one line of printable text: it holds U+202E (RIGHT-TO-LEFT OVERRIDE), ...").
    The one rule for text a person gives that ends up on a page (the briefs config, a review)."""
    if max_length is not None and len(value) > max_length:
        raise error(f"{what} is {len(value)} characters long; at most {max_length} are read")
    bad = next((c for c in value if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029"), None)
    if bad is not None:
        kind = unicodedata.name(bad, "") or "a control character"
        shown = repr(value if len(value) <= 80 else value[:77] + "...")
        raise error(
            f"{what} must be one line of printable text: it holds U+{ord(bad):04X} ({kind}), "
            f"got {shown}"
        )
    return value
