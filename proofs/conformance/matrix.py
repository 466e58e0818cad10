"""``conformance_matrix``: installed implementations x references -> pass/fail (for the report).

Implementations: the NumPy implementations of ``proofs.faulty.CORRECT`` always, plus
``torch.optim.SGD`` and ``optax.sgd`` (plain and Nesterov, momentum 0.9) when installed.
References: PyTorch, Keras, optax and EMA conventions with momentum 0.9.  Scenarios have no
missing gradients (``allow_missing=False``) so the matrix compares the momentum algebra, not the
meaning of ``None`` (which differs between PyTorch and optax by design).
"""
from __future__ import annotations

import importlib.util

from optproof.base.validation import check_int
from optproof.proofs.conformance.check import check
from optproof.proofs.conformance.reference import Reference

__all__ = ["conformance_matrix", "matrix_implementations", "matrix_references"]

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
    return impls


def conformance_matrix(max_examples: int = 100, seed: int = 0) -> dict[str, dict[str, bool]]:
    """``{implementation: {reference: passed}}`` for every installed implementation."""
    check_int("max_examples", max_examples, 1)
    refs = matrix_references()
    return {name: {rn: check(f, r, max_examples, seed, allow_missing=False).ok for rn, r in refs.items()}
            for name, f in matrix_implementations().items()}
