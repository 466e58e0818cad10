"""The dask.distributed engine (issue 13, item 2): ``--scheduler tcp://HOST:PORT`` or ``local``.

Cells go through ``Client.submit`` / ``as_completed``; a ``WorkerPlugin`` runs ``worker_setup`` once
on every worker (also on workers that join later) with a Numba thread count computed for that
worker's host: max(1, cores // dask worker threads on the host), so nothing assumes one machine.
"""
from __future__ import annotations

import os
from typing import Any, Iterator

from distributed import Client, LocalCluster, WorkerPlugin
from distributed import as_completed as dask_completed

from .engines import compute, threads_for, worker_setup

__all__ = ["dask_results"]


class _Setup(WorkerPlugin):
    """dask WorkerPlugin: ``worker_setup`` with the thread count for the worker's own host."""

    name = "optproof-sweep-setup"

    def __init__(self, threads_by_host: dict[str, int], threads: int | None) -> None:
        self.threads_by_host, self.threads = threads_by_host, threads

    def setup(self, worker) -> None:
        host = worker.address.rsplit(":", 1)[0]
        on_host = self.threads_by_host.get(host, worker.state.nthreads)
        worker_setup(self.threads or threads_for(on_host, os.cpu_count()))


def _client(address: str, workers: int):
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    return Client(address, timeout="30s"), None


def dask_results(cells: list[dict[str, Any]], address: str, workers: int = 1,
                 threads: int | None = None) -> Iterator[dict]:
    """Run ``cells`` on dask.distributed: ``address`` "tcp://HOST:PORT" or "local" (a LocalCluster)."""
    client, cluster = _client(address, workers)
    try:
        client.wait_for_workers(1, timeout=120)
        by_host: dict[str, int] = {}
        for addr, info in client.scheduler_info()["workers"].items():
            host = addr.rsplit(":", 1)[0]
            by_host[host] = by_host.get(host, 0) + int(info.get("nthreads", 1))
        plugin = _Setup(by_host, threads)
        client.register_plugin(plugin, name=_Setup.name)
        futures = [client.submit(compute, c, pure=False) for c in cells]
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
