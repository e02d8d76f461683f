"""Attribution cross-check: a negative-binomial (NB2) regression of daily or weekly attack counts
on a trend, annual seasons, one step per event and log(1 + previous count).

The discrete-time counterpart of :func:`analysis.models.attribution.fit` (a different model of
the same question, shown beside it): each event's rate ratio is exp of its step's coefficient,
and its excess attacks over the horizon are the expected counts with vs without the step,
iterated forward through the autoregressive term. The effects table has the rows and columns of
the point-process model's (:mod:`analysis.models.event_effects`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from analysis import params
from analysis.charts import (
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    describe,
    legend_below,
    new_axes,
)
from analysis.errors import ModelInputError
from analysis.models.event_effects import (
    EFFECT_COLUMNS,
    MIN_ATTACKS,
    correlated_clusters,
    effect_row,
    effects_frame,
    event_series,
)
from analysis.models.inputs import count_series, period_unit
from analysis.models.vocabulary import renamed
from analysis.results import Results, attr, format_p

__all__ = ["CountAttributionResults", "count_design", "fit_counts"]

_DAY = pd.Timedelta(days=1)
_YEAR = 365.25
_Z = 0.975
#: log expected count beyond which a parameter draw's path is capped (e^700: no finite count)
_MAX_LOG_COUNT = 700.0
#: NB2 dispersion below which fit_counts uses the Poisson regression (its boundary case)
_MIN_DISPERSION = 1e-3


@dataclass(repr=False, eq=False)
class CountAttributionResults(Results):
    """Negative-binomial regression of counts with event steps and an autoregressive term."""

    title = "Attribution cross-check (negative-binomial regression of counts)"

    effects: pd.DataFrame = attr(
        "per event or cluster: date, effect, rate_ratio (95% CI), p_value, excess attacks over "
        "the horizon (95% CI); the columns of AttributionResults.effects"
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

    def to_frame(self, names: str = "common") -> pd.DataFrame:
        """The effects, one row per event or cluster, in the common vocabulary: ``estimate``
        (the rate ratio), ``low``, ``high`` (95% interval), ``p_value``, then the other columns
        as in :attr:`effects`. ``names="legacy"``: :attr:`effects` as before, for one release."""
        return effects_frame(self.effects, names, "count_attribution")

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
        """Attacks per period, observed (bars) and fitted (line), with the events marked."""
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
    *,
    events: pd.DataFrame | Mapping[str, object],
    effect: str = "step",
    trend: bool = True,
    seasonality: int = 0,
    horizon_days: int = 30,
    n_samples: int = 1000,
    seed: int | None = 0,
    event_ids: Sequence[str] | None = None,
    n_sims: int | None = None,
) -> CountAttributionResults:
    """Negative-binomial (NB2, dispersion estimated: ``statsmodels`` ``NegativeBinomial``)
    regression of a daily or weekly count series on :func:`count_design`.

    Excess attacks of an event: expected counts over the horizon from the event's period with
    vs without its step, iterated forward through the autoregressive term (the lag fed with the
    expected counts of each path; the period before the event as observed), at the estimates
    and over ``n_samples`` draws of the coefficients seeded by ``seed`` (None: fresh entropy;
    interval: 2.5-97.5% quantiles). Only step effects are supported. Events in one period share
    one step, and events whose coefficients correlate beyond
    :data:`~analysis.models.event_effects.CLUSTER_CORRELATION` are reported jointly, as in
    :func:`analysis.models.attribution.fit` (a cluster row ``"a + b"``, its excess from the last
    member's period on). ``n_sims`` is the old name of ``n_samples`` (deprecated).
    """
    import statsmodels.api as sm

    params.one_of("effect", effect, ["step"])  # the count model has step effects only
    horizon_days = params.whole_number("horizon_days", horizon_days, unit="days")
    n_samples = params.n_samples(renamed("n_sims", "n_samples", n_sims, n_samples, 1000), 10)
    seed = params.seed_or_fresh(seed)
    seasonality = params.whole_number("seasonality", seasonality, minimum=0)
    y, freq = count_series(y, min_periods=10, whole=True)
    if y.sum() < MIN_ATTACKS:
        raise ModelInputError(f"need at least {MIN_ATTACKS} attacks to attribute, got {y.sum()}")
    dates = event_series(events, event_ids)
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
    coef = res.params.to_numpy()
    cov = res.cov_params().to_numpy()
    cov = np.where(np.isfinite(cov), cov, 0.0)
    names = list(design.columns)
    step_days = float((y.index[1] - y.index[0]) / _DAY)  # days per period (months: ~30)
    horizon = max(1, int(math.ceil(horizon_days / step_days)))
    ar = names.index("log1p_lag")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    k = len(names)  # (an NB2 fit has the dispersion as one more, last, parameter)
    draws = rng.multivariate_normal(coef[:k], cov[:k, :k], size=n_samples)
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
    for group in correlated_clusters(cov, first_step, len(terms)):
        cols = [first_step + g for g in group]
        members = [m for g in group for m in terms.index[g].split(" + ")]
        last = terms.iloc[group[-1]]
        pos = int(np.searchsorted(design.index.to_period(freq), pd.Period(last, freq)))
        g_vec = np.zeros(k)
        g_vec[cols] = 1.0
        est = float(g_vec @ coef[:k])
        se = math.sqrt(float(g_vec @ cov[:k, :k] @ g_vec))
        vals = np.array([path_excess(d, cols, pos) for d in draws])
        excess = (
            path_excess(coef[:k], cols, pos),
            float(np.quantile(vals, 0.025)),
            float(np.quantile(vals, 0.975)),
        )
        pval = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
        label = " + ".join(members)
        cluster = ", ".join(members) if len(members) > 1 else ""
        rows.append(
            effect_row(
                (est, est - q * se, est + q * se),
                label,
                dates[members[0]],
                "step",
                pval,
                excess,
                cluster=cluster,
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
        ar_coefficient=float(coef[ar]),
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
