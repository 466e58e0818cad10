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

from optproof.mathcore.batching import batch_size, epoch_batch_sizes, inclusion_probability, n_examples
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
    proof.step("sum of a constant: the q full batches hold sum_{k=1}^q B = qB examples", full, _q * B,
               verified=sums_equal(full, _q * B), shows=r"\sum_{k=1}^{q} B = qB")
    proof.step("division with remainder N = qB + r: without drop_last the q full batches and the short batch of "
               "r hold all N", full + _r, N, verified=sums_equal(full + _r, N),
               shows=r"\sum_{k=1}^{q} B + r = qB + r = N")
    proof.step("division with remainder: with drop_last only the q full batches remain, N - r examples",
               full, N - _r, verified=sums_equal(full, N - _r), shows=r"\sum_{k=1}^{q} B = N - r")
    positions = sp.Sum(sp.Integer(1) / N, (_k, 1, _r))
    proof.step("a uniform permutation puts example i at each of the N positions with probability 1/N; "
               "the last r positions are dropped (sum over disjoint events)",
               positions, _r / N, verified=sums_equal(positions, _r / N),
               shows=r"P(i\ \text{unseen}) = \sum_{k=1}^{r} \frac{1}{N} = \frac{r}{N}")
    n = sp.Symbol("N", integer=True, positive=True)
    proof.step("edge B = N (full batch): ceil(N/B) = 1 batch and remainder N - B floor(N/B) = 0, evaluated at B = N",
               sp.Tuple(sp.Subs(sp.ceiling(n / B), n, B), sp.Subs(n - B * sp.floor(n / B), n, B)), sp.Tuple(1, 0),
               shows=r"\left(\lceil N/B \rceil,\ N - B\lfloor N/B \rfloor\right)\big|_{B = N} = (1, 0)")
    grid = [(n_, b_) for b_ in range(1, 9) for n_ in range(1, 30)]
    at = lambda expr, n_, b_: sp.Subs(expr, (_q, _r, B), (n_ // b_, n_ % b_, b_))  # noqa: E731 - N = qB + r, 0 <= r < B
    library = sp.Tuple(*[sum(epoch_batch_sizes(n_, b_, d)) for n_, b_ in grid for d in (False, True)])
    derived = sp.Tuple(*[at(N if not d else N - _r, n_, b_) for n_, b_ in grid for d in (False, True)])
    proof.step("the library's epoch_batch_sizes equals the derived sizes: sum N = qB + r without drop_last, "
               "qB = N - r with it (every N < 30, B < 9)", library, derived,
               verified=library == sp.Tuple(*[d.doit() for d in derived]),
               shows=r"\sum \texttt{epoch\_batch\_sizes}(N, B) = qB + r = N,\quad "
                     r"\sum \texttt{epoch\_batch\_sizes}(N, B, \text{drop\_last}) = N - r")
    return proof


def prove_uniform_batches() -> Proof:
    """Every slice of a uniform permutation is a uniform subset; every with-replacement batch a uniform tuple."""
    N, b = n_examples, sp.Symbol("b", integer=True, positive=True)
    proof = Proof(r"P(\text{slice} = S) = \binom{N}{b}^{-1},\qquad P(I_1..I_B = i_1..i_B) = N^{-B}",
                  assumptions="slice of b <= N consecutive positions of a uniform permutation; i.i.d. uniform draws")
    count = sp.factorial(b) * sp.factorial(N - b)
    proof.step("counting permutations: a given b-set S in the slice has b! orders of S times (N-b)! of the rest; "
               "divided by N! this is 1/C(N,b), the same for every S",
               count / sp.factorial(N), 1 / sp.binomial(N, b), verified=sp.simplify(sp.combsimp(
                   count / sp.factorial(N) * sp.binomial(N, b))) == 1,
               shows=r"P(\text{slice} = S) = \frac{b!\,(N-b)!}{N!} = \binom{N}{b}^{-1}")
    subsets = sp.Sum(1 / sp.binomial(N, b), (_k, 1, sp.binomial(N, b)))
    proof.step("total probability: these probabilities over all C(N,b) subsets sum to 1", subsets, 1,
               shows=r"\sum_{|S| = b} \binom{N}{b}^{-1} = \binom{N}{b}\binom{N}{b}^{-1} = 1")
    B = batch_size
    tuples = sp.Sum(sp.Integer(1) / N, (_k, 1, N))
    proof.step("with replacement one draw is uniform: total probability sum_{i=1}^N 1/N = 1", tuples, 1,
               verified=sums_equal(tuples, 1), shows=r"\sum_{i=1}^{N} \frac{1}{N} = 1")
    proof.step("independent draws: the probability of a tuple is the product of B factors 1/N",
               sp.Product(1 / N, (_k, 1, B)), N ** (-B),
               shows=r"P(I_1..I_B = i_1..i_B) = \prod_{k=1}^{B} \frac{1}{N} = N^{-B}")
    proof.step("consequence for one example: the b-subsets containing i are C(N-1, b-1) of C(N, b), so the "
               "library's inclusion_probability is the derived P(i in slice)",
               sp.binomial(N - 1, b - 1) / sp.binomial(N, b), inclusion_probability(N, b),
               shows=r"P(i \in \text{slice}) = \binom{N-1}{b-1}\binom{N}{b}^{-1} = \frac{b}{N} = "
                     r"\texttt{inclusion\_probability}(N, b)")
    return proof
