"""Sourced data: the curated tables, their schema, validated loading and coverage checks.

>>> from analysis.data import load_incidents, load_events
>>> incidents = load_incidents()          # data/incidents.csv, validated and typed
>>> events = load_events()                # data/political_events.csv
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.data.load import (
        DataValidationError,
        load_events,
        load_incidents,
        load_reported_counts,
        read_table,
        validate_path,
    )

__all__ = [
    "DataValidationError",
    "load_events",
    "load_incidents",
    "load_reported_counts",
    "read_table",
    "validate_path",
]


def __getattr__(name: str) -> Any:
    # the loaders (and pandas, pandera) are imported on first use: a run that only reads the
    # vocabulary (a config's parameter checks, analysis.data.vocabulary) starts without them
    if name in __all__:
        from analysis.data import load

        value = getattr(load, name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
