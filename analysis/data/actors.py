"""Who is named as the attacker: the rules that map text to an actor.

:data:`ACTOR_RULES` are ordered ``(pattern, actor)`` rules mapping free text onto the controlled
vocabulary :data:`analysis.data.vocabulary.ACTORS`; the first rule whose pattern occurs in the
text wins, and text no rule matches is ``"unknown"``. The dataset build
(:mod:`analysis.data.curate`) applies them, case-sensitive, to a source row's ``attributed_to``
(:func:`actor_for`); the feed loaders (:mod:`analysis.sources.common`) apply them in any case to
a feed's free text (:data:`ACTOR_PATTERNS_ANY_CASE`). Both layers read the rules from here, so
the curated data and the feeds name actors alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

_T = TypeVar("_T")
_D = TypeVar("_D")

#: Ordered (pattern, actor) rules mapping the free-text ``attributed_to`` onto ``ACTORS``.
ACTOR_RULES: tuple[tuple[str, str], ...] = (
    (r"Iran \(IRGC", "Iran (IRGC)"),
    (r"Islamic Resistance in Iraq|Iraqi Resistance", "Islamic Resistance in Iraq"),
    (r"Kataib Hezbollah", "Kataib Hezbollah"),
    (r"Ashab al-Kahf|Ahl al-Kahf", "Ashab al-Kahf"),
    (r"Awliya al-Dam", "Saraya Awliya al-Dam"),
    (r"Qasim al-Jab+arin", "Saraya Qasim al-Jabbarin"),
    (r"Thawrat al-Ishrin", "Saraya Thawrat al-Ishrin"),
    (r"Nujaba", "Harakat Hezbollah al-Nujaba"),
    (r"Usbat al-Tha'?ireen", "Usbat al-Thaireen"),
    (r"International Resistance", "other named group"),
    (r"Iran-backed|Iran-aligned|Iranian proxy|PMF-linked", "Iran-aligned militia (unnamed)"),
)


def first_match(rules: Iterable[tuple[re.Pattern[str], _T]], text: object, default: _D) -> _T | _D:
    """The value of the first ``(pattern, value)`` rule whose pattern occurs in ``text``.

    ``default`` when none does, or when ``text`` is not a string (e.g. NA).
    """
    if isinstance(text, str):
        for pattern, value in rules:
            if pattern.search(text):
                return value
    return default


#: :data:`ACTOR_RULES` compiled as written: case-sensitive (the curated build's attributions).
ACTOR_PATTERNS = tuple((re.compile(p), a) for p, a in ACTOR_RULES)

#: :data:`ACTOR_RULES` compiled ignoring case (the feeds' free text).
ACTOR_PATTERNS_ANY_CASE = tuple((re.compile(p, re.IGNORECASE), a) for p, a in ACTOR_RULES)


def actor_for(attributed_to: str) -> str:
    """Normalised actor for a free-text attribution ("unknown" when none matches)."""
    return first_match(ACTOR_PATTERNS, attributed_to, "unknown")


__all__ = [
    "ACTOR_PATTERNS",
    "ACTOR_PATTERNS_ANY_CASE",
    "ACTOR_RULES",
    "actor_for",
    "first_match",
]
