"""Objectives the simulator can run, encoded as arrays + an integer code (cache-friendly Numba).

- ``LeastSquares(X, y)``: ℓ_i(θ) = ½(x_iᵀθ − y_i)², L = (1/N)Σ ℓ_i.  With ``gram=True`` (default)
  the full loss uses the precomputed G = XᵀX/N, h = Xᵀy/N, c = yᵀy/(2N):
  L(θ) = Σ_j θ_j(½(Gθ)_j − h_j) + c, O(d²) instead of O(Nd); its absolute rounding error is
  about (d+2)·u·(c + |θ|·|h| + ½|θ|²‖G‖), not relative to L (cancellation near the minimum).
  ``gram=False`` evaluates (1/N)Σ ½ r_i² exactly as written.
- ``Quadratic(H, b=None, noise_std=0, noise_cov=None)``: f = ½θᵀHθ − bᵀθ, ∇f = Hθ − b (no
  examples: one "batch" per step); ``noise_std`` σ adds σ·z_t, z_t ~ N(0, I) from the noise stream
  (z_t,j = ``rng.std_normal(key, t, j)``), to ∇f; ``noise_cov`` C adds ξ_t = F z_t ~ N(0, C) instead,
  F = ``noise_factor`` with F Fᵀ = C computed once: the Cholesky factor when C is positive definite,
  else V·diag(√w) from C = V diag(w) Vᵀ (singular PSD C; w clipped at 0).  ξ_t,j = Σ_k F_jk z_t,k
  summed in k order, then added to (∇f)_j.
- ``FiniteSum(loss, grad, data, dim)``: ℓ_i(θ) = loss(θ, data[i]) and ``grad(θ, data[i], out)``
  adds ∇ℓ_i(θ) to ``out``; both are compiled with the explicit signatures LOSS_SIG / GRAD_SIG and
  passed to the kernel as first-class ``numba.types.FunctionType`` values, so the kernel is
  compiled (and cached) once for every finite sum.

Batch gradient g = (1/|b|)Σ_{i∈b}∇ℓ_i, batch loss L_b = (1/|b|)Σ_{i∈b}ℓ_i (claim C4/C5),
both accumulated in batch order.  The least-squares batch step itself lives in
``sim.kernels.trajectory`` (written out in the step loop for speed); ``lsq_loss`` is the full loss.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from numba import njit, types

from optproof.base.validation import check_array, check_int, check_real

F1 = types.float64[::1]
LOSS_SIG = types.float64(F1, F1)
GRAD_SIG = types.void(F1, F1, F1)
LOSS_FT = types.FunctionType(LOSS_SIG)
GRAD_FT = types.FunctionType(GRAD_SIG)

LSQ_GRAM, LSQ_EXACT, QUAD, FSUM = 0, 1, 2, 3


@njit(LOSS_SIG, cache=True)
def no_loss(theta, row):  # placeholder FunctionType argument for built-in problems
    return 0.0


@njit(GRAD_SIG, cache=True)
def no_grad(theta, row, out):  # placeholder FunctionType argument for built-in problems
    return


@dataclass(frozen=True)
class Packed:
    """Kernel encoding of a problem: code, A (N×p rows), v, G (d×d), h, c, noise_std, loss, grad."""

    code: int
    A: np.ndarray
    v: np.ndarray
    G: np.ndarray
    h: np.ndarray
    c: float
    noise_std: float
    dim: int
    loss: Any = no_loss
    grad: Any = no_grad
    noise_factor: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (d, d) or (0, 0): none

    @property
    def n(self) -> int:
        return self.A.shape[0]


class LeastSquares:
    """ℓ_i(θ) = ½(x_iᵀθ − y_i)², L(θ) = (1/N)Σℓ_i; see the module docstring for ``gram``."""

    def __init__(self, X: Any, y: Any, gram: bool = True) -> None:
        self.X = check_array("X", X, ndim=2, min_size=1)
        self.y = check_array("y", y, shape=(self.X.shape[0],))
        self.gram = bool(gram)
        n = self.X.shape[0]
        self.G = np.ascontiguousarray(self.X.T @ self.X / n)
        self.h = np.ascontiguousarray(self.X.T @ self.y / n)
        self.c = float(self.y @ self.y / (2 * n))

    def pack(self) -> Packed:
        code = LSQ_GRAM if self.gram else LSQ_EXACT
        return Packed(code, self.X, self.y, self.G, self.h, self.c, 0.0, self.X.shape[1])


def _symmetric(name: str, M: Any, d: int | None = None) -> np.ndarray:
    M = check_array(name, M, ndim=2, min_size=1)
    d = M.shape[0] if d is None else d
    check_array(name, M, shape=(d, d))
    if not np.allclose(M, M.T, rtol=1e-12, atol=0.0):
        raise ValueError(f"{name} must be symmetric ({name} == {name}.T up to rtol 1e-12)")
    return np.ascontiguousarray((M + M.T) / 2)


def noise_factor(C: np.ndarray) -> np.ndarray:
    """F with F Fᵀ = C for symmetric C: Cholesky if C is positive definite, else V·diag(√w).

    Raises ValueError (naming ``noise_cov``) when an eigenvalue of C is below −1e-12·max|eig|.
    """
    w, V = np.linalg.eigh(C)
    scale = max(float(np.abs(w).max()), np.finfo(float).tiny)
    if w.min() < -1e-12 * scale:
        raise ValueError(f"noise_cov must be symmetric positive semi-definite (eigenvalues >= 0); "
                         f"got smallest eigenvalue {w.min():.3g}")
    if w.min() > 1e-12 * scale:
        try:
            return np.ascontiguousarray(np.linalg.cholesky(C))
        except np.linalg.LinAlgError:
            pass
    return np.ascontiguousarray(V * np.sqrt(np.clip(w, 0.0, None)))


class Quadratic:
    """f(θ) = ½θᵀHθ − bᵀθ with H symmetric; gradient Hθ − b, plus σ·N(0, I) if ``noise_std`` σ > 0
    or N(0, C) if ``noise_cov`` C (symmetric PSD, may be singular) is given (not both)."""

    def __init__(self, H: Any, b: Any = None, noise_std: float = 0.0, noise_cov: Any = None) -> None:
        self.H = _symmetric("H", H)
        d = self.H.shape[0]
        self.b = np.zeros(d) if b is None else check_array("b", b, shape=(d,))
        self.noise_std = check_real("noise_std", noise_std, 0.0, None)
        self.noise_cov = None if noise_cov is None else _symmetric("noise_cov", noise_cov, d)
        if self.noise_cov is not None and self.noise_std > 0:
            raise ValueError("noise_std must be 0 when noise_cov is given (noise_std σ means noise_cov = σ²·I)")
        self.noise_factor = None if self.noise_cov is None else noise_factor(self.noise_cov)

    def pack(self) -> Packed:
        d = self.H.shape[0]
        F = np.zeros((0, 0)) if self.noise_factor is None else self.noise_factor
        return Packed(QUAD, np.zeros((1, d)), np.zeros(1), self.H, self.b, 0.0, self.noise_std, d, noise_factor=F)


def _compiled(name: str, f: Callable, sig) -> Any:
    if not callable(f):
        raise ValueError(f"{name} must be a callable (an @njit function or a plain Python function)")
    py = getattr(f, "py_func", f)
    return njit(sig, cache=False)(py)


class FiniteSum:
    """L(θ) = (1/N)Σ_i loss(θ, data[i]); ``grad(θ, data[i], out)`` adds ∇ℓ_i(θ) to ``out``.

    ``loss``/``grad`` may be Python functions or ``@njit`` dispatchers; they are compiled with
    LOSS_SIG = float64(float64[::1], float64[::1]) and GRAD_SIG = void(float64[::1] ×3).
    """

    def __init__(self, loss: Callable, grad: Callable, data: Any, dim: int) -> None:
        self.data = check_array("data", data, ndim=2, min_size=1)
        self.dim = check_int("dim", dim, 1, None)
        self.loss = _compiled("loss", loss, LOSS_SIG)
        self.grad = _compiled("grad", grad, GRAD_SIG)

    def pack(self) -> Packed:
        z = np.zeros((1, 1))
        return Packed(FSUM, self.data, np.zeros(1), z, np.zeros(1), 0.0, 0.0, self.dim, self.loss, self.grad)


PROBLEMS = (LeastSquares, Quadratic, FiniteSum)


@njit(cache=True)
def batch_mean(g, loss_sum, nb):
    """Turn batch sums into means in place: g ← g/|b|; return loss_sum/|b|."""
    for j in range(g.shape[0]):
        g[j] /= nb
    return loss_sum / nb


@njit(cache=True)
def lsq_loss(X, y, theta):
    """(1/N)Σ_i ½ r_i², accumulated in index order."""
    loss = 0.0
    for i in range(X.shape[0]):
        s = 0.0
        for j in range(theta.shape[0]):
            s += X[i, j] * theta[j]
        r = s - y[i]
        loss += 0.5 * r * r
    return loss / X.shape[0]


@njit(cache=True)
def quad_eval(H, b, theta, g):
    """g = Hθ − b; returns Σ_j θ_j(½(Hθ)_j − b_j) = ½θᵀHθ − bᵀθ."""
    f = 0.0
    d = theta.shape[0]
    for j in range(d):
        s = 0.0
        for k in range(d):
            s += H[j, k] * theta[k]
        g[j] = s - b[j]
        f += theta[j] * (0.5 * s - b[j])
    return f


@njit(cache=True)
def fsum_batch(lossf, gradf, A, order, lo, hi, theta, g, need_loss):
    """g = (1/|b|)Σ grad_i; returns (1/|b|)Σ loss_i if ``need_loss`` else 0."""
    g[:] = 0.0
    loss = 0.0
    for p in range(lo, hi):
        row = A[order[p]]
        gradf(theta, row, g)
        if need_loss:
            loss += lossf(theta, row)
    return batch_mean(g, loss, hi - lo)


@njit(cache=True)
def fsum_loss(lossf, A, theta):
    """(1/N)Σ_i loss(θ, A[i]) in index order."""
    loss = 0.0
    for i in range(A.shape[0]):
        loss += lossf(theta, A[i])
    return loss / A.shape[0]
