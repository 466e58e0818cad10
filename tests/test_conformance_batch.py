"""The batched path of ``check`` (issue 14, item 3): many scenarios at once, the same numbers and verdicts.

``Reference.run_batch`` must equal ``Reference.run`` bitwise, ``adapters.torch(...).run_batch`` one
optimizer per scenario bitwise, and ``check`` must print the same with and without the batched path.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import find
from hypothesis.errors import NoSuchExample

from optproof.proofs.conformance import Reference, check
from optproof.proofs.conformance.check import _settings
from optproof.proofs.conformance.runner import BATCH, passes_all
from optproof.proofs.strategies import Scenario, scenarios, stack


def _drawn(n: int, **kw) -> list[Scenario]:
    """The first ``n`` scenarios ``check``'s search draws (seed 0)."""
    out: list[Scenario] = []
    with pytest.raises(NoSuchExample):
        find(scenarios(**kw), lambda sc: out.append(sc) or False, settings=_settings(n), random=random.Random(0))
    return out


def _columns(batch, s: int, i: int) -> slice:
    a, z, _ = batch.slices[batch.groups[s][i]]
    return slice(a, z)


REFS = [Reference.pytorch(0.9), Reference.pytorch(0.0, weight_decay=0.1), Reference.pytorch(0.9, 0.5, False, 0.1, True),
        Reference.pytorch(0.9, nesterov=True, weight_decay=0.1), Reference.keras(0.9, weight_decay=0.1),
        Reference.keras(0.9, nesterov=True), Reference.optax(0.9, True, 0.1), Reference.ema(0.9),
        Reference.pytorch(0.9, missing="zero")]


@pytest.mark.parametrize("overflow", [False, True])
@pytest.mark.parametrize("ref", REFS, ids=str)
def test_reference_run_batch_is_run_bitwise(ref, overflow):
    scs = _drawn(40, long_steps=60, overflow=overflow)
    batch = stack(scs)
    values, magnitudes = ref.run_batch(batch)
    for s, sc in enumerate(scs):
        exp = ref.run(list(sc.params), list(sc.lrs), [list(r) for r in sc.grads])
        for t in range(sc.n_steps):
            for i in range(len(sc.params)):
                cols = _columns(batch, s, i)
                assert values[t, cols].tobytes() == exp.params[t][i].reshape(-1).tobytes()
                assert magnitudes[t, cols].tobytes() == exp.magnitudes[t][i].reshape(-1).tobytes()


def test_stack_lays_the_scenarios_side_by_side():
    scs = _drawn(10, long_steps=20)
    batch = stack(scs)
    assert batch.grads.shape == (max(sc.n_steps for sc in scs), sum(p.size for sc in scs for p in sc.params))
    for s, sc in enumerate(scs):
        assert batch.lrs[:sc.n_steps, s].tolist() == list(sc.lrs)
        assert batch.steps[:, s].sum() == sc.n_steps
        for i, p in enumerate(sc.params):
            assert np.array_equal(batch.params[_columns(batch, s, i)], p.reshape(-1))
            assert [g is not None for g in (row[i] for row in sc.grads)] == \
                batch.present[:sc.n_steps, batch.groups[s][i]].tolist()
    with pytest.raises(ValueError, match="non-empty sequence of Scenario"):
        stack([])
    with pytest.raises(ValueError, match="non-empty sequence of Scenario"):
        stack([1.0])


def test_passes_all_is_false_on_a_departure():
    from optproof.proofs import faulty

    entry = next(e for e in faulty.CORRECT if e.name == "torchlike_plain")
    scs = _drawn(2 * BATCH, long_steps=40)

    def factory(params):  # the plain-protocol implementation, batched by running it scenario by scenario
        return entry.factory(params)

    def run_batch(batch, scribble):
        out = np.zeros(batch.grads.shape)
        for s, sc in enumerate(batch.scenarios):
            step = factory([p.copy() for p in sc.params])
            for t, (lr, row) in enumerate(zip(sc.lrs, sc.grads)):
                for i, o in enumerate(step([None if g is None else g.copy() for g in row], lr)):
                    out[t, _columns(batch, s, i)] = np.reshape(o, -1)
        return out

    factory.run_batch = run_batch
    assert passes_all(factory, entry.reference, scs, np.dtype(np.float64))
    assert not passes_all(factory, Reference.pytorch(0.8), scs, np.dtype(np.float64))
    assert not passes_all(factory, Reference.keras(0.9), scs, np.dtype(np.float64))


# ----------------------------------------------------------------------------------------- torch


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(momentum=0.9), dict(), dict(momentum=0.9, nesterov=True, weight_decay=0.1),
                                dict(momentum=0.9, dampening=0.5, maximize=True), dict(momentum=0.9, foreach=True)],
                         ids=str)
def test_torch_run_batch_is_one_optimizer_per_scenario_bitwise(kw, dtype):
    from optproof.proofs import adapters

    factory = adapters.torch(_torch().optim.SGD, dtype=dtype, **kw)
    scs = _drawn(30, dtype=dtype, long_steps=40)
    batch = stack(scs)
    out = factory.run_batch(batch, True)
    assert out is not None
    for s, sc in enumerate(scs):
        step = factory([p.copy() for p in sc.params])
        for t, (lr, row) in enumerate(zip(sc.lrs, sc.grads)):
            for i, o in enumerate(step([None if g is None else g.copy() for g in row], lr)):
                assert out[t, _columns(batch, s, i)].tobytes() == np.asarray(o, np.float64).reshape(-1).tobytes()


def test_only_torch_optim_classes_without_scaler_or_round_trip_are_batched():
    from optproof.proofs import adapters
    from optproof.proofs.faulty import forgetful_sgd_class

    torch = _torch()
    assert callable(adapters.torch(torch.optim.SGD, momentum=0.9).run_batch)
    assert callable(adapters.torch(torch.optim.Adam).run_batch)
    for factory in (adapters.torch(torch.optim.SGD, momentum=0.9, roundtrip=True),
                    adapters.torch(torch.optim.SGD, momentum=0.9, grad_scaler=True),
                    adapters.torch(forgetful_sgd_class(), momentum=0.9)):
        assert not hasattr(factory, "run_batch")


def _unbatched(factory):
    """The same factory without ``run_batch``: ``check`` then runs one scenario at a time."""
    def plain(params):
        return factory(params)

    plain.name, plain.dtype, plain.skips_overflow = factory.name, factory.dtype, factory.skips_overflow
    return plain


CASES = {  # passes; fails late (fused, first gradient after another buffer); fails at once; writes into p.grad
    "sgd": (dict(momentum=0.9), Reference.pytorch(0.9)),
    "sgd float32": (dict(momentum=0.9, dtype=np.float32), Reference.pytorch(0.9)),
    "fused": (dict(momentum=0.9, fused=True), Reference.pytorch(0.9)),
    "wrong momentum": (dict(momentum=0.9), Reference.pytorch(0.8)),
    "keras reference": (dict(momentum=0.9), Reference.keras(0.9)),
    "foreach nesterov": (dict(momentum=0.9, nesterov=True, foreach=True), Reference.pytorch(0.9, nesterov=True)),
    "zero-missing reference": (dict(momentum=0.9), Reference.pytorch(0.9, missing="zero")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_batched_check_prints_what_the_one_by_one_search_prints(name):
    from optproof.proofs import adapters

    kw, ref = CASES[name]
    factory = adapters.torch(_torch().optim.SGD, **kw)
    assert str(check(factory, ref, 80)) == str(check(_unbatched(factory), ref, 80))
