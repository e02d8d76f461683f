"""The outlook brief (analysis.briefs.outlook): its numbers are the model's, its stored record
rebuilds the forecast's samples exactly, stored forecasts are scored only once observed."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.briefs import outlook as ob
from analysis.data import load_incidents
from analysis.models import backtest, outlook


@pytest.fixture(scope="module")
def brief() -> ob.OutlookBrief:
    return ob.outlook_brief(
        load_incidents(), as_of="2021-06-30", n_samples=300, backtest_step=26,
        backtest_samples=100,
    )  # fmt: skip


def test_forecast_is_the_models_on_complete_weeks_and_the_week_under_way(brief):
    y = brief.weekly
    assert y.index[-1] == pd.Timestamp("2021-06-21")  # the week of 28 Jun is not complete
    inc = load_incidents()
    ok = (inc["confirmation"] == "confirmed") & (inc["date_precision"] != "month")
    seen = int((ok & inc["date"].between("2021-06-28", "2021-06-30")).sum())
    assert (brief.forecast.seen, brief.forecast.elapsed) == (seen, 3 / 7)  # Mon-Wed seen
    direct = outlook.forecast(y, n_samples=300, seed=0, seen=seen, elapsed=3 / 7)
    np.testing.assert_array_equal(brief.forecast.samples, direct.samples)
    assert (brief.forecast.samples[:, 0] >= seen).all()
    values = brief.glue_values()
    assert values["weeks"][0] == "2021-06-28"
    assert values["data_end"] == "2021-06-30"
    assert values["median"] == [float(v) for v in direct.quantiles["q50"]]
    assert json.loads(json.dumps(values)) == values  # JSON-safe
    assert "Week of 28 Jun 2021: most likely" in values["headline"]
    assert "The week of 28 Jun 2021 was under way" in brief.time_words  # built years after


def test_the_heading_says_the_data_end_once(brief):
    """The top line every page has gives the data's end; the outlook's own heading says it once
    more, in the paragraph that says why it matters, not in its title or headline."""
    head, end = brief.heading_html(), "30 Jun 2021"
    assert head.html.count(end) == 1 and head.text.count(end) == 1
    assert "Data through" not in head.html and "data through" not in brief.page_title
    assert end not in brief.headline and end not in brief.glue_values()["title"]
    assert "escalation-title" not in head.html  # the notebook's first cell is the title
    # what it found is still first: the headline gives the first week's forecast
    assert brief.headline.startswith("This forecast's weeks have passed")
    assert "Week of 28 Jun 2021: most likely" in brief.headline
    assert "the data end on 30 Jun 2021" in brief.time_words


def _cut(incidents: pd.DataFrame, last: str) -> pd.DataFrame:
    """A small data set: the incidents of 2019-21 up to ``last``."""
    return incidents[incidents["date"].between("2019-01-01", last)].reset_index(drop=True)


def test_the_page_says_when_the_data_end_and_counts_the_last_attack():
    inc = load_incidents()
    ok = (inc["confirmation"] == "confirmed") & (inc["date_precision"] != "month")
    # the last confirmed attack before 1 Jul 2021, mid-week: it must be in the forecast
    last = pd.Timestamp(inc.loc[ok & (inc["date"] < "2021-07-01"), "date"].max())
    small = _cut(inc, f"{last:%Y-%m-%d}")
    assert last.day_of_week != 6  # not a Sunday: a week under way
    b = ob.outlook_brief(
        small, n_samples=200, backtest_step=52, backtest_samples=100, groups=(),
        today=last + pd.Timedelta(days=10),
    )  # fmt: skip
    assert b.data_end == last
    head = b.heading_html().html
    assert head.count(f"{last.day} {last:%b %Y}") == 1  # said once, with the week under way
    assert f"recorded by {last.day} {last:%b %Y}" in head
    assert "already passed" not in head and not b.stale
    fc = b.forecast
    n_small = int(
        ((small["confirmation"] == "confirmed") & (small["date_precision"] != "month")).sum()
    )
    assert int(fc.history.sum()) + fc.seen == n_small  # every attack up to the last counted
    assert fc.seen >= 1 and fc.quantiles.index[0] == last - pd.Timedelta(days=last.day_of_week)


def test_a_page_built_long_after_the_data_says_its_weeks_have_passed():
    inc = load_incidents()
    small = _cut(inc, "2021-06-30")
    b = ob.outlook_brief(
        small, n_samples=200, backtest_step=52, backtest_samples=100, groups=(),
        today="2021-08-20",
    )  # fmt: skip
    end = b.data_end
    weeks = round((pd.Timestamp("2021-08-20") - end).days / 7)
    sentence = (
        "This forecast is of weeks that have already passed: the data end on "
        f"{end.day} {end:%b %Y}, {weeks} weeks before this page was built. There are no data "
        "for those weeks yet."
    )
    assert b.stale and sentence in b.time_words
    head = b.glue_values()["headline"]
    assert head.startswith("This forecast's weeks have passed; no data for them yet. Week of ")
    assert len(head.split()) <= 35
    # an edition for an earlier date, with the data since: scored against them
    old = ob.outlook_brief(
        load_incidents(), as_of="2021-06-30", n_samples=200, backtest_step=52,
        backtest_samples=100, groups=(), today="2021-08-20",
    )  # fmt: skip
    assert len(old.past) == 4  # the weeks of 28 Jun to 19 Jul are all in the data
    y = ob.weekly_counts(load_incidents(), pd.Timestamp("2021-08-20"))
    assert list(old.past["observed"]) == [int(y.loc[w]) for w in old.past.index]
    assert "Against the data for 4 of those weeks" in old.time_words
    assert "4 of 4 fell inside" in old.headline or " of 4 fell inside its 90% range" in old.headline


def test_pages_fragments_are_escaped_reader_tables(brief):
    for frag in (brief.forecast_html(), brief.skill_html(), brief.editions_html()):
        assert "<table" in frag.html or "<p>" in frag.html
        assert "nan" not in frag.html and "inf" not in frag.html.replace("info", "")
    assert "escalation-outlook-skill" in brief.skill_html().html
    for draw in (brief.plot, brief.plot_calibration, brief.plot_groups):
        ax = draw()
        assert len(ax.figure.alt_text) > 30
    plt.close("all")


def test_stored_record_rebuilds_the_samples_and_is_scored_once_observed(brief, tmp_path):
    record = brief.record
    (tmp_path / f"{record['edition']}.json").write_text(json.dumps(record), encoding="utf-8")
    stored = ob.load_forecasts(tmp_path)
    y_later = ob.weekly_counts(load_incidents(), pd.Timestamp("2021-07-20"))
    scored = ob.score_stored(stored, y_later)
    # weeks of 28 Jun, 5 Jul and 12 Jul are complete by 20 Jul; 19 Jul is not
    assert list(scored["horizon"]) == [1, 2, 3]
    obs = y_later.loc[scored["target"]].to_numpy()
    expected = backtest.crps_samples(obs, brief.forecast.samples[:, :3])
    np.testing.assert_allclose(scored["crps"], expected)
    assert ob.score_stored(stored, brief.weekly).empty  # nothing observed yet at its own as_of
    # a later brief shows the running score; one for an earlier date ignores the record
    later = ob.outlook_brief(
        load_incidents(), as_of="2021-07-20", n_samples=200, backtest_step=52,
        backtest_samples=100, stored=stored, groups=(),
    )  # fmt: skip
    assert len(later.stored) == 3
    assert "Running score over 3 forecast weeks" in later.editions_html().html


def test_a_damaged_stored_forecast_is_named_and_skipped(tmp_path):
    """Skipped with its name, not an error that fails the page (tests/test_reliability_forecasts.py
    has every kind of damage)."""
    (tmp_path / "2021-06-30.json").write_text("{not json", encoding="utf-8")
    loaded = ob.load_forecasts(tmp_path)
    assert list(loaded) == [] and loaded.skipped[0].startswith(f"{tmp_path.name}/2021-06-30.json")
