"""Warm kernels on Dask workers: a worker plugin that keeps one warm forge per worker.

The cluster's counterpart of the local pool's forge (:mod:`analysis.report.warm`): the client
registers :class:`WarmKernels` on every worker (once; workers that join later get it from the
scheduler), each worker starts a forge beside itself, and each brief the worker executes forks
its kernel from it. The forge lives as long as the worker (it dies with it) and is stopped with
the plugin. Imported only when a run uses a cluster: it imports ``distributed``.
"""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin, get_worker

from analysis.report.warm import Forge

#: the plugin's name on each worker
NAME = "escalation-warm-kernels"


class WarmKernels(WorkerPlugin):
    """Starts a :class:`~analysis.report.warm.Forge` on a worker; stops it at teardown."""

    name = NAME

    def __init__(self) -> None:
        self.forge: Forge | None = None

    def setup(self, worker: Any) -> None:
        self.forge = Forge()  # starts importing now; the first brief waits for it if need be

    def teardown(self, worker: Any) -> None:
        if self.forge is not None:
            self.forge.stop()
            self.forge = None

    def address(self) -> str | None:
        """The running forge's socket, or None if it is gone."""
        forge = self.forge
        return forge.address if forge is not None and forge.process.poll() is None else None


def has_forge(dask_worker: Any) -> bool:
    """On a worker (``client.run``): True when its warm forge is running."""
    plugin = dask_worker.plugins.get(NAME)
    return isinstance(plugin, WarmKernels) and plugin.address() is not None


def ensure(client: Any) -> None:
    """Have a running forge on every worker of ``client``'s cluster (registering the plugin
    when one lacks it; the scheduler gives it to workers that join later)."""
    if not all(client.run(has_forge).values()):
        client.register_plugin(WarmKernels(), name=NAME)


def worker_forge() -> str | None:
    """In a task: this worker's forge socket, or None (no plugin, or its forge died: the brief
    then gets a fresh kernel)."""
    try:
        plugin = get_worker().plugins.get(NAME)
    except ValueError:  # not on a worker
        return None
    return plugin.address() if isinstance(plugin, WarmKernels) else None
