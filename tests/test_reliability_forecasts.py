"""Stored forecasts are checked before the outlook scores them, and are part of its build key.

An edited record (quantiles out of order, a negative median, a value that is not finite, a
missing field), a link to a file outside ``forecasts/`` (also a dangling one), a folder or a file
that is not JSON: each is skipped, and the page names the file and why. Adding, editing or
removing a stored forecast rebuilds the outlook; nothing else does.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from report_helpers import GLUE, write_config, write_notebook

from analysis.briefs import outlook as ob
from analysis.briefs.stored_forecasts import check_record, load
from analysis.data import load_incidents
from analysis.report import forecasts as stored
from analysis.report.runner import plan, run


def _record(edition: str = "2021-06-30") -> dict:
    """A small valid forecast record (synthetic, for tests only: two weeks)."""
    return {
        "edition": edition,
        "as_of": edition,
        "model": "nb",
        "freq": "W-MON",
        "horizon": 2,
        "n_samples": 4,
        "seed": 0,
        "data_hash": "synthetic",
        "periods": ["2021-07-05", "2021-07-12"],
        "quantiles": {
            "q05": [0.0, 0.0],
            "q25": [1, 1],
            "q50": [2.0, 1.0],
            "q75": [3, 2],
            "q95": [4.0, 3.0],
        },  # fmt: skip
        "p_any": [0.9, 0.8],
        "samples": [
            {"values": [0, 2, 4], "counts": [1, 2, 1]},
            {"values": [0, 1, 3], "counts": [1, 2, 1]},
        ],  # fmt: skip
    }


def _write(folder: Path, name: str, record: object) -> Path:
    path = folder / name
    path.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
    return path


def _edited(**changes) -> dict:
    rec = _record()
    for key, value in changes.items():
        if key in ("q05", "q50", "q95"):
            rec["quantiles"][key] = value
        else:
            rec[key] = value
    return rec


BAD = {
    "out of order": (
        _edited(q05=[50, 0], q50=[-3, 1], q95=[1, 3]),
        "week 1: q05 50, median -3, q95 1 are not 0 <= q05 <= median <= q95",
    ),
    "no edition": ({k: v for k, v in _record().items() if k != "edition"}, "edition is not a date"),
    "no q05": (
        {**_record(), "quantiles": {"q50": [1, 1], "q95": [2, 2]}},
        "quantile q05 must be a list of 2 numbers",
    ),
    "infinite": (_edited(q95=[math.inf, 3]), "not a finite number"),
    "short samples": (_edited(samples=[{"values": [1], "counts": [1]}]), "samples must be a list"),
    "negative samples": (
        _edited(samples=[{"values": [-1, 2], "counts": [1, 1]}] * 2),
        "a negative count of attacks",
    ),
    "bad counts": (_edited(samples=[{"values": [1], "counts": [0]}] * 2), "positive integers"),
    "not an object": ([1, 2, 3], "not a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_an_edited_record_is_skipped_naming_the_file(tmp_path, case):
    folder = tmp_path / "forecasts"
    folder.mkdir()
    _write(folder, "2021-06-30.json", BAD[case][0])
    _write(folder, "2021-06-23.json", _record("2021-06-23"))
    loaded = load(folder)
    assert [r["edition"] for r in loaded] == ["2021-06-23"]
    (line,) = loaded.skipped
    assert line.startswith("forecasts/2021-06-30.json: ") and BAD[case][1] in line, line


def test_links_folders_and_broken_files_are_skipped(tmp_path):
    folder = tmp_path / "forecasts"
    folder.mkdir()
    outside = _write(tmp_path, "outside.json", _record("2021-06-16"))
    (folder / "2021-06-16.json").symlink_to(outside)
    (folder / "2021-06-09.json").symlink_to(tmp_path / "gone.json")  # dangling
    (folder / "2021-06-02.json").mkdir()
    _write(folder, "2021-05-26.json", '{"edition": "2021-05-26", "as_of"')  # truncated
    (folder / "2021-05-19.json").write_bytes(b"\xff\xfe not text")
    _write(folder, "2021-05-12.json", _record("2021-05-05"))  # another edition's record
    _write(folder, "2021-06-30.json", _record())
    loaded = load(folder)
    assert [r["edition"] for r in loaded] == ["2021-06-30"]
    why = dict(line.split(": ", 1) for line in loaded.skipped)
    assert why["forecasts/2021-06-16.json"].startswith("a symbolic link")
    assert why["forecasts/2021-06-09.json"].startswith("a symbolic link")
    assert why["forecasts/2021-06-02.json"] == "not a regular file"
    assert "Expecting" in why["forecasts/2021-05-26.json"]
    assert "utf-8" in why["forecasts/2021-05-19.json"]
    assert (
        why["forecasts/2021-05-12.json"]
        == "the file's name says 2021-05-12, its edition 2021-05-05"
    )
    assert str(tmp_path) not in " ".join(loaded.skipped)  # no server path reaches a page
    assert ob.load_forecasts(folder).skipped == loaded.skipped


def test_a_real_record_passes_and_the_page_warns_of_the_skipped(tmp_path):
    brief = ob.outlook_brief(
        load_incidents(), as_of="2021-06-30", n_samples=200, backtest_step=52,
        backtest_samples=100, groups=(),
    )  # fmt: skip
    check_record(json.loads(json.dumps(brief.record)), brief.record["edition"])
    folder = tmp_path / "forecasts"
    folder.mkdir()
    _write(folder, "2021-06-23.json", _edited(q05=[50, 0], q50=[-3, 1], q95=[1, 3]) | {
        "edition": "2021-06-23", "as_of": "2021-06-23"})  # fmt: skip
    _write(folder, "2021-06-16.json", "<script>alert(1)</script>")
    later = ob.outlook_brief(
        load_incidents(), as_of="2021-07-20", n_samples=200, backtest_step=52,
        backtest_samples=100, groups=(), stored=ob.load_forecasts(folder),
    )  # fmt: skip
    page = later.editions_html().html
    assert "Warning: 2 stored forecast files left out of the track record" in page
    assert "forecasts/2021-06-23.json: week 1: q05 50, median -3, q95 1" in page
    assert "forecasts/2021-06-16.json" in page and "<script>" not in page
    assert later.stored.empty  # neither was scored
    clean = dataclasses.replace(later, skipped=[])
    assert "Warning" not in clean.editions_html().html


# --- the runner: stored forecasts in the build key, links never packed or kept ----------------


def test_stored_forecasts_are_part_of_the_readers_build_key(project):
    """The reader (a tiny outlook: it calls load_forecasts and stores a forecast of its own,
    as of 2021-06-30) is rebuilt when an earlier stored forecast is added or edited, never for
    its own forecast or a later one: no rebuild loop."""
    p = project
    own = json.dumps(_record())
    reader = write_notebook(
        p["root"] / "notebooks" / "reader.ipynb",
        GLUE,
        f"# a tiny outlook: load_forecasts() would read them\nglue('forecast_record', {own})",
    )
    write_config(p["config"], {"reader": (reader, {}), "b": (p["b"], {})})
    report = run(p["config"], site=p["site"], data_dir=p["data"], jobs=1)
    assert sorted(report.built) == ["b", "reader"], [o.error for o in report.failed]
    folder = p["site"] / stored.FORECASTS
    assert (folder / "2021-06-30.json").is_file()  # its own, stored with its page

    def build() -> dict[str, list[str]]:
        planned = plan(p["config"], site=p["site"], data_dir=p["data"])
        return {d.name: d.reasons for d in planned.decisions if d.build}

    assert build() == {}  # its own forecast does not rebuild it
    _write(folder, "2021-07-07.json", _record("2021-07-07"))  # a later one: not scored by it
    assert build() == {}
    _write(folder, "2021-06-23.json", _record("2021-06-23"))  # an earlier one: scored
    assert build() == {"reader": ["data changed: forecasts/"]}  # b does not read them
    run(p["config"], site=p["site"], data_dir=p["data"], jobs=1)
    assert build() == {}
    _write(folder, "2021-06-23.json", _edited(q50=[2.5, 1]) | {"edition": "2021-06-23"})
    assert build() == {"reader": ["data changed: forecasts/"]}  # edited by hand


def test_a_linked_forecast_is_neither_packed_nor_kept(tmp_path):
    site = tmp_path / "site"
    folder = site / stored.FORECASTS
    folder.mkdir(parents=True)
    outside = _write(tmp_path, "secret.json", _record())
    (folder / "2021-06-30.json").symlink_to(outside)
    _write(folder, "2021-06-23.json", _record("2021-06-23"))
    assert sorted(stored.pack(folder)) == ["2021-06-23.json"]
    staging = tmp_path / "staging"
    staging.mkdir()
    notes: list[str] = []
    record = _record()
    files = stored.stage(site, staging, "outlook", "2021-06-30", {"forecast_record": record}, notes)
    assert "forecasts/2021-06-30.json" in files and not notes  # the link is replaced by its own
