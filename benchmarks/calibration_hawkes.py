"""Benchmark: our Hawkes fit against tick's ``HawkesExpKern`` on the same simulated events.

tick fits the baseline and adjacency (branching ratio) for a FIXED decay. So for each simulated
process we (a) give tick our fitted decay and compare baseline and branching ratio (they should
agree within 5%), and (b) let tick choose its decay by maximising its own likelihood score (coarse
grid, then a bounded 1-D refinement) and compare all three parameters. We also check that tick's
likelihood score and ours differ only by a parameter-free constant, and time our fit on 10,000
events.

tick is a benchmark-only dependency; it works with numpy 2 but needs two undeclared packages:
``pip install "tick==0.8.0.2" numpydoc six`` (Python 3.11 wheel). Without numpydoc every tick
learner fails with "object has no settable attribute 'events'", without six with a missing module.
Run with ``python benchmarks/calibration_hawkes.py`` (add ``--quick`` for a short run).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.models import hawkes

START = pd.Timestamp("2000-01-01")
TRUE = {"baseline": 0.5, "branching_ratio": 0.5, "decay": 1.0}  # per day, -, per day
TICK_INSTALL = 'pip install "tick==0.8.0.2" numpydoc six'


def _tick():
    """Import tick lazily; None (with the reason printed) when it is not usable."""
    try:
        from tick.hawkes import HawkesExpKern

        HawkesExpKern(1.0)  # fails here when numpydoc is missing
    except Exception as exc:  # any import or initialisation failure means "no tick"
        print(f"tick is unavailable ({type(exc).__name__}: {exc}).")
        print(f"Install it in a separate environment with: {TICK_INSTALL}")
        print("Printing our own figures only.\n")
        return None
    return HawkesExpKern


def _tick_fit(HawkesExpKern, t: np.ndarray, decay: float, start: tuple[float, float]):
    learner = HawkesExpKern(
        decay, gofit="likelihood", penalty="none", solver="agd", tol=1e-10, max_iter=20000
    )
    learner.fit([t], start=np.asarray(start, dtype=float))
    return learner


def _tick_profile_decay(HawkesExpKern, t: np.ndarray, n_grid: int) -> tuple[float, object]:
    """Choose tick's decay by its likelihood score: log-spaced grid, then bounded refinement."""
    grid = np.geomspace(0.1, 10.0, n_grid)
    cache: dict[float, object] = {}

    def neg_score(log_decay: float) -> float:
        d = float(np.exp(log_decay))
        cache[d] = _tick_fit(HawkesExpKern, t, d, (0.3, 0.3))
        return -float(cache[d].score())

    scores = [neg_score(np.log(d)) for d in grid]
    i = int(np.argmin(scores))
    lo, hi = np.log(grid[max(i - 1, 0)]), np.log(grid[min(i + 1, n_grid - 1)])
    res = optimize.minimize_scalar(neg_score, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-4})  # fmt: skip
    best = float(np.exp(res.x))
    return best, cache[best]


def _calibration(HawkesExpKern, n_rep: int, days: int) -> dict:
    """Bias and 95% interval coverage over replications, continuous and day-rounded (jittered)."""
    names = ["baseline", "branching_ratio", "decay"]
    end = START + pd.Timedelta(days=days)
    est = {"continuous": [], "day-rounded, jittered": []}
    cover = {"continuous": [], "day-rounded, jittered": []}
    for seed in range(1000, 1000 + n_rep):
        ts = hawkes.simulate(
            TRUE["baseline"],
            TRUE["branching_ratio"],
            TRUE["decay"],
            start=START,
            end=end,
            seed=seed,
        )
        for label, data in [("continuous", ts), ("day-rounded, jittered", ts.floor("D"))]:
            r = hawkes.fit(data, start=START, end=end, seed=seed)
            est[label].append([getattr(r, p) for p in names])
            cover[label].append(
                [getattr(r, f"{p}_low") <= TRUE[p] <= getattr(r, f"{p}_high") for p in names]
            )
    out = {}
    print(f"Calibration over {n_rep} simulated processes ({days} days each; truth {TRUE}):")
    for label in est:
        mean = np.mean(est[label], axis=0)
        cov = np.mean(cover[label], axis=0)
        print(
            f"  {label:>22}: mean estimate "
            + ", ".join(f"{p} {m:.3f}" for p, m in zip(names, mean, strict=True))
            + " | 95% CI coverage "
            + ", ".join(f"{c:.0%}" for c in cov)
        )
        key = "jittered" if "jitter" in label else "continuous"
        out[f"coverage_{key}"] = dict(zip(names, cov.tolist(), strict=True))
        out[f"mean_estimate_{key}"] = dict(zip(names, mean.tolist(), strict=True))
    if HawkesExpKern is not None:  # our estimator on events simulated by tick's own simulator
        from tick.hawkes import SimuHawkesExpKernels

        tick_est = []
        for seed in range(n_rep):
            sim = SimuHawkesExpKernels(
                adjacency=np.array([[TRUE["branching_ratio"]]]),
                decays=np.array([[TRUE["decay"]]]),
                baseline=np.array([TRUE["baseline"]]),
                end_time=float(days),
                seed=seed + 1,
                verbose=False,
            )
            sim.simulate()
            times = START + pd.to_timedelta(sim.timestamps[0], unit="D")
            r = hawkes.fit(times, start=START, end=end)
            tick_est.append([getattr(r, p) for p in names])
        mean = np.mean(tick_est, axis=0)
        print(
            f"  {'simulated by tick':>22}: mean estimate "
            + ", ".join(f"{p} {m:.3f}" for p, m in zip(names, mean, strict=True))
        )
        out["mean_estimate_tick_simulated"] = dict(zip(names, mean.tolist(), strict=True))
    print()
    return out


def main(quick: bool = False) -> dict:
    """Compare with tick on simulated data; print and return the figures."""
    seeds = range(2) if quick else range(5)
    days = 800 if quick else 2000
    n_grid = 9 if quick else 21
    HawkesExpKern = _tick()
    print(
        f"Simulated Hawkes processes: baseline {TRUE['baseline']}/day, branching ratio "
        f"{TRUE['branching_ratio']}, decay {TRUE['decay']}/day, {days} days, seeds {list(seeds)}"
    )
    print("Window for both fits: first day to the last event (tick's default end time).\n")
    rows = []
    for seed in seeds:
        ts = hawkes.simulate(
            TRUE["baseline"], TRUE["branching_ratio"], TRUE["decay"],
            start=START, end=START + pd.Timedelta(days=days), seed=seed,
        )  # fmt: skip
        t = np.asarray((ts - START) / pd.Timedelta(days=1))
        t0 = time.perf_counter()
        ours = hawkes.fit(ts, start=START, end=ts[-1])
        our_time = time.perf_counter() - t0
        row = {
            "seed": seed,
            "n": len(ts),
            "ours_baseline": ours.baseline,
            "ours_branching": ours.branching_ratio,
            "ours_decay": ours.decay,
            "ours_time_s": our_time,
        }
        if HawkesExpKern is not None:
            t0 = time.perf_counter()
            fixed = _tick_fit(HawkesExpKern, t, ours.decay, (0.3, 0.3))
            row["tick_time_s"] = time.perf_counter() - t0
            row["tick_baseline"] = float(fixed.baseline[0])
            row["tick_branching"] = float(fixed.adjacency[0, 0])
            t0 = time.perf_counter()
            best_decay, best = _tick_profile_decay(HawkesExpKern, t, n_grid)
            row["tick_profile_time_s"] = time.perf_counter() - t0
            row["tickp_decay"] = best_decay
            row["tickp_baseline"] = float(best.baseline[0])
            row["tickp_branching"] = float(best.adjacency[0, 0])
            # tick's score (log-likelihood per event) vs ours: difference must not depend on
            # the parameters
            offsets = []
            for mu, a, d in [(0.4, 0.3, 0.5), (0.6, 0.2, 2.0), (ours.baseline, 0.5, 1.0)]:
                score = HawkesExpKern(d, gofit="likelihood").score(
                    events=[t], end_times=float(t[-1]), baseline=np.array([mu]),
                    adjacency=np.array([[a]]),
                )  # fmt: skip
                ll = hawkes.log_likelihood(t, float(t[-1]), mu, a, d)
                offsets.append(score - ll / len(t))
            row["loglik_offset_spread"] = float(np.ptp(offsets))
        rows.append(row)
    table = pd.DataFrame(rows).set_index("seed")

    with pd.option_context("display.width", 140, "display.precision", 4):
        cols = ["n", "ours_baseline", "ours_branching", "ours_decay"]
        if HawkesExpKern is not None:
            cols += ["tick_baseline", "tick_branching", "tickp_decay", "tickp_baseline",
                     "tickp_branching"]  # fmt: skip
        print(
            "Estimates (ours; tick at our decay; tick with decay chosen by its score):"
            if HawkesExpKern is not None
            else "Estimates (ours):"
        )
        print(table[cols].to_string())
        print()
        tcols = ["ours_time_s"] + (
            ["tick_time_s", "tick_profile_time_s"] if HawkesExpKern is not None else []
        )
        print("Fit times (s):")
        print(table[tcols].to_string())
        print()

    figures: dict = {"table": table}
    if HawkesExpKern is not None:
        rel_mu = (table["tick_baseline"] / table["ours_baseline"] - 1).abs().max()
        rel_a = (table["tick_branching"] / table["ours_branching"] - 1).abs().max()
        rel_dp = (table["tickp_decay"] / table["ours_decay"] - 1).abs().max()
        rel_mup = (table["tickp_baseline"] / table["ours_baseline"] - 1).abs().max()
        rel_ap = (table["tickp_branching"] / table["ours_branching"] - 1).abs().max()
        ratio = (table["tick_time_s"] / table["ours_time_s"]).median()
        ratio_p = (table["tick_profile_time_s"] / table["ours_time_s"]).median()
        spread = table["loglik_offset_spread"].max()
        ok = max(rel_mu, rel_a) < 0.05
        print(f"tick at our decay: max relative difference baseline {rel_mu:.2e}, branching "
              f"ratio {rel_a:.2e} -> agreement within 5%: {'yes' if ok else 'NO'}")  # fmt: skip
        print(f"tick with its own decay: max relative difference decay {rel_dp:.2e}, baseline "
              f"{rel_mup:.2e}, branching ratio {rel_ap:.2e}")  # fmt: skip
        print(f"log-likelihood: tick score - ours/n is parameter-free (spread {spread:.1e})")
        print(f"median time ratio tick/ours: fixed decay {ratio:.2f}, decay search {ratio_p:.2f} "
              "(ours estimates the decay too)\n")  # fmt: skip
        figures.update(
            max_rel_diff_baseline=float(rel_mu),
            max_rel_diff_branching=float(rel_a),
            max_rel_diff_decay_profiled=float(rel_dp),
            max_rel_diff_baseline_profiled=float(rel_mup),
            max_rel_diff_branching_profiled=float(rel_ap),
            agree_within_5pct=bool(ok),
            time_ratio_tick_over_ours=float(ratio),
            time_ratio_tick_profile_over_ours=float(ratio_p),
            loglik_offset_spread=float(spread),
        )

    figures.update(_calibration(HawkesExpKern, n_rep=10 if quick else 100, days=days))

    # our fit time for 10,000 events
    n_days = 10_000  # baseline 0.5 and branching 0.5 give about 1 event per day
    ts = hawkes.simulate(
        TRUE["baseline"], TRUE["branching_ratio"], TRUE["decay"],
        start=START, end=START + pd.Timedelta(days=n_days), seed=123,
    )  # fmt: skip
    reps = 1 if quick else 3
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        big = hawkes.fit(ts, start=START, end=START + pd.Timedelta(days=n_days))
        times.append(time.perf_counter() - t0)
    print(f"Our fit on {len(ts):,} events: {min(times):.3f} s (best of {reps}); "
          f"branching ratio {big.branching_ratio:.3f} "
          f"({big.branching_ratio_low:.3f}-{big.branching_ratio_high:.3f}), "
          f"decay {big.decay:.3f}/day, baseline {big.baseline:.3f}/day")  # fmt: skip
    figures.update(n_events_10k=len(ts), fit_time_10k_s=min(times))
    if HawkesExpKern is not None:
        t = np.asarray((ts - START) / pd.Timedelta(days=1))
        t0 = time.perf_counter()
        _tick_fit(HawkesExpKern, t, big.decay, (0.3, 0.3))
        tick_10k = time.perf_counter() - t0
        print(f"tick on the same events at our decay: {tick_10k:.3f} s")
        figures["tick_time_10k_s"] = tick_10k
    return figures


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
