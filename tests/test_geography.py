"""Where attacks happened: the tile grid, the counts per governorate and target (against
``pandas.crosstab`` of the data), the drawings' labels (from matplotlib's text extents), the
campaigns and the tallies a brief sets beside the dataset's counts."""

from __future__ import annotations

import itertools
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.briefs import event_brief, period_html, where_attacks, window_places
from analysis.briefs.lookups import official_pattern, tallies_overlapping
from analysis.case import current
from analysis.data import load_events, load_incidents, load_reported_counts
from analysis.data.campaigns import campaign_holding, campaign_of_period, campaigns
from analysis.data.geography import (
    UNKNOWN,
    country_grid,
    off_map,
    place_totals,
    target_groups,
    unknown_tile,
)
from analysis.errors import ParameterError
from analysis.geocharts import plot_small_multiples, tile_labels
from analysis.report.index_page import OTHER_BRIEFS, campaign_of_entry, index_html

#: the shipped Iraq case's tile maps and target groups, from its case file
GOVERNORATE_GRID = country_grid("Iraq")
SYRIA_GRID, JORDAN_GRID = country_grid("Syria"), country_grid("Jordan")
COUNTRY_GRIDS = {c: country_grid(c) for c in ("Iraq", "Syria", "Jordan")}
TARGET_GROUPS = target_groups()
PENTAGON = official_pattern()
SPANS = [("2019-10-01", "2021-12-31"), ("2023-10-01", "2024-10-01")]


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return load_incidents()


@pytest.fixture(scope="module")
def places(incidents):
    """``where_attacks`` of each span (confirmed attacks), computed once."""
    return {span: where_attacks(incidents, *span) for span in SPANS}


def _day_rows(incidents, start, end, levels=("confirmed",)):
    """The rows a place count rests on, selected here without the package's helpers."""
    keep = (
        incidents["confirmation"].astype(str).isin(levels)
        & (incidents["date_precision"].astype(str) == "day")
        & (incidents["date"] >= pd.Timestamp(start))
        & (incidents["date"] <= pd.Timestamp(end))
    )
    return incidents[keep]


# -- the grid ------------------------------------------------------------------------------


def test_the_grid_holds_each_governorate_of_the_codebook_once():
    assert set(GOVERNORATE_GRID) == {a.name for a in current().areas_of("Iraq")}
    assert len(GOVERNORATE_GRID) == 19  # Iraq's 18 and Halabja, as the codebook lists them
    assert len(set(GOVERNORATE_GRID.values())) == 19, "two governorates share a tile"
    rows = [r for r, _ in GOVERNORATE_GRID.values()]
    cols = [c for _, c in GOVERNORATE_GRID.values()]
    assert min(rows) == 0 and min(cols) == 0 and max(rows) <= 6 and max(cols) <= 4
    # a few relations any reader of a map of Iraq would check
    g = GOVERNORATE_GRID
    assert g["Duhok"][0] < g["Baghdad"][0] < g["Basra"][0]  # north to south
    assert g["Anbar"][1] < g["Baghdad"][1] < g["Diyala"][1]  # west to east
    assert g["Nineveh"][0] < g["Anbar"][0] and g["Karbala"][0] < g["Najaf"][0]
    assert set(TARGET_GROUPS) == set(current().target_types)


def test_each_country_s_grid_holds_its_governorates_once():
    on_grids = [g for grid in COUNTRY_GRIDS.values() for g in grid]
    assert sorted(on_grids) == sorted(set(current().area_names) - {UNKNOWN})
    for country, grid in COUNTRY_GRIDS.items():
        assert set(grid) == {a.name for a in current().areas_of(country)}, country
        cells = [*grid.values(), unknown_tile(country)]
        assert len(set(cells)) == len(cells), f"two tiles share a cell in {country}"
    assert len(SYRIA_GRID) == 14 and len(JORDAN_GRID) == 12
    s, j = SYRIA_GRID, JORDAN_GRID
    assert s["Hasakah"][0] < s["Deir ez-Zor"][0] and s["Aleppo"][0] < s["Homs"][0] < s["Daraa"][0]
    assert s["Latakia"][1] < s["Aleppo"][1] < s["Hasakah"][1]  # west to east
    assert s["Homs"][1] < s["Deir ez-Zor"][1]
    assert j["Irbid"][0] < j["Amman"][0] < j["Karak"][0] < j["Aqaba"][0]
    assert j["Irbid"][1] < j["Mafraq"][1]


def test_no_attack_is_lost_between_the_data_and_the_maps(incidents):
    """Every row counts on a tile, in a place-unknown tile or by name beside the maps."""
    for countries in [("Iraq",), ("Iraq", "Syria", "Jordan")]:
        totals = place_totals(incidents, "governorate", countries)
        assert totals.sum() == len(incidents)
        mapped = [g for c in countries for g in COUNTRY_GRIDS[c]]
        lost = off_map(totals, countries)
        on_tiles = totals.reindex(mapped).sum()
        unknowns = totals[[k for k in totals.index if str(k).startswith(UNKNOWN)]]
        assert on_tiles + lost.sum() + unknowns[~unknowns.index.isin(lost.index)].sum() == len(
            incidents
        )
    # a map of Iraq alone names the Syrian and Jordanian attacks beside it
    lost = off_map(place_totals(incidents), ["Iraq"])
    outside = incidents[incidents["country"] != "Iraq"]
    assert lost.sum() == len(outside) and {"Deir ez-Zor", "Mafraq"} <= set(lost.index)
    assert lost["unknown (Syria)"] == 1
    # and a page of Iraq alone says so in words, under its map
    res = where_attacks(incidents, "2019-01-01", "2024-12-31")
    assert "Outside Iraq, not on its map: Deir ez-Zor" in res.summary()
    ax = res.plot()
    try:
        assert any(t.get_text().startswith("Not on this map: Deir ez-Zor") for t in ax.texts)
    finally:
        matplotlib.pyplot.close(ax.figure)


# -- counts against pandas.crosstab ------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), SPANS)
@pytest.mark.parametrize("levels", [("confirmed",), ("confirmed", "claimed", "disputed")])
def test_place_counts_agree_with_crosstab(incidents, start, end, levels):
    confirmation = "confirmed" if levels == ("confirmed",) else "all"
    res = where_attacks(incidents, start, end, confirmation=confirmation)
    rows = _day_rows(incidents, start, end, levels)
    for column, got in (("governorate", res.governorates), ("target_type", res.targets)):
        table = pd.crosstab(rows[column].astype(str), "n")["n"]
        expected = table.reindex(got.index, fill_value=0)
        assert (got.to_numpy() == expected.to_numpy()).all(), column
        assert set(table.index) <= set(got.index), "a value has no tile"
        assert got.sum() == len(rows)
    # the small multiples count the same attacks, week by week
    assert (
        res.by_governorate.sum()
        .reindex(res.governorates.index, fill_value=0)
        .equals(res.governorates.astype(res.by_governorate.dtypes.iloc[0]))
    )
    assert int(res.by_target.to_numpy().sum()) == len(rows)
    month = incidents[
        incidents["confirmation"].astype(str).isin(levels)
        & (incidents["date_precision"].astype(str) == "month")
        & incidents["date"].between(pd.Timestamp(start).replace(day=1), pd.Timestamp(end))
    ]
    assert res.month_precision_excluded == len(month)


def test_window_places_count_the_brief_s_window_incidents(incidents):
    events = load_events()
    date = pd.Timestamp(events.set_index("event_id").loc["us_strikes_jan2024", "date"])
    got = window_places(incidents, date, 30)
    before = _day_rows(incidents, date - pd.Timedelta(days=30), date - pd.Timedelta(days=1))
    after = _day_rows(incidents, date, date + pd.Timedelta(days=29))
    for side, rows in (("before", before), ("after", after)):
        gov = pd.crosstab(rows["governorate"].astype(str), "n")["n"]
        assert got[f"governorates_{side}"].reindex(gov.index).tolist() == gov.tolist()
        assert got[f"governorates_{side}"].sum() == len(rows)
        assert got[f"targets_{side}"].sum() == len(rows)
    assert got["governorates_before"].sum() > 0


def test_place_totals_refuses_an_unknown_grouping(incidents):
    with pytest.raises(ParameterError, match="by must be one of"):
        place_totals(incidents, "weapon")


# -- drawings: labelled, no two labels over each other --------------------------------------


def _texts(fig):
    return [t for ax in fig.axes for t in ax.texts + [ax.title] if t.get_visible() and t.get_text()]


def _assert_no_overlap(fig, texts):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), f"{ta.get_text()!r} overlaps {tb.get_text()!r}"
    for t, box in boxes:
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, t.get_text()


def _drawn_ticks(ax):
    """The tick labels matplotlib draws: visible, with text, at a tick inside the view."""
    out = []
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        for tick in axis.get_major_ticks():
            label = tick.label1
            inside = min(lo, hi) <= tick.get_loc() <= max(lo, hi)
            if label.get_visible() and label.get_text() and inside:
                out.append(label)
    return out


def _assert_labels_inside_tiles(ax):
    """Every name and count sits inside its tile (a patch of the axes)."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    tiles = [p.get_window_extent(renderer) for p in ax.patches]
    for t in tile_labels(ax):
        box = t.get_window_extent(renderer)
        inside = [
            tile
            for tile in tiles
            if tile.x0 <= box.x0 and box.x1 <= tile.x1 and tile.y0 <= box.y0 and box.y1 <= tile.y1
        ]
        assert len(inside) == 1, f"{t.get_text()!r} is not inside one tile"


@pytest.mark.parametrize(("start", "end"), SPANS[:1])
def test_tile_map_is_labelled_without_overlaps(places, start, end):
    res = places[(start, end)]
    ax = res.plot()
    fig = ax.figure
    try:
        map_ax, target_ax = fig.axes
        names = [" ".join(t.get_text().split()) for t in tile_labels(map_ax)]
        for gov in GOVERNORATE_GRID:  # every governorate named on its tile (short forms allowed)
            short = {"Al-Qadisiyah": "Qadisiyah", "Al-Muthanna": "Muthanna"}.get(gov, gov)
            assert short.replace("Sulaymaniyah", "Sulay- maniyah") in names, gov
        assert "place unknown" in names
        shown = {names[i]: names[i + 1] for i in range(0, len(names), 2)}
        assert shown["Baghdad"] == str(res.governorates["Baghdad"])
        assert shown["place unknown"] == str(res.governorates[UNKNOWN])
        assert len(map_ax.patches) == 20 and len(target_ax.patches) == len(TARGET_GROUPS)
        _assert_no_overlap(fig, _texts(fig))
        _assert_labels_inside_tiles(map_ax)
        _assert_labels_inside_tiles(target_ax)
        alt = fig.alt_text
        assert alt.startswith("Tile map of Iraq's governorates")
        top = res.governorates.drop(UNKNOWN).idxmax()
        assert f"{top} {res.governorates[top]}" in alt
        # darker tiles for more attacks
        faces = {n: map_ax.patches[i].get_facecolor() for i, n in enumerate(list(GOVERNORATE_GRID))}
        low = res.governorates.drop(UNKNOWN).replace(0, np.nan).idxmin()
        assert sum(faces[top][:3]) < sum(faces[low][:3])
    finally:
        matplotlib.pyplot.close(fig)


@pytest.mark.parametrize(("start", "end"), SPANS)
@pytest.mark.parametrize("by", ["governorate", "target"])
def test_small_multiples_are_labelled_without_overlaps(places, start, end, by):
    res = places[(start, end)]
    ax = res.plot_weekly(by)
    fig = ax.figure
    try:
        frame = res.by_governorate if by == "governorate" else res.by_target
        shown = [a for a in fig.axes if a.get_visible()]
        assert len(shown) == (frame.sum() > 0).sum()
        titles = [a.get_title() for a in shown]
        assert all(t.endswith(")") for t in titles)
        fig.canvas.draw()
        ticks = [t for a in shown for t in _drawn_ticks(a)]
        _assert_no_overlap(fig, [a.title for a in shown] + ticks + [fig._suptitle])
        # each visible column of panels shows its dates
        assert any(t.get_text() for t in shown[-1].get_xticklabels())
        assert "Small multiples" in fig.alt_text
    finally:
        matplotlib.pyplot.close(fig)


def test_small_multiples_of_one_panel_and_of_no_attack():
    index = pd.date_range("2024-01-01", periods=5, freq="W-MON")
    for frame in (
        pd.DataFrame({"Anbar": [0, 1, 0, 2, 0]}, index=index),
        pd.DataFrame({"Anbar": [0] * 5}, index=index),
    ):
        ax = plot_small_multiples(frame)
        assert ax.figure.alt_text and len([a for a in ax.figure.axes if a.get_visible()]) == 1
        matplotlib.pyplot.close(ax.figure)


def test_campaign_maps_of_three_countries_side_by_side(places):
    res = places[SPANS[1]]
    assert res.countries == ("Iraq", "Syria", "Jordan")
    ax = res.plot()
    fig = ax.figure
    try:
        maps = fig.axes[:3]
        assert [a.get_title().split(" (")[0] for a in maps] == ["Iraq", "Syria", "Jordan"]
        for a, country in zip(maps, ("Iraq", "Syria", "Jordan"), strict=True):
            names = [" ".join(t.get_text().split()) for t in tile_labels(a)]
            counts = dict(zip(names[::2], names[1::2], strict=True))
            assert len(counts) == len(COUNTRY_GRIDS[country]) + 1  # and "place unknown"
            _assert_labels_inside_tiles(a)
            if country == "Syria":
                assert counts["Deir ez-Zor"] == str(res.governorates["Deir ez-Zor"])
                assert counts["place unknown"] == str(res.governorates["unknown (Syria)"])
        total = sum(
            int(v)
            for a in maps
            for v in [" ".join(t.get_text().split()) for t in tile_labels(a)][1::2]
        )
        assert total == res.governorates.sum()
        _assert_no_overlap(fig, _texts(fig))
        assert "Syria: Deir ez-Zor" in fig.alt_text and "Jordan: Mafraq 1" in fig.alt_text
    finally:
        matplotlib.pyplot.close(fig)


def test_brief_before_and_after_maps_share_one_scale_without_overlaps(incidents):
    brief = event_brief(incidents, load_events(), "suleimani_strike")
    ax = brief.plot_places()
    fig = ax.figure
    try:
        assert len(fig.axes) == 4
        _assert_no_overlap(fig, _texts(fig))
        before, after = fig.axes[0], fig.axes[1]
        for side, a in (("before", before), ("after", after)):
            gov = getattr(brief, f"governorates_{side}")
            names = [" ".join(t.get_text().split()) for t in tile_labels(a)]
            counts = dict(zip(names[::2], names[1::2], strict=True))
            assert counts["Erbil"] == str(gov["Erbil"])
            assert sum(int(v) for v in counts.values()) == gov.sum()
        # one colour scale: the same count has the same shade on both maps
        erbil = list(GOVERNORATE_GRID).index("Erbil")
        if brief.governorates_before["Erbil"] == brief.governorates_after["Erbil"]:
            same = before.patches[erbil].get_facecolor() == after.patches[erbil].get_facecolor()
            assert same
        assert "before the event: by governorate " in fig.alt_text
        total = brief.governorates_before.sum() + brief.governorates_after.sum()
        assert total == len(brief.incidents)
        glued = brief.glue_values()
        assert sum(glued["governorates_before"].values()) == brief.window_before
        assert sum(glued["targets_after"].values()) == brief.window_after
    finally:
        matplotlib.pyplot.close(fig)


# -- campaigns --------------------------------------------------------------------------------


def test_campaigns_do_not_overlap_and_hold_their_events():
    for a, b in itertools.pairwise(campaigns()):
        assert a.end < b.start
    events = load_events().set_index("event_id")["date"]
    assert campaign_holding(events["suleimani_strike"]).key == "2019-21"
    for e in ("iri_campaign_start", "tower22_attack", "kh_suspension", "us_strikes_feb2024"):
        assert campaign_holding(events[e]).key == "2023-24"
    assert campaign_holding("2023-03-01") is None
    assert campaign_of_period("2019-10-01", "2021-12-31").key == "2019-21"
    assert campaign_of_period("2023-07-01", "2024-10-01").key == "2023-24"  # mostly inside
    assert campaign_of_period("2023-09-18", "2024-04-17").key == "2023-24"  # its first event
    assert campaign_of_period("2022-06-01", "2023-12-31") is None
    assert campaign_of_period("2023-01-01", "2023-06-30") is None
    assert "2023–24 campaign" in period_html("2023-10-01", "2024-10-01").text


def test_a_2024_brief_s_default_period_stays_in_its_campaign(incidents):
    events = load_events()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tower = event_brief(incidents, events, "tower22_attack", context_weeks=26)
        first = event_brief(incidents, events, "iri_campaign_start", window_days=30)
    campaign = campaign_holding(tower.event_date)
    assert tower.start == campaign.start  # not 26 weeks back, in the quiet year before
    assert tower.end == tower.event_date + pd.Timedelta(weeks=26)
    # the campaign's first event keeps its whole before window
    assert first.start == first.event_date - pd.Timedelta(days=30)
    assert first.window_days_before == 30


def test_index_groups_briefs_by_campaign_in_config_order():
    """Event briefs are cards under their campaign's heading (campaigns oldest first, then the
    other briefs), in the config's order within one; their text is escaped."""
    brief = "brief.ipynb"
    manifest = {
        "briefs": {
            "a": {"title": "A", "period": ["2020-01-01", "2020-06-30"], "notebook": brief},
            "b": {"title": "B", "period": ["2024-01-01", "2024-02-01"], "notebook": brief},
            "c": {"title": "C", "period": ["2022-06-01", "2023-06-30"], "notebook": brief},
            "d": {"title": "D <x>", "period": ["2019-10-01", "2021-12-31"], "notebook": brief},
            "e": {"title": "E", "notebook": brief},
            "f": {"title": "F", "period": ["2019-05-13", "2024-10-01"], "notebook": brief},
        }
    }
    assert campaign_of_entry(manifest["briefs"]["c"]) == OTHER_BRIEFS  # ends between campaigns
    assert campaign_of_entry(manifest["briefs"]["f"]) == "2023–24 campaign"  # its last day
    page = index_html(manifest, ["b", "a", "c", "d", "e", "f"])
    heads = ["2019–2021 campaign", "2023–24 campaign", OTHER_BRIEFS]
    at = [page.index(f">{h}</h3>") for h in heads]
    assert at == sorted(at)
    pos = {k: page.index(f'href="{k}.html"') for k in "abcde"}
    assert at[0] < pos["a"] < pos["d"] < at[1] < pos["b"] < at[2] < pos["c"] < pos["e"]
    assert at[1] < page.index('href="f.html"') < at[2]
    assert "D &lt;x&gt;" in page and "D <x>" not in page


# -- tallies beside the dataset ---------------------------------------------------------------


def test_a_2024_brief_compares_tallies_like_for_like(incidents):
    reported = load_reported_counts()
    lo, hi = pd.Timestamp("2023-12-25"), pd.Timestamp("2024-02-22")
    t = tallies_overlapping(incidents, reported, lo, hi)
    in_campaign = t["period_start"].ge("2023-10-01")
    like = t["scope"].isin(["iraq", "syria", "iraq_syria", "iraq_syria_jordan"])
    assert (t["comparable"] == (t["scope"].eq("iraq") | (like & in_campaign))).all()
    assert t.loc[~t["comparable"], "share_confirmed"].isna().all()
    assert t["comparable"].any() and (~t["comparable"]).any()
    assert t["pentagon"].any()
    assert not PENTAGON.search("Attacks on US targets in Iraq (Pentagon-blamed on Iran-backed)")
    brief = event_brief(incidents, load_events(), "tower22_attack", reported=reported)
    page = brief.caveats_html().html
    compared = page.split('escalation-tallies"')[1].split("</table>")[0]
    reference = page.split('escalation-tallies-reference"')[1].split("</table>")[0]
    assert "Iraq and Syria" in compared and "dataset" not in reference
    assert "Syria 51 (99)" in compared  # the per-country split of the 18 Jan 2024 tallies
    iraq = brief.tallies[brief.tallies["comparable"]]
    assert compared.count("<tr>") == len(iraq) + 1
    sentence = next(c for c in brief.caveats() if c.startswith("Coverage"))
    assert "the Pentagon's tally" in sentence and "same dates and countries" in sentence
    assert "claimed and disputed rows too" in sentence
    # a 2019-21 brief still compares Iraq-only tallies alone, in the old words
    old = event_brief(incidents, load_events(), "suleimani_strike", reported=reported)
    assert (old.tallies["comparable"] == (old.tallies["scope"] == "iraq")).all()
    assert any("the Pentagon's Iraq tally" in c or "Iraq-only" in c for c in old.caveats())


def test_data_readme_gives_the_counts_per_campaign(incidents):
    from conftest import ROOT

    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Counts per campaign")[1].split("\n## ")[0]
    assert sum(c.holds(d) for c in campaigns() for d in incidents["date"]) == len(incidents)
    for c in campaigns():
        rows = incidents[incidents["date"].between(c.start, c.end)]
        levels = rows["confirmation"].astype(str).value_counts()
        day = _day_rows(incidents, c.start, c.end)
        row = f"| {c.label} | {c.start:%Y-%m-%d} to {c.end:%Y-%m-%d} | {len(rows)} | "
        row += f"{levels.get('confirmed', 0)} | {levels.get('claimed', 0)} | "
        row += f"{levels.get('disputed', 0)} | {len(day)} |"
        assert row in section, row
        where = pd.crosstab(day["governorate"].astype(str), "n")["n"]
        line = next(x for x in section.splitlines() if x.startswith(f"- **{c.label}**"))
        for gov, n in where.items():
            name = "place unknown" if gov == UNKNOWN else gov
            assert f"{name} {n}" in line, (c.label, gov)
