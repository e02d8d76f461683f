"""The data layer and the commands take everything about one conflict from the case file.

Each test works on a temporary copy of ``data/`` (its tables and ``case.yml``) and edits the copy:
a vocabulary widened in the case file is accepted, a value outside it is refused naming the case
file, the ``area`` header and a missing ``country`` column are read, every command takes
``--data DIR``, and a broken case file is a clean exit 2.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, ROOT, edit_cells

from analysis import case
from analysis.cli import main
from analysis.data import load_incidents, validate_path
from analysis.data.actors import actor_for
from analysis.data.campaigns import campaigns, countries_of_period
from analysis.data.coverage import comparable, comparable_scope
from analysis.data.schema import incidents_spec, specs
from analysis.paths import DATA_DIR_ENV
from analysis.report.config import config_root, load_config


def _use(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))


def _edit_case(folder: Path, old: str, new: str) -> None:
    path = folder / "case.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _rewrite(path: Path, change) -> None:
    """Rewrite a CSV through ``change(header, rows) -> (header, rows)``."""
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    header, rows = change(header, rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


# -- vocabularies from the case ------------------------------------------------------------------


def test_a_value_outside_the_vocabulary_names_file_line_field_and_case_file(data_copy: Path):
    path = data_copy / "incidents.csv"
    edit_cells(path, {(5, "attack_type"): "anti_ship_missile"})
    (problem,) = validate_path(path)
    assert (problem.line, problem.field, problem.value) == (7, "attack_type", "anti_ship_missile")
    assert "not one of: rocket" in problem.message
    assert f"(vocabulary from {data_copy / 'case.yml'})" in problem.message


def test_widening_the_case_s_vocabulary_admits_the_value(data_copy: Path, monkeypatch):
    _use(monkeypatch, data_copy)
    edit_cells(data_copy / "incidents.csv", {(5, "attack_type"): "anti_ship_missile"})
    _edit_case(data_copy, "mixed: Rockets and drones}", "mixed: Rockets and drones,\n"
               "  anti_ship_missile: Anti-ship missile}")  # fmt: skip
    incidents = load_incidents()
    assert incidents.loc[5, "attack_type"] == "anti_ship_missile"
    assert list(incidents["attack_type"].cat.categories)[-1] == "anti_ship_missile"
    # the same process, back on the shipped data: its own case, its own vocabulary
    monkeypatch.setenv(DATA_DIR_ENV, str(DATA))
    assert "anti_ship_missile" not in incidents_spec().categories["attack_type"]


def test_specs_are_built_once_per_version_of_the_case_file(data_copy: Path, monkeypatch):
    _use(monkeypatch, data_copy)
    first = specs()
    assert specs() is first
    _edit_case(data_copy, "min_incidents: {rows: 250", "min_incidents: {rows: 300")
    assert specs() is not first and incidents_spec().min_rows == 300


def test_an_event_category_and_a_tally_scope_come_from_the_case(data_copy: Path, monkeypatch):
    _use(monkeypatch, data_copy)
    edit_cells(data_copy / "political_events.csv", {(0, "category"): "israeli_strike"})
    (problem,) = validate_path(data_copy / "political_events.csv")
    assert problem.field == "category" and "case.yml" in problem.message
    _edit_case(data_copy, "truce: Truce}", "truce: Truce, israeli_strike: Israeli strike}")
    assert validate_path(data_copy / "political_events.csv") == []
    assert comparable_scope() == "iraq"
    _edit_case(data_copy, "comparable_scope: iraq", "comparable_scope: iraq_syria")
    assert comparable_scope() == "iraq_syria"
    _edit_case(data_copy, "label: Iraq and Syria\n    countries: [Iraq, Syria]",
               "label: Iraq and Syria\n    countries: [Iraq]")  # fmt: skip
    assert comparable("iraq_syria", "2020-01-01", "2020-02-01")  # now counts Iraq alone


def test_actor_rules_and_campaigns_come_from_the_case(data_copy: Path, monkeypatch):
    _use(monkeypatch, data_copy)
    assert actor_for("claimed by Kataib Hezbollah") == "Kataib Hezbollah"
    _edit_case(data_copy, "- {pattern: Kataib Hezbollah, actor: Kataib Hezbollah}\n", "")
    assert actor_for("claimed by Kataib Hezbollah") == "unknown"
    assert [c.key for c in campaigns()] == ["2019-21", "2023-24"]
    assert countries_of_period("2023-03-01", "2023-03-31") == ("Iraq",)  # outside: the first
    _edit_case(data_copy, "- key: 2019-21", "- key: first-wave")
    assert campaigns()[0].key == "first-wave"


def test_a_case_without_campaigns_holds_all_its_countries_throughout(data_copy, monkeypatch):
    _use(monkeypatch, data_copy)
    path = data_copy / "case.yml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("campaigns:\n"), text.index("min_incidents:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert campaigns() == ()
    assert countries_of_period("2020-01-01", "2020-02-01") == ("Iraq", "Syria", "Jordan")


# -- the area column and an optional country -----------------------------------------------------


def test_area_is_read_as_the_place_column_and_country_from_the_area(data_copy: Path):
    shipped = load_incidents(data_copy / "incidents.csv")
    path = data_copy / "incidents.csv"

    def renamed(header, rows):
        return ["area" if h == "governorate" else h for h in header], rows

    _rewrite(path, renamed)
    assert load_incidents(path).equals(shipped)  # the frame names it governorate, as before

    def no_country(header, rows):
        i = header.index("country")
        keep = [r for r in rows if r[header.index("area")] != "unknown"]
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in keep]

    _rewrite(path, no_country)
    loaded = load_incidents(path)
    known = shipped[shipped["governorate"] != "unknown"].reset_index(drop=True)
    assert loaded["country"].astype(str).tolist() == known["country"].astype(str).tolist()
    assert (loaded["country"] == "Syria").sum() > 100


def test_without_a_country_column_an_unknown_area_is_refused_in_a_multi_country_case(data_copy):
    path = data_copy / "incidents.csv"

    def no_country(header, rows):
        i = header.index("country")
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]

    _rewrite(path, no_country)
    problems = [p for p in validate_path(path) if p.field == "country"]
    assert len(problems) == 11  # the shipped rows whose governorate is unknown
    assert "add a country column" in problems[0].message and problems[0].value == "unknown"


def test_a_problem_in_an_area_column_is_named_as_the_file_names_it(data_copy: Path):
    path = data_copy / "incidents.csv"
    _rewrite(path, lambda h, r: (["area" if x == "governorate" else x for x in h], r))
    edit_cells(path, {(2, "area"): "Red Sea"})
    (problem,) = validate_path(path)
    assert (problem.line, problem.field, problem.value) == (4, "area", "Red Sea")
    assert "case.yml" in problem.message


# -- the commands ------------------------------------------------------------------------------


def test_every_data_command_takes_data(data_copy: Path, capsys, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    _edit_case(
        data_copy, "name: Attacks on US forces", "name: A copied case of attacks on US forces"
    )
    edit_cells(data_copy / "incidents.csv", {(5, "attack_type"): "anti_ship_missile"})
    _edit_case(data_copy, "mixed: Rockets and drones}", "mixed: Rockets and drones,\n"
               "  anti_ship_missile: Anti-ship missile}")  # fmt: skip

    assert main(["validate", "--data", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert f"{data_copy / 'case.yml'}: ok" in out and out.count(": ok") == 4
    assert main(["validate", str(data_copy)]) == 0  # a folder as the argument
    capsys.readouterr()

    assert main(["summary", "--data", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert "case: A copied case" in out and "anti_ship_missile 1" in out

    argv = ["counts", "--freq", "MS", "--where", "attack_type=anti_ship_missile"]
    assert main([*argv, "--data", str(data_copy), "--confirmation", "all"]) == 0
    counted = capsys.readouterr().out
    rows = [line.split() for line in counted.splitlines()[1:]]
    assert sum(int(r[-1]) for r in rows if len(r) == 2 and r[0][:2] in ("19", "20")) == 1
    assert main(argv) == 1  # the shipped case has no such weapon
    assert "anti_ship_missile" in capsys.readouterr().err

    assert main(["review", "--data", str(data_copy)]) == 0
    assert "waiting" in capsys.readouterr().out
    assert DATA_DIR_ENV not in os.environ  # the command's folder is not left behind


def test_a_broken_case_file_is_exit_2_without_a_traceback(data_copy: Path):
    (data_copy / "case.yml").write_text("name: [unclosed\n", encoding="utf-8")
    for argv in (["validate", "--data"], ["summary", "--data"], ["validate"],
                 ["report", "--out", str(data_copy / "site"), "--data"]):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "analysis.cli", *argv, str(data_copy)],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 2, (argv, result.stderr)
        assert "Traceback" not in result.stderr
        assert f"error: {data_copy / 'case.yml'}: not readable YAML" in result.stderr


def test_a_missing_data_folder_is_exit_2(tmp_path: Path, capsys):
    assert main(["summary", "--data", str(tmp_path / "nowhere")]) == 2
    assert "no such data folder" in capsys.readouterr().err


def test_case_new_writes_a_starter_that_validate_explains(tmp_path: Path, capsys):
    folder = tmp_path / "red_sea"
    assert main(["case", "new", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "attack_counts_reported.csv", "case.yml", "incidents.csv", "political_events.csv",
    ]  # fmt: skip
    header = (folder / "incidents.csv").read_text(encoding="utf-8").splitlines()
    assert header[0].split(",")[3:6] == ["location", "area", "country"] and len(header) == 1
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert f"{folder / 'case.yml'}: ok" in out  # the starter case file is valid as written
    for table in ("incidents", "political_events", "attack_counts_reported"):
        assert f"no rows, only a header; the {table} table needs at least 1 row" in err
    assert f"min_incidents in {folder / 'case.yml'}" in err
    before = (folder / "case.yml").read_bytes()
    assert main(["case", "new", str(folder)]) == 2  # never overwritten
    assert "already holds case.yml" in capsys.readouterr().err
    assert (folder / "case.yml").read_bytes() == before


def test_summary_reports_empty_months_only_in_the_years_the_data_hold(data_copy, capsys):
    path = data_copy / "incidents.csv"
    _rewrite(path, lambda h, rows: (h, [r for r in rows if r[1] < "2022-01-01"]))
    _edit_case(data_copy, "min_incidents: {rows: 250", "min_incidents: {rows: 100")
    assert main(["summary", "--data", str(data_copy)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("months"))
    assert "(2019, 2020, 2021)" in line
    assert "2019-06" in line and "2022" not in line.split(":")[1] and "2023" not in line


# -- the build key and configs -------------------------------------------------------------------


def test_an_edited_case_label_changes_the_build_key(project, monkeypatch):
    """A brief that read the data read the case file too: editing a label rebuilds it."""
    from analysis.report import keys
    from analysis.report.runner import plan, run

    p = project
    monkeypatch.setattr(keys, "source_hash", lambda *a, **k: "code v1")
    first = run(p["config"], site=p["site"], data_dir=p["data"], jobs=2)
    assert sorted(first.built) == ["a", "b"] and not first.failed
    import json

    manifest = json.loads((p["site"] / "manifest.json").read_text(encoding="utf-8"))
    assert "case.yml" in manifest["briefs"]["a"]["data_files"]
    assert "case.yml" in (p["site"] / "a.html").read_text(encoding="utf-8")  # provenance
    _edit_case(p["data"], "drone: Drone,", "drone: Drone (one-way attack),")
    decisions = {
        d.name: d.reasons for d in plan(p["config"], site=p["site"], data_dir=p["data"])[2]
    }
    assert decisions == {"a": ["data changed: case.yml"], "b": ["unchanged"]}


def test_a_config_outside_reports_runs_the_project_s_notebooks(tmp_path: Path):
    config = tmp_path / "elsewhere" / "my_briefs.yml"
    config.parent.mkdir()
    config.write_text(
        "briefs:\n  - name: overview\n    notebook: notebooks/01_data_overview.ipynb\n",
        encoding="utf-8",
    )
    assert config_root(config) == ROOT
    (brief,) = load_config(config)
    assert brief.notebook == (ROOT / "notebooks" / "01_data_overview.ipynb").resolve()
    assert config_root(ROOT / "reports" / "briefs.yml") == ROOT
    (tmp_path / "notebooks").mkdir()  # a project of its own keeps its own notebooks
    assert config_root(tmp_path / "briefs.yml") == tmp_path


def test_the_shipped_frame_is_typed_with_the_case_s_categories():
    incidents = load_incidents()
    shipped = case.current()
    assert list(incidents["governorate"].cat.categories) == list(shipped.area_names)
    assert list(incidents["country"].cat.categories) == list(shipped.countries)
    assert list(incidents["actor"].cat.categories) == list(shipped.actors)
    assert isinstance(incidents["date"].dtype, type(pd.Series(pd.to_datetime(["2020"])).dtype))
