"""mathcore.conventions: the theorems hold, and the numeric steps agree with them."""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, strategies as st

from optproof.mathcore import conventions as cv
from optproof.mathcore.conventions import Convention, init_state, reference_step


@pytest.mark.parametrize("name", list(cv.convention_proofs()))
def test_every_convention_theorem_is_proven(name):
    proof = cv.convention_proofs()[name]
    assert proof.holds, proof.summary()


def test_equivalence_table_cites_existing_proofs():
    names = set(cv.convention_proofs())
    assert {row[3] for row in cv.EQUIVALENCES} <= names


def _run(conv, grads, lrs):
    theta, state, out = np.zeros(1), None, []
    state = init_state(conv, theta)
    for g, lr in zip(grads, lrs):
        theta, state = reference_step(conv, theta, state, np.array([g]), lr)
        out.append(float(theta[0]))
    return np.array(out)


streams = st.lists(st.floats(-4, 4, allow_nan=False), min_size=2, max_size=10)
schedules = st.lists(st.sampled_from([0.1, 0.5, 1.0, 0.01]), min_size=10, max_size=10)


@given(streams, schedules, st.sampled_from([0.5, 0.9, 0.99]), st.booleans())
def test_optax_equals_pytorch_for_any_schedule(grads, lrs, mu, nesterov):
    a = _run(Convention("pytorch", mu, nesterov=nesterov), grads, lrs)
    b = _run(Convention("optax", mu, nesterov=nesterov), grads, lrs)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@given(streams, schedules, st.sampled_from([0.5, 0.9]))
def test_ema_is_scaled_pytorch(grads, lrs, beta):
    a = _run(Convention("ema", beta), grads, lrs)
    b = _run(Convention("pytorch", beta), grads, [(1 - beta) * lr for lr in lrs])
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@given(streams, st.sampled_from([0.1, 1.0]), st.booleans())
def test_keras_equals_pytorch_at_constant_lr(grads, lr, nesterov):
    a = _run(Convention("pytorch", 0.9, nesterov=nesterov), grads, [lr] * len(grads))
    b = _run(Convention("keras", 0.9, nesterov=nesterov), grads, [lr] * len(grads))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_plain_gap_at_an_lr_change_matches_closed_form():
    mu, grads, lrs = F(9, 10), [F(1), F(2), F(-1)], [F(1, 10), F(1, 10), F(1, 2)]
    conv_p = Convention("pytorch", mu, dampening=F(0))
    out = []
    for conv in (conv_p, Convention("keras", mu)):
        theta, state = np.array([F(0)], dtype=object), init_state(conv, np.array([F(0)], dtype=object))
        state = None if conv.family == "pytorch" else state
        for g, lr in zip(grads, lrs):
            theta, state = reference_step(conv, theta, state, np.array([g], dtype=object), lr)
        out.append(theta[0])
    b2 = mu * grads[0] + grads[1]
    assert out[0] - out[1] == -mu * (lrs[2] - lrs[1]) * b2


def test_magnitude_mode_bounds_values():
    conv = Convention("pytorch", 0.9, 0.5, False, 0.1, True)
    theta, state = np.array([1.0, -2.0]), None
    mag, mstate = np.abs(theta), None
    for g in ([1.0, -3.0], [-2.0, 0.5]):
        theta, state = reference_step(conv, theta, state, np.array(g), 0.5)
        mag, mstate = reference_step(conv, mag, mstate, np.abs(g), 0.5, cv.MAGNITUDE)
        assert np.all(np.abs(theta) <= mag)


@pytest.mark.parametrize("kwargs, match", [
    (dict(family="sgd"), "family"),
    (dict(family="pytorch", momentum=1.5), "momentum"),
    (dict(family="pytorch", momentum=0.0, nesterov=True), "nesterov"),
    (dict(family="keras", momentum=0.9, dampening=0.1), "dampening"),
    (dict(family="ema", momentum=0.9, weight_decay=0.1), "weight_decay"),
])
def test_convention_validates_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Convention(**kwargs)
