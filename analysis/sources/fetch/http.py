"""Resumable, verified HTTP downloads shared by the feed fetchers (standard library only).

A download goes to ``<name>.part`` next to its destination and is renamed into place only once
complete and verified, so a complete-looking file is always complete. An interrupted download
resumes from the ``.part`` file with an HTTP ``Range`` request (a server that ignores Range sends
the whole file, which then replaces the partial one). Network errors, timeouts, truncated bodies
and 5xx/429 answers are retried with exponential backoff; other 4xx answers and redirect loops are
not. A file whose size or MD5 disagrees with what the caller expects is deleted and reported,
never kept.

Every request is one *attempt* bounded as a whole by ``Policy.timeout``: connecting, the headers
and every read of the body share one deadline (:class:`_Deadline`), so a server that trickles a
byte a second, or goes silent, ends the attempt on time instead of holding it open read by read.
A redirect is followed only on the feed's own host: the same host name and port (``host`` is
``hostname:port``: another port on the same machine is another server), or an ``http`` to
``https`` upgrade of the same name; a redirect elsewhere is :class:`RedirectRefused`, naming both
hosts, before any connection to the other. An answer that is an HTML page where a data file was
asked for (a captive portal, a proxy's login page, answered with status 200) is refused
(:class:`UnexpectedContentError`), never kept. Every error message is one line.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from analysis.errors import EscalationError, FetchError, ParameterError

_T = TypeVar("_T")

USER_AGENT = "escalation-fetch/0.1 (+https://github.com/; research use)"
CHUNK = 1 << 16


class DownloadError(FetchError, RuntimeError):
    """A file could not be downloaded (after retries); the message says which and why.

    A :class:`~analysis.errors.FetchError` (so an ``OSError``), and still the ``RuntimeError``
    it was before the error family existed, so older ``except RuntimeError`` callers catch it.
    """


class VerificationError(DownloadError):
    """A downloaded file's size or MD5 is not the expected one; the file was not kept."""


class UnexpectedContentError(DownloadError):
    """The server answered, but not with what was asked for: an HTML page instead of a data file
    (a captive portal or a proxy's login page), or a file list that is not one. Nothing is kept,
    and it is not retried."""


@dataclass(frozen=True)
class Policy:
    """How hard to try: attempts after the first (``retries``), the first backoff in seconds
    (doubled each retry, capped at ``max_backoff``) and ``timeout``, the seconds one attempt may
    take as a whole (connecting, the headers and the whole body: a deadline across reads)."""

    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 300.0

    def __post_init__(self) -> None:
        if self.retries < 0 or self.backoff < 0 or self.timeout <= 0:
            raise ParameterError("retries and backoff must be >= 0 and timeout > 0")


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Outcome:
    """What :func:`download` did: ``status`` "downloaded", "resumed" or "skipped" (already
    complete), ``bytes_fetched`` over the network this call, and the final ``path``."""

    path: Path
    status: str
    bytes_fetched: int


def base_url(fetcher: ModuleType, override: str | None = None) -> str:
    """The base URL of a fetcher module (``analysis.sources.fetch.gdelt``...): ``override``
    (``--base-url``), else its ``BASE_URL_ENV`` variable when set and not empty, else its
    ``DEFAULT_BASE_URL``."""
    return override or os.environ.get(fetcher.BASE_URL_ENV) or fetcher.DEFAULT_BASE_URL


def md5_of(path: Path) -> str:
    """Hex MD5 of a file, read in chunks."""
    h = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, size: int | None, md5: str | None) -> str | None:
    """None when ``path`` has the expected size and MD5 (those given), else what is wrong."""
    actual = path.stat().st_size
    if size is not None and actual != size:
        kind = "truncated" if actual < size else "too long"
        return f"{kind}: {actual} bytes, expected {size}"
    if md5 is not None:
        digest = md5_of(path)
        if digest.lower() != md5.lower():
            return f"wrong checksum: MD5 {digest}, expected {md5}"
    return None


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines too) as one space: one line of a message."""
    return " ".join(str(text).split())


class _Deadline:
    """One attempt's time limit, shared by connecting, the headers and every read of the body.

    At the deadline every socket the attempt opened is shut down, so a read blocked on a silent or
    trickling server returns at once; :meth:`open` gives the attempt's requests a socket timeout
    no longer than the time left. Use as a context manager around one attempt.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def left(self) -> float:
        """Seconds left; TimeoutError when none are."""
        left = self.end - time.monotonic()
        if self.expired or left <= 0:
            raise TimeoutError(f"timed out after {self.seconds:g} s")
        return left

    def open(self, request: urllib.request.Request) -> Any:
        """``urlopen(request)`` on connections this deadline watches (redirects included, on
        the request's own host only: :class:`_SameHostRedirects`)."""
        opener = urllib.request.build_opener(
            _HTTPHandler(self), _HTTPSHandler(self), _SameHostRedirects()
        )
        return opener.open(request, timeout=self.left())


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
    class Watched(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadline = deadline

        def connect(self) -> None:
            super().connect()
            self._deadline.watch(self.sock)

    Watched.__name__ = f"Watched{base.__name__}"
    return Watched


_WatchedHTTP = _watched(http.client.HTTPConnection)
_WatchedHTTPS = _watched(http.client.HTTPSConnection)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_WatchedHTTP, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            functools.partial(_WatchedHTTPS, deadline=self._deadline), req, context=self._context
        )


def host_of(url: str) -> str:
    """``hostname:port`` of ``url`` (lower case; the scheme's port when none is given)."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    return f"{(parts.hostname or '').lower()}:{port}"


def same_host(url: str, target: str) -> bool:
    """Whether a redirect from ``url`` to ``target`` stays on ``url``'s host: the same host name
    and port (not from ``https`` down to ``http``), or the same host name from ``http`` on port 80
    to ``https`` on 443 (an upgrade). Another name or address, or another port, is not."""
    old, new = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
    old_scheme, new_scheme = old.scheme.lower(), new.scheme.lower()
    if host_of(url) == host_of(target):
        return not (old_scheme == "https" and new_scheme == "http")
    upgrade = host_of(url).endswith(":80") and host_of(target).endswith(":443")
    return (
        upgrade
        and (old_scheme, new_scheme) == ("http", "https")
        and (old.hostname or "").lower() == (new.hostname or "").lower()
    )


class RedirectRefused(DownloadError):
    """The server redirected to another host (:func:`same_host`); not followed, not retried,
    no connection made to that host."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirect handling (loops and too many redirects are an HTTP error), refusing a
    redirect off the host of the request (each hop is checked, so off the feed's host)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not same_host(req.full_url, newurl):
            fp.close()
            raise RedirectRefused(
                f"{req.full_url}: redirected (HTTP {code}) from host {host_of(req.full_url)} "
                f"to another host, {host_of(newurl)} ({newurl}): not followed, nothing was kept"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def attempt(seconds: float, call: Callable[[_Deadline], _T]) -> _T:
    """``call(deadline)`` within one deadline of ``seconds``: whatever it was doing when the
    deadline passed (a read cut short, a body that looks complete because the socket was shut
    down), it ends as ``TimeoutError("timed out after <seconds> s")``."""
    with _Deadline(seconds) as deadline:
        try:
            result = call(deadline)
        except Exception:
            if deadline.expired:
                raise TimeoutError(f"timed out after {seconds:g} s") from None
            raise
        if deadline.expired:  # the body may have been cut by the shutdown
            raise TimeoutError(f"timed out after {seconds:g} s")
        return result


def refuse_html(url: str, response: Any) -> None:
    """Raise :class:`UnexpectedContentError` when ``response`` is an HTML page: no feed serves
    one, so it is a captive portal, a proxy's login page or an error page answered with 200."""
    kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        raise UnexpectedContentError(
            f"{url}: the server answered with an HTML page ({kind}), not the file asked for "
            "(a captive portal or a proxy's login page?); nothing was kept"
        )


def http_problem(exc: urllib.error.HTTPError) -> str:
    """One line for an HTTP error answer: "HTTP 500 Internal Server Error", a redirect loop."""
    if 300 <= exc.code < 400:
        return f"HTTP {exc.code}: redirected in a loop or too many times"
    return one_line(f"HTTP {exc.code} {exc.reason}")


class _Retryable(FetchError):
    """A failure worth another attempt that urllib does not raise itself (a truncated body).

    Never leaves :func:`with_retries`: when the retries run out it becomes a DownloadError."""


def retry_problem(exc: BaseException, timeout: float) -> str | None:
    """What went wrong, if ``exc`` is worth retrying: a network error, a timeout, a truncated
    body, or HTTP 408, 429 or 5xx. None for anything else (another 4xx, one of the package's own
    errors, a bug): not retried."""
    if isinstance(exc, urllib.error.HTTPError):  # before OSError: HTTPError is one
        if exc.code in (408, 429) or exc.code >= 500:
            return http_problem(exc)
        return None
    if isinstance(exc, _Retryable):
        return str(exc)
    if isinstance(exc, EscalationError):  # before OSError: a FetchError (DownloadError) is one
        return None
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed early ({len(exc.partial)} bytes in last read)"
    if isinstance(exc, OSError | http.client.HTTPException):  # URLError, ConnectionError, ...
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):  # a connect that timed out
            return f"timed out after {timeout:g} s"
        return one_line(f"network error: {reason}")
    return None


def with_retries(
    call: Callable[[], _T],
    url: str,
    policy: Policy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    note: str = "",
) -> _T:
    """``call()``, retried with exponential backoff per ``policy`` while it fails retryably.

    Which failures are retryable is :func:`retry_problem`'s call. Another HTTP error (a 4xx, a
    redirect loop) raises :class:`DownloadError` at once; any other exception propagates as it
    is. When the retries run out: DownloadError "<url>: <problem> (gave up after <n>
    attempts<note>)". Every message is one line.
    """
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            problem = retry_problem(exc, policy.timeout)
            if problem is None:
                if isinstance(exc, urllib.error.HTTPError):
                    raise DownloadError(f"{url}: {http_problem(exc)}") from None
                raise
            if attempt >= policy.retries:
                raise DownloadError(
                    f"{url}: {problem} (gave up after {attempt + 1} attempts{note})"
                ) from None
        sleep(min(policy.backoff * 2**attempt, policy.max_backoff))
        attempt += 1


def _fetch_once(
    url: str,
    part: Path,
    headers: Mapping[str, str],
    timeout: float,
    on_bytes: Callable[[int], None] | None,
) -> int:
    """One attempt, all of it within ``timeout`` seconds: append to (or restart) ``part``;
    return bytes received.

    Raises what urllib raises, TimeoutError at the deadline, UnexpectedContentError for an HTML
    page, or _Retryable for a body shorter than its Content-Length.
    """
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    if have:
        request.add_header("Range", f"bytes={have}-")

    def transfer(deadline: _Deadline) -> int:
        nonlocal have
        got = 0
        with deadline.open(request) as response:
            refuse_html(url, response)
            status = response.status
            if have and status == 200:  # the server ignored Range: start again
                part.unlink()
                if on_bytes:
                    on_bytes(-have)
                have = 0
            expected = response.headers.get("Content-Length")
            with part.open("ab") as out:
                while True:
                    block = response.read1(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    got += len(block)
                    if on_bytes:
                        on_bytes(len(block))
                    deadline.left()
            if expected is not None and got < int(expected):
                raise _Retryable(f"connection closed after {got} of {expected} bytes")
        return got

    try:
        return attempt(timeout, transfer)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range beyond the end: the partial file may be complete
            return 0
        raise


def download(
    url: str,
    dest: Path | str,
    *,
    size: int | None = None,
    md5: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    headers: Mapping[str, str] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    check: Callable[[Path, str], str | None] | None = None,
) -> Outcome:
    """Download ``url`` to ``dest``: skip if ``dest`` is already complete, resume a ``.part``.

    ``size`` (bytes) and ``md5`` (hex), when given, are checked before the rename, and so is
    ``check(file, name)`` (None when the file is fine, else what is wrong, in one line; ``name``
    is ``dest``'s, for the message), which an existing ``dest`` must pass too; a mismatch
    deletes the download and raises :class:`VerificationError`. Retries per ``policy``; when they
    run out, raises :class:`DownloadError` and keeps the ``.part`` file so the next run resumes.
    ``on_bytes(n)`` is called with each chunk's size (negative when a partial file is dropped),
    for a progress bar. ``headers`` are sent with every request and never logged.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        problem = _verify(dest, size, md5) or (check(dest, str(dest)) if check else None)
        if problem is None:
            return Outcome(dest, "skipped", 0)
        dest.unlink()  # a stale or damaged copy: fetch it again
    part = dest.with_name(dest.name + ".part")
    resumed = part.exists() and part.stat().st_size > 0
    if part.exists() and size is not None and part.stat().st_size > size:
        part.unlink()
        resumed = False
    fetched = with_retries(
        lambda: _fetch_once(url, part, headers or {}, policy.timeout, on_bytes),
        url,
        policy,
        sleep,
        note=f"; partial file kept for resuming: {part.name}",
    )
    if not part.exists():
        part.touch()
    problem = _verify(part, size, md5) or (check(part, str(dest)) if check else None)
    if problem is not None:
        part.unlink()
        raise VerificationError(f"{url}: {problem}; the download was deleted")
    os.replace(part, dest)
    return Outcome(dest, "resumed" if resumed else "downloaded", fetched)


def fetch_with(
    url: str,
    read: Callable[[Any], _T],
    *,
    policy: Policy = DEFAULT_POLICY,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """GET (or POST ``data``) ``url`` and return ``read(response)``, on the shared path: each
    attempt within ``policy.timeout`` as a whole, retries with backoff, HTML pages refused,
    one-line errors (:class:`DownloadError`). ``read`` may raise :class:`_Retryable`-free
    package errors (an :class:`UnexpectedContentError` for a body that is not what was asked
    for); they are not retried."""
    request = urllib.request.Request(
        url, data=data, headers={"User-Agent": USER_AGENT, **(headers or {})}
    )

    def transfer(deadline: _Deadline) -> _T:
        with deadline.open(request) as response:
            refuse_html(url, response)
            return read(response)

    return with_retries(lambda: attempt(policy.timeout, transfer), url, policy, sleep)


def get_bytes(
    url: str,
    *,
    policy: Policy = DEFAULT_POLICY,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """GET (or POST ``data``) a small resource into memory, on the shared path
    (:func:`fetch_with`)."""

    def read(response: Any) -> bytes:
        body = response.read()
        expected = response.headers.get("Content-Length")
        if expected is not None and len(body) < int(expected):
            raise _Retryable(f"connection closed after {len(body)} of {expected} bytes")
        return body

    return fetch_with(url, read, policy=policy, headers=headers, data=data, sleep=sleep)
