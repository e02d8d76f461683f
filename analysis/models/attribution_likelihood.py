"""The likelihood of :mod:`analysis.models.attribution` on attack times in days since the window
start: the design (event terms, background columns, quadrature grid), the negative
log-likelihood with its analytic gradient and its fit, and what a parameter vector implies
(background rate, excess attacks of event terms, contagion share, compensator).

The parameter vector (the fitting scale) is: the background's log level, trend per year and
Fourier coefficients; one log rate ratio per event term; one log half-life (days) per pulse;
then logit(branching ratio) and log(decay per day) when self-excitation is fitted. The
kernel's pieces are :func:`analysis.models.hawkes.kernel_terms` and ``kernel_compensator``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from analysis import params
from analysis.errors import ModelInputError
from analysis.models import hawkes, pointprocess

__all__ = [
    "B_BOUNDS",
    "OPTIONS",
    "QUAD_PER_DAY",
    "Design",
    "Spec",
    "Term",
    "background_rate",
    "base_design",
    "compensator_at",
    "contagion_shares",
    "effect_forms",
    "event_shapes",
    "event_terms",
    "excess_attacks",
    "excess_attacks_many",
    "fit_once",
    "log_background",
    "make_spec",
    "negloglik",
    "quadrature_grid",
    "search_bounds",
    "split_theta",
    "start_points",
]

_DAY = pd.Timedelta(days=1)
_YEAR = 365.25
#: quadrature cells per day for the background's integral (midpoint rule)
QUAD_PER_DAY = 4
#: scipy.optimize options of each method the fit may use
OPTIONS = {
    "SLSQP": {"maxiter": 1000, "ftol": 1e-12},
    "L-BFGS-B": {"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
}
#: search limits of the log rate ratios, the trend per year and the Fourier coefficients
B_BOUNDS = (-10.0, 10.0)
_LOG_MU_BOUNDS = (-25.0, 12.0)
_MIN_HALF_LIFE = 0.5  # days
_EFFECTS = ("step", "pulse")


@dataclass(frozen=True)
class Term:
    """One event term of the background: its id(s), onset (days) and form."""

    ids: tuple[str, ...]
    day: float
    effect: str


@dataclass(frozen=True)
class Spec:
    """The fixed design of a fit: base columns at events and grid cells, the event terms."""

    t: np.ndarray  # sorted attack times, days
    T: float
    terms: tuple[Term, ...]
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


def base_design(s: np.ndarray, T: float, origin: float, trend: bool, seasonality: int):
    """Columns const, trend (per year, centred), sin/cos of the annual cycle (k = 1..K)."""
    cols = [np.ones_like(s)]
    if trend:
        cols.append((s - T / 2) / _YEAR)
    for k in range(1, seasonality + 1):
        angle = 2 * math.pi * k * (s + origin) / _YEAR
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols)


def quadrature_grid(T: float, days: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    edges = np.union1d(np.linspace(0.0, T, int(math.ceil(T * QUAD_PER_DAY)) + 1), days)
    edges = edges[(edges >= 0) & (edges <= T)]
    return 0.5 * (edges[1:] + edges[:-1]), np.diff(edges)


def event_shapes(s: np.ndarray, spec: Spec, b: np.ndarray, log_h: np.ndarray):
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


def split_theta(theta: np.ndarray, spec: Spec):
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


def log_background(s: np.ndarray, z: np.ndarray, spec: Spec, theta: np.ndarray):
    """log background at ``s`` and its design (derivatives by the background parameters)."""
    base, b, log_h, _, _ = split_theta(theta, spec)
    if not spec.pulses and (s is spec.t or s is spec.mid):  # a fixed design: built once
        cache = spec.__dict__.setdefault("_design", {})
        key = "t" if s is spec.t else "mid"
        if key not in cache:
            cache[key] = np.hstack([z, spec.steps_at(s)])
        x = cache[key]
        return x @ theta[: spec.n_base + spec.n_terms], x
    shapes, d_log_h = event_shapes(s, spec, b, log_h)
    eta = z @ base + shapes @ b
    return eta, np.hstack([z, shapes, d_log_h])


def negloglik(theta: np.ndarray, spec: Spec) -> tuple[float, np.ndarray]:
    """Negative log-likelihood and gradient on the fitting scale."""
    eta_e, x_e = log_background(spec.t, spec.z_event, spec, theta)
    eta_g, x_g = log_background(spec.mid, spec.z_grid, spec, theta)
    mu_e, mu_g = np.exp(eta_e), np.exp(eta_g) * spec.width
    _, _, _, alpha, beta = split_theta(theta, spec)
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


def search_bounds(spec: Spec) -> list[tuple[float, float]]:
    out = [_LOG_MU_BOUNDS] + [B_BOUNDS] * (spec.n_base - 1 + spec.n_terms)
    out += [(math.log(_MIN_HALF_LIFE), math.log(max(spec.T, 1.0)))] * len(spec.pulses)
    if spec.excitation:
        out += [hawkes.LOGIT_BRANCHING_BOUNDS, hawkes.log_decay_bounds(spec.T)]
    return out


def start_points(spec: Spec, warm: np.ndarray | None) -> list[np.ndarray]:
    rate = max(len(spec.t), 0.5) / spec.T
    bounds = search_bounds(spec)
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


def fit_once(
    spec: Spec, *, method: str = "SLSQP", warm: np.ndarray | None = None, hessian: bool = True
) -> pointprocess.Fit:
    """Maximise the likelihood from several starts (``warm`` first when given) with the scipy
    ``method`` ("SLSQP" or "L-BFGS-B", see :data:`OPTIONS`); covariance from the observed
    information unless ``hessian`` is False."""
    return pointprocess.fit_multistart(
        negloglik,
        start_points(spec, warm),
        search_bounds(spec),
        args=(spec,),
        method=method,
        options=OPTIONS[method],
        tol=1e-9,
        hessian=hessian,
        what="attribution likelihood",
    )


def background_rate(s, z, spec, theta, drop: Sequence[int] = ()):
    """Background rate at ``s`` with the event terms ``drop`` removed (all terms: drop='all')."""
    base, b, log_h, _, _ = split_theta(theta, spec)
    shapes, _ = event_shapes(s, spec, b, log_h)
    keep = np.ones(spec.n_terms, dtype=bool)
    keep[list(drop)] = False
    return np.exp(z @ base + shapes[:, keep] @ b[keep])


def excess_attacks_many(
    spec: Spec, thetas: np.ndarray, drop: Sequence[int], lo: float, hi: float
) -> np.ndarray:
    """:func:`excess` for every row of ``thetas`` at once (the same numbers; pulses, whose
    shapes depend on each draw's half-life, one draw at a time)."""
    if spec.pulses:
        return np.array([excess_attacks(spec, th, drop, lo, hi) for th in thetas])
    inside = (spec.mid >= lo) & (spec.mid < hi)
    s, w, z = spec.mid[inside], spec.width[inside], spec.z_grid[inside]
    nb, ne = spec.n_base, spec.n_terms
    steps = spec.steps_at(spec.mid)[inside]
    keep = np.ones(ne, dtype=bool)
    keep[list(drop)] = False
    # cells x draws arrays, each worked on in place (the same operations in the same order, so
    # the same numbers, without a fresh array per step: 1000 draws x 90 days is 2.9 MB each)
    base = z @ thetas[:, :nb].T
    b = thetas[:, nb : nb + ne]
    with_all = steps @ b.T
    with_all += base
    np.exp(with_all, out=with_all)
    without = steps[:, keep] @ b[:, keep].T
    without += base
    np.exp(without, out=without)
    with_all -= without
    if spec.excitation:
        alpha = special.expit(thetas[:, -2])
        beta = np.exp(thetas[:, -1])
        cascade = np.outer(hi - s, beta * (1 - alpha))  # 1 + alpha/(1-alpha) (1 - e^-x)
        np.negative(cascade, out=cascade)
        np.expm1(cascade, out=cascade)
        np.negative(cascade, out=cascade)
        cascade *= alpha / (1 - alpha)
        cascade += 1.0
        with_all *= cascade
    with_all *= w[:, None]
    return with_all.sum(axis=0)


def contagion_shares(thetas: np.ndarray, spec: Spec, chunk: int = 250) -> np.ndarray:
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


def excess_attacks(
    spec: Spec, theta: np.ndarray, drop: Sequence[int], lo: float, hi: float
) -> float:
    """Expected attacks in [lo, hi) due to the terms ``drop``, cascade included (see
    :mod:`analysis.models.attribution`)."""
    inside = (spec.mid >= lo) & (spec.mid < hi)
    s, w, z = spec.mid[inside], spec.width[inside], spec.z_grid[inside]
    d_mu = background_rate(s, z, spec, theta) - background_rate(s, z, spec, theta, drop)
    _, _, _, alpha, beta = split_theta(theta, spec)
    cascade = 1.0 + alpha / (1 - alpha) * -np.expm1(-beta * (1 - alpha) * (hi - s))
    return float(np.sum(d_mu * w * cascade))


def effect_forms(effect: str | Mapping[str, str], ids: Sequence[str]) -> dict[str, str]:
    """The form of each event's term by event id: ``effect`` is "step", "pulse" or a mapping
    event id -> form (unnamed events are steps)."""
    if isinstance(effect, Mapping):
        unknown = [k for k in effect if str(k) not in ids]
        if unknown:
            raise params.fail("effect", "a mapping of known event ids", unknown)
        forms = {e: effect.get(e, "step") for e in ids}
        return {e: params.one_of(f"effect[{e}]", v, _EFFECTS) for e, v in forms.items()}
    params.one_of("effect", effect, _EFFECTS)
    return dict.fromkeys(ids, effect)


def event_terms(
    dates: pd.Series, forms: dict[str, str], t_raw: np.ndarray, start: pd.Timestamp
) -> list[Term]:
    """Event terms, consecutive events with no attack between their dates merged into one; a
    term with no attack before it is a ModelInputError (its effect cannot be estimated)."""
    days = np.asarray((pd.DatetimeIndex(dates) - start) / _DAY, dtype=float)
    terms: list[Term] = []
    for name, day in zip(dates.index, days, strict=True):
        if terms:
            prev = terms[-1]
            between = np.sum((t_raw >= prev.day) & (t_raw < day))
            if between == 0:
                terms[-1] = Term(prev.ids + (name,), prev.day, prev.effect)
                continue
        terms.append(Term((name,), float(day), forms[name]))
    for term in terms:
        if not np.any(t_raw < term.day):
            raise ModelInputError(
                f"no attacks before event {term.ids[0]}: its effect cannot be estimated"
            )
    return terms


@dataclass(frozen=True)
class Design:
    """What every fit of one call shares: the window's length (days), the event terms, the
    background's form and the quadrature grid."""

    T: float
    terms: tuple[Term, ...]
    origin: float  # days from 2000-01-01 to the window's start: the phase of the seasons
    trend: bool
    seasonality: int
    mid: np.ndarray
    width: np.ndarray


def make_spec(design: Design, t: np.ndarray, excitation: bool, use_events: bool = True) -> Spec:
    """The likelihood's fixed inputs for attack times ``t`` (days) of one jitter draw."""
    d = design
    return Spec(
        t=t,
        T=d.T,
        terms=d.terms,
        z_event=base_design(t, d.T, d.origin, d.trend, d.seasonality),
        z_grid=base_design(d.mid, d.T, d.origin, d.trend, d.seasonality),
        mid=d.mid,
        width=d.width,
        excitation=excitation,
        use_events=use_events,
    )


def compensator_at(s: np.ndarray, spec: Spec, theta: np.ndarray) -> np.ndarray:
    """Expected attacks in [0, s) for sorted ``s``: background (quadrature) plus kernel."""
    mu = background_rate(spec.mid, spec.z_grid, spec, theta) * spec.width
    edges = np.concatenate([[0.0], np.cumsum(spec.width)])
    cum = np.interp(s, edges, np.concatenate([[0.0], np.cumsum(mu)]))
    _, _, _, alpha, beta = split_theta(theta, spec)
    if spec.excitation:
        cum = cum + hawkes.kernel_compensator(s, spec.t, alpha, beta)
    return cum
