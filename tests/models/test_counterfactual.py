"""Tests for the CausalImpact-style counterfactual model (analysis.models.counterfactual)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

from analysis.errors import ModelInputError, ParameterError
from analysis.models import counterfactual as cf

PRE, POST = 80, 20
BASE_RATE, STEP_RATE = 4.0, 8.0  # attacks per week before / after the event
TRUE_EXCESS = (STEP_RATE - BASE_RATE) * POST  # expected excess over the post period: 80


def weekly_step(seed: int, step: float = STEP_RATE - BASE_RATE) -> tuple[pd.Series, float]:
    """Weekly Poisson counts, rate 4, plus an independent Poisson(step) excess after week 80.

    Returns the series and the realised excess (the sum of the added attacks).
    """
    rng = np.random.default_rng(seed)
    base = rng.poisson(BASE_RATE, PRE + POST)
    extra = np.r_[np.zeros(PRE, dtype=int), rng.poisson(step, POST)] if step else 0 * base
    idx = pd.date_range("2018-06-04", periods=PRE + POST, freq="W-MON")
    return pd.Series(base + extra, index=idx, name="attacks"), float(np.sum(extra))


@pytest.fixture(scope="module")
def step_series() -> tuple[pd.Series, float]:
    return weekly_step(seed=11)


@pytest.fixture(scope="module")
def ucm_step(step_series: tuple[pd.Series, float]) -> cf.CounterfactualResults:
    y, _ = step_series
    return cf.fit(y, y.index[PRE], model="ucm", seed=1, n_samples=1000)


# --- recovery of known truth -------------------------------------------------------------------


@pytest.mark.parametrize("model", ["ucm", "sarima"])
def test_recovers_known_excess(step_series: tuple[pd.Series, float], model: str) -> None:
    y, realised = step_series
    res = cf.fit(y, y.index[PRE], model=model, seed=1, n_samples=1000)
    # estimation error = counterfactual total's own Poisson noise (sd ~9) + forecast error: 30 is
    # about three standard deviations
    assert abs(res.cumulative_effect - TRUE_EXCESS) < 30
    assert res.cumulative_effect_low < TRUE_EXCESS < res.cumulative_effect_high
    assert res.cumulative_effect_low < realised < res.cumulative_effect_high
    assert res.cumulative_effect_low > 0  # the interval excludes "no effect"
    assert res.p_value < 0.01
    # relative effect: truth is rate 8 vs 4, i.e. +100%
    assert res.relative_effect_low < 1.0 < res.relative_effect_high
    assert res.relative_effect == pytest.approx(res.observed_total / res.predicted_total - 1)
    assert res.n_pre == PRE and res.n_post == POST


def test_null_series_interval_covers_zero_most_of_the_time() -> None:
    covered, p_values = 0, []
    for seed in range(6):
        y, _ = weekly_step(seed=100 + seed, step=0.0)
        res = cf.fit(y, y.index[PRE], seed=seed, n_samples=400)
        covered += res.cumulative_effect_low < 0 < res.cumulative_effect_high
        p_values.append(res.p_value)
    assert covered >= 5
    assert np.median(p_values) > 0.05


def test_point_prediction_matches_mean_of_simulated_paths() -> None:
    y, _ = weekly_step(seed=5)
    res = cf.fit(y, y.index[PRE], seed=2, n_samples=4000, param_draws=0)
    totals = res.simulated_paths.sum(axis=0)
    se = totals.std() / np.sqrt(totals.size)
    assert abs(totals.mean() - res.predicted_total) < 4 * se
    assert res.simulated_paths.shape == (POST, 4000)


# --- how the intervals are built ----------------------------------------------------------------


def test_cumulative_interval_is_quantiles_of_path_sums(ucm_step: cf.CounterfactualResults) -> None:
    res = ucm_step
    totals = res.simulated_paths.to_numpy().sum(axis=0)
    q_lo, q_hi = np.quantile(totals, [0.025, 0.975])
    assert res.predicted_total_low == pytest.approx(q_lo)
    assert res.predicted_total_high == pytest.approx(q_hi)
    assert res.cumulative_effect_low == pytest.approx(res.observed_total - q_hi)
    assert res.cumulative_effect_high == pytest.approx(res.observed_total - q_lo)
    assert res.relative_effect_low == pytest.approx(res.observed_total / q_hi - 1)
    # the running-sum columns end on the totals
    last = res.table.iloc[-1]
    assert last["cumulative_effect_low"] == pytest.approx(res.cumulative_effect_low)
    assert last["cumulative_effect_high"] == pytest.approx(res.cumulative_effect_high)
    assert last["cumulative_effect"] == pytest.approx(res.cumulative_effect)
    # adding up pointwise bands would give a much wider (wrong) interval
    summed_width = (res.table["effect_high"] - res.table["effect_low"]).sum()
    width = res.cumulative_effect_high - res.cumulative_effect_low
    assert width < 0.6 * summed_width
    # pointwise bands are quantiles of the paths (clipped at zero)
    lo = np.maximum(np.quantile(res.simulated_paths.to_numpy(), 0.025, axis=1), 0)
    np.testing.assert_allclose(res.table["predicted_low"], lo)


def test_p_value_is_tail_share_of_simulated_totals(ucm_step: cf.CounterfactualResults) -> None:
    res = ucm_step
    totals = res.simulated_paths.to_numpy().sum(axis=0)
    obs = res.observed_total
    tail = min((totals >= obs).sum(), (totals <= obs).sum())
    assert res.p_value == pytest.approx((1 + tail) / (totals.size + 1))


def test_table_columns_and_effect_definition(ucm_step: cf.CounterfactualResults) -> None:
    t = ucm_step.table
    expected = {"observed", "predicted", "predicted_low", "predicted_high", "effect"}
    assert expected | {"effect_low", "effect_high"} <= set(t.columns)
    np.testing.assert_allclose(t["effect"], t["observed"] - t["predicted"])
    np.testing.assert_allclose(t["effect_low"], t["observed"] - t["predicted_high"])
    assert (t["predicted_low"] <= t["predicted"]).all() and (
        t["predicted"] <= t["predicted_high"]
    ).all()
    assert list(ucm_step.pre_fit.columns) == [
        "observed",
        "predicted",
        "predicted_low",
        "predicted_high",
    ]
    assert len(ucm_step.pre_fit) == PRE and ucm_step.pre_fit.index[-1] < t.index[0]


def test_parameter_uncertainty_widens_interval(step_series: tuple[pd.Series, float]) -> None:
    y, _ = step_series
    with_p = cf.fit(y, y.index[PRE], seed=3, n_samples=2000, param_draws=40)
    without = cf.fit(y, y.index[PRE], seed=3, n_samples=2000, param_draws=0)
    assert with_p.param_draws == 40 and without.param_draws == 0
    w1 = with_p.predicted_total_high - with_p.predicted_total_low
    w0 = without.predicted_total_high - without.predicted_total_low
    assert w1 > w0
    assert with_p.predicted_total == pytest.approx(without.predicted_total)  # point uses the MLE


# --- reproducibility ----------------------------------------------------------------------------


def test_same_seed_same_numbers_different_seed_slightly_different() -> None:
    y, _ = weekly_step(seed=21)
    a = cf.fit(y, y.index[PRE], seed=7, n_samples=500)
    b = cf.fit(y, y.index[PRE], seed=7, n_samples=500)
    c = cf.fit(y, y.index[PRE], seed=8, n_samples=500)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.simulated_paths, b.simulated_paths)
    assert a.cumulative_effect_low == b.cumulative_effect_low and a.p_value == b.p_value
    assert a.cumulative_effect_low != c.cumulative_effect_low
    width = a.cumulative_effect_high - a.cumulative_effect_low
    assert abs(a.cumulative_effect_low - c.cumulative_effect_low) < 0.15 * width
    assert a.cumulative_effect == pytest.approx(
        c.cumulative_effect
    )  # point does not depend on seed


# --- agreement with independent computations ----------------------------------------------------


@pytest.mark.parametrize("transform", ["anscombe", "log1p"])
def test_sarima_point_forecast_equals_direct_sarimax(transform: str) -> None:
    y, _ = weekly_step(seed=31)
    res = cf.fit(y, y.index[PRE], model="sarima", transform=transform, seed=0, n_samples=200)
    pre = y.iloc[:PRE].to_numpy(dtype=float)
    z = 2 * np.sqrt(pre + 3 / 8) if transform == "anscombe" else np.log(1 + pre)
    direct = SARIMAX(z, order=(1, 0, 0), trend="c").fit(disp=False, maxiter=200)
    fc = direct.get_forecast(POST)
    m, v = fc.predicted_mean, fc.var_pred_mean
    # mean of the back-transformed Gaussian predictive: E[Z^2]/4 - 3/8, or E[e^Z] - 1
    expected = (m**2 + v) / 4 - 3 / 8 if transform == "anscombe" else np.exp(m + v / 2) - 1
    np.testing.assert_allclose(res.table["predicted"], expected, rtol=1e-4)
    np.testing.assert_allclose(res.params.to_numpy(), direct.params, rtol=1e-4)


def test_ucm_point_forecast_equals_direct_unobserved_components() -> None:
    y, _ = weekly_step(seed=32)
    res = cf.fit(y, y.index[PRE], model="ucm", seed=0, n_samples=200)
    z = 2 * np.sqrt(y.iloc[:PRE].to_numpy(dtype=float) + 3 / 8)
    fc = UnobservedComponents(z, level="llevel").fit(disp=False, maxiter=200).get_forecast(POST)
    expected = (fc.predicted_mean**2 + fc.var_pred_mean) / 4 - 3 / 8
    np.testing.assert_allclose(res.table["predicted"], expected, rtol=1e-4)


@pytest.mark.parametrize("transform", ["anscombe", "log1p"])
def test_backtransform_mean_agrees_with_monte_carlo(transform: str) -> None:
    rng = np.random.default_rng(0)
    m, v = (3.5, 0.9) if transform == "anscombe" else (1.4, 0.2)
    z = rng.normal(m, np.sqrt(v), 400_000)
    draws = z**2 / 4 - 3 / 8 if transform == "anscombe" else np.expm1(z)
    se = draws.std() / np.sqrt(draws.size)
    assert abs(cf.backtransform_mean(m, v, transform) - draws.mean()) < 4 * se


# --- periods, options, views --------------------------------------------------------------------


def test_event_mid_period_window_and_monthly_series() -> None:
    y, _ = weekly_step(seed=41)
    # a Wednesday event belongs to the week labelled by the Monday before it
    res = cf.fit(
        y,
        y.index[PRE] + pd.Timedelta(days=2),
        pre_start=y.index[10],
        n_samples=200,
        post_end=y.index[PRE + 9],
    )
    assert res.post_start == y.index[PRE]
    assert res.n_pre == PRE - 10 and res.n_post == 10
    assert res.table.index[-1] == y.index[PRE + 9]

    rng = np.random.default_rng(2)
    months = pd.Series(
        rng.poisson(20, 36), index=pd.date_range("2018-01-01", periods=36, freq="MS")
    )
    res_m = cf.fit(months, "2020-06-15", model="sarima", n_samples=200)
    assert res_m.post_start == pd.Timestamp("2020-06-01") and res_m.n_post == 7
    assert "In the 7 months from 2020-06-01" in res_m.summary()


def test_exog_regressor_explains_pre_period_swings() -> None:
    rng = np.random.default_rng(9)
    idx = pd.date_range("2018-06-04", periods=PRE + POST, freq="W-MON")
    x = pd.Series(np.sin(np.arange(PRE + POST) / 4.0), index=idx, name="control")
    y = pd.Series(rng.poisson(np.exp(1.5 + 0.6 * x.to_numpy())), index=idx)
    for model in ("ucm", "sarima"):
        with_x = cf.fit(y, idx[PRE], model=model, exog=x, seed=0, n_samples=400)
        without = cf.fit(y, idx[PRE], model=model, seed=0, n_samples=400)
        assert with_x.cumulative_effect_low < 0 < with_x.cumulative_effect_high
        width = with_x.predicted_total_high - with_x.predicted_total_low
        assert width < without.predicted_total_high - without.predicted_total_low
        assert with_x.params.index.str.contains("control").any()
    with pytest.raises(ValueError, match="exog lacks"):
        cf.fit(y, idx[PRE], exog=x.iloc[:-3], n_samples=200)


def test_summary_and_plot(ucm_step: cf.CounterfactualResults) -> None:
    res = ucm_step
    text = res.summary()
    assert text.startswith(f"In the {POST} weeks from {res.post_start:%Y-%m-%d}, ")
    assert f"{res.observed_total:.0f} attacks were recorded" in text and "more" in text
    assert "95% interval" in text and "p = " in text
    events = pd.DataFrame(
        {"date": [res.post_start], "event_id": ["e1"], "label": ["Strike"], "category": ["x"]}
    )
    top = res.plot(events=events)
    assert len(top.figure.axes) == 3 and top is top.figure.axes[0]
    assert any(t.get_text() == "Strike" for t in top.texts)
    plt.close(top.figure)
    fig, given = plt.subplots(3, 1)
    out = res.plot(ax=given)
    assert out is given[0] and all(a.lines for a in given)
    with pytest.raises(ValueError, match="3 axes"):
        res.plot(ax=given[:2])
    plt.close(fig)


# --- bad input ----------------------------------------------------------------------------------


def _bad_inputs() -> list:
    y, _ = weekly_step(seed=51)
    neg = y.copy()
    neg.iloc[3] = -1
    nan = y.astype(float)
    nan.iloc[5] = np.nan
    irregular = y.drop(y.index[[4, 9]])
    irregular.index = pd.DatetimeIndex(irregular.index.to_numpy())  # drop freq
    flat = y.copy()
    flat.iloc[:PRE] = 0
    cases = [
        ("negative", neg, {"event_date": y.index[PRE]}, "negative"),
        ("nan", nan, {"event_date": y.index[PRE]}, "NaN"),
        ("irregular", irregular, {"event_date": y.index[PRE]}, "regular"),
        ("too-few-pre", y, {"event_date": y.index[5]}, "pre-event period"),
        ("before-start", y, {"event_date": "2010-01-01"}, "event_date must be a date inside"),
        ("after-end", y, {"event_date": "2030-01-01"}, "event_date must be a date inside"),
        ("model", y, {"event_date": y.index[PRE], "model": "arima"}, "model must be"),
        ("n_samples", y, {"event_date": y.index[PRE], "n_samples": 10}, "n_samples"),
        ("flat-pre", flat, {"event_date": y.index[PRE]}, "constant"),
        ("not-series", y.to_numpy(), {"event_date": y.index[PRE]}, "pandas Series"),
        ("post_end", y, {"event_date": y.index[PRE], "post_end": y.index[PRE - 3]}, "post_end"),
    ]
    return [pytest.param(y, kwargs, message, id=name) for name, y, kwargs, message in cases]


@pytest.mark.parametrize(("y", "kwargs", "message"), _bad_inputs())
def test_bad_input_raises(y: object, kwargs: dict, message: str) -> None:
    kwargs = dict(kwargs)
    event = kwargs.pop("event_date")
    with pytest.raises(ValueError, match=message):
        cf.fit(y, event, n_samples=kwargs.pop("n_samples", 200), **kwargs)


# ------------------------------------------------------------------------ seasonal component


def test_seasonal_component_recovers_the_seat_belt_law_effect():
    """The British seat belt law (in force 31 Jan 1983) on car drivers killed or seriously
    injured per month, Jan 1975 to Dec 1984 (Brockwell & Davis, *Introduction to Time Series and
    Forecasting*, series SBL, shipped with statsmodels). Durbin & Harvey's structural time
    series analysis for the Department of Transport (1985; Harvey & Durbin 1986, JRSS A 149,
    187-227) found a 20% to 26% fall in drivers killed or seriously injured.

    With ``seasonal=12`` the counterfactual finds a fall whose 95% interval holds 20% and excludes
    0; without it the annual cycle is absorbed by the level's noise and the interval balloons.
    """
    from statsmodels.tsa.arima.datasets.brockwell_davis_2002 import sbl

    kwargs = {"n_samples": 300, "seed": 1}
    plain = cf.fit(sbl, "1983-02-01", **kwargs)
    fixed = cf.fit(sbl, "1983-02-01", seasonal=12, **kwargs)
    drift = cf.fit(sbl, "1983-02-01", seasonal=12, stochastic_seasonal=True, **kwargs)
    for res in (fixed, drift):
        assert res.seasonal == 12
        assert res.relative_effect_low < -0.20 < res.relative_effect_high < 0
        assert -0.26 < res.relative_effect < -0.12
    width = fixed.relative_effect_high - fixed.relative_effect_low
    assert plain.relative_effect_high - plain.relative_effect_low > 5 * width
    assert "sigma2.seasonal" in drift.params.index
    assert "sigma2.seasonal" not in fixed.params.index
    assert plain.seasonal == 0


def test_seasonal_bad_arguments(step_series):
    y, _ = step_series
    with pytest.raises(ParameterError, match="seasonal"):
        cf.fit(y, y.index[PRE], seasonal=1)
    with pytest.raises(ParameterError, match="seasonal must be None when model is not 'ucm'"):
        cf.fit(y, y.index[PRE], seasonal=4, model="sarima")
    with pytest.raises(ModelInputError, match="seasonal=52 needs at least 104"):
        cf.fit(y, y.index[PRE], seasonal=52)


def test_n_sims_still_works_for_one_release_with_a_future_warning():
    y, _ = weekly_step(seed=52)
    new = cf.fit(y, y.index[PRE], seed=4, n_samples=200, param_draws=0)
    with pytest.warns(FutureWarning, match="n_sims is now called n_samples"):
        old = cf.fit(y, y.index[PRE], seed=4, n_sims=200, param_draws=0)
    assert old.n_samples == new.n_samples == 200
    assert old.cumulative_effect == new.cumulative_effect
    with pytest.warns(FutureWarning, match="n_sims is now n_samples"):
        assert old.n_sims == 200
    with pytest.raises(ValueError, match="n_sims must be left out when n_samples is given"):
        cf.fit(y, y.index[PRE], n_sims=200, n_samples=300)


def test_frame_names_the_excess_estimate_low_high():
    y, _ = weekly_step(seed=53)
    res = cf.fit(y, y.index[PRE], seed=5, n_samples=200, param_draws=0)
    frame = res.to_frame()
    assert {"estimate", "low", "high"} <= set(frame.columns)
    assert not {"effect", "effect_low", "effect_high"} & set(frame.columns)
    np.testing.assert_array_equal(frame["estimate"], res.table["effect"])
    np.testing.assert_array_equal(frame["low"], res.table["effect_low"])
    with pytest.warns(FutureWarning):
        assert res.to_frame(names="legacy").equals(res.table)
