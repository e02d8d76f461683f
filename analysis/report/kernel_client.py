"""The client the runner's kernel managers hand to papermill: jupyter_client's asynchronous
client, ready as soon as the kernel has answered, not 0.2 s later.

jupyter_client's ``wait_for_ready`` ends by reading IOPub until it has been silent for 0.2 s
(to drop the start-up messages), so every kernel costs a fixed 0.2 s of waiting: 40 s of a
200-page sweep. The kernel tells when its start-up messages are over: it publishes ``idle`` for
the ``kernel_info`` request it answered. :class:`ReadyKernelClient` reads IOPub up to that
message; if IOPub is silent for 0.2 s first (its subscription was not yet connected), it does as
jupyter_client does: asks again when nothing came, else stops there.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client import KernelManager
from jupyter_client.asynchronous import AsyncKernelClient

__all__ = ["IOPUB_QUIET", "ReadyKernelClient"]

#: seconds of IOPub silence after which the start-up messages are taken to be over (as in
#: jupyter_client)
IOPUB_QUIET = 0.2
#: seconds to wait for a ``kernel_info`` reply before asking again (as in jupyter_client)
_REPLY_WAIT = 1.0


class ReadyKernelClient(AsyncKernelClient):
    """An :class:`~jupyter_client.asynchronous.AsyncKernelClient` whose :meth:`wait_for_ready`
    returns once the kernel's start-up messages are read (see the module's docstring)."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait (at most ``timeout`` seconds, None: no limit) until the kernel answers
        ``kernel_info`` and its IOPub messages for it are read; raise RuntimeError if the kernel
        dies or the time runs out first."""
        if not isinstance(self.parent, KernelManager):  # not started by a manager: the usual way
            await super().wait_for_ready(timeout=timeout)
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=_REPLY_WAIT)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if await self._startup_read(reply["parent_header"].get("msg_id")):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if deadline is not None and time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _startup_read(self, request: str | None) -> bool:
        """Read IOPub up to the kernel's ``idle`` for ``request``: True; or until it is silent
        for :data:`IOPUB_QUIET` s: True if any message came (connected), False if none."""
        seen = False
        while True:
            try:
                msg: dict[str, Any] = await self.iopub_channel.get_msg(timeout=IOPUB_QUIET)
            except Empty:
                return seen
            seen = True
            if (
                msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
                and request is not None
                and msg["parent_header"].get("msg_id") == request
            ):
                return True
