"""A run with nothing to build decides so from hashes: it imports none of the data stack and
writes nothing; when a front page or what it is rendered from changed, it renders them again."""

from __future__ import annotations

import json
import subprocess
import sys

from analysis.paths import ROOT
from analysis.report import unchanged
from analysis.report.runner import run

#: what a no-change run must not import (each costs a tenth of a second or more)
HEAVY = {
    "pandas",
    "pandera",
    "nbconvert",
    "papermill",
    "statsmodels",
    "analysis.sources.review",
    "analysis.findings.store",  # runner.build_findings: only when a brief is built
    "urllib.request",  # with http.client and ssl, about 20 ms (xml.sax.saxutils imports it)
    # the local pool's process machinery: only when a brief is built
    "concurrent.futures",
    "multiprocessing",
}


def _mtimes(site) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*")}


def _run_in_subprocess(project) -> dict:
    """A no-change run in a fresh Python: what it built, its notes, the heavy modules it loaded."""
    code = (
        "import json, sys; from analysis.report.runner import run; "
        f"r = run({str(project['config'])!r}, site={str(project['site'])!r}, jobs=1, "
        f"data_dir={str(project['data'])!r}); "
        f"print(json.dumps({{'built': r.built, 'notes': r.notes, "
        f"'heavy': sorted(set({sorted(HEAVY)!r}) & set(sys.modules))}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_no_change_run_imports_no_data_stack_and_rewrites_nothing(project):
    site = project["site"]
    first = run(project["config"], site=site, jobs=1, data_dir=project["data"])
    assert sorted(first.built) == ["a", "b"], [o.error for o in first.failed]
    assert unchanged.recorded(site.resolve()) is not None  # the publish recorded its key
    before = _mtimes(site)
    got = _run_in_subprocess(project)
    assert got == {"built": [], "notes": [], "heavy": []}
    assert _mtimes(site) == before  # not one file of the site rewritten (nor added)


def test_a_changed_front_page_or_queue_is_rendered_again(project):
    site, data = project["site"], project["data"]
    run(project["config"], site=site, jobs=1, data_dir=data)
    published = (site / "index.html").read_bytes()
    # an edited index (the key covers the pages as they are on disk) is published again
    (site / "index.html").write_text("edited by hand", encoding="utf-8")
    again = run(project["config"], site=site, jobs=1, data_dir=data)
    assert again.built == [] and "review page republished" in " ".join(again.notes)
    assert (site / "index.html").read_bytes() == published
    # a file of the review queue that changed without changing the pages: rendered, the same
    # bytes, so nothing is written, and the new key is recorded (the next run is quick again)
    key = unchanged.recorded(site.resolve())
    queue = data / "review" / "notes.txt"
    queue.parent.mkdir(exist_ok=True)
    queue.write_text("a file the queue does not read\n", encoding="utf-8")
    before = _mtimes(site)
    third = run(project["config"], site=site, jobs=1, data_dir=data)
    assert third.built == [] and third.notes == [] and _mtimes(site) == before
    assert unchanged.recorded(site.resolve()) not in (None, key)
    assert _run_in_subprocess(project)["heavy"] == []
