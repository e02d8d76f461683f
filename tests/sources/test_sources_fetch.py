"""Fetchers against a real local HTTP server: download, verify, resume, retry, time out, refuse.

The server (the ``http_server`` fixture of tests/http_fixture_server.py, registered in
tests/conftest.py) serves zipped synthetic GDELT fixtures, a truncated file, a file with the wrong
checksum, 500 errors and slow answers; ACLED's token and read endpoints are served by small
handlers. Nothing below HTTP is mocked.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES

from analysis.sources import acled as acled_loader
from analysis.sources import gdelt as gdelt_loader
from analysis.sources import ucdp as ucdp_loader
from analysis.sources.cli import register
from analysis.sources.fetch import acled, gdelt, ucdp
from analysis.sources.fetch.http import DownloadError, Policy, VerificationError, download

FAST = Policy(retries=2, backoff=0.01, timeout=0.5)


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="escalation")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def gdelt_site(http_server):
    """Four 15-minute export files on 8 Jan 2020, one on 9 Jan, one on 11 Jan, and a master list."""
    text = (FIXTURES / "20200108000000.export.CSV").read_bytes()
    files = {}
    stamps = (
        "20200108000000",
        "20200108001500",
        "20200108003000",
        "20200108004500",
        "20200109000000",
        "20200111000000",
    )
    for k, stamp in enumerate(stamps):
        name = f"{stamp}.export.CSV"
        lines = text.replace(b"20200108", stamp[:8].encode()).splitlines(keepends=True)
        data = b"".join(b"%d" % k + line[1:] for line in lines)  # unique GLOBALEVENTIDs
        files[f"{stamp}.export.CSV.zip"] = zipped(name, data)
    lines = []
    for name, data in files.items():
        http_server.files[f"/gdeltv2/{name}"] = data
        lines.append(f"{len(data)} {md5(data)} http://data.gdeltproject.org/gdeltv2/{name}")
        mention = name.replace(".export.", ".mentions.")
        lines.append(f"1234 {'0' * 32} http://data.gdeltproject.org/gdeltv2/{mention}")
    lines.insert(0, "garbage line without three fields")
    http_server.files["/gdeltv2/masterfilelist.txt"] = ("\n".join(lines) + "\n").encode()
    http_server.base = http_server.url + "gdeltv2/"
    return http_server, files


def test_gdelt_fetch_downloads_verifies_and_loads(gdelt_site, tmp_path, monkeypatch):
    server, files = gdelt_site
    monkeypatch.setenv(gdelt.BASE_URL_ENV, server.base)
    out = tmp_path / "raw"
    status = run_cli(
        [
            "fetch",
            "gdelt",
            "--start",
            "2020-01-08",
            "--end",
            "2020-01-09",
            "--out",
            str(out),
            "--quiet",
            "--backoff",
            "0.01",
        ]
    )
    assert status == 0
    got = sorted(p.name for p in out.glob("*.zip"))
    assert got == sorted(n for n in files if n < "20200110")  # 11 Jan is outside the range
    for name in got:
        assert (out / name).read_bytes() == files[name]
    assert not list(out.glob("*.part"))
    assert (out / "manifest_20200108_20200109.txt").read_text().count("\n") == 5
    # what was fetched loads: 15 Iraq attack rows per file; the four 8 Jan files repeat the
    # same events (12 after collapsing), the 9 Jan file adds its two 9 Jan events
    frame = gdelt_loader.load(out)
    assert frame.attrs["rows_matched"] == 5 * 15
    assert frame["num_reports"].sum() == 5 * 15
    assert len(frame) == 12 + 2
    assert (frame["date"] == "2020-01-09").sum() == 2


def fetch_8_jan(server, out: Path) -> gdelt.FetchReport:
    """Fetch the four 8 Jan 2020 files from ``server`` into ``out``, fast retries, no progress."""
    return gdelt.fetch(
        dt.date(2020, 1, 8),
        dt.date(2020, 1, 8),
        out,
        base_url=server.base,
        policy=FAST,
        progress=False,
    )


def test_gdelt_rerun_downloads_nothing_twice(gdelt_site, tmp_path):
    server, files = gdelt_site
    out = tmp_path / "raw"
    first = fetch_8_jan(server, out)
    assert len(first.downloaded) == 4 and first.ok
    n_requests = len(server.log)
    second = fetch_8_jan(server, out)
    assert second.skipped == first.downloaded and not second.downloaded
    assert len(server.log) == n_requests  # cached manifest, complete files: no request at all


def test_truncated_and_wrong_checksum_files_are_reported_and_not_kept(gdelt_site, tmp_path):
    server, files = gdelt_site
    short, wrong = "20200108001500.export.CSV.zip", "20200108003000.export.CSV.zip"
    server.files[f"/gdeltv2/{short}"] = files[short][:-100]  # the server has a truncated copy
    data = bytearray(files[wrong])
    data[40] ^= 0xFF  # same size, different bytes
    server.files[f"/gdeltv2/{wrong}"] = bytes(data)
    out = tmp_path / "raw"
    report = fetch_8_jan(server, out)
    assert not report.ok
    assert set(report.failed) == {short, wrong}
    assert "truncated" in report.failed[short]
    assert "wrong checksum" in report.failed[wrong]
    assert len(report.downloaded) == 2
    for name in (short, wrong):
        assert not (out / name).exists()
        assert not (out / f"{name}.part").exists()
    assert "2 failed" in report.text()


def test_cli_exit_code_and_message_when_a_file_fails(gdelt_site, tmp_path, capsys):
    server, files = gdelt_site
    name = "20200108000000.export.CSV.zip"
    server.files[f"/gdeltv2/{name}"] = files[name][:-10]
    status = run_cli(
        [
            "fetch",
            "gdelt",
            "--start",
            "2020-01-08",
            "--end",
            "2020-01-08",
            "--out",
            str(tmp_path),
            "--base-url",
            server.base,
            "--quiet",
            "--retries",
            "0",
        ]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert f"failed {name}" in err and "truncated" in err


def test_interrupted_download_resumes_with_range(gdelt_site, tmp_path):
    server, files = gdelt_site
    name = "20200108000000.export.CSV.zip"
    path = f"/gdeltv2/{name}"
    server.plans[path] = ["cut"]  # the first answer breaks off half-way
    dest = tmp_path / name
    with pytest.raises(DownloadError, match="partial file kept"):
        download(
            server.base + name,
            dest,
            size=len(files[name]),
            md5=md5(files[name]),
            policy=Policy(retries=0, timeout=2),
        )
    part = tmp_path / f"{name}.part"
    assert part.exists() and 0 < part.stat().st_size < len(files[name])
    assert not dest.exists()
    outcome = download(
        server.base + name, dest, size=len(files[name]), md5=md5(files[name]), policy=FAST
    )
    assert outcome.status == "resumed"
    assert dest.read_bytes() == files[name]
    requests = server.requests_for(path)
    assert requests[-1].headers.get("Range") == f"bytes={requests[0].sent}-"
    assert sum(r.sent for r in requests) == len(files[name])  # no byte fetched twice


def test_retry_after_500_and_after_a_slow_answer(gdelt_site, tmp_path):
    server, files = gdelt_site
    a, b = "20200108000000.export.CSV.zip", "20200108001500.export.CSV.zip"
    server.plans[f"/gdeltv2/{a}"] = ["500", "500"]
    server.plans[f"/gdeltv2/{b}"] = ["slow"]
    server.slow_seconds = 1.0
    policy = Policy(retries=2, backoff=0.01, timeout=0.3)
    waits: list[float] = []
    out = download(
        server.base + a, tmp_path / a, md5=md5(files[a]), policy=policy, sleep=waits.append
    )
    assert out.status == "downloaded" and (tmp_path / a).read_bytes() == files[a]
    assert waits == [0.01, 0.02]  # exponential backoff
    assert [r.status for r in server.requests_for(f"/gdeltv2/{a}")] == [500, 500, 200]
    out = download(server.base + b, tmp_path / b, md5=md5(files[b]), policy=policy)
    assert (tmp_path / b).read_bytes() == files[b]
    assert len(server.requests_for(f"/gdeltv2/{b}")) == 2


def test_gives_up_on_persistent_errors_and_timeouts(gdelt_site, tmp_path):
    server, files = gdelt_site
    a, b = "20200108000000.export.CSV.zip", "20200108001500.export.CSV.zip"
    server.plans[f"/gdeltv2/{a}"] = ["500"] * 5
    server.plans[f"/gdeltv2/{b}"] = ["slow"] * 5
    server.slow_seconds = 0.6
    policy = Policy(retries=1, backoff=0.01, timeout=0.2)
    with pytest.raises(DownloadError, match=r"HTTP 500.*gave up after 2 attempts"):
        download(server.base + a, tmp_path / a, policy=policy)
    with pytest.raises(DownloadError, match=r"timed out after 0.2 s"):
        download(server.base + b, tmp_path / b, policy=policy)
    assert not (tmp_path / a).exists() and not (tmp_path / b).exists()
    with pytest.raises(DownloadError, match="HTTP 404"):  # client errors are not retried
        download(server.base + "missing.zip", tmp_path / "missing.zip", policy=policy)
    assert len(server.requests_for("/gdeltv2/missing.zip")) == 1


def test_verification_error_for_a_bad_size(gdelt_site, tmp_path):
    server, files = gdelt_site
    name = "20200108000000.export.CSV.zip"
    with pytest.raises(VerificationError, match="too long"):
        download(server.base + name, tmp_path / name, size=len(files[name]) - 5, policy=FAST)
    assert list(tmp_path.iterdir()) == []


def test_bad_dates_are_usage_errors(tmp_path):
    with pytest.raises(ValueError, match="before"):
        gdelt.fetch(dt.date(2020, 2, 1), dt.date(2020, 1, 1), tmp_path, progress=False)
    with pytest.raises(SystemExit):
        run_cli(["fetch", "gdelt", "--start", "2020-13-01", "--end", "2020-01-02"])
    with pytest.raises(ValueError, match="not like 25.1"):
        ucdp.file_for("2025")


# --- ACLED -------------------------------------------------------------------------------------

EMAIL, PASSWORD, TOKEN = "analyst@example.org", "s3cret-Pa55word", "tok-abc123-secret"


@pytest.fixture
def acled_site(http_server):
    """ACLED's OAuth token endpoint and a paged CSV read endpoint (2 rows per page)."""
    text = (FIXTURES / "acled_iraq_sample.csv").read_bytes().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = records[0], records[1:]

    def token(handler, body):
        form = urllib.parse.parse_qs(body.decode())
        ok = form == {
            "username": [EMAIL],
            "password": [PASSWORD],
            "grant_type": ["password"],
            "client_id": ["acled"],
        }
        if not ok:
            return 401, {"Content-Type": "application/json"}, b'{"error": "invalid_grant"}'
        payload = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86400}
        return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def read(handler, body):
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 403, {}, b'{"error": "forbidden"}'
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        assert q["_format"] == ["csv"] and q["event_date_where"] == ["BETWEEN"]
        limit, page = int(q["limit"][0]), int(q["page"][0])
        chunk = rows[(page - 1) * limit : page * limit]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows([header, *chunk])
        return 200, {"Content-Type": "text/csv"}, buf.getvalue().encode()

    http_server.handlers["/oauth/token"] = token
    http_server.handlers["/api/acled/read"] = read
    return http_server, rows


def test_acled_fetch_pages_resume_and_keep_secrets_out(acled_site, tmp_path, monkeypatch, capsys):
    server, rows = acled_site
    monkeypatch.setenv(acled.EMAIL_ENV, EMAIL)
    monkeypatch.setenv(acled.PASSWORD_ENV, PASSWORD)
    out = tmp_path / "acled"
    # the 4th page fails: pages 1-3 are kept, and the rerun asks only for pages 4 onwards
    server.plans["/api/acled/read"] = ["ok", "ok", "ok", "500", "500"]
    with pytest.raises(DownloadError):
        acled.fetch(
            "Iraq",
            dt.date(2019, 1, 1),
            dt.date(2021, 12, 31),
            out,
            base_url=server.url,
            policy=Policy(retries=1, backoff=0.01, timeout=2),
            limit=2,
            progress=False,
        )
    report = acled.fetch(
        "Iraq",
        dt.date(2019, 1, 1),
        dt.date(2021, 12, 31),
        out,
        base_url=server.url,
        policy=FAST,
        limit=2,
        progress=False,
    )
    pages = [
        int(urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)["page"][0])
        for r in server.requests_for("/api/acled/read")
        if r.status == 200
    ]
    n_pages = len(rows) // 2 + 1  # 25 rows, 2 a page: the 13th page has one row
    assert pages == list(range(1, n_pages + 1))  # pages 1-3 were not asked for again
    assert (report.pages, report.pages_fetched, report.rows) == (n_pages, n_pages - 3, 25)
    final = out / "acled_Iraq_2019-01-01_2021-12-31.csv"
    assert [p.name for p in out.iterdir()] == [final.name]  # the page files are gone
    frame = acled_loader.load(final)
    assert frame.attrs["rows_read"] == len(rows) == 25
    assert len(frame) == 20
    # the command line (default page size): one page, same rows; secrets never shown or written
    out2 = tmp_path / "cli"
    status = run_cli(
        [
            "fetch",
            "acled",
            "--country",
            "Iraq",
            "--start",
            "2019-01-01",
            "--end",
            "2021-12-31",
            "--out",
            str(out2),
            "--base-url",
            server.url,
            "--quiet",
        ]
    )
    assert status == 0
    assert (out2 / final.name).read_text() == final.read_text()
    captured = capsys.readouterr()
    assert "25 events" in captured.out
    written = "".join(p.read_text() for d in (out, out2) for p in d.iterdir())
    for secret in (PASSWORD, TOKEN):
        assert secret not in captured.out + captured.err + written


def test_acled_credentials_come_from_the_environment(acled_site, tmp_path, monkeypatch, capsys):
    server, _ = acled_site
    monkeypatch.delenv(acled.EMAIL_ENV, raising=False)
    monkeypatch.delenv(acled.PASSWORD_ENV, raising=False)
    argv = [
        "fetch",
        "acled",
        "--start",
        "2020-01-01",
        "--end",
        "2020-12-31",
        "--out",
        str(tmp_path),
        "--base-url",
        server.url,
        "--quiet",
        "--retries",
        "0",
    ]
    assert run_cli(argv) == 1
    assert "ACLED_EMAIL" in capsys.readouterr().err
    assert server.log == []  # nothing sent without credentials
    monkeypatch.setenv(acled.EMAIL_ENV, EMAIL)
    monkeypatch.setenv(acled.PASSWORD_ENV, "wrong-password-xyz")
    assert run_cli(argv) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "wrong-password-xyz" not in err


# --- UCDP --------------------------------------------------------------------------------------


def test_ucdp_fetch_release_and_candidate(http_server, tmp_path, monkeypatch):
    release = zipped("GEDEvent_v25_1.csv", (FIXTURES / "ged_iraq_sample.csv").read_bytes())
    candidate = (FIXTURES / "ged_candidate_noheader.csv").read_bytes()
    http_server.files["/downloads/ged/ged251-csv.zip"] = release
    http_server.files["/downloads/candidateged/GEDEvent_v25_0_9.csv"] = candidate
    monkeypatch.setenv(ucdp.BASE_URL_ENV, http_server.url + "downloads/")
    assert run_cli(["fetch", "ucdp", "--version", "25.1", "--out", str(tmp_path), "--quiet"]) == 0
    assert run_cli(["fetch", "ucdp", "--version", "25.0.9", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "ged251-csv.zip").read_bytes() == release
    assert (tmp_path / "GEDEvent_v25_0_9.csv").read_bytes() == candidate
    assert len(ucdp_loader.load(tmp_path / "ged251-csv.zip")) == 8
    assert len(ucdp_loader.load(tmp_path / "GEDEvent_v25_0_9.csv")) == 3


def test_ucdp_damaged_zip_is_not_kept(http_server, tmp_path):
    good = zipped("GEDEvent_v24_1.csv", b"id,relid\n" * 2000)
    bad = bytearray(good)
    bad[len(bad) // 3] ^= 0xFF
    http_server.files["/ged/ged241-csv.zip"] = bytes(bad)
    with pytest.raises(VerificationError, match="damaged archive"):
        ucdp.fetch("24.1", tmp_path, base_url=http_server.url, policy=FAST, progress=False)
    assert list(Path(tmp_path).iterdir()) == []
