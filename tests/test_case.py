"""The case file: the shipped Iraq case reads, and a bad case file is refused naming the key."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from analysis import case

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_case_describes_iraq_syria_and_jordan() -> None:
    c = case.load(ROOT / "data")
    assert c.countries == ("Iraq", "Syria", "Jordan")
    assert len(c.areas_of("Iraq")) == 19 and len(c.areas_of("Syria")) == 14
    assert c.grid("Iraq")["Baghdad"] == (2, 1)
    assert c.scope_countries()["iraq_syria"] == ("Iraq", "Syria")
    assert c.comparable_scope == "iraq" and c.official_tally == "the Pentagon"
    assert [k.key for k in c.campaigns] == ["2019-21", "2023-24"]
    assert c.campaigns[0].countries == ("Iraq",)
    assert c.labels("attack_type")["ied"] == "Roadside bomb (IED)"
    # UTC+3 all year: 22:30 UTC on 2 Jan is already 3 Jan in Baghdad
    at = dt.datetime(2020, 1, 2, 22, 30, tzinfo=dt.UTC)
    assert c.today(at) == dt.date(2020, 1, 3)


def _write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load((ROOT / "data" / "case.yml").read_text(encoding="utf-8"))
    change(raw)
    (tmp_path / "case.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda r: r.update(timezone="Mars/Olympus"), "timezone"),
        (lambda r: r["areas"][2].update(country="Atlantis"), "areas[2].country"),
        (lambda r: r["areas"][3].update(row=-1), "areas[3].row"),
        (lambda r: r["areas"][4].update(row=5, col=1), "areas[4].row"),  # Al-Muthanna's tile
        (lambda r: r.update(comparable_scope="mars"), "comparable_scope"),
        (lambda r: r["campaigns"][1].update(start="2022-01-01"), "campaigns[1].start"),
        (lambda r: r["actor_rules"][0].update(actor="Nobody"), "actor_rules[0].actor"),
        (lambda r: r.update(colour="red"), "unknown key 'colour'"),
        (lambda r: r.update(min_incidents=0), "min_incidents"),
        (lambda r: r["event_kinds"].update(raid={"one": "raid"}), "event_kinds.raid"),
        (lambda r: r["event_kinds"]["truce"].update(attack="yes"), "event_kinds.truce.attack"),
        (lambda r: r["event_kinds"]["truce"].update(attack=True), "at most one kind has attack"),
        (lambda r: r["event_kinds"]["threat"].update(state_pattern="(Iran"), "state_pattern"),
        (lambda r: r["event_kinds"]["truce"].pop("asks"), "event_kinds.truce.asks"),
        (lambda r: r["event_kinds"]["truce"]["verdicts"].pop("no_change"), "missing no_change"),
        (lambda r: r["event_kinds"]["threat"].update(colour="red"), "event_kinds.threat.colour"),
        (lambda r: r.update(label_priority="truce"), "label_priority must be a list"),
        (lambda r: r.update(label_priority=["truce", "raid"]), "label_priority[1]"),
        (lambda r: r.update(label_priority=["truce", "truce"]), "label_priority[1] must be listed"),
        (lambda r: r["target_names"].update(tank="a tank"), "target_names must be keyed"),
    ],
)
def test_a_bad_case_file_is_refused_naming_file_and_key(tmp_path: Path, change, key) -> None:
    folder = _write(tmp_path, change)
    with pytest.raises(case.CaseError) as err:
        case.load(folder)
    assert str(folder / "case.yml") in str(err.value)
    assert key in str(err.value)


def test_a_folder_without_a_case_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(case.CaseError, match="escalation case new"):
        case.load(tmp_path)


def test_the_starter_case_file_reads(tmp_path: Path) -> None:
    (tmp_path / "case.yml").write_text(case.starter_yaml("Red Sea: 'test'"), encoding="utf-8")
    c = case.load(tmp_path)
    assert c.name == "Red Sea: 'test'" and c.areas[0].name == "Area 1"


def test_an_edited_case_file_is_read_again(tmp_path: Path) -> None:
    shutil.copy(ROOT / "data" / "case.yml", tmp_path / "case.yml")
    first = case.load(tmp_path)
    text = (tmp_path / "case.yml").read_text(encoding="utf-8")
    (tmp_path / "case.yml").write_text(
        text.replace("area_word: governorate", "area_word: province")
    )
    assert case.load(tmp_path).area_word == "province" != first.area_word


def test_what_the_findings_read_from_event_kinds_comes_from_the_case(tmp_path, monkeypatch) -> None:
    """The kind of attack events, the state whose strikes are kept apart, the questions asked
    first and the nouns: the shipped case's, then another case's, with no code edit."""
    import pandas as pd

    from analysis.findings import evaluation, pooling

    shipped = case.load(ROOT / "data")
    assert shipped.attack_kind == "militia_attack" and shipped.questions == ("us_strike", "truce")
    assert shipped.kind("political").many == "political events"
    incidents = pd.DataFrame(
        {
            "date": ["2020-01-01", "2020-01-08", "2020-01-08", "2020-01-20"],
            "actor": ["unknown", "Iran (IRGC)", "Kataib Hezbollah", "Navy of Eastmark"],
            "confirmation": ["confirmed"] * 4,
        }
    )
    events = pd.DataFrame(
        {"event_id": ["e1"], "date": [pd.Timestamp("2020-01-08")], "category": ["militia_attack"]}
    )
    options = evaluation.Options()
    kept, dropped, _ = evaluation.attack_series(incidents, events, options)
    assert list(kept["actor"]) == ["unknown", "Navy of Eastmark"]  # Iran's strike kept apart
    assert list(dropped["actor"]) == ["Kataib Hezbollah"]  # the event's own attack

    def other(raw):
        raw["event_kinds"] = {
            "threat": {"one": "threat", "many": "threats", "attack": True},
            "truce": {"state_pattern": "Eastmark", "question": "Do truces last?", "asks": "if"},
        }

    monkeypatch.setenv("ESCALATION_DATA_DIR", str(_write(tmp_path, other)))
    events["category"] = "threat"
    kept, dropped, _ = evaluation.attack_series(incidents, events, options)
    assert list(kept["actor"]) == ["unknown"]  # Eastmark's strike kept apart, Iran's counted
    assert sorted(dropped["actor"]) == ["Iran (IRGC)", "Kataib Hezbollah"]
    assert pooling.question("truce") == "if" and pooling.question("us_strike").startswith("what")
    assert (
        pooling.noun("truce", 2) == "truce events"
        and pooling.noun("us_strike", 1) == "US strike event"
    )
    assert pooling.verdict("us_strike", "clear_rise") == "on balance a clear rise"


SYNTHETIC = ROOT / "tests" / "fixtures" / "case_synthetic"


def _synthetic(tmp_path: Path, **keys) -> Path:
    """A copy of the synthetic case's file with ``keys`` set (SYNTHETIC case, tests only)."""
    raw = yaml.safe_load((SYNTHETIC / "case.yml").read_text(encoding="utf-8"))
    raw.update(keys)
    (tmp_path / "case.yml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_label_priority_and_target_names_come_from_the_case(tmp_path, monkeypatch) -> None:
    """Which event labels a crowded chart keeps first, and an accepted feed row's target name,
    are the case file's: the shipped case's as before, the synthetic case's from its own file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from analysis.charts import annotate_events, event_labels
    from analysis.sources.review import addition_row

    shipped = case.load(ROOT / "data")
    assert shipped.label_priority == (
        "us_strike", "iran_strike", "truce", "threat", "political", "diplomatic",
        "military_posture", "militia_attack",
    )  # fmt: skip
    assert shipped.target_name("us_military_base") == "base hosting US forces"
    assert shipped.target_name("residential") == "Homes and civilian districts"  # its label
    assert shipped.target_name("") == "site hosting US forces"  # 'other's
    plain = case.load(SYNTHETIC)  # no key: the categories in the file's order, the labels
    assert plain.label_priority == (
        "naval_strike",
        "ceasefire",
        "political",
        "diplomatic",
        "threat",
    )
    assert plain.target_name("port") == "Port" and plain.target_name("raft") == "Other"
    ordered = case.load(_synthetic(tmp_path, label_priority=["threat", "ceasefire"],
                                   target_names={"port": "harbour quay"}))  # fmt: skip
    assert ordered.label_priority == (
        "threat",
        "ceasefire",
        "naval_strike",
        "political",
        "diplomatic",
    )
    assert ordered.target_name("port") == "harbour quay"

    # two events a day apart: only one label fits, and the case decides which
    events = pd.DataFrame(
        {
            "label": ["Strike on the cape", "Ceasefire talks"],
            "date": pd.to_datetime(["2016-05-01", "2016-05-02"]),
            "category": ["naval_strike", "ceasefire"],
        }
    )

    def labelled(folder: Path) -> list[str]:
        monkeypatch.setenv("ESCALATION_DATA_DIR", str(folder))
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.set_xlim(pd.Timestamp("2016-01-01"), pd.Timestamp("2016-12-31"))
        annotate_events(ax, events)
        plt.close(fig)
        return [t.get_text() for t in event_labels(ax)]

    assert labelled(SYNTHETIC) == ["Strike on the cape"]
    assert labelled(tmp_path) == ["Ceasefire talks"]

    candidate = defaultdict(str, target_type="port", date="2016-05-01", governorate="Grey Cape")
    kwargs = {"source_url": "https://example.org/a", "source_title": "T", "confirmation": "claimed"}
    row = addition_row(candidate, description="d", data_dir=tmp_path, **kwargs)
    assert row["target_name"] == "harbour quay"
    assert addition_row(candidate, data_dir=SYNTHETIC, **kwargs)["target_name"] == "Port"
