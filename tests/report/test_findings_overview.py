"""The shipped findings.html and categories.csv: one forest row per graded event (groups once),
pooled figures equal to combine_effects on the events the page names, linked first."""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from analysis.findings.pooling import GRADED, verdict

Z = 1.959963984540054


class _Forest(HTMLParser):
    """The data-event of each row of the forest table and the first link of the index's main."""

    def __init__(self) -> None:
        super().__init__()
        self.in_forest = False
        self.events: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.in_forest = "forest" in (a.get("class") or "").split()
        if self.in_forest and tag == "td" and "data-event" in a:
            self.events.append(a["data-event"])


@pytest.fixture(scope="module")
def findings(shipped_site: Path) -> pd.DataFrame:
    return pd.read_csv(shipped_site / "findings.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def categories(shipped_site: Path) -> pd.DataFrame:
    return pd.read_csv(shipped_site / "categories.csv", keep_default_na=False, na_values=[""])


def test_categories_csv_has_its_columns(categories: pd.DataFrame) -> None:
    need = {"category", "pooled_estimate", "low", "high", "method", "tau2", "i2", "events"}
    assert need <= set(categories.columns)
    assert {"us_strike", "truce"} <= set(categories["category"])
    assert set(categories["method"]) == {"pm"}


def test_pooled_figures_equal_combine_effects_on_the_named_events(
    categories: pd.DataFrame, findings: pd.DataFrame
) -> None:
    """Independent computation: for each pooled row, the events it names, their figures from
    findings.csv, standard errors from the 95% interval, statsmodels' Paule-Mandel pool."""
    by_id = findings.set_index("event_id")
    pooled = categories.dropna(subset=["pooled_estimate"])
    assert len(pooled) >= 3
    for r in pooled.itertuples():
        ids = r.events.split(";")
        rows = by_id.loc[ids]
        assert set(rows["category"]) == {r.category}
        assert set(rows["grade"]) <= set(GRADED)  # separable, graded events only
        y = np.log(rows["estimate"].to_numpy(float))
        se = (np.log(rows["high"].to_numpy(float)) - np.log(rows["low"].to_numpy(float))) / (2 * Z)
        want = combine_effects(y, se**2, method_re="pm").summary_frame().loc["random effect"]
        assert r.pooled_estimate == pytest.approx(math.exp(want["eff"]), rel=1e-6)
        assert r.low == pytest.approx(math.exp(want["ci_low"]), rel=1e-6)
        assert r.high == pytest.approx(math.exp(want["ci_upp"]), rel=1e-6)


def test_the_forest_has_one_row_per_graded_event_and_groups_once(
    shipped_site: Path, findings: pd.DataFrame
) -> None:
    page = _Forest()
    page.feed((shipped_site / "findings.html").read_text(encoding="utf-8"))
    graded = findings[findings["grade"].isin(GRADED) & findings["high"].notna()]
    joint = findings[findings["grade"] == "inseparable"]
    groups = {
        tuple(sorted({e, *g.split(";")}))
        for e, g in zip(joint["event_id"], joint["group"], strict=True)
    }
    assert len(page.events) == len(graded) + len(groups)
    assert len(set(page.events)) == len(page.events)
    assert set(graded["event_id"]) <= set(page.events)
    shown = [g for g in groups if set(g) & set(page.events)]
    assert len(shown) == len(groups)  # each group once, by one of its events


def test_the_index_links_the_findings_page_first(shipped_site: Path) -> None:
    text = (shipped_site / "index.html").read_text(encoding="utf-8")
    main = text.split("<h1>", 1)[1]
    assert re.search(r'href="([^"]+)"', main)[1] == "findings.html"


def test_the_page_names_ungraded_events_and_the_caveat(
    shipped_site: Path, findings: pd.DataFrame
) -> None:
    text = html.unescape((shipped_site / "findings.html").read_text(encoding="utf-8"))
    assert "not independent experiments" in text
    for eid in findings.loc[findings["grade"].isin(["marker", "not_graded"]), "event_id"]:
        sentence = findings.set_index("event_id").loc[eid, "sentence"]
        assert sentence.split(" (")[0] in text


def test_the_page_states_the_table_it_was_built_from(shipped_site: Path) -> None:
    """findings.html carries a provenance block with the SHA-256 of the findings.csv beside it."""
    import hashlib

    page = (shipped_site / "findings.html").read_text(encoding="utf-8")
    digest = hashlib.sha256((shipped_site / "findings.csv").read_bytes()).hexdigest()
    block = page.split('class="escalation-provenance"', 1)
    assert len(block) == 2 and digest in block[1]


@pytest.fixture(scope="module")
def sensitivity(shipped_site: Path) -> pd.DataFrame:
    return pd.read_csv(
        shipped_site / "categories_sensitivity.csv", keep_default_na=False, na_values=[""]
    )


def _pool(rows: pd.DataFrame) -> pd.Series:
    y = np.log(rows["estimate"].to_numpy(float))
    se = (np.log(rows["high"].to_numpy(float)) - np.log(rows["low"].to_numpy(float))) / (2 * Z)
    return combine_effects(y, se**2, method_re="pm").summary_frame().loc["random effect"]


def test_the_checks_pools_equal_combine_effects_on_each_variant_s_rows(
    shipped_site: Path, sensitivity: pd.DataFrame
) -> None:
    """categories_sensitivity.csv and the page's checks table: for every variant (14, 30, 60
    days; claimed attacks counted), each pool is statsmodels' Paule-Mandel pool of the rows of
    that variant's findings table (the build's cache) for the events it names."""
    from analysis.findings import store

    tables = store.variants()
    assert set(zip(sensitivity["horizon_days"], sensitivity["confirmation"], strict=True)) == set(
        tables
    )
    page = html.unescape((shipped_site / "findings.html").read_text(encoding="utf-8"))
    checks = page.split('<table class="sensitivity">', 1)[1].split("</table>", 1)[0]
    cells = dict(_cells(checks))
    pooled = sensitivity.dropna(subset=["pooled_estimate"])
    assert len(pooled) > len(sensitivity[sensitivity["primary"]].dropna(subset=["low"]))
    for r in pooled.itertuples():
        found = tables[(r.horizon_days, r.confirmation)].set_index("event_id")
        rows = found.loc[r.events.split(";")]
        assert set(rows["category"]) == {r.category}
        want = _pool(rows)
        assert r.pooled_estimate == pytest.approx(math.exp(want["eff"]), rel=1e-6)
        assert r.low == pytest.approx(math.exp(want["ci_low"]), rel=1e-6)
        assert r.high == pytest.approx(math.exp(want["ci_upp"]), rel=1e-6)
        key = (r.category, r.campaign, r.horizon_days, r.confirmation)
        assert float(cells[key]) == r.pooled_estimate  # the page prints this pool
    claimed = sensitivity[sensitivity["confirmation"] == "all"]
    assert len(claimed) and (claimed["n_events"] >= 0).all()


def _cells(table_html: str) -> list[tuple[tuple[str, str, int, str], str]]:
    """((category, campaign, horizon, confirmation), data-estimate) of each pooled cell."""
    out = []
    for row in re.findall(r"<tr data-category=.*?</tr>", table_html, flags=re.S):
        cat, camp = re.match(r'<tr data-category="([^"]+)" data-campaign="([^"]+)"', row).groups()
        for d, c, e in re.findall(
            r'data-horizon="(\d+)" data-confirmation="(\w+)" data-estimate="([^"]+)"', row
        ):
            out.append(((cat, camp, int(d), c), e))
    return out


def test_the_primary_column_is_categories_csv(
    categories: pd.DataFrame, sensitivity: pd.DataFrame
) -> None:
    """The 30-day, confirmed column of the checks is the pooled table the rest of the site
    quotes (categories.csv), row for row."""
    primary = sensitivity[sensitivity["primary"]]
    assert set(zip(primary["horizon_days"], primary["confirmation"], strict=True)) == {
        (30, "confirmed")
    }
    pd.testing.assert_frame_equal(
        primary[categories.columns].reset_index(drop=True), categories, check_dtype=False
    )


def test_the_page_answers_whether_us_strikes_deter_or_provoke_per_campaign_and_both(
    shipped_site: Path, findings: pd.DataFrame, categories: pd.DataFrame
) -> None:
    """One sentence with a 95% interval for each campaign and both together; the pooled
    sentence of a scope with two or more strikes is categories.csv's."""
    page = (shipped_site / "findings.html").read_text(encoding="utf-8")
    answers = dict(
        re.findall(r'<li data-category="us_strike" data-campaign="([^"]+)">(.*?)</li>', page)
    )
    scopes = sorted(c for c in set(findings["campaign"]) if c) + ["both"]
    assert sorted(answers) == sorted(scopes)
    pools = categories[categories["category"] == "us_strike"].set_index("campaign")
    for scope, said in answers.items():
        said = html.unescape(re.sub(r"<[^>]+>", "", said))  # terms link to the methods page
        assert re.search(r"\(.*?[\d.]+ to [\d.]+\)", said), said  # an interval
        if pools.loc[scope, "n_events"] >= 2:
            tail = pools.loc[scope, "sentence"]
            assert tail[0].lower() + tail[1:] in said


def test_a_kind_of_two_events_is_not_given_a_verdict_on_the_page(
    shipped_site: Path, categories: pd.DataFrame
) -> None:
    page = html.unescape((shipped_site / "findings.html").read_text(encoding="utf-8"))
    two = categories[categories["n_events"] == 2]
    assert len(two)
    for r in two.itertuples():
        assert r.grade == "too_few_events" and "too few to say" in r.sentence
        verdicts = [verdict(r.category, g) for g in GRADED]  # no verdict of any grade
        assert not [v for v in verdicts if v in r.sentence], r.sentence
        assert r.sentence in page
