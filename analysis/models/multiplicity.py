"""Holm's step-down adjustment of p-values tested together, without statsmodels' cost.

``statsmodels.stats.multitest.multipletests(p, method="holm")`` ends its Holm branch with a
``gc.collect()``, which in a notebook kernel holding a build's frames and figures costs about
0.2 s a call (an event brief made two). :func:`holm` does the same arithmetic in the same order
(sort, multiply by ``n, n-1, ..., 1``, running maximum, capped at 1, unsorted), so its numbers are
identical to statsmodels' (``tests/models/test_multiplicity.py`` checks it bit for bit).
"""

from __future__ import annotations

import numpy as np

__all__ = ["holm"]


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (a new float array, in the order of ``p``; finite p in [0, 1])."""
    p = np.asarray(p)
    order = np.argsort(p)
    ranked = np.take(p, order)
    adjusted = np.maximum.accumulate(ranked * np.arange(len(ranked), 0, -1))
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out
