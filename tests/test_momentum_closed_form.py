"""Momentum closed forms (C8, C9): symbolic proofs hold, and the fast closed form equals the recursion.

Tolerance (derived in ``mathcore.momentum``'s docstring): with ``u = 2^-53``, ``γ_n = nu/(1 − nu)``
and ``A_t = λ^t|m_0| + η Σ_k λ^{t−k}|g_k|``, both the plain recursion and ``velocities`` are within
``γ_{2t+1} A_t`` of the exact ``m_t``; so they differ by at most ``2·closed_form_error_bound``.
Positions likewise within ``γ_{3t+1}(|θ_0| + Σ_{s≤t} A_s)`` each (``positions_error_bound``).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from optproof.mathcore import momentum as mom
from optproof.mathcore.sums import geometric_sum, geometric_sum_numeric, prove_geometric_sum, sums_equal

PROOFS = [mom.prove_velocity_closed_form, mom.prove_position_closed_form, mom.prove_constant_gradient,
          mom.prove_gd_fixed_point, prove_geometric_sum]

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
momenta = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0), st.floats(0.99, 1.0))
rates = st.floats(1e-6, 10.0)


def recursion(grads, lr, momentum, theta0=0.0, m0=0.0):
    """Plain Python heavy-ball loop in the seed's convention (the reference the closed form must match)."""
    theta, m = np.asarray(theta0, float) * 1.0, np.asarray(m0, float) * 1.0
    ms, thetas = [], []
    for grad in np.asarray(grads, float):
        m = momentum * m - lr * grad
        theta = theta + m
        ms.append(m)
        thetas.append(theta)
    shape = np.shape(grads)
    return np.broadcast_to(np.array(ms), shape), np.broadcast_to(np.array(thetas), shape)


@pytest.mark.parametrize("prove", PROOFS, ids=lambda f: f.__name__)
def test_every_proof_holds(prove):
    proof = prove()
    assert proof.holds, proof.summary()


def test_sums_checker_rejects_false_identities():
    t, k, lam, eta, g, m0 = mom.t, mom.k, mom.lam, mom.eta, mom.g, mom.m0
    off_by_one = lam**t * m0 - eta * sp.Sum(lam ** (t - k + 1) * g[k], (k, 1, t))
    assert not sums_equal(off_by_one.subs(t, t + 1), lam * off_by_one - eta * g[t + 1])
    assert not sums_equal(sp.Sum(g[k], (k, 1, t + 1)), sp.Sum(g[k], (k, 1, t)))
    assert sums_equal(sp.Sum(g[k], (k, 1, t + 2)), sp.Sum(g[k], (k, 1, t)) + g[t + 1] + g[t + 2])


@given(grads=arrays(np.float64, st.integers(0, 600), elements=finite), lr=rates, momentum=momenta, m0=finite)
def test_velocities_match_recursion_within_error_bound(grads, lr, momentum, m0):
    expected, _ = recursion(grads, lr, momentum, m0=m0)
    got = mom.velocities(grads, lr, momentum, m0)
    assert got.shape == grads.shape
    assert np.all(np.abs(got - expected) <= 2 * mom.closed_form_error_bound(grads, lr, momentum, m0))


@given(grads=arrays(np.float64, st.tuples(st.integers(1, 300), st.integers(1, 3)), elements=finite),
       lr=rates, momentum=momenta, theta0=finite, m0=finite)
def test_positions_match_recursion_within_error_bound(grads, lr, momentum, theta0, m0):
    exp_m, exp_theta = recursion(grads, lr, momentum, theta0, m0)
    got_m = mom.velocities(grads, lr, momentum, m0)
    got_theta = mom.positions(grads, lr, momentum, theta0, m0)
    assert np.all(np.abs(got_m - exp_m) <= 2 * mom.closed_form_error_bound(grads, lr, momentum, m0))
    assert np.all(np.abs(got_theta - exp_theta) <= 2 * mom.positions_error_bound(grads, lr, momentum, theta0, m0))


@given(grads=st.lists(st.integers(-5, 5), min_size=1, max_size=12), lr=st.fractions(Fraction(1, 8), 2),
       momentum=st.fractions(0, 1), m0=st.integers(-3, 3), theta0=st.integers(-3, 3))
def test_symbolic_closed_forms_equal_the_exact_recursion(grads, lr, momentum, m0, theta0):
    """Rational arithmetic: the SymPy closed forms at concrete t equal the recursion exactly."""
    m, theta = Fraction(m0), Fraction(theta0)
    for grad in grads:
        m = momentum * m - lr * grad
        theta = theta + m
    T = len(grads)
    values = {mom.eta: sp.Rational(lr), mom.lam: sp.Rational(momentum), mom.m0: m0, mom.theta0: theta0}
    grads_at = {mom.g[i + 1]: v for i, v in enumerate(grads)}
    vel = mom.velocity_closed_form().subs(mom.t, T).doit().subs(grads_at).subs(values)
    pos = mom.position_closed_form().subs(mom.t, T).doit().subs(grads_at).subs(values)
    assert sp.simplify(vel) == sp.Rational(m)
    assert sp.simplify(pos) == sp.Rational(theta)


@given(T=st.integers(1, 50), momentum=st.floats(0.0, 1.0))
def test_velocity_weights_are_decayed_powers(T, momentum):
    w = mom.velocity_weights(T, momentum)
    assert w.shape == (T,) and w[-1] == 1.0
    assert np.allclose(w, momentum ** np.arange(T - 1, -1, -1), rtol=4 * T * 2.0**-53, atol=0)


def test_edge_momentum_zero_is_gd_and_one_is_plain_sum():
    grads = np.array([1.0, -2.0, 0.5, 3.0])
    assert np.array_equal(mom.velocities(grads, 0.1, 0.0, m0=7.0), -0.1 * grads)
    assert np.array_equal(mom.positions(grads, 0.1, 0.0, theta0=1.0, m0=7.0), 1.0 - np.cumsum(0.1 * grads))
    assert np.allclose(mom.velocities(grads, 0.1, 1.0, m0=2.0), 2.0 - 0.1 * np.cumsum(grads), rtol=1e-15)
    assert mom.velocities(np.zeros(0), 0.1, 0.5).shape == (0,)
    assert mom.velocity_weights(0, 0.5).shape == (0,)


@given(t=st.integers(0, 2000), g=finite, lr=rates, momentum=momenta, m0=finite)
def test_constant_gradient_velocity_matches_closed_form_and_exact_value(t, g, lr, momentum, m0):
    got = mom.constant_gradient_velocity(t, g, lr, momentum, m0)
    lam = Fraction(momentum)
    geo = Fraction(t) if lam == 1 else (1 - lam**t) / (1 - lam)
    exact = lam**t * Fraction(m0) - Fraction(lr) * Fraction(g) * geo
    scale = abs(m0) + lr * abs(g) * float(geo) + 1e-300
    # geometric_sum_numeric: expm1/log1p, relative error ~ few ulp * (1 + t |log lam|) <= 1e-11 here
    assert abs(got - float(exact)) <= 1e-11 * scale


def test_constant_gradient_near_one_and_symbolic():
    lam, n = 1 - 2.0**-40, 10**6
    reference = (1 - sp.Float(lam, 60) ** n) / (1 - sp.Float(lam, 60))  # 60 significant digits
    assert geometric_sum_numeric(lam, n) == pytest.approx(float(reference), rel=1e-13)
    assert geometric_sum_numeric(1.0, 5) == 5.0 and geometric_sum_numeric(0.0, 5) == 1.0
    expr = mom.constant_gradient_velocity(mom.t, 1, mom.eta, mom.lam, mom.m0)
    assert isinstance(expr, sp.Expr)
    assert sp.simplify(expr.subs(mom.lam, 1) - (mom.m0 - mom.eta * mom.t)) == 0
    assert geometric_sum(mom.lam, 4).subs(mom.lam, 1) == 4


def test_effective_lr_and_heavy_ball_step():
    assert mom.effective_lr(0.1, 0.9) == pytest.approx(1.0)
    assert mom.effective_lr(0.1, 0.0) == 0.1
    assert sp.simplify(mom.effective_lr(mom.eta, mom.lam) - mom.eta / (1 - mom.lam)) == 0
    theta, m = mom.heavy_ball_step(1.0, 0.5, 2.0, 0.1, 0.9)
    assert (theta, m) == (1.0 + (0.9 * 0.5 - 0.1 * 2.0), 0.9 * 0.5 - 0.1 * 2.0)
    vec_theta, vec_m = mom.heavy_ball_step(np.ones(3), np.zeros(3), np.arange(3.0), 0.5, 0.9)
    assert np.array_equal(vec_m, -0.5 * np.arange(3.0)) and np.array_equal(vec_theta, 1 - 0.5 * np.arange(3.0))


@given(grads=arrays(np.float64, st.integers(1, 40), elements=finite), lr=rates, momentum=momenta)
def test_heavy_ball_step_iterates_to_positions(grads, lr, momentum):
    theta, m = 0.25, -0.5
    for grad in grads:
        theta, m = mom.heavy_ball_step(theta, m, grad, lr, momentum)
    bound = 2 * mom.positions_error_bound(grads, lr, momentum, 0.25, -0.5)[-1]
    assert abs(theta - mom.positions(grads, lr, momentum, 0.25, -0.5)[-1]) <= bound


@pytest.mark.parametrize("call, name", [
    (lambda: mom.velocities([1.0], 0.1, 1.5), "momentum"),
    (lambda: mom.velocities([1.0], 0.1, -0.1), "momentum"),
    (lambda: mom.velocities([1.0], 0.0, 0.5), "lr"),
    (lambda: mom.velocities([1.0, np.nan], 0.1, 0.5), "grads"),
    (lambda: mom.velocities(np.ones((2, 2, 2)), 0.1, 0.5), "grads"),
    (lambda: mom.velocities(np.ones((3, 2)), 0.1, 0.5, m0=[1.0, 2.0, 3.0]), "m0"),
    (lambda: mom.velocities([1.0], 0.1, 0.5, m0=[1.0, 2.0]), "m0"),
    (lambda: mom.positions([1.0], 0.1, 0.5, theta0=np.inf), "theta0"),
    (lambda: mom.velocity_weights(-1, 0.5), "t"),
    (lambda: mom.velocity_weights(2.5, 0.5), "t"),
    (lambda: mom.effective_lr(0.1, 1.0), "momentum"),
    (lambda: mom.effective_lr(-0.1, 0.5), "lr"),
    (lambda: mom.constant_gradient_velocity(-1, 1.0, 0.1, 0.5), "t"),
    (lambda: mom.constant_gradient_velocity(3, 1.0, 0.1, 2.0), "momentum"),
    (lambda: mom.heavy_ball_step(0.0, 0.0, 1.0, 0.1, 1.1), "momentum"),
    (lambda: mom.heavy_ball_step(0.0, 0.0, np.nan, 0.1, 0.5), "grad"),
    (lambda: mom.closed_form_error_bound([1.0], -1.0, 0.5), "lr"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        call()


@given(st.floats(0.0, 1.0), st.integers(0, 300))
def test_vectorised_geometric_sums_agree_with_the_scalar_form(x, n_max):
    """Both evaluate G(n) = Σ_{j<n} x^j by the same branches; each has relative error at most a few ulps
    times (1 + n|log x|) (see ``geometric_sum_numeric``), so they differ by at most 8u(1 + n|log x|)."""
    from optproof.mathcore.sums import geometric_sums_numeric

    vec = geometric_sums_numeric(x, n_max)
    assert vec.shape == (n_max,)
    for n, value in enumerate(vec, 1):
        scalar = geometric_sum_numeric(x, n)
        scale = 1.0 + n * (abs(np.log(x)) if x > 0 else 0.0)
        assert abs(value - scalar) <= 8 * 2.0**-53 * scale * abs(scalar)
