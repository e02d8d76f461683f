"""Wording of ratios, percents and excess attacks when counts are zero or intervals are wide:
one-sided bounds, never "infinite", "x0", a percent below -100% or more attacks than recorded."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from analysis.briefs.wording import (
    estimate_text,
    excess_text,
    fmt_number,
    percent_change_text,
    ratio_kind,
    ratio_phrase,
    ratio_text,
    ratio_words,
)


def exact_ratio_interval(after: int, before: int) -> tuple[float, float, float]:
    """Rate ratio after/before for equal windows with its exact (Clopper-Pearson, conditional
    binomial) 95% interval: an independent computation of the intervals pages show."""
    n = after + before
    lo_p = stats.beta.ppf(0.025, after, before + 1) if after else 0.0
    hi_p = stats.beta.ppf(0.975, after + 1, before) if before else 1.0
    rr = after / before if before else math.inf
    lo = lo_p / (1 - lo_p)
    hi = hi_p / (1 - hi_p) if hi_p < 1 else math.inf
    assert n > 0
    return rr, lo, hi


def test_no_attack_after_is_an_upper_bound() -> None:
    rr, lo, hi = exact_ratio_interval(0, 19)
    assert rr == 0 and lo == 0 and 0 < hi < 0.25
    assert ratio_kind(rr, lo, hi) == "upper"
    assert estimate_text(rr, lo, hi) == f"fewer than {fmt_number(hi)}"
    assert ratio_phrase(rr, lo, hi).startswith(f"fewer than {fmt_number(hi)} times")
    words = ratio_words(rr, lo, hi, 1e-5)
    assert "fewer than" in words and "x0" not in words and " 0 times" not in words


def test_no_attack_before_is_a_lower_bound() -> None:
    rr, lo, hi = exact_ratio_interval(12, 0)
    assert math.isinf(rr) and math.isinf(hi) and lo > 1
    assert ratio_kind(rr, lo, hi) == "lower"
    assert estimate_text(rr, lo, hi) == f"at least {fmt_number(lo)}"
    assert ratio_text(rr, lo, hi) == f"at least {fmt_number(lo)} (95% lower bound)"
    assert "infinite" not in ratio_phrase(rr, lo, hi)


def test_a_lower_end_near_zero_gives_the_upper_end_only() -> None:
    # the page's "0.0027 (95% CI 0.000012 to 0.61)"
    assert ratio_text(0.0027, 0.000012, 0.61) == "fewer than 0.61 (95% upper bound)"


def test_an_interval_spanning_both_sides_beyond_a_factor_100_says_too_few() -> None:
    rr, lo, hi = exact_ratio_interval(1, 1)
    assert hi / lo > 100
    assert estimate_text(rr, lo, hi) == "too few attacks to say"
    assert estimate_text(2.4, 0.79, 8.7) == "2.4 (0.79 to 8.7)"


def test_fmt_number_never_says_infinite() -> None:
    assert fmt_number(math.inf) == "n/a" and fmt_number(-math.inf) == "n/a"


def test_percent_change_never_below_minus_100() -> None:
    # no attack after: -100% with interval -100% to -100%
    said = percent_change_text(-1.0, -1.0, -1.0, zero_after_upper=3.0 / 30)
    assert said == "no attacks after (fewer than 10% of the rate before)"
    assert percent_change_text(-0.5, -1.3, 0.2) == "at most 20% more (95% bound)"  # not "-130%"
    assert percent_change_text(-0.9, -1.3, -0.5) == "at least 50% fewer (95% bound)"
    assert percent_change_text(-0.5, -0.8, 0.2) == "50% fewer (95% interval -80% to +20%)"
    assert percent_change_text(0.52, 0.09, 0.6) == "52% more (95% interval +9% to +60%)"
    # "+1,825%" reads as times
    assert percent_change_text(1.52, 0.09, 18.25) == "2.5 times as many (95% CI 1.1 to 19)"


@pytest.mark.parametrize(
    ("x", "low", "high", "observed", "expected", "want"),
    [
        (-41, -1508, 0.70, 5, 46, "-41 (-46 to 0.70)"),
        (9.4, 9.4, 3638537, 12, 2.6, "9.4 (9.4 to 12)"),
        (-2.0, -9.0, 4.0, 10, 12, "-2 (-9 to 4)"),
    ],
)
def test_excess_is_bounded_by_the_counts(
    x: float, low: float, high: float, observed: float, expected: float, want: str
) -> None:
    assert excess_text(x, low, high, observed=observed, expected=expected) == want
