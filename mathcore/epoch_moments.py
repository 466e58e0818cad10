"""Exact moments of SGD / heavy ball / PyTorch SGD on least squares with reshuffled epochs, by
enumeration (C1, C3, C5; issue 12, item 4).

A reshuffled epoch draws a uniform permutation and cuts it into the batches b_1..b_S (sizes from
``Sampler.batch_sizes``; with ``drop_last`` the remainder is unused), so the batches of one epoch are
dependent and the i.i.d. recursion does not apply.  Given the epoch's ordered batch sequence p, each
step is affine in the state z = (θ, m) (no other randomness):

    z_t = A_{p,t} z_{t−1} + c_{p,t}   (batch gradient H_b θ − h_b, H_b = X_bᵀX_b/|b|, h_b = X_bᵀy_b/|b|)

and each of the M = N!/(Π|b_i|!·r!) ordered sequences is equally likely, independent of the past
epochs.  So with (ν, Z) = (E z, E zzᵀ) at the epoch's start, the conditional moments of sequence p
follow ν_p ← Aν_p + c, Z_p ← A Z_p Aᵀ + Aν_p cᵀ + cν_pᵀAᵀ + ccᵀ, and the moments at every step of the
epoch are their averages over the M sequences (exact up to float64 rounding).  "fixed" epochs are the
one sequence 0..N−1.  Feasible for small N only (``MAX_SEQUENCES``); beyond it ``epoch_moments``
returns None: there is no closed form here, and the caller reports the simulation alone.
"""
from __future__ import annotations

from itertools import combinations
from math import factorial, prod
from typing import Any

import numpy as np

from optproof.base.specs import HeavyBall, LeastSquares, PyTorchSGD, Sampler

__all__ = ["MAX_SEQUENCES", "n_sequences", "batch_sequences", "epoch_moments"]

MAX_SEQUENCES = 20_000


def n_sequences(n: int, sampler: Sampler) -> int:
    """M, the number of equally likely ordered batch sequences of one epoch."""
    if sampler.kind == "fixed":
        return 1
    sizes = [int(b) for b in sampler.batch_sizes(n)]
    return factorial(n) // (prod(factorial(b) for b in sizes) * factorial(n - sum(sizes)))


def batch_sequences(n: int, sizes: list[int]):
    """Every ordered sequence of disjoint batches of ``sizes`` from range(n) (tuples of tuples)."""
    if not sizes:
        yield ()
        return
    for first in combinations(range(n), sizes[0]):
        rest = [i for i in range(n) if i not in first]
        for tail in batch_sequences(len(rest), sizes[1:]):
            yield (first,) + tuple(tuple(rest[i] for i in b) for b in tail)


def _batch_terms(X: np.ndarray, y: np.ndarray, seqs: list) -> tuple[np.ndarray, np.ndarray]:
    """H_b (M, S, d, d) and h_b (M, S, d) of every batch of every sequence."""
    H = np.array([[X[list(b)].T @ X[list(b)] / len(b) for b in seq] for seq in seqs])
    h = np.array([[X[list(b)].T @ y[list(b)] / len(b) for b in seq] for seq in seqs])
    return H, h


def _maps(opt: Any, H: np.ndarray, h: np.ndarray, t: int, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """(A (M, 2d, 2d), c (M, 2d)) of step t for batch terms H (M, d, d), h (M, d)."""
    M, d = h.shape
    eye = np.eye(d)
    if isinstance(opt, HeavyBall):  # m' = λm − η(Hθ − h), θ' = θ + m'
        A = np.zeros((M, 2 * d, 2 * d))
        A[:, :d, :d] = eye - lr * H
        A[:, :d, d:] = opt.momentum * eye
        A[:, d:, :d] = -lr * H
        A[:, d:, d:] = opt.momentum * eye
        return A, np.concatenate([lr * h, lr * h], axis=1)
    from optproof.mathcore.pytorch_moments import affine_step

    A, c, _ = affine_step(H + opt.weight_decay * eye, h, opt, t, lr)
    return A, c


def _steps(opt: Any, n_steps: int) -> np.ndarray:
    return opt.lrs(n_steps) if isinstance(opt, PyTorchSGD) else np.full(n_steps, opt.lr)


def epoch_moments(problem: LeastSquares, optimizer: Any, sampler: Sampler, n_steps: int,
                  theta0: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Means (T+1, 2d) and covariances (T+1, 2d, 2d) of z_t = (θ_t, m_t) from z_0 = (θ_0, 0) under
    "reshuffle" / "fixed" epochs, or None when the epoch has more than MAX_SEQUENCES sequences."""
    n, d = problem.n, problem.dim
    if n_sequences(n, sampler) > MAX_SEQUENCES:
        return None
    sizes = [int(b) for b in sampler.batch_sizes(n)]
    seqs = [tuple(tuple(range(sum(sizes[:s]), sum(sizes[:s + 1]))) for s in range(len(sizes)))] \
        if sampler.kind == "fixed" else list(batch_sequences(n, sizes))
    H, h = _batch_terms(problem.X, problem.y, seqs)
    lrs = _steps(optimizer, n_steps)
    z0 = np.concatenate([np.zeros(d) if theta0 is None else np.asarray(theta0, float), np.zeros(d)])
    mean, second = z0, np.outer(z0, z0)
    means, seconds = [mean], [second]
    t = 0
    while t < n_steps:
        nu = np.repeat(mean[None], len(seqs), axis=0)
        Z = np.repeat(second[None], len(seqs), axis=0)
        for s in range(min(len(sizes), n_steps - t)):
            t += 1
            A, c = _maps(optimizer, H[:, s], h[:, s], t, lrs[t - 1])
            cross = np.einsum("mij,mj,mk->mik", A, nu, c)
            Z = np.einsum("mij,mjk,mlk->mil", A, Z, A) + cross + np.swapaxes(cross, 1, 2) + np.einsum("mi,mj->mij", c, c)
            nu = np.einsum("mij,mj->mi", A, nu) + c
            means.append(nu.mean(0))
            seconds.append(Z.mean(0))
        mean, second = means[-1], seconds[-1]
    means = np.array(means)
    return means, np.array(seconds) - np.einsum("ti,tj->tij", means, means)
