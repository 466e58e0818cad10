"""C2: ``mathcore.cost`` by exact enumeration, the fit on synthetic times, and the catalog in quick mode.

The verdict of C2 rests on exact counts (``proofs/claims/c2_batch_cost/counts.py``); the timing check
ends ``measured`` and never decides.  Nothing here asserts a speed: the stress test runs the C2 checks
while two busy processes load both cores and asserts the same statuses as on an idle machine.
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


def test_operation_counts():
    d = 8
    assert cm.example_flops(d) == 39 and cm.update_flops(d) == 41
    assert cm.epoch_work([8, 8, 5], d) == 3 * 41 + 21 * 39
    assert cm.epoch_span([8, 8, 5], d, 2) == 3 * 41 + (4 + 4 + 3) * 39
    for N in (12, 16):  # where B | N and P | B, the counted work and span are the model's epoch time
        for B in (1, 2, 4):
            sizes = [B] * (N // B)
            for P in (1, 2, 4):
                if B % P == 0:
                    assert cm.epoch_span(sizes, d, P) == cm.epoch_time(N, B, cm.update_flops(d), cm.example_flops(d), P)
            assert cm.epoch_work(sizes, d) == cm.epoch_span(sizes, d, 1)
    with pytest.raises(ValueError, match="d"):
        cm.example_flops(0)
    with pytest.raises(ValueError, match="batch size"):
        cm.epoch_work([3, 0], 2)
    with pytest.raises(ValueError, match="P"):
        cm.epoch_span([3], 2, 0)


def _c2_statuses() -> dict[str, tuple[str, str]]:
    from optproof.proofs.claims.c2_batch_cost import CLAIM

    runs = [CheckRun.run(chk, RunConfig(quick=True)) for chk in CLAIM.checks]
    return {r.check.name: (r.status, r.outcome.summary + r.outcome.numbers.get("traceback", "")) for r in runs}


@pytest.fixture(scope="module")
def idle() -> dict[str, tuple[str, str]]:
    return _c2_statuses()


def test_catalog_quick_passes(idle):
    from optproof.proofs.claims.c2_batch_cost import CLAIM

    assert CLAIM.id == "C2" and {c.kind for c in CLAIM.checks} == {"symbolic", "exact", "simulation"}
    assert all(chk.alpha == 0.0 for chk in CLAIM.checks)  # nothing random is compared
    statuses = {name: st for name, (st, _) in idle.items()}
    assert sorted(statuses.values()) == ["measured", "pass", "pass", "pass"], idle
    timing = [name for name, st in statuses.items() if st == "measured"]
    assert timing == ["measured CPU time per update and per epoch (a measurement, not a verdict)"]


def test_same_verdicts_with_both_cores_busy(idle):
    """Two busy-looping processes (one per core) beside the C2 checks: the same statuses as idle."""
    from optproof.proofs.load import busy_cores

    with busy_cores(2, deadline=120) as hogs:
        loaded = _c2_statuses()
        assert all(h.poll() is None for h in hogs)  # both spinners ran throughout
    assert all(h.poll() is not None for h in hogs)  # and are gone
    assert {k: v[0] for k, v in loaded.items()} == {k: v[0] for k, v in idle.items()}, (loaded, idle)
