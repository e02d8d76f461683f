"""Aggregate incidents into regular, zero-filled count series: the input of every model.

A count series is a ``pd.Series`` indexed by period start (a ``DatetimeIndex`` with ``freq`` set:
``"D"`` days, ``"W-MON"`` ISO weeks starting Monday, ``"MS"`` calendar months), holding the number
of incidents (or munitions, or casualties) per period.

Incidents known only to the month (``date_precision == "month"``) cannot be placed in a day or
week. By default they are left out of daily and weekly series with a warning that says how many;
``month_precision="spread"`` spreads each over the days of its month instead (fractional counts).
They are never silently put on the 1st. Monthly series always include them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ParameterError

FREQ_ALIASES = {"D": "D", "day": "D", "W": "W-MON", "W-MON": "W-MON", "week": "W-MON"}
FREQ_ALIASES |= {"MS": "MS", "M": "MS", "ME": "MS", "month": "MS"}
#: the canonical period names: per day, per ISO week from Monday, per month
FREQS = tuple(dict.fromkeys(FREQ_ALIASES.values()))
FILTER_COLUMNS = (
    "target_type",
    "attack_type",
    "governorate",
    "actor",
    "date_precision",
    "source_reliability",
    "confirmation",
)
WEIGHTS = ("munitions", "killed", "wounded", "casualties")
UNIT = {"D": "per day", "W-MON": "per week", "MS": "per month"}


class MonthPrecisionWarning(UserWarning):
    """Incidents dated only to the month were left out of a daily or weekly series."""


def normalise_freq(freq: str) -> str:
    """The canonical pandas frequency ("D", "W-MON" or "MS") for a frequency name or alias."""
    try:
        return FREQ_ALIASES[freq]
    except KeyError:
        raise ParameterError(
            f"freq must be one of {sorted(FREQ_ALIASES)} (day, ISO week from Monday, month); "
            f"got {freq!r}"
        ) from None


def period_start(dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The start of the period (day, Monday of the ISO week, 1st of the month) holding each date."""
    idx = pd.DatetimeIndex(dates).normalize()
    freq = normalise_freq(freq)
    if freq == "D":
        return idx
    if freq == "W-MON":
        return idx - pd.to_timedelta(idx.day_of_week, unit="D")
    return idx.to_period("M").to_timestamp()


def _confirmation_values(confirmation: str | Iterable[str]) -> list[str]:
    from analysis.data.vocabulary import CONFIRMATIONS

    if isinstance(confirmation, str):
        values = list(CONFIRMATIONS) if confirmation == "all" else [confirmation]
    else:
        values = list(confirmation)
    bad = sorted(set(values) - set(CONFIRMATIONS))
    if bad:
        raise ParameterError(
            f"confirmation: unknown value(s) {bad}; use {list(CONFIRMATIONS)} or 'all'"
        )
    return values


def select(
    incidents: pd.DataFrame,
    where: Mapping[str, object] | None = None,
    confirmation: str | Iterable[str] = "confirmed",
) -> pd.DataFrame:
    """Rows of ``incidents`` matching every filter in ``where`` and the confirmation levels.

    ``where`` maps a column (target_type, attack_type, governorate, actor, ...) to a value or a
    list of values. An unknown column or a value outside the column's vocabulary is a
    ``ValueError``, so a typo never yields an empty series that looks like a quiet period.
    """
    mask = pd.Series(True, index=incidents.index)
    filters = dict(where or {})
    if "confirmation" in filters:
        raise ParameterError("filter confirmation with the `confirmation` argument, not `where`")
    filters["confirmation"] = _confirmation_values(confirmation)
    for column, wanted in filters.items():
        if column not in FILTER_COLUMNS or column not in incidents.columns:
            raise ParameterError(f"where: cannot filter on {column!r}; use one of {FILTER_COLUMNS}")
        values = (
            [wanted]
            if isinstance(wanted, str) or not isinstance(wanted, Iterable)
            else list(wanted)
        )
        col = incidents[column]
        if isinstance(col.dtype, pd.CategoricalDtype):
            unknown = sorted(set(map(str, values)) - set(map(str, col.cat.categories)))
            if unknown:
                raise ParameterError(
                    f"where: {column} has no value {unknown}; allowed: {list(col.cat.categories)}"
                )
        mask &= col.isin(values)
    return incidents[mask]


def counts(
    incidents: pd.DataFrame,
    freq: str = "W-MON",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    where: Mapping[str, object] | None = None,
    weight: str | None = None,
    *,
    confirmation: str | Iterable[str] = "confirmed",
    month_precision: Literal["exclude", "spread"] = "exclude",
) -> pd.Series:
    """Incidents (or munitions, or casualties) per day, ISO week or month, zero-filled.

    Parameters
    ----------
    incidents : DataFrame from :func:`analysis.data.load_incidents` (or a feed loader).
    freq : "D" (per day), "W-MON" (per ISO week, labelled by its Monday) or "MS" (per calendar
        month, labelled by the 1st); "day", "week", "month" are accepted too.
    start, end : first and last date covered (default: the first and last incident in
        ``incidents`` before filtering, so filtered series share one time axis). Both are
        widened to whole periods.
    where : filters, e.g. ``{"target_type": "us_embassy", "attack_type": ["rocket", "drone"]}``.
    weight : None counts incidents; "munitions", "killed", "wounded" or "casualties"
        (killed + wounded) sums that column instead. Rows where the source gives no number add
        0, with a warning saying how many.
    confirmation : "confirmed" (default), "claimed", "disputed", a list of them, or "all".
    month_precision : "exclude" (default) or "spread" for incidents known only to the month in
        daily and weekly series (see the module docstring).

    Returns
    -------
    Series of counts per period (int64; float64 when month-precision rows are spread), index
    named ``period`` with ``freq`` set. ``attrs`` records the unit, filters and exclusions.
    """
    freq = normalise_freq(freq)
    if weight is not None and weight not in WEIGHTS:
        raise ParameterError(f"weight must be None or one of {WEIGHTS}; got {weight!r}")
    if month_precision not in ("exclude", "spread"):
        raise ParameterError(
            f"month_precision must be 'exclude' or 'spread'; got {month_precision!r}"
        )
    if incidents.empty and (start is None or end is None):
        raise ParameterError("counts: no incidents, so start and end must be given")
    lo = pd.Timestamp(start) if start is not None else incidents["date"].min()
    hi = pd.Timestamp(end) if end is not None else incidents["date"].max()
    if hi < lo:
        raise ParameterError(f"counts: end {hi.date()} is before start {lo.date()}")
    index = pd.date_range(period_start([lo], freq)[0], period_start([hi], freq)[0], freq=freq)
    index.name = "period"

    rows = select(incidents, where, confirmation)
    rows = rows[(rows["date"] >= lo.normalize()) & (rows["date"] <= hi)]
    values = _weights(rows, weight)

    excluded = 0
    monthly = (rows["date_precision"] == "month").to_numpy()
    if freq == "MS" or not monthly.any():
        result = _sum_by_period(rows["date"], values, freq, index)
    elif month_precision == "exclude":
        excluded = int(monthly.sum())
        warnings.warn(
            f"{excluded} incident(s) dated only to the month were left out of this "
            f"{UNIT[freq]} series (use month_precision='spread' to spread them over their month)",
            MonthPrecisionWarning,
            stacklevel=2,
        )
        result = _sum_by_period(rows["date"][~monthly], values[~monthly], freq, index)
    else:
        exact = _sum_by_period(rows["date"][~monthly], values[~monthly], freq, index).astype(float)
        result = exact + _spread_over_month(rows["date"][monthly], values[monthly], freq, index)

    result.name = weight or "incidents"
    result.attrs.update(
        unit=UNIT[freq],
        freq=freq,
        where=dict(where or {}),
        weight=weight,
        confirmation=_confirmation_values(confirmation),
        month_precision_excluded=excluded,
    )
    return result


def _weights(rows: pd.DataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(rows), dtype=np.int64)
    if weight == "casualties":
        frame = rows[["killed", "wounded"]]
        missing = int(frame.isna().all(axis=1).sum())
        values = frame.fillna(0).sum(axis=1)
    else:
        missing = int(rows[weight].isna().sum())
        values = rows[weight].fillna(0)
    if missing:
        warnings.warn(
            f"{missing} incident(s) have no {weight} figure in their source and add 0",
            UserWarning,
            stacklevel=3,
        )
    return values.to_numpy(dtype=np.int64)


def _sum_by_period(
    dates: pd.Series, values: np.ndarray, freq: str, index: pd.DatetimeIndex
) -> pd.Series:
    grouped = pd.Series(values, index=period_start(dates, freq)).groupby(level=0).sum()
    out = grouped.reindex(index, fill_value=0).astype(values.dtype if len(values) else np.int64)
    out.index.freq = index.freq
    return out


def _spread_over_month(
    dates: pd.Series, values: np.ndarray, freq: str, index: pd.DatetimeIndex
) -> pd.Series:
    """Spread each value evenly over the days of its month, then sum by period."""
    parts = []
    for date, value in zip(pd.DatetimeIndex(dates), values, strict=True):
        days = pd.date_range(date, date + pd.offsets.MonthEnd(0), freq="D")
        parts.append(pd.Series(value / len(days), index=days))
    if not parts:
        return pd.Series(0.0, index=index)
    daily = pd.concat(parts)
    spread = daily.groupby(period_start(daily.index, freq)).sum()
    return spread.reindex(index, fill_value=0.0)


def counts_by(
    incidents: pd.DataFrame,
    by: str,
    freq: str = "W-MON",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    **kwargs: object,
) -> pd.DataFrame:
    """One count series per value of the categorical column ``by`` (columns), on one time axis.

    Takes the arguments of :func:`counts`; values with no incident in the span are dropped. The
    row sums equal ``counts(incidents, freq, start, end, ...)``.
    """
    if by not in FILTER_COLUMNS or by == "confirmation":
        raise ParameterError(f"by: cannot split on {by!r}; use one of {FILTER_COLUMNS[:-1]}")
    if "where" in kwargs and by in dict(kwargs["where"] or {}):  # type: ignore[arg-type]
        raise ParameterError(f"by={by!r} is also filtered in `where`")
    lo = start if start is not None else incidents["date"].min()
    hi = end if end is not None else incidents["date"].max()
    where = dict(kwargs.pop("where", None) or {})  # type: ignore[arg-type]
    columns = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)
        total = counts(incidents, freq, lo, hi, where=where, **kwargs)
        for value in incidents[by].cat.categories:
            series = counts(incidents, freq, lo, hi, where={**where, by: value}, **kwargs)
            if series.sum() > 0:
                columns[str(value)] = series
    excluded = total.attrs["month_precision_excluded"]
    if excluded:
        warnings.warn(
            f"{excluded} incident(s) dated only to the month were left out of these "
            f"{UNIT[normalise_freq(freq)]} series",
            MonthPrecisionWarning,
            stacklevel=2,
        )
    frame = pd.DataFrame(columns, index=total.index)
    frame.columns.name = by
    frame = frame.fillna(0).astype(next(iter(columns.values())).dtype if columns else "int64")
    frame.attrs["unit"] = UNIT[normalise_freq(freq)]
    return frame
