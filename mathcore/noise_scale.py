"""The gradient noise scale and the optimal step of McCandlish et al. (2018) on least squares (C3, C5).

McCandlish et al. (2018), exact here because L is quadratic, with ``G = ∇L(θ)``::

    E[L(θ − εg)] = L − ε|G|² + ½ε²(GᵀHG + c tr(HΣ)),   E[ggᵀ] = GGᵀ + cΣ
    ε_opt = ε_max/(1 + c B_noise),  ΔL_opt = ΔL_max/(1 + c B_noise),  ε_max = |G|²/GᵀHG,
    ΔL_max = |G|⁴/(2 GᵀHG),  B_noise = tr(HΣ)/GᵀHG,  B_simple = tr Σ/|G|²   (c = 1/B: 1 + B_noise/B)
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from optproof.mathcore.minibatch_noise import _any_rational, _data, _factor, _sigma_at, _theta

__all__ = ["gradient_noise_scale", "critical_batch_size", "optimal_step"]


# =========================================================================== McCandlish et al. (2018)
def _gradient_terms(X: Any, y: Any, theta: Any):
    """``(data, G, Σ(θ), |G|², GᵀHG, tr Σ, tr HΣ)`` exact or float."""
    data = _data(X, y, _any_rational(X, y, theta))
    theta = _theta("theta", theta, data)
    G = data.H @ theta - data.b
    sigma = _sigma_at(data, theta)
    kind = Fraction if data.exact else float
    terms = (G @ G, G @ data.H @ G, np.trace(sigma), np.trace(data.H @ sigma))
    return (data, G, sigma, *(kind(v) for v in terms))


def _ratio(num, den):
    """``num/den`` with ``x/0 = inf`` (``x > 0``) and ``0/0 = nan``: G = 0 makes every batch 'small'."""
    if den != 0:
        return num / den
    return math.inf if num > 0 else math.nan


def gradient_noise_scale(X: Any, y: Any, theta: Any):
    """``B_simple = tr Σ(θ)/|G|²``, ``G = ∇L(θ)`` (McCandlish et al. 2018); inf at ``G = 0`` (C3, C5)."""
    *_, gg, _, tr_sigma, _ = _gradient_terms(X, y, theta)
    return _ratio(tr_sigma, gg)


def critical_batch_size(X: Any, y: Any, theta: Any):
    """``B_noise = tr(HΣ)/(GᵀHG)`` (McCandlish et al. 2018); inf at ``G = 0`` (C3, C5).

    ``G ∈ range(H)``, so ``GᵀHG > 0`` whenever ``G ≠ 0``.
    """
    *_, ghg, _, tr_h_sigma = _gradient_terms(X, y, theta)
    return _ratio(tr_h_sigma, ghg)


def optimal_step(X: Any, y: Any, theta: Any, batch_size: int, replace: bool = False) -> tuple[Any, Any]:
    """``(ε_opt, ΔL_opt) = (|G|², |G|⁴/2)/(GᵀHG + c tr HΣ)`` = ``(ε_max, ΔL_max)/(1 + c B_noise)`` (C3).

    ``c = 1/B`` (McCandlish: ``1 + B_noise/B``) or the finite-population ``(N−B)/((N−1)B)``.
    Exact for least squares (L is quadratic).  ``G = 0`` gives ``(0, 0)``.
    """
    data, _, _, gg, ghg, _, tr_h_sigma = _gradient_terms(X, y, theta)
    c = _factor(data.X.shape[0], batch_size, replace, data.exact)
    curvature = ghg + c * tr_h_sigma
    if curvature == 0:
        return (Fraction(0), Fraction(0)) if data.exact else (0.0, 0.0)
    return gg / curvature, gg * gg / (2 * curvature)
