"""Count series: zero-filled, regular, filtered, weighted; month-precision rows explicit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.data import load_incidents
from analysis.series import MonthPrecisionWarning, counts, counts_by


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return load_incidents()


def _day_rows(df: pd.DataFrame, confirmation=("confirmed",)) -> pd.DataFrame:
    return df[(df["date_precision"] == "day") & df["confirmation"].isin(confirmation)]


def test_weekly_matches_iso_calendar_grouping(incidents):
    with pytest.warns(MonthPrecisionWarning, match=r"^10 incident"):
        weekly = counts(incidents, "W-MON")
    assert weekly.index.freq == "W-MON"
    assert (weekly.index.day_of_week == 0).all()
    assert weekly.index.is_monotonic_increasing and weekly.index.is_unique
    rows = _day_rows(incidents)
    iso = rows["date"].dt.isocalendar()
    expected = rows.groupby([iso["year"], iso["week"]]).size()
    got = weekly[weekly > 0]
    got_iso = got.index.isocalendar()
    got.index = pd.MultiIndex.from_arrays([got_iso["year"], got_iso["week"]])
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )


def test_zero_filled_and_regular(incidents):
    daily = counts(incidents, "D", "2020-04-01", "2020-05-31", month_precision="spread")
    assert len(daily) == 61
    assert daily.index.freq == "D"
    # Rudaw: no attacks between 7 Apr and 5 May 2020
    assert daily["2020-04-09":"2020-05-05"].sum() == 0


def test_monthly_includes_month_precision_rows_without_warning(incidents):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monthly = counts(incidents, "MS", confirmation="all")
    assert monthly.sum() == len(incidents)
    assert monthly.index.freq == "MS"
    direct = incidents.groupby(incidents["date"].dt.to_period("M")).size()
    assert monthly[direct.index.to_timestamp()].tolist() == direct.tolist()


def test_spread_conserves_totals_and_exclude_drops_them(incidents):
    spread = counts(incidents, "W-MON", confirmation="all", month_precision="spread")
    assert spread.dtype == np.float64
    assert spread.sum() == pytest.approx(len(incidents))
    with pytest.warns(MonthPrecisionWarning) as rec:
        excluded = counts(incidents, "W-MON", confirmation="all")
    n_month = int((incidents["date_precision"] == "month").sum())
    assert str(n_month) in str(rec[0].message)
    assert excluded.sum() == len(incidents) - n_month
    assert excluded.attrs["month_precision_excluded"] == n_month


def test_filters_and_confirmation(incidents):
    where = {"target_type": "us_embassy", "attack_type": ["rocket", "drone"]}
    s = counts(incidents, "MS", where=where)
    rows = incidents[
        (incidents["target_type"] == "us_embassy")
        & incidents["attack_type"].isin(["rocket", "drone"])
        & (incidents["confirmation"] == "confirmed")
    ]
    assert s.sum() == len(rows) > 0
    every = counts(incidents, "MS", confirmation="all")
    default = counts(incidents, "MS")
    assert every.sum() - default.sum() == int((incidents["confirmation"] != "confirmed").sum())
    by_actor = counts(incidents, "MS", where={"actor": "Kataib Hezbollah"}, confirmation="all")
    assert by_actor.sum() == int((incidents["actor"] == "Kataib Hezbollah").sum())
    by_gov = counts(incidents, "MS", where={"governorate": "Erbil"})
    assert by_gov.sum() == len(_day_rows(incidents).query("governorate == 'Erbil'")) + int(
        (
            (incidents["governorate"] == "Erbil")
            & (incidents["date_precision"] == "month")
            & (incidents["confirmation"] == "confirmed")
        ).sum()
    )


def test_filtered_series_share_the_full_time_axis(incidents):
    full = counts(incidents, "MS")
    narrow = counts(incidents, "MS", where={"attack_type": "ballistic_missile"})
    assert narrow.index.equals(full.index)


def test_weights(incidents):
    with pytest.warns(UserWarning, match="no munitions figure"):
        munitions = counts(incidents, "MS", weight="munitions")
    rows = incidents[incidents["confirmation"] == "confirmed"]
    assert munitions.sum() == int(rows["munitions"].sum())
    with pytest.warns(UserWarning):
        casualties = counts(incidents, "MS", weight="casualties")
    assert casualties.sum() == int(rows["killed"].sum() + rows["wounded"].sum())
    assert casualties.name == "casualties"


def test_start_end_widened_to_whole_periods(incidents):
    s = counts(incidents, "W-MON", "2020-01-03", "2020-01-09")
    assert list(s.index) == [pd.Timestamp("2019-12-30"), pd.Timestamp("2020-01-06")]
    direct = _day_rows(incidents)
    direct = direct[(direct["date"] >= "2020-01-03") & (direct["date"] <= "2020-01-09")]
    assert s.sum() == len(direct)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"freq": "fortnight"}, "freq must be"),
        ({"where": {"target_type": "embassy"}}, "no value"),
        ({"where": {"description": "x"}}, "cannot filter"),
        ({"weight": "rockets"}, "weight must be"),
        ({"confirmation": "maybe"}, "unknown value"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, "before start"),
    ],
)
def test_bad_arguments(incidents, kwargs, match):
    with pytest.raises(ValueError, match=match):
        counts(incidents, **kwargs)


def test_counts_by_splits_the_total(incidents):
    with pytest.warns(MonthPrecisionWarning, match="left out of these per week"):
        frame = counts_by(incidents, "attack_type", "W-MON", "2019-10-01", "2021-12-31")
    with pytest.warns(MonthPrecisionWarning):
        total = counts(incidents, "W-MON", "2019-10-01", "2021-12-31")
    assert frame.index.equals(total.index)
    pd.testing.assert_series_equal(frame.sum(axis=1), total, check_names=False)
    assert set(frame.columns) <= set(incidents["attack_type"].cat.categories)
    assert frame.attrs["unit"] == "per week"
    with pytest.raises(ValueError, match="cannot split"):
        counts_by(incidents, "description")
