"""The feed registry (analysis.sources.feeds): one list of feeds that every command reads, and
the feeds' country, area, actor and target filters taken from the case file at call time.

The second case here is synthetic (``synthetic: true``): a tiny case file written from the
starter, whose only country is Syria, pointed at with ``$ESCALATION_DATA_DIR``. The feed
fixtures (tests/fixtures, synthetic too) hold rows in Iraq and a few in Syria.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DATA, FIXTURES

from analysis import case
from analysis.briefs.tempo import SOURCE_NAMES
from analysis.report import unattended
from analysis.sources import acled, feeds, gdelt, raw, review, ucdp
from analysis.sources import cli as sources_cli

GDELT2 = FIXTURES / "20200108000000.export.CSV"


def write_case(folder: Path, feeds_block: dict | None) -> Path:
    """A synthetic case in ``folder``: the starter case file, its country Syria (two areas),
    its feeds ``feeds_block`` (None: no feeds: key)."""
    text = yaml.safe_load(case.starter_yaml("Synthetic Syria case (tests only)"))
    text.update(
        synthetic=True,
        subject="synthetic attacks for a test",
        countries=[{"name": "Syria"}],
        areas=[
            {"name": "Deir ez-Zor", "country": "Syria", "aliases": ["Deir ez Zor"]},
            {"name": "Damascus", "country": "Syria", "aliases": ["Dimashq"]},
        ],
        tally_scopes={"all": {"label": "Syria", "countries": ["Syria"]}},
        target_rules=[{"pattern": "checkpoint", "target_type": "other"}],
    )
    if feeds_block is not None:
        text["feeds"] = feeds_block
    folder.mkdir(parents=True, exist_ok=True)
    (folder / case.CASE_FILE).write_text(yaml.safe_dump(text, sort_keys=False), "utf-8")
    return folder


SYRIA_FEEDS = {
    "acled": {"countries": ["Syria"]},
    "ucdp": {"countries": ["Syria"], "country_ids": ["652"]},
    "gdelt": {"countries": {"SY": "Syria"}, "admin1": {"SY13": "Damascus"}},
}


@pytest.fixture
def syria(tmp_path, monkeypatch) -> Path:
    """The synthetic Syria case, in use."""
    folder = write_case(tmp_path / "syria", SYRIA_FEEDS)
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def no_feeds(tmp_path, monkeypatch) -> Path:
    """A synthetic case whose file has no feeds: key, in use."""
    folder = write_case(tmp_path / "bare", None)
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(folder))
    return folder


# --- one list of feeds everywhere ----------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser, *path: str) -> set[str]:
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_every_command_lists_the_registrys_three_feeds():
    from analysis.cli import build_parser

    keys = ("acled", "ucdp", "gdelt")
    assert feeds.KEYS == keys
    assert raw.FEEDS == keys and raw.SOURCES == ("curated", *keys)
    assert set(unattended.FEEDS) == set(keys)
    assert set(SOURCE_NAMES) == {"curated", *keys}
    assert [SOURCE_NAMES[k] for k in keys] == ["ACLED", "UCDP GED", "GDELT"]
    parser = build_parser()
    assert _subcommands(parser, "fetch") == set(keys)
    run = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[
        "run"
    ]
    fetch = next(a for a in run._actions if "--fetch" in a.option_strings)
    assert set(fetch.choices) == set(keys)
    review_parser = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ).choices["review"]
    assert set(next(a for a in review_parser._actions if "--feed" in a.option_strings).choices) == (
        set(keys)
    )
    for f in feeds.FEEDS:  # each record's loader and fetcher are real modules
        assert callable(f.load_module().load)
        fetcher = f.fetch_module()
        assert callable(fetcher.fetch) and fetcher.DEFAULT_BASE_URL.startswith("http")
        assert fetcher.BASE_URL_ENV == f"ESCALATION_{f.key.upper()}_URL"
    assert set(sources_cli._ADD) == set(keys)


def test_file_patterns_and_fetch_windows_come_from_the_records(tmp_path):
    for name in ("a.csv", "b.CSV", "c.csv.zip", "d.zip", "notes.txt", "e.parquet"):
        (tmp_path / name).write_text("x")
    names = {f.key: [p.name for p in f.files(tmp_path)] for f in feeds.FEEDS}
    assert names["acled"] == ["a.csv", "b.CSV", "c.csv.zip"]
    assert names["ucdp"] == ["a.csv", "b.CSV", "c.csv.zip", "d.zip"]
    assert names["gdelt"] == ["a.csv", "b.CSV", "c.csv.zip", "d.zip"]
    assert gdelt.files_in(tmp_path) == feeds.feed("gdelt").files(tmp_path)
    day = dt.date(2024, 1, 31)
    assert feeds.feed("gdelt").window(day) == (dt.date(2024, 1, 25), day)
    assert feeds.feed("acled").window(day) == (dt.date(2023, 2, 1), day)
    with pytest.raises(feeds.ParameterError, match="release"):
        feeds.feed("ucdp").window(day)
    with pytest.raises(feeds.ParameterError, match="feed must be one of acled, ucdp, gdelt"):
        feeds.feed("twitter")


# --- the shipped case: the filters it had in code ---------------------------------------------


def test_the_shipped_case_keeps_the_iraq_filters():
    shipped = case.load(DATA)
    assert feeds.settings("acled", shipped).countries == ("Iraq",)
    assert feeds.settings("ucdp", shipped) == feeds.UcdpSettings(("Iraq",), ("645",))
    g = feeds.settings("gdelt", shipped)
    assert g.codes == ("IZ",) and dict(g.countries) == {"IZ": "Iraq"}
    assert (
        len(g.admin1) == 18
        and g.admin1["IZ07"] == "Baghdad"
        and g.admin1["IZ18"] == ("Salah al-Din")
    )
    # every Iraqi governorate of the case is reachable from GDELT's FIPS table but Halabja,
    # which has no FIPS code of its own (it was part of Sulaymaniyah)
    iraq = {a.name for a in shipped.areas_of("Iraq")}
    assert iraq - set(g.admin1.values()) == {"Halabja"}


# --- a second case: rows of its country kept, Iraq's dropped ---------------------------------


def test_a_synthetic_case_keeps_its_countrys_acled_rows_and_drops_iraqs(syria):
    frame = acled.load(FIXTURES / "acled_iraq_sample.csv")  # the case is read now, not at import
    assert sorted(frame["source_event_id"]) == ["SYR90001", "SYR90002"]
    assert frame.attrs["rows_read"] == 25 and frame.attrs["rows_kept"] == 2
    assert (frame["country"] == "Syria").all()
    assert (frame["governorate"] == "Deir ez-Zor").all()  # "Deir ez Zor", by the case's alias
    assert (frame["actor"] == "unknown").all()  # Iraq's militia rules are not this case's
    # the shipped case, on the same file, keeps the Iraq rows and drops Syria's
    shipped = acled.load(FIXTURES / "acled_iraq_sample.csv", case=case.load(DATA))
    rows = pd.read_csv(FIXTURES / "acled_iraq_sample.csv", dtype=str, encoding="utf-8-sig")
    iraq = rows[(rows["country"] == "Iraq") & (rows["event_type"] == acled.EVENT_TYPE)]
    assert sorted(shipped["source_event_id"]) == sorted(iraq["event_id_cnty"])
    assert (shipped["country"] == "Iraq").all()


def test_a_synthetic_case_reads_its_feeds_through_raw(syria):
    (syria / "raw" / "acled").mkdir(parents=True)
    shutil.copy(FIXTURES / "acled_iraq_sample.csv", syria / "raw" / "acled" / "acled_Syria.csv")
    frame = raw.load_feed("acled", syria)
    assert sorted(frame["source_event_id"]) == ["SYR90001", "SYR90002"]
    # its subject's targets are what its own target_rules name
    assert raw.subject_targets() == ("other",)
    assert raw.target_actor() is None
    assert not raw.in_scope(frame).any()  # neither note names a checkpoint


def test_a_synthetic_case_keeps_its_countrys_ucdp_and_gdelt_rows(syria):
    u = ucdp.load(FIXTURES / "ged_iraq_sample.csv")
    source = pd.read_csv(FIXTURES / "ged_iraq_sample.csv", dtype=str)
    syrian = source[(source["country"] == "Syria") | (source["country_id"] == "652")]
    assert len(syrian) >= 1 and sorted(u["source_event_id"]) == sorted(syrian["id"])
    assert (u["country"] == "Syria").all()
    g = gdelt.load(GDELT2)
    assert len(g) == 1 and g.attrs["rows_matched"] == 1
    row = g.iloc[0]
    assert row["country"] == "Syria" and row["governorate"] == "Damascus"  # SY13, the admin1 table
    assert row["adm1_code"] == "SY13"


def _reference(path: Path, codes: set[str]) -> list[str]:
    """GDELT event ids of roots 18-20 in ``codes``, by a full parse (an independent filter)."""
    frame = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    keep = frame[53].isin(codes) & frame[28].isin({"18", "19", "20"})
    return sorted(frame.loc[keep, 0])


@pytest.mark.parametrize("codes", [("IZ",), ("SY",), ("IZ", "SY"), ("SY", "US", "IZ")])
def test_the_gdelt_prefilter_keeps_exactly_the_rows_of_the_codes_asked(codes):
    table, n = gdelt.scan(GDELT2, countries=codes, block_size=97)
    assert n == 20
    assert sorted(table.column("GLOBALEVENTID").to_pylist()) == _reference(GDELT2, set(codes))
    with pytest.raises(feeds.ParameterError, match="FIPS"):
        gdelt.scan(GDELT2, countries=("Iraq",))


# --- a feed the case leaves out is not read, nor fetched; never Iraq by default --------------


def test_a_feed_the_case_leaves_out_is_refused_naming_the_case(no_feeds, tmp_path):
    for loader, path in (
        (acled.load, FIXTURES / "acled_iraq_sample.csv"),
        (ucdp.load, FIXTURES / "ged_iraq_sample.csv"),
        (gdelt.load, GDELT2),
    ):
        with pytest.raises(feeds.FeedNotConfigured, match=r"configures no .* feed") as err:
            loader(path)
        assert str(no_feeds / "case.yml") in str(err.value)
    assert not feeds.configured("acled")
    records = unattended.fetch_feeds(["acled", "gdelt"], dt.date(2024, 1, 31), no_feeds / "raw")
    assert [r["feed"] for r in records] == ["acled", "gdelt"]
    assert all(not r["ok"] and r["skipped"] for r in records)
    assert "configures no ACLED feed" in records[0]["detail"]
    assert not (no_feeds / "raw").exists()  # nothing fetched


def test_fetch_of_a_feed_the_case_leaves_out_exits_1_before_any_connection(no_feeds, capsys):
    from analysis.cli import main

    for argv in (
        ["fetch", "acled", "--start", "2024-01-01", "--end", "2024-01-31"],
        ["fetch", "ucdp", "--version", "25.1"],
        ["fetch", "gdelt", "--start", "2024-01-01", "--end", "2024-01-01"],
    ):
        assert main([*argv, "--base-url", "http://127.0.0.1:9/", "--retries", "0"]) == 1
        err = capsys.readouterr().err
        assert "configures no" in err and "case.yml" in err and "Traceback" not in err


def test_review_refresh_skips_a_fetched_feed_the_case_leaves_out(no_feeds):
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        shutil.copy(DATA / name, no_feeds / name)
    shipped = yaml.safe_load((DATA / case.CASE_FILE).read_text(encoding="utf-8"))
    del shipped["feeds"]  # the shipped tables' case, with no feed configured
    (no_feeds / case.CASE_FILE).write_text(yaml.safe_dump(shipped), encoding="utf-8")
    (no_feeds / "raw" / "acled").mkdir(parents=True)
    shutil.copy(FIXTURES / "acled_iraq_sample.csv", no_feeds / "raw" / "acled" / "a.csv")
    done = review.refresh(no_feeds)
    assert done.per_feed == {} and done.candidates == 0


def test_a_bad_feed_setting_names_the_file_and_key(tmp_path):
    folder = write_case(tmp_path / "bad", {"gdelt": {"countries": {"Iraq": "Syria"}}})
    with pytest.raises(case.CaseError, match=r"case.yml: feeds.gdelt.countries must be"):
        feeds.settings("gdelt", case.load(folder))
    folder = write_case(tmp_path / "bad2", {"acled": {"countries": ["Syria"], "region": "x"}})
    with pytest.raises(case.CaseError, match=r"unknown key feeds.acled.region"):
        feeds.settings("acled", case.load(folder))


def test_the_loaders_import_no_case(tmp_path):
    """Importing the loaders reads no case file: a process whose data folder has none (a
    kernel forked before it is set) imports them and fails only when it reads a feed."""
    import subprocess
    import sys

    empty = tmp_path / "empty"
    empty.mkdir()
    code = (
        "import analysis.sources.common, analysis.sources.acled, analysis.sources.gdelt, "
        "analysis.sources.ucdp, analysis.sources.raw, analysis.sources.feeds; print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"ESCALATION_DATA_DIR": str(empty), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_target_rules_are_read_and_checked_from_the_case_file(tmp_path):
    shipped = case.load(DATA)
    assert [t for _, t in shipped.target_rules] == [
        "us_embassy",
        "airport",
        "us_military_base",
        "coalition_convoy",
    ]
    text = (DATA / "case.yml").read_text("utf-8")
    for bad, message in (
        ("- {pattern: x, target_type: tanker}", r"target_rules\[0\].target_type must be one of"),
        ("- {pattern: '(x', target_type: other}", r"target_rules\[0\].pattern must be a regular"),
    ):
        folder = tmp_path / str(len(message))
        folder.mkdir()
        start = text.index("target_rules:\n")
        end = text.index("# The event feeds")
        body = text[:start] + "target_rules:\n" + bad + "\n" + text[end:]
        (folder / "case.yml").write_text(body, "utf-8")
        with pytest.raises(case.CaseError, match=message):
            case.load(folder)
