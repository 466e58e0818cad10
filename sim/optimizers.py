"""Heavy-ball momentum in the seed's convention (claims C8, C9).

    m_t = λ·m_{t−1} − η·g_t,    θ_t = θ_{t−1} + m_t        (λ = momentum, η = lr)

SGD / GD is λ = 0 (then m_t = −η g_t and θ_t = θ_{t−1} − η g_t bitwise, since a + (−b) = a − b
in IEEE arithmetic).  ``heavy_ball_stream`` runs the recursion on a given gradient stream
g_1..g_T, for comparison with the closed form m_t = λ^t m_0 − η Σ_{k=1}^t λ^{t−k} g_k.
The specs ``HeavyBall`` / ``SGD`` are defined in ``optproof.base.specs`` and re-exported here.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from optproof.base.specs import SGD, HeavyBall, PyTorchSGD
from optproof.base.validation import check_array

__all__ = ["HeavyBall", "SGD", "PyTorchSGD", "hb_step", "heavy_ball_stream"]


@njit(cache=True)
def hb_step(theta, m, g, lr, lam):
    """In place: m ← λ·m − η·g, θ ← θ + m (componentwise, exactly these roundings)."""
    for j in range(theta.shape[0]):
        m[j] = lam * m[j] - lr * g[j]
        theta[j] = theta[j] + m[j]


@njit(cache=True)
def _stream_kernel(grads, lr, lam, ms, thetas):
    for t in range(grads.shape[0]):
        ms[t + 1] = ms[t]
        thetas[t + 1] = thetas[t]
        hb_step(thetas[t + 1], ms[t + 1], grads[t], lr, lam)


def heavy_ball_stream(
    grads: Any, lr: float, momentum: float = 0.0, theta0: Any = None, m0: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Run heavy ball on the gradient stream ``grads`` (T, d): returns (m, θ), each (T+1, d).

    Row 0 holds m_0, θ_0 (zeros by default); row t holds m_t, θ_t after using g_t = grads[t−1].
    """
    opt = HeavyBall(lr, momentum)
    grads = check_array("grads", grads, ndim=2)
    d = grads.shape[1]
    ms = np.zeros((grads.shape[0] + 1, d))
    thetas = np.zeros_like(ms)
    if theta0 is not None:
        thetas[0] = check_array("theta0", theta0, shape=(d,))
    if m0 is not None:
        ms[0] = check_array("m0", m0, shape=(d,))
    _stream_kernel(grads, opt.lr, opt.momentum, ms, thetas)
    return ms, thetas
