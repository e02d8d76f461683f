"""Words of a finding: ratios as readers read them and one sentence pattern per grade.

Every page that states a finding uses :func:`sentence`, so an event reads the same everywhere:
one figure, its interval, the grade in words and the events it cannot be separated from, in at
most :data:`MAX_WORDS` words. Ratios read "2.4 times", "0.74 times", "under 0.01 times"; never
"x0", "infinite" or a negative count.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd

__all__ = [
    "GRADE_WORDS",
    "MAX_WORDS",
    "estimate_repr",
    "event_name",
    "figure_attributes",
    "ratio",
    "sentence",
]

#: longest headline, in words
MAX_WORDS = 35
#: the grade in words, closing every sentence of that grade
GRADE_WORDS = {
    "clear_rise": "a clear rise",
    "clear_fall": "a clear fall",
    "likely_rise": "likely a rise, not clear across all events tested",
    "likely_fall": "likely a fall, not clear across all events tested",
    "no_change": "no change that matters",
    "cannot_tell": "too few attacks to tell",
}
_LISTED = 2  # group members named before "and N other events"


def ratio(r: float) -> str:
    """A rate ratio in words: "12", "2.4", "0.74", "0.042", "under 0.01" (no "x0", no "inf")."""
    if not math.isfinite(r) or r <= 0:
        return "under 0.01" if r == 0 or r < 0 else "over 1,000"
    if r >= 1000:
        return "over 1,000"
    if r >= 10:
        return f"{r:,.0f}"
    if r < 0.01:
        return "under 0.01"
    return f"{r:.2g}" if r < 1 else f"{r:.2g}".rstrip(".")


def event_name(row: Mapping[str, object]) -> str:
    """The event's label (or its id in words) and its date, e.g. "Suleimani strike (3 Jan 2020)"."""
    label = row.get("label")
    if not isinstance(label, str) or not label.strip():
        label = str(row["event_id"]).replace("_", " ")
    day = pd.Timestamp(row["date"])
    return f"{label.strip()} ({day.day} {day:%b %Y})"


def _members(row: Mapping[str, object], labels: Mapping[str, str], listed: int = _LISTED) -> str:
    """The events a finding cannot be separated from, the first ``listed`` named."""
    ids = [g for g in str(row.get("group") or "").split(";") if g]
    names = [labels.get(g, g.replace("_", " ")) for g in ids]
    if len(names) > listed + 1:
        rest = len(names) - listed
        others = f"{rest} other event{'s' if rest > 1 else ''}"
        return ", ".join(names[:listed]) + f" and {others}" if listed else others
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def _figure(row: Mapping[str, object], horizon: int) -> str:
    """What the attacks did: "attacks came at 2.4 times the rate ... (95% interval ...)", a
    one-sided bound, or that the change cannot be pinned down."""
    est, low, high = (float(row[k]) for k in ("estimate", "low", "high"))  # type: ignore[arg-type]
    rate = "the rate expected without it"
    if math.isnan(est) and low == 0 and math.isfinite(high):
        return f"attacks came at fewer than {ratio(high)} times {rate} (95% upper bound)"
    if math.isnan(est) and low > 0 and math.isnan(high):
        return f"attacks came at more than {ratio(low)} times {rate} (95% lower bound)"
    if all(math.isfinite(x) for x in (est, low, high)) and 0.01 <= low and high <= 1000:
        span = f"95% interval {ratio(low)} to {ratio(high)}"
        return f"attacks came at {ratio(est)} times {rate} ({span})"
    before, after = int(row["attacks_before"]), int(row["attacks_after"])  # type: ignore[call-overload]
    return (
        f"the change cannot be pinned down ({before} attacks in the {horizon} days before, "
        f"{after} after)"
    )


def sentence(row: Mapping[str, object], labels: Mapping[str, str] | None = None) -> str:
    """The headline of one finding (a row of ``FindingsResults.to_frame()``), at most
    :data:`MAX_WORDS` words; ``labels`` maps event ids to names for the group it cannot be
    separated from."""
    labels = labels or {}
    grade = str(row["grade"])
    horizon = int(row.get("horizon_days", 30))
    name = event_name(row)
    if grade == "marker":
        return (
            f"{name} is defined by the attacks it would be measured on (the first after a quiet "
            "spell), so it is not graded."
        )
    if grade == "not_graded":
        return f"{name} is not graded: {row.get('not_graded_reason') or 'no estimate'}."
    if grade == "inseparable":
        joint = GRADE_WORDS.get(str(row.get("joint_grade")), GRADE_WORDS["cannot_tell"])
        short = name.rsplit(" (", 1)[0]
        tries = [  # the grade in words kept as long as it fits, then fewer names, then no date
            (who, listed, f": {tail}")
            for tail in (f"{joint}; these events cannot be separated.", "they cannot be separated.")
            for who, listed in ((name, _LISTED), (name, 1), (name, 0), (short, 0))
        ]
        for who, listed, tail in tries:
            text = f"After {who} and {_members(row, labels, listed)}, {_figure(row, horizon)}{tail}"
            if len(text.split()) <= MAX_WORDS:
                break
    else:
        text = f"After {name}, {_figure(row, horizon)}: {GRADE_WORDS[grade]}."
    if len(text.split()) > MAX_WORDS:  # a long label: the date goes first
        text = text.replace(name, name.rsplit(" (", 1)[0])
    return text


def estimate_repr(value: object) -> str:
    """A findings estimate as ``findings.csv`` writes it (``repr`` of the float); "" when the
    event has none (a marker, an event not graded)."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(x) else repr(x)


def figure_attributes(event_id: object, estimate: object) -> str:
    """The attributes every page puts on an element stating an event's primary figure:
    ``data-event`` and, when the event has an estimate, ``data-estimate`` exactly as in
    ``findings.csv`` (so a reader or a check can match the page against the table)."""
    out = f' data-event="{html.escape(str(event_id))}"'
    text = estimate_repr(estimate)
    return out + (f' data-estimate="{text}"' if text else "")
