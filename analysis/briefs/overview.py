"""The data-overview page's reader views (``notebooks/01``): incidents by category and
confirmation level, the political timeline, thin months, the period read and published tallies
beside the dataset's counts.

Each returns an :class:`~analysis.briefs.html.Html` table or note (escaped, with a text twin),
written the way the event brief is (:mod:`analysis.briefs.wording`).
"""

from __future__ import annotations

import pandas as pd

from analysis.briefs.campaign_views import (
    campaign_tallies_html,
    countries_in_words,
    mostly_claimed,
    subject_in,
)
from analysis.briefs.html import Cell, Html, link, note_html, reader_table, strong
from analysis.briefs.places import case_campaign, mapped_countries
from analysis.briefs.wording import fmt_date, fmt_span, pct, words
from analysis.data.coverage import compare_with_reported, monthly_coverage
from analysis.data.vocabulary import CONFIRMATIONS

__all__ = [
    "crosstab_html",
    "events_html",
    "period_html",
    "tallies_html",
    "thin_months_html",
]

#: what a column counts, as a table header
_COLUMN_NAMES = {"target_type": "target", "attack_type": "weapon", "confirmation": "confirmation"}


def crosstab_html(incidents: pd.DataFrame, column: str) -> Html:
    """Rows of ``incidents`` by ``column`` (``target_type``, ``attack_type``, ...) and
    confirmation level, category names in words, with totals; categories without rows left out."""
    if incidents.empty:
        return note_html("No incidents in this period.", "empty")
    values = incidents[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        order = [str(c) for c in values.cat.categories]
    else:
        order = sorted(values.dropna().astype(str).unique())
    table = pd.crosstab(values.astype(str), incidents["confirmation"].astype(str))
    table = table.reindex(index=order, columns=list(CONFIRMATIONS), fill_value=0)
    table = table[table.sum(axis=1) > 0]
    rows: list[list[Cell]] = [
        [words(column, name), *(f"{int(n):,}" for n in r), f"{int(r.sum()):,}"]
        for name, r in table.iterrows()
    ]
    totals = table.sum()
    rows.append(
        [strong("all"), *(strong(f"{int(n):,}") for n in totals), strong(f"{totals.sum():,}")]
    )
    header = [_COLUMN_NAMES.get(column, column.replace("_", " ")), *CONFIRMATIONS, "all levels"]
    return reader_table(header, rows, "crosstab", numeric=range(1, len(header)))


def events_html(events: pd.DataFrame) -> Html:
    """The political timeline: date, event, kind of event and any note on the date."""
    if events.empty:
        return note_html("No political events in the timeline fall in this period.", "empty")
    notes = events["date_note"] if "date_note" in events.columns else pd.Series(dtype=object)
    has_notes = bool(notes.fillna("").astype(str).str.strip().ne("").any())
    rows = []
    for _, r in events.iterrows():
        row = [fmt_date(r["date"]), str(r["label"]), words("category", r.get("category"))]
        if has_notes:
            note = r.get("date_note")
            row.append("" if note is None or pd.isna(note) else str(note))
        rows.append(row)
    header = ["date", "event", "kind of event"] + (["note on the date"] if has_notes else [])
    return reader_table(header, rows, "timeline", nowrap=[0])


def thin_months_html(incidents: pd.DataFrame, start: object, end: object) -> Html:
    """Months from ``start`` to ``end`` with at most one row in the dataset (any confirmation
    level), by confirmation level: where a quiet month may be an unreported one."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    months = pd.date_range(lo.to_period("M").to_timestamp(), hi, freq="MS", name="month")
    levels = list(CONFIRMATIONS)
    if incidents.empty:
        cov = pd.DataFrame(0, index=months, columns=[*levels, "total"])
    else:
        cov = monthly_coverage(incidents).reindex(months, fill_value=0)
    thin = cov[cov["total"] <= 1]
    if thin.empty:
        return note_html(
            f"Every month from {months[0]:%b %Y} to {months[-1]:%b %Y} holds at least two rows.",
            "empty",
        )
    rows = [
        [f"{m:%b %Y}", *(f"{int(r[c]):,}" for c in levels), f"{int(r['total']):,}"]
        for m, r in thin.iterrows()
    ]
    header = ["month", *levels, "all levels"]
    return reader_table(header, rows, "thin-months", numeric=range(1, len(header)), nowrap=[0])


def period_html(start: object, end: object) -> Html:
    """The period a page reads, and the campaign that holds it
    (the case's, :func:`analysis.data.campaigns.campaigns`), in one sentence: "Period: 1 Oct 2023 to
    1 Oct 2024 (the 2023–24 campaign)."."""
    found = case_campaign(start, end)
    text = f"Period: {fmt_span(start, end)}"
    text += f" (the {found.label})." if found is not None else "."
    if found is not None and len(found.countries) > 1:  # the pages' subject, 2023-24
        text = text[:-2] + f": {subject_in(tuple(found.countries))})."
    return note_html(text, "period")


def tallies_html(
    incidents: pd.DataFrame, reported: pd.DataFrame, start: object, end: object
) -> Html:
    """Tallies published for periods inside ``start``..``end``: those of the period's country
    (Iraq-only, in the Iraq case's 2019-21 campaign) beside the dataset's counts for the same
    dates (period, published, the dataset's confirmed and all rows, share, what was counted,
    source), then the others (other countries, the region, one base) for reference, without
    dataset counts. A period of several countries: :func:`campaign_tallies_html`."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if reported is None or reported.empty:
        return note_html("No published tally covers this period.", "empty")
    cmp = compare_with_reported(incidents, reported)
    inside = cmp["period_start"].between(lo, hi) & cmp["period_end"].between(lo, hi)
    cmp = cmp[inside]
    if cmp.empty:
        return note_html("No published tally covers a period inside this one.", "empty")
    iraq, other = cmp[cmp["comparable"].astype(bool)], cmp[~cmp["comparable"].astype(bool)]
    out = Html("", "")
    countries = mapped_countries(lo, hi)
    if len(countries) > 1:  # a campaign whose rows cover several countries
        claims = mostly_claimed(incidents, lo, hi, countries)
        return campaign_tallies_html(iraq, other, claims)
    where = countries_in_words(tuple(countries))
    if len(iraq):
        rows = []
        for r in iraq.itertuples(index=False):
            share = "" if pd.isna(r.share_confirmed) else pct(r.share_confirmed)
            rows.append(
                [
                    fmt_span(r.period_start, r.period_end),
                    f"{words('count_kind', r.count_kind)}{r.reported:,}",
                    f"{r.dataset_confirmed:,}",
                    f"{r.dataset_all:,}",
                    share,
                    str(r.what_counted),
                    Html(link(r.source_title, r.source_url), str(r.source_title)),
                ]
            )
        header = [
            "period",
            f"published ({where})",
            "dataset (confirmed)",
            "dataset (all)",
            "share",
        ]
        header += ["what was counted", "source"]
        out = out + reader_table(header, rows, "tallies", numeric=[1, 2, 3, 4])
    else:
        out = out + note_html(f"No {where}-only tally covers a period inside this one.", "empty")
    if len(other):
        rows = [
            [
                fmt_span(r.period_start, r.period_end),
                words("scope", r.scope),
                f"{words('count_kind', r.count_kind)}{r.reported:,}",
                str(r.what_counted),
                Html(link(r.source_title, r.source_url), str(r.source_title)),
            ]
            for r in other.itertuples(index=False)
        ]
        out = out + note_html(
            f"For reference only: tallies that count more than {where}, so no dataset count is "
            "set beside them."
        )
        header = ["period", "counts", "published", "what was counted", "source"]
        out = out + reader_table(header, rows, "tallies-reference", numeric=[2])
    return out
