"""Parameter sweeps of ``compare`` cells (issue 13): ``optproof sweep SPEC.toml --out DIR``.

Modules: ``spec`` (the TOML spec, validated), ``cell`` (a cell's key, seed and numbers), ``store``
(atomic, checksummed cell files), ``engines`` (process pool, worker setup), ``dask_engine``
(dask.distributed), ``results`` (results.parquet), ``html`` (index.html heat maps), ``runner``
(``run_sweep``), ``cli`` (the subcommand).  See docs/sweep.md.
"""
from __future__ import annotations

from .runner import SweepResult, run_sweep
from .spec import Spec, SpecError, load_spec, parse_spec

__all__ = ["Spec", "SpecError", "SweepResult", "load_spec", "parse_spec", "run_sweep"]
