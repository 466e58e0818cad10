"""The C9 quadratic checks (``proofs/claims/c9_momentum/quadratic_*.py``): all pass with the quick sample sizes,
declare the false-failure share of their comparisons, and state their power against a 2% theory error."""
from __future__ import annotations

import math

import pytest

from optproof.proofs.catalog import CheckRun, RunConfig
from optproof.proofs.claims.c9_momentum import quadratic_exact, quadratic_noise, quadratic_region
from optproof.proofs.stats import ALPHA_EACH, Comparison, power_verdict

QUICK = RunConfig(quick=True)
CHECKS = quadratic_exact.CHECKS + quadratic_region.CHECKS + quadratic_noise.CHECKS


@pytest.fixture(scope="module")
def runs() -> dict[str, CheckRun]:
    return {chk.name: CheckRun.run(chk, QUICK) for chk in CHECKS}


def _comparisons(run: CheckRun) -> list[Comparison]:
    fields = ("name", "estimate", "se", "theory", "n", "alpha")
    return [Comparison(*(c[f] for f in fields)) for c in run.outcome.numbers.get("comparisons", [])]


def test_every_kind_is_present():
    assert {c.kind for c in CHECKS} == {"symbolic", "exact", "simulation"}


@pytest.mark.parametrize("name", [c.name for c in CHECKS])
def test_check_passes_quick(runs, name):
    out = runs[name].outcome
    assert out.passed, f"{name}: {out.summary}\n{out.numbers.get('traceback', '')}"


def test_declared_alpha_is_comparisons_times_alpha_each(runs):
    for chk in CHECKS:
        comps = _comparisons(runs[chk.name])
        assert math.isclose(chk.alpha, len(comps) * ALPHA_EACH, rel_tol=1e-12, abs_tol=0.0), chk.name
        assert all(c.alpha == ALPHA_EACH for c in comps), chk.name
    assert quadratic_noise.N_COMPARISONS == {"mean_band": 19, "stationary": 6}


def test_power_against_a_2_percent_theory_error(runs):
    """A check says "confirmed by simulation" only if every comparison detects a 2% error of its theory
    value (detectable relative error <= 2%); otherwise it says "consistent with simulation (detectable
    error k%)" with k the largest detectable error.  A stated flag for a 2% error matches a recomputation."""
    rows = []
    for chk in CHECKS:
        comps = _comparisons(runs[chk.name])
        if not comps:
            continue
        out = runs[chk.name].outcome
        worst = max(c.detectable_relative_error for c in comps)
        if worst <= 0.02:
            assert "confirmed by simulation" in out.summary, out.summary
        else:
            assert "confirmed" not in out.summary.replace("not confirmed", ""), out.summary
            assert "consistent with simulation (detectable error " in out.summary, out.summary
            assert power_verdict(comps) in out.summary
        for c in comps:
            assert c.theory != 0.0, c.name
            flagged = c.flags_relative_error(0.02)
            rows.append((c.name, flagged, c.detectable_relative_error))
            stated = out.numbers["comparisons"]
            assert any(s["name"] == c.name and s["flags_2pct_error"] == flagged for s in stated)
    assert len(rows) == sum(quadratic_noise.N_COMPARISONS.values())
    print("\n".join(f"{n}: flags 2%: {f}; detectable relative error {d:.3g}" for n, f, d in rows))


def test_default_sizes_detect_a_2_percent_error():
    """At the default sizes the stationary-variance comparisons each detect a 2% error: with n samples of
    theta_T^2 (Gaussian, Var = 2 V^2) the detectable relative error is z_crit sqrt(2/n) <= 2%."""
    from optproof.proofs.stats import critical_z
    n = quadratic_noise.N_STATIONARY["default"] * quadratic_noise._STAT["d"]
    assert critical_z(ALPHA_EACH) * math.sqrt(2 / n) <= 0.02


def test_figures_only_when_asked(runs):
    assert all(not r.outcome.figures for r in runs.values())
