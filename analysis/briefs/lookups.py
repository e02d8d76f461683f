"""Look-ups a brief makes in the events and incidents tables, by id, date and window.

The focus event's row, events in a period, the incidents in an event's before and after windows,
months where coverage is thin and the published tallies overlapping a span: the pieces every
brief and analysis page shows beside its numbers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import case as cases
from analysis.briefs.html import Html, esc, link
from analysis.briefs.wording import DAY, fmt_date
from analysis.data.coverage import compare_with_reported, monthly_coverage
from analysis.errors import ParameterError
from analysis.params import whole_number
from analysis.series import normalise_freq, period_start, select

__all__ = [
    "INCIDENT_COLUMNS",
    "TALLY_COLUMNS",
    "tally_columns",
    "attack_times",
    "counterfactual_span",
    "event_card",
    "event_dates_by_id",
    "event_row",
    "event_title",
    "events_between",
    "incidents_in_window",
    "official_pattern",
    "tallies_overlapping",
    "tally_columns",
    "thin_months",
]


def event_row(events: pd.DataFrame, event_id: str) -> pd.Series:
    """The row of ``events`` with this ``event_id``; a ``ParameterError`` naming close matches
    if none, or if the id is duplicated.
    """
    if not isinstance(event_id, str) or not event_id:
        raise ParameterError(f"event_id must be a non-empty string, got {event_id!r}")
    ids = events["event_id"].astype(str)
    hits = events[ids == event_id]
    if len(hits) == 0:
        close = difflib.get_close_matches(event_id, list(ids), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError(f"unknown event_id {event_id!r}{hint} (see data/political_events.csv)")
    if len(hits) > 1:
        raise ParameterError(f"event_id {event_id!r} appears {len(hits)} times in the events table")
    return hits.iloc[0]


def event_dates_by_id(
    events: pd.DataFrame, event_ids: Sequence[str] | None = None, *, required: bool = False
) -> dict[str, pd.Timestamp]:
    """Event id -> date for ``event_ids`` in the order given; all events, by date, when None or
    empty (a ``ParameterError`` instead with ``required=True``). Unknown ids are a
    ``ParameterError``."""
    if isinstance(event_ids, str):
        raise ParameterError("give a list of event ids, not a single string")
    if event_ids is None or len(event_ids) == 0:
        if required:
            raise ParameterError("give at least one event id (see data/political_events.csv)")
        event_ids = list(events["event_id"].astype(str))
    return {str(e): pd.Timestamp(event_row(events, str(e))["date"]) for e in event_ids}


def events_between(
    events: pd.DataFrame,
    start: object,
    end: object,
    event_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Events dated ``start`` to ``end`` (inclusive), optionally only ``event_ids`` (None or
    empty: all); unknown ids are a ``ParameterError``."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if hi < lo:
        raise ParameterError(f"end {hi.date()} is before start {lo.date()}")
    out = events
    if event_ids:
        wanted = list(event_dates_by_id(events, event_ids))
        out = out[out["event_id"].astype(str).isin(wanted)]
    return out[out["date"].between(lo, hi)].reset_index(drop=True)


def event_title(
    event: Mapping[str, Any] | pd.Series, what: str = "attack tempo before and after"
) -> str:
    """A brief's title, e.g. "Suleimani strike, 3 Jan 2020: attack tempo before and after"."""
    return f"{event['label']}, {fmt_date(event['date'])}: {what}"


def attack_times(
    incidents: pd.DataFrame,
    start: object = None,
    end: object = None,
    confirmation: str | Sequence[str] = "confirmed",
) -> pd.Series:
    """Dates of the incidents known to the day, from ``start`` to ``end`` inclusive, sorted: the
    input of :func:`analysis.models.hawkes.fit` (month-precision rows cannot be placed in time)."""
    rows = select(incidents, confirmation=confirmation)
    rows = rows[rows["date_precision"] == "day"]
    if start is not None:
        rows = rows[rows["date"] >= pd.Timestamp(start)]
    if end is not None:
        rows = rows[rows["date"] <= pd.Timestamp(end)]
    return rows["date"].sort_values(kind="stable").reset_index(drop=True)


def event_card(event: Mapping[str, Any] | pd.Series) -> Html:
    """An event for readers: date, label, what happened, the note on its date when sources
    disagree, and its source linked (all escaped)."""

    def get(key: str) -> Any:
        value = event.get(key) if hasattr(event, "get") else None
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    date, label, desc, note = get("date"), get("label") or "", get("description"), get("date_note")
    parts = [f"<p><strong>{esc(fmt_date(date))}: {esc(label)}.</strong> {esc(desc or '')}</p>"]
    if note:
        parts.append(f"<p>On the date: {esc(note)}</p>")
    parts.append(f"<p>Source: {link(get('source_title'), get('source_url'))}</p>")
    text = f"{fmt_date(date)}: {label}. {desc or ''}".strip()
    return Html("".join(parts), text)


def counterfactual_span(
    incidents: pd.DataFrame,
    event_date: object,
    freq: str = "W-MON",
    pre_periods: int = 26,
    post_periods: int = 5,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a counterfactual analysis around ``event_date``: ``pre_periods``
    whole periods of ``freq`` before the period holding the event and ``post_periods`` periods
    from it (the event's period included), clipped to the incident data's first and last days."""
    pre_periods = whole_number("pre_periods", pre_periods)
    post_periods = whole_number("post_periods", post_periods)
    freq = normalise_freq(freq)
    offset = pd.tseries.frequencies.to_offset(freq)
    first = period_start([pd.Timestamp(event_date)], freq)[0]
    lo = first - int(pre_periods) * offset
    hi = first + int(post_periods) * offset - DAY
    data_lo, data_hi = incidents["date"].min(), incidents["date"].max()
    return max(lo, data_lo), min(hi, data_hi)


INCIDENT_COLUMNS = [
    "date",
    "window",
    "location",
    "target",
    "weapon",
    "description",
    "confirmation",
    "source_title",
    "source_url",
    "incident_id",
]


def incidents_in_window(
    incidents: pd.DataFrame,
    event_date: object,
    days: int = 30,
    confirmation: str | Sequence[str] = "confirmed",
) -> pd.DataFrame:
    """Incidents in the ``days`` days before the event (``window == "before"``) and the ``days``
    days from the event day on (``"after"``), the windows of :mod:`analysis.models.windows`.

    Columns: date, window, location, target (the named site, else its type), weapon (attack
    type), description, confirmation, source_title, source_url, incident_id; sorted by date.
    Incidents known only to the month are left out (they cannot be placed in a window).
    """
    date = pd.Timestamp(event_date).normalize()
    span = pd.Timedelta(days=int(days))
    rows = select(incidents, confirmation=confirmation)
    rows = rows[(rows["date_precision"] == "day")]
    rows = rows[(rows["date"] >= date - span) & (rows["date"] <= date + span - DAY)]
    rows = rows.sort_values(["date", "incident_id"], kind="stable")
    target = rows["target_name"].astype("string").fillna("")
    target = target.where(target.str.strip() != "", rows["target_type"].astype("string"))
    out = pd.DataFrame(
        {
            "date": rows["date"],
            "window": np.where(rows["date"] < date, "before", "after"),
            "location": rows["location"].astype("string"),
            "target": target,
            "weapon": rows["attack_type"].astype("string"),
            "description": rows["description"].astype("string"),
            "confirmation": rows["confirmation"].astype("string"),
            "source_title": rows["source_title"].astype("string"),
            "source_url": rows["source_url"].astype("string"),
            "incident_id": rows["incident_id"].astype("string"),
        }
    )
    return out.reset_index(drop=True)[INCIDENT_COLUMNS]


def thin_months(
    incidents: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, confirmation: object
) -> pd.DataFrame:
    """Months overlapping ``start``..``end`` with at most one counted row (``month``, ``rows``):
    where coverage is thin enough that a quiet month may be an unreported one."""
    rows = select(incidents, confirmation=confirmation)  # type: ignore[arg-type]
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS", name="month")
    per_month = monthly_coverage(rows)["total"] if len(rows) else pd.Series(dtype="int64")
    per_month = per_month.reindex(months, fill_value=0)
    thin = per_month[per_month <= 1]
    return pd.DataFrame({"month": thin.index, "rows": thin.to_numpy(dtype="int64")})


def official_pattern() -> re.Pattern[str] | None:
    """The pattern that finds, by its ``what_counted`` text, a tally the case's official source
    published (the case file's ``official_tally.pattern``; in the Iraq case the Pentagon's:
    "Iraq-only part of the DoD 140", "Pentagon official to Kurdistan 24", not
    "Pentagon-blamed"), or None when the case names no official tally."""
    pattern = cases.current().official_pattern
    return re.compile(pattern) if pattern else None


def tally_columns() -> list[str]:
    """The columns of :func:`tallies_overlapping`: the tally, the dataset's counts, whether it
    is comparable and official, and the per-country breakdown of the case's countries."""
    return [*TALLY_COLUMNS, *_country_columns()]


def _country_columns() -> list[str]:
    # the per-country breakdown of the dataset's rows for the period (confirmed, all)
    return [
        f"{kind}_{c.lower()}" for c in cases.current().countries for kind in ("confirmed", "all")
    ]


#: the columns of :func:`tallies_overlapping` before the per-country breakdown
TALLY_COLUMNS = [
    "period_start",
    "period_end",
    "scope",
    "count_kind",
    "reported",
    "dataset_confirmed",
    "dataset_all",
    "comparable",
    "share_confirmed",
    "what_counted",
    "source_title",
    "source_url",
    "pentagon",
]


def tallies_overlapping(
    incidents: pd.DataFrame,
    reported: pd.DataFrame | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Published tallies whose period overlaps ``start``..``end``, beside the dataset's counts
    for the same dates (:func:`analysis.data.coverage.compare_with_reported`, sorted by period).

    Only rows with ``comparable`` True (tallies of countries the dataset holds for the dates)
    may be set beside the dataset's counts; a regional or single-base tally has no share and is
    shown for reference only. ``pentagon`` marks the tallies the case's official source (the
    Pentagon, in the Iraq case) published, by their ``what_counted`` text
    (:func:`official_pattern`); all False when the case names none.
    """
    columns = tally_columns()
    if reported is None or reported.empty:
        return pd.DataFrame(columns=columns)
    cmp = compare_with_reported(incidents, reported)
    overlap = (cmp["period_start"] <= end) & (cmp["period_end"] >= start)
    out = cmp[overlap].drop_duplicates(
        subset=["period_start", "period_end", "reported", "source_url"]
    )
    out = out.assign(
        comparable=out["comparable"].astype(bool),
        pentagon=(
            out["what_counted"].astype(str).str.contains(pattern)
            if (pattern := official_pattern()) is not None
            else False
        ),
    )
    out = out.sort_values(["period_start", "period_end"], kind="stable").reset_index(drop=True)
    return out[columns]
