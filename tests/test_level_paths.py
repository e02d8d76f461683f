"""Forecast paths from the end of a sample, all at once (analysis.models.level_paths): the
same numbers as statsmodels' own simulation, to the bit, with the generator left alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.structural import UnobservedComponents

from analysis.models.level_paths import end_paths, is_plain_level


def _series(seed: int, n: int = 40) -> pd.Series:
    rng = np.random.default_rng(seed)  # synthetic: Anscombe-scaled Poisson counts
    counts = rng.poisson(rng.uniform(0.3, 6.0), size=n)
    index = pd.date_range("2021-01-04", periods=n, freq="W-MON")
    return pd.Series(2 * np.sqrt(counts + 3 / 8), index=index)


def _statsmodels(model, params, steps, reps, rng, exog=None):
    result = model.filter(params, cov_type="none")
    sims = result.simulate(steps, anchor="end", repetitions=reps, exog=exog, rng=rng)
    return np.asarray(sims, dtype=float).reshape(steps, -1)


@pytest.mark.parametrize("seed", [0, 1, 7, 23])
def test_a_local_level_s_paths_are_statsmodels_paths_to_the_bit(seed):
    model = UnobservedComponents(_series(seed), level="llevel")
    mle = model.fit(disp=False).params
    for params in (mle, mle * np.array([1.7, 0.4])):  # the MLE and a parameter draw
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        got = end_paths(model, params, 9, 50, ours)
        assert is_plain_level(model)
        want = _statsmodels(model, params, 9, 50, theirs)
        assert got.shape == (9, 50)
        assert np.array_equal(got, want)
        assert ours.random() == theirs.random()  # the same draws were taken


def test_other_models_are_simulated_by_statsmodels():
    y = _series(3, 48)
    seasonal = UnobservedComponents(y, level="llevel", seasonal=4)
    x = pd.Series(np.arange(48) % 2, index=y.index, dtype=float)
    regression = UnobservedComponents(y.iloc[:40], level="llevel", exog=x.iloc[:40])
    for model, exog in ((seasonal, None), (regression, x.iloc[40:].to_numpy()[:, None])):
        params = model.fit(disp=False).params
        model.update(params)
        assert not is_plain_level(model)
        steps = 8
        got = end_paths(model, params, steps, 30, np.random.default_rng(5), exog=exog)
        want = _statsmodels(model, params, steps, 30, np.random.default_rng(5), exog=exog)
        assert np.array_equal(got, want)
