"""Notebooks are thin narratives: stored without outputs, parameterised, and they run as shipped."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
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


# Every notebook runs with its defaults (and the brief for several events) in
# tests/report/test_report_site.py, which builds the whole default config once.
