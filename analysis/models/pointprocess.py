"""What the point-process models share (:mod:`~analysis.models.hawkes`,
:mod:`~analysis.models.attribution`): event times, the observation window, tie jitter, the
maximum-likelihood fit and its covariance, Rubin's rules and the time-rescaling goodness of fit.

Times are handled as days (floats) since the window's start. Incident dates are often known only
to the day, and tied times make a self-exciting likelihood degenerate, so such times are spread
uniformly at random within their day over several seeded draws (:func:`jitter`), each draw is
fitted (:func:`fit_multistart`: bounded quasi-Newton from several starts, covariance from the
numerical Hessian of the analytic gradient) and the fits are combined by Rubin's rules
(:func:`rubin`). The fit is checked by the time-rescaling theorem (:func:`time_rescaling`): the
compensator increments between events are Exp(1) under the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis import params
from analysis.errors import ModelInputError, ParameterError

__all__ = [
    "DAY",
    "DEFAULT_JITTER",
    "Fit",
    "Window",
    "as_times",
    "covariance",
    "fit_multistart",
    "jitter",
    "numerical_hessian",
    "rubin",
    "time_rescaling",
    "window",
]

#: one day, the time unit of every point-process model
DAY = pd.Timedelta(days=1)
_Z = 0.975  # two-sided 95% intervals
#: jitter draws when times are tied or dates only and ``n_jitter`` is not given
DEFAULT_JITTER = 5


# ---------------------------------------------------------------------------------------------
# event times and the window
# ---------------------------------------------------------------------------------------------


def as_times(times: object) -> pd.DatetimeIndex:
    """Event timestamps (a DatetimeIndex, Series or list of datetimes) as a sorted DatetimeIndex;
    anything not a datetime, or a missing value (NaT), is a :class:`ModelInputError`."""
    if isinstance(times, pd.Series):
        times = times.to_numpy()
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(times))
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"times must be datetimes: {exc}") from exc
    if idx.hasnans:
        raise ModelInputError("times contain missing values (NaT)")
    return idx.sort_values()


@dataclass(frozen=True)
class Window:
    """The observation window [start, end): its ends and its length ``T`` in days."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def T(self) -> float:
        """Length of the window, days."""
        return float((self.end - self.start) / DAY)

    def days(self, ts: pd.DatetimeIndex | pd.Timestamp) -> np.ndarray:
        """``ts`` as days (floats) since the window's start."""
        return np.asarray((ts - self.start) / DAY, dtype=float)


def window(idx: pd.DatetimeIndex, start: object | None, end: object | None) -> Window:
    """The window of the sorted event times ``idx``: ``start`` (default the first event's day)
    to ``end`` (exclusive; default the day after the last event's day). ``end`` must be after
    ``start`` (:class:`ParameterError`) and every time inside (:class:`ModelInputError`)."""
    start_ts, end_ts = params.date_range(start, end, none=True)
    start_ts = idx[0].normalize() if start_ts is None else start_ts
    end_ts = idx[-1].normalize() + DAY if end_ts is None else end_ts
    if end_ts <= start_ts:
        raise ParameterError(f"end must be after start, got start {start_ts} and end {end_ts}")
    if idx[0] < start_ts or idx[-1] > end_ts:
        raise ModelInputError(f"all times must lie in the window {start_ts} to {end_ts}")
    return Window(start_ts, end_ts)


def jitter(
    idx: pd.DatetimeIndex,
    win: Window,
    n_jitter: int | None,
    seed: int,
    *,
    ties_allowed: bool = False,
) -> tuple[int, list[np.ndarray]]:
    """The event times (days since the window's start, sorted) the fit uses, one array per draw,
    and the number of jitter draws.

    Tied times, or times that are all midnight (dates only), are spread uniformly within their
    day (clipped to the window) over ``n_jitter`` draws seeded by ``seed`` (default
    :data:`DEFAULT_JITTER` draws then, else 0 = times as given, one array). ``n_jitter=0`` with
    ties is a :class:`ModelInputError` unless ``ties_allowed`` (a model without self-excitation).
    """
    ties = bool(idx.has_duplicates)
    date_only = bool((idx == idx.normalize()).all())
    if n_jitter is None:
        n_jitter = DEFAULT_JITTER if (ties or date_only) else 0
    n_jitter = params.whole_number("n_jitter", n_jitter, minimum=0)
    if n_jitter == 0 and ties and not ties_allowed:
        raise ModelInputError(
            "times contain ties; use n_jitter >= 1 to spread them within their day"
        )
    if not n_jitter:
        return 0, [win.days(idx)]
    day0 = win.days(idx.normalize())
    lo, hi = np.maximum(day0, 0.0), np.minimum(day0 + 1.0, win.T)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_jitter)]
    return n_jitter, [np.sort(lo + rng.random(len(idx)) * (hi - lo)) for rng in rngs]


# ---------------------------------------------------------------------------------------------
# maximum likelihood
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """One maximum-likelihood fit: estimates on the fitting scale, their covariance (NaN when
    not computed) and the maximised log-likelihood."""

    theta: np.ndarray
    cov: np.ndarray
    loglik: float


def numerical_hessian(
    gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, step: float = 1e-4
) -> np.ndarray:
    """Hessian at ``theta`` by central differences of the analytic ``gradient`` (step ``step``
    times max(1, |theta_j|)), symmetrised: the observed information of a negative
    log-likelihood."""
    p = len(theta)
    h = step * np.maximum(1.0, np.abs(theta))
    H = np.empty((p, p))
    for j in range(p):
        e = np.zeros(p)
        e[j] = h[j]
        H[:, j] = (gradient(theta + e) - gradient(theta - e)) / (2 * h[j])
    return 0.5 * (H + H.T)


def covariance(H: np.ndarray) -> np.ndarray:
    """The inverse of the observed information ``H``; where it is singular or not positive on
    the diagonal, the pseudo-inverse with infinite variance for the unidentified parameters."""
    try:
        cov = np.linalg.inv(H)
        if np.any(np.diag(cov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(H)
        cov[np.diag_indices_from(cov)] = np.where(np.diag(cov) > 0, np.diag(cov), np.inf)
    return cov


def fit_multistart(
    negloglik: Callable[..., tuple[float, np.ndarray]],
    starts: Sequence[np.ndarray],
    bounds: Sequence[tuple[float, float]],
    *,
    args: tuple[Any, ...] = (),
    method: str = "SLSQP",
    options: Mapping[str, Any] | None = None,
    tol: float = 0.0,
    hessian: bool = True,
    what: str = "the likelihood",
) -> Fit:
    """Minimise ``negloglik(theta, *args) -> (value, gradient)`` within ``bounds`` from each of
    ``starts`` (scipy ``method``); the best optimum (a later start replaces it only when lower by
    more than ``tol``), with its covariance from :func:`numerical_hessian` and
    :func:`covariance` (``hessian=False``: NaN, faster)."""
    best = None
    for x0 in starts:
        res = optimize.minimize(
            negloglik,
            x0,
            args=args,
            jac=True,
            method=method,
            bounds=bounds,
            options=dict(options or {}),
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun - tol):
            best = res
    if best is None:  # pragma: no cover - defensive
        raise RuntimeError(f"{what} could not be optimised")
    if not hessian:
        return Fit(best.x, np.full((len(best.x),) * 2, np.nan), -float(best.fun))
    H = numerical_hessian(lambda x: negloglik(x, *args)[1], best.x)
    return Fit(theta=best.x, cov=covariance(H), loglik=-float(best.fun))


def rubin(thetas: np.ndarray, covs: np.ndarray, g: np.ndarray) -> tuple[float, float, float]:
    """Estimate, standard error and 97.5% quantile for the linear combination g'theta (Rubin).

    ``thetas`` (m x p) are the estimates of m imputations (jitter draws), ``covs`` (m x p x p)
    their covariances; the total variance is within + (1 + 1/m) between, with Rubin's degrees
    of freedom for the t quantile (normal when m = 1)."""
    m = len(thetas)
    use = g != 0
    g = g[use]
    thetas = thetas[:, use]
    est = float(thetas.mean(axis=0) @ g)
    within = float(np.mean([g @ c[np.ix_(use, use)] @ g for c in covs]))
    between = float(np.var(thetas @ g, ddof=1)) if m > 1 else 0.0
    total = within + (1 + 1 / m) * between
    if m > 1 and between > 0 and np.isfinite(within):
        r = (1 + 1 / m) * between / max(within, 1e-300)
        df = (m - 1) * (1 + 1 / r) ** 2
        q = float(stats.t.ppf(_Z, df))
    else:
        q = float(stats.norm.ppf(_Z))
    return est, math.sqrt(total) if total >= 0 else math.nan, q


# ---------------------------------------------------------------------------------------------
# goodness of fit
# ---------------------------------------------------------------------------------------------


def time_rescaling(compensators: Sequence[np.ndarray]) -> tuple[float, float, np.ndarray]:
    """Kolmogorov-Smirnov statistic, its p-value and the rescaled gaps (compensator increments
    between events, Exp(1) under the model) of the draw with the median statistic, from the
    compensator at the events of each jitter draw (expected events since the window's start)."""
    gofs = []
    for at_events in compensators:
        rescaled = np.diff(np.concatenate([[0.0], at_events]))
        ks = stats.kstest(rescaled, "expon")
        gofs.append((float(ks.statistic), float(ks.pvalue), rescaled))
    order = np.argsort([g[0] for g in gofs])
    return gofs[order[len(order) // 2]]
