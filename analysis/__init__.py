"""escalation: measure how the tempo of attacks changes around political events.

The package holds every piece of logic; notebooks in ``notebooks/`` are thin narratives over it.
Its rooms, top to bottom (imports point down only; ARCHITECTURE.md has the whole map):

- :mod:`analysis.cli`       the ``escalation`` command
- :mod:`analysis.explore`   the JupyterLab explorers (ipywidgets), beside the command
- :mod:`analysis.report`    briefs config, build keys, notebook execution, HTML export, publishing
- :mod:`analysis.briefs`    results turned into pages: the event brief, recent tempo, reader tables
- :mod:`analysis.findings`  one pre-specified answer per event (joint fit per campaign, grades)
- :mod:`analysis.models`    ITS, event windows, changepoints, Hawkes, counterfactuals
- :mod:`analysis.sources`   real event feeds (ACLED, UCDP GED, GDELT), fetching and reconciliation
- :mod:`analysis.geocharts` tile-grid maps of governorates and targets, small multiples
- :mod:`analysis.charts`    the house chart style, alt text and political-event labels
- :mod:`analysis.series`    aggregation of incidents into regular count series
- :mod:`analysis.data`      sourced incident and event tables, their schema and validated loading
- foundations: :mod:`analysis.events` and :mod:`analysis.params` (what models take),
  :mod:`analysis.results` (the one results shape), :mod:`analysis.errors` (the one error family
  and the exit codes), :mod:`analysis.paths`, :mod:`analysis.atomic`
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata on first use only: reading
    it costs about 40 ms, which a command with nothing to do should not pay."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("escalation")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
