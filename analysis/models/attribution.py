"""Attribution: which event moved the tempo, net of the other events and of contagion.

``fit`` is a self-exciting point process whose background rate is log-linear,

    lambda(t) = mu(t) + sum_{t_i < t} alpha * beta * exp(-beta * (t - t_i)),   t in days,
    log mu(t) = b_0 + b_trend * (t - T/2) / 365.25 + Fourier terms (annual, K pairs)
                + sum_e b_e * s_e(t),

with one term per political event from its date d_e on: ``step`` s_e(t) = 1[t >= d_e] (a lasting
change, rate ratio exp(b_e)) or ``pulse`` s_e(t) = 1[t >= d_e] exp(-ln 2 (t - d_e) / h_e) (a change
of exp(b_e) at the event decaying back with half-life h_e days, estimated). The kernel is that of
:mod:`analysis.models.hawkes` and its likelihood pieces are reused from there
(:func:`~analysis.models.hawkes.kernel_terms`, ``kernel_compensator``); the likelihood itself is
in :mod:`analysis.models.attribution_likelihood`.

The background's integral (compensator) is computed by the midpoint rule on a grid of quarter days
(:data:`~analysis.models.attribution_likelihood.QUAD_PER_DAY`) whose edges include every event date,
so steps are integrated exactly and the smooth parts (trend, seasons, pulse decay) with a relative
error below about 0.5% of a pulse's term for the shortest half-life allowed (half a day) and far
less otherwise.

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
``n_samples`` parameter draws from the estimates' asymptotic normal (seeded); the estimate is the
value at the estimates and the interval the 2.5-97.5% quantiles over draws. (The tests check it
against the mean of simulated paths.)

**Clusters.** Two consecutive events with no attack between their dates cannot be told apart: they
are fitted as one term from the first one's date. After fitting, events whose log rate ratios
correlate beyond :data:`~analysis.models.event_effects.CLUSTER_CORRELATION` (|r| > 0.9) are reported
together. Either way the cluster is one row of ``.effects`` indexed ``"a + b"`` (its members in the
``cluster`` column, its date the first member's): its rate ratio is the joint change after all
members (the product of the members' rate ratios), its excess counts over the horizon from the last
member's date (where only the joint change acts; between the members its split, and so the excess
there, is not identified) with all members' terms removed, and ``.summary()`` says the events could
not be separated. No separate numbers are reported for the members.

The discrete-time cross-check, a negative-binomial regression of counts on the same trend,
seasons and event steps, is :func:`analysis.models.count_attribution.fit_counts`; the steps the
two share (the likelihood fit, jitter, Rubin's rules, time rescaling) are in
:mod:`analysis.models.pointprocess`, the effects table in :mod:`analysis.models.event_effects`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from scipy import special, stats

from analysis import params
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
from analysis.errors import ModelInputError
from analysis.models import hawkes, pointprocess
from analysis.models.attribution_likelihood import (
    B_BOUNDS,
    Design,
    Spec,
    background_rate,
    compensator_at,
    contagion_shares,
    effect_forms,
    event_terms,
    excess_attacks,
    excess_attacks_many,
    fit_once,
    make_spec,
    quadrature_grid,
    search_bounds,
    split_theta,
)
from analysis.models.event_effects import (
    EFFECT_COLUMNS,
    MIN_ATTACKS,
    correlated_clusters,
    effect_row,
    effects_frame,
    event_series,
)
from analysis.models.vocabulary import renamed
from analysis.results import Results, attr, format_p

__all__ = [
    "OPTIMIZER",
    "AttributionResults",
    "fit",
    "simulate",
]

_DAY = pd.Timedelta(days=1)
_YEAR = 365.25
#: scipy.optimize method of the fit: "SLSQP" (default) or "L-BFGS-B", which reach the same optimum
#: (a test checks) but L-BFGS-B is about five times slower on a busy machine, its time spent in
#: multithreaded BLAS calls on tiny vectors (as analysis.models.hawkes found)
OPTIMIZER = "SLSQP"


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def _dates_inside(dates: pd.Series, win: pointprocess.Window) -> pd.Series:
    """``dates`` if every event falls strictly inside the window, else a ModelInputError."""
    outside = dates[(dates <= win.start) | (dates >= win.end)]
    if len(outside):
        raise ModelInputError(
            f"event(s) {list(outside.index)} fall outside the window {win.start:%Y-%m-%d} to "
            f"{win.end:%Y-%m-%d} (exclusive): there are no attacks before or after them to compare"
        )
    return dates


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
    n_samples: int = attr("parameter draws behind the excess and contagion intervals")
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

    def to_frame(self, names: str = "common") -> pd.DataFrame:
        """The effects, one row per event or cluster, in the common vocabulary: ``estimate``
        (the rate ratio), ``low``, ``high`` (95% interval), ``p_value``, then ``excess`` (95%
        interval), ``half_life_days`` (95% interval) and ``cluster`` as in :attr:`effects`.
        ``names="legacy"``: :attr:`effects` as before (``rate_ratio``, ...), for one release."""
        return effects_frame(self.effects, names, "attribution")

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


def _lr_p(stat: float, df: int, boundary: bool) -> float:
    """Likelihood-ratio p-value; with the branching ratio on its boundary under the null, the
    chi-bar-square mixture 1/2 chi2(df - 1) + 1/2 chi2(df) (df counts alpha and decay)."""
    stat = max(stat, 0.0)
    if not boundary:
        return float(stats.chi2.sf(stat, df))
    low = float(stats.chi2.sf(stat, df - 1)) if df > 1 else float(stat <= 0)
    return 0.5 * low + 0.5 * float(stats.chi2.sf(stat, df))


@dataclass(frozen=True)
class _Pooled:
    """The fits of all jitter draws: their estimates and covariances, the pooled estimate and
    Rubin's total covariance (within + (1 + 1/m) between)."""

    thetas: np.ndarray
    covs: np.ndarray
    theta: np.ndarray
    total_cov: np.ndarray


def _pool(fits: Sequence[pointprocess.Fit]) -> _Pooled:
    thetas = np.array([f.theta for f in fits])
    covs = np.array([f.cov for f in fits])
    m = len(fits)
    between = np.cov(thetas, rowvar=False, ddof=1) if m > 1 else np.zeros_like(covs[0])
    total_cov = covs.mean(axis=0) + (1 + 1 / m) * np.atleast_2d(between)
    return _Pooled(thetas, covs, thetas.mean(axis=0), total_cov)


def _combo(pooled: _Pooled, g: np.ndarray) -> tuple[float, float, float]:
    """Estimate, standard error and 97.5% quantile of g'theta over the draws (Rubin's rules)."""
    return pointprocess.rubin(pooled.thetas, pooled.covs, g)


def _unit(p: int, j: int | Sequence[int]) -> np.ndarray:
    g = np.zeros(p)
    g[j] = 1.0
    return g


def _parameter_draws(pooled: _Pooled, spec: Spec, n_samples: int, seed: int) -> np.ndarray:
    """``n_samples`` parameter vectors from the estimates' asymptotic normal, clipped to the
    search limits (for the excess and contagion intervals)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    safe_cov = np.where(np.isfinite(pooled.total_cov), pooled.total_cov, 0.0)
    sims = rng.multivariate_normal(pooled.theta, safe_cov, size=n_samples, method="eigh")
    lo_b = np.array([b[0] for b in search_bounds(spec)])
    hi_b = np.array([b[1] for b in search_bounds(spec)])
    return np.clip(sims, lo_b, hi_b)


def _excess_interval(
    spec: Spec, theta: np.ndarray, sims: np.ndarray, drop: Sequence[int], lo: float, hi: float
) -> tuple[float, float, float]:
    """Excess attacks in [lo, hi) of the terms ``drop``: at the estimates, and the 2.5% and
    97.5% quantiles over the parameter draws."""
    point = excess_attacks(spec, theta, drop, lo, hi)
    vals = excess_attacks_many(spec, sims, drop, lo, hi)
    return point, float(np.quantile(vals, 0.025)), float(np.quantile(vals, 0.975))


def _effects_table(
    spec: Spec,
    dates: pd.Series,
    pooled: _Pooled,
    sims: np.ndarray,
    horizon_days: int,
) -> tuple[pd.DataFrame, list[list[int]], list[list[str]]]:
    """The effects table (one row per term or cluster of terms whose estimates correlate), the
    groups of term indices behind its rows and the clusters of event ids."""
    terms, theta, p = spec.terms, pooled.theta, len(pooled.theta)
    nb, ne = spec.n_base, spec.n_terms
    pulse_pos = {j: nb + ne + i for i, j in enumerate(spec.pulses)}
    rows = []
    groups = correlated_clusters(pooled.total_cov, nb, ne)
    cluster_lists = []
    for group in groups:
        members = [i for j in group for i in terms[j].ids]
        est, se, q = _combo(pooled, _unit(p, [nb + j for j in group]))
        pval = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
        last = terms[group[-1]].day
        # a cluster: from its last member on, where only the joint effect acts (between the
        # members the split of the change is not identified, and neither is its excess)
        excess = _excess_interval(spec, theta, sims, group, last, min(last + horizon_days, spec.T))
        form = terms[group[0]].effect if len(group) == 1 else "step"
        hl = (math.nan, math.nan, math.nan)
        if len(group) == 1 and group[0] in pulse_pos:
            h_est, h_se, h_q = _combo(pooled, _unit(p, pulse_pos[group[0]]))
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
            effect_row(
                (est, est - q * se, est + q * se),
                " + ".join(members),
                dates[members[0]],
                form,
                pval,
                excess,
                hl,
                ", ".join(members) if len(members) > 1 else "",
            )
        )
    return pd.DataFrame(rows).set_index("event_id")[EFFECT_COLUMNS], groups, cluster_lists


def _share(theta: np.ndarray, spec: Spec) -> float:
    """Contagion share at ``theta``: mean over attacks of excitation / intensity."""
    mu_e = background_rate(spec.t, spec.z_event, spec, theta)
    _, _, _, a, b = split_theta(theta, spec)
    exc = hawkes.kernel_terms(spec.t, spec.T, a, b, derivative=False).excitation
    return float(np.mean(exc / (mu_e + exc)))


@dataclass(frozen=True)
class _Contagion:
    """Branching ratio (95% CI), decay per day, contagion share (95% CI), limits reached."""

    alpha: float
    alpha_low: float
    alpha_high: float
    beta: float
    share: float
    share_low: float
    share_high: float
    at_bound: list[str]


def _contagion(specs: Sequence[Spec], pooled: _Pooled, sims: np.ndarray) -> _Contagion:
    """The self-excitation's numbers; the share's interval over the parameter draws, draw k
    read on jitter draw k % m."""
    theta, T = pooled.theta, specs[0].T
    a_est, a_se, a_q = _combo(pooled, _unit(len(theta), len(theta) - 2))
    alpha = float(special.expit(a_est))
    a_lo, a_hi = (float(special.expit(a_est + s * a_q * a_se)) for s in (-1, 1))
    beta = float(math.exp(theta[-1]))
    at_bound = []
    if theta[-2] <= hawkes.LOGIT_BRANCHING_BOUNDS[0] + 0.5:
        at_bound.append("branching_ratio")
    dlo, dhi = hawkes.log_decay_bounds(T)
    if theta[-1] <= dlo + 0.01 or theta[-1] >= dhi - 0.01:
        at_bound.append("decay")
    c_est = float(np.mean([_share(theta, s) for s in specs]))
    c_vals = np.empty(len(sims))
    m = len(specs)
    for i, sp in enumerate(specs):
        rows = np.arange(i, len(sims), m)
        if sp.pulses:
            c_vals[rows] = [_share(sims[r], sp) for r in rows]
        else:
            c_vals[rows] = contagion_shares(sims[rows], sp)
    c_lo, c_hi = (float(np.quantile(c_vals, q_)) for q_ in (0.025, 0.975))
    return _Contagion(alpha, a_lo, a_hi, beta, c_est, c_lo, c_hi, at_bound)


_NO_CONTAGION = _Contagion(0.0, 0.0, 0.0, math.nan, 0.0, 0.0, 0.0, [])


def _rate_ratios_at_bound(spec: Spec, theta: np.ndarray) -> list[str]:
    """The terms whose log rate ratio sits at its search limit (e.g. no attack after it)."""
    nb, ne = spec.n_base, spec.n_terms
    return [
        f"rate ratio of {' + '.join(spec.terms[j - nb].ids)}"
        for j in range(nb, nb + ne)
        if theta[j] <= B_BOUNDS[0] + 0.01 or theta[j] >= B_BOUNDS[1] - 0.01
    ]


def _parameters_table(spec: Spec, pooled: _Pooled, trend: bool, seasonality: int) -> pd.DataFrame:
    """Every parameter on its fitting scale: estimate, se and 95% limits (Rubin's rules)."""
    terms = spec.terms
    names = ["log_background", *(["trend_per_year"] if trend else [])]
    for k in range(1, seasonality + 1):
        names += [f"sin{k}", f"cos{k}"]
    names += [f"log_rate_ratio[{' + '.join(term.ids)}]" for term in terms]
    names += [f"log_half_life[{' + '.join(terms[j].ids)}]" for j in spec.pulses]
    if spec.excitation:
        names += ["logit_branching_ratio", "log_decay"]
    par_rows = []
    for j, name in enumerate(names):
        est, se, q = _combo(pooled, _unit(len(pooled.theta), j))
        par_rows.append((name, est, se, est - q * se, est + q * se))
    return pd.DataFrame(par_rows, columns=["parameter", "estimate", "se", "low", "high"])


def _per_day(rate: np.ndarray, spec: Spec, n_days: int) -> np.ndarray:
    """Expected attacks per day from a rate (per day) on the quadrature cells."""
    cell_day = np.clip(np.floor(spec.mid).astype(int), 0, n_days - 1)
    return np.bincount(cell_day, weights=rate * spec.width, minlength=n_days)


def _decomposition(
    specs: Sequence[Spec],
    theta: np.ndarray,
    effects: pd.DataFrame,
    groups: list[list[int]],
    t_raw: np.ndarray,
    start: pd.Timestamp,
    contagion: _Contagion,
) -> pd.DataFrame:
    """Per day: observed attacks, expected attacks from the background without event terms,
    from each row of the effects table, their interaction, and contagion (mean over draws)."""
    spec = specs[0]
    T, mid, z = spec.T, spec.mid, spec.z_grid
    n_days = int(math.ceil(T - 1e-9))
    day_edges = np.minimum(np.arange(n_days + 1, dtype=float), T)
    day_index = pd.DatetimeIndex(start + np.arange(n_days) * _DAY, freq="D")
    full = background_rate(mid, z, spec, theta)
    bare = background_rate(mid, z, spec, theta, range(spec.n_terms))
    out = {
        "observed": np.histogram(t_raw, bins=day_edges)[0].astype(float),
        "background": _per_day(bare, spec, n_days),
    }
    summed = np.zeros(n_days)
    for name, group in zip(effects.index, groups, strict=True):
        col = _per_day(full - background_rate(mid, z, spec, theta, group), spec, n_days)
        out[name] = col
        summed += col
    out["interaction"] = _per_day(full, spec, n_days) - out["background"] - summed
    out["background_with_events"] = _per_day(full, spec, n_days)
    if spec.excitation:
        a, b = contagion.alpha, contagion.beta
        kernel = [np.diff(hawkes.kernel_compensator(day_edges, s.t, a, b)) for s in specs]
        out["contagion"] = np.mean(kernel, axis=0)
    else:
        out["contagion"] = np.zeros(n_days)
    out["expected"] = out["background_with_events"] + out["contagion"]
    return pd.DataFrame(out, index=day_index)


def _comparison(
    design: Design, draws: Sequence[np.ndarray], loglik: float, p: int, excitation: bool
) -> pd.DataFrame:
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
            sp = make_spec(design, t, excite, use_events)
            lls.append(fit_once(sp, method=OPTIMIZER, hessian=False).loglik)
            k = sp.n_params
        ll = float(np.mean(lls))
        df = p - k
        stat = 2 * (loglik - ll)
        boundary = excitation and not excite
        rows.append((name, ll, k, 2 * k - 2 * ll, stat, df, _lr_p(stat, df, boundary)))
    return pd.DataFrame(rows, columns=_COMPARISON_COLUMNS).set_index("model")


_COMPARISON_COLUMNS = ["model", "loglik", "n_params", "aic", "lr_stat", "df", "p_value"]


def fit(
    times: pd.DatetimeIndex | pd.Series | Sequence[object],
    *,
    events: pd.DataFrame | Mapping[str, object],
    start: object | None = None,
    end: object | None = None,
    effect: str | Mapping[str, str] = "step",
    trend: bool = True,
    seasonality: int = 0,
    horizon_days: int = 30,
    n_samples: int = 1000,
    seed: int | None = 0,
    n_jitter: int | None = None,
    event_ids: Sequence[str] | None = None,
    excitation: bool = True,
    compare: bool = True,
    n_sims: int | None = None,
) -> AttributionResults:
    """Fit the self-exciting process with event terms (see the module docstring).

    ``times`` are attack timestamps as :func:`analysis.models.hawkes.fit` takes them; date-only
    or tied times are spread within their day over ``n_jitter`` draws (default 5 then, else 0).
    ``events`` is a mapping ``event_id -> date`` or a DataFrame with ``event_id`` and ``date``;
    ``event_ids`` picks some of its rows. ``effect`` is ``"step"``, ``"pulse"`` or a mapping
    event id -> form (unnamed events are steps). ``seasonality`` is the number of annual Fourier
    pairs. ``excitation=False`` fixes the branching ratio at 0 (an inhomogeneous Poisson
    process). ``compare=False`` skips the nested models (``.comparison`` is then empty).
    Excess attacks and the contagion share get intervals from ``n_samples`` parameter draws
    seeded by ``seed`` (None: fresh entropy); the horizon stops at the window's end. A log rate
    ratio at its search limit (+-10, e.g. no attack at all after an event) is listed in
    ``at_bound`` and named in ``.summary()``. ``n_sims`` is the old name of ``n_samples``
    (deprecated).
    """
    horizon_days = params.whole_number("horizon_days", horizon_days, unit="days")
    n_samples = params.n_samples(renamed("n_sims", "n_samples", n_sims, n_samples, 1000), 10)
    seasonality = params.whole_number("seasonality", seasonality, minimum=0)
    excitation = params.flag("excitation", excitation)
    trend = params.flag("trend", trend)
    compare = params.flag("compare", compare)
    seed = params.seed_or_fresh(seed)
    # the data: attack times in the window, the event terms, the jitter draws
    idx = pointprocess.as_times(times)
    n = len(idx)
    if n < MIN_ATTACKS:
        raise ModelInputError(f"need at least {MIN_ATTACKS} attacks to attribute, got {n}")
    win = pointprocess.window(idx, start, end)
    dates = _dates_inside(event_series(events, event_ids), win)
    t_raw = win.days(idx)
    terms = event_terms(dates, effect_forms(effect, list(dates.index)), t_raw, win.start)
    n_jitter, draws = pointprocess.jitter(idx, win, n_jitter, seed, ties_allowed=not excitation)
    mid, width = quadrature_grid(win.T, [term.day for term in terms])
    origin = float((win.start - pd.Timestamp("2000-01-01")) / _DAY)
    design = Design(win.T, tuple(terms), origin, trend, seasonality, mid, width)
    # one fit per draw, pooled
    specs = [make_spec(design, t, excitation) for t in draws]
    fits = [fit_once(s, method=OPTIMIZER) for s in specs]
    pooled = _pool(fits)
    spec = specs[0]
    # what the estimates say
    sims = _parameter_draws(pooled, spec, n_samples, seed)
    effects, groups, cluster_lists = _effects_table(spec, dates, pooled, sims, horizon_days)
    contagion = _contagion(specs, pooled, sims) if excitation else _NO_CONTAGION
    at_bound = contagion.at_bound + _rate_ratios_at_bound(spec, pooled.theta)
    decomposition = _decomposition(
        specs, pooled.theta, effects, groups, t_raw, win.start, contagion
    )
    gof_stat, gof_p, rescaled = pointprocess.time_rescaling(
        [compensator_at(s.t, s, pooled.theta) for s in specs]
    )
    loglik = float(np.mean([f.loglik for f in fits]))
    p = len(pooled.theta)
    if compare:
        comparison = _comparison(design, draws, loglik, p, excitation)
    else:
        comparison = pd.DataFrame(columns=_COMPARISON_COLUMNS)
    m = len(fits)
    ci_method = (
        "Wald intervals on log rate ratios, log half-lives, logit branching ratio and log decay "
        "from the observed information (numerical Hessian of the analytic gradient), "
        "back-transformed"
        + (f"; {m} jitter draws combined by Rubin's rules" if m > 1 else "")
        + f"; excess attacks and contagion share over {n_samples} parameter draws"
    )
    return AttributionResults(
        effects=effects,
        clusters=cluster_lists,
        branching_ratio=contagion.alpha,
        branching_ratio_low=contagion.alpha_low,
        branching_ratio_high=contagion.alpha_high,
        decay=contagion.beta,
        half_life_days=math.log(2) / contagion.beta if excitation else math.nan,
        contagion_share=contagion.share,
        contagion_share_low=contagion.share_low,
        contagion_share_high=contagion.share_high,
        trend_per_year=math.exp(pooled.theta[1]) if trend else 1.0,
        parameters=_parameters_table(spec, pooled, trend, seasonality),
        decomposition=decomposition,
        comparison=comparison,
        horizon_days=horizon_days,
        n_attacks=n,
        n_jitter=int(n_jitter),
        n_samples=n_samples,
        excitation=bool(excitation),
        loglik=loglik,
        gof=gof_stat,
        gof_p=gof_p,
        rescaled=rescaled,
        start=win.start,
        end=win.end,
        at_bound=at_bound,
        ci_method=ci_method,
        events=events if isinstance(events, pd.DataFrame) else None,
    )


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
    seed: int | None = 0,
) -> pd.DatetimeIndex:
    """Simulate attack times: background ``baseline`` per day at the window's middle, times
    ``trend_per_year`` per year, times each event's term; ``effects`` maps an event id to
    ``(date, rate_ratio)`` (a step) or ``(date, rate_ratio, half_life_days)`` (a pulse).

    Background attacks by thinning a Poisson process; each attack then triggers Poisson(
    ``branching_ratio``) attacks at Exp(``decay``) delays, and so on (the cluster representation
    of the Hawkes process, exact).
    """
    if not 0 <= params.number("branching_ratio", branching_ratio) < 1:
        raise params.fail("branching_ratio", "a number in [0, 1)", branching_ratio)
    params.positive("decay", decay, unit="per day")
    seed = params.seed(seed)
    start_ts, end_ts = params.date_range(start, end)
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
