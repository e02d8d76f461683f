"""Tests for analysis.models.windows: exactness against scipy, recovery, Holm, overlaps, edges."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.models.windows import compare


def _daily(values, start="2020-01-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=int), index=pd.date_range(start, periods=len(values), freq="D")
    )


def _scipy_reference(before, after, t_before, t_after):
    """Rate ratio, exact CI and p-value computed with scipy.stats.binomtest."""
    n = before + after
    res = stats.binomtest(after, n, t_after / (t_before + t_after))
    ci = res.proportion_ci(confidence_level=0.95, method="exact")

    def to_rr(p):
        return np.inf if p >= 1 else p / (1 - p) * t_before / t_after

    return to_rr(ci.low), to_rr(ci.high), res.pvalue


@pytest.mark.parametrize(
    "before, after, days_after",
    [(10, 20, 30), (25, 25, 30), (40, 9, 30), (0, 5, 30), (7, 0, 30), (15, 25, 12), (3, 1, 1)],
)
def test_agrees_with_scipy_binomtest(before, after, days_after):
    # 60-day series: the event on day 30 has a full 30-day before window and `days_after` days
    # observed after it (the series ends early when days_after < 30)
    values = np.zeros(30 + days_after, dtype=int)
    values[3] = before
    values[30 + days_after - 1] = after
    y = _daily(values)
    row = compare(y, events={"ev": y.index[30]}, days=30).to_frame().loc["ev"]
    assert (row.before, row.after) == (before, after)
    assert (row.days_before, row.days_after) == (30, days_after)
    low, high, p = _scipy_reference(before, after, 30, days_after)
    np.testing.assert_allclose([row.low, row.high, row.p_value], [low, high, p], rtol=1e-9)
    if before > 0:
        np.testing.assert_allclose(row.estimate, (after / days_after) / (before / 30))
    else:
        assert row.estimate == np.inf and np.isfinite(row.low) and row.low > 0
        assert row.high == np.inf
    if after == 0:
        assert row.estimate == 0 and row.low == 0 and np.isfinite(row.high)


def test_recovers_rate_doubling():
    rng = np.random.default_rng(17)
    idx = pd.date_range("2019-07-01", "2020-06-30", freq="D")
    event = pd.Timestamp("2020-01-03")
    y = pd.Series(rng.poisson(np.where(idx >= event, 4.0, 2.0)), index=idx)
    events = pd.DataFrame({"date": [event], "event_id": ["strike"]})
    row = compare(y, events=events, days=60).table.iloc[0]
    # tolerance: within 20% of the true ratio 2 (about 3 standard errors with ~360 counts)
    assert abs(row.rate_ratio / 2.0 - 1) < 0.20
    assert row.low <= 2.0 <= row.high
    assert row.p < 1e-6


def test_holm_matches_multipletests_and_overlaps():
    rng = np.random.default_rng(9)
    idx = pd.date_range("2019-01-01", "2020-12-31", freq="D")
    y = pd.Series(rng.poisson(3.0, len(idx)), index=idx)
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2019-03-01", "2019-03-20", "2019-08-01", "2019-08-31", "2020-05-01"]
            ),
            "event_id": ["a", "b", "c", "d", "e"],
            "label": ["A", "B", "C", "D", "E"],
        }
    )
    res = compare(y, events=events, days=30)
    t = res.to_frame()
    assert list(t.columns[:8]) == [
        "estimate",
        "low",
        "high",
        "p_value",
        "before",
        "after",
        "p_holm",
        "overlaps",
    ]
    np.testing.assert_allclose(t["p_holm"], multipletests(t["p_value"], method="holm")[1])
    with pytest.warns(FutureWarning, match="legacy"):
        assert res.to_frame(names="legacy").equals(res.table)
    assert list(res.table.columns[:6]) == ["before", "after", "rate_ratio", "low", "high", "p"]
    # a-b are 19 days apart; d is exactly 30 days after c: d lies outside c's after window
    # (days 0..29 from c) but c lies inside d's before window (which starts on c's date)
    assert t["overlaps"].to_dict() == {"a": True, "b": True, "c": False, "d": True, "e": False}
    assert res.overlapping["d"] == ["c"] and res.overlapping["c"] == []
    events.loc[3, "date"] = pd.Timestamp("2019-09-01")  # 31 days after c: no overlap
    assert not compare(y, events=events, days=30).table.loc["d", "overlaps"]
    events.loc[3, "date"] = pd.Timestamp("2019-08-30")  # 29 days after c: both overlap
    t3 = compare(y, events=events, days=30).table
    assert t3.loc["c", "overlaps"] and t3.loc["d", "overlaps"]


def test_windows_truncated_at_series_edges():
    y = _daily(np.arange(100) % 5)
    res = compare(
        y,
        events={
            "early": y.index[10],
            "late": y.index[95],
            "before_start": y.index[0] - pd.Timedelta(days=5),
            "after_end": y.index[-1] + pd.Timedelta(days=1),
        },
        days=30,
    )
    t = res.table
    assert (t.loc["early", "days_before"], t.loc["early", "days_after"]) == (10, 30)
    assert t.loc["early", "before"] == y.iloc[:10].sum()
    assert t.loc["early", "after"] == y.iloc[10:40].sum()
    assert (t.loc["late", "days_before"], t.loc["late", "days_after"]) == (30, 5)
    assert t.loc["late", "after"] == y.iloc[95:].sum()
    np.testing.assert_allclose(
        t.loc["late", "rate_ratio"], (y.iloc[95:].sum() / 5) / (y.iloc[65:95].sum() / 30)
    )
    assert t["truncated"].all()
    for name in ("before_start", "after_end"):
        assert np.isnan(t.loc[name, ["rate_ratio", "low", "high", "p", "p_holm"]]).all()
    # Holm uses only the two events with a comparison
    np.testing.assert_allclose(
        t.loc[["early", "late"], "p_holm"],
        multipletests(t.loc[["early", "late"], "p"], method="holm")[1],
    )
    assert "no comparison" in res.summary()


def test_summary_and_plot():
    y = _daily(np.r_[np.full(40, 1), np.full(40, 3)])
    res = compare(y, events={"strike": y.index[40], "talks": y.index[50]}, days=20)
    text = res.summary()
    assert "strike" in text and "Holm" in text and "overlaps talks" in text
    ax = res.plot()
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


def test_bad_input_raises():
    weekly = pd.Series([1, 2, 3, 4], index=pd.date_range("2020-01-06", periods=4, freq="W-MON"))
    with pytest.raises(ValueError, match="daily"):
        compare(weekly, events={"e": "2020-01-13"})
    y = _daily(np.ones(50))
    irregular = y.drop(y.index[[3, 9]])
    irregular.index.freq = None
    with pytest.raises(ValueError, match="daily"):
        compare(irregular, events={"e": y.index[20]})
    with pytest.raises(ValueError, match="days"):
        compare(y, events={"e": y.index[20]}, days=0)
    with pytest.raises(ValueError, match="duplicate"):
        compare(y, events=pd.DataFrame({"date": [y.index[5], y.index[9]], "event_id": ["x", "x"]}))


def test_the_chart_names_events_by_label_and_describes_itself():
    y = pd.Series(1.0, index=pd.date_range("2020-01-01", periods=120, freq="D"))
    events = pd.DataFrame(
        {
            "event_id": ["a", "b"],
            "label": ["First <event>", "Second"],
            "date": ["2020-02-01", "2020-03-15"],
        }
    )
    res = compare(y, events=events, days=10)
    assert res.labels == {"a": "First <event>", "b": "Second"}
    ax = res.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["First <event>", "Second"]
    assert "2 events" in ax.figure.alt_text
    plt.close(ax.figure)
