"""Warm kernels (analysis.report.warm): forked from a forge that imported the heavy modules, and
otherwise kernels like any other: same pages, signals passed on, nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import SESSION_NOW
from report_helpers import make_project, write_config, write_notebook

from analysis.errors import ConfigError
from analysis.report import warm
from analysis.report.runner import run
from analysis.report.warm import kernel_manager_class

pytestmark = pytest.mark.skipif(not warm.available(), reason="warm kernels fork: Linux only")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def forge():
    with warm.Forge() as f:
        assert f.ready(), "the forge did not come up"
        yield f


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] not in "ZX"
    except OSError:
        return False


def _wait_gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


async def _started(address: str | None):
    """A started kernel (its manager and a ready client), forked from ``address`` (None: a
    fresh kernel)."""
    if address is None:
        km = kernel_manager_class(False)(kernel_name="python3")
    else:
        km = kernel_manager_class(True)(kernel_name="python3", forge=address)
    await km.start_kernel(cwd=str(ROOT))
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    return km, kc


async def _run(kc, code: str) -> str:
    out: list[str] = []

    def hook(msg) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    await kc.execute_interactive(code, output_hook=hook, timeout=60)
    return "".join(out)


def test_a_warm_kernel_is_forked_from_the_forge_with_the_modules_imported(forge):
    async def go():
        km, kc = await _started(forge.address)
        try:
            said = await _run(  # its parent, and its parent's parent (from /proc)
                kc,
                "import os, sys; ppid = os.getppid()\n"
                "up = open(f'/proc/{ppid}/stat').read().rsplit(')', 1)[1].split()[1]\n"
                "print(ppid, up, 'statsmodels.api' in sys.modules)",
            )
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()
        return said

    ppid, up, preloaded = asyncio.run(go()).split()
    # forked from the forge, under a shield of its own: a cell killing its parent kills that
    assert int(ppid) != forge.process.pid and int(up) == forge.process.pid
    assert preloaded == "True"


#: libraries a brief's kernel must find imported by its forge (each costs 0.1 s or more)
HEAVY = ("pandera", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "pyarrow", "PIL")


def test_a_brief_imports_no_library_or_loader_its_forge_did_not(forge):
    # what a brief's first cell does: its imports, then the loaders (modules loaded on first
    # use, such as analysis.data's loaders and their schemas, must be in the forge already)
    code = (
        "import sys; before = set(sys.modules)\n"
        "from analysis.briefs import defaults, event_brief\n"
        "from analysis.data import load_events, load_incidents, load_reported_counts\n"
        "from analysis.sources.raw import load_source\n"
        "load_source('curated'); load_events(); load_reported_counts()\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )

    async def go():
        km, kc = await _started(forge.address)
        try:
            return (await _run(kc, code)).split()
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()

    new = asyncio.run(go())
    assert not [m for m in new if m.split(".")[0] in HEAVY], new
    assert "analysis.data.load" not in new and "analysis.briefs.event" not in new, new


def test_killing_the_launcher_kills_its_kernel_and_interrupts_reach_it(forge):
    async def go():
        km, kc = await _started(forge.address)
        try:
            kernel = int(await _run(kc, "import os; print(os.getpid())"))
            launcher = km.provisioner.process.pid
            assert kernel != launcher and _alive(kernel)
            # an interrupt (SIGINT to the launcher, as jupyter_client sends it) stops a cell
            msg_id = kc.execute("import time; time.sleep(60)")
            await asyncio.sleep(1.0)
            await km.interrupt_kernel()
            reply = await kc.get_shell_msg(timeout=20)
            assert reply["parent_header"]["msg_id"] == msg_id
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            os.kill(launcher, signal.SIGKILL)  # what jupyter_client's kill does
            return kernel
        finally:
            kc.stop_channels()
            await km.cleanup_resources()

    kernel = asyncio.run(go())
    assert _wait_gone(kernel), "the kernel outlived its launcher"


def test_a_launcher_without_a_forge_starts_a_fresh_kernel(tmp_path):
    async def go():
        km, kc = await _started(str(tmp_path / "no-forge.sock"))
        try:
            return await _run(kc, "import sys; print('statsmodels.api' in sys.modules)")
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()

    assert asyncio.run(go()).strip() == "False"


@pytest.mark.parametrize("kind", ["warm", "fresh"])
def test_a_kernel_talks_over_unix_sockets_in_a_private_folder_removed_with_it(forge, kind):
    """No TCP port on localhost: one found free could be taken by another process's kernel
    before this one binds it (its client would wait 60 s for an answer)."""

    async def go():
        km, kc = await _started(forge.address if kind == "warm" else None)
        try:
            seen = await _run(
                kc,
                "from ipykernel.kernelapp import IPKernelApp\n"
                "app = IPKernelApp.instance()\nprint(app.transport, app.ip)",
            )
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()
        return km.connection_file, seen.split()

    connection_file, (transport, ip) = asyncio.run(go())
    folder = Path(connection_file).parent
    assert transport == "ipc" and Path(ip).parent == folder, (transport, ip, connection_file)
    assert folder.name.startswith("escalation-kernel-")
    assert not folder.exists(), "the kernel's folder outlived it"


@pytest.mark.parametrize("kind", ["warm", "fresh"])
def test_a_briefs_kernel_keeps_no_ipython_history(forge, kind):
    """A brief's cells stay out of the user's history database (and two kernels at once do not
    write to it, a commit per cell)."""

    async def go():
        km, kc = await _started(forge.address if kind == "warm" else None)
        try:
            return await _run(
                kc,
                "print(get_ipython().history_manager.enabled)",
            )
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()

    assert asyncio.run(go()).strip() == "False"


def test_a_kernels_private_folder_is_its_users_alone():
    km = kernel_manager_class(False)(kernel_name="python3")
    folder = Path(km.connection_file).parent
    try:
        assert km.transport == "ipc" and km.ip == str(folder / "kernel-ipc")
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        asyncio.run(km.cleanup_resources())
    assert not folder.exists()


def test_stopping_the_forge_stops_its_kernels():
    f = warm.Forge()
    assert f.ready()

    async def go():
        km, kc = await _started(f.address)
        kernel = int(await _run(kc, "import os; print(os.getpid())"))
        f.stop()
        kc.stop_channels()
        await km.cleanup_resources()
        return kernel, km

    kernel, km = asyncio.run(go())
    assert _wait_gone(kernel) and not Path(f.address).exists()


def test_a_file_a_brief_left_open_is_flushed_when_its_kernel_ends(forge, tmp_path):
    target = tmp_path / "left-open.txt"

    async def go():
        km, kc = await _started(forge.address)
        await _run(kc, f"fh = open({str(target)!r}, 'w'); fh.write('written')")
        kc.stop_channels()
        await km.shutdown_kernel()

    asyncio.run(go())
    assert target.read_text() == "written"


def test_the_kernel_mode_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(warm.KERNELS_ENV, raising=False)
    assert warm.kernel_mode(None) == "warm"
    monkeypatch.setenv(warm.KERNELS_ENV, "fresh")
    assert warm.kernel_mode(None) == "fresh" and warm.kernel_mode("warm") == "warm"
    monkeypatch.setenv(warm.KERNELS_ENV, "tepid")
    with pytest.raises(ConfigError, match=r"\$ESCALATION_KERNELS: expected one of warm, fresh"):
        warm.kernel_mode(None)
    with pytest.raises(ConfigError, match="--kernels"):
        warm.kernel_mode("hot")


def test_a_page_built_on_a_warm_kernel_is_the_page_a_fresh_kernel_builds(shipped_site, tmp_path):
    """The shipped site is built on warm kernels; one of its event briefs, charts and all,
    built again on a fresh kernel, is the same page byte for byte but for its build time."""
    import re

    from analysis.paths import DEFAULT_CONFIG

    name = "suleimani_strike"
    fresh = run(
        DEFAULT_CONFIG, site=tmp_path / "fresh", only=[name], kernels="fresh", now=SESSION_NOW
    )
    assert fresh.built == [name], fresh.failed

    def page(site: Path) -> bytes:
        built_at = rb'<tr><th scope="row">built at \(UTC\)</th><td><code>[^<]*</code></td></tr>'
        return re.sub(built_at, b"", (site / f"{name}.html").read_bytes())

    warm_page = page(shipped_site)
    assert b"data:image/png;base64," in warm_page and b"built at" not in warm_page
    assert page(tmp_path / "fresh") == warm_page


def test_two_briefs_on_a_warm_pool_each_see_their_own_data_folder(tmp_path):
    """The forge imported analysis.paths with the runner's environment; every kernel still
    reads its own brief's $ESCALATION_DATA_DIR."""
    p = make_project(tmp_path)
    look = (
        "import os\nfrom analysis import paths\nfrom analysis.report.glue import glue\n"
        "glue('title', 'd')\nglue('headline', 'where')\nglue('dir', str(paths.data_dir()))"
    )
    nb = write_notebook(p["root"] / "notebooks" / "where.ipynb", look)
    config = write_config(p["root"] / "where.yml", {"where": (nb, {})})
    report = run(config, site=p["site"], data_dir=p["data"], kernels="warm")
    assert report.outcomes["where"].glued["dir"] == str(p["data"].resolve())


def test_a_kernel_is_ready_once_its_start_up_messages_are_read(forge):
    """The runner's client stops reading IOPub at the kernel's ``idle`` for its kernel_info
    (jupyter_client always waits for 0.2 s of silence: a fixed 0.2 s a brief), and the first
    cell then gets its own output only. (When the subscription connects after that ``idle`` was
    sent, as on a busy machine, the client waits for silence as jupyter_client does.)"""
    from queue import Empty

    from analysis.report.kernel_client import ReadyKernelClient

    async def go():
        km = kernel_manager_class(True)(kernel_name="python3", forge=forge.address)
        await km.start_kernel(cwd=str(ROOT))
        kc = km.client()
        read, silences = [], []
        get_msg = None

        async def counted(*args, **kwargs):
            try:
                msg = await get_msg(*args, **kwargs)
            except Empty:
                silences.append(kwargs.get("timeout"))
                raise
            read.append(msg)
            return msg

        kc.start_channels()
        get_msg = kc.iopub_channel.get_msg
        kc.iopub_channel.get_msg = counted
        try:
            await kc.wait_for_ready(timeout=60)
            seen, waited = list(read), list(silences)
            said = await _run(kc, "print('own output')")
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()
        return kc, seen, waited, said

    kc, seen, waited, said = asyncio.run(go())
    assert isinstance(kc, ReadyKernelClient)
    last = seen[-1] if seen else {}
    if last.get("msg_type") == "status" and last["content"].get("execution_state") == "idle":
        assert waited == [], f"waited for IOPub silence after its idle ({len(waited)} time(s))"
    else:
        assert len(waited) == 1 and seen, "IOPub neither reached its idle nor fell silent once"
    assert said == "own output\n"


def test_the_start_up_read_stops_at_its_idle_or_at_silence():
    """Without the ``idle`` for its request the client does as jupyter_client does: IOPub that
    said anything is connected (ready); IOPub that said nothing is not (ask again)."""
    from queue import Empty

    from analysis.report.kernel_client import ReadyKernelClient

    def status(state: str, parent: str | None) -> dict:
        header = {"msg_id": parent} if parent else {}
        return {
            "msg_type": "status",
            "content": {"execution_state": state},
            "parent_header": header,
        }

    class Channel:
        def __init__(self, msgs):
            self.msgs = list(msgs)

        async def get_msg(self, timeout=None):
            if not self.msgs:
                raise Empty
            return self.msgs.pop(0)

        def is_alive(self) -> bool:
            return False

    def read(msgs, request="ours"):
        client = ReadyKernelClient()
        channel = Channel(msgs)
        client._iopub_channel = channel  # what the iopub_channel property returns once made
        return asyncio.run(client._startup_read(request)), channel.msgs

    welcome = {"msg_type": "iopub_welcome", "content": {}, "parent_header": {}}
    later = {"msg_type": "stream", "content": {}, "parent_header": {}}
    got, left = read([welcome, status("busy", "ours"), status("idle", "ours"), later])
    assert got is True and left == [later]  # stopped at its idle; nothing after it read
    assert read([welcome, status("idle", "other")]) == (True, [])  # connected, then silence
    assert read([]) == (False, [])  # nothing came: not connected yet


def test_the_forge_reads_the_case_file_once_for_its_kernels(tmp_path):
    """A forge given the run's data folder reads its case file before forking, so its kernels
    find it read; a case file the forge cannot read leaves the forge up (the brief reports it)."""
    from conftest import copy_data

    data = copy_data(tmp_path / "data")
    bad = copy_data(tmp_path / "bad")
    (bad / "case.yml").write_text("name: [unclosed\n", encoding="utf-8")
    probe = (
        "import os\nfrom analysis import case\n"
        "print(sorted(k[0] for k in case._CACHE))"  # what the kernel found already read
    )

    async def go(address: str) -> str:
        km, kc = await _started(address)
        try:
            return await _run(kc, probe)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()

    with warm.Forge(data_dir=str(data)) as good:
        assert good.ready()
        read = asyncio.run(go(good.address))
    assert str(data / "case.yml") in read
    with warm.Forge(data_dir=str(bad)) as broken:
        assert broken.ready(), "a bad case file stopped the forge"
        assert asyncio.run(go(broken.address)).strip() == "[]"
