"""``conformance_matrix``: implementations x momentum conventions, with detections (for the report).

Rows:

- *reference implementations*: the NumPy ``TorchLikeSGD`` / ``KerasLikeSGD`` of ``proofs.faulty``
  and, when installed, ``torch.optim.SGD`` and ``optax.sgd`` (plain and Nesterov, momentum 0.9)
  and ``keras.optimizers.SGD`` (momentum 0.9, Keras 3 on the torch backend, issue 11 item 6), each
  checked against every column: ``match`` or ``mismatch``;
- *faulty implementations*: every entry of ``proofs.faulty.FAULTS`` (plus the torch-only faults
  when torch is installed), checked only against the reference its author claims; its cell sits in
  the column of that convention and reads ``detected`` (with the failing step) or ``missed``.

Columns: PyTorch, Keras, optax (each plain and Nesterov) and EMA, momentum 0.9.  A reference cell
first runs one fixed probe scenario (four steps, lr changes): a disagreement there is a concrete
counterexample and the cell is ``mismatch`` without a search; otherwise ``check`` searches and
decides.  Reference rows use no missing gradients (``allow_missing=False``) so they compare the momentum algebra, not the
meaning of ``None`` (which differs between PyTorch and optax by design); faulty rows use the full
scenario space, since some bugs live in the handling of missing gradients.
"""
from __future__ import annotations

import importlib.util
import time
from typing import Callable

import numpy as np

from optproof.base.validation import check_int
from optproof.proofs.conformance.check import SHORT_STEPS, check
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.runner import execute
from optproof.proofs.strategies import Scenario

__all__ = ["conformance_matrix", "start_conformance_matrix", "matrix_implementations", "matrix_references",
           "matrix_faults"]

MU = 0.9


def matrix_references() -> dict[str, Reference]:
    refs = [Reference.pytorch(MU), Reference.pytorch(MU, nesterov=True), Reference.keras(MU),
            Reference.keras(MU, nesterov=True), Reference.optax(MU), Reference.optax(MU, nesterov=True),
            Reference.ema(MU)]
    return {r.name: r for r in refs}


def matrix_implementations() -> dict[str, object]:
    from optproof.proofs import adapters
    from optproof.proofs.faulty import KerasLikeSGD, TorchLikeSGD, _entry

    impls = {e.factory.name: e.factory for e in (
        _entry("", TorchLikeSGD, None, momentum=MU), _entry("", KerasLikeSGD, None, momentum=MU))}
    if importlib.util.find_spec("torch"):
        import torch
        for nesterov in (False, True):
            f = adapters.torch(torch.optim.SGD, momentum=MU, nesterov=nesterov)
            impls[f.name] = f
    if importlib.util.find_spec("optax"):
        import optax
        for nesterov in (False, True):
            f = adapters.optax(optax.sgd, momentum=MU, nesterov=nesterov)
            impls[f.name] = f
    if importlib.util.find_spec("keras") and importlib.util.find_spec("torch"):
        f = _keras_row()
        if f is not None:
            impls[f.name] = f
    return impls


def _keras_row():
    """``adapters.keras(keras.optimizers.SGD, momentum=0.9)``, or ``None`` when Keras was already
    imported on a backend other than torch (the adapter refuses it; the row is left out)."""
    from optproof.proofs import adapters

    keras = adapters.import_keras()
    try:
        return adapters.keras(keras.optimizers.SGD, momentum=MU)
    except ValueError:
        return None


def matrix_faults() -> tuple:
    """The catalogue of faulty implementations (``proofs.faulty.Entry``), torch ones when installed."""
    from optproof.proofs.faulty import FAULTS, torch_faults

    return FAULTS + (torch_faults() if importlib.util.find_spec("torch") else ())


# a fixed scenario with lr changes and no missing gradient: most conventions already disagree on it
_PROBE_LRS = (0.1, 0.1, 0.05, 0.2)
_PROBE_GRADS = ((1.0, 0.5), (-0.3, 2.0), (0.7, 0.1), (1.5, -0.4))


def _probe(dtype) -> Scenario:
    grads = tuple((np.array(g, dtype=dtype),) for g in _PROBE_GRADS)
    return Scenario((np.array([0.5, -1.0], dtype=dtype),), _PROBE_LRS, grads)


def _cell(factory, ref: Reference, max_examples: int, seed: int) -> str:
    """"mismatch" at once when the fixed probe already disagrees (a concrete counterexample, no
    shrinking needed for a yes/no cell), else the Hypothesis search of ``check`` decides."""
    dtype = np.dtype(getattr(factory, "dtype", np.float64))
    if execute(factory, ref, _probe(dtype), dtype) is not None:
        return "mismatch"
    # short runs only: the cells compare conventions, which part within a few steps (late bugs are
    # the fault rows' business, checked with the default long runs)
    return "match" if check(factory, ref, max_examples, seed, allow_missing=False, max_steps=SHORT_STEPS).ok \
        else "mismatch"


def _column(ref: Reference, columns: dict[str, Reference]) -> str:
    """The column of the convention ``ref`` belongs to (same family and Nesterov flag)."""
    key = (ref.convention.family, ref.convention.nesterov)
    return next(n for n, c in columns.items() if (c.convention.family, c.convention.nesterov) == key)


def _fault_row(entry, columns: dict[str, Reference], max_examples: int, seed: int) -> dict:
    res = check(entry.factory, entry.reference, max_examples, seed)
    detection = None
    if not res.ok:
        f = res.counterexample.failure
        detection = {"kind": f.kind, "step": f.step, "message": f.message}
    return {"implementation": entry.name, "group": "faulty", "claims": entry.reference.name, "bug": entry.bug,
            "cells": {_column(entry.reference, columns): "missed" if res.ok else "detected"},
            "detection": detection}


def _rows(part, max_examples: int, seed: int) -> list[dict]:
    """One task of the matrix, found by name or position (factories do not pickle): ``"references"``
    the rows of the installed reference implementations (together about a second), ``"torch"`` the
    rows of ``torch_faults()``, an integer ``i`` the row of ``FAULTS[i]``; each row with its ``seconds``."""
    from optproof.proofs.faulty import FAULTS, torch_faults

    t0 = time.perf_counter()
    refs = matrix_references()
    if part == "references":
        rows = [{"implementation": name, "group": "reference",
                 "cells": {rn: _cell(f, r, max_examples, seed) for rn, r in refs.items()}}
                for name, f in matrix_implementations().items()]
    else:
        entries = torch_faults() if part == "torch" else (FAULTS[part],)
        rows = [_fault_row(e, refs, max_examples, seed) for e in entries]
    seconds = round((time.perf_counter() - t0) / max(1, len(rows)), 3)
    return [{**row, "seconds": seconds} for row in rows]


def start_conformance_matrix(max_examples: int = 100, seed: int = 0, faults: bool = True,
                             workers: int | None = None) -> Callable[[], dict]:
    """Queue the matrix's tasks on ``proofs.runner.Task``'s ``workers`` processes (default
    ``default_workers()``; 1 = serially, at once, here) and return the function that waits for them
    and returns ``conformance_matrix``'s result; the report queues it beside the claims' checks."""
    from optproof.proofs.faulty import FAULTS
    from optproof.proofs.runner import Task

    check_int("max_examples", max_examples, 1)
    check_int("seed", seed, 0)
    t0 = time.perf_counter()
    parts = ["references"] + ([*range(len(FAULTS)), *(["torch"] if importlib.util.find_spec("torch") else [])]
                              if faults else [])
    tasks = [Task(_rows, (part, max_examples, seed), workers) for part in parts]

    def result() -> dict:
        rows = [row for t in tasks for row in t.result()]
        return {"references": list(matrix_references()), "max_examples": max_examples, "seed": seed,
                "rows": rows, "seconds": round(time.perf_counter() - t0, 3)}

    return result


def conformance_matrix(max_examples: int = 100, seed: int = 0, faults: bool = True, workers: int | None = None) -> dict:
    """``{"references": [column names], "rows": [...], "seconds": wall}``; each row has ``implementation``,
    ``group`` ("reference" or "faulty"), ``cells`` (column -> "match" / "mismatch" / "detected" /
    "missed"; absent = not checked), its measured ``seconds`` and, for faulty rows, ``claims``, ``bug``
    and ``detection``.

    The rows are independent deterministic searches (``check`` seeds Hypothesis with ``seed``), run on
    ``workers`` processes (``start_conformance_matrix``): the matrix is the same either way, but for
    the measured ``seconds``."""
    return start_conformance_matrix(max_examples, seed, faults, workers)()
