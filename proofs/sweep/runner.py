"""``run_sweep``: the cells of a spec, the finished ones skipped, the rest run on an engine (issue 13).

Each finished cell is written by this (the client) process as soon as it arrives, atomically, so a
SIGKILL loses at most the cells in flight.  When every cell is stored, ``results.parquet`` and
``index.html`` are rebuilt from the cell files, in grid order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .cell import cell_key, cell_objects
from .html import write_index
from .results import axis_value, write_parquet
from .spec import Spec
from .store import clean_temporaries, read_cell, write_cell

__all__ = ["SweepResult", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """What a run did: cells in the grid, computed now, found stored, recomputed because corrupt."""

    n_cells: int
    computed: int
    reused: int
    corrupt: int
    passed: int
    out: Path
    html: bool = True

    def __str__(self) -> str:
        return (f"{self.n_cells} cells ({self.computed} computed, {self.reused} already stored"
                f"{f', {self.corrupt} corrupt files recomputed' if self.corrupt else ''}); {self.passed} pass; "
                f"{self.out / 'results.parquet'}" + (f", {self.out / 'index.html'}" if self.html else ""))


def _engine(todo: list[dict], workers: int, scheduler: str | None, threads: int | None) -> Iterator[dict]:
    if scheduler is None:
        from .engines import pool_results

        return pool_results(todo, workers, threads)
    try:
        from .dask_engine import dask_results
    except ImportError as exc:
        raise ValueError(f"--scheduler needs dask.distributed (pip install 'optproof[dask]'): {exc}") from None
    return dask_results(todo, scheduler, workers, threads)


def run_sweep(spec: Spec, out: Path | str, *, workers: int = 1, scheduler: str | None = None,
              threads: int | None = None, progress: bool = True, html: bool = True) -> SweepResult:
    """Run (or resume) the sweep ``spec`` into directory ``out``.

    ``workers``: processes of the local pool (or of the LocalCluster for ``scheduler="local"``);
    ``scheduler``: None (process pool), "local" or "tcp://HOST:PORT"; ``threads``: Numba threads per
    worker (default: cores // workers on each host); ``html``: also write index.html (heat maps).
    """
    from tqdm import tqdm

    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a Spec (from load_spec or parse_spec); got {type(spec).__name__}")
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 4096:
        raise ValueError(f"workers must be an integer in [1, 4096]; got {workers!r}")
    if threads is not None and (not isinstance(threads, int) or not 1 <= threads <= 4096):
        raise ValueError(f"threads must be None or an integer in [1, 4096]; got {threads!r}")
    if scheduler is not None and scheduler != "local" and not scheduler.startswith(("tcp://", "tls://")):
        raise ValueError(f"scheduler must be 'local' or an address tcp://HOST:PORT; got {scheduler!r}")
    try:
        import pyarrow  # noqa: F401  (results.parquet)
    except ImportError:
        raise ValueError("optproof sweep writes results.parquet with pyarrow: pip install 'optproof[dask]'") from None
    params = spec.cells()
    for p in params:  # every cell's specs built (and so validated) before anything runs
        try:
            cell_objects(p)
        except (ValueError, TypeError) as exc:
            point = ", ".join(f"{a}={axis_value(p, a)}" for a in spec.grid)
            raise ValueError(f"the grid point {point} is not a valid setting: {exc}") from None
    out = Path(out)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    clean_temporaries(out)
    keys = [cell_key(p) for p in params]
    stored = {k: read_cell(out, k) for k in keys}
    corrupt = sum(1 for k in keys if stored[k] is None and (out / "cells" / f"{k}.json").exists())
    todo = [p for p, k in zip(params, keys) if stored[k] is None]
    bar = tqdm(total=len(keys), initial=len(keys) - len(todo), unit="cell", desc="sweep", disable=not progress)
    try:
        if todo:
            for cell in _engine(todo, workers, scheduler, threads):
                write_cell(out, cell)
                stored[cell["key"]] = cell
                bar.update(1)
    finally:
        bar.close()
    cells = [stored[k] for k in keys]
    axes = list(spec.grid)
    write_parquet(out / "results.parquet", cells, axes)
    if html:
        write_index(out, spec.grid, cells, spec.quantity)
    return SweepResult(len(keys), len(todo), len(keys) - len(todo), corrupt,
                       sum(c["passed"] for c in cells), out, html)
