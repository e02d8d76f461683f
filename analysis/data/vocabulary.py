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

#: ``mixed``: rockets and drones (or mortars) in one attack at one base on one day
ATTACK_TYPES = ("rocket", "ied", "drone", "ballistic_missile", "unknown", "mixed")

#: The countries the incidents lie in: Iraq (every campaign), Syria and Jordan (the 2023-24
#: campaign, from the fifth sourcing pass).
COUNTRIES = ("Iraq", "Syria", "Jordan")

#: Iraq's 18 governorates (as spelt in the sources' Security Media Cell usage) and Halabja.
IRAQ_GOVERNORATES = (
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
)

#: Syria's 14 governorates (muhafazat), in the English spelling of the sourcing passes.
SYRIA_GOVERNORATES = (
    "Aleppo",
    "Damascus",
    "Daraa",
    "Deir ez-Zor",
    "Hama",
    "Hasakah",
    "Homs",
    "Idlib",
    "Latakia",
    "Quneitra",
    "Raqqa",
    "Rif Dimashq",
    "Suwayda",
    "Tartus",
)

#: Jordan's 12 governorates.
JORDAN_GOVERNORATES = (
    "Ajloun",
    "Amman",
    "Aqaba",
    "Balqa",
    "Irbid",
    "Jerash",
    "Karak",
    "Ma'an",
    "Madaba",
    "Mafraq",
    "Tafilah",
    "Zarqa",
)

#: country -> its governorates
COUNTRY_GOVERNORATES: dict[str, tuple[str, ...]] = {
    "Iraq": IRAQ_GOVERNORATES,
    "Syria": SYRIA_GOVERNORATES,
    "Jordan": JORDAN_GOVERNORATES,
}

#: every governorate of the three countries, and "unknown" (a place no cited page pins to one)
GOVERNORATES = (*IRAQ_GOVERNORATES, *SYRIA_GOVERNORATES, *JORDAN_GOVERNORATES, "unknown")

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
#: Where a published tally counts: Iraq, Iraq and Syria, the wider region (the Middle East, or
#: countries the text does not list), a single base (e.g. "al-Asad hit 24 times"), Syria alone,
#: or Iraq, Syria and Jordan (the fifth pass's scopes).
REPORTED_SCOPES = ("iraq", "iraq_syria", "region", "one_base", "syria", "iraq_syria_jordan")

#: the countries a tally of each scope counts (``region`` and ``one_base``: none the dataset can
#: match, so such tallies are never set beside its counts)
SCOPE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "iraq": ("Iraq",),
    "syria": ("Syria",),
    "iraq_syria": ("Iraq", "Syria"),
    "iraq_syria_jordan": ("Iraq", "Syria", "Jordan"),
}
