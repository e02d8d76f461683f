"""Plain words for numbers: dates, ratios, counts, rates, intervals and what is being counted.

One place for the wording every brief and analysis page shares, so "3 Jan 2020", "2.4 times the
rate before (95% CI 0.79 to 8.7)", "12 confirmed attacks were recorded", "no attacks: below 0.10
a day" and the codebook's values in words ("ied" -> "Roadside bomb (IED)") read alike everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis import case as cases
from analysis.data.vocabulary import CONFIRMATIONS
from analysis.results import format_p

__all__ = [
    "DAY",
    "CASE_COLUMNS",
    "WORDS",
    "all_finite",
    "and_list",
    "attack_noun",
    "attacks_phrase",
    "count_upper",
    "WIDEST",
    "estimate_text",
    "excess_text",
    "finite_or_none",
    "fmt_count",
    "fmt_date",
    "fmt_interval",
    "fmt_number",
    "fmt_p",
    "fmt_span",
    "iso_period",
    "pct",
    "percent_change_text",
    "per_unit",
    "period_label",
    "period_length",
    "period_span",
    "plural",
    "rate_words",
    "ratio_kind",
    "ratio_phrase",
    "ratio_text",
    "ratio_words",
    "recorded_phrase",
    "unit_adjective",
    "word_table",
    "words",
    "zero_count_upper",
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
        return "n/a"  # never "infinite": a page says what the data allow instead
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
    kind = ratio_kind(rr, low, high)
    if kind == "none":
        return verdict
    if kind != "both":
        size = ratio_phrase(rr, low, high)
    elif rr >= 1:
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


# --------------------------------------------------------------------------------------------
# words for the codebook's values and for units
# --------------------------------------------------------------------------------------------

#: column -> {codebook value: the value in words} (data/README.md explains each value)
#: the structural vocabularies in words (a tally's ``count_kind``, an incident's
#: ``confirmation``); the case's vocabularies (target_type, attack_type, actor, category, scope)
#: come from its case file when a page is built (:func:`word_table`)
WORDS: dict[str, dict[str, str]] = {
    "count_kind": {
        "exact": "",
        "about": "about ",
        "at_least": "at least ",
        "more_than": "more than ",
    },
    "confirmation": {c: c for c in CONFIRMATIONS},
}

#: adjective of a period unit
_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly"}


#: the case's vocabularies :func:`word_table` reads from the case file
CASE_COLUMNS = ("target_type", "attack_type", "actor", "category", "scope")


def word_table(column: str) -> dict[str, str]:
    """code -> words for a vocabulary column: the case's labels (``target_type``,
    ``attack_type``, ``actor``, ``category``, ``scope``; read from the case in use) or a
    structural vocabulary of :data:`WORDS`; empty for any other column."""
    if column in CASE_COLUMNS:
        return cases.current().labels(column)
    return WORDS.get(column, {})


def words(column: str, value: object) -> str:
    """A codebook value in words ("ied" -> "Roadside bomb (IED)"); other values as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    return word_table(column).get(text, text.replace("_", " "))


def per_unit(unit: str) -> str:
    """A rate's unit in words: "a day", "a week"."""
    return f"a {unit}"


def unit_adjective(unit: str) -> str:
    """A period unit as an adjective: "daily", "weekly", "monthly"."""
    return _ADJECTIVE.get(unit, f"per-{unit}")


def period_label(ts: object, unit: str) -> str:
    """A period's label in words: "Oct 2019" for a month, "30 Sep 2019" (its first day) else."""
    ts = pd.Timestamp(ts)
    return f"{ts:%b %Y}" if unit == "month" else fmt_date(ts)


def period_span(first: object, last: object, unit: str) -> str:
    """The periods of a series in words: "Oct 2019 to Dec 2021", "the weeks of 30 Sep 2019 to
    27 Dec 2021" (periods are labelled by their first day)."""
    if unit == "month":
        return f"{pd.Timestamp(first):%b %Y} to {pd.Timestamp(last):%b %Y}"
    if unit == "week":
        return f"the weeks of {fmt_date(first)} to {fmt_date(last)}"
    return fmt_span(first, last)


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def all_finite(*xs: object) -> bool:
    """Whether every one of ``xs`` is a finite number (None, NaN and text are not)."""
    return all(finite_or_none(x) is not None for x in xs)


# --------------------------------------------------------------------------------------------
# rates and intervals in words
# --------------------------------------------------------------------------------------------


def zero_count_upper(exposure: float, level: float = 0.95) -> float:
    """Exact one-sided ``level`` upper limit of a Poisson rate when no event was seen in
    ``exposure`` units of time: ``-ln(1 - level) / exposure`` (3.0 / exposure at 95%; the same as
    ``chi2.ppf(level, 2) / 2 / exposure``)."""
    return -math.log1p(-level) / exposure


def count_upper(count: int, exposure: float, level: float = 0.95) -> float:
    """Exact one-sided ``level`` upper limit of a Poisson rate after ``count`` events."""
    return float(stats.chi2.ppf(level, 2 * count + 2)) / 2 / exposure


def rate_words(
    count: float,
    exposure: float,
    unit: str,
    low: float | None = None,
    high: float | None = None,
) -> str:
    """A rate for a table cell: "0.40 a day", "1.3 a week (0.96 to 1.8)" with an interval, "no
    attacks: below 0.10 a day" when ``count`` is 0 (exact one-sided 95% upper limit), "no data"
    when ``exposure`` is 0."""
    if not exposure:
        return "no data"
    if count == 0:
        return f"no attacks: below {fmt_number(zero_count_upper(exposure))} {per_unit(unit)}"
    text = f"{fmt_number(count / exposure)} {per_unit(unit)}"
    if low is not None and high is not None and all_finite(low, high):
        text += f" ({fmt_number(low)} to {fmt_number(high)})"
    return text


#: a ratio interval spanning more than this factor (high / low) says nothing a reader can use:
#: only its informative end is given, or "too few attacks to say" (docs/findings_method.md)
WIDEST = 100.0
#: what a page says when a ratio's interval gives nothing usable
TOO_FEW = "too few attacks to say"


def ratio_kind(rr: float, low: float, high: float) -> str:
    """How a rate ratio (with its 95% interval) can be stated: "both" (estimate and interval),
    "upper" (only an upper bound: no attack after, or a lower end indistinguishable from 0),
    "lower" (only a lower bound: no attack before, or no usable upper end) or "none"."""
    lo = finite_or_none(low)
    hi = finite_or_none(high)
    est = finite_or_none(rr)
    lo_ok = lo is not None and lo > 0
    hi_ok = hi is not None and hi > 0
    if lo_ok and hi_ok and est is not None and est > 0 and hi / lo <= WIDEST:  # type: ignore[operator]
        return "both"
    if hi_ok and (not lo_ok or est == 0):  # no attack after: only an upper bound is known
        return "upper"
    if hi_ok and hi <= 1 and hi / lo > WIDEST:  # type: ignore[operator]
        return "upper"
    if lo_ok and lo >= 1 and (not hi_ok or hi / lo > WIDEST):  # type: ignore[operator]
        return "lower"
    return "none"


def estimate_text(x: float, low: float, high: float, digits: int = 2) -> str:
    """A ratio and its 95% interval for a table cell: "2.4 (0.79 to 8.7)"; "fewer than 0.61"
    when the lower end is (indistinguishable from) 0, "at least 3.0" when there is no usable
    upper end, "too few attacks to say" when the interval spans more than :data:`WIDEST` across
    1, "not estimable" when nothing is finite. Never "0", "infinite" or "x0"."""
    kind = ratio_kind(x, low, high)
    if kind == "both":
        return f"{fmt_number(x, digits)} ({fmt_number(low, digits)} to {fmt_number(high, digits)})"
    if kind == "upper":
        return f"fewer than {fmt_number(high, digits)}"
    if kind == "lower":
        return f"at least {fmt_number(low, digits)}"
    return "not estimable" if not all_finite(x) and not all_finite(low, high) else TOO_FEW


def ratio_text(rr: float, low: float, high: float, digits: int = 2) -> str:
    """A ratio in running text: "2.4 (95% CI 0.79 to 8.7)", "fewer than 0.61 (95% upper
    bound)", "at least 3.0 (95% lower bound)" or "too few attacks to say"."""
    kind = ratio_kind(rr, low, high)
    if kind == "both":
        return f"{fmt_number(rr, digits)} ({fmt_interval(low, high, digits)})"
    if kind == "upper":
        return f"fewer than {fmt_number(high, digits)} (95% upper bound)"
    if kind == "lower":
        return f"at least {fmt_number(low, digits)} (95% lower bound)"
    return TOO_FEW


def ratio_phrase(rr: float, low: float, high: float, of: str = "the rate before") -> str:
    """ "2.4 times the rate before (95% CI 0.79 to 8.7)", "fewer than 0.2 times the rate before
    (95% upper bound)", "at least 3.0 times ...", or "too few attacks to say how the rate
    changed"."""
    kind = ratio_kind(rr, low, high)
    if kind == "both":
        return f"{fmt_number(rr)} times {of} ({fmt_interval(low, high)})"
    if kind == "upper":
        return f"fewer than {fmt_number(high)} times {of} (95% upper bound)"
    if kind == "lower":
        return f"at least {fmt_number(low)} times {of} (95% lower bound)"
    return f"{TOO_FEW} how the rate changed"


def percent_change_text(
    rel: float, low: float, high: float, *, zero_after_upper: float | None = None
) -> str:
    """A relative change (0.5 = 50% more) in words, never below -100%: "152% more (95% interval
    +9% to +1,825%)"; with an interval beyond a factor of :data:`WIDEST` the informative end
    only; no attack at all after (-100%, interval -100% to -100%) reads "no attacks after (fewer
    than N% of the rate before)", N from ``zero_after_upper`` (an upper bound on the ratio)."""
    if not all_finite(rel):
        return TOO_FEW
    r, lo, hi = 1 + float(rel), 1 + max(float(low), -1.0), 1 + max(float(high), -1.0)
    if r <= 0 and hi <= 0:
        if zero_after_upper is not None and all_finite(zero_after_upper):
            return f"no attacks after (fewer than {100 * zero_after_upper:.0f}% of the rate before)"
        return "no attacks after"
    kind = ratio_kind(r, lo, hi)
    if kind == "both" and hi > 2:  # "+1,825%" reads better as "19 times"
        return f"{fmt_number(r)} times as many ({fmt_interval(lo, hi)})"
    if kind == "both":
        size = abs(100 * (r - 1))
        size_words = f"{size:,.0f}%" if size < 99.5 or r > 1 else "almost 100%"
        return (
            f"{size_words} {'more' if r >= 1 else 'fewer'} (95% interval "
            f"{100 * (lo - 1):+,.0f}% to {100 * (hi - 1):+,.0f}%)"
        )
    if kind == "upper" and hi <= 1:
        return f"at least {100 * (1 - hi):,.0f}% fewer (95% bound)"
    if kind == "upper":
        return f"at most {100 * (hi - 1):,.0f}% more (95% bound)"
    if kind == "lower":
        return f"at least {fmt_number(lo)} times as many (95% bound)"
    return TOO_FEW


def excess_text(
    x: float,
    low: float,
    high: float,
    *,
    observed: float | None = None,
    expected: float | None = None,
) -> str:
    """Excess attacks and their 95% interval, "-2.0 (-9.0 to 4.0)", bounded to what the counts
    allow: never more than the ``observed`` attacks, never fewer than minus the ``expected``
    attacks without the event (an event cannot cause attacks that did not happen, nor prevent
    more than were expected); "not estimable" when a number is missing."""
    if not all_finite(x, low, high):
        return "not estimable"
    x, low, high = float(x), float(low), float(high)
    if observed is not None and all_finite(observed):
        x, low, high = (min(v, float(observed)) for v in (x, low, high))
    if expected is not None and all_finite(expected):
        x, low, high = (max(v, -float(expected)) for v in (x, low, high))
    return f"{fmt_count(x)} ({fmt_count(low)} to {fmt_count(high)})"


def pct(x: float | None) -> str:
    """A share as a whole percent ("23%"); "n/a" when missing or not finite."""
    if finite_or_none(x) is None:
        return "n/a"
    return f"{round(100 * float(x))}%"  # type: ignore[arg-type]
