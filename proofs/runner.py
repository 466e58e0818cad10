"""Run the catalog: every check of the selected kinds, in order, with an honest status per claim.

Statuses (``proofs.catalog.STATUSES``): a claim is ``fail`` if any of its checks fails, else
``error`` if any raised, else ``skipped`` if none of its checks decided (all skipped), else
``pass``.  ``measured`` checks (timings) never count either way; a skipped check never counts
as a pass.  The run exits 1 when a claim fails or errs, 0 otherwise (skips are stated plainly).

The checks of the built-in catalog run on ``default_workers()`` spawned processes (``worker_pool``,
shared with the report's matrices through ``Task``): every check derives its streams from the run
seed by name (``RunConfig.seed_for``), so the outcomes do not depend on which
process ran a check or in what order -- a parallel run gives the same statuses and numbers as a
serial one (``tests/test_report_parallel.py``); only the ``seconds`` differ.  Figures are rendered
to PNG bytes in the worker (``proofs.figures.png_bytes``).  Checks that are not in the built-in
catalog (test doubles) and any task whose outcome cannot cross a process boundary run here.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from optproof.proofs.catalog import KINDS, Claim, CheckRun, Outcome, RunConfig
from optproof.proofs.progress import Progress

__all__ = ["ClaimResult", "claim_status", "run_claims", "summary_line", "exit_code", "default_workers",
           "worker_pool", "Task", "one_blas_thread"]


def claim_status(statuses: Iterable[str]) -> str:
    """A claim's status from its checks' statuses (see the module docstring)."""
    c = Counter(statuses)
    if c["fail"]:
        return "fail"
    if c["error"]:
        return "error"
    if not c["pass"]:
        return "skipped" if c["skipped"] or not c["measured"] else "measured"
    return "pass"


@dataclass
class ClaimResult:
    claim: Claim
    runs: list[CheckRun]

    @property
    def status(self) -> str:
        return claim_status(r.status for r in self.runs)

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def default_workers() -> int:
    """Worker processes for a run: ``$OPTPROOF_WORKERS`` when set (1 = serial), else the CPU count, at most 2."""
    raw = os.environ.get("OPTPROOF_WORKERS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"OPTPROOF_WORKERS must be an integer >= 1; got {raw!r}")
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


_POOL: dict[int, ProcessPoolExecutor] = {}


def one_blas_thread():
    """``threadpoolctl.threadpool_limits(1, user_api="blas")`` over NumPy's and SciPy's OpenBLAS
    (both loaded first): the checks' linear algebra on one thread, in a worker and in a serial run
    alike.  A multithreaded LAPACK result can depend on the thread count (C6's 401-point ``eigh``
    differs in the last bits), so one thread everywhere keeps a parallel run equal to a serial one
    and to a run on any other machine; and two OpenBLAS threads spin while the other worker holds
    a core (that ``eigh`` measured 1.8 s instead of 0.015 s)."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def _init_worker() -> None:
    """Agg figures; one BLAS / OpenMP thread per worker: the variables reach libraries loaded later
    (torch's), ``one_blas_thread`` the OpenBLAS already loaded.  Numba keeps its threads, so a long
    Monte Carlo kernel (C6 in the default report: about a minute) uses both cores while the other
    worker is idle (its results do not depend on the thread count)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    one_blas_thread()
    import matplotlib

    matplotlib.use("Agg")
    atexit.register(_exit_now)


def _exit_now() -> None:
    """A worker's last exit handler (registered before the checks import torch, JAX or Keras, so
    their handlers run first): flush and leave without the interpreter's teardown of those
    modules, which took about 1.4 s that the report waited for at its end (the pool joins its
    workers).  A worker holds nothing to clean up: its results went back through the pool."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed stream
            pass
    os._exit(0)


def _shutdown() -> None:
    for pool in _POOL.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOL.clear()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """The run's pool of ``workers`` spawned processes, created once and shared by the claims and the
    report's matrices (their imports and Numba cache loads are paid once per worker); closed at exit."""
    if workers not in _POOL:
        import multiprocessing

        if not _POOL:
            atexit.register(_shutdown)
        _POOL[workers] = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker)
    return _POOL[workers]


class Task:
    """``fn(*args)`` submitted to ``worker_pool(workers)`` (or run at once when ``workers`` is 1);
    ``result()`` waits for it, and runs it here if the pool broke (e.g. a ``__main__`` without the
    ``if __name__ == "__main__"`` guard, which spawned workers cannot import)."""

    def __init__(self, fn: Callable[..., Any], args: tuple, workers: int | None = None) -> None:
        workers = default_workers() if workers is None else workers
        self.fn, self.args, self.workers = fn, args, workers
        self.future: Future | None = None
        if workers > 1:
            try:
                self.future = worker_pool(workers).submit(fn, *args)
            except BrokenProcessPool:
                _POOL.pop(workers, None)
        if self.future is None:
            self.future = Future()
            self.future.set_result(fn(*args))

    def result(self) -> Any:
        try:
            return self.future.result()
        except BrokenProcessPool:
            _POOL.pop(self.workers, None)
            return self.fn(*self.args)


def _builtin_index(claim: Claim, check) -> tuple[int, int] | None:
    """(claim, check) position in the built-in catalog ``claims.BUILTIN``, or None for any other check."""
    from optproof.proofs.claims import BUILTIN

    for i, c in enumerate(BUILTIN):
        if c is claim:
            return next(((i, j) for j, k in enumerate(c.checks) if k is check), None)
    return None


def _run_builtins(ijs: list[tuple[int, int]], cfg: RunConfig) -> list[tuple[Outcome, float, dict | None]]:
    """Worker task: run checks ``ijs`` (check ``j`` of built-in claim ``i``) in order; figures come back
    as PNG bytes; ``cfg.seed_log`` is a fresh dict (or None) per task, returned per check."""
    from optproof.proofs.claims import BUILTIN
    from optproof.proofs.figures import png_bytes

    done = []
    for i, j in ijs:
        log = None if cfg.seed_log is None else {}
        run = CheckRun.run(BUILTIN[i].checks[j], dataclasses.replace(cfg, seed_log=log))
        run.outcome.figures = [(name, png_bytes(fig)) for name, fig in run.outcome.figures]
        done.append((run.outcome, run.seconds, log))
    return done


Key = tuple[int, int]  # (claim, check) position in run_claims' ``todo``


def _submit(todo, cfg: RunConfig, workers: int) -> list[tuple[Task, list[Key]]]:
    """The worker tasks for the built-in checks of ``todo``, each with the keys of its checks.

    A claim's symbolic and exact checks form one task, run in catalog order in one process: its
    exact checks reuse the SymPy cache its proofs filled (C9's exact checks: about 1 s each after
    C9's proofs, 15 s each alone under cProfile at load 8).  Each simulation is its own task; the
    claims' chains are queued first, then the simulations, both workers taking the next.  (One
    chain of all proofs, as in a serial run, measured no faster: 37.3 s vs 37.1 s for
    ``report --quick``, and its progress arrives all at once.)
    """
    jobs = [(a, b, _builtin_index(c, k), k.kind) for a, (c, ks) in enumerate(todo) for b, k in enumerate(ks)]
    jobs = [j for j in jobs if j[2] is not None]
    if workers <= 1 or len(jobs) < 4:
        return []
    sent = dataclasses.replace(cfg, seed_log=None if cfg.seed_log is None else {})
    groups = [[j for j in jobs if j[0] == a and j[3] != "simulation"] for a in range(len(todo))]
    groups += [[j] for j in jobs if j[3] == "simulation"]
    return [(Task(_run_builtins, ([j[2] for j in g], sent), workers), [(j[0], j[1]) for j in g]) for g in groups if g]


def _collect(task: Task, keys: list[Key], todo, cfg: RunConfig) -> dict[Key, CheckRun]:
    """The runs of a finished task (merging its seed requests); here, again, if its results did not
    come back (e.g. an outcome that cannot be pickled)."""
    try:
        got = task.result()
    except Exception:  # noqa: BLE001 - rerun here: the check's own errors are outcomes, not exceptions
        return {(a, b): CheckRun.run(todo[a][1][b], cfg) for a, b in keys}
    runs = {}
    for (a, b), (outcome, seconds, log) in zip(keys, got):
        if log is not None:
            cfg.seed_log.update(log)
        runs[a, b] = CheckRun(todo[a][1][b], outcome, seconds)
    return runs


def run_claims(claims: Iterable[Claim], cfg: RunConfig, kinds: Iterable[str] = KINDS,
               progress: bool = False, workers: int | None = None,
               beside: Callable[[], Any] | None = None) -> list[ClaimResult]:
    """Run the checks of ``kinds`` of every claim; a check that raises ends in ``error``.

    ``workers`` (default ``default_workers()``): processes for the built-in checks; 1 runs serially.
    The results are the same either way except for the measured ``seconds`` (BLAS on one thread
    in both, ``one_blas_thread``); the progress bar advances as checks finish (in parallel, not in
    catalog order).  ``beside``, when given, is called once the checks are queued: the report
    queues its matrices there, behind the claims' long chains, so their many short rows fill the
    workers' last gaps (the pool takes tasks in the order they were queued).
    """
    kinds = tuple(kinds)
    claims = list(claims)
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"cfg must be a RunConfig; got {type(cfg).__name__}")
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1; got {workers!r}")
    if beside is not None and not callable(beside):
        raise TypeError(f"beside must be callable or None; got {type(beside).__name__}")
    with one_blas_thread():
        return _run(claims, cfg, kinds, progress, workers, beside)


def _run(claims: list[Claim], cfg: RunConfig, kinds: tuple[str, ...], progress: bool,
         workers: int, beside: Callable[[], Any] | None) -> list[ClaimResult]:
    """``run_claims`` on checked arguments: queue the built-in checks, run the rest here, collect."""
    todo = [(c, [k for k in c.checks if k.kind in kinds]) for c in claims]
    tasks = _submit(todo, cfg, workers)
    if beside is not None:
        beside()
    bar = Progress(sum(len(ks) for _, ks in todo), enabled=progress)
    runs: dict[Key, CheckRun] = {}

    def done(key: Key, run: CheckRun) -> None:
        runs[key] = run
        bar.advance(f"{todo[key[0]][0].id} {run.check.kind}: {run.check.name}")

    sent = {k for _, keys in tasks for k in keys}
    for a, (_, checks) in enumerate(todo):  # what the workers do not run (test doubles), meanwhile here
        for b, check in enumerate(checks):
            if (a, b) not in sent:
                done((a, b), CheckRun.run(check, cfg))
    by_future = {t.future: (t, keys) for t, keys in tasks}
    for future in as_completed(by_future):
        for key, run in _collect(*by_future[future], todo, cfg).items():
            done(key, run)
    return [ClaimResult(c, [runs[a, b] for b in range(len(checks))]) for a, (c, checks) in enumerate(todo)]


def _tally(statuses: Iterable[str], noun: str) -> str:
    c = Counter(statuses)
    total = sum(c.values())
    parts = [f"{c['pass']}/{total} {noun} pass"]
    parts += [f"{c[s]} {'failed' if s == 'fail' else s}" for s in ("fail", "error", "skipped", "measured") if c[s]]
    return ", ".join(parts)


def summary_line(results: list[ClaimResult]) -> str:
    """E.g. ``8/9 claims pass, 1 skipped (40/43 checks pass, 2 skipped, 1 measured)``: skips said plainly."""
    return (f"{_tally((r.status for r in results), 'claims')} "
            f"({_tally((k.status for r in results for k in r.runs), 'checks')})")


def exit_code(results: list[ClaimResult]) -> int:
    """1 when any claim fails or errs, else 0 (also when some checks were skipped or only measured)."""
    return int(any(r.status in ("fail", "error") for r in results))
