"""Wall time of ``escalation report`` against the naive CLI chain and the plain-script floor.

Side by side in one run, over the default config (``reports/briefs.yml``) on the shipped data:

* ``escalation report --force --jobs 2`` into a temporary site;
* the naive chain a user would write: for each brief, ``papermill`` CLI then
  ``jupyter nbconvert --to html --no-input`` CLI, one after another;
* the floor: each brief's code cells (parameters applied) as one plain Python script, run one
  after another with ``python``;
* a second ``escalation report`` with nothing changed.

Targets: naive / report >= 2.5, report / floor <= 1.5, no-change run < 1 s. Prints figures; it is
not a test. ``--quick`` times the first two briefs of the config only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "reports" / "briefs.yml"


def _timed(cmds: list[list[str]], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _script(notebook: Path, parameters: dict, out: Path) -> Path:
    """The notebook's code cells as a script, with the config's parameters after the defaults."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        if "parameters" in cell.metadata.get("tags", []):
            parts += [f"{k} = {v!r}" for k, v in parameters.items()]
    out.write_text("from IPython.display import display\n" + "\n\n".join(parts) + "\n")
    return out


def main(quick: bool = False) -> dict:
    from analysis.report.config import load_config

    briefs = load_config(CONFIG)
    if quick:
        briefs = briefs[:2]
    only = [b.name for b in briefs]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site = tmp / "site"
        report = [str(BIN / "escalation"), "report", "--config", str(CONFIG), "--out", str(site)]
        report += ["--only", *only]
        figures["report_s"] = _timed([[*report, "--force", "--jobs", "2"]])
        figures["no_change_s"] = _timed([report])

        naive = []
        for b in briefs:
            out = tmp / "naive" / f"{b.name}.ipynb"
            out.parent.mkdir(exist_ok=True)
            cmd = [str(BIN / "papermill"), str(b.notebook), str(out), "--cwd", str(ROOT)]
            params = tmp / f"{b.name}.yml"
            params.write_text(yaml.safe_dump(b.parameters))
            naive.append([*cmd, "-k", "python3", "-f", str(params)])
            nbconvert = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input"]
            naive.append([*nbconvert, str(out)])
        figures["naive_s"] = _timed(naive)

        scripts = []
        for b in briefs:
            path = _script(b.notebook, b.parameters, tmp / f"{b.name}.py")
            scripts.append([sys.executable, str(path)])
        env = {**os.environ, "MPLBACKEND": "Agg"}
        figures["floor_s"] = _timed(scripts, env=env)

    figures["naive_over_report"] = figures["naive_s"] / figures["report_s"]
    figures["report_over_floor"] = figures["report_s"] / figures["floor_s"]
    n = len(briefs)
    print(f"briefs: {n} ({'quick' if quick else 'full config'}), {os.cpu_count()} cores")
    print(f"escalation report --force --jobs 2: {figures['report_s']:7.1f} s")
    print(f"naive papermill + nbconvert CLIs:   {figures['naive_s']:7.1f} s")
    print(f"floor (plain python scripts):       {figures['floor_s']:7.1f} s")
    print(f"no-change escalation report:        {figures['no_change_s']:7.2f} s  (target < 1 s)")
    print(f"naive / report: {figures['naive_over_report']:.2f}x  (target >= 2.5x)")
    print(f"report / floor: {figures['report_over_floor']:.2f}x  (target <= 1.5x)")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two briefs only")
    main(quick=parser.parse_args().quick)
