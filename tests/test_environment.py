"""The setup contract: pyproject.toml and environment.yml agree; `make report` and `make test`
install the project and run it; CI runs `make test`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def _normalise(spec: str) -> str:
    return re.sub(r"\s+", "", spec).lower().replace("_", "-")


def test_environment_yml_lists_the_same_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in conda
    assert "-e ." in pip
    conda_deps = {_name(d): _normalise(d) for d in conda if _name(d) not in {"python", "pip"}}
    py_deps = {_name(d): _normalise(d) for d in project["dependencies"]}
    assert conda_deps == py_deps


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert "make test" in commands
    assert "export CI=true" in commands


def _dry_run(target: str) -> list[str]:
    """What `make <target>` would run from scratch (``-n -B``: printed, nothing run)."""
    done = subprocess.run(
        ["make", "-n", "-s", "-B", "-C", str(ROOT), target],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.splitlines()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_report_and_make_test_install_the_project_then_run_it():
    install = [".venv/bin/pip install --quiet -e .", "touch .venv/.installed"]
    report = _dry_run("report")
    assert report[0].endswith(" -m venv .venv") and report[-1] == ".venv/bin/escalation report"
    assert all(line in report for line in install)
    test = _dry_run("test")
    assert all(line in test for line in install)
    assert '.venv/bin/pip install --quiet -e ".[test]"' in test
    checks = [".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/lint-imports"]
    assert test[-4:] == [*checks, ".venv/bin/python -m pytest -n 2 --dist loadfile"]
