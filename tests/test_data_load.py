"""Validated loading: typed output, and one clear error per kind of bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, edit_cells

from analysis import case
from analysis.cli import main
from analysis.data import (
    DataValidationError,
    load_events,
    load_incidents,
    load_reported_counts,
    validate_path,
)
from analysis.data.vocabulary import CONFIRMATIONS


def test_incidents_are_typed():
    df = load_incidents()
    assert len(df) > 200
    assert df["date"].dtype == "datetime64[ns]"
    for column in ("target_type", "attack_type", "governorate", "actor", "confirmation"):
        assert isinstance(df[column].dtype, pd.CategoricalDtype), column
    shipped = case.current()  # the vocabularies are the case file's, in its order
    assert list(df["target_type"].cat.categories) == list(shipped.target_types)
    assert list(df["attack_type"].cat.categories) == list(shipped.attack_types)
    assert list(df["governorate"].cat.categories) == list(shipped.area_names)
    for column in ("munitions", "killed", "wounded"):
        assert df[column].dtype == "Int64", column
    assert df["intercepted"].dtype == "boolean"
    assert df["incident_id"].is_unique
    assert set(df["confirmation"]) <= set(CONFIRMATIONS)


def test_events_and_tallies_are_typed():
    events = load_events()
    assert events["event_id"].is_unique
    assert events["date"].is_monotonic_increasing
    assert {"suleimani_strike", "pompeo_embassy_threat"} <= set(events["event_id"])
    tallies = load_reported_counts()
    assert tallies["count"].dtype == "Int64"
    assert (tallies["period_end"] >= tallies["period_start"]).all()


@pytest.mark.parametrize(
    "name", ["incidents.csv", "political_events.csv", "attack_counts_reported.csv"]
)
def test_every_shipped_row_has_a_source(name):
    df = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    assert (df["source_url"].str.match(r"https?://\S+")).all()
    assert (df["source_title"].str.strip() != "").all()


def test_seed_incident_jadriya_babel_hotel():
    """Two Katyusha rockets near the Babel Hotel and Iraqi Airways, Al Jadriya (early Oct 2020)."""
    df = load_incidents()
    window = df[(df["date"] >= "2020-09-25") & (df["date"] <= "2020-10-10")]
    text = window["description"] + " " + window["location"]
    hit = window[
        text.str.contains("Babil hotel|Babel|Babylon", case=False)
        & text.str.contains("Iraqi Airways", case=False)
        & text.str.contains("Jadriya|Jadiriya", case=False)
    ]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["attack_type"] == "rocket" and row["munitions"] == 2
    assert "Katyusha" in row["description"] + row["source_title"]
    assert row["governorate"] == "Baghdad"


def test_seed_incident_ali_al_saleh_child_and_taji_launcher():
    """Ali al-Saleh rocket injuring a child near a TV station; a Taji launch stopped (mid-2020)."""
    df = load_incidents()
    night = df[(df["date"] >= "2020-06-01") & (df["date"] <= "2020-08-31")]
    home = night[
        night["location"].str.contains("Ali al-Saleh")
        & night["description"].str.contains("child")
        & night["description"].str.contains("TV", case=False)
    ]
    assert len(home) == 1
    assert home.iloc[0]["wounded"] >= 1
    taji = night[
        (night["date"] == home.iloc[0]["date"]) & night["target_name"].str.contains("Taji")
    ]
    assert len(taji) == 1
    assert bool(taji.iloc[0]["intercepted"]) is True
    assert "rocket" in taji.iloc[0]["description"] and "launch" in taji.iloc[0]["description"]


# --- bad input: each case raises one error naming the file, every bad line and the field ---------

TODAY = dt.date(2026, 11, 21)
BAD_CASES = {
    "unparseable date": ({(3, "date"): "2020-13-45", (10, "date"): "yesterday"}, "date"),
    "future date": ({(4, "date"): "2031-01-01", (12, "date"): "2027-06-30"}, "date"),
    "unknown category": (
        {(5, "target_type"): "embassy", (7, "target_type"): "base"},
        "target_type",
    ),
    "negative count": ({(6, "killed"): "-1", (8, "munitions"): "-3"}, None),
    "not a whole number": ({(6, "wounded"): "2.5", (9, "wounded"): "a few"}, "wounded"),
    "missing source": ({(2, "source_url"): "", (11, "source_url"): "  "}, "source_url"),
    "bad source url": (
        {(2, "source_url"): "www.example.com/x", (5, "source_url"): "ftp://x"},
        "source_url",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_incident_cells_are_all_reported(data_copy: Path, case: str):
    edits, field = BAD_CASES[case]
    path = data_copy / "incidents.csv"
    edit_cells(path, edits)
    with pytest.raises(DataValidationError) as err:
        load_incidents(path, today=TODAY)
    message = str(err.value)
    assert str(path) in message
    lines = sorted(i + 2 for i, _ in edits)
    reported = sorted({p.line for p in err.value.problems})
    assert reported == lines, message
    for p in err.value.problems:
        assert f"line {p.line}" in message
        if field:
            assert p.field == field
        else:
            assert p.field in {c for _, c in edits}
    if case == "negative count":
        assert all("negative" in p.message for p in err.value.problems)


def test_duplicated_incident_id_names_both_lines(data_copy: Path):
    path = data_copy / "incidents.csv"
    first = pd.read_csv(path, dtype=str, nrows=1)["incident_id"][0]
    edit_cells(path, {(20, "incident_id"): first})
    with pytest.raises(DataValidationError) as err:
        load_incidents(path)
    problems = err.value.problems
    assert {p.line for p in problems} == {2, 22}
    assert {p.field for p in problems} == {"incident_id"}
    assert all("duplicated" in p.message for p in problems)


@pytest.mark.parametrize(
    "header",
    [
        "incident_id,date,date_precision",  # missing columns
        None,  # renamed column
    ],
)
def test_wrong_header(data_copy: Path, header: str | None):
    path = data_copy / "incidents.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = (header + "\n") if header else lines[0].replace("target_type", "target")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_incidents(path)
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.line == 1 and problem.field == "(header)"
    assert "missing" in problem.message and "target_type" in problem.message


def test_month_precision_must_be_first_of_month(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "date_precision"): "month"})  # dated 2019-05-19
    with pytest.raises(DataValidationError) as err:
        load_incidents(path)
    assert [(p.line, p.field) for p in err.value.problems] == [(2, "date")]


def test_line_numbers_count_physical_lines_with_multiline_cells(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "description"): "first line\nsecond line", (1, "attack_type"): "mortar"})
    with pytest.raises(DataValidationError) as err:
        load_incidents(path)
    # row 1 starts on line 4 because row 0's description spans lines 2-3
    assert [(p.line, p.field) for p in err.value.problems] == [(4, "attack_type")]


def test_bom_and_windows_line_endings_are_accepted(tmp_path: Path):
    text = (DATA / "incidents.csv").read_text(encoding="utf-8")
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert len(load_incidents(path)) == len(load_incidents())


def test_bad_event_rows(data_copy: Path):
    path = data_copy / "political_events.csv"
    edit_cells(path, {(1, "category"): "protest", (2, "event_id"): "Bad Id", (3, "event_id"): ""})
    with pytest.raises(DataValidationError) as err:
        load_events(path)
    assert {(p.line, p.field) for p in err.value.problems} == {
        (3, "category"),
        (4, "event_id"),
        (5, "event_id"),
    }


def test_reported_period_end_before_start(data_copy: Path):
    path = data_copy / "attack_counts_reported.csv"
    edit_cells(path, {(0, "period_end"): "2019-01-01"})
    assert [(p.line, p.field) for p in validate_path(path)] == [(2, "period_end")]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_cli_validate_exits_nonzero_lists_lines_and_writes_nothing(
    data_copy: Path, case: str, capsys
):
    edits, _ = BAD_CASES[case]
    path = data_copy / "incidents.csv"
    edit_cells(path, edits)
    before = _digest(data_copy)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    for i, _ in edits:
        assert f"{path}:line {i + 2}," in err
    assert _digest(data_copy) == before


def test_cli_validate_shipped_data_is_clean(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == 4  # the case file and the three tables


def test_cli_validate_missing_file(tmp_path: Path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv" in capsys.readouterr().err
