"""Validation of what every model takes: a regular count series and a set of event dates.

One place for these checks, so every model rejects the same bad input with the same words:
an irregular index, NaN, negative counts, missing or duplicated event dates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

_UNITS = {"D": "day", "W": "week", "M": "month"}


def count_series(y: object, *, min_periods: int = 2, whole: bool = False) -> tuple[pd.Series, str]:
    """A float copy of the count series ``y`` with its index ``freq`` set, and that freq string.

    ``y`` must be a pandas Series on a sorted, regular ``DatetimeIndex`` (freq set or
    inferable: "D", "W-MON", "MS", ...) holding finite counts >= 0 (whole numbers when
    ``whole``), with at least ``min_periods`` periods. Anything else is a ``ValueError`` that
    says what to fix.
    """
    if not isinstance(y, pd.Series):
        raise ValueError(f"y must be a pandas Series of counts, got {type(y).__name__}")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise ValueError("y must have a DatetimeIndex")
    if len(y) < min_periods:
        raise ValueError(f"y has {len(y)} periods; need at least {min_periods}")
    if not y.index.is_monotonic_increasing or y.index.has_duplicates:
        raise ValueError("y's index must be sorted and without duplicate dates")
    freq = y.index.freqstr or (
        pd.DatetimeIndex(y.index, freq="infer").freqstr if len(y) >= 3 else None
    )
    if freq is None:
        raise ValueError(
            "y's index is irregular: it needs a regular frequency such as daily ('D'), weekly "
            "('W-MON') or monthly ('MS'); zero-fill missing periods with "
            "y.asfreq(freq, fill_value=0)"
        )
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        raise ValueError(f"y must hold numeric counts, got dtype {y.dtype}")
    values = y.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        n_nan = int(np.isnan(values).sum())
        raise ValueError(f"y contains {n_nan} NaN value(s); zero-fill periods with no attacks")
    if not np.isfinite(values).all():
        raise ValueError("y contains infinite values")
    if (values < 0).any():
        n_neg = int((values < 0).sum())
        raise ValueError(f"y contains {n_neg} negative count(s); counts must be non-negative")
    if whole and not np.all(values == np.round(values)):
        raise ValueError("y must hold whole-number counts")
    index = pd.DatetimeIndex(y.index, freq=freq)
    return pd.Series(values, index=index, name=y.name), freq


def whole_number(name: str, value: object, minimum: int = 1, unit: str = "") -> int:
    """``value`` as an int, or a ValueError naming ``name`` unless it is a whole number (not a
    bool) of at least ``minimum``; ``unit`` ("days", "weeks") is named in the message."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        what = f"a whole number of {unit}" if unit else "a whole number"
        raise ValueError(f"{name} must be {what} >= {minimum}, got {value!r}")
    return int(value)


def period_unit(freq: str | None) -> str:
    """The period a frequency string counts in: "day", "week", "month", or "period"."""
    if not freq or freq[0].isdigit():
        return "period"
    return _UNITS.get(freq[0].upper(), "period")


def event_dates(
    events: pd.DataFrame | Mapping[str, object] | None,
    *,
    name: str = "event_id",
    unique: bool = True,
) -> pd.Series:
    """Event dates (normalised Timestamps) indexed by event name, sorted by date.

    ``events`` is a DataFrame with ``date`` and ``event_id`` or ``label`` columns (``name``
    says which to prefer), a mapping name -> date, or None (no events). Missing dates, and
    duplicated names when ``unique``, are a ``ValueError``.
    """
    if events is None:
        return pd.Series(dtype="datetime64[ns]")
    if isinstance(events, pd.DataFrame):
        if "date" not in events.columns:
            raise ValueError("events DataFrame needs a 'date' column")
        other = "label" if name == "event_id" else "event_id"
        column = name if name in events.columns else other
        if column not in events.columns:
            raise ValueError("events DataFrame needs an 'event_id' or 'label' column")
        dates = pd.Series(
            pd.to_datetime(events["date"]).to_numpy(), index=events[column].astype(str)
        )
    elif isinstance(events, Mapping):
        dates = pd.Series({str(k): pd.Timestamp(v) for k, v in events.items()})
    else:
        raise ValueError("events must be a DataFrame with date/event_id or a mapping name -> date")
    if dates.isna().any():
        raise ValueError("event dates must not be missing")
    if unique and dates.index.has_duplicates:
        duplicated = sorted(set(dates.index[dates.index.duplicated()]))
        raise ValueError(f"duplicate event names: {duplicated}")
    dates = pd.Series(pd.DatetimeIndex(dates).normalize(), index=dates.index)
    return dates.sort_values(kind="stable")
