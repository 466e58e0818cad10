"""Shared symbols and dimension-free matrix equality of the mini-batch proofs (C3, C9): the dimension ``n``
of θ, the step ``η`` and the momentum ``λ``; ``matrix_equal`` compares matrix expressions of symbolic size.

Proof building blocks, not library functions: no ``__all__`` (see ``batching_lemmas``).  Used by
``minibatch_noise_proofs``, ``minibatch_moment_proofs``, ``minibatch_step_proofs`` and
``minibatch_library_checks``."""
from __future__ import annotations

from typing import Any

import sympy as sp


dim = sp.Symbol("n", integer=True, positive=True)  # dimension of θ (symbolic)
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lam", nonnegative=True)


def _canonical_scalar(term: sp.Expr) -> sp.Expr:
    """A 1×1 matrix product equals its transpose: pick one spelling of the pair."""
    flipped = sp.expand(sp.transpose(term).doit())
    return min(term, flipped, key=str)


def matrix_equal(lhs: Any, rhs: Any) -> bool:
    """Dimension-free equality of matrix expressions (expansion; 1×1 terms compared up to transpose)."""
    diff = sp.expand(lhs - rhs)
    if diff == 0 or isinstance(diff, sp.ZeroMatrix):
        return True
    if diff.shape == (1, 1):
        terms = diff.args if isinstance(diff, sp.MatAdd) else (diff,)
        diff = sp.expand(sp.Add(*[_canonical_scalar(t) for t in terms]))
    return diff == 0 or isinstance(diff, sp.ZeroMatrix)
