"""Tests for the outlook forecasts and their backtest (analysis.models.outlook).

Recovery on series simulated from known processes, agreement with scoringrules' closed forms
and scipy's Poisson quantiles, no look-ahead, and clear errors on bad input.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scoringrules as sr
from scipy import stats

from analysis.errors import ModelInputError, ParameterError
from analysis.models import backtest, hawkes, outlook


@pytest.fixture(scope="module")
def nb_series() -> pd.Series:
    """240 weeks from the nb model's own form (mean about 3.5 attacks per week)."""
    return outlook.simulate_nb(240, seed=3)


@pytest.fixture(scope="module")
def hawkes_series() -> pd.Series:
    """Weekly counts of a known Hawkes process: 0.08 background attacks per day, branching
    ratio 0.7, decay 0.15 per day (half-life 4.6 days), about 4.6 years."""
    times = hawkes.simulate(0.08, 0.7, 0.15, start="2015-01-05", end="2019-08-05", seed=5)
    idx = pd.date_range("2015-01-05", "2019-07-29", freq="W-MON", name="period")
    weeks = times.floor("D") - pd.to_timedelta(times.day_of_week, unit="D")
    return (
        pd.Series(0, index=idx)
        .add(pd.Series(1, index=weeks).groupby(level=0).sum(), fill_value=0)
        .astype(int)
    )


def test_nb_recovery_covers_and_beats_climatology(nb_series):
    bt = backtest.backtest(
        nb_series, start=nb_series.index[139], horizon=1, models=("nb", "climatology"),
        n_samples=300, seed=1,
    )  # fmt: skip
    assert bt.n_origins == 100
    cover = bt.coverage.loc[("nb", 1), "cover90"]
    assert 0.85 <= cover <= 0.95, cover
    assert bt.scores.loc[("nb", 1), "crps"] < bt.scores.loc[("climatology", 1), "crps"]


def test_hawkes_recovery_covers_and_beats_climatology(hawkes_series):
    y = hawkes_series
    bt = backtest.backtest(
        y, start=y.index[len(y) - 101], horizon=1, models=("hawkes", "climatology"),
        n_samples=300, seed=2,
    )  # fmt: skip
    assert bt.n_origins == 100
    cover = bt.coverage.loc[("hawkes", 1), "cover90"]
    assert 0.85 <= cover <= 0.95, cover
    assert bt.scores.loc[("hawkes", 1), "crps"] < bt.scores.loc[("climatology", 1), "crps"]


def test_crps_of_a_fixed_poisson_agrees_with_the_closed_form():
    """Persistence is a fixed Poisson(last value): its sample CRPS matches scoringrules'
    closed-form Poisson CRPS (Wei and Held 2014) within Monte Carlo error."""
    rng = np.random.default_rng(0)
    idx = pd.date_range("2020-01-06", periods=60, freq="W-MON")
    y = pd.Series(rng.poisson(4, len(idx)), index=idx)
    bt = backtest.backtest(
        y, start=idx[20], horizon=1, models=("persistence",), n_samples=20000, seed=4
    )
    s = bt.scored
    lam = y.shift(1).loc[s["target"]].to_numpy()
    closed = sr.crps_poisson(s["observed"].to_numpy(dtype=float), lam)
    np.testing.assert_allclose(s["crps"].to_numpy(), closed, rtol=0.03, atol=0.01)
    assert abs(s["crps"].mean() - closed.mean()) < 0.01 * closed.mean()
    # and the log score of the sample frequencies agrees with the Poisson log score
    logs = sr.logs_poisson(s["observed"].to_numpy(dtype=float), lam)
    np.testing.assert_allclose(s["log_score"].mean(), logs.mean(), rtol=0.02)


def test_persistence_quantiles_are_poisson_quantiles_of_the_last_value():
    idx = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    y = pd.Series(np.r_[np.zeros(29, dtype=int), 6], index=idx)
    r = outlook.forecast(y, model="persistence", n_samples=100)
    expected = stats.poisson(6).ppf(outlook.LEVELS)
    for _, row in r.quantiles.iterrows():
        np.testing.assert_array_equal(row[["q05", "q25", "q50", "q75", "q95"]], expected)
    assert r.prob_at_least(8).iloc[0] == pytest.approx(stats.poisson(6).sf(7))
    assert (r.quantiles["mean"] == 6).all()


def test_no_look_ahead(nb_series):
    as_of = nb_series.index[120]
    changed = nb_series.copy()
    changed.iloc[121:] = changed.iloc[121:] * 3 + 7
    for model in ("auto", "climatology", "persistence"):
        a = outlook.forecast(nb_series, as_of=as_of, model=model, n_samples=200, seed=9)
        b = outlook.forecast(changed, as_of=as_of, model=model, n_samples=200, seed=9)
        np.testing.assert_array_equal(a.samples, b.samples)
        assert a.as_of == as_of
    # and the backtest's forecast at an origin is forecast(as_of=origin)
    bt = backtest.backtest(
        nb_series, start=as_of, end=as_of, models=("auto",), n_samples=200, seed=9
    )
    fc = outlook.forecast(nb_series, as_of=as_of, n_samples=200, seed=9)
    obs = nb_series.iloc[121:125].to_numpy()
    np.testing.assert_allclose(bt.scored["crps"], backtest.crps_samples(obs, fc.samples))


def test_forecast_shape_words_and_reproducibility(nb_series):
    r = outlook.forecast(nb_series, n_samples=400, seed=1)
    assert r.samples.shape == (400, 4) and r.samples.dtype.kind == "i"
    assert (r.samples >= 0).all()
    assert list(r.quantiles.columns) == ["mean", "q05", "q25", "q50", "q75", "q95"]
    assert r.quantiles.index[0] == nb_series.index[-1] + pd.Timedelta(weeks=1)
    q = r.quantiles.to_numpy()
    assert (np.diff(q[:, 1:], axis=1) >= 0).all()
    p = r.prob_at_least(1)
    assert ((p >= 0) & (p <= 1)).all()
    assert r.summary().startswith("next week: most likely")
    assert "chance of" in r.summary()
    again = outlook.forecast(nb_series, n_samples=400, seed=1)
    np.testing.assert_array_equal(r.samples, again.samples)
    other = outlook.forecast(nb_series, n_samples=400, seed=2)
    assert not np.array_equal(r.samples, other.samples)
    ax = r.plot()
    assert ax.figure.alt_text.startswith("Fan chart")
    plt.close("all")


def test_auto_is_an_equal_mixture_of_its_components(nb_series):
    auto = outlook.forecast(nb_series, model="auto", n_samples=400, seed=3)
    nb = outlook.forecast(nb_series, model="nb", n_samples=400, seed=3)
    hk = outlook.forecast(nb_series, model="hawkes", n_samples=400, seed=3)
    pooled = np.sort(np.concatenate([nb.samples[:200], hk.samples[:200]]), axis=0)
    np.testing.assert_array_equal(np.sort(auto.samples, axis=0), pooled)


def test_daily_and_monthly_series_work():
    rng = np.random.default_rng(1)
    daily = pd.Series(
        rng.poisson(0.5, 200), index=pd.date_range("2020-01-01", periods=200, freq="D")
    )
    monthly = pd.Series(
        rng.poisson(6, 40), index=pd.date_range("2018-01-01", periods=40, freq="MS")
    )
    d = outlook.forecast(daily, horizon=7, n_samples=100)
    m = outlook.forecast(monthly, horizon=3, n_samples=100)
    assert d.samples.shape == (100, 7) and d.unit == "day"
    assert m.quantiles.index[0] == pd.Timestamp("2021-05-01") and m.unit == "month"


def test_backtest_tables(nb_series):
    bt = backtest.backtest(
        nb_series, start=nb_series.index[200], horizon=2, step=3, n_samples=100,
        models=("auto", "climatology", "persistence", "zero"),
    )  # fmt: skip
    assert bt.n_origins == len(range(200, len(nb_series) - 1, 3))
    assert set(bt.scores.columns) >= {"crps", "log_score", "is50", "is90"}
    assert (
        bt.skill.loc[("climatology", 1), "skill"] == 0
        or bt.skill.loc[("climatology", 1), "baseline"] != "climatology"
    )
    row = bt.skill.loc[("auto", 1)]
    assert row["low"] <= row["skill"] <= row["high"]
    assert bt.coverage.loc[("zero", 1), "cover90_attacks"] == 0
    assert ((bt.pit["pit"] >= 0) & (bt.pit["pit"] <= 1)).all()
    assert "one-week CRPS" in bt.summary()
    bt.plot()
    bt.plot_calibration(model="auto")
    plt.close("all")


@pytest.mark.parametrize(
    ("change", "words", "error"),
    [
        (lambda y: y.iloc[:10], "at least 16", ModelInputError),
        (lambda y: y.where(y.index != y.index[5], -1), "negative", ModelInputError),
        (lambda y: y.drop(y.index[7]), "irregular", ModelInputError),
    ],
)
def test_bad_series_are_refused(nb_series, change, words, error):
    with pytest.raises(error, match=words) as info:
        outlook.forecast(change(nb_series.iloc[:60]))
    assert "y" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"model": "prophet"}, "model"),
        ({"horizon": 0}, "horizon"),
        ({"n_samples": 3}, "n_samples"),
        ({"as_of": "1990-01-01"}, "as_of"),
    ],
)
def test_bad_parameters_name_the_parameter(nb_series, kwargs, name):
    with pytest.raises(ParameterError, match=name):
        outlook.forecast(nb_series, **kwargs)


def test_backtest_bad_parameters(nb_series):
    with pytest.raises(ParameterError, match=r"models\[1\] must be one of auto, nb"):
        backtest.backtest(nb_series, start=nb_series.index[100], models=("nb", "arima"))
    with pytest.raises(ParameterError, match="models must be a list of at least 1"):
        backtest.backtest(nb_series, start=nb_series.index[100], models=())
    with pytest.raises(ParameterError, match="start must be on or after"):
        backtest.backtest(nb_series, start=nb_series.index[2])
    with pytest.raises(ParameterError, match="end must be a date leaving a forecast origin"):
        backtest.backtest(nb_series, start=nb_series.index[100], end=nb_series.index[50])
    with pytest.raises(ParameterError, match="step"):
        backtest.backtest(nb_series, start=nb_series.index[100], step=0)


def test_seed_none_draws_a_seed_that_repeats_the_forecast(nb_series):
    fresh = outlook.forecast(nb_series, model="climatology", n_samples=100, seed=None)
    assert isinstance(fresh.seed, int) and fresh.seed >= 0
    again = outlook.forecast(nb_series, model="climatology", n_samples=100, seed=fresh.seed)
    np.testing.assert_array_equal(fresh.samples, again.samples)
    with pytest.raises(ParameterError, match="seed must be a whole number >= 0 or None"):
        outlook.forecast(nb_series, seed=-1)


def test_a_week_under_way_is_conditioned_on_its_attacks(nb_series):
    """The law of total probability: the nb forecast of a week half seen, averaged over what may
    be seen in its first half (each attack of the unconditional week seen with probability 1/2),
    is the unconditional forecast of that week; every model keeps the attacks already seen."""
    n, f = 4000, 0.5
    whole = outlook.forecast(nb_series, model="nb", n_samples=n, seed=7).samples[:, 0]
    seen = np.random.default_rng(8).binomial(whole, f)
    values, freq = np.unique(seen, return_counts=True)
    mixed = 0.0
    for k, w in zip(values, freq, strict=True):
        fc = outlook.forecast(nb_series, model="nb", n_samples=n, seed=7, seen=int(k), elapsed=f)
        assert (fc.samples[:, 0] >= k).all() and fc.seen == k
        mixed += w / n * fc.samples[:, 0].mean()
    se = whole.std() / np.sqrt(n)
    assert abs(mixed - whole.mean()) < 4 * se + 0.05 * whole.mean(), (mixed, whole.mean())
    for model in ("hawkes", "climatology", "persistence", "zero", "auto"):
        fc = outlook.forecast(nb_series, model=model, n_samples=200, seed=1, seen=5, elapsed=0.9)
        assert (fc.samples[:, 0] >= 5).all(), model
    zero = outlook.forecast(nb_series, model="zero", n_samples=100, seen=3, elapsed=0.5)
    assert (zero.samples[:, 0] == 3).all() and (zero.samples[:, 1:] == 0).all()
    with pytest.raises(ParameterError, match="elapsed"):
        outlook.forecast(nb_series, elapsed=1.0)
    with pytest.raises(ParameterError, match="seen"):
        outlook.forecast(nb_series, seen=2)


def test_share_inside_is_the_mean_of_the_randomised_pit_draws():
    """The expected coverage the backtest reports equals the share of randomised PIT draws
    inside the interval (an independent Monte Carlo), without the draws' noise."""
    rng = np.random.default_rng(3)
    samples = rng.poisson(rng.gamma(2.0, 1.0, size=(500, 1)), size=(500, 6))
    obs = np.array([0, 1, 2, 4, 7, 15])
    for level in (0.5, 0.9):
        exact = backtest.share_inside(obs, samples, level)
        a = (1 - level) / 2
        draws = np.array([backtest.randomised_pit(obs, samples, rng) for _ in range(20000)])
        mc = ((draws >= a) & (draws <= 1 - a)).mean(axis=0)
        np.testing.assert_allclose(exact, mc, atol=0.015)
