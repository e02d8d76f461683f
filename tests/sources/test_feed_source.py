"""Any brief on any source: ``source`` = curated or a fetched feed (analysis.sources.raw), and
the recent-tempo brief's side-by-side comparison with the reconciliation coverage."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, FIXTURES
from report_helpers import write_config

from analysis.briefs import compare_tempo, recent_tempo
from analysis.data import load_events, load_incidents
from analysis.errors import ParameterError
from analysis.report.config import ConfigError, check_parameters, declared_parameters
from analysis.sources import acled
from analysis.sources.raw import SOURCES, feed_files, load_source, subject_targets

#: the shipped case's subject: US and coalition sites (its target_rules name these four)
US_TARGETS = ("us_military_base", "coalition_convoy", "us_embassy", "airport")


@pytest.fixture
def data(tmp_path) -> Path:
    """The curated tables plus the synthetic ACLED fixture as a fetched export."""
    out = tmp_path / "feed-data"
    out.mkdir()
    for p in [*DATA.glob("*.csv"), DATA / "case.yml"]:  # the tables and their case
        shutil.copy(p, out / p.name)
    shutil.copy(DATA / "case.yml", out / "case.yml")
    (out / "raw" / "acled").mkdir(parents=True)
    shutil.copy(FIXTURES / "acled_iraq_sample.csv", out / "raw" / "acled" / "acled_Iraq_a.csv")
    return out


def test_a_feed_without_data_names_the_parameter_and_the_fetch(data):
    with pytest.raises(ParameterError, match=r"source 'ucdp': no ucdp data under .*escalation "):
        load_source("ucdp", data)
    with pytest.raises(ParameterError, match="source must be one of curated, acled, ucdp, gdelt"):
        load_source("twitter", data)
    assert len(load_source("curated", data)) == len(load_incidents())


def test_a_feed_source_is_its_rows_about_us_sites(data):
    raw = acled.load(FIXTURES / "acled_iraq_sample.csv")
    frame = load_source("acled", data)
    assert sorted(subject_targets(data)) == sorted(US_TARGETS)
    expected = raw[raw["target_type"].isin(US_TARGETS)]
    assert sorted(frame["source_event_id"]) == sorted(expected["source_event_id"])
    assert (frame["source_dataset"] == "acled").all()
    assert len(load_source("acled", data, scope=False)) == len(raw)
    # a newer export of the same events replaces the older rows rather than doubling them
    shutil.copy(FIXTURES / "acled_iraq_sample.csv", data / "raw" / "acled" / "acled_Iraq_b.csv")
    assert len(feed_files("acled", data)) == 2
    assert len(load_source("acled", data)) == len(frame)


def test_the_comparison_agrees_with_the_tempo_of_each_source(data):
    curated, events = load_incidents(), load_events()
    feed = load_source("acled", data)
    on_feed = recent_tempo(feed, events, source="acled")
    on_curated = recent_tempo(curated, events, as_of=on_feed.as_of)
    both = compare_tempo(on_feed, curated, feed)
    w = both.to_frame()
    # the same 7-day blocks, counted by an independent path (recent_tempo's daily counts)
    assert list(w.index) == list(on_feed.weekly.index)
    assert w["feed"].tolist() == on_feed.weekly.astype(int).tolist()
    assert w["curated"].tolist() == on_curated.weekly.astype(int).tolist()
    # matched: curated attacks with a compatible feed row the same or an adjacent day in the
    # same governorate (brute force; one-to-one matching changes nothing on these rows)
    day = curated[(curated["confirmation"] == "confirmed") & (curated["date_precision"] == "day")]
    day = day[day["date"].between(w.index[0], on_feed.as_of)]
    hit = [
        (
            (feed["governorate"] == r.governorate)
            & ((feed["date"] - r.date).dt.days.abs() <= 1)
            & (feed["target_type"].isna() | (feed["target_type"] == r.target_type))
        ).any()
        for r in day.itertuples()
    ]
    assert int(w["matched"].sum()) == int(np.sum(hit)) > 0
    assert (w["matched"] <= w["curated"]).all()
    share = w["matched"] / w["curated"].replace(0, np.nan)
    pd.testing.assert_series_equal(w["coverage"], share, check_names=False)
    assert "ACLED" in both.section_html().html and "coverage" in both.section_html().html
    ax = on_feed.plot(compare=both)  # the curated series drawn over the feed's bars
    (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("curated dataset")]
    assert list(line.get_ydata()) == w["curated"].tolist()
    assert "green step line gives the curated series" in ax.figure.alt_text
    assert "ACLED data" in on_feed.heading_html().html
    assert on_feed.glue_values()["source"] == "acled"


def test_the_config_accepts_the_source_vocabulary(tmp_path):
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "recent_tempo.ipynb"
    declared = declared_parameters(notebook)
    assert declared["source"].check.values() == SOURCES
    assert declared["source"].default == "curated"
    config = write_config(tmp_path / "b.yml", {"t": (notebook, {"source": "gdelt"})})
    from analysis.report.config import load_config

    (brief,) = load_config(config, root=notebook.parents[1])
    check_parameters(brief, declared, set())
    (bad,) = load_config(
        write_config(tmp_path / "c.yml", {"t": (notebook, {"source": "twitter"})}),
        root=notebook.parents[1],
    )
    with pytest.raises(ConfigError, match="parameter 'source' must be one of curated, acled"):
        check_parameters(bad, declared, set())
