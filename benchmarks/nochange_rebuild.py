"""A rebuild with nothing changed: ``escalation report`` right after a full one.

Builds the site of ``--config`` (default: the shipped briefs) once into a temporary folder (or
reuses a built one: ``--site``), then times ``--runs`` no-change runs of the command line, each in
a fresh Python, two ways side by side:

(a) now: the index and review page are judged unchanged from hashes
    (:mod:`analysis.report.unchanged`) and not rendered;
(b) baseline: the recorded key is removed before each run, so the runner renders both pages
    (importing the review queue, pandas, pandera, the findings) and compares them with the
    published ones, as every no-change run did before.

Prints the median wall time of each (seconds) and their ratio, and checks that no run rewrote a
file of the site. Not a test; the machine is shared, so read the figures as such.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.paths import DEFAULT_CONFIG  # noqa: E402
from analysis.report import unchanged  # noqa: E402
from analysis.report.publish import work_dir  # noqa: E402


def _mtimes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*")}


def _report(config: Path, site: Path) -> float:
    """Wall seconds of one ``escalation report`` in a fresh Python."""
    cmd = [sys.executable, "-m", "analysis.cli", "report", "--config", str(config)]
    start = time.perf_counter()
    subprocess.run([*cmd, "--out", str(site)], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--site", type=Path, help="a site already built (default: build one)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = (args.site or Path(tmp) / "site").resolve()
        start = time.perf_counter()
        _report(args.config, site)  # the full build (or, for --site, whatever is left to do)
        _report(args.config, site)  # records the front pages' key if the build did not
        print(f"first build: {time.perf_counter() - start:.1f} s into {site}")
        before = _mtimes(site)
        record = work_dir(site) / unchanged.RECORD
        now, baseline = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment costs both alike
            now.append(_report(args.config, site))
            record.unlink(missing_ok=True)
            baseline.append(_report(args.config, site))
        assert _mtimes(site) == before, "a no-change run rewrote a file of the site"
    a, b = statistics.median(now), statistics.median(baseline)
    print(f"no-change rebuild, median of {args.runs} (s): now {a:.3f}, baseline {b:.3f}")
    print(f"ratio baseline / now: {b / a:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
