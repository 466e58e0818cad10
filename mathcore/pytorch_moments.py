"""Exact moments of ``torch.optim.SGD`` (``PyTorchSGD``) on quadratic losses (C9; issue 12).

PyTorch's step with weight decay wd, momentum μ, dampening τ, Nesterov and step size η_t is
linear in the state z = (θ, b) (b the momentum buffer) and the gradient g = Kθ − h + ξ,
K = G + wd·I (least squares: G = XᵀX/N, h = Xᵀy/N; quadratic: H, b)::

    b_t = β_t b + γ_t g,      θ_t = θ − η_t (a_g g + a_b b)
    (β_t, γ_t) = (0, 1) at t = 1 (b_1 = g_1), (μ, 1 − τ) after;  μ = 0: no buffer, a_g = 1, a_b = 0
    plain: (a_g, a_b) = (γ_t, β_t);   Nesterov (τ = 0): (a_g, a_b) = (1 + μγ_t, μβ_t)

so z_t = A_t z_{t−1} + c_t + D_t ξ_t with

    A_t = [[I − η_t a_g K, −η_t a_b I], [γ_t K, β_t I]],  c_t = (η_t a_g h, −γ_t h),  D_t = (−η_t a_g I, γ_t I).

With E[ξ_t | past] = 0 and E[ξ_t ξ_tᵀ | past] = Q_t (c_t E[Σ(θ)] for i.i.d. batches, C for a noisy
quadratic) the moments follow exactly: ν_t = A_t ν_{t−1} + c_t, P_t = A_t P_{t−1} A_tᵀ + D_t Q_t D_tᵀ.
``prove_pytorch_moment_recursion`` proves this recursion in SymPy for symbolic t ≥ 2 at constant η.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from optproof.base.specs import LeastSquares, PyTorchSGD, Quadratic

__all__ = ["step_coefficients", "affine_step", "pytorch_moments"]


def step_coefficients(opt: PyTorchSGD, t: int) -> tuple[float, float, float, float]:
    """(a_g, a_b, β_t, γ_t) of step t (module docstring)."""
    mu = opt.momentum
    if mu == 0:
        return 1.0, 0.0, 0.0, 0.0
    beta, gamma = (0.0, 1.0) if t == 1 else (mu, 1.0 - opt.dampening)
    if opt.nesterov:
        return 1.0 + mu * gamma, mu * beta, beta, gamma
    return gamma, beta, beta, gamma


def affine_step(K: np.ndarray, h: np.ndarray, opt: PyTorchSGD, t: int, lr: float):
    """(A_t, c_t, D_t) of z_t = A_t z_{t−1} + c_t + D_t ξ_t for z = (θ, b), K = G + wd·I (d, d) and h (d,),
    or stacks of them (..., d, d), (..., d) (then A, c are stacked alike)."""
    a_g, a_b, beta, gamma = step_coefficients(opt, t)
    d = h.shape[-1]
    eye = np.eye(d)
    A = np.zeros(K.shape[:-2] + (2 * d, 2 * d))
    A[..., :d, :d] = eye - lr * a_g * K
    A[..., :d, d:] = -lr * a_b * eye
    A[..., d:, :d] = gamma * K
    A[..., d:, d:] = beta * eye
    return A, np.concatenate([lr * a_g * h, -gamma * h], axis=-1), np.vstack([-lr * a_g * eye, gamma * eye])


def pytorch_moments(problem: Any, opt: PyTorchSGD, factors: list[float] | None, n_steps: int,
                    theta0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means (T+1, 2d) and covariances (T+1, 2d, 2d) of z_t = (θ_t, b_t), b_0 = 0.

    ``factors``: the noise factor c_t of each step for a ``LeastSquares`` (i.i.d. batches), None for a
    ``Quadratic`` (additive noise C).  Validated inputs (``optproof.mathcore.minibatch.moments``).
    """
    from optproof.mathcore.minibatch_noise import _data, _expected_sigma

    d = theta0.size
    if isinstance(problem, LeastSquares):
        K, h, data = problem.G, problem.h, _data(problem.X, problem.y, False)
    else:
        K, h, data = problem.H, problem.b, None
    K = K + opt.weight_decay * np.eye(d)
    lrs = opt.lrs(n_steps)
    mean, cov = np.concatenate([theta0, np.zeros(d)]), np.zeros((2 * d, 2 * d))
    means, covs = [mean], [cov]
    for t in range(1, n_steps + 1):
        A, c, D = affine_step(K, h, opt, t, lrs[t - 1])
        if data is None:
            Q = problem.gradient_noise_cov
        else:
            Q = factors[t - 1] * _expected_sigma(data, mean[:d], cov[:d, :d] + np.outer(mean[:d], mean[:d]))
        mean, cov = A @ mean + c, A @ cov @ A.T + D @ Q @ D.T
        means.append(mean)
        covs.append(cov)
    return np.array(means), np.array(covs)
