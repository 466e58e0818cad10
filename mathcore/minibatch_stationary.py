"""Stationary covariance of mini-batch SGD / heavy ball on least squares, exact and additive (C3).

Stationary covariance (``H`` positive definite, ``θ* = H⁻¹b``, ``w = z − (θ*, 0)``)::

    C = F C Fᵀ + η² c E (Σ(θ*) + M4:C_θθ − H C_θθ H) Eᵀ        (exact, multiplicative)
    C = F C Fᵀ + η² c E Σ(θ*) Eᵀ                                   (additive model: noise frozen at θ*)

Stability: the second-moment map ``𝒯(C) = F C Fᵀ + η² c E (M4:C_θθ − H C_θθ H) Eᵀ`` must have spectral
radius < 1.  It is a positive map with ``𝒯 ≥ F⊗F``, so ``ρ(𝒯) ≥ ρ(F)²``: stricter than the
deterministic region.  In 1-D (``h = mean x²``, ``κ = mean x⁴ − h²``, ``A = Σ(θ*)``,
``V₀ = (1+λ)/(ηh(1−λ)(2(1+λ) − ηh))``)::

    Var_∞ = η² c A V₀ / (1 − η² c κ V₀)      additive: η c A (1+λ)/(h(1−λ)(2(1+λ) − ηh)) = η² c A V₀
    relative error of the additive model = (exact − additive)/exact = η² c κ V₀
    stable  ⇔  η c κ (1+λ) < h (1−λ)(2(1+λ) − ηh);   SGD: (1 − ηh)² + η² c κ < 1 ⇔ η < 2h/(h² + cκ)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from optproof.mathcore.minibatch_moments import _transition
from optproof.mathcore.minibatch_noise import _Data, _data, _factor, _sigma_at
from optproof.base.validation import check_choice, check_real, is_symbolic

__all__ = ["second_moment_spectral_radius", "stationary_covariance", "additive_model_error", "stationary_variance_1d"]


# =========================================================================== stationary covariance
def _stationary_parts(X, y, lr, momentum, batch_size, replace):
    """Validated float data, ``θ*``, ``F``, ``E`` and the noise scale ``η² c``."""
    data = _data(X, y, False)
    lr = check_real("lr", lr, 0.0, lo_open=True)
    momentum = check_real("momentum", momentum, 0.0, 1.0, hi_open=True)
    c = _factor(data.X.shape[0], batch_size, replace, False)
    if np.linalg.eigvalsh(data.H)[0] <= 1e-12 * max(1.0, np.abs(data.H).max()):
        raise ValueError("X must have full column rank (H = XᵀX/N positive definite) for a stationary law")
    theta_star = np.linalg.solve(data.H, data.b)
    F, _, E = _transition(data, lr, momentum)
    return data, theta_star, F, E, lr * lr * c


def _second_moment_operator(data: _Data, F: np.ndarray, E: np.ndarray, noise: float,
                            multiplicative: bool) -> np.ndarray:
    """Matrix of ``vec C ↦ vec(F C Fᵀ + η²c E (M4:C_θθ − H C_θθ H) Eᵀ)`` (row-major vec, C symmetrised)."""
    d, n = data.X.shape[1], F.shape[0]
    op = np.kron(F, F)
    if not multiplicative or noise == 0.0:
        return op
    W = np.einsum("ip,iq->ipq", data.X, data.X).reshape(data.X.shape[0], d * d)
    block = W.T @ W / data.X.shape[0] - np.kron(data.H, data.H)       # vec P ↦ vec(M4:P − HPH)
    select = np.eye(n)[:d]                                             # C ↦ C_θθ = select C selectᵀ
    swap = np.eye(d * d)[(np.arange(d * d) % d) * d + np.arange(d * d) // d]
    sym = (np.eye(d * d) + swap) / 2
    return op + noise * np.kron(E, E) @ block @ sym @ np.kron(select, select)


def second_moment_spectral_radius(X: Any, y: Any, lr: float, momentum: float, batch_size: int,
                                  replace: bool = False) -> float:
    """``ρ(𝒯)`` of the second-moment map; the moments converge iff it is < 1 (≥ ρ(F)², stricter) (C3)."""
    data, _, F, E, noise = _stationary_parts(X, y, lr, momentum, batch_size, replace)
    return float(np.abs(np.linalg.eigvals(_second_moment_operator(data, F, E, noise, True))).max())


def _solve_stationary(X, y, lr, momentum, batch_size, replace, multiplicative: bool) -> np.ndarray:
    data, theta_star, F, E, noise = _stationary_parts(X, y, lr, momentum, batch_size, replace)
    n = F.shape[0]
    op = _second_moment_operator(data, F, E, noise, multiplicative)
    radius = np.abs(np.linalg.eigvals(op)).max()
    if radius >= 1.0:
        raise ValueError(f"lr must keep the {'second-moment' if multiplicative else 'mean'} recursion "
                         f"contractive (spectral radius < 1); got spectral radius {radius:.6g}")
    source = noise * (E @ _sigma_at(data, theta_star) @ E.T)
    cov = np.linalg.solve(np.eye(n * n) - op, source.ravel()).reshape(n, n)
    return (cov + cov.T) / 2


def stationary_covariance(X: Any, y: Any, lr: float, momentum: float, batch_size: int, replace: bool = False,
                          additive: bool = False, joint: bool = False) -> np.ndarray:
    """Exact stationary ``Cov[θ]`` (``joint``: of ``(θ, m)``) with multiplicative mini-batch noise (C3).

    Solves ``C = F C Fᵀ + η²c E (Σ(θ*) + M4:C_θθ − H C_θθ H) Eᵀ`` by vectorisation; ``additive``
    freezes the noise at ``Σ(θ*)``.  ValueError naming ``lr`` when ``ρ(𝒯) ≥ 1`` (no stationary law).
    """
    check_choice("additive", additive, (False, True))
    check_choice("joint", joint, (False, True))
    cov = _solve_stationary(X, y, lr, momentum, batch_size, replace, not additive)
    return cov if joint else cov[: cov.shape[0] // 2, : cov.shape[0] // 2].copy()


def additive_model_error(X: Any, y: Any, lr: float, momentum: float, batch_size: int,
                         replace: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """``(exact Cov_∞[θ], additive prediction, ‖exact − additive‖_F/‖exact‖_F)`` (C3).

    The additive model freezes the noise covariance at ``Σ(θ*)``; it always underestimates.
    In 1-D the relative error is exactly ``η² c κ V₀`` (``prove_stationary_variance_1d``); 0/0 → 0.
    """
    exact = stationary_covariance(X, y, lr, momentum, batch_size, replace)
    add = stationary_covariance(X, y, lr, momentum, batch_size, replace, additive=True)
    scale = np.linalg.norm(exact)
    return exact, add, float(np.linalg.norm(exact - add) / scale) if scale > 0 else 0.0


def _v0(h, lr, momentum):
    """``V₀ = (1+λ)/(ηh(1−λ)(2(1+λ) − ηh))``: stationary Var θ per unit state-noise variance (1-D)."""
    return (1 + momentum) / (lr * h * (1 - momentum) * (2 * (1 + momentum) - lr * h))


def stationary_variance_1d(h: Any, kappa: Any, sigma_star: Any, lr: Any, momentum: Any, factor: Any):
    """``Var_∞ = η² c A V₀/(1 − η² c κ V₀)`` for scalar data (C3, C9); ``κ = 0`` is the additive model.

    ``h = mean x_i²``, ``kappa = mean x_i⁴ − h²``, ``sigma_star = A = Σ(θ*)``, ``factor = c``.
    SymPy for symbolic arguments; numbers must satisfy ``η c κ(1+λ) < h(1−λ)(2(1+λ) − ηh)``.
    """
    h = check_real("h", h, 0.0, lo_open=True, allow_symbolic=True)
    kappa = check_real("kappa", kappa, 0.0, allow_symbolic=True)
    A = check_real("sigma_star", sigma_star, 0.0, allow_symbolic=True)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    lam = check_real("momentum", momentum, 0.0, 1.0, hi_open=True, allow_symbolic=True)
    c = check_real("factor", factor, 0.0, allow_symbolic=True)
    if not any(is_symbolic(v) for v in (h, kappa, A, lr, lam, c)) and (
            not lr * h < 2 * (1 + lam) or lr * c * kappa * (1 + lam) >= h * (1 - lam) * (2 * (1 + lam) - lr * h)):
        raise ValueError(f"lr must satisfy lr*c*kappa*(1+lam) < h(1-lam)(2(1+lam) - lr*h) (stable second "
                         f"moments); got lr={lr}")
    v0 = _v0(h, lr, lam)
    return lr**2 * c * A * v0 / (1 - lr**2 * c * kappa * v0)
