"""The shared input checks every model relies on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.charts import events_as_series
from analysis.errors import ModelInputError, ParameterError
from analysis.events import event_dates
from analysis.models.inputs import count_series, period_unit
from analysis.params import whole_number


def test_period_unit():
    assert period_unit(pd.tseries.frequencies.to_offset("D").freqstr) == "day"
    assert period_unit(pd.tseries.frequencies.to_offset("W-MON").freqstr) == "week"
    assert period_unit(pd.tseries.frequencies.to_offset("MS").freqstr) == "month"
    assert period_unit(pd.tseries.frequencies.to_offset("2D").freqstr) == "period"


def test_count_series_infers_freq_and_returns_floats():
    idx = pd.date_range("2020-01-06", periods=5, freq="W-MON")
    y = pd.Series([0, 1, 2, 0, 3], index=pd.DatetimeIndex(list(idx)))  # freq not set
    out, freq = count_series(y, whole=True)
    assert freq == "W-MON" and out.index.freq == "W-MON"
    assert out.dtype == np.float64 and out.tolist() == [0, 1, 2, 0, 3]


@pytest.mark.parametrize(
    "values, kwargs, match",
    [
        ([1, -1, 2], {}, "negative"),
        ([1, np.nan, 2], {}, "1 NaN"),
        ([1, 1.5, 2], {"whole": True}, "whole-number"),
        ([1, 2, 3], {"min_periods": 6}, "need at least 6"),
    ],
)
def test_count_series_rejects(values, kwargs, match):
    y = pd.Series(values, index=pd.date_range("2020-01-01", periods=len(values), freq="D"))
    with pytest.raises(ValueError, match=match):
        count_series(y, **kwargs)


def test_count_series_rejects_irregular_index():
    idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-09"])
    with pytest.raises(ValueError, match="irregular"):
        count_series(pd.Series([1, 2, 3, 4], index=idx))


def test_event_dates_from_frame_and_mapping():
    frame = pd.DataFrame(
        {
            "date": [pd.Timestamp("2020-09-27 10:00"), pd.Timestamp("2020-01-03")],
            "event_id": ["threat", "strike"],
            "label": ["Embassy threat", "Suleimani strike"],
        }
    )
    dates = event_dates(frame)
    assert list(dates.index) == ["strike", "threat"]
    assert dates.iloc[1] == pd.Timestamp("2020-09-27")  # normalised to the day
    assert list(events_as_series(frame).index) == ["Suleimani strike", "Embassy threat"]
    assert event_dates({"a": "2020-01-01"}).iloc[0] == pd.Timestamp("2020-01-01")
    assert event_dates(None).empty
    with pytest.raises(ValueError, match="duplicate"):
        event_dates(pd.DataFrame({"date": ["2020-01-01"] * 2, "event_id": ["x", "x"]}))
    with pytest.raises(ValueError, match="'date' column"):
        event_dates(pd.DataFrame({"event_id": ["x"]}))


def test_whole_number_names_the_parameter_and_the_unit():
    assert whole_number("days", np.int64(3), 1, "days") == 3
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ParameterError, match=r"days must be a whole number of days >= 1"):
            whole_number("days", bad, 1, "days")
    with pytest.raises(ValueError, match=r"k must be a whole number >= 0, got -1"):
        whole_number("k", -1, 0)


def test_bad_events_are_a_parameter_error():
    with pytest.raises(ParameterError, match="mapping name -> date"):
        event_dates(["2020-01-01"])


def test_models_raise_the_error_family():
    """Bad data is a ModelInputError, a bad argument a ParameterError; both are ValueErrors."""
    from analysis.models import changepoints, counterfactual, hawkes, its, windows

    daily = pd.Series(1.0, index=pd.date_range("2020-01-01", periods=60, freq="D"))
    weekly = daily.resample("W-MON").sum()
    with pytest.raises(ModelInputError, match="negative"):
        count_series(-daily)
    with pytest.raises(ModelInputError, match="daily series"):
        windows.compare(weekly, events={"e": "2020-01-20"})
    with pytest.raises(ParameterError, match="events must be at least one event"):
        windows.compare(daily, events={})
    with pytest.raises(ParameterError, match="family must be one of"):
        its.fit(daily, events={"e": "2020-01-20"}, family="gaussian")
    with pytest.raises(ParameterError, match="locate must be one of"):
        changepoints.detect(daily, locate="mean")
    with pytest.raises(ModelInputError, match="fewer than min_size"):
        changepoints.detect(daily, min_size=61)
    with pytest.raises(ModelInputError, match="need at least 10 events"):
        hawkes.fit(daily.index[:3])
    with pytest.raises(ParameterError, match="model must be one of"):
        counterfactual.fit(daily, "2020-02-01", model="arima")
    assert issubclass(ModelInputError, ValueError) and issubclass(ParameterError, ValueError)


def test_seed_or_fresh_keeps_a_seed_and_draws_one_for_none():
    from analysis.params import seed_or_fresh

    assert seed_or_fresh(7) == 7 and seed_or_fresh(np.int64(3)) == 3
    drawn = {seed_or_fresh(None) for _ in range(5)}
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in drawn) and len(drawn) == 5
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(ParameterError, match="seed must be a whole number >= 0 or None"):
            seed_or_fresh(bad)
