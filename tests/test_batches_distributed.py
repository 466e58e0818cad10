"""check_accumulation with world_size = 2: a real torch.distributed gloo group on 127.0.0.1, one
spawned process per rank, started and torn down by the checker.  Deterministic (no Monte Carlo)."""
from __future__ import annotations

import socket

import pytest

from optproof.proofs.batches import faulty_accum as fa
from optproof.proofs.batches.accumulation import check_accumulation
from optproof.proofs.batches.accumulation_case import make_cases
from optproof.proofs.batches.distributed import ProcessGroup, free_port
from optproof.proofs.batches.torch_adapters import torch_accumulation

pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch.distributed not built in")


@pytest.fixture(autouse=True)
def _slow_only_when_selected(request):
    """pyproject promises slow tests stay out of the default suite; addopts does not deselect them."""
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


def test_free_port_is_bindable_on_loopback():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def _rank_and_size(case):
    import torch.distributed as d

    return [d.get_rank(), d.get_world_size(), case.rank]


def test_group_runs_one_process_per_rank_and_tears_down():
    with ProcessGroup(_rank_and_size, 2, timeout=30) as group:
        procs = list(group.procs)
        cases = make_cases("example_mean", [[1], [2]], [1, 1, 1], seed=0)
        assert group.run(cases) == [[0, 2, 0], [1, 2, 1]]
        assert len({p.pid for p in procs}) == 2
    assert all(not p.is_alive() for p in procs)


def test_ddp_of_sums_over_the_global_count_passes():
    result = check_accumulation(torch_accumulation(fa.ddp_sum_over_global_count), world_size=2, max_examples=15)
    assert result.ok, str(result)


def test_rank_means_averaged_are_caught_with_uneven_ranks():
    result = check_accumulation(torch_accumulation(fa.allreduce_rank_means), world_size=2, max_examples=25)
    text = str(result)
    assert not result.ok and "rank 0: [1]; rank 1: [2]" in text and "average of the ranks' means" in text


def test_ddp_gain_off_by_the_world_size_is_named():
    result = check_accumulation(torch_accumulation(fa.ddp_missing_world_size), world_size=2, max_examples=25)
    assert "global mean, divided by world_size" in str(result) and "g = 1/2 x grad L" in str(result)


def _rank1_raises(case):
    if case.rank == 1:
        raise RuntimeError("rank 1 fails")
    return [[0.0, 0.0], [0.0]]


def test_a_rank_that_raises_is_a_counterexample_and_the_group_recovers():
    result = check_accumulation(_rank1_raises, world_size=2, max_examples=3, timeout=30)
    assert not result.ok and "rank 1" in str(result) and "RuntimeError: rank 1 fails" in str(result)


def test_an_unpicklable_step_is_refused_before_any_rank_starts():
    with pytest.raises(TypeError, match="step must be picklable"):
        check_accumulation(lambda case: None, world_size=2, max_examples=1)


def _rank1_skips_the_all_reduce(case):
    import torch
    import torch.distributed as d

    g = torch.ones(3, dtype=torch.float64)
    if case.rank == 0:
        d.all_reduce(g)  # waits for rank 1, which never comes: gloo's timeout ends it
    return [g[:2].reshape(1, 2).numpy(), g[2:].numpy()]


@pytest.mark.slow  # waits out a collective timeout and restarts the group
def test_a_stalled_collective_is_bounded_by_the_timeout():
    import time

    t0 = time.perf_counter()
    result = check_accumulation(_rank1_skips_the_all_reduce, world_size=2, max_examples=1, timeout=3)
    assert not result.ok and "rank 0" in str(result) and "step raised" in str(result)
    assert time.perf_counter() - t0 < 120
