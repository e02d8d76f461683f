"""The primary answer for the events an analysis page names, first on the page, with the
page's own method beside it as a named check.

Every analysis page (event windows, interrupted time series, changepoints, counterfactual,
attribution) fits its own model, a different question from the one primary analysis
(:mod:`analysis.findings`: every event of a campaign in one self-exciting model). A page states
the findings row's figure for each event it names (``data-event`` and ``data-estimate`` on the
element, the estimate exactly as in the findings table) and says whether its own method agrees:
the same verdict (a rise, a fall, or neither) counts as agreeing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.briefs.html import Html, esc
from analysis.briefs.wording import estimate_text, fmt_date, fmt_span, plural
from analysis.findings import store
from analysis.findings.words import GRADE_WORDS, MAX_WORDS, figure_attributes, ratio, sentence

__all__ = [
    "MethodFigure",
    "PageFindings",
    "attribution_findings",
    "changepoint_headline_html",
    "changepoint_findings",
    "counterfactual_findings",
    "findings_headline_html",
    "its_findings",
    "page_findings",
    "windows_findings",
    "verdict_of_grade",
    "verdict_of_interval",
]

_RISES = {"clear_rise", "likely_rise"}
_FALLS = {"clear_fall", "likely_fall"}
_CLEAR = {"clear_rise", "clear_fall"}


def verdict_of_grade(row: Mapping[str, object]) -> str:
    """A findings row's verdict: "rise", "fall" or "none" (no change, cannot tell, marker...);
    an inseparable group's verdict is its joint grade's."""
    grade = str(row.get("grade"))
    if grade == "inseparable":
        grade = str(row.get("joint_grade") or "")
    return "rise" if grade in _RISES else "fall" if grade in _FALLS else "none"


def verdict_of_interval(low: float, high: float) -> str:
    """A page method's verdict from its 95% interval of a rate ratio: "rise" when it lies
    above 1, "fall" below 1, "none" otherwise (or when it is missing)."""
    lo = float(low) if low is not None else math.nan
    hi = float(high) if high is not None else math.nan
    if lo > 1:
        return "rise"
    if hi < 1:
        return "fall"
    return "none"


_VERDICT_WORDS = {"rise": "a rise", "fall": "a fall", "none": "no clear change"}


@dataclass(frozen=True)
class MethodFigure:
    """What the page's own method says about one event: its figure in words and its verdict
    ("rise", "fall", "none")."""

    text: str
    verdict: str

    @classmethod
    def ratio(cls, rr: float, low: float, high: float, verdict: str | None = None) -> MethodFigure:
        """A rate ratio with its 95% interval, its verdict from the interval unless given."""
        said = estimate_text(rr, low, high)
        return cls(
            said
            if said[0].isalpha() and not said.startswith(("fewer", "at least"))
            else said + " times",
            verdict if verdict is not None else verdict_of_interval(low, high),
        )


_SHORT_GRADE = {
    "clear_rise": "a clear rise",
    "clear_fall": "a clear fall",
    "likely_rise": "likely a rise",
    "likely_fall": "likely a fall",
    "no_change": "no change that matters",
    "cannot_tell": "too few attacks to tell",
}


def _named(rows: list[pd.Series]) -> str:
    """ " (Gaza truce pause, a fall; ...)": the events and their directions."""
    return (
        " ("
        + "; ".join(
            f"{r['label']}, {'a rise' if verdict_of_grade(r) == 'rise' else 'a fall'}" for r in rows
        )
        + ")"
    )


def _compact(r: pd.Series, labels: Mapping[str, str]) -> str:
    """One finding in a clause: "Pompeo embassy closure threat: rate 0.68 times expected
    (0.2 to 2.3), too few attacks to tell"; a group names the events it cannot be told from."""
    grade = str(r["grade"])
    name = str(r["label"])
    if grade == "marker":
        return f"{name}: not graded (it opens a spell of attacks)"
    if grade == "not_graded":
        return f"{name}: not graded"
    words = _SHORT_GRADE.get(str(r["joint_grade"]) if grade == "inseparable" else grade, "")
    est, low, high = (float(r[k]) for k in ("estimate", "low", "high"))
    if math.isnan(est) and low == 0 and math.isfinite(high):
        figure = f"rate under {ratio(high)} times expected"
    elif all(math.isfinite(x) for x in (est, low, high)) and low >= 0.01 and high <= 1000:
        figure = f"rate {ratio(est)} times expected ({ratio(low)} to {ratio(high)})"
    else:
        figure = "the change cannot be pinned down"
    text = f"{name}: {figure}, {words}"
    if grade == "inseparable":
        others = [labels.get(g, g) for g in str(r["group"]).split(";") if g]
        text += f", inseparable from {' and '.join(others)}"
    return text


@dataclass(frozen=True)
class PageFindings:
    """The findings rows of the events a page names, and the page's own method's figures."""

    rows: pd.DataFrame  # findings rows of the page's events, in date order
    labels: dict[str, str]  # event id -> label, for every event in the findings table
    method: str  # the page's own method, in a few words
    figures: dict[str, MethodFigure]  # event id -> the page's own figure
    differs: str  # one line: how the page's analysis differs from the primary one

    def _entries(self) -> list[pd.Series]:
        """One row per event or per inseparable group (the group's first member on the page)."""
        seen: set[str] = set()
        out = []
        for _, r in self.rows.iterrows():
            eid = str(r["event_id"])
            if eid in seen:
                continue
            members = (
                [g for g in str(r["group"]).split(";") if g] if r["grade"] == "inseparable" else []
            )
            seen.update([eid, *members])
            out.append(r)
        return out

    def headline(self, scope: str = "") -> str:
        """At most 35 words, from the findings: the one event's sentence, or for many events
        how many the primary analysis grades clear, likely, inseparable and too few to tell."""
        entries = self._entries()
        if len(entries) == 1:
            return sentence(entries[0].to_dict(), self.labels)
        compact = "; ".join(_compact(r, self.labels) for r in entries) + "."
        compact = compact[0].upper() + compact[1:]
        if len(compact.split()) <= MAX_WORDS:
            return compact
        grades = [str(r["grade"]) for r in entries]
        clear = [r for r in entries if str(r["grade"]) in _CLEAR]
        likely = [r for r in entries if str(r["grade"]).startswith("likely")]
        groups = sum(g == "inseparable" for g in grades)
        n = len(self.rows)
        tries = []
        for with_scope, with_names in ((True, True), (False, True), (True, False), (False, False)):
            where = f", {scope}" if scope and with_scope else ""
            parts = [
                f"{plural(len(clear), 'clear change')}{_named(clear) if with_names else ''}"
                if clear
                else "no clear change"
            ]
            if likely:
                parts.append(f"{len(likely)} likely{_named(likely) if with_names else ''}")
            if groups:
                parts.append(f"{groups} inseparable group{'s' * (groups != 1)}")
            parts.append("the rest too few attacks to tell")
            tries.append(
                f"{plural(n, 'event')}{where}, each net of the others: " + "; ".join(parts) + "."
            )
        return next((t for t in tries if len(t.split()) <= MAX_WORDS), tries[-1])

    def headline_html(self, scope: str = "") -> Html:
        """The headline as the page's first paragraph (class ``headline``)."""
        text = self.headline(scope)
        return Html(
            f'<p class="headline escalation-headline"><strong>{esc(text)}</strong></p>', text
        )

    def _check(self, r: pd.Series) -> str:
        members = [str(r["event_id"])]
        if r["grade"] == "inseparable":
            members += [g for g in str(r["group"]).split(";") if g]
        fig = next((self.figures[m] for m in members if m in self.figures), None)
        if fig is None:
            return f"This page's method ({self.method}): no figure for it."
        if r["grade"] in ("marker", "not_graded"):
            agree = "not graded by the primary analysis"
        else:
            agree = "agrees" if fig.verdict == verdict_of_grade(r) else "differs"
        return (
            f"This page's method ({self.method}): {fig.text}, "
            f"{_VERDICT_WORDS[fig.verdict]} — {agree}."
        )

    def html(self) -> Html:
        """One item per event (or inseparable group): the findings sentence, with
        ``data-event`` and ``data-estimate``, and the page's own method as a named check; the
        line saying how the page's analysis differs from the primary one first."""
        items, texts = [], [self.differs]
        for r in self._entries():
            said = sentence(r.to_dict(), self.labels)
            check = self._check(r)
            attrs = figure_attributes(r["event_id"], r["estimate"])
            items.append(
                f'<li{attrs}><span class="finding">{esc(said)}</span> '
                f'<br><span class="method-check">{esc(check)}</span></li>'
            )
            texts.append(f"- {said} {check}")
        body = (
            f'<p class="escalation-note">{esc(self.differs)}</p>'
            f'<ul class="escalation-findings">{"".join(items)}</ul>'
        )
        return Html(body, "\n".join(texts))


def page_findings(
    event_ids: Sequence[str],
    *,
    method: str,
    figures: Mapping[str, MethodFigure] | None = None,
    differs: str,
    findings: pd.DataFrame | None = None,
) -> PageFindings:
    """The findings of ``event_ids`` (those the findings table has; date order) for a page
    whose own method is ``method`` (a few words) with ``figures`` per event id; ``differs`` says
    in one line how the page's analysis differs from the primary one."""
    found = store.table() if findings is None else findings
    labels = dict(zip(found["event_id"].astype(str), found["label"].astype(str), strict=True))
    rows = found[found["event_id"].isin([str(e) for e in event_ids])].sort_values(
        ["date", "event_id"]
    )
    return PageFindings(
        rows=rows.reset_index(drop=True),
        labels=labels,
        method=method,
        figures=dict(figures or {}),
        differs=differs,
    )


# --------------------------------------------------------------------------------------------
# each analysis page's own method, as a check beside the primary figures
# --------------------------------------------------------------------------------------------

_PRIMARY = (
    "the primary figures fit all of a campaign's events together in one model with bursts of "
    "attacks and a trend"
)


def windows_findings(res: object, findings: pd.DataFrame | None = None) -> PageFindings:
    """The event-windows page (``windows.compare`` results): each event's 30 days after
    against the 30 days before, one event at a time."""
    t = res.table  # type: ignore[attr-defined]
    days = res.days  # type: ignore[attr-defined]
    figures = {
        str(n): MethodFigure.ratio(r["rate_ratio"], r["low"], r["high"])
        for n, r in t.iterrows()
        if r["before"] > 0 or r["after"] > 0
    }
    return page_findings(
        [str(n) for n in t.index],
        method=f"{days} days after against {days} before, each event alone",
        figures=figures,
        differs=(
            f"This page compares the {days} days after each event with the {days} days before, "
            "one event at a time, so each window also counts the other events' effects and "
            f"bursts of attacks; it is a check on the primary figures below: {_PRIMARY}."
        ),
        findings=findings,
    )


def its_findings(res: object, findings: pd.DataFrame | None = None) -> PageFindings:
    """The interrupted-time-series page (``its.fit`` results): a step and a change of trend
    at the chosen events only."""
    eff = res.effects  # type: ignore[attr-defined]
    unit = res.unit  # type: ignore[attr-defined]
    figures = {
        str(n): MethodFigure.ratio(r["level_rr"], r["level_low"], r["level_high"])
        for n, r in eff.iterrows()
    }
    return page_findings(
        [str(n) for n in eff.index],
        method=f"step against the {unit}ly trend",
        figures=figures,
        differs=(
            f"This page fits a step and a change of trend at {plural(len(eff), 'chosen event')} "
            f"only, on {unit}ly counts, leaving the period's other events out; {_PRIMARY}."
        ),
        findings=findings,
    )


def counterfactual_findings(
    res: object, event_id: str, findings: pd.DataFrame | None = None
) -> PageFindings:
    """The counterfactual page (``counterfactual.fit`` results): attacks after the event
    against the pre-event pattern carried forward."""
    rel = res.relative_effect  # type: ignore[attr-defined]
    low, high = res.relative_effect_low, res.relative_effect_high  # type: ignore[attr-defined]
    figure = MethodFigure(
        f"{estimate_text(1 + rel, 1 + low, 1 + high)} times the attacks expected",
        verdict_of_interval(1 + low, 1 + high),
    )
    return page_findings(
        [event_id],
        method="attacks against the pre-event pattern",
        figures={event_id: figure},
        differs=(
            "This page sets the attacks after the event against a forecast from the months "
            "before it, so everything else that happened in those weeks counts as the event's; "
            f"{_PRIMARY}."
        ),
        findings=findings,
    )


def attribution_findings(page: object, findings: pd.DataFrame | None = None) -> PageFindings:
    """The attribution page (an :class:`~analysis.briefs.attribution.AttributionPage`): its
    own event set fitted together over its own period."""
    eff = page.fit.effects  # type: ignore[attr-defined]
    figures: dict[str, MethodFigure] = {}
    for name, r in eff.iterrows():
        fig = MethodFigure.ratio(r["rate_ratio"], r["rate_ratio_low"], r["rate_ratio_high"])
        for member in str(name).split(" + "):
            figures[member] = fig
    events = page.events  # type: ignore[attr-defined]
    trend = "with" if page.trend else "without"  # type: ignore[attr-defined]
    return page_findings(
        [str(e) for e in events["event_id"]],
        method="this page's events fitted together",
        figures=figures,
        differs=(
            f"This page fits its own set of {plural(len(events), 'event')} over its own period "
            f"({trend} a trend), a sensitivity check: "
            f"{_PRIMARY}, from the campaign's first attack."
        ),
        findings=findings,
    )


def changepoint_findings(cp: object, findings: pd.DataFrame | None = None) -> PageFindings:
    """The changepoints page: the event nearest each changepoint, with the direction of the
    change there (no event is chosen in advance)."""
    near = cp.nearest_events  # type: ignore[attr-defined]
    seg = cp.segments  # type: ignore[attr-defined]
    figures: dict[str, MethodFigure] = {}
    ids: list[str] = []
    if near is not None and len(near):
        for i, (_, r) in enumerate(near.iterrows()):
            eid = r.get("event_id")
            if i + 1 >= len(seg) or not isinstance(eid, str) or not eid:
                continue
            before, after = float(seg["rate"].iloc[i]), float(seg["rate"].iloc[i + 1])
            verdict = "rise" if after > before else "fall"
            ids.append(eid)
            figures[eid] = MethodFigure(f"the rate changed nearby, {verdict}", verdict)
    return page_findings(
        ids,
        method="a changepoint near it",
        figures=figures,
        differs=(
            "This page finds when the rate changed without choosing events; an event near a "
            "change is not shown to have caused it. For the events nearest the changes, "
            f"{_PRIMARY}."
        ),
        findings=findings,
    )


def findings_headline_html(
    event_ids: Sequence[str] | pd.Series, scope: str = "", findings: pd.DataFrame | None = None
) -> Html:
    """The page's first paragraph (class ``headline``, at most 35 words) from the findings of
    ``event_ids``; ``scope`` (e.g. "from 1 Oct 2019 to 31 Dec 2021") follows the count."""
    view = page_findings([str(e) for e in event_ids], method="", differs="", findings=findings)
    return view.headline_html(scope)


def changepoint_headline_html(
    cp: object, start: object, end: object, findings: pd.DataFrame | None = None
) -> Html:
    """The changepoints page's first paragraph (class ``headline``, at most 35 words): how often
    the rate changed, the largest change, and what the primary analysis says of the event
    nearest it (a change near an event is not the event's effect)."""
    seg = cp.segments  # type: ignore[attr-defined]
    points = list(cp.changepoints)  # type: ignore[attr-defined]
    unit = cp.unit  # type: ignore[attr-defined]
    span = f"From {fmt_span(start, end)}"
    if not points:
        text = f"{span}, the {unit}ly attack rate shows no clear change."
        return Html(
            f'<p class="headline escalation-headline"><strong>{esc(text)}</strong></p>', text
        )
    rates = seg["rate"].to_numpy()
    ratios = [(b + 1e-9) / (a + 1e-9) for a, b in zip(rates[:-1], rates[1:], strict=False)]
    j = max(range(len(ratios)), key=lambda i: abs(math.log(ratios[i])))
    verb = "rise" if ratios[j] > 1 else "fall"
    text = (
        f"{span}, the {unit}ly attack rate changed {plural(len(points), 'time')}; the largest "
        f"{verb} came in the {unit} of {fmt_date(points[j])}"
    )
    near = cp.nearest_events  # type: ignore[attr-defined]
    eid = near.iloc[j].get("event_id") if near is not None and len(near) > j else None
    found = store.table() if findings is None else findings
    hit = found[found["event_id"] == eid] if isinstance(eid, str) and eid else found.iloc[:0]
    if len(hit):
        r = hit.iloc[0]
        grade = GRADE_WORDS.get(
            str(r["joint_grade"] if r["grade"] == "inseparable" else r["grade"]), "not graded"
        )
        longer = f"{text}, near {r['label']}, whose own effect is graded: {grade}."
        text = longer if len(longer.split()) <= MAX_WORDS else text + "."
    else:
        text += "."
    return Html(f'<p class="headline escalation-headline"><strong>{esc(text)}</strong></p>', text)
