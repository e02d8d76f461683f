"""Validation of what every model takes: a regular count series.

One place for these checks, so every model rejects the same bad input with the same words:
an irregular index, NaN, negative counts. The events every model takes are checked by
:func:`analysis.events.event_dates`, public-function parameters by :mod:`analysis.params`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import ModelInputError

__all__ = ["count_series", "period_unit"]

_UNITS = {"D": "day", "W": "week", "M": "month"}


def count_series(y: object, *, min_periods: int = 2, whole: bool = False) -> tuple[pd.Series, str]:
    """A float copy of the count series ``y`` with its index ``freq`` set, and that freq string.

    ``y`` must be a pandas Series on a sorted, regular ``DatetimeIndex`` (freq set or
    inferable: "D", "W-MON", "MS", ...) holding finite counts >= 0 (whole numbers when
    ``whole``), with at least ``min_periods`` periods. Anything else is a ``ModelInputError`` that
    says what to fix.
    """
    if not isinstance(y, pd.Series):
        raise ModelInputError(f"y must be a pandas Series of counts, got {type(y).__name__}")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise ModelInputError("y must have a DatetimeIndex")
    if len(y) < min_periods:
        raise ModelInputError(f"y has {len(y)} periods; need at least {min_periods}")
    if not y.index.is_monotonic_increasing or y.index.has_duplicates:
        raise ModelInputError("y's index must be sorted and without duplicate dates")
    freq = y.index.freqstr or (
        pd.DatetimeIndex(y.index, freq="infer").freqstr if len(y) >= 3 else None
    )
    if freq is None:
        raise ModelInputError(
            "y's index is irregular: it needs a regular frequency such as daily ('D'), weekly "
            "('W-MON') or monthly ('MS'); zero-fill missing periods with "
            "y.asfreq(freq, fill_value=0)"
        )
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        raise ModelInputError(f"y must hold numeric counts, got dtype {y.dtype}")
    values = y.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        n_nan = int(np.isnan(values).sum())
        raise ModelInputError(f"y contains {n_nan} NaN value(s); zero-fill periods with no attacks")
    if not np.isfinite(values).all():
        raise ModelInputError("y contains infinite values")
    if (values < 0).any():
        n_neg = int((values < 0).sum())
        raise ModelInputError(f"y contains {n_neg} negative count(s); counts must be non-negative")
    if whole and not np.all(values == np.round(values)):
        raise ModelInputError("y must hold whole-number counts")
    index = pd.DatetimeIndex(y.index, freq=freq)
    return pd.Series(values, index=index, name=y.name), freq


def period_unit(freq: str | None) -> str:
    """The period a frequency string counts in: "day", "week", "month", or "period"."""
    if not freq or freq[0].isdigit():
        return "period"
    return _UNITS.get(freq[0].upper(), "period")
