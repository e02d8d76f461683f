"""Every notebook run in a real JupyterLab, in headless Chromium, on the project's kernel.

One Lab server is started through ``make lab`` (so the test also proves that ``make lab`` starts
as root: it passes ``--allow-root`` only then) on 127.0.0.1, a free port and a token, opening a
temporary folder with a copy of the notebooks, ``ESCALATION_DATA_DIR`` pointing at the project's
data and Jupyter's config, data and runtime folders temporary (so only this environment's
``escalation`` kernel can be found). Chromium is driven over the DevTools protocol
(``tests/browser.py``: enough for this, and no browser download or second driver library), with
only loopback reachable. Each notebook is opened, its kernel must be ``escalation (.venv)``, all
cells are run through Lab's own "run all" command, and then no output may be an error and every
image output must have been drawn in the page. The explorer's event and window are changed in
the page and its table and chart must change. Screenshots of each notebook are kept as test
artefacts (``$ESCALATION_ARTIFACTS``, else ``reports/.build/artifacts/lab/``).

Notebooks run one after another; every wait polls. Chromium and the server are stopped by their
process group ids.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import Browser, BrowserError, artifact_dir, require_chromium
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPLORER = "00_explore.ipynb"
#: the order the tests below run them in (the explorer last)
ORDER = [p.name for p in NOTEBOOKS if p.name != EXPLORER] + [EXPLORER]
KERNEL = {"name": "escalation", "display_name": "escalation (.venv)"}
#: Lab settings for a quiet, testable page: every cell kept in the page (no virtual scrolling,
#: so every output can be checked), no news or update checks
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
#: the notebook panel of a path, in the page
PANEL = (
    "Array.from(window.jupyterapp.shell.widgets('main'))"
    ".find(w => w.context && w.context.path === {path})"
)


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(folder: Path, args: list[str]) -> list[str]:
    """``make lab`` with the test's folder and options when the tests run in the checkout's
    .venv (as ``make test`` runs them), else the same JupyterLab command on this Python."""
    venv = ROOT / ".venv"
    if shutil.which("make") and Path(sys.prefix).resolve() == venv.resolve():
        # -o: never reinstall from here, even when pyproject.toml is newer than the stamp
        return [
            "make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", "lab",
            f"LAB_DIR={folder}", "LAB_ARGS=" + " ".join(args),
        ]  # fmt: skip
    root = ["--allow-root"] if os.geteuid() == 0 else []
    return [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={folder}", *root, *args]


def _stop(process: subprocess.Popen) -> None:
    """Stop the server (it shuts its kernels down on SIGTERM), then anything left in its group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    require_chromium()
    if shutil.which("jupyter", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("jupyter is not installed in this environment (make install)")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    root.mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, root / notebook.name)
    for name, values in SETTINGS.items():
        path = tmp / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    # no language servers or terminals: nothing the notebooks need, and slow to start
    (tmp / "config").mkdir()
    (tmp / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {
                        "jupyter_lsp": False,
                        "jupyter_server_terminals": False,
                    },
                    "terminals_enabled": False,
                }
            }
        ),
        encoding="utf-8",
    )
    port, token = _free_port(), secrets.token_hex(16)
    args = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
    ]
    env = dict(
        os.environ,
        ESCALATION_DATA_DIR=str(ROOT / "data"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        # charts inline as in any Lab, whatever backend the environment names (Agg in some CI)
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    env.pop("JUPYTER_PATH", None)
    log = tmp / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            _command(root, args),
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its children
        )
    server = Lab(f"http://127.0.0.1:{port}", token, root, process, log)
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 60
        while True:
            try:
                with opener.open(f"{server.url}/api/status?token={token}", timeout=2) as resp:
                    json.load(resp)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start:\n{server.log_tail()}")
                time.sleep(0.2)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Browser]:
    """Chromium on Lab's page, the app loaded, the file browser folded away."""
    with Browser(require_chromium(), timeout=60, loopback=True) as browser:
        browser.call("Emulation.setFocusEmulationEnabled", enabled=True)  # headless has no focus
        browser.navigate(f"{lab.url}/lab?token={lab.token}")
        try:
            browser.wait_for("!!(window.jupyterapp && window.jupyterapp.shell)", timeout=90)
            browser.wait_for("document.querySelector('.jp-DirListing-item') !== null", 60)
        except BrowserError as exc:
            browser.viewport_screenshot(artifact_dir() / "lab" / "startup.png")
            raise AssertionError(f"{exc}\n{lab.log_tail()}") from None
        browser.evaluate("window.jupyterapp.shell.collapseLeft(), true")
        yield browser


def _open(page: Browser, name: str) -> str:
    """Open notebook ``name`` through Lab, wait for its kernel; the panel's JS expression."""
    panel = PANEL.format(path=json.dumps(name))
    page.evaluate_async(
        f"(async () => {{ await window.jupyterapp.commands.execute('docmanager:open', "
        f"{{path: {json.dumps(name)}}}); return true; }})()"
    )
    page.wait_for(
        f"(() => {{ const p = {panel}; const s = p && p.sessionContext.session; "
        "return !!(s && s.kernel && s.kernel.status === 'idle'); })()",
        timeout=60,
    )
    page.evaluate(f"window.jupyterapp.shell.activateById({panel}.id), true")
    return panel


def _kernel(page: Browser, panel: str) -> dict:
    return page.evaluate(
        f"(() => {{ const p = {panel}; return {{name: p.sessionContext.session.kernel.name, "
        "display_name: p.sessionContext.kernelDisplayName, "
        "toolbar: p.node.querySelector('.jp-Toolbar-kernelName').textContent.trim()}; })()"
    )


def _run_all(page: Browser, panel: str, timeout: float = 120) -> list[int]:
    """Lab's "run all cells" on the notebook; waits until every code cell has run and the
    kernel is idle; the execution counts."""
    page.evaluate(f"window.jupyterapp.shell.activateById({panel}.id), true")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells'), true")
    return page.wait_for(
        f"(() => {{ const p = {panel}; "
        "const code = p.content.widgets.filter(c => c.model.type === 'code'); "
        "const done = code.every(c => c.model.executionCount !== null) "
        "&& p.sessionContext.session.kernel.status === 'idle'; "
        "return done && code.map(c => c.model.executionCount); })()",
        timeout=timeout,
    )


def _outputs(page: Browser, panel: str) -> dict:
    """Error outputs (name: value), stderr tracebacks, image outputs in the notebook's model and
    images drawn in its page (loaded, with a width)."""
    return page.evaluate(
        f"(() => {{ const p = {panel}; "
        "const outs = p.content.widgets.filter(c => c.model.type === 'code')"
        "  .flatMap(c => c.model.outputs.toJSON()); "
        "const drawn = Array.from(p.node.querySelectorAll("
        "  '.jp-RenderedImage img, img.widget-image'))"
        "  .filter(i => i.complete && i.naturalWidth > 0).length; "
        "return {errors: outs.filter(o => o.output_type === 'error')"
        "          .map(o => o.ename + ': ' + o.evalue), "
        "  tracebacks: outs.filter(o => o.output_type === 'stream' && o.name === 'stderr'"
        "          && String(o.text).includes('Traceback')).map(o => String(o.text)), "
        "  images: outs.filter(o => o.data && o.data['image/png']).length, "
        "  widgets: outs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json'])"
        "          .length, drawn}; })()"
    )


def _close(page: Browser, panel: str) -> None:
    """Shut the notebook's kernel down and close it without saving."""
    page.evaluate_async(
        f"(async () => {{ const p = {panel}; await p.sessionContext.shutdown(); "
        "p.context.model.dirty = false; p.dispose(); return true; })()"
    )


def _screenshot(page: Browser, name: str, height: int | None = None) -> Path:
    shot = artifact_dir() / "lab" / f"{name}.png"
    shot.unlink(missing_ok=True)
    page.viewport_screenshot(shot, height=height)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    return shot


def _prefetch(page: Browser, name: str) -> None:
    """Open the notebook that runs next in the background, so that its kernel starts while this
    one runs (the runs themselves stay one after another)."""
    following = ORDER[ORDER.index(name) + 1 :]
    if following:
        page.evaluate(
            "window.jupyterapp.commands.execute('docmanager:open', "
            f"{{path: {json.dumps(following[0])}, options: {{activate: false}}}}), true"
        )


def _check_run(page: Browser, name: str) -> tuple[str, dict]:
    panel = _open(page, name)
    kernel = _kernel(page, panel)
    assert kernel == {**KERNEL, "toolbar": KERNEL["display_name"]}, f"{name}: {kernel}"
    _prefetch(page, name)
    counts = _run_all(page, panel)
    assert counts == sorted(counts) and len(set(counts)) == len(counts), f"{name}: {counts}"
    out = _outputs(page, panel)
    assert out["errors"] == [] and out["tracebacks"] == [], f"{name}: {out}"
    return panel, out


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name != EXPLORER], ids=lambda p: p.stem)
def test_notebook_runs_in_lab_on_the_project_kernel(page, path):
    panel, out = _check_run(page, path.name)
    assert out["images"] > 0, f"{path.name} shows no chart"
    page.wait_for(
        f"{panel}.node.querySelectorAll('.jp-RenderedImage img').length >= {out['images']}"
    )
    drawn = _outputs(page, panel)["drawn"]
    assert drawn == out["images"], f"{path.name}: {drawn} of {out['images']} charts drawn"
    page.evaluate(
        f"(() => {{ const p = {panel}; window.jupyterapp.shell.activateById(p.id); "
        "p.node.querySelector('.jp-RenderedImage').scrollIntoView(); return true; })()"
    )
    _screenshot(page, path.stem)
    _close(page, panel)


#: the explorer's parts in the page
EXPLORER_STATE = (
    "(() => { const q = s => document.querySelector('.escalation-explore ' + s) "
    "|| document.querySelector(s); "
    "const chart = document.querySelector('img.escalation-explore-chart'); "
    "return {status: document.querySelector('.escalation-explore-status').innerText, "
    "ok: !!document.querySelector('.escalation-explore-status .escalation-explore-ok'), "
    "table: document.querySelector('.escalation-explore-table').innerText, "
    "chart: chart ? chart.src : '', chart_width: chart ? chart.naturalWidth : 0, "
    "caption: document.querySelector('.escalation-explore-caption').innerText, "
    "event: q('.escalation-explore-event select').value, "
    "window: q('.escalation-explore-window input').value}; })()"
)


def _changed(page: Browser, before: dict, timeout: float = 60) -> dict:
    """Wait until the explorer shows a new, successful result; its state."""
    page.wait_for(
        f"(() => {{ const s = {EXPLORER_STATE}; return s.ok "
        f"&& s.table !== {json.dumps(before['table'])} "
        f"&& s.chart !== {json.dumps(before['chart'])} && s.chart_width > 0; }})()",
        timeout=timeout,
    )
    return page.evaluate(EXPLORER_STATE)


def test_the_explorer_works_in_lab(page):
    panel, out = _check_run(page, EXPLORER)
    assert out["widgets"] == 3, out  # the event, period and findings forest explorers
    page.wait_for(f"(() => {{ const s = {EXPLORER_STATE}; return s.ok && s.chart_width > 0; }})()")
    page.wait_for(f"{panel}.node.querySelectorAll('img.widget-image').length >= 3")
    first = page.evaluate(EXPLORER_STATE)
    assert "Suleimani strike" in first["status"] and first["window"] == "30"
    assert "12 attacks in 30 days after" in first["table"]
    page.evaluate("document.querySelector('.escalation-explore').scrollIntoView(), true")
    _screenshot(page, "00_explore", height=1400)

    # another event, picked in the page's own drop-down
    page.evaluate(
        "(() => { const s = document.querySelector('.escalation-explore-event select'); "
        "s.selectedIndex = Array.from(s.options).findIndex(o => o.text.includes('Pompeo')); "
        "s.dispatchEvent(new Event('change', {bubbles: true})); return s.selectedIndex; })()"
    )
    second = _changed(page, first)
    assert "embassy" in second["status"].lower() and second["event"] != first["event"]
    assert second["caption"] != first["caption"]
    # another window length, typed into the page's box
    page.evaluate(
        "(() => { const i = document.querySelector('.escalation-explore-window input'); "
        "i.value = '14'; i.dispatchEvent(new Event('change', {bubbles: true})); return true; })()"
    )
    third = _changed(page, second)
    assert third["window"] == "14" and "in 14 days after" in third["table"]
    assert "14 days before" in third["caption"] or "14 days" in third["caption"]
    _screenshot(page, "00_explore-changed", height=1400)
    _close(page, panel)
