"""Tests for analysis.models.its: recovery of simulated truth, agreement with statsmodels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.models import its
from analysis.results import format_rr


def _weekly(values, start="2019-01-07") -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="W-MON")
    return pd.Series(np.asarray(values, dtype=int), index=idx)


def _simulate(n, break_at, level_rr, slope_rr, base, seed, alpha=None) -> pd.Series:
    """Weekly counts with a level and slope change at ``break_at`` (Poisson, or NB2 with alpha)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = base * np.exp(
        np.log(level_rr) * (t >= break_at) + np.log(slope_rr) * np.clip(t - break_at, 0, None)
    )
    if alpha is None:
        y = rng.poisson(mu)
    else:
        y = rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mu))
    return _weekly(y)


def _covers(effects: pd.DataFrame, name: str, kind: str, truth: float) -> bool:
    row = effects.loc[name]
    return bool(row[f"{kind}_low"] <= truth <= row[f"{kind}_high"])


def test_poisson_recovers_level_and_slope_change():
    y = _simulate(200, 100, level_rr=2.0, slope_rr=1.01, base=8.0, seed=11)
    res = its.fit(y, events={"strike": y.index[100]}, family="poisson", cov="model")
    row = res.effects.loc["strike"]
    # tolerance: level rate ratio within 20%, slope rate ratio per week within 0.005
    assert abs(row.level_rr / 2.0 - 1) < 0.20
    assert abs(row.slope_rr - 1.01) < 0.005
    assert _covers(res.effects, "strike", "level", 2.0)
    assert _covers(res.effects, "strike", "slope", 1.01)
    assert row.level_p < 0.001


def test_negbin_recovers_level_change_and_alpha():
    y = _simulate(400, 200, level_rr=1.8, slope_rr=1.0, base=6.0, seed=5, alpha=0.5)
    res = its.fit(y, events={"ceasefire": y.index[200]}, family="negbin", cov="model")
    row = res.effects.loc["ceasefire"]
    assert abs(res.dispersion - 0.5) < 0.25  # alpha estimated, not fixed
    assert abs(row.level_rr / 1.8 - 1) < 0.30
    assert _covers(res.effects, "ceasefire", "level", 1.8)
    assert _covers(res.effects, "ceasefire", "slope", 1.0)
    # the default (hac) on the same data also covers the truth
    default = its.fit(y, events={"ceasefire": y.index[200]}, family="negbin")
    assert _covers(default.effects, "ceasefire", "level", 1.8)


def test_point_estimates_match_direct_statsmodels_glm():
    rng = np.random.default_rng(3)
    n = 150
    y = _weekly(rng.poisson(6.0, n))
    exposure = pd.Series(rng.uniform(0.5, 2.0, n), index=y.index)
    t = np.arange(n, dtype=float)
    period = 365.25 / 7
    # design built independently: intercept, trend, step+ramp at 50 and at 110, 2 Fourier pairs
    X = np.column_stack(
        [
            np.ones(n),
            t,
            (t >= 50).astype(float),
            np.maximum(t - 50, 0),
            (t >= 110).astype(float),
            np.maximum(t - 110, 0),
            np.sin(2 * np.pi * t / period),
            np.cos(2 * np.pi * t / period),
            np.sin(4 * np.pi * t / period),
            np.cos(4 * np.pi * t / period),
        ]
    )
    direct = sm.GLM(
        y.to_numpy(), X, family=sm.families.Poisson(), offset=np.log(exposure.to_numpy())
    ).fit()
    # intervention dates inside (not at the start of) their weeks map to those weeks
    dates = {"a": y.index[50] + pd.Timedelta(days=3), "b": y.index[110]}
    res = its.fit(y, events=dates, offset=exposure, family="poisson", seasonality=2, cov="model")
    np.testing.assert_allclose(res.params.to_numpy(), direct.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), direct.bse, rtol=1e-6)
    np.testing.assert_allclose(res.effects.loc["a", "level_rr"], np.exp(direct.params[2]))
    np.testing.assert_allclose(res.effects.loc["b", "slope_rr"], np.exp(direct.params[5]))

    quasi = its.fit(y, events=dates, offset=exposure, seasonality=2, cov="model")
    direct_q = sm.GLM(
        y.to_numpy(), X, family=sm.families.Poisson(), offset=np.log(exposure.to_numpy())
    ).fit(scale="X2")
    np.testing.assert_allclose(quasi.bse.to_numpy(), direct_q.bse, rtol=1e-6)
    np.testing.assert_allclose(quasi.dispersion, direct_q.scale, rtol=1e-6)

    nw = its.fit(y, events=dates, offset=exposure, seasonality=2, cov="nw", maxlags=3)
    direct_nw = sm.GLM(
        y.to_numpy(), X, family=sm.families.Poisson(), offset=np.log(exposure.to_numpy())
    ).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
    np.testing.assert_allclose(nw.bse.to_numpy(), direct_nw.bse, rtol=1e-6)
    # Pearson residuals, which the Ljung-Box check and the residual chart use
    np.testing.assert_allclose(res.residuals.to_numpy(), direct.resid_pearson, rtol=1e-6)
    assert res.residuals.index.equals(y.index)


def test_hac_reflects_overdispersion():
    # independent NB counts with dispersion ~ 1 + alpha * mu = 4: the default interval must be
    # about sqrt(4) times the Poisson one and close to the quasi-Poisson model-based one
    y = _simulate(300, 150, level_rr=1.0, slope_rr=1.0, base=6.0, seed=8, alpha=0.5)
    dates = {"e": y.index[150]}
    pois = its.fit(y, events=dates, family="poisson", cov="model")
    quasi = its.fit(y, events=dates, cov="model")
    default = its.fit(y, events=dates)
    assert default.cov == "hac" and default.maxlags == int(np.floor(4 * 3 ** (2 / 9)))
    ratio = default.bse["level:e"] / pois.bse["level:e"]
    assert 1.6 < ratio < 2.6
    assert 0.85 < default.bse["level:e"] / quasi.bse["level:e"] < 1.3


def test_seasonality_recovers_annual_amplitude():
    rng = np.random.default_rng(21)
    n = 120
    t = np.arange(n)
    amplitude, phase = 0.5, 1.0
    mu = 20 * np.exp(amplitude * np.cos(2 * np.pi * t / 12 - phase) + 0.3 * (t >= 60))
    y = pd.Series(rng.poisson(mu), index=pd.date_range("2012-01-01", periods=n, freq="MS"))
    res = its.fit(
        y, events={"e": "2017-01-15"}, family="poisson", seasonality=1, slope_change=False
    )
    a, b = res.params["sin1"], res.params["cos1"]
    assert abs(np.hypot(a, b) - amplitude) < 0.05
    assert abs(np.arctan2(a, b) - phase) < 0.1
    assert _covers(res.effects, "e", "level", np.exp(0.3))
    assert "slope_rr" not in res.effects.columns


def test_offset_scales_fitted_values():
    rng = np.random.default_rng(4)
    n = 160
    idx = pd.date_range("2019-01-07", periods=n, freq="W-MON")
    exposure = pd.Series(np.where(np.arange(n) % 2 == 0, 1.0, 2.0), index=idx)
    y = pd.Series(rng.poisson(3.0 * exposure.to_numpy()), index=idx)
    res = its.fit(y, events={"e": idx[80]}, offset=exposure, family="poisson")
    fitted, cf = res.fitted["fitted"].to_numpy(), res.fitted["counterfactual"].to_numpy()
    # periods 2k+1 have double the exposure of periods 2k (same side of the break): the fitted
    # counts double (up to one week of fitted trend), and the rate per unit exposure is 3
    # (tolerance 12% = 3 standard errors of a rate from ~720 counts)
    np.testing.assert_allclose(fitted[1::2] / fitted[0::2], 2.0, rtol=0.03)
    assert abs(np.mean(fitted / exposure.to_numpy()) / 3.0 - 1) < 0.12
    without = its.fit(y, events={"e": idx[80]}, family="poisson")
    assert np.allclose(
        without.fitted["fitted"].to_numpy()[1::2] / without.fitted["fitted"][0::2], 1.0, rtol=0.03
    )
    # the same series with exposure doubled everywhere: fitted counts unchanged, rate halved
    res2 = its.fit(y, events={"e": idx[80]}, offset=2 * exposure, family="poisson")
    np.testing.assert_allclose(res2.fitted["fitted"].to_numpy(), fitted, rtol=1e-6)
    np.testing.assert_allclose(res2.params["intercept"], res.params["intercept"] - np.log(2))
    pre = res.fitted.index < idx[80]
    np.testing.assert_allclose(cf[pre], fitted[pre])


def test_results_frame_summary_and_plot():
    y = _simulate(104, 52, level_rr=2.0, slope_rr=1.0, base=5.0, seed=2)
    res = its.fit(y, events={"suleimani_strike": y.index[52]}, annotate={"other": y.index[70]})
    frame = res.to_frame()
    assert list(frame.columns) == ["estimate", "low", "high", "p_value"]
    assert list(frame.index) == [("suleimani_strike", "level"), ("suleimani_strike", "slope")]
    for term in ("level", "slope"):
        got = frame.loc[("suleimani_strike", term)]
        want = res.effects.loc["suleimani_strike"]
        assert got["estimate"] == want[f"{term}_rr"] and got["p_value"] == want[f"{term}_p"]
        assert (got["low"], got["high"]) == (want[f"{term}_low"], want[f"{term}_high"])
    with pytest.warns(FutureWarning, match="legacy"):
        legacy = res.to_frame(names="legacy")
    assert legacy.equals(res.effects)
    with pytest.raises(ValueError, match="names must be one of common, legacy"):
        res.to_frame(names="old")
    assert list(res.fitted.columns) == [
        "observed",
        "fitted",
        "fitted_low",
        "fitted_high",
        "counterfactual",
        "counterfactual_low",
        "counterfactual_high",
    ]
    f = res.fitted
    assert (f["fitted_low"] <= f["fitted"]).all() and (f["fitted"] <= f["fitted_high"]).all()
    assert 0.0 <= res.residual_autocorrelation <= 1.0
    assert res.residual_autocorrelation == res.ljung_box["lb_pvalue"].iloc[-1]
    row = res.effects.loc["suleimani_strike"]
    text = res.summary()
    assert "Level change at suleimani_strike" in text
    assert format_rr(row.level_rr, row.level_low, row.level_high) in text
    assert "per week" in text
    ax = res.plot()
    assert len(ax.lines) >= 3
    plt.close(ax.figure)
    ax = res.plot_residuals()
    assert len(ax.collections[0].get_segments()) == len(y)  # one stem per period
    assert "Ljung-Box" in ax.get_title()
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"family": "gaussian"}, "family"),
        ({"cov": "hc3"}, "cov"),
        ({"seasonality": -1}, "seasonality"),
        ({"maxlags": 500}, "maxlags must be a whole number of periods from 0 to 59"),
        ({"slope_change": "yes"}, "slope_change must be True or False"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    y = _simulate(60, 30, 1.0, 1.0, 5.0, seed=1)
    with pytest.raises(ValueError, match=match):
        its.fit(y, events={"e": y.index[30]}, **kwargs)


def test_bad_series_and_interventions_raise():
    y = _simulate(60, 30, 1.0, 1.0, 5.0, seed=1)
    irregular = y.drop(y.index[[5, 17]])
    irregular.index.freq = None
    with pytest.raises(ValueError, match="irregular"):
        its.fit(irregular, events={"e": y.index[30]})
    with pytest.raises(ValueError, match="events must be dates inside the series"):
        its.fit(y, events={"e": y.index[-1] + pd.Timedelta(weeks=3)})
    with pytest.raises(ValueError, match="events must be dates inside the series"):
        its.fit(y, events={"e": y.index[0] - pd.Timedelta(days=1)})
    with pytest.raises(ValueError, match="events must be at least one event"):
        its.fit(y, events={})
    with pytest.raises(TypeError):
        its.fit(y, {"e": y.index[30]})  # events is keyword-only
    with pytest.raises(ValueError, match="before"):
        its.fit(y, events={"e": y.index[0]})
    with pytest.raises(ValueError, match="before"):
        its.fit(y, events={"e": y.index[-1]})
    with pytest.raises(ValueError, match="rank"):
        its.fit(y, events={"a": y.index[30], "b": y.index[30] + pd.Timedelta(days=2)})
    quarterly = pd.Series([3] * 20, index=pd.date_range("2015-01-01", periods=20, freq="QS"))
    with pytest.raises(ValueError, match="frequency"):
        its.fit(quarterly, events={"e": quarterly.index[10]})
    with pytest.raises(ValueError, match="offset"):
        its.fit(y, events={"e": y.index[30]}, offset=pd.Series(0.0, index=y.index))
