"""A zip bomb of one endless line is refused by every feed read, in bounded memory.

A zip of about 1 MB holding one line of 512 MiB with no line end (deflate squeezes a run of one
byte about 1000x), built streaming. Served as a UCDP release to the real ``escalation fetch
ucdp`` against the loopback server, or left in ``data/raw/<feed>/`` for ``escalation review
refresh`` (ACLED, UCDP, GDELT), under a memory limit (``RLIMIT_DATA``: heap and private
mappings; not ``RLIMIT_AS``, which counts the address space threads reserve and never use) in a
subprocess, so a reader that holds the line whole fails here with a MemoryError (as the readers
before the bounds did, at this limit) instead of taking the machine:
each ends in one ``error:`` line naming the file, its documented exit code, and nothing kept.
The bounds themselves (analysis.sources.bounded) are checked at small scale.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, FIXTURES, ROOT

from analysis.errors import DataError
from analysis.sources import review
from analysis.sources.bounded import MAX_LINE_BYTES, check_file, open_bounded
from analysis.sources.common import read_rows
from analysis.sources.fetch import ucdp as ucdp_fetch

BOMB_MIB = 512
#: the data memory the subprocess may use: enough for the imports and a bounded read (it runs
#: under 768 MiB), not for a 512 MiB line held whole (as text, or in a doubling buffer)
MEMORY = 1 << 30

LIMITED = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_DATA, ({n}, {n})); "
    "from analysis.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _limited(*args: str, data: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
    env.update(ESCALATION_DATA_DIR=str(data), **extra)
    return subprocess.run(
        [sys.executable, "-c", LIMITED.format(n=MEMORY), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err[-3000:]}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A zip holding one CSV of ``BOMB_MIB`` MiB of "A" and no line end, written streaming."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("GEDEvent_v25_1.csv", "w", force_zip64=True) as out:
            block = b"A" * (1 << 20)
            for _ in range(BOMB_MIB):
                out.write(block)
    assert path.stat().st_size < 4 << 20 and BOMB_MIB << 20 > 4 * MAX_LINE_BYTES
    return path


def test_a_bomb_served_as_the_ucdp_release_is_refused_and_not_kept(bomb, http_server, tmp_path):
    http_server.files["/ged/ged251-csv.zip"] = bomb.read_bytes()
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA / "case.yml", data / "case.yml")
    done = _limited(
        "fetch", "ucdp", "--version", "25.1", "--quiet", "--retries", "0",
        "--base-url", http_server.url, data=data,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    line = _one_error_line(done.stderr)
    assert "ged251-csv.zip" in line and "line 1 is longer than 64 MiB" in line, line
    assert "deleted" in line
    assert list((data / "raw" / "ucdp").iterdir()) == []  # nor a .part


def test_a_bomb_an_earlier_fetch_kept_is_fetched_again(bomb, http_server, tmp_path):
    """What the unbounded fetch left in data/raw/ucdp is not skipped as complete any more."""
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v25_1.csv", (FIXTURES / "ged_iraq_sample.csv").read_bytes())
    http_server.files["/ged/ged251-csv.zip"] = good.getvalue()
    shutil.copy(bomb, tmp_path / "ged251-csv.zip")
    outcome = ucdp_fetch.fetch("25.1", tmp_path, base_url=http_server.url, progress=False)
    assert outcome.status == "downloaded"
    assert (tmp_path / "ged251-csv.zip").read_bytes() == good.getvalue()


def _data_copy(out: Path) -> Path:
    """data/ with its tables, curation/ and the review decisions (what a refresh reads)."""
    out.mkdir()
    for p in [*DATA.glob("*.csv"), DATA / "case.yml"]:  # the tables and their case
        shutil.copy(p, out / p.name)
    shutil.copy(DATA / "case.yml", out / "case.yml")  # the case says which feeds it reads
    shutil.copytree(DATA / "curation", out / "curation")
    (out / "review").mkdir()
    shutil.copy(DATA / "review" / review.DECISIONS, out / "review" / review.DECISIONS)
    return out


@pytest.mark.parametrize(
    ("feed", "name"),
    [
        ("ucdp", "ged251-csv.zip"),
        ("acled", "acled_iraq.csv.zip"),
        ("gdelt", "20200108000000.export.CSV.zip"),
    ],
)
def test_a_bomb_left_in_raw_is_refused_by_the_loader(bomb, tmp_path, feed, name):
    data = _data_copy(tmp_path / "data")
    raw = data / "raw" / feed
    raw.mkdir(parents=True)
    shutil.copy(bomb, raw / name)
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    done = _limited("review", "refresh", data=data)
    assert done.returncode == 1, done.stderr[-3000:]  # review: 1 = invalid data
    line = _one_error_line(done.stderr)
    assert str(raw / name) in line and "line 1 is longer than 64 MiB" in line, line
    assert sorted(p.relative_to(data) for p in data.rglob("*") if p.name != review.LOCK) == [
        p for p in before if p.name != review.LOCK
    ]


# --- the bounds at small scale -------------------------------------------------------------------


def _read_all(path: Path, **bounds: int) -> bytes:
    with open_bounded(path, **bounds) as stream:
        return stream.read()


def test_a_line_over_the_bound_is_refused_naming_file_and_line(tmp_path):
    plain = tmp_path / "feed.csv"
    plain.write_bytes(b"a,b\n" + b"x" * 10 + b"\n" + b"y" * 11 + b"\nz\n")
    with pytest.raises(DataError, match=r"feed.csv: line 3 is longer than") as caught:
        _read_all(plain, max_line=10)
    assert caught.value.line == 3 and caught.value.path == plain
    assert _read_all(plain, max_line=11) == plain.read_bytes()  # at the bound: fine


def test_a_file_over_the_bound_is_refused_whether_declared_or_counted(tmp_path):
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("feed.csv", b"a,b\n" * 100)  # 400 bytes
    with pytest.raises(DataError, match=r"feed.zip: feed.csv is .* uncompressed, more than"):
        _read_all(path, max_bytes=399)  # refused from the zip's header, before any read
    plain = tmp_path / "feed.csv"
    plain.write_bytes(b"a,b\n" * 100)
    with pytest.raises(DataError, match=r"feed.csv: more than .* uncompressed"):
        _read_all(plain, max_bytes=399)  # no header to trust: counted while read
    assert len(_read_all(plain, max_bytes=400)) == 400


def test_a_damaged_or_empty_archive_is_one_line_from_the_check(tmp_path):
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("feed.csv", b"id,relid\n" * 2000)
    damaged = bytearray(good.getvalue())
    damaged[len(damaged) // 3] ^= 0xFF
    path = tmp_path / "feed.zip.part"
    path.write_bytes(bytes(damaged))
    problem = check_file(path, "feed.zip")
    assert problem is not None and problem.startswith("feed.zip: damaged archive")
    assert "\n" not in problem
    path.write_bytes(good.getvalue())
    assert check_file(path) is None


def test_a_field_over_the_csv_bound_is_a_row_problem_not_a_crash(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("id,note\n1,ok\n2," + "n" * (csv.field_size_limit() + 1) + "\n")
    with pytest.raises(
        DataError, match=r"feed.csv:line 3, field '\(row\)': unreadable CSV: field larger"
    ):
        read_rows(path, ("id", "note"))
