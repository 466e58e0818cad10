"""The comparison harness: verdicts, intervals, power and the suite-wide false-failure budget."""
from __future__ import annotations

import math

import numpy as np
import pytest

from optproof.proofs.stats import ALPHA_EACH, SUITE_ALPHA, compare, compare_mean, critical_z


def test_critical_value_matches_normal_quantiles():
    # z_{0.975} = 1.959964 and z_{1 - 1e-3/2} = 3.290527 (standard tables, 6 digits)
    assert critical_z(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert critical_z(1e-3) == pytest.approx(3.290527, abs=1e-6)


def test_verdict_follows_z_score():
    z = critical_z(ALPHA_EACH)
    assert compare("x", 1.0 + 0.99 * z, 1.0, 1.0, 100).passed
    assert not compare("x", 1.0 + 1.01 * z, 1.0, 1.0, 100).passed
    c = compare("x", 2.0, 0.5, 1.0, 10)
    assert c.z == pytest.approx(2.0)
    lo, hi = c.ci
    assert lo < 2.0 < hi and hi - lo == pytest.approx(2 * z * 0.5)


def test_zero_standard_error_is_exact_comparison():
    assert compare("x", 1.0, 0.0, 1.0, 1).passed
    assert compare("x", 1.0 + 4e-16, 0.0, 1.0, 1).passed  # last-bit rounding (ROUNDING_REL)
    assert not compare("x", 1.0 + 1e-9, 0.0, 1.0, 1).passed


def test_power_detects_two_percent_error_with_enough_samples():
    # Mean of n = 10^6 draws of N(1, 1): se = 1e-3, so a 2% error in the theory value is a
    # 20-se shift; detectable_relative_error = z * se / |theory| = 0.4% << 2%.
    rng = np.random.default_rng(12345)
    x = rng.normal(1.0, 1.0, 10**6)
    good = compare_mean("mean", x, 1.0)
    bad = compare_mean("mean", x, 1.02)
    assert good.detectable_relative_error < 0.02
    assert not bad.passed
    # good.passed is a statistical statement: false failure with probability ALPHA_EACH (fixed seed).
    assert good.passed


def test_budget_split_fits_suite_alpha():
    from optproof.proofs.claims import statistical_alpha_total

    assert statistical_alpha_total() <= SUITE_ALPHA


@pytest.mark.parametrize("bad", [dict(se=-1.0), dict(se=math.nan), dict(theory=math.inf), dict(alpha=0.5)])
def test_bad_input_names_parameter(bad):
    kw = dict(name="x", estimate=1.0, se=1.0, theory=1.0, n=10)
    kw.update(bad)
    with pytest.raises(ValueError, match=next(iter(bad))):
        compare(**kw)


def test_power_verdict_says_confirmed_only_when_a_2_percent_error_is_detectable():
    """Issue 15: 'confirmed by simulation' needs every comparison's detectable relative error <= 2%."""
    from optproof.proofs.stats import compare, critical_z, power_verdict

    z = critical_z(ALPHA_EACH)
    sharp = compare("sharp", 1.0, 0.019 / z, 1.0, 10_000)  # detects 1.9%
    blunt = compare("blunt", 1.0, 0.046 / z, 1.0, 10_000)  # detects 4.6%
    huge = compare("huge", 1.0, 1.5 / z, 1.0, 100)  # detects 150%
    assert power_verdict([sharp]) == "confirmed by simulation"
    assert power_verdict([sharp, blunt]) == "consistent with simulation (detectable error 4.6%)"
    assert power_verdict([huge]) == "consistent with simulation (detectable error 150%)"


def test_rounding_is_not_evidence_but_a_real_gap_is():
    """A degenerate sample (every squared deviation equal, se ~ 1e-20) against a theory value that differs
    only in the last bits passes (found by Hypothesis in test_theory_vs_simulation); a relative gap of 4e-6
    with the same se still fails."""
    from optproof.proofs.stats import ROUNDING_REL, compare

    assert compare("var", 0.002499999999999999, 3.8e-20, 0.0024999999999999467, 20000, 1e-7).passed
    assert not compare("var", 0.0025, 3.8e-20, 0.00250001, 20000, 1e-7).passed
    assert ROUNDING_REL <= 1e-12  # far below every detectable error the harness reports
