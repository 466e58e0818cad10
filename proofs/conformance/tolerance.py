"""The tolerance of a comparison, derived from floating-point arithmetic.

Model (Higham 2002, section 3.1): each operation ``x op y`` is computed as ``(x op y)(1 + d)``,
``|d| <= u`` with ``u = eps/2`` the unit roundoff (float32: 2^-24 ~ 6.0e-8, float64: 2^-53 ~
1.1e-16).  A quantity computed by ``n`` chained sums and products equals the exact one with every
term perturbed by ``(1 + theta_n)``, ``|theta_n| <= gamma_n = n u / (1 - n u)`` (Lemma 3.1), so

    |computed - exact| <= gamma_n * M,

where ``M`` is the same computation on absolute values (``Reference.run`` computes it).  After
``t`` steps ``theta`` sits at the end of at most ``n = OPS_PER_STEP * t + 2`` operations (plus
the rounding of the float64 inputs, lr and hyperparameters to the working dtype); a doubling of
``n`` covers any other order of the same terms.  The float64 reference has its own error, so

    tol_t = (gamma_n(u_dtype) + gamma_n(u_float64)) * M_t  +  n * tiny_dtype,

the last term covering underflow: an operation whose result is subnormal (or flushed to zero)
loses at most one smallest-normal number ``tiny`` in absolute terms.
"""
from __future__ import annotations

import numpy as np

from optproof.base.conventions import OPS_PER_STEP
from optproof.base.validation import check_choice, check_int

__all__ = ["unit_roundoff", "gamma", "operation_count", "tolerance", "tolerances"]

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def unit_roundoff(dtype) -> float:
    """``u = eps / 2``: 2^-24 for float32, 2^-53 for float64."""
    dtype = check_choice("dtype", np.dtype(dtype), DTYPES)
    return float(np.finfo(dtype).eps) / 2


def gamma(n: int, u: float) -> float:
    """``gamma_n = n u / (1 - n u)`` (requires ``n u < 1``)."""
    check_int("n", n, 0)
    return _gamma(n, u)


def _gamma(n, u: float):
    """``gamma`` for an int or an array of counts (the largest checked)."""
    if np.max(n, initial=0) * u >= 1:
        raise ValueError(f"n * u must be < 1; got n={int(np.max(n))}, u={u}")
    return n * u / (1 - n * u)


def operation_count(n_steps: int) -> int:
    """Operations behind theta after ``n_steps`` steps, with the factor-2 margin for reordering."""
    check_int("n_steps", n_steps, 0)
    return _operation_count(n_steps)


def _operation_count(n_steps):
    """``operation_count`` for an int or an array of step counts."""
    return 2 * (OPS_PER_STEP * n_steps + 2)


def tolerance(magnitude: np.ndarray, n_steps: int, dtype) -> np.ndarray:
    """Elementwise bound on ``|actual - expected|`` after ``n_steps`` steps in ``dtype``."""
    check_int("n_steps", n_steps, 0)
    return tolerances(np.asarray(magnitude, np.float64)[None], n_steps, dtype)[0]


def tolerances(magnitudes: np.ndarray, first_step: int, dtype) -> np.ndarray:
    """``tolerance(magnitudes[k], first_step + k, dtype)`` for every ``k`` at once (axis 0 = steps):
    one NumPy expression per scenario and parameter instead of one call per step."""
    check_int("first_step", first_step, 0)
    magnitudes = np.asarray(magnitudes, np.float64)
    n = _operation_count(np.arange(first_step, first_step + len(magnitudes)))
    rel = _gamma(n, unit_roundoff(dtype)) + _gamma(n, unit_roundoff(np.float64))
    shape = (-1,) + (1,) * (magnitudes.ndim - 1)
    return rel.reshape(shape) * magnitudes + (n * float(np.finfo(dtype).tiny)).reshape(shape)
