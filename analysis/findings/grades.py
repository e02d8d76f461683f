"""Grades of a finding: the fixed set of verdicts, the rules that give them, feasible intervals.

A grade turns an event's rate ratio (95% interval, p-value adjusted for the events evaluated
together) into one word readers can compare across pages. The thresholds are module constants,
fixed before any result was looked at (``docs/findings_method.md`` says why each).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.models.multiplicity import holm

__all__ = [
    "ALPHA",
    "GRADES",
    "MAX_SPREAD",
    "MIN_ATTACKS",
    "NO_CHANGE_BAND",
    "ZERO_UPPER",
    "adjust",
    "feasible_excess",
    "grade",
    "one_sided_upper",
    "pin",
    "zero_after_p",
]

#: every grade a finding can get; ``marker`` and ``not_graded`` carry a ``not_graded_reason``
GRADES = (
    "clear_rise",
    "clear_fall",
    "likely_rise",
    "likely_fall",
    "no_change",
    "cannot_tell",
    "inseparable",
    "marker",
    "not_graded",
)
#: family-wise error rate of "clear" (Holm over the events of one campaign) and the level of
#: the 95% intervals behind "likely"
ALPHA = 0.05
#: rate ratios of no practical change: a 95% interval inside it means "no change"
NO_CHANGE_BAND = (0.67, 1.5)
#: high / low of the 95% interval beyond which the data cannot pin the ratio down
MAX_SPREAD = 100.0
#: fewest attacks in the horizon before and after an event together for a grade
MIN_ATTACKS = 5
#: -ln(0.025): with no attack where ``e`` were expected, rate ratios above ZERO_UPPER / e have
#: probability below 2.5% of giving none (the upper end of a 95% interval)
ZERO_UPPER = -math.log(0.025)


def adjust(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of the tests run together (NaN stays NaN, counts no test)."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = holm(np.clip(p[ok], 0.0, 1.0))
    return out


def one_sided_upper(expected_without: float) -> float:
    """Upper 95% end of the rate ratio when no attack came where ``expected_without`` were
    expected (exact Poisson); inf when nothing was expected."""
    return ZERO_UPPER / expected_without if expected_without > 0 else math.inf


def zero_after_p(expected_without: float) -> float:
    """Two-sided exact Poisson p-value of seeing no attack where ``expected_without`` were
    expected (the Wald p-value fails when the fitted ratio sits at 0)."""
    return float(min(1.0, 2.0 * math.exp(-max(expected_without, 0.0))))


def feasible_excess(
    rate_ratio: float, low: float, high: float, expected_without: float, observed_after: int
) -> tuple[float, float, float]:
    """Excess attacks over the horizon, expected-without x (ratio - 1), with its interval from
    the ratio's, kept inside what the data allow: never more than the attacks observed after,
    never fewer than minus the attacks expected without the event. A NaN ``high`` is an
    interval open above; a NaN ratio gives observed minus expected without."""
    e0 = max(float(expected_without), 0.0) if math.isfinite(expected_without) else 0.0
    top = float(observed_after)

    def one(r: float) -> float:
        if math.isnan(r) or r == math.inf:  # an interval open above
            return top
        return float(min(max(e0 * (r - 1.0), -e0), top))

    if math.isnan(rate_ratio):  # ratio not pinned down: observed minus expected without
        point = float(min(max(top - e0, -e0), top))
    else:
        point = one(rate_ratio)
    return point, one(low), one(high)


def pin(estimate: float, low: float, high: float) -> tuple[float, float, float, bool]:
    """``(estimate, low, high, one_sided)`` as a table may show them: an interval wider than
    :data:`MAX_SPREAD` that lies below 1 keeps only its upper end (estimate NaN, low 0), one
    above 1 only its lower end (estimate and high NaN); one across 1 is returned as it is (the
    grade says the data cannot tell)."""
    if not (low > 0 and math.isfinite(high) and high / low > MAX_SPREAD):
        return estimate, low, high, False
    if high < 1.0:
        return math.nan, 0.0, high, True
    if low > 1.0:
        return math.nan, low, math.nan, True
    return estimate, low, high, False


def _direction(low: float, high: float, p_adjusted: float) -> str | None:
    """clear/likely rise/fall from the interval and the adjusted p-value, or None."""
    if low > 1.0:
        return "clear_rise" if p_adjusted < ALPHA else "likely_rise"
    if high < 1.0:
        return "clear_fall" if p_adjusted < ALPHA else "likely_fall"
    return None


def grade(low: float, high: float, p_adjusted: float, attacks: int, one_sided: bool) -> str:
    """The grade of one estimated change (not of a group or marker, which the caller settles).

    ``low``/``high`` is the rate ratio's 95% interval, ``p_adjusted`` its Holm-adjusted p-value,
    ``attacks`` the attacks in the horizon before and after together; ``one_sided``: only one
    end of the interval is pinned down (no attack after, or an interval wider than
    :data:`MAX_SPREAD` on one side of 1, see :func:`pin`).
    """
    if attacks < MIN_ATTACKS:
        return "cannot_tell"
    if one_sided:  # only one end pinned down: graded by direction alone
        return _direction(low if math.isfinite(low) else 0.0, high, p_adjusted) or "cannot_tell"
    found = _direction(low, high, p_adjusted)
    if found:
        return found
    if NO_CHANGE_BAND[0] <= low and high <= NO_CHANGE_BAND[1]:
        return "no_change"
    return "cannot_tell"  # across 1 and wider than the band, or wider than MAX_SPREAD
