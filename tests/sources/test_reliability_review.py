"""Review commands under hostile input and a kill half-way.

- text by other doors: ``review accept --source-url/--source-title`` (and ``--description``,
  ``--target-name``, ``reject --reason``) refuse what the briefs config refuses: zero-width and
  right-to-left override characters (the one rule, ``analysis.params.printable_line``), exit 2,
  nothing written;
- an accept killed after writing ``incident_additions.csv`` (or between the decision and the
  queue) is finished by the next review command that takes the lock, instead of leaving the
  candidate stuck ("exact duplicate", "would repeat curated row").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from analysis import params
from analysis.errors import ConfigError, ParameterError


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
    return {**env, "ESCALATION_DATA_DIR": str(data)}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def _data_copy(out: Path) -> Path:
    from analysis.sources import review

    out.mkdir()
    for p in DATA.glob("*.csv"):
        shutil.copy(p, out / p.name)
    shutil.copytree(DATA / "curation", out / "curation")
    (out / "review").mkdir()
    shutil.copy(DATA / "review" / review.DECISIONS, out / "review" / review.DECISIONS)
    return out


HIDDEN = {
    "zero-width space": ("https://example.org/a\u200bb", "A title", "U+200B (ZERO WIDTH SPACE)"),
    "right-to-left override": (
        "https://example.org/a",
        "Report \u202egnp.exe",
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    "zero-width joiner": ("https://example.org/a", "A\u200dB", "U+200D (ZERO WIDTH JOINER)"),
    "line separator": ("https://example.org/a", "A\u2028B", "U+2028 (LINE SEPARATOR)"),
    "C1 control": ("https://example.org/a", "A\x85B", "U+0085"),
}


@pytest.mark.parametrize("case", list(HIDDEN))
def test_accept_refuses_hidden_characters_with_nothing_written(tmp_path, case):
    data = _data_copy(tmp_path / "data")
    url, title, says = HIDDEN[case]
    before = _snapshot(data)
    done = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "review", "accept", "cand-0000000001",
         "--source-url", url, "--source-title", title],
        env=_env(data), capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr  # review: refused, nothing written
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --source-"), done.stderr
    assert "must be one line of printable text" in lines[0] and says in lines[0]
    assert _snapshot(data) == before


def test_the_rule_refuses_hidden_characters_and_keeps_scripts():
    """The config's rule (its ConfigError is a ParameterError), now the review's too."""
    for text in ("a\u200bb", "a\u202eb", "a\nb", "\ufeffa"):
        with pytest.raises(ParameterError, match="must be one line of printable text"):
            params.printable_line("--source-title", text)
        with pytest.raises(ConfigError, match="must be one line of printable text"):
            params.printable_line("briefs.yaml: 'title'", text, error=ConfigError)
    assert params.printable_line("t", "Kataib Hezbollah — كتائب حزب الله") == (
        "Kataib Hezbollah — كتائب حزب الله"
    )
    with pytest.raises(ParameterError, match="is 201 characters long; at most 200 are read"):
        params.printable_line("t", "x" * 201, max_length=200)
