"""A minimal headless-Chromium harness for tests: load a local page offline, record what it did.

Drives Debian's ``chromium`` over the Chrome DevTools Protocol (a websocket, via the
``websocket-client`` package). The browser runs with a fresh profile, every outbound request sent
to a dead proxy and the page's network emulated as offline, so a page that needs anything beyond
``file://`` and ``data:`` shows up in :attr:`PageLoad.requests` and as a console error. Used by
``tests/report/test_browser.py`` to check that published briefs are self-contained and inert.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

FLAGS = [
    "--headless",
    "--no-sandbox",  # tests may run as root (containers, CI)
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1100,900",
    # network off: everything (loopback included) goes to a port where nothing listens
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-port=0",
]


#: the URL of the document shown, once it has loaded completely ("" before)
_SHOWN = "(document.documentElement && document.readyState === 'complete') ? location.href : ''"


def chromium_path() -> str | None:
    """The Chromium executable (``chromium``/``chromium-browser`` on PATH), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to something other than false/0."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_chromium() -> str:
    """Chromium's path; skips the calling test when it is missing, but fails it under CI."""
    import pytest

    path = chromium_path()
    if path is None:
        message = "chromium is not installed (apt-get install chromium; .ci/run installs it)"
        if in_ci():
            pytest.fail(f"{message}, and CI must run the browser tests")
        pytest.skip(message)
    return path


def artifact_dir() -> Path:
    """Where tests save screenshots: ``$ESCALATION_ARTIFACTS``, else reports/.build/artifacts."""
    folder = Path(
        os.environ.get("ESCALATION_ARTIFACTS") or ROOT / "reports" / ".build" / "artifacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class BrowserError(RuntimeError):
    """Chromium did not start, a DevTools call failed, or a page did not load in time."""


@dataclass
class PageLoad:
    """What one page load did.

    ``requests``: every URL the page requested (document included), in order.
    ``console_errors``: console.error calls, uncaught exceptions and browser error log entries.
    ``dialogs``: messages of JavaScript dialogs (alert/confirm/prompt) that opened; all dismissed.
    ``values``: results of the ``expressions`` passed to :meth:`Browser.load`, by expression.
    ``screenshot``: the saved full-page PNG, if one was asked for.
    ``evaluate``: run more JavaScript on the page (valid until the next load or close).
    """

    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    screenshot: Path | None = None
    evaluate: Callable[[str], Any] | None = field(default=None, repr=False)

    def outside_requests(self) -> list[str]:
        """Requested URLs that are neither ``file:`` nor ``data:``."""
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]


def _describe_exception(params: dict) -> str:
    details = params.get("exceptionDetails", {})
    exc = details.get("exception", {})
    return "exception: " + str(exc.get("description") or details.get("text") or details)


def _describe_console(params: dict) -> str:
    parts = [str(a.get("value", a.get("description", a.get("type")))) for a in params["args"]]
    return "console.error: " + " ".join(parts)


class Browser:
    """One headless Chromium with one page, spoken to over DevTools; use as a context manager."""

    def __init__(
        self, executable: str | None = None, *, timeout: float = 30.0, loopback: bool = False
    ) -> None:
        """``loopback=True`` lets pages reach servers on this machine (127.0.0.1, e.g. a
        JupyterLab a test started); everything else still goes to the dead proxy."""
        self.executable = executable or chromium_path()
        if not self.executable:
            raise BrowserError("chromium not found")
        self.timeout = timeout
        self.loopback = loopback
        self._profile = Path(tempfile.mkdtemp(prefix="escalation-chromium-"))
        self._proc: subprocess.Popen | None = None
        self._ws: Any = None
        self._next_id = 0
        self._current: PageLoad | None = None
        self._loaded = False
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # -- life cycle -------------------------------------------------------------------------

    def _start(self) -> None:
        import websocket  # websocket-client

        log = (self._profile / "chromium.log").open("wb")
        flags = FLAGS
        if self.loopback:  # without "<-loopback>", loopback addresses bypass the proxy
            flags = [f for f in FLAGS if not f.startswith("--proxy-bypass-list=")]
        self._proc = subprocess.Popen(
            [self.executable, *flags, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so close() ends every child
        )
        log.close()
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise BrowserError(f"chromium did not start:\n{self._log_tail()}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        page = None
        while page is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5) as resp:
                targets = json.load(resp)
            page = next((t for t in targets if t.get("type") == "page"), None)
            if page is None:
                if time.monotonic() > deadline:
                    raise BrowserError(f"chromium has no page target: {targets}")
                time.sleep(0.05)
        self._ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=self.timeout, suppress_origin=True
        )
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        if not self.loopback:
            self.call(
                "Network.emulateNetworkConditions",
                offline=True,
                latency=0,
                downloadThroughput=-1,
                uploadThroughput=-1,
            )
            self.call("Network.setCacheDisabled", cacheDisabled=True)

    def _log_tail(self) -> str:
        try:
            return (self._profile / "chromium.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        """End the browser and every process it started; remove its temporary profile."""
        if self._ws is not None:
            try:
                self._ws.close()
            except Exception:
                pass
            self._ws = None
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self._proc is not None:
            # children (renderer, zygote) share the group and may outlive the parent
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    break
                time.sleep(0.05)
        self._proc = None
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, method: str, params: dict) -> int:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        import websocket

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self._ws.settimeout(remaining)
        try:
            message = json.loads(self._ws.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutError from None
        if "method" in message:
            self._on_event(message["method"], message.get("params", {}))
        return message

    def call(self, method: str, **params: Any) -> dict:
        """Send a DevTools command and return its result (events meanwhile are recorded)."""
        wanted = self._send(method, params)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = self._receive(deadline)
            except TimeoutError:
                raise BrowserError(f"{method}: no answer within {self.timeout} s") from None
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _drain(self, seconds: float, until: Callable[[], bool] = lambda: False) -> bool:
        """Record events for up to ``seconds``; True as soon as ``until()`` holds."""
        deadline = time.monotonic() + seconds
        while not until():
            try:
                self._receive(deadline)
            except TimeoutError:
                return until()
        return True

    def _on_event(self, method: str, params: dict) -> None:
        page = self._current
        if method == "Page.javascriptDialogOpening":
            # answer without waiting: the page is blocked until the dialog goes
            self._send("Page.handleJavaScriptDialog", {"accept": False})
            if page is not None:
                page.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            return
        if page is None:
            return
        if method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            page.console_errors.append(_describe_console(params))
        elif method == "Runtime.exceptionThrown":
            page.console_errors.append(_describe_exception(params))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            page.console_errors.append(
                f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}"
            )
        elif method == "Page.loadEventFired":
            self._loaded = True

    # -- pages ------------------------------------------------------------------------------

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` on the current page; raises if it throws."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {_describe_exception(result)}")
        return result["result"].get("value")

    def evaluate_async(self, expression: str, timeout: float | None = None) -> Any:
        """The JSON value of ``expression`` once its promise settles (``await`` allowed inside
        an async arrow function); raises if it throws or rejects."""
        saved = self.timeout
        self.timeout = timeout or saved
        try:
            result = self.call(
                "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
            )
        finally:
            self.timeout = saved
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {_describe_exception(result)}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0, every: float = 0.2) -> Any:
        """Poll ``expression`` until it is truthy and return its value; ``BrowserError`` naming
        the expression and its last value after ``timeout`` seconds. Events meanwhile are
        recorded."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"not true within {timeout} s: {expression} (last: {value!r})")
            self._drain(every)

    def navigate(self, url: str) -> None:
        """Open ``url`` without waiting for its load event (single-page apps such as
        JupyterLab keep loading; poll with :meth:`wait_for`)."""
        self._current = PageLoad(url, evaluate=self.evaluate)
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")

    def viewport_screenshot(self, path: Path, height: int | None = None) -> Path:
        """Save what the window shows (1100 px wide) as a PNG; ``height`` makes the window that
        tall for this screenshot (a page that scrolls inside itself, such as JupyterLab, then
        lays out more of its content)."""
        if height is not None:
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=1100,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            self._drain(0.5)
        try:
            shot = self.call("Page.captureScreenshot", format="png")
        finally:
            if height is not None:
                self.call("Emulation.clearDeviceMetricsOverride")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def screenshot(self, path: Path) -> Path:
        """Save the whole page (not just the viewport) as a PNG at ``path``."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def load(
        self,
        target: Path | str,
        *,
        screenshot: Path | None = None,
        expressions: Iterable[str] = (),
        settle: float = 0.3,
    ) -> PageLoad:
        """Open ``target`` (a local file or a URL), wait for its load event, then ``settle``
        seconds more for late requests; evaluate ``expressions`` and take the screenshot."""
        url = Path(target).resolve().as_uri() if isinstance(target, Path) else target
        self._current = None
        self.call("Page.navigate", url="about:blank")
        self._drain(0.05)
        self._current = page = PageLoad(url, evaluate=self.evaluate)
        self._loaded = False
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        if not self._drain(self.timeout, lambda: self._loaded):
            raise BrowserError(f"{url}: no load event within {self.timeout} s")
        # a late load event of the blank page can arrive first on a busy machine: wait until
        # the document shown is this one and complete
        deadline = time.monotonic() + self.timeout
        while self.evaluate(_SHOWN) != url:
            if time.monotonic() > deadline:
                raise BrowserError(f"{url}: the page did not finish loading in {self.timeout} s")
            self._drain(0.05)
        self._drain(settle)
        page.values = {e: self.evaluate(e) for e in expressions}
        if screenshot is not None:
            page.screenshot = self.screenshot(screenshot)
        return page


def across(browsers: list[Browser], items: list[Any], work: Callable[[Browser, Any], Any]) -> list:
    """``work(browser, item)`` for every item, each item taken by the next browser free (one
    thread each): Chromium does the work, so two browsers use both cores of a 2-core machine,
    and a slow page holds up only its own browser. Results come back in the items' order; the
    first error (an assertion too) is raised."""
    import queue
    from concurrent.futures import ThreadPoolExecutor

    free: queue.Queue[Browser] = queue.Queue()
    for b in browsers:
        free.put(b)

    def one(item: Any) -> Any:
        b = free.get()
        try:
            return work(b, item)
        finally:
            free.put(b)

    with ThreadPoolExecutor(len(browsers)) as pool:
        return list(pool.map(one, items))
