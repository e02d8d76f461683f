"""Notebooks are thin narratives: stored without outputs, parameterised, and they run as shipped."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_clean_with_parameters_and_no_model_code(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in code:
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert not defs, "logic belongs in analysis/, not in a notebook cell"
        statements = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
        assert len(statements) <= 8, "keep cells short"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_is_visible_to_papermill_with_help(path: Path):
    """papermill (and so the report runner) must see every parameter, its default and its help:
    it skips lines with a second "=", so a comment must not hold one."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    assigned = {t.id: ast.literal_eval(n.value) for n in tree.body for t in n.targets}
    found = pm.inspect_notebook(str(path))
    assert list(found) == list(assigned)
    for key, info in found.items():
        assert ast.literal_eval(info["default"]) == assigned[key]
        assert isinstance(assigned[key], str | int | float | bool | list)
        assert info["help"], f"{key} needs a trailing comment"


# Every notebook runs with its defaults (and the brief for several events) in
# tests/report/test_report_site.py, which builds the whole default config once.
