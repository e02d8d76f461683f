"""The setup contract: pyproject.toml and environment.yml agree; CI runs the README's command."""

from __future__ import annotations

import re
import tomllib

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


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("report:", "test:", "lab:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert "pip install --quiet -e ." in makefile


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first = readme[: readme.find("\n## ", readme.find("make test"))]
    assert "make report" in first and "make test" in first
