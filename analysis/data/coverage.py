"""How complete is the curated dataset? Rows per month, and agreement with published tallies.

The curated table is a sample of public reporting, not a census. These functions say where it is
thin: :func:`monthly_coverage` counts rows per month by confirmation level, and
:func:`compare_with_reported` sets the dataset's own counts beside the tallies officials and
media published for the same periods. Which tallies count which countries, and which scope is
compared like for like, come from the case file (``tally_scopes``, ``comparable_scope``;
:mod:`analysis.case`), read at each call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import case as case_file
from analysis.data.campaigns import countries_of_period
from analysis.data.vocabulary import CONFIRMATIONS
from analysis.errors import DataError


def monthly_coverage(incidents: pd.DataFrame) -> pd.DataFrame:
    """Rows per calendar month (index: month start), one column per confirmation level + total.

    Months between the first and last incident with no rows appear with zeros, so gaps show.
    """
    month = incidents["date"].dt.to_period("M").dt.to_timestamp()
    table = (
        pd.crosstab(month, incidents["confirmation"].astype(str))
        .reindex(columns=list(CONFIRMATIONS), fill_value=0)
        .astype("int64")
    )
    full = pd.date_range(table.index.min(), table.index.max(), freq="MS", name="month")
    table = table.reindex(full, fill_value=0)
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    return table


def comparable_scope(case: case_file.Case | None = None) -> str | None:
    """The tally scope compared like for like with the data (``comparable_scope`` of ``case``,
    default: the case in use; None when the case names none)."""
    return (case or case_file.current()).comparable_scope


def comparable(scope: str, start: object, end: object) -> bool:
    """Whether a tally of ``scope`` for ``start`` to ``end`` can be set beside the dataset's
    counts (the case's ``tally_scopes``, :meth:`analysis.case.Case.scope_countries`) is one
    the dataset holds for those dates (:func:`analysis.data.campaigns.countries_of_period`).
    Regional and single-base tallies never are."""
    case = case_file.current()
    return _holds(case, case.scope_countries().get(scope), start, end)


def _holds(
    case: case_file.Case, counted: tuple[str, ...] | None, start: object, end: object
) -> bool:
    """Whether the dataset of ``case`` holds every one of the ``counted`` countries for those
    dates."""
    return counted is not None and set(counted) <= set(countries_of_period(start, end, case))


def compare_with_reported(incidents: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Each published tally beside the dataset's counts for the same period and countries.

    Returns one row per tally with ``period_start, period_end, scope, count_kind, reported``,
    ``dataset_confirmed`` (confirmed rows dated within the period in the countries the tally
    counts; a month-precision row counts where its stored date, the 1st of its month, falls),
    ``dataset_all`` (every confirmation level), ``comparable`` and ``share_confirmed`` =
    dataset_confirmed / reported, a coverage ratio, then ``what_counted, source_title,
    source_url``, then ``confirmed_<country>`` and ``all_<country>`` for each country
    (``confirmed_iraq``, ``all_syria``, ...: the per-country breakdown of the period's rows).
    A tally is ``comparable`` (:func:`comparable`) when the dataset holds every country it counts
    for its dates: Iraq-only tallies always, Iraq-and-Syria, Syria and Iraq-Syria-Jordan ones in
    the 2023-24 campaign; the others are shown with the dataset's counts for the countries they
    name (all rows for the region or one base) but no ratio (``share_confirmed`` NaN).
    """
    case = case_file.current()
    scope_countries = case.scope_countries()
    # plain arrays, not Series (per-tally pandas comparisons cost most of an event brief's second)
    dates = incidents["date"].to_numpy(dtype="datetime64[ns]")
    confirmed = (incidents["confirmation"] == "confirmed").to_numpy(dtype=bool)
    country = (
        incidents["country"].astype(str).to_numpy(dtype=object)
        if "country" in incidents
        else np.full(len(incidents), case.countries[0], dtype=object)
    )
    # counts of rows dated in [start, end] as differences of running totals over the rows in
    # date order: two binary searches a tally, whatever the number of rows
    order = np.argsort(dates, kind="stable")
    sorted_dates = dates[order]

    def running(mask: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(mask[order], dtype=np.int64)])

    everyone = np.ones(len(dates), dtype=bool)
    totals = {None: (running(confirmed), running(everyone))}  # a scope of no named countries
    for scope, counted in scope_countries.items():
        where = np.isin(country, list(counted))
        totals[scope] = (running(where & confirmed), running(where))
    by_country = {
        c: (running((country == c) & confirmed), running(country == c)) for c in case.countries
    }
    rows = []
    for r in reported.itertuples(index=False):
        start, end = np.datetime64(r.period_start, "ns"), np.datetime64(r.period_end, "ns")
        lo = int(np.searchsorted(sorted_dates, start, side="left"))
        hi = int(np.searchsorted(sorted_dates, end, side="right"))
        conf_run, all_run = totals[r.scope if r.scope in scope_countries else None]
        n_conf = int(conf_run[hi] - conf_run[lo])
        n_all = int(all_run[hi] - all_run[lo])
        ok = _holds(case, scope_countries.get(r.scope), r.period_start, r.period_end)
        share = n_conf / r.count if ok and r.count > 0 else float("nan")
        row = {
            "period_start": r.period_start,
            "period_end": r.period_end,
            "scope": r.scope,
            "count_kind": r.count_kind,
            "reported": int(r.count),
            "dataset_confirmed": n_conf,
            "dataset_all": n_all,
            "comparable": ok,
            "share_confirmed": share,
            "what_counted": r.what_counted,
            "source_title": r.source_title,
            "source_url": r.source_url,
        }
        for c in case.countries:
            conf_run, all_run = by_country[c]
            row[f"confirmed_{c.lower()}"] = int(conf_run[hi] - conf_run[lo])
            row[f"all_{c.lower()}"] = int(all_run[hi] - all_run[lo])
        rows.append(row)
    return pd.DataFrame(rows)


def by_country(r: object) -> str:
    """A compared tally's per-country breakdown of confirmed rows (all rows in brackets), for
    the countries its scope counts: "Iraq 43 (56), Syria 50 (77)"."""
    case = case_file.current()
    counted = case.scope_countries().get(r.scope, case.countries)  # type: ignore[attr-defined]
    return ", ".join(
        f"{c} {getattr(r, f'confirmed_{c.lower()}')} ({getattr(r, f'all_{c.lower()}')})"
        for c in counted
    )


BLOCK_START = "<!-- coverage:start (generated by `escalation data build`; do not edit) -->"
BLOCK_END = "<!-- coverage:end -->"


def coverage_markdown(incidents: pd.DataFrame, reported: pd.DataFrame) -> str:
    """The generated part of ``data/README.md``: rows per month and the tally comparison."""
    cov = monthly_coverage(incidents)
    lines = [
        "#### Rows per month",
        "",
        "| month | confirmed | claimed | disputed | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for month, r in cov.iterrows():
        lines.append(f"| {month:%Y-%m} | {r.confirmed} | {r.claimed} | {r.disputed} | {r.total} |")
    totals = cov.sum()
    lines.append(
        f"| **all** | **{totals.confirmed}** | **{totals.claimed}** | **{totals.disputed}** "
        f"| **{totals.total}** |"
    )
    cmp = compare_with_reported(incidents, reported)
    kind = {"exact": "", "about": "~", "at_least": "≥", "more_than": ">"}
    lines += [
        "",
        "#### Published tallies beside the dataset",
        "",
        "Tallies whose countries the dataset covers for their dates: Iraq-only tallies "
        "always; in the 2023–24 campaign, whose rows cover Iraq, Syria and Jordan, also the "
        "Syria-only, Iraq-and-Syria (`iraq_syria`) and Iraq-Syria-Jordan ones, each compared "
        "with the rows of the countries it counts. `share` = confirmed rows / reported count; "
        "`by country` gives the confirmed rows (all rows in brackets) per country counted. "
        "Definitions still differ (rockets only or all attacks; bases only or convoys too; the "
        "Pentagon counts two salvos at one base on one day as two attacks, the dataset as one "
        "row), so read it as a rough coverage ratio, not as an error rate.",
        "",
        "| period | scope | reported | dataset (confirmed) | dataset (all) | share "
        "| by country | what was counted |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in cmp[cmp["comparable"]].itertuples(index=False):
        share = "" if pd.isna(r.share_confirmed) else f"{r.share_confirmed:.2f}"
        lines.append(
            f"| {r.period_start:%Y-%m-%d} to {r.period_end:%Y-%m-%d} | {r.scope} "
            f"| {kind[r.count_kind]}{r.reported} | {r.dataset_confirmed} | {r.dataset_all} "
            f"| {share} | {by_country(r)} | {_cell(r.what_counted)} |"
        )
    lines += [
        "",
        "#### Published tallies not comparable with the dataset",
        "",
        "Shown for reference only: these count the wider region (`region`), a single base "
        "(`one_base`), or Syria or Jordan for dates outside the 2023–24 campaign (only its rows "
        "cover Syria and Jordan), so no dataset count is set beside them.",
        "",
        "| period | scope | reported | what was counted |",
        "|---|---|---:|---|",
    ]
    for r in cmp[~cmp["comparable"]].itertuples(index=False):
        lines.append(
            f"| {r.period_start:%Y-%m-%d} to {r.period_end:%Y-%m-%d} | {r.scope} "
            f"| {kind[r.count_kind]}{r.reported} | {_cell(r.what_counted)} |"
        )
    return "\n".join([BLOCK_START, *lines, BLOCK_END])


def _cell(text: str) -> str:
    """Free text made safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def replace_block(text: str, block: str) -> str:
    """``text`` with its generated coverage block replaced by ``block``."""
    start, end = text.find(BLOCK_START), text.find(BLOCK_END)
    if start < 0 or end < start:
        raise DataError("data/README.md has no generated coverage block markers")
    return text[:start] + block + text[end + len(BLOCK_END) :]
