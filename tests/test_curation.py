"""The curated dataset is rebuilt from the sourced tables exactly, with its rules applied."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, ROOT, SHARED

from analysis import case
from analysis.data import load_incidents, load_reported_counts
from analysis.data.actors import actor_for
from analysis.data.coverage import (
    BLOCK_END,
    BLOCK_START,
    compare_with_reported,
    coverage_markdown,
    monthly_coverage,
)
from analysis.data.curate import (
    EXTRA_INCIDENT_FILES,
    EXTRA_TALLY_FILES,
    build,
    confirmation_for,
    incident_id,
    reported_scope,
)
from analysis.errors import DataError

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not beside the repo")


def _source_files(pattern: str) -> list[Path]:
    """The shared sourcing files the build reads: the glob, then the listed fifth-pass files."""
    extra = EXTRA_INCIDENT_FILES if pattern.startswith("incidents") else EXTRA_TALLY_FILES
    return [*SHARED.glob(pattern), *(SHARED / f for f in extra)]


def _source(name: str) -> Path:
    """A shared sourcing file by the name resolutions give it (the fifth pass in ``pass5/``)."""
    return SHARED / name if (SHARED / name).is_file() else SHARED / "pass5" / name


def _curation(name: str) -> list[dict[str, str]]:
    with (DATA / "curation" / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


#: The rows the build leaves out, each as ``file:line``: both 16 Nov 2023 duplicates of 9 Nov,
#: and the fifth pass's two adjacent-day duplicates (al-Omar 31 Oct 2023, 6 Jan 2024).
DOCUMENTED_DROPS = {
    "incidents_sourced.csv:172",
    "incidents_sourced.csv:173",
    "incidents_sourced_syria.csv:20",
    "incidents_sourced_syria.csv:87",
}
#: the fifth pass's undated tallies (SOHR pages with no date), left out with their reason
UNDATED_TALLIES = {f"attack_counts_reported_syria.csv:{n}" for n in (125, 126, 127)}


@needs_shared
def test_rebuild_reproduces_the_shipped_files(tmp_path: Path):
    (tmp_path / "README.md").write_text(
        f"intro\n{BLOCK_START}\nstale placeholder\n{BLOCK_END}\noutro\n", encoding="utf-8"
    )
    report = build(SHARED, tmp_path)
    assert {d.source for d in report.dropped} == DOCUMENTED_DROPS | UNDATED_TALLIES
    for d in report.dropped:
        assert d.reason.startswith("undated tally" if d.source in UNDATED_TALLIES else "Duplicate")
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("intro\n") and readme.endswith("outro\n")
    assert "stale placeholder" not in readme


@needs_shared
def test_build_is_deterministic(tmp_path: Path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        (out / "README.md").write_text(f"{BLOCK_START}\n{BLOCK_END}\n", encoding="utf-8")
        build(SHARED, out)
        outs.append(out)
    for name in (
        "incidents.csv",
        "political_events.csv",
        "attack_counts_reported.csv",
        "README.md",
    ):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@needs_shared
def test_no_source_row_is_lost():
    n_source = sum(
        sum(1 for _ in p.open(encoding="utf-8-sig")) - 1
        for p in _source_files("incidents_sourced*.csv")
    )
    # every source file is one record per line (no embedded newlines), so lines = rows
    drops = [r for r in _curation("incident_resolutions.csv") if r["field"] == "drop"]
    assert {f"{r['source_file']}:{r['source_line']}" for r in drops} == DOCUMENTED_DROPS
    added = len(_curation("incident_additions.csv"))  # accepted from the review queue
    assert len(load_incidents()) + len(drops) == n_source + added
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for r in drops:  # every dropped row is listed in the codebook
        assert f"`{r['source_file']}` line {r['source_line']}" in readme


@needs_shared
def test_no_tally_is_lost():
    n_source = sum(
        sum(1 for _ in p.open(encoding="utf-8-sig")) - 1
        for p in _source_files("attack_counts_reported*.csv")
    )
    assert len(load_reported_counts()) == n_source - len(UNDATED_TALLIES)


def test_resolutions_are_applied_and_explained():
    df = load_incidents()
    disputed = df[(df["confirmation"] == "disputed") & (df["country"] == "Iraq")]
    assert set(disputed["date"].dt.strftime("%Y-%m-%d")) == {
        "2020-07-15",  # convoy IED denied by the Samarra commander
        "2023-11-11",  # Harir, denied by Kurdistan counter-terrorism
        "2023-11-26",  # Harir "special procedure" (pass 4, marker)
        "2024-01-18",  # the ~19:00 Erbil attack the directorate denied (pass 4, marker)
        "2024-02-03",  # Harir claim Reuters' security sources contradict (pass 4 observation)
    }
    assert (disputed["curation_note"].str.len() > 20).all()
    harir = df[(df["date"] == "2023-11-11") & df["location"].str.contains("Harir")]
    assert harir["confirmation"].tolist() == ["disputed"]
    claim_only = df["description"].str.contains("(claim only)", regex=False)
    # a claim-only row counts as confirmed only by a resolution that cites the second page
    promoted = claim_only & (df["confirmation"] == "confirmed")
    assert df.loc[promoted, "curation_note"].str.contains("Confirmed by a second page").all()
    assert df.loc[promoted, "curation_note"].str.contains("https://").all()
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


@needs_shared
def test_every_resolution_is_applied():
    df = load_incidents().set_index("incident_id")
    for r in _curation("incident_resolutions.csv"):
        if r["field"] == "drop":
            continue
        with _source(r["source_file"]).open(newline="", encoding="utf-8-sig") as fh:
            src = list(csv.DictReader(fh))[int(r["source_line"]) - 2]  # line 2 = first row
        assert src["date"] == r["date"], (r["source_file"], r["source_line"])
        row = df.loc[incident_id(src)]
        value = row[r["field"]]
        value = (
            f"{value:%Y-%m-%d}" if r["field"] == "date" else "" if pd.isna(value) else str(value)
        )
        assert value == r["value"], (r["source_file"], r["source_line"], r["field"])
        assert r["reason"] in row["curation_note"]


@pytest.mark.parametrize(
    "description, level",
    [
        ("Two Katyushas fell in an empty yard, the SMC said (confirmed).", "confirmed"),
        ("Found and defused by a Federal Intelligence force (confirmed; foiled).", "confirmed"),
        ("The IRI said it hit Harir; no Kurdish confirmation was found (claim only).", "claimed"),
        ("Kurdistan counter-terrorism said no attack took place (disputed).", "disputed"),
        (
            "A claim (claim only) later confirmed by the Security Media Cell (confirmed).",
            "confirmed",
        ),
        (
            "16 Aug: convoy IED in Diwaniyah (per a weekly tally; low-reliability outlet).",
            "claimed",
        ),
        ("The officials said the rockets were fired at the base.", "confirmed"),
        ("An attack the group claimed (claimed by Kataib Hezbollah).", "confirmed"),
    ],
)
def test_confirmation_markers(description, level):
    assert confirmation_for(description) == level


@needs_shared
def test_pass4_rows_take_their_marker():
    df = load_incidents()
    with (SHARED / "incidents_sourced_extra3.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    markers = {"(confirmed": "confirmed", "(claim only)": "claimed", "(disputed)": "disputed"}
    for row in rows:
        level = next(v for k, v in markers.items() if k in row["description"][-25:])
        got = df.loc[df["description"] == row["description"], "confirmation"]
        assert got.tolist() == [level], row["date"]
    levels = df[df["description"].isin([r["description"] for r in rows])]["confirmation"]
    assert levels.value_counts().to_dict() == {"confirmed": 15, "claimed": 7, "disputed": 2}


def _at(df: pd.DataFrame, date: str, place: str) -> pd.DataFrame:
    return df[(df["date"] == date) & df["location"].str.contains(place, regex=False)]


def test_pass4_observations_are_resolved():
    df = load_incidents()
    # 3 Feb 2024 Harir claim: contradicted by Reuters' three security sources -> disputed
    harir = _at(df, "2024-02-03", "Harir")
    assert harir["confirmation"].tolist() == ["disputed"]
    assert "three security sources" in harir.iloc[0]["curation_note"]
    # 16 Nov 2023 rows are Reuters' 9 Nov report: two duplicates dropped, Mosul Dam re-dated
    assert not (df["date"] == "2023-11-16").any()
    mosul = _at(df, "2023-11-09", "Mosul Dam")
    assert mosul["confirmation"].tolist() == ["confirmed"]
    assert (
        len(_at(df, "2023-11-09", "Harir")) == 1 and len(_at(df, "2023-11-09", "Ain al-Asad")) == 1
    )
    # 17 Nov Ain al-Asad kept (not a duplicate once 16 Nov is re-dated), with the Pentagon relay
    asad = _at(df, "2023-11-17", "Ain al-Asad")
    assert asad["confirmation"].tolist() == ["confirmed"]
    assert "arab.southfront.press" in asad.iloc[0]["curation_note"]
    # 18 Jan 2024 Erbil: the ~19:00 attack was denied, the 23:06 one confirmed
    erbil = df[(df["date"] == "2024-01-18") & (df["country"] == "Iraq")]
    erbil = erbil.sort_values("confirmation")
    assert erbil["confirmation"].tolist() == ["confirmed", "disputed"]
    assert erbil.iloc[0]["source_url"].startswith("https://pledgetimes.com/")
    assert "964media" in erbil.iloc[0]["curation_note"]
    # the pass-4 row with no governorate stays unknown; 2 Sep 2020 is placed by a cited page
    base = _at(df, "2019-10-01", "north of Baghdad")
    assert base["governorate"].tolist() == ["unknown"]
    assert base["date_precision"].tolist() == ["month"]
    convoy = _at(df, "2020-09-02", "Southern Iraq")
    assert convoy["governorate"].tolist() == ["Babil"]
    assert "baghdadtoday.news" in convoy.iloc[0]["curation_note"]
    # the rest keep their values, each with its note
    assert _at(df, "2023-11-26", "Harir")["confirmation"].tolist() == ["disputed"]
    assert _at(df, "2024-01-28", "Harir")["confirmation"].tolist() == ["claimed"]
    assert _at(df, "2023-11-22", "Erbil")["confirmation"].tolist() == ["confirmed"]
    for date, place in [
        ("2020-09-18", "Musayyib"),
        ("2020-12-25", "Diwaniyah"),
        ("2021-08-24", "Nasiriyah"),
        ("2023-10-26", "Erbil"),
        ("2023-11-22", "Erbil"),
        ("2024-01-28", "Harir"),
    ]:
        assert (_at(df, date, place)["curation_note"].str.contains("fourth-pass")).all(), date


def test_compare_with_reported_counts_the_period_inclusively():
    inc = load_incidents()
    cmp = compare_with_reported(inc, load_reported_counts())
    r = cmp.iloc[0]
    inside = inc[(inc["date"] >= r.period_start) & (inc["date"] <= r.period_end)]
    iraq = inside[inside["country"] == "Iraq"] if r.scope == "iraq" else inside
    assert r.dataset_all == len(iraq)
    # Iraq tallies always compare; Syria's only in the campaign whose rows cover Syria
    in_2324 = cmp["period_start"].ge("2023-10-01") & cmp["period_end"].le("2024-12-31")
    multi = cmp["scope"].isin(["syria", "iraq_syria", "iraq_syria_jordan"])
    assert (cmp["comparable"] == ((cmp["scope"] == "iraq") | (multi & in_2324))).all()
    assert cmp.loc[~cmp["comparable"], "share_confirmed"].isna().all()
    # per-country breakdown: an Iraq-and-Syria tally counts the rows of both countries
    both = cmp[(cmp["scope"] == "iraq_syria") & cmp["comparable"]].iloc[0]
    assert both.dataset_all == both.all_iraq + both.all_syria
    assert both.dataset_confirmed == both.confirmed_iraq + both.confirmed_syria
    for column in ("what_counted", "source_title", "source_url"):
        assert cmp[column].notna().all(), column


def test_tallies_all_have_a_known_scope():
    tallies = load_reported_counts()
    assert set(tallies["scope"]) <= set(case.current().tally_scopes)
    assert tallies["scope"].notna().all()
    what = tallies["what_counted"]
    # an Iraq part of an Iraq-and-Syria figure is an Iraq tally; the totals are not
    assert (tallies.loc[what.str.startswith("Iraq-only part"), "scope"] == "iraq").all()
    totals = what.str.contains(r"\d+ in Iraq and \d+ in Syria") & ~what.str.contains("Iraq-only")
    assert totals.sum() >= 8 and (tallies.loc[totals, "scope"] == "iraq_syria").all()
    assert set(tallies.loc[what.str.contains("Musings on Iraq: "), "scope"]) == {"one_base"}
    # the overrides of curation/tally_scopes.csv are applied
    for r in _curation("tally_scopes.csv"):
        hit = tallies[
            (tallies["period_end"] == r["period_end"]) & (tallies["count"] == int(r["count"]))
        ]
        assert r["scope"] in set(hit["scope"]), r["reason"][:60]


def test_readme_sets_only_comparable_tallies_beside_the_dataset():
    tallies = load_reported_counts()
    block = coverage_markdown(load_incidents(), tallies)
    ok = compare_with_reported(load_incidents(), tallies)["comparable"]
    compared, reference = block.split("#### Published tallies not comparable")
    compared = compared.split("#### Published tallies beside the dataset")[1]
    n_rows = [
        sum(line.startswith("| 20") for line in part.splitlines()) for part in (compared, reference)
    ]
    assert n_rows == [ok.sum(), (~ok).sum()]
    assert "| region |" not in compared and "| iraq |" not in reference
    # the Pentagon's 18 Jan 2024 split, like for like: 140 in Iraq and Syria, 57 and 83
    assert "| 2023-10-17 to 2024-01-18 | iraq_syria | 140 |" in compared
    assert "| 2023-10-17 to 2024-01-18 | syria | 83 |" in compared


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
    "text, count, scope",
    [
        ("attacks on US/coalition forces, 14 in Iraq and 9 in Syria", 23, "iraq_syria"),
        ("US troops in the Middle East being targeted", None, "region"),
        ("attacks on US bases in Iraq, Jordan and Syria", None, "region"),
        ("rocket attacks on US locations in Iraq", None, "iraq"),
        ("Iraq-only part of the DoD 58 (Singh: 27 in Iraq, 31 in Syria)", 27, "iraq"),
        ("Reuters (via Livemint): 36 of the attacks in Iraq, 37 in Syria.", 36, "iraq"),
        ("Reuters (via Livemint): 36 of the attacks in Iraq, 37 in Syria.", 73, "iraq_syria"),
        ("'some 55 attacks' by pro-Iran groups (Iraq; context also Syria)", 55, "iraq"),
    ],
)
def test_reported_scope(text, count, scope):
    assert reported_scope(text, count) == scope


# --- the fifth pass (Syria and Jordan, 2023-24) -----------------------------------------------


def _pass5(df: pd.DataFrame, date: str, target: str) -> pd.DataFrame:
    """The fifth-pass rows of one day whose target names ``target``."""
    rows = df[(df["date"] == date) & (df["country"] != "Iraq")]
    return rows[rows["target_name"].str.contains(target, regex=False)]


def test_pass5_rows_carry_their_country_and_iraq_rows_say_iraq():
    df = load_incidents()
    counts = df["country"].astype(str).value_counts().to_dict()
    assert counts == {"Iraq": 312, "Syria": 150, "Jordan": 1}
    tower22 = df[df["country"] == "Jordan"]
    assert tower22["governorate"].tolist() == ["Mafraq"]
    assert tower22["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-28"]
    assert df.loc[df["country"] == "Syria", "date"].min() >= pd.Timestamp("2023-10-17")


def test_pass5_adjacent_day_duplicates_are_resolved():
    df = load_incidents()
    # dropped: al-Omar 31 Oct 2023 (one attack with 1 Nov) and 6 Jan 2024 (one with 5 Jan)
    assert _pass5(df, "2023-10-31", "al-Omar").empty
    assert _pass5(df, "2024-01-06", "al-Omar").empty
    assert len(_pass5(df, "2023-11-01", "al-Omar")) == 1
    assert _pass5(df, "2024-01-05", "al-Omar")["confirmation"].tolist() == ["confirmed"]
    # kept apart, each with its reason: al-Omar 3/4 Jan 2024 and Conoco 3/4 Feb 2024
    for date, target in [
        ("2024-01-03", "al-Omar"),
        ("2024-01-04", "al-Omar"),
        ("2024-02-03", "Conoco"),
        ("2024-02-04", "Conoco"),
    ]:
        row = _pass5(df, date, target)
        assert len(row) == 1 and row.iloc[0]["curation_note"].startswith("Kept"), (date, target)


def test_pass5_night_attacks_keep_the_pentagon_date():
    df = load_incidents()
    tanf = _pass5(df, "2023-10-18", "al-Tanf")
    assert len(tanf) == 1 and "Date kept" in tanf.iloc[0]["curation_note"]
    assert _pass5(df, "2023-10-19", "al-Tanf").empty
    nov12 = df[(df["date"] == "2023-11-12") & (df["country"] == "Syria")]
    assert len(nov12) == 3 and nov12["curation_note"].str.contains("evening of 12 Nov").all()


def test_pass5_confirmation_rule():
    df = load_incidents()
    syria = df[df["country"] != "Iraq"]
    # after 4 Feb 2024 and before 21 Apr 2024 the Pentagon counted no attack: none is confirmed
    quiet = syria[syria["date"].between("2024-02-05", "2024-04-20")]
    assert len(quiet) == 12 and (quiet["confirmation"] == "disputed").all()
    # all by a resolution citing the Pentagon, but 1 Apr (al-Tanf), disputed by its own marker
    assert quiet["curation_note"].str.contains("since 4 Feb").sum() == 11
    # a row whose own page carries only a claim is claimed unless the second page is cited
    assert _pass5(df, "2023-11-02", "Shaddadi")["confirmation"].tolist() == ["claimed"]
    omar = _pass5(df, "2023-10-30", "Green Village")
    assert omar["confirmation"].tolist() == ["confirmed"]
    assert "sofrep.com" in omar.iloc[0]["curation_note"]
    # confirmed rows of the pass rest on their marker or on a resolution citing a second page
    marker = syria["description"].str.contains(r"\(confirmed\)\W*$")
    promoted = syria["confirmation"].eq("confirmed") & ~marker
    assert promoted.sum() == 9
    assert syria.loc[promoted, "curation_note"].str.contains("Confirmed by a second page").all()
    assert syria["confirmation"].astype(str).value_counts().to_dict() == {
        "confirmed": 69,
        "claimed": 68,
        "disputed": 14,
    }


def test_pass5_tallies_keep_their_scope():
    tallies = load_reported_counts()
    pentagon_18_jan = tallies[
        (tallies["period_end"] == "2024-01-18") & (tallies["period_start"] == "2023-10-17")
    ]
    assert {"iraq", "syria", "iraq_syria"} <= set(pentagon_18_jan["scope"])
    assert set(pentagon_18_jan.loc[pentagon_18_jan["scope"] == "syria", "count"]) == {83}
    assert (tallies["scope"] == "iraq_syria_jordan").sum() == 3


@needs_shared
def test_an_event_added_in_curation_survives_the_build(tmp_path: Path):
    """data/curation/event_additions.csv is how a person adds an event: read after the shared
    table, so the next build keeps it (editing political_events.csv would be undone)."""
    from analysis.data.curate import EVENT_ADDITIONS, build_events

    cur = tmp_path / "curation"
    cur.mkdir()
    shutil.copy(DATA / "curation" / "event_date_notes.csv", cur / "event_date_notes.csv")
    header = "event_id,date,label,category,actor,description,source_title,source_url\n"
    row = (
        "ceasefire_test,2024-03-01,A ceasefire,truce,Militias,Text,"
        "A page that states it,https://example.org/page\n"
    )
    (cur / EVENT_ADDITIONS).write_text(header + row, encoding="utf-8")
    events = build_events(SHARED, cur)
    added = [e for e in events if e["event_id"] == "ceasefire_test"]
    assert added and added[0]["source_url"] == "https://example.org/page"
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)


@needs_shared
@pytest.mark.parametrize(
    ("row", "field", "line"),
    [
        (
            "suleimani_strike,2024-03-01,Again,truce,X,T,Title,https://example.org/a\n",
            "event_id",
            2,
        ),
        ("new_event,2024-03-01,New,truce,X,T,Title,\n", "source_url", 2),
    ],
)
def test_a_bad_event_addition_names_file_line_and_field(tmp_path: Path, row, field, line):
    from analysis.data.curate import EVENT_ADDITIONS, build_events

    cur = tmp_path / "curation"
    cur.mkdir()
    shutil.copy(DATA / "curation" / "event_date_notes.csv", cur / "event_date_notes.csv")
    header = "event_id,date,label,category,actor,description,source_title,source_url\n"
    (cur / EVENT_ADDITIONS).write_text(header + row, encoding="utf-8")
    with pytest.raises(DataError) as err:
        build_events(SHARED, cur)
    assert (err.value.field, err.value.line) == (field, line)
    assert EVENT_ADDITIONS in str(err.value) and field in str(err.value)


@needs_shared
def test_data_build_waits_for_a_report_reading_the_data(tmp_path: Path):
    """``data build`` rewrites the tables holding the data's lock alone, as ``review accept``
    does: while a report holds it shared, the build waits ``--wait``, exits 3 and writes
    nothing; once the report has ended, the same command builds."""
    from analysis.atomic import DATA_LOCK, data_lock
    from analysis.cli import main

    out = tmp_path / "data"
    out.mkdir()
    for name in ("case.yml", "political_events.csv", "attack_counts_reported.csv"):
        shutil.copy(DATA / name, out / name)
    (out / "incidents.csv").write_text("stale\n", encoding="utf-8")  # what a build replaces

    def files() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name != DATA_LOCK}

    before = files()
    args = ["data", "build", "--shared", str(SHARED), "--out", str(out), "--wait", "0.3"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
    with data_lock(out, shared=True, wait=0):  # what a report holds while it builds
        done = subprocess.run(
            [sys.executable, "-m", "analysis.cli", *args],
            env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert files() == before
    assert done.returncode == 3, done.stderr
    assert "a report is building briefs from these data" in done.stderr
    assert main(args) == 0  # the report has ended
    assert (out / "incidents.csv").read_bytes() == (DATA / "incidents.csv").read_bytes()
