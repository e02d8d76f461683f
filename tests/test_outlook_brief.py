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
from analysis.errors import DataError
from analysis.models import backtest, outlook


@pytest.fixture(scope="module")
def brief() -> ob.OutlookBrief:
    return ob.outlook_brief(
        load_incidents(), as_of="2021-06-30", n_samples=300, backtest_step=26,
        backtest_samples=100,
    )  # fmt: skip


def test_forecast_is_the_models_on_complete_weeks(brief):
    y = brief.weekly
    assert y.index[-1] == pd.Timestamp("2021-06-21")  # the week of 28 Jun is not complete
    direct = outlook.forecast(y, n_samples=300, seed=0)
    np.testing.assert_array_equal(brief.forecast.samples, direct.samples)
    values = brief.glue_values()
    assert values["weeks"][0] == "2021-06-28"
    assert values["median"] == [float(v) for v in direct.quantiles["q50"]]
    assert json.loads(json.dumps(values)) == values  # JSON-safe
    assert values["headline"].startswith("For the week of 28 Jun 2021, the outlook is")


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


def test_a_damaged_stored_forecast_is_named(tmp_path):
    (tmp_path / "2021-06-30.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="2021-06-30.json"):
        ob.load_forecasts(tmp_path)
