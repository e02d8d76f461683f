"""What an event brief says and shows: its text, HTML fragments, tables and chart.

:class:`EventBriefViews` holds the views of :class:`analysis.briefs.event.EventBrief`; they only
read the brief's declared fields, so the numbers are computed once, in
:func:`analysis.briefs.event.event_brief`, and every view shows the same ones. Every piece of text
that comes from the data (labels, descriptions, titles, URLs) is escaped before it becomes HTML.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis import case as cases
from analysis.briefs.campaign_views import (
    campaign_tallies_table,
    campaign_tally_caveats,
    countries_in_words,
    official_name,
    scope_words,
    subject_html,
)
from analysis.briefs.event_net import EventNetViews
from analysis.briefs.html import Html, bullets, esc, heading, link, paragraphs, reader_table
from analysis.briefs.lookups import event_card, event_title
from analysis.briefs.places import (
    mapped_countries,
    no_map_text,
    plot_country_maps,
    windows_in_words,
)
from analysis.briefs.wording import (
    DAY,
    attack_noun,
    finite_or_none,
    fmt_count,
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_span,
    iso_period,
    period_length,
    plural,
    ratio_words,
    recorded_phrase,
    words,
)
from analysis.charts import (
    EVENT_COLOR,
    MODEL_COLOR,
    OBSERVED_COLOR,
    annotate_events,
    band,
    chart_text,
    describe,
    legend_below,
    new_axes,
    new_figure,
    short_label,
)
from analysis.data.campaigns import campaign_holding
from analysis.data.geography import has_map, target_groups, unknown_key
from analysis.geocharts import (
    note_off_map,
    plot_governorate_map,
    plot_target_tiles,
    plural_area,
    tiles_alt_text,
)
from analysis.models.inputs import period_unit
from analysis.results import format_p

__all__ = ["MEASURES", "EventBriefViews"]

_NAN = float("nan")

#: effect measures of a brief: key -> (plain name, unit)
MEASURES = {
    "window_rate_ratio": (
        "Attacks after vs before (rate ratio, same-length windows)",
        "ratio of daily rates",
    ),
    "its_level_rr": ("Step change at the event (trend model)", "rate ratio"),
    "its_slope_rr": ("Change of trend after the event (trend model)", "rate ratio per week"),
    "excess": ("Attacks beyond the pre-event expectation (counterfactual)", "attacks"),
    "net_rate_ratio": (
        "Net of the other events in the window and of attacks triggering attacks: rate ratio",
        "ratio of background rates",
    ),
    "net_excess": (
        "Net of the other events in the window and of attacks triggering attacks: attacks over "
        "the window",
        "attacks",
    ),
}


def _tallies(n: int, kind: str) -> str:
    """E.g. "1 Iraq-only tally", "3 Iraq-only tallies"."""
    return f"{n} {kind} {'tally' if n == 1 else 'tallies'}"


class EventBriefViews(EventNetViews):
    """Text, HTML, tables and the chart of an event brief, read from its declared fields."""

    # -- text -------------------------------------------------------------------------------
    @property
    def unit(self) -> str:
        return period_unit(self.freq)

    @property
    def title(self) -> str:  # type: ignore[override]
        """E.g. "Suleimani strike, 3 Jan 2020: attack tempo before and after"."""
        return event_title({"label": self.label, "date": self.event_date}, self.title_suffix)

    @property
    def window_headline(self) -> str:
        """The window comparison in one plain sentence (the headline of a brief without a
        findings row: :attr:`analysis.briefs.event_findings.EventFindingsViews.headline`)."""
        d_after, d_before = self.window_days_after, self.window_days_before
        when = f"{fmt_date(self.event_date)} ({self.label})"
        if self.windows is None or d_after == 0 or d_before == 0:
            return (
                f"The data do not cover both sides of {when}, so attack tempo before and after "
                "cannot be compared."
            )
        counts_text = (
            f"In the {plural(d_after, 'day')} from {when}, "
            f"{recorded_phrase(self.window_after, self.confirmation)}, against "
            f"{self.window_before} in the {plural(d_before, 'day')} before"
        )
        if self.window_before == 0 and self.window_after == 0:
            return f"{counts_text}: no attacks on either side to compare."
        if self.window_before == 0:
            return (
                f"{counts_text}: attacks resumed after a quiet spell ({format_p(self.window_p)})."
            )
        said = ratio_words(self.window_rate_ratio, self.window_low, self.window_high, self.window_p)
        text = f"{counts_text}: {said}."
        if self.net_disagrees:
            text += (
                f" Net of {self._net_others_phrase()} and of attacks triggering attacks, the "
                f"model that fits them together puts the {self._net_subject()} at "
                f"{ratio_words(self.net_rate_ratio, self.net_low, self.net_high, self.net_p)}."
            )
        return text

    def effect_lines(self) -> list[str]:
        """One plain sentence per effect measure (trend model and counterfactual)."""
        lines = []
        u = self.unit
        if np.isfinite(self.its_level_rr):
            lines.append(
                f"Trend model: at the event the {u}ly rate stepped to "
                f"{fmt_number(self.its_level_rr)} times the pre-event trend "
                f"({fmt_interval(self.its_level_low, self.its_level_high)}, "
                f"{format_p(self.its_level_p)})."
            )
        if np.isfinite(self.its_slope_rr):
            lines.append(
                f"Trend model: after the event the trend changed by a factor of "
                f"{fmt_number(self.its_slope_rr, 3)} per {u} "
                f"({fmt_interval(self.its_slope_low, self.its_slope_high, 3)}, "
                f"{format_p(self.its_slope_p)})."
            )
        if self.counterfactual is not None:
            n = self.counterfactual.n_post
            more = "more" if self.excess >= 0 else "fewer"
            lines.append(
                f"Counterfactual: in the {plural(n, u)} from {fmt_date(self.cf_post_start)}, "
                f"{recorded_phrase(self.observed_after, self.confirmation)} against about "
                f"{fmt_count(self.expected_after)} expected from the pre-event pattern "
                f"(95% interval {fmt_count(max(self.expected_after_low, 0.0))} to "
                f"{fmt_count(self.expected_after_high)}): about "
                f"{fmt_count(abs(self.excess))} {more} "
                f"(95% interval {fmt_count(self.excess_low)} to {fmt_count(self.excess_high)})."
            )
        return lines + self.net_lines()

    def summary(self) -> str:
        """Headline, effect sentences and caveats as plain text."""
        parts = [self.title, self.headline, *self.effect_lines(), "Caveats:"]
        parts += [f"- {c}" for c in self.caveats()]
        return "\n".join(parts)

    def methods(self) -> list[str]:
        """The methods note: how each number was computed, with this brief's settings."""
        u = self.unit
        w = self.window_days
        text = [
            "Primary figure (the headline): the findings table, the same on every page: every "
            "event of the campaign fitted at once by a self-exciting point process over the "
            "campaign, its rate ratio over the 30 days after the event against the rate "
            "expected without it, graded with Holm's adjustment for the events tested together "
            "(see the findings method). The measures below are checks on it.",
            f"Counts: {attack_noun(self.confirmation)} in the curated dataset, "
            f"{fmt_span(self.start, self.end)}{self._in_countries()}.",
            f"Before/after: attacks in the {w} days before the event against the {w} days from "
            "the event day on. The rate ratio divides the daily rate after by the daily rate "
            "before; its 95% interval and p-value are exact (a binomial test conditional on the "
            "total).",
            f"Trend model: a segmented (interrupted time series) quasi-Poisson regression of "
            f"{u}ly counts over the whole period, with a level and a trend, and a step and a "
            f"change of trend from the {u} holding the event. Standard errors allow for "
            "over-dispersion and autocorrelation. The step compares the rate just after the event "
            "with the pre-event trend carried forward. Other events in the period are not "
            "modelled.",
        ]
        if self.counterfactual is not None:
            text.append(
                f"Counterfactual: a local-level model fitted to the {self.cf_n_pre} {u}s before "
                f"the {u} holding the event (from {fmt_date(self.counterfactual.pre_start)}), "
                f"simulated forward 1,000 times over {fmt_date(self.cf_post_start)} to "
                f"{fmt_date(self.cf_post_end + period_length(self.unit) - DAY)}; the first "
                f"{u} also holds the days before the event in that {u}. Excess = observed "
                "minus expected; the interval is the spread of the simulated totals."
            )
        if self.attribution is not None:
            a = self.attribution
            text.append(
                f"Net of the other events and of contagion: a self-exciting point process of the "
                f"{plural(a.n_attacks, 'attack')} known to the day in the period, whose background "
                "rate has a log-linear trend and a lasting step at each event fitted together "
                f"({len(self.net_events)} here), and in which each attack can trigger more "
                f"(branching ratio {fmt_number(a.branching_ratio)}, "
                f"{fmt_interval(a.branching_ratio_low, a.branching_ratio_high)}). The rate ratio "
                "is the step at the event, after allowing for the other events' steps and for "
                "follow-on attacks; the excess adds the follow-on attacks the event's own extra "
                "(or missing) attacks set off within the window. Events with no attack between "
                "them, or whose estimates correlate beyond 0.9, are given only a joint figure. "
                "It is a check: the primary figure fits every event of the campaign at once."
            )
        text.append(
            "Intervals are 95% intervals. A p-value above 0.05 means the change could be chance "
            "given the number of attacks; it does not show that nothing changed."
        )
        return text + [f"Note: {n}" for n in self.notes]

    def caveats(self) -> list[str]:
        """Data coverage caveats for this event, in plain words."""
        out = [
            "The dataset is a sample of public reporting, not a census: a change in how much was "
            "reported can look like a change in attacks."
        ]
        if len(self.other_events):
            names = "; ".join(
                f"{r.label} ({fmt_date(r.date)})" for r in self.other_events.itertuples()
            )
            out.append(
                f"Other events fall inside the {self.window_days}-day windows, so a change cannot "
                f"be put down to the {self.label} alone: {names}."
            )
        if self.window_days_after < self.window_days or self.window_days_before < self.window_days:
            out.append(
                f"The data cover only {self.window_days_before} days before and "
                f"{self.window_days_after} days after the event; the windows are cut short."
            )
        if len(self.thin_months):
            months = ", ".join(
                f"{m:%b %Y} ({n})"
                for m, n in zip(self.thin_months["month"], self.thin_months["rows"], strict=True)
            )
            out.append(
                f"Months of the analysed period with at most one counted attack: {months}. A thin "
                "month may be quiet or under-reported (the codebook lists the known gaps)."
            )
        out += self.tally_caveats()
        if self.month_precision_excluded:
            out.append(
                f"{plural(self.month_precision_excluded, 'incident')} in the period known only to "
                f"the month {'is' if self.month_precision_excluded == 1 else 'are'} left out of "
                "the counts."
            )
        return out

    # -- tables -------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The effects: one row per measure (``measure`` plain name, ``estimate``, ``low``,
        ``high`` (95%), ``p``, ``unit``), indexed by key (the glued name of the estimate)."""
        rows = {
            "window_rate_ratio": (
                self.window_rate_ratio,
                self.window_low,
                self.window_high,
                self.window_p,
            ),
            "its_level_rr": (
                self.its_level_rr,
                self.its_level_low,
                self.its_level_high,
                self.its_level_p,
            ),
            "its_slope_rr": (
                self.its_slope_rr,
                self.its_slope_low,
                self.its_slope_high,
                self.its_slope_p,
            ),
            "excess": (self.excess, self.excess_low, self.excess_high, self.excess_p),
            "net_rate_ratio": (self.net_rate_ratio, self.net_low, self.net_high, self.net_p),
            "net_excess": (self.net_excess, self.net_excess_low, self.net_excess_high, _NAN),
        }
        frame = pd.DataFrame(
            [
                {
                    "measure": MEASURES[k][0],
                    "estimate": v[0],
                    "low": v[1],
                    "high": v[2],
                    "p": v[3],
                    "unit": MEASURES[k][1].replace("week", self.unit),
                }
                for k, v in rows.items()
            ],
            index=pd.Index(list(rows), name="key"),
        )
        return frame

    def effects_html(self) -> Html:
        """The effects table for readers: measure, what was compared, estimate, 95% interval, p."""
        f = self.to_frame()
        w = self.window_days
        compared = {
            "window_rate_ratio": f"{self.window_after} attacks in {self.window_days_after} days "
            f"after vs {self.window_before} in {self.window_days_before} days before",
            "its_level_rr": f"{self.unit}ly rate just after vs pre-event trend",
            "its_slope_rr": f"trend after vs before, per {self.unit}",
            "excess": (
                f"{fmt_count(self.observed_after)} observed vs "
                f"{fmt_count(self.expected_after)} expected"
                if self.counterfactual is not None
                else f"{w} days after"
            ),
            **self._net_compared(),
        }
        rows = []
        for key, r in f.iterrows():
            digits = 3 if key == "its_slope_rr" else 2
            if key in ("excess", "net_excess"):
                est = fmt_count(r["estimate"])
                ci = f"{fmt_count(r['low'])} to {fmt_count(r['high'])}"
            else:
                est = fmt_number(r["estimate"], digits)
                ci = f"{fmt_number(r['low'], digits)} to {fmt_number(r['high'], digits)}"
            if np.isinf(r["estimate"]) and np.isfinite(r["low"]):  # no attack before the event
                est = "not defined: no attacks before"
                ci = f"{fmt_number(r['low'], digits)} or more"
            if not np.isfinite(r["estimate"]) and not np.isfinite(r["low"]):
                est, ci = "not estimable", ""
            p = format_p(r["p"]).removeprefix("p ").replace("= ", "") if np.isfinite(r["p"]) else ""
            rows.append([r["measure"], compared[key], est, ci, p])
        header = ["measure", "compared", "estimate", "95% interval", "p"]
        text = self.to_frame().to_string()
        return reader_table(header, rows, "effects", text=text)

    def event_html(self) -> Html:
        """The event: date, label, what happened and its source (escaped)."""
        return event_card({**self.event, "date": self.event_date, "label": self.label})

    def _in_countries(self) -> str:
        """ ", in Iraq, Syria and Jordan" for a campaign covering several countries, else ""."""
        return "" if len(self.countries) == 1 else f", in {countries_in_words(self.countries)}"

    def window_heading_html(self) -> Html:
        """The title (h2) and headline of a brief without a findings row, escaped."""
        return self.with_subject(heading(self.title, self.headline))

    def with_subject(self, out: Html) -> Html:
        """``out``, then the subject line in a campaign covering several countries (2023-24)."""
        if len(self.countries) > 1:
            out = out + subject_html(self.countries, campaign_holding(self.event_date))
        return out

    def findings_html(self) -> Html:
        """The effect sentences as paragraphs."""
        return paragraphs(self.effect_lines(), "finding")

    def methods_html(self) -> Html:
        """The methods note as a bulleted list."""
        return bullets(self.methods(), "methods")

    def tally_caveats(self) -> list[str]:
        """The dataset's coverage against the published tallies of the brief's country for the
        same dates (the official tally's, e.g. the Pentagon's, where it published one), in plain
        words. Tallies of other or wider scopes (Iraq and Syria, the region, a single base) are
        never compared with the dataset's counts of that country."""
        t = self.tallies
        if t is None or len(t) == 0:
            return ["No published tally covers the windows, so coverage cannot be checked here."]
        if len(self.countries) > 1:
            claims = self.claims_countries
            return campaign_tally_caveats(t, self.countries, self.event_date, claims)
        where, official = countries_in_words(self.countries), official_name()
        iraq = t[t["comparable"].astype(bool) & t["share_confirmed"].notna()]
        out = []
        if len(iraq):
            shares = iraq["share_confirmed"]
            pentagon = iraq[iraq["pentagon"].astype(bool)]
            pick = pentagon if len(pentagon) else iraq
            latest = pick.sort_values(["period_end", "period_start"], kind="stable").iloc[-1]
            whose = (
                f"{official}'s {where} tally"
                if len(pentagon) and official
                else f"the latest {where}-only tally"
            )
            spread = (
                f"{100 * shares.min():.0f}% to {100 * shares.max():.0f}%"
                if len(iraq) > 1
                else f"{100 * shares.iloc[0]:.0f}%"
            )
            span = fmt_span(latest.period_start, latest.period_end)
            out.append(
                f"Coverage: against {whose} for {span} "
                f"({words('count_kind', latest.count_kind)}{latest.reported} attacks in {where}), "
                f"the dataset holds {latest.dataset_confirmed} confirmed attacks for the same "
                "dates "
                f"({100 * latest.share_confirmed:.0f}%). Over the "
                f"{_tallies(len(iraq), f'{where}-only')} overlapping the "
                f"windows the dataset's confirmed count is {spread} of the published figure "
                "(definitions differ: see the table below)."
            )
        else:
            out.append(
                f"No {where}-only tally covers the windows, so the dataset's coverage cannot be "
                "checked here."
            )
        others = int((~t["comparable"].astype(bool)).sum())
        if others:
            out.append(
                f"{_tallies(others, 'other published')} for these "
                f"dates count {self._other_scopes()}; they are listed for reference, not set "
                f"beside the dataset's counts (the dataset holds attacks in {where} only)."
            )
        return out

    def _other_scopes(self) -> str:
        """What the tallies not comparable with a one-country brief count, in words: the
        other countries together, the wider region or a single base (the case's scopes other
        than those of the brief's country alone)."""
        case = cases.current()
        where = countries_in_words(self.countries)
        wider = [s for s in case.tally_scopes.values() if len(s.countries) > 1]
        parts = []
        if wider:
            pair = min(wider, key=lambda s: len(s.countries))
            parts.append(f"{countries_in_words(pair.countries)} together")
        for s in case.tally_scopes.values():
            if not s.countries:
                label = s.label[0].lower() + s.label[1:]
                parts.append(
                    {"region": "the wider region", "one base": "a single base"}.get(label, label)
                )
        if not parts:
            return f"more than {where}"
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"

    def caveats_html(self) -> Html:
        """Coverage caveats (list), the Iraq-only tallies overlapping the windows beside the
        dataset's counts for the same dates (table), and the other tallies for reference (table,
        without dataset counts)."""
        out = bullets(self.caveats(), "caveats")
        t = self.tallies
        if t is None or len(t) == 0:
            return out
        iraq = t[t["comparable"].astype(bool)]
        other = t[~t["comparable"].astype(bool)]
        if len(iraq) and len(self.countries) > 1:
            out = out + campaign_tallies_table(iraq)
            iraq = iraq.iloc[:0]
        if len(iraq):
            rows = []
            for r in iraq.itertuples(index=False):
                share = "" if pd.isna(r.share_confirmed) else f"{100 * r.share_confirmed:.0f}%"
                rows.append(
                    [
                        fmt_span(r.period_start, r.period_end),
                        f"{words('count_kind', r.count_kind)}{r.reported}",
                        r.dataset_confirmed,
                        r.dataset_all,
                        share,
                        r.what_counted,
                        Html(link(r.source_title, r.source_url), str(r.source_title)),
                    ]
                )
            header = [
                "period",
                f"published ({countries_in_words(self.countries)})",
                "dataset (confirmed)",
                "dataset (all)",
                "share",
                "what was counted",
                "source",
            ]
            text = iraq.drop(columns=["source_url"]).to_string()
            out = out + reader_table(
                header, rows, "tallies", numeric=[1, 2, 3, 4], nowrap=[0], text=text
            )
        if len(other):
            rows = [
                [
                    fmt_span(r.period_start, r.period_end),
                    scope_words().get(r.scope, str(r.scope)),
                    f"{words('count_kind', r.count_kind)}{r.reported}",
                    r.what_counted,
                    Html(link(r.source_title, r.source_url), str(r.source_title)),
                ]
                for r in other.itertuples(index=False)
            ]
            header = ["period", "counts", "published", "what was counted", "source"]
            note = paragraphs(
                [
                    "For reference only: published tallies for these dates that count more than "
                    f"{countries_in_words(self.countries)}, so no dataset count is set beside "
                    "them."
                ],
                "note",
            )
            text = other.drop(columns=["source_url"]).to_string()
            table = reader_table(
                header, rows, "tallies-reference", numeric=[2], nowrap=[0], text=text
            )
            out = out + note + table
        return out

    def incidents_html(self) -> Html:
        """The incidents in the two windows: date, window, place, target (its name, else its kind
        in words), weapon in words, description and the source title linked to its URL (escaped)."""
        t = self.incidents
        if t.empty:
            return paragraphs(["No attacks were recorded in the windows."], "empty")
        rows = [
            [
                f"{r.date:%Y-%m-%d}",
                r.window,
                r.location,
                words("target_type", r.target) if r.target in target_groups() else r.target,
                words("attack_type", r.weapon),
                r.description,
                Html(link(r.source_title, r.source_url), str(r.source_title)),
            ]
            for r in t.itertuples(index=False)
        ]
        header = ["date", "window", "place", "target", "weapon", "what happened", "source"]
        text = t.drop(columns="source_url").to_string()
        return reader_table(header, rows, "incidents", text=text)

    def sources(self) -> pd.DataFrame:
        """Unique sources (``title``, ``url``): the event's first, then the incidents' by date."""
        rows = [(self.event.get("source_title"), self.event.get("source_url"))]
        rows += list(zip(self.incidents["source_title"], self.incidents["source_url"], strict=True))
        seen: set[str] = set()
        out = []
        for title, url in rows:
            key = str(url)
            if key in seen:
                continue
            seen.add(key)
            out.append({"title": title, "url": url})
        return pd.DataFrame(out, columns=["title", "url"])

    def sources_html(self) -> Html:
        """The sources list: titles linked to their (http/https) URLs, escaped."""
        s = self.sources()
        items = "".join(
            f"<li>{link(r.title, r.url)} <small>{esc(r.url)}</small></li>"
            for r in s.itertuples(index=False)
        )
        text = "\n".join(f"- {r.title} <{r.url}>" for r in s.itertuples(index=False))
        return Html(f'<ol class="escalation-sources">{items}</ol>', text)

    def glue_values(self) -> dict[str, Any]:
        """The values the brief records for the report runner and tests (JSON-safe: None for a
        number that could not be estimated)."""
        values: dict[str, Any] = {
            "title": self.title,
            "headline": self.headline,
            **self.findings_values(),
            "focus_event": self.event_id,
            "period": iso_period(self.start, self.end),
            "event_date": f"{self.event_date:%Y-%m-%d}",
            "window_days": self.window_days,
            "window_before": self.window_before,
            "window_after": self.window_after,
            "window_days_before": self.window_days_before,
            "window_days_after": self.window_days_after,
            "n_incidents_window": len(self.incidents),
            "n_sources": len(self.sources()),
        }
        for name in (
            "window_rate_ratio",
            "window_low",
            "window_high",
            "window_p",
            "its_level_rr",
            "its_level_low",
            "its_level_high",
            "its_level_p",
            "its_slope_rr",
            "its_slope_low",
            "its_slope_high",
            "its_slope_p",
            "excess",
            "excess_low",
            "excess_high",
            "excess_p",
            "observed_after",
            "expected_after",
            "expected_after_low",
            "expected_after_high",
            "net_rate_ratio",
            "net_low",
            "net_high",
            "net_p",
            "net_excess",
            "net_excess_low",
            "net_excess_high",
        ):
            values[name] = finite_or_none(getattr(self, name))
        values["net_events"] = list(self.net_events)
        values["net_group"] = list(self.net_group)
        values["net_disagrees"] = bool(self.net_disagrees)
        values["net_missing"] = self.net_missing or None
        values.update(self.places_values())
        return values

    def places_values(self) -> dict[str, dict[str, int]]:
        """Where, before and after, as recorded values: attacks per area and per
        target_type in each window (places with none left out)."""
        return {
            name: {str(k): int(v) for k, v in getattr(self, name).items() if v}
            for name in (
                "governorates_before",
                "governorates_after",
                "targets_before",
                "targets_after",
            )
        }

    # -- chart -------------------------------------------------------------------------------
    def plot(self, ax: Axes | None = None) -> Axes:
        """The brief's main chart: attacks per period (bars), the trend model's fit (line), the
        counterfactual's expected attacks without the event over its post period (dashed, 95%
        band), the before and after windows shaded, the focus event (solid line) and the other
        political events in view (dashed, labelled where there is room)."""
        ax = new_axes(ax)
        y = self.weekly
        step = period_length(self.unit)
        ax.bar(
            y.index,
            y.to_numpy(),
            width=step * 0.85,
            align="edge",
            color=OBSERVED_COLOR,
            alpha=0.45,
            linewidth=0,
            label=f"{attack_noun(self.confirmation)} per {self.unit}",
        )
        top = float(max(y.max(), 1))
        if self.its is not None and np.isfinite(self.its_level_rr):
            f = self.its.fitted
            ax.plot(f.index + step / 2, f["fitted"], color=MODEL_COLOR, lw=1.5, label="trend model")
            top = max(top, float(f["fitted"].max()))
        if self.counterfactual is not None:
            t = self.counterfactual.table
            mid = t.index + step / 2
            band(ax, mid, t["predicted_low"], t["predicted_high"], color="grey")
            ax.plot(
                mid,
                t["predicted"],
                "--",
                marker="o",
                ms=3,
                color="grey",
                lw=1.2,
                label="expected without the event (counterfactual, 95% band)",
            )
        span = pd.Timedelta(days=self.window_days)
        ax.axvspan(
            self.event_date - span,
            self.event_date,
            color="grey",
            alpha=0.12,
            lw=0,
            label=f"{self.window_days} days before",
        )
        ax.axvspan(
            self.event_date,
            self.event_date + span,
            color=EVENT_COLOR,
            alpha=0.08,
            lw=0,
            label=f"{self.window_days} days after",
        )
        ax.set_xlim(y.index[0], y.index[-1] + step)
        ax.set_ylim(0, top * 1.6)
        ax.set_ylabel(f"attacks per {self.unit}")
        ax.set_title(chart_text(self.title), fontsize=10)
        annotate_events(ax, self.events[self.events["event_id"].astype(str) != self.event_id])
        ax.axvline(
            self.event_date, color=EVENT_COLOR, lw=1.8, label=chart_text(short_label(self.label))
        )
        legend_below(ax, ncols=3)
        return describe(ax, self.alt_text())

    # -- where, before and after ---------------------------------------------------------------
    @property
    def countries(self) -> tuple[str, ...]:
        """The countries the brief counts: its campaign's (Iraq, Syria and Jordan in 2023-24),
        else the case's first country."""
        return mapped_countries(self.event_date)

    def _sides(self) -> list[tuple[str, pd.Series, pd.Series]]:
        """The before and after windows: (when, attacks per area, per target)."""
        b, a = self.window_days_before, self.window_days_after
        return [
            (f"{plural(b, 'day')} before", self.governorates_before, self.targets_before),
            (f"{plural(a, 'day')} from the event", self.governorates_after, self.targets_after),
        ]

    def places_text(self) -> str:
        """Where the windows' attacks happened, in words: by area and by target."""
        countries = self.countries
        if len(countries) > 1 or not has_map(countries):
            text = windows_in_words(self._sides(), countries)
            return text if has_map(countries) else f"{text} {no_map_text(countries)}"
        key, word, groups = unknown_key(countries[0]), cases.current().area_word, target_groups()
        parts = []
        for side, gov, tgt in (
            ("before", self.governorates_before, self.targets_before),
            ("after", self.governorates_after, self.targets_after),
        ):
            days = self.window_days_before if side == "before" else self.window_days_after
            where = tiles_alt_text(gov.drop(key))
            what = tiles_alt_text(tgt, groups)
            unknown = int(gov[key])
            place = f"{where}{f', place unknown {unknown}' if unknown else ''}"
            when = "before the event" if side == "before" else "from the event day on"
            parts.append(
                f"In the {plural(days, 'day')} {when}: by {word} {place}; by target {what}."
            )
        return " ".join(parts)

    def plot_places(self, ax: Axes | None = None) -> Axes:
        """Where, before and after: tile-grid maps of the country's areas for the before and
        the after window on one colour scale, with the attacks of unknown place beside each, and
        the target groups (bases, convoys, the Green Zone, ...) as tiles under them. A case
        without tiles draws the target tiles only and says there is no map."""
        countries = self.countries
        noun = attack_noun(self.confirmation)
        if not has_map(countries):
            fig, axes = new_figure(1, 2, figsize=(9.0, 3.0), squeeze=False)
            low = float(max(self.targets_before.max(), self.targets_after.max(), 1))
            for col, (when, gov, tgt) in enumerate(self._sides()):
                title = f"{when}: {int(gov.sum())} {attack_noun(self.confirmation, gov.sum())}"
                plot_target_tiles(tgt, axes[0, col], title=title, vmax=low)
            fig.suptitle(chart_text(no_map_text(countries)), fontsize=8)
            return describe(
                axes[0, 0],
                f"Target tiles shaded by {noun} around the {self.label} "
                f"({fmt_date(self.event_date)}). " + self.places_text(),
            )
        if len(countries) > 1:  # one map per country, before and after
            sides = [
                (f"{when}: {int(gov.sum())} {attack_noun(self.confirmation, gov.sum())}", gov, tgt)
                for when, gov, tgt in self._sides()
            ]
            title = f"{noun.capitalize()} around the {self.label} ({fmt_date(self.event_date)})"
            return plot_country_maps(sides, countries, title, noun)
        country, key = countries[0], unknown_key(countries[0])
        if ax is not None:  # one axes: the after window's map
            return plot_governorate_map(self.governorates_after, ax, title="after", country=country)
        fig, axes = new_figure(
            2, 2, figsize=(9.0, 7.4), gridspec_kw={"height_ratios": [6, 2.2], "hspace": 0.12}
        )
        top = float(max(self.governorates_before.drop(key).max(), 1))
        top = max(top, float(self.governorates_after.drop(key).max()))
        low = float(max(self.targets_before.max(), self.targets_after.max(), 1))
        sides = (
            ("before", self.governorates_before, self.targets_before, self.window_days_before),
            ("after", self.governorates_after, self.targets_after, self.window_days_after),
        )
        for col, (side, gov, tgt, days) in enumerate(sides):
            when = f"{plural(days, 'day')} {side} the event"
            if side == "after":
                when = f"{plural(days, 'day')} from the event day"
            title = f"{when}: {int(gov.sum())} {attack_noun(self.confirmation, gov.sum())}"
            plot_governorate_map(
                gov, axes[0, col], title=title, vmax=top, describe_it=False, country=country
            )
            note_off_map(axes[0, col], gov, countries)
            plot_target_tiles(tgt, axes[1, col], title="by target", vmax=low)
        return describe(
            axes[0, 0],
            f"Two tile maps of {country}'s {plural_area()}, one square each in its approximate "
            f"position, shaded on one scale by {noun} around the "
            f"{self.label} ({fmt_date(self.event_date)}), with target tiles under each. "
            + self.places_text(),
        )

    def alt_text(self) -> str:
        """The chart in words, for readers who cannot see it: what it shows and the window
        counts."""
        noun = attack_noun(self.confirmation)
        text = (
            f"Bar chart of {noun} per {self.unit}, {fmt_span(self.start, self.end)}, around the "
            f"{self.label} ({fmt_date(self.event_date)})"
        )
        if self.windows is not None:
            text += (
                f": {self.window_after} in the {plural(self.window_days_after, 'day')} from the "
                f"event against {self.window_before} in the "
                f"{plural(self.window_days_before, 'day')} before"
            )
        if self.counterfactual is not None:
            text += (
                f"; about {fmt_count(self.expected_after)} expected without it over "
                f"{plural(self.counterfactual.n_post, self.unit)}"
            )
        return text + "."
