"""Controlled vocabularies of the curated dataset: every categorical column's allowed values.

These lists are the codebook in code form; ``data/README.md`` explains each value. Loaders turn the
columns into pandas categoricals with exactly these categories, so filters and groupings never meet
a misspelt value.
"""

from __future__ import annotations

DATE_PRECISIONS = ("day", "month")

TARGET_TYPES = (
    "us_military_base",
    "coalition_convoy",
    "us_embassy",
    "airport",
    "residential",
    "other",
)

ATTACK_TYPES = ("rocket", "ied", "drone", "ballistic_missile", "unknown")

#: Iraq's 18 governorates (as spelt in the sources' Security Media Cell usage) and "unknown".
GOVERNORATES = (
    "Al-Muthanna",
    "Al-Qadisiyah",
    "Anbar",
    "Babil",
    "Baghdad",
    "Basra",
    "Dhi Qar",
    "Diyala",
    "Duhok",
    "Erbil",
    "Halabja",
    "Karbala",
    "Kirkuk",
    "Maysan",
    "Najaf",
    "Nineveh",
    "Salah al-Din",
    "Sulaymaniyah",
    "Wasit",
    "unknown",
)

#: confirmed: reported as having happened by officials or independent press;
#: claimed: rests only on a perpetrator's claim, a militia-linked channel, or a low-reliability
#: outlet with no official or independent confirmation; disputed: contradicted by the
#: responsible authority.
CONFIRMATIONS = ("confirmed", "claimed", "disputed")

SOURCE_RELIABILITIES = ("standard", "low")

#: Normalised perpetrator named by a claim or an attribution ("unknown" when none is stated).
ACTORS = (
    "Islamic Resistance in Iraq",
    "Kataib Hezbollah",
    "Ashab al-Kahf",
    "Saraya Awliya al-Dam",
    "Saraya Qasim al-Jabbarin",
    "Saraya Thawrat al-Ishrin",
    "Harakat Hezbollah al-Nujaba",
    "Usbat al-Thaireen",
    "other named group",
    "Iran-aligned militia (unnamed)",
    "Iran (IRGC)",
    "unknown",
)

EVENT_CATEGORIES = (
    "militia_attack",
    "us_strike",
    "iran_strike",
    "political",
    "diplomatic",
    "threat",
    "military_posture",
    "truce",
)

REPORTED_COUNT_KINDS = ("exact", "about", "at_least", "more_than")
#: Where a published tally counts: Iraq (comparable with the dataset), Iraq and Syria, the wider
#: region (Syria, Jordan, ...), or a single base (e.g. "al-Asad hit 24 times").
REPORTED_SCOPES = ("iraq", "iraq_syria", "region", "one_base")
