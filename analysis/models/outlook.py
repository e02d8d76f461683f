"""Outlook: probabilistic forecasts of attack counts for the next few periods, scored honestly.

:func:`forecast` draws ``n_samples`` future paths of the count series (``horizon`` periods ahead)
from one of these models, fitted only to the data up to ``as_of``:

- ``nb``: a negative-binomial (NB2) regression of each count on the recent counts, fitted by
  maximum likelihood (statsmodels' discrete ``NegativeBinomial``, dispersion estimated) to the
  last :data:`WINDOW` periods:
  log E[y_t] = b0 + b1 log(1 + y_{t-1}) + b2 log(1 + mean(y_{t-2..t-4})) + b3 t
  (b3: the local trend over the window). Paths are simulated period by period (each draw feeds
  the next period's terms), each path with its own parameters drawn from the estimate's normal
  approximation, so parameter uncertainty widens the fan.
- ``hawkes``: attack times are rebuilt from the counts (each period's attacks spread uniformly at
  random within it, seeded), :func:`analysis.models.hawkes.fit` is fitted to the last
  :data:`WINDOW` periods, and the process is simulated forward from ``as_of`` by its cluster
  (branching) representation: background attacks plus the offspring still due from past attacks
  plus their own offspring, each path with parameters drawn from the fit's normal approximation.
- baselines: ``climatology`` (each future period an independent draw from the last
  :data:`CLIMATOLOGY_PERIODS` = 12 observed periods), ``persistence`` (Poisson noise around the
  last observed count) and ``zero`` (no attacks).
- ``auto``: the equal-weight mixture of ``nb`` and ``hawkes`` (half of the samples from each, in
  a seeded random order). The rule (:data:`AUTO_COMPONENTS`): the mixture is used unless, on the
  model-selection backtest (weekly confirmed attacks, origins 2020-01-06 to 2022-12-26, the
  2023-24 campaign held out), one component alone has a lower mean CRPS over horizons 1-4 with a
  block-bootstrap 95% interval of the difference that excludes 0; ``benchmarks/
  outlook_backtest.py`` runs that check and prints its verdict.

When the window holds too few attacks to fit a model (fewer than :data:`MIN_ATTACKS` for ``nb``,
fewer than 10 for ``hawkes``), that model falls back to the gamma-Poisson predictive of a constant
rate with Jeffreys' prior over the window (said in ``notes``).

:func:`backtest` re-runs the forecasts from rolling origins and scores them with
`scoringrules <https://github.com/frazane/scoringrules>`_: the CRPS estimated from the samples
(the "fair" ensemble estimator), the log score of the observed count under the samples' relative
frequencies, and the interval scores of the 50% and 90% central intervals. Skill is
1 - CRPS(model) / CRPS(baseline), with a moving-block bootstrap interval over origins.

Coverage of counts. A closed interval [q05, q95] of a count forecast holds its end points, so it
covers at least 90% even when the forecast is too wide; the coverage reported (``cover90``) is
that of the randomised interval instead: an outcome is inside when its randomised PIT
(Czado, Gneiting and Held 2009) lies in [0.05, 0.95], which happens exactly 90% of the time for a
calibrated forecast. The closed intervals' shares are reported too (``cover90_closed``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules as sr
from matplotlib.axes import Axes
from scipy import special, stats

from analysis.charts import (
    MODEL_COLOR,
    OBSERVED_COLOR,
    describe,
    legend_below,
    new_axes,
    new_figure,
)
from analysis.errors import ModelInputError, ParameterError
from analysis.models import hawkes
from analysis.models.inputs import count_series, period_unit
from analysis.params import whole_number
from analysis.results import Results, attr

__all__ = [
    "AUTO_COMPONENTS",
    "BASELINES",
    "CLIMATOLOGY_PERIODS",
    "LEVELS",
    "MIN_ATTACKS",
    "MIN_HISTORY",
    "MODELS",
    "WINDOW",
    "BacktestResults",
    "OutlookResults",
    "backtest",
    "block_bootstrap_skill",
    "crps_samples",
    "log_score_samples",
    "randomised_pit",
    "forecast",
    "simulate_nb",
]

#: every model name :func:`forecast` takes
MODELS = ("auto", "nb", "hawkes", "climatology", "persistence", "zero")
#: the reference forecasts a model must beat
BASELINES = ("climatology", "persistence", "zero")
#: the components of ``auto``, equally weighted (see the module docstring for the rule)
AUTO_COMPONENTS = ("nb", "hawkes")
#: fewest periods of history a forecast needs (up to ``as_of``)
MIN_HISTORY = 16
#: periods of history the ``nb`` and ``hawkes`` models are fitted to (two years of weeks)
WINDOW = 104
#: periods the ``climatology`` baseline resamples
CLIMATOLOGY_PERIODS = 12
#: fewest periods with an attack in the window for the ``nb`` regression (else the fallback)
MIN_ATTACKS = 8
#: fewest samples a forecast may draw
MIN_SAMPLES = 50
#: the quantiles reported per future period
LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
#: bootstrap resamples behind every skill interval
N_BOOT = 1000
#: the two central intervals whose coverage is reported
INTERVALS = (0.5, 0.9)
_NB_LAGS = 4  # periods of history each nb regression row needs


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def _check_model(model: object, name: str = "model") -> str:
    if model not in MODELS:
        raise ParameterError(f"{name} must be one of {MODELS}, got {model!r}")
    return str(model)


def _history(y: object, as_of: object) -> tuple[pd.Series, str]:
    """``y`` checked (regular, whole, non-negative) and cut at ``as_of``."""
    series, freq = count_series(y, min_periods=1, whole=True)
    if as_of is not None:
        try:
            cut = pd.Timestamp(as_of)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"as_of is not a date: {as_of!r}") from exc
        if cut is pd.NaT:
            raise ParameterError("as_of is missing (NaT)")
        if cut < series.index[0]:
            raise ParameterError(
                f"as_of {cut:%Y-%m-%d} is before y starts ({series.index[0]:%Y-%m-%d})"
            )
        series = series[series.index <= cut]
        series.index.freq = freq
    if len(series) < MIN_HISTORY:
        raise ModelInputError(
            f"y has {len(series)} periods up to as_of; a forecast needs at least {MIN_HISTORY} "
            "periods of history"
        )
    return series, freq


# ---------------------------------------------------------------------------------------------
# the models: each returns (samples n x horizon, exact distribution per period or None, note)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draw:
    samples: np.ndarray  # n x horizon whole numbers
    exact: list | None  # frozen scipy distribution per period when the model has a closed form
    note: str = ""


def _gamma_poisson(window: np.ndarray, horizon: int, n: int, rng) -> np.ndarray:
    """Predictive of a constant Poisson rate with Jeffreys' prior over ``window``."""
    rate = rng.gamma(window.sum() + 0.5, 1.0 / len(window), size=n)
    return rng.poisson(np.repeat(rate[:, None], horizon, axis=1))


def _nb_design(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows t >= _NB_LAGS of the nb regression: [1, log1p(y_{t-1}), log1p(mean y_{t-2..t-4}), t]."""
    t = np.arange(_NB_LAGS, len(y))
    lag1 = np.log1p(y[t - 1])
    lag24 = np.log1p((y[t - 2] + y[t - 3] + y[t - 4]) / 3.0)
    trend = (t - (len(y) - 1)) / len(y)  # 0 at the last period, in window lengths
    return np.column_stack([np.ones(len(t)), lag1, lag24, trend]), y[t]


def _nb(history: np.ndarray, horizon: int, n: int, rng) -> _Draw:
    import warnings

    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    window = history[-WINDOW:]
    if np.count_nonzero(window) < MIN_ATTACKS:
        return _Draw(
            _gamma_poisson(window, horizon, n, rng),
            None,
            f"nb: fewer than {MIN_ATTACKS} periods with attacks in the last {len(window)}; "
            "a constant-rate (gamma-Poisson) forecast was used",
        )
    X, yy = _nb_design(window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = NegativeBinomial(yy, X, loglike_method="nb2").fit(disp=0, maxiter=200)
        params = np.asarray(res.params, dtype=float)
        try:
            cov = np.asarray(res.cov_params(), dtype=float)
        except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - singular information
            cov = np.full((len(params), len(params)), np.nan)
    ok = np.all(np.isfinite(params)) and np.all(np.isfinite(cov))
    if ok:
        try:
            draws = rng.multivariate_normal(params, cov, size=n, method="eigh")
        except np.linalg.LinAlgError:  # pragma: no cover
            ok = False
    if not ok:
        return _Draw(
            _gamma_poisson(window, horizon, n, rng),
            None,
            "nb: the regression did not converge; a constant-rate (gamma-Poisson) forecast was "
            "used",
        )
    # the dispersion is estimated on its natural scale; draws at or below 0 become tiny
    beta, alpha = draws[:, :-1], np.clip(draws[:, -1], 1e-6, 50.0)
    cap = 5.0 * max(window.max(), 1.0) + 10.0
    path = np.tile(window.astype(float), (n, 1))
    out = np.empty((n, horizon), dtype=np.int64)
    m = len(window)
    for h in range(horizon):
        t = m + h
        lag1 = np.log1p(path[:, t - 1])
        lag24 = np.log1p((path[:, t - 2] + path[:, t - 3] + path[:, t - 4]) / 3.0)
        trend = (t - (m - 1)) / m
        eta = beta[:, 0] + beta[:, 1] * lag1 + beta[:, 2] * lag24 + beta[:, 3] * trend
        mu = np.minimum(np.exp(np.clip(eta, -30, 30)), cap)
        # NB2: Poisson with a gamma(1/alpha, alpha) multiplier of the mean
        lam = mu * rng.gamma(1.0 / alpha, alpha)
        draw = rng.poisson(lam)
        out[:, h] = draw
        path = np.column_stack([path, draw])
    return _Draw(out, None)


def _period_edges_days(index: pd.DatetimeIndex, horizon: int, origin: pd.Timestamp) -> np.ndarray:
    """Edges (days since ``origin``) of the periods of ``index`` followed by ``horizon`` more."""
    full = pd.date_range(index[0], periods=len(index) + horizon + 1, freq=index.freq)
    return ((full - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def _times_from_counts(y: pd.Series, rng) -> pd.DatetimeIndex:
    """Attack times rebuilt from counts: each period's attacks uniform at random within it."""
    edges = pd.date_range(y.index[0], periods=len(y) + 1, freq=y.index.freq).as_unit("ns")
    k = y.to_numpy().astype(np.int64)
    starts = np.repeat(edges[:-1].asi8, k)
    widths = np.repeat((edges[1:].asi8 - edges[:-1].asi8), k)
    offsets = (rng.random(len(starts)) * widths).astype(np.int64)
    return pd.DatetimeIndex(np.sort(starts + offsets)).as_unit("ns")


def _hawkes(y: pd.Series, horizon: int, n: int, rng) -> _Draw:
    window = y.iloc[-WINDOW:]
    values = window.to_numpy()
    if values.sum() < 10:
        return _Draw(
            _gamma_poisson(values, horizon, n, rng),
            None,
            f"hawkes: fewer than 10 attacks in the last {len(window)} periods; a constant-rate "
            "(gamma-Poisson) forecast was used",
        )
    window = pd.Series(values, index=pd.DatetimeIndex(window.index, freq=y.index.freq))
    times = _times_from_counts(window, rng)
    origin = window.index[0]
    edges = _period_edges_days(window.index, horizon, origin)
    T = edges[len(window)]
    end = origin + pd.Timedelta(days=T)
    try:
        fit = hawkes.fit(times, start=origin, end=end, n_jitter=0, seed=0)
    except ModelInputError as exc:
        return _Draw(
            _gamma_poisson(values, horizon, n, rng),
            None,
            f"hawkes: could not be fitted ({exc}); a constant-rate (gamma-Poisson) forecast was "
            "used",
        )
    theta, cov = np.asarray(fit.theta, dtype=float), np.asarray(fit.cov, dtype=float)
    if np.all(np.isfinite(cov)):
        try:
            th = rng.multivariate_normal(theta, cov, size=n, method="eigh")
        except np.linalg.LinAlgError:  # pragma: no cover
            th = np.tile(theta, (n, 1))
    else:  # pragma: no cover - singular information
        th = np.tile(theta, (n, 1))
    lo_b, hi_b = hawkes.log_decay_bounds(T)
    mu = np.exp(np.clip(th[:, 0], -25, 5))
    alpha = special.expit(np.clip(th[:, 1], *hawkes.LOGIT_BRANCHING_BOUNDS))
    alpha = np.minimum(alpha, 0.98)
    beta = np.exp(np.clip(th[:, 2], lo_b, hi_b))
    t_past = (times - origin) / pd.Timedelta(days=1)
    t_past = np.asarray(t_past, dtype=float)
    span = edges[-1] - T

    # offspring still due from past attacks: Poisson(alpha * sum exp(-beta (T - t_i))), each at
    # T + Exp(beta) (the exponential kernel is memoryless)
    due = alpha * np.exp(-np.outer(beta, T - t_past)).sum(axis=1)
    n_hist = rng.poisson(due)
    n_bg = rng.poisson(mu * span)
    sid = np.concatenate([np.repeat(np.arange(n), n_hist), np.repeat(np.arange(n), n_bg)])
    t_new = np.concatenate(
        [
            T + rng.exponential(1.0, n_hist.sum()) / np.repeat(beta, n_hist),
            T + rng.random(n_bg.sum()) * span,
        ]
    )
    keep = t_new < edges[-1]
    sid, t_new = sid[keep], t_new[keep]
    all_sid, all_t = [sid], [t_new]
    for _ in range(200):  # generations of offspring (branching ratio < 1: dies out)
        if not len(sid):
            break
        kids = rng.poisson(alpha[sid])
        sid = np.repeat(sid, kids)
        t_new = np.repeat(t_new, kids) + rng.exponential(1.0, kids.sum()) / beta[sid]
        keep = t_new < edges[-1]
        sid, t_new = sid[keep], t_new[keep]
        all_sid.append(sid)
        all_t.append(t_new)
    sid, t_all = np.concatenate(all_sid), np.concatenate(all_t)
    period = np.searchsorted(edges[len(window) :], t_all, side="right") - 1
    period = np.clip(period, 0, horizon - 1)
    out = np.bincount(sid * horizon + period, minlength=n * horizon).reshape(n, horizon)
    return _Draw(out.astype(np.int64), None)


def _draw(model: str, y: pd.Series, horizon: int, n: int, seed: int) -> _Draw:
    """Samples of one model (``auto`` excluded) from its own seeded stream."""
    rng = np.random.default_rng([seed, MODELS.index(model)])
    values = y.to_numpy()
    if model == "nb":
        return _nb(values, horizon, n, rng)
    if model == "hawkes":
        return _hawkes(y, horizon, n, rng)
    if model == "climatology":
        recent = values[-CLIMATOLOGY_PERIODS:]
        return _Draw(rng.choice(recent, size=(n, horizon)).astype(np.int64), None)
    if model == "persistence":
        lam = float(values[-1])
        dist = stats.poisson(lam)
        return _Draw(rng.poisson(lam, size=(n, horizon)).astype(np.int64), [dist] * horizon)
    if model == "zero":
        return _Draw(np.zeros((n, horizon), dtype=np.int64), [stats.poisson(0.0)] * horizon)
    raise ParameterError(f"model must be one of {MODELS}, got {model!r}")  # pragma: no cover


def _mix(parts: Sequence[_Draw], n: int, seed: int) -> _Draw:
    """Equal-weight mixture: the first n/k samples of each part, rows in a seeded random order."""
    k = len(parts)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    stacked = np.concatenate([p.samples[:s] for p, s in zip(parts, sizes, strict=True)])
    order = np.random.default_rng([seed, len(MODELS)]).permutation(n)
    notes = "; ".join(p.note for p in parts if p.note)
    return _Draw(stacked[order], None, notes)


def _draws(
    models: Sequence[str], y: pd.Series, horizon: int, n: int, seed: int
) -> dict[str, _Draw]:
    """Samples of every model in ``models``; ``auto`` reuses its components' samples."""
    need = set(models) | (set(AUTO_COMPONENTS) if "auto" in models else set())
    got = {m: _draw(m, y, horizon, n, seed) for m in MODELS if m in need and m != "auto"}
    if "auto" in models:
        got["auto"] = _mix([got[m] for m in AUTO_COMPONENTS], n, seed)
    return {m: got[m] for m in models}


def _quantiles(draw: _Draw) -> np.ndarray:
    """mean and LEVELS quantiles per period (rows: periods)."""
    if draw.exact is not None:
        return np.array([[d.mean(), *d.ppf(LEVELS)] for d in draw.exact])
    q = np.quantile(draw.samples, LEVELS, axis=0, method="inverted_cdf").T
    return np.column_stack([draw.samples.mean(axis=0), q])


# ---------------------------------------------------------------------------------------------
# forecast
# ---------------------------------------------------------------------------------------------


def _chance_words(p: float) -> str:
    """A probability as "1 in 4" (below one half) or "3 in 4"-ish percent words."""
    if p <= 0:
        return "almost no"
    if p < 0.5:
        return f"1 in {max(2, round(1 / p))}"
    return f"{round(100 * p)}%"


def _range_words(lo: float, hi: float, noun: str = "attacks") -> str:
    lo, hi = int(lo), int(hi)
    if lo == hi:
        return f"{lo} {noun if lo != 1 else noun.rstrip('s')}"
    return f"{lo}-{hi} {noun}"


@dataclass(repr=False, eq=False)
class OutlookResults(Results):
    """A probabilistic forecast of the count series for the next ``horizon`` periods."""

    title = "Outlook"

    samples: np.ndarray = attr(
        "simulated future counts, n_samples x horizon whole numbers (attacks per period)"
    )
    quantiles: pd.DataFrame = attr(
        "per future period (index: period start): mean and the q05, q25, q50, q75, q95 "
        "quantiles of the forecast count (attacks per period)"
    )
    history: pd.Series = attr("the observed counts the forecast used (up to as_of)")
    model: str = attr("the model asked for (auto, nb, hawkes, climatology, persistence, zero)")
    components: tuple = attr("the models whose samples make the forecast (auto: nb and hawkes)")
    as_of: pd.Timestamp = attr("label of the last observed period used")
    freq: str = attr("frequency of the series (W-MON, D, MS, ...)")
    unit: str = attr("the period counted in: week, day or month")
    horizon: int = attr("number of future periods forecast")
    n_samples: int = attr("number of simulated paths")
    seed: int = attr("seed of the random generator behind the samples")
    notes: list = attr("fallbacks used, in words (empty: none)")
    exact: list | None = attr(
        "closed-form predictive distribution per period when the model has one (persistence: "
        "Poisson; zero), else None (quantiles then come from the samples)",
        default=None,
    )

    @property
    def periods(self) -> pd.DatetimeIndex:
        """Labels of the forecast periods."""
        return pd.DatetimeIndex(self.quantiles.index)

    def prob_at_least(self, k: int) -> pd.Series:
        """Probability of at least ``k`` attacks in each future period (index: period start)."""
        k = whole_number("k", k, minimum=0)
        if self.exact is not None:
            p = [float(d.sf(k - 1)) for d in self.exact]
        else:
            p = (self.samples >= k).mean(axis=0)
        return pd.Series(p, index=self.periods, name=f"p_at_least_{k}")

    def to_frame(self) -> pd.DataFrame:
        """The quantiles per period with the chance of at least one attack."""
        frame = self.quantiles.copy()
        frame["p_any"] = self.prob_at_least(1).to_numpy()
        return frame

    def period_words(self, i: int = 0) -> str:
        """One period in words: "most likely 2-5 attacks; 1 in 4 chance of 6 or more"."""
        row = self.quantiles.iloc[i]
        upper = int(row["q75"]) + 1
        p_more = float(self.prob_at_least(upper).iloc[i])
        text = f"most likely {_range_words(row['q25'], row['q75'])}"
        return text + f"; {_chance_words(p_more)} chance of {upper} or more"

    def summary(self) -> str:
        """Plain words: the next period and the whole horizon."""
        first = f"next {self.unit}: {self.period_words(0)}"
        total = self.samples.sum(axis=1)
        lo, hi = np.quantile(total, [0.05, 0.95], method="inverted_cdf")
        rest = (
            f"; over the next {self.horizon} {self.unit}s, {int(lo)} to {int(hi)} attacks "
            f"(90% interval), from data up to the {self.unit} of {self.as_of:%d %b %Y} "
            f"(model: {self.model})."
        )
        return first + rest

    def plot(self, ax: Axes | None = None, *, history: int = 26) -> Axes:
        """Fan chart: the last ``history`` observed periods, then the 50% and 90% bands and the
        median of the forecast."""
        ax = new_axes(ax)
        obs = self.history.iloc[-history:]
        ax.step(obs.index, obs.to_numpy(), where="post", color=OBSERVED_COLOR, label="observed")
        q = self.quantiles
        x = [obs.index[-1], *q.index]
        last = float(obs.iloc[-1])

        def with_last(col: str) -> np.ndarray:
            return np.concatenate([[last], q[col].to_numpy(dtype=float)])

        ax.fill_between(
            x, with_last("q05"), with_last("q95"), step="post", color=MODEL_COLOR, alpha=0.15,
            linewidth=0, label="90% interval",
        )  # fmt: skip
        ax.fill_between(
            x, with_last("q25"), with_last("q75"), step="post", color=MODEL_COLOR, alpha=0.35,
            linewidth=0, label="50% interval",
        )  # fmt: skip
        ax.step(x, with_last("q50"), where="post", color=MODEL_COLOR, ls="--", label="median")
        end = q.index[-1] + pd.tseries.frequencies.to_offset(self.freq)
        ax.set_xlim(obs.index[0], end)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(f"attacks per {self.unit}")
        ax.axvline(q.index[0], color="#999999", lw=0.8)
        legend_below(ax, ncols=4)
        return describe(
            ax,
            f"Fan chart: attacks per {self.unit} observed up to {self.as_of:%d %b %Y}, then the "
            f"forecast for the next {self.horizon} {self.unit}s with 50% and 90% intervals; "
            f"next {self.unit}: {self.period_words(0)}.",
        )


def forecast(
    y: pd.Series,
    *,
    horizon: int = 4,
    model: str = "auto",
    n_samples: int = 2000,
    seed: int = 0,
    as_of: object = None,
) -> OutlookResults:
    """Forecast the next ``horizon`` periods of the count series ``y`` from data up to ``as_of``.

    ``y`` is a regular, zero-filled count series (:func:`analysis.series.counts`; weekly, daily
    or monthly) of whole non-negative numbers; only periods labelled on or before ``as_of``
    (default: the last) are read, and at least :data:`MIN_HISTORY` of them are needed. ``model``
    is one of :data:`MODELS` (see the module docstring). Returns an :class:`OutlookResults` with
    ``n_samples`` simulated paths (attacks per period) and their quantiles; same arguments, same
    numbers.
    """
    model = _check_model(model)
    horizon = whole_number("horizon", horizon, minimum=1, unit="periods")
    n_samples = whole_number("n_samples", n_samples, minimum=MIN_SAMPLES)
    seed = whole_number("seed", seed, minimum=0)
    hist, freq = _history(y, as_of)
    draw = _draws([model], hist, horizon, n_samples, seed)[model]
    return _results(draw, hist, freq, model, horizon, n_samples, seed)


def _results(draw, hist, freq, model, horizon, n_samples, seed) -> OutlookResults:
    offset = pd.tseries.frequencies.to_offset(freq)
    periods = pd.date_range(hist.index[-1] + offset, periods=horizon, freq=freq, name="period")
    q = pd.DataFrame(
        _quantiles(draw),
        index=periods,
        columns=["mean", *(f"q{round(100 * p):02d}" for p in LEVELS)],
    )
    components = AUTO_COMPONENTS if model == "auto" else (model,)
    return OutlookResults(
        samples=draw.samples,
        quantiles=q,
        history=hist,
        model=model,
        components=tuple(components),
        as_of=hist.index[-1],
        freq=freq,
        unit=period_unit(freq),
        horizon=horizon,
        n_samples=n_samples,
        seed=seed,
        notes=[draw.note] if draw.note else [],
        exact=draw.exact,
    )


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
        "(randomised PIT), in50, in90 (inside the randomised interval: pit within its limits)"
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
        "cover90 (randomised intervals, exactly 50% / 90% for a calibrated count forecast), the "
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
        if start is not None:
            keep &= t >= pd.Timestamp(start)
        if end is not None:
            keep &= t <= pd.Timestamp(end)
        scored = self.scored[keep].reset_index(drop=True)
        if scored.empty:
            raise ParameterError(f"no scored forecast has its target between {start} and {end}")
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

    def plot_calibration(self, model: str | None = None, ax: Axes | None = None) -> Axes:
        """PIT histogram (one period ahead) and coverage of the 50% / 90% intervals of
        ``model`` (default: the first model scored)."""
        model = model or self.models[0]
        if model not in self.models:
            raise ParameterError(f"model must be one of {self.models}, got {model!r}")
        if ax is None:
            fig, (ax_pit, ax_cov) = new_figure(1, 2, figsize=(9.0, 3.6))
        else:
            ax_pit = ax
            ax_cov = ax.inset_axes([1.15, 0.0, 0.8, 1.0])
        pit = self.pit[(self.pit["model"] == model) & (self.pit["horizon"] == 1)]["pit"]
        ax_pit.hist(pit, bins=10, range=(0, 1), color=MODEL_COLOR, alpha=0.7, density=True)
        ax_pit.axhline(1.0, color=OBSERVED_COLOR, ls="--", lw=1)
        ax_pit.set_xlabel("PIT (one period ahead)")
        ax_pit.set_ylabel("density (flat = calibrated)")
        ax_pit.set_title(f"{model}: PIT histogram", fontsize=10)
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
        ax_cov.set_title(f"{model}: interval coverage", fontsize=10)
        legend_below(ax_cov, ncols=2)
        c1 = cov.iloc[0]
        return describe(
            ax_pit,
            f"PIT histogram and interval coverage of the {model} forecasts; one {self.unit} "
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
    seed: int = 0,
    n_samples: int = 1000,
) -> BacktestResults:
    """Forecast from every ``step``-th origin between ``start`` and ``end`` (period labels;
    default end: the last period with a one-step outcome) and score each forecast against the
    outcomes of the next ``horizon`` periods (horizons past the data are not scored).

    Each origin's forecast is :func:`forecast` with ``as_of`` = the origin and the same
    ``seed`` and ``n_samples``, so it reads nothing after its origin. Skill intervals come from a
    moving-block bootstrap over origins with blocks of max(horizon, n^(1/3)) origins.
    """
    for m in models:
        _check_model(m, "models")
    models = tuple(dict.fromkeys(models))
    if not models:
        raise ParameterError("models must name at least one model")
    horizon = whole_number("horizon", horizon, minimum=1, unit="periods")
    step = whole_number("step", step, minimum=1, unit="periods")
    seed = whole_number("seed", seed, minimum=0)
    n_samples = whole_number("n_samples", n_samples, minimum=MIN_SAMPLES)
    series, freq = count_series(y, min_periods=1, whole=True)
    idx = series.index
    try:
        start_ts = pd.Timestamp(start)
        end_ts = pd.Timestamp(idx[-2] if end is None else end)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"start and end must be dates, got {start!r}, {end!r}") from exc
    first = int(idx.searchsorted(start_ts, side="left"))
    last = min(int(idx.searchsorted(end_ts, side="right")) - 1, len(idx) - 2)
    if first < MIN_HISTORY - 1:
        raise ParameterError(
            f"start {start_ts:%Y-%m-%d} leaves fewer than {MIN_HISTORY} periods of history; "
            f"start on or after {idx[min(MIN_HISTORY - 1, len(idx) - 1)]:%Y-%m-%d}"
        )
    if last < first:
        raise ParameterError(
            f"no forecast origin between start {start_ts:%Y-%m-%d} and end {end_ts:%Y-%m-%d} "
            "with an outcome after it"
        )
    values = series.to_numpy()
    rng_pit = np.random.default_rng([seed, 101])
    rows = []
    origins = list(range(first, last + 1, step))
    for i in origins:
        hist = series.iloc[: i + 1]
        hist.index.freq = freq
        draws = _draws(models, hist, horizon, n_samples, seed)
        h_avail = min(horizon, len(values) - 1 - i)
        obs = values[i + 1 : i + 1 + h_avail]
        for m, d in draws.items():
            s = d.samples[:, :h_avail]
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
                    }
                )
            )
    scored = pd.concat(rows, ignore_index=True)
    for level in INTERVALS:  # inside the randomised central interval: PIT within its limits
        a = (1 - level) / 2
        scored[f"in{round(100 * level)}"] = scored["pit"].between(a, 1 - a)
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


# ---------------------------------------------------------------------------------------------
# simulation (for tests and benchmarks)
# ---------------------------------------------------------------------------------------------


def simulate_nb(
    n: int,
    *,
    intercept: float = 0.3,
    lag1: float = 0.35,
    lag24: float = 0.3,
    dispersion: float = 0.3,
    start: object = "2015-01-05",
    freq: str = "W-MON",
    seed: int = 0,
) -> pd.Series:
    """A count series from the ``nb`` model's own form (no trend): y_t ~ NB2(mu_t, dispersion),
    log mu_t = intercept + lag1 log(1 + y_{t-1}) + lag24 log(1 + mean(y_{t-2..t-4}))."""
    n = whole_number("n", n, minimum=_NB_LAGS + 1)
    if not dispersion > 0:
        raise ParameterError(f"dispersion must be > 0, got {dispersion!r}")
    rng = np.random.default_rng(seed)
    y = np.zeros(n + 50)
    for t in range(_NB_LAGS, len(y)):
        mu = math.exp(
            intercept + lag1 * math.log1p(y[t - 1]) + lag24 * math.log1p(y[t - 4 : t - 1].mean())
        )
        y[t] = rng.poisson(mu * rng.gamma(1 / dispersion, dispersion))
    index = pd.date_range(start, periods=n, freq=freq, name="period")
    return pd.Series(y[50:].astype(np.int64), index=index, name="incidents")
