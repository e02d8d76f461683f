"""Tests for the attribution model: recovery of simulated truth, agreement with statsmodels,
the excess attacks, clusters the data cannot separate, bad input.

Every series is simulated with fixed seeds by :func:`analysis.models.attribution.simulate`
(background by thinning, then the Hawkes cascade by its cluster representation).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.errors import ModelInputError, ParameterError
from analysis.models import attribution, count_attribution, event_effects, windows

START = pd.Timestamp("2020-01-01")
END = START + pd.Timedelta(days=320)
EVENTS = {"surge": "2020-05-01", "truce": "2020-05-21"}  # 20 days apart
RR = {"surge": 3.0, "truce": 0.4}
MU, ALPHA, BETA = 2.0, 0.3, 1.0  # per day, branching ratio, decay per day


def _simulate(seed=1, alpha=ALPHA, mu=MU, effects=None, end=END):
    effects = effects or {k: (EVENTS[k], RR[k]) for k in EVENTS}
    return attribution.simulate(
        mu, effects, branching_ratio=alpha, decay=BETA, start=START, end=end, seed=seed
    )


def _daily(times, start=START, end=END):
    """Attacks per day on [start, end), zero-filled, freq "D"."""
    days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    per_day = pd.Series(1.0, index=pd.DatetimeIndex(times).normalize()).groupby(level=0).sum()
    return per_day.reindex(days, fill_value=0.0).rename("attacks")


@pytest.fixture(scope="module")
def two_steps():
    times = _simulate()
    return times, attribution.fit(times, events=EVENTS, start=START, end=END, n_samples=300)


# --- recovery ---------------------------------------------------------------------------------


def test_recovers_two_opposite_steps_and_the_branching_ratio(two_steps):
    """~1,200 attacks over 320 days. Tolerances: log rate ratios within 0.45 (about 2 standard
    errors) of the truth and inside their 95% intervals; branching ratio within 0.15."""
    times, fit = two_steps
    assert fit.n_attacks > 900 and fit.n_jitter == 0
    eff = fit.effects
    assert list(eff.index) == ["surge", "truce"] and not eff["cluster"].any()
    for name, rr in RR.items():
        row = eff.loc[name]
        assert abs(math.log(row["rate_ratio"] / rr)) < 0.45, (name, row["rate_ratio"])
        assert row["rate_ratio_low"] < rr < row["rate_ratio_high"]
        assert row["p_value"] < 0.01
    assert abs(fit.branching_ratio - ALPHA) < 0.15
    assert fit.branching_ratio_low < ALPHA < fit.branching_ratio_high
    assert fit.contagion_share_low < fit.contagion_share < fit.contagion_share_high


def test_naive_window_ratio_is_confounded_by_the_second_event_while_the_joint_fit_is_not(
    two_steps,
):
    """30 days after the surge include 10 days after the truce: the naive before/after ratio
    expects (20 x 3 + 10 x 1.2) / 30 = 2.4, not 3; the joint fit is near 3."""
    times, fit = two_steps
    daily = _daily(times.normalize())
    naive = windows.compare(daily, events={"surge": EVENTS["surge"]}, days=30).to_frame()
    naive_rr = float(naive["estimate"].iloc[0])
    joint = float(fit.effects.loc["surge", "rate_ratio"])
    assert naive_rr < 2.6
    assert abs(math.log(joint / 3.0)) < abs(math.log(naive_rr / 3.0))


def test_l_bfgs_b_reaches_the_same_optimum(two_steps, monkeypatch):
    times, fit = two_steps
    monkeypatch.setattr(attribution, "OPTIMIZER", "L-BFGS-B")
    other = attribution.fit(times, events=EVENTS, start=START, end=END, n_samples=50, compare=False)
    assert other.loglik == pytest.approx(fit.loglik, abs=1e-4)
    np.testing.assert_allclose(other.effects["rate_ratio"], fit.effects["rate_ratio"], rtol=1e-3)
    assert other.branching_ratio == pytest.approx(fit.branching_ratio, abs=1e-3)


def test_pulse_half_life_is_recovered_within_its_interval():
    """A pulse x5 at onset decaying with a half-life of 6 days, plus a step elsewhere."""
    effects = {"pulse": ("2020-04-01", 5.0, 6.0), "step": ("2020-08-01", 0.5)}
    times = _simulate(seed=4, effects=effects)
    fit = attribution.fit(
        times,
        events={k: v[0] for k, v in effects.items()},
        start=START,
        end=END,
        effect={"pulse": "pulse"},
        n_samples=200,
        compare=False,
    )
    row = fit.effects.loc["pulse"]
    assert row["effect"] == "pulse"
    assert row["half_life_days_low"] < 6.0 < row["half_life_days_high"]
    assert row["rate_ratio_low"] < 5.0 < row["rate_ratio_high"]
    assert np.isnan(fit.effects.loc["step", "half_life_days"])
    assert "half-life" in fit.summary()


# --- agreement with statsmodels -----------------------------------------------------------------


def test_without_excitation_agrees_with_a_poisson_glm_on_daily_counts():
    # dates only, placed at noon (the GLM's daily mean is the rate at mid-day): Poisson counts
    times = _simulate(seed=2, alpha=0.0).normalize() + pd.Timedelta(hours=12)
    fit = attribution.fit(
        times, events=EVENTS, start=START, end=END, excitation=False, n_jitter=0, compare=False
    )
    assert fit.branching_ratio == 0.0
    daily = _daily(times)
    days = np.arange(len(daily)) + 0.5
    T = len(daily)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "trend": (days - T / 2) / 365.25,
            "surge": (daily.index >= EVENTS["surge"]).astype(float),
            "truce": (daily.index >= EVENTS["truce"]).astype(float),
        },
        index=daily.index,
    )
    glm = sm.GLM(daily, X, family=sm.families.Poisson()).fit()
    for name in EVENTS:
        assert fit.effects.loc[name, "rate_ratio"] == pytest.approx(
            math.exp(glm.params[name]), rel=0.02
        )
        low = math.exp(glm.conf_int().loc[name, 0])
        assert fit.effects.loc[name, "rate_ratio_low"] == pytest.approx(low, rel=0.05)
    assert fit.trend_per_year == pytest.approx(math.exp(glm.params["trend"]), rel=0.02)


def test_fit_counts_agrees_with_statsmodels_negative_binomial_on_the_same_design():
    times = _simulate(seed=3)
    daily = _daily(times.normalize())
    res = count_attribution.fit_counts(daily, events=EVENTS, n_samples=200)
    y = daily.to_numpy(dtype=float)
    days = np.arange(len(y), dtype=float)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "trend": (days - days[-1] / 2) / 365.25,
            "surge": (daily.index >= EVENTS["surge"]).astype(float),
            "truce": (daily.index >= EVENTS["truce"]).astype(float),
            "lag": np.log1p(np.r_[np.nan, y[:-1]]),
        },
        index=daily.index,
    ).iloc[1:]
    direct = sm.NegativeBinomial(y[1:], X.to_numpy()).fit(disp=0, maxiter=500)
    for j, name in [(2, "surge"), (3, "truce")]:
        assert res.effects.loc[name, "rate_ratio"] == pytest.approx(
            math.exp(direct.params[j]), rel=1e-3
        )
    assert res.dispersion == pytest.approx(direct.params[-1], rel=1e-2)
    assert list(res.effects.columns) == event_effects.EFFECT_COLUMNS
    assert list(res.to_frame().columns[2:6]) == ["estimate", "low", "high", "p_value"]
    np.testing.assert_array_equal(res.to_frame()["estimate"], res.effects["rate_ratio"])
    assert res.effects.loc["surge", "excess"] > 0 > res.effects.loc["truce", "excess"]
    assert "surge" in res.summary()
    weekly = count_attribution.fit_counts(
        daily.resample("W-MON").sum(), events=EVENTS, n_samples=50
    )
    assert weekly.unit == "week" and weekly.horizon_periods == 5
    assert weekly.effects.loc["surge", "rate_ratio"] > 1 > weekly.effects.loc["truce", "rate_ratio"]
    same_week = count_attribution.fit_counts(
        daily.resample("W-MON").sum(), events={**EVENTS, "eve": "2020-05-20"}, n_samples=50
    )
    assert list(same_week.effects.index) == ["surge", "eve + truce"]
    assert same_week.effects.loc["eve + truce", "cluster"] == "eve, truce"


def test_fit_counts_without_overdispersion_is_the_poisson_regression():
    """Daily Poisson counts without contagion (0.5 a day): NB2's dispersion goes to its
    boundary (0), where statsmodels' NB2 Hessian takes minutes; fit_counts fits the Poisson
    regression (its boundary case) instead and agrees with statsmodels' Poisson on the same
    design."""
    times = _simulate(seed=8, alpha=0.0, mu=0.5)
    daily = _daily(times.normalize())
    res = count_attribution.fit_counts(daily, events=EVENTS, n_samples=100)
    assert res.dispersion == 0.0
    direct = sm.Poisson(daily.iloc[1:], res.design).fit(disp=0)
    for name in EVENTS:
        assert res.effects.loc[name, "rate_ratio"] == pytest.approx(
            math.exp(direct.params[f"step[{name}]"]), rel=1e-6
        )
    assert np.isfinite(res.effects[["excess_low", "excess_high"]].to_numpy()).all()
    res.plot()
    plt.close("all")


# --- the excess ---------------------------------------------------------------------------------


def _cascade_excess(mu, rr, alpha, beta, horizon):
    """Expected extra attacks in [0, H) from a step x rr in a background mu, cascade included."""
    s = np.linspace(0, horizon, 200001)
    inner = 1 + alpha / (1 - alpha) * (1 - np.exp(-beta * (1 - alpha) * (horizon - s)))
    return mu * (rr - 1) * np.trapezoid(inner, s)


def test_excess_of_a_step_without_contagion_is_background_times_rr_minus_one_times_horizon():
    effects = {"surge": (EVENTS["surge"], 3.0)}
    times = _simulate(seed=5, alpha=0.0, effects=effects)
    fit = attribution.fit(
        times,
        events={"surge": EVENTS["surge"]},
        start=START,
        end=END,
        trend=False,
        excitation=False,
        n_samples=400,
        compare=False,
    )
    row = fit.effects.loc["surge"]
    mu = math.exp(fit.parameters.set_index("parameter").loc["log_background", "estimate"])
    assert row["excess"] == pytest.approx(mu * (row["rate_ratio"] - 1) * 30, rel=1e-6)
    truth = MU * (3.0 - 1) * 30  # 60 attacks
    assert row["excess_low"] < truth < row["excess_high"]
    assert row["excess_low"] < row["excess"] < row["excess_high"]


def test_excess_with_contagion_is_larger_by_the_cascade_factor():
    effects = {"surge": (EVENTS["surge"], 3.0)}
    times = _simulate(seed=6, alpha=0.5, effects=effects)
    fit = attribution.fit(
        times,
        events={"surge": EVENTS["surge"]},
        start=START,
        end=END,
        trend=False,
        n_samples=300,
        compare=False,
    )
    row = fit.effects.loc["surge"]
    p = fit.parameters.set_index("parameter")["estimate"]
    mu, alpha = math.exp(p["log_background"]), fit.branching_ratio
    plain = mu * (row["rate_ratio"] - 1) * 30
    factor = row["excess"] / plain
    # the full cascade factor 1/(1 - alpha), less the offspring falling after the horizon
    assert factor == pytest.approx(
        _cascade_excess(mu, row["rate_ratio"], alpha, fit.decay, 30) / plain, rel=1e-3
    )
    assert 1.0 < factor < 1 / (1 - alpha)
    assert factor > 0.85 / (1 - alpha)


def test_cascade_excess_matches_the_mean_of_simulated_paths():
    """The excess formula is the expected difference of simulations with and without the
    step (800 paths each over 30 days from the event, seeded): within 5%."""
    start, end = pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-31")
    with_step, without = [], []
    for seed in range(800):
        kw = dict(branching_ratio=0.4, decay=0.5, start=start, end=end, seed=seed)
        with_step.append(len(attribution.simulate(1.0, {"e": (start, 2.5)}, **kw)))
        without.append(len(attribution.simulate(1.0, {}, **kw)))
    simulated = np.mean(with_step) - np.mean(without)
    assert simulated == pytest.approx(_cascade_excess(1.0, 2.5, 0.4, 0.5, 30), rel=0.05)


# --- the results --------------------------------------------------------------------------------


def test_decomposition_comparison_plots_and_summary(two_steps):
    times, fit = two_steps
    d = fit.decomposition
    parts = d["background"] + d["surge"] + d["truce"] + d["interaction"] + d["contagion"]
    np.testing.assert_allclose(parts, d["expected"], rtol=1e-9, atol=1e-12)
    assert d["expected"].sum() == pytest.approx(fit.n_attacks, rel=0.03)
    assert d["observed"].sum() == fit.n_attacks
    comp = fit.comparison
    assert list(comp.index) == [
        "full",
        "no events, no self-excitation",
        "events only",
        "self-excitation only",
    ]
    assert (comp["loglik"].iloc[1:] < comp.loc["full", "loglik"] + 1e-6).all()
    assert comp.loc["self-excitation only", "p_value"] < 0.01
    assert fit.gof_p > 0.01
    assert "net of the other events" in fit.summary()
    frame = fit.to_frame()
    assert list(frame.columns[:6]) == ["date", "effect", "estimate", "low", "high", "p_value"]
    np.testing.assert_array_equal(frame["estimate"], fit.effects["rate_ratio"])
    np.testing.assert_array_equal(frame["low"], fit.effects["rate_ratio_low"])
    np.testing.assert_array_equal(frame["high"], fit.effects["rate_ratio_high"])
    keep = [c for c in fit.effects.columns if not c.startswith("rate_ratio")]
    pd.testing.assert_frame_equal(frame[keep], fit.effects[keep])
    with pytest.warns(FutureWarning, match="legacy"):
        assert fit.to_frame(names="legacy").equals(fit.effects)
    ax = fit.plot()
    assert "contagion" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.figure.alt_text.startswith("Stacked chart")
    fit.plot_gof()
    plt.close("all")


def test_date_only_times_are_jittered_and_combined():
    times = _simulate(seed=7, end=START + pd.Timedelta(days=200)).normalize()
    fit = attribution.fit(
        times,
        events=EVENTS,
        start=START,
        end=START + pd.Timedelta(days=200),
        n_jitter=3,
        n_samples=100,
        compare=False,
    )
    assert fit.n_jitter == 3 and "Rubin" in fit.ci_method
    assert 0 < fit.branching_ratio < 1


# --- what the data cannot separate ------------------------------------------------------------


def test_events_with_no_attacks_between_them_are_one_cluster():
    times = _simulate(seed=8)
    times = times[~((times >= "2020-05-01") & (times < "2020-05-03"))]
    events = {"a": "2020-05-01", "b": "2020-05-03", "c": "2020-08-01"}
    fit = attribution.fit(times, events=events, start=START, end=END, n_samples=100, compare=False)
    assert list(fit.effects.index) == ["a + b", "c"]
    assert fit.effects.loc["a + b", "cluster"] == "a, b"
    assert fit.clusters == [["a", "b"]]
    assert "too close for the data to tell apart" in fit.summary()
    assert "a (2020" not in fit.summary() and "b (2020" not in fit.summary()


def test_highly_correlated_events_are_reported_jointly():
    """Two events a day apart with two attacks between them: estimates correlate beyond 0.9."""
    effects = {"a": ("2020-05-01", 3.0), "b": ("2020-05-02", 0.4)}
    times = _simulate(seed=9, alpha=0.0, effects=effects)
    keep = ~((times >= "2020-05-01") & (times < "2020-05-02"))
    times = times[keep].append(pd.DatetimeIndex(["2020-05-01 06:00"])).sort_values()
    events = {"a": "2020-05-01", "b": "2020-05-02"}
    fit = attribution.fit(
        times, events=events, start=START, end=END, excitation=False, n_samples=100, compare=False
    )
    assert list(fit.effects.index) == ["a + b"]
    # the joint change after both (truth 3 x 0.4 = 1.2) within 0.4 on the log scale (~2 se);
    # the members' own log rate ratios have standard errors near 1 and are not reported
    assert abs(math.log(fit.effects.loc["a + b", "rate_ratio"] / 1.2)) < 0.4
    se = fit.parameters.set_index("parameter")["se"]
    assert se["log_rate_ratio[a]"] > 0.5 and se["log_rate_ratio[b]"] > 0.5


# --- bad input ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def few_times():
    return _simulate(seed=10)


def test_event_outside_the_window_is_named(few_times):
    with pytest.raises(ModelInputError, match="late"):
        attribution.fit(few_times, events={**EVENTS, "late": "2021-06-01"}, start=START, end=END)


def test_unknown_event_id_is_named(few_times):
    frame = pd.DataFrame({"event_id": list(EVENTS), "date": list(EVENTS.values())})
    with pytest.raises(ParameterError, match="nosuch"):
        attribution.fit(
            few_times, events=frame, event_ids=["surge", "nosuch"], start=START, end=END
        )
    with pytest.raises(ParameterError, match="nosuch"):
        attribution.fit(few_times, events=EVENTS, effect={"nosuch": "pulse"}, start=START, end=END)


def test_two_events_on_one_date_are_named(few_times):
    with pytest.raises(ParameterError, match="surge.*again|again.*surge"):
        attribution.fit(
            few_times, events={**EVENTS, "again": EVENTS["surge"]}, start=START, end=END
        )


def test_an_event_with_no_attacks_after_it_is_flagged_at_the_bound(few_times):
    quiet = few_times[few_times < "2020-10-01"]
    fit = attribution.fit(
        quiet,
        events={**EVENTS, "end": "2020-10-01"},
        start=START,
        end=END,
        n_samples=50,
        compare=False,
    )
    assert "rate ratio of end" in fit.at_bound
    assert fit.effects.loc["end", "rate_ratio"] < 0.01
    assert "At a limit of the search" in fit.summary()


def test_too_few_attacks(few_times):
    with pytest.raises(ModelInputError, match="at least 20 attacks"):
        attribution.fit(few_times[:5], events=EVENTS, start=START, end=END)
    daily = _daily(few_times[:5].normalize())
    with pytest.raises(ModelInputError, match="at least 20 attacks"):
        count_attribution.fit_counts(daily, events=EVENTS)


# --- the old name of n_samples ------------------------------------------------------------------


def test_n_sims_still_works_for_one_release_with_a_future_warning(few_times):
    """n_sims= is the old name of n_samples=: same numbers, and a FutureWarning naming the new
    name (both models)."""
    kw = dict(events=EVENTS, start=START, end=END, compare=False, excitation=False, n_jitter=0)
    new = attribution.fit(few_times, n_samples=40, **kw)
    with pytest.warns(FutureWarning, match="n_sims is now called n_samples"):
        old = attribution.fit(few_times, n_sims=40, **kw)
    assert old.n_samples == new.n_samples == 40
    pd.testing.assert_frame_equal(old.effects, new.effects)
    daily = _daily(few_times.normalize())
    new_counts = count_attribution.fit_counts(daily, events=EVENTS, n_samples=30)
    with pytest.warns(FutureWarning, match="n_sims= goes in the next release"):
        old_counts = count_attribution.fit_counts(daily, events=EVENTS, n_sims=30)
    pd.testing.assert_frame_equal(old_counts.effects, new_counts.effects)


def test_events_are_keyword_only_and_seed_may_be_none(few_times):
    with pytest.raises(TypeError):
        attribution.fit(few_times, EVENTS, start=START, end=END)  # type: ignore[misc]
    with pytest.raises(TypeError):
        count_attribution.fit_counts(_daily(few_times.normalize()), EVENTS)  # type: ignore[misc]
    kw = dict(events=EVENTS, start=START, end=END, compare=False, n_samples=20)
    fresh = attribution.fit(few_times, seed=None, **kw)
    assert np.isfinite(fresh.effects["rate_ratio"]).all()
    with pytest.raises(ParameterError, match="seed must be"):
        attribution.fit(few_times, seed=-1, **kw)
    with pytest.raises(ParameterError, match="n_samples must be"):
        attribution.fit(few_times, **{**kw, "n_samples": 5})
