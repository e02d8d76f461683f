"""The outlook brief: what to expect in the weeks after the data end, how sure that is, and the
track record.

:func:`outlook_brief` forecasts the weekly confirmed attacks of ``horizon`` weeks from the data's
last date (:func:`analysis.models.outlook.forecast`): the first forecast week is the week holding
that date, conditioned on the attacks already recorded in it, so every attack up to the data's
end is counted. When the page is built more than :data:`STALE_DAYS` days after the data end it
says that it forecasts weeks already past, and how the forecast did against whatever data exist
for them. It backtests the models over the history before it (every ``backtest_step``-th
week; the page uses every week, as coverage measured on every 8th week alone, 32 forecasts, is
too rough to judge calibration by), and scores the forecasts earlier
editions stored (``forecasts/<as_of>.json`` in the site, :func:`forecast_record`) against what
happened since (:func:`score_stored`). Governorate and target-type outlooks are drawn as small
multiples for the groups with at least :data:`MIN_GROUP_ATTACKS` confirmed attacks in the last
:data:`GROUP_WINDOW_WEEKS` weeks (fewer, and a model fitted to them says little more than their
average).
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes

from analysis import case as cases
from analysis.briefs.campaign_views import subject_in
from analysis.briefs.html import Html, bullets, esc, headline_html, paragraphs, reader_table
from analysis.briefs.stored_forecasts import StoredForecasts
from analysis.briefs.stored_forecasts import load as load_stored
from analysis.briefs.tempo import resolve_as_of
from analysis.briefs.wording import finite_or_none, fmt_date, fmt_span, pct, words
from analysis.charts import MODEL_COLOR, OBSERVED_COLOR, describe, legend_below, new_figure
from analysis.errors import ParameterError
from analysis.models import outlook
from analysis.models.backtest import BacktestResults, backtest, crps_samples
from analysis.params import a_date, whole_number
from analysis.paths import DEFAULT_SITE, FORECASTS_DIR_ENV, data_dir
from analysis.results import Results, attr
from analysis.series import MonthPrecisionWarning, counts

__all__ = [
    "GROUP_WINDOW_WEEKS",
    "STALE_DAYS",
    "MIN_GROUP_ATTACKS",
    "OutlookBrief",
    "forecast_record",
    "forecasts_dir",
    "load_forecasts",
    "data_end",
    "outlook_brief",
    "week_under_way",
    "weekly_counts",
    "score_stored",
]

#: weeks of recent history a governorate or target type is judged on for its own outlook
GROUP_WINDOW_WEEKS = 104
#: fewest confirmed attacks in those weeks for a governorate or target type to get an outlook
MIN_GROUP_ATTACKS = 20
#: days after the data's end past which the page says its forecast is of weeks already past
STALE_DAYS = 28
#: most small multiples drawn per grouping (the groups with the most attacks)
MAX_GROUPS = 6
_FREQ = "W-MON"
_WEEK = pd.Timedelta(days=7)
BASELINE_WORDS = {
    "climatology": "the last 12 weeks resampled",
    "persistence": "last week's count again",
    "zero": "no attacks",
}


def forecasts_dir() -> Path:
    """Where the site keeps stored forecasts: ``$ESCALATION_FORECASTS_DIR`` (set by the report
    runner for each kernel) or ``reports/site/forecasts``."""
    return Path(os.environ.get(FORECASTS_DIR_ENV) or DEFAULT_SITE / "forecasts")


def weekly_counts(incidents: pd.DataFrame, day: pd.Timestamp, where=None) -> pd.Series:
    """Confirmed attacks per ISO week, complete weeks up to ``day`` only."""
    start = incidents["date"].min()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)
        y = counts(incidents, _FREQ, start=start, end=day, where=where)
    if len(y) and y.index[-1] + pd.Timedelta(days=6) > day:
        y = y.iloc[:-1]
    y.index.freq = _FREQ
    return y


def data_end(incidents: pd.DataFrame, day: pd.Timestamp, latest: bool) -> pd.Timestamp:
    """The last date the page's data cover: ``day`` for an as-of date given, else the date of
    the last confirmed attack the weekly series counts (day precision) up to ``day``."""
    if not latest:
        return day
    rows = incidents[
        (incidents["confirmation"] == "confirmed")
        & (incidents["date_precision"] != "month")
        & (incidents["date"] <= day)
    ]
    return pd.Timestamp(rows["date"].max()).normalize() if len(rows) else day


def week_under_way(incidents: pd.DataFrame, end: pd.Timestamp, where=None) -> tuple[int, float]:
    """The week holding ``end`` when ``end`` is not its Sunday: confirmed attacks from its
    Monday to ``end``, and the share of the week those days are (0 and 0.0 for a whole week)."""
    monday = end - pd.Timedelta(days=end.day_of_week)
    days = (end - monday).days + 1
    if days == 7:
        return 0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)
        y = counts(incidents, "D", start=monday, end=end, where=where)
    return int(y[(y.index >= monday) & (y.index <= end)].sum()), days / 7.0


def _data_hash(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


def forecast_record(fc: outlook.OutlookResults, *, edition: object, data_hash: str) -> dict:
    """What an edition stores of the forecast it published (JSON-safe): the model, the data's
    hash, the quantiles per week and the samples' histogram per week (values and counts, from
    which the samples, and so every score, are rebuilt exactly)."""
    hist = []
    for j in range(fc.horizon):
        values, n = np.unique(fc.samples[:, j], return_counts=True)
        hist.append({"values": values.tolist(), "counts": n.tolist()})
    q = fc.quantiles
    return {
        "edition": f"{pd.Timestamp(edition):%Y-%m-%d}",
        "as_of": f"{fc.as_of:%Y-%m-%d}",
        "model": fc.model,
        "freq": fc.freq,
        "horizon": fc.horizon,
        "n_samples": fc.n_samples,
        "seed": fc.seed,
        "data_hash": data_hash,
        "periods": [f"{p:%Y-%m-%d}" for p in q.index],
        "quantiles": {c: [float(v) for v in q[c]] for c in q.columns},
        "p_any": [float(v) for v in fc.prob_at_least(1)],
        "samples": hist,
    }


def load_forecasts(folder: Path | str | None = None) -> StoredForecasts:
    """The stored forecasts in ``folder`` (default :func:`forecasts_dir`), oldest first: a list
    of records whose ``skipped`` names each file left out and why (a link, a damaged or edited
    record: :mod:`analysis.briefs.stored_forecasts`); the page shows those as a warning."""
    return load_stored(Path(folder) if folder is not None else forecasts_dir())


def score_stored(records: Sequence[Mapping], y: pd.Series) -> pd.DataFrame:
    """Score stored forecasts against the weekly counts ``y``: one row per forecast week whose
    outcome is in ``y`` (edition, as_of, target, horizon, forecast median and 90% interval,
    observed, inside the 90% interval, CRPS). Weeks not yet observed are left out."""
    rows = []
    for rec in records:
        for h, (period, hist) in enumerate(zip(rec["periods"], rec["samples"], strict=True), 1):
            target = pd.Timestamp(period)
            if target not in y.index:
                continue
            samples = np.repeat(np.asarray(hist["values"]), np.asarray(hist["counts"]))
            obs = float(y.loc[target])
            crps = float(crps_samples(np.array([obs]), samples[:, None])[0])
            q = rec["quantiles"]
            rows.append(
                {
                    "edition": rec["edition"],
                    "as_of": rec["as_of"],
                    "target": target,
                    "horizon": h,
                    "median": q["q50"][h - 1],
                    "low": q["q05"][h - 1],
                    "high": q["q95"][h - 1],
                    "observed": int(obs),
                    "inside90": q["q05"][h - 1] <= obs <= q["q95"][h - 1],
                    "crps": crps,
                }
            )
    cols = ["edition", "as_of", "target", "horizon", "median", "low", "high", "observed"]
    return pd.DataFrame(rows, columns=[*cols, "inside90", "crps"])


@dataclass(repr=False, eq=False)
class OutlookBrief(Results):
    """The outlook page's numbers: the forecast, the backtest and the stored forecasts' score.
    Counts are confirmed attacks per ISO week."""

    title: ClassVar[str] = "Outlook: attacks expected in the weeks after the data end"

    as_of: pd.Timestamp = attr("the day the data are read up to")
    forecast: outlook.OutlookResults = attr(
        "the forecast of the weeks from the data's end (outlook.forecast)"
    )
    backtest: BacktestResults = attr("rolling-origin backtest over the weeks before")
    weekly: pd.Series = attr("confirmed attacks per complete ISO week up to as_of")
    stored: pd.DataFrame = attr(
        "earlier editions' stored forecasts scored against what happened (score_stored)"
    )
    groups: dict = attr(
        "small multiples: {'governorate' | 'target_type': {name: OutlookResults}} for the groups "
        "with enough history"
    )
    record: dict = attr("what this edition stores of its forecast (forecast_record)")
    data_end: pd.Timestamp = attr(
        "the last date the data cover (the last confirmed attack's date for as_of 'latest'); "
        "the forecast starts from the week holding it"
    )
    built: pd.Timestamp = attr("the day the page was built (the run's local day)")
    past: pd.DataFrame = attr(
        "forecast weeks the data already cover (index: week): observed, low (q05), high (q95), "
        "inside (observed within the 90% range); empty when none is covered"
    )
    skipped: list = attr(
        "stored forecast files left out, each 'forecasts/<file>: <why>' (shown as a warning)",
        default_factory=list,
    )

    # -- time ------------------------------------------------------------------------------
    @property
    def lag_days(self) -> int:
        """Days from the data's end to the build."""
        return int((self.built - self.data_end).days)

    @property
    def stale(self) -> bool:
        """Whether the page was built more than :data:`STALE_DAYS` days after the data end."""
        return self.lag_days > STALE_DAYS

    def stale_words(self) -> str:
        """When stale: that the forecast is of weeks already past, and how it did against the
        data for them ("" when the data are recent)."""
        if not self.stale:
            return ""
        weeks = round(self.lag_days / 7)
        text = (
            "This forecast is of weeks that have already passed: the data end on "
            f"{fmt_date(self.data_end)}, {weeks} week{'s' if weeks != 1 else ''} before this page "
            "was built."
        )
        p = self.past
        if p.empty:
            return text + " There are no data for those weeks yet."
        observed = ", ".join(str(int(v)) for v in p["observed"])
        return (
            text + f" Against the data for {len(p)} of those weeks: {int(p['inside'].sum())} of "
            f"{len(p)} weekly counts fell inside the 90% range (attacks: {observed})."
        )

    # -- words -----------------------------------------------------------------------------
    @property
    def headline(self) -> str:
        """Whether the forecast weeks have passed (and how the forecast did against the data for
        them) and the first week's forecast, in at most 35 words. The data's end is said once,
        in :attr:`time_words` under it (and in every page's top line), not here."""
        fc = self.forecast
        first = fc.quantiles.index[0]
        passed = ""
        if self.stale:
            p = self.past
            passed = (
                "This forecast's weeks have passed; no data for them yet."
                if p.empty
                else f"This forecast's weeks have passed; {int(p['inside'].sum())} of {len(p)} "
                "fell inside its 90% range."
            )
        week = f"Week of {fmt_date(first)}: {fc.period_words(0)}."
        return " ".join(w for w in (passed, week) if w)

    @property
    def time_words(self) -> str:
        """The data's end, said once: when the page is stale, that the forecast is of weeks
        already past and how it did against the data for them; the week under way."""
        fc = self.forecast
        end = fmt_date(self.data_end)
        first = fmt_date(fc.quantiles.index[0])
        n = f"{fc.seen} attack{'s' if fc.seen != 1 else ''}"
        by = "then" if self.stale else end  # a stale page's stale_words has named the day
        if fc.elapsed > 0:
            was = "was" if self.stale else "is"
            seen = f"The week of {first} {was} under way: {n} recorded by {by} {_is(fc.seen)} "
            seen += "counted in it."
        elif not self.stale:
            seen = f"The data end on {end}, a Sunday: the forecast starts the next week."
        else:
            seen = ""
        where = f"Confirmed {campaign_subject(fc.quantiles.index[0])}."
        return " ".join(w for w in (self.stale_words(), seen, where) if w)

    def _auto_skill(self) -> pd.Series:
        return self.backtest.skill.loc[(self.forecast.model, 1)]

    def to_frame(self) -> pd.DataFrame:
        """The forecast's quantiles per week with the chance of at least one attack."""
        return self.forecast.to_frame()

    def summary(self) -> str:
        return "\n".join([self.headline, self.forecast.summary(), self.backtest.summary()])

    def heading_html(self) -> Html:
        """The headline and the time paragraph: the notebook's own first cell is the title."""
        return headline_html({"headline": self.headline}) + paragraphs([self.time_words], "time")

    @property
    def page_title(self) -> str:
        """The title the index, the feed and the browser show (the top line gives the date)."""
        return self.title

    def plot(self, ax: Axes | None = None) -> Axes:
        """The fan chart of the forecast weeks after the last 26 observed weeks."""
        fc = self.forecast
        ax = fc.plot(ax)
        if fc.elapsed > 0:  # the attacks already recorded in the week under way
            ax.plot(
                [fc.quantiles.index[0] + pd.Timedelta(days=3.5 * fc.elapsed)], [fc.seen], "o",
                color=OBSERVED_COLOR, label=f"recorded by {fmt_date(self.data_end)}",
            )  # fmt: skip
            legend_below(ax, ncols=5)
            alt = getattr(ax.figure, "alt_text", "")
            describe(
                ax,
                f"{alt} The dot: the {fc.seen} attack(s) recorded in the week of "
                f"{fmt_date(fc.quantiles.index[0])} by {fmt_date(self.data_end)}, the data's end.",
            )
        ax.set_title(
            f"Confirmed attacks per week and the outlook from the data's end, "
            f"{fmt_date(self.data_end)}"
        )
        return ax

    def forecast_html(self) -> Html:
        """Per forecast week: most likely range, 90% interval, chance of any attack and of
        more than the likely range, in words and numbers (escaped)."""
        fc = self.forecast
        rows = []
        for i, (period, r) in enumerate(fc.quantiles.iterrows()):
            upper = int(r["q75"]) + 1
            p_more = float(fc.prob_at_least(upper).iloc[i])
            rows.append(
                [
                    fmt_span(period, period + pd.Timedelta(days=6)),
                    _span(r["q25"], r["q75"]),
                    _span(r["q05"], r["q95"]),
                    pct(float(fc.prob_at_least(1).iloc[i])),
                    f"{pct(p_more)} ({upper} or more)",
                ]
            )
        header = ["week", "most likely (50%)", "90% interval", "any attack", "more than likely"]
        text = fc.to_frame().round(3).to_string()
        return reader_table(header, rows, "outlook", numeric=(1, 2, 3, 4), nowrap=(0,), text=text)

    def words_html(self) -> Html:
        """Every forecast week in a sentence."""
        fc = self.forecast
        lines = [
            f"Week of {fmt_date(p)}: {fc.period_words(i)}."
            for i, p in enumerate(fc.quantiles.index)
        ]
        total = fc.samples.sum(axis=1)
        lo, hi = np.quantile(total, [0.05, 0.95], method="inverted_cdf")
        more = total - fc.seen
        lines.append(
            f"Over the {fc.horizon} weeks together: {int(lo)} to {int(hi)} attacks (90% "
            f"interval)"
            + (
                f", the {fc.seen} already recorded included; the chance of at least one more "
                f"after {fmt_date(self.data_end)} is {pct(float((more > 0).mean()))}."
                if fc.seen
                else f"; a {pct(float((total > 0).mean()))} chance of at least one."
            )
        )
        return bullets(lines, "outlook-words")

    def skill_html(self) -> Html:
        """Backtest: CRPS skill of the forecast against each baseline, by horizon, with its
        95% interval, and the coverage of its intervals (escaped)."""
        bt, m = self.backtest, self.forecast.model
        sk = bt.skill_by_baseline
        sk = sk[sk["model"] == m]
        rows = []
        for h in range(1, bt.horizon + 1):
            cells = [f"{h} week{'s' if h > 1 else ''} ahead"]
            for b in outlook.BASELINES:
                r = sk[(sk["horizon"] == h) & (sk["baseline"] == b)]
                if r.empty or not np.isfinite(r["skill"].iloc[0]):
                    cells.append("n/a")
                    continue
                r = r.iloc[0]
                cells.append(f"{_signed(r['skill'])} ({_signed(r['low'])} to {_signed(r['high'])})")
            c = bt.coverage.loc[(m, h)]
            cells += [
                pct(c["cover50"]),
                pct(c["cover90"]),
                pct(c["cover90_attacks"]),
            ]
            rows.append(cells)
        header = [
            "horizon",
            *(f"skill vs {b}" for b in outlook.BASELINES),
            "inside 50%",
            "inside 90%",
            "inside 90%, weeks with attacks",
        ]
        return reader_table(
            header, rows, "outlook-skill", numeric=(1, 2, 3, 4, 5, 6), text=bt.summary()
        )

    def track_record_words(self) -> list[str]:
        """The backtest in plain words, saying whether the goal is met."""
        bt, m = self.backtest, self.forecast.model
        s = self._auto_skill()
        c = bt.coverage.loc[(m, 1)]
        met = s["skill"] >= 0.10 and s["low"] > 0
        out = [
            f"Backtest: {bt.n_origins} forecasts made as if on {_every(bt.step)} from "
            f"{fmt_date(bt.start)} to {fmt_date(bt.end)}, each from the data up to that week "
            "only, scored against what happened.",
            f"One week ahead the forecast's CRPS (the typical distance between forecast and "
            f"outcome, in attacks) is {_signed(s['skill'])} against the best simple baseline "
            f"({BASELINE_WORDS.get(s['baseline'], s['baseline'])}), 95% interval "
            f"{_signed(s['low'])} to {_signed(s['high'])}: "
            + (
                "better, by more than the 10% the outlook aims for."
                if met
                else "not clearly better than the baseline; the 10% improvement the outlook "
                "aims for is not shown by these data."
            ),
            f"Its 90% intervals held {pct(c['cover90'])} of outcomes "
            f"({pct(c['cover90_attacks'])} of weeks with attacks) and its 50% intervals "
            f"{pct(c['cover50'])}.",
        ]
        return out

    def track_record_html(self) -> Html:
        return bullets(self.track_record_words(), "outlook-track")

    def plot_calibration(self) -> Axes:
        return self.backtest.plot_calibration(model=self.forecast.model)

    def plot_scores(self) -> Axes:
        return self.backtest.plot()

    def editions_html(self) -> Html:
        """Each earlier edition's stored forecast against what happened, and the running score;
        first a warning naming each stored file left out (:attr:`skipped`)."""
        warning = self.skipped_html()
        s = self.stored
        if s.empty:
            return Html(
                warning.html + "<p>No earlier edition's forecast can be scored yet: each "
                "scheduled run stores the forecast it publishes, and scores it here once its "
                "weeks are in the data.</p>",
                "no stored forecasts scored yet",
            )
        rows = [
            [
                fmt_date(r.edition),
                fmt_span(r.target, r.target + pd.Timedelta(days=6)),
                f"{int(r.median)} ({int(r.low)} to {int(r.high)})",
                r.observed,
                "yes" if r.inside90 else "no",
            ]
            for r in s.sort_values(["target", "edition"]).tail(24).itertuples(index=False)
        ]
        header = ["edition", "week", "forecast: median (90%)", "attacks", "inside 90%"]
        score = (
            f"Running score over {len(s)} forecast weeks from {s['edition'].nunique()} "
            f"edition(s): mean CRPS {s['crps'].mean():.2f} attacks; "
            f"{pct(s['inside90'].mean())} inside the 90% interval."
        )
        table = reader_table(
            header, rows, "outlook-editions", numeric=(2, 3), nowrap=(0, 1), text=score
        )
        return Html(warning.html + table.html + f"<p>{esc(score)}</p>", score)

    def skipped_html(self) -> Html:
        """A warning naming each stored forecast file left out and why ("" when none)."""
        if not self.skipped:
            return Html("", "")
        n = len(self.skipped)
        head = (
            f"Warning: {n} stored forecast file{'s' if n != 1 else ''} left out of the track "
            "record (not as the site stored it):"
        )
        items = "".join(f"<li>{esc(line)}</li>" for line in self.skipped)
        return Html(
            f'<div class="escalation-warning"><p><strong>{esc(head)}</strong></p>'
            f"<ul>{items}</ul></div>",
            head + " " + "; ".join(self.skipped),
        )

    def plot_groups(self) -> Axes:
        """Small multiples: the outlook per governorate and per target type with enough history
        (one panel each; a single note panel when none has)."""
        panels = [(g, k, fc) for g, fcs in self.groups.items() for k, fc in fcs.items()]
        n = max(len(panels), 1)
        ncols = min(3, n)
        nrows = math.ceil(n / ncols)
        fig, axes = new_figure(nrows, ncols, figsize=(9.0, 2.5 * nrows + 0.5), squeeze=False)
        axes = axes.ravel()
        area = cases.current().area_word
        if not panels:
            axes[0].text(0.5, 0.5, f"No {area} or target type has enough history",
                         ha="center", va="center", transform=axes[0].transAxes)  # fmt: skip
            axes[0].set_axis_off()
        for ax, (grouping, name, fc) in zip(axes, panels, strict=False):
            obs = fc.history.iloc[-12:]
            q = fc.quantiles
            bars = {"width": _WEEK * 0.8, "align": "edge", "linewidth": 0}
            ax.bar(obs.index, obs.to_numpy(), color=OBSERVED_COLOR, alpha=0.5, **bars)
            ax.bar(q.index, q["q95"] - q["q05"], bottom=q["q05"], color=MODEL_COLOR, alpha=0.25,
                   **bars)  # fmt: skip
            ax.bar(q.index, q["q75"] - q["q25"], bottom=q["q25"], color=MODEL_COLOR, alpha=0.6,
                   **bars)  # fmt: skip
            ax.set_title(words(grouping, name), fontsize=9)
            ax.set_ylim(0, max(float(q["q95"].max()), float(obs.max()), 1.0) + 1)
            ax.xaxis.set_major_locator(mdates.MonthLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
            ax.tick_params(axis="x", labelsize=7)
            ax.set_ylabel("attacks per week", fontsize=8)
        for ax in axes[n:]:
            ax.set_visible(False)
        fig.tight_layout()
        text = (
            "; ".join(f"{words(g, k)}: {fc.period_words(0)}" for g, k, fc in panels)
            or f"no {area} or target type has enough history"
        )
        return describe(
            axes[0],
            f"Small multiples of the outlook per {area} and target type with at least "
            f"{MIN_GROUP_ATTACKS} confirmed attacks in the last {GROUP_WINDOW_WEEKS} weeks: the "
            f"last 12 weeks (grey bars) and the 50% and 90% intervals of the next "
            f"{self.forecast.horizon} weeks (blue); next week, {text}.",
        )

    def groups_words(self, grouping: str) -> str:
        fcs = self.groups.get(grouping, {})
        what = cases.current().area_word if grouping == "governorate" else "target type"
        if not fcs:
            return (
                f"No {what} has the {MIN_GROUP_ATTACKS} confirmed attacks in the last "
                f"{GROUP_WINDOW_WEEKS} weeks an outlook of its own needs."
            )
        return (
            f"Each {what} with at least {MIN_GROUP_ATTACKS} confirmed attacks in the last "
            f"{GROUP_WINDOW_WEEKS} weeks gets its own outlook (the same model on its own weekly "
            f"counts): {', '.join(words(grouping, k) for k in fcs)}. The others have too few "
            "attacks for a model to say more than their average."
        )

    def groups_html(self) -> Html:
        """Which governorates and target types have an outlook of their own, in words."""
        return paragraphs([self.groups_words(g) for g in self.groups], "outlook-groups")

    def caveats_html(self) -> Html:
        fc = self.forecast
        out = [
            "Counts are confirmed attacks recorded in the curated dataset, a sample of public "
            "reporting; the latest weeks may be less complete than earlier ones, and a forecast "
            "cannot foresee a political shock.",
            self._start_words(),
            *(
                [
                    f"The backtest on this page forecasts from {_every(self.backtest.step)} so "
                    "the page builds in seconds; its coverage is then measured on few forecasts "
                    "and is rough; benchmarks/outlook_backtest.py runs it from every week."
                ]
                if self.backtest.step > 1
                else []
            ),
            *fc.notes,
        ]
        return bullets(out, "caveats")

    def _start_words(self) -> str:
        fc = self.forecast
        first = fc.quantiles.index[0]
        if fc.elapsed <= 0:
            return (
                f"The data end on {fmt_date(self.data_end)}, the last day of a week; the forecast "
                f"starts with the week after it (the week of {fmt_date(first)})."
            )
        days = round(7 * fc.elapsed)
        return (
            f"The data end on {fmt_date(self.data_end)}, day {days} of the week of "
            f"{fmt_date(first)}: the forecast starts with that week, counting the {fc.seen} "
            f"confirmed attack{'s' if fc.seen != 1 else ''} recorded in its first {days} "
            f"day{'s' if days != 1 else ''} and forecasting only its other {7 - days}."
        )

    def glue_values(self) -> dict[str, Any]:
        fc, s = self.forecast, self._auto_skill()
        c = self.backtest.coverage.loc[(fc.model, 1)]
        q = fc.quantiles
        return {
            "title": self.page_title,
            "headline": self.headline,
            "focus_event": None,
            "period": [f"{self.weekly.index[0]:%Y-%m-%d}", f"{self.data_end:%Y-%m-%d}"],
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "data_end": f"{self.data_end:%Y-%m-%d}",
            "built": f"{self.built:%Y-%m-%d}",
            "stale": self.stale,
            "seen": int(self.forecast.seen),
            "model": fc.model,
            "weeks": [f"{p:%Y-%m-%d}" for p in q.index],
            "median": [float(v) for v in q["q50"]],
            "low90": [float(v) for v in q["q05"]],
            "high90": [float(v) for v in q["q95"]],
            "p_any": [float(v) for v in fc.prob_at_least(1)],
            "skill_1w": finite_or_none(float(s["skill"])),
            "skill_1w_low": finite_or_none(float(s["low"])),
            "skill_1w_high": finite_or_none(float(s["high"])),
            "skill_baseline": s["baseline"],
            "cover90_1w": finite_or_none(float(c["cover90"])),
            "stored_scored": len(self.stored),
            "stored_crps": finite_or_none(float(self.stored["crps"].mean()))
            if len(self.stored)
            else None,
            "forecast_record": self.record,
        }


def _is(n: int) -> str:
    return "is" if n == 1 else "are"


def _span(lo: float, hi: float) -> str:
    return f"{int(lo)}" if int(lo) == int(hi) else f"{int(lo)} to {int(hi)}"


def _signed(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    v = round(100 * x)
    return f"{'+' if v > 0 else ''}{v}%".replace("-", "\u2212")


def _every(step: int) -> str:
    return "every week" if step == 1 else f"every {_nth(step)} week"


def _nth(step: int) -> str:
    return {1: "", 2: "second", 3: "third", 4: "fourth"}.get(step, f"{step}th")


def outlook_brief(
    incidents: pd.DataFrame,
    *,
    as_of: object = "latest",
    horizon: int = 4,
    model: str = "auto",
    n_samples: int = 2000,
    seed: int = 0,
    backtest_start: object = "2020-01-06",
    backtest_step: int = 8,
    backtest_samples: int = 300,
    stored: Sequence[Mapping] | None = None,
    groups: Sequence[str] = ("governorate", "target_type"),
    data_path: Path | str | None = None,
    today: object = None,
) -> OutlookBrief:
    """The outlook page's numbers from confirmed attacks up to ``as_of`` (ISO date or
    "latest"). ``stored``: earlier editions' forecast records (default: none); only those made
    before ``as_of`` are scored. ``data_path``: the incidents file whose hash the record keeps
    (default ``data/incidents.csv``). ``today``: the build's date (default: today in Iraq,
    :func:`analysis.clock.today_local`), against which the data's end is judged."""
    from analysis.clock import today_local

    horizon = whole_number("horizon", horizon, 1, "weeks")
    backtest_step = whole_number("backtest_step", backtest_step, 1, "weeks")
    built = a_date("today", today if today is not None else today_local())
    day = resolve_as_of(incidents, as_of)
    latest = isinstance(as_of, str) and as_of.strip().lower() == "latest"
    end = data_end(incidents, day, latest)
    y = weekly_counts(incidents, end)
    seen, elapsed = week_under_way(incidents, end)
    fc = outlook.forecast(
        y, horizon=horizon, model=model, n_samples=n_samples, seed=seed, seen=seen,
        elapsed=elapsed,
    )  # fmt: skip
    start = pd.Timestamp(backtest_start)
    if start >= y.index[-2]:
        raise ParameterError(
            f"backtest_start {start:%Y-%m-%d} leaves no week to score before {day:%Y-%m-%d}"
        )
    models = tuple(dict.fromkeys((model, *outlook.BASELINES)))
    bt = backtest(
        y, start=start, horizon=horizon, models=models, step=backtest_step, seed=seed,
        n_samples=backtest_samples,
    )  # fmt: skip
    earlier = [r for r in (stored or []) if r["edition"] < f"{day:%Y-%m-%d}"]
    scored = score_stored(earlier, y)
    fcs: dict[str, dict[str, outlook.OutlookResults]] = {}
    recent = incidents[
        (incidents["confirmation"] == "confirmed")
        & (incidents["date"] > day - GROUP_WINDOW_WEEKS * _WEEK)
        & (incidents["date"] <= day)
    ]
    for grouping in groups:
        if grouping not in ("governorate", "target_type"):
            raise ParameterError(
                f"groups must hold 'governorate' and/or 'target_type', got {grouping!r}"
            )
        sizes = recent[grouping].value_counts()
        names = [str(k) for k, v in sizes.items() if v >= MIN_GROUP_ATTACKS][:MAX_GROUPS]
        fcs[grouping] = {}
        for name in names:
            where = {grouping: name}
            g_seen, g_elapsed = week_under_way(incidents, end, where=where)
            fcs[grouping][name] = outlook.forecast(
                weekly_counts(incidents, end, where=where), horizon=horizon, model=model,
                n_samples=min(n_samples, 1000), seed=seed, seen=g_seen, elapsed=g_elapsed,
            )  # fmt: skip
    path = Path(data_path) if data_path is not None else data_dir() / "incidents.csv"
    record = forecast_record(fc, edition=day, data_hash=_data_hash(path))
    return OutlookBrief(
        as_of=day,
        forecast=fc,
        backtest=bt,
        weekly=y,
        stored=scored,
        groups=fcs,
        record=record,
        data_end=end,
        built=built,
        past=_past_weeks(fc, incidents),
        skipped=list(getattr(stored, "skipped", [])),
    )


def _past_weeks(fc: outlook.OutlookResults, incidents: pd.DataFrame) -> pd.DataFrame:
    """The forecast weeks the data already cover whole (up to their last date), each with its
    confirmed attacks and whether they fell inside the forecast's 90% range."""
    last = pd.Timestamp(incidents["date"].max()).normalize()
    later = weekly_counts(incidents, last)
    q = fc.quantiles
    weeks = [w for w in q.index if w in later.index]
    out = pd.DataFrame(
        {
            "observed": [int(later.loc[w]) for w in weeks],
            "low": [float(q.loc[w, "q05"]) for w in weeks],
            "high": [float(q.loc[w, "q95"]) for w in weeks],
        },
        index=pd.DatetimeIndex(weeks, name="week"),
    )
    out["inside"] = (out["observed"] >= out["low"]) & (out["observed"] <= out["high"])
    return out


def campaign_where(date: object) -> str:
    """The countries the dataset holds at ``date``, in words ("Iraq"; "Iraq, Syria and Jordan"
    in the 2023-24 campaign)."""
    from analysis.data.campaigns import countries_of_period

    return cases.current().where(countries_of_period(date, date))


def campaign_subject(date: object) -> str:
    """The case's subject for the countries the dataset holds at ``date`` ("attacks on US
    diplomatic and military sites in Iraq")."""
    from analysis.data.campaigns import countries_of_period

    return subject_in(tuple(countries_of_period(date, date)))
