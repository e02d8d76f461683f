"""Damaged state files are named, line and all, and a damaged run-log line does not hide the rest.

``reports/site/runs.jsonl`` with a line that is not UTF-8, not JSON, a JSON list, or a run whose
fields have the wrong types: ``escalation runs`` still prints the good runs, and warns once per
bad line naming the file and the line. ``data/review/decisions.csv`` edited into Latin-1: the
review commands stop with one ``error:`` line naming the file and the line (a DataError, exit 1).
Both through the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from analysis.errors import DataError
from analysis.sources import review


def _escalation(*args: str, data: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
    if data is not None:
        env["ESCALATION_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def _run(start: str, status: str = "published", **extra: object) -> bytes:
    entry = {"start": start, "end": start, "as_of": start[:10], "status": status, **extra}
    return json.dumps(entry).encode() + b"\n"


def test_a_damaged_run_log_line_is_skipped_with_a_warning(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    log = site / "runs.jsonl"
    log.write_bytes(
        _run("2026-11-01T06:00:00")
        + b'{"start": "2026-11-02T06:00:00", "status": "caf\xe9"}\n'  # 2: Latin-1
        + b'["a", "list"]\n'  # 3
        + _run("2026-11-03T06:00:00", rebuilt=5)  # 4: wrong type
        + b'{"start": 20261104}\n'  # 5: wrong type
        + b"\n"  # an empty line is no run, and no problem
        + b'{"start": "2026-11-0\n'  # 7: cut short
        + _run("2026-11-05T06:00:00", "nothing to do")
    )
    done = _escalation("runs", "--out", str(site))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings = done.stderr.strip().splitlines()
    assert [w.split(": ")[1] for w in warnings] == [f"{log}:{n}" for n in (2, 3, 4, 5, 7)]
    assert all(w.startswith("warning: ") and w.endswith("line skipped") for w in warnings)
    assert "not UTF-8" in warnings[0] and "a JSON list" in warnings[1]
    assert "'rebuilt' is a int" in warnings[2] and "'start' is a int" in warnings[3]
    rows = done.stdout.strip().splitlines()
    assert len(rows) == 3  # the header and the two good runs
    assert "2026-11-01 06:00" in rows[1] and "nothing to do" in rows[2]


def _data_copy(out: Path) -> Path:
    out.mkdir()
    for p in [*DATA.glob("*.csv"), DATA / "case.yml"]:  # the tables and their case
        shutil.copy(p, out / p.name)
    shutil.copy(DATA / "case.yml", out / "case.yml")  # the case says which feeds it reads
    shutil.copytree(DATA / "curation", out / "curation")
    (out / "review").mkdir()
    shutil.copy(DATA / "review" / review.DECISIONS, out / "review" / review.DECISIONS)
    return out


def test_a_latin1_decisions_file_is_named_with_its_line(tmp_path):
    data = _data_copy(tmp_path / "data")
    decisions = data / "review" / review.DECISIONS
    header = decisions.read_bytes().splitlines()[0]
    decisions.write_bytes(
        header
        + b"\ncand-0000000001,ucdp,1,2020-01-01,rejected,,dup,,,2026-01-01T00:00:00"
        + b"\ncand-0000000002,ucdp,2,2020-01-02,rejected,,d\xe9j\xe0 vu,,,2026-01-01T00:00:00\n"
    )
    before = decisions.read_bytes()
    for args in (("review", "refresh"), ("review", "reject", "cand-0000000003", "--reason", "x")):
        done = _escalation(*args, data=data)
        assert done.returncode == 1, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith(f"error: {decisions}:3: not UTF-8 text (byte 0xe9"), lines[0]
    assert decisions.read_bytes() == before
    with pytest.raises(DataError) as caught:
        review.read_decisions(data)
    assert caught.value.path == decisions and caught.value.line == 3
