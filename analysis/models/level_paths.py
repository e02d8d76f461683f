"""Forecast paths of a fitted state-space model from the end of its sample, all at once.

statsmodels' ``simulate(h, anchor="end", repetitions=n)`` runs its simulation smoother once per
path, about 0.1 ms of set-up each: a fifth of a second for the counterfactual's 1,000 paths on
every event page. For the model the counterfactual fits by default (a local level with no
regressors and no season) the recursion is two additions, so :func:`end_paths` does it for all
paths at once. It draws the same random numbers in the same order and does the same floating-point
operations as statsmodels, so the paths are the same bit for bit
(``tests/test_level_paths.py`` checks it against statsmodels); any other model is handed to
statsmodels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["end_paths", "is_plain_level"]


def is_plain_level(model: Any) -> bool:
    """True when ``model``'s state space, as last updated, is a plain local level: one series,
    one state, design, transition and selection 1, no intercepts, no regressors, a fixed
    scale. Only then is :func:`end_paths`'s own recursion statsmodels' to the bit (a
    multiplication by 1 is exact, whatever order BLAS uses)."""
    ssm = model.ssm
    if getattr(model, "exog", None) is not None or not ssm.time_invariant:
        return False
    if (ssm.k_endog, ssm.k_states, ssm.k_posdef) != (1, 1, 1):
        return False
    if getattr(ssm, "filter_concentrated", False):
        return False
    ones = ("design", "transition", "selection")
    zeros = ("obs_intercept", "state_intercept")
    return all(np.all(ssm[name] == 1.0) for name in ones) and all(
        np.all(ssm[name] == 0.0) for name in zeros
    )


def end_paths(
    model: Any,
    params: np.ndarray,
    steps: int,
    repetitions: int,
    rng: np.random.Generator,
    *,
    exog: np.ndarray | None = None,
) -> np.ndarray:
    """``repetitions`` simulated paths of ``steps`` periods after the end of ``model``'s sample
    under ``params``, each from the filtered end state drawn from its distribution: an array
    ``steps x repetitions`` on the model's scale. The same numbers as
    ``model.filter(params).simulate(steps, anchor="end", repetitions=repetitions, exog=exog,
    rng=rng)``, and ``rng`` is left in the same state."""
    if exog is None:
        filtered = model.filter(params, return_ssm=True, cov_type="none")
        if is_plain_level(model):
            return _level_paths(model, filtered, steps, repetitions, rng)
    result = model.filter(params, cov_type="none")
    sims = result.simulate(steps, anchor="end", repetitions=repetitions, exog=exog, rng=rng)
    return np.asarray(sims, dtype=float).reshape(steps, -1)


def _level_paths(
    model: Any, filtered: Any, steps: int, repetitions: int, rng: np.random.Generator
) -> np.ndarray:
    """:func:`end_paths` of a plain local level (:func:`is_plain_level`), from its filter
    output ``filtered``."""
    end = filtered.nobs
    # the draws in statsmodels' order: every path's start state, then for each path its
    # measurement shocks and then its state shocks (MLEResults.simulate, SimulationSmoother)
    state = rng.multivariate_normal(
        filtered.predicted_state[:, end], filtered.predicted_state_cov[:, :, end], size=repetitions
    ).T[0]
    shocks = np.empty((2, repetitions, steps))
    for i in range(repetitions):
        shocks[0, i] = rng.normal(size=steps)
        shocks[1, i] = rng.normal(size=steps)
    ssm = model.ssm
    # the Cholesky factor of a 1x1 covariance, as statsmodels takes it (``h ** 0.5``)
    measurement = float(np.ravel(ssm["obs_cov"])[0]) ** 0.5 * shocks[0]
    level = float(np.ravel(ssm["state_cov"])[0]) ** 0.5 * shocks[1]
    out = np.empty((steps, repetitions))
    for t in range(steps):  # y_t = eps_t + level_t; level_t+1 = eta_t + level_t
        out[t] = measurement[:, t] + state
        state = level[:, t] + state
    return out
