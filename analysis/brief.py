"""The publishable event brief, and the plain-language wrap-up of every analysis notebook.

:func:`event_brief` runs the three effect measures for one political event on one count series
and returns an :class:`EventBrief`: the numbers as attributes, ``.to_frame()`` (effects with 95%
intervals), ``.headline`` / ``.summary()`` (plain text), ``.plot()`` (the main chart) and escaped
HTML fragments for the parts of a brief that show data text (the event, the incidents in its
windows, the published tallies, the sources).

The measures, all on counts of recorded attacks:

- **before/after windows** (:mod:`analysis.models.windows`): attacks in the ``window_days`` days
  before the event against the ``window_days`` days from the event day on; rate ratio of the two
  daily rates with an exact 95% interval and p-value;
- **interrupted time series** (:mod:`analysis.models.its`): weekly counts over the analysed period
  with a step and a change of trend at the event (rate ratio of the step; rate ratio per week of
  the trend change);
- **counterfactual** (:mod:`analysis.models.counterfactual`): a local-level model fitted to the
  weeks before the event's week and simulated forward to the end of the after window; the excess
  is observed minus expected attacks, with a 95% interval.

Every piece of text that comes from the data (labels, descriptions, titles, URLs) is escaped
before it becomes HTML, and only http(s) links are emitted. The notebooks display these fragments
through :class:`Html`, which Jupyter renders as HTML and a terminal as plain text.

The second half of the module turns the results of the analysis notebooks (windows, ITS,
changepoints and Hawkes, counterfactual) into the values those notebooks record for the report
runner: ``title``, ``headline`` (one plain sentence with numbers), ``focus_event``, ``period`` and
the key numbers (``*_values`` functions).
"""

from __future__ import annotations

import difflib
import html
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    band,
    new_axes,
)
from analysis.data.coverage import compare_with_reported, monthly_coverage
from analysis.models import counterfactual as cf_model
from analysis.models import its as its_model
from analysis.models import windows as windows_model
from analysis.models.changepoints import ChangepointResults
from analysis.models.counterfactual import CounterfactualResults
from analysis.models.hawkes import HawkesResults
from analysis.models.inputs import period_unit, whole_number
from analysis.models.its import ITSResults
from analysis.models.results import ModelResults, format_p
from analysis.models.windows import WindowsResults
from analysis.series import MonthPrecisionWarning, counts, normalise_freq, period_start, select

__all__ = [
    "EventBrief",
    "Html",
    "attack_times",
    "changepoint_values",
    "counterfactual_values",
    "counterfactual_span",
    "event_brief",
    "event_card",
    "event_dates_by_id",
    "event_row",
    "event_title",
    "events_between",
    "fmt_date",
    "fmt_number",
    "incidents_in_window",
    "its_values",
    "link",
    "overview_values",
    "safe_url",
    "windows_values",
]

_DAY = pd.Timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# escaped HTML
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Html:
    """An HTML fragment built only from escaped text, with a plain-text twin.

    Jupyter shows ``html`` (``_repr_html_``); a console, ``repr`` and ``str`` show ``text``.
    """

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __add__(self, other: Html) -> Html:
        sep = "\n" if self.text and other.text else ""
        return Html(self.html + other.html, self.text + sep + other.text)


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes (None/NaN -> "")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL without whitespace or control characters, else
    None: the only links a brief emits (never ``javascript:``, ``data:`` or relative links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(title: object, url: object) -> str:
    """An escaped ``<a href>`` to ``url`` showing ``title`` (the URL itself when the title is
    empty); just the escaped title when the URL is not a safe http(s) URL."""
    href = safe_url(url)
    text = esc(title) or esc(href or "")
    if href is None:
        return text
    return f'<a href="{esc(href)}" rel="noopener noreferrer">{text}</a>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], css: str) -> str:
    """A plain HTML table; ``header`` is escaped here, row cells must already be escaped HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="dataframe escalation-{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _paragraphs(texts: Iterable[str], css: str) -> Html:
    texts = [t for t in texts if t]
    return Html(
        "".join(f'<p class="escalation-{css}">{esc(t)}</p>' for t in texts), "\n\n".join(texts)
    )


def _bullets(texts: Iterable[str], css: str) -> Html:
    texts = [t for t in texts if t]
    if not texts:
        return Html("", "")
    items = "".join(f"<li>{esc(t)}</li>" for t in texts)
    return Html(f'<ul class="escalation-{css}">{items}</ul>', "\n".join(f"- {t}" for t in texts))


# ---------------------------------------------------------------------------------------------
# formatting in plain words
# ---------------------------------------------------------------------------------------------


def fmt_date(date: object) -> str:
    """A date as "3 Jan 2020" (no leading zero)."""
    ts = pd.Timestamp(date)
    return f"{ts.day} {ts:%b %Y}"


def fmt_number(x: float, digits: int = 2) -> str:
    """A ratio or rate with ``digits`` significant digits ("2.4", "0.30", "13"); "n/a" if NaN."""
    if x is None or not np.isfinite(x):
        return "n/a" if x is None or np.isnan(x) else ("infinite" if x > 0 else "-infinite")
    if x == 0:
        return "0"
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(digits - 1 - magnitude, 0)
    return f"{x:.{decimals}f}"


def _fmt_count(x: float) -> str:
    """A count or an expected count: whole numbers as such, others to 2 significant digits."""
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 10 else fmt_number(x)


def _interval(low: float, high: float, digits: int = 2) -> str:
    return f"95% CI {fmt_number(low, digits)} to {fmt_number(high, digits)}"


def _plural(n: float, word: str) -> str:
    return f"{_fmt_count(n)} {word}{'' if n == 1 else 's'}"


def _finite(x: object) -> float | None:
    """``x`` as a float, or None when missing or not finite (JSON-safe glue values)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _noun(confirmation: str | Sequence[str], n: float = 2) -> str:
    """What is being counted, in words ("confirmed attacks"; singular when ``n == 1``)."""
    word = "attack" if n == 1 else "attacks"
    levels = [confirmation] if isinstance(confirmation, str) else list(confirmation)
    if levels == ["confirmed"]:
        return f"confirmed {word}"
    if levels == ["all"]:
        return f"recorded {word} (confirmed, claimed and disputed)"
    return f"recorded {word} ({', '.join(map(str, levels))})"


def _attacks(n: float, confirmation: str | Sequence[str]) -> str:
    """ "12 confirmed attacks", "1 confirmed attack"."""
    return f"{_fmt_count(n)} {_noun(confirmation, n)}"


def _recorded(n: float, confirmation: str | Sequence[str]) -> str:
    """ "12 confirmed attacks were recorded", "1 confirmed attack was recorded"."""
    return f"{_attacks(n, confirmation)} {'was' if n == 1 else 'were'} recorded"


def _heading(title: str, headline: str) -> Html:
    """A page's title (h2) and headline, escaped."""
    return Html(
        f'<h2 class="escalation-title">{esc(title)}</h2>'
        f'<p class="escalation-headline"><strong>{esc(headline)}</strong></p>',
        f"{title}\n{headline}",
    )


def _ratio_words(rr: float, low: float, high: float, p: float) -> str:
    """E.g. "2.4 times the rate before (95% CI 0.79 to 8.7); a difference this size could be
    chance (p = 0.143)"."""
    if np.isfinite(p) and p < 0.05:
        verdict = f"a change unlikely to be chance alone ({format_p(p)})"
    else:
        verdict = f"a difference this size could be chance ({format_p(p)})"
    if not np.isfinite(rr):
        return verdict
    if rr == 0:
        return verdict
    if rr >= 1:
        size = f"{fmt_number(rr)} times the rate before ({_interval(low, high)})"
    else:
        size = (
            f"{fmt_number(rr)} times the rate before, a fall of {100 * (1 - rr):.0f}% "
            f"({_interval(low, high)})"
        )
    return f"{size}; {verdict}"


# ---------------------------------------------------------------------------------------------
# events and incidents
# ---------------------------------------------------------------------------------------------


def event_row(events: pd.DataFrame, event_id: str) -> pd.Series:
    """The row of ``events`` with this ``event_id``; a ``ValueError`` naming close matches if none.

    A duplicated id is a ``ValueError`` too.
    """
    if not isinstance(event_id, str) or not event_id:
        raise ValueError(f"event_id must be a non-empty string, got {event_id!r}")
    ids = events["event_id"].astype(str)
    hits = events[ids == event_id]
    if len(hits) == 0:
        close = difflib.get_close_matches(event_id, list(ids), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown event_id {event_id!r}{hint} (see data/political_events.csv)")
    if len(hits) > 1:
        raise ValueError(f"event_id {event_id!r} appears {len(hits)} times in the events table")
    return hits.iloc[0]


def event_dates_by_id(
    events: pd.DataFrame, event_ids: Sequence[str] | None = None, *, required: bool = False
) -> dict[str, pd.Timestamp]:
    """Event id -> date for ``event_ids`` in the order given; all events, by date, when None or
    empty (a ``ValueError`` instead with ``required=True``). Unknown ids are a ``ValueError``."""
    if isinstance(event_ids, str):
        raise ValueError("give a list of event ids, not a single string")
    if event_ids is None or len(event_ids) == 0:
        if required:
            raise ValueError("give at least one event id (see data/political_events.csv)")
        event_ids = list(events["event_id"].astype(str))
    return {str(e): pd.Timestamp(event_row(events, str(e))["date"]) for e in event_ids}


def events_between(
    events: pd.DataFrame,
    start: object,
    end: object,
    event_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Events dated ``start`` to ``end`` (inclusive), optionally only ``event_ids`` (None or
    empty: all); unknown ids are a ``ValueError``."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if hi < lo:
        raise ValueError(f"end {hi.date()} is before start {lo.date()}")
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
    hi = first + int(post_periods) * offset - _DAY
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
    rows = rows[(rows["date"] >= date - span) & (rows["date"] <= date + span - _DAY)]
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


# ---------------------------------------------------------------------------------------------
# the event brief
# ---------------------------------------------------------------------------------------------

#: effect measures of a brief: key -> (plain name, unit)
MEASURES = {
    "window_rate_ratio": (
        "Attacks after vs before (rate ratio, same-length windows)",
        "ratio of daily rates",
    ),
    "its_level_rr": ("Step change at the event (trend model)", "rate ratio"),
    "its_slope_rr": ("Change of trend after the event (trend model)", "rate ratio per week"),
    "excess": ("Attacks beyond the pre-event expectation (counterfactual)", "attacks"),
}


@dataclass(repr=False, eq=False)
class EventBrief(ModelResults):
    """Everything one event's brief shows. Counts are attacks; rates per day (windows) or per
    period of ``freq`` (trend model, counterfactual); NaN where a measure could not be estimated
    (``notes`` says why).

    Attributes
    ----------
    event_id, label, event_date, event : the focus event (``event`` its row as a dict).
    start, end : the analysed period (first and last day); ``freq`` the period of ``weekly``.
    window_days : nominal window length in days; ``confirmation`` the levels counted.
    weekly, daily : the count series (per period of ``freq``; per day) over the period.
    window_before, window_after : attacks in the before and after windows.
    window_days_before, window_days_after : days observed in each (less than ``window_days`` when
        the data stop first).
    window_rate_ratio, window_low, window_high, window_p : after daily rate / before daily rate,
        exact 95% interval, exact two-sided p-value.
    its_level_rr, its_level_low, its_level_high, its_level_p : rate ratio of the step change at
        the event in the segmented regression, 95% interval, p-value.
    its_slope_rr, its_slope_low, its_slope_high, its_slope_p : rate ratio per period of the
        change of trend after the event.
    excess, excess_low, excess_high, excess_p : attacks observed minus expected without the event
        over ``cf_post_start`` .. ``cf_post_end`` (periods of ``freq``; the first holds the event
        day), 95% interval from simulated paths, one-sided p.
    observed_after, expected_after, expected_after_low, expected_after_high : the totals behind
        the excess. cf_n_pre : periods the counterfactual model was fitted to.
    windows, its, counterfactual : the model results (None when a model could not be fitted).
    incidents : :func:`incidents_in_window` for the event.
    other_events : events other than the focus inside its windows (date, event_id, label).
    events : events in the analysed period (for the chart).
    thin_months : months of the period with at most one counted row (``month``, ``rows``).
    tallies : published tallies whose period overlaps the windows, beside the dataset's counts
        (:func:`analysis.data.coverage.compare_with_reported`); empty without ``reported``.
    month_precision_excluded : incidents dated only to the month, left out of the weekly series.
    notes : plain-text notes on measures that could not be estimated and model warnings.
    """

    event_id: str
    label: str
    event_date: pd.Timestamp
    event: dict[str, Any]
    start: pd.Timestamp
    end: pd.Timestamp
    freq: str
    window_days: int
    confirmation: str | list[str]
    seed: int
    weekly: pd.Series
    daily: pd.Series
    windows: WindowsResults | None
    its: ITSResults | None
    counterfactual: CounterfactualResults | None
    incidents: pd.DataFrame
    other_events: pd.DataFrame
    events: pd.DataFrame
    thin_months: pd.DataFrame
    tallies: pd.DataFrame
    month_precision_excluded: int
    notes: list[str] = field(default_factory=list)

    title_suffix = "attack tempo before and after"

    def __post_init__(self) -> None:
        nan = float("nan")
        w = self.windows.table.iloc[0] if self.windows is not None else None
        self.window_before = int(w["before"]) if w is not None else 0
        self.window_after = int(w["after"]) if w is not None else 0
        self.window_days_before = int(w["days_before"]) if w is not None else 0
        self.window_days_after = int(w["days_after"]) if w is not None else 0
        for col in ("rate_ratio", "low", "high", "p"):
            setattr(self, f"window_{col}", float(w[col]) if w is not None else nan)
        for kind in ("level", "slope"):
            for part in ("rr", "low", "high", "p"):
                setattr(self, f"its_{kind}_{part}", nan)
        if self.its is not None:
            row = self.its.effects.loc[self.event_id]
            for kind in ("level", "slope"):
                rr, lo, hi = row[f"{kind}_rr"], row[f"{kind}_low"], row[f"{kind}_high"]
                if all(np.isfinite([rr, lo, hi])) and lo > 0:
                    for part in ("rr", "low", "high", "p"):
                        setattr(self, f"its_{kind}_{part}", float(row[f"{kind}_{part}"]))
                else:
                    what = "step" if kind == "level" else "change of trend"
                    self.notes.append(
                        f"The trend model could not estimate the {what} at the event: too few "
                        "attacks around it."
                    )
        c = self.counterfactual
        self.excess = c.cumulative_effect if c else nan
        self.excess_low = c.cumulative_effect_low if c else nan
        self.excess_high = c.cumulative_effect_high if c else nan
        self.excess_p = c.p_value if c else nan
        self.observed_after = c.observed_total if c else nan
        self.expected_after = c.predicted_total if c else nan
        self.expected_after_low = c.predicted_total_low if c else nan
        self.expected_after_high = c.predicted_total_high if c else nan
        self.cf_post_start = c.post_start if c else pd.NaT
        self.cf_post_end = c.post_end if c else pd.NaT
        self.cf_n_pre = c.n_pre if c else 0

    # -- text -------------------------------------------------------------------------------
    @property
    def unit(self) -> str:
        return period_unit(self.freq)

    @property
    def title(self) -> str:  # type: ignore[override]
        """E.g. "Suleimani strike, 3 Jan 2020: attack tempo before and after"."""
        return event_title({"label": self.label, "date": self.event_date}, self.title_suffix)

    @property
    def headline(self) -> str:
        """One plain sentence with the before/after numbers."""
        d_after, d_before = self.window_days_after, self.window_days_before
        when = f"{fmt_date(self.event_date)} ({self.label})"
        if self.windows is None or d_after == 0 or d_before == 0:
            return (
                f"The data do not cover both sides of {when}, so attack tempo before and after "
                "cannot be compared."
            )
        counts_text = (
            f"In the {_plural(d_after, 'day')} from {when}, "
            f"{_recorded(self.window_after, self.confirmation)}, against "
            f"{self.window_before} in the {_plural(d_before, 'day')} before"
        )
        if self.window_before == 0 and self.window_after == 0:
            return f"{counts_text}: no attacks on either side to compare."
        if self.window_before == 0:
            return (
                f"{counts_text}: attacks resumed after a quiet spell ({format_p(self.window_p)})."
            )
        words = _ratio_words(
            self.window_rate_ratio, self.window_low, self.window_high, self.window_p
        )
        return f"{counts_text}: {words}."

    def effect_lines(self) -> list[str]:
        """One plain sentence per effect measure (trend model and counterfactual)."""
        lines = []
        u = self.unit
        if np.isfinite(self.its_level_rr):
            lines.append(
                f"Trend model: at the event the {u}ly rate stepped to "
                f"{fmt_number(self.its_level_rr)} times the pre-event trend "
                f"({_interval(self.its_level_low, self.its_level_high)}, "
                f"{format_p(self.its_level_p)})."
            )
        if np.isfinite(self.its_slope_rr):
            lines.append(
                f"Trend model: after the event the trend changed by a factor of "
                f"{fmt_number(self.its_slope_rr, 3)} per {u} "
                f"({_interval(self.its_slope_low, self.its_slope_high, 3)}, "
                f"{format_p(self.its_slope_p)})."
            )
        if self.counterfactual is not None:
            n = self.counterfactual.n_post
            more = "more" if self.excess >= 0 else "fewer"
            lines.append(
                f"Counterfactual: in the {_plural(n, u)} from {fmt_date(self.cf_post_start)}, "
                f"{_recorded(self.observed_after, self.confirmation)} against about "
                f"{_fmt_count(self.expected_after)} expected from the pre-event pattern "
                f"(95% interval {_fmt_count(max(self.expected_after_low, 0.0))} to "
                f"{_fmt_count(self.expected_after_high)}): about "
                f"{_fmt_count(abs(self.excess))} {more} "
                f"(95% interval {_fmt_count(self.excess_low)} to {_fmt_count(self.excess_high)})."
            )
        return lines

    def summary(self) -> str:
        """Headline, effect sentences and caveats as plain text."""
        parts = [self.title, self.headline, *self.effect_lines(), "Caveats:"]
        parts += [f"- {c}" for c in self.caveats()]
        return "\n".join(parts)

    def methods(self) -> list[str]:
        """The methods note: how each number was computed, with this brief's settings."""
        u = self.unit
        w = self.window_days
        text = [
            f"Counts: {_noun(self.confirmation)} in the curated dataset, "
            f"{_span(self.start, self.end)}.",
            f"Before/after: attacks in the {w} days before the event against the {w} days from "
            "the event day on. The rate ratio divides the daily rate after by the daily rate "
            "before; its 95% interval and p-value are exact (a binomial test conditional on the "
            "total).",
            f"Trend model: a segmented (interrupted time series) quasi-Poisson regression of "
            f"{u}ly counts over the whole period, with a level and a trend, and a step and a "
            f"change of trend from the {u} holding the event. Standard errors allow for "
            "over-dispersion and autocorrelation. The step compares the rate just after the event "
            "with the pre-event trend carried forward. Other events in the period are not "
            "modelled.",
        ]
        if self.counterfactual is not None:
            text.append(
                f"Counterfactual: a local-level model fitted to the {self.cf_n_pre} {u}s before "
                f"the {u} holding the event (from {fmt_date(self.counterfactual.pre_start)}), "
                f"simulated forward 1,000 times over {fmt_date(self.cf_post_start)} to "
                f"{fmt_date(self.cf_post_end + _period_length(self.unit) - _DAY)}; the first "
                f"{u} also holds the days before the event in that {u}. Excess = observed "
                "minus expected; the interval is the spread of the simulated totals."
            )
        text.append(
            "Intervals are 95% intervals. A p-value above 0.05 means the change could be chance "
            "given the number of attacks; it does not show that nothing changed."
        )
        return text + [f"Note: {n}" for n in self.notes]

    def caveats(self) -> list[str]:
        """Data coverage caveats for this event, in plain words."""
        out = [
            "The dataset is a sample of public reporting, not a census: a change in how much was "
            "reported can look like a change in attacks."
        ]
        if len(self.other_events):
            names = "; ".join(
                f"{r.label} ({fmt_date(r.date)})" for r in self.other_events.itertuples()
            )
            out.append(
                f"Other events fall inside the {self.window_days}-day windows, so a change cannot "
                f"be put down to the {self.label} alone: {names}."
            )
        if self.window_days_after < self.window_days or self.window_days_before < self.window_days:
            out.append(
                f"The data cover only {self.window_days_before} days before and "
                f"{self.window_days_after} days after the event; the windows are cut short."
            )
        if len(self.thin_months):
            months = ", ".join(
                f"{m:%b %Y} ({n})"
                for m, n in zip(self.thin_months["month"], self.thin_months["rows"], strict=True)
            )
            out.append(
                f"Months of the analysed period with at most one counted attack: {months}. A thin "
                "month may be quiet or under-reported (data/README.md lists the known gaps)."
            )
        iraq = self.tallies[self.tallies["scope"] == "iraq"] if len(self.tallies) else self.tallies
        shares = iraq["share_confirmed"].dropna() if len(iraq) else pd.Series(dtype=float)
        if len(shares):
            out.append(
                f"{len(iraq)} tallies published by officials or the press cover periods "
                f"overlapping the windows; the dataset's confirmed count is "
                f"{100 * shares.min():.0f}% to {100 * shares.max():.0f}% of the published figure "
                "(definitions differ: see the table below)."
            )
        elif self.tallies is not None and len(self.tallies) == 0:
            out.append("No published tally covers the windows, so coverage cannot be checked here.")
        if self.month_precision_excluded:
            out.append(
                f"{_plural(self.month_precision_excluded, 'incident')} in the period known only to "
                f"the month {'is' if self.month_precision_excluded == 1 else 'are'} left out of "
                "the counts."
            )
        return out

    # -- tables -------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The effects: one row per measure (``measure`` plain name, ``estimate``, ``low``,
        ``high`` (95%), ``p``, ``unit``), indexed by key (the glued name of the estimate)."""
        rows = {
            "window_rate_ratio": (
                self.window_rate_ratio,
                self.window_low,
                self.window_high,
                self.window_p,
            ),
            "its_level_rr": (
                self.its_level_rr,
                self.its_level_low,
                self.its_level_high,
                self.its_level_p,
            ),
            "its_slope_rr": (
                self.its_slope_rr,
                self.its_slope_low,
                self.its_slope_high,
                self.its_slope_p,
            ),
            "excess": (self.excess, self.excess_low, self.excess_high, self.excess_p),
        }
        frame = pd.DataFrame(
            [
                {
                    "measure": MEASURES[k][0],
                    "estimate": v[0],
                    "low": v[1],
                    "high": v[2],
                    "p": v[3],
                    "unit": MEASURES[k][1].replace("week", self.unit),
                }
                for k, v in rows.items()
            ],
            index=pd.Index(list(rows), name="key"),
        )
        return frame

    def effects_html(self) -> Html:
        """The effects table for readers: measure, what was compared, estimate, 95% interval, p."""
        f = self.to_frame()
        w = self.window_days
        compared = {
            "window_rate_ratio": f"{self.window_after} attacks in {self.window_days_after} days "
            f"after vs {self.window_before} in {self.window_days_before} days before",
            "its_level_rr": f"{self.unit}ly rate just after vs pre-event trend",
            "its_slope_rr": f"trend after vs before, per {self.unit}",
            "excess": (
                f"{_fmt_count(self.observed_after)} observed vs "
                f"{_fmt_count(self.expected_after)} expected"
                if self.counterfactual is not None
                else f"{w} days after"
            ),
        }
        rows = []
        for key, r in f.iterrows():
            digits = 3 if key == "its_slope_rr" else 2
            if key == "excess":
                est = _fmt_count(r["estimate"])
                ci = f"{_fmt_count(r['low'])} to {_fmt_count(r['high'])}"
            else:
                est = fmt_number(r["estimate"], digits)
                ci = f"{fmt_number(r['low'], digits)} to {fmt_number(r['high'], digits)}"
            if not np.isfinite(r["estimate"]) and not np.isfinite(r["low"]):
                est, ci = "not estimable", ""
            p = format_p(r["p"]).removeprefix("p ").replace("= ", "") if np.isfinite(r["p"]) else ""
            rows.append([esc(r["measure"]), esc(compared[key]), esc(est), esc(ci), esc(p)])
        header = ["measure", "compared", "estimate", "95% interval", "p"]
        text = self.to_frame().to_string()
        return Html(_table(header, rows, "effects"), text)

    def event_html(self) -> Html:
        """The event: date, label, what happened and its source (escaped)."""
        return event_card({**self.event, "date": self.event_date, "label": self.label})

    def heading_html(self) -> Html:
        """The brief's title (h2) and headline, escaped."""
        return _heading(self.title, self.headline)

    def findings_html(self) -> Html:
        """The effect sentences as paragraphs."""
        return _paragraphs(self.effect_lines(), "finding")

    def methods_html(self) -> Html:
        """The methods note as a bulleted list."""
        return _bullets(self.methods(), "methods")

    def caveats_html(self) -> Html:
        """Coverage caveats (list) and the published tallies overlapping the windows (table)."""
        out = _bullets(self.caveats(), "caveats")
        if len(self.tallies):
            kind = {
                "exact": "",
                "about": "about ",
                "at_least": "at least ",
                "more_than": "more than ",
            }
            rows = []
            for r in self.tallies.itertuples(index=False):
                share = "" if pd.isna(r.share_confirmed) else f"{100 * r.share_confirmed:.0f}%"
                rows.append(
                    [
                        esc(_span(r.period_start, r.period_end)),
                        esc(r.scope),
                        esc(f"{kind.get(r.count_kind, '')}{r.reported}"),
                        esc(r.dataset_confirmed),
                        esc(r.dataset_all),
                        esc(share),
                        esc(r.what_counted),
                        link(r.source_title, r.source_url),
                    ]
                )
            header = [
                "period",
                "scope",
                "published",
                "dataset (confirmed)",
                "dataset (all)",
                "share",
                "what was counted",
                "source",
            ]
            out = out + Html(_table(header, rows, "tallies"), self.tallies.to_string())
        return out

    def incidents_html(self) -> Html:
        """The incidents in the two windows: date, window, place, target, weapon, description
        and the source title linked to its URL (all escaped)."""
        t = self.incidents
        if t.empty:
            return _paragraphs(["No attacks were recorded in the windows."], "empty")
        rows = [
            [
                esc(f"{r.date:%Y-%m-%d}"),
                esc(r.window),
                esc(r.location),
                esc(r.target),
                esc(r.weapon),
                esc(r.description),
                link(r.source_title, r.source_url),
            ]
            for r in t.itertuples(index=False)
        ]
        header = ["date", "window", "place", "target", "weapon", "what happened", "source"]
        return Html(_table(header, rows, "incidents"), t.drop(columns="source_url").to_string())

    def sources(self) -> pd.DataFrame:
        """Unique sources (``title``, ``url``): the event's first, then the incidents' by date."""
        rows = [(self.event.get("source_title"), self.event.get("source_url"))]
        rows += list(zip(self.incidents["source_title"], self.incidents["source_url"], strict=True))
        seen: set[str] = set()
        out = []
        for title, url in rows:
            key = str(url)
            if key in seen:
                continue
            seen.add(key)
            out.append({"title": title, "url": url})
        return pd.DataFrame(out, columns=["title", "url"])

    def sources_html(self) -> Html:
        """The sources list: titles linked to their (http/https) URLs, escaped."""
        s = self.sources()
        items = "".join(
            f"<li>{link(r.title, r.url)} <small>{esc(r.url)}</small></li>"
            for r in s.itertuples(index=False)
        )
        text = "\n".join(f"- {r.title} <{r.url}>" for r in s.itertuples(index=False))
        return Html(f'<ol class="escalation-sources">{items}</ol>', text)

    def glue_values(self) -> dict[str, Any]:
        """The values the brief records for the report runner and tests (JSON-safe: None for a
        number that could not be estimated)."""
        values: dict[str, Any] = {
            "title": self.title,
            "headline": self.headline,
            "focus_event": self.event_id,
            "period": _period(self.start, self.end),
            "event_date": f"{self.event_date:%Y-%m-%d}",
            "window_days": self.window_days,
            "window_before": self.window_before,
            "window_after": self.window_after,
            "window_days_before": self.window_days_before,
            "window_days_after": self.window_days_after,
            "n_incidents_window": len(self.incidents),
            "n_sources": len(self.sources()),
        }
        for name in (
            "window_rate_ratio",
            "window_low",
            "window_high",
            "window_p",
            "its_level_rr",
            "its_level_low",
            "its_level_high",
            "its_level_p",
            "its_slope_rr",
            "its_slope_low",
            "its_slope_high",
            "its_slope_p",
            "excess",
            "excess_low",
            "excess_high",
            "excess_p",
            "observed_after",
            "expected_after",
            "expected_after_low",
            "expected_after_high",
        ):
            values[name] = _finite(getattr(self, name))
        return values

    # -- chart -------------------------------------------------------------------------------
    def plot(self, ax: Axes | None = None) -> Axes:
        """The brief's main chart: attacks per period (bars), the trend model's fit (line), the
        counterfactual's expected attacks without the event over its post period (dashed, 95%
        band), the before and after windows shaded, the focus event (solid line) and the other
        political events in view (dashed, labelled where there is room)."""
        ax = new_axes(ax)
        y = self.weekly
        step = _period_length(self.unit)
        ax.bar(
            y.index,
            y.to_numpy(),
            width=step * 0.85,
            align="edge",
            color=OBSERVED_COLOR,
            alpha=0.45,
            linewidth=0,
            label=f"{_noun(self.confirmation)} per {self.unit}",
        )
        top = float(max(y.max(), 1))
        if self.its is not None and np.isfinite(self.its_level_rr):
            f = self.its.fitted
            ax.plot(f.index + step / 2, f["fitted"], color=MODEL_COLOR, lw=1.5, label="trend model")
            top = max(top, float(f["fitted"].max()))
        if self.counterfactual is not None:
            t = self.counterfactual.table
            mid = t.index + step / 2
            band(ax, mid, t["predicted_low"], t["predicted_high"], color="grey")
            ax.plot(
                mid,
                t["predicted"],
                "--",
                marker="o",
                ms=3,
                color="grey",
                lw=1.2,
                label="expected without the event (counterfactual, 95% band)",
            )
        span = pd.Timedelta(days=self.window_days)
        ax.axvspan(
            self.event_date - span,
            self.event_date,
            color="grey",
            alpha=0.12,
            lw=0,
            label=f"{self.window_days} days before",
        )
        ax.axvspan(
            self.event_date,
            self.event_date + span,
            color=EVENT_COLOR,
            alpha=0.08,
            lw=0,
            label=f"{self.window_days} days after",
        )
        ax.set_xlim(y.index[0], y.index[-1] + step)
        ax.set_ylim(0, top * 1.6)
        gap = max(7, (self.end - self.start).days // 30)
        labelled, quiet = _declutter(self.events, self.event_id, self.event_date, gap)
        annotate_events(ax, labelled)
        annotate_events(ax, quiet, labels=False)
        ax.axvline(self.event_date, color=EVENT_COLOR, lw=1.8, label=_mpl_text(self.label))
        ax.set_ylabel(f"attacks per {self.unit}")
        ax.set_title(_mpl_text(self.title), fontsize=10)
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncols=3,
            fontsize=8,
            frameon=False,
        )
        return ax


def _mpl_text(text: str) -> str:
    """``text`` for a matplotlib label: dollar signs escaped so they are not read as mathtext."""
    return str(text).replace("$", r"\$")


def _period_length(unit: str) -> pd.Timedelta:
    """Length of one period ("day", "week"; a "month" counts as 30 days; else a week)."""
    return pd.Timedelta(days={"day": 1, "week": 7, "month": 30}.get(unit, 7))


def _declutter(
    events: pd.DataFrame,
    focus: str | None = None,
    focus_date: pd.Timestamp | None = None,
    min_gap_days: int = 12,
) -> tuple[dict[str, pd.Timestamp], dict[str, pd.Timestamp]]:
    """Split the other events into those labelled on the chart and those drawn without a label,
    so labels at least ``min_gap_days`` apart (and from the focus event) do not overprint."""
    labelled: dict[str, pd.Timestamp] = {}
    quiet: dict[str, pd.Timestamp] = {}
    taken = [] if focus_date is None else [pd.Timestamp(focus_date)]
    gap = pd.Timedelta(days=min_gap_days)
    for r in events.sort_values("date", kind="stable").itertuples(index=False):
        if r.event_id == focus:
            continue
        name = str(r.label)  # annotate_events draws labels verbatim (no mathtext)
        if name in labelled or name in quiet:
            name = f"{name} ({r.event_id})"
        if all(abs(r.date - t) >= gap for t in taken):
            labelled[name] = r.date
            taken.append(r.date)
        else:
            quiet[name] = r.date
    return labelled, quiet


def event_brief(
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    event_id: str,
    *,
    window_days: int = 30,
    context_weeks: int = 26,
    freq: str = "W-MON",
    start: object = None,
    end: object = None,
    confirmation: str | Sequence[str] = "confirmed",
    reported: pd.DataFrame | None = None,
    seed: int = 0,
) -> EventBrief:
    """Run the brief's three measures for ``event_id`` and gather the brief's tables and texts.

    Parameters
    ----------
    incidents, events : from :func:`analysis.data.load_incidents` / :func:`load_events`.
    event_id : the focus event (an ``event_id`` of ``events``).
    window_days : length in days of the before and after windows (>= 1).
    context_weeks : default period: this many weeks either side of the event (>= 4), clipped to
        the dataset's first and last incident dates.
    freq : period of the trend model and the counterfactual: "W-MON" (ISO weeks, default),
        "MS" (months) or "D" (days).
    start, end : the analysed period (ISO dates); override ``context_weeks``.
    confirmation : levels counted ("confirmed", "all", or a list).
    reported : published tallies (:func:`analysis.data.load_reported_counts`) for the coverage
        caveats; None leaves the tally comparison out.
    seed : seed of the counterfactual's simulations.

    A measure that cannot be estimated (too few periods or attacks) is NaN with a note instead of
    an error; bad arguments are ``ValueError``s. Warnings raised by the models are caught and kept
    in ``notes``, so a brief's output carries none.
    """
    window_days = whole_number("window_days", window_days, 1, "days")
    context_weeks = whole_number("context_weeks", context_weeks, 4, "weeks")
    freq = normalise_freq(freq)
    if incidents.empty:
        raise ValueError("no incidents")
    row = event_row(events, event_id)
    date = pd.Timestamp(row["date"]).normalize()
    data_start, data_end = incidents["date"].min(), incidents["date"].max()
    if date < data_start or date > data_end:
        raise ValueError(
            f"{event_id} ({date.date()}) lies outside the incident data "
            f"({data_start.date()} to {data_end.date()})"
        )
    context = pd.Timedelta(weeks=int(context_weeks))
    lo = pd.Timestamp(start) if start is not None else max(date - context, data_start)
    hi = pd.Timestamp(end) if end is not None else min(date + context, data_end)
    if not lo <= date <= hi:
        raise ValueError(
            f"{event_id} ({date.date()}) lies outside the period {lo.date()} to {hi.date()}"
        )
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weekly = counts(incidents, freq, lo, hi, confirmation=confirmation)
        daily = counts(incidents, "D", lo, hi, confirmation=confirmation)
        window_res = _try(
            notes,
            "before/after comparison",
            lambda: windows_model.compare(daily, {event_id: date}, days=int(window_days)),
        )
        its_res = _try(
            notes,
            "trend model",
            lambda: its_model.fit(weekly, {event_id: date}),
        )
        cf_res = _try(
            notes,
            "counterfactual",
            lambda: cf_model.fit(
                weekly,
                date,
                post_end=min(date + pd.Timedelta(days=int(window_days) - 1), hi),
                seed=seed,
            ),
        )
    for w in caught:
        if issubclass(w.category, MonthPrecisionWarning | RuntimeWarning):
            continue  # month precision is a caveat below; overflow shows as "not estimable"
        text = f"model warning: {w.message}"
        if text not in notes:
            notes.append(text)

    period_events = events_between(events, lo, hi)
    span = pd.Timedelta(days=int(window_days))
    inside = period_events["date"].between(date - span, date + span - _DAY)
    others = period_events[inside & (period_events["event_id"] != event_id)]
    tallies = _tallies(incidents, reported, date - span, date + span - _DAY)
    return EventBrief(
        event_id=event_id,
        label=str(row["label"]),
        event_date=date,
        event={k: (None if pd.isna(v) else v) for k, v in row.to_dict().items()},
        start=lo,
        end=hi,
        freq=freq,
        window_days=int(window_days),
        confirmation=confirmation if isinstance(confirmation, str) else list(confirmation),
        seed=seed,
        weekly=weekly,
        daily=daily,
        windows=window_res,
        its=its_res,
        counterfactual=cf_res,
        incidents=incidents_in_window(incidents, date, int(window_days), confirmation),
        other_events=others[["date", "event_id", "label"]].reset_index(drop=True),
        events=period_events,
        thin_months=_thin_months(incidents, lo, hi, confirmation),
        tallies=tallies,
        month_precision_excluded=int(weekly.attrs.get("month_precision_excluded", 0)),
        notes=notes,
    )


def _try(notes: list[str], what: str, fit: Any) -> Any:
    """``fit()``, or None with a note when the model rejects this data (a ``ValueError``)."""
    try:
        return fit()
    except ValueError as exc:
        notes.append(f"The {what} could not be computed: {exc}.")
        return None


def _thin_months(
    incidents: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, confirmation: object
) -> pd.DataFrame:
    """Months overlapping ``start``..``end`` with at most one counted row."""
    rows = select(incidents, confirmation=confirmation)  # type: ignore[arg-type]
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS", name="month")
    per_month = monthly_coverage(rows)["total"] if len(rows) else pd.Series(dtype="int64")
    per_month = per_month.reindex(months, fill_value=0)
    thin = per_month[per_month <= 1]
    return pd.DataFrame({"month": thin.index, "rows": thin.to_numpy(dtype="int64")})


def _tallies(
    incidents: pd.DataFrame,
    reported: pd.DataFrame | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Published tallies whose period overlaps ``start``..``end``, beside the dataset's counts."""
    if reported is None or reported.empty:
        columns = ["period_start", "period_end", "scope", "count_kind", "reported"]
        columns += ["dataset_confirmed", "dataset_all", "share_confirmed", "what_counted"]
        columns += ["source_title", "source_url"]
        return pd.DataFrame(columns=columns)
    cmp = compare_with_reported(incidents, reported)
    cmp["source_title"] = reported["source_title"].to_numpy()
    overlap = (cmp["period_start"] <= end) & (cmp["period_end"] >= start)
    out = cmp[overlap].drop_duplicates(
        subset=["period_start", "period_end", "reported", "source_url"]
    )
    return out.sort_values(["period_start", "period_end"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# ITS diagnostics (residuals)
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# what the analysis notebooks record: title, headline, focus event, period and key numbers
# ---------------------------------------------------------------------------------------------


def _period(start: object, end: object) -> list[str]:
    return [f"{pd.Timestamp(start):%Y-%m-%d}", f"{pd.Timestamp(end):%Y-%m-%d}"]


def _span(start: object, end: object) -> str:
    return f"{fmt_date(start)} to {fmt_date(end)}"


def _labels(events: pd.DataFrame | None) -> dict[str, str]:
    if events is None or "label" not in events.columns:
        return {}
    return dict(zip(events["event_id"].astype(str), events["label"].astype(str), strict=True))


def windows_values(
    res: WindowsResults, *, start: object, end: object, events: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Title, headline and numbers of the event-windows notebook.

    ``windows`` maps each event to its ``before``, ``after``, ``rate_ratio``, ``low``, ``high``,
    ``p`` and ``p_holm`` (rates per day); ``n_events`` counts the events compared and
    ``n_significant`` those with a Holm-adjusted p below 0.05.
    """
    t = res.table
    labels = _labels(events)
    sig = t[t["p_holm"] < 0.05]
    if len(sig):
        parts = [
            f"{labels.get(name, name)} ({'rise' if r.rate_ratio > 1 else 'fall'}, "
            f"x{fmt_number(r.rate_ratio)})"
            for name, r in sig.iterrows()
        ]
        verdict = (
            f"{len(sig)} {'shows' if len(sig) == 1 else 'show'} a change in attack tempo unlikely "
            f"to be chance after adjusting for the number of events compared: {'; '.join(parts)}."
        )
    else:
        verdict = (
            "none shows a change in attack tempo that is unlikely to be chance after adjusting "
            "for the number of events compared."
        )
    headline = (
        f"Of {len(t)} events from {_span(start, end)}, comparing the {res.days} days after each "
        f"with the {res.days} days before, {verdict}"
    )
    table = {
        str(name): {
            k: (int(r[k]) if k in ("before", "after") else _finite(r[k]))
            for k in ("before", "after", "rate_ratio", "low", "high", "p", "p_holm")
        }
        for name, r in t.iterrows()
    }
    return {
        "title": f"Attack tempo {res.days} days before and after each event, {_span(start, end)}",
        "headline": headline,
        "focus_event": str(t.index[0]) if len(t) == 1 else None,
        "period": _period(start, end),
        "window_days": res.days,
        "n_events": len(t),
        "n_significant": len(sig),
        "windows": table,
    }


def its_values(
    res: ITSResults, *, start: object, end: object, events: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Title, headline and numbers of the interrupted-time-series notebook.

    ``its_effects`` maps each intervention to its ``level_rr``/``_low``/``_high``/``_p`` and
    ``slope_rr``/... (rate ratio per period); ``its_level_rr`` etc. repeat the first
    intervention's; ``dispersion`` and ``ljung_box_p`` are the diagnostics.
    """
    labels = _labels(events)
    eff = res.effects
    unit = res.unit
    parts = []
    for name, r in eff.iterrows():
        text = (
            f"at the {labels.get(name, name)} ({fmt_date(res.interventions[name])}) the {unit}ly "
            f"rate stepped to {fmt_number(r.level_rr)} times its trend "
            f"({_interval(r.level_low, r.level_high)}, {format_p(r.level_p)})"
        )
        if "slope_rr" in r.index:
            text += (
                f" and its trend changed by x{fmt_number(r.slope_rr, 3)} per {unit} "
                f"({format_p(r.slope_p)})"
            )
        parts.append(text)
    headline = f"From {_span(start, end)}, " + "; ".join(parts) + "."
    headline = headline[0].upper() + headline[1:]
    names = [labels.get(n, n) for n in eff.index]
    first = eff.iloc[0]
    values: dict[str, Any] = {
        "title": f"Interrupted time series: {' and '.join(names)}",
        "headline": headline,
        "focus_event": str(eff.index[0]) if len(eff) == 1 else None,
        "period": _period(start, end),
        "its_effects": {str(n): {k: _finite(v) for k, v in r.items()} for n, r in eff.iterrows()},
        "dispersion": _finite(res.dispersion),
        "ljung_box_p": _finite(res.residual_autocorrelation),
    }
    for k, v in first.items():
        values[f"its_{k}"] = _finite(v)
    return values


def changepoint_values(
    cp: ChangepointResults,
    hawkes_overall: HawkesResults,
    hawkes_periods: HawkesResults | None,
    *,
    start: object,
    end: object,
) -> dict[str, Any]:
    """Title, headline and numbers of the changepoints and escalation notebook.

    ``changepoints`` (ISO dates), ``changepoint_intervals`` (95% interval of each date, as
    [first, last] ISO period labels), ``changepoint_events`` (nearest event id or None), segment
    ``rates`` (attacks per period); ``branching_ratio``/``_low``/``_high`` and ``half_life_days``
    from the Hawkes fit with one background rate; the same with a ``_periods`` suffix from the fit
    with a piecewise background (``baseline_breaks``), when given.
    """
    k = len(cp.changepoints)
    seg = cp.segments
    if k:
        ratios = seg["rate"].to_numpy()[1:] / np.maximum(seg["rate"].to_numpy()[:-1], 1e-12)
        j = int(np.argmax(np.abs(np.log(np.maximum(ratios, 1e-12)))))
        big = cp.changepoints[j]
        verb = "rise" if ratios[j] > 1 else "fall"
        near = ""
        if cp.nearest_events is not None:
            row = cp.nearest_events.iloc[j]
            if row["event_id"] is not None and not pd.isna(row["event_id"]):
                name = row.get("label") or row["event_id"]
                d = int(row["lag_days"])
                when = "the day of" if d == 0 else f"{abs(d)} days {'after' if d > 0 else 'before'}"
                near = f", {when} the {name}"
        loc = cp.locations.iloc[j]
        dated = (
            f"dated to that {cp.unit} alone"
            if loc["low"] == loc["high"]
            else f"95% interval {fmt_date(loc['low'])} to {fmt_date(loc['high'])}"
        )
        cp_text = (
            f"the {cp.unit}ly attack rate changed {k} time{'s' * (k != 1)}; the largest {verb} "
            f"(from {fmt_number(seg['rate'].iloc[j])} to {fmt_number(seg['rate'].iloc[j + 1])} "
            f"per {cp.unit}) came in the {cp.unit} of {fmt_date(big)} ({dated}){near}"
        )
    else:
        cp_text = f"the {cp.unit}ly attack rate shows no clear change"
    h = hawkes_periods if hawkes_periods is not None else hawkes_overall
    hawkes_text = (
        f"about {100 * h.branching_ratio:.0f}% of attacks (95% CI "
        f"{100 * h.branching_ratio_low:.0f}-{100 * h.branching_ratio_high:.0f}%) followed from "
        f"earlier attacks"
    )
    if hawkes_periods is not None:
        n_breaks = len(hawkes_periods.baselines) - 1
        hawkes_text += (
            f", with the background rate allowed to change at {n_breaks} "
            f"date{'s' * (n_breaks != 1)} ({100 * hawkes_overall.branching_ratio:.0f}% with one "
            "background rate)"
        )
    headline = f"From {_span(start, end)}, {cp_text}; {hawkes_text}."
    headline = headline[0].upper() + headline[1:]
    values: dict[str, Any] = {
        "title": f"Changepoints and self-excitation of attacks, {_span(start, end)}",
        "headline": headline,
        "focus_event": None,
        "period": _period(start, end),
        "n_changepoints": k,
        "changepoints": [f"{c:%Y-%m-%d}" for c in cp.changepoints],
        "changepoint_intervals": [
            [f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}"]
            for lo, hi in cp.locations[["low", "high"]].itertuples(index=False)
        ],
        "changepoint_events": (
            [None if pd.isna(e) else str(e) for e in cp.nearest_events["event_id"]]
            if cp.nearest_events is not None
            else [None] * k
        ),
        "rates": [_finite(r) for r in seg["rate"]],
    }
    fits = {"": hawkes_overall, "_periods": hawkes_periods}
    for suffix, fit in fits.items():
        if fit is None:
            continue
        for name in ("branching_ratio", "branching_ratio_low", "branching_ratio_high"):
            values[f"{name}{suffix}"] = _finite(getattr(fit, name))
        values[f"half_life_days{suffix}"] = _finite(fit.half_life_days)
        values[f"gof_p{suffix}"] = _finite(fit.gof_p)
    if hawkes_periods is not None:
        values["baselines_periods"] = [
            {
                "start": f"{r['start']:%Y-%m-%d}",
                "end": f"{r['end']:%Y-%m-%d}",
                "baseline": _finite(r["baseline"]),
            }
            for _, r in hawkes_periods.baselines.iterrows()
        ]
    return values


def counterfactual_values(
    res: CounterfactualResults, event: Mapping[str, Any] | pd.Series
) -> dict[str, Any]:
    """Title, headline and numbers of the counterfactual notebook: ``excess`` (observed minus
    expected attacks over the post period) with ``excess_low``/``excess_high`` (95%), ``excess_p``
    (one-sided), ``observed_after``, ``expected_after`` (with 95% interval), ``relative_effect``."""
    unit = period_unit(res.freq or "W")
    n = res.n_post
    more = "more" if res.cumulative_effect >= 0 else "fewer"
    headline = (
        f"In the {_plural(n, unit)} from {fmt_date(res.post_start)} (the {unit} of the "
        f"{event['label']}), {_fmt_count(res.observed_total)} attacks were recorded against about "
        f"{_fmt_count(res.predicted_total)} expected from the pre-event pattern: about "
        f"{_fmt_count(abs(res.cumulative_effect))} {more} (95% interval "
        f"{_fmt_count(res.cumulative_effect_low)} to {_fmt_count(res.cumulative_effect_high)})."
    )
    last_day = res.post_end + _period_length(unit) - _DAY
    return {
        "title": event_title(event, "attacks beyond the pre-event pattern"),
        "headline": headline,
        "focus_event": str(event["event_id"]),
        "period": _period(res.pre_start, last_day),
        "excess": _finite(res.cumulative_effect),
        "excess_low": _finite(res.cumulative_effect_low),
        "excess_high": _finite(res.cumulative_effect_high),
        "excess_p": _finite(res.p_value),
        "observed_after": _finite(res.observed_total),
        "expected_after": _finite(res.predicted_total),
        "expected_after_low": _finite(res.predicted_total_low),
        "expected_after_high": _finite(res.predicted_total_high),
        "relative_effect": _finite(res.relative_effect),
        "n_pre": res.n_pre,
        "n_post": res.n_post,
    }


def overview_values(
    incidents: pd.DataFrame,
    *,
    start: object,
    end: object,
    confirmation: str | Sequence[str] = "confirmed",
) -> dict[str, Any]:
    """Title, headline and numbers of the data overview notebook: ``n_incidents`` (rows at the
    chosen confirmation levels in the period), ``by_confirmation`` (rows per level), the busiest
    calendar month (``busiest_month``, ``busiest_month_count``)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    period = incidents[incidents["date"].between(lo, hi)]
    chosen = select(period, confirmation=confirmation)
    by_level = {str(k): int(v) for k, v in period["confirmation"].value_counts(sort=False).items()}
    headline = (
        f"From {_span(lo, hi)} the dataset holds {_attacks(len(chosen), confirmation)}"
        f" ({len(period)} rows at every confirmation level)"
    )
    values: dict[str, Any] = {
        "title": f"Data overview, {_span(lo, hi)}",
        "focus_event": None,
        "period": _period(lo, hi),
        "n_incidents": len(chosen),
        "by_confirmation": by_level,
        "busiest_month": None,
        "busiest_month_count": 0,
    }
    if len(chosen):
        per_month = monthly_coverage(chosen)["total"]
        month = per_month.idxmax()
        values["busiest_month"] = f"{month:%Y-%m}"
        values["busiest_month_count"] = int(per_month.max())
        headline += f"; the busiest month was {month:%b %Y} with {int(per_month.max())}"
    values["headline"] = headline + "."
    return values
