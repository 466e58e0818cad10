"""The statistical properties of a shuffling loader (C1), through the harness ``optproof.proofs.stats``.

Run at one fixed case (default ``n = 24``, ``B = 2``, ``E = 480`` epochs, ``world_size`` dividing
``24``: all batches full, no padding) with the check's fixed ``seed``.  A *slot* is a place in an
epoch: rank ``r``'s ``k``-th index is slot ``r·(n/w) + k``.  Under C1 every epoch is a uniform
permutation of the slots, independent of the other epochs.  Each statistic below is a Pearson X²
whose law under C1 is derived exactly (mean) and asymptotically (a scaled χ²); it enters the
harness as a ``Comparison`` of the Wilson–Hilferty cube root ``(Y/d)^{1/3}`` against
``1 − 2/(9d)`` with standard error ``√(2/(9d))`` (its z is the normal score of ``Y ~ χ²_d``),
two-sided, at the harness's per-comparison ``α = ALPHA_EACH = 5e-6`` each.

- positions: counts ``C[i, s]`` of example ``i`` in slot ``s``.  One epoch's indicator matrix is a
  uniform permutation matrix, whose covariance is ``(I − J/n)⊗(I − J/n)/(n − 1)``: a multiple of a
  projection of rank ``(n−1)²``.  Hence ``X² = Σ (C − E/n)²/(E/n)`` has mean ``n(n − 1)`` and
  ``Y = X²·(n − 1)/n → χ²_{(n−1)²}``.
- consecutive epochs: ``T[s, s']`` counts examples in slot ``s`` at epoch ``e`` and ``s'`` at ``e+1``.
  Independent uniform epochs make the relative permutations i.i.d. uniform, so ``T`` is a sum of
  ``E − 1`` uniform permutation matrices: the same law as the positions.
- co-membership: ``C[i, j]`` counts epochs where ``i ≠ j`` share a batch; ``p = (B − 1)/(n − 1)``
  (= ``pair_inclusion_probability(n, B)/inclusion_probability(n, B)``).  With equal batches every
  example has ``B − 1`` partners, so the pair indicators live in the ``n(n−3)/2``-dimensional
  irreducible part of the pair module of S_n, where an S_n-invariant covariance is a multiple of
  the identity: ``X² = Σ_{i<j} (C − Ep)²/(Ep(1−p))`` has mean ``n(n−1)/2`` and
  ``Y = X²·(n−3)/(n−1) → χ²_{n(n−3)/2}``.
- with replacement: ``C[i, s]`` is, slot by slot, multinomial ``(E, 1/n)``: ``X² → χ²_{n(n−1)}``;
  the example counts of the whole run are multinomial ``(E·n, 1/n)``: ``X² → χ²_{n−1}``; pairs of
  epochs ``(0,1), (2,3), …`` slot by slot are i.i.d. uniform on ``n²`` cells: ``X² → χ²_{n²−1}``.

"Identical orders fail at once": a repeated epoch order is flagged when its probability under
C1, ``(n−k)!/n!`` (``k`` distinct examples served) or ``n^{−m}`` with replacement, raised to the
number of repeats, is at most the α given to it.
"""
from __future__ import annotations

import math

import numpy as np

from optproof.mathcore.batching import inclusion_probability, pair_inclusion_probability
from optproof.proofs.batches.collect import Epochs
from optproof.proofs.batches.spec import LoaderSpec
from optproof.proofs.stats import ALPHA_EACH, Comparison, compare

__all__ = ["STAT_N", "STAT_B", "STAT_EPOCHS", "chi2_comparison", "repeat_failure", "loader_comparisons",
           "slot_orders"]

STAT_N, STAT_B, STAT_EPOCHS = 24, 2, 480


def chi2_comparison(name: str, y: float, df: int, n: int, alpha: float = ALPHA_EACH) -> Comparison:
    """``Y ~ χ²_df`` as a harness comparison (Wilson–Hilferty cube root, two-sided)."""
    return compare(name, (y / df) ** (1.0 / 3.0), math.sqrt(2.0 / (9.0 * df)), 1.0 - 2.0 / (9.0 * df), n, alpha)


def slot_orders(ranks: list[Epochs]) -> list[list[int]]:
    """Per epoch, the indices served in slot order (rank-major, then position)."""
    return [[i for epochs in ranks for b in epochs[e] for i in b] for e in range(len(ranks[0]))]


def _log_order_probability(spec: LoaderSpec, order: list[int], n: int) -> float:
    """log P(an independent epoch repeats this order) under C1."""
    if spec.replacement:
        return -len(order) * math.log(n)
    k = len(set(order))
    return -(math.lgamma(n + 1) - math.lgamma(n - k + 1))


def repeat_failure(spec: LoaderSpec, ranks: list[Epochs], label: str, n: int, alpha: float) -> str | None:
    """Flag consecutive epochs that serve exactly the same batches when that is improbable (≤ alpha)."""
    if not spec.shuffle or len(ranks[0]) < 2:
        return None
    served = [tuple(tuple(tuple(b) for b in epochs[e]) for epochs in ranks) for e in range(len(ranks[0]))]
    repeats = [e for e in range(1, len(served)) if served[e] == served[e - 1]]
    if not repeats:
        return None
    log_p = len(repeats) * _log_order_probability(spec, slot_orders(ranks)[0], n)
    log_p += math.log(math.comb(len(served) - 1, len(repeats)))
    if log_p > math.log(alpha):
        return None
    e = repeats[0]
    hint = "is set_epoch called?" if spec.distributed else "is the data reshuffled every epoch (shuffle=True)?"
    return f"epoch {e + 1} serves exactly epoch {e}'s order {label}: {hint}"


def _x2(counts: np.ndarray, expected: float) -> float:
    return float(np.sum((counts - expected) ** 2) / expected)


def _slots(orders: np.ndarray) -> np.ndarray:
    """``slot[e, i]``: where example ``i`` sits in epoch ``e`` (orders are permutations)."""
    slot = np.empty_like(orders)
    rows = np.arange(orders.shape[0])[:, None]
    slot[rows, orders] = np.arange(orders.shape[1])[None, :]
    return slot


def _permutation_comparisons(orders: np.ndarray, ranks: list[Epochs], B: int, alpha: float) -> list[Comparison]:
    E, n = orders.shape
    pos = np.zeros((n, n))
    np.add.at(pos, (orders, np.arange(n)[None, :]), 1.0)
    slot = _slots(orders)
    trans = np.zeros((n, n))
    np.add.at(trans, (slot[:-1], slot[1:]), 1.0)
    pairs = np.zeros((n, n))
    for epochs in ranks:
        for epoch in epochs:
            for b in epoch:
                idx = np.asarray(b)
                pairs[np.ix_(idx, idx)] += 1.0
    p = float(pair_inclusion_probability(n, B) / inclusion_probability(n, B))  # (B-1)/(n-1)
    iu = np.triu_indices(n, 1)
    x2_pairs = float(np.sum((pairs[iu] - E * p) ** 2) / (E * p * (1 - p)))
    return [
        chi2_comparison("positions uniform (example x slot)", _x2(pos, E / n) * (n - 1) / n, (n - 1) ** 2, E, alpha),
        chi2_comparison("consecutive epochs independent (slot at e x slot at e+1)",
                        _x2(trans, (E - 1) / n) * (n - 1) / n, (n - 1) ** 2, E - 1, alpha),
        chi2_comparison(f"batch co-membership uniform, p = (B-1)/(n-1) = {p:.4g}",
                        x2_pairs * (n - 3) / (n - 1), n * (n - 3) // 2, E, alpha),
    ]


def _replacement_comparisons(orders: np.ndarray, alpha: float) -> list[Comparison]:
    E, n = orders.shape
    pos = np.zeros((n, n))
    np.add.at(pos, (orders, np.arange(n)[None, :]), 1.0)
    counts = np.bincount(orders.ravel(), minlength=n).astype(float)
    half = E // 2
    joint = np.zeros((n, n))
    np.add.at(joint, (orders[0:2 * half:2], orders[1:2 * half:2]), 1.0)
    return [
        chi2_comparison("counts multinomial (example)", _x2(counts, E), n - 1, E * n, alpha),
        chi2_comparison("draws uniform per slot (example x slot)", _x2(pos, E / n), n * (n - 1), E, alpha),
        chi2_comparison("epoch pairs independent (draw at e x draw at e+1)",
                        _x2(joint, half / n), n * n - 1, half * n, alpha),
    ]


def loader_comparisons(spec: LoaderSpec, ranks: list[Epochs], B: int, alpha: float = ALPHA_EACH) -> list[Comparison]:
    """The three comparisons for a shuffling loader's epochs at the statistical case."""
    orders = np.array(slot_orders(ranks), dtype=np.int64)
    if spec.replacement:
        return _replacement_comparisons(orders, alpha)
    return _permutation_comparisons(orders, ranks, B, alpha)
