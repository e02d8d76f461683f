"""Sourced data: the curated tables, their schema, validated loading and coverage checks.

>>> from analysis.data import load_incidents, load_events
>>> incidents = load_incidents()          # data/incidents.csv, validated and typed
>>> events = load_events()                # data/political_events.csv
"""

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
