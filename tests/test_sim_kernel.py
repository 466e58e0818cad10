"""Deterministic checks: the Numba kernel equals the plain Python reference fed the same draws.

Why bitwise equality is the right tolerance: kernel (``sim.kernels``) and reference
(``sim.reference``) execute the same sequence of IEEE-754 double operations (same summation
order, no fastmath so LLVM may neither reassociate nor contract a*b+c into an FMA), and each
operation is correctly rounded, so every intermediate is identical.  The only library calls
(log, cos, sqrt in the Box–Muller noise) go to the same C math library from both sides;
for them alone we allow 4 ulp of the noise scale per step (``NOISE_RTOL``) in case a platform
uses a different libm in Numba.
"""
from __future__ import annotations

import numpy as np
import pytest

import optproof.sim as sim
from numba import njit

from optproof.sim import reference as ref
from optproof.sim.kernels import fma
from optproof.sim.rng import draw_u64, half32, std_normal, stream_key, uniform_int32

ALL = sim.RECORDABLES


def _lsq(n=11, d=3, gram=True, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return sim.LeastSquares(X, X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n), gram=gram)


def _compare(res, want, names=ALL, rtol=0.0):
    np.testing.assert_array_equal(res.diverged_step, want["diverged_step"])
    for name in names:
        if rtol == 0.0:
            np.testing.assert_array_equal(res.records[name], want[name], err_msg=name)
        else:
            np.testing.assert_allclose(res.records[name], want[name], rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("kind", list(sim.SAMPLER_KINDS))
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("gram", [True, False])
@pytest.mark.parametrize("n, B", [(11, 4), (29, 19)])  # 19 = 8 + 8 + 3: the kernel's 8-example blocks + tail
def test_least_squares_kernel_equals_reference(kind, drop_last, gram, n, B):
    prob, opt, smp = _lsq(n=n, gram=gram), sim.HeavyBall(0.05, 0.7), sim.Sampler(kind, B, drop_last)
    theta0 = np.linspace(-1, 1, 3 * 3).reshape(3, 3)
    res = sim.simulate(prob, opt, smp, n_traj=3, n_steps=10, seed=7, theta0=theta0, m0=[0.1, 0, -0.1],
                       record=ALL, every="step")
    want = ref.simulate_reference(prob, opt, smp, n_traj=3, n_steps=10, seed=7, theta0=theta0, m0=[0.1, 0, -0.1])
    _compare(res, want)


# W = 4 vector blocks: 1, 1 + tail, 2, 3, 4 (W1's d), 5 (d < 4 above); d = 4, 8, 12, 16 take the unrolled copy
@pytest.mark.parametrize("d", [4, 6, 8, 12, 16, 20])
def test_least_squares_kernel_equals_reference_in_vector_blocks(d):
    prob, opt, smp = _lsq(n=29, d=d), sim.HeavyBall(0.05, 0.7), sim.Sampler("reshuffle", 19)  # 8 + 8 + 3, 4·4 + 3
    theta0 = np.linspace(-1, 1, 2 * d).reshape(2, d)
    res = sim.simulate(prob, opt, smp, n_traj=2, n_steps=6, seed=7, theta0=theta0, record=ALL, every="step")
    want = ref.simulate_reference(prob, opt, smp, n_traj=2, n_steps=6, seed=7, theta0=theta0)
    _compare(res, want)


def test_every_epoch_records_are_the_step_records_at_epoch_ends():
    prob, opt, smp = _lsq(), sim.HeavyBall(0.05, 0.9), sim.Sampler("reshuffle", 4)
    a = sim.simulate(prob, opt, smp, n_traj=2, n_epochs=3, record=ALL, every="step")
    b = sim.simulate(prob, opt, smp, n_traj=2, n_epochs=3, record=ALL, every="epoch")
    S = smp.steps_per_epoch(11)
    assert b.steps.tolist() == [S, 2 * S, 3 * S] and b.batch_sizes.tolist() == [3, 3, 3]
    for name in ALL:
        np.testing.assert_array_equal(a.records[name][:, S - 1 :: S], b.records[name])


def test_sgd_is_heavy_ball_with_zero_momentum_and_gd_matches_reference():
    prob = _lsq()
    full = sim.Sampler("fixed", 11)  # full batch: GD
    res = sim.simulate(prob, sim.SGD(0.1), full, n_traj=1, n_steps=6, record=ALL, every="step")
    want = ref.simulate_reference(prob, sim.HeavyBall(0.1, 0.0), full, n_traj=1, n_steps=6)
    _compare(res, want)


def test_quadratic_with_noise_matches_reference():
    NOISE_RTOL = 4 * np.finfo(float).eps * 10  # see module docstring; ~10 steps of propagated ulps
    H = np.array([[2.0, 0.3], [0.3, 0.5]])
    prob = sim.Quadratic(H, b=[1.0, -1.0], noise_std=0.2)
    opt = sim.HeavyBall(0.1, 0.8)
    res = sim.simulate(prob, opt, n_traj=3, n_steps=8, seed=3, theta0=[1.0, 2.0], record=ALL, every="step")
    want = ref.simulate_reference(prob, opt, None, n_traj=3, n_steps=8, seed=3, theta0=[1.0, 2.0])
    _compare(res, want, rtol=NOISE_RTOL)


@pytest.mark.parametrize("C", [
    [[1.0, 0.4, 0.0], [0.4, 0.5, -0.2], [0.0, -0.2, 2.0]],  # positive definite: Cholesky factor
    [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]],  # singular PSD (rank 1): eigen factor
])
def test_quadratic_with_noise_covariance_matches_reference(C):
    NOISE_RTOL = 4 * np.finfo(float).eps * 10  # as above: only libm (log, cos, sqrt) may differ
    prob = sim.Quadratic(np.diag([2.0, 1.0, 0.5]), b=[1.0, 0.0, -1.0], noise_cov=C)
    np.testing.assert_allclose(prob.noise_factor @ prob.noise_factor.T, C, atol=1e-15)
    opt = sim.HeavyBall(0.1, 0.8)
    res = sim.simulate(prob, opt, n_traj=3, n_steps=8, seed=5, theta0=[1.0, 2.0, 0.0], record=ALL, every="step")
    want = ref.simulate_reference(prob, opt, None, n_traj=3, n_steps=8, seed=5, theta0=[1.0, 2.0, 0.0])
    _compare(res, want, rtol=NOISE_RTOL)


@njit
def _lsq_residual(theta, row):  # lsq_batch's order: W = 4 fma partial sums, (s0 + s1) + (s2 + s3), fma tail
    d = theta.shape[0]
    d4 = 4 * (d // 4)
    s = np.zeros(4)
    for j in range(d4):
        s[j % 4] = fma(row[j], theta[j], s[j % 4])
    a = (s[0] + s[1]) + (s[2] + s[3])
    for j in range(d4, d):
        a = fma(row[j], theta[j], a)
    return a - row[-1]


@pytest.mark.parametrize("d", [3, 6])  # 6 = one W-block + a tail
def test_finite_sum_matches_reference_and_least_squares(d):
    def loss(theta, row):
        r = _lsq_residual(theta, row)
        return 0.5 * r * r

    def grad(theta, row, out):
        r = _lsq_residual(theta, row)
        for j in range(theta.shape[0]):
            out[j] = fma(r, row[j], out[j])

    rng = np.random.default_rng(1)
    X = rng.standard_normal((11, d))
    lsq = sim.LeastSquares(X, X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(11), gram=False)
    fs = sim.FiniteSum(loss, grad, np.column_stack([lsq.X, lsq.y]), dim=d)
    opt, smp = sim.HeavyBall(0.05, 0.5), sim.Sampler("reshuffle", 3)
    a = sim.simulate(fs, opt, smp, n_traj=2, n_steps=9, record=ALL, every="step")
    want = ref.simulate_reference(fs, opt, smp, n_traj=2, n_steps=9)
    _compare(a, want)
    b = sim.simulate(lsq, opt, smp, n_traj=2, n_steps=9, record=ALL, every="step")
    for name in [n for n in ALL if n != "full_loss"]:  # same per-example arithmetic => same numbers as the built-in least squares
        np.testing.assert_array_equal(a.records[name], b.records[name])
    # full loss: the built-in (gram=False) sums r_i = x_i·θ − y_i plainly in j order, the FiniteSum above
    # in lsq_batch's order.  Each dot product is within γ_d·Σ_j|x_ij θ_j| of the exact one (γ_d = d·u/(1 − d·u)),
    # so |Δr_i| ≤ 2γ_d·s_i, |Δ½r_i²| ≤ |r_i|·|Δr_i| + ½|Δr_i|², and the two same-order sums of N terms add
    # at most 2γ_N·Σ_i ½r_i² more (u = 2^-53); the bound is evaluated at the (bitwise equal) recorded θ.
    u = np.finfo(float).eps / 2
    gam = lambda n: n * u / (1 - n * u)  # noqa: E731
    th = a.records["theta"]
    s = np.abs(X)[None, None] * np.abs(th)[:, :, None, :]  # (traj, rec, N, d)
    r = np.einsum("nd,tkd->tkn", X, th) - lsq.y
    dr = 2 * gam(d) * s.sum(axis=3)
    bound = ((np.abs(r) * dr + 0.5 * dr**2).sum(axis=2) + 2 * gam(11) * (0.5 * r**2).sum(axis=2)) / 11
    assert (np.abs(a.records["full_loss"] - b.records["full_loss"]) <= bound).all()


def test_rng_matches_python_integers():
    for seed, traj, stream in [(0, 0, 0), (2**64 - 1, 5, 1), (12345, 2**40, 0)]:
        key = stream_key(np.uint64(seed), traj, stream)
        assert int(key) == ref.stream_key(seed, traj, stream)
        for c in [0, 1, 2**32 + 7, 2**63]:
            u = draw_u64(key, np.uint64(c))
            assert int(u) == ref.draw_u64(int(key), c)
            for q in (0, 1):
                for n in [1, 2, 3, 1000, 2**31 + 11, 2**32]:
                    uu = np.uint64(u)  # Numba returns uint64 as a Python int
                    assert uniform_int32(half32(uu, q), n, uu) == ref.uniform_int32(int(u), q, n)
        assert std_normal(key, 3, 4) == ref.std_normal(int(key), 3, 4)


def test_uniform_int32_rejection_path_is_exact():
    # n = 3·2^30: (2^32 − n) % n = 2^30, so halves with low product < 2^30 are rejected and redrawn
    n = 3 * 2**30
    half = lambda u, q: (u & 0xFFFFFFFF) if q else u >> 32  # noqa: E731
    hits = [(c, q) for c in range(2000) for q in (0, 1) if (half(ref.draw_u64(99, c), q) * n & 0xFFFFFFFF) < 2**30]
    assert hits, "expected some rejections for this n"
    for c, q in hits:
        u = ref.draw_u64(99, c)
        assert uniform_int32(half32(np.uint64(u), q), n, np.uint64(u)) == ref.uniform_int32(u, q, n) < n


def test_divergence_is_reported_and_excluded_from_statistics():
    prob = _lsq(n=8, d=2)
    lr_big = 50.0  # far beyond 2/λ_max(XᵀX/B): the iterates blow up geometrically
    theta0 = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    res = sim.simulate(prob, sim.HeavyBall(lr_big, 0.0), sim.Sampler("fixed", 8), n_traj=3, n_steps=400,
                       theta0=theta0, record=("full_loss", "theta"), every="step", diverge_threshold=1e50)
    assert (res.diverged_step > 0).all() and res.n_diverged == 3
    t = int(res.diverged_step[0])
    assert np.isfinite(res.records["theta"][0, : t - 1]).all() and np.isnan(res.records["theta"][0, t - 1 :]).all()
    assert res.count["full_loss"][t - 2] == 3 and res.count["full_loss"][-1] == 0
    assert np.isnan(res.mean["full_loss"][-1])  # count 0 says why
    # mixed: the safe trajectory (small lr on its own run) keeps finite statistics
    ok = sim.simulate(prob, sim.HeavyBall(0.01, 0.0), sim.Sampler("fixed", 8), n_traj=3, n_steps=10, every="step")
    assert ok.n_diverged == 0 and (ok.count["full_loss"] == 3).all() and np.isfinite(ok.var["full_loss"]).all()


def test_partial_divergence_counts_per_record():
    prob = sim.Quadratic(np.eye(1))
    theta0 = np.array([[1.0], [1e30], [1.0]])  # the middle one crosses the threshold quickly
    res = sim.simulate(prob, sim.HeavyBall(2.5, 0.0), n_traj=3, n_steps=5, theta0=theta0,
                       every="step", diverge_threshold=1e31)
    # θ_t = (1 − 2.5)^t θ_0 = (−1.5)^t θ_0: |1e30·1.5^t| > 1e31 first at t = 6 > 5? 1.5^6 = 11.4 -> never
    assert res.n_diverged == 0
    res = sim.simulate(prob, sim.HeavyBall(2.5, 0.0), n_traj=3, n_steps=8, theta0=theta0,
                       every="step", diverge_threshold=1e31)
    assert res.diverged_step.tolist() == [-1, 6, -1]
    assert res.count["full_loss"].tolist() == [3] * 5 + [2] * 3
    np.testing.assert_array_equal(res.mean["full_loss"][5:], res.records["full_loss"][0, 5:])
