"""The shape every model result shares, modelled on statsmodels' results objects.

A results object holds the fitted numbers as attributes and offers three views:
``to_frame()`` (a tidy table), ``summary()`` (plain text for a brief) and ``plot(ax=None)``
(a matplotlib chart, political events annotated when the fit was given them).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import pandas as pd
from matplotlib.axes import Axes


class ModelResults(ABC):
    """Base class for model results: numbers as attributes plus three standard views."""

    #: short model name used in summaries, e.g. "Interrupted time series"
    title: str = "Model"

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The main result as a tidy DataFrame."""

    @abstractmethod
    def summary(self) -> str:
        """Plain-text summary a person can paste into a brief."""

    @abstractmethod
    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the result's chart on ``ax`` (a new axes when None) and return the axes."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title}>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:  # rich display in notebooks; text is escaped by pandas
        return self.to_frame().to_html(escape=True)


def format_p(p: float) -> str:
    """Format a p-value for a summary: ``p < 0.001``, ``p = 0.042`` or ``p n/a``."""
    if p != p or p in (float("inf"), float("-inf")):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def format_rr(rr: float, low: float, high: float) -> str:
    """Format a rate ratio with its 95% interval, e.g. ``2.10 (95% CI 1.40-3.15)``."""
    return f"{rr:.2f} (95% CI {low:.2f}-{high:.2f})"
