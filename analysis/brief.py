"""Compatibility: the event brief and the notebooks' values now live in :mod:`analysis.briefs`.

Notebooks written before the move import from here; new code imports ``analysis.briefs``.
"""

from analysis.briefs import *  # noqa: F403
from analysis.briefs import __all__  # noqa: F401
