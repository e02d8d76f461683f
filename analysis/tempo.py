"""Compatibility: the recent-tempo brief now lives in :mod:`analysis.briefs.tempo`.

Notebooks written before the move import from here; new code imports ``analysis.briefs``.
"""

from analysis.briefs.tempo import TempoResults, recent_tempo, resolve_as_of

__all__ = ["TempoResults", "recent_tempo", "resolve_as_of"]
