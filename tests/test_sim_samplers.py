"""Sampler semantics (claim C1).  Hypothesis varies N, B, epoch, trajectory — never the seed.

Statistical tests use fixed seeds; each chi-square test has false-failure rate α = 1e-4
(if the draws were truly uniform, the fixed seed would make the test fail with probability α).
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st
from scipy import stats

import optproof.sim as sim
from optproof.sim import reference as ref

SEED = 20240601
ALPHA = 1e-4

sizes = st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n)))


@given(sizes, st.booleans(), st.integers(0, 50), st.integers(0, 1000))
def test_reshuffle_epoch_is_a_permutation(nb, drop_last, epoch, traj):
    n, b = nb
    smp = sim.Sampler("reshuffle", b, drop_last)
    batches = sim.epoch_batches(smp, n, SEED, traj, epoch)
    seen = np.concatenate(batches)
    assert len(batches) == smp.steps_per_epoch(n)
    assert [len(x) for x in batches] == smp.batch_sizes(n).tolist()
    if drop_last:
        assert len(np.unique(seen)) == len(seen) == (n // b) * b  # each example at most once
    else:
        assert sorted(seen.tolist()) == list(range(n))  # each example exactly once
    assert sim.epoch_order(smp, n, SEED, traj, epoch).tolist() == ref.epoch_order("reshuffle", n, SEED, traj, epoch)


@given(sizes, st.booleans(), st.integers(0, 50))
def test_fixed_order_is_fixed_and_replacement_matches_reference(nb, drop_last, epoch):
    n, b = nb
    order = sim.epoch_order(sim.Sampler("fixed", b, drop_last), n, SEED, 3, epoch)
    assert order.tolist() == list(range(n))
    rep = sim.epoch_order(sim.Sampler("replacement", b, drop_last), n, SEED, 3, epoch)
    assert rep.tolist() == ref.epoch_order("replacement", n, SEED, 3, epoch)
    assert ((0 <= rep) & (rep < n)).all()


def test_replacement_draws_are_uniform_chi_square():
    n, epochs = 37, 300  # 11100 draws, expected 300 per cell
    smp = sim.Sampler("replacement", 5)
    draws = np.concatenate([sim.epoch_order(smp, n, SEED, t, e) for t in range(3) for e in range(epochs // 3)])
    counts = np.bincount(draws, minlength=n)
    assert stats.chisquare(counts).pvalue > ALPHA


def test_reshuffle_positions_are_uniform_chi_square():
    # the example landing in position 0 of an epoch must be uniform over the N examples
    n, reps = 23, 4600
    smp = sim.Sampler("reshuffle", 4)
    first = [sim.epoch_order(smp, n, SEED, t, e)[0] for t in range(46) for e in range(reps // 46)]
    counts = np.bincount(first, minlength=n)
    assert stats.chisquare(counts).pvalue > ALPHA


def test_trajectories_and_epochs_get_different_permutations():
    smp = sim.Sampler("reshuffle", 4)
    orders = {tuple(sim.epoch_order(smp, 30, SEED, t, e)) for t in range(5) for e in range(5)}
    assert len(orders) == 25


@given(sizes, st.integers(1, 10_000), st.integers(0, 1000))
def test_fresh_batch_is_b_distinct_indices_and_matches_reference(nb, step, traj):
    n, b = nb
    smp = sim.Sampler("fresh", b)
    batch = sim.batch_indices(smp, n, SEED, traj, step)
    assert len(batch) == b and len(np.unique(batch)) == b and ((0 <= batch) & (batch < n)).all()
    assert batch.tolist() == ref.fresh_batch(n, b, SEED, traj, step)
    S = smp.steps_per_epoch(n)
    e, s = divmod(step - 1, S)
    assert sim.epoch_batches(smp, n, SEED, traj, e)[s].tolist() == batch.tolist()
    assert smp.batch_sizes(n).tolist() == [b] * S


@given(sizes, st.booleans(), st.integers(1, 200))
def test_batch_indices_are_the_epoch_slices_for_epoch_samplers(nb, drop_last, step):
    n, b = nb
    for kind in ("reshuffle", "replacement", "fixed"):
        smp = sim.Sampler(kind, b, drop_last)
        e, s = divmod(step - 1, smp.steps_per_epoch(n))
        assert sim.batch_indices(smp, n, SEED, 2, step).tolist() == sim.epoch_batches(smp, n, SEED, 2, e)[s].tolist()


def test_fresh_batches_are_uniform_chi_square():
    # The first-drawn index (batch[-1]) and the index at batch position 0 must each be uniform over
    # the N examples, and the batch as a set uniform over the C(6, 2) = 15 subsets of a small data
    # set; the three tests share the budget α = 1e-4 (α/3 each).
    n, b, reps = 23, 5, 4600
    smp = sim.Sampler("fresh", b)
    batches = np.array([sim.batch_indices(smp, n, SEED, t, step) for t in range(46) for step in range(1, reps // 46 + 1)])
    for pos in (-1, 0):
        assert stats.chisquare(np.bincount(batches[:, pos], minlength=n)).pvalue > ALPHA / 3
    pairs = [sim.batch_indices(sim.Sampler("fresh", 2), 6, SEED, 1, step) for step in range(1, 3001)]
    codes = [6 * min(p) + max(p) for p in pairs]
    subsets = [6 * i + j for i in range(6) for j in range(i + 1, 6)]
    counts = np.array([codes.count(c) for c in subsets])
    assert counts.sum() == 3000 and stats.chisquare(counts).pvalue > ALPHA / 3
