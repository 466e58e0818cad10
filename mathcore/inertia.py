"""Momentum as inertia: plateau crossing and rolling over a small local minimum (C7).

Seed convention (2.2): ``m_t = λ m_{t−1} − η g_t``, ``θ_t = θ_{t−1} + m_t``; GD is ``λ = 0``.

**Plateau.**  On a slope of constant gradient ``−g`` (``g > 0``: downhill to the right) from rest at
``θ_0``, ``m_t = ηg G(t)`` (``mathcore.momentum.prove_constant_gradient``) and, summing,

    θ_t − θ_0 = ηg Σ_{n=1}^{t} G(n) = (ηg/(1−λ))·(t − λ G(t)),   G(t) = (1 − λᵗ)/(1 − λ)
    (λ = 1: ηg t(t+1)/2).

The crossing step ``T_λ(D) = min{t : θ_t − θ_0 ≥ D}`` is therefore exact, and since
``0 ≤ λG(t) ≤ λ/(1−λ)``::

    D(1−λ)/(ηg) ≤ T_λ(D) ≤ D(1−λ)/(ηg) + λ/(1−λ) + 1,    T_0(D) = ⌈D/(ηg)⌉,

so ``T_λ/T_0 → 1 − λ`` as ``D → ∞``: terminal velocity ``ηg/(1−λ)`` (the effective step, C9) after
a transient that costs ``λ/(1−λ)`` steps.

**Bump.**  ``f(θ) = −gθ + (H/2)(1 − cos(2πθ/w))`` on ``[0, w]``, ``−gθ`` elsewhere (C¹).  For
``a = gw/(πH) < 1`` it has a local minimum at ``θ_min = (w/2π) arcsin a`` and a barrier top at
``θ_max = w/2 − θ_min``, depth ``Δ = f(θ_max) − f(θ_min) = H√(1−a²) − g(w/2 − 2θ_min)``; beyond the
bump the slope continues to a deeper minimum.  Continuous-time limit (time in steps, valid for
``1 − λ ≪ 1`` and ``η max|f''| ≪ 1``): ``θ'' + (1−λ)θ' + ηf'(θ) = 0`` — a unit mass with friction
``1 − λ`` in the potential ``ηf`` (equivalently mass ``1/(1−λ)``, friction 1, potential ``ηf/(1−λ)``),
energy ``E = ½θ'² + ηf`` with ``dE/dt = −(1−λ)θ'²``.  Arriving at ``θ = 0`` with the terminal
velocity ``v₀ = ηg/(1−λ)`` the ball crosses iff ``E`` at ``θ_max`` exceeds ``ηf(θ_max)``:

    leading order (no friction on the bump):  ½ v₀² > η f(θ_max),  i.e.  f(θ_max) < ηg²/(2(1−λ)²),

exact when the bump is short compared with the coasting distance ``v₀/(1−λ)`` (friction work
``(1−λ)∫θ' dθ ≤ (1−λ)v₀θ_max ≪ ½v₀²``); beyond that regime the boundary is the one of the ODE itself
(``continuous_crosses``, integrated numerically), which the friction moves to shallower bumps.  GD (``λ = 0``) never rolls
over: if ``η max f'' ≤ 1`` the map ``φ(θ) = θ − ηf'(θ)`` is non-decreasing with ``φ(θ_max) = θ_max``,
so ``θ_0 < θ_max ⇒ θ_t < θ_max`` for all ``t`` (exact, discrete time).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.momentum import effective_lr
from optproof.mathcore.sums import geometric_sum, geometric_sums_numeric
from optproof.base.validation import check_int, check_real

__all__ = [
    "gslope", "plateau_position", "crossing_step", "crossing_bounds",
    "bump_critical_points", "bump_depth", "bump_top", "height_for_depth", "terminal_velocity",
    "crossing_margin", "continuous_crosses", "critical_depth", "gd_trapped",
    "prove_plateau_position", "prove_crossing_ratio", "prove_energy_identity", "prove_gd_trapped",
    "prove_bump_geometry",
]

gslope = sp.Symbol("g", positive=True)


def _lr_mom(lr: Any, momentum: Any, allow_symbolic: bool = True, hi_open: bool = False):
    return (check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=allow_symbolic),
            check_real("momentum", momentum, 0.0, 1.0, hi_open=hi_open, allow_symbolic=allow_symbolic))


# =========================================================================== plateau
def plateau_position(tt: Any, lr: Any, momentum: Any, g: Any, theta0: Any = 0):
    """``θ_t = θ_0 + ηg Σ_{n≤t} G(n) = θ_0 + (ηg/(1−λ))(t − λG(t))`` under gradient ``−g``, from rest.

    Symbolic (Piecewise in λ, ``ηg t(t+1)/2`` at ``λ = 1``) or float, summed as ``ηg Σ_{n≤t} G(n)``
    (positive terms, relative error ≤ ``(t + 8)·4u``; the form ``t − λG(t)`` would cancel for ``λ → 1``).
    """
    raw = (tt, lr, momentum, g, theta0)
    lr, momentum = _lr_mom(lr, momentum)
    g = check_real("g", g, allow_symbolic=True)
    if any(isinstance(v, sp.Basic) for v in raw):
        tt, lr, momentum, g, theta0 = map(sp.sympify, raw)
        return theta0 + sp.Piecewise((lr * g * tt * (tt + 1) / 2, sp.Eq(momentum, 1)),
                                     (lr * g / (1 - momentum) * (tt - momentum * geometric_sum(momentum, tt)), True))
    tt = check_int("tt", tt, 0)
    theta0 = check_real("theta0", theta0)
    G = geometric_sums_numeric(momentum, tt)  # accurate near λ = 1 (no cancellation)
    return theta0 + lr * g * float(np.sum(G))  # Σ_n G(n): positive terms, no cancellation in t − λG(t)


def _exact_position(tt: int, lr: Fraction, momentum: Fraction, g: Fraction) -> Fraction:
    if momentum == 1:
        return lr * g * tt * (tt + 1) / 2
    return lr * g / (1 - momentum) * (tt - momentum * (1 - momentum**tt) / (1 - momentum))


def crossing_step(D: float, lr: float, momentum: float, g: float) -> int:
    """Exact ``T_λ(D) = min{t ≥ 1: θ_t − θ_0 ≥ D}`` on the slope (C7).

    The float inputs are taken as the exact binary rationals they are and the closed form is
    evaluated in ``Fraction`` arithmetic at the candidate steps (``θ_t`` is increasing), so the
    answer is the true crossing step of the exact-arithmetic recursion with these parameters.
    """
    D = check_real("D", D, 0.0, lo_open=True)
    lr, momentum = _lr_mom(lr, momentum, allow_symbolic=False)
    g = check_real("g", g, 0.0, lo_open=True)
    fl, fm, fg, fD = map(Fraction, (lr, momentum, g, D))
    lo, hi = crossing_bounds(D, lr, momentum, g)
    lo = max(1, lo)
    while lo < hi:  # bisection on the exact, increasing closed form
        mid = (lo + hi) // 2
        if _exact_position(mid, fl, fm, fg) >= fD:
            hi = mid
        else:
            lo = mid + 1
    return lo


def crossing_bounds(D: float, lr: float, momentum: float, g: float) -> tuple[int, int]:
    """``(⌊D(1−λ)/(ηg)⌋, ⌊D(1−λ)/(ηg) + λ/(1−λ)⌋ + 2)`` bracket ``T_λ(D)`` (λ < 1; one step of slack on each
    side of the bounds of ``prove_crossing_ratio``); ``λ = 1``: from ``ηg t²/2``."""
    D = check_real("D", D, 0.0, lo_open=True)
    lr, momentum = _lr_mom(lr, momentum, allow_symbolic=False)
    g = check_real("g", g, 0.0, lo_open=True)
    if momentum == 1.0:
        x = math.sqrt(2 * D / (lr * g))
        return max(0, math.floor(x) - 1), math.ceil(x) + 1
    base = D * (1 - momentum) / (lr * g)
    return max(0, math.floor(base)), math.floor(base + momentum / (1 - momentum)) + 2


# =========================================================================== bump geometry
def _bump(g: float, H: float, w: float) -> tuple[float, float, float]:
    g = check_real("g", g, 0.0, lo_open=True)
    H = check_real("H", H, 0.0, lo_open=True)
    w = check_real("w", w, 0.0, lo_open=True)
    a = g * w / (math.pi * H)
    if not a < 1.0:
        raise ValueError(f"H must be a finite real number in (g w/pi, inf) = ({g * w / math.pi}, inf) for a local "
                         f"minimum; got {H!r}")
    return g, H, w


def _f(theta: Any, g: float, H: float, w: float):
    th = np.asarray(theta, dtype=np.float64)
    inside = (th >= 0) & (th <= w)
    return -g * th + np.where(inside, 0.5 * H * (1 - np.cos(2 * np.pi * th / w)), 0.0)


def bump_critical_points(g: float, H: float, w: float) -> tuple[float, float]:
    """``(θ_min, θ_max) = ((w/2π) arcsin a, w/2 − θ_min)``, ``a = gw/(πH) < 1``."""
    g, H, w = _bump(g, H, w)
    th_min = w / (2 * math.pi) * math.asin(g * w / (math.pi * H))
    return th_min, w / 2 - th_min


def bump_depth(g: float, H: float, w: float) -> float:
    """``Δ = f(θ_max) − f(θ_min) = H√(1 − a²) − g(w/2 − 2θ_min)`` (> 0 for ``a < 1``)."""
    g, H, w = _bump(g, H, w)
    a = g * w / (math.pi * H)
    th_min, _ = bump_critical_points(g, H, w)
    return H * math.sqrt(1 - a * a) - g * (w / 2 - 2 * th_min)


def bump_top(g: float, H: float, w: float) -> float:
    """``f(θ_max)``: height of the barrier top above the entry point ``θ = 0`` (may be < 0)."""
    _, th_max = bump_critical_points(g, H, w)
    return float(_f(th_max, g, H, w))


def height_for_depth(depth: float, g: float, w: float) -> float:
    """The ``H`` with ``bump_depth(g, H, w) = depth`` (Δ increases with H; bisection to 1e-14 relative)."""
    depth = check_real("depth", depth, 0.0, lo_open=True)
    g = check_real("g", g, 0.0, lo_open=True)
    w = check_real("w", w, 0.0, lo_open=True)
    lo = g * w / math.pi * (1 + 1e-15)
    hi = max(2 * lo, depth + g * w + lo)  # Δ(H) >= H - g w/2 ... > depth there
    while bump_depth(g, hi, w) < depth:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if bump_depth(g, mid, w) < depth:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-14 * hi:
            break
    return 0.5 * (lo + hi)


def terminal_velocity(lr: Any, momentum: Any, g: Any):
    """``v₀ = ηg/(1 − λ)``: velocity per step on the slope after the transient (C7, C9); λ < 1."""
    return effective_lr(lr, momentum) * check_real("g", g, allow_symbolic=True)


def crossing_margin(lr: float, momentum: float, g: float, H: float, w: float) -> float:
    """Leading-order (frictionless) energy margin ``½v₀² − η f(θ_max)``: > 0 ⇔ crosses at zeroth order."""
    lr, momentum = _lr_mom(lr, momentum, allow_symbolic=False, hi_open=True)
    g, H, w = _bump(g, H, w)
    v0 = terminal_velocity(lr, momentum, g)
    return 0.5 * v0 * v0 - lr * bump_top(g, H, w)


def continuous_crosses(lr: float, momentum: Any, g: float, H: Any, w: float, dt: float = 0.25) -> np.ndarray:
    """Continuous-time limit: does ``θ'' = −(1−λ)θ' − ηf'(θ)`` from ``θ = 0``, ``θ' = v₀`` pass ``θ_max``?

    ``momentum`` and ``H`` broadcast together (one ODE per pair).  Classical RK4 with step ``dt`` (in
    units of optimizer steps); stuck = the energy ``½θ'² + ηf`` falls below ``ηf(θ_max)`` before ``θ_max``
    is passed (it only decreases, so the top is then out of reach for good).  RK4's global error ``O(dt⁴)`` matters only for
    pairs within that distance of the boundary.
    """
    lr = check_real("lr", lr, 0.0, lo_open=True)
    lam_, Hs = np.broadcast_arrays(np.asarray(momentum, dtype=np.float64), np.asarray(H, dtype=np.float64))
    lam_, Hs = lam_.ravel(), Hs.ravel()
    if np.any(~(lam_ >= 0) | ~(lam_ < 1)):
        raise ValueError(f"momentum must contain only values in [0, 1); got {momentum!r}")
    for h_ in Hs:
        _bump(g, float(h_), w)
    dt = check_real("dt", dt, 0.0, 1.0, lo_open=True)
    tmax = np.array([bump_critical_points(g, float(h_), w)[1] for h_ in Hs])
    etop = lr * np.array([bump_top(g, float(h_), w) for h_ in Hs])  # η f(θ_max)
    c = 1.0 - lam_
    v0 = lr * g / c

    def acc(x, v):
        inside = (x >= 0) & (x <= w)
        fp = -g + np.where(inside, Hs * np.pi / w * np.sin(2 * np.pi * x / w), 0.0)
        return -c * v - lr * fp

    x, v = np.zeros_like(Hs), v0.copy()
    done = np.zeros(Hs.shape, dtype=bool)
    crossed = np.zeros(Hs.shape, dtype=bool)
    n_max = int(50 * float(np.max(w / v0 + 1 / c)) / dt) + 100
    for _ in range(n_max):
        k1x, k1v = v, acc(x, v)
        k2x, k2v = v + 0.5 * dt * k1v, acc(x + 0.5 * dt * k1x, v + 0.5 * dt * k1v)
        k3x, k3v = v + 0.5 * dt * k2v, acc(x + 0.5 * dt * k2x, v + 0.5 * dt * k2v)
        k4x, k4v = v + dt * k3v, acc(x + dt * k3x, v + dt * k3v)
        x = np.where(done, x, x + dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x))
        v = np.where(done, v, v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v))
        crossed |= ~done & (x > tmax)
        inside = (x >= 0) & (x <= w)
        energy = 0.5 * v * v + lr * (-g * x + np.where(inside, 0.5 * Hs * (1 - np.cos(2 * np.pi * x / w)), 0.0))
        done |= crossed | (energy < etop)  # E only decreases: below η f(θ_max) the top is out of reach
        if done.all():
            break
    return crossed.reshape(np.broadcast(np.asarray(momentum), np.asarray(H)).shape)


def critical_depth(lr: float, momentum: Any, g: float, w: float, model: str = "continuous") -> np.ndarray:
    """Depth Δ on the theory boundary for each λ in ``momentum``: ``model`` "energy" (leading order,
    ``crossing_margin = 0``, closed form in H by bisection) or "continuous" (the ODE limit, bracketed on
    three successive 64-point geometric grids of H: relative resolution 64^-3 of the first bracket).
    Crossing is monotone in H (a higher bump is harder); Δ = 0 where not even the shallowest bump is crossed."""
    if model not in ("energy", "continuous"):
        raise ValueError(f"model must be one of 'energy', 'continuous'; got {model!r}")
    lams = np.atleast_1d(np.asarray(momentum, dtype=np.float64))
    H0 = g * w / math.pi * (1 + 1e-4)  # Δ(H0) ≈ 1e-6·g w: the shallowest bump considered
    if model == "energy":
        test = lambda L, Hs: np.array([crossing_margin(lr, l_, g, h_, w) > 0 for l_, h_ in zip(L, Hs)])
    else:
        test = lambda L, Hs: continuous_crosses(lr, L, g, Hs, w)
    v0 = lr * g / (1 - lams)
    lo = np.full(lams.shape, H0)
    hi = np.maximum(4 * H0, 4 * (0.5 * v0 * v0 / lr + g * w))  # b(θ_max) ≥ H/2 ... beyond reach there
    for _ in range(3):
        grid = np.geomspace(lo, hi, 64, axis=1)  # (n_lam, 64)
        ok = test(np.repeat(lams, 64), grid.ravel()).reshape(grid.shape)
        k = np.where((~ok).any(1), np.argmax(~ok, axis=1), 63)
        lo, hi = grid[np.arange(len(lams)), np.maximum(k - 1, 0)], grid[np.arange(len(lams)), k]
    none = ~test(lams, np.full(lams.shape, H0))
    out = np.array([0.0 if n else bump_depth(g, 0.5 * (a + b), w) for n, a, b in zip(none, lo, hi)])
    return out if np.ndim(momentum) else float(out[0])


def gd_trapped(lr: float, g: float, H: float, w: float, well_curvature: float = 0.0) -> bool:
    """Sufficient condition for GD never passing ``θ_max``: ``η·max f'' ≤ 1``, ``max f'' = max(2π²H/w², k)``."""
    lr = check_real("lr", lr, 0.0, lo_open=True)
    g, H, w = _bump(g, H, w)
    k = check_real("well_curvature", well_curvature, 0.0)
    return lr * max(2 * math.pi**2 * H / w**2, k) <= 1.0


# =========================================================================== proofs
_PROOFS = ("prove_plateau_position", "prove_crossing_ratio", "prove_energy_identity", "prove_gd_trapped",
           "prove_bump_geometry", "BUMP_POINTS")


def __getattr__(name: str) -> Any:
    """The proofs live in ``mathcore.inertia_proofs`` (which imports this module); re-exported on first use."""
    if name in _PROOFS:
        from optproof.mathcore import inertia_proofs
        return getattr(inertia_proofs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
