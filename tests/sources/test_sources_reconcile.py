"""Cross-source reconciliation on small synthetic incident tables (not the shipped data)."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from analysis import case
from analysis.errors import ModelInputError, ParameterError
from analysis.sources import ReconcileResults, acled, gdelt, reconcile
from analysis.sources.common import typed_incidents
from analysis.sources.reconciliation import COMPATIBLE_ATTACKS


def incidents(rows: list[tuple], dataset: str | None = None) -> pd.DataFrame:
    """(id, date, governorate, target_type, attack_type[, date_precision]) -> typed incidents."""
    records = []
    for r in rows:
        rid, date, gov, target, attack, *rest = r
        records.append(
            {
                "incident_id": rid,
                "date": pd.Timestamp(date),
                "date_precision": rest[0] if rest else "day",
                "governorate": gov,
                "target_type": target,
                "attack_type": attack,
                "confirmation": "confirmed",
            }
        )
    frame = typed_incidents(pd.DataFrame(records))
    if dataset:
        frame["source_dataset"] = dataset
        frame["source_event_id"] = frame["incident_id"].str.split("-").str[-1]
    return frame


CURATED = incidents(
    [
        ("c1", "2020-01-08", "Anbar", "us_military_base", "ballistic_missile"),
        ("c2", "2020-01-26", "Baghdad", "us_embassy", "rocket"),
        ("c3", "2020-03-11", "Baghdad", "us_military_base", "rocket"),
        ("c4", "2020-03-11", "Baghdad", "us_military_base", "rocket"),  # a second salvo
        ("c5", "2020-08-16", "unknown", "coalition_convoy", "ied"),
        ("c6", "2020-08-20", "Babil", "coalition_convoy", "ied"),
        ("c7", "2020-09-01", "Dhi Qar", "coalition_convoy", "ied", "month"),
    ]
)

FEED_A = incidents(
    [
        ("a-1", "2020-01-09", "Anbar", None, "rocket"),  # next day; rocket ~ ballistic missile
        ("a-2", "2020-01-26", "Baghdad", "us_embassy", "drone"),  # incompatible weapon
        ("a-3", "2020-03-11", "Baghdad", None, "rocket"),  # only one of the two salvos
        ("a-4", "2020-08-17", "Babil", "coalition_convoy", "ied"),  # unknown governorate
        ("a-5", "2020-08-22", "Babil", "coalition_convoy", "ied"),  # two days late
        ("a-6", "2020-09-17", "Dhi Qar", None, "ied"),  # inside c7's month
        ("a-7", "2020-10-02", "Basra", None, "unknown"),  # nothing curated
    ],
    "feed_a",
)

FEED_B = incidents(
    [
        ("b-1", "2020-01-08", "Erbil", None, "rocket"),  # wrong governorate
        ("b-2", "2020-01-27", "Baghdad", "airport", "rocket"),  # wrong target
        ("b-3", "2020-03-10", "Baghdad", "us_military_base", "unknown"),
    ],
    "feed_b",
)


def test_matching_rules_and_marks():
    result = reconcile(CURATED, FEED_A, FEED_B)
    assert isinstance(result, ReconcileResults)
    marked = result.incidents.set_index("incident_id")
    assert marked["feed_a_id"].isna().to_dict() == {
        "c1": False,
        "c2": True,  # a-2 is a drone, c2 rockets
        "c3": False,
        "c4": True,  # one feed event vouches for one incident only
        "c5": False,
        "c6": True,  # a-5 is two days later
        "c7": False,
    }
    assert marked.loc["c1", "feed_a_id"] == "1" and marked.loc["c5", "feed_a_id"] == "4"
    assert marked.loc["c7", "feed_a_id"] == "6"
    # b-3 (10 Mar, unknown weapon) matches one of the two 11 Mar salvos; b-1, b-2 match nothing
    assert marked["feed_b_id"].notna().sum() == 1
    assert marked.loc[["c3", "c4"], "feed_b_id"].notna().sum() == 1
    assert marked.loc["c3", "reported_by"] in ("feed_a", "feed_a;feed_b")
    assert marked.loc["c2", "reported_by"] == "" and marked.loc["c2", "n_feeds"] == 0
    assert int(marked["n_feeds"].sum()) == len(result.matches) == 5
    feed_a = result.feeds["feed_a"].set_index("incident_id")
    assert feed_a["matched_incident_id"].isna().sum() == 3  # a-2, a-5, a-7
    assert set(result.matches["day_diff"].dropna()) == {1.0, 0.0, -1.0}


def test_wider_day_window():
    narrow = reconcile(CURATED, FEED_A).incidents.set_index("incident_id")
    wide = reconcile(CURATED, FEED_A, days=2).incidents.set_index("incident_id")
    assert pd.isna(narrow.loc["c6", "feed_a_id"])
    assert wide.loc["c6", "feed_a_id"] == "5"  # a-5 is two days after c6


def test_coverage_table_by_month_and_feed():
    result = reconcile(CURATED, FEED_A, FEED_B)
    table = result.to_frame()
    assert list(table.columns) == [
        "month",
        "feed",
        "curated",
        "matched",
        "share",
        "feed_rows",
        "feed_only",
    ]
    months = pd.date_range("2020-01-01", "2020-09-01", freq="MS")
    assert len(table) == 2 * len(months)
    a = table[table["feed"] == "feed_a"].set_index("month")
    assert a["curated"].sum() == len(CURATED)
    # independent recount: curated rows per month, and feed_a's matches per month
    curated_months = CURATED["date"].dt.to_period("M").dt.to_timestamp().value_counts()
    assert a["curated"][a["curated"] > 0].to_dict() == curated_months.to_dict()
    jan, mar, aug = (pd.Timestamp(f"2020-{m:02d}-01") for m in (1, 3, 8))
    assert (a.loc[jan, "matched"], a.loc[jan, "share"]) == (1, 0.5)
    assert (a.loc[mar, "matched"], a.loc[mar, "curated"]) == (1, 2)
    assert (a.loc[aug, "feed_rows"], a.loc[aug, "feed_only"]) == (2, 1)
    assert np.isnan(a.loc[pd.Timestamp("2020-02-01"), "share"])
    assert a["feed_rows"].sum() == 6  # a-7 (October) is outside the curated months
    text = result.summary()
    assert "feed_a: reports 4 of 7" in text and "feed_b: reports 1 of 7" in text
    longer = reconcile(CURATED, FEED_A, end="2020-10-31").to_frame()
    assert longer["feed_only"].sum() == 3


def test_plot_draws_curated_and_each_feed():
    events = pd.DataFrame({"date": [pd.Timestamp("2020-01-03")], "label": ["strike"]})
    ax = reconcile(CURATED, FEED_A, FEED_B).plot(events=events)
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"curated incidents", "reported by feed_a", "reported by feed_b"} <= set(labels)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def _compatible(c: pd.Series, f: pd.Series, days: int) -> bool:
    """Brute-force statement of the matching rules, written independently of the module."""
    if "month" in (c["date_precision"], f["date_precision"]):
        same_time = c["date"].to_period("M") == f["date"].to_period("M")
    else:
        same_time = abs((c["date"] - f["date"]).days) <= days
    gov = c["governorate"] == f["governorate"] or "unknown" in (c["governorate"], f["governorate"])
    target = (
        pd.isna(c["target_type"])
        or pd.isna(f["target_type"])
        or (c["target_type"] == f["target_type"])
    )
    a, b = c["attack_type"], f["attack_type"]
    attack = "unknown" in (a, b) or a == b or frozenset({a, b}) in COMPATIBLE_ATTACKS
    return bool(same_time and gov and target and attack)


def test_random_tables_obey_the_rules_and_leave_no_compatible_pair_unmatched():
    rng = np.random.default_rng(5)
    govs = ["Baghdad", "Anbar", "Erbil", "unknown"]
    TARGET_TYPES = tuple(case.current().target_types)
    ATTACK_TYPES = tuple(case.current().attack_types)

    def random_table(n: int, prefix: str, dataset: str | None) -> pd.DataFrame:
        days = rng.integers(0, 60, n)
        rows = [
            (
                f"{prefix}-{k}",
                pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(days[k])),
                govs[rng.integers(len(govs))],
                [*TARGET_TYPES[:3], None][rng.integers(4)],
                ATTACK_TYPES[rng.integers(len(ATTACK_TYPES))],
            )
            for k in range(n)
        ]
        return incidents(rows, dataset)

    curated, feed = random_table(60, "c", None), random_table(80, "f", "feed")
    result = reconcile(curated, feed)
    c = curated.set_index("incident_id")
    f = feed.set_index("incident_id")
    for m in result.matches.itertuples():
        assert _compatible(c.loc[m.incident_id], f.loc[m.feed_incident_id], 1)
    assert result.matches["incident_id"].is_unique
    assert result.matches["feed_incident_id"].is_unique
    unmatched_c = set(c.index) - set(result.matches["incident_id"])
    unmatched_f = set(f.index) - set(result.matches["feed_incident_id"])
    for i, j in itertools.product(unmatched_c, unmatched_f):
        assert not _compatible(c.loc[i], f.loc[j], 1), (i, j)  # the matching is maximal
    assert len(result.matches) > 10


def test_real_loaders_feed_reconcile():
    a = acled.load(FIXTURES / "acled_iraq_sample.csv")
    g = gdelt.load(FIXTURES / "20200108000000.export.CSV")
    result = reconcile(CURATED, a, g)
    assert set(result.feeds) == {"acled", "gdelt"}
    marked = result.incidents.set_index("incident_id")
    assert marked.loc["c1", "reported_by"] == "acled;gdelt"  # Ain al-Asad, 8 Jan 2020


def test_bad_arguments():
    with pytest.raises(ValueError, match="days"):
        reconcile(CURATED, FEED_A, days=-1)
    with pytest.raises(ValueError, match="days"):
        reconcile(CURATED, FEED_A, days=1.5)
    with pytest.raises(ValueError, match="given twice"):
        reconcile(CURATED, FEED_A, FEED_A)
    with pytest.raises(ValueError, match="source_dataset"):
        reconcile(CURATED, CURATED)
    with pytest.raises(ValueError, match="curated lacks"):
        reconcile(CURATED.drop(columns=["governorate"]), FEED_A)
    with pytest.raises(ValueError, match="unique"):
        reconcile(pd.concat([CURATED, CURATED]), FEED_A)
    with pytest.raises(ParameterError, match="days"):  # the family under those ValueErrors
        reconcile(CURATED, FEED_A, days=-1)
    with pytest.raises(ModelInputError, match="given twice"):
        reconcile(CURATED, FEED_A, FEED_A)


def test_the_function_and_the_module_have_different_names():
    """``analysis.sources.reconcile`` is always the function, whatever was imported before:
    the submodule is ``analysis.sources.reconciliation``."""
    import analysis.sources
    import analysis.sources.reconciliation
    from analysis.sources import reconcile as function

    assert callable(function)
    assert function is analysis.sources.reconciliation.reconcile
    assert analysis.sources.reconcile is function
    assert analysis.sources.reconciliation.ReconcileResults is ReconcileResults
