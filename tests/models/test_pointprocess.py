"""Tests for the pieces the point-process models share (analysis.models.pointprocess): the
numerical Hessian and covariance against analytic ones, the multi-start fit against known
optima, seeded jitter, the window, Rubin's rules and the time-rescaling check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import ModelInputError, ParameterError
from analysis.models import pointprocess as pp

TIGHT = {"maxiter": 500, "ftol": 1e-12}  # the models' precision


def _exp_negloglik(theta: np.ndarray, n: int, total: float) -> tuple[float, np.ndarray]:
    """Exponential waiting times with rate exp(theta): -loglik = -n theta + exp(theta) total."""
    rate = math.exp(theta[0])
    return -n * theta[0] + rate * total, np.array([-n + rate * total])


# --- Hessian and covariance -------------------------------------------------------------------


def test_hessian_of_a_quadratic_is_its_matrix():
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]])
    b = np.array([1.0, -2.0, 0.5])
    hess = pp.numerical_hessian(lambda x: a @ x + b, np.array([0.3, -1.2, 5.0]))
    np.testing.assert_allclose(hess, a, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(hess, hess.T)


def test_hessian_of_the_exponential_likelihood_is_the_observed_information():
    """d2/dtheta2 of -n theta + e^theta S is e^theta S (= n at the optimum)."""
    theta = np.array([0.7])
    hess = pp.numerical_hessian(lambda x: _exp_negloglik(x, 40, 25.0)[1], theta)
    assert hess[0, 0] == pytest.approx(math.exp(0.7) * 25.0, rel=1e-7)


def test_covariance_inverts_or_marks_unidentified_parameters_infinite():
    h = np.array([[2.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(pp.covariance(h), np.linalg.inv(h))
    singular = np.array([[1.0, 0.0], [0.0, 0.0]])
    cov = pp.covariance(singular)
    assert cov[0, 0] == pytest.approx(1.0) and np.isinf(cov[1, 1])


# --- the multi-start fit ----------------------------------------------------------------------


def test_fit_recovers_the_maximum_likelihood_estimate_and_its_variance():
    """Rate MLE n / S, so theta = log(n / S); the observed information at it is n."""
    n, total = 40, 25.0
    fit = pp.fit_multistart(
        _exp_negloglik,
        [np.array([-2.0]), np.array([2.0])],
        [(-10.0, 10.0)],
        args=(n, total),
        options=TIGHT,
    )
    assert fit.theta[0] == pytest.approx(math.log(n / total), abs=1e-6)
    assert fit.cov[0, 0] == pytest.approx(1 / n, rel=1e-5)
    assert fit.loglik == pytest.approx(n * math.log(n / total) - n, rel=1e-9)
    no_cov = pp.fit_multistart(
        _exp_negloglik, [np.array([0.0])], [(-10.0, 10.0)], args=(n, total), hessian=False
    )
    assert np.isnan(no_cov.cov).all()


@pytest.mark.parametrize("method", ["SLSQP", "L-BFGS-B"])
def test_fit_keeps_the_best_of_several_starts(method):
    """(x^2 - 1)^2 + 0.3 x has a local minimum near +0.96 and the global one near -1.04: from a
    start near each, the fit returns the global one whatever the order of the starts."""

    def f(x):
        return (x[0] ** 2 - 1) ** 2 + 0.3 * x[0], np.array([4 * x[0] * (x[0] ** 2 - 1) + 0.3])

    grid = np.linspace(-2, 2, 400001)
    truth = grid[np.argmin((grid**2 - 1) ** 2 + 0.3 * grid)]
    for starts in ([np.array([1.0]), np.array([-1.2])], [np.array([-1.2]), np.array([1.0])]):
        fit = pp.fit_multistart(f, starts, [(-2.0, 2.0)], method=method, options=TIGHT)
        assert fit.theta[0] == pytest.approx(truth, abs=1e-4)
    local = pp.fit_multistart(f, [np.array([1.0])], [(-2.0, 2.0)], method=method, options=TIGHT)
    assert local.theta[0] > 0  # one start alone can stop at the local minimum


# --- times, window, jitter --------------------------------------------------------------------


def test_times_are_sorted_and_missing_values_refused():
    idx = pp.as_times(pd.Series(pd.to_datetime(["2021-01-03", "2021-01-01"])))
    assert list(idx) == [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03")]
    with pytest.raises(ModelInputError, match="NaT"):
        pp.as_times(["2021-01-01", None])
    with pytest.raises(ModelInputError, match="datetimes"):
        pp.as_times(["not a date"])


def test_window_defaults_and_checks():
    idx = pp.as_times(["2021-01-01 10:00", "2021-01-05 08:00"])
    win = pp.window(idx, None, None)
    assert (win.start, win.end) == (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-06"))
    assert win.T == 5.0
    np.testing.assert_allclose(win.days(idx), [10 / 24, 4 + 8 / 24])
    with pytest.raises(ParameterError, match="after start"):
        pp.window(idx, "2021-02-01", "2021-01-01")
    with pytest.raises(ParameterError, match="after start"):
        pp.window(idx, "2021-02-01", None)
    with pytest.raises(ModelInputError, match="window"):
        pp.window(idx, "2021-01-02", None)


def test_jitter_is_reproducible_with_a_seed_and_stays_within_the_day():
    idx = pp.as_times(["2021-01-01", "2021-01-01", "2021-01-02", "2021-01-04"])
    win = pp.window(idx, None, None)
    n, draws = pp.jitter(idx, win, None, seed=3)
    assert n == pp.DEFAULT_JITTER == len(draws)
    again = pp.jitter(idx, win, None, seed=3)[1]
    other = pp.jitter(idx, win, None, seed=4)[1]
    for a, b in zip(draws, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draws[0], other[0])
    assert not np.array_equal(draws[0], draws[1])  # the draws differ from each other
    day = np.floor(win.days(idx))
    for t in draws:
        assert np.all(np.diff(t) >= 0)
        np.testing.assert_array_equal(np.floor(t), day)


def test_jitter_defaults_and_ties():
    exact = pp.as_times(["2021-01-01 10:00", "2021-01-02 11:30"])
    win = pp.window(exact, None, None)
    n, draws = pp.jitter(exact, win, None, seed=0)
    assert n == 0 and len(draws) == 1
    np.testing.assert_array_equal(draws[0], win.days(exact))
    tied = pp.as_times(["2021-01-01 10:00", "2021-01-01 10:00", "2021-01-02 11:30"])
    with pytest.raises(ModelInputError, match="ties"):
        pp.jitter(tied, win, 0, seed=0)
    assert pp.jitter(tied, win, 0, seed=0, ties_allowed=True)[0] == 0
    with pytest.raises(ParameterError, match="n_jitter"):
        pp.jitter(exact, win, -1, seed=0)


# --- Rubin's rules and time rescaling ---------------------------------------------------------


def test_rubin_with_one_draw_is_the_wald_interval():
    cov = np.array([[[0.04, 0.01], [0.01, 0.09]]])
    est, se, q = pp.rubin(np.array([[1.0, 2.0]]), cov, np.array([1.0, 1.0]))
    assert est == pytest.approx(3.0)
    assert se == pytest.approx(math.sqrt(0.04 + 0.09 + 2 * 0.01))
    assert q == pytest.approx(stats.norm.ppf(0.975))


def test_time_rescaling_of_a_poisson_process_at_its_true_rate():
    """Events of a homogeneous Poisson process at 2 per day: the compensator is 2 t, the
    rescaled gaps are Exp(1) (KS p-value not small); at half the rate they are not."""
    rng = np.random.default_rng(5)
    t = np.cumsum(rng.exponential(0.5, size=2000))
    stat, p, rescaled = pp.time_rescaling([2.0 * t])
    np.testing.assert_allclose(rescaled, np.diff(np.r_[0.0, 2.0 * t]))
    assert p > 0.01 and stat < 0.05
    assert pp.time_rescaling([1.0 * t])[1] < 1e-6
    # several draws: the one with the median statistic is reported
    stats_ = [pp.time_rescaling([c * t])[0] for c in (1.0, 2.0, 1.5)]
    assert pp.time_rescaling([1.0 * t, 2.0 * t, 1.5 * t])[0] == sorted(stats_)[1]
