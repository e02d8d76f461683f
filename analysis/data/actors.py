"""Who is named as the attacker: the case's rules that map text to an actor.

The rules are the case file's ``actor_rules`` (:attr:`analysis.case.Case.actor_rules`): ordered
``(pattern, actor)`` pairs mapping free text onto the case's ``actors`` vocabulary; the first
rule whose pattern occurs in the text wins, and text no rule matches is ``"unknown"``. The
dataset build (:mod:`analysis.data.curate`) applies them, case-sensitive, to a source row's
``attributed_to`` (:func:`actor_for`); the feed loaders (:mod:`analysis.sources.common`) apply
them in any case to a feed's free text (:func:`actor_patterns` with ``any_case=True``). Both
read the rules of the case in use, at call time, so the curated data and the feeds name actors
alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from analysis import case as case_file

_T = TypeVar("_T")
_D = TypeVar("_D")

__all__ = ["actor_for", "actor_patterns", "actor_rules", "first_match"]


def first_match(rules: Iterable[tuple[re.Pattern[str], _T]], text: object, default: _D) -> _T | _D:
    """The value of the first ``(pattern, value)`` rule whose pattern occurs in ``text``.

    ``default`` when none does, or when ``text`` is not a string (e.g. NA).
    """
    if isinstance(text, str):
        for pattern, value in rules:
            if pattern.search(text):
                return value
    return default


def actor_rules(case: case_file.Case | None = None) -> tuple[tuple[str, str], ...]:
    """The ordered ``(pattern, actor)`` rules of ``case`` (default: the case in use)."""
    return (case or case_file.current()).actor_rules


#: (rules, ignore case) -> the rules compiled
_COMPILED: dict[tuple[tuple[tuple[str, str], ...], bool], tuple] = {}


def actor_patterns(
    case: case_file.Case | None = None, *, any_case: bool = False
) -> tuple[tuple[re.Pattern[str], str], ...]:
    """``case``'s actor rules compiled: as written (case-sensitive, the curated build's
    attributions) or, with ``any_case``, ignoring case (the feeds' free text)."""
    rules = actor_rules(case)
    key = (rules, any_case)
    if key not in _COMPILED:
        flags = re.IGNORECASE if any_case else 0
        _COMPILED[key] = tuple((re.compile(p, flags), a) for p, a in rules)
    return _COMPILED[key]


def actor_for(attributed_to: str, case: case_file.Case | None = None) -> str:
    """Normalised actor for a free-text attribution ("unknown" when none matches)."""
    return first_match(actor_patterns(case), attributed_to, "unknown")
