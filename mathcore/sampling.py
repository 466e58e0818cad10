"""Epochs of a data loader: how a reshuffled epoch splits into batches, proven for symbolic N, B (C1).

A reshuffled epoch is a uniform permutation ``π`` of ``0..N−1`` cut into consecutive slices of
size ``B``.  With ``N = qB + r`` (``0 ≤ r < B``):

    drop_last = False:  q batches of size B and, if r > 0, one of size r;  sizes sum to N
    drop_last = True:   q batches; the r examples at the end of π are not seen this epoch,
                        each example with probability r/N
    every slice of size b is a uniform b-subset:  #{π : slice = S} / N! = b!(N−b)!/N! = 1/C(N, b)

With replacement every batch is ``B`` i.i.d. uniform indices: each of the ``N^B`` tuples has
probability ``N^{−B}``.
"""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.batching import batch_size, n_examples
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_epoch_partition", "prove_uniform_batches"]

_q = sp.Symbol("q", integer=True, nonnegative=True)
_r = sp.Symbol("r", integer=True, nonnegative=True)
_k = sp.Symbol("k", integer=True, positive=True)


def prove_epoch_partition() -> Proof:
    """Batch sizes of one epoch sum to ``N`` (or ``N − r`` with drop_last); a missed example has probability r/N."""
    B = batch_size
    N = _q * B + _r
    proof = Proof(r"\sum_k b_k = N\ (\text{drop\_last off}),\quad \sum_k b_k = N - r,\ "
                  r"P(i\ \text{unseen}) = \frac{r}{N}\ (\text{drop\_last on})",
                  assumptions="N = qB + r, 0 <= r < B; a uniform permutation cut into consecutive slices")
    full = sp.Sum(B, (_k, 1, _q))
    proof.step("q full batches hold sum_{k=1}^q B = qB examples", full, _q * B, verified=sums_equal(full, _q * B))
    proof.step("drop_last off: the q full batches and the short batch of r hold all N", _q * B + _r, N)
    proof.step("drop_last on: the q full batches hold N - r", _q * B, N - _r)
    positions = sp.Sum(sp.Integer(1) / N, (_k, 1, _r))
    proof.step("example i sits at each of the N positions with probability 1/N; the last r are dropped",
               positions, _r / N, verified=sums_equal(positions, _r / N))
    n = sp.Symbol("N", integer=True, positive=True)
    proof.step("B = N (full batch): ceil(N/B) = 1 batch and remainder N - B floor(N/B) = 0: one batch of every example",
               sp.Tuple(sp.ceiling(n / B), n - B * sp.floor(n / B)).subs(n, B), sp.Tuple(1, 0))
    return proof


def prove_uniform_batches() -> Proof:
    """Every slice of a uniform permutation is a uniform subset; every with-replacement batch a uniform tuple."""
    N, b = n_examples, sp.Symbol("b", integer=True, positive=True)
    proof = Proof(r"P(\text{slice} = S) = \binom{N}{b}^{-1},\qquad P(I_1..I_B = i_1..i_B) = N^{-B}",
                  assumptions="slice of b <= N consecutive positions of a uniform permutation; i.i.d. uniform draws")
    count = sp.factorial(b) * sp.factorial(N - b)
    proof.step("permutations with a given b-set S in the slice: b! orders of S times (N-b)! of the rest; "
               "divided by N! this is 1/C(N,b), the same for every S",
               count / sp.factorial(N), 1 / sp.binomial(N, b), verified=sp.simplify(sp.combsimp(
                   count / sp.factorial(N) * sp.binomial(N, b))) == 1)
    subsets = sp.binomial(N, b) * (1 / sp.binomial(N, b))
    proof.step("these probabilities over all C(N,b) subsets sum to 1", subsets, 1)
    B = batch_size
    tuples = sp.Sum(sp.Integer(1) / N, (_k, 1, N))
    proof.step("with replacement one draw is uniform: sum_{i=1}^N 1/N = 1", tuples, 1, verified=sums_equal(tuples, 1))
    proof.step("independent draws: P(tuple) = (1/N)^B = N^{-B}", (1 / N) ** B, N ** (-B))
    return proof
