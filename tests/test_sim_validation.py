"""Bad input raises ValueError naming the parameter and the allowed range."""
from __future__ import annotations

import numpy as np
import pytest

import optproof.sim as sim

X = np.arange(12.0).reshape(6, 2)
P = sim.LeastSquares(X, np.ones(6))
OPT = sim.HeavyBall(0.1, 0.5)
SMP = sim.Sampler("reshuffle", 2)


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: sim.HeavyBall(0.0), "lr"),
        (lambda: sim.HeavyBall(-1.0), "lr"),
        (lambda: sim.HeavyBall(0.1, 1.5), "momentum"),
        (lambda: sim.HeavyBall(0.1, -0.1), "momentum"),
        (lambda: sim.SGD(float("nan")), "lr"),
        (lambda: sim.Sampler("shuffle", 2), "sampler"),
        (lambda: sim.Sampler("reshuffle", 0), "batch_size"),
        (lambda: sim.simulate(P, OPT, sim.Sampler("fixed", 7), n_epochs=1), "batch_size"),
        (lambda: sim.LeastSquares(X, np.ones(5)), "y"),
        (lambda: sim.LeastSquares(np.array([[np.nan, 1.0]]), [1.0]), "X"),
        (lambda: sim.Quadratic(np.ones((2, 3))), "H"),
        (lambda: sim.Quadratic([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: sim.Quadratic(np.eye(2), noise_std=-1), "noise_std"),
        (lambda: sim.simulate(P, OPT, SMP), "n_epochs"),
        (lambda: sim.simulate(P, OPT, SMP, n_epochs=1, n_steps=2), "n_epochs"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=0), "n_steps"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, n_traj=0), "n_traj"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, seed=-1), "seed"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, theta0=[1.0]), "theta0"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, m0=np.ones((2, 2)), n_traj=3), "m0"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, theta0=[np.inf, 0]), "theta0"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, record=("loss",)), "record"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, every="month"), "every"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, every=4), "every"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, chunk=0), "chunk"),
        (lambda: sim.simulate(P, OPT, "reshuffle", n_steps=3), "sampler"),
        (lambda: sim.simulate(sim.Quadratic(np.eye(2)), OPT, SMP, n_steps=3), "sampler"),
        (lambda: sim.simulate("lsq", OPT, SMP, n_steps=3), "problem"),
        (lambda: sim.simulate(P, "sgd", SMP, n_steps=3), "optimizer"),
        (lambda: sim.heavy_ball_stream(np.ones(3), 0.1), "grads"),
        (lambda: sim.epoch_order(SMP, 6, 0, -1, 0), "traj"),
        (lambda: sim.FiniteSum(1, 2, X, 2), "loss"),
        (lambda: sim.Quadratic(np.eye(2), noise_cov=[[1.0, 0.0], [0.0, -1.0]]), "noise_cov"),
        (lambda: sim.Quadratic(np.eye(2), noise_cov=[[1.0, 0.5], [0.0, 1.0]]), "noise_cov"),
        (lambda: sim.Quadratic(np.eye(2), noise_cov=np.eye(3)), "noise_cov"),
        (lambda: sim.Quadratic(np.eye(2), noise_cov=[[np.nan, 0.0], [0.0, 1.0]]), "noise_cov"),
        (lambda: sim.Quadratic(np.eye(2), noise_std=0.1, noise_cov=np.eye(2)), "noise_std"),
        (lambda: sim.Sampler("fresh", 0), "batch_size"),
        (lambda: sim.simulate(P, OPT, sim.Sampler("fresh", 7), n_steps=3), "batch_size"),
        (lambda: sim.batch_indices(sim.Sampler("fresh", 2), 6, 0, 0, 0), "step"),
        (lambda: sim.batch_indices(sim.Sampler("fresh", 2), 6, -1, 0, 1), "seed"),
        (lambda: sim.batch_indices(sim.Sampler("reshuffle", 2), 6, 0, 0, 0), "step"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, cov="yes"), "cov"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3, record=("theta",), joint_cov=True), "joint_cov"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3).diverged_fraction(0), "step"),
        (lambda: sim.simulate(P, OPT, SMP, n_steps=3).diverged_fraction(1.5), "step"),
    ],
)
def test_bad_input_raises_value_error_naming_parameter(make, word):
    with pytest.raises(ValueError, match=word):
        make()


def _row_loss(theta, row):
    return 0.5 * (row[0] * theta[0] - row[1]) ** 2


def _row_grad(theta, row, out):
    out[0] += row[0] * (row[0] * theta[0] - row[1])


def test_finite_sum_kernels_compile_once_per_function():
    """A new FiniteSum with the same user functions reuses the compiled kernels (no recompilation)."""
    from optproof.sim.problems import compiled

    data = np.array([[1.0, 2.0], [2.0, 1.0]])
    first, second = sim.FiniteSum(_row_loss, _row_grad, data, 1), sim.FiniteSum(_row_loss, _row_grad, 2 * data, 1)
    assert compiled(first) == compiled(second)
    assert first.loss is _row_loss  # the spec keeps the user's function; sim holds the compiled one
    res = sim.simulate(second, sim.SGD(0.1), sim.Sampler("fixed", 2), n_steps=1, theta0=[0.0], record=("theta",),
                       every="step")
    assert res.records["theta"][0, 0, 0] == pytest.approx(-0.1 * (2 * -4 + 4 * -2) / 2, rel=1e-15)


def test_sampler_kind_codes_match_the_kernel():
    from optproof.sim import samplers

    assert [samplers.RESHUFFLE, samplers.REPLACEMENT, samplers.FIXED, samplers.FRESH] == \
        [sim.Sampler(k, 1).code for k in ("reshuffle", "replacement", "fixed", "fresh")]
