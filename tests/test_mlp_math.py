"""``sim.mlp_math``: the vectorisable exp and tanh of the MLP kernels.

Claims checked: (1) the Numba functions and their NumPy twins return the same bits (same IEEE
operations in the same order, no FMA contraction); (2) error ≤ 2 ulp of the exact value (mpmath,
40 digits) over the whole float range, the bound the rounding analysis of
``c6_flat_minima.mlp_machinery.gradient_error_bound`` assumes ("tanh and exp within 2 ulp");
(3) against np.tanh (glibc, documented ≤ 2 ulp on x86-64) the difference is ≤ 2 + 2 = 4 ulp;
(4) special values and symmetry exactly.  ulp(v) = np.spacing(|v|) of the correctly rounded value.
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
from numba import njit

from optproof.sim import mlp_math as mm

mpmath.mp.dps = 40


@njit(cache=False)
def _tanh_nb(x):
    v = x.copy()
    mm.tanh_inplace(v, v.shape[0])
    return v


@njit(cache=False)
def _exp_nb(x):
    v = np.empty_like(x)
    for i in range(x.shape[0]):
        v[i] = mm.exp(x[i])
    return v


SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308,
                    0.55, -0.55, np.nextafter(0.55, 0), 19.06, 20.0, 1e300, -1e300, 1.7976931348623157e308])


def _tanh_args(n, seed):
    """Log-uniform magnitudes 1e−320 … 1e300 (both signs), dense near the branch point 0.55 and the
    saturation 19–20, and a normal bulk (the MLP's pre-activations)."""
    rng = np.random.default_rng(seed)
    mag = 10.0 ** rng.uniform(-320, 300, n)
    near = np.concatenate([0.55 + rng.uniform(-1e-3, 1e-3, n // 4), rng.uniform(18.5, 20.5, n // 4)])
    x = np.concatenate([mag, near, rng.standard_normal(n) * 2])
    return x * rng.choice([-1.0, 1.0], x.size)


def _exp_args(n, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(-760, 710, n), rng.standard_normal(n), -10.0 ** rng.uniform(-300, 2, n),
                           rng.uniform(-745.2, -708, n // 4), rng.uniform(709, 709.8, n // 4)])


def _max_ulp(approx, x, exact):
    worst = 0.0
    for a, v in zip(x, approx):
        e = exact(mpmath.mpf(float(a)))
        ref = float(e)
        if not np.isfinite(ref) or ref == 0.0:
            assert v == ref, (a, v, ref)
            continue
        worst = max(worst, float(abs(mpmath.mpf(float(v)) - e) / np.spacing(abs(ref))))
    return worst


@pytest.mark.parametrize("seed", [0, 1])
def test_numba_and_numpy_twins_are_bitwise_equal(seed):
    x = np.concatenate([_tanh_args(20000, seed), SPECIAL])
    with np.errstate(all="ignore"):
        assert np.array_equal(_tanh_nb(x).view(np.int64), mm.tanh_np(x).view(np.int64))
        xe = np.concatenate([_exp_args(20000, seed), SPECIAL, -SPECIAL])
        assert np.array_equal(_exp_nb(xe).view(np.int64), mm.exp_np(xe).view(np.int64))


def test_tanh_within_two_ulp_of_exact():
    x = _tanh_args(1500, 2)
    assert _max_ulp(_tanh_nb(x), x, mpmath.tanh) <= 2.0


def test_exp_within_two_ulp_of_exact_including_gradual_underflow():
    x = _exp_args(1500, 3)
    assert _max_ulp(_exp_nb(x), x, mpmath.exp) <= 2.0


def test_tanh_within_four_ulp_of_numpy():
    x = _tanh_args(300000, 4)
    ref = np.tanh(x)
    assert np.max(np.abs(_tanh_nb(x) - ref) / np.spacing(np.abs(ref))) <= 4.0


def test_special_values_and_symmetry():
    t = _tanh_nb(SPECIAL)
    assert t[0] == 0.0 and not np.signbit(t[0]) and t[1] == 0.0 and np.signbit(t[1])
    assert t[2] == 1.0 and t[3] == -1.0 and np.isnan(t[4])
    assert t[5] == 5e-324 and t[6] == -5e-324 and t[7] == 1e-310  # tanh x = x below ~1e-8
    x = _tanh_args(50000, 5)
    assert np.array_equal(_tanh_nb(-x), -_tanh_nb(x)) and np.all(np.abs(_tanh_nb(x)) <= 1.0)
    e = _exp_nb(np.array([0.0, -0.0, -np.inf, np.inf, np.nan, -746.0, 709.79, 1.0]))
    assert e[0] == 1.0 and e[1] == 1.0 and e[2] == 0.0 and e[3] == np.inf and np.isnan(e[4])
    assert e[5] == 0.0 and e[6] == np.inf and abs(e[7] - np.e) <= np.spacing(np.e)  # e¹: 1 ulp off


def test_tanh_is_monotone_across_the_branch_point():
    x = np.sort(np.concatenate([np.linspace(0.549, 0.551, 20001), np.linspace(0, 21, 20001)]))
    assert np.all(np.diff(_tanh_nb(x)) >= 0.0)
