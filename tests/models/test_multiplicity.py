"""Holm's adjustment: the same numbers as statsmodels', bit for bit, and Holm's definition."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.models.multiplicity import holm


@pytest.mark.parametrize("n", [1, 2, 5, 17, 60])
def test_holm_equals_statsmodels_exactly(n, monkeypatch):
    # statsmodels' Holm ends with gc.collect(), 0.3 s in a test session's heap: not its numbers
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    rng = np.random.default_rng(n)
    for _ in range(20):
        p = rng.uniform(0, 1, n) ** rng.uniform(0.2, 4)
        p[rng.integers(0, n, n // 3)] = p[0]  # ties
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_array_equal(holm(p), expected)


def test_holm_by_definition():
    p = np.array([0.04, 0.01, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 -> 0.04, 0.09, 0.08, 0.5; running max
    np.testing.assert_allclose(holm(p), [0.09, 0.04, 0.09, 0.5])
    assert holm(np.array([0.9, 0.8])).tolist() == [1.0, 1.0]
