"""Issue 29's figures side by side in one run: where a page's time goes and what a build costs.

1. **Profile**: the cells of one event brief (``notebooks/brief.ipynb``, the shipped config's
   first event) and of one sweep page (another event, 60 days, every confirmation level) run in
   one fresh process that imported what a warm kernel imports, with the build's findings table
   and validated tables already cached (as in a build); the top costs per page, cumulative by
   function, are printed.
2. **Sweep**: a 2-page and an N-page sweep of ``brief.ipynb`` (``--pages``, default 200) with
   the default ``--jobs`` as a user runs it (each code's own default: one more than the cores
   since ``default_jobs``, the cores before); the 2-page one run twice, timed the second time
   (the first computes what a build computes once, such as the findings' checks): the per-page
   marginal cost (t_N - t_2) / (N - 2) and t_N. With ``--baseline DIR`` (a checkout of the code to
   compare: ``git worktree add DIR REV``), the baseline's sweeps run interleaved with this one's
   and the ratios are printed: on a shared machine only ratios of runs side by side are fair.
3. **Pairs** (with ``--baseline``): ``--pairs`` pairs (default 6) of ``--pair-pages``-page
   sweeps (default 20), the baseline's and this code's a minute apart, the order alternating:
   the median of the pairs' wall and CPU ratios. This machine's speed drifts by 10-20% over
   minutes, more than the two 200-page sweeps' ratio can tell from a change.
4. **Cold suite**: ``escalation report --force --jobs 2`` of the shipped config against one
   process that imports once and runs every brief's code in sequence (the floor).
5. **No-change rebuild**: the median of 5 ``escalation report`` runs on that built site.
6. **Data 10x**: the SYNTHETIC case (``tests/fixtures/make_synthetic_case.py``) as shipped and
   scaled to about 3,000 incidents and 100 events (``--scale`` 12.5), written into a temporary
   folder (never into ``reports/``), each built with one brief per notebook: build time, ratio.

Goals: marginal cost <= 1.5 s a page, N=200 under 240 s, no-change rebuild under 0.3 s. The
machine is shared (2 cores): run before/after side by side and read ratios. ``--quick`` (a smoke
run): 12 sweep pages, the cold suite's first 6 briefs, the synthetic case scaled 3x. ``--only``
picks parts (profile, sweep, pairs, suite, nochange, synthetic). Prints a JSON line of every figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "reports" / "briefs.yml"
sys.path.insert(0, str(ROOT / "benchmarks"))

from report_suite import _floor_one_process, _script, _sweep_config, _timed  # noqa: E402

PARTS = ("profile", "sweep", "pairs", "suite", "nochange", "synthetic")
#: the issue's figures before this round (main, 2 cores), printed beside this run's
BEFORE = {"marginal_s_per_page": 2.48, "sweep_200_s": 510.9, "no_change_s": 0.22}

_PROFILE_DRIVER = """
import contextlib, cProfile, io, os, pstats, sys, time
os.environ["MPLBACKEND"] = "Agg"
import IPython, matplotlib, numpy, pandas, scipy.stats, statsmodels.api  # a warm kernel's imports
import analysis, analysis.briefs, analysis.data, analysis.geocharts, analysis.models
code = compile(open(sys.argv[1]).read(), sys.argv[1], "exec")
profile = cProfile.Profile()
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    profile.enable()
    exec(code, {"__name__": "__main__"})
    profile.disable()
print(f"CELLS {time.perf_counter() - start:.3f}")
stats = pstats.Stats(profile)
for (path, line, name), (_, _, own, cum, _) in stats.stats.items():
    print(f"FN {cum:.4f}\\t{own:.4f}\\t{path}:{line}({name})")
"""


def _short(where: str) -> str:
    for prefix in (str(ROOT) + "/", "site-packages/"):
        if prefix in where:
            where = where.split(prefix, 1)[1]
    return where


def profile_page(name: str, parameters: dict, tmp: Path, top: int) -> dict:
    """The cells of ``brief.ipynb`` with ``parameters`` under cProfile: total and top costs."""
    script = _script(ROOT / "notebooks" / "brief.ipynb", parameters, tmp / f"prof_{name}.py")
    driver = tmp / "profile_driver.py"
    driver.write_text(_PROFILE_DRIVER)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # a run before, unprofiled: the findings table and the validated tables in their caches
    subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [sys.executable, str(driver), str(script)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cells = next(float(line.split()[1]) for line in out.splitlines() if line.startswith("CELLS"))
    rows = []
    for line in out.splitlines():
        if line.startswith("FN "):
            cum, own, where = line[3:].split("\t", 2)
            if "<module>" in where or "builtins.exec" in where or str(tmp) in where:
                continue
            rows.append((float(cum), float(own), _short(where)))
    ours = sorted((r for r in rows if r[2].startswith("analysis/")), reverse=True)[:top]
    selves = sorted(rows, key=lambda r: r[1], reverse=True)[:top]
    print(f"\nprofile, {name} ({parameters}): cells {cells:.2f} s (under cProfile)")
    print("  the package's functions by cumulative time (s):")
    for cum, _, where in ours:
        print(f"  {cum:8.3f}  {where}")
    print("  any function by its own time (s):")
    for _, own, where in selves:
        print(f"  {own:8.3f}  {where}")
    return {"cells_s": cells, "top": ours}


def _report(
    config: Path, site: Path, *extra: str, code: Path | None = None, env: dict | None = None
) -> float:
    """Seconds of one ``escalation report`` run (of the checkout at ``code``: run from its
    folder with its package first on the path, so the forge's ``python -m`` and the kernels
    import it too; None: this one), in ``env`` (default: this process's environment)."""
    cmd = [str(BIN / "escalation"), "report", "--config", str(config), "--out", str(site)]
    env = dict(os.environ if env is None else env)
    if code is None:
        return _timed([[*cmd, *extra]], env=env)
    return _timed([[*cmd, *extra]], env={**env, "PYTHONPATH": str(code)}, cwd=code)


def sweep(tmp: Path, pages: int, baseline: Path | None = None) -> dict:
    """Seconds of a 2-page and a ``pages``-page sweep, and the marginal cost per page; with a
    ``baseline`` checkout, its runs interleaved with this one's (same machine, same minute), and
    the ratios."""
    sides = {"": (tmp / "this", ROOT)}
    if baseline is not None:
        sides = {"baseline_": (tmp / "base", baseline), **sides}
    for where, root in sides.values():
        _sweep_config(where / "reports" / "s2.yml", 2, root)
        _sweep_config(where / "reports" / "sn.yml", pages, root)
    figures: dict = {}
    for step, config, site in (("first", "s2", "s2"), (2, "s2", "s2"), (pages, "sn", "sn")):
        for prefix, (where, root) in sides.items():
            code = None if root == ROOT else root
            took = _report(where / "reports" / f"{config}.yml", where / site, "--force", code=code)
            # the first run warms what a build computes once (the findings' checks)
            print(f"  {prefix or 'this '}sweep {config}, {step}: {took:.1f} s", flush=True)
            if step != "first":
                figures[f"{prefix}sweep_{step}_s"] = took
    for prefix in sides:
        two, many = figures[f"{prefix}sweep_2_s"], figures[f"{prefix}sweep_{pages}_s"]
        figures[f"{prefix}marginal_s_per_page"] = (many - two) / (pages - 2)
    if baseline is not None:
        for key in (f"sweep_{pages}_s", "marginal_s_per_page"):
            figures[f"{key}_ratio"] = figures[key] / figures[f"baseline_{key}"]
    return figures


def _cpu_of_children() -> float:
    """CPU seconds (user + system) of this process's waited-for descendants so far."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def pairs(tmp: Path, pages: int, rounds: int, baseline: Path) -> dict:
    """``rounds`` pairs of ``pages``-page sweeps, the baseline's and this code's one after the
    other (the order alternating), after one unmeasured build each: on a machine whose speed
    drifts by minutes, each pair's ratio compares two runs a minute apart. Wall time and the CPU
    of the run's processes; the median of the pairs' ratios."""
    sides = {"baseline": (tmp / "pairs_base", baseline), "this": (tmp / "pairs_this", ROOT)}
    for where, root in sides.values():
        _sweep_config(where / "reports" / "sp.yml", pages, root)

    def once(side: str) -> tuple[float, float]:
        where, root = sides[side]
        code = None if root == ROOT else root
        cpu = _cpu_of_children()
        took = _report(where / "reports" / "sp.yml", where / "site", "--force", code=code)
        return took, _cpu_of_children() - cpu

    for side in sides:
        once(side)  # the findings' checks and the caches a first build fills
    wall: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    for i in range(rounds):
        for side in ("baseline", "this") if i % 2 == 0 else ("this", "baseline"):
            took, used = once(side)
            wall[side].append(took)
            cpu[side].append(used)
            print(f"  pair {i + 1}, {side}: {took:.1f} s, CPU {used:.1f} s", flush=True)
    ratios = [t / b for t, b in zip(wall["this"], wall["baseline"], strict=True)]
    cpu_ratios = [t / b for t, b in zip(cpu["this"], cpu["baseline"], strict=True)]
    print(f"  wall ratios {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"  CPU ratios {', '.join(f'{r:.3f}' for r in cpu_ratios)}")
    return {
        f"pairs_{pages}_s": statistics.median(wall["this"]),
        f"baseline_pairs_{pages}_s": statistics.median(wall["baseline"]),
        "pairs_ratio": statistics.median(ratios),
        "pairs_cpu_ratio": statistics.median(cpu_ratios),
    }


def suite(tmp: Path, briefs: list) -> dict:
    """The cold suite (its briefs) against one process that imports once; site kept."""
    config = tmp / "reports" / "suite.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    doc = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    names = {b.name for b in briefs}
    doc["briefs"] = [b for b in doc["briefs"] if b["name"] in names]
    doc.pop("sweeps", None)
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    cold = _report(config, tmp / "suite", "--force", "--jobs", "2")
    print(f"  cold suite ({len(briefs)} briefs): {cold:.1f} s", flush=True)
    floor = _floor_one_process(briefs, tmp)
    print(f"  one process importing once: {floor:.1f} s", flush=True)
    return {"cold_suite_s": cold, "floor_one_process_s": floor, "cold_over_floor": cold / floor}


def nochange(tmp: Path) -> dict:
    """Median seconds of 5 ``escalation report`` runs on the suite's site, nothing changed, with
    Python's bytecode cache on, as on a user's machine: with ``PYTHONDONTWRITEBYTECODE`` set
    (as on some CI machines) every run compiles the modules it imports again, about 0.08 s."""
    config, site = tmp / "reports" / "suite.yml", tmp / "suite"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _report(config, site, env=env)  # records the front pages' key, writes the bytecode cache
    runs = [_report(config, site, env=env) for _ in range(5)]
    return {"no_change_s": statistics.median(runs)}


def _generator():
    path = ROOT / "tests" / "fixtures" / "make_synthetic_case.py"
    spec = importlib.util.spec_from_file_location("make_synthetic_case", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_case(folder: Path, scale: float) -> tuple[int, int]:
    """The SYNTHETIC case written into ``folder``: the fixture's generator with its attack rate
    times ``scale`` and, beyond its own events, invented events (no rate change) up to
    ``scale`` times its own in all. Returns (incidents, events)."""
    import datetime as dt
    import random
    import shutil

    gen = _generator()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("case.yml", "README.md"):
        shutil.copy(gen.OUT / name, folder / name)
    gen.BASE_RATE *= scale
    rows = gen.incidents(random.Random(gen.SEED))
    events = gen.events()
    extra = max(0, round(len(events) * scale) - len(events))
    categories = sorted({e["category"] for e in events})
    span = (gen.LAST - gen.FIRST).days
    for i in range(extra):
        day = gen.FIRST + dt.timedelta(days=30 + (span - 60) * (i + 0.5) / extra)
        label = f"Synthetic event {i + 1}"
        events.append(
            {
                "event_id": f"synthetic_event_{i + 1:03d}",
                "date": f"{day:%Y-%m-%d}",
                "label": label,
                "category": categories[i % len(categories)],
                "actor": "Both governments",
                "description": f"Synthetic event: {label.lower()} (invented, for benchmarks only).",
                "date_note": "",
                "source_title": f"Synthetic event page: {label}",
                "source_url": f"{gen.URL}/events/extra-{i + 1}",
            }
        )
    events.sort(key=lambda e: (e["date"], e["event_id"]))
    gen._write(folder / "incidents.csv", rows)
    gen._write(folder / "political_events.csv", events)
    gen._write(folder / "attack_counts_reported.csv", gen.tallies(rows))
    return len(rows), len(events)


def synthetic(tmp: Path, scale: float, limit: float) -> dict:
    """Build seconds of the synthetic case as shipped (scale 1) and scaled, one brief per
    notebook with its defaults, each into a temporary site (stopped after ``limit`` seconds)."""
    notebooks = sorted(
        p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p.stem != "00_explore"
    )
    config = tmp / "reports" / "synthetic.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"name": Path(nb).stem, "notebook": f"notebooks/{nb}"} for nb in notebooks]
    config.write_text(yaml.safe_dump({"briefs": entries}), encoding="utf-8")
    figures = {}
    for label, factor in (("1x", 1.0), (f"{scale:g}x", scale)):
        data = tmp / f"synthetic_{label}"
        n_inc, n_ev = synthetic_case(data, factor)
        env = {**os.environ, "ESCALATION_DATA_DIR": str(data)}
        cmd = [str(BIN / "escalation"), "report", "--config", str(config), "--data", str(data)]
        cmd += ["--out", str(tmp / f"site_{label}"), "--force", "--jobs", "2"]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=limit
            )
        except subprocess.TimeoutExpired:
            proc = subprocess.CompletedProcess(cmd, -1, "", f"stopped after {limit} s")
        seconds = time.perf_counter() - start
        ok = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        print(f"  synthetic {label}: {n_inc} incidents, {n_ev} events, {seconds:.1f} s ({ok})")
        if proc.returncode != 0:
            print("    " + "\n    ".join((proc.stdout + proc.stderr).splitlines()[-8:]))
        figures[f"synthetic_{label}_s"] = seconds
        figures[f"synthetic_{label}_incidents"] = n_inc
    figures["synthetic_ratio"] = figures[f"synthetic_{scale:g}x_s"] / figures["synthetic_1x_s"]
    return figures


def main(argv: list[str] | None = None) -> dict:
    from analysis.report.config import load_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run (see the docstring)")
    ap.add_argument("--pages", type=int, help="sweep pages (default 200; --quick 12)")
    ap.add_argument("--scale", type=float, help="synthetic case scale (default 12.5; --quick 3)")
    ap.add_argument("--synthetic-limit", type=float, default=1200, help="seconds per build")
    ap.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--top", type=int, default=15, help="functions per profiled page")
    ap.add_argument("--pairs", type=int, default=6, help="pairs of sweeps (with --baseline)")
    ap.add_argument("--pair-pages", type=int, default=20, help="pages of each paired sweep")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of the code to compare (git worktree add DIR REV): its sweeps run "
        "interleaved with this one's, and the ratios are printed",
    )
    args = ap.parse_args(argv)
    pages = args.pages or (12 if args.quick else 200)
    scale = args.scale or (3.0 if args.quick else 12.5)  # 243 incidents, 8 events -> ~3,000, 100
    briefs = load_config(CONFIG)
    if args.quick:
        briefs = briefs[:6]
    figures: dict = {}
    print(f"{os.cpu_count()} cores; parts: {', '.join(args.only)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "profile" in args.only:
            event = next(b for b in briefs if b.notebook.name == "brief.ipynb")
            for name, params in (
                ("event brief", dict(event.parameters)),
                ("sweep page", {"event_id": "biden_inauguration", "window_days": 60,
                                "confirmation": "all"}),
            ):  # fmt: skip
                got = profile_page(name, params, tmp, args.top)
                figures[f"profile_{name.replace(' ', '_')}_cells_s"] = got["cells_s"]
        if "sweep" in args.only:
            figures |= sweep(tmp, pages, args.baseline)
        if "pairs" in args.only and args.baseline is not None:
            figures |= pairs(tmp, args.pair_pages, args.pairs, args.baseline)
        if "suite" in args.only or "nochange" in args.only:
            figures |= suite(tmp, briefs)
        if "nochange" in args.only:
            figures |= nochange(tmp)
        if "synthetic" in args.only:
            figures |= synthetic(tmp, scale, args.synthetic_limit)
    print("\nside by side (this run; before: issue 29 on main; goal)")
    lines = [
        ("marginal cost per page", "marginal_s_per_page", "s", "<= 1.5 s"),
        ("  the baseline's", "baseline_marginal_s_per_page", "s", ""),
        ("  this / the baseline", "marginal_s_per_page_ratio", "x", ""),
        (f"sweep of {pages} pages", f"sweep_{pages}_s", "s", "< 240 s at 200"),
        ("  the baseline's", f"baseline_sweep_{pages}_s", "s", ""),
        ("  this / the baseline", f"sweep_{pages}_s_ratio", "x", ""),
        (f"paired sweeps of {args.pair_pages} pages", f"pairs_{args.pair_pages}_s", "s", ""),
        ("  the baseline's", f"baseline_pairs_{args.pair_pages}_s", "s", ""),
        ("  this / the baseline, median pair", "pairs_ratio", "x", ""),
        ("  CPU, this / the baseline", "pairs_cpu_ratio", "x", ""),
        ("cold suite", "cold_suite_s", "s", ""),
        ("one process importing once", "floor_one_process_s", "s", ""),
        ("cold suite / one process", "cold_over_floor", "x", ""),
        ("no-change rebuild (median of 5)", "no_change_s", "s", "< 0.3 s"),
        ("synthetic case as shipped", "synthetic_1x_s", "s", ""),
        (f"synthetic case x{scale:g}", f"synthetic_{scale:g}x_s", "s", ""),
        ("synthetic scaled / as shipped", "synthetic_ratio", "x", ""),
    ]
    for label, key, unit, goal in lines:
        if key in figures:
            was = BEFORE.get(key)
            was_text = f"  (before {was:g} {unit})" if was is not None else ""
            print(f"  {label:34s} {figures[key]:8.2f} {unit}{was_text}  {goal}")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
    return figures


if __name__ == "__main__":
    main()
