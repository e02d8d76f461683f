"""Fetch failures a scheduler can see: every way a server misbehaves is one line and exit 1.

Against the loopback fixture server (tests/http_fixture_server.py): a captive portal answering
GDELT's master list with an HTML page and status 200, a list that is empty or not a list, a list
that answers 500, redirects in a loop, says nothing, or trickles a byte at a time. Each ends in
one ``error:`` line and the fetch command's documented exit code, within a bounded time, and
leaves nothing cached or kept that would stop a later fetch from fetching.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
import zipfile

import pytest
from conftest import FIXTURES

from analysis.cli import main
from analysis.errors import COMMANDS
from analysis.sources.fetch import gdelt, ucdp
from analysis.sources.fetch.http import (
    DownloadError,
    Policy,
    UnexpectedContentError,
    download,
    get_bytes,
)

LIST = "/gdeltv2/masterfilelist.txt"
DAY = ["--start", "2020-01-08", "--end", "2020-01-08"]


def _zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def gdelt_server(http_server):
    """Two export files on 8 Jan 2020 and one on 11 Jan (so the list covers 8 Jan), listed."""
    text = (FIXTURES / "20200108000000.export.CSV").read_bytes()
    files = {}
    for stamp in ("20200108000000", "20200108001500", "20200111000000"):
        files[f"{stamp}.export.CSV.zip"] = _zipped(f"{stamp}.export.CSV", text)
    lines = []
    for name, data in files.items():
        http_server.files[f"/gdeltv2/{name}"] = data
        digest = hashlib.md5(data).hexdigest()
        lines.append(f"{len(data)} {digest} http://data.gdeltproject.org/gdeltv2/{name}")
    http_server.files[LIST] = ("\n".join(lines) + "\n").encode()
    http_server.base = http_server.url + "gdeltv2/"
    return http_server, files


def _fetch(server, out, *extra: str) -> int:
    argv = ["fetch", "gdelt", *DAY, "--out", str(out), "--base-url", server.base, "--quiet"]
    return main([*argv, "--retries", "1", "--backoff", "0.01", *extra])


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("portal", "the server answered with an HTML page (text/html)"),
        ("text-portal", "not GDELT's master file list (1 of 1 lines are not '<size> <md5> <url>'"),
        ("empty", "not GDELT's master file list (the answer was empty)"),
    ],
)
def test_a_list_that_is_not_the_list_is_refused_and_never_cached(
    gdelt_server, tmp_path, capsys, answer, says
):
    server, files = gdelt_server
    good = server.files[LIST]
    if answer == "portal":  # a captive portal: its login page, status 200, text/html
        server.plans[LIST] = ["portal"]
    elif answer == "text-portal":  # the same page, sent as text/plain
        server.files[LIST] = b"<html><body>Please log in to the Wi-Fi</body></html>\n"
    else:
        server.files[LIST] = b""
    out = tmp_path / "raw"
    assert _fetch(server, out, "--timeout", "5") == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error: cannot read the master file list: ")
    assert says in line and "nothing was kept" in line
    assert list(out.iterdir()) == []  # no manifest (empty or otherwise), no download
    assert COMMANDS["fetch"].meanings[1].startswith("some file failed")

    server.files[LIST] = good  # the network is back: the next fetch fetches everything
    assert _fetch(server, out, "--timeout", "5") == 0
    got = sorted(p.name for p in out.glob("*.zip"))
    assert got == ["20200108000000.export.CSV.zip", "20200108001500.export.CSV.zip"]
    assert (out / "manifest_20200108_20200108.txt").read_text().count("\n") == 2


@pytest.mark.parametrize(
    ("plan", "says"),
    [
        ("500", "HTTP 500 Internal Server Error (gave up after 2 attempts)"),
        ("redirect-loop", "HTTP 302: redirected in a loop or too many times"),
        ("silent", "timed out after 1 s (gave up after 2 attempts)"),
        ("trickle", "timed out after 1 s (gave up after 2 attempts)"),
    ],
)
def test_a_master_list_that_fails_is_one_line_exit_1_on_time(
    gdelt_server, tmp_path, capsys, plan, says
):
    server, _ = gdelt_server
    server.plans[LIST] = [plan] * 50  # every request, redirects included
    server.trickle_seconds = 0.2  # the 3-line list would take about a minute
    out = tmp_path / "raw"
    start = time.monotonic()
    assert _fetch(server, out, "--timeout", "1") == 1
    elapsed = time.monotonic() - start
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error: cannot read the master file list: ")
    assert says in line
    assert f"{server.base}masterfilelist.txt" in line
    assert elapsed < 20, f"--timeout 1 with one retry took {elapsed:.0f} s"
    assert not (out / "manifest_20200108_20200108.txt").exists()
    if plan == "trickle":  # it did answer, slowly: the deadline cut it, not a read timeout
        assert all(r.status == 200 for r in server.requests_for(LIST))


def test_the_deadline_bounds_a_whole_download_not_each_read(gdelt_server, tmp_path):
    server, files = gdelt_server
    name = "20200108000000.export.CSV.zip"
    server.plans[f"/gdeltv2/{name}"] = ["trickle"]
    server.trickle_seconds = 0.05  # a byte every 0.05 s: every read is quick, the whole is not
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"timed out after 1 s \(gave up after 1 attempts"):
        download(
            server.base + name,
            tmp_path / name,
            size=len(files[name]),
            policy=Policy(retries=0, timeout=1),
        )
    assert time.monotonic() - start < 10
    assert not (tmp_path / name).exists()  # the partial file is kept only as .part, to resume
    sent = server.requests_for(f"/gdeltv2/{name}")[0].sent
    assert 0 < sent < len(files[name])
    # the same deadline on the in-memory path (ACLED's pages and token)
    server.plans["/gdeltv2/masterfilelist.txt"] = ["trickle"]
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"timed out after 1 s"):
        get_bytes(server.base + "masterfilelist.txt", policy=Policy(retries=0, timeout=1))
    assert time.monotonic() - start < 10


def test_an_html_page_is_never_kept_as_a_data_file(http_server, tmp_path, capsys):
    """The same captive portal in front of UCDP: refused on the shared path, nothing kept."""
    http_server.plans["/ged/ged251-csv.zip"] = ["portal"]
    with pytest.raises(UnexpectedContentError, match="HTML page"):
        ucdp.fetch("25.1", tmp_path, base_url=http_server.url, policy=Policy(retries=3, backoff=0))
    assert list(tmp_path.iterdir()) == []
    assert len(http_server.requests_for("/ged/ged251-csv.zip")) == 1  # not retried
    http_server.plans["/ged/ged251-csv.zip"] = ["portal"]
    argv = ["fetch", "ucdp", "--version", "25.1", "--out", str(tmp_path), "--quiet"]
    assert main([*argv, "--base-url", http_server.url]) == 1
    assert "HTML page" in _one_error_line(capsys.readouterr().err)


def test_a_list_that_does_not_cover_the_range_yet_is_not_cached(gdelt_server, tmp_path):
    """Fetching a range GDELT is still publishing (it ends today): the selection so far is used
    but not cached, so the next fetch reads the list again and gets the files added since."""
    server, files = gdelt_server
    out = tmp_path / "raw"
    end = dt.date(2020, 1, 11)  # the list's newest file is stamped on the range's last day
    first = gdelt.fetch(dt.date(2020, 1, 8), end, out, base_url=server.base, progress=False)
    assert first.ok and len(first.downloaded) == 3
    assert not (out / "manifest_20200108_20200111.txt").exists()
    assert "does not cover 2020-01-11 yet" in first.text()
    later = "20200111001500.export.CSV.zip"  # published since
    data = files["20200111000000.export.CSV.zip"]
    server.files[f"/gdeltv2/{later}"] = data
    server.files[LIST] += (
        f"{len(data)} {hashlib.md5(data).hexdigest()} http://x/gdeltv2/{later}\n"
        f"{len(data)} {hashlib.md5(data).hexdigest()} http://x/gdeltv2/20200112000000"
        ".export.CSV.zip\n"
    ).encode()
    second = gdelt.fetch(dt.date(2020, 1, 8), end, out, base_url=server.base, progress=False)
    assert second.downloaded == [later] and len(second.skipped) == 3
    assert (out / "manifest_20200108_20200111.txt").read_text().count("\n") == 4  # now complete


def test_an_empty_or_damaged_cached_manifest_is_not_trusted(gdelt_server, tmp_path):
    """What the captive-portal bug left behind (an empty manifest) does not stop fetching."""
    server, _ = gdelt_server
    out = tmp_path / "raw"
    out.mkdir()
    manifest = out / "manifest_20200108_20200108.txt"
    for cached in ("", "garbage\n"):
        manifest.write_text(cached)
        report = gdelt.fetch(
            dt.date(2020, 1, 8), dt.date(2020, 1, 8), out, base_url=server.base, progress=False
        )
        assert report.ok and len(report.downloaded + report.skipped) == 2
        assert manifest.read_text().count("\n") == 2
