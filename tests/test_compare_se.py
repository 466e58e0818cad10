"""Standard errors of simulated covariances from streamed fourth moments (issue 12, item 2)."""
from __future__ import annotations

import numpy as np
import pytest

from optproof.sim import HeavyBall, LeastSquares, Quadratic, Sampler, simulate


def _two_pass_se(th: np.ndarray) -> np.ndarray:
    """Var(s_ab) = μ22/n − σ_ab²(n−2)/(n(n−1)) + σ_aa σ_bb/(n(n−1)) from all records, two passes."""
    n = th.shape[0]
    c = th - th.mean(0)
    mu22 = np.einsum("ka,kb->ab", c**2, c**2) / n
    cv = c.T @ c / n
    v = mu22 / n - cv**2 * (n - 2) / (n * (n - 1)) + np.outer(np.diag(cv), np.diag(cv)) / (n * (n - 1))
    return np.sqrt(v)


def _lsq():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    return LeastSquares(X, X @ np.ones(3) + rng.normal(size=40))


def test_streamed_se_equals_two_pass_formula_and_is_chunk_independent():
    kw = dict(n_traj=3000, n_steps=12, record=("theta",), every=4, cov=True, cov_se=True, seed=2)
    a = simulate(_lsq(), HeavyBall(0.05, 0.9), Sampler("fresh", 4), chunk=4096, **kw)
    b = simulate(_lsq(), HeavyBall(0.05, 0.9), Sampler("fresh", 4), chunk=257, **kw)
    assert np.array_equal(a.cov_se["theta"], b.cov_se["theta"])  # bitwise, any chunking
    for r in range(a.steps.size):
        # float64 round-off of sums of 3000 terms: far below 1e-9 relative
        np.testing.assert_allclose(a.cov_se["theta"][r], _two_pass_se(a.records["theta"][:, r]), rtol=1e-9)


def test_se_of_a_gaussian_variance_is_sigma2_sqrt_2_over_n():
    """For N(0, s²) noise (one SGD step from 0 on a quadratic), se(s²) ≈ s²·√(2/(n−1))."""
    res = simulate(Quadratic(np.eye(2), noise_std=1.0), HeavyBall(1.0, 0.0), n_traj=20000, n_steps=1,
                   record=("theta",), every=1, stats_only=True, cov=True, cov_se=True)
    se = res.cov_se["theta"][0]
    # the plug-in μ4 of 20000 normal draws has relative sd √(96/n)/3 ≈ 2.3%: 15% is > 6 sd
    np.testing.assert_allclose(np.diag(se), np.sqrt(2 / 19999), rtol=0.15)
    np.testing.assert_allclose(se[0, 1], np.sqrt(1 / 19999), rtol=0.15)


def test_cov_se_needs_cov():
    with pytest.raises(ValueError, match="cov_se=True needs cov=True"):
        simulate(_lsq(), HeavyBall(0.05), Sampler("fresh", 4), n_traj=4, n_steps=2, record=("theta",),
                 cov_se=True)
