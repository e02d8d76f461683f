"""The runner's parts on their own: build keys, config checks, all-or-nothing publishing, lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from report_helpers import snapshot, write_notebook

from analysis.report import keys, publish
from analysis.report.config import ConfigError, load_config


def test_notebook_hash_follows_code_not_ids_or_outputs(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", "x + 1")
    digest = keys.notebook_hash(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell["id"] = cell["id"][::-1]
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="2\n")]
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)
    assert keys.notebook_hash(path) == digest
    nb.cells[-1].source = "x + 2"
    nbformat.write(nb, path)
    assert keys.notebook_hash(path) != digest
    nb.cells[-1].source = "x + 1"
    nb.cells[-1].metadata["tags"] = ["remove-cell"]
    nbformat.write(nb, path)
    assert keys.notebook_hash(path) != digest


def test_source_hash_sees_an_edit_to_any_module(tmp_path):
    package = tmp_path / "analysis"
    shutil.copytree(
        ROOT / "analysis", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    digest = keys.source_hash(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert keys.source_hash(package) == digest
    module = package / "models" / "windows.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    assert keys.source_hash(package) != digest


def test_why_changed_names_each_input():
    old = {
        "format": 1,
        "notebook": "n",
        "parameters": {"x": 1, "y": 2},
        "data": {"incidents.csv": "a", "political_events.csv": "b"},
        "analysis": "s",
        "versions": {"pandas": "3.0"},
    }
    new = json.loads(json.dumps(old))
    assert keys.why_changed(old, new) == ["inputs changed"]  # same inputs: never asked
    new["parameters"]["y"] = 3
    new["data"]["political_events.csv"] = "c"
    new["versions"]["pandas"] = "3.1"
    assert keys.why_changed(old, new) == [
        "parameters changed: y",
        "data changed: political_events.csv",
        "package versions changed: pandas",
    ]
    assert keys.why_changed(None, new) == ["never built"]


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    write_notebook(tmp_path / "notebooks" / "n.ipynb")
    path = tmp_path / "briefs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_reads_dates_as_text_and_rejects_what_it_cannot_use(tmp_path):
    good = _config(tmp_path, "briefs:\n  - name: n\n    notebook: notebooks/n.ipynb\n"
                   "    parameters: {start: 2020-01-01}\n")  # fmt: skip
    assert load_config(good)[0].parameters == {"start": "2020-01-01"}
    nb = "notebooks/n.ipynb"
    cases = {
        f"briefs:\n  - name: N!\n    notebook: {nb}\n": "'name' must be lower-case",
        f"briefs:\n  - {{name: n, notebook: {nb}}}\n  - {{name: n, notebook: {nb}}}\n": (
            "brief 'n': the name is used twice"
        ),
        f"briefs:\n  - {{name: n, notebook: {nb}, colour: red}}\n": "unknown key(s): colour",
        "briefs:\n  - {name: n, notebook: notebooks/missing.ipynb}\n": (
            "notebook notebooks/missing.ipynb not found"
        ),
        "briefs: [\n": "not valid YAML",
        "pages: []\n": "expected a mapping with a 'briefs' list",
    }
    for text, message in cases.items():
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_config(_config(tmp_path, text))


def _staged(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    staging = tmp_path / "staging"
    staging.mkdir(exist_ok=True)
    out = {}
    for rel, text in files.items():
        (staging / rel.replace("/", "_")).write_text(text)
        out[rel] = staging / rel.replace("/", "_")
    return out


def test_an_interrupted_publish_is_rolled_back(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish.publish(site, _staged(tmp_path, {"a.html": "old a", "index.html": "old index"}))
    before = snapshot(site)
    moves = []
    real_replace = os.replace

    def dying_replace(src, dst):
        if Path(dst).parent == site:
            if moves:
                raise KeyboardInterrupt("killed mid-publish")
            moves.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(publish.os, "replace", dying_replace)
    staged = _staged(tmp_path, {"a.html": "new a", "b.html": "new b", "index.html": "new"})
    with pytest.raises(KeyboardInterrupt):
        publish.publish(site, staged)
    monkeypatch.undo()
    assert snapshot(site) != before  # half published: a.html replaced, the rest not
    assert publish.recover(site)
    assert snapshot(site) == before
    assert not publish.recover(site)  # nothing left to undo


def test_the_lock_refuses_a_second_holder_and_outlives_no_dead_one(tmp_path):
    site = tmp_path / "site"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from analysis.report.publish import "
         "site_lock\nwith site_lock(Path(sys.argv[1]), command='holder'):\n"
         "    print('held', flush=True); time.sleep(60)", str(site)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(publish.SiteLocked, match=rf"pid {holder.pid} \(holder"):
            with publish.site_lock(site, wait=0.5):
                pass
        assert time.monotonic() - start >= 0.5  # it waited as asked
    finally:
        holder.kill()
        holder.wait()
    with publish.site_lock(site) as note:
        assert f"stale lock left by pid {holder.pid}" in note


def test_the_command_line_starts_without_the_heavy_libraries():
    """A no-change `escalation report` must stay quick: the CLI and the runner's planning import
    neither pandas nor papermill nor nbconvert (they load in the workers)."""
    code = (
        "import sys; from analysis.cli import build_parser; from analysis.report import runner; "
        "build_parser(); heavy = {'pandas', 'papermill', 'nbconvert', 'matplotlib'} & "
        "set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_a_packages_version_in_the_build_key_is_the_one_importlib_metadata_reads():
    """keys._version reads only the Version header: the same as importlib.metadata's full
    parse, for every installed distribution (the key packages among them)."""
    from importlib import metadata

    dists = list(metadata.distributions())
    assert len(dists) > 50
    assert [keys._version(d) for d in dists] == [d.version for d in dists]
    assert keys.package_versions()["pandas"] == metadata.version("pandas")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_default_jobs_is_one_more_than_the_cores_this_process_may_use():
    """A container or ``taskset`` that allows one core gets two workers, not the host's count."""
    code = (
        "import os; from analysis.report.pool import default_jobs; "
        "print(default_jobs()); os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
        "print(default_jobs())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == [str(len(os.sched_getaffinity(0)) + 1), "2"]
