"""Reshuffled epochs: exact moments by enumerating the epoch's batch sequences (issue 12, item 4)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import optproof
from optproof.mathcore.epoch_moments import MAX_SEQUENCES, epoch_moments, n_sequences


def _lsq(n, d=2, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return optproof.LeastSquares(X, X @ np.ones(d) + rng.normal(size=n))


def test_enumeration_equals_brute_force_over_all_permutations():
    """N = 4, B = 2, two epochs: the average over all 4!·4! permutation pairs (float64 sums of 576
    terms: 1e-13 is ~500 ulps of the O(1) entries)."""
    P, opt = _lsq(4), optproof.HeavyBall(0.1, 0.5)
    mean, cov = epoch_moments(P, opt, optproof.Sampler("reshuffle", 2), 4)
    trajs = []
    for perms in itertools.product(itertools.permutations(range(4)), repeat=2):
        th, m, traj = np.zeros(2), np.zeros(2), []
        for perm in perms:
            for s in range(2):
                b = list(perm[2 * s:2 * s + 2])
                m = 0.5 * m - 0.1 * P.X[b].T @ (P.X[b] @ th - P.y[b]) / 2
                th = th + m
                traj.append(th.copy())
        trajs.append(traj)
    trajs = np.array(trajs)
    np.testing.assert_allclose(mean[1:, :2], trajs.mean(0), atol=1e-13)
    for k in range(4):
        np.testing.assert_allclose(cov[k + 1, :2, :2], np.cov(trajs[:, k].T, bias=True), atol=1e-13)


@pytest.mark.parametrize("sampler, opt", [
    (optproof.Sampler("reshuffle", 2), optproof.HeavyBall(0.1, 0.8)),
    (optproof.Sampler("reshuffle", 3, drop_last=True), optproof.sim.PyTorchSGD(0.1, 0.9, nesterov=True)),
    (optproof.Sampler("reshuffle", 4), optproof.sim.PyTorchSGD(0.1, 0.5, dampening=0.2, lr_schedule="cosine")),
])
def test_exact_reshuffle_moments_match_simulation(sampler, opt):
    c = optproof.compare(_lsq(7), opt, sampler, n_steps=20, n_traj=20000)
    assert c.exact is not None and c.passed


def test_fixed_order_is_deterministic():
    c = optproof.compare(_lsq(6), optproof.HeavyBall(0.1, 0.5), optproof.Sampler("fixed", 4), n_steps=6, n_traj=10)
    assert c.passed and np.allclose(c.exact["theta_cov"], 0, atol=1e-14) and np.allclose(c.estimate["theta_cov"], 0, atol=1e-15)


def test_large_n_has_no_closed_form():
    assert n_sequences(40, optproof.Sampler("reshuffle", 8)) > MAX_SEQUENCES
    assert epoch_moments(_lsq(40), optproof.SGD(0.1), optproof.Sampler("reshuffle", 8), 5) is None
