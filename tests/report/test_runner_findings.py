"""The runner computes the findings table once before any kernel, hands every kernel its path
and publishes it beside the pages; a failure computing it publishes nothing."""

from __future__ import annotations

import json

import pandas as pd
from report_helpers import write_config, write_notebook

from analysis.cli import main
from analysis.errors import FindingsError
from analysis.findings import store
from analysis.report import runner

#: a brief that records what its kernel was told and what findings.table() gave it
FINDINGS_CELL = (
    "import os\n"
    "from analysis.findings import store\n"
    "from analysis.report.glue import glue\n"
    "found = store.table()\n"
    "glue('title', 'Findings brief')\n"
    "glue('headline', 'reads the findings.')\n"
    "glue('findings_env', os.environ.get(store.FINDINGS_ENV, ''))\n"
    "glue('rows', len(found))\n"
    "glue('suleimani', repr(float(store.row('suleimani_strike', found)['estimate'])))\n"
)


def test_the_runner_publishes_findings_and_hands_kernels_the_table(project):
    p = project
    nb = write_notebook(p["root"] / "notebooks" / "f.ipynb", FINDINGS_CELL)
    config = write_config(p["root"] / "f.yml", {"f": (nb, {})})
    report = runner.run(config, site=p["site"], data_dir=p["data"], jobs=1)
    assert report.built == ["f"], [o.error for o in report.failed]
    table = store.build(p["data"])  # the run's table, from the cache now
    glued = report.outcomes["f"].glued
    assert glued["findings_env"] == str(table), "the kernel was given the run's table"
    published = p["site"] / "findings.csv"
    assert published.read_bytes() == table.read_bytes()
    rows = pd.read_csv(published)
    assert glued["rows"] == len(rows) and len(rows) > 40
    suleimani = rows.set_index("event_id").loc["suleimani_strike", "estimate"]
    assert glued["suleimani"] == repr(float(suleimani))
    doc = json.loads((p["site"] / "findings.json").read_text(encoding="utf-8"))
    assert [r["event_id"] for r in doc["findings"]] == rows["event_id"].tolist()
    assert doc["method"]["horizon_days"] == 30
    assert table.is_file(), "publishing copies the table: the cache keeps its own"
    # the edition's archive folder holds the table its page links ("findings.csv", relative)
    entry = json.loads((p["site"] / "manifest.json").read_text(encoding="utf-8"))["briefs"]["f"]
    archived = (p["site"] / entry["editions"][-1]["file"]).parent / "findings.csv"
    assert archived.read_bytes() == table.read_bytes()
    for page in ("f.html", "index.html", entry["editions"][-1]["file"]):
        text = (p["site"] / page).read_text(encoding="utf-8")
        assert '<a href="findings.csv">findings.csv</a>' in text, page
    method = (p["site"] / "findings_method.html").read_text(encoding="utf-8")
    assert "Holm" in method and "<table" in method
    archived_method = archived.parent / "findings_method.html"
    assert '<a href="../../index.html">' in archived_method.read_text(encoding="utf-8")


def test_a_failure_computing_findings_publishes_nothing(project, monkeypatch, capsys):
    p = project

    def broken(data_dir):
        raise RuntimeError("the joint fit did not converge")

    monkeypatch.setattr(store, "build", broken)
    try:
        runner.run(p["config"], site=p["site"], data_dir=p["data"], jobs=1)
    except FindingsError as exc:
        assert "findings table" in str(exc) and "did not converge" in str(exc)
    else:
        raise AssertionError("a failed findings table must stop the run")
    assert not (p["site"] / "index.html").exists() and not (p["site"] / "findings.csv").exists()
    code = main(["report", "--config", str(p["config"]), "--out", str(p["site"]), "--data",
                 str(p["data"]), "--jobs", "1"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "error: the findings table (one answer per event) could not be computed" in err
    assert not list(p["site"].glob("*.html"))
