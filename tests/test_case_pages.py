"""The pages' places, words and maps come from the case file, and no attack is lost.

SYNTHETIC: the case and rows below are made up for these tests (two invented countries,
"Northland" and "Southland"), written to ``tmp_path`` and never published.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from analysis import case as cases
from analysis.briefs import where_attacks
from analysis.briefs.campaign_views import scope_words, subject_html, subject_in
from analysis.briefs.lookups import official_pattern
from analysis.briefs.overview import period_html
from analysis.briefs.places import mapped_countries
from analysis.briefs.wording import words
from analysis.data.geography import country_grid, has_map, off_map, place_totals, unknown_key
from analysis.geocharts import plot_governorate_map, plot_target_tiles, tile_labels
from analysis.report.index_page import index_description, index_subject

CASE_YML = """\
# SYNTHETIC test case: invented countries and areas, never published
name: Synthetic shipping attacks
subject: attacks on merchant ships off Northland and Southland
timezone: Africa/Nairobi
area_word: sea area
synthetic: true
countries:
  - name: Northland
    unknown_tile: [2, 0]
  - name: Southland
areas:
  - {name: North Gulf, country: Northland, row: 0, col: 0, short: N Gulf}
  - {name: Strait of Ys, country: Northland, row: 0, col: 1}
  - {name: Outer Banks, country: Northland, row: 1, col: 1}
  - {name: Cape Far, country: Southland, row: 0, col: 0}
  - {name: Lost Reef, country: Southland}
target_types: {tanker: Oil tanker, bulk_carrier: Bulk carrier, warship: Warship}
target_groups: {tanker: Tankers, bulk_carrier: Bulkers, warship: Navies}
attack_types: {anti_ship_missile: Anti-ship missile, usv: Drone boat}
actors: {Coastal Front: Coastal Front}
event_categories: {naval_strike: Naval strike, truce: Truce}
tally_scopes:
  north: {label: Northland waters, countries: [Northland]}
  both: {label: Northland and Southland waters, countries: [Northland, Southland]}
  basin: The basin
comparable_scope: north
campaigns:
  - {key: "2031", name: 2031 campaign, start: "2031-01-01", end: "2031-12-31",
     countries: [Northland, Southland]}
min_incidents: 1
"""


@pytest.fixture
def synthetic(tmp_path, monkeypatch):
    """A synthetic case folder in use (``ESCALATION_DATA_DIR``) and its incidents."""
    (tmp_path / "case.yml").write_text(CASE_YML, encoding="utf-8")
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(tmp_path))
    places = [
        ("North Gulf", "Northland", "tanker"),
        ("North Gulf", "Northland", "tanker"),
        ("Strait of Ys", "Northland", "warship"),
        ("unknown", "Northland", "bulk_carrier"),
        ("Cape Far", "Southland", "tanker"),
        ("Lost Reef", "Southland", "bulk_carrier"),  # an area with no tile
        ("Lost Reef", "Southland", "tanker"),
        ("unknown", "Southland", "warship"),
    ]
    rows = pd.DataFrame(places, columns=["governorate", "country", "target_type"])
    rows["date"] = pd.date_range("2031-03-02", periods=len(rows), freq="3D")
    rows["date_precision"] = "day"
    rows["confirmation"] = "confirmed"
    rows["attack_type"] = "usv"
    for column in ("governorate", "country", "target_type", "date_precision", "confirmation"):
        rows[column] = rows[column].astype("category")
    case = cases.current()
    assert case.synthetic and case.name == "Synthetic shipping attacks"
    return rows


def test_place_totals_keep_every_attack_off_the_map_and_of_another_country(synthetic):
    rows = synthetic
    for countries in (["Northland"], ["Northland", "Southland"], ["Southland"]):
        totals = place_totals(rows, "governorate", countries)
        assert totals.sum() == len(rows), countries
        assert totals["Lost Reef"] == 2 and totals["North Gulf"] == 2
        mapped = [a for c in countries for a in country_grid(c)]
        unknowns = [unknown_key(c) for c in countries]
        lost = off_map(totals, countries)
        assert totals.reindex(mapped).sum() + totals.reindex(unknowns).sum() + lost.sum() == len(
            rows
        )
        assert "Lost Reef" in lost.index  # no tile: named beside every map
    # the first country's unknown place is plain "unknown", the others' are named
    totals = place_totals(rows, "governorate", ["Northland"])
    assert totals["unknown"] == 1 and totals["unknown (Southland)"] == 1
    assert set(off_map(totals, ["Northland"]).index) == {
        "Cape Far",
        "Lost Reef",
        "unknown (Southland)",
    }
    targets = place_totals(rows, "target")
    assert list(targets.index) == ["tanker", "bulk_carrier", "warship"]  # the case's order
    assert targets.sum() == len(rows)


def test_the_tile_map_draws_the_case_s_areas(synthetic):
    totals = place_totals(synthetic, "governorate", ["Northland"])
    ax = plot_governorate_map(totals)
    try:
        names = [" ".join(t.get_text().split()) for t in tile_labels(ax)]
        assert "N Gulf" in names and "Strait of Ys" in names and "place unknown" in names
        assert not any("Baghdad" in n for n in names)
        counts = dict(zip(names[::2], names[1::2], strict=True))
        assert counts["N Gulf"] == "2" and counts["place unknown"] == "1"
        assert ax.figure.alt_text.startswith("Tile map of Northland's sea areas")
    finally:
        matplotlib.pyplot.close(ax.figure)


def test_labels_come_from_the_case(synthetic):
    ax = plot_target_tiles(place_totals(synthetic, "target"))
    try:
        names = [" ".join(t.get_text().split()) for t in tile_labels(ax)]
        assert {"Tankers", "Bulkers", "Navies"} <= set(names)
        assert "Bases" not in names
    finally:
        matplotlib.pyplot.close(ax.figure)
    assert words("target_type", "tanker") == "Oil tanker"
    assert words("attack_type", "usv") == "Drone boat"
    assert words("category", "naval_strike") == "Naval strike"
    assert words("target_type", "us_military_base") == "us military base"  # not the Iraq label
    assert scope_words()["both"] == "Northland and Southland waters"
    assert official_pattern() is None  # no official tally named


def test_a_page_says_the_case_s_subject_and_never_iraq(synthetic):
    res = where_attacks(synthetic, "2031-03-01", "2031-04-30")
    assert res.countries == ("Northland", "Southland") == mapped_countries("2031-03-01")
    text = res.summary()
    assert res.governorates.sum() == len(synthetic)
    assert "By sea area: Northland: North Gulf 2" in text
    assert "off these maps: Lost Reef 2" in text
    ax = res.plot()
    try:
        fig = ax.figure
        assert any(t.get_text().startswith("Not on these maps: Lost Reef 2") for t in ax.texts)
        assert "Tile maps of the sea areas of Northland and Southland" in fig.alt_text
    finally:
        matplotlib.pyplot.close(ax.figure)
    period = period_html("2031-01-01", "2031-12-31").text
    subject = subject_html(("Northland", "Southland"), cases.current().campaigns[0]).text
    assert "attacks on merchant ships off Northland and Southland" in period
    assert subject_in(("Northland",)) == "attacks on merchant ships off Northland"
    assert "attacks on merchant ships off Northland" in index_subject()
    for page in (text, period, subject, index_subject(), index_description(), fig.alt_text):
        assert "Iraq" not in page and "governorate" not in page and "Pentagon" not in page


def test_a_case_without_tiles_draws_no_map_and_says_so(synthetic, tmp_path):
    text = CASE_YML.replace(", row: 0, col: 0, short: N Gulf", "").replace(", row: 0, col: 1", "")
    text = text.replace(", row: 1, col: 1", "").replace(", row: 0, col: 0", "")
    (tmp_path / "case.yml").write_text(text, encoding="utf-8")
    assert not has_map()
    res = where_attacks(synthetic, "2031-03-01", "2031-04-30")
    assert res.governorates.sum() == len(synthetic)
    assert "No map: the case file (case.yml) gives the sea areas" in res.summary()
    assert "North Gulf 2" in res.summary() and "Lost Reef 2" in res.summary()
    ax = res.plot()
    try:
        assert "No map" in ax.figure.alt_text
    finally:
        matplotlib.pyplot.close(ax.figure)
