"""Additive gradient noise (C3, C9): proofs hold; moment recursions equal brute-force enumeration and exact
rational iteration; the stationary covariance is the limit of the recursion.

Tolerances: the float recursion ``Σ ← AΣAᵀ + Q`` adds, per step, rounding ``≤ γ₈(|A||Σ||A|ᵀ + Q)``
(``γ_n = nu/(1 − nu)``, ``u = 2^-53``); over ``t`` steps at most ``8(t+1)u`` times the same recursion run on
absolute values, bounded by ``(t+1)`` times the scale ``M = max|mean| + max|Σ|`` (stable parameters,
``ρ ≤ 0.999``); the means come from the closed form (bound of ``test_quadratic``, ``∝ (t+2)³``):
``64 (t+1)³ u M`` covers both.  The limit test adds the exact transient ``‖Aᵀ‖₂² ‖Σ_∞‖₂``
(``Σ_T − Σ_∞ = A^T(Σ_0 − Σ_∞)A^{T⊤}``, ``prove_stationary_covariance``).
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from optproof.mathcore import noise as nz
from optproof.mathcore import quadratic as q

U = 2.0**-53
PROOFS = [nz.prove_moment_recursion, nz.prove_stationary_covariance, nz.prove_small_lr_temperature]


@st.composite
def stable(draw):
    h = draw(st.floats(0.1, 10.0))
    lam = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.99)))  # MOMENTUM_RANGE (quadratic.rate rejects lam < 0)
    lr = draw(st.floats(0.01, 0.95)) * 2 * (1 + lam) / h
    assume(q.converges(h, lr, lam) and q.rate(h, lr, lam) < 0.999)
    return h, lr, lam


def frac_moments(h, lr, lam, s2, theta0, m0, T):
    """Exact rational iteration of mean and covariance (2-D state), the recursion of prove_moment_recursion."""
    h, lr, lam, s2 = map(Fraction, (h, lr, lam, s2))
    A = [[1 - lr * h, lam], [-lr * h, lam]]
    mean, cov = [Fraction(theta0), Fraction(m0)], [[Fraction(0)] * 2 for _ in range(2)]
    out = [(mean, cov)]
    for _ in range(T):
        mean = [sum(A[i][k] * mean[k] for k in range(2)) for i in range(2)]
        cov = [[sum(A[i][k] * cov[k][l] * A[j][l] for k in range(2) for l in range(2)) + lr * lr * s2
                for j in range(2)] for i in range(2)]
        out.append((mean, cov))
    return out


@pytest.mark.parametrize("prove", PROOFS, ids=lambda f: f.__name__)
def test_every_proof_holds(prove):
    proof = prove()
    assert proof.holds, proof.summary()


@pytest.mark.parametrize("lam", [sp.Rational(0), sp.Rational(1, 2)])
def test_moment_recursion_equals_brute_force_enumeration(lam):
    """ξ_t = ±s with probability ½ each (mean 0, variance s²): enumerate all 2^T noise sequences exactly."""
    h, lr, s, T = sp.Rational(3, 2), sp.Rational(1, 5), sp.Rational(1, 2), 7
    theta0, m0 = sp.Rational(1), sp.Rational(-1, 3)
    mean, cov = sp.Matrix([theta0, m0]), sp.zeros(2, 2)
    for _ in range(T):
        mean, cov = nz.moment_step(mean, cov, h, lr, lam, s**2)
    states = []
    for signs in itertools.product((-1, 1), repeat=T):
        th, m = theta0, m0
        for sign in signs:
            m = lam * m - lr * (h * th + sign * s)
            th = th + m
        states.append(sp.Matrix([th, m]))
    emp_mean = sum(states, sp.zeros(2, 1)) / len(states)
    emp_cov = sum(((x - emp_mean) * (x - emp_mean).T for x in states), sp.zeros(2, 2)) / len(states)
    assert emp_mean == mean and emp_cov == cov


@given(params=stable(), s2=st.floats(0.01, 4.0), theta0=st.floats(-5, 5), m0=st.floats(-5, 5),
       T=st.integers(0, 40), method=st.sampled_from(["eigen", "dense"]))
def test_numeric_moments_equal_exact_rational_iteration(params, s2, theta0, m0, T, method):
    h, lr, lam = params
    got = nz.moments(h, lr, lam, s2, theta0, m0, T, method=method)
    exact = frac_moments(h, lr, lam, s2, theta0, m0, T)
    mean = np.array([[float(v) for v in e[0]] for e in exact])
    cov = np.array([[[float(v) for v in row] for row in e[1]] for e in exact])
    t = np.arange(T + 1)[:, None]
    scale = np.maximum(np.abs(mean).max(), 1e-300) + np.abs(cov).max()
    tol = 64 * (t + 1) ** 3 * U * scale  # mean: closed form (test_quadratic bound), covariance: recursion
    assert np.all(np.abs(got.theta_mean[:, 0] - mean[:, 0]) <= tol[:, 0])
    assert np.all(np.abs(got.m_mean[:, 0] - mean[:, 1]) <= tol[:, 0])
    assert np.all(np.abs(got.cov - cov) <= tol[:, :, None])
    assert np.allclose(got.theta_var[:, 0], got.cov[:, 0, 0], rtol=0, atol=0)


def _random_spd(rng, d, lo=0.2):
    M = rng.normal(size=(d, d))
    return M @ M.T / d + lo * np.eye(d)


@pytest.mark.parametrize("seed", range(4))
def test_eigen_and_dense_agree_for_general_noise_and_match_exact_2d(seed):
    rng = np.random.default_rng(seed)
    d = 2 + seed
    H, C = _random_spd(rng, d), _random_spd(rng, d, 0.0)
    lr = 1.0 / np.linalg.eigvalsh(H).max()
    a = nz.moments(H, lr, 0.7, C, rng.normal(size=d), 0.1, 60)
    b = nz.moments(H, lr, 0.7, C, a.theta_mean[0], 0.1, 60, method="dense")
    scale = np.abs(b.cov).max() + np.abs(b.theta_mean).max()
    assert np.allclose(a.cov, b.cov, rtol=0, atol=1e-12 * scale)
    assert np.allclose(a.theta_mean, b.theta_mean, rtol=0, atol=1e-12 * scale)
    assert np.allclose(a.m_mean, b.m_mean, rtol=0, atol=1e-12 * scale)


@given(params=stable(), s2=st.floats(0.01, 4.0))
def test_stationary_variance_is_the_limit_of_the_recursion(params, s2):
    h, lr, lam = params
    A = q.transition_matrix(h, lr, lam)
    T = 400
    limit = nz.stationary_covariance(h, lr, lam, s2)
    got = nz.moments(h, lr, lam, s2, 0.0, 0.0, T).cov[-1]
    transient = np.linalg.norm(np.linalg.matrix_power(A, T), 2) ** 2 * np.linalg.norm(limit, 2)
    tol = transient + 64 * (T + 1) ** 2 * U * np.abs(limit).max()
    assert np.all(np.abs(got - limit) <= tol)
    assert nz.stationary_variance(h, lr, lam, s2) == pytest.approx(limit[0, 0], rel=4 * U)
    exact = nz.stationary_variance(*map(sp.Rational, (h, lr, lam, s2)))
    assert float(exact) == pytest.approx(limit[0, 0], rel=16 * U)


def test_sgd_special_case_and_exact_values():
    assert nz.stationary_variance(2, sp.Rational(1, 10), 0, 1) == sp.Rational(1, 10) / (2 * (2 - sp.Rational(2, 10)))
    assert nz.stationary_variance(2.0, 0.1, 0.0, 1.0) == pytest.approx(0.1 / (2 * 1.8), rel=4 * U)
    expr = nz.stationary_variance(q.h, q.eta, q.lam, nz.s2)
    assert sp.simplify(expr - q.eta * nz.s2 * (1 + q.lam) / (q.h * (1 - q.lam) * (2 * (1 + q.lam) - q.eta * q.h))) == 0
    assert not hasattr(q, "stationary_variance")  # one home: mathcore.noise (no quadratic <-> noise cycle)


@given(lam=st.floats(0.0, 0.99), h=st.floats(0.1, 10), sigma2=st.floats(0.1, 10), B=st.integers(1, 512))
def test_small_lr_temperature(lam, h, sigma2, B):
    for lr in (1e-4, 1e-6):
        T = nz.temperature(lr, lam, sigma2, B)
        ratio = h * nz.stationary_variance(h, lr, lam, sigma2 / B) / T
        assert ratio == pytest.approx(2 * (1 + lam) / (2 * (1 + lam) - lr * h), rel=32 * U)
        assert abs(ratio - 1) <= lr * h / (1 + lam)  # first-order term ηh/(2(1+λ)), with room for the rest


@pytest.mark.parametrize("seed", range(3))
def test_multivariate_stationary_covariance(seed):
    rng = np.random.default_rng(10 + seed)
    d = 3
    H = _random_spd(rng, d)
    w, Q = np.linalg.eigh(H)
    lr, lam = 1.5 / w.max(), 0.6
    c = rng.uniform(0.1, 2.0, d)
    commuting = Q @ np.diag(c) @ Q.T
    S = nz.stationary_state_covariance(H, lr, lam, commuting)
    per_direction = [nz.stationary_variance(wi, lr, lam, ci) for wi, ci in zip(w, c)]
    assert np.allclose(S[:d, :d], Q @ np.diag(per_direction) @ Q.T, rtol=0, atol=1e-12 * np.abs(S).max())
    C = _random_spd(rng, d, 0.0)
    S = nz.stationary_state_covariance(H, lr, lam, C)
    eye = np.eye(d)
    big = np.block([[eye - lr * H, lam * eye], [-lr * H, lam * eye]])
    noise = lr**2 * np.block([[C, C], [C, C]])
    assert np.allclose(big @ S @ big.T + noise, S, rtol=0, atol=1e-12 * np.abs(S).max())
    assert np.allclose(S, S.T) and np.linalg.eigvalsh(S).min() > -1e-12 * np.abs(S).max()


@pytest.mark.parametrize("call, name", [
    (lambda: nz.stationary_variance(1.0, 0.1, 1.0, 1.0), "momentum"),
    (lambda: nz.stationary_variance(1.0, 4.0, 0.5, 1.0), "lr"),
    (lambda: nz.stationary_variance(0.0, 0.1, 0.5, 1.0), "h"),
    (lambda: nz.stationary_variance(1.0, 0.1, 0.5, -1.0), "noise_var"),
    (lambda: nz.stationary_covariance(1.0, 0.1, -1.0, 1.0), "momentum"),
    (lambda: nz.temperature(0.1, 0.5, 1.0, 0), "batch_size"),
    (lambda: nz.moments([[1.0, 2.0], [0.0, 1.0]], 0.1, 0.5, 1.0, 0.0, 0.0, 3), "H"),
    (lambda: nz.moments(np.eye(2), 0.1, 0.5, -np.eye(2), 0.0, 0.0, 3), "noise_cov"),
    (lambda: nz.moments(np.eye(2), 0.1, 0.5, np.eye(3), 0.0, 0.0, 3), "noise_cov"),
    (lambda: nz.moments(np.eye(2), 0.1, 0.5, 1.0, [1.0, 2.0, 3.0], 0.0, 3), "theta0"),
    (lambda: nz.moments(np.eye(2), 0.1, 0.5, 1.0, 0.0, 0.0, -3), "n_steps"),
    (lambda: nz.moments(np.eye(2), 0.1, 0.5, 1.0, 0.0, 0.0, 3, method="exact"), "method"),
    (lambda: nz.stationary_state_covariance(np.eye(2), 3.0, 0.4, 1.0), "lr"),
    (lambda: nz.stationary_state_covariance(-np.eye(2), 0.1, 0.4, 1.0), "H"),
    (lambda: nz.stationary_state_covariance(np.eye(2), 0.1, 1.0, 1.0), "momentum"),
    (lambda: nz.moment_step([0.0], np.zeros((2, 2)), 1.0, 0.1, 0.5, 1.0), "mean"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        call()
