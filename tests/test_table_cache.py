"""Validated tables cached by content hash: a hit equals the uncached load, other bytes miss,
a damaged entry is ignored and written again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas.testing as pdt
import pytest
from conftest import DATA

from analysis.data import (
    DataValidationError,
    load_events,
    load_incidents,
    load_reported_counts,
    table_cache,
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped tables and case file, with an empty cache of its own."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv", "case.yml"):
        shutil.copy(DATA / name, data / name)
    monkeypatch.setenv(table_cache.CACHE_ENV, str(tmp_path / "cache"))
    return data


def _uncached(load, path: Path, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as m:
        m.setenv(table_cache.CACHE_ENV, "off")
        return load(path)


@pytest.mark.parametrize(
    ("load", "name"),
    [
        (load_incidents, "incidents.csv"),
        (load_events, "political_events.csv"),
        (load_reported_counts, "attack_counts_reported.csv"),
    ],
)
def test_a_hit_equals_the_uncached_load(folder, monkeypatch, load, name):
    path = folder / name
    first = load(path)
    entries = list((folder.parent / "cache").glob("*.pickle"))
    assert len(entries) == 1  # one validation stored
    again = load(path)
    plain = _uncached(load, path, monkeypatch)
    for frame in (first, again):
        pdt.assert_frame_equal(frame, plain)
        assert frame.attrs == plain.attrs
    assert list((folder.parent / "cache").glob("*.pickle")) == entries  # read, not written again


def test_a_changed_table_or_case_is_validated_again(folder, monkeypatch):
    path = folder / "incidents.csv"
    load_incidents(path)
    text = path.read_text(encoding="utf-8")
    header, first, rest = text.split("\n", 2)
    path.write_text(f"{header}\n{rest}", encoding="utf-8")  # one incident fewer
    fewer = load_incidents(path)
    pdt.assert_frame_equal(fewer, _uncached(load_incidents, path, monkeypatch))
    assert len(list((folder.parent / "cache").glob("*.pickle"))) == 2
    # a cell made invalid is refused, never served from the cache of the valid bytes
    assert ",rocket," in first
    path.write_text(f"{header}\n{first.replace(',rocket,', ',catapult,')}\n{rest}")
    with pytest.raises(DataValidationError, match="catapult"):
        load_incidents(path)
    # the same table checked against another case file is another key
    path.write_text(text, encoding="utf-8")
    case = folder / "case.yml"
    case.write_text(case.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    load_incidents(path)
    assert len(list((folder.parent / "cache").glob("*.pickle"))) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_entry_is_ignored_and_rebuilt(folder, monkeypatch, damage):
    path = folder / "political_events.csv"
    load_events(path)
    (entry,) = (folder.parent / "cache").glob("*.pickle")
    blob = entry.read_bytes()
    damaged = {
        "truncate": blob[: len(blob) // 2],
        "flip": blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:],
        "garbage": b"not a pickle at all",
        "empty": b"",
    }[damage]
    entry.write_bytes(damaged)
    assert table_cache.load(entry.stem) is None
    frame = load_events(path)
    pdt.assert_frame_equal(frame, _uncached(load_events, path, monkeypatch))
    assert entry.read_bytes() == blob  # written again by the validation


def test_an_entry_under_another_key_is_not_served(folder):
    path = folder / "political_events.csv"
    load_events(path)
    (entry,) = (folder.parent / "cache").glob("*.pickle")
    other = entry.with_name("0" * 32 + ".pickle")
    shutil.copy(entry, other)  # right payload, wrong name: the key inside it differs
    assert table_cache.load(other.stem) is None
    assert table_cache.load(entry.stem) is not None


def test_off_stores_nothing(folder, monkeypatch):
    monkeypatch.setenv(table_cache.CACHE_ENV, "off")
    load_incidents(folder / "incidents.csv")
    assert not (folder.parent / "cache").exists()


def test_old_entries_are_pruned(folder, monkeypatch):
    monkeypatch.setattr(table_cache, "KEEP", 2)
    load_incidents(folder / "incidents.csv")
    load_events(folder / "political_events.csv")
    load_reported_counts(folder / "attack_counts_reported.csv")
    assert len(list((folder.parent / "cache").glob("*.pickle"))) == 2
