"""The event brief's one answer, and its other measures as named checks beside it.

The figure a brief states as *the* answer is the event's row of the build's findings table
(:mod:`analysis.findings`: the campaign's events fitted together over the campaign), the same on
every page: the headline is the row's sentence. The brief's own measures (before/after windows,
trend model, counterfactual, its local joint fit) are checks, each said in words that stay
possible (no interval beyond what the attacks allow, "too few attacks to say" rather than a
number) and marked as agreeing with the primary figure or not, and why.
:class:`EventFindingsViews` is mixed into :class:`analysis.briefs.event.EventBrief`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import case as cases
from analysis.briefs.html import Html, esc, reader_table
from analysis.briefs.wording import attack_noun, fmt_count, fmt_date, plural
from analysis.data.campaigns import campaigns
from analysis.findings.grades import MIN_ATTACKS, pin
from analysis.findings.words import GRADE_WORDS
from analysis.findings.words import figure_attributes as attributes_of
from analysis.findings.words import ratio as ratio_text
from analysis.paths import FINDINGS_METHOD_PAGE

__all__ = [
    "Check",
    "EventFindingsViews",
    "agreement",
    "excess_phrase",
    "figure_attributes",
    "ratio_phrase",
]

#: a figure with its 95% interval: (estimate, low, high)
Figure = tuple[float, float, float]


def figure_attributes(row: Mapping[str, Any]) -> str:
    """``data-event`` and ``data-estimate`` of an element showing an event's primary figure."""
    return attributes_of(row.get("event_id", ""), row.get("estimate"))


def _finite(*xs: float) -> bool:
    return all(isinstance(x, int | float) and math.isfinite(x) for x in xs)


def ratio_phrase(est: float, low: float, high: float, of: str) -> str:
    """A rate ratio in words that stay possible: "2.4 times <of> (95% interval 0.79 to 8.7)",
    only the informative end of an interval wider than a factor of 100 (or of no attack after:
    estimate NaN, low 0), or "cannot be pinned down"; never "x0" or "infinite"."""
    if math.isnan(est) and low == 0 and _finite(high):
        return f"fewer than {ratio_text(max(high, 0.01))} times {of} (95% upper bound)"
    if math.isnan(est) and _finite(low) and low > 0 and math.isnan(high):
        return f"more than {ratio_text(min(low, 999.0))} times {of} (95% lower bound)"
    if not _finite(est, low, high) or low <= 0:
        return "cannot be pinned down"
    est, low, high, one_sided = pin(est, low, high)
    if one_sided:
        return ratio_phrase(est, low, high, of)
    if low < 0.01 or high > 1000:
        return "cannot be pinned down"
    return f"{ratio_text(est)} times {of} (95% interval {ratio_text(low)} to {ratio_text(high)})"


def _side(x: float) -> str:
    """'7.2 more' / '4.7 fewer' / 'none more'."""
    if abs(x) < 0.05:
        return "none more"
    return f"{fmt_count(abs(x))} {'more' if x > 0 else 'fewer'}"


def excess_phrase(x: float, low: float, high: float) -> str:
    """Attacks beyond those expected, in words: "about 7.2 more attacks than expected (95%
    interval 1 more to 11 more)"; no negative counts."""
    return f"about {_side(x)} attacks than expected (95% interval {_side(low)} to {_side(high)})"


#: a ratio within this factor of 1 (an excess within this many attacks of 0) points no way: it
#: agrees in direction with a rise and with a fall
FLAT_RATIO, FLAT_ATTACKS = 1.1, 0.5
#: a counterfactual whose 95% interval of expected attacks reaches past this many times its
#: central value is too uncertain to check against (its excess interval says little)
MAX_EXPECTED_SPREAD = 3.0


def _direction(x: float, centre: float) -> int:
    """1 a rise, -1 a fall, 0 flat (:data:`FLAT_RATIO`, :data:`FLAT_ATTACKS`)."""
    if centre == 1.0:
        flat = 1 / FLAT_RATIO <= x <= FLAT_RATIO
    else:
        flat = abs(x - centre) <= FLAT_ATTACKS
    return 0 if flat else (1 if x > centre else -1)


def _closed(fig: Figure) -> Figure:
    """A figure with a one-sided interval closed for comparison: no estimate below an upper
    bound is taken as 0 (no attack after), above a lower bound as infinity."""
    est, low, high = fig
    if math.isnan(est):
        est = 0.0 if low == 0 else math.inf
    return est, (low if _finite(low) else -math.inf), (high if _finite(high) else math.inf)


def agreement(primary: Figure | None, check: Figure | None, centre: float = 1.0) -> str:
    """Whether a check agrees with the primary figure: "agrees" when they do not point opposite
    ways (one a rise, the other a fall, beyond ``centre``: 1 for ratios, 0 for excess attacks;
    a figure near it points no way) and their 95% intervals overlap, else "differs: <why>";
    "—" when either has no figure."""
    if primary is None or check is None:
        return "—"
    (pe, pl, ph), (ce, cl, ch) = _closed(primary), _closed(check)
    dp, dc = _direction(pe, centre), _direction(ce, centre)
    overlap = max(pl, cl) <= min(ph, ch)
    opposite = dp * dc < 0
    if not opposite and overlap:
        return "agrees"
    way = {1: "a rise", -1: "a fall"}
    why = []
    if opposite:
        why.append(f"{way[dc]} here, {way[dp]} in the primary figure")
    if not overlap:
        why.append("the two intervals do not overlap")
    return "differs: " + "; ".join(why)


@dataclass(frozen=True)
class Check:
    """One row of the checks table: the method, its figure in words, agreement."""

    method: str
    figure: str
    agrees: str


class EventFindingsViews:
    """The brief's primary figure (its ``finding``: a row of the findings table) and checks."""

    # -- the primary figure -----------------------------------------------------------------
    @property
    def headline(self) -> str:
        """The findings row's sentence (the same on every page); without a row (the explorer,
        a hand-made brief) the window comparison's sentence."""
        if self.finding:
            return str(self.finding["sentence"])
        return self.window_headline

    @property
    def graded(self) -> bool:
        """Whether the primary figure has an estimate (not a marker or an ungraded event)."""
        return bool(self.finding) and str(self.finding.get("grade")) not in (
            "marker",
            "not_graded",
        )

    def _campaign_words(self) -> str:
        key = str(self.finding.get("campaign") or "")
        found = next((c for c in campaigns() if c.key == key), None)
        if found is None:
            return "the events of its campaign fitted together"
        return f"all the {found.label}'s events fitted together over the campaign"

    def primary_lines(self) -> list[str]:
        """What the primary figure is, in one line; how an attack event's own attacks are
        handled; the options the checks use when they differ from the primary analysis's."""
        if not self.finding:
            return []
        lines = [
            f"This is the site's one answer for this event, the same on every page: "
            f"{self._campaign_words()}, each net of the others and of attacks triggering "
            "attacks."
        ]
        category = str(self.event.get("category") or "")
        case = cases.current()
        state = case.state_kind
        if category == case.attack_kind:
            own = int(
                (pd.to_datetime(self.incidents["date"]).dt.normalize() == self.event_date).sum()
            )
            lines.append(
                f"The event is itself an attack: the {plural(own, 'attack')} recorded on "
                f"{fmt_date(self.event_date)} {'is' if own == 1 else 'are'} taken to be the "
                "event and left out of the attacks counted after it (the checks below count "
                f"{'it' if own == 1 else 'them'})."
            )
        elif state is not None and category == state.code:
            many = state.many[:1].upper() + state.many[1:]
            others = case.kind(case.attack_kind).many if case.attack_kind else "the attacks"
            lines.append(
                f"{many} are kept apart from {others}: they are not counted as attacks in the "
                "primary figure."
            )
        if self.confirmation != "confirmed" or self.window_days != 30:
            lines.append(
                "The primary figure counts confirmed attacks over 30 days; the checks below use "
                f"this brief's settings ({attack_noun(self.confirmation)}, "
                f"{self.window_days}-day windows)."
            )
        return lines

    def heading_html(self) -> Html:
        """Title (h2), the headline (class ``headline``, with the event and its estimate as
        data attributes), why a marker is not graded, and what the primary figure is."""
        if not self.finding:
            return self.window_heading_html()
        row = self.finding
        title, text = self.title, self.headline
        parts = [
            f'<h2 class="escalation-title">{esc(title)}</h2>',
            f'<p class="escalation-headline headline"{figure_attributes(row)}>'
            f"<strong>{esc(text)}</strong></p>",
        ]
        plain = [title, text]
        reason = str(row.get("not_graded_reason") or "")
        if not self.graded and reason:
            parts.append(f'<p class="escalation-primary">Why: {esc(reason)}.</p>')
            plain.append(f"Why: {reason}.")
        lines = self.primary_lines()
        links = (
            f' How it is computed and graded: <a href="{FINDINGS_METHOD_PAGE}">the findings '
            'method</a>; every event\'s figure: <a href="findings.csv">findings.csv</a>.'
        )
        parts.append(f'<p class="escalation-primary">{esc(lines[0])}{links}</p>')
        parts += [f'<p class="escalation-primary">{esc(line)}</p>' for line in lines[1:]]
        plain += lines
        return self.with_subject(Html("".join(parts), "\n".join(plain)))

    def primary_figure(self) -> str:
        """The primary figure in words for the checks table: ratio, excess attacks, grade."""
        row = self.finding
        if not self.graded:
            return f"not graded: {row.get('not_graded_reason') or 'no estimate'}"
        est, low, high = (float(row[k]) for k in ("estimate", "low", "high"))
        text = ratio_phrase(est, low, high, "the rate expected without it")
        excess = self._primary_excess()
        if excess is not None:
            text += f"; over {int(row.get('horizon_days') or 30)} days, {excess_phrase(*excess)}"
        grade = str(row["grade"])
        if grade == "inseparable":
            joint = GRADE_WORDS.get(str(row.get("joint_grade")), GRADE_WORDS["cannot_tell"])
            others = [g for g in str(row.get("group") or "").split(";") if g]
            return f"{text}: {joint}; one joint figure with {plural(len(others), 'other event')}"
        return f"{text}: {GRADE_WORDS.get(grade, grade)}"

    def _primary(self) -> Figure | None:
        if not self.graded:
            return None
        return tuple(float(self.finding[k]) for k in ("estimate", "low", "high"))  # type: ignore[return-value]

    def _primary_excess(self) -> Figure | None:
        if not self.graded:
            return None
        fig = tuple(float(self.finding[k]) for k in ("excess", "excess_low", "excess_high"))
        return fig if _finite(*fig) else None  # type: ignore[return-value]

    # -- the checks ---------------------------------------------------------------------------
    def _too_few(self) -> str:
        n = self.window_before + self.window_after
        if n < MIN_ATTACKS:
            return f"too few attacks to say ({n} in the {self.window_days} days either side)"
        return ""

    def _window_check(self) -> Check:
        name = "Before/after windows (same-length windows)"
        b, a = self.window_before, self.window_after
        db, da = self.window_days_before, self.window_days_after
        if self.windows is None or da == 0 or db == 0:
            return Check(name, "the data do not cover both sides of the event", "—")
        counts = f"{plural(a, 'attack')} in the {plural(da, 'day')} from the event, {b} before"
        if self._too_few():
            return Check(name, f"{counts}: {self._too_few()}", "—")
        if b == 0:
            return Check(name, f"{counts}: no ratio (no attack before)", "—")
        fig: Figure = (self.window_rate_ratio, self.window_low, self.window_high)
        if a == 0:
            fig = (math.nan, 0.0, self.window_high)
        said = ratio_phrase(*fig, "the rate before")
        return Check(name, f"{counts}: {said}", agreement(self._primary(), fig))

    def _trend_check(self) -> Check:
        name = "Trend model (step at the event)"
        if not _finite(self.its_level_rr, self.its_level_low, self.its_level_high):
            return Check(name, "could not be estimated: too few attacks around the event", "—")
        if self._too_few():
            return Check(name, self._too_few(), "—")
        fig = (self.its_level_rr, self.its_level_low, self.its_level_high)
        said = ratio_phrase(*fig, "the pre-event trend")
        return Check(name, said, agreement(self._primary(), fig))

    def _counterfactual_check(self) -> Check:
        name = "Counterfactual (expected from the weeks before)"
        if self.counterfactual is None or not _finite(self.expected_after, self.observed_after):
            return Check(name, "could not be computed", "—")
        observed, expected = self.observed_after, max(self.expected_after, 0.0)
        n = self.counterfactual.n_post
        counts = (
            f"{plural(int(observed), 'attack')} in the {plural(n, self.unit)} from "
            f"{fmt_date(self.cf_post_start)} against about {fmt_count(expected)} expected"
        )
        if observed + expected < MIN_ATTACKS:
            return Check(name, f"{counts}: too few attacks to say", "—")
        if self.expected_after_high > MAX_EXPECTED_SPREAD * max(expected, 1.0):
            spread = (
                f"95% interval {fmt_count(max(self.expected_after_low, 0.0))} to "
                f"{fmt_count(self.expected_after_high)}"
            )
            return Check(
                name, f"{counts} ({spread}): the weeks before are too irregular to say", "—"
            )
        # an event cannot have caused attacks that did not happen, nor prevented more than
        # were expected
        top = max(float(self.expected_after_high), expected)
        fig = (
            min(max(self.excess, -top), observed),
            min(max(self.excess_low, -top), observed),
            min(max(self.excess_high, -top), observed),
        )
        said = f"{counts}: {excess_phrase(*fig)}"
        return Check(name, said, agreement(self._primary_excess(), fig, centre=0.0))

    def _local_check(self) -> Check:
        name = "Local joint fit (events within the windows, this brief's period)"
        if self.attribution is None:
            return Check(name, f"not computed: {self.net_missing}", "—")
        if self._too_few():
            return Check(name, self._too_few(), "—")
        if self.net_at_bound:
            return Check(name, "an estimate sits at a limit of the fit: not reliable", "—")
        fig = (self.net_rate_ratio, self.net_low, self.net_high)
        said = ratio_phrase(*fig, "the rate before")
        if len(self.net_group) > 1:
            said += f", jointly with {plural(len(self.net_group) - 1, 'other event')}"
        return Check(name, said, agreement(self._primary(), fig))

    def checks(self) -> list[Check]:
        """The brief's own measures as named checks of the primary figure."""
        return [
            self._window_check(),
            self._trend_check(),
            self._counterfactual_check(),
            self._local_check(),
        ]

    def checks_html(self) -> Html:
        """One small table: the primary figure (with its data attributes), then each check,
        its figure in words and whether it agrees with the primary figure."""
        rows: list[list[Any]] = []
        if self.finding:
            figure = self.primary_figure()
            cell = Html(f"<span{figure_attributes(self.finding)}>{esc(figure)}</span>", figure)
            rows.append(
                [
                    "Primary: the campaign's events fitted together",
                    cell,
                    "the answer this site gives",
                ]
            )
        rows += [[c.method, c.figure, c.agrees] for c in self.checks()]
        header = ["method", "what it found", "agrees with the primary figure?"]
        return reader_table(header, rows, "checks")

    def findings_values(self) -> dict[str, Any]:
        """The primary figure as recorded values (JSON-safe: None where missing)."""
        row = self.finding or {}

        def num(key: str) -> float | None:
            try:
                x = float(row.get(key))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return None
            return x if math.isfinite(x) else None

        return {
            "findings_estimate": num("estimate"),
            "findings_low": num("low"),
            "findings_high": num("high"),
            "findings_excess": num("excess"),
            "findings_excess_low": num("excess_low"),
            "findings_excess_high": num("excess_high"),
            "findings_grade": str(row["grade"]) if row else None,
            "findings_sentence": str(row["sentence"]) if row else None,
            "findings_group": [g for g in str(row.get("group") or "").split(";") if g],
            "checks": {c.method: c.agrees for c in self.checks()} if row else {},
        }
