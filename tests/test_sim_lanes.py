"""The trajectory-vectorised kernel (``sim.kernels_lanes``) gives bitwise the same ``simulate`` results as
the scalar kernel (``sim.kernels``): every sampler kind, drop_last on/off, n_traj not a multiple of
the lane count, 1 and 2 threads, records and streamed statistics, divergence steps (issue 14, W1)."""
from __future__ import annotations

import sys

import numba
import numpy as np
import pytest

import optproof.sim as sim
from optproof.sim.kernels import get_kernel
from optproof.sim.kernels_lanes import LANES, get_lanes_kernel, lanes_apply
from optproof.sim.problems import FSUM, LSQ_EXACT, LSQ_GRAM, QUAD

SIM = sys.modules["optproof.sim.simulate"]  # the module (optproof.sim.simulate is also the function)


def _data(n=23, d=3):
    rng = np.random.default_rng(11)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def _both(monkeypatch, threads, **kw):
    X, y = _data()
    args = dict(problem=sim.LeastSquares(X, y, gram=kw.pop("gram", True)), optimizer=kw.pop("opt", sim.HeavyBall(0.05, 0.9)))
    args.update(kw)
    out = []
    old = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        for kernel in (get_kernel, get_lanes_kernel):
            monkeypatch.setattr(SIM, "get_kernel", kernel)
            out.append(sim.simulate(**args))
    finally:
        numba.set_num_threads(old)
    return out


def _same(a, b):
    for table in ("records", "mean", "var", "count", "cov"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert sorted(ta) == sorted(tb)
        for key in ta:
            assert ta[key].tobytes() == tb[key].tobytes(), (table, key)
    assert a.diverged_traj.tobytes() == b.diverged_traj.tobytes()
    assert a.diverged_at.tobytes() == b.diverged_at.tobytes()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["reshuffle", "replacement", "fixed", "fresh"])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n_traj", [1, LANES + 3, 3 * LANES - 1])
def test_lanes_equal_scalar_records(monkeypatch, threads, kind, drop_last, n_traj):
    a, b = _both(monkeypatch, threads, sampler=sim.Sampler(kind, 5, drop_last=drop_last), n_traj=n_traj, n_epochs=3,
                 seed=3, record=sim.RECORDABLES, every="step")
    _same(a, b)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["reshuffle", "fresh"])
def test_lanes_equal_scalar_stats_only(monkeypatch, threads, kind):
    a, b = _both(monkeypatch, threads, sampler=sim.Sampler(kind, 4), n_traj=4 * LANES + 5, n_steps=40, seed=9,
                 record=("theta", "velocity", "full_loss"), every=5, stats_only=True, cov=True, joint_cov=True,
                 chunk=LANES + 1, gram=False)
    _same(a, b)
    assert a.records == {} and a.count["theta"][-1] == 4 * LANES + 5


def test_lanes_equal_scalar_with_divergence(monkeypatch):
    th0 = np.random.default_rng(2).normal(size=(2 * LANES + 1, 3))
    a, b = _both(monkeypatch, 2, opt=sim.HeavyBall(0.9, 0.9), sampler=sim.Sampler("reshuffle", 3), n_traj=2 * LANES + 1,
                 n_epochs=4, seed=1, theta0=th0, record=("theta", "batch_loss", "full_loss"), every="step",
                 diverge_threshold=50.0)
    assert 0 < a.n_diverged < 2 * LANES + 1  # some lanes stop early while their block goes on
    _same(a, b)


def test_lanes_apply_covers_least_squares_heavy_ball_only():
    assert lanes_apply(LSQ_GRAM, 0) and lanes_apply(LSQ_EXACT, 0)
    assert not lanes_apply(QUAD, 0) and not lanes_apply(FSUM, 0) and not lanes_apply(LSQ_GRAM, 1)
