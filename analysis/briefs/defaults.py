"""Notebook defaults from the case and its data, never from one conflict's dates.

A notebook's ``parameters`` cell holds ``"auto"`` (:data:`analysis.params.AUTO`) for a period or
an event, or ``[]`` for a list of events, and its next cell resolves them here:

- the period (:func:`period`): the case's ``analysis_period`` when it sets one, else the span of
  the data (first to last incident date);
- the focus event (:func:`focus_event`): the case's ``focus_event``, else the first event the
  findings table grades (:func:`analysis.findings.store.table`; ``docs/findings_method.md``),
  else the first event of the data;
- the events a page compares (:func:`focus_events`, :func:`graded_events`).

So a case with its own areas, events and dates runs every notebook with no edit; the shipped
Iraq case sets ``analysis_period`` and ``focus_event`` to the pages' long-standing defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import case as cases
from analysis import params
from analysis.errors import ParameterError
from analysis.params import AUTO

__all__ = [
    "AUTO",
    "UNGRADED",
    "backtest_start",
    "focus_event",
    "focus_events",
    "graded_events",
    "period",
]

#: findings grades that give no figure for the event (docs/findings_method.md)
UNGRADED = ("marker", "not_graded")
#: weeks of data before the outlook's first backtest forecast when its start is "auto"
BACKTEST_LEAD_WEEKS = 13


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def period(start: object, end: object, incidents: pd.DataFrame | None = None) -> tuple[str, str]:
    """``(start, end)`` as ISO dates, each ``"auto"`` replaced by the case's ``analysis_period``
    end, else by the first or last incident date of ``incidents`` (default: the dataset)."""
    if start != AUTO and end != AUTO:
        return _day(params.a_date("start", start)), _day(params.a_date("end", end))
    span = cases.current().analysis_period
    if span is None:
        if incidents is None:
            from analysis.data import load_incidents

            incidents = load_incidents()
        dates = pd.to_datetime(incidents["date"]).dropna()
        if dates.empty:
            raise ParameterError("start must be a date, got 'auto' (the data hold no incident)")
        span = (dates.min().date(), dates.max().date())
    lo = span[0] if start == AUTO else params.a_date("start", start)
    hi = span[1] if end == AUTO else params.a_date("end", end)
    return _day(lo), _day(hi)


def graded_events(
    findings: pd.DataFrame | None = None,
    start: object = None,
    end: object = None,
    *,
    one_a_day: bool = False,
) -> list[str]:
    """The event ids the findings table grades (every grade but ``marker`` and
    ``not_graded``), by date; only those from ``start`` to ``end`` when given; with
    ``one_a_day`` the first of each date only (a joint fit needs events on distinct dates)."""
    if findings is None:
        from analysis.findings import store

        findings = store.table()
    rows = findings[~findings["grade"].isin(UNGRADED)]
    rows = rows.assign(day=pd.to_datetime(rows["date"]).to_numpy())
    if start is not None:
        rows = rows[rows["day"] >= pd.Timestamp(start)]
    if end is not None:
        rows = rows[rows["day"] <= pd.Timestamp(end)]
    rows = rows.sort_values("day", kind="stable")
    if one_a_day:
        rows = rows.drop_duplicates("day")
    return [str(e) for e in rows["event_id"]]


def focus_event(
    event_id: str = AUTO,
    *,
    findings: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    not_before: object = None,
) -> str:
    """``event_id``, or for ``"auto"``: the case's ``focus_event``, else the first graded event
    of the findings table (on or after ``not_before`` when given: a model that learns from the
    weeks before an event needs them in the data, :func:`lead_in`), else the first event of
    ``events`` (default: the dataset's)."""
    if event_id != AUTO:
        return event_id
    chosen = cases.current().focus_event
    if chosen:
        return chosen
    graded = graded_events(findings, start=not_before)
    if graded:
        return graded[0]
    if events is None:
        from analysis.data import load_events

        events = load_events()
    if events.empty:
        raise ParameterError("event_id must be an event id, got 'auto' (the data hold no event)")
    return str(events.sort_values("date", kind="stable")["event_id"].iloc[0])


def lead_in(incidents: pd.DataFrame, freq: str, periods: int) -> pd.Timestamp:
    """The first day with ``periods`` whole periods of ``freq`` (a pandas frequency such as
    ``"W-MON"``) of data before it: the first incident's date plus ``periods + 1`` periods."""
    first = pd.to_datetime(incidents["date"]).min()
    return pd.Timestamp(first) + (int(periods) + 1) * pd.tseries.frequencies.to_offset(freq)


def focus_events(event_ids: Sequence[str], **kwargs: object) -> list[str]:
    """``event_ids``, or for ``[]`` the focus event alone (:func:`focus_event`)."""
    return list(event_ids) if len(event_ids) else [focus_event(AUTO, **kwargs)]  # type: ignore[arg-type]


def backtest_start(value: object, incidents: pd.DataFrame) -> str:
    """The outlook's first backtest week: ``value``, or for ``"auto"`` the first Monday
    :data:`BACKTEST_LEAD_WEEKS` weeks after the period's start (:func:`period`), and not before
    the backtest has :data:`analysis.models.outlook.MIN_HISTORY` weeks of confirmed attacks."""
    if value != AUTO:
        return _day(params.a_date("backtest_start", value))
    from analysis.models.outlook import MIN_HISTORY

    def monday(day: pd.Timestamp) -> pd.Timestamp:
        return day + pd.Timedelta(days=(7 - day.weekday()) % 7)

    lead = monday(
        pd.Timestamp(period(AUTO, AUTO, incidents)[0]) + pd.Timedelta(weeks=BACKTEST_LEAD_WEEKS)
    )
    confirmed = incidents
    if "confirmation" in incidents.columns:
        confirmed = incidents[incidents["confirmation"].astype(str) == "confirmed"]
    first = pd.to_datetime(confirmed["date"]).min()
    if pd.isna(first):
        return _day(lead)
    week = first.normalize() - pd.Timedelta(days=first.weekday())  # its week's Monday
    return _day(max(lead, week + pd.Timedelta(weeks=MIN_HISTORY - 1)))
