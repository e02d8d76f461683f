"""The review queue (analysis.sources.review) on the synthetic feed fixtures.

A UCDP release is fetched from the loopback test server (tests/http_fixture_server.py) into a
copy of data/ by the real ``escalation fetch`` command, which refreshes the queue; the queue's
candidates, accept (a sourced row through the curation build), reject, the refusals and the
lock are then exercised on that copy. Nothing below HTTP or the file system is mocked.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, FIXTURES, ROOT, SHARED

from analysis.data import load_incidents
from analysis.data.curate import ADDITION_COLUMNS, ADDITIONS, build, incident_id
from analysis.errors import ParameterError
from analysis.sources import review, ucdp
from analysis.sources.fetch import ucdp as ucdp_fetch

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not beside the repo")
pytestmark = needs_shared

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> rockets & "quotes"'
#: the one in-scope UCDP fixture row no curated incident matches (see test_fetch_...)
AIRPORT = "990002"


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
    return {**env, "ESCALATION_DATA_DIR": str(data), **extra}


def _escalation(*args: str, data: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *args],
        env=_env(data, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.fixture
def cli(monkeypatch, capsys):
    """``escalation ARGS`` in this process on a data folder: (exit code, stdout, stderr)."""

    def run(*args: str, data: Path) -> tuple[int, str, str]:
        from analysis.cli import main

        monkeypatch.setenv("ESCALATION_DATA_DIR", str(data))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")  # the queue's and the data's locks
    }


def _copy_data(out: Path) -> Path:
    """data/ without fetched or derived files: the tables, curation/ and the decisions."""
    out.mkdir()
    for p in [*DATA.glob("*.csv"), DATA / "case.yml"]:  # the tables and their case
        shutil.copy(p, out / p.name)
    shutil.copy(DATA / "case.yml", out / "case.yml")
    shutil.copytree(DATA / "curation", out / "curation")
    (out / "review").mkdir()
    shutil.copy(DATA / "review" / review.DECISIONS, out / "review" / review.DECISIONS)
    return out


@pytest.fixture(scope="module")
def fetched(tmp_path_factory, http_server_module) -> Path:
    """A data copy after ``escalation fetch ucdp --version 25.1`` from the loopback server."""
    data = _copy_data(tmp_path_factory.mktemp("review") / "data")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v25_1.csv", (FIXTURES / "ged_iraq_sample.csv").read_bytes())
    http_server_module.files["/downloads/ged/ged251-csv.zip"] = buf.getvalue()
    done = _escalation(
        "fetch", "ucdp", "--version", "25.1", "--quiet",
        data=data, **{ucdp_fetch.BASE_URL_ENV: http_server_module.url + "downloads/"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "review queue: 1 candidate(s) waiting (ucdp 1)" in done.stdout
    return data


@pytest.fixture(scope="module")
def http_server_module():
    """The loopback FixtureServer, once for the module (the fetch is shared by its tests)."""
    from http_fixture_server import serving

    with serving() as state:
        yield state


@pytest.fixture
def data(fetched, tmp_path) -> Path:
    """A fresh copy of the fetched data folder, for a test that changes it."""
    out = tmp_path / "review-data"
    shutil.copytree(fetched, out)
    return out


def test_a_fetch_yields_the_expected_candidates(fetched):
    feed = ucdp.load(next((fetched / "raw" / "ucdp").glob("*.zip")))
    curated = load_incidents(fetched / "incidents.csv")
    # independent of reconcile: the fixture's two rows about US/coalition targets, and the
    # curated rows in the same governorate within a day of each, with the same target type
    scoped = feed[feed["target_type"].notna()].set_index("source_event_id")
    assert sorted(scoped.index) == ["990002", "990003"]
    near = {
        i: curated[
            (curated["governorate"] == scoped.at[i, "governorate"])
            & ((curated["date"] - scoped.at[i, "date"]).dt.days.abs() <= 1)
        ]
        for i in scoped.index
    }
    taji = near["990003"]
    assert (taji["target_type"] == "us_military_base").any()  # Camp Taji, 11 Mar 2020
    # on 28 Sep 2020 the curated row is the rocket that hit a house near the airport: a
    # residential target, so no match, and the nearest row, same day and place and weapon, with
    # the target incompatible: score 1 * 0.5
    (house,) = near[AIRPORT].itertuples()
    assert house.target_type == "residential"
    rows = review.read_candidates(fetched)
    assert [(r["feed"], r["feed_id"]) for r in rows] == [("ucdp", AIRPORT)]
    (row,) = rows
    assert row["candidate_id"] == review.candidate_id("ucdp", AIRPORT)
    assert (row["date"], row["governorate"], row["place"]) == (
        "2020-09-28",
        "Baghdad",
        "Baghdad city",
    )
    assert row["description"].startswith("[synthetic] Rocket aimed at Baghdad airport")
    assert (row["nearest_incident_id"], row["nearest_date"]) == (house.incident_id, "2020-09-28")
    assert float(row["match_score"]) == review.match_score(0, True, False, True) == 0.5
    status = {s["feed"]: s for s in review.read_feed_status(fetched)}
    assert status["ucdp"]["rows"] == "8" and status["ucdp"]["newest_date"] == "2021-08-17"
    # a second refresh writes the same queue, byte for byte (stable ids and order)
    before = (fetched / "review" / review.CANDIDATES).read_bytes()
    review.refresh(fetched)
    assert (fetched / "review" / review.CANDIDATES).read_bytes() == before


def test_accept_adds_exactly_one_valid_row_with_a_stable_id(data, cli):
    cid = review.candidate_id("ucdp", AIRPORT)
    before = load_incidents(data / "incidents.csv")
    code, out, err = cli(
        "review", "accept", cid,
        "--source-url", "https://example.org/news/rocket-baghdad-airport",
        "--source-title", "Rocket hits near Baghdad airport (Example News)",
        "--confirmation", "claimed", data=data,
    )  # fmt: skip
    assert code == 0, err
    after = load_incidents(data / "incidents.csv")  # validated
    assert len(after) == len(before) + 1
    new = after[~after["incident_id"].isin(before["incident_id"])]
    assert len(new) == 1
    (added,) = review._read(data / "curation" / ADDITIONS, ADDITION_COLUMNS)
    assert new["incident_id"].iat[0] == incident_id(added)  # the build's own content hash
    assert new["incident_id"].iat[0] in out
    assert new["confirmation"].iat[0] == "claimed"
    assert new["source_url"].iat[0] == "https://example.org/news/rocket-baghdad-airport"
    assert cid in new["curation_note"].iat[0]
    pd.testing.assert_frame_equal(  # every other row is untouched
        after[after["incident_id"].isin(before["incident_id"])].reset_index(drop=True),
        before.reset_index(drop=True),
        check_like=False,
    )
    # the row lives in the curated-additions table: a rebuild from the shared tables keeps it,
    # with the same id and the same bytes
    shipped = (data / "incidents.csv").read_bytes()
    build(SHARED, data, curation_dir=data / "curation")
    assert (data / "incidents.csv").read_bytes() == shipped
    (decision,) = review.read_decisions(data)
    assert (decision["candidate_id"], decision["decision"]) == (cid, "accepted")
    assert decision["incident_id"] == new["incident_id"].iat[0]
    assert review.read_candidates(data) == []
    review.refresh(data)
    assert review.read_candidates(data) == []  # decided, and now matched by the new row


def test_reject_never_resurfaces(data, cli):
    cid = review.candidate_id("ucdp", AIRPORT)
    code, _, err = cli("review", "reject", cid, "--reason", "not an attack on a US site", data=data)
    assert code == 0, err
    assert review.read_candidates(data) == []
    report = review.refresh(data)  # the feed row is still unmatched: the decision keeps it out
    assert (report.candidates, report.decided_skipped) == (0, 1)
    assert review.read_candidates(data) == []
    (decision,) = review.read_decisions(data)
    assert (decision["decision"], decision["reason"]) == ("rejected", "not an attack on a US site")
    code, _, err = cli(
        "review", "accept", cid, "--source-url", "https://example.org/a", "--source-title", "A",
        data=data,
    )  # fmt: skip
    assert code == 2
    assert f"candidate {cid} was already rejected" in err


def _with_candidate(data: Path, **cells: str) -> str:
    """Add a candidate (a copy of the airport one with ``cells`` changed); returns its id."""
    rows = review.read_candidates(data)
    row = {**rows[0], **cells}
    row["candidate_id"] = review.candidate_id(row["feed"], row["feed_id"])
    path = data / "review" / review.CANDIDATES
    path.write_text(review._text(review.CANDIDATE_COLUMNS, [row, *rows]), encoding="utf-8")
    return row["candidate_id"]


def test_bad_accept_input_is_refused_with_nothing_written(data, cli):
    cid = review.candidate_id("ucdp", AIRPORT)
    bad_weapon = _with_candidate(data, feed_id="990900", attack_type="catapult")
    acled = _with_candidate(data, feed="acled", feed_id="IRQ99999")
    good = ("--source-url", "https://example.org/a", "--source-title", "A title")
    cases = [
        ((cid, "--source-url", "ftp://example.org/a", "--source-title", "T"), 2, "not an http(s)"),
        ((cid, "--source-url", "javascript:alert(1)", "--source-title", "T"), 2, "not an http(s)"),
        ((cid, "--source-url", "https://", "--source-title", "T"), 2, "with a host"),
        ((cid, "--source-url", "https://example.org/a", "--source-title", " "), 2, "is empty"),
        ((cid, "--source-url", "https://x.org/a", "--source-title", "a\nb"), 2, "newline"),
        (("cand-0000000000", *good), 2, "is not in"),
        ((acled, *good), 2, "give --description"),
        ((bad_weapon, *good), 1, "attack_type"),  # the curation build's validation refuses it
    ]
    before = _snapshot(data)
    for args, code, reason in cases:
        got, _, err = cli("review", "accept", *args, data=data)
        assert got == code, (args, err)
        assert reason in err, (args, err)
        assert _snapshot(data) == before, args


def test_a_hostile_candidate_is_escaped_on_every_page(data, project):
    from analysis.report.runner import run

    _with_candidate(data, feed_id="990901", description=HOSTILE, place=HOSTILE,
                    source_url='javascript:alert(1)"')  # fmt: skip
    site = project["site"]
    report = run(project["config"], site=site, only=["b"], jobs=1, data_dir=data)
    assert report.built == ["b"], [o.error for o in report.failed]
    pages = {p: (site / p).read_text(encoding="utf-8") for p in ("review.html", "index.html")}
    assert (
        "2 incidents</a> reported by the coded feeds (ACLED, UCDP, GDELT) match no row"
        in pages["index.html"]
    )
    page = pages["review.html"]
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert 'href="javascript' not in page  # a feed URL that is not http(s) is no link
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 2  # text, place
    # a decision with no brief to rebuild still updates the count the index gives
    review.reject(review.candidate_id("ucdp", "990901"), reason="hostile test row", data_dir=data)
    again = run(project["config"], site=site, only=["b"], jobs=1, data_dir=data)
    assert again.built == [] and "review page republished" in " ".join(again.notes)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "1 incident</a> reported by the coded feeds (ACLED, UCDP, GDELT) matches no row" in index
    assert "990901" not in (site / "review.html").read_text(encoding="utf-8")
    third = run(project["config"], site=site, only=["b"], jobs=1, data_dir=data)
    assert third.notes == []  # unchanged queue: nothing written
    _with_candidate(data, feed_id="990901", description=HOSTILE, place=HOSTILE)
    run(project["config"], site=site, only=["b"], jobs=1, data_dir=data)
    from browser import Browser, artifact_dir, chromium_path

    if chromium_path() is None:
        return
    with Browser(chromium_path()) as browser:
        text, scripts = "document.body.innerText", "document.scripts.length"
        handlers = "document.querySelectorAll('[onerror], [onload], [onclick]').length"
        for name in ("review.html", "index.html"):
            loaded = browser.load(
                site / name,
                screenshot=artifact_dir() / f"review-queue-{name.replace('.html', '.png')}",
                expressions=[text, scripts, handlers],
            )
            assert loaded.values[scripts] == 0 and loaded.values[handlers] == 0
            assert loaded.dialogs == [] and loaded.outside_requests() == []
            if name == "review.html":  # shown as the text it is
                assert HOSTILE in loaded.values[text]


def test_two_accepts_at_once_cannot_corrupt_the_tables(data):
    second = _with_candidate(data, feed_id="990902", date="2020-09-21", place="Taji")
    first = review.candidate_id("ucdp", AIRPORT)
    before = load_incidents(data / "incidents.csv")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analysis.cli",
                "review",
                "accept",
                cid,
                "--source-url",
                f"https://example.org/{cid}",
                "--source-title",
                f"Report {cid}",
            ],
            env=_env(data),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for cid in (first, second)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    after = load_incidents(data / "incidents.csv")  # valid
    assert len(after) == len(before) + 2
    additions = review._read(data / "curation" / ADDITIONS, ADDITION_COLUMNS)
    assert sorted(a["candidate_id"] for a in additions) == sorted([first, second])
    assert set(after["incident_id"]) - set(before["incident_id"]) == {
        incident_id(a) for a in additions
    }
    decisions = review.read_decisions(data)
    assert sorted(d["candidate_id"] for d in decisions) == sorted([first, second])
    assert review.read_candidates(data) == []


def test_a_held_lock_refuses_an_accept_after_its_wait(data):
    cid = review.candidate_id("ucdp", AIRPORT)
    before = _snapshot(data)
    with review.queue_lock(data):
        done = _escalation(
            "review", "accept", cid, "--source-url", "https://example.org/a",
            "--source-title", "A", "--wait", "0.3", data=data,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "another review command holds the lock" in done.stderr
    assert _snapshot(data) == before


def test_an_accept_waits_for_a_report_reading_the_data(data):
    """A report holds the data's lock shared from hashing the data until it has published (so a
    page's provenance names the data its kernels read); an accept rewrites the tables only after
    it, and says why it waits."""
    from analysis.atomic import data_lock

    cid = review.candidate_id("ucdp", AIRPORT)
    source = ["--source-url", "https://example.org/a", "--source-title", "A"]
    with data_lock(data, shared=True, wait=0):  # what a report holds while it builds
        before = _snapshot(data)
        done = _escalation("review", "accept", cid, *source, "--wait", "0.3", data=data)
        assert _snapshot(data) == before
    assert done.returncode == 3, done.stderr
    assert "a report is building briefs from these data" in done.stderr
    done = _escalation("review", "accept", cid, *source, data=data)  # the report has ended
    assert done.returncode == 0, done.stderr


def test_the_index_says_how_stale_the_curated_data_is(data):
    from analysis.report.site import queue_status_html

    status = review.queue_status(data)
    newest = max(r["date"] for r in csv.DictReader((data / "incidents.csv").open()))
    assert (status.waiting, status.newest_curated, status.newest_feed) == (1, newest, "2021-08-17")
    assert status.lag_days < 0 and not status.stale
    assert "Warning" not in queue_status_html(status)
    feeds = data / "review" / review.FEED_STATUS
    late = pd.Timestamp(newest) + pd.Timedelta(days=review.STALE_DAYS + 1)
    feeds.write_text(
        review._text(
            review.FEED_STATUS_COLUMNS, [{"feed": "gdelt", "newest_date": f"{late:%Y-%m-%d}"}]
        ),
        encoding="utf-8",
    )
    status = review.queue_status(data)
    assert status.lag_days == review.STALE_DAYS + 1 and status.stale
    assert "Warning: stale data." in queue_status_html(status)
    assert "15 days behind" in queue_status_html(status)
    assert "up to date with" in queue_status_html(
        review.QueueStatus(0, "2024-10-01", "2024-09-01", "ucdp", -30)
    )


def test_listing_filters_by_feed_and_date(data, cli):
    _with_candidate(data, feed="gdelt", feed_id="900009999", date="2021-01-01")
    rows = review.list_candidates(data)
    assert [r["date"] for r in rows] == ["2021-01-01", "2020-09-28"]  # newest first
    assert [r["feed"] for r in review.list_candidates(data, feed="ucdp")] == ["ucdp"]
    assert review.list_candidates(data, start=pd.Timestamp("2020-10-01").date())[0]["feed"] == (
        "gdelt"
    )
    with pytest.raises(ParameterError, match="--feed must be one of"):
        review.list_candidates(data, feed="twitter")
    code, out, _ = cli("review", "--feed", "gdelt", data=data)
    assert code == 0 and "900009999" in out and AIRPORT not in out
