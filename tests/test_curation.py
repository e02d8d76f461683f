"""The curated dataset is rebuilt from the sourced tables exactly, with its rules applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SHARED

from analysis.data import load_incidents, load_reported_counts
from analysis.data.coverage import (
    BLOCK_END,
    BLOCK_START,
    compare_with_reported,
    coverage_markdown,
    monthly_coverage,
)
from analysis.data.curate import actor_for, build, reported_scope

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not beside the repo")


@needs_shared
def test_rebuild_reproduces_the_shipped_files(tmp_path: Path):
    (tmp_path / "README.md").write_text(
        f"intro\n{BLOCK_START}\nold\n{BLOCK_END}\noutro\n", encoding="utf-8"
    )
    report = build(SHARED, tmp_path)
    assert report.dropped == ()
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("intro\n") and readme.endswith("outro\n") and "old" not in readme


@needs_shared
def test_no_source_row_is_lost():
    n_source = sum(
        sum(1 for _ in p.open(encoding="utf-8-sig")) - 1
        for p in SHARED.glob("incidents_sourced*.csv")
    )
    # every source file is one record per line (no embedded newlines), so lines = rows
    assert len(load_incidents()) == n_source


def test_resolutions_are_applied_and_explained():
    df = load_incidents()
    disputed = df[df["confirmation"] == "disputed"]
    assert set(disputed["date"].dt.strftime("%Y-%m-%d")) == {
        "2023-11-11",
        "2024-01-18",
        "2020-07-15",
    }
    assert (disputed["curation_note"].str.len() > 20).all()
    harir = df[(df["date"] == "2023-11-11") & df["location"].str.contains("Harir")]
    assert harir["confirmation"].tolist() == ["disputed"]
    claim_only = df["description"].str.contains("(claim only)", regex=False)
    assert set(df.loc[claim_only, "confirmation"]) <= {"claimed", "disputed"}
    tally = df["description"].str.contains("weekly tally", regex=False)
    assert tally.sum() > 0 and (df.loc[tally, "confirmation"] == "claimed").all()
    assert (df.loc[tally, "source_reliability"] == "low").all()


def test_readme_coverage_block_is_current():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    block = coverage_markdown(load_incidents(), load_reported_counts())
    assert block in readme, "run `escalation data build` to refresh data/README.md"


def test_monthly_coverage_shows_empty_months():
    cov = monthly_coverage(load_incidents())
    assert cov.index.freq == "MS"
    assert (cov["total"] == cov[["confirmed", "claimed", "disputed"]].sum(axis=1)).all()
    assert cov.loc["2019-06-01", "total"] == 0
    assert cov["total"].sum() == len(load_incidents())


def test_compare_with_reported_counts_the_period_inclusively():
    inc = load_incidents()
    cmp = compare_with_reported(inc, load_reported_counts())
    r = cmp.iloc[0]
    inside = inc[(inc["date"] >= r.period_start) & (inc["date"] <= r.period_end)]
    assert r.dataset_all == len(inside)
    assert cmp.loc[cmp["scope"] != "iraq", "share_confirmed"].isna().all()


@pytest.mark.parametrize(
    "text, actor",
    [
        ("Kataib Hezbollah (US claim; denied)", "Kataib Hezbollah"),
        ("Islamic Resistance in Iraq (claimed)", "Islamic Resistance in Iraq"),
        ("Guardians of Blood / Awliya al-Dam (claimed)", "Saraya Awliya al-Dam"),
        ("Iran (IRGC, claimed responsibility)", "Iran (IRGC)"),
        ("unknown (attack claimed by militia-linked Sabereen News)", "unknown"),
        ("likely Iranian proxy militia (ISW assessment)", "Iran-aligned militia (unnamed)"),
    ],
)
def test_actor_rules(text, actor):
    assert actor_for(text) == actor


@pytest.mark.parametrize(
    "text, scope",
    [
        ("attacks on US/coalition forces, 14 in Iraq and 9 in Syria", "iraq_syria"),
        ("US troops in the Middle East being targeted", "region"),
        ("attacks on US bases in Iraq, Jordan and Syria", "region"),
        ("rocket attacks on US locations in Iraq", "iraq"),
    ],
)
def test_reported_scope(text, scope):
    assert reported_scope(text) == scope
