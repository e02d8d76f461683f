"""Interrupted time series: segmented log-linear regression of a count series on interventions.

The model (per period of the series: day, week or month) is

    log E[y_t] = log(offset_t) + level + trend * t
                 + sum_k [ level_k * 1{t >= T_k} + slope_k * (t - T_k)+ ]
                 + sum_j [ a_j sin(2 pi j t / P) + b_j cos(2 pi j t / P) ]

with t = 0, 1, ... counting periods and P the number of periods in a year. ``exp(level_k)`` is the
rate ratio of the step change at intervention k and ``exp(slope_k)`` the rate ratio per period of
the change in trend after it. Counterfactual = the same fit with every intervention term set to 0.

Why the default covariance is not plain Newey-West: in a short count series with a step and a trend
(120 weekly periods, negative-binomial noise on an AR(1) log-rate), statsmodels' Newey-West
sandwich gave 88-92% coverage for a nominal 95% interval on the level change, and adding lags
made it worse: the score products are noisy and their autocovariances are pulled down by the
normal equations of the fitted trend and step terms. ``cov="hac"`` therefore uses a pooled,
bias-corrected estimate (see :func:`fit`), which reaches ~94-96% in
``benchmarks/calibration_its.py``; the classic estimator stays available as ``cov="nw"``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats import sandwich_covariance
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.tsa.stattools import acf

from analysis import params
from analysis.charts import (
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    band,
    describe,
    legend_below,
    new_axes,
)
from analysis.errors import ModelInputError
from analysis.events import event_dates
from analysis.models.inputs import count_series, period_unit
from analysis.models.vocabulary import legacy_names
from analysis.results import Results, attr, format_p, format_rr

FAMILIES = ("poisson", "quasipoisson", "negbin")
COVS = ("model", "hac", "nw", "robust")
_PERIODS_PER_YEAR = {"D": 365.25, "W": 365.25 / 7.0, "MS": 12.0}


def default_maxlags(n: int) -> int:
    """Newey-West lag rule floor(4 * (n / 100) ** (2 / 9)) for a series of ``n`` periods."""
    return int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


@dataclass(repr=False, eq=False)
class ITSResults(Results):
    """Fitted interrupted time series. Rates and counts are per period of the series (day, week or
    month: ``unit``).

    ``effects`` columns: ``level_rr`` (rate ratio of the step change at the intervention),
    ``level_low``/``level_high`` (95% interval), ``level_p`` (two-sided p-value for rate ratio 1)
    and, with slope change, ``slope_rr`` (rate ratio *per period* of the change in trend),
    ``slope_low``, ``slope_high``, ``slope_p``.

    ``fitted`` columns: ``observed``, ``fitted`` (expected count per period), ``fitted_low``/
    ``fitted_high`` (95% interval for the mean), ``counterfactual`` (expected count with every
    intervention term set to 0) and its ``counterfactual_low``/``_high``.

    ``residuals`` are Pearson residuals, (observed - fitted) / sqrt(variance), with variance =
    fitted (Poisson families) or fitted + alpha * fitted**2 (negbin).
    """

    title = "Interrupted time series"

    effects: pd.DataFrame = attr(
        "intervention effects by intervention name: rate ratios (step; trend, per period) with "
        "95% intervals and p-values"
    )
    dispersion: float = attr(
        "Pearson chi-square / df_resid (poisson, quasipoisson) or the NB2 alpha (negbin, "
        "Var = mu + alpha * mu**2)"
    )
    fitted: pd.DataFrame = attr(
        "per period: observed, fitted and counterfactual expected counts with 95% intervals"
    )
    residuals: pd.Series = attr("Pearson residual per period (SD units)")
    ljung_box: pd.DataFrame = attr(
        "acorr_ljungbox on the Pearson residuals by lag: lb_stat, lb_pvalue"
    )
    residual_autocorrelation: float = attr(
        "Ljung-Box p-value at the largest lag tested (small = residual autocorrelation left; "
        'prefer cov="hac" then)'
    )
    params: pd.Series = attr("regression coefficients (log scale) by design column")
    bse: pd.Series = attr("standard errors of params (log scale) by design column")
    cov_params: pd.DataFrame = attr("covariance of params used for every interval (log scale)")
    family: str = attr('"poisson", "quasipoisson" or "negbin"')
    cov: str = attr('covariance estimator: "model", "hac", "nw" or "robust"')
    maxlags: int = attr("autocorrelation lags in the hac/nw covariance, in periods")
    freq: str = attr('frequency string of the series ("D", "W-MON", "MS", ...)')
    model_result: object = attr("the statsmodels fit (GLM or NegativeBinomial results)")
    interventions: pd.Series = attr(
        "dates (Timestamps) of the events modelled (the ``events`` given to fit) by event name"
    )
    df_resid: int = attr("residual degrees of freedom: periods minus parameters")
    use_t: bool = attr("True when intervals use t(df_resid) quantiles rather than normal ones")
    design: pd.DataFrame = attr("design matrix, one column per coefficient, one row per period")
    first_post: int = attr(
        "position (0-based period) of the earliest intervention's period; the counterfactual is "
        "drawn from it on"
    )
    annotate: object = attr(
        "other political events drawn on plot() (the ``annotate`` given to fit; None: none)",
        default=None,
    )
    labels: dict = attr(
        "event name -> the label plot() shows (an events frame's ``label`` column, else the name)",
        default_factory=dict,
    )

    @property
    def unit(self) -> str:
        """The period counts are per: "day", "week", "month" (or "period")."""
        return period_unit(self.freq)

    def to_frame(self, names: str = "common") -> pd.DataFrame:
        """The effects as a long frame, one row per event and term (index ``event``, ``term``):
        ``estimate`` (rate ratio: ``level``, the step at the event; ``slope``, the change in trend
        per period after it), ``low``, ``high`` (95% interval) and ``p_value`` (two-sided, for
        rate ratio 1). ``names="legacy"``: the wide ``effects`` as before (``level_rr``,
        ``level_low``, ..., ``slope_p``), for one release."""
        if legacy_names(names, "its"):
            return self.effects.copy()
        rows = []
        for name, r in self.effects.iterrows():
            for term in ("level", "slope"):
                if f"{term}_rr" in r.index:
                    rows.append(
                        {
                            "event": name,
                            "term": term,
                            "estimate": r[f"{term}_rr"],
                            "low": r[f"{term}_low"],
                            "high": r[f"{term}_high"],
                            "p_value": r[f"{term}_p"],
                        }
                    )
        return pd.DataFrame(rows).set_index(["event", "term"])

    def summary(self) -> str:
        """Plain-text summary: one line per effect, with units per period."""
        n = len(self.fitted)
        first, last = self.fitted.index[0].date(), self.fitted.index[-1].date()
        cov_text = {
            "model": "model-based",
            "hac": f"autocorrelation-robust (pooled, {self.maxlags} lags)",
            "nw": f"Newey-West ({self.maxlags} lags)",
            "robust": "heteroskedasticity-robust (HC1)",
        }[self.cov]
        disp = "alpha" if self.family == "negbin" else "Pearson dispersion"
        lines = [
            f"{self.title}: {self.family} regression of counts per {self.unit}, "
            f"{n} {self.unit}s from {first} to {last}; {cov_text} standard errors.",
        ]
        for name, row in self.effects.iterrows():
            date = self.interventions[name].date()
            lines.append(
                f"Level change at {name} ({date}): rate ratio "
                f"{format_rr(row.level_rr, row.level_low, row.level_high)}, "
                f"{format_p(row.level_p)}"
            )
            if "slope_rr" in row.index:
                lines.append(
                    f"Trend change at {name}: rate ratio per {self.unit} "
                    f"{format_rr(row.slope_rr, row.slope_low, row.slope_high)}, "
                    f"{format_p(row.slope_p)}"
                )
        lines.append(
            f"{disp} {self.dispersion:.2f}; Ljung-Box {format_p(self.residual_autocorrelation)} "
            f"for residual autocorrelation up to lag {int(self.ljung_box.index[-1])}."
        )
        return "\n".join(lines)

    def _named_interventions(self) -> dict[str, pd.Timestamp]:
        """The modelled events' dates by their labels where known, else by name."""
        return {str(self.labels.get(k, k)): d for k, d in self.interventions.items()}

    def plot(self, ax: Axes | None = None, *, annotate: object = None) -> Axes:
        """Observed counts (points), fit (line), counterfactual (dashed, with 95% band) and the
        modelled events (solid lines); ``annotate`` (default: the ``annotate`` given to
        :func:`fit`) are other political events, drawn dashed."""
        ax = new_axes(ax)
        f = self.fitted
        ax.plot(f.index, f["observed"], "o", ms=2.5, color=OBSERVED_COLOR, label="observed")
        band(ax, f.index, f["fitted_low"], f["fitted_high"])
        ax.plot(f.index, f["fitted"], color=MODEL_COLOR, lw=1.5, label="fitted")
        first = f.index[self.first_post]
        cf = f.loc[first:]
        band(ax, cf.index, cf["counterfactual_low"], cf["counterfactual_high"], color="grey")
        ax.plot(cf.index, cf["counterfactual"], "--", color="grey", lw=1.2, label="counterfactual")
        # an extrapolated counterfactual band can grow without bound: keep the data in view
        top = max(f["observed"].max(), f["fitted"].max())
        ax.set_ylim(0, 1.25 * top if np.isfinite(top) and top > 0 else None)
        annotate_events(ax, self._named_interventions(), solid=True, at="bottom")
        annotate_events(ax, annotate if annotate is not None else self.annotate)
        ax.set_ylabel(f"count per {self.unit}")
        legend_below(ax, ncols=3)
        first = self.effects.iloc[0]
        name = str(self.effects.index[0])
        return describe(
            ax,
            f"Chart of attacks per {self.unit}, {f.index[0]:%b %Y} to {f.index[-1]:%b %Y}: "
            f"observed counts, the fitted segmented trend and the counterfactual without the "
            f"interventions. At {name} the rate stepped to {first['level_rr']:.2f} times its "
            f"trend (95% CI {first['level_low']:.2f} to {first['level_high']:.2f}).",
        )

    def plot_residuals(self, ax: Axes | None = None, *, lags: int = 12) -> Axes:
        """Pearson residuals over time (stems) with the intervention lines; the title gives the
        lag-1 autocorrelation (of lags 1..``lags``) and the Ljung-Box p-value."""
        ax = new_axes(ax, figsize=(9.0, 3.0))
        r = self.residuals
        ax.vlines(r.index, 0, r.to_numpy(), color=OBSERVED_COLOR, lw=1.0)
        ax.axhline(0, color="grey", lw=0.8)
        for level in (-2, 2):
            ax.axhline(level, color="grey", lw=0.6, ls=":")
        annotate_events(ax, self._named_interventions(), solid=True, at="bottom")
        rho = acf(r.to_numpy(), nlags=min(lags, len(r) - 1), fft=False)
        ax.set_title(
            f"Pearson residuals (lag-1 autocorrelation {rho[1]:.2f}; Ljung-Box "
            f"{format_p(self.residual_autocorrelation)})",
            fontsize=10,
        )
        ax.set_ylabel("residual (SD units)")
        return describe(
            ax,
            f"Stem chart of the trend model's Pearson residuals per {self.unit}, "
            f"{r.index[0]:%b %Y} to {r.index[-1]:%b %Y}, with lines at plus and minus 2: "
            f"lag-1 autocorrelation {rho[1]:.2f}, Ljung-Box "
            f"{format_p(self.residual_autocorrelation)}.",
        )


def fit(
    y: pd.Series,
    *,
    events: pd.DataFrame | Mapping[str, object],
    offset: pd.Series | None = None,
    family: str = "quasipoisson",
    seasonality: int = 0,
    slope_change: bool = True,
    cov: str = "hac",
    maxlags: int | None = None,
    annotate: object = None,
) -> ITSResults:
    """Fit a segmented (interrupted time series) log-linear regression to the counts ``y``.

    ``y``: counts per period, regular DatetimeIndex with freq D, W-* or MS; each label is the
    *start* of its period, so an intervention date maps to the last label on or before it.
    ``events``: the events whose effects are estimated, as :func:`analysis.events.event_dates`
    takes them: a mapping id -> first date of the new regime, or an events frame with
    ``event_id`` and ``date`` (and ``label``, which names them on the chart); each needs >= 1
    period before and after its own period. ``offset``: exposure per period (log enters the
    linear predictor).
    ``seasonality``: number K of annual Fourier pairs (P = 12 monthly, 52.18 weekly, 365.25 daily).

    ``family``: "poisson"; "quasipoisson" (Poisson fit, scale = Pearson chi2 / df_resid); "negbin"
    (NB2 with alpha estimated by maximum likelihood jointly with the coefficients, through
    ``statsmodels.discrete.discrete_model.NegativeBinomial``).

    ``cov``:
      * "model": model-based (inverse information; times the Pearson scale for quasipoisson).
      * "hac" (default): autocorrelation-robust sandwich  A^-1 M A^-1  for the estimating
        equations, with A the expected information and meat M = sum_ij z_i z_j' g(|i-j|) built
        from the Pearson residuals: g(0) = chi2 / df_resid (so overdispersion is always in it),
        g(k) = pooled lag-k residual autocovariance for k <= maxlags, corrected for the bias that
        fitting the regression puts into residual autocovariances (adds the expected value under
        independence, from the hat matrix), set to 0 when negative and weighted uniformly
        (truncated kernel), 0 beyond maxlags. maxlags None -> floor(4 * (n / 100) ** (2 / 9)).
      * "nw": statsmodels' Newey-West (Bartlett kernel on score products, small-sample factor
        n / (n - k)); tends to be too narrow in short series (see module docstring).
      * "robust": HC1 sandwich (White with factor n / (n - k)).
      For poisson and quasipoisson the sandwich forms are identical (the scale cancels).
    Intervals and p-values use t(df_resid) quantiles whenever a scale or sandwich is estimated
    (quasipoisson, or cov other than "model"), normal quantiles otherwise.

    ``annotate``: other political events (a frame or mapping) drawn on ``.plot()``, not modelled;
    its ``label`` column also names the modelled events when ``events`` is a mapping. Returns
    :class:`ITSResults`.
    """
    y, freq = count_series(y, min_periods=6)
    if not (freq == "D" or freq == "MS" or freq.startswith("W-")):
        raise ModelInputError(f"y's frequency must be D, W-* or MS, got {freq!r}")
    n = len(y)
    family = params.one_of("family", family, FAMILIES)
    cov = params.one_of("cov", cov, COVS)
    seasonality = params.whole_number("seasonality", seasonality, 0, "Fourier pairs")
    slope_change = params.flag("slope_change", slope_change)
    maxlags = params.whole_number("maxlags", maxlags, 0, "periods", maximum=n - 1, none=True)
    if maxlags is None:
        maxlags = default_maxlags(n)

    dates, positions = _intervention_positions(y.index, events)
    X = _design(
        n,
        list(dates.index),
        positions,
        slope_change,
        seasonality,
        _PERIODS_PER_YEAR[_freq_key(freq)],
    )
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise ModelInputError(
            "design matrix is rank deficient: interventions in the same period, too many "
            "seasonal terms, or too few periods between interventions"
        )
    if X.shape[1] >= n:
        raise ModelInputError(f"{X.shape[1]} parameters for {n} periods: series too short")
    log_off = np.zeros(n)
    if offset is not None:
        off = _check_offset(offset, y.index)
        log_off = np.log(off)

    endog = y.to_numpy(dtype=float)
    exog = X.to_numpy()
    k = exog.shape[1]
    df_resid = n - k
    glm = sm.GLM(endog, exog, family=sm.families.Poisson(), offset=log_off)
    pois = glm.fit()
    if family == "negbin":
        res, alpha = _fit_negbin(endog, exog, log_off, pois.params)
        coef = np.asarray(res.params)[:k]
        mu = np.exp(exog @ coef + log_off)
        var = mu + alpha * mu**2
        if cov in ("model", "nw", "robust"):
            V = _negbin_cov(exog, mu, var, endog, cov, maxlags)
        dispersion = alpha
    else:
        scale = "X2" if family == "quasipoisson" else 1.0
        fit_kw: dict[str, object] = {"scale": scale}
        if cov in ("nw", "robust"):
            lags = 0 if cov == "robust" else maxlags
            fit_kw.update(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
        res = glm.fit(**fit_kw)
        coef = np.asarray(res.params)
        mu = np.asarray(res.mu)
        var = mu.copy()
        if cov in ("model", "nw", "robust"):
            V = np.asarray(res.cov_params())
        dispersion = float(pois.pearson_chi2 / df_resid)
    pearson = (endog - mu) / np.sqrt(var)
    if cov == "hac":
        V = _pooled_hac(exog, mu, var, pearson, maxlags)

    use_t = family == "quasipoisson" or cov != "model"
    dist = stats.t(df_resid) if use_t else stats.norm()
    crit = float(dist.ppf(0.975))
    names = list(X.columns)
    params_s = pd.Series(coef, index=names)
    bse = pd.Series(np.sqrt(np.diag(V)), index=names)

    effects = _effects(params_s, bse, dist, crit, list(dates.index), slope_change)
    fitted = _fitted_frame(y, exog, coef, V, log_off, crit, names)
    lb_lags = list(range(1, max(1, min(6, n // 4)) + 1))
    lb = acorr_ljungbox(pd.Series(pearson), lags=lb_lags)
    lb.index.name = "lag"
    return ITSResults(
        effects=effects,
        dispersion=float(dispersion),
        fitted=fitted,
        residuals=pd.Series(pearson, index=y.index, name="pearson_residual"),
        ljung_box=lb,
        residual_autocorrelation=float(lb["lb_pvalue"].iloc[-1]),
        params=params_s,
        bse=bse,
        cov_params=pd.DataFrame(V, index=names, columns=names),
        family=family,
        cov=cov,
        maxlags=maxlags,
        freq=freq,
        model_result=res,
        interventions=dates,
        annotate=annotate,
        labels=_labels(events, annotate),
        df_resid=df_resid,
        use_t=use_t,
        design=X,
        first_post=int(min(positions)),
    )


# ----------------------------------------------------------------------------- helpers


def _freq_key(freq: str) -> str:
    return "W" if freq.startswith("W") else freq


def _check_offset(offset: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    if not isinstance(offset, pd.Series) or not offset.index.equals(index):
        raise ModelInputError("offset must be a Series with the same index as y")
    off = offset.to_numpy(dtype=float)
    if not np.all(np.isfinite(off)) or np.any(off <= 0):
        raise ModelInputError("offset (exposure) must be finite and positive")
    return off


def _labels(*frames: object) -> dict[str, str]:
    """Event id -> label from the frames (of ``events``, then ``annotate``) that have both."""
    labels: dict[str, str] = {}
    for frame in reversed(frames):
        if isinstance(frame, pd.DataFrame) and {"event_id", "label"} <= set(frame.columns):
            ids = frame["event_id"].astype(str)
            labels.update(zip(ids, frame["label"], strict=True))
    return labels


def _intervention_positions(
    index: pd.DatetimeIndex, events: pd.DataFrame | Mapping[str, object]
) -> tuple[pd.Series, list[int]]:
    """Map each modelled event's date to the position of the period containing it."""
    try:
        dates = event_dates(events)
    except (TypeError, ValueError) as exc:
        raise params.fail(
            "events", "a mapping id -> date or a frame with event_id and date", events
        ) from exc
    if dates.empty:
        raise params.fail("events", "at least one event (a mapping id -> date or a frame)", events)
    n = len(index)
    end = index[-1] + index.freq if index.freq is not None else index[-1] + (index[-1] - index[-2])
    positions = []
    for name, date in dates.items():
        if index.tz is not None and date.tz is None:
            date = date.tz_localize(index.tz)
        if not index[0] <= date < end:
            raise params.fail(
                "events",
                f"dates inside the series ({index[0].date()} to {index[-1].date()})",
                {name: f"{date.date()}"},
            )
        pos = int(index.searchsorted(date, side="right")) - 1
        if pos < 1 or pos > n - 2:
            raise params.fail(
                "events",
                "dates with at least one period before and one after their own period",
                {name: f"{date.date()}"},
            )
        positions.append(pos)
    return dates, positions


def _design(
    n: int,
    names: list[str],
    positions: list[int],
    slope_change: bool,
    seasonality: int,
    period: float,
) -> pd.DataFrame:
    t = np.arange(n, dtype=float)
    cols: dict[str, np.ndarray] = {"intercept": np.ones(n), "trend": t}
    return pd.DataFrame(
        cols
        | _intervention_columns(t, names, positions, slope_change)
        | _fourier(t, seasonality, period)
    )


def _intervention_columns(
    t: np.ndarray, names: list[str], positions: list[int], slope_change: bool
) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name, pos in zip(names, positions, strict=True):
        cols[f"level:{name}"] = (t >= pos).astype(float)
        if slope_change:
            cols[f"slope:{name}"] = np.clip(t - pos, 0.0, None)
    return cols


def _fourier(t: np.ndarray, k: int, period: float) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for j in range(1, k + 1):
        cols[f"sin{j}"] = np.sin(2 * np.pi * j * t / period)
        cols[f"cos{j}"] = np.cos(2 * np.pi * j * t / period)
    return cols


def _fit_negbin(
    endog: np.ndarray,
    exog: np.ndarray,
    log_off: np.ndarray,
    start: np.ndarray,
) -> tuple[object, float]:
    """NB2 by maximum likelihood (alpha estimated jointly), started from the Poisson fit."""
    model = NegativeBinomial(endog, exog, loglike_method="nb2", offset=log_off)
    start_params = np.r_[start, 0.1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(start_params=start_params, method="bfgs", maxiter=1000, disp=0)
        if not res.mle_retvals.get("converged", False):
            res = model.fit(start_params=start_params, method="nm", maxiter=20000, disp=0)
            res = model.fit(start_params=res.params, method="bfgs", maxiter=1000, disp=0)
    if not res.mle_retvals.get("converged", False):
        warnings.warn("negative binomial fit did not converge", RuntimeWarning, stacklevel=3)
    alpha = float(np.asarray(res.params)[-1])
    return res, alpha


def _negbin_cov(
    exog: np.ndarray, mu: np.ndarray, var: np.ndarray, endog: np.ndarray, cov: str, maxlags: int
) -> np.ndarray:
    """Covariance of the NB2 coefficients at the estimated alpha.

    Uses the expected information Z'Z (z_t = x_t mu_t / sqrt(var_t)), which is block-diagonal in
    (beta, alpha) for NB2, so it avoids the ill-conditioned observed Hessian when alpha is near 0.
    "nw"/"robust" use statsmodels' Newey-West/White sandwich on the beta scores z_t * e_t.
    """
    Z = exog * (mu / np.sqrt(var))[:, None]
    A_inv = np.linalg.inv(Z.T @ Z)
    if cov == "model":
        return A_inv
    scores = Z * ((endog - mu) / np.sqrt(var))[:, None]
    lags = 0 if cov == "robust" else maxlags
    return sandwich_covariance.cov_hac_simple((scores, A_inv), nlags=lags, use_correction=True)


def _pooled_hac(
    exog: np.ndarray, mu: np.ndarray, var: np.ndarray, pearson: np.ndarray, maxlags: int
) -> np.ndarray:
    """Sandwich A^-1 M A^-1 with a pooled, bias-corrected residual autocovariance in the meat.

    For a log link the score of period t is z_t * e_t with z_t = x_t * mu_t / sqrt(var_t) and e_t
    the Pearson residual; A = Z'Z. Residual autocovariances are corrected by adding their
    expectation under independence, g0 * trace_k(H) (H the hat matrix, trace_k its k-th lower
    diagonal sum), so a short series with step and trend terms is not read as anti-correlated.
    """
    n, k = exog.shape
    Z = exog * (mu / np.sqrt(var))[:, None]
    A_inv = np.linalg.inv(Z.T @ Z)
    Q = Z @ A_inv  # row t of the hat matrix H = Q Z' is Q[t] @ Z.T
    g0 = float(pearson @ pearson) / (n - k)
    meat = g0 * (Z.T @ Z)
    for lag in range(1, maxlags + 1):
        raw = float(pearson[lag:] @ pearson[:-lag])
        expected = -g0 * float(np.einsum("ij,ij->", Q[lag:], Z[:-lag]))  # E[raw] if independent
        gamma = max((raw - expected) / n, 0.0)
        cross = Z[lag:].T @ Z[:-lag]
        meat += gamma * (cross + cross.T)
    V = A_inv @ meat @ A_inv
    V = (V + V.T) / 2.0
    w, U = np.linalg.eigh(V)
    if w.min() < 0:  # the truncated kernel need not be positive semi-definite
        V = (U * np.clip(w, 0.0, None)) @ U.T
    return V


def _effects(
    params: pd.Series,
    bse: pd.Series,
    dist: object,
    crit: float,
    names: list[str],
    slope_change: bool,
) -> pd.DataFrame:
    rows = []
    for name in names:
        row: dict[str, float] = {}
        kinds = ("level", "slope") if slope_change else ("level",)
        for kind in kinds:
            b, s = params[f"{kind}:{name}"], bse[f"{kind}:{name}"]
            row[f"{kind}_rr"] = float(np.exp(b))
            row[f"{kind}_low"] = float(np.exp(b - crit * s))
            row[f"{kind}_high"] = float(np.exp(b + crit * s))
            row[f"{kind}_p"] = float(2 * dist.sf(abs(b / s))) if s > 0 else float("nan")
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index(names, name="intervention"))
    return out


def _fitted_frame(
    y: pd.Series,
    exog: np.ndarray,
    params: np.ndarray,
    V: np.ndarray,
    log_off: np.ndarray,
    crit: float,
    names: list[str],
) -> pd.DataFrame:
    out = pd.DataFrame({"observed": y.to_numpy()}, index=y.index)
    cf_exog = exog.copy()
    for j, name in enumerate(names):
        if name.startswith(("level:", "slope:")):
            cf_exog[:, j] = 0.0
    for label, Xm in (("fitted", exog), ("counterfactual", cf_exog)):
        eta = Xm @ params + log_off
        se = np.sqrt(np.einsum("ij,jk,ik->i", Xm, V, Xm))
        out[label] = np.exp(eta)
        out[f"{label}_low"] = np.exp(eta - crit * se)
        out[f"{label}_high"] = np.exp(eta + crit * se)
    return out
