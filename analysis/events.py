"""The set of political events, as every model and chart takes it.

An events argument is a DataFrame with ``date`` and ``event_id`` or ``label`` columns (as from
``analysis.data.load_events()``), a mapping name -> date, or None (no events). :func:`event_dates`
turns any of these into one Series of dates indexed by name, checked the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.errors import ParameterError

__all__ = ["event_dates"]


def event_dates(
    events: pd.DataFrame | Mapping[str, object] | None,
    *,
    name: str = "event_id",
    unique: bool = True,
) -> pd.Series:
    """Event dates (normalised Timestamps) indexed by event name, sorted by date.

    ``events`` is a DataFrame with ``date`` and ``event_id`` or ``label`` columns (``name``
    says which to prefer), a mapping name -> date, or None (no events). Missing dates, and
    duplicated names when ``unique``, are a ``ParameterError`` (a ``ValueError``).
    """
    if events is None:
        return pd.Series(dtype="datetime64[ns]")
    if isinstance(events, pd.DataFrame):
        if "date" not in events.columns:
            raise ParameterError("events DataFrame needs a 'date' column")
        other = "label" if name == "event_id" else "event_id"
        column = name if name in events.columns else other
        if column not in events.columns:
            raise ParameterError("events DataFrame needs an 'event_id' or 'label' column")
        dates = pd.Series(
            pd.to_datetime(events["date"]).to_numpy(), index=events[column].astype(str)
        )
    elif isinstance(events, Mapping):
        dates = pd.Series({str(k): pd.Timestamp(v) for k, v in events.items()})
    else:
        raise ParameterError(
            "events must be a DataFrame with date/event_id or a mapping name -> date"
        )
    if dates.isna().any():
        raise ParameterError("event dates must not be missing")
    if unique and dates.index.has_duplicates:
        duplicated = sorted(set(dates.index[dates.index.duplicated()]))
        raise ParameterError(f"duplicate event names: {duplicated}")
    dates = pd.Series(pd.DatetimeIndex(dates).normalize(), index=dates.index)
    return dates.sort_values(kind="stable")
