"""Warm kernels: each brief's Jupyter kernel is forked from a process that has already imported
the heavy modules, so a brief pays for its own cells, not for starting Python and importing
pandas, statsmodels, matplotlib, IPython and ``analysis`` (2 to 3 s of CPU per brief).

A *forge* (:func:`serve`, one per run of the local pool, one per Dask worker) imports
:data:`PRELOAD` once and listens on a Unix socket. Each kernel jupyter_client starts is a tiny
*launcher* (:mod:`analysis.report.launcher`, ``python -S launcher.py SOCKET -f CONNECTION``,
standard library only) that hands the forge its working folder, its environment and its
stdin/stdout/stderr; the forge forks a child that becomes an ordinary ``ipykernel`` kernel on
that connection file. To jupyter_client, papermill and nbclient it is a kernel like any other:
the launcher stands in for its process (it forwards interrupts and other signals, and exits
with the kernel's exit status), so timeouts, interrupts and shutdowns behave as with a fresh
kernel.

No state passes between briefs: every kernel is a fresh fork of the forge, which imports
modules and never runs a brief's code; a brief's variables, module changes and environment die
with its process. Each kernel is forked under a shield of its own (a second fork: its parent,
which passes on signals and ends as the kernel ends), so a cell that kills its parent ends its
own brief, never the forge and its other kernels. The kernel reseeds ``random`` and numpy's
global generator (a fresh process would draw new seeds), takes the brief's environment whole (so
``$ESCALATION_DATA_DIR`` and the charts backend are the brief's, not the forge's) and imports the
inline charts backend itself, inside its own shell, as a fresh kernel does.

Forking is POSIX only and unsafe on macOS once some system frameworks are loaded, so warm
kernels are the default on Linux only (:func:`available`); elsewhere, or with
``--kernels fresh``, every brief starts a fresh kernel, under a :mod:`~analysis.report.shield`
of its own. A launcher that cannot reach its forge (it died, or never started) starts a fresh
kernel instead: nothing of the brief has run yet, so nothing repeats. A forge that dies while
its kernels run takes them with it; :func:`analysis.report.execute.execute_retrying` runs those
briefs again from the start on fresh kernels.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from analysis.paths import DATA_DIR_ENV
from analysis.report import launcher, shield
from analysis.report.lifetime import die_with_parent, preexec_die_with_parent

#: what a forge imports before it forks its first kernel: what every brief's notebook imports
#: (IPython and ipykernel, the scientific stack, the ``analysis`` rooms the notebooks call).
#: Not the inline charts backend: a kernel must import that itself (it hooks into its shell).
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # imported by every kernel's start (debugpy: 0.07 s)
    "psutil",  # as is psutil (jupyter_client's local interfaces)
    "numpy",
    "pandas",
    "pyarrow.pandas_compat",  # loaded by pandas at a table's first conversion
    "pyarrow.vendored.version",
    "scipy.stats",
    "statsmodels.api",
    "matplotlib.pyplot",
    "analysis.briefs",
    "analysis.briefs.defaults",
    "analysis.briefs.outlook",
    "analysis.data.load",  # the package loads its loaders (pandera, the schemas) on first use
    "analysis.models",
    "analysis.report.glue",
    "analysis.sources.raw",
)
#: ``--kernels`` values: forked from a warm forge, or a fresh Python per brief
KERNEL_MODES = ("warm", "fresh")
#: the environment variable giving the kernel mode when ``--kernels`` is not given
KERNELS_ENV = "ESCALATION_KERNELS"
#: modules a kernel must import for itself, inside its own shell
_KERNEL_ONLY = ("matplotlib_inline.backend_inline",)
#: what every brief's kernel is started with: no IPython history. A brief's cells are the
#: notebook's, not the user's typing: they stay out of ``~/.ipython``'s history database, which
#: two kernels at once would otherwise write to (a commit per cell, in a thread) and lock
KERNEL_ARGS = ("--HistoryManager.enabled=False",)


def available() -> bool:
    """True where warm kernels are the default: Linux (``fork`` with every library loaded)."""
    return sys.platform.startswith("linux")


def kernel_mode(given: str | None) -> str:
    """``given`` (``--kernels``), else ``$ESCALATION_KERNELS``, else ``warm`` where
    :func:`available`, else ``fresh``. An unknown value is a ``ConfigError`` naming its origin."""
    where = "--kernels"
    if given is None:
        given, where = os.environ.get(KERNELS_ENV, "").strip() or None, f"${KERNELS_ENV}"
    if given is None:
        return "warm" if available() else "fresh"
    if given not in KERNEL_MODES:
        from analysis.errors import ConfigError

        raise ConfigError(f"{where}: expected one of {', '.join(KERNEL_MODES)}, got {given!r}")
    return given


def launcher_cmd(address: str, connection_file: str) -> list[str]:
    """The command jupyter_client runs for a warm kernel on ``connection_file``: its launcher
    (:mod:`analysis.report.launcher`, a bare interpreter), with :data:`KERNEL_ARGS`."""
    return [*launcher.command(address, connection_file), *KERNEL_ARGS]


# --- the kernel manager -----------------------------------------------------------------------


@cache
def kernel_manager_class(warm: bool = False) -> type:
    """jupyter_client's kernel manager whose kernels die with the process that started them;
    ``warm``: each kernel is forked from the forge at the manager's ``forge`` trait (a
    :class:`Forge`'s socket, given as traitlets config: :func:`forge_config`), or started fresh
    when it has none. One class per kind, whatever the forge, in a long-lived process too."""
    from jupyter_client import AsyncKernelManager
    from traitlets import CaselessStrEnum, Type, Unicode, default

    class ChildKernelManager(AsyncKernelManager):
        """Starts each kernel under a :mod:`~analysis.report.shield` of its own, which dies with
        this worker (:func:`~analysis.report.lifetime.die_with_parent`); its client is ready as
        soon as the kernel has answered, and a shutdown is seen within 10 ms of the kernel's end
        (jupyter_client waits 0.2 s of silence, and looks every 0.1 s).

        On POSIX the kernel and its client talk over Unix sockets in a private folder of the
        kernel's own (mode 0700, removed with the kernel), not TCP ports on localhost: a port
        found free can be taken by another process's kernel before this one binds it, and the
        client then waits 60 s for an answer that never comes (seen with two test workers
        starting kernels at once)."""

        client_factory = Type(
            "analysis.report.kernel_client.ReadyKernelClient",
            klass="jupyter_client.asynchronous.AsyncKernelClient",
            config=True,
        )
        transport = CaselessStrEnum(
            ["tcp", "ipc"], default_value="ipc" if os.name == "posix" else "tcp", config=True
        )

        _private_dir: str | None = None

        @default("connection_file")
        def _private_connection_file(self) -> str:
            # a Unix socket's path (this file's, "-ipc-" and a number) is 107 bytes at most
            self._private_dir = tempfile.mkdtemp(prefix="escalation-kernel-")
            return os.path.join(self._private_dir, "kernel.json")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if not restart and self._private_dir is not None:
                shutil.rmtree(self._private_dir, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources  # the base's alias would skip the folder

        async def _async_finish_shutdown(
            self, waittime: float | None = None, pollinterval: float = 0.1, restart: bool = False
        ) -> None:
            await super()._async_finish_shutdown(waittime, min(pollinterval, 0.01), restart)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("preexec_fn", preexec_die_with_parent(os.getpid()))
            await super()._async_launch_kernel(kernel_cmd, **kw)

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            # under a shield of its own: a cell that kills its parent ends only its brief
            extra = [*(extra_arguments or []), *KERNEL_ARGS]
            return shield.command(super().format_kernel_cmd(extra))

    if not warm:
        return ChildKernelManager

    class WarmKernelManager(ChildKernelManager):
        """Forks each kernel from the warm forge at :attr:`forge` (through a launcher)."""

        forge = Unicode(None, allow_none=True, config=True, help="the warm forge's socket")

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            if self.forge is None:
                return super().format_kernel_cmd(extra_arguments)
            return launcher_cmd(self.forge, self.connection_file)

    return WarmKernelManager


def forge_config(address: str) -> Any:
    """The traitlets config giving :func:`kernel_manager_class` ``(True)``'s managers (and their
    subclasses) the forge at ``address``; papermill hands it to the manager it creates."""
    from traitlets.config import Config

    return Config({"WarmKernelManager": {"forge": address}})


# --- the forge --------------------------------------------------------------------------------


class Forge:
    """A running forge process: its socket ``address`` and its process; stop it with
    :meth:`stop` (or use it as a context manager). It dies with the process that started it."""

    def __init__(self, preload: Sequence[str] = PRELOAD, data_dir: str | None = None) -> None:
        import subprocess

        self._dir = tempfile.mkdtemp(prefix="escalation-forge-")
        self.address = os.path.join(self._dir, "forge.sock")
        env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        if data_dir is not None:  # the run's data folder: its case file is read once, here
            env[DATA_DIR_ENV] = str(data_dir)
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, "serve", self.address, *_named(preload)],
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=preexec_die_with_parent(os.getpid()),
        )

    def ready(self, timeout: float = 120.0) -> bool:
        """Wait until the forge has imported :data:`PRELOAD` and answers (at most ``timeout``
        seconds); False if it died or did not answer in time."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if answers(self.address, max(0.1, deadline - time.monotonic())):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the forge (its kernels are killed with it) and remove its socket."""
        import shutil

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Forge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def answers(address: str, timeout: float = 5.0) -> bool:
    """True when a forge listens on ``address`` and answers a ping within ``timeout`` seconds
    (False for a forge that died: its socket file may stay, but nobody accepts on it)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b'{"ping": true}\n')
            return sock.makefile("rb").readline().strip() == b'{"pong": true}'
    except OSError:
        return False


def _named(preload: Sequence[str]) -> list[str]:
    """The forge's module arguments: none for the default :data:`PRELOAD`."""
    return [] if tuple(preload) == PRELOAD else list(preload)


@dataclass(frozen=True)
class _Forked:
    """What a freshly forked child takes out of the forge's loop to become a kernel."""

    request: dict
    fds: list[int]
    forge: int


def serve(address: str, preload: Sequence[str] = PRELOAD) -> _Forked | None:
    """Run a forge on the Unix socket ``address``: import ``preload``, then fork a kernel for
    each launcher that connects, tell it the kernel's pid and, when the kernel ends, its exit
    status. A launcher that goes away takes its kernel with it (SIGKILL). Runs until SIGTERM,
    which kills every kernel it forked, and returns None; returns the kernel's request in each
    forked child, which :func:`main` then turns into a kernel."""
    import importlib
    import selectors

    # as Python's gc docs advise for fork without exec: no collection in the forge leaves holes
    # in the pages its kernels share, and frozen objects are never touched by a kernel's
    # collections (no copy-on-write of the whole heap, and shorter collections in every kernel)
    gc.disable()
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.getcwd():
        del sys.path[0]  # as ipykernel_launcher does; the kernel's shell puts '' back
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(128)  # launchers wait in the backlog while the imports run
    # debugpy warns on import that frozen modules may hide breakpoints: not for a forge's stderr
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in preload:
        importlib.import_module(name)
    if tuple(preload) == PRELOAD:
        _warm_up()
    for name in _KERNEL_ONLY:
        sys.modules.pop(name, None)
    gc.freeze()
    kernels: dict[int, socket.socket] = {}
    of_conn: dict[socket.socket, int] = {}
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the runner, which stops us
    # a kernel's end wakes the loop at once (its launcher, and so the run, waits for the news)
    ended, ended_w = os.pipe()
    os.set_blocking(ended, False)
    os.set_blocking(ended_w, False)
    signal.set_wakeup_fd(ended_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(ended, selectors.EVENT_READ)
    forked: _Forked | None = None
    try:
        while not stopping:
            for key, _ in sel.select(timeout=0.05):
                conn = key.fileobj
                if conn is listener:
                    forked = _accept(listener, sel, kernels, of_conn)
                    if forked is not None:  # in the kernel: the forge's sockets are not its own
                        signal.set_wakeup_fd(-1)
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        for sock in [listener, *of_conn]:
                            sock.close()
                        sel.close()
                        os.close(ended)
                        os.close(ended_w)
                        return forked
                elif conn == ended:
                    while _drained(ended):
                        pass
                else:
                    _from_launcher(conn, sel, kernels, of_conn)  # type: ignore[arg-type]
            _reap(sel, kernels, of_conn)
    finally:
        if forked is None:
            for pid in list(kernels):
                _kill(pid, signal.SIGKILL)
            listener.close()
            try:
                os.unlink(address)
            except OSError:
                pass
    return None


def _warm_up() -> None:
    """Do once in the forge what every kernel would do first: read and check the data folder's
    case file (``$ESCALATION_DATA_DIR``; a kernel finds it cached while the file is unchanged)
    and look up the local interfaces a kernel's connection needs. A failure here is left for
    the brief itself to meet and report, naming its file: the forge must come up regardless."""
    try:
        from jupyter_client import localinterfaces

        from analysis import case

        localinterfaces.localhost()
        case.current()
    except Exception:  # a bad case file is the brief's to report, not the forge's
        return


def _drained(fd: int) -> bool:
    """Read what is waiting on the non-blocking ``fd``; False once nothing is left."""
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _accept(listener: socket.socket, sel: Any, kernels: dict, of_conn: dict) -> _Forked | None:
    """Take one launcher's request and fork its kernel (or answer a ping); returns what the
    child needs in the child, None in the forge."""
    import selectors

    conn, _ = listener.accept()
    conn.settimeout(10)
    try:
        data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
        while not data.endswith(b"\n"):
            more = conn.recv(1 << 16)
            if not more:
                raise OSError("the launcher hung up before its request was whole")
            data += more
        request = json.loads(data)
    except (OSError, ValueError):
        conn.close()
        return None
    if request.get("ping"):
        conn.sendall(b'{"pong": true}\n')
        conn.close()
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    forge = os.getpid()
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the kernel: leaves the forge's loop
        conn.close()
        return _Forked(request, fds, forge)
    for fd in fds:
        os.close(fd)
    conn.settimeout(None)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except OSError:
        _kill(pid, signal.SIGKILL)
    kernels[pid] = conn
    of_conn[conn] = pid
    sel.register(conn, selectors.EVENT_READ)
    return None


def _from_launcher(conn: socket.socket, sel: Any, kernels: dict, of_conn: dict) -> None:
    """A signal to pass on, or the launcher gone (its kernel is killed)."""
    pid = of_conn.get(conn)
    try:
        data = conn.recv(4096)
    except OSError:
        data = b""
    if not data:
        sel.unregister(conn)
        conn.close()
        of_conn.pop(conn, None)
        if pid is not None and pid in kernels:
            kernels[pid] = None  # type: ignore[assignment]  # reaped later, nobody to tell
            _kill(pid, signal.SIGKILL)
        return
    for line in data.splitlines():
        try:
            signum = int(json.loads(line)["signal"])
        except (ValueError, KeyError, TypeError):
            continue
        if pid is not None:
            _kill(pid, signum)


def _reap(sel: Any, kernels: dict, of_conn: dict) -> None:
    """Collect ended kernels and tell each one's launcher its exit status."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
        except OSError:
            pass
        sel.unregister(conn)
        of_conn.pop(conn, None)
        conn.close()


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _under_shield(forked: _Forked) -> _Forked:
    """In a child the forge forked: fork once more. The grandchild becomes the kernel, with
    this process as its parent (returned: its request, to die with this process); this process
    stays a shield between kernel and forge, as :mod:`~analysis.report.shield` is for a fresh
    kernel: it passes on the signals the forge forwards, then ends as the kernel ended. So a
    cell that kills its parent ends its own brief, not the forge and every kernel it forked."""
    die_with_parent(forked.forge)
    kernel = os.fork()
    if kernel == 0:
        return replace(forked, forge=os.getppid())
    for fd in forked.fds:  # the kernel's stdio: its own now
        os.close(fd)

    def pass_on(signum: int, frame: Any) -> None:
        _kill(kernel, signum)

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for sig in launcher.FORWARDED:
        signal.signal(sig, pass_on)
    _, status = os.waitpid(kernel, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # killed by a signal: end the same way, so the forge reports it so
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)


def _become_kernel(forked: _Forked) -> int:
    """In a forked child: take the launcher's stdio, folder and environment, reseed the random
    generators, and run an ``ipykernel`` kernel; return its exit status (the process then ends
    as any Python program does: atexit handlers, open files flushed)."""
    request = forked.request
    gc.enable()  # over the kernel's own objects only: the forge's are frozen
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    die_with_parent(forked.forge)  # a kernel never outlives its forge
    for target, fd in zip((0, 1, 2), forked.fds, strict=False):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    from ipykernel import kernelapp

    # a trait read from the environment when ipykernel was imported (in the forge)
    parent = int(os.environ.get("JPY_PARENT_PID") or 0)
    code = 0
    try:
        kernelapp.IPKernelApp.launch_instance(parent_handle=parent)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _exit_quickly(code)
    return code  # pragma: no cover - _exit_quickly does not return


def _exit_quickly(code: int) -> None:
    """End the kernel as Python would, without tearing down the heap it shares with the forge
    (finalizing every module pandas, statsmodels and matplotlib loaded takes seconds): run the
    atexit handlers, flush every open file, then leave."""
    import atexit
    import io

    atexit._run_exitfuncs()
    for obj in gc.get_objects():  # the kernel's own objects: the forge's are frozen
        if isinstance(obj, io.IOBase):
            try:
                if not obj.closed and obj.writable():
                    obj.flush()
            except (OSError, ValueError):
                pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """``serve SOCKET [MODULE ...]``: run a forge (:func:`serve`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) >= 2 and args[0] == "serve":
        forked = serve(args[1], args[2:] or PRELOAD)
        return _become_kernel(_under_shield(forked)) if forked is not None else 0
    print("usage: python -m analysis.report.warm serve SOCKET [MODULE ...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
