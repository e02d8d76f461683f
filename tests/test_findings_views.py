"""The analysis pages' findings block: the findings' estimate on each event's element, one
item per inseparable group, the page's method as a check that agrees or differs, a short
headline."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.briefs.findings_views import (
    MethodFigure,
    page_findings,
    verdict_of_grade,
    verdict_of_interval,
)
from analysis.findings import store
from analysis.findings.words import MAX_WORDS


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    return store.table()


def test_verdicts() -> None:
    assert verdict_of_interval(1.2, 3.0) == "rise"
    assert verdict_of_interval(0.1, 0.8) == "fall"
    assert verdict_of_interval(0.5, 2.0) == verdict_of_interval(float("nan"), 2.0) == "none"
    assert verdict_of_grade({"grade": "inseparable", "joint_grade": "likely_fall"}) == "fall"
    assert verdict_of_grade({"grade": "marker"}) == "none"


def test_each_event_carries_the_findings_estimate_and_groups_count_once(findings) -> None:
    camp = findings[findings["campaign"] == findings["campaign"].iloc[0]]
    ids = camp["event_id"].tolist()
    view = page_findings(ids, method="m", differs="d.", findings=findings)
    html = view.html().html
    marked = dict(re.findall(r'data-event="([^"]+)" data-estimate="([^"]+)"', html))
    assert marked
    for eid, est in marked.items():
        assert float(est) == float(camp.set_index("event_id").loc[eid, "estimate"])
    # one item per inseparable group: no two items name members of one group
    items = re.findall(r'data-event="([^"]+)"', html)
    for eid in items:
        row = camp.set_index("event_id").loc[eid]
        if row["grade"] == "inseparable":
            assert not set(str(row["group"]).split(";")) & set(items)
    assert len(items) < len(ids)


def test_the_page_method_agrees_or_differs(findings) -> None:
    row = findings[findings["grade"] == "clear_fall"].iloc[0]
    eid = str(row["event_id"])
    same = page_findings(
        [eid],
        method="m",
        figures={eid: MethodFigure.ratio(0.3, 0.1, 0.6)},
        differs="d.",
        findings=findings,
    )
    other = page_findings(
        [eid],
        method="m",
        figures={eid: MethodFigure.ratio(1.1, 0.5, 2.0)},
        differs="d.",
        findings=findings,
    )
    assert "— agrees." in same.html().text and "— differs." in other.html().text


def test_headlines_are_short(findings) -> None:
    for _, camp in findings.groupby("campaign"):
        ids = camp["event_id"].tolist()
        for n in (1, 2, 3, len(ids)):
            text = page_findings(ids[:n], method="", differs="", findings=findings).headline(
                "from 1 Oct 2019 to 31 Dec 2021"
            )
            assert 0 < len(text.split()) <= MAX_WORDS, text
