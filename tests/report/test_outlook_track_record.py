"""The outlook's real track record: each ``escalation run`` stores the forecast it published
(``forecasts/<as_of>.json``, archived with the edition, never rewritten) and later runs score it."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from conftest import ROOT, copy_data
from report_helpers import write_config

from analysis.briefs.outlook import outlook_brief
from analysis.data import load_incidents
from analysis.errors import PUBLISHED
from analysis.report import forecasts
from analysis.report.keys import file_hash
from analysis.report.unattended import run_unattended

NOW = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)


def test_each_run_stores_its_forecast_and_later_runs_score_it(tmp_path):
    """One real ``escalation run --as-of 2021-07-31`` (the outlook notebook, small sizes) over a
    site holding the forecast an earlier edition (2021-06-30) stored: the run scores that
    forecast on the page and stores its own, archived with its edition."""
    data = copy_data(tmp_path / "data")
    (tmp_path / "notebooks").mkdir()
    notebook = tmp_path / "notebooks" / "07_outlook.ipynb"
    shutil.copy(ROOT / "notebooks" / "07_outlook.ipynb", notebook)
    small = {"as_of": "latest", "n_samples": 200, "backtest_step": 52}
    config = write_config(tmp_path / "briefs.yml", {"outlook": (notebook, small)})
    site = tmp_path / "site"
    earlier = outlook_brief(
        load_incidents(data / "incidents.csv"), as_of="2021-06-30", n_samples=200,
        backtest_step=52, backtest_samples=100, groups=(), data_path=data / "incidents.csv",
    ).record  # fmt: skip
    stored = site / "forecasts" / "2021-06-30.json"
    stored.parent.mkdir(parents=True)
    stored.write_text(json.dumps(earlier), encoding="utf-8")
    published = stored.read_bytes()

    result = run_unattended(
        config, site=site, data_dir=data, as_of=dt.date(2021, 7, 31), now=NOW, jobs=1
    )
    assert result.exit_code == PUBLISHED, result.error
    assert stored.read_bytes() == published  # never rewritten
    page = (site / "outlook.html").read_text(encoding="utf-8")
    # the weeks of 28 Jun, 5, 12 and 19 Jul are complete by 31 Jul: scored; 26 Jul is not
    assert "Running score over 4 forecast weeks from 1 edition" in page
    # built (by the clock) years after its as-of day: the page says so, scored on the data since
    assert "This forecast is of weeks that have already passed: the data end on 31 Jul 2021" in page
    first_screen = page[page.index("<body") : page.index('id="The-forecast-weeks"')]
    assert first_screen.count("Data through") == 1  # the top line only
    assert first_screen.count("31 Jul 2021") == 1  # the outlook's own data end, said once
    assert "Against the data for 4 of those weeks" in page

    mine = site / "forecasts" / "2021-07-31.json"
    record = json.loads(mine.read_text(encoding="utf-8"))
    assert record["as_of"] == "2021-07-19" and record["periods"][0] == "2021-07-26"
    assert record["data_hash"] == file_hash(data / "incidents.csv")
    assert record["model"] == "auto" and sum(record["samples"][0]["counts"]) == 200
    archived = site / "archive" / "2021-07-31" / "outlook.forecast.json"
    assert archived.read_bytes() == mine.read_bytes()


def test_a_stored_forecast_is_never_rewritten(tmp_path):
    """A second build for the same as-of day (forced, or after a code change) publishes its page
    but keeps the forecast stored first, with a note saying so."""
    site, staging = tmp_path / "site", tmp_path / "staging"
    staging.mkdir()
    (site / "forecasts").mkdir(parents=True)
    (site / "forecasts" / "2021-06-30.json").write_text("first", encoding="utf-8")
    notes: list[str] = []
    glued = {"forecast_record": {"edition": "2021-06-30", "model": "auto"}}
    files = forecasts.stage(site, staging, "outlook", "2021-06-30", glued, notes)
    assert list(files) == ["archive/2021-06-30/outlook.forecast.json"]
    assert notes == ["outlook: a forecast for 2021-06-30 is stored already: kept"]
    assert forecasts.stage(site, staging, "other", "2021-06-30", {}, notes) == {}
    bad = {"forecast_record": {"edition": "June"}}
    assert forecasts.stage(site, staging, "outlook", "2021-06-30", bad, notes) == {}
    assert "bad as-of date" in notes[-1]
