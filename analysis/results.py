"""The one shape every results object shares, models and briefs alike (after statsmodels).

A results object is a dataclass whose fields are the numbers and tables, each declared once with
its type and a one-line meaning with units (:func:`attr`). It offers three views:
``to_frame()`` (a tidy table), ``summary()`` (plain text for a brief) and ``plot(ax=None)`` (a
matplotlib chart). ``describe()`` lists the fields and their meanings, for docs and tests.

Results are built by the function that computes them (``its.fit``, ``event_brief``, ...) with
every field given; nothing is added after construction.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Results", "attr", "format_p", "format_rr"]


def attr(doc: str, **kwargs: Any) -> Any:
    """A results field with its one-line meaning ``doc`` (units included): a dataclass
    ``field`` whose metadata carries the text, so :meth:`Results.describe` can list it."""
    return dataclasses.field(metadata={"doc": doc}, **kwargs)


@dataclasses.dataclass(repr=False, eq=False)
class Results(ABC):
    """Base of every results object: declared fields plus three standard views."""

    #: short name used in summaries and reprs, e.g. "Interrupted time series"
    title: ClassVar[str] = "Results"

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The main result as a tidy DataFrame."""

    @abstractmethod
    def summary(self) -> str:
        """Plain-text summary a person can paste into a brief."""

    @abstractmethod
    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the result's chart on ``ax`` (a new axes when None) and return the axes."""

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """The declared fields: ``field``, ``type`` and ``meaning`` (one line, with units)."""
        rows = [
            {"field": f.name, "type": str(f.type), "meaning": f.metadata.get("doc", "")}
            for f in dataclasses.fields(cls)
        ]
        return pd.DataFrame(rows, columns=["field", "type", "meaning"])

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
