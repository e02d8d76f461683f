"""Backtest of the outlook's forecasts: rolling-origin forecasts scored against what happened.

:func:`backtest` re-runs :func:`analysis.models.outlook.forecast` from rolling origins and scores
each forecast with `scoringrules <https://github.com/frazane/scoringrules>`_: the CRPS estimated
from the samples (the "fair" ensemble estimator), the log score of the observed count under the
samples' relative frequencies, and the interval scores of the 50% and 90% central intervals.
Skill is 1 - CRPS(model) / CRPS(baseline), with a moving-block bootstrap interval over origins
(:func:`block_bootstrap_skill`).

Coverage of counts. A closed interval [q05, q95] of a count forecast holds its end points, so it
covers at least 90% even when the forecast is too wide; the coverage reported (``cover90``) is
that of the randomised interval instead: an outcome is inside when its randomised PIT
(Czado, Gneiting and Held 2009) lies in [0.05, 0.95], which happens exactly 90% of the time for a
calibrated forecast. Each outcome counts by its probability of being inside (the share of its PIT
range [F(y - 1), F(y)] that lies in [0.05, 0.95], :func:`share_inside`), not by one random draw
of it: the same expected coverage without the draw's noise (with 32 forecasts a single draw moved
the share of a calibrated forecast by up to 6 points). The closed intervals' shares are reported
too (``cover90_closed``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules as sr
from matplotlib.axes import Axes

from analysis import params
from analysis.charts import (
    MODEL_COLOR,
    OBSERVED_COLOR,
    describe,
    legend_below,
    new_axes,
    new_figure,
)
from analysis.models.inputs import count_series, period_unit
from analysis.models.outlook import (
    BASELINES,
    MIN_HISTORY,
    MIN_SAMPLES,
    MODELS,
    check_model,
    sample_paths,
)
from analysis.results import Results, attr

__all__ = [
    "INTERVALS",
    "N_BOOT",
    "BacktestResults",
    "backtest",
    "block_bootstrap_skill",
    "crps_samples",
    "log_score_samples",
    "randomised_pit",
    "share_inside",
]

#: bootstrap resamples behind every skill interval
N_BOOT = 1000
#: the two central intervals whose coverage is reported
INTERVALS = (0.5, 0.9)


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


def crps_samples(obs: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """CRPS of each outcome ``obs[j]`` under the samples ``samples[:, j]``, in attacks: the
    "fair" (unbiased) ensemble CRPS, computed with scoringrules' probability-weighted-moment
    estimator, which gives the same values in O(m log m) instead of O(m^2)."""
    return np.asarray(
        sr.crps_ensemble(obs.astype(float), samples.T.astype(float), estimator="pwm"),
        dtype=float,
    )


def log_score_samples(obs: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Log score -log p(obs) with p the samples' relative frequency of the observed count,
    floored at 1 / (n + 1) so a count no sample reached scores finitely."""
    n = samples.shape[0]
    p = (samples == obs[None, :]).mean(axis=0)
    return np.asarray(sr.log_score(1.0, np.maximum(p, 1.0 / (n + 1))), dtype=float)


def _interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = (1 - level) / 2
    lo, hi = np.quantile(samples, [a, 1 - a], axis=0, method="inverted_cdf")
    return lo, hi


def randomised_pit(obs: np.ndarray, samples: np.ndarray, rng) -> np.ndarray:
    """Randomised PIT for counts: F(y - 1) + V (F(y) - F(y - 1)), V uniform, F the samples' CDF
    (uniform on [0, 1] when the forecast is calibrated)."""
    below = (samples < obs[None, :]).mean(axis=0)
    at_or_below = (samples <= obs[None, :]).mean(axis=0)
    return below + rng.random(len(obs)) * (at_or_below - below)


def share_inside(obs: np.ndarray, samples: np.ndarray, level: float) -> np.ndarray:
    """Probability that each outcome's randomised PIT lies in the central ``level`` interval:
    the share of [F(y - 1), F(y)] inside [(1 - level) / 2, (1 + level) / 2] (F: the samples'
    CDF; an indicator when the two are equal). Its mean over outcomes is the expected coverage
    of the randomised interval, exactly ``level`` for a calibrated forecast."""
    a = (1 - level) / 2
    below = (samples < obs[None, :]).mean(axis=0)
    at_or_below = (samples <= obs[None, :]).mean(axis=0)
    width = at_or_below - below
    overlap = np.clip(np.minimum(at_or_below, 1 - a) - np.maximum(below, a), 0.0, None)
    point = ((below >= a) & (below <= 1 - a)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0, overlap / np.where(width > 0, width, 1.0), point)


def block_bootstrap_skill(
    model: np.ndarray, base: np.ndarray, block: int, rng
) -> tuple[float, float, float]:
    """Skill 1 - mean(model)/mean(base) and a moving-block bootstrap 95% interval."""
    n = len(model)
    skill = 1.0 - model.mean() / base.mean() if base.mean() > 0 else math.nan
    if n < 2 or not np.isfinite(skill):
        return skill, math.nan, math.nan
    block = max(1, min(block, n))
    n_blocks = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(N_BOOT, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(N_BOOT, -1)[:, :n]
    m, b = model[idx].mean(axis=1), base[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = 1.0 - m / b
    boot = boot[np.isfinite(boot)]
    lo, hi = np.quantile(boot, [0.025, 0.975]) if len(boot) else (math.nan, math.nan)
    return float(skill), float(lo), float(hi)


@dataclass(repr=False, eq=False)
class BacktestResults(Results):
    """Rolling-origin forecasts scored against what happened."""

    title = "Outlook backtest"

    scored: pd.DataFrame = attr(
        "one row per origin x model x horizon: origin, model, horizon, target (period "
        "forecast), observed, crps, log_score, is50, is90 (interval scores), in50_closed, "
        "in90_closed (outcome inside the closed 50% / 90% interval [q25, q75] / [q05, q95]), pit "
        "(randomised PIT), in50, in90 (probability of being inside the randomised interval, "
        "share_inside)"
    )
    scores: pd.DataFrame = attr(
        "mean score per model x horizon (index), columns crps (attacks), log_score (nats), is50, "
        "is90 (interval scores, attacks), n (outcomes scored)"
    )
    skill: pd.DataFrame = attr(
        "CRPS skill against the best baseline per model x horizon: baseline, skill "
        "(1 - CRPS model / CRPS baseline; > 0 better), low, high (block-bootstrap 95% interval)"
    )
    skill_by_baseline: pd.DataFrame = attr(
        "CRPS skill of every model against every baseline: model, horizon, baseline, skill, "
        "low, high"
    )
    coverage: pd.DataFrame = attr(
        "share of outcomes inside the 50% and 90% intervals per model x horizon: cover50, "
        "cover90 (expected share inside the randomised intervals, 50% / 90% for a calibrated "
        "count forecast), the "
        "same on periods with at least one attack (cover50_attacks, cover90_attacks), the closed "
        "intervals' shares (cover50_closed, cover90_closed; at least nominal for counts, as the "
        "end points are included), with n and n_attacks"
    )
    pit: pd.DataFrame = attr("randomised PIT values: origin, model, horizon, pit")
    models: tuple = attr("the models scored")
    horizon: int = attr("largest horizon, in periods")
    start: pd.Timestamp = attr("first forecast origin (label of the last period used)")
    end: pd.Timestamp = attr("last forecast origin")
    step: int = attr("periods between origins")
    unit: str = attr("the period counted in: week, day or month")
    n_origins: int = attr("number of forecast origins")
    block: int = attr("block length of the moving-block bootstrap, in origins")
    seed: int = attr("seed of the forecasts, PIT draws and bootstrap")

    def between(self, start: object = None, end: object = None) -> BacktestResults:
        """The same backtest restricted to forecasts whose target periods lie in [start, end]
        (dates; None = open), re-summarised (e.g. 2020-22 apart from the 2023-24 campaign)."""
        t = self.scored["target"]
        keep = pd.Series(True, index=t.index)
        lo, hi = params.date_range(start, end, none=True)
        if lo is not None:
            keep &= t >= lo
        if hi is not None:
            keep &= t <= hi
        scored = self.scored[keep].reset_index(drop=True)
        if scored.empty:
            raise params.fail(
                "start and end", "a span holding the target of a scored forecast", (start, end)
            )
        origins = pd.DatetimeIndex(sorted(scored["origin"].unique()))
        return _summarise(
            scored, self.models, self.horizon, self.unit, self.step, self.seed, origins
        )

    def to_frame(self) -> pd.DataFrame:
        """Scores, skill against the best baseline and coverage per model x horizon."""
        return self.scores.join(self.skill).join(self.coverage.drop(columns="n"))

    def summary(self) -> str:
        """Plain words for the one-period-ahead forecasts."""
        lines = [
            f"Backtest: {self.n_origins} forecasts from {self.start:%d %b %Y} to "
            f"{self.end:%d %b %Y}, scored by CRPS (lower is better)."
        ]
        for m in self.models:
            if (m, 1) not in self.skill.index:
                continue
            s, c = self.skill.loc[(m, 1)], self.coverage.loc[(m, 1)]
            crps = self.scores.loc[(m, 1), "crps"]
            text = f"{m}: one-{self.unit} CRPS {crps:.2f}"
            if m not in BASELINES:
                text += (
                    f", skill against {s['baseline']} {100 * s['skill']:+.0f}% "
                    f"(95% interval {100 * s['low']:+.0f}% to {100 * s['high']:+.0f}%)"
                )
            text += f", 90% intervals cover {100 * c['cover90']:.0f}% of outcomes"
            lines.append(text + ".")
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Mean CRPS by model and horizon (lower is better)."""
        ax = new_axes(ax)
        crps = self.scores["crps"].unstack("horizon")
        for m in crps.index:
            style = "--" if m in BASELINES else "-"
            ax.plot(crps.columns, crps.loc[m], style, marker="o", label=m)
        ax.set_xticks(list(crps.columns))
        ax.set_xlabel(f"{self.unit}s ahead")
        ax.set_ylabel("mean CRPS (attacks; lower is better)")
        legend_below(ax, ncols=6)
        best = crps[1].idxmin() if 1 in crps.columns else crps.index[0]
        return describe(
            ax,
            f"Line chart of the mean CRPS of each model by horizon, {self.n_origins} forecasts "
            f"from {self.start:%b %Y} to {self.end:%b %Y}; lowest one {self.unit} ahead: {best} "
            f"({crps.loc[best].iloc[0]:.2f}).",
        )

    def plot_calibration(self, ax: Axes | None = None, *, model: str | None = None) -> Axes:
        """PIT histogram (one period ahead) and coverage of the 50% / 90% intervals of
        ``model`` (default: the first model scored): two panels, on a new figure when ``ax`` is
        None, else the histogram on ``ax`` and the coverage on an inset beside it. Returns the
        histogram's Axes."""
        model = model or self.models[0]
        if model not in self.models:
            raise params.fail("model", f"one of {', '.join(self.models)}", model)
        if ax is None:
            fig, (ax_pit, ax_cov) = new_figure(1, 2, figsize=(9.0, 3.6))
        else:
            ax_pit = ax
            ax_cov = ax.inset_axes([1.15, 0.0, 0.8, 1.0])
        pit = self.pit[(self.pit["model"] == model) & (self.pit["horizon"] == 1)]["pit"]
        ax_pit.hist(pit, bins=10, range=(0, 1), color=MODEL_COLOR, alpha=0.7, density=True)
        ax_pit.axhline(1.0, color=OBSERVED_COLOR, ls="--", lw=1)
        ax_pit.set_xlabel("where the outcome fell in the forecast (PIT)")
        ax_pit.set_ylabel("density (flat = well calibrated)")
        ax_pit.set_title(f"{model}: where outcomes fell, one step ahead", fontsize=10)
        cov = self.coverage.xs(model, level="model")
        x = np.arange(len(cov))
        ax_cov.bar(x - 0.2, cov["cover50"], 0.4, color=MODEL_COLOR, alpha=0.45, label="50%")
        ax_cov.bar(x + 0.2, cov["cover90"], 0.4, color=MODEL_COLOR, label="90%")
        for level in INTERVALS:
            ax_cov.axhline(level, color=OBSERVED_COLOR, ls="--", lw=1)
        ax_cov.set_xticks(x, [str(h) for h in cov.index])
        ax_cov.set_xlabel(f"{self.unit}s ahead")
        ax_cov.set_ylabel("share of outcomes inside")
        ax_cov.set_ylim(0, 1.05)
        ax_cov.set_title(f"{model}: outcomes inside the intervals", fontsize=10)
        legend_below(ax_cov, ncols=2)
        c1 = cov.iloc[0]
        return describe(
            ax_pit,
            f"Where outcomes fell in the {model} forecasts' range (PIT histogram) and how often "
            f"their intervals held them; one {self.unit} "
            f"ahead the 90% intervals held {100 * c1['cover90']:.0f}% and the 50% intervals "
            f"{100 * c1['cover50']:.0f}% of outcomes.",
        )


def backtest(
    y: pd.Series,
    *,
    start: object,
    end: object = None,
    horizon: int = 4,
    models: Sequence[str] = MODELS,
    step: int = 1,
    seed: int | None = 0,
    n_samples: int = 1000,
) -> BacktestResults:
    """Forecast from every ``step``-th origin between ``start`` and ``end`` (period labels;
    default end: the last period with a one-step outcome) and score each forecast against the
    outcomes of the next ``horizon`` periods (horizons past the data are not scored).

    Each origin's forecast is :func:`forecast` with ``as_of`` = the origin and the same
    ``seed`` and ``n_samples``, so it reads nothing after its origin. Skill intervals come from a
    moving-block bootstrap over origins with blocks of max(horizon, n^(1/3)) origins.
    """
    models = tuple(
        dict.fromkeys(
            params.list_of("models", models, lambda name, m: check_model(m, name), min_len=1)
        )
    )
    horizon = params.whole_number("horizon", horizon, minimum=1, unit="periods")
    step = params.whole_number("step", step, minimum=1, unit="periods")
    seed = params.seed_or_fresh(seed)
    n_samples = params.n_samples(n_samples, minimum=MIN_SAMPLES)
    series, freq = count_series(y, min_periods=1, whole=True)
    idx = series.index
    start_ts = params.a_date("start", start)
    end_ts = params.a_date("end", idx[-2] if end is None else end)
    first = int(idx.searchsorted(start_ts, side="left"))
    last = min(int(idx.searchsorted(end_ts, side="right")) - 1, len(idx) - 2)
    if first < MIN_HISTORY - 1:
        earliest = idx[min(MIN_HISTORY - 1, len(idx) - 1)]
        raise params.fail(
            "start",
            f"on or after {earliest:%Y-%m-%d} (leaving {MIN_HISTORY} periods of history)",
            start,
        )
    if last < first:
        raise params.fail(
            "end",
            f"a date leaving a forecast origin from start {start_ts:%Y-%m-%d} on, with an outcome "
            "after it",
            end,
        )
    values = series.to_numpy()
    rng_pit = np.random.default_rng([seed, 101])
    rows = []
    origins = list(range(first, last + 1, step))
    for i in origins:
        hist = series.iloc[: i + 1]
        hist.index.freq = freq
        draws = sample_paths(models, hist, horizon, n_samples, seed)
        h_avail = min(horizon, len(values) - 1 - i)
        obs = values[i + 1 : i + 1 + h_avail]
        for m, d in draws.items():
            s = d[:, :h_avail]
            lo50, hi50 = _interval(s, 0.5)
            lo90, hi90 = _interval(s, 0.9)
            rows.append(
                pd.DataFrame(
                    {
                        "origin": idx[i],
                        "model": m,
                        "horizon": np.arange(1, h_avail + 1),
                        "target": idx[i + 1 : i + 1 + h_avail],
                        "observed": obs,
                        "crps": crps_samples(obs, s),
                        "log_score": log_score_samples(obs, s),
                        "is50": np.asarray(sr.interval_score(obs, lo50, hi50, 0.5), dtype=float),
                        "is90": np.asarray(sr.interval_score(obs, lo90, hi90, 0.1), dtype=float),
                        "in50_closed": (obs >= lo50) & (obs <= hi50),
                        "in90_closed": (obs >= lo90) & (obs <= hi90),
                        "pit": randomised_pit(obs, s, rng_pit),
                        "in50": share_inside(obs, s, 0.5),
                        "in90": share_inside(obs, s, 0.9),
                    }
                )
            )
    scored = pd.concat(rows, ignore_index=True)
    return _summarise(scored, models, horizon, period_unit(freq), step, seed, idx[origins])


def _summarise(scored, models, horizon, unit, step, seed, origins) -> BacktestResults:
    g = scored.groupby(["model", "horizon"], sort=False)
    scores = g[["crps", "log_score", "is50", "is90"]].mean()
    scores["n"] = g.size()
    scores = scores.reindex(pd.MultiIndex.from_product([models, range(1, horizon + 1)]))
    scores.index.names = ["model", "horizon"]
    scores = scores.dropna(how="all")

    attacks = scored[scored["observed"] > 0]
    ga = attacks.groupby(["model", "horizon"], sort=False)
    coverage = pd.DataFrame(
        {
            "cover50": g["in50"].mean(),
            "cover90": g["in90"].mean(),
            "cover50_attacks": ga["in50"].mean(),
            "cover90_attacks": ga["in90"].mean(),
            "cover50_closed": g["in50_closed"].mean(),
            "cover90_closed": g["in90_closed"].mean(),
            "n": g.size(),
            "n_attacks": ga.size(),
        }
    ).reindex(scores.index)
    coverage["n_attacks"] = coverage["n_attacks"].fillna(0).astype(int)

    n_orig = len(origins)
    block = max(horizon, math.ceil(n_orig ** (1 / 3)))
    rng = np.random.default_rng([seed, 202])
    wide = scored.pivot_table(index=["origin", "horizon"], columns="model", values="crps")
    skill_rows = []
    baselines = [b for b in BASELINES if b in models]
    for m in models:
        for h in range(1, horizon + 1):
            if (m, h) not in scores.index:
                continue
            at_h = wide.xs(h, level="horizon")
            for b in baselines:
                s, lo, hi = block_bootstrap_skill(
                    at_h[m].to_numpy(), at_h[b].to_numpy(), block, rng
                )  # the same bootstrap draws would be fairer, but each pair is its own question
                skill_rows.append(
                    {"model": m, "horizon": h, "baseline": b, "skill": s, "low": lo, "high": hi}
                )
    skill_by_baseline = pd.DataFrame(
        skill_rows, columns=["model", "horizon", "baseline", "skill", "low", "high"]
    )
    best_rows = []
    for h in range(1, horizon + 1):
        if not baselines:
            break
        best = min(baselines, key=lambda b: scores.loc[(b, h), "crps"])
        sub = skill_by_baseline[
            (skill_by_baseline["horizon"] == h) & (skill_by_baseline["baseline"] == best)
        ]
        best_rows.append(sub)
    if best_rows:
        skill = pd.concat(best_rows).set_index(["model", "horizon"]).reindex(scores.index)
    else:
        skill = pd.DataFrame(
            index=scores.index, columns=["baseline", "skill", "low", "high"], dtype=float
        )
    pit = scored[["origin", "model", "horizon", "pit"]].reset_index(drop=True)
    return BacktestResults(
        scored=scored,
        scores=scores,
        skill=skill,
        skill_by_baseline=skill_by_baseline,
        coverage=coverage,
        pit=pit,
        models=tuple(models),
        horizon=horizon,
        start=origins[0],
        end=origins[-1],
        step=step,
        unit=unit,
        n_origins=n_orig,
        block=block,
        seed=seed,
    )
