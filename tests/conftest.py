"""Shared fixtures: paths of the shipped data and helpers to make malformed copies of it."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path

import pytest
from http_fixture_server import http_server  # noqa: F401  (fetcher tests' real HTTP server)

from analysis.paths import DATA_FILES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared" / "data"

# Most runner tests build one or two tiny notebooks, for which a fresh kernel is cheaper than
# starting a warm forge (it imports pandas, statsmodels and matplotlib once, to save that cost
# on every later brief). The default, warm kernels, is what the shipped site below, the cluster
# sweep, the isolation test and tests/report/test_warm.py build with, each naming it.
os.environ.setdefault("ESCALATION_KERNELS", "fresh")

#: the time every build of the shipped site in this session is made at: pages built again to
#: be compared with it must carry its edition day, even when the case's local midnight falls
#: between the builds (a session may run across it)
#: (with pytest-xdist, the controller's time, handed to its workers in the environment)
SESSION_NOW = dt.datetime.fromisoformat(
    os.environ.setdefault("ESCALATION_TEST_SESSION_NOW", dt.datetime.now(dt.UTC).isoformat())
)


def copy_data(out: Path) -> Path:
    """Copy the curated tables of data/ and its case file into ``out`` (created; it must not
    exist yet)."""
    out.mkdir()
    for name in (*DATA_FILES, "case.yml"):
        shutil.copy(DATA / name, out / name)
    shutil.copy(DATA / "case.yml", out / "case.yml")  # a data folder is a case: its case file
    return out


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ (the three tables) in a temporary folder."""
    return copy_data(tmp_path / "data")


def edit_cells(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a CSV in place: ``{(row_index, column): value}`` (row 0 is file line 2)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for (i, column), value in edits.items():
        rows[i][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    """For report runner tests: a data copy, two tiny notebooks, a config and a site path."""
    from report_helpers import make_project

    return make_project(tmp_path)


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory, request) -> Path:
    """The shipped site (``make report``'s config), built once per test session into a temporary
    folder and shared by the modules that read it. Tests must not change its pages. Each page's
    executed notebook is kept beside it, in ``executed/<page>.ipynb`` (:func:`shipped_executed`).
    Under pytest-xdist the first worker to ask builds it, in the session's common folder, and
    the others wait on a lock and read the same pages."""
    if not hasattr(request.config, "workerinput"):  # not an xdist worker
        return _build_shipped(tmp_path_factory.mktemp("shipped"))
    common = tmp_path_factory.getbasetemp().parent / "shipped"
    common.mkdir(exist_ok=True)
    with open(common / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (common / "built").exists():
            _build_shipped(common)
            (common / "built").touch()
    return common / "site"


def _build_shipped(root: Path) -> Path:
    """Build the shipped site into ``root/site``, the executed notebooks into ``root/executed``."""
    from analysis.paths import DEFAULT_CONFIG
    from analysis.report.runner import run

    folder, kept = root / "site", root / "executed"
    kept.mkdir()

    def keep(outcome) -> None:  # the runner's staging is removed after publishing
        if outcome.notebook is not None and outcome.notebook.exists():
            shutil.copy(outcome.notebook, kept / f"{outcome.name}.ipynb")

    report = run(
        DEFAULT_CONFIG, site=folder, jobs=2, progress=keep, kernels="warm", now=SESSION_NOW
    )
    assert not report.failed, [o.error for o in report.failed]
    return report.site


@pytest.fixture(scope="session")
def shipped_executed(shipped_site) -> Path:
    """The folder of the shipped site's executed notebooks, one per page (``<page>.ipynb``)."""
    return shipped_site.parent / "executed"
