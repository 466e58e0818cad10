"""The conformance checker on NumPy implementations: every fault caught, no false alarm."""
from __future__ import annotations

import numpy as np
import pytest

from optproof.proofs import faulty
from optproof.proofs.conformance import Reference, assert_conforms, check, identify
from optproof.proofs.conformance.tolerance import gamma, operation_count, tolerance, unit_roundoff

# 200 examples is the default; 100 keeps this file fast and still finds every fault (each is
# found within the first ~30 examples for seed 0; see docs/conformance.md).
N = 100


@pytest.mark.parametrize("entry", faulty.CORRECT, ids=lambda e: e.name)
def test_no_false_alarm_on_correct_implementations(entry):
    result = check(entry.factory, entry.reference, N)
    assert result.ok, str(result)


@pytest.mark.parametrize("entry", faulty.FAULTS, ids=lambda e: e.name)
def test_every_fault_is_caught(entry):
    result = check(entry.factory, entry.reference, N)
    assert not result.ok, f"{entry.name} ({entry.bug}) was not caught"
    assert "step" in str(result) and result.counterexample.failure.step >= 1


def test_catalogue_has_at_least_twelve_faults():
    assert len(faulty.FAULTS) >= 12
    assert len({e.bug for e in faulty.FAULTS}) == len(faulty.FAULTS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_correct_implementation_passes_in_both_precisions(dtype):
    entry = faulty.CORRECT[1]  # all knobs
    assert check(entry.factory, entry.reference, 60, dtype=dtype).ok


def test_check_is_deterministic_for_a_seed():
    entry = faulty.FAULTS[1]
    assert str(check(entry.factory, entry.reference, N, seed=3)) == str(check(entry.factory, entry.reference, N, seed=3))


def test_counterexample_table_has_the_columns():
    result = check(faulty.FAULTS[0].factory, faulty.FAULTS[0].reference, N)
    text = str(result)
    assert text.startswith("FAIL")
    for column in ("step", "lr", "gradient", "expected", "actual", "difference"):
        assert column in text


def test_lr_placement_bug_needs_an_lr_change():
    entry = next(e for e in faulty.FAULTS if e.name == "lr_inside_buffer")
    sc = check(entry.factory, entry.reference, N).counterexample.scenario
    assert len(set(sc.lrs)) > 1


def test_assert_conforms_raises_with_the_counterexample():
    entry = faulty.FAULTS[0]
    with pytest.raises(AssertionError, match="difference"):
        assert_conforms(entry.factory, entry.reference, N)
    assert_conforms(faulty.CORRECT[0].factory, faulty.CORRECT[0].reference, 30)


def test_wrong_reference_is_reported():
    entry = faulty.CORRECT[0]  # PyTorch convention
    assert not check(entry.factory, Reference.keras(0.9), N).ok
    assert not check(entry.factory, Reference.ema(0.9), N).ok


def test_identify_tells_the_families_apart():
    torchlike = faulty._entry("", faulty.TorchLikeSGD, None, momentum=0.9, dampening=0.5, weight_decay=0.1).factory
    names = [m.reference.name for m in identify(torchlike, 40, max_steps=8)]
    assert names == ["pytorch(momentum=0.9, dampening=0.5, weight_decay=0.1)"]
    keras = faulty._entry("", faulty.KerasLikeSGD, None, momentum=0.9, nesterov=True, weight_decay=0.01).factory
    found = identify(keras, 40, max_steps=8)
    assert [m.reference.name for m in found] == ["keras(momentum=0.9, nesterov=True, weight_decay=0.01)"]
    assert "decoupled" in str(found) and "Nesterov" in str(found)


def test_identify_finds_equivalent_conventions_and_nothing_for_a_fault():
    names = {m.reference.convention.family for m in identify(faulty.CORRECT[0].factory, 40, max_steps=8)}
    assert names == {"pytorch", "optax"}  # equal for any schedule (mathcore.conventions)
    assert identify(faulty.FAULTS[0].factory, 40, max_steps=8) == []


def test_tolerance_derivation():
    assert unit_roundoff(np.float32) == 2.0 ** -24 and unit_roundoff(np.float64) == 2.0 ** -53
    n = operation_count(3)
    assert gamma(n, 2.0 ** -24) > n * 2.0 ** -24
    tol = tolerance(np.array([1.0, 0.0]), 3, np.float32)
    assert 1e-6 < tol[0] < 1e-4 and 0 < tol[1] < 1e-35


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_examples=0), "max_examples"), (dict(seed=-1), "seed"), (dict(max_steps=5000), "max_steps")])
def test_check_validates_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check(faulty.CORRECT[0].factory, faulty.CORRECT[0].reference, **kwargs)


def test_reference_validates_arguments():
    with pytest.raises(ValueError, match="momentum"):
        Reference.pytorch(momentum=-0.1)
    with pytest.raises(ValueError, match="missing"):
        Reference.pytorch(0.9, missing="ignore")
    with pytest.raises(TypeError, match="ref"):
        check(faulty.CORRECT[0].factory, "pytorch")


def test_plugin_fixtures(conformance, optimizer_strategies):
    assert conformance.check is check
    assert hasattr(optimizer_strategies, "scenarios")


@pytest.mark.parametrize("name, step", [("lr_lags_from_step_ten", 10), ("momentum_switch_at_fifty", 50),
                                        ("periodic_restart", 33)])
def test_late_bugs_are_found_by_default_and_reduced(name, step):
    entry = next(e for e in faulty.FAULTS if e.name == name)
    ce = check(entry.factory, entry.reference, N).counterexample
    assert ce.failure.step == step and ce.scenario.n_steps == step
    assert "ordinary steps" in ce.table() and len(ce.rows()) <= 8


def test_late_bugs_hide_in_short_runs():
    entry = next(e for e in faulty.FAULTS if e.name == "momentum_switch_at_fifty")
    assert check(entry.factory, entry.reference, N, max_steps=8).ok


def _decay_then_trace32(params, momentum=0.9, weight_decay=0.1):
    """optax's chain(add_decayed_weights(0.1), trace(0.9)) then scale(-lr), in float32 (NumPy)."""
    p = [np.asarray(x, np.float32).copy() for x in params]
    tr = [np.zeros_like(x) for x in p]

    def step(grads, lr):
        for i, g in enumerate(grads):
            g = np.zeros_like(p[i]) if g is None else np.asarray(g, np.float32)
            tr[i] = (g + np.float32(weight_decay) * p[i]) + np.float32(momentum) * tr[i]
            p[i] = p[i] - np.float32(lr) * tr[i]
        return [x.copy() for x in p]
    return step


_decay_then_trace32.dtype = np.float32


def test_identify_float32_decay_then_trace():
    found = identify(_decay_then_trace32, N)
    assert found.estimates["decay_rate"] == 0.1 and found.estimates["momentum"] == 0.9
    assert "optax(momentum=0.9, weight_decay=0.1)" in [m.reference.name for m in found.matches]


def test_identify_snaps_the_estimates():
    est = identify(faulty.CORRECT[1].factory, 10, max_steps=8).estimates  # momentum 0.9, dampening 0.5, wd 0.1, maximize
    assert (est["momentum"], est["dampening"], est["decay_rate"]) == (0.9, 0.5, 0.1)
    assert identify(faulty.CORRECT[0].factory, 10, max_steps=8).estimates["dampening"] == 0.0


def test_identify_confirms_with_the_full_budget():
    late = next(e for e in faulty.FAULTS if e.name == "momentum_switch_at_fifty")
    found = identify(late.factory, N)
    assert not found and found.nearest.reference.convention.momentum == 0.9
    assert found.nearest.counterexample.failure.step == 50 and "departing first at step 50" in str(found)


def test_identify_names_the_nearest_convention():
    found = identify(next(e for e in faulty.FAULTS if e.name == "nesterov_sign_error").factory, N)
    assert not found.matches and found.nearest.counterexample.failure.size > 0
    assert "nearest convention:" in str(found) and "minimal difference:" in str(found)
