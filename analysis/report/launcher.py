"""A warm kernel's launcher: the process jupyter_client starts for each kernel forked by a forge.

jupyter_client starts one launcher per brief (:func:`analysis.report.warm.launcher_cmd`). It hands
the forge (:mod:`analysis.report.warm`) its working folder, environment and stdin/stdout/stderr,
stands in for the forked kernel (it forwards signals and exits with the kernel's exit status) and
does nothing else. It runs as a file, ``python -S .../launcher.py SOCKET -f CONNECTION``: standard
library only, no ``site`` and no ``analysis`` package, so starting it costs a bare interpreter
(15 ms of CPU, against 0.1 s for ``python -m analysis.report.warm``), once a page.

Without a forge to answer (it died, or never started) the launcher becomes a fresh kernel under a
shield (:mod:`analysis.report.shield`) in the same process (``exec``): nothing of the brief has
run yet, so nothing repeats, and jupyter_client keeps the process it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

#: signals a launcher passes on to its kernel (jupyter_client interrupts with SIGINT)
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)


def command(address: str, connection_file: str) -> list[str]:
    """The command that launches a kernel forked by the forge at ``address`` on
    ``connection_file``: this file, run without ``site`` (``-S``)."""
    return [sys.executable, "-S", os.path.abspath(__file__), address, "-f", connection_file]


def fresh_kernel(argv: Sequence[str]) -> list[str]:
    """The command of a fresh kernel under a shield, as a kernel without a forge runs: with
    ``site``, so the shield and ipykernel import."""
    kernel = [sys.executable, "-m", "ipykernel_launcher", *argv]
    return [sys.executable, "-m", "analysis.report.shield", *kernel]


def launch(address: str, argv: Sequence[str]) -> int:
    """Stand in for a kernel forked by the forge at ``address``: pass it this process's folder,
    environment and stdio, forward signals to it, and return its exit status. Without a forge,
    become a fresh kernel under a shield instead (:func:`fresh_kernel`, in this process)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(address)
        request = {"argv": list(argv), "cwd": os.getcwd(), "env": dict(os.environ)}
        reader = sock.makefile("rb")
        socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        first = reader.readline()
        pid = int(json.loads(first)["pid"]) if first else None
    except (OSError, ValueError, KeyError):
        pid = None
    if pid is None:  # no forge: nothing has run, so a fresh kernel (shielded) loses nothing
        sock.close()
        cmd = fresh_kernel(argv)
        os.execv(cmd[0], cmd)

    def forward(signum: int, frame: Any) -> None:
        try:
            sock.sendall(json.dumps({"signal": signum}).encode() + b"\n")
        except OSError:
            pass

    for sig in FORWARDED:
        signal.signal(sig, forward)
    line = reader.readline()
    if not line:  # the forge died, and its kernels with it
        return 1
    code = int(json.loads(line)["exit"])
    if code < 0:  # killed by a signal: end the same way, so the kernel manager sees it
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """``SOCKET KERNEL-ARGS...``: :func:`launch`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -S launcher.py SOCKET -f CONNECTION_FILE", file=sys.stderr)
        return 2
    return launch(args[0], args[1:])


if __name__ == "__main__":
    sys.exit(main())
