"""The explorer without a browser: setting a control calls the package's functions with the
arguments it shows, the numbers equal a direct call's, a failing fit shows in the panel and the
widget goes on working; "Save as brief" appends a checked entry atomically and refuses duplicates.

The shipped data are used; the event explorer runs with 8 weeks either side of the event to keep
each redraw short (the brief's own default is 26).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from analysis import explore
from analysis.briefs import EventBrief, event_brief
from analysis.briefs.wording import fmt_number
from analysis.data import load_events, load_incidents
from analysis.errors import ConfigError, ParameterError
from analysis.models import attribution, changepoints, hawkes
from analysis.report import entries
from analysis.report.config import check_parameters, declared_parameters, event_ids, load_config

CONTEXT = 8  # weeks either side of the event


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return load_incidents(), load_events()


class Spy:
    """Wraps a function: records each call's arguments, returns the real result."""

    def __init__(self, real):
        self.real = real
        self.calls: list[tuple[tuple, dict]] = []
        functools.update_wrapper(self, real)

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.real(*args, **kwargs)


def _explorer(data, **kwargs) -> explore.EventExplorer:
    incidents, events = data
    kwargs.setdefault("event_id", "pompeo_embassy_threat")
    return explore.event(incidents, events, context_weeks=CONTEXT, **kwargs)


def _same_numbers(a, b) -> None:
    """Two event briefs hold the same numbers (NaN equal to NaN)."""
    for name in ("window_before", "window_after", "window_rate_ratio", "window_low", "window_p"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("its_level_rr", "its_slope_rr", "excess", "excess_low", "excess_high"):
        np.testing.assert_equal(getattr(a, name), getattr(b, name), err_msg=name)
    pd.testing.assert_series_equal(a.weekly, b.weekly)
    pd.testing.assert_frame_equal(a.incidents, b.incidents)


def test_event_picker_groups_events_by_campaign_in_date_order(data):
    _, events = data
    groups = explore.event_options(events)
    first, second = (c.label for c in explore.campaigns())
    assert list(groups)[:2] == [first, second]
    ids = [i for options in groups.values() for _, i in options]
    assert sorted(ids) == sorted(events["event_id"].astype(str))
    dates = events.set_index("event_id")["date"]
    spans = {c.label: c for c in explore.campaigns()}
    for campaign, options in groups.items():
        days = [dates[i] for _, i in options]
        assert days == sorted(days), campaign
        assert all(explore.campaign_of(d) == campaign for d in days)
        # the data layer's campaigns, the spans the briefs and the index use
        inside = [campaign in spans and spans[campaign].holds(d) for d in days]
        assert all(inside) if campaign in spans else not any(inside), campaign
    assert ("03 Jan 2020 · Suleimani strike", "suleimani_strike") in groups[first]
    assert "oct7_attack" in [i for _, i in groups[second]]


def test_controls_call_event_brief_with_their_values_and_show_its_numbers(data, monkeypatch):
    incidents, events = data
    spy = Spy(event_brief)
    monkeypatch.setattr(explore.compute, "event_brief", spy)
    x = _explorer(data)
    assert x.error is None and len(spy.calls) == 1
    x.window.value = 14
    x.confirmation.value = "all"
    assert len(spy.calls) == 3  # one redraw per change
    args, kwargs = spy.calls[-1]
    assert args[2] == "pompeo_embassy_threat"
    assert kwargs["window_days"] == 14 and kwargs["confirmation"] == "all"
    assert kwargs["context_weeks"] == CONTEXT and kwargs["seed"] == 0
    direct = event_brief(
        incidents,
        events,
        "pompeo_embassy_threat",
        window_days=14,
        confirmation="all",
        context_weeks=CONTEXT,
    )
    _same_numbers(x.view.brief, direct)
    assert x.table.value.startswith(direct.effects_html().html)
    assert x.incident_list.value == direct.incidents_html().html
    assert f"{direct.window_after} attacks in 14 days after" in x.table.value
    assert x.chart.value[:8] == b"\x89PNG\r\n\x1a\n"

    # another event, picked through its campaign
    before = x.chart.value
    x.campaign.value = explore.campaigns()[1].label
    assert x.event.value == "oct7_attack"
    assert spy.calls[-1][0][2] == "oct7_attack" and len(spy.calls) == 4  # one redraw, not two
    assert x.chart.value != before and "Hamas" in x.status.value


def test_filters_keep_the_selected_incidents_and_the_whole_datas_period(data, monkeypatch):
    incidents, events = data
    spy = Spy(event_brief)
    monkeypatch.setattr(explore.compute, "event_brief", spy)
    x = _explorer(data)
    unfiltered = x.view.brief
    x.filters["governorate"].value = ("Baghdad",)
    x.filters["attack_type"].value = ("rocket",)
    assert x.error is None
    passed = spy.calls[-1][0][0]
    assert set(passed["governorate"]) == {"Baghdad"} and set(passed["attack_type"]) == {"rocket"}
    kept = incidents[
        (incidents["governorate"] == "Baghdad") & (incidents["attack_type"] == "rocket")
    ]
    assert len(passed) == len(kept)
    got = x.view.brief
    assert (got.start, got.end) == (unfiltered.start, unfiltered.end)
    assert got.window_after <= unfiltered.window_after
    direct = event_brief(
        kept,
        events,
        "pompeo_embassy_threat",
        context_weeks=CONTEXT,
        data_span=(incidents["date"].min(), incidents["date"].max()),
    )
    _same_numbers(got, direct)


def test_attribution_shows_the_brief_s_own_joint_fit(data, monkeypatch):
    """The net attribution is the brief's "net of the other events" model: one fit per view,
    the same numbers a direct ``event_brief`` publishes."""
    incidents, events = data
    spy = Spy(attribution.fit)
    monkeypatch.setattr(attribution, "fit", spy)
    x = _explorer(data, window_days=21)
    assert len(spy.calls) == 1  # the brief's own joint fit, nothing more
    x.measure.value = "attribution"
    assert x.error is None, x.error
    assert len(spy.calls) == 2 and x.progress.layout.display == "none"
    view = x.view
    assert view.attribution is view.brief.attribution is not None
    (args, kwargs) = spy.calls[-1]
    assert sorted(kwargs["events"]) == sorted(view.brief.net_events) and len(kwargs["events"]) > 1
    assert kwargs["horizon_days"] == 21 and kwargs["seed"] == 0
    direct = event_brief(
        incidents, events, "pompeo_embassy_threat", window_days=21, context_weeks=CONTEXT
    )
    pd.testing.assert_frame_equal(view.attribution.effects, direct.attribution.effects)
    assert view.brief.net_rate_ratio == direct.net_rate_ratio
    rr = direct.attribution.effects.iloc[0]["rate_ratio"]
    assert "escalation-attribution" in x.table.value
    assert fmt_number(rr, 2) in x.table.value


def test_a_failing_fit_shows_its_error_and_the_widget_goes_on(data, monkeypatch):
    x = _explorer(data)
    good_table = x.table.value
    # no joint fit for these rows (too few attacks): the brief's reason, in the panel
    x.filters["governorate"].value = ("Erbil",)
    x.measure.value = "attribution"
    assert x.error and "no net attribution for this view: " in x.error  # the brief says why
    assert "escalation-explore-error" in x.status.value and x.table.value == ""
    assert x.view is None and x.progress.layout.display == "none"
    # an unexpected failure shows its kind, escaped
    monkeypatch.setattr(
        explore.compute,
        "attribution_table",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("<b>boom</b>")),
    )
    x.filters["governorate"].value = ()
    assert x.error == "RuntimeError: <b>boom</b>"
    assert "&lt;b&gt;boom&lt;/b&gt;" in x.status.value and "<b>boom" not in x.status.value
    # and the controls still work
    x.measure.value = "windows"
    assert x.error is None and x.table.value == good_table


def test_the_incidents_list_escapes_text_and_links_each_source(data):
    incidents, events = data
    incidents = incidents.copy()
    inside = incidents.index[
        incidents["date"].between("2020-09-28", "2020-10-10")
        & (incidents["confirmation"] == "confirmed")
        & (incidents["date_precision"] == "day")
    ]
    row = inside[0]
    incidents["description"] = incidents["description"].astype("string")
    incidents.loc[row, "description"] = "<script>alert(1)</script>"
    incidents["source_title"] = incidents["source_title"].astype("string")
    incidents.loc[row, "source_title"] = "<img src=x onerror=alert(1)>"
    x = explore.event(incidents, events, event_id="pompeo_embassy_threat", context_weeks=CONTEXT)
    page = x.incident_list.value
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    links = page.count("<a ")
    assert links == len(x.view.brief.incidents) > 0
    assert page.count('href="https://') + page.count('href="http://') == links


def test_the_places_map_is_the_brief_s_own(data, monkeypatch):
    """Where, before and after: the explorer shows the brief's ``plot_places`` figure."""
    drawn = []
    real = EventBrief.plot_places

    def spy(self, ax=None):
        drawn.append(self)
        return real(self, ax)

    monkeypatch.setattr(EventBrief, "plot_places", spy)
    x = _explorer(data)
    assert drawn[-1] is x.view.brief
    assert x.tile_map.layout.display != "none" and x.tile_map.value[:4] == b"\x89PNG"
    x.window.value = 20
    assert drawn[-1] is x.view.brief and x.view.brief.window_days == 20


def test_period_controls_call_changepoints_and_hawkes_with_their_values(data, monkeypatch):
    incidents, events = data
    detect, fit = Spy(changepoints.detect), Spy(hawkes.fit)
    monkeypatch.setattr(changepoints, "detect", detect)
    monkeypatch.setattr(hawkes, "fit", fit)
    p = explore.period("2020-03-01", "2021-03-31", incidents, events)
    assert p.error is None and len(detect.calls) == len(fit.calls) == 1
    p.penalty.value = "aic"
    p.breaks.value = "2020-10-10"
    import datetime as dt

    p.start.value = dt.date(2020, 5, 1)
    assert len(detect.calls) == len(fit.calls) == 4  # one redraw per change
    (y,), kwargs = detect.calls[-1]
    assert kwargs["penalty"] == "aic" and y.index[0] <= pd.Timestamp("2020-05-01")
    assert y.index[0] > pd.Timestamp("2020-04-01")
    times, hk = fit.calls[-1]
    assert hk["baseline_breaks"] == ["2020-10-10"] and hk["start"] == "2020-05-01"
    assert hk["end"] == pd.Timestamp("2021-04-01")
    direct_cp = detect.real(*detect.calls[-1][0], **kwargs)
    assert list(p.view.changepoints.changepoints) == list(direct_cp.changepoints)
    direct_hk = fit.real(*times, **hk)
    assert p.view.hawkes.branching_ratio == direct_hk.branching_ratio
    assert (
        p.view.series_chart[:4] == b"\x89PNG"
        and "escalation-segments" in p.changepoint_tables.value
    )
    # a bad break date: the Hawkes part shows its error, the rest stays
    p.breaks.value = "2025-01-01"
    assert "hawkes" in p.view.errors and p.view.changepoints is not None
    assert "escalation-explore-error" in p.errors.value and p.hawkes_table.value == ""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the shipped briefs config in a project folder whose notebooks are the real ones."""
    (tmp_path / "reports").mkdir()
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    path = tmp_path / "reports" / "briefs.yml"
    path.write_bytes((ROOT / "reports" / "briefs.yml").read_bytes())
    return path


def _check_like_the_runner(path: Path) -> list:
    briefs = load_config(path)
    ids = event_ids(ROOT / "data")
    for brief in briefs:
        check_parameters(brief, declared_parameters(brief.notebook), ids, config=path)
    return briefs


def test_save_as_brief_appends_a_checked_entry_and_refuses_duplicates(data, config, monkeypatch):
    """Saving reads only the controls: the redraws are switched off here."""
    monkeypatch.setattr(explore.EventExplorer, "update", lambda self: None)
    old = config.read_bytes()
    x = _explorer(data, config=config)
    x.window.value = 21
    saved = x.save()
    assert saved is not None, x.save_message.value
    assert saved.name == "pompeo_embassy_threat_21d"
    assert "Saved brief" in x.save_message.value
    text = config.read_bytes()
    assert text.startswith(old)  # comments and entries kept as written
    briefs = _check_like_the_runner(config)
    assert [b.name for b in briefs][-1] == "pompeo_embassy_threat_21d"
    assert briefs[-1].parameters == {
        "event_id": "pompeo_embassy_threat",
        "window_days": 21,
        "context_weeks": CONTEXT,
    }
    assert briefs[-1].notebook == (ROOT / EVENT_NB).resolve()
    # the same name again, and the same view under another name: refused, file unchanged
    assert x.save() is None and "already a brief named" in x.save_message.value
    assert x.save(name="another") is None and "already publishes this view" in x.save_message.value
    assert config.read_bytes() == text
    # a shipped brief's view is a duplicate too (defaults filled in)
    with pytest.raises(ConfigError, match="'pompeo_embassy_threat' already publishes"):
        entries.save_brief(config, "again", EVENT_NB, {"event_id": "pompeo_embassy_threat"})
    # views the brief notebook cannot show
    x.filters["governorate"].value = ("Baghdad",)
    assert x.save(name="baghdad_only") is None and "no governorate" in x.save_message.value
    assert config.read_bytes() == text


EVENT_NB = "notebooks/brief.ipynb"


def test_save_brief_checks_the_entry_like_any_and_writes_nothing_on_error(config, monkeypatch):
    text = config.read_bytes()
    bad = [
        ("Bad Name", {"event_id": "suleimani_strike"}, "lower-case"),
        ("x1", {"event_id": "no_such_event"}, "unknown event_id"),
        ("x2", {"event_id": "suleimani_strike", "window_days": "14"}, "must be int"),
        ("x3", {"event_id": "suleimani_strike", "colour": "red"}, "unknown parameter 'colour'"),
        ("x4", {"event_id": "suleimani_strike", "confirmation": "rumour"}, "must be one of"),
    ]
    for name, params, message in bad:
        with pytest.raises(ConfigError, match=message):
            entries.save_brief(config, name, EVENT_NB, params)
        assert config.read_bytes() == text
    with pytest.raises(ConfigError, match="not a notebook of the project"):
        entries.save_brief(config, "x5", "../elsewhere.ipynb", {})
    # a failing write leaves the old file whole and no temporary file behind
    import analysis.atomic

    def no_rename(*_):
        raise OSError("disk full")

    monkeypatch.setattr(analysis.atomic.os, "replace", no_rename)
    with pytest.raises(OSError, match="disk full"):
        entries.save_brief(config, "x6", EVENT_NB, {"event_id": "taji_attack"})
    assert config.read_bytes() == text
    assert sorted(p.name for p in config.parent.iterdir()) == ["briefs.yml"]


def test_a_new_config_is_created_and_a_period_view_saved(data, tmp_path, monkeypatch):
    monkeypatch.setattr(explore.PeriodExplorer, "update", lambda self: None)  # no fits needed
    incidents, events = data
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    path = tmp_path / "mine.yml"
    p = explore.period(
        "2020-01-01",
        "2020-12-31",
        incidents,
        events,
        baseline_breaks=("2020-10-10", "2020-11-17"),
        config=path,
    )
    saved = p.save()
    assert saved is not None, p.save_message.value
    (brief,) = _check_like_the_runner(path)
    assert brief.notebook.name == "04_changepoints_and_escalation.ipynb"
    assert brief.parameters["start"] == "2020-01-01" and brief.parameters["end"] == "2020-12-31"
    assert brief.parameters["baseline_breaks"] == ["2020-10-10", "2020-11-17"]
    with pytest.raises(ParameterError, match="net attribution"):
        explore.brief_entry(explore.EventChoice("suleimani_strike", measure="attribution"))


def test_an_unknown_event_is_a_parameter_error():
    with pytest.raises(ParameterError, match="not in the events table"):
        explore.event(load_incidents(), load_events(), event_id="nope")


def test_on_the_project_s_data_the_view_is_headed_by_the_findings_sentence(data):
    """The explorer on the project's data reads the build's findings table, so the event's
    headline is the sentence every page prints; on data of your own there is no primary row."""
    from analysis.findings import store

    table = store.table()
    row = store.row("pompeo_embassy_threat", table)
    incidents, events = data
    choice = explore.EventChoice("pompeo_embassy_threat", context_weeks=CONTEXT)
    with_table = explore.compute_event(incidents, events, choice, findings=table)
    assert with_table.brief.headline == row["sentence"]
    assert with_table.brief.finding["estimate"] == row["estimate"]
    without = explore.compute_event(incidents, events, choice)
    assert not without.brief.finding and without.brief.headline != row["sentence"]


def _page_estimates(page: str) -> dict[str, str]:
    """data-event -> data-estimate of the forest table of a findings page."""
    import re

    forest = page.split('<table class="forest">', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-event="([^"]+)" data-estimate="([^"]+)"', forest))


def test_the_findings_forest_view_has_the_page_s_rows_and_pools():
    """The explorer's forest view reads the build's findings table with the page's own
    functions: every row's estimate is the one findings.html prints, the pools are the page's."""
    from analysis.findings import pooling, store
    from analysis.report.findings_page import findings_html

    table = store.table()
    page = findings_html(table)
    view = explore.findings_forest()
    shown = _page_estimates(page)
    ids = [r["event_id"] for r in view.rows.to_dict("records") if np.isfinite(r["estimate"])]
    assert ids and set(ids) <= set(shown)
    for r in view.rows.to_dict("records"):
        if np.isfinite(r["estimate"]):
            assert shown[r["event_id"]] == repr(r["estimate"])
    both = pooling.pool(table).pools
    both = both[both["campaign"] == pooling.BOTH].reset_index(drop=True)
    pd.testing.assert_frame_equal(view.pools, both)
    # one kind in one campaign: only its rows, and its pool there
    one = explore.findings_forest(["us_strike"], "2023-24", findings=table)
    assert set(one.rows["section"]) == {"us_strike"} and set(one.rows["campaign"]) == {"2023-24"}
    assert list(one.pools["campaign"]) == ["2023-24"] and list(one.pools["category"]) == [
        "us_strike"
    ]
    assert one.pools["events"].iloc[0].split(";") == sorted(
        one.rows["events"], key=lambda e: table.set_index("event_id").loc[e, "date"]
    )
    with pytest.raises(ParameterError, match="categories"):
        explore.findings_forest(["airstrike"], findings=table)
    with pytest.raises(ParameterError, match="campaign"):
        explore.findings_forest(["truce"], "2022", findings=table)


def test_the_forest_explorer_redraws_for_the_kinds_picked_and_shows_a_bad_choice():
    from analysis.findings import store

    table = store.table()
    panel = explore.forest(["truce"], findings=table)
    assert panel.error is None and set(panel.view.rows["section"]) == {"truce"}
    assert "forest-chart" in panel.out.value
    panel.categories.value = ("us_strike",)
    assert set(panel.view.rows["section"]) == {"us_strike"}
    assert "US strikes" in panel.out.value
    panel.categories.value = ()
    assert panel.view is None and "categories" in panel.error and panel.out.value == ""
    panel.categories.value = ("truce",)  # the widget goes on working
    assert panel.error is None


def test_the_period_explorer_takes_its_dates_from_the_case_not_from_code(data, monkeypatch):
    """No dates given: the shipped case's analysis_period; a case without one: its data's span;
    no Hawkes background breaks unless asked for (notebook 04's default)."""
    monkeypatch.setattr(explore.PeriodExplorer, "update", lambda self: None)  # no fits needed
    incidents, events = data
    p = explore.period(incidents=incidents, events=events)
    assert (p.choice.start, p.choice.end) == ("2019-10-01", "2021-12-31")
    assert p.choice.baseline_breaks == ()
    synthetic = ROOT / "tests" / "fixtures" / "case_synthetic"
    monkeypatch.setenv("ESCALATION_DATA_DIR", str(synthetic))
    from analysis.data import load_events, load_incidents

    inc = load_incidents()
    p = explore.period(incidents=inc, events=load_events())
    days = pd.to_datetime(inc["date"])
    assert p.choice.start == f"{days.min():%Y-%m-%d}" and p.choice.end == f"{days.max():%Y-%m-%d}"
