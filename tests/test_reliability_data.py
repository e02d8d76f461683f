"""Bad data is refused, never crashes nor passes: empty or truncated tables, bytes that are not
UTF-8, dates pandas cannot hold, broken quoting, and "future" judged by the date in Iraq.

Each case is checked the way a user meets it: ``escalation validate`` exits 1 and names the file,
the physical line and the field; ``escalation run`` exits 4 and leaves the site byte-identical;
nothing in the data folder changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, edit_cells

from analysis import case
from analysis.cli import main
from analysis.clock import today_local
from analysis.data import DataValidationError, load_events, load_incidents, validate_path
from analysis.data import load as load_module
from analysis.data.schema import incidents_spec
from analysis.errors import DATA_INVALID, DataError

TODAY = dt.date(2026, 11, 21)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


# --- the broken files: each returns the (line, field) the report must name ------------------


def header_only(path: Path) -> tuple[int, str]:
    path.write_bytes(_lines(path)[0])
    return 2, "(rows)"


def truncated(path: Path) -> tuple[int, str]:
    path.write_bytes(b"".join(_lines(path)[:11]))  # the header and 10 of the 312 rows
    return 12, "(rows)"


def not_utf8(path: Path) -> tuple[int, str]:
    lines = _lines(path)
    assert b"Baghdad" in lines[5]
    lines[5] = lines[5].replace(b"Baghdad", b"Bagh\xe9dad", 1)  # Latin-1 e-acute
    path.write_bytes(b"".join(lines))
    return 6, "location"


def year_1066(path: Path) -> tuple[int, str]:
    edit_cells(path, {(0, "date"): "1066-10-14"})  # row 0 is a day-precision row
    return 2, "date"


def unclosed_last_quote(path: Path) -> tuple[int, str]:
    lines = _lines(path)
    row = lines[-1].rstrip(b"\r\n")
    head, _, _ = row.rpartition(b",")
    new_id = head.replace(b"inc-", b"inc-x", 1)  # a new id, so nothing else is wrong
    path.write_bytes(b"".join(lines) + new_id + b',"an open note\n')
    return len(lines) + 1, "curation_note"


BROKEN: dict[str, Callable[[Path], tuple[int, str]]] = {
    "header only": header_only,
    "truncated": truncated,
    "not UTF-8": not_utf8,
    "year 1066": year_1066,
    "unclosed quote at the end": unclosed_last_quote,
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_validate_refuses_and_names_file_line_field(data_copy: Path, case: str, capsys):
    path = data_copy / "incidents.csv"
    line, field = BROKEN[case](path)
    before = _digest(data_copy)
    code = main(["validate", str(path), str(data_copy / "political_events.csv")])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"{path}:line {line}, field '{field}'" in err
    assert "Traceback" not in err
    assert f"{data_copy / 'political_events.csv'}: ok" in out  # the next file is still checked
    assert _digest(data_copy) == before


@pytest.mark.parametrize("case", list(BROKEN))
def test_run_exits_4_and_publishes_nothing(tmp_path: Path, data_copy: Path, case: str, capsys):
    path = data_copy / "incidents.csv"
    line, field = BROKEN[case](path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text("<p>the last good page</p>", encoding="utf-8")
    (site / "manifest.json").write_text('{"briefs": {}}', encoding="utf-8")
    before, data_before = _digest(site), _digest(data_copy)
    config = tmp_path / "briefs.yml"
    config.write_text("briefs: []\n", encoding="utf-8")
    code = main(["run", "--config", str(config), "--out", str(site), "--data", str(data_copy)])
    err = capsys.readouterr().err
    assert code == DATA_INVALID == 4, err
    assert f"{path}:line {line}, field '{field}'" in err
    after = _digest(site)
    log = after.pop("runs.jsonl")
    assert after == before and log
    entry = json.loads((site / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["status"] == "data invalid" and f"{path}:line {line}" in entry["error"]
    assert _digest(data_copy) == data_before


# --- empty and truncated tables ----------------------------------------------------------------


def test_an_empty_table_of_any_kind_is_refused(data_copy: Path):
    for name in ("political_events.csv", "attack_counts_reported.csv"):
        path = data_copy / name
        header_only(path)
        problems = validate_path(path)
        assert [(p.line, p.field) for p in problems] == [(2, "(rows)")], name
        assert "no rows" in problems[0].message


def test_the_incidents_threshold_is_the_documented_one(data_copy: Path):
    MIN_INCIDENTS = case.current().min_incidents
    assert incidents_spec().min_rows == MIN_INCIDENTS
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert f"at least {MIN_INCIDENTS} rows" in readme
    assert f"{MIN_INCIDENTS} for the shipped case" in (load_module.__doc__ or "")
    path = data_copy / "incidents.csv"
    lines = _lines(path)
    path.write_bytes(b"".join(lines[: MIN_INCIDENTS + 1]))  # exactly the minimum: valid
    assert validate_path(path) == []
    path.write_bytes(b"".join(lines[:MIN_INCIDENTS]))  # one fewer
    problems = validate_path(path)
    assert [(p.line, p.field, p.value) for p in problems] == [
        (MIN_INCIDENTS + 1, "(rows)", str(MIN_INCIDENTS - 1))
    ]
    assert f"at least {MIN_INCIDENTS} rows" in problems[0].message
    assert "min_incidents in" in problems[0].message and "case.yml" in problems[0].message


def test_a_truncated_table_also_lists_its_other_problems(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(3, "attack_type"): "mortar"})
    truncated(path)
    with pytest.raises(DataValidationError) as err:
        load_incidents(path)
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "attack_type"), (12, "(rows)")]


# --- bytes that are not UTF-8 ------------------------------------------------------------------


def test_every_bad_byte_is_reported_on_its_physical_line_and_field(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "description"): "first line\nsecond line"})  # row 0: lines 2-3
    lines = _lines(path)
    assert lines[2].startswith(b"second line")
    lines[2] = lines[2].replace(b"second", b"sec\xffond", 1)
    lines[9] = lines[9].rstrip(b"\n") + b"\x96\n"  # a cp1252 dash in the last field
    path.write_bytes(b"".join(lines))
    problems = validate_path(path)
    assert [(p.line, p.field) for p in problems] == [(3, "description"), (10, "curation_note")]
    assert all("not UTF-8" in p.message for p in problems)
    assert "byte 0xFF" in problems[0].message
    assert "\ufffd" in problems[0].value  # the bad byte is shown, not a surrogate


def test_a_bad_byte_in_the_header_is_named(data_copy: Path):
    path = data_copy / "political_events.csv"
    lines = _lines(path)
    lines[0] = lines[0].replace(b"label", b"lab\xe9l", 1)
    path.write_bytes(b"".join(lines))
    with pytest.raises(DataValidationError) as err:
        load_events(path)
    assert {(p.line, p.field) for p in err.value.problems} == {(1, "(header)")}
    assert any("not UTF-8" in p.message for p in err.value.problems)


def test_bad_bytes_in_two_files_are_both_reported(data_copy: Path, capsys):
    not_utf8(data_copy / "incidents.csv")
    events = data_copy / "political_events.csv"
    lines = _lines(events)
    lines[3] = lines[3].rstrip(b"\r\n") + b"\xc3\n"  # a UTF-8 sequence cut short
    events.write_bytes(b"".join(lines))
    assert main(["validate", str(data_copy / "incidents.csv"), str(events)]) == 1
    err = capsys.readouterr().err
    assert f"{data_copy / 'incidents.csv'}:line 6, field 'location'" in err
    assert f"{events}:line 4, field 'source_url'" in err


# --- dates outside what pandas holds -----------------------------------------------------------


@pytest.mark.parametrize("value", ["1066-10-14", "0202-02-02", "1677-09-21"])
def test_dates_pandas_cannot_hold_are_ordinary_problems(data_copy: Path, value: str):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "date"): value, (5, "attack_type"): "mortar"})
    with pytest.raises(DataValidationError) as err:
        load_incidents(path, today=TODAY)
    problems = [(p.line, p.field, p.value) for p in err.value.problems]
    assert (2, "date", value) in problems and (7, "attack_type", "mortar") in problems
    assert "is before 1900-01-01" in str(err.value)


def test_old_dates_in_the_other_tables_too(data_copy: Path):
    events = data_copy / "political_events.csv"
    edit_cells(events, {(2, "date"): "1066-10-14"})
    assert [(p.line, p.field) for p in validate_path(events)] == [(4, "date")]
    counts = data_copy / "attack_counts_reported.csv"
    edit_cells(counts, {(0, "period_start"): "1066-10-14"})
    assert [(p.line, p.field) for p in validate_path(counts)] == [(2, "period_start")]


# --- broken quoting ----------------------------------------------------------------------------


def test_an_unclosed_quote_in_an_earlier_field_is_named_where_it_opens(data_copy: Path):
    path = data_copy / "incidents.csv"
    last = len(_lines(path)) - 2  # the index of the last row
    edit_cells(path, {(last, "location"): "LOCX"})
    data = path.read_bytes()
    cut = data.index(b",LOCX,")
    path.write_bytes(data[:cut] + b',"Baghdad,\nand the rest of the file\n')
    problems = validate_path(path)
    assert [(p.line, p.field) for p in problems] == [(last + 2, "location")]
    assert "unclosed quote" in problems[0].message


def test_text_after_a_closing_quote_is_refused_and_reading_goes_on(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(3, "location"): "LOCX", (10, "attack_type"): "mortar"})
    path.write_bytes(path.read_bytes().replace(b",LOCX,", b',"Baghdad"x,'))
    problems = validate_path(path)
    assert [(p.line, p.field) for p in problems] == [(5, "location"), (12, "attack_type")]
    assert "after the closing quote" in problems[0].message


def test_well_quoted_multiline_cells_still_pass(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "description"): 'a "quoted" word,\nand a second line'})
    assert validate_path(path) == []


# --- "future" is judged by the date in Iraq ----------------------------------------------------


def test_future_is_judged_against_the_injected_today(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "date"): TODAY.isoformat()})
    assert validate_path(path, today=TODAY) == []
    edit_cells(path, {(0, "date"): (TODAY + dt.timedelta(days=1)).isoformat()})
    problems = validate_path(path, today=TODAY)
    assert [(p.line, p.field) for p in problems] == [(2, "date")]
    assert "in the future" in problems[0].message


def test_the_default_today_is_the_date_in_iraq(data_copy: Path, monkeypatch):
    monkeypatch.setattr(load_module, "today_local", lambda now=None, where=None: TODAY)
    path = data_copy / "incidents.csv"
    edit_cells(path, {(0, "date"): (TODAY + dt.timedelta(days=1)).isoformat()})
    assert [(p.line, p.field) for p in validate_path(path)] == [(2, "date")]


def test_future_rows_are_judged_in_the_case_s_time_zone(data_copy: Path):
    """The case beside the table sets the zone: a row dated today at UTC+14 is in the future
    for a case dated at UTC-11 (always a day or two behind), and accepted by a UTC+14 case."""
    from zoneinfo import ZoneInfo

    path, case_file = data_copy / "incidents.csv", data_copy / "case.yml"
    text = case_file.read_text(encoding="utf-8")
    ahead = dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    edit_cells(path, {(0, "date"): ahead.isoformat()})
    case_file.write_text(text.replace("Asia/Baghdad", "Pacific/Pago_Pago"), encoding="utf-8")
    problems = validate_path(path)
    assert [(p.line, p.field) for p in problems] == [(2, "date")]
    assert "in the future" in problems[0].message
    case_file.write_text(text.replace("Asia/Baghdad", "Pacific/Kiritimati"), encoding="utf-8")
    if dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date() == ahead:  # not past midnight
        assert validate_path(path) == []


def _validate_under(tz: str, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TZ": tz}
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", "validate", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "tz, days, valid",
    [
        ("Pacific/Kiritimati", 1, False),  # UTC+14: its date is often a day ahead of Iraq's
        ("Pacific/Pago_Pago", 0, True),  # UTC-11: often a day behind
    ],
)
def test_the_machine_time_zone_does_not_move_today(data_copy: Path, tz: str, days: int, valid):
    """A row dated tomorrow in Iraq is refused, and one dated today accepted, wherever the
    machine is. (Between them, the two zones disagree with Iraq's date at every hour.)"""
    path = data_copy / "incidents.csv"
    for _ in range(2):  # once more if midnight in Iraq passed during the run
        day = today_local() + dt.timedelta(days=days)
        edit_cells(path, {(0, "date"): day.isoformat()})
        result = _validate_under(tz, path)
        if today_local() + dt.timedelta(days=days) == day:
            break
    if valid:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1, result.stdout
        assert f"{path}:line 2, field 'date': is in the future" in result.stderr


def test_problems_are_data_errors_with_file_line_and_field(data_copy: Path):
    path = data_copy / "incidents.csv"
    not_utf8(path)
    with pytest.raises(DataError) as err:
        load_incidents(path)
    assert (err.value.path, err.value.line, err.value.field) == (path, 6, "location")
