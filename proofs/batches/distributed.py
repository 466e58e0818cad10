"""A real ``torch.distributed`` process group for the accumulation checker (``world_size > 1``).

``ProcessGroup(step, world_size, timeout)`` is a context manager: on entry it picks a free TCP
port on 127.0.0.1, spawns one process per rank (start method ``spawn``), each joining a gloo
group (``tcp://127.0.0.1:port``, collective timeout ``timeout``) and waits until every rank is
up; ``run(cases)`` hands rank ``r`` its case, runs the user's ``step`` there (its all-reduce or
DDP wrapper talks to the other ranks) and returns every rank's gradients, or the error text of a
rank that raised.  Every wait is bounded by ``timeout``; a rank that stalls or fails in a
collective makes the group restart.  On exit the ranks leave the group and are joined (terminated if they hang).
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import socket
from datetime import timedelta
from typing import Callable

__all__ = ["free_port", "ProcessGroup"]


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (bound to 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world_size: int, port: int, step: Callable, requests, results, timeout: float) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    try:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=world_size, timeout=timedelta(seconds=timeout))
    except Exception as exc:  # reported to the parent, which gives up
        results.put((rank, "init", f"{type(exc).__name__}: {exc}"))
        return
    results.put((rank, "ready", None))
    try:
        while True:
            job = requests.get()
            if job is None:
                break
            tag, case = job
            try:
                results.put((rank, tag, step(case)))
            except Exception as exc:  # the code under test crashed on this rank
                results.put((rank, tag, f"{type(exc).__name__}: {exc}"))
    finally:
        dist.destroy_process_group()


def _broken(reply) -> bool:
    """A rank's error that may leave the group unusable: a timeout or a failed collective."""
    text = reply.lower() if isinstance(reply, str) else ""
    return any(word in text for word in ("timeout", "timed out", "gloo", "connection", "distributed"))


class ProcessGroup:
    """``world_size`` spawned gloo ranks on loopback running ``step``; see the module docstring."""

    def __init__(self, step: Callable, world_size: int, timeout: float = 60.0) -> None:
        self.step, self.world_size, self.timeout = step, int(world_size), float(timeout)
        self.procs: list = []
        self.jobs = 0

    def __enter__(self) -> "ProcessGroup":
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.requests = [ctx.Queue() for _ in range(self.world_size)]
        self.results = ctx.Queue()
        port = free_port()
        self.procs = [ctx.Process(target=_worker, daemon=True,
                                  args=(r, self.world_size, port, self.step, self.requests[r], self.results,
                                        self.timeout))
                      for r in range(self.world_size)]
        try:
            for p in self.procs:
                p.start()
        except Exception as exc:  # spawn pickles the step: lambdas and closures cannot cross
            self._stop()
            raise TypeError(f"step must be picklable (a module-level function) for world_size > 1: {exc}") from exc
        replies = self._collect("ready", self.timeout + 60.0)  # + interpreter and torch start-up
        errors = [v for v in replies.values() if isinstance(v, str)]
        if errors or len(replies) < self.world_size:
            self._stop()
            raise RuntimeError(f"torch.distributed gloo group of {self.world_size} ranks on 127.0.0.1 did not start: "
                               f"{errors[0] if errors else 'timed out'}")

    def _collect(self, tag, timeout: float) -> dict:
        got: dict = {}
        while len(got) < self.world_size:
            try:
                rank, t, value = self.results.get(timeout=timeout)
            except queue.Empty:
                break
            if t == "init":
                got[rank] = value
            elif t == tag:
                got[rank] = value
        return got

    def _stop(self) -> None:
        for q, p in zip(self.requests, self.procs):
            if p.is_alive():
                q.put(None)
        for p in self.procs:
            if p.pid is None:  # never started
                continue
            p.join(timeout=10.0)
            if p.is_alive():
                p.terminate()
                p.join(timeout=5.0)
        self.procs = []

    def run(self, cases: list) -> list:
        """Every rank's gradients (or error text) for ``cases[rank]``."""
        if len(cases) != self.world_size:
            raise ValueError(f"cases must hold one case per rank ({self.world_size}); got {len(cases)}")
        self.jobs += 1
        for q, case in zip(self.requests, cases):
            q.put((self.jobs, case))
        got = self._collect(self.jobs, self.timeout + 5.0)
        out = [got.get(r, f"TimeoutError: rank {r} did not finish within {self.timeout:g} s "
                          f"(does every rank reach the same collectives?)") for r in range(self.world_size)]
        if len(got) < self.world_size or any(_broken(v) for v in out):  # the group may be out of step
            self._stop()
            self._start()
        return out
