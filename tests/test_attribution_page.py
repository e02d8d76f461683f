"""The attribution page (analysis.briefs.attribution): its fits are the models' fits on the same
attacks, events it cannot measure are left out and named, and its reader tables hold no
scientific notation, inf or nan. Synthetic incidents simulated with fixed seeds."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from test_brief import synthetic_events, synthetic_incidents

from analysis.briefs import attack_times, attribution_page
from analysis.briefs.attribution import cluster_reason
from analysis.data import load_incidents
from analysis.errors import ParameterError
from analysis.models import attribution

START = pd.Timestamp("2021-01-04")
END = START + pd.Timedelta(days=299)
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+\b")
NOT_A_NUMBER = re.compile(r"\b(?:inf|nan|NaN|None|NaT)\b")


@pytest.fixture(scope="module")
def page_data():
    inc = load_incidents()
    template = inc[(inc["confirmation"] == "confirmed") & (inc["date_precision"] == "day")]
    times = attribution.simulate(
        1.0,
        {"surge": ("2021-05-03", 3.0), "truce": ("2021-05-23", 0.4)},
        branching_ratio=0.3,
        decay=1.0,
        start=START,
        end=END + pd.Timedelta(days=1),
        seed=21,
    )
    incidents = synthetic_incidents(template.iloc[[0]].reset_index(drop=True), list(times))
    incidents["date"] = incidents["date"].dt.normalize()
    # "early" falls on the period's first day: nothing before it, so it cannot be measured
    events = synthetic_events(early=f"{START:%Y-%m-%d}", surge="2021-05-03", truce="2021-05-23")
    return incidents, events


def test_page_fits_are_the_models_fits_and_unmeasurable_events_are_named(page_data):
    incidents, events = page_data
    page = attribution_page(
        incidents, events, start=START, end=END, event_ids=["early", "surge", "truce"]
    )
    assert list(page.events["event_id"]) == ["surge", "truce"]
    assert list(page.left_out["event_id"]) == ["early"]
    direct = attribution.fit(
        attack_times(incidents, START, END),
        events={"surge": "2021-05-03", "truce": "2021-05-23"},
        start=START,
        end=END + pd.Timedelta(days=1),
        trend=False,
    )
    pd.testing.assert_frame_equal(page.fit.effects, direct.effects)
    assert page.fit.effects.loc["surge", "rate_ratio_low"] < 3.0
    assert 3.0 < page.fit.effects.loc["surge", "rate_ratio_high"]
    assert page.counts_fit is not None
    assert set(page.counts_fit.effects.index) == {"surge", "truce"}
    text = page.summary()
    assert "Early (4 Jan 2021)" in text and "cannot be measured" in text
    values = page.values()
    json.dumps(values, allow_nan=False)
    assert values["left_out"] == ["early"] and set(values["effects"]) == {"surge", "truce"}
    for table in (page.effects_html(), page.comparison_html(), page.crosscheck_html()):
        cells = re.sub(r"<[^>]+>", " ", table._repr_html_())
        assert not SCIENTIFIC.search(cells) and not NOT_A_NUMBER.search(cells), cells


def test_unknown_ids_and_no_measurable_event_are_clear_errors(page_data):
    incidents, events = page_data
    with pytest.raises(ParameterError, match="unknown event id"):
        attribution_page(incidents, events, start=START, end=END, event_ids=["nope"])
    with pytest.raises(ParameterError, match="no event of the list"):
        attribution_page(incidents, events, start=START, end=END, event_ids=["early"])


def test_cluster_reason_names_what_the_data_lack():
    times = pd.Series(pd.to_datetime(["2021-01-01", "2021-01-10", "2021-01-20"]))
    assert cluster_reason(times, ["2021-01-02", "2021-01-05"]) == (
        "no attack was recorded between them"
    )
    assert "move together" in cluster_reason(times, ["2021-01-02", "2021-01-15"])
    assert "some have no attack" in cluster_reason(
        times, ["2021-01-02", "2021-01-05", "2021-01-15"]
    )
