"""C6 synthetic: ``mathcore.landscape`` against exact quadrature, and the catalog checks in quick mode.

Error analysis of the deterministic tolerances
----------------------------------------------
- Gibbs quadrature: composite Simpson on 8001 points per side of the barrier, analytic integrand:
  error O(Δθ⁴) ≈ 1e-12 relative; halving the grid changes P_flat by < 1e-9 (asserted).
- Laplace: relative error of each well's weight is c₁T + O(T²) (``prove_laplace``), so the occupancy
  error divided by T must settle to a constant as T → 0, and the O(T)-corrected form is closer.
- Fokker–Planck grid chain: exact detailed balance, so its stationary vector is e^{−f/T} on the grid
  (a Riemann sum of the Gibbs density, error O(Δθ²) ≈ 1e-3 at 401 points); its spectral gap converges
  at O(Δθ²): 401 vs 1601 points differ by < 1%.
The statistical test runs the catalog's Monte Carlo check (6 comparisons at ALPHA_EACH = 5e-6 each):
false-failure rate ≤ 3e-5 with the fixed seed of RunConfig.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from optproof.mathcore import landscape as ls
from optproof.mathcore import landscape_proofs as lsp
from optproof.proofs.catalog import CheckRun, RunConfig
from optproof.proofs.stats import ALPHA_EACH

LAND = ls.SoftminWells()


def test_stationary_points():
    for e, sign in ((LAND.sharp, 1), (LAND.flat, 1), (LAND.barrier, -1)):
        assert abs(float(LAND.grad(e.theta))) < 1e-10
        assert sign * e.h > 0
    assert LAND.sharp.theta < LAND.barrier.theta < LAND.flat.theta
    assert math.isclose(LAND.sharp.h, 16.0, rel_tol=5e-3) and math.isclose(LAND.flat.h, 1.0, rel_tol=1e-6)


def test_derivatives_match_finite_differences():
    x = np.linspace(-0.5, 4.0, 37)
    e = 1e-5
    assert np.allclose((LAND.f(x + e) - LAND.f(x - e)) / (2 * e), LAND.grad(x), atol=1e-6)
    assert np.allclose((LAND.grad(x + e) - LAND.grad(x - e)) / (2 * e), LAND.hess(x), atol=1e-4)


def test_sympy_expression_is_the_same_function():
    import sympy as sp

    f = sp.lambdify(ls.theta, LAND.sympy_expr(), "math")
    for x in (-0.3, 0.2, 0.6, 1.7, 3.1):
        assert math.isclose(f(x), float(LAND.f(x)), rel_tol=1e-12, abs_tol=1e-12)


def test_quadrature_converged():
    for T in (0.05, 0.3, 1.0):
        assert abs(ls.gibbs_occupancy(LAND, T, 8001) - ls.gibbs_occupancy(LAND, T, 4001)) < 1e-9


def test_laplace_error_is_first_order_in_T():
    """Relative error of the odds P_flat/P_sharp: (c1_f - c1_s) T + O(T^2) at leading order, O(T^2) corrected."""
    odds = lambda p: p / (1 - p)  # noqa: E731
    Ts = [0.0125, 0.025, 0.05]
    q = [odds(ls.gibbs_occupancy(LAND, T)) for T in Ts]
    e0 = [(odds(ls.laplace_occupancy(LAND, T)) / qq - 1) / T for T, qq in zip(Ts, q)]
    e1 = [(odds(ls.laplace_occupancy(LAND, T, 1)) / qq - 1) / T**2 for T, qq in zip(Ts, q)]
    # e/T and e1/T^2 settle to constants: successive differences shrink (geometrically, by about 2)
    assert abs(e0[1] - e0[0]) < 0.6 * abs(e0[2] - e0[1])
    assert abs(e1[1] - e1[0]) < 0.6 * abs(e1[2] - e1[1])
    assert all(abs(b * T**2) < abs(a * T) for a, b, T in zip(e0, e1, Ts))


def test_laplace_ratio_formula():
    T = 0.1
    r = ls.laplace_ratio(16.0, 1.0, 0.0, 0.1, T)
    assert math.isclose(r, 4.0 * math.exp(-1.0), rel_tol=1e-15)


def test_fokker_planck_stationary_and_gap():
    fp = ls.FokkerPlanck(LAND, 0.5)
    f = LAND.f(fp.x)
    gibbs = np.exp(-(f - f.min()) / 0.5)
    assert np.allclose(fp.pi, gibbs / gibbs.sum(), rtol=1e-12)
    # t -> oo reaches the stationary law up to the eigensolver's rounding (~ n * eps * 1/pi_min-scale): 1e-7
    assert abs(fp.occupancy([1e6], LAND.sharp.theta)[0] - fp.pi[fp.flat_mask].sum()) < 1e-7
    fine = ls.FokkerPlanck(LAND, 0.5, 1601)
    assert abs(fp.relaxation_rate / fine.relaxation_rate - 1) < 0.01
    p = fp.occupancy([0.0, 1.0, 5.0, 20.0], LAND.sharp.theta)
    assert p[0] < 1e-12 and np.all(np.diff(p) > 0)  # point mass in the sharp well at t = 0 (rounding only)


def test_kramers_limits():
    k_od = ls.kramers_rate(16.0, -32.0, 2.0, 0.4)
    assert math.isclose(k_od, math.sqrt(16 * 32) / (2 * math.pi) * math.exp(-5.0), rel_tol=1e-14)
    gamma = 1e7
    assert math.isclose(gamma * ls.kramers_rate(16.0, -32.0, 2.0, 0.4, gamma), k_od, rel_tol=1e-6)
    # Kramers becomes exact as barrier/T grows: FP gap / Kramers -> 1
    r = []
    for T in (0.4, 0.2):
        fp = ls.FokkerPlanck(LAND, T, 801)
        kk = sum(ls.kramers_rate(e.h, LAND.barrier.h, LAND.barrier.f - e.f, T) for e in (LAND.sharp, LAND.flat))
        r.append(abs(kk / fp.relaxation_rate - 1))
    assert r[1] < r[0]


def test_temperature_and_noise():
    assert math.isclose(ls.temperature(0.002, 0.0, 300.0), 0.3)
    assert math.isclose(ls.temperature(0.002, 0.9, 30.0), 0.3)
    assert ls.batch_noise_variance(32, 32, 5.0) == 0.0
    assert math.isclose(ls.batch_noise_variance(32, 2, 1.0), 30 / 62)


@pytest.mark.parametrize("call, name", [
    (lambda: ls.SoftminWells(h_sharp=-1), "h_sharp"),
    (lambda: ls.SoftminWells(theta_flat=-1.0), "theta_flat"),
    (lambda: ls.SoftminWells(tau=0), "tau"),
    (lambda: ls.gibbs_occupancy(LAND, 0.0), "T"),
    (lambda: ls.kramers_rate(1.0, 0.0, 1.0, 1.0), "h_barrier"),
    (lambda: ls.FokkerPlanck(LAND, 0.5).density([-1.0], 0.0), "t"),
    (lambda: ls.escape_rates_per_step(LAND, 0.01, 1.0, 1.0), "momentum"),
])
def test_validation_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_proofs_hold():
    for p in (lsp.prove_gibbs_stationary, lsp.prove_laplace, lsp.prove_occupancy_ratio, lsp.prove_kramers,
              lsp.prove_temperature, lsp.prove_test_loss):
        assert p().holds, p().summary()


def test_catalog_quick_passes_and_declares_alpha():
    from optproof.proofs.claims.c6_flat_minima import CLAIM
    from optproof.proofs.claims.c6_flat_minima import landscape as c6

    assert {c.kind for c in c6.CHECKS} == {"symbolic", "exact", "simulation"}
    assert CLAIM.id == "C6" and set(c6.CHECKS) <= set(CLAIM.checks)  # plus the real-data checks
    for chk in c6.CHECKS:
        run = CheckRun.run(chk, RunConfig(quick=True))
        assert run.outcome.passed, (chk.name, run.outcome.summary, run.outcome.numbers.get("traceback"))
        comps = run.outcome.numbers.get("comparisons", [])
        assert math.isclose(chk.alpha, len(comps) * ALPHA_EACH, rel_tol=1e-12, abs_tol=0.0)
