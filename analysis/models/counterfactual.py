"""CausalImpact-style counterfactual: how many attacks would we have seen without the event?

A state-space model (statsmodels ``UnobservedComponents`` local level, or ``SARIMAX``) is fitted to
the pre-event counts on a variance-stabilised scale and forecast over the post-event periods. The
excess (observed minus counterfactual) is reported per period and in total, with 95% intervals
taken from simulated counterfactual paths: each path is simulated from the end of the pre-period
(filtered state drawn from its distribution), back-transformed to counts, and the cumulative
interval is the quantiles of the path *sums* (not a sum of pointwise bands).

Scale. Counts are fitted on the Anscombe scale ``z = 2 * sqrt(y + 3/8)`` by default: for Poisson
counts its variance is close to 1 whatever the rate, which is what a Gaussian state-space model
with a constant noise variance assumes, and zeros stay finite. Its inverse ``z**2/4 - 3/8`` has a
further virtue: ``E[Z**2]/4 - 3/8`` equals the expected count whenever the model gets the mean and
variance of ``Z`` right, so back-transformed paths and the point counterfactual
``(mean**2 + var)/4 - 3/8`` stay unbiased even for sparse daily counts (log1p's ``exp(m + v/2) - 1``
under-predicts them by a few percent). ``transform="log1p"`` is offered for strongly
over-dispersed counts (variance growing like the mean squared). Paths are back-transformed draw
by draw without clipping (a single period may dip below zero by at most 3/8), which keeps path
sums unbiased; per-period bands are clipped at zero. Intervals rest on a Gaussian approximation
on the transformed scale: fine for totals over several periods; per-period bands of sparse daily
counts are rough.

Seasons. ``seasonal=s`` adds a seasonal state of period ``s`` to the local level (fixed by
default, drifting with ``stochastic_seasonal=True``), as CausalImpact's ``nseasons``: on monthly
data with an annual cycle the level's noise otherwise absorbs the cycle and every interval
balloons (on the British seat-belt series the 95% interval of the relative effect is about ten
times narrower with ``seasonal=12``).

Parameter uncertainty. By default (``param_draws=20``) the simulation also reflects uncertainty in
the fitted parameters: parameter vectors are drawn from the normal approximation N(MLE, cov_params)
(variances folded at zero, non-stationary AR draws replaced by the MLE), the pre-period is
re-filtered for each, and the ``n_samples`` paths are split evenly among them. ``param_draws=0``
uses the MLE only (intervals then reflect state and observation noise only and are a little
narrower).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

from analysis import params
from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    band,
    describe,
    events_as_series,
    new_figure,
)
from analysis.errors import ModelInputError
from analysis.models.inputs import count_series, period_unit
from analysis.models.level_paths import end_paths
from analysis.models.vocabulary import legacy_names, renamed
from analysis.results import Results, attr

__all__ = ["MIN_PRE_PERIODS", "CounterfactualResults", "fit", "backtransform_mean"]

#: fewest pre-event periods a model may be fitted to
MIN_PRE_PERIODS = 8
#: fewest simulated paths (so the 2.5% and 97.5% quantiles rest on at least a few paths each)
MIN_SIMS = 100  # fewest simulated paths (``n_samples``) a fit may draw
MODELS = ("ucm", "sarima")
TRANSFORMS = ("anscombe", "log1p")
SARIMA_ORDER = (1, 0, 0)
SARIMA_TREND = "c"
_ANSCOMBE_C = 2.0 * np.sqrt(3.0 / 8.0)  # Anscombe value of a zero count
_Z975 = float(stats.norm.ppf(0.975))


# ---------------------------------------------------------------------------------------------
# transforms
# ---------------------------------------------------------------------------------------------


def _forward(y: np.ndarray, transform: str) -> np.ndarray:
    """Counts -> the modelling scale."""
    y = np.asarray(y, dtype=float)
    if transform == "anscombe":
        return 2.0 * np.sqrt(y + 3.0 / 8.0)
    return np.log1p(y)


def _inverse(z: np.ndarray, transform: str) -> np.ndarray:
    """Modelling scale -> counts, draw by draw, by the algebraic inverse (not clipped).

    Anscombe: ``z**2/4 - 3/8``; since ``z**2/4 - 3/8 = y`` exactly, its mean is unbiased for the
    expected count whenever ``Z`` has the right mean and variance, even for sparse counts. Single
    draws can dip slightly below zero (to -3/8 for Anscombe, -1 for log1p); keeping them keeps
    path sums unbiased. Bands shown per period are clipped at zero.
    """
    z = np.asarray(z, dtype=float)
    if transform == "anscombe":
        return z * z / 4.0 - 3.0 / 8.0
    with np.errstate(over="ignore"):  # huge diffuse-burn-in variances overflow to inf
        return np.expm1(z)


def _inverse_band(z: np.ndarray, transform: str) -> np.ndarray:
    """Monotone, zero-clipped inverse used to map predictive quantiles to count bands."""
    zc = np.maximum(np.asarray(z, dtype=float), _ANSCOMBE_C if transform == "anscombe" else 0.0)
    return np.maximum(_inverse(zc, transform), 0.0)


def backtransform_mean(
    mean: np.ndarray, var: np.ndarray, transform: str = "anscombe"
) -> np.ndarray:
    """Expected count E[g(Z)] for Z ~ N(mean, var) on the modelling scale, g the inverse transform.

    Anscombe: ``(mean**2 + var)/4 - 3/8``; log1p: ``exp(mean + var/2) - 1``. This is the exact
    mean of the draw-by-draw back-transform used for the simulated paths, so the point
    counterfactual equals their mean up to Monte Carlo error. Units: counts per period.
    """
    transform = params.one_of("transform", transform, TRANSFORMS)
    m = np.asarray(mean, dtype=float)
    v = np.asarray(var, dtype=float)
    if transform == "anscombe":
        return (m * m + v) / 4.0 - 3.0 / 8.0
    with np.errstate(over="ignore"):
        return np.expm1(m + v / 2.0)


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


def _fmt(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    text = f"{x:+.0f}" if signed else f"{x:.0f}"
    if abs(x) < 10 and round(x) != x:
        text = f"{x:+.1f}" if signed else f"{x:.1f}"
    return text


def _fmt_pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:+.0f}%"


@dataclass(repr=False, eq=False)
class CounterfactualResults(Results):
    """Counterfactual (no-event) forecast of the post-event periods and the excess attacks.

    Numbers are counts of attacks per period of the series (per day / week / month), or totals
    over the post period; intervals are 95%.

    ``table`` columns, indexed by post-period date: ``observed``; ``predicted`` (expected count
    without the event); ``predicted_low``/``predicted_high`` (pointwise 95% simulation band of the
    counterfactual count); ``effect = observed - predicted`` with ``effect_low``/
    ``effect_high``; ``cumulative_effect`` (running excess since the event) with its 95% interval
    from the simulated paths' running sums. Post-event periods only; the pre-period fit is in
    ``pre_fit``: ``observed``, ``predicted`` (one-step-ahead in-sample prediction),
    ``predicted_low``/``predicted_high`` (95% predictive band), NaN for the model's diffuse
    burn-in periods.

    The totals, effects and ``p_value`` are computed by :func:`fit` from ``table`` and
    ``simulated_paths`` (whose columns' sums are the simulated counterfactual totals).
    ``n_pre``/``n_post`` give the number of periods.
    """

    title = "Attacks recorded and expected from the weeks before the event"

    table: pd.DataFrame = attr(
        "per post-event period: observed, predicted (counterfactual), effect and cumulative "
        "effect, with 95% bands (attacks per period)"
    )
    pre_fit: pd.DataFrame = attr(
        "per pre-event period: observed, one-step-ahead predicted with 95% band (attacks per "
        "period)"
    )
    simulated_paths: pd.DataFrame = attr(
        "post dates x n_samples simulated counterfactual counts per period (algebraic "
        "back-transform: a value can dip slightly below zero)"
    )
    event_date: pd.Timestamp = attr("the event date given")
    pre_start: pd.Timestamp = attr("first period label of the pre-period")
    post_start: pd.Timestamp = attr("first period label of the post-period (holds the event)")
    post_end: pd.Timestamp = attr("last period label of the post-period")
    model: str = attr('"ucm" (local-level UnobservedComponents) or "sarima"')
    transform: str = attr('the fitting scale: "anscombe" or "log1p"')
    freq: str | None = attr('frequency string of the series ("D", "W-MON", "MS", ...)')
    params: pd.Series = attr("fitted parameters by name (on the transformed scale)")
    param_draws: int = attr("parameter draws used for the paths (0 = MLE only)")
    n_samples: int = attr("number of simulated counterfactual paths")
    seed: int | None = attr("seed of the random generator behind the draws and paths")
    converged: bool = attr("whether the optimiser reported convergence")
    fit_result: object = attr("the statsmodels results object of the pre-period fit")
    observed_total: float = attr("attacks observed over the post period")
    predicted_total: float = attr("attacks expected over the post period without the event")
    predicted_total_low: float = attr("lower 95% limit of the counterfactual total, attacks")
    predicted_total_high: float = attr("upper 95% limit of the counterfactual total, attacks")
    cumulative_effect: float = attr(
        "excess attacks over the post period: observed total - counterfactual total"
    )
    cumulative_effect_low: float = attr("lower 95% limit of cumulative_effect, attacks")
    cumulative_effect_high: float = attr("upper 95% limit of cumulative_effect, attacks")
    relative_effect: float = attr(
        "observed total / counterfactual total - 1 (0.5 = 50% more attacks than expected)"
    )
    relative_effect_low: float = attr("lower 95% limit of relative_effect")
    relative_effect_high: float = attr("upper 95% limit of relative_effect")
    p_value: float = attr(
        "one-sided tail probability of the observed total under the simulated counterfactual "
        "totals, (1 + min(#sims >= obs, #sims <= obs)) / (n_samples + 1) (double it for two-sided)"
    )
    events: object = attr("political events annotated by plot() (None: none)", default=None)
    seasonal: int = attr(
        "length of the seasonal cycle in periods (0: no seasonal component)", default=0
    )
    stochastic_seasonal: bool = attr(
        "whether the seasonal pattern may drift (False: fixed)", default=False
    )

    @property
    def n_pre(self) -> int:
        """Number of pre-event periods the model was fitted to."""
        return len(self.pre_fit)

    @property
    def n_post(self) -> int:
        """Number of post-event periods forecast."""
        return len(self.table)

    @property
    def n_sims(self) -> int:
        """Deprecated name of :attr:`n_samples` (goes in the next release)."""
        warnings.warn(
            "CounterfactualResults.n_sims is now n_samples; n_sims goes in the next release",
            FutureWarning,
            stacklevel=2,
        )
        return self.n_samples

    def to_frame(self, names: str = "common") -> pd.DataFrame:
        """The post-period table, one row per period: ``observed``, ``predicted`` (with
        ``predicted_low``/``_high``), ``estimate`` (the excess, observed - predicted, attacks per
        period) with ``low``/``high`` (95% interval), and ``cumulative_effect`` with its
        interval. The p-value is of the total: :attr:`p_value`. ``names="legacy"``: the excess
        columns as before (``effect``, ``effect_low``, ``effect_high``), for one release."""
        if legacy_names(names, "counterfactual"):
            return self.table.copy()
        return self.table.rename(
            columns={"effect": "estimate", "effect_low": "low", "effect_high": "high"}
        )

    def summary(self) -> str:
        """Plain-text summary: observed vs expected post-event attacks and the excess."""
        unit = period_unit(self.freq)
        n = self.n_post
        units = unit if n == 1 else unit + "s"
        pre_units = unit if self.n_pre == 1 else unit + "s"
        head = (
            f"In the {n} {units} from {self.post_start:%Y-%m-%d}, "
            f"{_fmt(self.observed_total)} attacks were recorded against about "
            f"{_fmt(self.predicted_total)} expected (95% interval "
            f"{_fmt(self.predicted_total_low)}-{_fmt(self.predicted_total_high)}) without the "
            f"event: about {_fmt(abs(self.cumulative_effect))} "
            f"{'more' if self.cumulative_effect >= 0 else 'fewer'} "
            f"(95% interval {_fmt(self.cumulative_effect_low, True)} to "
            f"{_fmt(self.cumulative_effect_high, True)}), {_fmt_pct(self.relative_effect)} "
            f"(95% interval {_fmt_pct(self.relative_effect_low)} to "
            f"{_fmt_pct(self.relative_effect_high)})."
        )
        model = "local-level UCM" if self.model == "ucm" else f"SARIMA{SARIMA_ORDER}+constant"
        unc = (
            f"with parameter uncertainty ({self.param_draws} draws)"
            if self.param_draws
            else "MLE parameters only"
        )
        tail = (
            f"One-sided p = {self.p_value:.3f} (share of {self.n_samples} simulated counterfactual "
            f"totals at least as extreme). Model: {model} on the {self.transform} scale, fitted "
            f"to {self.n_pre} pre-event {pre_units} from {self.pre_start:%Y-%m-%d}; {unc}."
        )
        if not self.converged:
            tail += " Warning: the optimiser did not report convergence."
        return head + "\n" + tail

    def plot(
        self,
        ax: Axes | Sequence[Axes] | None = None,
        *,
        events: pd.DataFrame | Mapping[str, object] | None = None,
    ) -> Axes:
        """Three panels: observed vs counterfactual (95% band), pointwise and cumulative excess.

        ``ax`` is None (a new figure of three panels) or a sequence of three axes. ``events``
        defaults to the events given to :func:`fit`. Returns the top panel's Axes, like every
        model's ``plot``; the three are ``ax.figure.axes`` (on a new figure) or the ones given.
        """
        if ax is None:
            _, axes = new_figure(3, 1, sharex=True, figsize=(9.0, 8.0), layout="constrained")
        else:
            axes = np.asarray(ax, dtype=object).ravel()
            if axes.size != 3:
                raise params.fail("ax", "None or a sequence of 3 axes", ax)
        axes = np.asarray(axes, dtype=object)
        events = self.events if events is None else events
        pre, post = self.pre_fit, self.table
        a0, a1, a2 = axes

        observed = pd.concat([pre["observed"], post["observed"]])
        a0.plot(observed.index, observed.to_numpy(), color=OBSERVED_COLOR, lw=1.0, label="observed")
        for frame, style in ((pre, ":"), (post, "--")):
            a0.plot(frame.index, frame["predicted"].to_numpy(), color=MODEL_COLOR, ls=style, lw=1.2)
            band(a0, frame.index, frame["predicted_low"], frame["predicted_high"])
        a0.plot(
            [], [], color=MODEL_COLOR, ls="--", label="expected from the weeks before (95% band)"
        )
        a0.set_ylabel(f"attacks per {period_unit(self.freq)}")
        a0.set_title(self.title)

        pre_effect = (pre["observed"] - pre["predicted"]).to_numpy(dtype=float)
        a1.plot(pre.index, pre_effect, color=MODEL_COLOR, ls=":", lw=1.0)
        a1.plot(post.index, post["effect"].to_numpy(), color=MODEL_COLOR, ls="--", lw=1.2)
        band(a1, post.index, post["effect_low"], post["effect_high"])
        a1.set_ylabel("excess attacks")

        a2.plot(post.index, post["cumulative_effect"].to_numpy(), color=MODEL_COLOR, ls="--")
        band(a2, post.index, post["cumulative_effect_low"], post["cumulative_effect_high"])
        a2.plot(pre.index, np.zeros(len(pre)), color=MODEL_COLOR, ls=":", lw=1.0)
        a2.set_ylabel("running total of excess")

        for i, a in enumerate(axes):
            if i > 0:
                a.axhline(0.0, color=OBSERVED_COLOR, lw=0.6)
            if events_as_series(events).empty:
                a.axvline(self.event_date, color=EVENT_COLOR, ls="--", lw=0.8)
            else:
                annotate_events(a, events, labels=(i == 0))
        a0.figure.legend(
            *a0.get_legend_handles_labels(),
            loc="outside lower center",
            ncols=2,
            fontsize=8,
            frameon=False,
        )
        unit = period_unit(self.freq)
        more = "more" if self.cumulative_effect >= 0 else "fewer"
        return describe(
            a0,
            f"Three panels, {observed.index[0]:%b %Y} to {observed.index[-1]:%b %Y}: attacks per "
            f"{unit} observed against the counterfactual expected without the event, the excess "
            f"per {unit} and the cumulative excess. Over the {self.n_post} {unit}s from "
            f"{self.post_start:%d %b %Y}, {self.observed_total:.0f} attacks were observed "
            f"against about {self.predicted_total:.0f} expected: about "
            f"{abs(self.cumulative_effect):.0f} {more} (95% interval "
            f"{self.cumulative_effect_low:.0f} to {self.cumulative_effect_high:.0f}).",
        )


# ---------------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------------


def _period_of(index: pd.DatetimeIndex, date: pd.Timestamp) -> int:
    """Position of the period containing ``date`` (labels taken as period starts)."""
    return int(index.searchsorted(date, side="right")) - 1


def _draw_params(
    result: object, model: object, k: int, rng: np.random.Generator
) -> list[np.ndarray] | None:
    """``k`` parameter vectors from N(MLE, cov_params); None when the covariance is unusable."""
    theta = np.asarray(result.params, dtype=float)
    cov = np.asarray(result.cov_params(), dtype=float)
    if cov.shape != (theta.size, theta.size) or not np.isfinite(cov).all():
        return None
    cov = (cov + cov.T) / 2.0
    names = list(model.param_names)
    variances = [i for i, n in enumerate(names) if n.startswith("sigma2")]
    ars = [i for i, n in enumerate(names) if n.startswith("ar.L")]
    draws = rng.multivariate_normal(theta, cov, size=k, method="eigh", check_valid="ignore")
    out = []
    for d in draws:
        d = d.copy()
        d[variances] = np.abs(d[variances])  # fold at zero: variances stay non-negative
        if ars:
            phi = d[ars]
            roots = np.roots(np.r_[1.0, -phi])  # stationary iff all inside the unit circle
            if np.any(np.abs(roots) >= 0.999):
                d[ars] = theta[ars]
        out.append(d)
    return out


def _as_exog(exog: pd.Series | pd.DataFrame | None, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    if exog is None:
        return None
    if isinstance(exog, pd.Series):
        exog = exog.to_frame(name=exog.name if exog.name is not None else "exog")
    if not isinstance(exog, pd.DataFrame):
        raise ModelInputError(
            f"exog must be a pandas Series or DataFrame, got {type(exog).__name__}"
        )
    if not isinstance(exog.index, pd.DatetimeIndex):
        raise ModelInputError("exog must have a DatetimeIndex matching y")
    missing = index.difference(exog.index)
    if len(missing):
        raise ModelInputError(
            f"exog lacks {len(missing)} of the analysis periods (first {missing[0]:%Y-%m-%d})"
        )
    x = exog.reindex(index).astype(float)
    if x.isna().to_numpy().any():
        raise ModelInputError("exog contains NaN within the analysis window")
    x.index = index
    x.columns = [str(c) for c in x.columns]
    return x


def _totals(table: pd.DataFrame, simulated_paths: pd.DataFrame) -> dict[str, float]:
    """Post-period totals, cumulative and relative effects with 95% intervals, and the one-sided
    p-value, from the post-period table and the simulated paths (one path per column)."""
    totals = simulated_paths.to_numpy().sum(axis=0)
    obs = float(table["observed"].sum())
    pred = float(table["predicted"].sum())
    lo, hi = np.quantile(totals, [0.025, 0.975])
    with np.errstate(divide="ignore", invalid="ignore"):
        relative_effect = float(np.divide(obs, pred) - 1.0) if pred > 0 else np.nan
        relative_effect_low = float(obs / hi - 1.0) if hi > 0 else np.nan
        relative_effect_high = float(obs / lo - 1.0) if lo > 0 else np.inf
    n = totals.size
    tail = min(int(np.sum(totals >= obs)), int(np.sum(totals <= obs)))
    return {
        "observed_total": obs,
        "predicted_total": pred,
        "predicted_total_low": float(lo),
        "predicted_total_high": float(hi),
        "cumulative_effect": obs - pred,
        "cumulative_effect_low": obs - float(hi),
        "cumulative_effect_high": obs - float(lo),
        "relative_effect": relative_effect,
        "relative_effect_low": relative_effect_low,
        "relative_effect_high": relative_effect_high,
        "p_value": (1.0 + tail) / (n + 1.0),
    }


def fit(
    y: pd.Series,
    event_date: object,
    *,
    pre_start: object = None,
    model: str = "ucm",
    exog: pd.Series | pd.DataFrame | None = None,
    seed: int | None = 0,
    n_samples: int = 1000,
    post_end: object = None,
    events: pd.DataFrame | Mapping[str, object] | None = None,
    transform: str = "anscombe",
    param_draws: int = 20,
    seasonal: int | None = None,
    stochastic_seasonal: bool = False,
    n_sims: int | None = None,
) -> CounterfactualResults:
    """Fit a counterfactual model to the pre-event counts and measure the post-event excess.

    Parameters
    ----------
    y : counts per period (``pd.Series`` with a regular DatetimeIndex, freq D / W-* / MS; labels
        are taken as period starts), zero-filled, non-negative, no NaN.
    event_date : the event. The first post-event period is the one containing it (the last label
        on or before it); the pre-period is every earlier period from ``pre_start``.
    pre_start : first date of the pre-period (default: series start; snapped to the first label
        on or after it). At least ``MIN_PRE_PERIODS`` (8) pre-event periods are required.
    model : "ucm" (local-level ``UnobservedComponents``) or "sarima" (``SARIMAX`` order
        ``SARIMA_ORDER`` = (1, 0, 0) with a constant).
    exog : optional regressors (Series/DataFrame indexed like ``y``, covering the pre and post
        periods), entered linearly on the transformed scale; they must be unaffected by the event.
    seed : seed of the random generator behind the parameter draws and the simulated paths.
    n_samples : number of simulated counterfactual paths (>= 100).
    post_end : last date of the post-period (default: series end).
    events : political events to annotate on ``plot()`` (DataFrame with date/label, or mapping).
    transform : "anscombe" (default, ``2*sqrt(y+3/8)``) or "log1p"; see the module docstring.
    param_draws : number of parameter vectors drawn from the MLE's normal approximation to carry
        parameter uncertainty into the paths (0 = MLE only).
    seasonal : the length of a seasonal cycle in periods (12 for an annual cycle in monthly data,
        52 in weekly data, 7 for a weekly cycle in daily data), as CausalImpact's ``nseasons``:
        adds a seasonal state (``UnobservedComponents(seasonal=...)``, dummy form: the last
        ``seasonal`` effects sum to zero) to the local level, so the cycle is not absorbed by the
        level's noise (which widens every interval). None (default): no seasonal component.
        ``model="ucm"`` only; the pre-period must hold at least two whole cycles.
    stochastic_seasonal : False (default): the seasonal pattern is fixed, estimated from the
        pre-period; True: it may drift, with its own estimated noise variance.
    n_sims : the old name of ``n_samples``: still taken, with a ``FutureWarning``, for one
        release.

    Returns
    -------
    CounterfactualResults with the post-period table, totals, cumulative and relative effects
    with 95% intervals, and the simulated paths.
    """
    n_samples = renamed("n_sims", "n_samples", n_sims, n_samples, 1000)
    model = params.one_of("model", model, MODELS)
    transform = params.one_of("transform", transform, TRANSFORMS)
    n_samples = params.n_samples(n_samples, minimum=MIN_SIMS)
    seed = params.seed(seed)
    param_draws = params.whole_number("param_draws", param_draws, 0)
    param_draws = int(min(param_draws, n_samples))
    if seasonal is not None:
        seasonal = params.whole_number("seasonal", seasonal, minimum=2, unit="periods")
        if model != "ucm":
            raise params.fail("seasonal", "None when model is not 'ucm'", seasonal)
    stochastic_seasonal = params.flag("stochastic_seasonal", stochastic_seasonal)
    y, freq = count_series(y)
    if len(y) == 0:
        raise ModelInputError("y is empty")
    idx = y.index

    event = params.a_date("event_date", event_date)
    if not idx[0] <= event < idx[-1] + idx.freq:
        inside = f"a date inside the series ({idx[0]:%Y-%m-%d} to {idx[-1]:%Y-%m-%d})"
        raise params.fail("event_date", inside, event_date)
    post_i = _period_of(idx, event)

    pre_i = 0
    pre_start = params.a_date("pre_start", pre_start, none=True)
    if pre_start is not None:
        pre_i = int(idx.searchsorted(pre_start, side="left"))
    if post_i - pre_i < MIN_PRE_PERIODS:
        raise ModelInputError(
            f"only {max(post_i - pre_i, 0)} pre-event period(s) before {idx[post_i]:%Y-%m-%d}; "
            f"need at least {MIN_PRE_PERIODS}"
        )
    end_i = len(idx) - 1
    post_end = params.a_date("post_end", post_end, none=True)
    if post_end is not None:
        end_i = _period_of(idx, post_end)
        if end_i < post_i:
            raise params.fail(
                "post_end", f"on or after the event's period ({idx[post_i]:%Y-%m-%d})", post_end
            )
    end_i = min(end_i, len(idx) - 1)

    if seasonal is not None and post_i - pre_i < 2 * seasonal:
        raise ModelInputError(
            f"only {post_i - pre_i} pre-event period(s); seasonal={seasonal} needs at least "
            f"{2 * seasonal} (two whole cycles)"
        )
    y_pre = y.iloc[pre_i:post_i]
    y_post = y.iloc[post_i : end_i + 1]
    if np.ptp(y_pre.to_numpy()) == 0:
        raise ModelInputError(
            f"the pre-event counts are constant ({y_pre.iloc[0]:g} every period): nothing to model"
        )
    x_all = _as_exog(exog, y.index[pre_i : end_i + 1])
    x_pre = None if x_all is None else x_all.iloc[: len(y_pre)]
    x_post = None if x_all is None else x_all.iloc[len(y_pre) :]

    z_pre = pd.Series(_forward(y_pre.to_numpy(), transform), index=y_pre.index, name="z")
    if model == "ucm":
        seasons = (
            {"seasonal": seasonal, "stochastic_seasonal": bool(stochastic_seasonal)}
            if seasonal
            else {}
        )
        mod = UnobservedComponents(z_pre, level="llevel", exog=x_pre, **seasons)
    else:
        mod = SARIMAX(z_pre, order=SARIMA_ORDER, trend=SARIMA_TREND, exog=x_pre)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = mod.fit(disp=False, maxiter=200)
    converged = bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True

    rng = np.random.default_rng(seed)
    h = len(y_post)
    exog_post = None if x_post is None else x_post.to_numpy()

    # point counterfactual: exact mean of the back-transformed Gaussian predictive (MLE params)
    fc = res.get_forecast(h, exog=exog_post)
    fc_mean = np.asarray(fc.predicted_mean, dtype=float)
    fc_var = np.asarray(fc.var_pred_mean, dtype=float)
    predicted = backtransform_mean(fc_mean, fc_var, transform)

    # simulated paths from the filtered end state of the pre-period
    draws = _draw_params(res, mod, param_draws, rng) if param_draws else None
    used_draws = 0 if draws is None else len(draws)
    thetas = [np.asarray(res.params, dtype=float)] if draws is None else draws
    shares = np.array_split(np.arange(n_samples), len(thetas))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # extend-model / index notices
        sims = [
            end_paths(mod, theta, h, len(share), rng, exog=exog_post)
            for theta, share in zip(thetas, shares, strict=True)
        ]
    z_paths = np.concatenate(sims, axis=1)
    paths = _inverse(z_paths, transform)

    obs = y_post.to_numpy()
    lo, hi = np.maximum(np.quantile(paths, [0.025, 0.975], axis=1), 0.0)
    cum_paths = np.cumsum(paths, axis=0)
    cum_lo, cum_hi = np.quantile(cum_paths, [0.025, 0.975], axis=1)
    cum_obs = np.cumsum(obs)
    table = pd.DataFrame(
        {
            "observed": obs,
            "predicted": predicted,
            "predicted_low": lo,
            "predicted_high": hi,
            "effect": obs - predicted,
            "effect_low": obs - hi,
            "effect_high": obs - lo,
            "cumulative_effect": cum_obs - np.cumsum(predicted),
            "cumulative_effect_low": cum_obs - cum_hi,
            "cumulative_effect_high": cum_obs - cum_lo,
        },
        index=y_post.index,
    )
    table.index.name = "date"

    pred_in = res.get_prediction()
    m_in = np.asarray(pred_in.predicted_mean, dtype=float)
    v_in = np.asarray(pred_in.var_pred_mean, dtype=float)
    sd_in = np.sqrt(np.maximum(v_in, 0.0))
    pre_fit = pd.DataFrame(
        {
            "observed": y_pre.to_numpy(),
            "predicted": backtransform_mean(m_in, v_in, transform),
            "predicted_low": _inverse_band(m_in - _Z975 * sd_in, transform),
            "predicted_high": _inverse_band(m_in + _Z975 * sd_in, transform),
        },
        index=y_pre.index,
    )
    burn = int(getattr(res, "loglikelihood_burn", 0) or 0)
    if burn:
        pre_fit.iloc[:burn, 1:] = np.nan
    pre_fit.index.name = "date"

    simulated_paths = pd.DataFrame(paths, index=y_post.index)
    return CounterfactualResults(
        table=table,
        pre_fit=pre_fit,
        simulated_paths=simulated_paths,
        event_date=event,
        pre_start=y_pre.index[0],
        post_start=y_post.index[0],
        post_end=y_post.index[-1],
        model=model,
        transform=transform,
        freq=freq,
        params=pd.Series(np.asarray(res.params, dtype=float), index=list(mod.param_names)),
        param_draws=used_draws,
        n_samples=int(n_samples),
        seed=seed,
        converged=converged,
        fit_result=res,
        **_totals(table, simulated_paths),
        events=events,
        seasonal=int(seasonal or 0),
        stochastic_seasonal=bool(stochastic_seasonal) if seasonal else False,
    )
