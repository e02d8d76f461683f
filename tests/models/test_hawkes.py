"""Tests for the Hawkes model: recovery of simulated truth, O(n^2) likelihood, diagnostics."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize

from analysis.models import hawkes, pointprocess

START = pd.Timestamp("2015-01-01")
END = START + pd.Timedelta(days=2000)
MU, ALPHA, BETA = 0.5, 0.5, 1.0  # events per day, branching ratio, decay per day


@pytest.fixture(scope="module")
def simulated() -> pd.DatetimeIndex:
    return hawkes.simulate(MU, ALPHA, BETA, start=START, end=END, seed=1)


@pytest.fixture(scope="module")
def fitted(simulated: pd.DatetimeIndex) -> hawkes.HawkesResults:
    events = pd.DataFrame({"date": [START + pd.Timedelta(days=500)], "label": ["ceasefire"]})
    return hawkes.fit(simulated, start=START, end=END, events=events)


def _direct_loglik(t, T, mu_of, alpha, beta, integral_mu):
    """O(n^2) log-likelihood straight from the definition of the intensity."""
    lam = np.array(
        [mu_of(ti) + alpha * beta * np.sum(np.exp(-beta * (ti - t[:i]))) for i, ti in enumerate(t)]
    )
    return np.sum(np.log(lam)) - integral_mu - alpha * np.sum(1 - np.exp(-beta * (T - t)))


# --- recovery of known truth ------------------------------------------------------------------


def test_recovers_parameters_and_intervals_cover_truth(fitted):
    # tolerances: about 2 standard errors for ~2000 events
    assert fitted.n_events > 1500
    assert fitted.n_jitter == 0  # continuous times: no jitter
    assert abs(fitted.branching_ratio - ALPHA) < 0.08
    assert abs(fitted.baseline - MU) < 0.08
    assert abs(math.log(fitted.decay / BETA)) < 0.25
    assert fitted.branching_ratio_low < ALPHA < fitted.branching_ratio_high
    assert fitted.baseline_low < MU < fitted.baseline_high
    assert fitted.decay_low < BETA < fitted.decay_high
    hl = math.log(2) / BETA
    assert fitted.half_life_days_low < hl < fitted.half_life_days_high
    assert fitted.half_life_days == pytest.approx(math.log(2) / fitted.decay)


def test_simulated_mean_rate_is_mu_over_one_minus_alpha():
    days = 8000
    ts = hawkes.simulate(MU, ALPHA, BETA, start=START, end=START + pd.Timedelta(days=days), seed=7)
    rate = len(ts) / days
    # sd of the count is about sqrt(mu T / (1 - alpha)^3) -> about 3% of the mean here
    assert rate == pytest.approx(MU / (1 - ALPHA), rel=0.1)
    assert ts.is_monotonic_increasing
    assert ts[0] >= START and ts[-1] < START + pd.Timedelta(days=days)


def test_simulation_is_reproducible_by_seed():
    a = hawkes.simulate(0.3, 0.4, 2.0, start=START, end=START + pd.Timedelta(days=200), seed=3)
    b = hawkes.simulate(0.3, 0.4, 2.0, start=START, end=START + pd.Timedelta(days=200), seed=3)
    c = hawkes.simulate(0.3, 0.4, 2.0, start=START, end=START + pd.Timedelta(days=200), seed=4)
    assert a.equals(b)
    assert not a.equals(c)


# --- agreement with independent computations --------------------------------------------------


def test_recursive_loglik_matches_direct_quadratic_computation():
    T = 300.0
    breaks = [START + pd.Timedelta(days=120)]
    ts = hawkes.simulate(
        [0.4, 0.9], 0.6, 1.5, start=START, end=START + pd.Timedelta(days=T), seed=5,
        baseline_breaks=breaks,
    )  # fmt: skip
    t = np.asarray((ts - START) / pd.Timedelta(days=1))
    mu = (0.35, 0.8)
    for alpha, beta in [(0.6, 1.5), (0.2, 0.05), (0.9, 20.0)]:
        direct = _direct_loglik(
            t, T, lambda s: mu[0] if s < 120 else mu[1], alpha, beta, mu[0] * 120 + mu[1] * 180
        )
        fast = hawkes.log_likelihood(t, T, mu, alpha, beta, edges=[0.0, 120.0, T])
        assert fast == pytest.approx(direct, rel=1e-10)


def test_fitted_loglik_matches_direct_computation(fitted, simulated):
    t = np.asarray((simulated - START) / pd.Timedelta(days=1))
    T = 2000.0
    direct = _direct_loglik(
        t, T, lambda s: fitted.baseline, fitted.branching_ratio, fitted.decay, fitted.baseline * T
    )
    assert fitted.loglik == pytest.approx(direct, rel=1e-8)


def test_analytic_gradient_matches_finite_differences():
    ts = hawkes.simulate(0.5, 0.5, 1.0, start=START, end=START + pd.Timedelta(days=400), seed=2)
    data = hawkes._make_data(
        np.asarray((ts - START) / pd.Timedelta(days=1)), 400.0, np.array([0.0, 150.0, 400.0])
    )
    for theta in ([np.log(0.4), np.log(0.6), 0.3, np.log(0.8)], [-2.0, -0.5, -3.0, 2.0]):
        theta = np.asarray(theta)
        analytic = hawkes._negloglik(theta, data)[1]
        numeric = optimize.approx_fprime(theta, lambda x: hawkes._negloglik(x, data)[0], 1e-6)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-3)


def test_compensator_matches_numerical_integral_of_intensity():
    T = 60.0
    ts = hawkes.simulate(0.5, 0.5, 1.0, start=START, end=START + pd.Timedelta(days=T), seed=4)
    t = np.asarray((ts - START) / pd.Timedelta(days=1))
    data = hawkes._make_data(t, T, np.array([0.0, 20.0, T]))
    mu, alpha, beta = np.array([0.3, 0.7]), 0.5, 1.3

    def intensity(s):
        past = t[t < s]
        return mu[0 if s < 20 else 1] + alpha * beta * np.sum(np.exp(-beta * (s - past)))

    for s in (7.3, 20.0, 41.9, T):
        pts = np.concatenate([t[t < s], [20.0] if s > 20 else []])
        quad = integrate.quad(intensity, 0, s, points=pts, limit=500)[0]
        assert hawkes._compensator(np.array([s]), data, mu, alpha, beta)[0] == pytest.approx(
            quad, rel=1e-6
        )


# --- model features ---------------------------------------------------------------------------


def test_baseline_breaks_absorb_a_regime_shift():
    brk = START + pd.Timedelta(days=900)
    ts = hawkes.simulate(
        [0.3, 1.2], 0.0, 1.0, start=START, end=END, seed=0, baseline_breaks=[brk]
    )  # a Poisson process whose rate quadruples: no self-excitation at all
    with_break = hawkes.fit(ts, start=START, end=END, baseline_breaks=[brk])
    without = hawkes.fit(ts, start=START, end=END)
    assert with_break.branching_ratio < 0.1
    assert without.branching_ratio > 0.5  # the shift masquerades as excitation
    b = with_break.baselines
    assert len(b) == 2 and list(b["start"]) == [START, brk]
    assert b["low"][0] < 0.3 < b["high"][0] and b["low"][1] < 1.2 < b["high"][1]
    weighted = (0.3 * 900 + 1.2 * 1100) / 2000
    assert with_break.baseline == pytest.approx(weighted, rel=0.1)
    assert with_break.baseline_low < with_break.baseline < with_break.baseline_high
    assert "2015-01-01 to" in with_break.to_frame()["parameter"].iloc[0]


def test_gof_accepts_correct_model_and_rejects_rigid_clusters(fitted):
    assert fitted.gof_p > 0.05
    assert len(fitted.rescaled) == fitted.n_events
    assert fitted.rescaled.mean() == pytest.approx(1.0, abs=0.1)
    # Clustered, but not like a Hawkes process: bursts of exactly five attacks two days apart.
    # A Hawkes model is the natural candidate for clustered data, so this is a fair check that
    # the time-rescaling test notices a wrong clustering mechanism.
    rng = np.random.default_rng(11)
    centres = np.sort(rng.random(200) * 1900)
    t = np.sort((centres[:, None] + np.arange(5) * 2.0 + rng.random((200, 5)) * 0.01).ravel())
    wrong = hawkes.fit(START + pd.to_timedelta(t, unit="D"), start=START, end=END)
    assert wrong.branching_ratio > 0.3  # it does see clustering ...
    assert wrong.gof_p < 1e-6  # ... but the timing is not Hawkes-like


def test_jitter_on_day_rounded_data_agrees_with_continuous_fit():
    ts = hawkes.simulate(MU, ALPHA, BETA, start=START, end=END, seed=3)
    continuous = hawkes.fit(ts, start=START, end=END)
    days = ts.floor("D")
    assert days.has_duplicates
    jittered = hawkes.fit(days, start=START, end=END, seed=0)
    assert jittered.n_jitter == 5
    # stated tolerance: branching ratio within 0.1 absolute of the continuous-time fit
    assert abs(jittered.branching_ratio - continuous.branching_ratio) < 0.1
    assert jittered.branching_ratio_low < ALPHA < jittered.branching_ratio_high
    assert jittered.baseline == pytest.approx(continuous.baseline, rel=0.15)
    # same seed, same answer; daily counts come from the dates as given
    again = hawkes.fit(days, start=START, end=END, seed=0)
    assert again.branching_ratio == jittered.branching_ratio
    assert jittered.counts.sum() == len(ts)
    assert "spread at random" in jittered.summary()


def test_rubin_total_variance_adds_between_draw_variance():
    thetas = np.array([[0.0, 1.0], [0.2, 1.0], [0.4, 1.0]])
    covs = np.array([np.eye(2) * 0.01] * 3)
    est, se, q = pointprocess.rubin(thetas, covs, np.array([1.0, 0.0]))
    assert est == pytest.approx(0.2)
    assert se**2 == pytest.approx(0.01 + (1 + 1 / 3) * 0.04)
    assert q > 1.96  # t quantile with finite degrees of freedom
    est, se, q = pointprocess.rubin(thetas, covs, np.array([0.0, 1.0]))
    assert se**2 == pytest.approx(0.01) and q == pytest.approx(1.959964, rel=1e-5)


# --- views ------------------------------------------------------------------------------------


def test_views(fitted):
    frame = fitted.to_frame()
    assert list(frame.columns) == ["parameter", "estimate", "low", "high", "unit"]
    assert list(frame["parameter"]) == ["baseline", "branching_ratio", "decay", "half_life"]
    assert (frame["low"] <= frame["estimate"]).all() and (frame["estimate"] <= frame["high"]).all()
    text = fitted.summary()
    assert f"About {100 * fitted.branching_ratio:.0f}% of attacks" in text
    assert "half-life" in text
    ax = fitted.plot()
    assert ax.get_ylabel() == "events per day"
    assert any("ceasefire" == t.get_text() for t in ax.texts)
    assert len(fitted.expected) == len(fitted.counts) == 2000
    assert fitted.expected.sum() == pytest.approx(fitted.n_events, rel=0.02)
    ax2 = fitted.plot_gof()
    # the check's title in words, with its Kolmogorov-Smirnov p-value
    assert (
        ax2.get_title().startswith("Does the model fit the timing of ") and "p" in ax2.get_title()
    )
    plt.close("all")


# --- bad input --------------------------------------------------------------------------------


def test_bad_input_raises(simulated):
    with pytest.raises(ValueError, match="at least"):
        hawkes.fit(simulated[:3])
    with pytest.raises(ValueError, match="window"):
        hawkes.fit(simulated, start=START + pd.Timedelta(days=10), end=END)
    with pytest.raises(ValueError, match="after start"):
        hawkes.fit(simulated, start=END, end=START)
    with pytest.raises(ValueError, match="baseline_breaks"):
        hawkes.fit(simulated, start=START, end=END, baseline_breaks=[END + pd.Timedelta(days=1)])
    with pytest.raises(ValueError, match="ties"):
        hawkes.fit(simulated.floor("D"), n_jitter=0)
    with pytest.raises(ValueError, match="n_jitter"):
        hawkes.fit(simulated, n_jitter=-1)
    with pytest.raises(ValueError, match="seed must be"):
        hawkes.fit(simulated, seed=-1)
    with pytest.raises(ValueError, match="seed must be"):
        hawkes.simulate(0.5, 0.5, 1.0, start=START, end=END, seed=1.5)
    with pytest.raises(ValueError, match="NaT"):
        hawkes.fit(list(simulated[:20]) + [pd.NaT])
    with pytest.raises(ValueError, match="branching_ratio"):
        hawkes.simulate(0.5, 1.0, 1.0, start=START, end=END)
    with pytest.raises(ValueError, match="decay"):
        hawkes.simulate(0.5, 0.5, 0.0, start=START, end=END)
    with pytest.raises(ValueError, match="one per regime"):
        hawkes.simulate([0.5, 0.6], 0.5, 1.0, start=START, end=END)
