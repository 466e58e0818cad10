"""Saddle escape (C3, C4, C7): proofs hold; closed-form E y_t² = exact recursion; GD bitwise still; one
Monte Carlo test with a stated false-failure rate.

Tolerance of ``second_moment`` (numeric path): every term ``S_n² = z₁^{2(n−1)} G_n(ρ)²`` is positive and
computed with a relative error of a few ulps times ``(1 + n|log ρ|)`` (expm1/log, exp of a product); the
cumulative sum adds ``t·u``.  ``(3t + 6)·u`` per term plus the ``exp(2(n−1) log z₁)`` error
``2(n−1)|log z₁|·u`` gives the bound ``(3t + 6 + 2t·log z₁ + 2t|log ρ|)·4u`` used below (factor 4 for the
roundings of the products and of ``growth_roots``).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from optproof.mathcore import saddle as sd
from optproof.proofs.catalog import RunConfig
from optproof.proofs.claims.c3_noise_and_saddle import saddle as c3_saddle
from optproof.proofs.stats import ALPHA_EACH, compare_mean

U = 2.0**-53


def frac_second_moments(lr, lam, s2, T, mu=1):
    """E y_t² by the exact rational recursion of (y_t, m_t) covariance with h = −μ."""
    lr, lam, s2, mu = map(Fraction, (lr, lam, s2, mu))
    A = [[1 + lr * mu, lam], [lr * mu, lam]]
    S, out = [[Fraction(0)] * 2 for _ in range(2)], [Fraction(0)]
    for _ in range(T):
        S = [[sum(A[i][k] * S[k][l] * A[j][l] for k in range(2) for l in range(2)) + lr * lr * s2 for j in range(2)]
             for i in range(2)]
        out.append(S[0][0])
    return out


@pytest.mark.parametrize("prove", [sd.prove_saddle_stationary, sd.prove_noisy_recursion, sd.prove_second_moment,
                                   sd.prove_escape_law], ids=lambda f: f.__name__)
def test_proofs_hold(prove):
    proof = prove()
    assert proof.holds, proof.summary()


@pytest.mark.parametrize("lr,lam,mu", [(0.1, 0.0, 1.0), (0.1, 0.9, 1.0), (0.03, 0.999, 2.0), (0.5, 1.0, 0.5),
                                       (1e-4, 0.9999, 1.0)])
def test_numeric_second_moment_equals_exact_recursion(lr, lam, mu):
    T = 80
    exact = frac_second_moments(lr, lam, 0.7, T, mu)
    got = sd.second_moment(np.arange(T + 1), lr, lam, 0.7, mu)
    z1, z2 = sd.growth_roots(lr, lam, mu)
    rho = z2 / z1
    for t_ in range(1, T + 1):
        tol = (3 * t_ + 6 + 2 * t_ * np.log(z1) + (2 * t_ * abs(np.log(rho)) if rho > 0 else 0)) * 4 * U
        assert abs(got[t_] - float(exact[t_])) <= tol * float(exact[t_]), (t_, got[t_], float(exact[t_]))


def test_sgd_closed_form_and_limits():
    t = np.arange(0, 50)
    assert np.allclose(sd.second_moment(t, 0.1, 0.0, 2.0), [sd.sgd_second_moment(int(k), 0.1, 2.0, 1.0) for k in t],
                       rtol=1e-13)
    # λ → 1 is continuous (G(λ, t) → t) and η → 0 gives E y_t² ≈ η² s² t (random walk) to first order
    assert sd.second_moment(30, 0.1, 1 - 1e-12, 1.0) == pytest.approx(sd.second_moment(30, 0.1, 1.0, 1.0), rel=1e-9)
    assert sd.second_moment(10, 1e-9, 0.0, 1.0) == pytest.approx(1e-18 * 10, rel=1e-6)
    assert sd.escape_time_leading(1.0, 0.1, 0.0, 0.0) == np.inf
    assert sd.median_escape_step(1.0, 0.1, 0.5, 0.0) == -1


@pytest.mark.parametrize("call,name", [
    (lambda: sd.second_moment(3, -0.1, 0.5, 1.0), "lr"), (lambda: sd.second_moment(3, 0.1, 1.5, 1.0), "momentum"),
    (lambda: sd.second_moment(3, 0.1, 0.5, -1.0), "noise_var"), (lambda: sd.second_moment(3, 0.1, 0.5, 1.0, 0.0), "curvature"),
    (lambda: sd.second_moment(-1, 0.1, 0.5, 1.0), "tt"), (lambda: sd.escape_probability(3, 0.0, 0.1, 0.5, 1.0), "r"),
    (lambda: sd.batch_noise_variance([1.0, -1.0], 3), "batch_size")])
def test_validation_names_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_gd_on_saddle_is_bitwise_still_and_minibatch_moves():
    out = c3_saddle._simulation_stuck(RunConfig(quick=True))
    assert out.passed, out.numbers


def test_escape_probability_statistical():
    """P(|y_t| > r) and E y_t² of heavy ball at the saddle, Gaussian noise: exact.  Fixed seed 12345;
    two comparisons at ALPHA_EACH each: false-failure rate ≤ 1e-5."""
    from optproof.sim import HeavyBall, Quadratic, simulate

    lr, lam, s2, t_ = 0.1, 0.9, 0.01, 15
    res = simulate(Quadratic(np.diag([1.0, -1.0]), noise_cov=np.diag([0.0, s2])), HeavyBall(lr, lam), n_traj=20_000,
                   n_steps=t_, seed=12345, theta0=[0.0, 0.0], record=("theta",), every=t_)
    y = res.records["theta"][:, 0, 1]
    c1 = compare_mean("P", (np.abs(y) > 1.0).astype(float), sd.escape_probability(t_, 1.0, lr, lam, s2), ALPHA_EACH)
    c2 = compare_mean("E y^2", y * y, sd.second_moment(t_, lr, lam, s2), ALPHA_EACH)
    assert c1.passed and c2.passed, (str(c1), str(c2))


def test_catalog_checks_pass_quick():
    cfg = RunConfig(quick=True)
    for chk in c3_saddle.CHECKS:
        out = chk.fn(cfg)
        assert out.passed, (chk.name, out.summary)
    assert c3_saddle.CHECKS[-1].alpha == c3_saddle.N_MOMENT_COMPARISONS * ALPHA_EACH == 16 * ALPHA_EACH
