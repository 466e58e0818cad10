"""Mean, variance and covariance across trajectories, reduced sequentially in trajectory order.

Welford's update, for the n-th finite value x of a record component:
    δ = x − mean;  mean += δ/n;  M2 += δ·(x − mean);   var = M2/(n − 1)  (ddof = 1),
and, for a covariance, with ε = x − mean (the updated mean), for a ≤ b:
    C2[a, b] += δ_a·ε_b;   cov[a, b] = cov[b, a] = C2[a, b]/(n − 1)   (exactly symmetric;
the diagonal is M2, so diag(cov) == var bitwise).  Memory O(records·w²), independent of n_traj.
Trajectories are folded in strictly increasing trajectory index, one chunk after another,
so the result is bitwise the same for every chunk size and thread count.  Excluded
(diverged) trajectories are NaN in the chunk records and are skipped; ``count`` says how
many entered each record.  mean is NaN where count = 0 and var where count < 2 (never silent:
``count`` is returned next to them).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def welford_fold(x, count, mean, m2, c2):
    """Fold chunk records ``x`` (c, R, w) into the running count (R,), mean and M2 (R, w) and,
    unless ``c2`` is empty, the upper triangle of C2 (R, w, w)."""
    w_ = x.shape[2]
    cov = c2.shape[0] > 0
    delta = np.empty(w_)
    eps = np.empty(w_)
    for k in range(x.shape[0]):
        for r in range(x.shape[1]):
            if math.isnan(x[k, r, 0]):
                continue
            count[r] += 1
            n = count[r]
            for w in range(w_):
                v = x[k, r, w]
                delta[w] = v - mean[r, w]
                mean[r, w] += delta[w] / n
                eps[w] = v - mean[r, w]
                m2[r, w] += delta[w] * eps[w]
            if cov:
                for a in range(w_):
                    da = delta[a]
                    for b in range(a, w_):
                        c2[r, a, b] += da * eps[b]


class RunningStats:
    """Accumulates records of shape (R, w) chunk by chunk, in trajectory order (``cov``: also C2)."""

    def __init__(self, n_rec: int, width: int, cov: bool = False) -> None:
        self.count = np.zeros(n_rec, dtype=np.int64)
        self.mean = np.zeros((n_rec, width))
        self.m2 = np.zeros((n_rec, width))
        self.c2 = np.zeros((n_rec, width, width) if cov else (0, 0, 0))

    def fold(self, x: np.ndarray) -> None:
        welford_fold(x.reshape(x.shape[0], x.shape[1], -1), self.count, self.mean, self.m2, self.c2)

    def covariance(self) -> np.ndarray:
        """(R, w, w) covariance (ddof = 1), exactly symmetric; NaN where count < 2."""
        iu = np.triu_indices(self.c2.shape[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            upper = self.c2 / np.maximum(self.count - 1, 1)[:, None, None]
        cov = np.zeros_like(upper)
        cov[:, iu[0], iu[1]] = upper[:, iu[0], iu[1]]
        cov[:, iu[1], iu[0]] = upper[:, iu[0], iu[1]]
        cov[self.count < 2] = np.nan
        return cov

    def result(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, var, count) with mean/var reshaped to (R,) + ``shape``."""
        c = self.count[:, None]
        mean = np.where(c > 0, self.mean, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(c > 1, self.m2 / np.maximum(c - 1, 1), np.nan)
        full = (len(self.count),) + shape
        return mean.reshape(full), var.reshape(full), self.count.copy()
