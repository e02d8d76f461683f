"""Attribution: which event moved the tempo, net of the other events and of contagion.

``fit`` is a self-exciting point process whose background rate is log-linear,

    lambda(t) = mu(t) + sum_{t_i < t} alpha * beta * exp(-beta * (t - t_i)),   t in days,
    log mu(t) = b_0 + b_trend * (t - T/2) / 365.25 + Fourier terms (annual, K pairs)
                + sum_e b_e * s_e(t),

with one term per political event from its date d_e on: ``step`` s_e(t) = 1[t >= d_e] (a lasting
change, rate ratio exp(b_e)) or ``pulse`` s_e(t) = 1[t >= d_e] exp(-ln 2 (t - d_e) / h_e) (a change
of exp(b_e) at the event decaying back with half-life h_e days, estimated). The kernel is that of
:mod:`analysis.models.hawkes` and its likelihood pieces are reused from there
(:func:`~analysis.models.hawkes.kernel_terms`, ``kernel_compensator``, ``rubin``).

The background's integral (compensator) is computed by the midpoint rule on a grid of quarter
days (:data:`QUAD_PER_DAY`) whose edges include every event date, so steps are integrated
exactly and the smooth parts (trend, seasons, pulse decay) with a relative error below about
0.5% of a pulse's term for the shortest half-life allowed (half a day) and far less otherwise.

Fitting is maximum likelihood with the analytic gradient from several starts (SLSQP by default,
L-BFGS-B with ``OPTIMIZER = "L-BFGS-B"``; same optimum, see :data:`OPTIMIZER`). Intervals are Wald
intervals on the fitting scales (log rate ratio, log half-life, logit branching ratio, log
decay) from the observed information (central differences of the gradient); dates known only to
the day are spread within their day over ``n_jitter`` draws and combined by Rubin's rules.

**Excess attacks** of an event: the expected number of attacks in the ``horizon_days`` from the
event that its term accounts for, including the attacks those attacks trigger, i.e. the expected
difference between simulations of the fitted model with and without the term. For a linear
self-exciting process that expectation is exact without drawing paths: a change dmu(s) of the
background at s adds dmu(s) ds attacks and, through the cascade, dmu(s) ds * alpha / (1 - alpha)
* (1 - exp(-beta (1 - alpha) (E - s))) more by the horizon's end E. It is evaluated for each of
``n_sims`` parameter draws from the estimates' asymptotic normal (seeded); the estimate is the
value at the estimates and the interval the 2.5-97.5% quantiles over draws. (The tests check it
against the mean of simulated paths.)

**Clusters.** Two consecutive events with no attack between their dates cannot be told apart:
they are fitted as one term from the first one's date. After fitting, events whose log rate
ratios correlate beyond :data:`CLUSTER_CORRELATION` (|r| > 0.9) are reported together. Either
way the cluster is one row of ``.effects`` indexed ``"a + b"`` (its members in the ``cluster``
column, its date the first member's): its rate ratio is the joint change after all members
(the product of the members' rate ratios), its excess counts over the horizon from the last
member's date (where only the joint change acts; between the members its split, and so the
excess there, is not identified) with all members' terms removed, and ``.summary()`` says the
events could not be separated. No separate numbers are reported for the members.

``fit_counts`` is the discrete-time cross-check: a negative-binomial (NB2) regression of daily or
weekly counts on the same trend, seasons and event steps plus log(1 + previous count).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from scipy import optimize, special, stats

from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    describe,
    legend_below,
    new_axes,
    plot_rescaled_gaps,
)
from analysis.errors import ModelInputError, ParameterError
from analysis.events import event_dates
from analysis.models import hawkes
from analysis.models.inputs import count_series, period_unit
from analysis.params import whole_number
from analysis.results import Results, attr, format_p

__all__ = [
    "CLUSTER_CORRELATION",
    "EFFECT_COLUMNS",
    "OPTIMIZER",
    "QUAD_PER_DAY",
    "AttributionResults",
    "CountAttributionResults",
    "fit",
    "fit_counts",
    "simulate",
]

_DAY = pd.Timedelta(days=1)
_YEAR = 365.25
_Z = 0.975
#: quadrature cells per day for the background's integral (midpoint rule)
QUAD_PER_DAY = 4
#: |correlation| of two events' log rate ratios beyond which they are reported as one cluster
CLUSTER_CORRELATION = 0.9
#: scipy.optimize method of the fit: "SLSQP" (default) or "L-BFGS-B", which reach the same optimum
#: (a test checks) but L-BFGS-B is about five times slower on a busy machine, its time spent in
#: multithreaded BLAS calls on tiny vectors (as analysis.models.hawkes found)
OPTIMIZER = "SLSQP"
_OPTIONS = {
    "SLSQP": {"maxiter": 1000, "ftol": 1e-12},
    "L-BFGS-B": {"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
}
_MIN_ATTACKS = 20
_B_BOUNDS = (-10.0, 10.0)  # log rate ratios, trend per year, Fourier coefficients
_LOG_MU_BOUNDS = (-25.0, 12.0)
_MIN_HALF_LIFE = 0.5  # days
#: log expected count beyond which a parameter draw's path is capped (e^700: no finite count)
_MAX_LOG_COUNT = 700.0
#: NB2 dispersion below which fit_counts uses the Poisson regression (its boundary case)
_MIN_DISPERSION = 1e-3
_EFFECTS = ("step", "pulse")
EFFECT_COLUMNS = [
    "date",
    "effect",
    "rate_ratio",
    "rate_ratio_low",
    "rate_ratio_high",
    "p_value",
    "excess",
    "excess_low",
    "excess_high",
    "half_life_days",
    "half_life_days_low",
    "half_life_days_high",
    "cluster",
]


# ---------------------------------------------------------------------------------------------
# the model on times in days since the window start
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One event term of the background: its id(s), onset (days) and form."""

    ids: tuple[str, ...]
    day: float
    effect: str


@dataclass(frozen=True)
class _Spec:
    """The fixed design of a fit: base columns at events and grid cells, the event terms."""

    t: np.ndarray  # sorted attack times, days
    T: float
    terms: tuple[_Term, ...]
    z_event: np.ndarray  # base design (const, trend, Fourier) at attack times
    z_grid: np.ndarray  # base design at quadrature midpoints
    mid: np.ndarray  # quadrature midpoints, days
    width: np.ndarray  # quadrature widths, days
    excitation: bool
    use_events: bool = True

    @property
    def n_base(self) -> int:
        return self.z_event.shape[1]

    @property
    def n_terms(self) -> int:
        return len(self.terms) if self.use_events else 0

    @cached_property
    def pulses(self) -> list[int]:
        return [j for j, term in enumerate(self.terms[: self.n_terms]) if term.effect == "pulse"]

    def steps_at(self, s: np.ndarray) -> np.ndarray:
        """Indicators 1[s >= onset] of every event term (columns), cached for the attack times
        and the grid, which every likelihood evaluation reads."""
        key = "t" if s is self.t else ("mid" if s is self.mid else None)
        cache = self.__dict__.setdefault("_steps", {})
        if key is not None and key in cache:
            return cache[key]
        days = np.array([term.day for term in self.terms[: self.n_terms]], dtype=float)
        out = (s[:, None] >= days[None, :]).astype(float)
        if key is not None:
            cache[key] = out
        return out

    @property
    def n_params(self) -> int:
        return self.n_base + self.n_terms + len(self.pulses) + (2 if self.excitation else 0)


def _base_design(s: np.ndarray, T: float, origin: float, trend: bool, seasonality: int):
    """Columns const, trend (per year, centred), sin/cos of the annual cycle (k = 1..K)."""
    cols = [np.ones_like(s)]
    if trend:
        cols.append((s - T / 2) / _YEAR)
    for k in range(1, seasonality + 1):
        angle = 2 * math.pi * k * (s + origin) / _YEAR
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols)


def _grid(T: float, days: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    edges = np.union1d(np.linspace(0.0, T, int(math.ceil(T * QUAD_PER_DAY)) + 1), days)
    edges = edges[(edges >= 0) & (edges <= T)]
    return 0.5 * (edges[1:] + edges[:-1]), np.diff(edges)


def _shapes(s: np.ndarray, spec: _Spec, b: np.ndarray, log_h: np.ndarray):
    """Event shapes s_e at ``s`` and derivatives of b_e s_e by log h (pulses)."""
    steps = spec.steps_at(s)
    pulses = spec.pulses
    if not pulses:
        return steps, np.zeros((len(s), 0))
    shapes = steps.copy()
    d_log_h = np.zeros((len(s), len(pulses)))
    for i, j in enumerate(pulses):
        day = spec.terms[j].day
        after = steps[:, j] > 0
        h = math.exp(log_h[i])
        lag = np.where(after, s - day, 0.0)
        decay = np.where(after, np.exp(-math.log(2) * lag / h), 0.0)
        shapes[:, j] = decay
        d_log_h[:, i] = b[j] * decay * math.log(2) * lag / h
    return shapes, d_log_h


def _split(theta: np.ndarray, spec: _Spec):
    nb, ne, npulse = spec.n_base, spec.n_terms, len(spec.pulses)
    base = theta[:nb]
    b = theta[nb : nb + ne]
    log_h = theta[nb + ne : nb + ne + npulse]
    if spec.excitation:
        alpha = float(special.expit(theta[-2]))
        beta = float(np.exp(theta[-1]))
    else:
        alpha, beta = 0.0, 1.0
    return base, b, log_h, alpha, beta


def _log_mu(s: np.ndarray, z: np.ndarray, spec: _Spec, theta: np.ndarray):
    """log background at ``s`` and its design (derivatives by the background parameters)."""
    base, b, log_h, _, _ = _split(theta, spec)
    if not spec.pulses and (s is spec.t or s is spec.mid):  # a fixed design: built once
        cache = spec.__dict__.setdefault("_design", {})
        key = "t" if s is spec.t else "mid"
        if key not in cache:
            cache[key] = np.hstack([z, spec.steps_at(s)])
        x = cache[key]
        return x @ theta[: spec.n_base + spec.n_terms], x
    shapes, d_log_h = _shapes(s, spec, b, log_h)
    eta = z @ base + shapes @ b
    return eta, np.hstack([z, shapes, d_log_h])


def _negloglik(theta: np.ndarray, spec: _Spec) -> tuple[float, np.ndarray]:
    """Negative log-likelihood and gradient on the fitting scale."""
    eta_e, x_e = _log_mu(spec.t, spec.z_event, spec, theta)
    eta_g, x_g = _log_mu(spec.mid, spec.z_grid, spec, theta)
    mu_e, mu_g = np.exp(eta_e), np.exp(eta_g) * spec.width
    _, _, _, alpha, beta = _split(theta, spec)
    if spec.excitation:
        kt = hawkes.kernel_terms(spec.t, spec.T, alpha, beta)
        lam = mu_e + kt.excitation
        kernel_integral = kt.integral
    else:
        lam, kernel_integral = mu_e, 0.0
    if np.any(lam <= 0) or not np.all(np.isfinite(lam)):
        return 1e300, np.zeros_like(theta)
    loglik = np.sum(np.log(lam)) - np.sum(mu_g) - kernel_integral
    inv = 1.0 / lam
    grad_bg = (mu_e * inv) @ x_e - mu_g @ x_g
    grad = grad_bg
    if spec.excitation:
        g_alpha = np.sum(kt.d_excitation_d_alpha * inv) - kt.d_integral_d_alpha
        g_beta = np.sum(kt.d_excitation_d_beta * inv) - kt.d_integral_d_beta
        grad = np.concatenate([grad_bg, [g_alpha * alpha * (1 - alpha), g_beta * beta]])
    if not np.isfinite(loglik):
        return 1e300, np.zeros_like(theta)
    return -float(loglik), -grad


def _hessian(theta: np.ndarray, spec: _Spec) -> np.ndarray:
    p = len(theta)
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
    H = np.empty((p, p))
    for j in range(p):
        e = np.zeros(p)
        e[j] = h[j]
        H[:, j] = (_negloglik(theta + e, spec)[1] - _negloglik(theta - e, spec)[1]) / (2 * h[j])
    return 0.5 * (H + H.T)


def _bounds(spec: _Spec) -> list[tuple[float, float]]:
    out = [_LOG_MU_BOUNDS] + [_B_BOUNDS] * (spec.n_base - 1 + spec.n_terms)
    out += [(math.log(_MIN_HALF_LIFE), math.log(max(spec.T, 1.0)))] * len(spec.pulses)
    if spec.excitation:
        out += [hawkes.LOGIT_BRANCHING_BOUNDS, hawkes.log_decay_bounds(spec.T)]
    return out


def _starts(spec: _Spec, warm: np.ndarray | None) -> list[np.ndarray]:
    rate = max(len(spec.t), 0.5) / spec.T
    bounds = _bounds(spec)
    out = []
    grid = [(0.2, 1.0), (0.5, 0.1), (0.5, 10.0)] if spec.excitation else [(0.0, 1.0)]
    for alpha0, beta0 in grid:
        x = [math.log(rate * (1 - alpha0))] + [0.0] * (spec.n_base - 1 + spec.n_terms)
        x += [math.log(7.0)] * len(spec.pulses)
        if spec.excitation:
            x += [special.logit(alpha0), math.log(beta0)]
        out.append(np.clip(np.array(x), [b[0] for b in bounds], [b[1] for b in bounds]))
    if warm is not None:
        out.insert(0, np.clip(warm, [b[0] + 1e-9 for b in bounds], [b[1] - 1e-9 for b in bounds]))
    return out


@dataclass(frozen=True)
class _Fit:
    theta: np.ndarray
    cov: np.ndarray
    loglik: float


def _fit_once(spec: _Spec, warm: np.ndarray | None = None, hessian: bool = True) -> _Fit:
    bounds = _bounds(spec)
    best = None
    for x0 in _starts(spec, warm):
        res = optimize.minimize(
            _negloglik,
            x0,
            args=(spec,),
            jac=True,
            method=OPTIMIZER,
            bounds=bounds,
            options=_OPTIONS[OPTIMIZER],
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun - 1e-9):
            best = res
    if best is None:  # pragma: no cover - defensive
        raise RuntimeError("attribution likelihood could not be optimised")
    if not hessian:
        return _Fit(best.x, np.full((len(best.x),) * 2, np.nan), -float(best.fun))
    H = _hessian(best.x, spec)
    try:
        cov = np.linalg.inv(H)
        if np.any(np.diag(cov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(H)
        cov[np.diag_indices_from(cov)] = np.where(np.diag(cov) > 0, np.diag(cov), np.inf)
    return _Fit(theta=best.x, cov=cov, loglik=-float(best.fun))


def _background(s, z, spec, theta, drop: Sequence[int] = ()):
    """Background rate at ``s`` with the event terms ``drop`` removed (all terms: drop='all')."""
    base, b, log_h, _, _ = _split(theta, spec)
    shapes, _ = _shapes(s, spec, b, log_h)
    keep = np.ones(spec.n_terms, dtype=bool)
    keep[list(drop)] = False
    return np.exp(z @ base + shapes[:, keep] @ b[keep])


def _excess_many(
    spec: _Spec, thetas: np.ndarray, drop: Sequence[int], lo: float, hi: float
) -> np.ndarray:
    """:func:`_excess` for every row of ``thetas`` at once (the same numbers; pulses, whose
    shapes depend on each draw's half-life, one draw at a time)."""
    if spec.pulses:
        return np.array([_excess(spec, th, drop, lo, hi) for th in thetas])
    inside = (spec.mid >= lo) & (spec.mid < hi)
    s, w, z = spec.mid[inside], spec.width[inside], spec.z_grid[inside]
    nb, ne = spec.n_base, spec.n_terms
    steps = spec.steps_at(spec.mid)[inside]
    keep = np.ones(ne, dtype=bool)
    keep[list(drop)] = False
    base = z @ thetas[:, :nb].T  # cells x draws
    b = thetas[:, nb : nb + ne]
    with_all = np.exp(base + steps @ b.T)
    without = np.exp(base + steps[:, keep] @ b[:, keep].T)
    if spec.excitation:
        alpha = special.expit(thetas[:, -2])
        beta = np.exp(thetas[:, -1])
        cascade = 1.0 + alpha / (1 - alpha) * -np.expm1(-np.outer(hi - s, beta * (1 - alpha)))
    else:
        cascade = 1.0
    return ((with_all - without) * cascade * w[:, None]).sum(axis=0)


def _shares(thetas: np.ndarray, spec: _Spec, chunk: int = 250) -> np.ndarray:
    """Contagion share (mean over attacks of excitation / intensity) for every row of
    ``thetas`` of a step-only spec with self-excitation: Ozaki's recursion
    R_i = e^{-beta (t_i - t_(i-1))} (1 + R_(i-1)) run over attacks for a block of draws at once
    (the numbers of :func:`analysis.models.hawkes.kernel_terms`, far fewer calls)."""
    nb, ne = spec.n_base, spec.n_terms
    t = spec.t
    dt = np.diff(t)
    steps = spec.steps_at(t)
    out = np.empty(len(thetas))
    for lo in range(0, len(thetas), chunk):
        th = thetas[lo : lo + chunk]
        alpha, beta = special.expit(th[:, -2]), np.exp(th[:, -1])
        mu = np.exp(spec.z_event @ th[:, :nb].T + steps @ th[:, nb : nb + ne].T)  # attacks x draws
        R = np.zeros_like(mu)
        r = np.zeros(len(th))
        for i, gap in enumerate(dt, start=1):
            r = np.exp(-gap * beta) * (1.0 + r)
            R[i] = r
        exc = R * (alpha * beta)
        out[lo : lo + chunk] = np.mean(exc / (mu + exc), axis=0)
    return out


def _excess(spec: _Spec, theta: np.ndarray, drop: Sequence[int], lo: float, hi: float) -> float:
    """Expected attacks in [lo, hi) due to the terms ``drop``, cascade included (see module)."""
    inside = (spec.mid >= lo) & (spec.mid < hi)
    s, w, z = spec.mid[inside], spec.width[inside], spec.z_grid[inside]
    d_mu = _background(s, z, spec, theta) - _background(s, z, spec, theta, drop)
    _, _, _, alpha, beta = _split(theta, spec)
    cascade = 1.0 + alpha / (1 - alpha) * -np.expm1(-beta * (1 - alpha) * (hi - s))
    return float(np.sum(d_mu * w * cascade))


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def _event_series(events, event_ids) -> pd.Series:
    if isinstance(events, pd.DataFrame) and "event_id" not in events.columns:
        raise ParameterError("events DataFrame needs an 'event_id' column")
    dates = event_dates(events, name="event_id")
    if event_ids is not None:
        wanted = [str(e) for e in event_ids]
        unknown = [e for e in wanted if e not in dates.index]
        if unknown:
            raise ParameterError(f"unknown event id(s): {unknown}")
        dates = dates.loc[wanted].sort_values(kind="stable")
    if dates.empty:
        raise ParameterError("need at least one event to attribute")
    same = dates[dates.duplicated(keep=False)]
    if len(same):
        day = same.iloc[0]
        names = list(same[same == day].index)
        raise ParameterError(
            f"events {names} fall on one date ({day:%Y-%m-%d}); their effects cannot be told "
            "apart: keep one of them or merge them"
        )
    return dates


def _effect_forms(effect, ids: Sequence[str]) -> dict[str, str]:
    if isinstance(effect, str):
        forms = dict.fromkeys(ids, effect)
    elif isinstance(effect, Mapping):
        unknown = [k for k in effect if str(k) not in ids]
        if unknown:
            raise ParameterError(f"effect names unknown event id(s): {unknown}")
        forms = {e: str(effect.get(e, "step")) for e in ids}
    else:
        raise ParameterError(f"effect must be 'step', 'pulse' or a mapping, got {effect!r}")
    bad = {k: v for k, v in forms.items() if v not in _EFFECTS}
    if bad:
        raise ParameterError(f"effect must be 'step' or 'pulse'; got {bad}")
    return forms


def _terms(dates: pd.Series, forms: dict[str, str], t_raw: np.ndarray, start) -> list[_Term]:
    """Event terms, consecutive events with no attack between their dates merged into one."""
    days = np.asarray((pd.DatetimeIndex(dates) - start) / _DAY, dtype=float)
    terms: list[_Term] = []
    for name, day in zip(dates.index, days, strict=True):
        if terms:
            prev = terms[-1]
            between = np.sum((t_raw >= prev.day) & (t_raw < day))
            if between == 0:
                terms[-1] = _Term(prev.ids + (name,), prev.day, prev.effect)
                continue
        terms.append(_Term((name,), float(day), forms[name]))
    return terms


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class AttributionResults(Results):
    """Self-exciting process with event terms in a log-linear background; times in days.

    Intervals are 95%. ``.effects`` has one row per event, or per cluster of events the data
    cannot separate (see the module docstring); rate ratios are background rate after / before
    (for a pulse, at its onset), excess attacks are expected attacks over the horizon.
    """

    title = "Attribution (self-exciting process with event terms)"

    effects: pd.DataFrame = attr(
        "per event or cluster: date, effect, rate_ratio (95% CI), p_value, excess attacks over "
        "the horizon (95% CI), half_life_days of pulses (95% CI), cluster members"
    )
    clusters: list[list[str]] = attr(
        "groups of events reported together because the data cannot separate them"
    )
    branching_ratio: float = attr("expected attacks triggered by one attack")
    branching_ratio_low: float = attr("lower 95% limit of branching_ratio")
    branching_ratio_high: float = attr("upper 95% limit of branching_ratio")
    decay: float = attr("decay of the excitation, per day (nan without self-excitation)")
    half_life_days: float = attr("half-life of the excitation, days (nan without it)")
    contagion_share: float = attr(
        "share of attacks in the period triggered by earlier attacks (expected, given the fit)"
    )
    contagion_share_low: float = attr("lower 95% limit of contagion_share")
    contagion_share_high: float = attr("upper 95% limit of contagion_share")
    trend_per_year: float = attr("background rate ratio per year from the trend (1 = none)")
    parameters: pd.DataFrame = attr(
        "every fitted parameter on its fitting scale: estimate, se, low, high"
    )
    decomposition: pd.DataFrame = attr(
        "per day: observed attacks; expected attacks from the background without event terms, "
        "from each event's term (column per row of effects), interaction of terms, contagion"
    )
    comparison: pd.DataFrame = attr(
        "per model (full and three nested): log-likelihood, parameters, AIC, likelihood-ratio "
        "statistic, df and p-value against the full model"
    )
    horizon_days: int = attr("days from each event over which excess attacks are counted")
    n_attacks: int = attr("attacks fitted")
    n_jitter: int = attr("jitter draws of same-day times (0 = times used as given)")
    n_sims: int = attr("parameter draws behind the excess and contagion intervals")
    excitation: bool = attr("whether self-excitation was fitted (False: branching fixed at 0)")
    loglik: float = attr("maximised log-likelihood (mean over jitter draws)")
    gof: float = attr("Kolmogorov-Smirnov statistic of the time-rescaled gaps against Exp(1)")
    gof_p: float = attr("p-value of that KS test (small = poor fit)")
    rescaled: np.ndarray = attr("time-rescaled gaps between attacks (expected attacks between)")
    start: pd.Timestamp = attr("start of the observation window")
    end: pd.Timestamp = attr("end of the observation window (exclusive)")
    at_bound: list[str] = attr("parameters whose estimate sits at a limit of the search")
    ci_method: str = attr("how the intervals were computed, in words")
    events: pd.DataFrame | Mapping[str, object] | None = attr(
        "the political events as given, for plot()", default=None
    )

    def to_frame(self) -> pd.DataFrame:
        """The effects table (one row per event or cluster)."""
        return self.effects.copy()

    def summary(self) -> str:
        unit = f"over the {self.horizon_days} days from the event"
        text = [
            f"{self.title}: {self.n_attacks:,} attacks from {self.start:%Y-%m-%d} to "
            f"{self.end:%Y-%m-%d}; each event's effect is net of the other events modelled "
            + ("with it and of attacks triggering attacks." if self.excitation else "with it.")
        ]
        for name, r in self.effects.iterrows():
            lead = f"{name} ({r['date']:%Y-%m-%d})"
            if r["cluster"]:
                lead = (
                    f"{name} (from {r['date']:%Y-%m-%d}; these events are too close for the "
                    "data to tell apart, so only their joint effect after the last of them is "
                    "given, and its excess attacks count from that date)"
                )
            what = "rate ratio at onset" if r["effect"] == "pulse" else "rate ratio"
            line = (
                f"{lead}: {what} {r['rate_ratio']:.2f} (95% CI {r['rate_ratio_low']:.2f}-"
                f"{r['rate_ratio_high']:.2f}), {format_p(r['p_value'])}; "
                f"{r['excess']:+.1f} attacks {unit} (95% CI {r['excess_low']:+.1f} to "
                f"{r['excess_high']:+.1f})"
            )
            if r["effect"] == "pulse" and np.isfinite(r["half_life_days"]):
                line += (
                    f", decaying with a half-life of {r['half_life_days']:.1f} days (95% CI "
                    f"{r['half_life_days_low']:.1f}-{r['half_life_days_high']:.1f})"
                )
            text.append(line + ".")
        if self.excitation:
            text.append(
                f"Branching ratio {self.branching_ratio:.2f} (95% CI {self.branching_ratio_low:.2f}"
                f"-{self.branching_ratio_high:.2f}); about {100 * self.contagion_share:.0f}% of "
                f"attacks (95% CI {100 * self.contagion_share_low:.0f}-"
                f"{100 * self.contagion_share_high:.0f}%) were triggered by earlier attacks."
            )
        else:
            text.append("Self-excitation not fitted (branching ratio fixed at 0).")
        if self.at_bound:
            text.append(
                "At a limit of the search (their intervals are not reliable): "
                + "; ".join(self.at_bound)
                + "."
            )
        verdict = "adequate" if self.gof_p >= 0.05 else "poor; read with caution"
        text.append(
            f"Goodness of fit (time-rescaling, KS test): {format_p(self.gof_p)}, {verdict}."
        )
        return " ".join(text)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Stacked expected attacks per day: background, event terms, contagion; observed."""
        ax = new_axes(ax)
        d = self.decomposition
        x = d.index
        edges = mdates.date2num(x.append(pd.DatetimeIndex([x[-1] + _DAY])))
        ax.stairs(
            d["observed"].to_numpy(),
            edges,
            fill=True,
            color=OBSERVED_COLOR,
            alpha=0.25,
            linewidth=0,
            label="attacks per day",
        )
        ax.xaxis_date()
        base = d["background"].to_numpy()
        with_events = d["background_with_events"].to_numpy()
        top = with_events + d["contagion"].to_numpy()
        ax.fill_between(x, 0, base, step="post", color=MODEL_COLOR, alpha=0.25, label="background")
        ax.fill_between(
            x,
            base,
            with_events,
            where=with_events >= base,
            step="post",
            color=EVENT_COLOR,
            alpha=0.35,
            label="added by events",
        )
        ax.fill_between(
            x,
            with_events,
            base,
            where=with_events < base,
            step="post",
            color="#999999",
            alpha=0.35,
            hatch="//",
            label="removed by events",
        )
        ax.fill_between(
            x, with_events, top, step="post", color="#f4a582", alpha=0.5, label="contagion"
        )
        ax.step(x, top, where="post", color=MODEL_COLOR, linewidth=0.8, label="expected total")
        ax.set_ylabel("attacks per day")
        ax.set_title(self.title)
        marks = self.events
        if marks is None:
            marks = {str(k): v for k, v in self.effects["date"].items()}
        annotate_events(ax, marks)
        legend_below(ax, ncols=3)
        return describe(
            ax,
            f"Stacked chart of expected attacks per day, {x[0]:%b %Y} to {x[-1]:%b %Y}: the "
            "background rate, what each event's term added or removed, and attacks triggered "
            f"by earlier attacks (about {100 * self.contagion_share:.0f}% of attacks), over the "
            "attacks observed per day.",
        )

    def plot_gof(self, ax: Axes | None = None) -> Axes:
        """QQ plot of the time-rescaled gaps against Exp(1), with the KS test."""
        return plot_rescaled_gaps(self.rescaled, self.gof_p, noun="attacks", ax=ax)


# ---------------------------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------------------------


def _row(est, lo, hi, names, dates, effect, p, excess, hl, cluster):
    return {
        "event_id": names,
        "date": dates,
        "effect": effect,
        "rate_ratio": math.exp(est),
        "rate_ratio_low": math.exp(lo),
        "rate_ratio_high": math.exp(hi),
        "p_value": p,
        "excess": excess[0],
        "excess_low": excess[1],
        "excess_high": excess[2],
        "half_life_days": hl[0],
        "half_life_days_low": hl[1],
        "half_life_days_high": hl[2],
        "cluster": cluster,
    }


def _clusters(cov: np.ndarray, nb: int, n_terms: int) -> list[list[int]]:
    """Terms whose log rate ratios correlate beyond CLUSTER_CORRELATION, joined (union-find)."""
    parent = list(range(n_terms))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    sd = np.sqrt(np.diag(cov))
    for i in range(n_terms):
        for j in range(i + 1, n_terms):
            a, b = nb + i, nb + j
            r = cov[a, b] / (sd[a] * sd[b]) if np.isfinite(sd[a] * sd[b]) else 1.0
            if not np.isfinite(r) or abs(r) > CLUSTER_CORRELATION:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n_terms):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())


def _compensator_at(s: np.ndarray, spec: _Spec, theta: np.ndarray) -> np.ndarray:
    """Expected attacks in [0, s) for sorted ``s``: background (quadrature) plus kernel."""
    mu = _background(spec.mid, spec.z_grid, spec, theta) * spec.width
    edges = np.concatenate([[0.0], np.cumsum(spec.width)])
    cum = np.interp(s, edges, np.concatenate([[0.0], np.cumsum(mu)]))
    _, _, _, alpha, beta = _split(theta, spec)
    if spec.excitation:
        cum = cum + hawkes.kernel_compensator(s, spec.t, alpha, beta)
    return cum


def _lr_p(stat: float, df: int, boundary: bool) -> float:
    """Likelihood-ratio p-value; with the branching ratio on its boundary under the null, the
    chi-bar-square mixture 1/2 chi2(df - 1) + 1/2 chi2(df) (df counts alpha and decay)."""
    stat = max(stat, 0.0)
    if not boundary:
        return float(stats.chi2.sf(stat, df))
    low = float(stats.chi2.sf(stat, df - 1)) if df > 1 else float(stat <= 0)
    return 0.5 * low + 0.5 * float(stats.chi2.sf(stat, df))


def fit(
    times: pd.DatetimeIndex | pd.Series | Sequence[object],
    events: pd.DataFrame | Mapping[str, object],
    *,
    start: object | None = None,
    end: object | None = None,
    effect: str | Mapping[str, str] = "step",
    trend: bool = True,
    seasonality: int = 0,
    horizon_days: int = 30,
    n_sims: int = 1000,
    seed: int = 0,
    n_jitter: int | None = None,
    event_ids: Sequence[str] | None = None,
    excitation: bool = True,
    compare: bool = True,
) -> AttributionResults:
    """Fit the self-exciting process with event terms (see the module docstring).

    ``times`` are attack timestamps as :func:`analysis.models.hawkes.fit` takes them; date-only
    or tied times are spread within their day over ``n_jitter`` draws (default 5 then, else 0).
    ``events`` is a mapping ``event_id -> date`` or a DataFrame with ``event_id`` and ``date``;
    ``event_ids`` picks some of its rows. ``effect`` is ``"step"``, ``"pulse"`` or a mapping
    event id -> form (unnamed events are steps). ``seasonality`` is the number of annual Fourier
    pairs. ``excitation=False`` fixes the branching ratio at 0 (an inhomogeneous Poisson
    process). ``compare=False`` skips the nested models (``.comparison`` is then empty).
    Excess attacks and the contagion share get intervals from ``n_sims`` seeded draws; the
    horizon stops at the window's end. A log rate ratio at its search limit (+-10, e.g. no attack
    at all after an event) is listed in ``at_bound`` and named in ``.summary()``.
    """
    horizon_days = whole_number("horizon_days", horizon_days, unit="days")
    n_sims = whole_number("n_sims", n_sims, minimum=10)
    seasonality = whole_number("seasonality", seasonality, minimum=0)
    idx = _times(times)
    n = len(idx)
    if n < _MIN_ATTACKS:
        raise ModelInputError(f"need at least {_MIN_ATTACKS} attacks to attribute, got {n}")
    start_ts = idx[0].normalize() if start is None else pd.Timestamp(start)
    end_ts = idx[-1].normalize() + _DAY if end is None else pd.Timestamp(end)
    if pd.isna(start_ts) or pd.isna(end_ts) or end_ts <= start_ts:
        raise ParameterError(f"end ({end_ts}) must be after start ({start_ts})")
    if idx[0] < start_ts or idx[-1] > end_ts:
        raise ModelInputError(f"all times must lie in the window {start_ts} to {end_ts}")
    dates = _event_series(events, event_ids)
    outside = dates[(dates <= start_ts) | (dates >= end_ts)]
    if len(outside):
        raise ModelInputError(
            f"event(s) {list(outside.index)} fall outside the window {start_ts:%Y-%m-%d} to "
            f"{end_ts:%Y-%m-%d} (exclusive): there are no attacks before or after them to compare"
        )
    forms = _effect_forms(effect, list(dates.index))
    T = float((end_ts - start_ts) / _DAY)
    t_raw = np.asarray((idx - start_ts) / _DAY, dtype=float)
    terms = _terms(dates, forms, t_raw, start_ts)
    for term in terms:
        if not np.any(t_raw < term.day):
            raise ModelInputError(
                f"no attacks before event {term.ids[0]}: its effect cannot be estimated"
            )

    ties = bool(idx.has_duplicates)
    date_only = bool((idx == idx.normalize()).all())
    if n_jitter is None:
        n_jitter = 5 if (ties or date_only) else 0
    if not isinstance(n_jitter, int | np.integer) or n_jitter < 0:
        raise ParameterError(f"n_jitter must be a non-negative integer, got {n_jitter!r}")
    if n_jitter == 0 and ties and excitation:
        raise ModelInputError(
            "times contain ties; use n_jitter >= 1 to spread them within their day"
        )
    if n_jitter:
        day0 = np.asarray((idx.normalize() - start_ts) / _DAY, dtype=float)
        lo, hi = np.maximum(day0, 0.0), np.minimum(day0 + 1.0, T)
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_jitter)]
        draws = [np.sort(lo + rng.random(n) * (hi - lo)) for rng in rngs]
    else:
        draws = [t_raw]

    origin = float((start_ts - pd.Timestamp("2000-01-01")) / _DAY)
    mid, width = _grid(T, [term.day for term in terms])

    def make(t, excite=excitation, use_events=True):
        return _Spec(
            t=t,
            T=T,
            terms=tuple(terms),
            z_event=_base_design(t, T, origin, trend, seasonality),
            z_grid=_base_design(mid, T, origin, trend, seasonality),
            mid=mid,
            width=width,
            excitation=excite,
            use_events=use_events,
        )

    specs = [make(t) for t in draws]
    fits = [_fit_once(s) for s in specs]
    spec = specs[0]
    thetas = np.array([f.theta for f in fits])
    covs = np.array([f.cov for f in fits])
    theta = thetas.mean(axis=0)
    m = len(fits)
    between = np.cov(thetas, rowvar=False, ddof=1) if m > 1 else np.zeros_like(covs[0])
    total_cov = covs.mean(axis=0) + (1 + 1 / m) * np.atleast_2d(between)
    p = len(theta)
    nb, ne = spec.n_base, spec.n_terms
    pulse_pos = {j: nb + ne + i for i, j in enumerate(spec.pulses)}

    def combo(g):
        est, se, q = hawkes.rubin(thetas, covs, g)
        return est, se, q

    # parameter draws for the excess and contagion intervals
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    safe_cov = np.where(np.isfinite(total_cov), total_cov, 0.0)
    sims = rng.multivariate_normal(theta, safe_cov, size=n_sims, method="eigh")
    lo_b = np.array([b[0] for b in _bounds(spec)])
    hi_b = np.array([b[1] for b in _bounds(spec)])
    sims = np.clip(sims, lo_b, hi_b)

    def excess_of(drop, lo, hi):
        point = _excess(spec, theta, drop, lo, hi)
        vals = _excess_many(spec, sims, drop, lo, hi)
        return point, float(np.quantile(vals, 0.025)), float(np.quantile(vals, 0.975))

    rows = []
    groups = _clusters(total_cov, nb, ne)
    cluster_lists = []
    for group in groups:
        members = [i for j in group for i in terms[j].ids]
        g = np.zeros(p)
        g[[nb + j for j in group]] = 1.0
        est, se, q = combo(g)
        pval = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
        last = terms[group[-1]].day
        # a cluster: from its last member on, where only the joint effect acts (between the
        # members the split of the change is not identified, and neither is its excess)
        excess = excess_of(group, last, min(last + horizon_days, T))
        form = terms[group[0]].effect if len(group) == 1 else "step"
        hl = (math.nan, math.nan, math.nan)
        if len(group) == 1 and group[0] in pulse_pos:
            gh = np.zeros(p)
            gh[pulse_pos[group[0]]] = 1.0
            h_est, h_se, h_q = combo(gh)
            hl = (math.exp(h_est), math.exp(h_est - h_q * h_se), math.exp(h_est + h_q * h_se))
        else:
            form = (
                "step"
                if all(terms[j].effect == "step" for j in group)
                else "+".join(terms[j].effect for j in group)
            )
        if len(members) > 1:
            cluster_lists.append(members)
        rows.append(
            _row(
                est,
                est - q * se,
                est + q * se,
                " + ".join(members),
                dates[members[0]],
                form,
                pval,
                excess,
                hl,
                ", ".join(members) if len(members) > 1 else "",
            )
        )
    effects = pd.DataFrame(rows).set_index("event_id")[EFFECT_COLUMNS]

    # branching ratio, decay, contagion share
    at_bound = []
    if excitation:
        g = np.zeros(p)
        g[-2] = 1.0
        a_est, a_se, a_q = combo(g)
        alpha = float(special.expit(a_est))
        a_lo, a_hi = (float(special.expit(a_est + s * a_q * a_se)) for s in (-1, 1))
        beta = float(math.exp(theta[-1]))
        if theta[-2] <= hawkes.LOGIT_BRANCHING_BOUNDS[0] + 0.5:
            at_bound.append("branching_ratio")
        dlo, dhi = hawkes.log_decay_bounds(T)
        if theta[-1] <= dlo + 0.01 or theta[-1] >= dhi - 0.01:
            at_bound.append("decay")

        def share(th, sp):
            mu_e = _background(sp.t, sp.z_event, sp, th)
            _, _, _, a, b = _split(th, sp)
            exc = hawkes.kernel_terms(sp.t, T, a, b, derivative=False).excitation
            return float(np.mean(exc / (mu_e + exc)))

        c_est = float(np.mean([share(theta, s) for s in specs]))
        c_vals = np.empty(len(sims))
        for i, sp in enumerate(specs):  # draw k is read on jitter draw k % m
            rows = np.arange(i, len(sims), m)
            if sp.pulses:
                c_vals[rows] = [share(sims[r], sp) for r in rows]
            else:
                c_vals[rows] = _shares(sims[rows], sp)
        c_lo, c_hi = (float(np.quantile(c_vals, q_)) for q_ in (0.025, 0.975))
    else:
        alpha = a_lo = a_hi = 0.0
        beta = math.nan
        c_est = c_lo = c_hi = 0.0
    for j in range(nb, nb + ne):
        if theta[j] <= _B_BOUNDS[0] + 0.01 or theta[j] >= _B_BOUNDS[1] - 0.01:
            at_bound.append(f"rate ratio of {' + '.join(terms[j - nb].ids)}")

    names = ["log_background", *(["trend_per_year"] if trend else [])]
    for k in range(1, seasonality + 1):
        names += [f"sin{k}", f"cos{k}"]
    names += [f"log_rate_ratio[{' + '.join(term.ids)}]" for term in terms]
    names += [f"log_half_life[{' + '.join(terms[j].ids)}]" for j in spec.pulses]
    if excitation:
        names += ["logit_branching_ratio", "log_decay"]
    par_rows = []
    for j, name in enumerate(names):
        g = np.zeros(p)
        g[j] = 1.0
        est, se, q = combo(g)
        par_rows.append((name, est, se, est - q * se, est + q * se))
    parameters = pd.DataFrame(par_rows, columns=["parameter", "estimate", "se", "low", "high"])

    # decomposition per day
    n_days = int(math.ceil(T - 1e-9))
    day_edges = np.minimum(np.arange(n_days + 1, dtype=float), T)
    day_index = pd.DatetimeIndex(start_ts + np.arange(n_days) * _DAY, freq="D")
    cell_day = np.clip(np.floor(mid).astype(int), 0, n_days - 1)

    def per_day(rate):
        return np.bincount(cell_day, weights=rate * width, minlength=n_days)

    full = _background(mid, spec.z_grid, spec, theta)
    bare = _background(mid, spec.z_grid, spec, theta, range(ne))
    decomposition = {
        "observed": np.histogram(t_raw, bins=day_edges)[0].astype(float),
        "background": per_day(bare),
    }
    summed = np.zeros(n_days)
    for name, group in zip(effects.index, groups, strict=True):
        col = per_day(full - _background(mid, spec.z_grid, spec, theta, group))
        decomposition[name] = col
        summed += col
    decomposition["interaction"] = per_day(full) - decomposition["background"] - summed
    decomposition["background_with_events"] = per_day(full)
    if excitation:
        contagion = np.mean(
            [np.diff(hawkes.kernel_compensator(day_edges, s.t, alpha, beta)) for s in specs],
            axis=0,
        )
    else:
        contagion = np.zeros(n_days)
    decomposition["contagion"] = contagion
    decomposition["expected"] = decomposition["background_with_events"] + contagion
    decomposition = pd.DataFrame(decomposition, index=day_index)

    # goodness of fit by time rescaling (draw with the median KS statistic)
    gofs = []
    for s in specs:
        rescaled = np.diff(np.concatenate([[0.0], _compensator_at(s.t, s, theta)]))
        ks = stats.kstest(rescaled, "expon")
        gofs.append((float(ks.statistic), float(ks.pvalue), rescaled))
    order = np.argsort([g_[0] for g_ in gofs])
    gof_stat, gof_p, rescaled = gofs[order[len(order) // 2]]

    loglik = float(np.mean([f.loglik for f in fits]))
    comparison = _comparison(specs, make, draws, loglik, p, excitation) if compare else None
    if comparison is None:
        comparison = pd.DataFrame(
            columns=["model", "loglik", "n_params", "aic", "lr_stat", "df", "p_value"]
        )
    ci_method = (
        "Wald intervals on log rate ratios, log half-lives, logit branching ratio and log decay "
        "from the observed information (numerical Hessian of the analytic gradient), "
        "back-transformed"
        + (f"; {m} jitter draws combined by Rubin's rules" if m > 1 else "")
        + f"; excess attacks and contagion share over {n_sims} parameter draws"
    )
    return AttributionResults(
        effects=effects,
        clusters=cluster_lists,
        branching_ratio=alpha,
        branching_ratio_low=a_lo,
        branching_ratio_high=a_hi,
        decay=beta,
        half_life_days=math.log(2) / beta if excitation else math.nan,
        contagion_share=c_est,
        contagion_share_low=c_lo,
        contagion_share_high=c_hi,
        trend_per_year=math.exp(theta[1]) if trend else 1.0,
        parameters=parameters,
        decomposition=decomposition,
        comparison=comparison,
        horizon_days=horizon_days,
        n_attacks=n,
        n_jitter=int(n_jitter),
        n_sims=n_sims,
        excitation=bool(excitation),
        loglik=loglik,
        gof=gof_stat,
        gof_p=gof_p,
        rescaled=rescaled,
        start=start_ts,
        end=end_ts,
        at_bound=at_bound,
        ci_method=ci_method,
        events=events if isinstance(events, pd.DataFrame) else None,
    )


def _times(times: object) -> pd.DatetimeIndex:
    """Attack timestamps as a sorted DatetimeIndex (as :func:`analysis.models.hawkes.fit`)."""
    if isinstance(times, pd.Series):
        times = times.to_numpy()
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(times))
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"times must be datetimes: {exc}") from exc
    if idx.hasnans:
        raise ModelInputError("times contain missing values (NaT)")
    return idx.sort_values()


def _comparison(specs, make, draws, loglik, p, excitation) -> pd.DataFrame:
    """The full model against: no events and no excitation; events only; excitation only."""
    configs = [("no events, no self-excitation", False, False), ("events only", False, True)]
    if excitation:
        configs.append(("self-excitation only", True, False))
    rows = [("full", loglik, p, 2 * p - 2 * loglik, math.nan, math.nan, math.nan)]
    for name, excite, use_events in configs:
        if not excitation and not excite and use_events:
            continue  # the full model itself
        lls = []
        k = None
        for t in draws:
            sp = make(t, excite, use_events)
            f = _fit_once(sp, hessian=False)
            lls.append(f.loglik)
            k = sp.n_params
        ll = float(np.mean(lls))
        df = p - k
        stat = 2 * (loglik - ll)
        boundary = excitation and not excite
        rows.append((name, ll, k, 2 * k - 2 * ll, stat, df, _lr_p(stat, df, boundary)))
    return pd.DataFrame(
        rows, columns=["model", "loglik", "n_params", "aic", "lr_stat", "df", "p_value"]
    ).set_index("model")


# ---------------------------------------------------------------------------------------------
# simulation (for tests and benchmarks)
# ---------------------------------------------------------------------------------------------


def simulate(
    baseline: float,
    effects: Mapping[str, tuple],
    *,
    branching_ratio: float,
    decay: float,
    start: object,
    end: object,
    trend_per_year: float = 1.0,
    seed: int = 0,
) -> pd.DatetimeIndex:
    """Simulate attack times: background ``baseline`` per day at the window's middle, times
    ``trend_per_year`` per year, times each event's term; ``effects`` maps an event id to
    ``(date, rate_ratio)`` (a step) or ``(date, rate_ratio, half_life_days)`` (a pulse).

    Background attacks by thinning a Poisson process; each attack then triggers Poisson(
    ``branching_ratio``) attacks at Exp(``decay``) delays, and so on (the cluster representation
    of the Hawkes process, exact).
    """
    if not 0 <= branching_ratio < 1:
        raise ParameterError(f"branching_ratio must be in [0, 1), got {branching_ratio}")
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    T = float((end_ts - start_ts) / _DAY)
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, T, int(T * 24) + 1)

    def rate(s):
        log_mu = math.log(baseline) + math.log(trend_per_year) * (s - T / 2) / _YEAR
        for spec in effects.values():
            day = float((pd.Timestamp(spec[0]) - start_ts) / _DAY)
            b = math.log(spec[1])
            if len(spec) == 2:
                log_mu = log_mu + b * (s >= day)
            else:
                lag = np.maximum(s - day, 0.0)
                log_mu = log_mu + np.where(s >= day, b * np.exp(-math.log(2) * lag / spec[2]), 0)
        return np.exp(log_mu)

    top = float(rate(grid).max()) * 1.05
    n_cand = rng.poisson(top * T)
    cand = rng.random(n_cand) * T
    keep = rng.random(n_cand) * top <= rate(cand)
    generation = cand[keep]
    out = [generation]
    while generation.size:
        kids = rng.poisson(branching_ratio, size=generation.size)
        parents = np.repeat(generation, kids)
        generation = parents + rng.exponential(1 / decay, size=parents.size)
        generation = generation[generation < T]
        out.append(generation)
    t = np.sort(np.concatenate(out))
    return pd.DatetimeIndex(start_ts + pd.to_timedelta(t, unit="D"), name="time")


# ---------------------------------------------------------------------------------------------
# the discrete-time cross-check
# ---------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class CountAttributionResults(Results):
    """Negative-binomial regression of counts with event steps and an autoregressive term."""

    title = "Attribution cross-check (negative-binomial regression of counts)"

    effects: pd.DataFrame = attr(
        "per event: date, effect, rate_ratio (95% CI), p_value, excess attacks over the horizon "
        "(95% CI); same columns as AttributionResults.effects"
    )
    coefficients: pd.DataFrame = attr("every coefficient: estimate, se, p_value, low, high")
    dispersion: float = attr(
        "NB2 dispersion alpha (variance = mean + alpha mean^2); 0 when none was found and the "
        "Poisson regression (its boundary case) was fitted"
    )
    ar_coefficient: float = attr("coefficient of log(1 + previous period's count)")
    fitted: pd.DataFrame = attr("per period: observed and fitted counts")
    freq: str = attr("frequency of the count series (D, W-MON, ...)")
    unit: str = attr("the period counted: day, week or month")
    horizon_periods: int = attr("periods from each event over which excess attacks are counted")
    loglik: float = attr("maximised log-likelihood")
    aic: float = attr("Akaike information criterion")
    n_periods: int = attr("periods fitted (the first is lost to the lag)")
    events: pd.DataFrame | Mapping[str, object] | None = attr(
        "the political events as given, for plot()", default=None
    )
    design: pd.DataFrame = attr("the regression design (exog), one row per period", default=None)

    def to_frame(self) -> pd.DataFrame:
        return self.effects.copy()

    def summary(self) -> str:
        text = [
            f"{self.title}: {self.n_periods} {self.unit}s; dispersion {self.dispersion:.2f}, "
            f"coefficient of log(1 + previous count) {self.ar_coefficient:.2f}."
        ]
        for name, r in self.effects.iterrows():
            text.append(
                f"{name} ({r['date']:%Y-%m-%d}): rate ratio {r['rate_ratio']:.2f} (95% CI "
                f"{r['rate_ratio_low']:.2f}-{r['rate_ratio_high']:.2f}), {format_p(r['p_value'])};"
                f" {r['excess']:+.1f} attacks over {self.horizon_periods} {self.unit}s (95% CI "
                f"{r['excess_low']:+.1f} to {r['excess_high']:+.1f})."
            )
        return " ".join(text)

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = new_axes(ax)
        x = self.fitted.index
        ax.bar(x, self.fitted["observed"], color=OBSERVED_COLOR, alpha=0.35, label="observed")
        ax.plot(x, self.fitted["fitted"], color=MODEL_COLOR, label="fitted")
        ax.set_ylabel(f"attacks per {self.unit}")
        ax.set_title(self.title)
        marks = self.events
        if marks is None:
            marks = {str(k): v for k, v in self.effects["date"].items()}
        annotate_events(ax, marks)
        legend_below(ax)
        return describe(ax, f"Chart of attacks per {self.unit} with the fitted counts.")


def count_design(
    y: pd.Series, dates: pd.Series, *, trend: bool = True, seasonality: int = 0
) -> pd.DataFrame:
    """The design of :func:`fit_counts`: const, trend (per year, centred), annual Fourier pairs,
    one step per event (1 from the period containing its date on), log(1 + previous count).
    The first period (no previous count) is dropped."""
    idx = y.index
    days = np.asarray((idx - idx[0]) / _DAY, dtype=float)
    span = days[-1]
    cols = {"const": np.ones(len(y))}
    if trend:
        cols["trend_per_year"] = (days - span / 2) / _YEAR
    origin = float((idx[0] - pd.Timestamp("2000-01-01")) / _DAY)
    for k in range(1, seasonality + 1):
        angle = 2 * math.pi * k * (days + origin) / _YEAR
        cols[f"sin{k}"] = np.sin(angle)
        cols[f"cos{k}"] = np.cos(angle)
    period = idx.to_period(idx.freqstr) if idx.freqstr else None
    for name, date in dates.items():
        if period is not None:
            cols[f"step[{name}]"] = (period >= pd.Period(date, idx.freqstr)).astype(float)
        else:  # pragma: no cover - count_series always sets freq
            cols[f"step[{name}]"] = (idx >= date).astype(float)
    cols["log1p_lag"] = np.log1p(np.concatenate([[np.nan], y.to_numpy()[:-1]]))
    return pd.DataFrame(cols, index=idx).iloc[1:]


def fit_counts(
    y: pd.Series,
    events: pd.DataFrame | Mapping[str, object],
    *,
    effect: str = "step",
    trend: bool = True,
    seasonality: int = 0,
    horizon_days: int = 30,
    n_sims: int = 1000,
    seed: int = 0,
    event_ids: Sequence[str] | None = None,
) -> CountAttributionResults:
    """Negative-binomial (NB2, dispersion estimated: ``statsmodels`` ``NegativeBinomial``)
    regression of a daily or weekly count series on :func:`count_design`.

    Excess attacks of an event: expected counts over the horizon from the event's period with
    vs without its step, iterated forward through the autoregressive term (the lag fed with the
    expected counts of each path; the period before the event as observed), at the estimates
    and over ``n_sims`` seeded draws of the coefficients (interval: 2.5-97.5% quantiles).
    Only step effects are supported. Events in one period share one step, and events whose
    coefficients correlate beyond :data:`CLUSTER_CORRELATION` are reported jointly, as in
    :func:`fit` (a cluster row ``"a + b"``, its excess from the last member's period on).
    """
    import statsmodels.api as sm

    if effect != "step":
        raise ParameterError("fit_counts supports step effects only (effect='step')")
    horizon_days = whole_number("horizon_days", horizon_days, unit="days")
    n_sims = whole_number("n_sims", n_sims, minimum=10)
    seasonality = whole_number("seasonality", seasonality, minimum=0)
    y, freq = count_series(y, min_periods=10, whole=True)
    if y.sum() < _MIN_ATTACKS:
        raise ModelInputError(f"need at least {_MIN_ATTACKS} attacks to attribute, got {y.sum()}")
    dates = _event_series(events, event_ids)
    period = y.index.to_period(freq)
    first, last = period[0], period[-1]
    outside = [k for k, d in dates.items() if not first < pd.Period(d, freq) <= last]
    if outside:
        raise ModelInputError(
            f"event(s) {outside} fall outside the series {y.index[0]:%Y-%m-%d} to "
            f"{y.index[-1]:%Y-%m-%d} (or in its first period)"
        )
    # events in one period cannot be told apart: one step for them, named "a + b"
    by_period = pd.Series([pd.Period(d, freq) for d in dates], index=dates.index)
    terms = pd.Series(
        {" + ".join(grp.index): dates[grp.index[0]] for _, grp in by_period.groupby(by_period)}
    ).sort_values(kind="stable")
    design = count_design(y, terms, trend=trend, seasonality=seasonality)
    endog = y.iloc[1:]
    model = sm.NegativeBinomial(endog, design, loglike_method="nb2")
    first = model.fit(disp=0, maxiter=500, method="bfgs")
    if first.params.iloc[-1] < _MIN_DISPERSION:
        # no overdispersion: NB2 at its boundary is the Poisson regression (and statsmodels'
        # NB2 Hessian there, polygamma of 1/alpha, takes minutes), so fit that
        res = sm.Poisson(endog, design).fit(disp=0, maxiter=200, method="newton")
        dispersion = 0.0
    else:
        res = model.fit(start_params=first.params, disp=0, maxiter=50, method="newton")
        if not (np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.cov_params()))):
            res = first  # Newton's polish ran off (e.g. a step with no attacks after it)
        dispersion = float(res.params.iloc[-1])
    if not np.all(np.isfinite(res.params)):
        raise ModelInputError(
            "the count regression could not be fitted to these counts (its estimates diverge, "
            "e.g. a step with no attacks after it)"
        )
    params = res.params.to_numpy()
    cov = res.cov_params().to_numpy()
    cov = np.where(np.isfinite(cov), cov, 0.0)
    names = list(design.columns)
    step_days = float((y.index[1] - y.index[0]) / _DAY)  # days per period (months: ~30)
    horizon = max(1, int(math.ceil(horizon_days / step_days)))
    ar = names.index("log1p_lag")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    k = len(names)  # (an NB2 fit has the dispersion as one more, last, parameter)
    draws = rng.multivariate_normal(params[:k], cov[:k, :k], size=n_sims)
    x = design.to_numpy()
    q = float(stats.norm.ppf(_Z))

    def path_excess(beta, j, pos):
        stop = min(pos + horizon, len(x))
        lag_with = lag_without = x[pos, ar]
        total = 0.0
        for i in range(pos, stop):
            row = x[i].copy()
            row[ar] = lag_with
            m1 = math.exp(min(row @ beta, _MAX_LOG_COUNT))
            row[ar] = lag_without
            row[j] = 0.0
            m0 = math.exp(min(row @ beta, _MAX_LOG_COUNT))
            total += m1 - m0
            lag_with, lag_without = math.log1p(m1), math.log1p(m0)
        return total

    rows = []
    first_step = names.index(f"step[{terms.index[0]}]")
    for group in _clusters(cov, first_step, len(terms)):
        cols = [first_step + g for g in group]
        members = [m for g in group for m in terms.index[g].split(" + ")]
        last = terms.iloc[group[-1]]
        pos = int(np.searchsorted(design.index.to_period(freq), pd.Period(last, freq)))
        g_vec = np.zeros(k)
        g_vec[cols] = 1.0
        est = float(g_vec @ params[:k])
        se = math.sqrt(float(g_vec @ cov[:k, :k] @ g_vec))
        vals = np.array([path_excess(d, cols, pos) for d in draws])
        excess = (
            path_excess(params[:k], cols, pos),
            float(np.quantile(vals, 0.025)),
            float(np.quantile(vals, 0.975)),
        )
        nan3 = (math.nan, math.nan, math.nan)
        pval = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
        label = " + ".join(members)
        cluster = ", ".join(members) if len(members) > 1 else ""
        rows.append(
            _row(
                est,
                est - q * se,
                est + q * se,
                label,
                dates[members[0]],
                "step",
                pval,
                excess,
                nan3,
                cluster,
            )
        )
    effects = pd.DataFrame(rows).set_index("event_id")[EFFECT_COLUMNS]
    ci = res.conf_int()
    coefficients = pd.DataFrame(
        {
            "estimate": res.params,
            "se": res.bse,
            "p_value": res.pvalues,
            "low": ci.iloc[:, 0],
            "high": ci.iloc[:, 1],
        }
    )
    fitted = pd.DataFrame({"observed": endog, "fitted": res.predict(design)})
    return CountAttributionResults(
        effects=effects,
        coefficients=coefficients,
        dispersion=dispersion,
        ar_coefficient=float(params[ar]),
        fitted=fitted,
        freq=freq,
        unit=period_unit(freq),
        horizon_periods=horizon,
        loglik=float(res.llf),
        aic=float(res.aic),
        n_periods=len(endog),
        events=events if isinstance(events, pd.DataFrame) else None,
        design=design,
    )
