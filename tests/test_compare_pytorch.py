"""``PyTorchSGD``: the simulator's step is the conformance checker's ``Reference.pytorch`` step, and
its exact moments match the simulation (issue 12, item 3)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from optproof.base.conventions import init_state, reference_step
from optproof.proofs.conformance import Reference
from optproof.sim import LeastSquares, PyTorchSGD, Sampler, simulate

SCHEDULES = [None, ("step", {"step_size": 3, "gamma": 0.5}), "cosine", ("linear_warmup", {"total_iters": 4}),
             np.linspace(1.0, 0.2, 6)]
OPTIONS = [dict(momentum=0.0), dict(momentum=0.9), dict(momentum=0.9, dampening=0.3),
           dict(momentum=0.9, nesterov=True), dict(momentum=0.5, weight_decay=0.1),
           dict(momentum=0.9, nesterov=True, weight_decay=0.05), dict(momentum=0.0, weight_decay=0.2)]


def _lsq():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 3))
    return LeastSquares(X, X @ np.ones(3) + rng.normal(size=30))


@pytest.mark.parametrize("opts, schedule", list(itertools.product(OPTIONS, SCHEDULES)))
def test_simulator_step_is_reference_pytorch_step_bitwise(opts, schedule):
    """Feed the recorded batch gradients g_t to ``Reference.pytorch``'s NumPy step: same θ_t, bitwise
    (both evaluate g + wd·θ, μb + (1 − τ)g, g + μb and θ − η_t·dir with the same roundings)."""
    opt = PyTorchSGD(0.05, lr_schedule=schedule, **opts)
    T = 12
    res = simulate(_lsq(), opt, Sampler("fresh", 5), n_traj=4, n_steps=T, seed=1,
                   record=("theta", "grad"), every="step")
    conv = Reference.pytorch(**opts).convention
    lrs = opt.lrs(T)
    for k in range(4):
        theta, state = np.zeros(3), init_state(conv, np.zeros(3))
        for t in range(T):
            theta, state = reference_step(conv, theta, state, res.records["grad"][k, t], lrs[t])
            assert np.array_equal(theta, res.records["theta"][k, t]), (k, t)


def test_pytorch_rejects_bad_options():
    with pytest.raises(ValueError, match="nesterov"):
        PyTorchSGD(0.1, momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="lr_schedule"):
        PyTorchSGD(0.1, lr_schedule="exponential")
    with pytest.raises(ValueError, match="step_size"):
        PyTorchSGD(0.1, lr_schedule=("step", {"step_size": 0}))
    with pytest.raises(ValueError, match="m0"):
        simulate(_lsq(), PyTorchSGD(0.1, 0.9), Sampler("fresh", 5), n_traj=2, n_steps=2, every=1, m0=np.ones(3))


def test_moment_recursion_is_proven_symbolically():
    from optproof.mathcore.pytorch_moments_proofs import prove_pytorch_moment_recursion

    pf = prove_pytorch_moment_recursion()
    assert pf.holds and len(pf.steps) == 20


def test_heavy_ball_is_the_pytorch_instance_without_dampening():
    """PyTorch (μ, τ = 0) is heavy ball with m = −η b: same θ moments up to float64 rounding
    (the two recursions round differently; 1e-12 is ~10⁴ ulps of the O(1) entries)."""
    import optproof

    P, S = _lsq(), Sampler("fresh", 6)
    a = optproof.moments(P, PyTorchSGD(0.05, 0.9), S, 40)
    b = optproof.moments(P, optproof.HeavyBall(0.05, 0.9), S, 40)
    np.testing.assert_allclose(a.theta_mean, b.theta_mean, atol=1e-12)
    np.testing.assert_allclose(a.theta_cov, b.theta_cov, atol=1e-12)
    np.testing.assert_allclose(-0.05 * a.velocity_mean, b.velocity_mean, atol=1e-12)


@pytest.mark.parametrize("i", range(len(OPTIONS)))
def test_exact_pytorch_moments_match_simulation_for_every_option(i):
    import optproof

    opt = PyTorchSGD(0.05, lr_schedule=SCHEDULES[i % len(SCHEDULES)], **OPTIONS[i])
    c = optproof.compare(_lsq(), opt, Sampler("fresh", 6), n_steps=30, n_traj=20000, seed=i)
    assert c.passed, [r for r in c.rows if r["verdict"] == "fail"]


def test_noisy_quadratic_with_pytorch_sgd():
    import optproof

    Q = optproof.Quadratic(np.array([[2.0, 0.3], [0.3, 1.0]]), b=np.array([1.0, -1.0]), noise_std=0.5)
    c = optproof.compare(Q, PyTorchSGD(0.1, 0.8, nesterov=True, weight_decay=0.1), None, n_steps=40, n_traj=20000)
    assert c.passed
