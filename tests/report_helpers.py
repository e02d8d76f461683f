"""Tiny notebooks and configs for report runner tests: a kernel starts, next to nothing runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

DATA = Path(__file__).resolve().parents[1] / "data"


def write_notebook(path: Path, *cells: str, parameters: str = "x = 1  # a number") -> Path:
    """A notebook with a markdown title, a ``parameters`` cell and the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny brief"), params]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


GLUE = (
    "from analysis.report.glue import glue\n"
    "glue('title', f'Tiny brief {x}')\n"
    "glue('headline', f'x is {x}.')\n"
    "glue('period', ['2020-01-01', '2020-12-31'])\n"
    "x * 2"
)


#: a cell that reads one data file (the runner records it: a's key covers incidents.csv only)
READS = "from analysis.data import load_incidents\nn = len(load_incidents())"


def write_config(path: Path, entries: dict[str, tuple[Path, dict]]) -> Path:
    lines = ["briefs:"]
    for name, (notebook, params) in entries.items():
        lines += [f"  - name: {name}", f"    notebook: {notebook}"]
        if params:
            lines.append("    parameters:")
            lines += [f"      {k}: {v!r}" for k, v in params.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_project(tmp_path: Path) -> dict[str, Path]:
    """A data copy, two tiny notebooks (a reads incidents.csv, b reads no data), a config listing
    them and an empty site folder."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("incidents.csv", "political_events.csv", "attack_counts_reported.csv"):
        shutil.copy(DATA / name, data / name)
    a = write_notebook(tmp_path / "a.ipynb", READS, GLUE)
    b = write_notebook(tmp_path / "b.ipynb", GLUE)
    config = write_config(tmp_path / "briefs.yml", {"a": (a, {}), "b": (b, {"x": 2})})
    return {
        "root": tmp_path,
        "data": data,
        "a": a,
        "b": b,
        "config": config,
        "site": tmp_path / "site",
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to show a site did not change)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
