"""Momentum as inertia (C7): plateau closed form and exact crossing step, bump geometry, energy condition,
GD trapped, and the catalog checks.  All deterministic: the plateau and bump experiments have no noise,
so there is no Monte Carlo test here (false-failure rate 0).

Tolerances: ``plateau_position`` (float) vs the exact rational closed form: ``geometric_sum_numeric`` has
sums ``G(n)`` (each a few ulps·(1 + n|log λ|) relative, positive) then scales: ``(t + 8)·16u·|θ_t|``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from optproof.mathcore import inertia as inr
from optproof.proofs.catalog import RunConfig
from optproof.proofs.claims.c7_inertia import CLAIM
from optproof.proofs.claims.c7_inertia import checks as c7_inertia

U = 2.0**-53


@pytest.mark.parametrize("prove", [inr.prove_plateau_position, inr.prove_crossing_ratio, inr.prove_energy_identity,
                                   inr.prove_gd_trapped, inr.prove_bump_geometry], ids=lambda f: f.__name__)
def test_proofs_hold(prove):
    proof = prove()
    assert proof.holds, proof.summary()


@pytest.mark.parametrize("lr,lam,g", [(0.01, 0.0, 1.0), (0.01, 0.9, 1.0), (0.125, 0.5, 0.75), (0.001, 0.999, 3.0),
                                      (0.05, 1.0, 1.0)])
def test_plateau_position_and_crossing_step_match_exact_recursion(lr, lam, g):
    fl, fm, fg = map(Fraction, (lr, lam, g))
    th, m = Fraction(0), Fraction(0)
    D = 1.2345
    T = None
    for t_ in range(1, 3000):
        m = fm * m + fl * fg
        th += m
        got = inr.plateau_position(t_, lr, lam, g)
        assert abs(got - float(th)) <= (t_ + 8) * 16 * U * float(th)
        if T is None and th >= Fraction(D):
            T = t_
        if T is not None and t_ > T + 20:
            break
    assert T is not None and inr.crossing_step(D, lr, lam, g) == T
    lo, hi = inr.crossing_bounds(D, lr, lam, g)
    assert lo <= T <= hi


def test_crossing_ratio_tends_to_one_minus_lambda():
    for lam in (0.5, 0.9):
        r = [inr.crossing_step(D, 0.01, lam, 1.0) / inr.crossing_step(D, 0.01, 0.0, 1.0) for D in (1.003, 10.003, 1000.003)]
        gaps = [abs(x - (1 - lam)) for x in r]
        assert gaps[0] > gaps[1] > gaps[2] and gaps[2] <= (lam / (1 - lam) + 2) / 100_000


def test_bump_geometry_and_height_for_depth():
    g, w = 1.0, 1.0
    for depth in (0.01, 0.3, 5.0):
        H = inr.height_for_depth(depth, g, w)
        assert inr.bump_depth(g, H, w) == pytest.approx(depth, rel=1e-10)
        tmin, tmax = inr.bump_critical_points(g, H, w)
        fp = lambda x: -g + H * math.pi / w * math.sin(2 * math.pi * x / w)
        assert abs(fp(tmin)) < 1e-12 * H * 4 and abs(fp(tmax)) < 1e-12 * H * 4 and 0 < tmin < w / 4 < tmax < w / 2


def test_energy_condition_is_the_frictionless_limit_of_the_continuous_boundary():
    """As the bump gets short compared with the coasting distance (λ → 1), both boundaries agree."""
    lams = np.array([0.995, 0.998])
    dc = inr.critical_depth(0.001, lams, 1.0, 1.0, "continuous")
    de = inr.critical_depth(0.001, lams, 1.0, 1.0, "energy")
    rel = np.abs(dc - de) / de
    assert rel[1] < rel[0] < 0.05


def test_gd_never_rolls_over_and_heavy_ball_does():
    H = inr.height_for_depth(0.05, 1.0, 1.0)
    assert inr.gd_trapped(0.001, 1.0, H, 1.0, 1.0)
    crossed_gd, _ = c7_inertia._simulate_bump(0.0, np.array([H]), 2000)
    crossed_hb, _ = c7_inertia._simulate_bump(0.98, np.array([H]), 2000)
    assert not crossed_gd[0] and crossed_hb[0]
    assert inr.continuous_crosses(0.001, 0.98, 1.0, H, 1.0) and inr.crossing_margin(0.001, 0.98, 1.0, H, 1.0) > 0


@pytest.mark.parametrize("call,name", [
    (lambda: inr.crossing_step(-1.0, 0.1, 0.5, 1.0), "D"), (lambda: inr.crossing_step(1.0, 0.1, 1.5, 1.0), "momentum"),
    (lambda: inr.bump_depth(1.0, 0.1, 1.0), "H"), (lambda: inr.terminal_velocity(0.1, 1.0, 1.0), "momentum"),
    (lambda: inr.critical_depth(0.1, 0.5, 1.0, 1.0, "other"), "model"),
    (lambda: inr.height_for_depth(0.0, 1.0, 1.0), "depth")])
def test_validation_names_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_catalog_checks_pass_quick():
    cfg = RunConfig(quick=True)
    for chk in c7_inertia.CHECKS:
        out = chk.fn(cfg)
        assert out.passed, (chk.name, out.summary)
        assert chk.alpha == 0.0
    assert CLAIM.id == "C7" and CLAIM.checks == c7_inertia.CHECKS
