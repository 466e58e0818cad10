"""Exact iterate moments of mini-batch SGD / heavy ball on least squares, fresh batches (C3, C5, C9).

Iterate moments (seed convention ``m_t = λ m_{t−1} − η g_t``, ``θ_t = θ_{t−1} + m_t``, ``g_t`` the
batch gradient at ``θ_{t−1}``; SGD is ``λ = 0``).  Joint state ``z = (θ, m)``::

    z_t = F z_{t−1} + u − η E ξ_t,   F = [[I − ηH, λI], [−ηH, λI]],  u = η(b, b),  E = [I; I]
    E[ξ_t | past] = 0,   E[ξ_t ξ_tᵀ | past] = c Σ(θ_{t−1})
    ν_t = F ν_{t−1} + u
    Z_t = F Z_{t−1} Fᵀ + F ν_{t−1} uᵀ + u ν_{t−1}ᵀ Fᵀ + u uᵀ + η² c E E[Σ(θ_{t−1})] Eᵀ

(``Z = E[zzᵀ]``; ``E[Σ(θ_{t−1})]`` from the θ-blocks of ``ν``, ``Z``).  For SGD the θ-block closes:
``μ_t = (I − ηH)μ_{t−1} + ηb`` and ``S_t = A S A ᵀ + ηAμbᵀ + ηbμᵀAᵀ + η²bbᵀ + η² c E[Σ(θ_{t−1})]``, ``A = I − ηH``.

Notation and the noise covariance ``Σ(θ)``: ``optproof.mathcore.minibatch_noise``.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from optproof.mathcore.minibatch_noise import (_Data, _any_rational, _as_output, _data, _expected_sigma, _factor,
                                              _scalar, _theta)
from optproof.base.validation import check_int

__all__ = ["IterateMoments", "minibatch_moments", "minibatch_joint_moments", "joint_moment_recursion", "initial_state"]


class IterateMoments(NamedTuple):
    """Means ``(T+1, d)`` and covariances ``(T+1, d, d)`` of ``θ_0..θ_T``."""

    mean: np.ndarray
    cov: np.ndarray


# =========================================================================== moment recursions
def _transition(data: _Data, lr: Any, momentum: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``F = [[I − ηH, λI], [−ηH, λI]]``, ``u = η(b, b)``, ``E = [I; I]`` of the joint state (θ, m)."""
    d = data.X.shape[1]
    eye = np.eye(d, dtype=object if data.exact else float)
    F = np.block([[eye - lr * data.H, momentum * eye], [-lr * data.H, momentum * eye]])
    return F, np.concatenate([lr * data.b, lr * data.b]), np.vstack([eye, eye])


def _moment_step(data, F, u, E, noise, mean, second):
    """One exact step ``(ν, Z) → (Fν + u, FZFᵀ + Fνuᵀ + uνᵀFᵀ + uuᵀ + η²c E E[Σ(θ)] Eᵀ)``."""
    d = data.X.shape[1]
    Fm = F @ mean
    sigma = _expected_sigma(data, mean[:d], second[:d, :d])
    cross = np.outer(Fm, u)
    new_second = F @ second @ F.T + cross + cross.T + np.outer(u, u) + noise * (E @ sigma @ E.T)
    return Fm + u, new_second


def joint_moment_recursion(data: _Data, lr: Any, momentum: Any, factors: Sequence[Any], state: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Means ``(T+1, 2d)`` and covariances ``(T+1, 2d, 2d)`` of ``z_t = (θ_t, m_t)`` from the
    deterministic ``z_0 = state``, with noise factor ``c_t = factors[t−1]`` at step t (T = len(factors)).

    The recursion of the module docstring; ``c_t`` may change with t (a short last batch) because
    each step's batch is drawn independently of the past.  Validated inputs (``minibatch_joint_moments``).
    """
    F, u, E = _transition(data, lr, momentum)
    n_steps = len(factors)
    means = np.empty((n_steps + 1, state.size), dtype=state.dtype)
    covs = np.empty((n_steps + 1, state.size, state.size), dtype=state.dtype)
    mean, second = state, np.outer(state, state)
    for step in range(n_steps + 1):
        means[step], covs[step] = mean, second - np.outer(mean, mean)
        if step < n_steps:
            mean, second = _moment_step(data, F, u, E, lr * lr * factors[step], mean, second)
    return _as_output(means, data.exact), _as_output(covs, data.exact)


def initial_state(data: _Data, theta0: Any, m0: Any) -> np.ndarray:
    """``z_0 = (θ_0, m_0)`` checked against the data's dimension (``m_0`` defaults to 0)."""
    d = data.X.shape[1]
    return np.concatenate([_theta("theta0", theta0, data),
                           _theta("m0", np.zeros(d, dtype=int) if m0 is None else m0, data)])


def minibatch_joint_moments(X: Any, y: Any, lr: Any, momentum: Any, batch_size: int, n_steps: int, theta0: Any,
                            m0: Any = None, replace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Exact means ``(T+1, 2d)`` and covariances ``(T+1, 2d, 2d)`` of ``z_t = (θ_t, m_t)`` (C3, C5, C9).

    Fresh batch of size ``batch_size`` B every step, T = ``n_steps``; recursion of the module
    docstring (``prove_moment_recursions``).  ``θ_0``, ``m_0`` (default 0) are deterministic.
    Fractions in, Fractions out (exact).
    """
    exact = _any_rational(X, y, lr, momentum, theta0, m0)
    data = _data(X, y, exact)
    lr = _scalar("lr", lr, exact, 0.0, lo_open=True)
    momentum = _scalar("momentum", momentum, exact, 0.0, 1.0)
    n_steps = check_int("n_steps", n_steps, 0)
    c = _factor(data.X.shape[0], batch_size, replace, exact)
    return joint_moment_recursion(data, lr, momentum, [c] * n_steps, initial_state(data, theta0, m0))


def minibatch_moments(X: Any, y: Any, lr: Any, momentum: Any, batch_size: int, n_steps: int, theta0: Any,
                      m0: Any = None, replace: bool = False) -> IterateMoments:
    """Exact ``E[θ_t]`` ``(T+1, d)`` and ``Cov[θ_t]`` ``(T+1, d, d)`` under mini-batch SGD / heavy ball.

    SGD (``momentum = 0``): ``E[θ_t] = (I − ηH)E[θ_{t−1}] + ηb``, second moment with the
    multiplicative term ``η² c E[Σ(θ_{t−1})]``; heavy ball via the joint state (C3, C5, C9).
    Array-style twin of the spec-based ``optproof.mathcore.minibatch.moments``.
    """
    means, covs = minibatch_joint_moments(X, y, lr, momentum, batch_size, n_steps, theta0, m0, replace)
    d = means.shape[1] // 2
    return IterateMoments(means[:, :d].copy(), covs[:, :d, :d].copy())
