"""One vocabulary (issue 8 item 5): ``mathcore.minibatch.moments`` reads the simulator's specs.

- it equals the array-style recursions it wraps (``minibatch_moments``, ``noise.moments``) exactly;
- a fixed-seed simulation of the same specs agrees through the harness ``optproof.proofs.stats``
  (each comparison at the harness's ``ALPHA_EACH``; 3 runs x at most 7 comparisons, so a correct
  implementation fails this file with probability <= 21 * 5e-6 ~ 1e-4);
- samplers without an i.i.d. closed form, FiniteSum and bad arguments are refused up front.
"""
from __future__ import annotations

import numpy as np
import pytest

import optproof
import optproof.sim as sim
from optproof.base import specs
from optproof.mathcore import minibatch_moments, noise
from optproof.mathcore.minibatch import moments
from optproof.proofs.stats import ALPHA_EACH, compare_mean

SEED = 20261202  # fixed, never searched over
N_TRAJ = 20_000


def _data(n: int = 12, d: int = 2):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, d))
    return X, X @ np.array([1.0, -0.5]) + 0.3 * rng.normal(size=n)


def test_specs_are_shared_and_public():
    assert sim.LeastSquares is specs.LeastSquares and sim.Sampler is specs.Sampler
    assert sim.HeavyBall is specs.HeavyBall and sim.Quadratic is specs.Quadratic and sim.FiniteSum is specs.FiniteSum
    assert optproof.moments is moments


@pytest.mark.parametrize("kind, momentum", [("fresh", 0.0), ("fresh", 0.7), ("replacement", 0.5)])
def test_least_squares_equals_the_array_recursion(kind, momentum):
    X, y = _data()
    theta0 = np.array([2.0, 1.0])
    got = moments(sim.LeastSquares(X, y), sim.HeavyBall(0.1, momentum), sim.Sampler(kind, 4), 25, theta0)
    old = minibatch_moments.minibatch_moments(X, y, 0.1, momentum, 4, 25, theta0, replace=kind == "replacement")
    assert np.array_equal(got.theta_mean, old.mean) and np.array_equal(got.theta_cov, old.cov)
    assert got.theta_mean.shape == (26, 2) and got.theta_cov.shape == (26, 2, 2) and got.loss_mean.shape == (26,)
    G, h, c = X.T @ X / len(y), X.T @ y / len(y), y @ y / (2 * len(y))
    direct = 0.5 * theta0 @ G @ theta0 - h @ theta0 + c  # step 0 is deterministic
    assert got.loss_mean[0] == pytest.approx(direct, rel=1e-14)


def test_quadratic_equals_the_additive_recursion():
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    C = np.array([[0.5, 0.1], [0.1, 0.2]])
    opt = sim.HeavyBall(0.2, 0.6)
    got = moments(sim.Quadratic(H, noise_cov=C), opt, None, 30, [1.0, -1.0])
    old = noise.moments(H, 0.2, 0.6, C, [1.0, -1.0], 0.0, 30)
    assert np.array_equal(got.theta_mean, old.theta_mean) and np.array_equal(got.joint_cov, old.cov)
    b = np.array([1.0, 2.0])  # b != 0: eigen route around theta* = H^-1 b against the dense affine recursion
    with_b = moments(sim.Quadratic(H, b, noise_std=0.3), opt, None, 30)
    dense = noise.moments(H, 0.2, 0.6, 0.09 * np.eye(2), 0.0, 0.0, 30, method="dense", b=b)
    np.testing.assert_allclose(with_b.theta_mean, dense.theta_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(with_b.joint_cov, dense.cov, rtol=1e-12, atol=1e-14)


def _agree(res, exact, step: int) -> None:
    """Mean and variance of each θ coordinate, E[m] and E[L] at ``step`` against the exact moments."""
    th, m, loss = res.records["theta"][:, -1], res.records["velocity"][:, -1], res.records["full_loss"][:, -1]
    comps = [compare_mean("E loss", loss, float(exact.loss_mean[step]), ALPHA_EACH)]
    for p in range(th.shape[1]):
        mu = float(exact.theta_mean[step, p])
        comps.append(compare_mean(f"E theta_{p}", th[:, p], mu, ALPHA_EACH))
        comps.append(compare_mean(f"Var theta_{p}", (th[:, p] - mu) ** 2, float(exact.theta_cov[step, p, p]), ALPHA_EACH))
        comps.append(compare_mean(f"E m_{p}", m[:, p], float(exact.velocity_mean[step, p]), ALPHA_EACH))
    bad = [str(c) for c in comps if not c.passed]
    assert not bad, bad


@pytest.mark.statistical
@pytest.mark.parametrize("problem, sampler", [
    (sim.LeastSquares(*_data()), sim.Sampler("fresh", 3)),
    (sim.LeastSquares(*_data(n=10)), sim.Sampler("replacement", 4)),  # epochs of 4 + 4 + 2: c_t follows |b_t|
    (sim.Quadratic(np.diag([1.5, 0.5]), [0.5, 0.0], noise_cov=[[0.4, 0.1], [0.1, 0.3]]), None),
], ids=["lsq-fresh", "lsq-replacement-short-batch", "quadratic"])
def test_a_fixed_seed_simulation_agrees(problem, sampler):
    opt, T, theta0 = sim.HeavyBall(0.1, 0.6), 15, np.array([1.0, -2.0])
    exact = moments(problem, opt, sampler, T, theta0)
    res = sim.simulate(problem, opt, sampler, n_traj=N_TRAJ, n_steps=T, seed=SEED, theta0=theta0,
                       record=("theta", "velocity", "full_loss"), every=T)
    _agree(res, exact, T)


@pytest.mark.parametrize("call, match", [
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), sim.Sampler("reshuffle", 4), 5), "i.i.d."),
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), sim.Sampler("fixed", 4), 5), "i.i.d."),
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), None, 5), "sampler"),
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), sim.Sampler("fresh", 13), 5), "batch_size"),
    (lambda: moments(sim.Quadratic(np.eye(2)), sim.SGD(0.1), sim.Sampler("fresh", 1), 5), "sampler"),
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), sim.Sampler("fresh", 4), -1), "n_steps"),
    (lambda: moments(sim.LeastSquares(*_data()), sim.SGD(0.1), sim.Sampler("fresh", 4), 5, [1.0]), "theta0"),
    (lambda: moments(sim.LeastSquares(*_data()), "sgd", sim.Sampler("fresh", 4), 5), "optimizer"),
    (lambda: moments(sim.FiniteSum(lambda t, r: 0.0, lambda t, r, o: None, np.ones((2, 1)), 1), sim.SGD(0.1),
                     sim.Sampler("fresh", 1), 5), "problem"),
])
def test_refused_inputs_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()
