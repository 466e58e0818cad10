"""What a simulate run costs, checked before it runs; divergence on the loss; the result's summary.

- Memory: ``simulate`` refuses, before allocating, a run whose records exceed the memory
  available (``sim.budget``), suggesting ``stats_only=True``; the refusal takes no time.
- Progress: a progress bar (``progress=True``) only splits the run into more chunks, so every
  record, statistic and divergence step is bitwise the same as without it.
- Divergence: a trajectory whose loss explodes (|L| > loss_threshold) or is not finite is flagged
  even when |θ| stays below diverge_threshold; the kernel agrees with the plain reference on the step.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

import optproof.sim as sim
from optproof.sim import budget
from optproof.sim import reference as ref


def _lsq(n=64, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return sim.LeastSquares(X, X @ np.ones(d))


def test_huge_per_step_records_are_refused_up_front():
    t = time.perf_counter()
    with pytest.raises(budget.InsufficientMemory, match="stats_only=True") as info:
        sim.simulate(_lsq(), sim.HeavyBall(0.01, 0.9), sim.Sampler("reshuffle", 8), n_traj=10**9, n_epochs=4,
                     record=("theta",), every="step")
    assert isinstance(info.value, ValueError) and isinstance(info.value, MemoryError)
    assert time.perf_counter() - t < 2.0, "the refusal must come before any allocation or computation"


def test_the_same_run_with_stats_only_fits():
    need = budget.record_bytes(10**9, 32, [4], stats_only=True, chunk=4096)
    assert need < 2**27  # 4096 x 32 x 4 x 8 bytes of chunk buffers plus statistics


def test_record_bytes_formula():
    # 10 traj x 3 records x (theta d=2 + full_loss 1) x 8 bytes + statistics 3 x (2*2 + 2*1) x 8
    assert budget.record_bytes(10, 3, [2, 1], stats_only=False, chunk=4) == 10 * 3 * 3 * 8 + 3 * 6 * 8
    assert budget.record_bytes(10, 3, [2, 1], stats_only=True, chunk=4) == 4 * 3 * 3 * 8 + 3 * 6 * 8
    cov = budget.record_bytes(10, 3, [2], stats_only=True, chunk=4, cov_widths=[2], joint_width=4)
    assert cov == 4 * 3 * 2 * 8 + 3 * 8 * (4 + 4 + 16)


def test_check_memory_against_a_given_budget():
    budget.check_memory(100, "x", available=100)
    with pytest.raises(budget.InsufficientMemory, match="more than the"):
        budget.check_memory(101, "x", available=100)


def test_available_memory_is_known_here():
    assert budget.available_memory() is None or budget.available_memory() > 0


@pytest.mark.parametrize("stats_only", [False, True])
def test_progress_bar_changes_no_bit(stats_only, capsys):
    args = (_lsq(), sim.HeavyBall(0.05, 0.9), sim.Sampler("reshuffle", 8))
    kw = dict(n_traj=100, n_epochs=3, seed=2, record=("theta", "full_loss"), every="step", stats_only=stats_only,
              cov=True)
    plain = sim.simulate(*args, progress=False, **kw)
    assert capsys.readouterr().err == ""
    shown = sim.simulate(*args, progress=True, **kw)
    assert "traj" in capsys.readouterr().err  # tqdm wrote its bar to stderr
    for table in ("records", "mean", "var", "count", "cov"):
        a, b = getattr(plain, table), getattr(shown, table)
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{table}[{k}]")
    np.testing.assert_array_equal(plain.diverged_step, shown.diverged_step)


def test_progress_chunk_gives_enough_updates():
    c = budget.progress_chunk(4096, 4096)
    assert -(-4096 // c) >= 20 and c >= 1
    assert budget.progress_chunk(4096, 10) >= 1
    assert budget.progress_chunk(3, 10**6) == 3  # never above the caller's chunk


def test_exploding_loss_is_divergence_even_below_the_theta_threshold():
    """lr = 5 on least squares (the issue's example): the loss explodes; every trajectory is flagged."""
    res = sim.simulate(_lsq(), sim.HeavyBall(5.0, 0.9), sim.Sampler("reshuffle", 8), n_traj=32, n_epochs=20,
                       record=("full_loss",), diverge_threshold=1e300, loss_threshold=1e20)
    assert res.n_diverged == 32
    assert np.nanmax(res.mean["full_loss"]) <= 1e20
    assert "32 of 32 trajectories diverged" in res.summary() and res.summary() in str(res)


def test_stable_run_says_none_diverged():
    res = sim.simulate(_lsq(), sim.HeavyBall(0.01, 0.9), sim.Sampler("reshuffle", 8), n_traj=4, n_epochs=2)
    assert res.summary() == "none of 4 trajectories diverged in 16 steps"


@pytest.mark.parametrize("lthr", [1e3, 1e8])
def test_loss_divergence_step_equals_reference(lthr):
    prob, opt, smp = _lsq(n=12, d=3), sim.HeavyBall(3.0, 0.5), sim.Sampler("reshuffle", 3)
    res = sim.simulate(prob, opt, smp, n_traj=3, n_steps=40, seed=1, record=sim.RECORDABLES, every="step",
                       diverge_threshold=1e300, loss_threshold=lthr)
    want = ref.simulate_reference(prob, opt, smp, n_traj=3, n_steps=40, seed=1, threshold=1e300,
                                  loss_threshold=lthr)
    np.testing.assert_array_equal(res.diverged_step, want["diverged_step"])
    assert (res.diverged_step > 0).all()
    for name in sim.RECORDABLES:
        np.testing.assert_array_equal(res.records[name], want[name], err_msg=name)
