"""The Parquet cache of GDELT's Iraq subset: filled from the loopback server's files, in parallel,
keyed by MD5, read back as the loader reads the files themselves."""

from __future__ import annotations

import pandas as pd
import pytest
from test_sources_fetch import gdelt_site, md5, run_cli, zipped  # noqa: F401  (the fixture)

from analysis.errors import ParameterError
from analysis.sources import gdelt as gdelt_loader
from analysis.sources import gdelt_cache, raw
from analysis.sources.fetch import gdelt

ARGS = ["fetch", "gdelt", "--start", "2020-01-08", "--end", "2020-01-09", "--quiet"]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    key = ["date", "source_event_id"]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_fetch_fills_the_cache_once_and_it_reads_as_the_files_do(
    gdelt_site,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    server, files = gdelt_site
    monkeypatch.setenv(gdelt.BASE_URL_ENV, server.base)
    monkeypatch.delenv("ESCALATION_SCHEDULER", raising=False)
    out, cache = tmp_path / "raw", tmp_path / "interim" / "gdelt"
    argv = [*ARGS, "--out", str(out), "--cache", str(cache), "--jobs", "2"]
    assert run_cli(argv) == 0
    assert "5 file(s) scanned (" in capsys.readouterr().out
    listed = {md5(data) for name, data in files.items() if name < "20200110"}
    assert gdelt_cache.cached_md5s(cache) == listed  # one part per file, named by its MD5
    # the same incidents as the loader gives for the downloaded files (an independent path),
    # partitioned by the month of each event's date
    loaded = gdelt_loader.load(out)
    _same(gdelt_cache.read(cache), loaded)
    _same(raw.load_gdelt(cache), loaded)  # the cache, chosen by what the folder holds
    _same(raw.load_gdelt(out), loaded)  # the export files
    with pytest.raises(ParameterError, match="is a GDELT Parquet cache"):
        gdelt_loader.load(cache)  # the files' parser does not read a cache by surprise
    assert gdelt_cache.months(cache) == sorted({f"{d:%Y-%m}" for d in loaded["date"]})
    assert len(gdelt_cache.months(cache)) > 1
    one_day = gdelt_cache.read(cache, "2020-01-09", "2020-01-09")
    assert len(one_day) == 2 and (one_day["date"] == "2020-01-09").all()

    # a second fetch reads no file again, even renamed: files are known by their MD5
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.rglob("*.parquet")}
    assert run_cli(argv) == 0
    assert "0 file(s) scanned (0 rows read, 0 rows kept), 5 already cached" in (
        capsys.readouterr().out
    )
    assert {p.name: p.stat().st_mtime_ns for p in cache.rglob("*.parquet")} == stamps


def test_an_unreachable_scheduler_is_exit_2_before_anything_is_fetched(
    gdelt_site,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    import socket

    server, _ = gdelt_site
    monkeypatch.setenv(gdelt.BASE_URL_ENV, server.base)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out, cache = tmp_path / "raw", tmp_path / "interim" / "gdelt"
    argv = [*ARGS, "--out", str(out), "--cache", str(cache)]
    assert run_cli([*argv, "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert not out.exists() and not cache.exists()


def test_a_bad_file_is_named_and_not_cached_the_others_are(tmp_path):
    good = (tmp_path / "fixtures").resolve()
    good.mkdir()
    from conftest import FIXTURES

    text = (FIXTURES / "20200108000000.export.CSV").read_bytes()
    lines = text.splitlines(keepends=True)
    iraq = next(i for i, line in enumerate(lines) if b"\tIZ\t" in line and b"\t19\t" in line)
    fields = lines[iraq].split(b"\t")
    fields[1] = b"2020XX08"  # SQLDATE of an Iraq attack row
    bad_lines = [*lines[:iraq], b"\t".join(fields), *lines[iraq + 1 :]]
    (good / "20200108000000.export.CSV.zip").write_bytes(zipped("a.CSV", text))
    (good / "20200108001500.export.CSV.zip").write_bytes(zipped("b.CSV", b"".join(bad_lines)))
    sources = [
        gdelt_cache.Source(p.name, md5(p.read_bytes()), p) for p in sorted(good.glob("*.zip"))
    ]
    report = gdelt_cache.ingest(sources, tmp_path / "cache", jobs=1)
    assert list(report.scanned) == ["20200108000000.export.CSV.zip"]
    [(name, why)] = report.failed.items()
    assert name == "20200108001500.export.CSV.zip"
    assert f"line {iraq + 1}" in why and "SQLDATE" in why
    assert gdelt_cache.cached_md5s(tmp_path / "cache") == {sources[0].md5}
    assert not list((tmp_path / "cache").rglob(".incoming-*"))


def test_ingest_through_a_dask_cluster_gives_the_same_cache(tmp_path):
    from conftest import FIXTURES
    from distributed import Client, LocalCluster

    text = (FIXTURES / "20200108000000.export.CSV").read_bytes()
    folder = tmp_path / "raw"
    folder.mkdir()
    sources = []
    for k, stamp in enumerate(("20200108000000", "20200108001500", "20200201000000")):
        data = text.replace(b"20200108", stamp[:8].encode())
        data = b"".join(b"%d" % k + line[1:] for line in data.splitlines(keepends=True))
        path = folder / f"{stamp}.export.CSV.zip"
        path.write_bytes(zipped(f"{stamp}.export.CSV", data))
        sources.append(gdelt_cache.Source(path.name, md5(path.read_bytes()), path))
    local = gdelt_cache.ingest(sources, tmp_path / "local", jobs=1)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        remote = gdelt_cache.ingest(sources, tmp_path / "remote", executor=client.get_executor())
    assert remote.ok and remote.scanned == local.scanned
    assert gdelt_cache.months(tmp_path / "remote") == gdelt_cache.months(tmp_path / "local")
    assert "2020-02" in gdelt_cache.months(tmp_path / "remote")
    _same(gdelt_cache.read(tmp_path / "remote"), gdelt_cache.read(tmp_path / "local"))
    feb = gdelt_cache.read(tmp_path / "remote", "2020-02-01", "2020-02-29")
    assert len(feb) > 0 and (feb["date"] >= "2020-02-01").all()


def test_bad_md5_and_missing_cache_are_named(tmp_path):
    with pytest.raises(gdelt_cache.ParameterError, match="MD5 must be 32 hex digits"):
        gdelt_cache.ingest([gdelt_cache.Source("x.zip", "nope", tmp_path / "x.zip")], tmp_path)
    with pytest.raises(gdelt_cache.DataError, match="no GDELT cache"):
        gdelt_cache.read(tmp_path / "absent")
