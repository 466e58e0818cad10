"""Objectives the simulator can run, encoded as arrays + an integer code (cache-friendly Numba).

The specs themselves (``LeastSquares``, ``Quadratic``, ``FiniteSum``) are defined once in
``optproof.base.specs`` and re-exported here; this module adds their kernel encoding ``pack``
and the compiled ``FiniteSum`` kernels (``compiled``, cached per user function).

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

from optproof.base.specs import PROBLEMS, FiniteSum, LeastSquares, Quadratic, noise_factor

__all__ = [
    "LeastSquares", "Quadratic", "FiniteSum", "PROBLEMS", "noise_factor", "Packed", "pack", "compiled",
    "batch_mean", "lsq_loss", "quad_eval", "fsum_batch", "fsum_loss",
]

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


def _compiled(f: Callable, sig) -> Any:
    """``f`` compiled with the explicit signature ``sig``, once per Python function (cached).

    A Numba dispatcher that already holds exactly that one overload (e.g. ``njit(cache=True)(f)``
    followed by ``.compile(sig)``, loaded from Numba's disk cache) is used as it is, so it is not
    compiled again in every process."""
    if getattr(f, "overloads", None) is not None and list(f.overloads) == [tuple(sig.args)]:
        return f
    py = getattr(f, "py_func", f)
    key = (py, str(sig))
    if key not in _COMPILED:
        _COMPILED[key] = njit(sig, cache=False)(py)
    return _COMPILED[key]


_COMPILED: dict[tuple[Callable, str], Any] = {}


def compiled(problem: FiniteSum) -> tuple[Any, Any]:
    """(loss, grad) of a ``FiniteSum`` compiled with LOSS_SIG / GRAD_SIG; a new FiniteSum with the
    same functions reuses the compiled kernels."""
    return _compiled(problem.loss, LOSS_SIG), _compiled(problem.grad, GRAD_SIG)


def pack(problem: Any) -> Packed:
    """The kernel encoding of a problem spec (``optproof.base.specs``)."""
    if isinstance(problem, LeastSquares):
        code = LSQ_GRAM if problem.gram else LSQ_EXACT
        return Packed(code, problem.X, problem.y, problem.G, problem.h, problem.c, 0.0, problem.X.shape[1])
    if isinstance(problem, Quadratic):
        d = problem.H.shape[0]
        F = np.zeros((0, 0)) if problem.noise_factor is None else problem.noise_factor
        return Packed(QUAD, np.zeros((1, d)), np.zeros(1), problem.H, problem.b, 0.0, problem.noise_std, d,
                      noise_factor=F)
    if isinstance(problem, FiniteSum):
        loss, grad = compiled(problem)
        z = np.zeros((1, 1))
        return Packed(FSUM, problem.data, np.zeros(1), z, np.zeros(1), 0.0, 0.0, problem.dim, loss, grad)
    raise ValueError(f"problem must be one of {', '.join(p.__name__ for p in PROBLEMS)}; got {type(problem).__name__}")




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
