"""Engines that run cells (issue 13, item 2): a local process pool, or dask.distributed.

``pool_results(cells, workers)`` here and ``dask_engine.dask_results(cells, address, workers)`` yield
each finished cell (in completion order — the files do not depend on it).  Every worker first calls
``worker_setup(threads)``: it caps Numba's threads so that worker processes x threads <= the cores
of its machine, and warms the Numba cache once (``optproof.sim.warmup``).  Nothing assumes one
machine: dask workers compute their thread count from the cores of their own host and the number
of dask worker threads the scheduler reports on that host; cells travel with their data.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Iterator

from .cell import run_cell

__all__ = ["worker_setup", "compute", "pool_results", "threads_for"]

_THREADS: int | None = None


def threads_for(workers_on_host: int, cores: int | None = None) -> int:
    """Numba threads per worker so that workers x threads <= cores: max(1, cores // workers)."""
    if cores is None:
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, workers_on_host))


def worker_setup(threads: int) -> None:
    """Once per worker process: cap Numba's threads at ``threads`` and warm the Numba cache."""
    global _THREADS
    _THREADS = int(threads)
    os.environ.setdefault("NUMBA_NUM_THREADS", str(_THREADS))
    import numba

    from optproof import sim

    numba.set_num_threads(min(_THREADS, numba.config.NUMBA_NUM_THREADS))
    sim.warmup()


def compute(params: dict[str, Any]) -> dict[str, Any]:
    """The task a worker runs: one cell, under its thread cap (``set_num_threads`` is per thread)."""
    if _THREADS is not None:
        import numba

        numba.set_num_threads(min(_THREADS, numba.config.NUMBA_NUM_THREADS))
    return run_cell(params)


def pool_results(cells: list[dict[str, Any]], workers: int, threads: int | None = None) -> Iterator[dict]:
    """Run ``cells`` on a spawn-context process pool of ``workers`` processes."""
    threads = threads_for(workers) if threads is None else threads
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold Numba threads
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=worker_setup, initargs=(threads,)) as pool:
        futures = [pool.submit(compute, c) for c in cells]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()
