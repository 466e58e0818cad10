"""Mean and variance across trajectories, reduced sequentially in trajectory order.

Welford's update, for the n-th finite value x of a record component:
    δ = x − mean;  mean += δ/n;  M2 += δ·(x − mean);   var = M2/(n − 1)  (ddof = 1).
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
def welford_fold(x, count, mean, m2):
    """Fold chunk records ``x`` (c, R, w) into the running count (R,), mean and M2 (R, w)."""
    for k in range(x.shape[0]):
        for r in range(x.shape[1]):
            if math.isnan(x[k, r, 0]):
                continue
            count[r] += 1
            n = count[r]
            for w in range(x.shape[2]):
                v = x[k, r, w]
                delta = v - mean[r, w]
                mean[r, w] += delta / n
                m2[r, w] += delta * (v - mean[r, w])


class RunningStats:
    """Accumulates records of shape (R, w) chunk by chunk, in trajectory order."""

    def __init__(self, n_rec: int, width: int) -> None:
        self.count = np.zeros(n_rec, dtype=np.int64)
        self.mean = np.zeros((n_rec, width))
        self.m2 = np.zeros((n_rec, width))

    def fold(self, x: np.ndarray) -> None:
        welford_fold(x.reshape(x.shape[0], x.shape[1], -1), self.count, self.mean, self.m2)

    def result(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, var, count) with mean/var reshaped to (R,) + ``shape``."""
        c = self.count[:, None]
        mean = np.where(c > 0, self.mean, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(c > 1, self.m2 / np.maximum(c - 1, 1), np.nan)
        full = (len(self.count),) + shape
        return mean.reshape(full), var.reshape(full), self.count.copy()
