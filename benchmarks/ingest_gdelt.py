"""GDELT ingest speed and memory: the streaming loader against a plain ``pandas.read_csv``.

Generates a synthetic GDELT 2.0 export file (61 tab-separated columns, no header; fixed seed;
realistic field mix: CAMEO codes with leading zeros, empty actor fields, place names, URLs;
about 1% of rows are Iraqi attacks, i.e. ``ActionGeo_CountryCode == "IZ"`` and root code 18, 19
or 20), then times in separate child processes, one after the other:

(a) ``analysis.sources.gdelt.load(path)``: byte-level pre-filter, pyarrow parse of the candidate
lines, exact filter, collapse, mapping;
(b) ``pandas.read_csv(path, sep="\\t", header=None)`` of the whole file, then the same filter.

Each child reports its own wall time (reading and filtering, after imports: the target's
figure), its CPU time over all its threads (printed beside it as a check on noise from other work
on a shared machine, not instead of it) and its peak resident memory (``VmHWM``, which starts
afresh at exec; ``ru_maxrss`` would include the parent's pages at fork time), so the two runs
cannot contaminate each other. The file is made
in a child too, so the parent stays small. A child that only imports pandas and the loader
gives the memory floor (the loader's child imports pandera and matplotlib through the package,
the baseline's only pandas, so the comparison is if anything unfair to the loader). Prints rows
per second for both, the throughput ratio, and the peak memory of each. Targets: ratio >= 5,
loader peak < 1/3 of the baseline's.

``--cache [FILES ROWS]`` measures the Parquet cache instead (:mod:`analysis.sources.gdelt_cache`):
FILES zipped export files of ROWS rows each (default 40 x 250,000 = 10 million rows; each file
its own seed), ingested with 1 and then 2 local worker processes, each ingest in a child of its
own (throughput in rows per second, the workers' peak memory: the largest ``ru_maxrss`` of the
child's children), then a one-month query on the cache (January 2020, by ``SQLDATE``; target
under 0.5 s), and a second ingest that finds every file cached.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20200108
ROOT_CODES = ("18", "19", "20")

#: CAMEO event codes and rough frequencies (verbal cooperation dominates GDELT).
CODES = {
    "010": 8,
    "012": 3,
    "020": 3,
    "0211": 1,
    "036": 4,
    "040": 10,
    "042": 4,
    "043": 5,
    "051": 4,
    "057": 2,
    "061": 2,
    "071": 1,
    "090": 2,
    "111": 3,
    "112": 4,
    "120": 2,
    "130": 2,
    "138": 1,
    "141": 2,
    "173": 3,
    "180": 2,
    "182": 1,
    "1823": 1,
    "183": 1,
    "1831": 1,
    "1833": 1,
    "186": 1,
    "190": 3,
    "193": 2,
    "194": 1,
    "195": 1,
    "1952": 1,
    "200": 1,
    "202": 1,
}
ATTACK_CODES = [c for c in CODES if c[:2] in ROOT_CODES]
OTHER_CODES = [c for c in CODES if c[:2] not in ROOT_CODES]

ACTORS = [
    ("", ""),
    ("", ""),
    ("", ""),
    ("USA", "UNITED STATES"),
    ("USAGOV", "UNITED STATES"),
    ("GBR", "UNITED KINGDOM"),
    ("IRN", "IRAN"),
    ("IRNMIL", "IRAN"),
    ("IRQ", "IRAQ"),
    ("IRQGOV", "IRAQ"),
    ("IRQMIL", "IRAQI"),
    ("SYR", "SYRIA"),
    ("RUS", "RUSSIA"),
    ("CHN", "CHINA"),
    ("COP", "POLICE"),
    ("GOV", "GOVERNMENT"),
    ("MIL", "MILITARY"),
    ("REB", "MILITANT"),
    ("CVL", "CIVILIAN"),
    ("BUS", "COMPANY"),
    ("IGOUNO", "UNITED NATIONS"),
    ("IRQREBMIL", "KATAIB HEZBOLLAH"),
    ("JUD", "JUDGE"),
    ("EDU", "STUDENT"),
]
PLACES_IZ = [
    ("Baghdad, Baghdad, Iraq", "IZ07", "-3119841", "33.3386", "44.3939"),
    ("Ain Al Asad, Al Anbar, Iraq", "IZ01", "-3090380", "33.7956", "42.4412"),
    ("Erbil, Arbil, Iraq", "IZ11", "-3120000", "36.19", "44.0089"),
    ("Basra, Al Basrah, Iraq", "IZ02", "-3126000", "30.5", "47.8167"),
    ("Mosul, Ninawa, Iraq", "IZ15", "-3127000", "36.335", "43.1189"),
    ("Balad, Salah ad Din, Iraq", "IZ18", "-3128000", "34.0164", "44.1453"),
    ("Iraq", "IZ", "IZ", "33", "44"),
]
PLACES_OTHER = [
    (
        "Washington, District of Columbia, United States",
        "US",
        "USDC",
        "531871",
        "38.8951",
        "-77.0364",
    ),
    ("London, London, City of, United Kingdom", "UK", "UKH9", "-2601889", "51.5", "-0.1167"),
    ("Damascus, Dimashq, Syria", "SY", "SY13", "-3000000", "33.5", "36.3"),
    ("Tehran, Tehran, Iran", "IR", "IR26", "10074674", "35.75", "51.5148"),
    ("Moscow, Moskva, Russia", "RS", "RS48", "-2960561", "55.7522", "37.6156"),
    ("Beijing, Beijing, China", "CH", "CH22", "-1898541", "39.9289", "116.388"),
    ("Lagos, Lagos, Nigeria", "NI", "NI05", "-2011603", "6.45306", "3.39583"),
    ("New Delhi, Delhi, India", "IN", "IN07", "-2106102", "28.6", "77.2"),
    ("United States", "US", "US", "US", "39.828175", "-98.5795"),
]
SITES = [
    "reuters.com",
    "apnews.com",
    "aljazeera.com",
    "rudaw.net",
    "news.yahoo.com",
    "thenationalnews.com",
    "kurdistan24.net",
    "washingtonpost.com",
    "theguardian.com",
]


def _pick(rng, values: list, n: int, p=None):
    return rng.choice(len(values), size=n, p=p)


def make_file(path: Path, n_rows: int, seed: int = SEED) -> int:
    """Write an ``n_rows`` GDELT 2.0 export file; return its number of Iraqi attack rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n = n_rows
    iraq = rng.random(n) < 0.04
    attack = np.where(iraq, rng.random(n) < 0.25, rng.random(n) < 0.07)
    weights = np.array([CODES[c] for c in OTHER_CODES], dtype=float)
    other = np.array(OTHER_CODES)[_pick(rng, OTHER_CODES, n, weights / weights.sum())]
    weights = np.array([CODES[c] for c in ATTACK_CODES], dtype=float)
    hostile = np.array(ATTACK_CODES)[_pick(rng, ATTACK_CODES, n, weights / weights.sum())]
    code = np.where(attack, hostile, other)
    base = np.array([c[:3] for c in code])
    root = np.array([c[:2] for c in code])
    day = rng.integers(0, 31, n)
    older = rng.random(n) < 0.05  # some articles report events from months before
    day[older] -= rng.integers(1, 400, older.sum())
    dates = np.datetime64("2020-01-01") + day.astype("timedelta64[D]")
    sqldate = np.char.replace(np.datetime_as_string(dates, unit="D"), "-", "")
    cols: dict[str, object] = {}

    def s(values) -> pa.Array:
        return pa.array(np.asarray(values, dtype=str))

    cols["GLOBALEVENTID"] = pc.cast(pa.array(np.arange(900_000_000, 900_000_000 + n)), pa.string())
    cols["SQLDATE"] = s(sqldate)
    cols["MonthYear"] = s(np.char.ljust(sqldate, 6).astype("<U6"))
    cols["Year"] = s(sqldate.astype("<U4"))
    cols["FractionDate"] = s(np.char.mod("%.4f", 2020 + day / 365.0))
    for k in (1, 2):
        a = _pick(rng, ACTORS, n)
        codes = np.array([x[0] for x in ACTORS])[a]
        names = np.array([x[1] for x in ACTORS])[a]
        country = np.char.ljust(codes, 3).astype("<U3")
        country[codes == ""] = ""
        cols[f"Actor{k}Code"] = s(codes)
        cols[f"Actor{k}Name"] = s(names)
        cols[f"Actor{k}CountryCode"] = s(country)
        for field in ("KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code"):
            cols[f"Actor{k}{field}"] = s(np.where(rng.random(n) < 0.03, "SHI", ""))
        for field in ("Type1Code", "Type2Code", "Type3Code"):
            cols[f"Actor{k}{field}"] = s(np.where(rng.random(n) < 0.3, "GOV", ""))
    cols["IsRootEvent"] = s(rng.integers(0, 2, n))
    cols["EventCode"] = s(code)
    cols["EventBaseCode"] = s(base)
    cols["EventRootCode"] = s(root)
    cols["QuadClass"] = s(np.where(attack, 4, rng.integers(1, 4, n)))
    cols["GoldsteinScale"] = s(np.char.mod("%.1f", rng.uniform(-10, 10, n)))
    mentions = rng.geometric(0.3, n)
    cols["NumMentions"] = s(mentions)
    cols["NumSources"] = s(np.minimum(mentions, rng.geometric(0.6, n)))
    cols["NumArticles"] = s(mentions)
    cols["AvgTone"] = s(np.char.mod("%.6f", rng.normal(-2, 3, n)))
    place_iz = _pick(rng, PLACES_IZ, n)
    place_other = _pick(rng, PLACES_OTHER, n)
    # the place columns depend only on the place drawn: the same for the three geo prefixes
    full = np.where(
        iraq,
        np.array([p[0] for p in PLACES_IZ])[place_iz],
        np.array([p[0] for p in PLACES_OTHER])[place_other],
    )
    ctry = np.where(iraq, "IZ", np.array([p[1] for p in PLACES_OTHER])[place_other])
    adm1 = np.where(
        iraq,
        np.array([p[1] for p in PLACES_IZ])[place_iz],
        np.array([p[2] for p in PLACES_OTHER])[place_other],
    )
    feature = np.where(
        iraq,
        np.array([p[2] for p in PLACES_IZ])[place_iz],
        np.array([p[3] for p in PLACES_OTHER])[place_other],
    )
    lat = np.where(
        iraq,
        np.array([p[3] for p in PLACES_IZ])[place_iz],
        np.array([p[4] for p in PLACES_OTHER])[place_other],
    )
    lon = np.where(
        iraq,
        np.array([p[4] for p in PLACES_IZ])[place_iz],
        np.array([p[5] for p in PLACES_OTHER])[place_other],
    )
    blank = np.full(n, "")
    for prefix in ("Actor1", "Actor2", "Action"):
        empty = (rng.random(n) < 0.1) & (prefix != "Action")
        cols[f"{prefix}Geo_Type"] = s(np.where(empty, "0", rng.integers(1, 5, n).astype(str)))
        cols[f"{prefix}Geo_FullName"] = s(np.where(empty, blank, full))
        cols[f"{prefix}Geo_CountryCode"] = s(np.where(empty, blank, ctry))
        cols[f"{prefix}Geo_ADM1Code"] = s(np.where(empty, blank, adm1))
        cols[f"{prefix}Geo_ADM2Code"] = s(np.where(empty, blank, rng.integers(1000, 99999, n)))
        cols[f"{prefix}Geo_Lat"] = s(np.where(empty, blank, lat))
        cols[f"{prefix}Geo_Long"] = s(np.where(empty, blank, lon))
        cols[f"{prefix}Geo_FeatureID"] = s(np.where(empty, blank, feature))
    cols["DATEADDED"] = s(np.char.add(sqldate, "091500"))
    site = np.array(SITES)[_pick(rng, SITES, n)]
    slug = np.char.mod(
        "news/world/2020/01/story-%09d-iraq-update-reports", rng.integers(0, 10**9, n)
    )
    cols["SOURCEURL"] = s(np.char.add(np.char.add("https://www.", site), np.char.add("/", slug)))
    from analysis.sources.gdelt import LAYOUTS

    table = pa.table({name: cols[name] for name in LAYOUTS[61]})
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    pacsv.write_csv(table, path, write_options=options)
    return int((iraq & attack).sum())


def _peak_mb() -> float:
    """This process's peak resident memory in MB since it started (``VmHWM``).

    ``VmHWM`` belongs to the process image and starts afresh at exec; ``ru_maxrss`` (the
    fallback off Linux) would also count what the parent held when it forked this child.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: str) -> dict:
    """Run one reader in this (child) process; return time, rows and own peak memory."""
    if kind == "make":
        return {"truth": make_file(Path(path), int(sys.argv[4]))}
    import pandas as pd

    if kind != "pandas":
        from analysis.sources import gdelt

    start, cpu_start = time.perf_counter(), time.process_time()
    if kind == "loader":
        frame = gdelt.load(path)
        matched, rows_out = frame.attrs["rows_matched"], len(frame)
    elif kind == "pandas":
        df = pd.read_csv(path, sep="\t", header=None)
        keep = (df[53] == "IZ") & df[28].astype(str).isin(ROOT_CODES)
        matched = rows_out = int(keep.sum())
        del df
    else:  # "floor": imports only
        matched = rows_out = 0
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_start,
        "matched": int(matched),
        "rows_out": int(rows_out),
        "peak_mb": _peak_mb(),
    }


def _run_child(kind: str, path: Path, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> dict:
    """Generate the file, time both readers in child processes, print and return the figures."""
    n_rows = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="ingest_gdelt_") as tmp:
        path = Path(tmp) / "20200101000000.export.CSV"
        t0 = time.perf_counter()
        truth = _run_child("make", path, str(n_rows))["truth"]
        made = time.perf_counter() - t0
        size_mb = path.stat().st_size / 2**20
        floor = _run_child("floor", path)
        loader = _run_child("loader", path)
        baseline = _run_child("pandas", path)
    figures = {
        "rows": n_rows,
        "file_mb": round(size_mb, 1),
        "iraq_attack_rows": truth,
        "generate_s": round(made, 1),
        "loader_s": round(loader["seconds"], 2),
        "loader_rows_per_s": round(n_rows / loader["seconds"]),
        "loader_peak_mb": round(loader["peak_mb"], 1),
        "loader_matched": loader["matched"],
        "loader_incidents": loader["rows_out"],
        "pandas_s": round(baseline["seconds"], 2),
        "pandas_rows_per_s": round(n_rows / baseline["seconds"]),
        "pandas_peak_mb": round(baseline["peak_mb"], 1),
        "pandas_matched": baseline["matched"],
        "import_floor_mb": round(floor["peak_mb"], 1),
    }
    figures["throughput_ratio"] = round(baseline["seconds"] / loader["seconds"], 1)
    figures["memory_ratio"] = round(loader["peak_mb"] / baseline["peak_mb"], 3)
    figures["loader_cpu_s"] = round(loader["cpu_seconds"], 2)
    figures["pandas_cpu_s"] = round(baseline["cpu_seconds"], 2)
    figures["cpu_ratio"] = round(baseline["cpu_seconds"] / loader["cpu_seconds"], 1)
    print(
        f"GDELT ingest: {n_rows:,} rows, {size_mb:.0f} MB, {truth:,} Iraqi attack rows "
        f"(generated in {made:.1f} s)"
    )
    print(
        f"  loader (byte pre-filter + parse + collapse): {loader['seconds']:.2f} s, "
        f"{figures['loader_rows_per_s']:,} rows/s, peak {loader['peak_mb']:.0f} MB, "
        f"{loader['matched']:,} rows matched -> {loader['rows_out']:,} incidents"
    )
    print(
        f"  pandas.read_csv + filter:                    {baseline['seconds']:.2f} s, "
        f"{figures['pandas_rows_per_s']:,} rows/s, peak {baseline['peak_mb']:.0f} MB, "
        f"{baseline['matched']:,} rows matched"
    )
    print(
        f"  throughput ratio {figures['throughput_ratio']:.1f}x (target >= 5); "
        f"peak memory ratio {figures['memory_ratio']:.2f} (target < 0.33); "
        f"interpreter + imports alone: {floor['peak_mb']:.0f} MB"
    )
    print(
        f"  CPU time (all threads; less sensitive to other load on a shared machine): loader "
        f"{loader['cpu_seconds']:.2f} s, pandas {baseline['cpu_seconds']:.2f} s, "
        f"ratio {figures['cpu_ratio']:.1f}x"
    )
    if loader["matched"] != baseline["matched"] or loader["matched"] != truth:
        print("  WARNING: the two readers disagree on the matching rows")
    return figures


def _cache_child(folder: str, cache: str, jobs: int) -> dict:
    """One ingest of every file of ``folder`` into ``cache`` with ``jobs`` worker processes."""
    import hashlib
    import resource

    from analysis.sources import gdelt_cache

    sources = [
        gdelt_cache.Source(p.name, hashlib.md5(p.read_bytes()).hexdigest(), p)
        for p in sorted(Path(folder).glob("*.zip"))
    ]
    report = gdelt_cache.ingest(sources, cache, jobs=jobs)
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    start = time.perf_counter()
    month = gdelt_cache.read_raw(cache, "2020-01-01", "2020-01-31")
    raw_s = time.perf_counter() - start
    start = time.perf_counter()
    incidents = gdelt_cache.read(cache, "2020-01-01", "2020-01-31")
    read_s = time.perf_counter() - start
    return {
        "seconds": report.seconds,
        "rows": report.rows_read,
        "scanned": len(report.scanned),
        "cached": len(report.cached),
        "failed": len(report.failed),
        "workers_peak_mb": workers_mb,
        "client_peak_mb": _peak_mb(),
        "month_rows": month.num_rows,
        "month_query_s": raw_s,
        "month_incidents": len(incidents),
        "month_read_s": read_s,
    }


def _make_zipped(folder: Path, n_files: int, n_rows: int) -> None:
    import zipfile

    for k in range(n_files):
        stamp = f"202001{1 + k % 28:02d}{k // 28:02d}{(k * 15) % 60:02d}00"
        plain = folder / f"{stamp}.export.CSV"
        make_file(plain, n_rows, seed=SEED + k)
        with zipfile.ZipFile(f"{plain}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(plain, plain.name)
        plain.unlink()


def cache_main(n_files: int = 40, n_rows: int = 250_000) -> dict:
    """The Parquet cache figures (see the module docstring)."""
    figures: dict = {"files": n_files, "rows": n_files * n_rows}
    with tempfile.TemporaryDirectory(prefix="ingest_cache_") as tmp:
        folder = Path(tmp) / "raw"
        folder.mkdir()
        t0 = time.perf_counter()
        _run_child("make-zipped", folder, str(n_files), str(n_rows))
        figures["generate_s"] = round(time.perf_counter() - t0, 1)
        figures["zipped_mb"] = round(sum(p.stat().st_size for p in folder.iterdir()) / 2**20)
        for jobs in (1, 2):
            cache = Path(tmp) / f"cache{jobs}"
            got = _run_child("cache", folder, str(cache), str(jobs))
            again = _run_child("cache", folder, str(cache), str(jobs))
            figures[f"jobs{jobs}"] = {
                "seconds": round(got["seconds"], 1),
                "rows_per_s": round(got["rows"] / got["seconds"]),
                "workers_peak_mb": round(got["workers_peak_mb"]),
                "month_rows": got["month_rows"],
                "month_query_s": round(got["month_query_s"], 3),
                "month_read_s": round(got["month_read_s"], 3),
                "second_ingest_s": round(again["seconds"], 2),
                "second_ingest_cached": again["cached"],
            }
    print(f"GDELT Parquet cache: {n_files} files, {n_files * n_rows:,} rows")
    for jobs in (1, 2):
        f = figures[f"jobs{jobs}"]
        print(
            f"  {jobs} worker(s): {f['seconds']} s, {f['rows_per_s']:,} rows/s, workers' peak "
            f"{f['workers_peak_mb']} MB; one-month query {f['month_query_s']} s "
            f"({f['month_rows']:,} rows; as incidents {f['month_read_s']} s); second ingest "
            f"{f['second_ingest_s']} s ({f['second_ingest_cached']} files already cached)"
        )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child" and sys.argv[2] == "make-zipped":
        _make_zipped(Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        print("{}")
    elif len(sys.argv) >= 4 and sys.argv[1] == "--child" and sys.argv[2] == "cache":
        print(json.dumps(_cache_child(sys.argv[3], sys.argv[4], int(sys.argv[5]))))
    elif "--cache" in sys.argv:
        rest = [int(a) for a in sys.argv[sys.argv.index("--cache") + 1 :] if a.isdigit()]
        cache_main(*rest[:2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        main(quick="--quick" in sys.argv)
