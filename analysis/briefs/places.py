"""Where attacks happened over a span: per area and per target, in total and by week.

:func:`where_attacks` counts the incidents of a span per area (a governorate in the Iraq case:
a tile-grid map of each country, :mod:`analysis.geocharts`, laid out by the case file) and per
target group (bases, convoys, the Green Zone, the airport, ...), and per period of ``freq`` for
the small multiples. :func:`window_places` gives the same totals for an event's before and after
windows (the event brief's "where, before and after"). No attack is lost: the attacks in areas
on no map are named beside it, and a case without tiles draws no map and says so.

Counts are of incidents known to the day (month-only rows cannot be placed in a week or a window
and are left out, as in every weekly series), at the confirmation levels asked for.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes

from analysis import case as cases
from analysis.briefs.wording import DAY, attack_noun, fmt_span, plural
from analysis.charts import describe, new_figure
from analysis.data.geography import (
    UNKNOWN,
    area_column,
    country_grid,
    has_map,
    off_map,
    place_totals,
    target_groups,
    unknown_key,
    unknown_tile,
)
from analysis.geocharts import (
    note_off_map,
    off_map_text,
    plot_country_map,
    plot_governorate_map,
    plot_small_multiples,
    plot_target_tiles,
    plural_area,
    tiles_alt_text,
)
from analysis.params import whole_number
from analysis.results import Results, attr
from analysis.series import MonthPrecisionWarning, counts_by, normalise_freq, select

__all__ = [
    "PlacesResults",
    "case_campaign",
    "mapped_countries",
    "no_map_text",
    "plot_country_maps",
    "windows_in_words",
    "place_rows",
    "places_in_words",
    "where_attacks",
    "window_places",
]


def mapped_countries(start: object, end: object | None = None) -> tuple[str, ...]:
    """The countries a page of ``start`` to ``end`` (one day without ``end``) maps: those of
    the case's campaign holding more than half its days; else the case's first country when
    the case has campaigns (the Iraq case's sourcing outside its campaigns covered Iraq only),
    or all its countries when it has none."""
    case = cases.current()
    found = case_campaign(start, end)
    if found is not None:
        return tuple(found.countries)
    return case.countries[:1] if case.campaigns else tuple(case.countries)


def case_campaign(start: object, end: object | None = None) -> cases.Campaign | None:
    """The case's campaign holding more than half the days of ``start`` to ``end`` (one day
    without ``end``), or None (read from the case file in use)."""
    lo = pd.Timestamp(start)
    hi = pd.Timestamp(end) if end is not None else lo
    days = (hi - lo).days + 1
    for c in cases.current().campaigns:
        inside = (min(hi, pd.Timestamp(c.end)) - max(lo, pd.Timestamp(c.start))).days + 1
        if days > 0 and inside > days / 2:
            return c
    return None


def no_map_text(countries: Sequence[str] | None = None) -> str:
    """What a page says where a map would be when the case gives its areas no tiles."""
    case = cases.current()
    return (
        f"No map: the case file ({case.path.name}) gives the {plural_area(case)} of "
        f"{case.where(countries)} no tiles, so attacks are counted by name only."
    )


def place_rows(
    incidents: pd.DataFrame,
    start: object,
    end: object,
    confirmation: str | Sequence[str] = "confirmed",
) -> pd.DataFrame:
    """The incidents a place count rests on: known to the day, dated ``start`` to ``end``
    (inclusive), at the ``confirmation`` levels."""
    rows = select(incidents, confirmation=confirmation)
    rows = rows[rows["date_precision"] == "day"]
    return rows[rows["date"].between(pd.Timestamp(start), pd.Timestamp(end))]


@dataclass(repr=False, eq=False)
class PlacesResults(Results):
    """Where the attacks of a span happened. Built by :func:`where_attacks`."""

    start: pd.Timestamp = attr("first day of the span")
    end: pd.Timestamp = attr("last day of the span")
    freq: str = attr("period of the small multiples (W-MON, MS, D)")
    confirmation: str | list[str] = attr("confirmation levels counted")
    governorates: pd.Series = attr(
        "attacks per area in the span (map order, other areas by name, then 'unknown'), zeros "
        "included; its total is every attack counted"
    )
    targets: pd.Series = attr("attacks per target_type in the span (codebook order)")
    by_governorate: pd.DataFrame = attr(
        "attacks per period of ``freq``, one column per area with any (unknown included)"
    )
    by_target: pd.DataFrame = attr("attacks per period of ``freq``, one column per target_type")
    month_precision_excluded: int = attr("incidents in the span known only to the month, left out")
    countries: tuple[str, ...] = attr(
        "countries mapped: those the dataset holds for the span (the campaign's; empty: the "
        "case's first country)",
        default=(),
    )

    title = "Where attacks happened"

    @property
    def mapped(self) -> tuple[str, ...]:
        """The countries mapped (:attr:`countries`, else the case's first country)."""
        return self.countries or cases.current().countries[:1]

    def to_frame(self) -> pd.DataFrame:
        """One row per area and per target group: ``kind``, ``place``, ``attacks``."""
        gov = self.governorates.rename_axis("place").reset_index().assign(kind="governorate")
        tgt = self.targets.rename(index=target_groups()).rename_axis("place").reset_index()
        tgt = tgt.assign(kind="target")
        return pd.concat([gov, tgt], ignore_index=True)[["kind", "place", "attacks"]]

    def summary(self) -> str:
        """The span's attacks by area and by target, largest first, in one paragraph."""
        total = int(self.governorates.sum())
        noun = attack_noun(self.confirmation, total)
        countries = self.mapped
        word = cases.current().area_word
        what = tiles_alt_text(self.targets, target_groups())
        head = f"{fmt_span(self.start, self.end)}: {total} {noun} known to the day."
        if len(countries) > 1 or not has_map(countries):
            text = f"{head} By {word}: {places_in_words(self.governorates, countries)}."
            text += f" By target: {what}."
            if not has_map(countries):
                text += f" {no_map_text(countries)}"
        else:
            country = countries[0]
            lost = off_map_text(self.governorates, countries)
            gov = self.governorates.drop(unknown_key(country))
            gov = gov.drop(off_map(gov, countries).index)
            gov = gov[gov > 0].sort_values(ascending=False, kind="stable")
            where = ", ".join(f"{k} {v}" for k, v in gov.items()) or "none placed"
            unknown = int(self.governorates[unknown_key(country)])
            text = f"{head} By {word}: {where}; place unknown {unknown}. By target: {what}."
            if lost:
                text += f" Outside {country}, not on its map: {lost}."
        if self.month_precision_excluded:
            text += (
                f" {plural(self.month_precision_excluded, 'incident')} known only to the month "
                "left out."
            )
        return text

    def plot(self, ax: Axes | None = None) -> Axes:
        """The tile-grid map of the span's attacks per area, "place unknown" beside it, and the
        target groups as tiles beside the map (one map per country of the span). A case without
        tiles draws the target tiles only, with a line saying there is no map."""
        countries = self.mapped
        noun = attack_noun(self.confirmation)
        if not has_map(countries):
            ax = plot_target_tiles(self.targets, ax, title="By target")
            ax.set_title(f"{no_map_text(countries)}", fontsize=7, loc="left", wrap=True)
            return describe(
                ax,
                f"Tiles by target, shaded by {noun} {fmt_span(self.start, self.end)}: "
                f"{tiles_alt_text(self.targets, target_groups())}. {no_map_text(countries)} "
                f"By {cases.current().area_word}: "
                f"{places_in_words(self.governorates, countries)}.",
            )
        if len(countries) > 1:
            return plot_country_maps(
                [("", self.governorates, self.targets)],
                countries,
                f"{noun.capitalize()}, {fmt_span(self.start, self.end)}",
                noun,
            )
        word = cases.current().area_word
        title = f"By {word}"
        if ax is not None:
            ax = plot_governorate_map(self.governorates, ax, title=title, country=countries[0])
            note_off_map(ax, self.governorates, countries)
            return ax
        fig, (left, right) = new_figure(
            1, 2, figsize=(9.0, 5.6), gridspec_kw={"width_ratios": [4.6, 3]}
        )
        plot_governorate_map(
            self.governorates, left, title=title, describe_it=False, country=countries[0]
        )
        note_off_map(left, self.governorates, countries)
        plot_target_tiles(self.targets, right, title="By target")
        right.set_anchor("N")
        grid = list(country_grid(countries[0]))
        describe(
            left,
            f"Tile map of {countries[0]}'s {plural_area()}, one square each in its approximate "
            f"position, shaded by {noun} {fmt_span(self.start, self.end)}: "
            f"{tiles_alt_text(self.governorates.reindex(grid, fill_value=0))}; place "
            f"unknown {int(self.governorates[unknown_key(countries[0])])}. Beside it, tiles by "
            f"target: {tiles_alt_text(self.targets, target_groups())}.",
        )
        return left

    def plot_weekly(self, by: str = "governorate") -> Axes:
        """Small multiples: attacks per period in each area (``by="governorate"``) or each
        target group (``by="target"``) with any attack in the span, on one scale."""
        frame = self.by_governorate if by == "governorate" else self.by_target
        names = {} if by == "governorate" else target_groups()
        unit = {"W-MON": "per week", "MS": "per month", "D": "per day"}[self.freq]
        what = cases.current().area_word if by == "governorate" else "target"
        return plot_small_multiples(
            frame,
            names={**names, UNKNOWN: "place unknown"},
            title=f"{attack_noun(self.confirmation).capitalize()} {unit}, by {what}",
            unit=unit,
        )


def where_attacks(
    incidents: pd.DataFrame,
    start: object,
    end: object,
    *,
    freq: str = "W-MON",
    confirmation: str | Sequence[str] = "confirmed",
) -> PlacesResults:
    """Where the attacks of ``start`` to ``end`` (inclusive) happened: totals per area
    and per target group, and counts per period of ``freq`` for each (incidents known to the
    day, at the ``confirmation`` levels)."""
    freq = normalise_freq(freq)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    rows = place_rows(incidents, lo, hi, confirmation)
    countries = mapped_countries(lo, hi)
    month_rows = select(incidents, confirmation=confirmation)
    month_rows = month_rows[month_rows["date_precision"] == "month"]
    month_rows = month_rows[month_rows["date"].between(lo.replace(day=1), hi)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonthPrecisionWarning)  # counted below, said in summary
        by_gov = counts_by(
            incidents, area_column(incidents), freq, lo, hi, confirmation=confirmation
        )
        by_tgt = counts_by(incidents, "target_type", freq, lo, hi, confirmation=confirmation)
    return PlacesResults(
        start=lo,
        end=hi,
        freq=freq,
        confirmation=confirmation if isinstance(confirmation, str) else list(confirmation),
        governorates=place_totals(rows, "governorate", countries),
        targets=place_totals(rows, "target"),
        by_governorate=by_gov,
        by_target=by_tgt,
        month_precision_excluded=len(month_rows),
        countries=countries,
    )


def window_places(
    incidents: pd.DataFrame,
    event_date: object,
    days: int = 30,
    confirmation: str | Sequence[str] = "confirmed",
) -> dict[str, pd.Series]:
    """Attacks per area and per target in the ``days`` days before the event and the
    ``days`` days from the event day on (the windows of :mod:`analysis.models.windows`): keys
    ``governorates_before``, ``governorates_after``, ``targets_before``, ``targets_after``."""
    days = whole_number("days", days, 1, "days")
    date = pd.Timestamp(event_date).normalize()
    span = pd.Timedelta(days=int(days))
    before = place_rows(incidents, date - span, date - DAY, confirmation)
    after = place_rows(incidents, date, date + span - DAY, confirmation)
    countries = mapped_countries(date)
    return {
        "governorates_before": place_totals(before, "governorate", countries),
        "governorates_after": place_totals(after, "governorate", countries),
        "targets_before": place_totals(before, "target"),
        "targets_after": place_totals(after, "target"),
    }


def places_in_words(totals: pd.Series, countries: Sequence[str]) -> str:
    """Attacks per area in words, country by country, largest first, with the attacks of
    unknown place and those off the maps of ``countries`` named: "Iraq: Anbar 3, Erbil 2;
    Syria: Deir ez-Zor 5, place unknown 1; Jordan: none". Without maps, every area by name."""
    if not has_map(countries):
        return tiles_alt_text(totals)
    parts = []
    for country in countries:
        grid = country_grid(country)
        shown = tiles_alt_text(totals.reindex(list(grid), fill_value=0))
        unknown = int(totals.get(unknown_key(country), 0))
        if unknown:
            shown = (
                f"{shown}, place unknown {unknown}"
                if shown != "none"
                else (f"place unknown {unknown}")
            )
        parts.append(f"{country}: {shown}")
    lost = off_map_text(totals, list(countries))
    if lost:
        parts.append(f"off these maps: {lost}")
    return "; ".join(parts)


def plot_country_maps(
    sides: Sequence[tuple[str, pd.Series, pd.Series]],
    countries: Sequence[str],
    title: str,
    noun: str,
) -> Axes:
    """Tile-grid maps of each country's areas side by side, one row per entry of ``sides``
    ((label, attacks per area, attacks per target)), on one colour scale, with the target tiles
    at the end of each row and, under the maps, any attacks that fall on none of them, by name
    (never dropped). Countries without tiles get no map (named under the maps). Returns the
    first map's axes, described in words."""
    mapped = [c for c in countries if country_grid(c)]
    widths = [_map_width(c) for c in mapped] + [3.2]
    n = len(sides)
    fig, axes = new_figure(
        n,
        len(widths),
        figsize=(11.0, 0.6 + 4.1 * n),
        gridspec_kw={"width_ratios": widths, "wspace": 0.08, "hspace": 0.25},
        squeeze=False,
    )
    on_maps = [g for c in mapped for g in country_grid(c)]
    top = max([1.0] + [float(gov.reindex(on_maps, fill_value=0).max()) for _, gov, _ in sides])
    low = max([1.0] + [float(tgt.max()) for _, _, tgt in sides])
    groups = target_groups()
    words = []
    for row, (label, gov, tgt) in enumerate(sides):
        for col, country in enumerate(mapped):
            here = [*country_grid(country), unknown_key(country)]
            n = int(gov.reindex(here, fill_value=0).sum())
            ax = plot_country_map(gov, country, axes[row, col], title=f"{country} ({n})", vmax=top)
            ax.set_anchor("N")
        plot_target_tiles(tgt, axes[row, -1], title="by target", vmax=low)
        axes[row, -1].set_anchor("N")
        if label:
            axes[row, 0].annotate(
                label,
                (0.0, 1.09),
                xycoords="axes fraction",
                fontsize=10,
                fontweight="bold",
                va="bottom",
            )
        note_off_map(axes[row, 0], gov, mapped)
        where = places_in_words(gov, countries)
        what = tiles_alt_text(tgt, groups)
        words.append(f"{label + ': ' if label else ''}{where}; by target {what}")
    fig.suptitle(title, fontsize=10)
    return describe(
        axes[0, 0],
        f"Tile maps of the {plural_area()} of {cases.current().where(mapped)}, one square each "
        f"in its approximate position, side by side and shaded on one scale by {noun}, with "
        f"target tiles beside them. " + ". ".join(words) + ".",
    )


def _map_width(country: str) -> float:
    """The width ratio of ``country``'s map among maps side by side: its columns (the unknown
    tile's included), as the shipped Iraq (4.2), Syria (5.2) and Jordan (3.2) maps are drawn."""
    cells = [*country_grid(country).values(), unknown_tile(country)]
    return 1.0 * (max(c for _, c in cells) + 1) + 0.2


def windows_in_words(
    sides: Sequence[tuple[str, pd.Series, pd.Series]], countries: Sequence[str]
) -> str:
    """Where the attacks of each window happened, in words, country by country and by target:
    ``sides`` = (when, attacks per area, attacks per target) for each window."""
    word, groups = cases.current().area_word, target_groups()
    return " ".join(
        f"In the {when}: by {word} {places_in_words(gov, countries)}; by target "
        f"{tiles_alt_text(tgt, groups)}."
        for when, gov, tgt in sides
    )
