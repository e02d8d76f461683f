"""Which feeds report each curated incident, and how much of the curated record each feed sees.

Two incidents match when they are on the same or an adjacent day (``days``; a month-precision
date matches any day of its month), in the same governorate (``"unknown"`` matches any), with a
compatible target type (equal, or either unknown to the feed: NA) and a compatible attack type
(equal, either ``"unknown"``/NA, or rocket vs ballistic missile, which ACLED's "shelling/
artillery/missile attack" does not separate). Matching is one-to-one per feed: the closest
candidate pairs are taken first (fewest days apart, then exact rather than merely compatible
types), so one feed event never vouches for two curated incidents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts import OBSERVED_COLOR, annotate_events, describe, legend_below, new_axes
from analysis.errors import ModelInputError
from analysis.params import whole_number
from analysis.results import Results, attr
from analysis.sources.common import normalise_governorate

#: Attack types that count as compatible although they differ.
COMPATIBLE_ATTACKS = frozenset({frozenset({"rocket", "ballistic_missile"})})
_NEEDED = ("incident_id", "date", "governorate", "target_type", "attack_type")
_FEED_COLORS = ("#2166ac", "#1b7837", "#e08214", "#762a83", "#8c510a")


@dataclass(repr=False, eq=False)
class ReconcileResults(Results):
    """Curated incidents marked with the feeds that report them, and coverage by month and feed.

    ``incidents`` is the curated incidents plus ``<feed>_id`` (the matching feed event's
    ``source_event_id``, NA when the feed has none), ``reported_by`` (the feeds that report the
    incident, ";"-joined, "" for none) and ``n_feeds`` (how many).

    ``matches`` has one row per matched pair: ``incident_id``, ``feed``, ``feed_incident_id``,
    ``source_event_id``, ``day_diff`` (feed date minus curated date, days; NaN when either date is
    month-precision).

    ``coverage`` has one row per month and feed: ``curated`` (curated incidents that month),
    ``matched`` (those the feed reports), ``share`` = matched / curated (NaN for 0),
    ``feed_rows`` (the feed's incidents that month) and ``feed_only`` (feed incidents with no
    curated match: attacks the curated data may miss, or, since feeds also hold attacks on other
    targets, simply out of its scope).
    """

    title = "Cross-source reconciliation"

    incidents: pd.DataFrame = attr(
        "the curated incidents plus <feed>_id per feed, reported_by and n_feeds (how many feeds)"
    )
    matches: pd.DataFrame = attr(
        "one row per matched pair: incident_id, feed, feed_incident_id, source_event_id, "
        "day_diff (days)"
    )
    feeds: dict[str, pd.DataFrame] = attr(
        "feed name -> that feed's rows plus matched_incident_id (NA: no curated incident matches)"
    )
    coverage: pd.DataFrame = attr(
        "one row per month and feed: curated, matched, share, feed_rows, feed_only (incidents)"
    )
    days: int = attr("the day tolerance used: largest difference in days between matching dates")
    events: object = attr("political events annotated by plot() (None: none)", default=None)

    def to_frame(self) -> pd.DataFrame:
        """The coverage table (month, feed, curated, matched, share, feed_rows, feed_only)."""
        return self.coverage.copy()

    def summary(self) -> str:
        """Per feed: curated incidents it reports (share), its own rows, rows matching none."""
        n = len(self.incidents)
        months = self.coverage["month"]
        span = f"{months.min():%Y-%m} to {months.max():%Y-%m}" if len(months) else "no months"
        lines = [
            f"{self.title}: {n} curated incidents, {span}, matched within "
            f"{self.days} day(s), same governorate, compatible target and attack type",
        ]
        for feed, part in self.coverage.groupby("feed", sort=False):
            matched = int(self.incidents[f"{feed}_id"].notna().sum())
            share = matched / n if n else float("nan")
            lines.append(
                f"  {feed}: reports {matched} of {n} curated incidents ({share:.0%}); "
                f"{int(part['feed_rows'].sum())} feed incidents in the period, "
                f"{int(part['feed_only'].sum())} matching no curated incident"
            )
        none = int((self.incidents["n_feeds"] == 0).sum())
        lines.append(f"  reported by no feed: {none} of {n}")
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None, *, events: object = None) -> Axes:
        """Curated incidents per month and, per feed, how many of them the feed reports."""
        ax = new_axes(ax)
        wide = self.coverage.pivot(index="month", columns="feed", values="matched")
        curated = self.coverage.groupby("month")["curated"].first()
        ax.step(
            curated.index,
            curated.to_numpy(),
            where="mid",
            color=OBSERVED_COLOR,
            label="curated incidents",
        )
        for i, feed in enumerate(wide.columns):
            ax.plot(
                wide.index,
                wide[feed].to_numpy(),
                marker="o",
                markersize=3,
                color=_FEED_COLORS[i % len(_FEED_COLORS)],
                label=f"reported by {feed}",
            )
        ax.set_ylabel("incidents per month")
        ax.set_title("Curated incidents reported by each feed")
        annotate_events(ax, events if events is not None else self.events)
        legend_below(ax, ncols=3)
        return describe(
            ax,
            f"Line chart of curated incidents per month, {curated.index[0]:%b %Y} to "
            f"{curated.index[-1]:%b %Y} ({int(curated.sum())} in all), and how many of them "
            f"each feed ({', '.join(map(str, wide.columns))}) reports.",
        )


def _feed_frames(others: tuple[pd.DataFrame, ...]) -> dict[str, pd.DataFrame]:
    feeds: dict[str, pd.DataFrame] = {}
    for frame in others:
        if not isinstance(frame, pd.DataFrame):
            raise ModelInputError(f"feeds must be DataFrames, got {type(frame).__name__}")
        _require(frame, _NEEDED + ("source_dataset",), "a feed")
        for name, part in frame.groupby("source_dataset", sort=False):
            if name in feeds:
                raise ModelInputError(f"feed {name!r} given twice")
            feeds[str(name)] = part.reset_index(drop=True)
    return feeds


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ModelInputError(f"{what} lacks column(s): {', '.join(missing)}")


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    month = (
        frame["date_precision"].astype(str).eq("month").to_numpy()
        if "date_precision" in frame
        else np.zeros(len(frame), dtype=bool)
    )
    date = pd.to_datetime(frame["date"])
    return pd.DataFrame(
        {
            "id": frame["incident_id"].astype(str).to_numpy(),
            "date": date.to_numpy(dtype="datetime64[D]"),
            "month_only": month,
            "month": date.dt.to_period("M").to_numpy(),
            "gov": frame["governorate"].astype(object).map(normalise_governorate).to_numpy(),
            "target": frame["target_type"].astype(object).to_numpy(),
            "attack": frame["attack_type"].astype(object).to_numpy(),
        }
    )


def type_cost(a: object, b: object, unknown: tuple[object, ...] = ()) -> int | None:
    """0 equal, 1 compatible, None incompatible."""
    a_missing = a is None or a is pd.NA or (isinstance(a, float) and a != a) or a in unknown
    b_missing = b is None or b is pd.NA or (isinstance(b, float) and b != b) or b in unknown
    if a_missing or b_missing:
        return 1
    if a == b:
        return 0
    if frozenset({a, b}) in COMPATIBLE_ATTACKS:
        return 1
    return None


def _candidates(cur: pd.DataFrame, feed: pd.DataFrame, days: int) -> list[tuple]:
    order = np.argsort(feed["date"].to_numpy(), kind="stable")
    dates = feed["date"].to_numpy()[order]
    feed_month_rows = np.flatnonzero(feed["month_only"].to_numpy())
    f_month_only, f_month = feed["month_only"].to_numpy(), feed["month"].to_numpy()
    f_gov, f_target, f_attack = (
        feed["gov"].to_numpy(),
        feed["target"].to_numpy(),
        feed["attack"].to_numpy(),
    )
    f_date, f_id = feed["date"].to_numpy(), feed["id"].to_numpy()
    feed_months = f_month[feed_month_rows]
    out = []
    delta = np.timedelta64(days, "D")
    for i, row in enumerate(cur.itertuples(index=False)):
        if row.month_only:
            first = np.datetime64(row.month.start_time.date(), "D")
            last = np.datetime64(row.month.end_time.date(), "D")
            lo, hi = np.searchsorted(dates, first, "left"), np.searchsorted(dates, last, "right")
        else:
            lo = np.searchsorted(dates, row.date - delta, "left")
            hi = np.searchsorted(dates, row.date + delta, "right")
        js = set(order[lo:hi].tolist())
        if feed_month_rows.size:  # (an empty Period comparison is a float array, not bool)
            js |= set(feed_month_rows[feed_months == row.month].tolist())
        for j in sorted(js):
            month_level = bool(row.month_only or f_month_only[j])
            if month_level and f_month[j] != row.month:
                continue
            if row.gov != f_gov[j] and "unknown" not in (row.gov, f_gov[j]):
                continue
            t = type_cost(row.target, f_target[j])
            a = type_cost(row.attack, f_attack[j], unknown=("unknown",))
            if t is None or a is None:
                continue
            diff = np.nan if month_level else int((f_date[j] - row.date) / np.timedelta64(1, "D"))
            gov = int("unknown" in (row.gov, f_gov[j]))
            day_cost = 15 if month_level else abs(diff)
            out.append(((day_cost, a + t + gov, row.id, f_id[j]), i, j, diff))
    return out


def reconcile(
    curated: pd.DataFrame,
    *others: pd.DataFrame,
    days: int = 1,
    start: object = None,
    end: object = None,
    events: object = None,
) -> ReconcileResults:
    """Match curated incidents against feed incidents and tabulate coverage by month and feed.

    ``curated``: incidents as from ``analysis.data.load_incidents()``. ``others``: feed frames
    from ``analysis.sources.acled.load`` / ``ucdp.load`` / ``raw.load_gdelt`` (any frame with the
    incident columns and ``source_dataset``; a frame holding several datasets is split). Filter
    the feeds first (e.g. by target or actor) to compare like with like. ``days``: largest
    difference in days between matching dates (default 1: same or adjacent day). ``start``/
    ``end``: months of the coverage table (default: the curated data's first and last month).
    ``events``: political events for the chart. Returns a :class:`ReconcileResults`.
    """
    if not isinstance(curated, pd.DataFrame):
        raise ModelInputError("curated must be a DataFrame of incidents")
    _require(curated, _NEEDED, "curated")
    days = whole_number("days", days, 0)
    if curated["incident_id"].duplicated().any():
        raise ModelInputError("curated incident_id values must be unique")
    feeds = _feed_frames(others)
    if "curated" in feeds:
        raise ModelInputError("a feed may not be called 'curated'")
    cur = _prepared(curated.reset_index(drop=True))
    incidents = curated.reset_index(drop=True).copy()
    match_rows = []
    marked: dict[str, pd.DataFrame] = {}
    for name, frame in feeds.items():
        feed = _prepared(frame)
        pairs = sorted(_candidates(cur, feed, int(days)), key=lambda p: p[0])
        used_i: set[int] = set()
        used_j: set[int] = set()
        feed_id = pd.Series(pd.NA, index=incidents.index, dtype="str")
        matched_to = pd.Series(pd.NA, index=frame.index, dtype="str")
        source_ids = frame.get("source_event_id", frame["incident_id"]).astype(str)
        for _, i, j, diff in pairs:
            if i in used_i or j in used_j:
                continue
            used_i.add(i)
            used_j.add(j)
            feed_id.iat[i] = source_ids.iat[j]
            matched_to.iat[j] = cur["id"].iat[i]
            match_rows.append(
                {
                    "incident_id": cur["id"].iat[i],
                    "feed": name,
                    "feed_incident_id": feed["id"].iat[j],
                    "source_event_id": source_ids.iat[j],
                    "day_diff": diff,
                }
            )
        incidents[f"{name}_id"] = feed_id
        marked[name] = frame.assign(matched_incident_id=matched_to)
    flags = pd.DataFrame({n: incidents[f"{n}_id"].notna() for n in feeds}, index=incidents.index)
    incidents["reported_by"] = (
        [";".join(n for n in feeds if flags.at[k, n]) for k in incidents.index] if feeds else ""
    )
    incidents["n_feeds"] = flags.sum(axis=1).astype("int64") if feeds else 0
    matches = pd.DataFrame(
        match_rows,
        columns=["incident_id", "feed", "feed_incident_id", "source_event_id", "day_diff"],
    )
    coverage = _coverage(incidents, marked, start, end)
    return ReconcileResults(incidents, matches, marked, coverage, int(days), events)


def _coverage(
    incidents: pd.DataFrame, feeds: Mapping[str, pd.DataFrame], start: object, end: object
) -> pd.DataFrame:
    month = pd.to_datetime(incidents["date"]).dt.to_period("M").dt.to_timestamp()
    first = pd.Timestamp(start).to_period("M").to_timestamp() if start is not None else month.min()
    last = pd.Timestamp(end).to_period("M").to_timestamp() if end is not None else month.max()
    if pd.isna(first) or pd.isna(last) or last < first:
        raise ModelInputError(
            "no months to tabulate: give start and end, or non-empty curated data"
        )
    months = pd.date_range(first, last, freq="MS", name="month")
    curated_n = month.value_counts().reindex(months, fill_value=0)
    rows = []
    for name, frame in feeds.items():
        matched = (
            month[incidents[f"{name}_id"].notna()].value_counts().reindex(months, fill_value=0)
        )
        fmonth = pd.to_datetime(frame["date"]).dt.to_period("M").dt.to_timestamp()
        feed_rows = fmonth.value_counts().reindex(months, fill_value=0)
        feed_only = fmonth[frame["matched_incident_id"].isna()].value_counts()
        feed_only = feed_only.reindex(months, fill_value=0)
        for m in months:
            c, k = int(curated_n[m]), int(matched[m])
            rows.append(
                {
                    "month": m,
                    "feed": name,
                    "curated": c,
                    "matched": k,
                    "share": k / c if c else float("nan"),
                    "feed_rows": int(feed_rows[m]),
                    "feed_only": int(feed_only[m]),
                }
            )
    columns = ["month", "feed", "curated", "matched", "share", "feed_rows", "feed_only"]
    return pd.DataFrame(rows, columns=columns)
