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

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT, copy_data

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
    for p in [*DATA.glob("*.csv"), DATA / "case.yml"]:  # the tables and their case
        shutil.copy(p, out / p.name)
    shutil.copy(DATA / "case.yml", out / "case.yml")  # the case says which feeds it reads
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


# --- an accept killed half-way ---------------------------------------------------------------

#: the one in-scope UCDP fixture row no curated incident matches (as in test_review.py)
AIRPORT = "990002"
SOURCE = ("--source-url", "https://example.org/airport", "--source-title", "Rocket at BIAP")

#: ``escalation`` with one write of the accept replaced by SIGKILL: ``build`` into the data
#: folder (after incident_additions.csv is written), or the write of candidates.csv (after the
#: decision is written)
KILLED = """
import os, signal, sys
from pathlib import Path
import analysis.data.curate as curate
import analysis.sources.review as review
data = Path(os.environ["ESCALATION_DATA_DIR"]).resolve()
where = sys.argv.pop(1)
build, write = curate.build, review.write_atomic
def killing_build(shared, out, *args, **kwargs):
    if where == "build" and Path(out).resolve() == data:
        os.kill(os.getpid(), signal.SIGKILL)
    return build(shared, out, *args, **kwargs)
def killing_write(path, *args, **kwargs):
    if where == "queue" and Path(path).name == review.CANDIDATES:
        os.kill(os.getpid(), signal.SIGKILL)
    return write(path, *args, **kwargs)
curate.build, review.write_atomic = killing_build, killing_write
from analysis.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _escalation(*args: str, data: Path, killed_at: str | None = None):
    code = ["-c", KILLED, killed_at] if killed_at else ["-m", "analysis.cli"]
    return subprocess.run(
        [sys.executable, *code, *args],
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def fetched(tmp_path_factory) -> Path:
    """A data copy after ``escalation fetch ucdp`` of the fixture release: one candidate."""
    import io
    import zipfile

    from conftest import FIXTURES, SHARED
    from http_fixture_server import serving

    if not SHARED.is_dir():
        pytest.skip("../shared/data not beside the repo")
    data = _data_copy(tmp_path_factory.mktemp("killed") / "data")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v25_1.csv", (FIXTURES / "ged_iraq_sample.csv").read_bytes())
    with serving() as server:
        server.files["/ged/ged251-csv.zip"] = buf.getvalue()
        done = subprocess.run(
            [sys.executable, "-m", "analysis.cli", "fetch", "ucdp", "--version", "25.1",
             "--quiet", "--base-url", server.url],
            env=_env(data), capture_output=True, text=True, timeout=300, cwd=ROOT,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "review queue: 1 candidate(s) waiting (ucdp 1)" in done.stdout
    return data


@pytest.mark.parametrize(
    ("killed_at", "then"),
    [
        ("build", ["accept"]),  # the same accept again
        ("build", ["data build", "accept"]),  # what the hostile test did first
        ("build", ["refresh"]),
        ("queue", ["refresh"]),
    ],
)
def test_a_killed_accept_is_finished_by_the_next_command(fetched, tmp_path, killed_at, then):
    from analysis.data import load_incidents
    from analysis.data.curate import ADDITIONS, incident_id
    from analysis.sources import review

    data = tmp_path / "data"
    shutil.copytree(fetched, data)
    cid = review.candidate_id("ucdp", AIRPORT)
    before = set(load_incidents(data / "incidents.csv")["incident_id"])
    done = _escalation("review", "accept", cid, *SOURCE, data=data, killed_at=killed_at)
    assert done.returncode == -9, done.stderr
    with (data / "curation" / ADDITIONS).open(newline="", encoding="utf-8") as fh:
        (added,) = csv.DictReader(fh)  # written before the kill
    assert added["candidate_id"] == cid
    new_id = incident_id(added)
    decided = [d["candidate_id"] for d in review.read_decisions(data)]
    assert decided == ([] if killed_at == "build" else [cid])
    assert [c["candidate_id"] for c in review.read_candidates(data)] == [cid]  # stuck
    commands = {"accept": ["review", "accept", cid, *SOURCE], "refresh": ["review", "refresh"]}
    for step in then:
        done = _escalation(*commands.get(step, step.split()), data=data)
        assert done.returncode == 0, (step, done.stderr)
    if then[-1] == "accept":
        assert f"accepted {cid} as {new_id}" in done.stdout
    (decision,) = review.read_decisions(data)
    assert (decision["candidate_id"], decision["decision"]) == (cid, "accepted")
    assert decision["incident_id"] == new_id
    assert decision["source_url"] == SOURCE[1] and decision["source_title"] == SOURCE[3]
    assert review.read_candidates(data) == []
    after = set(load_incidents(data / "incidents.csv")["incident_id"])
    assert after - before == {new_id} and before <= after
    # and it stays done: a reject of it is refused as decided, nothing changes
    snapshot = _snapshot(data)
    done = _escalation("review", "reject", cid, "--reason", "x", data=data)
    assert done.returncode == 2 and "was already accepted" in done.stderr
    assert _snapshot(data) == snapshot


def test_a_review_folder_linked_out_of_the_data_folder_is_never_written(tmp_path, capsys):
    """``data/review`` replaced by a link elsewhere: the review commands refuse before the lock
    file or any table is written through it (exit 1, naming the link)."""
    from analysis.atomic import LinkOutside
    from analysis.cli import main as cli_main
    from analysis.sources import review

    data = copy_data(tmp_path / "data")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (data / "review").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LinkOutside) as err, review.queue_lock(data):
        pass
    assert err.value.filename == str(data / "review")
    os.environ["ESCALATION_DATA_DIR"] = str(data)
    try:
        code = cli_main(["review", "reject", "cand-0000000000", "--reason", "a test"])
    finally:
        del os.environ["ESCALATION_DATA_DIR"]
    err_text = capsys.readouterr().err
    assert code == 1 and f"error: {data / 'review'}: a symbolic link out of {data}" in err_text
    assert not list(outside.iterdir())
