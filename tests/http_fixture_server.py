"""A real HTTP server on 127.0.0.1 for the fetcher tests (nothing is mocked below HTTP).

``FixtureServer`` serves byte strings by path with HTTP Range support, and can be told to
misbehave per path for the next requests: ``"500"`` (internal error), ``"slow"`` (wait before
answering), ``"cut"`` (announce the full length, send half, close), ``"trickle"`` (send the body
one byte every ``trickle_seconds``), ``"silent"`` (accept the request, never answer, until the
server stops), ``"redirect-loop"`` (302 to the same path, forever) and ``"portal"`` (200 with a
captive portal's HTML login page). Custom handlers (for ACLED's token and read endpoints) get the
request and return (status, headers, body). Every request is logged with its method, path,
headers and the bytes sent back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    sent: int


@dataclass
class FixtureServer:
    files: dict[str, bytes] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)
    handlers: dict[str, Callable] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    slow_seconds: float = 1.0
    trickle_seconds: float = 0.05
    url: str = ""
    #: connections accepted (a refused redirect must not open one)
    connections: int = 0
    #: set when the server stops: a silent or trickling answer ends then
    stopping: threading.Event = field(default_factory=threading.Event)

    def requests_for(self, path: str) -> list[Logged]:
        return [r for r in self.log if r.path.split("?")[0] == path]


def _make_handler(server: FixtureServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body_in = self.rfile.read(length) if length else b""
            path = self.path.split("?")[0]
            entry = Logged(method, self.path, dict(self.headers.items()), body_in, 200, 0)
            server.log.append(entry)
            plan = server.plans.get(path)
            action = plan.pop(0) if plan else "ok"
            if action == "slow":
                time.sleep(server.slow_seconds)
            if action == "silent":
                server.stopping.wait(60)
                self.close_connection = True
                return
            if action == "redirect-loop":
                entry.status = 302
                self._send(302, {"Location": self.path}, b"")
                return
            if action == "portal":
                entry.status = 200
                page = PORTAL_PAGE
                entry.sent = len(page)
                self._send(200, {"Content-Type": "text/html; charset=utf-8"}, page)
                return
            if action == "500":
                entry.status = 500
                self._send(500, {}, b"internal error")
                return
            if path in server.handlers:
                status, headers, body = server.handlers[path](self, body_in)
                entry.status = status
                entry.sent = len(body)
                self._send(status, headers, body)
                return
            if path not in server.files:
                entry.status = 404
                self._send(404, {}, b"not found")
                return
            data = server.files[path]
            status, start = 200, 0
            headers = {"Accept-Ranges": "bytes"}
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                if start >= len(data):
                    entry.status = 416
                    self._send(416, {"Content-Range": f"bytes */{len(data)}"}, b"")
                    return
                status = 206
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            body = data[start:]
            entry.status = status
            if action == "cut":
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                half = body[: len(body) // 2]
                self.wfile.write(half)
                self.wfile.flush()
                entry.sent = len(half)
                self.close_connection = True
                return
            if action == "trickle":
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.flush()
                for i in range(len(body)):
                    if server.stopping.wait(server.trickle_seconds):
                        break
                    try:
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        break
                    entry.sent += 1
                self.close_connection = True
                return
            entry.sent = len(body)
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

    return Handler


PORTAL_PAGE = (
    b"<!DOCTYPE html><html><head><title>Hotel Wi-Fi</title></head><body>"
    b"<h1>Welcome</h1><p>Please accept the terms to continue.</p>"
    b'<form method="post"><button>Connect</button></form></body></html>'
)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    state: FixtureServer

    def verify_request(self, request: object, client_address: object) -> bool:
        self.state.connections += 1
        return True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out and hung up is expected here


@contextlib.contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[FixtureServer]:
    """A FixtureServer listening on ``host`` (a loopback address; a free port) until the block
    ends."""
    state = FixtureServer()
    httpd = _QuietServer((host, 0), _make_handler(state))
    httpd.state = state
    state.url = f"http://{host}:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def http_server() -> Iterator[FixtureServer]:
    """A FixtureServer listening on 127.0.0.1 (a free port) for the duration of one test."""
    with serving() as state:
        yield state
