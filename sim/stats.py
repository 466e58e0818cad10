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


# =========================================================================== fourth moments
@njit(cache=True)
def fourth_fold(x, count, shift, s1, p2, t3, q4):
    """Fold chunk records ``x`` (c, R, w) into shifted power sums, y = x − K (K = the first finite
    record, fixed once): s1_a = Σ y_a, p2_ab = Σ y_a y_b, t3_ab = Σ y_a² y_b, q4_ab = Σ y_a² y_b²."""
    w_ = x.shape[2]
    y = np.empty(w_)
    for k in range(x.shape[0]):
        for r in range(x.shape[1]):
            if math.isnan(x[k, r, 0]):
                continue
            if count[r] == 0:
                for a in range(w_):
                    shift[r, a] = x[k, r, a]
            count[r] += 1
            for a in range(w_):
                y[a] = x[k, r, a] - shift[r, a]
                s1[r, a] += y[a]
            for a in range(w_):
                ya2 = y[a] * y[a]
                for b in range(w_):
                    p2[r, a, b] += y[a] * y[b]
                    t3[r, a, b] += ya2 * y[b]
                    q4[r, a, b] += ya2 * y[b] * y[b]


class FourthMoments:
    """Standard errors of the sample covariances of records (R, w), from streamed fourth moments.

    With the plug-in central moments σ_ab and μ22_ab = E[(x_a − μ_a)²(x_b − μ_b)²] (computed from
    power sums of y = x − K about a fixed shift K, the first finite record, so no cancellation),

        Var(s_ab) = μ22_ab/n − σ_ab²(n − 2)/(n(n − 1)) + σ_aa σ_bb/(n(n − 1))

    (the exact variance of the unbiased sample covariance of n i.i.d. draws; a = b gives
    μ4/n − σ⁴(n − 3)/(n(n − 1))).  Folded in trajectory order like ``RunningStats``: bitwise the
    same for every chunk size and thread count; memory 4·R·w² floats, independent of n_traj.
    """

    def __init__(self, n_rec: int, width: int) -> None:
        self.count = np.zeros(n_rec, dtype=np.int64)
        self.shift = np.zeros((n_rec, width))
        self.s1 = np.zeros((n_rec, width))
        self.p2, self.t3, self.q4 = (np.zeros((n_rec, width, width)) for _ in range(3))

    def fold(self, x: np.ndarray) -> None:
        fourth_fold(x.reshape(x.shape[0], x.shape[1], -1), self.count, self.shift, self.s1, self.p2, self.t3, self.q4)

    def covariance_se(self) -> np.ndarray:
        """(R, w, w) standard error of each sample covariance (ddof = 1); NaN where count < 3."""
        n = self.count.astype(float)[:, None, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            m = self.s1 / n[:, :, 0]
            ma, mb = m[:, :, None], m[:, None, :]
            p, t, q = self.p2 / n, self.t3 / n, self.q4 / n
            pd = np.einsum("raa->ra", p)
            cov = p - ma * mb
            mu22 = (q - 2 * mb * t - 2 * ma * np.swapaxes(t, 1, 2) + mb ** 2 * pd[:, :, None]
                    + ma ** 2 * pd[:, None, :] + 4 * ma * mb * p - 3 * ma ** 2 * mb ** 2)
            var_diag = np.einsum("raa->ra", cov)
            var = (mu22 / n - cov ** 2 * (n - 2) / (n * (n - 1))
                   + var_diag[:, :, None] * var_diag[:, None, :] / (n * (n - 1)))
            se = np.sqrt(np.maximum(var, 0.0))
        se[self.count < 3] = np.nan
        return se
