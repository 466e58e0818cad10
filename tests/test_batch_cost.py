"""C2: ``mathcore.cost`` by exact enumeration, the fit on synthetic times, and the catalog in quick mode.

The timing check asserts shape only (rising time per update, falling then flat epoch time, a model that
explains the minima within 30%) with the tolerances stated in ``proofs/claims/c2_batch_cost/``; nothing
here asserts a speed.
"""
from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from optproof.mathcore import cost as cm
from optproof.proofs.catalog import CheckRun, RunConfig


def test_counts_by_enumeration():
    for N in range(1, 30):
        for B in range(1, N + 1):
            sizes = [min(B, N - k) for k in range(0, N, B)]
            assert cm.updates_per_epoch(N, B) == len(sizes) and sum(sizes) == cm.examples_per_epoch(N, B)
            assert cm.updates_per_epoch(N, B, True) == N // B
            assert cm.examples_per_epoch(N, B, True) == B * (N // B)


def test_epoch_time_exact_and_best():
    t0, c = F(2), F(1, 3)
    assert cm.epoch_time(10, 3, t0, c) == 4 * (2 + 1)
    assert cm.epoch_time(10, 3, t0, c, 2) == 4 * (2 + F(2, 3))
    for N in range(1, 25):
        for P in (1, 2, 3):
            best = cm.best_batch_size(N, t0, c, P)
            times = [cm.epoch_time(N, B, t0, c, P) for B in range(1, N + 1)]
            assert cm.epoch_time(N, best, t0, c, P) == min(times)
            if N % P == 0:
                assert min(times) == cm.epoch_time(N, N, t0, c, P)


def test_per_example_cost_decreases():
    t = [cm.time_per_example(64, B, F(5), F(1)) for B in (1, 2, 4, 8, 16, 32, 64)]
    assert all(b < a for a, b in zip(t, t[1:]))


def test_knee():
    B = cm.knee_batch_size(20.0, 5.0, 1, 0.1)
    assert math.isclose(B, 40.0)
    N = 4096
    relaxed = N * 20.0 / B + N * 5.0
    assert math.isclose(relaxed, 1.1 * N * 5.0)


def test_fit_recovers_parameters():
    N, Bs = 1024, np.array([1, 2, 4, 8, 16, 64, 256, 1024], float)
    U = np.array([cm.updates_per_epoch(N, int(b)) for b in Bs])
    y = 3e-8 * U + 6e-9 * N
    fit = cm.fit_epoch_times(N, Bs, y)
    assert math.isclose(fit.t0, 3e-8, rel_tol=1e-9) and math.isclose(fit.c, 6e-9, rel_tol=1e-9)
    assert np.max(np.abs(fit.rel_residuals)) < 1e-9 and fit.r2 > 0.999999
    noisy = y * np.exp(np.random.default_rng(1).normal(0, 0.05, y.size))  # 5% noise: the fit stays within 25%
    f2 = cm.fit_epoch_times(N, Bs, noisy)
    assert abs(f2.t0 / 3e-8 - 1) < 0.25 and abs(f2.c / 6e-9 - 1) < 0.25


@pytest.mark.parametrize("call, name", [
    (lambda: cm.updates_per_epoch(4, 5), "B"),
    (lambda: cm.update_time(2, -1.0, 1.0), "t0"),
    (lambda: cm.update_time(2, 1.0, 1.0, 0), "P"),
    (lambda: cm.knee_batch_size(1.0, 0.0), "c"),
    (lambda: cm.fit_epoch_times(8, [1, 2], [1.0, 1.0]), "batch_sizes"),
])
def test_validation(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_proof_holds():
    assert cm.prove_cost_model().holds


def test_catalog_quick_passes():
    from optproof.proofs.claims.c2_batch_cost import CLAIM as c2_claim
    from optproof.proofs.claims.c2_batch_cost import checks as c2

    assert c2_claim.id == "C2" and {c.kind for c in c2.CHECKS} == {"symbolic", "exact", "simulation"}
    for chk in c2.CHECKS:
        assert chk.alpha == 0.0
        run = CheckRun.run(chk, RunConfig(quick=True))
        assert run.outcome.passed, (chk.name, run.outcome.summary, run.outcome.numbers.get("traceback"))
