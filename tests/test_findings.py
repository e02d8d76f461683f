"""The findings layer: one joint analysis per campaign, its grades, words and feasible intervals.

Statistical checks use seeded simulation with known truth (analysis.findings.calibration) or an
independent computation (direct counts; the closed-form Poisson rate ratio).
"""

from __future__ import annotations

import inspect
import json
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import DATA

from analysis.errors import ParameterError
from analysis.findings import (
    COLUMNS,
    GRADES,
    FindingsResults,
    calibration,
    campaign_findings,
    evaluate,
    evaluation,
    grades,
    sentence,
    words,
    write_findings,
)
from analysis.models import attribution
from analysis.models.windows import exact_rate_ratio
from analysis.results import Results

BANNED = ("infinite", "inf ", "x0", "nan", "-0")


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    incidents = pd.read_csv(DATA / "incidents.csv")
    events = pd.read_csv(DATA / "political_events.csv")
    return campaign_findings(incidents, events)


@pytest.fixture(scope="module")
def simulated() -> FindingsResults:
    incidents = calibration.simulate_campaign(7)
    return evaluate(
        incidents, calibration.SIM_EVENTS, start=calibration.SIM_START, end=calibration.SIM_END
    )


def _steady(days: int, per_day: float, seed: int, start="2020-01-01") -> pd.Series:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(per_day, size=days)
    return pd.Series(np.repeat(pd.date_range(start, periods=days), counts))


# --- API ----------------------------------------------------------------------------------------


def test_evaluate_returns_results_with_one_row_per_event_and_the_public_columns(simulated):
    assert isinstance(simulated, Results) and isinstance(simulated, FindingsResults)
    frame = simulated.to_frame()
    assert list(frame.columns) == COLUMNS
    assert list(frame["event_id"]) == list(calibration.SIM_EVENTS["event_id"])
    assert set(frame["grade"]) <= set(GRADES)
    assert simulated.summary().count("\n- ") == len(frame)
    ax = simulated.plot()
    assert ax.get_xscale() == "log"
    assert {"field", "meaning"} <= set(FindingsResults.describe().columns)


def test_options_are_checked_in_one_place():
    inc = pd.DataFrame({"date": _steady(200, 0.5, 1)})
    ev = calibration.SIM_EVENTS.head(1)
    for bad in ({"confirmation": "some"}, {"horizon_days": 0}, {"n_sims": 10}, {"seed": -1}):
        with pytest.raises(ParameterError):
            evaluate(inc, ev, start="2020-01-01", end="2020-07-01", **bad)
    with pytest.raises(ParameterError):
        evaluate(inc, ev, start="2020-07-01", end="2020-01-01")


def test_the_number_of_draws_reaches_the_fit_through_one_keyword_it_takes():
    (key,) = evaluation.sampling(37)
    assert key in inspect.signature(attribution.fit).parameters
    assert evaluation.sampling(37)[key] == 37


# --- agreement with independent computations ----------------------------------------------------


def test_attacks_before_and_after_match_a_direct_count(simulated):
    inc = calibration.simulate_campaign(7)["date"]
    for _, r in simulated.to_frame().iterrows():
        d, h = r["date"], pd.Timedelta(days=r["horizon_days"])
        assert r["attacks_before"] == ((inc >= d - h) & (inc < d)).sum()
        assert r["attacks_after"] == ((inc >= d) & (inc < d + h)).sum()


def test_one_event_without_trend_or_excitation_gives_the_poisson_rate_ratio(monkeypatch):
    monkeypatch.setattr(evaluation, "EXCITATION", False)
    monkeypatch.setattr(evaluation, "TREND", False)
    before = _steady(120, 0.6, 2, "2020-01-01")
    after = _steady(80, 1.5, 3, "2020-04-30")
    inc = pd.DataFrame({"date": pd.concat([before, after], ignore_index=True)})
    ev = pd.DataFrame({"event_id": ["x"], "date": ["2020-04-30"], "category": ["political"]})
    res = evaluate(inc, ev, start="2020-01-01", end="2020-07-18")
    row = res.to_frame().iloc[0]
    first = inc["date"].min()
    t_before = (pd.Timestamp("2020-04-30") - first).days
    exact = exact_rate_ratio(len(before), len(after), t_before, 80)
    assert row["estimate"] == pytest.approx(exact["rate_ratio"], rel=1e-3)
    assert row["low"] == pytest.approx(exact["low"], rel=0.1)
    assert row["high"] == pytest.approx(exact["high"], rel=0.1)
    assert row["grade"] == "clear_rise"


# --- grades and words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "p_adj", "attacks", "one_sided", "expected"),
    [
        (1.4, 3.0, 0.01, 40, False, "clear_rise"),
        (1.4, 3.0, 0.2, 40, False, "likely_rise"),
        (0.2, 0.7, 0.01, 40, False, "clear_fall"),
        (0.2, 0.7, 0.06, 40, False, "likely_fall"),
        (0.8, 1.3, 0.9, 200, False, "no_change"),
        (0.5, 1.3, 0.9, 40, False, "cannot_tell"),  # across 1, wider than the band
        (1.4, 3.0, 0.01, 4, False, "cannot_tell"),  # too few attacks
        (0.0, 0.2, 0.001, 20, True, "clear_fall"),  # none after: one-sided
        (0.0, 2.5, 0.5, 20, True, "cannot_tell"),
    ],
)
def test_grade_rules(low, high, p_adj, attacks, one_sided, expected):
    assert grades.grade(low, high, p_adj, attacks, one_sided) == expected


def test_holm_counts_every_event_of_the_family():
    p = np.array([0.01, 0.02, 0.03, np.nan])
    adj = grades.adjust(p)
    assert adj[:3] == pytest.approx([0.03, 0.04, 0.04])  # 3p, 2p, p made monotone
    assert math.isnan(adj[3])


def test_interval_wider_than_the_spread_keeps_only_its_informative_end():
    assert grades.pin(0.003, 0.00001, 0.6) == (pytest.approx(math.nan, nan_ok=True), 0.0, 0.6, True)
    est, low, high, one = grades.pin(40.0, 2.0, 900.0)
    assert math.isnan(est) and low == 2.0 and math.isnan(high) and one
    assert grades.pin(0.74, 0.05, 12.0) == (0.74, 0.05, 12.0, False)


def test_ratio_words_never_print_zero_or_infinity():
    assert words.ratio(2.43) == "2.4" and words.ratio(0.736) == "0.74" and words.ratio(12.4) == "12"
    assert words.ratio(0.000012) == "under 0.01" and words.ratio(0.0) == "under 0.01"
    assert words.ratio(math.inf) == "over 1,000"


def test_every_sentence_is_short_and_free_of_impossible_words(shipped):
    for s in shipped["sentence"]:
        assert len(s.split()) <= words.MAX_WORDS, s
        assert not any(b in s.lower() for b in BANNED), s


def test_sentence_of_a_group_names_its_events():
    row = {
        "event_id": "suleimani_strike",
        "label": "Suleimani strike",
        "date": pd.Timestamp("2020-01-03"),
        "estimate": 0.74,
        "low": 0.05,
        "high": 12.0,
        "attacks_before": 4,
        "attacks_after": 9,
        "grade": "inseparable",
        "joint_grade": "cannot_tell",
        "group": "embassy_storming",
        "horizon_days": 30,
    }
    text = sentence(row, {"embassy_storming": "US embassy storming"})
    assert "0.74 times" in text and "0.05 to 12" in text and "US embassy storming" in text
    assert "cannot be separated" in text and len(text.split()) <= words.MAX_WORDS


# --- feasible intervals, own attacks, markers (crafted inputs) ----------------------------------


def test_no_attack_after_gives_a_one_sided_bound_and_a_feasible_excess():
    inc = pd.DataFrame({"date": _steady(150, 0.8, 4)})  # attacks stop on 30 May
    ev = pd.DataFrame(
        {"event_id": ["stop"], "date": ["2020-05-30"], "category": ["truce"], "label": ["Truce"]}
    )
    row = evaluate(inc, ev, start="2020-01-01", end="2020-07-31").to_frame().iloc[0]
    assert row["attacks_after"] == 0 and math.isnan(row["estimate"])
    assert row["low"] == 0 and 0 < row["high"] < 0.2
    assert row["grade"] == "clear_fall"
    assert "fewer than" in row["sentence"]
    assert row["excess_high"] <= row["attacks_after"] == 0
    assert row["excess_low"] >= -row["expected_without"] - 1e-9
    assert row["excess"] == pytest.approx(-row["expected_without"])


def test_excess_never_leaves_what_the_data_allow(shipped, simulated):
    for frame in (shipped, simulated.to_frame()):
        f = frame[np.isfinite(frame["excess_low"].astype(float))]
        alone = f[f["group"] == ""]
        assert (alone["excess_high"] <= alone["attacks_after"] + 1e-9).all()
        for _, r in f[f["group"] != ""].iterrows():  # a group's excess counts from its last member
            last = f[f["event_id"].isin([r["event_id"], *r["group"].split(";")])]["date"].max()
            assert r["excess_high"] <= f.loc[f["date"] == last, "attacks_after"].max() + 1e-9
        assert (f["excess_low"] >= -f["expected_without"] - 1e-9).all()
        assert (f["excess_low"] <= f["excess"] + 1e-9).all()
        assert (f["excess"] <= f["excess_high"] + 1e-9).all()
        assert (f["expected_without"] >= 0).all()


def test_an_attack_event_is_not_counted_in_its_own_after_window():
    days = _steady(200, 0.5, 5)
    inc = pd.DataFrame({"date": pd.concat([days, pd.Series([pd.Timestamp("2020-04-10")] * 3)])})
    ev = pd.DataFrame({"event_id": ["big"], "date": ["2020-04-10"], "category": ["militia_attack"]})
    res = evaluate(inc, ev, start="2020-01-01", end="2020-07-18")
    row = res.to_frame().iloc[0]
    on_day = int((inc["date"] == "2020-04-10").sum())
    direct = int(((inc["date"] >= "2020-04-10") & (inc["date"] < "2020-05-10")).sum())
    assert row["attacks_after"] == direct - on_day
    assert len(res.dropped) == on_day and set(res.dropped["event_id"]) == {"big"}
    assert res.n_attacks == len(inc) - on_day


def test_state_strikes_are_kept_apart_unless_asked_for():
    days = _steady(200, 0.5, 6)
    inc = pd.DataFrame({"date": days, "actor": "unknown"})
    state = pd.DataFrame({"date": [pd.Timestamp("2020-03-01")] * 2, "actor": ["Iran (IRGC)"] * 2})
    inc = pd.concat([inc, state], ignore_index=True)
    ev = pd.DataFrame({"event_id": ["m"], "date": ["2020-03-01"], "category": ["iran_strike"]})
    apart = evaluate(inc, ev, start="2020-01-01", end="2020-07-18")
    assert apart.n_attacks == len(days) and apart.dropped.empty
    joined = evaluate(inc, ev, start="2020-01-01", end="2020-07-18", include_state_strikes=True)
    assert joined.n_attacks == len(days) and len(joined.dropped) == 2  # the event's own strikes


def test_an_attack_after_a_quiet_spell_is_a_marker_not_a_grade():
    a = _steady(100, 0.6, 7, "2020-01-01")
    b = _steady(100, 0.6, 8, "2020-05-10")  # 30 quiet days before
    inc = pd.DataFrame({"date": pd.concat([a, b], ignore_index=True)})
    first_b = b.min().strftime("%Y-%m-%d")
    ev = pd.DataFrame(
        {
            "event_id": ["restart", "other"],
            "date": [first_b, "2020-02-20"],
            "category": ["militia_attack", "political"],
        }
    )
    frame = evaluate(inc, ev, start="2020-01-01", end="2020-08-20").to_frame().set_index("event_id")
    assert frame.loc["restart", "grade"] == "marker"
    assert frame.loc["restart", "not_graded_reason"]
    assert math.isnan(frame.loc["restart", "p_adjusted"])
    assert frame.loc["other", "grade"] != "marker"


def test_shipped_campaigns_mark_circular_events_and_drop_own_attacks(shipped):
    t = shipped.set_index("event_id")
    for marker in ("iri_campaign_start", "attacks_resume_apr2024", "truce_end_rockets"):
        assert t.loc[marker, "grade"] == "marker"
    assert t.loc["sudani_white_house", "campaign"] == "2023-24"
    assert set(t["campaign"]) == {"2019-21", "2023-24"}
    groups = t[t["grade"] == "inseparable"]
    for eid, r in groups.iterrows():  # groups are symmetric
        for other in r["group"].split(";"):
            assert eid in t.loc[other, "group"].split(";")
    assert t.loc["suleimani_strike", "grade"] in GRADES


def test_findings_files_are_written_whole(tmp_path, simulated):
    table = simulated.to_frame().assign(campaign="sim")
    csv_path, json_path = write_findings(table, tmp_path)
    assert len(pd.read_csv(csv_path)) == len(table)
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["method"]["effect"] == evaluation.EFFECT
    assert len(doc["findings"]) == len(table)
    assert "NaN" not in json_path.read_text(encoding="utf-8")


# --- calibration (small; the full table: benchmarks/findings_calibration.py) -------------------


def test_no_effects_rarely_give_clear_grades_and_a_tripling_is_a_clear_rise():
    null = calibration.calibrate(4, seed=100)
    clear = null["grade"].str.startswith("clear").sum()
    assert clear <= 0.05 * len(null)
    triple = calibration.calibrate(4, {"e5": 3.0}, seed=200)
    e5 = triple[triple["event_id"] == "e5"]
    assert (e5["grade"] == "clear_rise").sum() >= 3
    assert not (e5["grade"] == "no_change").any()
    assert e5["covered"].astype(bool).sum() >= 3
