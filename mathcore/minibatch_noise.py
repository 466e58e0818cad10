"""Mini-batch gradient noise of least squares: inputs, multiplicative noise covariance (C3, C5).

Data ``X`` (N×d), ``y`` (N,): ``ℓ_i(θ) = ½ r_i²`` with residual ``r_i = x_iᵀθ − y_i``,
``L = (1/N) Σ ℓ_i``, ``∇L(θ) = Hθ − b`` with ``H = XᵀX/N``, ``b = Xᵀy/N``.  Every step draws a
FRESH batch (independent of the past): a uniform ``B``-subset, or ``B`` i.i.d. indices (``replace``).

Augmented notation: ``x̃_i = (x_i, −y_i)``, ``θ̃ = (θ, 1)``, so ``r_i = x̃_iᵀθ̃`` and
``∇L = H̃θ̃`` with ``H̃ = Xᵀ X̃ / N = [H, −b]``.

Gradient noise (multiplicative: quadratic in θ)::

    Cov[∇L_B(θ)] = c·Σ(θ),   c = (N − B)/((N − 1)B)  (subset; 0 at B = N and N = 1)  or  1/B
    Σ(θ) = (1/N) Σ_i r_i² x_i x_iᵀ − ∇L ∇Lᵀ = (1/N) Σ_i x_i (x̃_iᵀ θ̃θ̃ᵀ x̃_i) x_iᵀ − H̃ θ̃θ̃ᵀ H̃ᵀ
    E[Σ(θ)] = (1/N) Σ_i (x̃_iᵀ S̃ x̃_i) x_i x_iᵀ − H̃ S̃ H̃ᵀ,   S̃ = E[θ̃θ̃ᵀ] = [[P + μμᵀ, μ], [μᵀ, 1]]
            = M4:(P + μμᵀ) − 2 M3·μ + M2y − H(P + μμᵀ)H + Hμbᵀ + bμᵀH − bbᵀ

for random ``θ`` with mean ``μ`` and covariance ``P``, where ``M4_pqab = (1/N) Σ x_ip x_iq x_ia x_ib``,
``M3_pqa = (1/N) Σ y_i x_ip x_iq x_ia``, ``M2y_pq = (1/N) Σ y_i² x_ip x_iq``.

Epoch reshuffling: two different batches of one epoch (slices of one uniform permutation) have
``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N − 1)`` (any sizes), so the fresh-batch recursion (``minibatch_moments``) is an
approximation for epoch-based loaders; at fixed θ the sum of one epoch's batch gradients has zero
noise when ``B`` divides ``N`` (``K c Σ − K(K−1) Σ/(N−1) = 0``, ``K = N/B``).

Exact arithmetic: when any input is a ``Fraction`` or SymPy ``Rational``, data, moments and
results are object arrays of ``Fraction`` (exact); otherwise float64.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optproof.mathcore.batching import batch_variance_factor
from optproof.base.validation import check_array, check_int, check_real, is_symbolic

__all__ = [
    "per_example_gradient_covariance", "gradient_noise_covariance", "expected_gradient_covariance",
    "within_epoch_batch_covariance",
]


# =========================================================================== inputs
def _is_rational(v: Any) -> bool:
    return isinstance(v, (Fraction, sp.Rational))


def _any_rational(*items: Any) -> bool:
    """True when some scalar or array entry is a ``Fraction`` or SymPy ``Rational`` (exact mode)."""
    return any(_is_rational(v) for item in items if item is not None
               for v in np.asarray(item, dtype=object).ravel())


def _fraction(v: Any) -> Fraction:
    if isinstance(v, sp.Rational):
        return Fraction(int(v.p), int(v.q))
    return Fraction(int(v)) if isinstance(v, (int, np.integer)) else Fraction(v)


def _array(name: str, a: Any, shape: tuple[int | None, ...], exact: bool) -> np.ndarray:
    """Checked float64 array, or the same entries as exact ``Fraction``s in an object array."""
    arr = check_array(name, a, shape=shape)
    if not exact:
        return arr
    return np.array([_fraction(v) for v in np.asarray(a, dtype=object).ravel()], dtype=object).reshape(arr.shape)


def _scalar(name: str, v: Any, exact: bool, lo: float, hi: float | None = None, **kw: bool):
    checked = check_real(name, v, lo, hi, **kw)
    return _fraction(v) if exact else checked


class _Data(NamedTuple):
    X: np.ndarray       # (N, d)
    Xa: np.ndarray      # (N, d+1): rows x̃_i = (x_i, −y_i)
    H: np.ndarray       # XᵀX/N
    b: np.ndarray       # Xᵀy/N
    Ha: np.ndarray      # H̃ = XᵀX̃/N = [H, −b]
    exact: bool


def _data(X: Any, y: Any, exact: bool) -> _Data:
    Xc = _array("X", X, (None, None), exact)
    if Xc.shape[0] < 1 or Xc.shape[1] < 1:
        raise ValueError(f"X must have at least one row and one column; got shape {Xc.shape}")
    yc = _array("y", y, (Xc.shape[0],), exact)
    N = Xc.shape[0]
    Xa = np.concatenate([Xc, -yc[:, None]], axis=1)
    Ha = Xc.T @ Xa / N
    return _Data(Xc, Xa, Ha[:, :-1], -Ha[:, -1], Ha, exact)


def _theta(name: str, theta: Any, data: _Data) -> np.ndarray:
    return _array(name, theta, (data.X.shape[1],), data.exact)


def _factor(N: int, B: Any, replace: bool, exact: bool):
    c = batch_variance_factor(N, B, replace)  # checks B (1..N without replacement) and replace
    return c if exact else float(c)


def _as_output(a: np.ndarray, exact: bool) -> np.ndarray:
    """Exact results as ``Fraction`` entries (ints from ``0 + 0`` included)."""
    if not exact:
        return a
    return np.array([Fraction(v) for v in a.ravel()], dtype=object).reshape(a.shape)


# =========================================================================== noise covariance
def _sigma_at(data: _Data, theta: np.ndarray) -> np.ndarray:
    """``Σ(θ) = (1/N) Σ_i r_i² x_i x_iᵀ − ḡḡᵀ`` (the per-example gradient covariance)."""
    r = data.X @ theta + data.Xa[:, -1]  # x_iᵀθ − y_i
    grad = data.H @ theta - data.b
    return (data.X.T * r**2) @ data.X / data.X.shape[0] - np.outer(grad, grad)


def per_example_gradient_covariance(X: Any, y: Any, theta: Any) -> np.ndarray:
    """``Σ(θ) = (1/N) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ = (1/N) Σ_i r_i² x_i x_iᵀ − ḡḡᵀ``, ``g_i = x_i r_i`` (C5)."""
    data = _data(X, y, _any_rational(X, y, theta))
    return _as_output(_sigma_at(data, _theta("theta", theta, data)), data.exact)


def gradient_noise_covariance(X: Any, y: Any, theta: Any, batch_size: int, replace: bool = False) -> np.ndarray:
    """``Cov[∇L_B(θ)] = c(N, B) Σ(θ)``, ``c = (N−B)/((N−1)B)`` or ``1/B``; quadratic in θ (C3, C5).

    ``B = N`` without replacement and ``N = 1`` give the zero matrix (no noise).
    """
    data = _data(X, y, _any_rational(X, y, theta))
    theta = _theta("theta", theta, data)
    c = _factor(data.X.shape[0], batch_size, replace, data.exact)
    return _as_output(c * _sigma_at(data, theta), data.exact)


def _augmented_second_moment(mean: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``S̃ = E[θ̃θ̃ᵀ] = [[E θθᵀ, μ], [μᵀ, 1]]``."""
    d = mean.shape[0]
    out = np.empty((d + 1, d + 1), dtype=second.dtype)
    out[:d, :d], out[:d, d], out[d, :d], out[d, d] = second, mean, mean, 1
    return out


def _expected_sigma(data: _Data, mean: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``E[Σ(θ)] = (1/N) Σ_i (x̃_iᵀ S̃ x̃_i) x_i x_iᵀ − H̃ S̃ H̃ᵀ`` from ``μ`` and ``E[θθᵀ]``."""
    S = _augmented_second_moment(mean, second)
    quad = ((data.Xa @ S) * data.Xa).sum(axis=1)
    return (data.X.T * quad) @ data.X / data.X.shape[0] - data.Ha @ S @ data.Ha.T


def expected_gradient_covariance(X: Any, y: Any, mean: Any, cov: Any) -> np.ndarray:
    """``E[Σ(θ)]`` for random θ with mean ``μ`` and covariance ``P`` (exact: Σ is quadratic in θ) (C3).

    ``= M4:(P + μμᵀ) − 2 M3·μ + M2y − H(P + μμᵀ)H + Hμbᵀ + bμᵀH − bbᵀ`` (module docstring).
    """
    data = _data(X, y, _any_rational(X, y, mean, cov))
    d = data.X.shape[1]
    mu = _theta("mean", mean, data)
    P = _array("cov", cov, (d, d), data.exact)
    return _as_output(_expected_sigma(data, mu, P + np.outer(mu, mu)), data.exact)


# =========================================================================== epoch reshuffling
def within_epoch_batch_covariance(N: Any, batch_size: Any, Sigma: Any):
    """``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N − 1)`` for two batches ``j ≠ k`` of one reshuffled epoch (C1, C5).

    Holds for any batch sizes (independent of ``B``); needs two batches: ``N ≥ 2``, ``1 ≤ B ≤ N − 1``.
    SymPy for symbolic ``N``/``B`` or a SymPy ``Sigma``, else a float array.
    """
    N = check_int("N", N, 2, allow_symbolic=True)
    batch_size = check_int("batch_size", batch_size, 1, None if is_symbolic(N) else N - 1, allow_symbolic=True)
    if is_symbolic(N) or is_symbolic(batch_size) or isinstance(Sigma, (sp.MatrixBase, sp.Basic)):
        return -sp.sympify(Sigma) / (sp.sympify(N) - 1)
    cov = check_array("Sigma", Sigma, ndim=2)
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T):
        raise ValueError(f"Sigma must be a square symmetric matrix; got shape {cov.shape}")
    return -cov / (N - 1)
