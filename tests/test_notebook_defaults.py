"""Notebook defaults come from the case and its data (analysis.briefs.defaults), never from one
conflict's dates or events."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT

from analysis.briefs import defaults
from analysis.data import load_incidents
from analysis.errors import ConfigError
from analysis.params import AUTO
from analysis.report.config import (
    DATE_PARAMETERS,
    EVENT_PARAMETERS,
    Brief,
    check_parameters,
    declared_parameters,
)

SYNTHETIC = FIXTURES / "case_synthetic"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_default_names_a_date_or_an_event(path):
    for name, p in declared_parameters(path).items():
        if name in EVENT_PARAMETERS:
            assert p.default in (AUTO, []), f"{path.name}: {name} = {p.default!r}"
        if name in DATE_PARAMETERS or name in ("backtest_start", "baseline_breaks"):
            assert p.default in (AUTO, "latest", []), f"{path.name}: {name} = {p.default!r}"


def test_the_iraq_case_resolves_to_the_pages_long_standing_defaults():
    """data/case.yml sets analysis_period and focus_event to what the notebooks said before."""
    assert defaults.period(AUTO, AUTO) == ("2019-10-01", "2021-12-31")
    assert defaults.period("2023-10-01", AUTO) == ("2023-10-01", "2021-12-31")
    assert defaults.focus_event(AUTO) == "suleimani_strike"
    assert defaults.focus_event("kh_suspension") == "kh_suspension"
    assert defaults.focus_events([]) == ["suleimani_strike"]
    assert defaults.focus_events(["a", "b"]) == ["a", "b"]
    incidents = load_incidents()
    assert defaults.backtest_start(AUTO, incidents) == "2020-01-06"  # a Monday, 13 weeks on
    assert defaults.backtest_start("2021-03-01", incidents) == "2021-03-01"


@pytest.fixture
def synthetic(monkeypatch) -> pd.DataFrame:
    """The synthetic case in use (no analysis_period, no focus_event); its incidents table."""
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(SYNTHETIC))
    with (SYNTHETIC / "incidents.csv").open(newline="", encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


def test_a_case_without_a_period_reads_the_span_of_its_data(synthetic):
    first, last = min(synthetic["date"]), max(synthetic["date"])
    assert defaults.period(AUTO, AUTO, synthetic) == (first, last)
    assert defaults.period("2016-06-01", AUTO, synthetic) == ("2016-06-01", last)
    assert defaults.period(AUTO, "2016-12-31", synthetic) == (first, "2016-12-31")
    with pytest.raises(ValueError, match="no incident"):
        defaults.period(AUTO, AUTO, synthetic.iloc[:0])
    # the outlook's backtest: 13 weeks into the period, and 16 weeks of history (MIN_HISTORY)
    first = pd.Timestamp(min(synthetic.loc[synthetic["confirmation"] == "confirmed", "date"]))
    start = pd.Timestamp(defaults.backtest_start(AUTO, synthetic))
    assert start.weekday() == 0 and start - first >= pd.Timedelta(weeks=13)
    assert start == first - pd.Timedelta(days=first.weekday()) + pd.Timedelta(weeks=15)


def _findings(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["event_id", "date", "grade"])


def test_a_case_without_a_focus_event_takes_its_first_graded_event(synthetic):
    table = _findings(
        ("blockade_declared", "2016-02-15", "marker"),
        ("old_event", "2015-01-01", "not_graded"),
        ("sea_ceasefire", "2016-09-05", "clear_fall"),
        ("harbour_strike", "2016-04-18", "cannot_tell"),
    )
    assert defaults.graded_events(table) == ["harbour_strike", "sea_ceasefire"]
    assert defaults.graded_events(table, start="2016-05-01") == ["sea_ceasefire"]
    assert defaults.graded_events(table, end="2016-05-01") == ["harbour_strike"]
    same_day = pd.concat([table, _findings(("talks", "2016-09-05", "no_change"))])
    assert defaults.graded_events(same_day) == ["harbour_strike", "sea_ceasefire", "talks"]
    assert defaults.graded_events(same_day, one_a_day=True) == ["harbour_strike", "sea_ceasefire"]
    assert defaults.focus_event(AUTO, findings=table) == "harbour_strike"
    assert defaults.focus_events([], findings=table) == ["harbour_strike"]
    # nothing graded (a case without campaigns): the first event of the data
    events = pd.DataFrame({"event_id": ["b", "a"], "date": ["2016-05-01", "2016-03-01"]})
    none = _findings(("a", "2016-03-01", "not_graded"))
    assert defaults.focus_event(AUTO, findings=none, events=events) == "a"
    with pytest.raises(ValueError, match="no event"):
        defaults.focus_event(AUTO, findings=none, events=events.iloc[:0])


def test_the_config_check_accepts_auto_and_still_refuses_a_bad_date():
    windows = ROOT / "notebooks" / "02_event_windows.ipynb"
    counterfactual = ROOT / "notebooks" / "05_counterfactual.ipynb"
    ok = Brief("a", windows, {"start": AUTO, "end": "2020-01-31"})
    check_parameters(ok, declared_parameters(windows), set())
    check_parameters(Brief("b", counterfactual, {}), declared_parameters(counterfactual), set())
    with pytest.raises(ConfigError, match="ISO date"):
        bad = Brief("c", windows, {"start": "soon"})
        check_parameters(bad, declared_parameters(windows), set())
    with pytest.raises(ConfigError, match="unknown event_id 'nope'"):
        bad = Brief("d", counterfactual, {"event_id": "nope"})
        check_parameters(bad, declared_parameters(counterfactual), set())


def test_the_map_note_speaks_of_the_case_places(monkeypatch):
    from analysis.briefs.case_text import areas_weekly_html, map_note_html

    iraq = map_note_html(["Iraq"]).text
    assert "one of the governorates of Iraq," in iraq and "without a tile" not in iraq
    assert "window before the event" in map_note_html(windows=True).text
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(SYNTHETIC))
    sea = map_note_html().text
    assert "sea areas of Northland and Eastmark" in sea
    assert "sea areas without a tile are counted beside the map by name" in sea  # Storm Deep
    assert "without a tile" not in map_note_html(["Northland"]).text
    assert "each sea area with any attack" in areas_weekly_html().text
    assert not any(w in sea + areas_weekly_html().text for w in ("Iraq", "governorate"))
