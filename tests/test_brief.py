"""The event brief and the recent-tempo page: their analysis code, and their notebooks end to end.

Unit tests run on synthetic incidents simulated here with fixed seeds (dates and counts are made
up; the text columns say "synthetic"). The notebook tests execute ``notebooks/brief.ipynb`` and
``notebooks/recent_tempo.ipynb`` with papermill, once per module, and compare what they glue with
what :mod:`analysis` computes directly; one run reads a copy of ``data/`` salted with hostile text
and checks that it comes out inert in the exported HTML.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from conftest import ROOT, copy_data, edit_cells
from scipy import stats

from analysis.briefs import (
    Html,
    attack_times,
    changepoint_values,
    event_brief,
    event_row,
    fmt_date,
    fmt_number,
    incidents_in_window,
    link,
    recent_tempo,
    safe_url,
)
from analysis.data import load_events, load_incidents, load_reported_counts
from analysis.findings import store
from analysis.models import changepoints, counterfactual, hawkes, its, windows
from analysis.report.glue import read_glued
from analysis.series import counts

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BAD_URL = 'https://example.org/x"><script>alert(2)</script>'

# --------------------------------------------------------------------------------------------
# synthetic data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> pd.DataFrame:
    """One typed incident row (confirmed, known to the day) to copy synthetic incidents from."""
    inc = load_incidents()
    row = inc[(inc["confirmation"] == "confirmed") & (inc["date_precision"] == "day")].iloc[[0]]
    return row.reset_index(drop=True)


def synthetic_incidents(template: pd.DataFrame, dates: list[pd.Timestamp]) -> pd.DataFrame:
    """Typed incidents on ``dates`` with made-up text."""
    out = template.loc[[0] * len(dates)].reset_index(drop=True)
    out["date"] = pd.DatetimeIndex(dates).astype("datetime64[ns]")
    out["incident_id"] = [f"syn-{i:05d}" for i in range(len(dates))]
    out["description"] = "synthetic incident"
    out["source_title"] = [f"synthetic source {i}" for i in range(len(dates))]
    out["source_url"] = [f"https://example.org/{i}" for i in range(len(dates))]
    return out


def poisson_dates(rng: np.random.Generator, start: str, days: int, rate: float) -> list:
    """Dates of a Poisson process with ``rate`` attacks per day over ``days`` days."""
    day0 = pd.Timestamp(start)
    n = rng.poisson(rate, size=days)
    return [day0 + pd.Timedelta(days=int(d)) for d in np.repeat(np.arange(days), n)]


def synthetic_events(**dates: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": list(dates),
            "date": pd.to_datetime(list(dates.values())),
            "label": [k.replace("_", " ").title() for k in dates],
            "category": "political",
            "description": "synthetic event",
            "date_note": None,
            "source_title": "synthetic event source",
            "source_url": "https://example.org/event",
        }
    )


@pytest.fixture(scope="module")
def step_data(template):
    """Daily Poisson attacks: 1 a day for 26 weeks, then 3 a day for 26 weeks (ratio 3)."""
    rng = np.random.default_rng(0)
    dates = poisson_dates(rng, "2021-01-04", 182, 1.0) + poisson_dates(rng, "2021-07-05", 182, 3.0)
    return synthetic_incidents(template, dates), synthetic_events(step="2021-07-05")


# --------------------------------------------------------------------------------------------
# analysis.briefs (event brief)
# --------------------------------------------------------------------------------------------


def test_event_brief_recovers_a_known_step(step_data):
    incidents, events = step_data
    b = event_brief(incidents, events, "step", window_days=60, context_weeks=26)
    truth = 3.0
    assert abs(math.log(b.window_rate_ratio / truth)) < 0.4
    assert b.window_low <= truth <= b.window_high
    assert abs(math.log(b.its_level_rr / truth)) < 0.4
    assert b.its_level_low <= truth <= b.its_level_high
    # counterfactual: the post period runs in whole weeks from the event's week (a Monday here)
    # through the week holding day 60; true excess 2 a day from the event
    # (log-scale standard errors here are about 0.15, so the tolerances are over 2.5 of them)
    post_days = (b.cf_post_end + pd.Timedelta(days=6) - b.event_date).days + 1
    true_excess = 2.0 * post_days
    assert b.excess_low <= true_excess <= b.excess_high
    assert abs(b.excess - true_excess) < 0.25 * true_excess


def test_event_brief_numbers_are_the_models_numbers(step_data):
    incidents, events = step_data
    b = event_brief(incidents, events, "step", window_days=30, context_weeks=20, seed=3)
    date = pd.Timestamp("2021-07-05")
    assert b.start == date - pd.Timedelta(weeks=20) and b.end == date + pd.Timedelta(weeks=20)
    daily = counts(incidents, "D", b.start, b.end)
    weekly = counts(incidents, "W-MON", b.start, b.end)
    w = windows.compare(daily, events={"step": date}, days=30).table.loc["step"]
    assert (b.window_before, b.window_after) == (w["before"], w["after"])
    assert b.window_rate_ratio == pytest.approx(w["rate_ratio"])
    assert (b.window_low, b.window_high, b.window_p) == pytest.approx((w["low"], w["high"], w["p"]))
    e = its.fit(weekly, events={"step": date}).effects.loc["step"]
    assert b.its_level_rr == pytest.approx(e["level_rr"])
    assert b.its_slope_high == pytest.approx(e["slope_high"])
    c = counterfactual.fit(weekly, date, post_end=date + pd.Timedelta(days=29), seed=3)
    assert b.excess == pytest.approx(c.cumulative_effect)
    assert (b.excess_low, b.excess_high) == pytest.approx(
        (c.cumulative_effect_low, c.cumulative_effect_high)
    )
    frame = b.to_frame()
    assert frame.loc["window_rate_ratio", "estimate"] == pytest.approx(b.window_rate_ratio)
    assert frame.loc["excess", "high"] == pytest.approx(b.excess_high)
    # the window's incidents are exactly the attacks counted in the windows
    table = b.incidents
    assert (table["window"] == "before").sum() == b.window_before
    assert (table["window"] == "after").sum() == b.window_after
    text = b.headline
    assert f"{b.window_after} confirmed attacks" in text and fmt_number(b.window_rate_ratio) in text


def test_glue_values_are_json_and_nan_becomes_none(template):
    # attacks only long before the event and none after it (the data run to December): the
    # trend model cannot estimate a step at the event
    rng = np.random.default_rng(5)
    dates = poisson_dates(rng, "2021-01-04", 60, 0.5)
    incidents = synthetic_incidents(template, dates)
    events = synthetic_events(quiet="2021-09-01")
    span = (pd.Timestamp("2021-01-04"), pd.Timestamp("2021-12-01"))
    b = event_brief(incidents, events, "quiet", window_days=30, context_weeks=26, data_span=span)
    values = b.glue_values()
    json.dumps(values, allow_nan=False)
    assert values["window_before"] == 0 and values["window_after"] == 0
    assert values["window_rate_ratio"] is None
    assert "no attacks on either side" in values["headline"]
    assert values["its_level_rr"] is None and values["its_level_low"] is None
    assert any("could not estimate the step" in n for n in b.notes)
    assert values["focus_event"] == "quiet"
    assert values["period"] == [f"{b.start:%Y-%m-%d}", f"{b.end:%Y-%m-%d}"]
    # the joint fit cannot be made: the net row says why instead of killing the brief
    assert b.attribution is None and values["net_rate_ratio"] is None
    assert values["net_missing"] and not values["net_disagrees"]
    net = b.effects_html()._repr_html_()
    assert "not computed" in net and "nan" not in net.lower().replace("nanny", "")


def test_net_row_is_the_joint_fit_and_undoes_the_confounding_of_a_close_second_event(template):
    """Two opposite steps 20 days apart (x3, then x0.4) with contagion (branching 0.3): the plain
    30-day window ratio of the first expects (20 x 3 + 10 x 1.2) / 30 = 2.4, the net row is the
    joint fit's figure for it (the same call made directly), near 3 and holding 3 in its
    interval; the second event is named as fitted together with it."""
    from analysis.models import attribution

    start, surge, truce = pd.Timestamp("2021-01-04"), "2021-07-05", "2021-07-25"
    times = attribution.simulate(
        1.4,
        {"surge": (surge, 3.0), "truce": (truce, 0.4)},
        branching_ratio=0.3,
        decay=1.0,
        start=start,
        end=start + pd.Timedelta(days=364),
        seed=11,
    )
    incidents = synthetic_incidents(template, list(times.normalize()))
    events = synthetic_events(surge=surge, truce=truce)
    b = event_brief(incidents, events, "surge", window_days=30, context_weeks=26)
    assert b.net_events == ["surge", "truce"] and b.net_group == ["surge"]
    direct = attribution.fit(
        attack_times(incidents, b.start, b.end),
        events={"surge": surge, "truce": truce},
        start=b.start,
        end=b.end + pd.Timedelta(days=1),
        horizon_days=30,
        compare=False,
    ).effects.loc["surge"]
    assert b.net_rate_ratio == pytest.approx(direct["rate_ratio"], rel=1e-9)
    assert (b.net_excess_low, b.net_excess_high) == pytest.approx(
        (direct["excess_low"], direct["excess_high"]), rel=1e-9
    )
    assert b.net_low < 3.0 < b.net_high
    assert abs(math.log(b.net_rate_ratio / 3.0)) < abs(math.log(b.window_rate_ratio / 3.0))
    frame = b.to_frame()
    assert frame.loc["net_rate_ratio", "estimate"] == pytest.approx(b.net_rate_ratio)
    assert frame.loc["net_excess", "high"] == pytest.approx(b.net_excess_high)
    text = " ".join(b.effect_lines())
    assert "Truce (25 Jul 2021)" in text and "follow-on attacks" in text
    values = b.glue_values()
    assert values["net_events"] == ["surge", "truce"] and values["net_missing"] is None
    json.dumps(values, allow_nan=False)


def test_net_row_reports_a_cluster_the_data_cannot_separate_as_one_figure(template):
    """A second event two days after the focus with no attack between them: one joint figure,
    named in the table and the text, never a separate one for the focus."""
    rng = np.random.default_rng(2)
    dates = poisson_dates(rng, "2021-01-04", 182, 1.0) + poisson_dates(rng, "2021-07-07", 182, 3.0)
    dates = [d for d in dates if not pd.Timestamp("2021-07-05") <= d < pd.Timestamp("2021-07-07")]
    incidents = synthetic_incidents(template, dates)
    events = synthetic_events(step="2021-07-05", echo="2021-07-07")
    b = event_brief(incidents, events, "step", window_days=30, context_weeks=26)
    assert b.net_group == ["step", "echo"]
    assert "no attack was recorded between them" in b.net_cluster_reason
    row = b.attribution.effects.loc["step + echo"]
    assert b.net_rate_ratio == pytest.approx(row["rate_ratio"])
    assert b.net_low < 3.0 < b.net_high
    assert b.net_excess_from == pd.Timestamp("2021-07-07")
    html = b.effects_html()._repr_html_()
    assert "joint change after Step and Echo (the data cannot separate them)" in html
    assert "cannot separate the Step from Echo" in " ".join(b.effect_lines())


def test_bad_arguments_are_clear_errors(step_data):
    incidents, events = step_data
    with pytest.raises(ValueError, match="unknown event_id 'stepp'.*did you mean step"):
        event_brief(incidents, events, "stepp")
    with pytest.raises(ValueError, match="window_days"):
        event_brief(incidents, events, "step", window_days=0)
    with pytest.raises(ValueError, match="context_weeks"):
        event_brief(incidents, events, "step", context_weeks=2)
    late = synthetic_events(late="2030-01-01")
    with pytest.raises(ValueError, match="outside the incident data"):
        event_brief(incidents, late, "late")
    with pytest.raises(ValueError, match="freq"):
        event_brief(incidents, events, "step", freq="fortnight")


def test_html_escapes_data_text_and_links_only_web_urls(template):
    hostile = synthetic_incidents(template, [pd.Timestamp("2021-03-01")] * 3)
    hostile["description"] = [SCRIPT, IMG, "plain"]
    hostile["source_title"] = [IMG, "ok", SCRIPT]
    hostile["source_url"] = [BAD_URL, "javascript:alert(3)", "https://example.org/fine"]
    hostile["location"] = "<b>Baghdad</b>"
    events = synthetic_events(ev="2021-03-01")
    events.loc[0, "label"] = SCRIPT
    events.loc[0, "source_url"] = "data:text/html,<script>alert(4)</script>"
    b = event_brief(hostile, events, "ev", window_days=10, context_weeks=4)
    parts = [b.incidents_html(), b.sources_html(), b.event_html(), b.heading_html()]
    parts += [b.caveats_html(), b.methods_html(), b.effects_html(), b.findings_html()]
    markup = "".join(p._repr_html_() for p in parts)
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    hrefs = re.findall(r'href="([^"]*)"', markup)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    assert "javascript:" not in "".join(hrefs) and not any(h.startswith("data:") for h in hrefs)
    assert 'href="https://example.org/x&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in markup
    # the event's source comes first, then the incidents' in date order, without duplicates
    sources = b.sources()
    assert sources["url"].iloc[0].startswith("data:")
    assert sources["url"].is_unique and len(sources) == 4
    assert isinstance(parts[0], Html) and "plain" in repr(parts[0])


def test_safe_url_and_link():
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert safe_url("HTTP://EXAMPLE.ORG") == "HTTP://EXAMPLE.ORG"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "//example.org",
        "/rel",
        "https://",
        "https://exa mple.org",
        "ftp://example.org",
        None,
        3,
    ):
        assert safe_url(bad) is None, bad
    assert link("A & B", "javascript:x") == "A &amp; B"
    assert (
        link("", "https://e.org/")
        == '<a href="https://e.org/" rel="noopener noreferrer">https://e.org/</a>'
    )


def test_incidents_in_window_matches_the_windows_model(step_data):
    incidents, _ = step_data
    date = pd.Timestamp("2021-07-05")
    table = incidents_in_window(incidents, date, days=14)
    daily = counts(incidents, "D", "2021-01-04", "2021-12-31")
    w = windows.compare(daily, events={"e": date}, days=14).table.loc["e"]
    assert (table["window"] == "before").sum() == w["before"]
    assert (table["window"] == "after").sum() == w["after"]
    assert table["date"].is_monotonic_increasing
    assert table["date"].min() >= date - pd.Timedelta(days=14)
    assert table["date"].max() <= date + pd.Timedelta(days=13)


# --------------------------------------------------------------------------------------------
# analysis.briefs.tempo
# --------------------------------------------------------------------------------------------


def test_changepoint_values_state_each_date_and_its_interval(step_data):
    """The changepoint notebook's numbers are ``detect``'s, and the headline dates the largest
    change with its 95% interval."""
    incidents, _ = step_data
    y = counts(incidents, "W-MON", "2021-01-04", "2022-01-02")
    cp = changepoints.detect(y)
    times = attack_times(incidents, "2021-01-04", "2022-01-02")
    hk = hawkes.fit(times, start="2021-01-04", end="2022-01-03")
    values = changepoint_values(cp, hk, None, start="2021-01-04", end="2022-01-02")
    assert values["n_changepoints"] == len(cp.changepoints) >= 1
    assert values["changepoints"] == [f"{c:%Y-%m-%d}" for c in cp.changepoints]
    assert values["changepoint_intervals"] == [
        [f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}"]
        for lo, hi in zip(cp.locations["low"], cp.locations["high"], strict=True)
    ]
    ratios = np.abs(
        np.log(cp.segments["rate"].to_numpy()[1:] / cp.segments["rate"].to_numpy()[:-1])
    )
    loc = cp.locations.iloc[int(np.argmax(ratios))]
    dated = (
        "dated to that week alone"
        if loc["low"] == loc["high"]
        else f"95% interval {fmt_date(loc['low'])} to {fmt_date(loc['high'])}"
    )
    head = values["headline"]
    assert f"came in the week of {fmt_date(loc['changepoint'])}" in head
    assert len(head.split()) <= 35  # a headline a newsroom prints: the date's interval if it fits
    if len(head.replace(f" ({dated})", "").split()) + len(dated.split()) <= 35 - 2:
        assert f"({dated})" in head
    json.dumps(values)


def test_recent_tempo_recovers_a_known_ratio_and_agrees_with_scipy(template):
    rng = np.random.default_rng(11)
    dates = poisson_dates(rng, "2020-01-01", 364, 0.3) + poisson_dates(rng, "2020-12-30", 84, 0.6)
    as_of = pd.Timestamp("2020-12-30") + pd.Timedelta(days=83)
    dates = [pd.Timestamp("2020-01-01"), *dates, as_of]  # the data cover both ends
    incidents = synthetic_incidents(template, dates)
    t = recent_tempo(incidents, as_of=f"{as_of:%Y-%m-%d}", recent_weeks=12, baseline_weeks=52)
    assert t.recent_start == pd.Timestamp("2020-12-30")
    assert t.baseline_start == pd.Timestamp("2020-01-01") and t.baseline_days == 364
    assert t.recent_count == sum(d >= t.recent_start for d in dates)
    assert t.baseline_count == len(dates) - t.recent_count
    truth = 2.0
    assert abs(math.log(t.rate_ratio / truth)) < 0.35
    assert t.low <= truth <= t.high
    # independent computation: scipy's exact binomial test and Clopper-Pearson interval
    n = t.recent_count + t.baseline_count
    p0 = 84 / (84 + 364)
    test = stats.binomtest(t.recent_count, n, p0)
    assert t.p == pytest.approx(test.pvalue)
    ci = test.proportion_ci(0.95, method="exact")
    to_rr = [q / (1 - q) * 364 / 84 for q in (ci.low, ci.high)]
    assert (t.low, t.high) == pytest.approx(to_rr, rel=1e-6)
    assert t.recent_rate == pytest.approx(t.recent_count / 12)
    assert t.weekly.sum() == n and len(t.weekly) == 64
    json.dumps(t.glue_values(), allow_nan=False)
    # the first screen names its period once (in the headline); the index's title keeps it
    period = "12 weeks to 23 Mar 2021"
    assert t.heading_html().html.count(period) == 1 and t.headline.startswith(f"In the {period}")
    assert t.glue_values()["title"] == f"Recent attack tempo, {period}"


def test_recent_tempo_latest_truncation_and_errors(template):
    dates = [pd.Timestamp("2022-01-10"), pd.Timestamp("2022-03-01"), pd.Timestamp("2022-05-02")]
    incidents = synthetic_incidents(template, dates)
    t = recent_tempo(incidents, recent_weeks=4, baseline_weeks=52)
    assert t.as_of == pd.Timestamp("2022-05-02")
    assert t.baseline_start == pd.Timestamp("2022-01-10")  # data start, not 52 weeks back
    assert t.baseline_days == (t.recent_start - t.baseline_start).days
    assert any("baseline covers" in c for c in t.caveats())
    assert (t.recent_count, t.baseline_count) == (1, 2)
    with pytest.raises(ValueError, match="recent_weeks"):
        recent_tempo(incidents, recent_weeks=0)
    with pytest.raises(ValueError, match="ISO date or 'latest'"):
        recent_tempo(incidents, as_of="yesterday")
    with pytest.raises(ValueError, match="after the last incident"):
        recent_tempo(incidents, as_of="2023-01-01")
    with pytest.raises(ValueError, match="starts before the data"):
        recent_tempo(incidents, as_of="2022-01-20", recent_weeks=4)


# --------------------------------------------------------------------------------------------
# the notebooks, executed (once per module)
# --------------------------------------------------------------------------------------------


def _execute(name: str, out: Path, cwd: Path, data_dir: Path | None = None, **params) -> dict:
    with pytest.MonkeyPatch.context() as mp:
        if data_dir is not None:
            mp.setenv("ESCALATION_DATA_DIR", str(data_dir))
        pm.execute_notebook(
            str(ROOT / "notebooks" / f"{name}.ipynb"),
            str(out),
            parameters=params,
            cwd=str(cwd),
            kernel_name="python3",
            progress_bar=False,
        )
    return nbformat.read(out, as_version=4)


def _html(nb) -> str:
    """The notebook as HTML the way a brief is published: inputs hidden, removed cells gone,
    but without the runner's sanitiser, so only the notebook's own escaping protects it."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    c.HTMLExporter.exclude_input = True
    body, _ = HTMLExporter(config=c).from_notebook_node(nb)
    return body


def _stderr(nb) -> list[str]:
    return [
        o.text
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]


@pytest.fixture(scope="module")
def shipped_brief(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "brief.ipynb"
    return _execute("brief", out, ROOT)


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """A copy of data/ with hostile text in the Pompeo threat and incidents in its windows."""
    out = copy_data(tmp_path_factory.mktemp("hostile") / "data")
    with (out / "incidents.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    inside = [
        i
        for i, r in enumerate(rows)
        if "2020-09-20" <= r["date"] <= "2020-10-05"
        and r["confirmation"] == "confirmed"
        and r["date_precision"] == "day"
    ]
    assert len(inside) >= 3
    edit_cells(
        out / "incidents.csv",
        {
            (inside[0], "description"): SCRIPT,
            (inside[1], "source_title"): IMG,
            (inside[2], "source_url"): BAD_URL,
            (inside[2], "location"): f"Baghdad {SCRIPT}",
        },
    )
    with (out / "political_events.csv").open(newline="", encoding="utf-8") as fh:
        ids = [r["event_id"] for r in csv.DictReader(fh)]
    j = ids.index("pompeo_embassy_threat")
    edit_cells(
        out / "political_events.csv",
        {(j, "label"): f"Pompeo {IMG}", (j, "description"): SCRIPT, (j, "source_title"): SCRIPT},
    )
    return out


@pytest.fixture(scope="module")
def hostile_brief(tmp_path_factory, hostile_data):
    out = tmp_path_factory.mktemp("brief_hostile") / "brief.ipynb"
    return _execute("brief", out, ROOT, hostile_data, event_id="pompeo_embassy_threat")


@pytest.fixture(scope="module")
def tempo_notebook(tmp_path_factory):
    # run as JupyterLab does, from notebooks/: the package finds data/ whatever the cwd
    out = tmp_path_factory.mktemp("tempo") / "recent_tempo.ipynb"
    return _execute("recent_tempo", out, ROOT / "notebooks", as_of="2020-09-27", recent_weeks=8)


def _check_brief_glue(
    glued: dict, incidents, events, reported, event_id: str, data_dir: Path | None = None
) -> None:
    finding = store.row(event_id, store.table(data_dir))  # the build's one answer per event
    # the notebook's defaults
    b = event_brief(incidents, events, event_id, reported=reported, finding=finding)
    assert glued["headline"] == finding["sentence"] == glued["findings_sentence"]
    assert glued["findings_grade"] == finding["grade"]
    for k in ("estimate", "low", "high", "excess"):
        want = finding[k]
        assert glued[f"findings_{k}"] == (None if math.isnan(want) else want), k
    date = pd.Timestamp(event_row(events, event_id)["date"])
    lo = max(date - pd.Timedelta(weeks=26), incidents["date"].min())
    hi = min(date + pd.Timedelta(weeks=26), incidents["date"].max())
    assert glued["period"] == [f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}"]
    assert glued["focus_event"] == event_id
    assert glued["title"] == b.title and glued["headline"] == b.headline
    daily = counts(incidents, "D", lo, hi)
    weekly = counts(incidents, "W-MON", lo, hi)
    w = windows.compare(daily, events={event_id: date}, days=30).table.loc[event_id]
    assert (glued["window_before"], glued["window_after"]) == (w["before"], w["after"])
    assert glued["window_rate_ratio"] == pytest.approx(w["rate_ratio"], rel=1e-9)
    assert (glued["window_low"], glued["window_high"]) == pytest.approx((w["low"], w["high"]))
    assert glued["window_p"] == pytest.approx(w["p"])
    e = its.fit(weekly, events={event_id: date}).effects.loc[event_id]
    for k in ("level_rr", "level_low", "level_high", "level_p", "slope_rr", "slope_p"):
        assert glued[f"its_{k}"] == pytest.approx(e[k], rel=1e-9), k
    c = counterfactual.fit(weekly, date, post_end=date + pd.Timedelta(days=29), seed=0)
    assert glued["excess"] == pytest.approx(c.cumulative_effect, rel=1e-9)
    assert (glued["excess_low"], glued["excess_high"]) == pytest.approx(
        (c.cumulative_effect_low, c.cumulative_effect_high), rel=1e-9
    )
    assert glued["observed_after"] == c.observed_total
    assert glued["expected_after"] == pytest.approx(c.predicted_total, rel=1e-9)
    assert glued["n_incidents_window"] == len(incidents_in_window(incidents, date, 30))
    # the net-of-other-events row: the same joint fit, seeded, as the package computes (to
    # 1e-6: the optimiser's last digits can differ between processes; pages print two)
    assert glued["net_events"] == b.net_events and glued["net_group"] == b.net_group
    for k in ("net_rate_ratio", "net_low", "net_high", "net_excess", "net_excess_high"):
        assert glued[k] == pytest.approx(getattr(b, k), rel=1e-6), k


@pytest.mark.filterwarnings("ignore::analysis.series.MonthPrecisionWarning")
def test_brief_notebook_glues_what_analysis_computes(shipped_brief):
    glued = read_glued(shipped_brief)
    _check_brief_glue(
        glued, load_incidents(), load_events(), load_reported_counts(), "suleimani_strike"
    )
    assert glued["title"] == "Suleimani strike, 3 Jan 2020: attack tempo before and after"
    assert not _stderr(shipped_brief), "warnings must not leak into a brief"


def test_brief_notebook_reads_well_without_code(shipped_brief):
    page = _html(shipped_brief)
    assert "from analysis" not in page and "event_brief(" not in page and "glue(" not in page
    assert "Suleimani strike, 3 Jan 2020: attack tempo before and after" in page
    for heading in ("The event", "How big was the change?", "Attacks in the two windows"):
        assert heading in page
    assert page.count('class="escalation-sources"') == 1
    assert "data:image/png;base64" in page  # the chart


@pytest.mark.filterwarnings("ignore::analysis.series.MonthPrecisionWarning")
def test_brief_escapes_hostile_data_text(hostile_brief, hostile_data):
    glued = read_glued(hostile_brief)
    incidents = load_incidents(hostile_data / "incidents.csv")
    events = load_events(hostile_data / "political_events.csv")
    reported = load_reported_counts(hostile_data / "attack_counts_reported.csv")
    _check_brief_glue(glued, incidents, events, reported, "pompeo_embassy_threat", hostile_data)
    page = _html(hostile_brief)
    assert SCRIPT not in page and "<script>alert" not in page
    assert IMG not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '"><script>alert(2)' not in page
    hrefs = re.findall(r'<a [^>]*href="([^"]*)"', page)
    own = {"findings_method.html", "findings.csv"}  # the site's own files, fixed in the code
    assert hrefs and all(h.startswith(("http://", "https://", "#")) or h in own for h in hrefs)
    assert not _stderr(hostile_brief)


def test_recent_tempo_notebook_glues_what_analysis_computes(tempo_notebook):
    glued = read_glued(tempo_notebook)
    t = recent_tempo(load_incidents(), load_events(), as_of="2020-09-27", recent_weeks=8)
    assert glued["as_of"] == "2020-09-27" and glued["recent_weeks"] == 8
    assert glued["period"] == [f"{t.baseline_start:%Y-%m-%d}", "2020-09-27"]
    assert (glued["recent_count"], glued["baseline_count"]) == (t.recent_count, t.baseline_count)
    assert glued["rate_ratio"] == pytest.approx(t.rate_ratio, rel=1e-9)
    assert (glued["rate_ratio_low"], glued["rate_ratio_high"]) == pytest.approx((t.low, t.high))
    assert glued["p"] == pytest.approx(t.p)
    assert glued["headline"] == t.headline and glued["focus_event"] is None
    assert not _stderr(tempo_notebook)
