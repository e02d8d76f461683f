"""Pooling findings by category: which rows count, and the pooled figures against an
independent call of statsmodels' combine_effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from analysis.findings import pooling
from analysis.params import ParameterError


def _row(eid, cat, est, low, high, grade="cannot_tell", campaign="A", group="", joint=""):
    return {
        "event_id": eid,
        "category": cat,
        "campaign": campaign,
        "date": pd.Timestamp("2020-01-01"),
        "estimate": est,
        "low": low,
        "high": high,
        "grade": grade,
        "joint_grade": joint or (grade if grade != "inseparable" else "cannot_tell"),
        "group": group,
    }


TABLE = pd.DataFrame(
    [
        _row("s1", "us_strike", 2.0, 1.0, 4.0, "likely_rise"),
        _row("s2", "us_strike", 0.5, 0.2, 1.25),
        _row("s3", "us_strike", 1.5, 0.5, 4.5, campaign="B"),
        _row("m", "militia_attack", math.nan, math.nan, math.nan, "marker"),
        # a group of one kind: counted once
        _row("g1", "truce", 0.4, 0.1, 1.6, "inseparable", group="g2"),
        _row("g2", "truce", 0.4, 0.1, 1.6, "inseparable", group="g1"),
        _row("t1", "truce", 0.3, 0.1, 0.9, "clear_fall", campaign="B"),
        # a group of two kinds: left out
        _row("x1", "threat", 3.0, 1.0, 9.0, "inseparable", group="x2"),
        _row("x2", "us_strike", 3.0, 1.0, 9.0, "inseparable", group="x1"),
        # only an upper bound: no finite estimate
        _row("u", "us_strike", math.nan, 0.0, 2.0),
    ]
)


def test_units_count_graded_events_and_one_kind_groups_once() -> None:
    found = pooling.units(TABLE)
    assert sorted(found["events"]) == ["g1;g2", "s1", "s2", "s3", "t1"]
    s2 = found.set_index("events").loc["s2"]
    assert s2["se"] == pytest.approx((math.log(1.25) - math.log(0.2)) / (2 * 1.959964))


@pytest.mark.parametrize("method", ["pm", "dl"])
def test_pooled_figures_equal_combine_effects(method: str) -> None:
    res = pooling.pool(TABLE, method=method)
    pools = res.to_frame().set_index(["category", "campaign"])
    rows = TABLE.set_index("event_id").loc[["s1", "s2", "s3"]]
    y = np.log(rows["estimate"].to_numpy())
    se = (np.log(rows["high"]) - np.log(rows["low"])).to_numpy() / (2 * 1.959964)
    want = combine_effects(y, se**2, method_re=method)
    # DerSimonian-Laird's tau² truncated at zero: then the pool is the fixed-effect one
    frame = want.summary_frame().loc["fixed effect" if want.tau2 < 0 else "random effect"]
    got = pools.loc[("us_strike", "both")]
    assert got["pooled_estimate"] == pytest.approx(math.exp(frame["eff"]), rel=1e-6)
    assert got["low"] == pytest.approx(math.exp(frame["ci_low"]), rel=1e-6)
    assert got["high"] == pytest.approx(math.exp(frame["ci_upp"]), rel=1e-6)
    assert got["tau2"] == pytest.approx(max(want.tau2, 0), rel=1e-6, abs=1e-12)
    assert got["events"] == "s1;s2;s3"
    assert got["method"] == method
    # one strike in campaign B: nothing pooled, said in words
    single = pools.loc[("us_strike", "B")]
    assert math.isnan(single["pooled_estimate"]) and "Only one" in single["sentence"]


@pytest.mark.parametrize("method", ["pm", "dl"])
def test_identical_events_pool_to_their_own_figure_with_no_spread(method: str) -> None:
    same = pd.DataFrame([_row(f"e{i}", "truce", 0.5, 0.25, 1.0) for i in range(4)])
    got = pooling.pool(same, method=method).to_frame().set_index("campaign").loc["both"]
    assert got["pooled_estimate"] == pytest.approx(0.5)
    assert got["tau2"] == pytest.approx(0.0, abs=1e-9) and got["i2"] == pytest.approx(0.0)
    # four equal pieces of evidence: the interval narrows by a factor 2 on the log scale
    assert math.log(got["high"] / got["low"]) == pytest.approx(math.log(4) / 2, rel=1e-6)
    assert "on balance they held" in got["sentence"]


def test_seeded_events_recover_a_known_common_ratio() -> None:
    """200 sets of twenty simulated events, true ratio 1.5 and known standard errors: the pooled
    95% interval covers 1.5 in about 95% of sets, and I² is mostly low (they differ by chance)."""
    rng = np.random.default_rng(7)
    covered, low_i2 = 0, 0
    for _ in range(200):
        se = rng.uniform(0.3, 0.8, 20)
        y = math.log(1.5) + rng.normal(0, se)
        got = pooling.pool_units(y, se)
        covered += got["low"] < 1.5 < got["high"]
        low_i2 += got["i2"] < 0.5
    assert 0.9 <= covered / 200 <= 0.99
    assert low_i2 / 200 > 0.9
    rows = [
        _row(f"e{i}", "us_strike", math.exp(v), math.exp(v - 0.5), math.exp(v + 0.5))
        for i, v in enumerate(y)
    ]
    got = pooling.pool(pd.DataFrame(rows)).to_frame().set_index("campaign").loc["both"]
    assert got["sentence"].startswith("Across 20 US strikes")


def test_results_views_and_a_wrong_method() -> None:
    res = pooling.pool(TABLE)
    assert list(res.to_frame().columns) == pooling.COLUMNS
    assert "not independent experiments" in res.summary()
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert ax.get_xscale() == "log"
    with pytest.raises(ParameterError, match="method"):
        pooling.pool(TABLE, method="reml")


def test_a_pool_of_two_events_says_it_is_too_few_however_narrow_its_interval() -> None:
    """Two truces both well below 1 pool to an interval below 1; the words still refuse a
    verdict: two events are too few (the grade rules of events, plus this one)."""
    two = pd.DataFrame(
        [_row("t1", "truce", 0.2, 0.07, 0.6), _row("t2", "truce", 0.1, 0.01, 1.2, campaign="B")]
    )
    got = pooling.pool(two).to_frame().set_index("campaign").loc["both"]
    assert got["high"] < 1 and got["n_events"] == 2
    assert got["grade"] == "too_few_events"
    said = got["sentence"]
    assert "too few to say whether truces hold" in said
    for firm in ("held", "on balance", "clear", "deter", "likely"):
        assert firm not in said, firm
    assert pooling.words.ratio(got["low"]) in said  # with its interval


def test_pooled_grades_follow_the_event_rules_with_holm_over_the_kinds_of_a_scope() -> None:
    """A p-value from the pooled estimate's normal test (the interval's); "clear" needs the
    Holm-adjusted p below 0.05 over the kinds given a verdict in one scope, "likely" does not."""
    rows = [_row(f"t{i}", "truce", 0.4, 0.2, 0.8) for i in range(3)]  # clearly below 1
    rows += [_row(f"p{i}", "political", 0.8, 0.4, 1.6) for i in range(3)]
    res = pooling.pool(pd.DataFrame(rows)).to_frame().set_index(["category", "campaign"])
    truce = res.loc[("truce", "both")]
    want = combine_effects(np.log([0.4] * 3), np.full(3, (math.log(4) / (2 * 1.959964)) ** 2))
    frame = want.summary_frame().loc["random effect"]
    p = 2 * stats.norm.sf(abs(frame["eff"] / frame["sd_eff"]))
    assert truce["p"] == pytest.approx(p, rel=1e-6)
    political = res.loc[("political", "both")]
    holm = pooling.grades.adjust(np.array([truce["p"], political["p"]]))
    assert truce["p_adjusted"] == pytest.approx(holm[0])
    assert truce["grade"] == "clear_fall" and "on balance they held" in truce["sentence"]
    assert political["grade"] == "cannot_tell"
    assert "no clear change either way" in political["sentence"]
    # a fall the adjustment does not keep clear is "likely": the event rules' words
    assert pooling.pool_grade(3, 0.5, 0.95, 0.2) == "likely_fall"
    assert pooling.pool_grade(3, 0.8, 1.2, 0.9) == "no_change"
    assert pooling.pool_grade(2, 0.1, 0.5, 0.0) == "too_few_events"
    assert "likely they deterred" in pooling.verdict("us_strike", "likely_fall")


def test_pool_variants_stacks_each_table_s_pools_the_primary_first() -> None:
    other = TABLE.assign(estimate=TABLE["estimate"] * 1.1)
    got = pooling.pool_variants({(30, "confirmed"): TABLE, (14, "confirmed"): other})
    assert list(got.columns) == pooling.VARIANT_COLUMNS
    first = got[got["primary"]].drop(columns=["horizon_days", "confirmation", "primary"])
    pd.testing.assert_frame_equal(first.reset_index(drop=True), pooling.pool(TABLE).pools)
    checks = got[~got["primary"]]
    assert set(checks["horizon_days"]) == {14} and len(checks) == len(first)
