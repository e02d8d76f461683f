"""Resumable, verified HTTP downloads shared by the feed fetchers (standard library only).

A download goes to ``<name>.part`` next to its destination and is renamed into place only once
complete and verified, so a complete-looking file is always complete. An interrupted download
resumes from the ``.part`` file with an HTTP ``Range`` request (a server that ignores Range sends
the whole file, which then replaces the partial one). Network errors, timeouts, truncated bodies
and 5xx/429 answers are retried with exponential backoff; other 4xx answers are not. A file whose
size or MD5 disagrees with what the caller expects is deleted and reported, never kept.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypeVar

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


@dataclass(frozen=True)
class Policy:
    """How hard to try: attempts after the first (``retries``), the first backoff in seconds
    (doubled each retry, capped at ``max_backoff``) and the socket timeout in seconds."""

    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 60.0

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


class _Retryable(FetchError):
    """A failure worth another attempt that urllib does not raise itself (a truncated body).

    Never leaves :func:`with_retries`: when the retries run out it becomes a DownloadError."""


def retry_problem(exc: BaseException, timeout: float) -> str | None:
    """What went wrong, if ``exc`` is worth retrying: a network error, a timeout, a truncated
    body, or HTTP 408, 429 or 5xx. None for anything else (another 4xx, one of the package's own
    errors, a bug): not retried."""
    if isinstance(exc, urllib.error.HTTPError):  # before OSError: HTTPError is one
        if exc.code in (408, 429) or exc.code >= 500:
            return f"HTTP {exc.code} {exc.reason}"
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
        return f"network error: {getattr(exc, 'reason', exc)}"
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

    Which failures are retryable is :func:`retry_problem`'s call. Another HTTP error raises
    :class:`DownloadError` at once; any other exception propagates as it is. When the retries run
    out: DownloadError "<url>: <problem> (gave up after <n> attempts<note>)".
    """
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            problem = retry_problem(exc, policy.timeout)
            if problem is None:
                if isinstance(exc, urllib.error.HTTPError):
                    raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
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
    """One request: append to (or restart) ``part``; return bytes received.

    Raises what urllib raises, or _Retryable for a body shorter than its Content-Length.
    """
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    if have:
        request.add_header("Range", f"bytes={have}-")
    got = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            if have and status == 200:  # the server ignored Range: start again
                part.unlink()
                if on_bytes:
                    on_bytes(-have)
                have = 0
            expected = response.headers.get("Content-Length")
            with part.open("ab") as out:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    got += len(block)
                    if on_bytes:
                        on_bytes(len(block))
            if expected is not None and got < int(expected):
                raise _Retryable(f"connection closed after {got} of {expected} bytes")
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range beyond the end: the partial file may be complete
            return 0
        raise
    return got


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
) -> Outcome:
    """Download ``url`` to ``dest``: skip if ``dest`` is already complete, resume a ``.part``.

    ``size`` (bytes) and ``md5`` (hex), when given, are checked before the rename; a mismatch
    deletes the download and raises :class:`VerificationError`. Retries per ``policy``; when they
    run out, raises :class:`DownloadError` and keeps the ``.part`` file so the next run resumes.
    ``on_bytes(n)`` is called with each chunk's size (negative when a partial file is dropped),
    for a progress bar. ``headers`` are sent with every request and never logged.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        problem = _verify(dest, size, md5)
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
    problem = _verify(part, size, md5)
    if problem is not None:
        part.unlink()
        raise VerificationError(f"{url}: {problem}; the download was deleted")
    os.replace(part, dest)
    return Outcome(dest, "resumed" if resumed else "downloaded", fetched)


def get_bytes(
    url: str,
    *,
    policy: Policy = DEFAULT_POLICY,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """GET (or POST ``data``) a small resource into memory, with the same retries and timeout."""

    def once() -> bytes:
        request = urllib.request.Request(
            url, data=data, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )
        with urllib.request.urlopen(request, timeout=policy.timeout) as response:
            body = response.read()
            expected = response.headers.get("Content-Length")
            if expected is not None and len(body) < int(expected):
                raise _Retryable(f"connection closed after {len(body)} of {expected} bytes")
            return body

    return with_retries(once, url, policy, sleep)
