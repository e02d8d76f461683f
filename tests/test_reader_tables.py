"""Reader views of the analysis pages (analysis.briefs.overview, .model_views, .html): tables
a newsroom can read.

Every view, on the shipped data and on small synthetic series, must have no index column, headers
in words, no number in scientific notation and no ``inf``/``nan``/``None`` text; a rate over a span
without attacks is said in words with the exact one-sided 95% Poisson upper limit (checked against
scipy); text from the data is escaped.
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.briefs import (
    Html,
    attack_times,
    counterfactual_span,
    event_row,
    events_between,
    wording,
)
from analysis.briefs import html as bhtml
from analysis.briefs import model_views as mv
from analysis.briefs import overview as ov
from analysis.briefs.wording import fmt_number
from analysis.data import load_events, load_incidents, load_reported_counts
from analysis.models import changepoints, counterfactual, hawkes, its, windows
from analysis.series import counts

START, END = "2019-10-01", "2021-12-31"
HOSTILE = "<script>alert(1)</script>"

#: a number in scientific notation ("7.606725e-02", "1e-11", "3E+05")
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+\b")
#: text a reader must never see for a number
NOT_A_NUMBER = re.compile(r"\b(?:inf|Inf|INF|infinite|Infinity|nan|NaN|NAN|None|NaT|<NA>)\b")


class _Tables(HTMLParser):
    """Tables of an HTML fragment: per table, its header cells and body rows (cell texts), and
    whether a body row has a header cell (an index column, as pandas writes one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._section = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"header": [], "rows": [], "index": False})
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self.tables and self._section == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "th" and self._section == "tbody":
                self.tables[-1]["index"] = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            table = self.tables[-1]
            if self._section == "thead":
                table["header"].append(text)
            else:
                table["rows"][-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_tables(markup: str) -> list[dict]:
    parser = _Tables()
    parser.feed(markup)
    return parser.tables


def visible_text(markup: str) -> str:
    return re.sub(r"<[^>]*>", " ", markup)


def check_reader_view(view: Html, *, tables: int | None = None) -> list[dict]:
    """The rules every reader view keeps; returns its parsed tables."""
    assert isinstance(view, Html)
    found = parse_tables(view.html)
    if tables is not None:
        assert len(found) == tables, view.html[:300]
    for text in (visible_text(view.html), view.text):
        assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)
        assert not NOT_A_NUMBER.search(text), NOT_A_NUMBER.search(text)
    for table in found:
        assert not table["index"], "no index column"
        header = table["header"]
        assert header and all(re.search("[a-z]", h) for h in header), header
        assert all("_" not in h for h in header), f"headers in words: {header}"
        assert all(len(row) == len(header) for row in table["rows"]), "one cell per header"
    return found


def column(table: dict, header: str) -> list[str]:
    i = table["header"].index(header)
    return [row[i] for row in table["rows"]]


# --------------------------------------------------------------------------------------------
# shipped data: every view of notebooks 01-05 with their defaults
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        incidents, events = load_incidents(), load_events()
        chosen = events_between(events, START, END)
        daily = counts(incidents, "D", START, END)
        weekly = counts(incidents, "W-MON", START, END)
        interventions = {
            e: pd.Timestamp(event_row(events, e)["date"])
            for e in ("suleimani_strike", "pompeo_embassy_threat")
        }
        times = attack_times(incidents, START, END, "confirmed")
        window_end = pd.Timestamp(END) + pd.Timedelta(days=1)
        event = event_row(events, "suleimani_strike")
        first, last = counterfactual_span(incidents, event["date"], "W-MON", 26, 5)
        return {
            "incidents": incidents,
            "period": incidents[incidents["date"].between(START, END)],
            "chosen": chosen,
            "windows": windows.compare(daily, events=chosen, days=30),
            "its": its.fit(weekly, events=interventions, annotate=chosen),
            "cp": changepoints.detect(weekly, events=chosen),
            "hawkes": hawkes.fit(times, start=START, end=window_end, seed=0),
            "hawkes_periods": hawkes.fit(
                times,
                start=START,
                end=window_end,
                baseline_breaks=["2020-10-10", "2020-11-17"],
                seed=0,
            ),
            "cf": counterfactual.fit(
                counts(incidents, "W-MON", first, last), event["date"], seed=0
            ),
        }


def test_data_overview_views(shipped):
    period = shipped["period"]
    for name, words in (("target_type", "US military base"), ("attack_type", "Rocket")):
        (table,) = check_reader_view(ov.crosstab_html(period, name), tables=1)
        assert table["header"][-4:] == ["confirmed", "claimed", "disputed", "all levels"]
        labels = column(table, table["header"][0])
        assert words in labels and labels[-1] == "all"
        assert column(table, "all levels")[-1] == f"{len(period):,}"
    (table,) = check_reader_view(ov.events_html(shipped["chosen"]), tables=1)
    assert table["header"][:3] == ["date", "event", "kind of event"]
    assert "3 Jan 2020" in column(table, "date")
    assert "militia_attack" not in str(table) and "Militia attack" in column(table, "kind of event")
    (table,) = check_reader_view(ov.thin_months_html(shipped["incidents"], START, END), tables=1)
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", m) for m in column(table, "month"))
    tallies = ov.tallies_html(shipped["incidents"], load_reported_counts(), START, END)
    table, reference = check_reader_view(tallies, tables=2)
    assert all(s == "" or re.fullmatch(r"\d+%", s) for s in column(table, "share"))
    # only Iraq tallies beside the dataset's counts; the others without them, for reference
    assert not any("dataset" in h or h == "share" for h in reference["header"])
    assert set(column(reference, "counts")) <= {"Iraq and Syria", "Region", "One base"}


def test_windows_views(shipped):
    res = shipped["windows"]
    (table,) = check_reader_view(mv.windows_table_html(res, shipped["chosen"]), tables=1)
    assert len(table["header"]) <= 7, "fits a page 1,100 px wide"
    assert len(table["rows"]) == len(res.table)
    assert table["rows"][0][0].startswith("K-1 rocket attack")  # labels, not ids
    ratios = column(table, "rate ratio after / before (95% interval)")
    assert "3.0 (0.91 to 13)" in ratios  # the K-1 attack: 12 after, 4 before
    # events with no attack in the 30 days before: words, not inf
    none_before = [r for r in table["rows"] if r[2].startswith("0 /")]
    assert len(none_before) == int((res.table["before"] == 0).sum()) > 0
    bound = fmt_number(stats.chi2.ppf(0.95, 2) / 2 / 30)
    assert all(r[3] == f"no attacks: below {bound} a day" for r in none_before)
    assert all(r[5].startswith("not defined") for r in none_before)
    summary = check_reader_view(mv.summary_html(res, shipped["chosen"]), tables=0)
    assert summary == []
    assert "Militia conditional truce" in mv.summary_html(res, shipped["chosen"]).text


def test_its_views(shipped):
    res = shipped["its"]
    (table,) = check_reader_view(mv.its_effects_html(res), tables=1)
    assert column(table, "event") == ["Suleimani strike", "Pompeo embassy closure threat"]
    e = res.effects.loc["suleimani_strike"]
    want = f"{fmt_number(e.level_rr)} ({fmt_number(e.level_low)} to {fmt_number(e.level_high)})"
    assert table["rows"][0][2] == want
    check_reader_view(mv.summary_html(res), tables=0)
    diagnostics = mv.its_diagnostics_html(res)
    check_reader_view(diagnostics, tables=0)
    lag = int(res.ljung_box.index[-1])
    assert f"p = {res.residual_autocorrelation:.3f} at lag {lag}" in diagnostics.text
    assert f"Dispersion {fmt_number(res.dispersion)}" in diagnostics.text


def test_changepoint_views(shipped):
    cp = shipped["cp"]
    (seg,) = check_reader_view(mv.segments_html(cp), tables=1)
    assert len(seg["rows"]) == len(cp.segments)
    assert column(seg, "rate (95% interval)")[1] == "1.3 a week (0.96 to 1.8)"
    (near,) = check_reader_view(mv.changepoint_events_html(cp), tables=1)
    assert len(near["rows"]) == len(cp.changepoints)
    assert near["rows"][2][3].startswith("Militia conditional truce")
    assert near["rows"][2][4] == "2 days after the event"
    check_reader_view(mv.summary_html(cp), tables=0)


def test_hawkes_views_say_an_unidentified_background_in_words(shipped):
    for fit in (shipped["hawkes"], shipped["hawkes_periods"]):
        (table,) = check_reader_view(mv.hawkes_table_html(fit))
        assert column(table, "measure")[-1].startswith("fit to the timing of attacks")
        check_reader_view(mv.summary_html(fit), tables=0)
    fit = shipped["hawkes_periods"]
    # the Oct-Nov 2020 truce: 1 attack, all put down to earlier attacks; the fit's background
    # there is ~1e-11 with an interval (0, inf): the page says so in words
    assert fit.baselines["baseline"].iloc[1] < 1e-6 and not np.isfinite(fit.baselines["high"][1])
    (table,) = parse_tables(mv.hawkes_table_html(fit).html)
    row = next(r for r in table["rows"] if "10 Oct 2020 to 16 Nov 2020" in r[0])
    bound = fmt_number(stats.chi2.ppf(0.95, 4) / 2 / 38)  # exact upper limit for 1 in 38 days
    assert row[1:] == ["close to 0 (not pinned down)", f"below {bound} a day"]


def test_counterfactual_views(shipped):
    res = shipped["cf"]
    (table,) = check_reader_view(mv.counterfactual_table_html(res), tables=1)
    assert len(table["rows"]) == res.n_post + 1
    assert table["rows"][-1][:2] == [f"all {res.n_post} weeks", "12"]
    check_reader_view(mv.summary_html(res), tables=0)


def test_headline_html_is_escaped():
    h = bhtml.headline_html({"headline": HOSTILE})
    assert "<script>" not in h.html and "&lt;script&gt;" in h.html and h.text == HOSTILE


# --------------------------------------------------------------------------------------------
# zero counts, exactly
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exposure", [1, 7, 23, 30, 38, 365])
def test_zero_count_upper_is_the_exact_one_sided_poisson_limit(exposure):
    upper = wording.zero_count_upper(exposure)
    assert upper == pytest.approx(stats.chi2.ppf(0.95, 2) / 2 / exposure, rel=1e-12)
    # the rate at which seeing no event has probability 5%
    assert stats.poisson.pmf(0, upper * exposure) == pytest.approx(0.05, rel=1e-12)
    assert wording.rate_words(0, exposure, "day") == f"no attacks: below {fmt_number(upper)} a day"
    assert wording.rate_words(0, 0, "day") == "no data"


def _daily(values: dict[str, int], start: str, days: int) -> pd.Series:
    index = pd.date_range(start, periods=days, freq="D")
    y = pd.Series(0, index=index, dtype="int64")
    for day, n in values.items():
        y[pd.Timestamp(day)] = n
    return y


def _events(**dates: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": list(dates),
            "date": pd.to_datetime(list(dates.values())),
            "label": [k.replace("_", " ").title() for k in dates],
            "category": "political",
        }
    )


def test_windows_with_no_attacks_on_one_or_both_sides_are_said_in_words():
    # "quiet": nothing in the 30 days before, 3 after; "silent": nothing on either side;
    # "edge": a window cut to 10 days by the end of the data, no attack after it
    y = _daily(
        {"2021-02-05": 1, "2021-02-10": 2, "2021-05-01": 4, "2021-07-01": 2}, "2021-01-01", 212
    )
    ev = _events(quiet="2021-02-01", silent="2021-04-01", edge="2021-07-22")
    res = windows.compare(y, events=ev, days=30)
    assert np.isinf(res.table.loc["quiet", "rate_ratio"])  # the frame analysts see
    (table,) = check_reader_view(mv.windows_table_html(res, ev), tables=1)
    quiet, silent, edge = table["rows"]
    b30 = fmt_number(stats.chi2.ppf(0.95, 2) / 2 / 30)
    assert quiet[3] == f"no attacks: below {b30} a day" and quiet[4] == "0.10 a day"
    assert quiet[5].startswith("not defined")
    assert silent[3] == silent[4] == f"no attacks: below {b30} a day"
    assert silent[5] == "no attacks on either side"
    assert edge[0].endswith("only 10 days of data after")
    assert edge[4] == f"no attacks: below {fmt_number(3.0 / 10, 2)} a day"
    assert edge[5].startswith("fewer than ")  # no attack after: an upper bound, never "0 (0 to"
    check_reader_view(mv.windows_summary_html(res, ev), tables=0)


def test_a_segment_without_attacks_is_said_in_words():
    values = [3, 2, 4, 3, 3, 2, 4, 3, 3, 2] + [0] * 12 + [3, 4, 2, 3, 3, 4, 2, 3, 3, 4]
    index = pd.date_range("2021-01-04", periods=len(values), freq="W-MON")
    cp = changepoints.detect(pd.Series(values, index=index), n_changepoints=2)
    assert cp.segments["count"].tolist()[1] == 0
    (table,) = check_reader_view(mv.segments_html(cp), tables=1)
    bound = fmt_number(stats.chi2.ppf(0.95, 2) / 2 / 12)
    assert table["rows"][1][4] == f"no attacks: below {bound} a week"


def test_a_background_period_without_attacks_is_said_in_words():
    start = pd.Timestamp("2021-01-01")
    times = hawkes.simulate(0.3, 0.3, 1.0, start=start, end=start + pd.Timedelta(days=460), seed=3)
    days = (times - start) / pd.Timedelta(days=1)
    times = times[(days < 200) | (days >= 260)]  # a quiet spell of 60 days
    breaks = [start + pd.Timedelta(days=200), start + pd.Timedelta(days=260)]
    fit = hawkes.fit(times, start=start, end=start + pd.Timedelta(days=460), baseline_breaks=breaks)
    (table,) = check_reader_view(mv.hawkes_table_html(fit), tables=1)
    row = next(r for r in table["rows"] if "20 Jul 2021" in r[0])
    assert row[1:] == [f"no attacks: below {fmt_number(3.0 / 60)} a day", ""]
    assert "no attacks in this period: the rate is below" in mv.summary_html(fit).text


# --------------------------------------------------------------------------------------------
# escaping and the generic helper
# --------------------------------------------------------------------------------------------


def test_hostile_labels_are_escaped_in_every_view():
    y = _daily({f"2021-0{m}-1{d}": 1 for m in range(1, 8) for d in range(5)}, "2021-01-01", 212)
    ev = _events(a="2021-03-01")
    ev["label"] = HOSTILE
    ev["date_note"] = HOSTILE
    weekly = y.resample("W-MON", label="left", closed="left").sum()
    weekly = weekly.asfreq("W-MON")
    views = [
        mv.windows_table_html(windows.compare(y, events=ev, days=30), ev),
        ov.events_html(ev),
        mv.its_effects_html(its.fit(weekly, events={"a": "2021-03-01"}), ev),
        mv.its_summary_html(its.fit(weekly, events={"a": "2021-03-01"}), ev),
        mv.changepoint_events_html(changepoints.detect(weekly, n_changepoints=1, events=ev)),
        bhtml.frame_html(pd.DataFrame({"note": [HOSTILE]}), "demo"),
    ]
    for view in views:
        assert "<script>" not in view.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in view.html
        assert HOSTILE in view.text


def test_frame_html_formats_for_readers():
    frame = pd.DataFrame(
        {
            "attack_type": ["ied", "rocket"],
            "rate_per_day": [7.606725e-02, 1.388794e-11],
            "upper": [np.inf, np.nan],
            "first_day": pd.to_datetime(["2020-01-03", "2021-12-31"]),
            "count": [3, 1_250],
        },
        index=pd.Index(["x", "y"], name="key"),
    )
    view = bhtml.frame_html(
        frame, "demo", columns={"attack_type": "weapon", "rate_per_day": "rate"}
    )
    (table,) = check_reader_view(view, tables=1)
    assert table["header"] == ["weapon", "rate"]
    assert table["rows"] == [["Roadside bomb (IED)", "0.076"], ["Rocket", "< 0.001"]]
    (table,) = check_reader_view(bhtml.frame_html(frame, "demo"), tables=1)
    assert table["header"] == ["attack type", "rate per day", "upper", "first day", "count"]
    assert table["rows"][1][2:] == ["", "31 Dec 2021", "1,250"]
    assert 'class="num nowrap"' in view.html  # numbers right-aligned, on one line


def test_a_near_total_fall_is_not_worded_as_a_fall_of_100_percent():
    from analysis.briefs.wording import ratio_words

    assert "a fall of 60%" in ratio_words(0.4, 0.2, 0.8, 0.01)
    near_zero = ratio_words(0.004, 0.001, 0.05, 0.001)
    assert "a fall of more than 99%" in near_zero and "100%" not in near_zero
    # an interval spanning more than a factor of 100: its informative end only
    assert ratio_words(0.004, 0.0001, 0.2, 0.001).startswith("fewer than 0.20 times")
