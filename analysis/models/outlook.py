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

A period under way. When the data end inside a period (``elapsed``: the share of the period
after the last complete one that the data cover, with ``seen`` attacks in it), the forecast's
first period is that one, conditioned on what was seen: its samples are ``seen`` plus the
attacks drawn for the rest of it. ``nb`` conditions its gamma multiplier on the ``seen`` attacks
(the NB2 week is a Poisson process with one gamma-distributed rate, so the multiplier's
posterior is gamma(1/alpha + seen, rate 1/alpha + mu elapsed)); ``hawkes`` places the seen
attacks in the covered part of the period and simulates from the data's end; the baselines keep
each drawn attack of the period with probability 1 - elapsed.

When the window holds too few attacks to fit a model (fewer than :data:`MIN_ATTACKS` for ``nb``,
fewer than 10 for ``hawkes``), that model falls back to the gamma-Poisson predictive of a constant
rate with Jeffreys' prior over the window (said in ``notes``).

:mod:`analysis.models.backtest` re-runs these forecasts from rolling origins and scores them
against what happened (CRPS, log score, PIT, skill against the baselines).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import special, stats

from analysis import params
from analysis.charts import (
    MODEL_COLOR,
    OBSERVED_COLOR,
    describe,
    legend_below,
    new_axes,
)
from analysis.errors import ModelInputError
from analysis.models import hawkes
from analysis.models.inputs import count_series, period_unit
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
    "MIN_SAMPLES",
    "OutlookResults",
    "check_model",
    "forecast",
    "sample_paths",
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
_NB_LAGS = 4  # periods of history each nb regression row needs


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def check_model(model: object, name: str = "model") -> str:
    """``model`` if it is one of :data:`MODELS` (a :class:`ParameterError` naming ``name``
    otherwise)."""
    return str(params.one_of(name, model, MODELS))


def _history(y: object, as_of: object) -> tuple[pd.Series, str]:
    """``y`` checked (regular, whole, non-negative) and cut at ``as_of``."""
    series, freq = count_series(y, min_periods=1, whole=True)
    if as_of is not None:
        cut = params.a_date("as_of", as_of)
        if cut < series.index[0]:
            raise params.fail(
                "as_of", f"on or after y's first period {series.index[0]:%Y-%m-%d}", as_of
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


@dataclass(frozen=True)
class _Partial:
    """The period under way: ``seen`` attacks over its first ``elapsed`` share (0: none)."""

    seen: int = 0
    elapsed: float = 0.0


_NONE = _Partial()


def _gamma_poisson(
    window: np.ndarray, horizon: int, n: int, rng, partial: _Partial = _NONE
) -> np.ndarray:
    """Predictive of a constant Poisson rate with Jeffreys' prior over ``window`` (and the part
    of the period under way the data cover)."""
    rate = rng.gamma(
        window.sum() + partial.seen + 0.5, 1.0 / (len(window) + partial.elapsed), size=n
    )
    share = np.ones(horizon)
    share[0] = 1.0 - partial.elapsed
    out = rng.poisson(rate[:, None] * share[None, :])
    out[:, 0] += partial.seen
    return out


def _thin_first(samples: np.ndarray, partial: _Partial, rng) -> np.ndarray:
    """Baselines: the first period's draws thinned to its uncovered share, plus the seen."""
    if partial.elapsed <= 0:
        return samples
    out = samples.copy()
    out[:, 0] = partial.seen + rng.binomial(out[:, 0], 1.0 - partial.elapsed)
    return out


def _nb_design(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows t >= _NB_LAGS of the nb regression: [1, log1p(y_{t-1}), log1p(mean y_{t-2..t-4}), t]."""
    t = np.arange(_NB_LAGS, len(y))
    lag1 = np.log1p(y[t - 1])
    lag24 = np.log1p((y[t - 2] + y[t - 3] + y[t - 4]) / 3.0)
    trend = (t - (len(y) - 1)) / len(y)  # 0 at the last period, in window lengths
    return np.column_stack([np.ones(len(t)), lag1, lag24, trend]), y[t]


def _nb(history: np.ndarray, horizon: int, n: int, rng, partial: _Partial = _NONE) -> _Draw:
    import warnings

    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    window = history[-WINDOW:]
    if np.count_nonzero(window) < MIN_ATTACKS:
        return _Draw(
            _gamma_poisson(window, horizon, n, rng, partial),
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
            _gamma_poisson(window, horizon, n, rng, partial),
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
        if h == 0 and partial.elapsed > 0:  # the multiplier given the attacks seen so far
            shape, rate = 1.0 / alpha + partial.seen, 1.0 / alpha + mu * partial.elapsed
            lam = mu * (1.0 - partial.elapsed) * rng.gamma(shape, 1.0 / rate)
            draw = partial.seen + rng.poisson(lam)
        else:
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


def _hawkes(y: pd.Series, horizon: int, n: int, rng, partial: _Partial = _NONE) -> _Draw:
    window = y.iloc[-WINDOW:]
    values = window.to_numpy()
    if values.sum() < 10:
        return _Draw(
            _gamma_poisson(values, horizon, n, rng, partial),
            None,
            f"hawkes: fewer than 10 attacks in the last {len(window)} periods; a constant-rate "
            "(gamma-Poisson) forecast was used",
        )
    window = pd.Series(values, index=pd.DatetimeIndex(window.index, freq=y.index.freq))
    times = _times_from_counts(window, rng)
    origin = window.index[0]
    edges = _period_edges_days(window.index, horizon, origin)
    T = edges[len(window)] + partial.elapsed * (edges[len(window) + 1] - edges[len(window)])
    end = origin + pd.Timedelta(days=T)
    if partial.seen:  # the attacks seen in the period under way, uniform over its covered part
        first = origin + pd.Timedelta(days=edges[len(window)])
        width = (end - first).value
        extra = first.value + (rng.random(partial.seen) * width).astype(np.int64)
        times = pd.DatetimeIndex(np.sort(np.concatenate([times.asi8, extra]))).as_unit("ns")
    try:
        fit = hawkes.fit(times, start=origin, end=end, n_jitter=0, seed=0)
    except ModelInputError as exc:
        return _Draw(
            _gamma_poisson(values, horizon, n, rng, partial),
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
    out[:, 0] += partial.seen
    return _Draw(out.astype(np.int64), None)


def _draw(
    model: str, y: pd.Series, horizon: int, n: int, seed: int, partial: _Partial = _NONE
) -> _Draw:
    """Samples of one model (``auto`` excluded) from its own seeded stream."""
    rng = np.random.default_rng([seed, MODELS.index(model)])
    values = y.to_numpy()
    exact = partial.elapsed <= 0  # closed forms only for whole periods
    if model == "nb":
        return _nb(values, horizon, n, rng, partial)
    if model == "hawkes":
        return _hawkes(y, horizon, n, rng, partial)
    if model == "climatology":
        recent = values[-CLIMATOLOGY_PERIODS:]
        s = rng.choice(recent, size=(n, horizon)).astype(np.int64)
        return _Draw(_thin_first(s, partial, rng), None)
    if model == "persistence":
        lam = float(values[-1])
        s = rng.poisson(lam, size=(n, horizon)).astype(np.int64)
        dist = [stats.poisson(lam)] * horizon if exact else None
        return _Draw(_thin_first(s, partial, rng), dist)
    if model == "zero":
        s = _thin_first(np.zeros((n, horizon), dtype=np.int64), partial, rng)
        return _Draw(s, [stats.poisson(0.0)] * horizon if exact else None)
    raise params.fail("model", f"one of {', '.join(MODELS)}", model)  # pragma: no cover


def _mix(parts: Sequence[_Draw], n: int, seed: int) -> _Draw:
    """Equal-weight mixture: the first n/k samples of each part, rows in a seeded random order."""
    k = len(parts)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    stacked = np.concatenate([p.samples[:s] for p, s in zip(parts, sizes, strict=True)])
    order = np.random.default_rng([seed, len(MODELS)]).permutation(n)
    notes = "; ".join(p.note for p in parts if p.note)
    return _Draw(stacked[order], None, notes)


def _draws(
    models: Sequence[str],
    y: pd.Series,
    horizon: int,
    n: int,
    seed: int,
    partial: _Partial = _NONE,
) -> dict[str, _Draw]:
    """Samples of every model in ``models``; ``auto`` reuses its components' samples."""
    need = set(models) | (set(AUTO_COMPONENTS) if "auto" in models else set())
    got = {m: _draw(m, y, horizon, n, seed, partial) for m in MODELS if m in need and m != "auto"}
    if "auto" in models:
        got["auto"] = _mix([got[m] for m in AUTO_COMPONENTS], n, seed)
    return {m: got[m] for m in models}


def sample_paths(
    models: Sequence[str], history: pd.Series, horizon: int, n_samples: int, seed: int
) -> dict[str, np.ndarray]:
    """Simulated future counts (``n_samples`` x ``horizon`` whole numbers, attacks per period)
    of every model in ``models`` from the checked ``history``, each from its own seeded stream
    (``auto`` reuses its components' samples): what :func:`forecast` draws, for the backtest."""
    return {m: d.samples for m, d in _draws(models, history, horizon, n_samples, seed).items()}


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
    seed: int = attr("seed of the random generator behind the samples (drawn when None was given)")
    notes: list = attr("fallbacks used, in words (empty: none)")
    exact: list | None = attr(
        "closed-form predictive distribution per period when the model has one (persistence: "
        "Poisson; zero), else None (quantiles then come from the samples)",
        default=None,
    )
    seen: int = attr(
        "attacks already seen in the first forecast period (the period under way when the data "
        "end inside it; included in its samples)",
        default=0,
    )
    elapsed: float = attr(
        "share of the first forecast period the data cover (0: the data end with a whole period)",
        default=0.0,
    )

    @property
    def periods(self) -> pd.DatetimeIndex:
        """Labels of the forecast periods."""
        return pd.DatetimeIndex(self.quantiles.index)

    def prob_at_least(self, k: int) -> pd.Series:
        """Probability of at least ``k`` attacks in each future period (index: period start)."""
        k = params.whole_number("k", k, minimum=0)
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
        end = q.index[-1] + pd.tseries.frequencies.to_offset(self.freq)
        x = [obs.index[-1], *q.index, end]  # the last period's step needs its right edge
        last = float(obs.iloc[-1])

        def with_last(col: str) -> np.ndarray:
            v = q[col].to_numpy(dtype=float)
            return np.concatenate([[last], v, v[-1:]])

        ax.fill_between(
            x, with_last("q05"), with_last("q95"), step="post", color=MODEL_COLOR, alpha=0.15,
            linewidth=0, label="90% interval",
        )  # fmt: skip
        ax.fill_between(
            x, with_last("q25"), with_last("q75"), step="post", color=MODEL_COLOR, alpha=0.35,
            linewidth=0, label="50% interval",
        )  # fmt: skip
        ax.step(x, with_last("q50"), where="post", color=MODEL_COLOR, ls="--", label="median")
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
    seed: int | None = 0,
    as_of: object = None,
    seen: int = 0,
    elapsed: float = 0.0,
) -> OutlookResults:
    """Forecast the next ``horizon`` periods of the count series ``y`` from data up to ``as_of``.

    ``y`` is a regular, zero-filled count series (:func:`analysis.series.counts`; weekly, daily
    or monthly) of whole non-negative numbers; only periods labelled on or before ``as_of``
    (default: the last) are read, and at least :data:`MIN_HISTORY` of them are needed. ``model``
    is one of :data:`MODELS` (see the module docstring). Returns an :class:`OutlookResults` with
    ``n_samples`` simulated paths (attacks per period) and their quantiles; same arguments, same
    numbers.

    ``elapsed`` (0 to 1, below 1) is the share of the period after the last one of the history
    that the data already cover, with ``seen`` attacks in it: the first forecast period is then
    that period, conditioned on those attacks (module docstring, "A period under way").
    """
    model = check_model(model)
    seen = params.whole_number("seen", seen, minimum=0, unit="attacks")
    elapsed = params.number("elapsed", elapsed)
    if not 0.0 <= elapsed < 1.0:
        raise params.fail("elapsed", "a share from 0 up to (not including) 1", elapsed)
    if seen and not elapsed:
        raise params.fail("seen", "0 when elapsed is 0 (no part of the period is covered)", seen)
    horizon = params.whole_number("horizon", horizon, minimum=1, unit="periods")
    n_samples = params.n_samples(n_samples, minimum=MIN_SAMPLES)
    seed = params.seed_or_fresh(seed)
    hist, freq = _history(y, as_of)
    partial = _Partial(seen, elapsed)
    draw = _draws([model], hist, horizon, n_samples, seed, partial)[model]
    return _results(draw, hist, freq, model, horizon, n_samples, seed, partial)


def _results(draw, hist, freq, model, horizon, n_samples, seed, partial) -> OutlookResults:
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
        seen=partial.seen,
        elapsed=partial.elapsed,
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
    seed: int | None = 0,
) -> pd.Series:
    """A count series from the ``nb`` model's own form (no trend): y_t ~ NB2(mu_t, dispersion),
    log mu_t = intercept + lag1 log(1 + y_{t-1}) + lag24 log(1 + mean(y_{t-2..t-4}))."""
    n = params.whole_number("n", n, minimum=_NB_LAGS + 1)
    dispersion = params.positive("dispersion", dispersion)
    rng = np.random.default_rng(params.seed(seed))
    y = np.zeros(n + 50)
    for t in range(_NB_LAGS, len(y)):
        mu = math.exp(
            intercept + lag1 * math.log1p(y[t - 1]) + lag24 * math.log1p(y[t - 4 : t - 1].mean())
        )
        y[t] = rng.poisson(mu * rng.gamma(1 / dispersion, dispersion))
    index = pd.date_range(start, periods=n, freq=freq, name="period")
    return pd.Series(y[50:].astype(np.int64), index=index, name="incidents")
