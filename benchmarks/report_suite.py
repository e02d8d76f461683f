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

``--sweep N`` times sweeps of ``notebooks/brief.ipynb`` instead (N/10 events in order x windows
7, 14, 30, 60, 90 x confirmed/all when N is a multiple of 10, N/6 events x windows 14, 30, 60 x
confirmed/all when a multiple of 6, else N events at 30 days), each into a fresh site with
``--jobs 2`` and the default warm kernels: a 2-point sweep and the N-point one on the local
pool (per-page marginal cost = (t_N - t_2) / (N - 2)). Side by side on an M-point sweep
(``--compare M``, default 24): warm kernels, fresh kernels (``--kernels fresh``, the baseline:
warm / fresh is the saving), and warm kernels through a two-worker Dask cluster on this machine
(``dask scheduler`` and two ``dask worker --nthreads 1`` processes on 127.0.0.1; Dask overhead
= t_dask / t_local - 1). Last, the floor of one process that imports once and runs every
brief's code in sequence (the shipped config's briefs), against the cold
``escalation report --force --jobs 2`` of the same briefs.
Goals: marginal cost <= 1.5 s per page on 2 cores, 200 pages under 4 minutes, Dask within 15%.
"""

from __future__ import annotations

import argparse
import json
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


def _timed(cmds: list[list[str]], env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env)
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


def _sweep_config(path: Path, n: int, root: Path = ROOT) -> Path:
    """A config of one sweep of ``n`` points over the brief notebook (see the docstring), over
    the notebooks of the checkout at ``root``."""
    import csv

    from analysis.paths import data_dir

    with (data_dir() / "political_events.csv").open(encoding="utf-8") as fh:
        events = sorted(row["event_id"] for row in csv.DictReader(fh))
    if n % 10 == 0 and n // 10 <= len(events):  # events x 5 windows x 2 confirmation levels
        windows, levels = [7, 14, 30, 60, 90], ["confirmed", "all"]
        grid = {"event_id": events[: n // 10], "window_days": windows, "confirmation": levels}
    elif n % 6 == 0 and n // 6 <= len(events):  # events x 3 windows x 2 confirmation levels
        windows, levels = [14, 30, 60], ["confirmed", "all"]
        grid = {"event_id": events[: n // 6], "window_days": windows, "confirmation": levels}
    elif n <= len(events):  # n events, one window and level
        grid = {"event_id": events[:n], "window_days": [30], "confirmation": ["confirmed"]}
    else:
        raise SystemExit(
            f"--sweep {n}: a multiple of 10 up to {10 * len(events)}, of 6, or <= {len(events)}"
        )
    doc = {
        "briefs": [],
        "sweeps": [
            {
                "name": "bench",
                "notebook": "notebooks/brief.ipynb",
                "grid": grid,
                "pattern": "{event_id}-{window_days}-{confirmation}",
                "values": ["window_rate_ratio"],
            }
        ],
    }
    # a config runs notebooks of its project only: <tmp>/notebooks links to the project's
    path.parent.mkdir(parents=True, exist_ok=True)
    link = path.parent.parent / "notebooks"
    if not link.exists():
        link.symlink_to(root / "notebooks", target_is_directory=True)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _floor_one_process(briefs, tmp: Path) -> float:
    """Seconds for one process that imports once, then runs every brief's code in sequence,
    each in a fresh namespace."""
    paths = [str(_script(b.notebook, b.parameters, tmp / f"floor1_{b.name}.py")) for b in briefs]
    driver = tmp / "floor_one.py"
    driver.write_text(
        "import sys, runpy\n"
        "import pandas, numpy, scipy.stats, statsmodels.api, matplotlib.pyplot, analysis.briefs\n"
        "import time\nt = time.perf_counter()\n"
        "for p in sys.argv[1:]:\n    runpy.run_path(p, run_name='__main__')\n"
        "    matplotlib.pyplot.close('all')\n"
        "print(time.perf_counter() - t)\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return _timed([[sys.executable, str(driver), *paths]], env=env)


def _cluster(tmp: Path) -> tuple[str, list[subprocess.Popen]]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    log = (tmp / "cluster.log").open("ab")
    procs = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--no-dashboard", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            stdout=log,
            stderr=log,
        )
    ]
    for name in ("w1", "w2"):
        procs.append(
            subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--no-dashboard", "--nthreads", "1"]
                + ["--host", "127.0.0.1", "--name", name, "--local-directory", str(tmp / name)],
                stdout=log,
                stderr=log,
            )
        )
    from distributed import Client

    with Client(address, timeout="60s") as c:
        c.wait_for_workers(2, timeout=120)
    return address, procs


def sweep_main(n: int, m: int = 24) -> dict:
    """The sweep, warm/fresh, Dask and one-process floor figures (see the module docstring)."""
    import signal

    from analysis.report.config import load_config

    figures: dict[str, float] = {"pages": n}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        esc = str(BIN / "escalation")

        def report(config: Path, site: Path, *extra: str) -> float:
            cmd = [esc, "report", "--config", str(config), "--out", str(site), "--force"]
            return _timed([[*cmd, "--jobs", "2", *extra]])

        figures["sweep2_s"] = report(_sweep_config(tmp / "reports" / "s2.yml", 2), tmp / "s2")
        print(f"  2 pages: {figures['sweep2_s']:.1f} s", flush=True)
        sweep = _sweep_config(tmp / "reports" / "sn.yml", n)
        figures["sweep_local_s"] = report(sweep, tmp / "sn")
        figures["marginal_s_per_page"] = (figures["sweep_local_s"] - figures["sweep2_s"]) / (n - 2)
        print(f"  {n} pages: {figures['sweep_local_s']:.1f} s", flush=True)
        compare = _sweep_config(tmp / "reports" / "sm.yml", m)
        figures["compare_pages"] = m
        figures["compare_warm_s"] = report(compare, tmp / "mw")
        figures["compare_fresh_s"] = report(compare, tmp / "mf", "--kernels", "fresh")
        figures["warm_over_fresh"] = figures["compare_warm_s"] / figures["compare_fresh_s"]
        address, procs = _cluster(tmp)
        try:
            figures["compare_dask_s"] = report(compare, tmp / "md", "--scheduler", address)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=30)
        figures["dask_overhead"] = figures["compare_dask_s"] / figures["compare_warm_s"] - 1
        briefs = load_config(CONFIG)
        site = tmp / "cold"
        figures["cold_suite_s"] = report(CONFIG, site)
        figures["floor_one_process_s"] = _floor_one_process(briefs, tmp)
        figures["cold_over_floor"] = figures["cold_suite_s"] / figures["floor_one_process_s"]
    print(f"sweep of {n} pages, --jobs 2, {os.cpu_count()} cores")
    print(f"  2 pages {figures['sweep2_s']:.1f} s; {n} pages {figures['sweep_local_s']:.1f} s")
    print(f"  per-page marginal cost {figures['marginal_s_per_page']:.2f} s (goal <= 1.5 s)")
    print(
        f"  {m} pages: warm kernels {figures['compare_warm_s']:.1f} s, fresh kernels "
        f"{figures['compare_fresh_s']:.1f} s (warm / fresh {figures['warm_over_fresh']:.2f}); "
        f"through a 2-worker Dask cluster {figures['compare_dask_s']:.1f} s, overhead "
        f"{100 * figures['dask_overhead']:+.0f}% (goal within 15%)"
    )
    print(
        f"  cold {len(briefs)}-brief suite {figures['cold_suite_s']:.1f} s; one process importing "
        f"once: {figures['floor_one_process_s']:.1f} s; ratio {figures['cold_over_floor']:.2f}x"
    )
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two briefs only")
    parser.add_argument("--sweep", type=int, default=0, metavar="N", help="the sweep figures")
    parser.add_argument(
        "--compare", type=int, default=24, metavar="M", help="pages of the side-by-side sweeps"
    )
    args = parser.parse_args()
    if args.sweep:
        sweep_main(args.sweep, args.compare)
    else:
        main(quick=args.quick)
