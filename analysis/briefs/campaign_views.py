"""How an event brief speaks of a campaign whose rows cover more than one country (in the Iraq
case, the 2023-24 campaign: Iraq, Syria and Jordan): its subject line, and the published
tallies beside its rows (the coverage sentences and the tally table).

Each comparable tally (:func:`analysis.data.coverage.comparable`) is set beside the dataset's
confirmed rows and all rows for its dates and countries, with the per-country split: where most
rows of a country are unconfirmed claims (Syria, in the Iraq case), the pages say so. Scope
labels, the subject and the official tally's name come from the case file (:mod:`analysis.case`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import case as cases
from analysis.briefs.html import Html, esc, link, note_html, paragraphs, reader_table
from analysis.briefs.wording import fmt_date, fmt_span, words
from analysis.data.coverage import by_country as coverage_by_country

__all__ = [
    "COMPARED_HEADER",
    "scope_words",
    "campaign_tallies_html",
    "campaign_tallies_table",
    "campaign_tally_caveats",
    "countries_in_words",
    "subject_html",
]


def scope_words() -> dict[str, str]:
    """What each tally ``scope`` of the case counts, in words (the case's labels)."""
    return cases.current().labels("scope")


def _scope_order() -> dict[str, int]:
    """The scope a coverage sentence prefers among tallies of the same end date: the widest
    first (most countries), then the one listed later in the case file."""
    scopes = list(cases.current().tally_scopes.values())
    ranked = sorted(range(len(scopes)), key=lambda i: (-len(scopes[i].countries), -i))
    return {scopes[i].code: rank for rank, i in enumerate(ranked)}


def official_name() -> str | None:
    """Whose count is the reference (the case's ``official_tally``, e.g. "the Pentagon")."""
    return cases.current().official_tally


def mostly_claimed(
    incidents: pd.DataFrame, start: object, end: object, countries: Sequence[str]
) -> list[str]:
    """The countries of ``countries`` most of whose rows dated ``start`` to ``end`` (every
    confirmation level) are not confirmed: claims the official tally confirmed only in its
    totals (Syria's in the Iraq case's 2023-24 campaign)."""
    if "country" not in incidents or "confirmation" not in incidents:
        return []
    rows = incidents[incidents["date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    out = []
    for c in countries:
        here = rows[rows["country"].astype(str) == c]
        confirmed = int((here["confirmation"].astype(str) == "confirmed").sum())
        if len(here) and confirmed < len(here) / 2:
            out.append(c)
    return out


def _either(scopes: list[str]) -> str:
    """The countries the tallies of ``scopes`` count, in words: "Iraq, Syria, or both"."""
    case = cases.current()
    counted = {c for s in scopes if s in case.tally_scopes for c in case.tally_scopes[s].countries}
    named = [c for c in case.countries if c in counted]
    if len(named) < 2:
        return named[0] if named else "as its scope says"
    return f"{', '.join(named)}, or {'both' if len(named) == 2 else 'several of them'}"


def _claims_sentence(countries: list[str], tail: str) -> str:
    """ "Most rows in Syria rest on the attackers' own claim, which the Pentagon confirmed only in
    its totals,
    <tail>"; "" when no country's rows are mostly claims."""
    if not countries:
        return ""
    whose = official_name() or "the published tallies"
    return (
        f"Most rows in {countries_in_words(tuple(countries))} rest on the attackers' own claim, "
        f"which {whose} confirmed only in its totals{tail}"
    )


def countries_in_words(countries: tuple[str, ...]) -> str:
    """Countries in words: "Iraq, Syria and Jordan"."""
    return cases.current().where(countries)


def subject_html(countries: tuple[str, ...], campaign: object | None) -> Html:
    """The subject line under a brief's title: the countries every count on it includes."""
    label = getattr(campaign, "label", "campaign")
    return paragraphs(
        [
            f"Subject: {subject_in(countries)}, the countries of the {label}. Every count on "
            "this page includes all of them unless it names one; the maps show each."
        ],
        "subject",
    )


def subject_in(countries: tuple[str, ...] | None = None) -> str:
    """The case's subject for ``countries``: "attacks on US diplomatic and military sites in
    Iraq" (the subject's own list of the case's countries replaced by theirs)."""
    return cases.current().subject_in(countries)


def _tallies(n: int, kind: str) -> str:
    """E.g. "1 comparable tally", "3 comparable tallies"."""
    return f"{n} {kind} {'tally' if n == 1 else 'tallies'}"


def campaign_tally_caveats(
    t: pd.DataFrame,
    countries: tuple[str, ...],
    event_date: pd.Timestamp,
    claims: Sequence[str] = (),
) -> list[str]:
    """The coverage sentences of an event brief whose campaign's rows cover more than one
    country: the official tally (the case's, e.g. the Pentagon's) ending nearest
    ``event_date`` that the dataset can be compared with (the
    widest scope on its date), with the confirmed rows and all rows for its dates and countries
    and the per-country split, then the spread over every comparable tally of ``t`` (rows of
    :func:`analysis.briefs.lookups.tallies_overlapping`). ``claims``: the countries whose rows
    are mostly unconfirmed claims (:func:`mostly_claimed`), named as the reason the confirmed
    count runs below the tallies."""
    where = countries_in_words(countries)
    ok = t[t["comparable"].astype(bool) & t["share_confirmed"].notna()]
    out = []
    if len(ok):
        pentagon = ok[ok["pentagon"].astype(bool)]
        pick = (pentagon if len(pentagon) else ok).assign(
            _order=lambda d: d["scope"].map(_scope_order()).fillna(9),
            _gap=lambda d: (d["period_end"] - event_date).abs(),
        )
        latest = pick.sort_values(["_gap", "_order", "period_start"], kind="stable").iloc[0]
        official = official_name()
        whose = f"{official}'s tally" if len(pentagon) and official else "the comparable tally"
        shares = ok["share_confirmed"]
        spread = (
            f"{100 * shares.min():.0f}% to {100 * shares.max():.0f}%"
            if len(ok) > 1
            else f"{100 * shares.iloc[0]:.0f}%"
        )
        out.append(
            f"Coverage: against {whose} for {fmt_span(latest.period_start, latest.period_end)} "
            f"({words('count_kind', latest.count_kind)}{latest.reported} attacks in "
            f"{scope_words().get(latest.scope, latest.scope)}), the dataset holds "
            f"{latest.dataset_confirmed} confirmed attacks for the same dates and countries "
            f"({_share(latest.dataset_confirmed, latest.reported)}) and {latest.dataset_all} "
            f"counting claimed and disputed rows too "
            f"({_share(latest.dataset_all, latest.reported)}); by country, confirmed (all): "
            f"{coverage_by_country(latest)}. Over the {_tallies(len(ok), 'comparable')} "
            f"overlapping the windows the dataset's confirmed count is {spread} of the "
            "published figure. "
            + _claims_sentence(
                list(claims),
                ", so the confirmed count runs below the tallies and the count of all rows "
                "nearer them ",
            )
            + "(definitions differ: see the table below)."
        )
    else:
        out.append(
            "No published tally for these dates counts only countries the dataset covers, so "
            "its coverage cannot be checked here."
        )
    others = int((~t["comparable"].astype(bool)).sum())
    if others:
        out.append(
            f"{_tallies(others, 'other published')} for these dates count the wider region "
            "or a single base; they are listed for reference, not set beside the dataset's "
            f"counts (the dataset holds attacks in {where} for this campaign)."
        )
    return out


#: the compared tallies' columns: the dataset's counts and share give confirmed rows, all rows in
#: brackets; the period and the numbers are columns 2-5 (the stylesheet keeps those of a tally
#: table right-aligned on one line), and a tally's own words share the last column with its
#: source, so the table fits a page
COMPARED_HEADER = [
    "counts",
    "period",
    "published",
    "dataset: confirmed (all)",
    "share: confirmed (all)",
    "by country: confirmed (all)",
    "what was counted, source",
]


def _share(held: int, reported: int) -> str:
    """``held`` as a whole percentage of ``reported`` ("77%"), "" when nothing was published."""
    return f"{100 * held / reported:.0f}%" if reported > 0 else ""


def _counted_and_source(r: object) -> Html:
    """A tally's own description with its source linked on a small line below it (class
    ``escalation-counted``: the stylesheet keeps the column readable on a narrow screen)."""
    what, title = str(r.what_counted), str(r.source_title)  # type: ignore[attr-defined]
    source = link(title, r.source_url)  # type: ignore[attr-defined]
    return Html(
        f'<div class="escalation-counted">{esc(what)}<br><small>Source: {source}</small></div>',
        f"{what} (source: {title})",
    )


def _period(r: object) -> Html:
    """A tally's period on two lines ("1 Oct 2023 to" / "18 Jan 2024"), so the table keeps room
    for what was counted."""
    start, end = fmt_date(r.period_start), fmt_date(r.period_end)  # type: ignore[attr-defined]
    return Html(f"{esc(start)} to <br>{esc(end)}", f"{start} to {end}")


def _compared_rows(ok: pd.DataFrame) -> list[list[object]]:
    """The cells of :data:`COMPARED_HEADER` for each comparable tally of ``ok``."""
    rows: list[list[object]] = []
    for r in ok.itertuples(index=False):
        shares = ""
        if not pd.isna(r.share_confirmed):
            shares = (
                f"{_share(r.dataset_confirmed, r.reported)} ({_share(r.dataset_all, r.reported)})"
            )
        rows.append(
            [
                str(scope_words().get(r.scope, str(r.scope))),
                _period(r),
                f"{words('count_kind', r.count_kind)}{r.reported:,}",
                f"{r.dataset_confirmed:,} ({r.dataset_all:,})",
                shares,
                str(coverage_by_country(r)),
                _counted_and_source(r),
            ]
        )
    return rows


def campaign_tallies_table(iraq: pd.DataFrame) -> Html:
    """The comparable tallies (rows of :func:`analysis.briefs.lookups.tallies_overlapping`) as a
    table (:data:`COMPARED_HEADER`): the countries counted, period, published, the dataset's
    confirmed (all) rows and their shares of the published figure, the per-country split, what
    was counted and the source."""
    return reader_table(
        COMPARED_HEADER,
        _compared_rows(iraq),
        "tallies",
        numeric=[2, 3, 4],
        nowrap=[1],
        text=iraq.drop(columns=["source_url"]).to_string(),
    )


def campaign_tallies_html(
    ok: pd.DataFrame, other: pd.DataFrame, claims: Sequence[str] = ()
) -> Html:
    """The published tallies of a period in a campaign whose rows cover several countries
    (rows of :func:`analysis.data.coverage.compare_with_reported`): each tally whose countries
    the dataset holds (``ok``), with its scope, the dataset's confirmed and all rows for its
    dates and countries, the shares and the per-country split; then the others, for reference.
    ``claims``: the countries whose rows are mostly unconfirmed claims (:func:`mostly_claimed`)."""
    counted = [s for s in dict.fromkeys(ok["scope"].astype(str)) if s in scope_words()]
    claims = _claims_sentence(
        list(claims),
        ", so compare both counts with the tallies: confirmed rows, and all rows (claimed and "
        "disputed too) in brackets.",
    )
    out = note_html(
        "Each tally is set beside the dataset's rows for the same dates and the countries it "
        f"counts ({_either(counted)}). "
        + (
            claims
            or "Confirmed rows are given, and all rows (claimed and disputed too) in brackets."
        )
    )
    if len(ok):
        out = out + campaign_tallies_table(ok)
    else:
        out = out + note_html("No comparable tally covers a period inside this one.")
    if len(other):
        rows = [
            [
                str(fmt_span(r.period_start, r.period_end)),
                str(scope_words().get(r.scope, str(r.scope))),
                f"{words('count_kind', r.count_kind)}{r.reported:,}",
                _counted_and_source(r),
            ]
            for r in other.itertuples(index=False)
        ]
        out = out + note_html(
            "For reference only: tallies of the wider region or of one base, so no dataset "
            "count is set beside them."
        )
        header = ["period", "counts", "published", "what was counted, source"]
        out = out + reader_table(
            header,
            rows,
            "tallies-reference",
            numeric=[2],
            nowrap=[0],
            text=other.drop(columns=["source_url"]).to_string(),
        )
    return out
