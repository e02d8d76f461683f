"""The structural vocabularies of the tables: the allowed values that belong to the method, not
to one conflict.

Every vocabulary that is about one conflict (areas, countries, targets, weapons, actors, event
categories, tally scopes) comes from the case file, ``case.yml`` beside the tables
(:mod:`analysis.case`), and is read when a table is validated (:mod:`analysis.data.schema`),
never here. ``data/README.md`` explains each value.
"""

from __future__ import annotations

__all__ = ["CONFIRMATIONS", "DATE_PRECISIONS", "REPORTED_COUNT_KINDS", "SOURCE_RELIABILITIES"]

DATE_PRECISIONS = ("day", "month")

#: confirmed: reported as having happened by officials or independent press;
#: claimed: rests only on a perpetrator's claim, a militia-linked channel, or a low-reliability
#: outlet with no official or independent confirmation; disputed: contradicted by the
#: responsible authority.
CONFIRMATIONS = ("confirmed", "claimed", "disputed")

SOURCE_RELIABILITIES = ("standard", "low")

#: how a published tally states its number: exactly, about, at least, more than
REPORTED_COUNT_KINDS = ("exact", "about", "at_least", "more_than")
