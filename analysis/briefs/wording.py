"""Plain words for numbers: dates, ratios, counts, intervals and what is being counted.

One place for the wording every brief and analysis page shares, so "3 Jan 2020", "2.4 times the
rate before (95% CI 0.79 to 8.7)" and "12 confirmed attacks were recorded" read alike everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.results import format_p

__all__ = [
    "DAY",
    "attack_noun",
    "attacks_phrase",
    "finite_or_none",
    "fmt_count",
    "fmt_date",
    "fmt_interval",
    "fmt_number",
    "fmt_p",
    "fmt_span",
    "iso_period",
    "period_length",
    "plural",
    "ratio_words",
    "recorded_phrase",
]

#: one day, the step between the last day of one window and the first of the next
DAY = pd.Timedelta(days=1)


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
    x = float(f"{x:.{digits}g}")  # round first: 0.0999 is "0.10", not "0.100"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(digits - 1 - magnitude, 0)
    return f"{x:.{decimals}f}"


def fmt_count(x: float) -> str:
    """A count or an expected count: whole numbers as such, others to 2 significant digits."""
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 10 else fmt_number(x)


def fmt_interval(low: float, high: float, digits: int = 2) -> str:
    """A 95% interval in words: "95% CI 0.79 to 8.7"."""
    return f"95% CI {fmt_number(low, digits)} to {fmt_number(high, digits)}"


def fmt_p(p: float) -> str:
    """A p-value for a table cell whose header says "p": "0.143", "< 0.001"; "" when there is
    none (the same digits as :func:`analysis.results.format_p`)."""
    if p is None or not np.isfinite(p):
        return ""
    return format_p(p).removeprefix("p ").removeprefix("= ")


def plural(n: float, word: str) -> str:
    """A count and its noun, plural unless one: "1 day", "30 days"."""
    return f"{fmt_count(n)} {word}{'' if n == 1 else 's'}"


def finite_or_none(x: object) -> float | None:
    """``x`` as a float, or None when missing or not finite (JSON-safe glue values)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def attack_noun(confirmation: str | Sequence[str], n: float = 2) -> str:
    """What is being counted, in words ("confirmed attacks"; singular when ``n == 1``)."""
    word = "attack" if n == 1 else "attacks"
    levels = [confirmation] if isinstance(confirmation, str) else list(confirmation)
    if levels == ["confirmed"]:
        return f"confirmed {word}"
    if levels == ["all"]:
        return f"recorded {word} (confirmed, claimed and disputed)"
    return f"recorded {word} ({', '.join(map(str, levels))})"


def attacks_phrase(n: float, confirmation: str | Sequence[str]) -> str:
    """ "12 confirmed attacks", "1 confirmed attack"."""
    return f"{fmt_count(n)} {attack_noun(confirmation, n)}"


def recorded_phrase(n: float, confirmation: str | Sequence[str]) -> str:
    """ "12 confirmed attacks were recorded", "1 confirmed attack was recorded"."""
    return f"{attacks_phrase(n, confirmation)} {'was' if n == 1 else 'were'} recorded"


def ratio_words(rr: float, low: float, high: float, p: float) -> str:
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
        size = f"{fmt_number(rr)} times the rate before ({fmt_interval(low, high)})"
    else:
        fall = 100 * (1 - rr)
        # a ratio of 0.004 is not "a fall of 100%": the rate did not reach zero
        share = f"{fall:.0f}%" if fall < 99.5 else "more than 99%"
        size = (
            f"{fmt_number(rr)} times the rate before, a fall of {share} ({fmt_interval(low, high)})"
        )
    return f"{size}; {verdict}"


def period_length(unit: str) -> pd.Timedelta:
    """Length of one period ("day", "week"; a "month" counts as 30 days; else a week)."""
    return pd.Timedelta(days={"day": 1, "week": 7, "month": 30}.get(unit, 7))


def iso_period(start: object, end: object) -> list[str]:
    """The ``period`` value a page records: first and last day as ISO dates."""
    return [f"{pd.Timestamp(start):%Y-%m-%d}", f"{pd.Timestamp(end):%Y-%m-%d}"]


def fmt_span(start: object, end: object) -> str:
    """A span of days in words: "3 Jan 2020 to 2 Feb 2020"."""
    return f"{fmt_date(start)} to {fmt_date(end)}"
