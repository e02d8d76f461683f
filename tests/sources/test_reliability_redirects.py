"""A feed's server can redirect only on its own host: a redirect elsewhere is not followed.

Two real loopback servers (tests/http_fixture_server.py): the feed's, which answers 302 to the
other, on another address (127.0.0.2) or on another port of the same address. Each refusal is
a FetchError naming both hosts, one ``error:`` line from the command, with no connection made to
the other server and nothing kept; a redirect within the feed's host is followed. ``host``
means ``hostname:port`` (another port is another server), with an ``http`` to ``https`` upgrade
of the same name allowed.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import FIXTURES
from http_fixture_server import serving

from analysis.cli import main
from analysis.errors import FetchError
from analysis.sources.fetch import ucdp
from analysis.sources.fetch.http import Policy, RedirectRefused, get_bytes, host_of, same_host

RELEASE = "/ged/ged251-csv.zip"


def _release() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v25_1.csv", (FIXTURES / "ged_iraq_sample.csv").read_bytes())
    return buf.getvalue()


def _redirect(server, path: str, target: str) -> None:
    server.handlers[path] = lambda request, body: (302, {"Location": target}, b"")


@pytest.mark.parametrize("other_host", ["127.0.0.2", "127.0.0.1"])
def test_a_redirect_to_another_host_is_refused_without_a_connect(
    http_server, tmp_path, capsys, other_host
):
    with serving(other_host) as other:
        other.files[RELEASE] = _release()
        _redirect(http_server, RELEASE, other.url + RELEASE[1:])
        with pytest.raises(RedirectRefused) as caught:
            ucdp.fetch(
                "25.1", tmp_path, base_url=http_server.url, policy=Policy(retries=2, backoff=0)
            )
        assert isinstance(caught.value, FetchError)
        message = str(caught.value)
        assert host_of(http_server.url) in message and host_of(other.url) in message, message
        assert "not followed" in message and "\n" not in message
        assert len(http_server.requests_for(RELEASE)) == 1  # not retried
        # the command: one line, exit 1 (a file failed), nothing kept
        argv = ["fetch", "ucdp", "--version", "25.1", "--out", str(tmp_path), "--quiet"]
        assert main([*argv, "--base-url", http_server.url]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "another host" in err[0]
        assert other.connections == 0 and other.log == []
        assert list(tmp_path.iterdir()) == []
        # the in-memory path (ACLED's token and pages, GDELT's list) refuses it the same way
        _redirect(http_server, "/list", other.url + "list")
        with pytest.raises(RedirectRefused):
            get_bytes(http_server.url + "list", policy=Policy(retries=0))
        assert other.connections == 0


def test_a_redirect_within_the_feeds_host_is_followed(http_server, tmp_path):
    release = _release()
    http_server.files["/moved/ged251-csv.zip"] = release
    _redirect(http_server, RELEASE, "/moved/ged251-csv.zip")  # relative: the same host
    outcome = ucdp.fetch("25.1", tmp_path, base_url=http_server.url, progress=False)
    assert outcome.status == "downloaded"
    assert (tmp_path / "ged251-csv.zip").read_bytes() == release
    assert [r.path for r in http_server.log] == [RELEASE, "/moved/ged251-csv.zip"]


@pytest.mark.parametrize(
    ("url", "target", "same"),
    [
        ("https://ucdp.uu.se/downloads/a", "https://UCDP.uu.se:443/b", True),
        ("http://ucdp.uu.se/a", "https://ucdp.uu.se/a", True),  # an upgrade
        ("https://ucdp.uu.se/a", "http://ucdp.uu.se/a", False),  # a downgrade
        ("https://ucdp.uu.se/a", "https://cdn.example.org/a", False),
        ("https://ucdp.uu.se/a", "https://ucdp.uu.se.example.org/a", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a", False),  # another port
        ("http://127.0.0.1:8000/a", "https://127.0.0.1:8000/a", True),
        ("http://127.0.0.1:8000/a", "https://127.0.0.1/a", False),
    ],
)
def test_what_counts_as_the_same_host(url, target, same):
    assert same_host(url, target) is same
