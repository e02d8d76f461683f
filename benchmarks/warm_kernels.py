"""Per-brief overhead: a fresh kernel per brief against kernels warmed in advance.

For N runs of one notebook (default ``notebooks/recent_tempo.ipynb``), one after another in this
process, times:

(a) ``papermill.execute_notebook`` with a fresh kernel (``--kernels fresh``): kernel start,
    the notebook's imports, its cells;
(b) papermill with a kernel started with the heavy imports done (``IPKernelApp`` with
    ``exec_lines``): the same work, only moved before the first cell (no saving expected);
(c) nbclient on a kernel from a warm pool: the kernel is started and the heavy modules imported
    *before* the brief is handed over (one kernel per brief, never reused, so no state is shared),
    so the brief waits only for its cells; the pool's warm-up time is printed beside it (on idle
    cores it overlaps the previous brief; on busy cores it is the same CPU spent earlier);
(d) papermill with a kernel forked from a warm forge (:mod:`analysis.report.warm`, what the
    runner uses by default): the heavy modules were imported once, by the forge, for every
    brief; each brief's kernel is a fresh fork, so no state is shared. The forge's one-off
    start is printed beside it.

Prints seconds per brief for each and the warm-up cost. Not a test; the machine is shared, so
run it with ``nice`` and read the figures as such.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "import numpy, pandas, scipy.stats, statsmodels.api, matplotlib.pyplot, "
    "analysis.briefs, analysis.models.its, analysis.data"
)


def _papermill(
    nb: Path, out: Path, argv: list[str] | None = None, forge: str | None = None
) -> float:
    import papermill as pm
    from jupyter_client import KernelManager

    from analysis.report.warm import forge_config, kernel_manager_class

    class Manager(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            return cmd + (argv or [])

    extra = {"kernel_manager_class": Manager} if argv else {}
    if forge:
        extra = {"kernel_manager_class": kernel_manager_class(True), "config": forge_config(forge)}
    start = time.perf_counter()
    pm.execute_notebook(
        str(nb), str(out), kernel_name="python3", progress_bar=False, cwd=str(ROOT), **extra
    )
    return time.perf_counter() - start


def _warm_kernel():
    """A started kernel with the heavy modules imported, and the seconds that took."""
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    kc.execute_interactive(HEAVY, store_history=False, timeout=300)
    return km, kc, time.perf_counter() - start


def _on_warm(nb: Path, km, kc) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(nb, as_version=4)
    client = NotebookClient(notebook, km=km, kernel_name="python3")
    start = time.perf_counter()
    client.kc = kc
    with client.setup_kernel(cleanup_kc=False):  # uses the running kernel: km is started
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    return time.perf_counter() - start


def main(n: int, notebook: Path) -> dict:
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    from analysis.report.warm import Forge

    figures: dict[str, list[float]] = {"fresh": [], "preimported": [], "pool": [], "warmup": []}
    figures["forked"] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.ipynb"
        start = time.perf_counter()
        forge = Forge()
        forge.ready()
        figures["forge_start"] = [time.perf_counter() - start]
        for _ in range(n):
            figures["forked"].append(_papermill(notebook, out, forge=forge.address))
            figures["fresh"].append(_papermill(notebook, out))
            figures["preimported"].append(
                _papermill(notebook, out, [f"--IPKernelApp.exec_lines={HEAVY}"])
            )
            km, kc, warm = _warm_kernel()
            figures["warmup"].append(warm)
            try:
                figures["pool"].append(_on_warm(notebook, km, kc))
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
        forge.stop()

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    print(f"{notebook.name}, {n} run(s) each, {os.cpu_count()} cores (shared machine)")
    print(f"  (a) papermill, fresh kernel:            {mean(figures['fresh']):6.2f} s per brief")
    print(f"  (b) papermill, kernel pre-importing:    {mean(figures['preimported']):6.2f} s")
    print(
        f"  (c) nbclient, kernel from a warm pool:  {mean(figures['pool']):6.2f} s waited "
        f"(+ {mean(figures['warmup']):.2f} s of warm-up per kernel, done ahead)"
    )
    print(
        f"  (d) papermill, kernel forked from a forge: {mean(figures['forked']):6.2f} s "
        f"(+ {figures['forge_start'][0]:.2f} s once, for every brief of the run)"
    )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "recent_tempo.ipynb")
    args = parser.parse_args()
    sys.exit(main(args.n, args.notebook) and 0)
