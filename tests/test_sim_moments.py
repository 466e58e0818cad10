"""What the theory-vs-simulation comparisons need from sim (issue 4): noise with a given covariance,
streamed covariances across trajectories, divergence counting.

Statistical tests use fixed seeds (never a Hypothesis-chosen one) and state their false-failure
rate α (the probability, were the generator exact, that the fixed seed makes the test fail).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import optproof.sim as sim

SEED = 424242
ALPHA = 1e-4


def _noise_samples(C, n_traj=4000, n_steps=5, seed=SEED):
    """ξ samples: with H = 0 and b = 0 the recorded gradient g_t is exactly the noise ξ_t."""
    d = len(C)
    res = sim.simulate(sim.Quadratic(np.zeros((d, d)), noise_cov=C), sim.SGD(0.1), n_traj=n_traj, n_steps=n_steps,
                       seed=seed, record=("grad",), every="step")
    return res.records["grad"].reshape(-1, d)  # independent: distinct (trajectory, step) keys


def test_noise_has_the_given_covariance():
    # Entrywise z-tests of S_ab = mean(ξ_a ξ_b) (mean 0 known) against C_ab, with
    # Var[ξ_a ξ_b] = C_aa C_bb + C_ab² (Gaussian); Bonferroni over the 6 entries: total α = 1e-4
    # (normal approximation, n = 20000).
    C = np.array([[1.0, 0.4, 0.0], [0.4, 0.5, -0.2], [0.0, -0.2, 2.0]])
    x = _noise_samples(C)
    n = len(x)
    zcrit = stats.norm.isf(ALPHA / 6 / 2)
    for a in range(3):
        for b in range(a, 3):
            z = ((x[:, a] * x[:, b]).mean() - C[a, b]) / np.sqrt((C[a, a] * C[b, b] + C[a, b] ** 2) / n)
            assert abs(z) < zcrit, (a, b, z)


def test_singular_noise_covariance_stays_in_its_range():
    # C = v vᵀ, v = (1, 1, 0): ξ = s·v with s ~ N(0, 1).  Deterministic: ξ_0 = ξ_1 and ξ_2 = 0 up to
    # rounding of the eigen factor; statistical: Σ s² ~ χ²_n, two-sided at α = 1e-4.
    C = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    x = _noise_samples(C, n_traj=2000)
    assert np.abs(x[:, 0] - x[:, 1]).max() < 1e-13 * np.abs(x).max() and np.abs(x[:, 2]).max() < 1e-13
    q = (x[:, 0] ** 2).sum()
    assert stats.chi2.ppf(ALPHA / 2, len(x)) < q < stats.chi2.isf(ALPHA / 2, len(x))


def _lsq(n=40, d=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return sim.LeastSquares(X, rng.standard_normal(n))


def test_streamed_covariance_matches_records_and_is_chunk_invariant():
    prob, opt, smp = _lsq(), sim.HeavyBall(0.05, 0.9), sim.Sampler("fresh", 6)
    kw = dict(n_traj=53, n_epochs=3, record=sim.RECORDABLES, cov=True, joint_cov=True)
    res = [sim.simulate(prob, opt, smp, stats_only=True, chunk=c, **kw) for c in (1, 7, 1000)]
    full = sim.simulate(prob, opt, smp, **kw)
    assert res[0].records == {} and set(res[0].cov) == {"theta", "velocity", "grad", sim.JOINT}
    for r in res[1:] + [full]:
        for k, v in res[0].cov.items():
            assert r.cov[k].tobytes() == v.tobytes(), k
    for k in ("theta", "velocity", "grad"):
        c = full.cov[k]
        assert c.shape == (3, 3, 3) and (c == c.transpose(0, 2, 1)).all()  # exactly symmetric
        assert np.diagonal(c, axis1=1, axis2=2).tobytes() == full.var[k].tobytes()  # diag == var bitwise
        for r in range(3):
            np.testing.assert_allclose(c[r], np.cov(full.records[k][:, r].T), rtol=1e-10, atol=1e-15)
    both = np.concatenate([full.records["theta"], full.records["velocity"]], axis=2)
    np.testing.assert_allclose(full.cov[sim.JOINT][-1], np.cov(both[:, -1].T), rtol=1e-10, atol=1e-15)


def test_covariance_skips_diverged_trajectories():
    theta0 = np.array([[1.0], [1e30], [1.0], [2.0]])  # trajectory 1 crosses the threshold at step 6
    res = sim.simulate(sim.Quadratic(np.eye(1)), sim.HeavyBall(2.5, 0.0), n_traj=4, n_steps=8, theta0=theta0,
                       every="step", record=("theta",), cov=True, diverge_threshold=1e31)
    assert res.diverged_step.tolist() == [-1, 6, -1, -1]
    keep = res.records["theta"][[0, 2, 3], 6, 0]
    assert res.cov["theta"][6, 0, 0] == res.var["theta"][6, 0] and np.isclose(res.cov["theta"][6, 0, 0], keep.var(ddof=1))


def _first_crossing(lr, lam, h, theta0, thr, T):
    """Plain recursion: the first step t with |θ_t| > thr (or −1), the kernel's divergence rule."""
    th, m = theta0, 0.0
    for t in range(1, T + 1):
        m = lam * m - lr * (h * th)
        th = th + m
        if not abs(th) <= thr:
            return t
    return -1


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.9])
def test_convergence_region_boundary_is_seen_as_divergence(lam):
    # Heavy ball on f = ½hθ² converges iff 0 < ηh < 2(1+λ) (λ < 1).  Just inside (×0.98) every
    # trajectory stays bounded; just outside (×1.02) every one diverges, at the step the plain
    # recursion first crosses the threshold; with noise, outside still diverges (fraction 1).
    h, thr, T = 2.0, 1e8, 4000
    theta0 = np.linspace(-1.0, 1.0, 8).reshape(8, 1)
    for factor, diverges in ((0.98, False), (1.02, True)):
        lr = factor * 2 * (1 + lam) / h
        res = sim.simulate(sim.Quadratic([[h]]), sim.HeavyBall(lr, lam), n_traj=8, n_steps=T, theta0=theta0,
                           every=T, diverge_threshold=thr)
        want = [_first_crossing(lr, lam, h, float(x), thr, T) for x in theta0[:, 0]]
        assert res.diverged_step.tolist() == want
        assert res.diverged_fraction() == (1.0 if diverges else 0.0)
        noisy = sim.simulate(sim.Quadratic([[h]], noise_std=0.1), sim.HeavyBall(lr, lam), n_traj=8, n_steps=T,
                             every=T, diverge_threshold=thr, stats_only=True)
        assert noisy.diverged_fraction() == (1.0 if diverges else 0.0)
        if diverges:
            assert noisy.count["full_loss"].tolist() == [0]  # excluded from the statistics


def test_diverged_fraction_per_step():
    theta0 = np.array([[1.0], [1e30], [1e25], [1.0]])
    res = sim.simulate(sim.Quadratic(np.eye(1)), sim.HeavyBall(2.5, 0.0), n_traj=4, n_steps=40, theta0=theta0,
                       every="step", diverge_threshold=1e31)
    steps = res.diverged_step
    assert steps[0] == steps[3] == -1 and 0 < steps[1] < steps[2]
    frac = res.diverged_fraction(res.steps)
    assert frac.tolist() == [((steps > 0) & (steps <= t)).mean() for t in res.steps]
    assert res.diverged_fraction() == 0.5 and res.diverged_fraction(int(steps[1])) == 0.25
