"""Heavy ball on a quadratic (C9): proofs hold; numerics equal exact evaluation within derived tolerances.

Tolerances (``u = 2^-53``, ``S = 1 + |λ| + |ηh|``, ``ρ`` the spectral radius):

- ``rate``: ``8uS + 4√u·S`` (``quadratic.rate`` docstring: ``τ`` carries ≤ 3 roundings, the factored ``Δ``
  an absolute error ≤ ``16uS²``, and ``|√a − √b| ≤ √|a − b|``).
- NumPy ``eig``: the computed eigenvalues are exact for ``A + E``, ``‖E‖_F ≤ ε = 64u‖A‖_F`` (LAPACK backward
  stability, constant assumed).  For 2×2, ``det(wI − A − E) − det(wI − A)`` is at most
  ``‖wI − A‖_F ε + ε²`` and ``|p(w)| = |w − z₁||w − z₂|``, so every root moves by at most
  ``√((√2(‖A‖_F + ε) + ‖A‖_F) ε + ε²)``; the same holds from the true roots to the computed ones.
- trajectories: the closed form is evaluated from ``τ, Δ`` with relative errors ``O(u)``; ``S_t`` is a
  polynomial in ``(τ, λ)`` with ``|∂S_t/∂τ|, |∂S_t/∂λ| ≤ Σ_k |S_k||S_{t−k}| ≤ t³ ρ^{t−2}``, so the error is
  ``≤ 64u (t+2)³ ρ̄^{t−2} S (|θ_0| + |m_0|)`` with ``ρ̄ = max(ρ, 1/8)`` (an upper bound of ``ρ``).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from optproof.mathcore import quadratic as q
from optproof.mathcore import quadratic_proofs as qp

U = 2.0**-53
PROOFS = [qp.prove_characteristic_polynomial, qp.prove_convergence_region, qp.prove_rate, qp.prove_critical_damping,
          qp.prove_polyak, qp.prove_polyak_optimal, qp.prove_trajectory_closed_form]


@st.composite
def stable(draw):
    """(h, lr, momentum) inside the convergence region: generic, near critical damping, or λ → 1."""
    h = draw(st.floats(0.05, 20.0))
    kind = draw(st.sampled_from(["generic", "critical", "near_one", "sgd"]))
    if kind == "critical":
        lr = draw(st.floats(1e-4, 3.9)) / h
        lam = q.critical_momentum(h, lr) * (1 + draw(st.sampled_from([0.0, 1e-15, -1e-15, 1e-9, -1e-9, 1e-5])))
    elif kind == "near_one":
        lam = 1 - 10.0 ** -draw(st.floats(1.0, 6.0))
        lr = draw(st.floats(1e-7, 2 * (1 + lam) * 0.999)) / h
    else:
        lam = 0.0 if kind == "sgd" else draw(st.floats(0.0, 0.999))
        lr = draw(st.floats(1e-3, 0.999)) * 2 * (1 + lam) / h
    assume(lr > 0 and -1 < lam < 1 and lr * h < 2 * (1 + lam))
    return h, lr, lam


starts = st.floats(-10, 10, allow_nan=False)


def exact_recursion(h, lr, lam, theta0, m0, T):
    """θ_t and m_t in rational arithmetic (the seed's update rule, g_t = h θ_{t−1})."""
    h, lr, lam, theta, m = map(Fraction, (h, lr, lam, theta0, m0))
    thetas, ms = [theta], [m]
    for _ in range(T):
        m = lam * m - lr * h * theta
        theta = theta + m
        thetas.append(theta)
        ms.append(m)
    return np.array(thetas, dtype=float), np.array(ms, dtype=float)


def trajectory_tolerance(h, lr, lam, theta0, m0, T):
    rho_bar = max(q.rate(h, lr, lam), 1 / 8)
    t = np.arange(T + 1)
    S = 1 + abs(lam) + abs(lr * h)
    return 64 * U * (t + 2.0) ** 3 * rho_bar ** (t - 2.0) * S * (abs(theta0) + abs(m0)) + 1e-300


def exact_rate(h, lr, lam):
    """max |root| of z² − (1+λ−ηh)z + λ for the given floats, in 60-digit arithmetic."""
    with mpmath.workdps(60):
        x = mpmath.mpf(lr) * mpmath.mpf(h)
        tau, lam = 1 + mpmath.mpf(lam) - x, mpmath.mpf(lam)
        disc = tau**2 - 4 * lam
        return (abs(tau) + mpmath.sqrt(disc)) / 2 if disc >= 0 else mpmath.sqrt(lam)


def rate_tolerance(h, lr, lam):
    S = 1 + abs(lam) + abs(lr * h)
    return 8 * U * S + 4 * math.sqrt(U) * S


@pytest.mark.parametrize("prove", PROOFS, ids=lambda f: f.__name__)
def test_every_proof_holds(prove):
    proof = prove()
    assert proof.holds, proof.summary()


@given(params=stable(), theta0=starts, m0=starts, T=st.integers(0, 120))
def test_trajectory_equals_exact_recursion(params, theta0, m0, T):
    h, lr, lam = params
    exact_theta, exact_m = exact_recursion(h, lr, lam, theta0, m0, T)
    tol = trajectory_tolerance(h, lr, lam, theta0, m0, T)
    assert np.all(np.abs(q.trajectory(h, lr, lam, theta0, m0, T) - exact_theta) <= tol)
    assert np.all(np.abs(q.velocity_trajectory(h, lr, lam, theta0, m0, T) - exact_m) <= tol)


def test_trajectory_is_vectorised_and_continuous_across_critical_damping():
    h, lr = np.array([0.5, 1.0, 2.0]), 0.1
    got = q.trajectory(h, lr, 0.6, [1.0, -1.0, 2.0], 0.5, 50)
    for i in range(3):
        assert np.allclose(got[:, i], q.trajectory(h[i], lr, 0.6, [1.0, -1.0, 2.0][i], 0.5, 50), rtol=0, atol=1e-15)
    lam_c = q.critical_momentum(1.0, lr)
    r = 1 - math.sqrt(lr)
    t = np.arange(201)
    repeated = r**t * (1.0 + t * ((1 - r) * 1.0 + r * 0.3))  # (a + bt) r^t
    for eps in (0.0, 1e-14, -1e-14, 1e-10, -1e-10):
        path = q.trajectory(1.0, lr, lam_c * (1 + eps), 1.0, 0.3, 200)
        assert np.all(np.isfinite(path))
        assert np.allclose(path, repeated, rtol=0, atol=1e3 * abs(eps) + 1e-12)


def test_trajectory_edge_cases_have_no_nan():
    assert np.array_equal(q.trajectory(1.0, 1.0, 0.0, 3.0, 5.0, 4), [3.0, 0.0, 0.0, 0.0, 0.0])  # τ = λ = 0
    assert np.allclose(q.trajectory(0.0, 0.1, 0.5, 1.0, 1.0, 3), [1.0, 1.5, 1.75, 1.875])          # h = 0
    big = q.trajectory(1.0, 10.0, 0.9, 1.0, 0.0, 2000)                                                 # divergent
    assert not np.any(np.isnan(big)) and np.isinf(big[-1])
    assert q.trajectory(1.0, 0.1, 0.5, 1.0, 0.0, 0).tolist() == [1.0]


@given(params=stable(), bad_lam=st.floats(0, 1), bad_x=st.floats(-1, 8))
def test_rate_matches_numpy_eigenvalues_and_exact_value(params, bad_lam, bad_x):
    for h, lr, lam in (params, (1.0, max(abs(bad_x), 1e-3), bad_lam)):
        A = q.transition_matrix(h, lr, lam)
        norm = np.linalg.norm(A)
        eps = 64 * U * norm
        eig_tol = math.sqrt((math.sqrt(2) * (norm + eps) + norm) * eps + eps**2)
        got = q.rate(h, lr, lam)
        exact = float(exact_rate(h, lr, lam))
        assert abs(got - exact) <= rate_tolerance(h, lr, lam)
        assert abs(got - np.abs(np.linalg.eigvals(A)).max()) <= rate_tolerance(h, lr, lam) + eig_tol


@given(h=st.one_of(st.just(0.0), st.floats(-5, -1e-6), st.floats(1e-6, 20)), lr=st.floats(1e-4, 5),
       lam=st.one_of(st.sampled_from([-1.0, 1.0, 0.0]), st.floats(-1.5, 1.5)))
def test_converges_agrees_with_rate_below_one(h, lr, lam):
    assert q.converges(h, lr, lam) == bool(exact_rate(h, lr, lam) < 1)
    assert bool(q.converges(*map(sp.Rational, (h, lr, lam)))) == q.converges(h, lr, lam)


def test_rate_is_exact_for_rational_input():
    assert q.rate(1, sp.Rational(1, 10), sp.Rational(9, 10)) == sp.sqrt(sp.Rational(9, 10))
    assert q.rate(1, sp.Rational(1, 2), 0) == sp.Rational(1, 2)


def test_regimes_and_symbolic_forms():
    assert q.regime(1.0, 0.5, 0.0) == "real" and q.regime(1.0, 0.1, 0.9) == "complex"
    assert q.regime(4.0, 0.25, 0.0) == "repeated"
    assert q.characteristic_polynomial().equals(q.z**2 - (1 + q.lam - q.eta * q.h) * q.z + q.lam)
    assert isinstance(q.rate(q.h, q.eta, q.lam), sp.Piecewise)
    assert q.converges(1, sp.Rational(1, 10), sp.Rational(1, 2)) is sp.true
    assert sp.simplify(q.critical_momentum(q.h, q.eta) - (1 - sp.sqrt(q.eta * q.h)) ** 2) == 0


@pytest.mark.parametrize("which, h, lr, lam", [
    ("distinct", 1, sp.Rational(1, 2), sp.Rational(1, 20)),
    ("complex", 1, sp.Rational(1, 10), sp.Rational(9, 10)),
    ("repeated", 1, sp.Rational(1, 4), sp.Rational(1, 4)),   # (1 − √(1/4))² = 1/4
    (None, 1, sp.Rational(1, 10), sp.Rational(9, 10)),
])
def test_symbolic_closed_form_equals_exact_recursion(which, h, lr, lam):
    theta0, m0 = Fraction(3, 2), Fraction(-1, 3)
    exact_fr = [Fraction(theta0)]
    th, m = Fraction(theta0), Fraction(m0)
    for _ in range(9):
        m = Fraction(lam.p, lam.q) * m - Fraction(lr.p, lr.q) * h * th
        th += m
        exact_fr.append(th)
    values = {q.h: h, q.eta: lr, q.lam: lam, q.theta0: sp.Rational(3, 2), q.m0: sp.Rational(-1, 3)}
    for step in range(10):
        val = q.trajectory_closed_form(which).subs(q.t, step).subs(values)
        assert abs(sp.N(val, 50) - sp.Rational(exact_fr[step].numerator, exact_fr[step].denominator)) < 1e-40


@given(mu=st.floats(0.01, 10), kappa=st.floats(1.0, 1e4))
def test_polyak_rate_attained_at_both_ends_and_optimal(mu, kappa):
    L = mu * kappa
    lr, lam, r = q.polyak_parameters(mu, L)
    tol = rate_tolerance(L, lr, lam)
    grid = np.linspace(mu, L, 201)
    assert abs(q.rate(mu, lr, lam) - r) <= tol and abs(q.rate(L, lr, lam) - r) <= tol
    assert np.all(q.rate(grid, lr, lam) <= r + tol)
    assert q.converges(mu, lr, lam) and q.converges(L, lr, lam)
    for dl in (-0.02, 0.0, 0.02):
        for dm in (-0.02, 0.0, 0.02):
            worst = q.rate(grid, lr * (1 + dl), min(max(lam + dm, 0.0), 0.999999)).max()
            assert worst >= r - tol


def test_polyak_symbolic_and_kappa_one():
    mu, L = sp.symbols("mu L", positive=True)
    lr, lam, r = q.polyak_parameters(mu, L)
    assert sp.simplify(lr - 4 / (sp.sqrt(L) + sp.sqrt(mu)) ** 2) == 0 and sp.simplify(lam - r**2) == 0
    assert q.polyak_parameters(2.0, 2.0) == pytest.approx((0.5, 0.0, 0.0), abs=4 * U)


@pytest.mark.parametrize("call, name", [
    (lambda: q.rate(1.0, 0.0, 0.5), "lr"),
    (lambda: q.rate(np.nan, 0.1, 0.5), "h"),
    (lambda: q.converges(1.0, 0.1, np.inf), "momentum"),
    (lambda: q.critical_momentum(-1.0, 0.1), "h"),
    (lambda: q.critical_momentum(np.array([1.0, -1.0]), 0.1), "h"),
    (lambda: q.polyak_parameters(0.0, 1.0), "mu"),
    (lambda: q.polyak_parameters(2.0, 1.0), "L"),
    (lambda: q.trajectory(1.0, 0.1, 0.5, 1.0, 0.0, -1), "n_steps"),
    (lambda: q.trajectory(1.0, 0.1, 0.5, [1.0, np.nan], 0.0, 3), "theta0"),
    (lambda: q.trajectory([1.0, 2.0], 0.1, 0.5, [1.0, 2.0, 3.0], 0.0, 3), "theta0"),
    (lambda: q.velocity_trajectory(1.0, -0.1, 0.5, 1.0, 0.0, 3), "lr"),
    (lambda: q.transition_matrix(1.0, 0.1, "x"), "momentum"),
    (lambda: q.lucas_closed_form(q.t, "wrong"), "which"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        call()
