"""escalation: measure how the tempo of attacks changes around political events.

The package holds every piece of logic; notebooks in ``notebooks/`` are thin narratives over it.

- :mod:`analysis.data`     sourced incident and event tables, their schema and validated loading
- :mod:`analysis.series`   aggregation of incidents into regular count series
- :mod:`analysis.models`   ITS, event windows, changepoints, Hawkes, counterfactuals
- :mod:`analysis.charts`   the house chart style and political-event annotation
- :mod:`analysis.cli`      the ``escalation`` command
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("escalation")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
