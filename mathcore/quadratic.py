"""Heavy ball on a quadratic ``f(θ) = ½ θᵀHθ``, one eigendirection of curvature ``h`` (C9).

Seed convention (``mathcore.momentum``) with ``g_t = h θ_{t−1}`` and ``x = ηh``::

    m_t = λ m_{t−1} − ηh θ_{t−1},   θ_t = θ_{t−1} + m_t
    ⇔  (θ_t, m_t)ᵀ = A (θ_{t−1}, m_{t−1})ᵀ,   A = [[1 − ηh, λ], [−ηh, λ]]
    ⇔  θ_{t+1} = τ θ_t − λ θ_{t−1},  τ = 1 + λ − ηh   (t ≥ 0, with θ_{−1} := θ_0 − m_0)

``det(zI − A) = p(z) = z² − τ z + λ``; discriminant ``Δ = τ² − 4λ = ((1−√λ)² − ηh)((1+√λ)² − ηh)``.

- Convergence (Jury / Schur–Cohn for a real quadratic): ``p(1) = ηh > 0``, ``p(−1) = 2(1+λ) − ηh > 0``,
  ``|p(0)| = |λ| < 1``.
- Rate (spectral radius): ``(|τ| + √Δ)/2`` for ``Δ ≥ 0``, ``√λ`` for ``Δ < 0`` (``|z|² = z z̄ = λ``).
- Critical damping ``λ = (1 − √(ηh))²``: ``Δ = 0``, repeated root ``1 − √(ηh)``.
- Polyak: ``η = 4/(√L+√μ)²``, ``λ = q²``, ``q = (√κ−1)/(√κ+1)``: ``Δ(h) = η²(h−μ)(h−L) ≤ 0`` on
  ``[μ, L]``, so every eigenvalue has rate ``√λ = q``; no heavy-ball ``(η, λ)`` does better.
- Trajectories: with the Lucas sequence ``S_0 = 0, S_1 = 1, S_{n+2} = τ S_{n+1} − λ S_n``,
  ``Aᵗ = S_{t+1} I + S_t (A − τI)``, so ``θ_t = S_{t+1} θ_0 + λ S_t (m_0 − θ_0)`` and
  ``m_t = S_{t+1} m_0 − S_t (ηh θ_0 + (1 − ηh) m_0)``, where
  ``S_t = (z₁ᵗ − z₂ᵗ)/(z₁ − z₂)`` (distinct roots), ``r^{t−1} sin(tφ)/sin φ`` (complex,
  ``r = √λ``, ``cos φ = τ/(2r)``) and ``t r^{t−1}`` (repeated root ``r = τ/2``).

Numerics: ``S_t = z_b^{t−1} G_t(ρ)`` with ``z_b`` the root of larger modulus, ``ρ = z_s/z_b`` and
``G_t(ρ) = Σ_{j<t} ρ^j`` (evaluated with ``expm1/log1p``, → ``t`` as ``ρ → 1``), or
``(σr)^{t−1} sin(tφ)/sin φ`` with ``φ ∈ (0, π/2]`` (→ ``t`` as ``φ → 0``): continuous across the
critical-damping boundary, no division by ``z₁ − z₂``.

The SymPy proofs of these statements are in ``optproof.mathcore.quadratic_proofs``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.momentum import eta, lam, m0, t, theta0
from optproof.base.validation import MOMENTUM_RANGE, check_array, check_int, check_real

__all__ = [
    "h", "z",
    "transition_matrix", "characteristic_polynomial", "discriminant", "regime",
    "converges", "rate", "critical_momentum", "polyak_parameters",
    "lucas_closed_form", "trajectory_closed_form", "trajectory", "velocity_trajectory",
]

h = sp.Symbol("h", real=True)
z = sp.Symbol("z")


# =========================================================================== argument handling
def _symbolic(*args: Any) -> bool:
    """SymPy input (symbols or exact numbers such as ``Rational``): answer with SymPy, exactly."""
    return any(isinstance(a, sp.Basic) for a in args)


def _check_h(h: Any, lo: float | None = None):
    """``h`` as float, SymPy expression, or a 1-D float array (vectorised over eigendirections)."""
    if np.ndim(h) == 1 and not isinstance(h, sp.Basic):
        arr = check_array("h", h, ndim=1)
        if lo is not None and np.any(arr < lo):
            raise ValueError(f"h must contain only values in [{lo}, inf); got min {arr.min()!r}")
        return arr
    return check_real("h", h, lo, allow_symbolic=True)


def _check(h: Any, lr: Any, momentum: Any) -> tuple[Any, Any, Any]:
    return (_check_h(h), check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True),
            check_real("momentum", momentum, allow_symbolic=True))


def _sym(*args: Any) -> tuple[sp.Expr, ...]:
    return tuple(sp.sympify(a) for a in args)


# =========================================================================== symbolic objects
def transition_matrix(h: Any, lr: Any, momentum: Any):
    """``A = [[1 − ηh, λ], [−ηh, λ]]``: ``(θ_t, m_t) = A (θ_{t−1}, m_{t−1})`` (C9); Matrix or ndarray."""
    raw = (h, lr, momentum)
    h, lr, momentum = _check(h, lr, momentum)
    if _symbolic(*raw):
        hs, ls, ms = _sym(*raw)
        return sp.Matrix([[1 - ls * hs, ms], [-ls * hs, ms]])
    if np.ndim(h):
        raise ValueError("h must be a scalar for transition_matrix; got an array")
    return np.array([[1.0 - lr * h, momentum], [-lr * h, momentum]])


def characteristic_polynomial(h: Any = h, lr: Any = eta, momentum: Any = lam, var: Any = z) -> sp.Expr:
    """``p(z) = z² − (1 + λ − ηh) z + λ`` (C9), a SymPy expression in ``var``."""
    h, lr, momentum, var = _sym(h, lr, momentum, var)
    return var**2 - (1 + momentum - lr * h) * var + momentum


def discriminant(h: Any, lr: Any, momentum: Any):
    """``Δ = τ² − 4λ``; numerically ``((1−√λ)² − ηh)((1+√λ)² − ηh)`` for ``λ ≥ 0`` (no cancellation in τ²)."""
    raw = (h, lr, momentum)
    h, lr, momentum = _check(h, lr, momentum)
    if _symbolic(*raw):
        hs, ls, ms = _sym(*raw)
        return (1 + ms - ls * hs) ** 2 - 4 * ms
    out = _disc(np.asarray(lr * h, float), float(momentum))
    return out if np.ndim(out) else float(out)


def _disc(x: np.ndarray, lam_: float) -> np.ndarray:
    if lam_ < 0:
        return (1.0 + lam_ - x) ** 2 - 4.0 * lam_
    root = np.sqrt(lam_)
    low = ((1.0 - lam_) / (1.0 + root)) ** 2  # (1 − √λ)², 1 − λ without cancellation
    return (low - x) * ((1.0 + root) ** 2 - x)


def regime(h: float, lr: float, momentum: float) -> str:
    """``"real"`` (Δ > 0), ``"repeated"`` (Δ = 0, critical damping) or ``"complex"`` (Δ < 0)."""
    d = discriminant(check_real("h", h), lr, check_real("momentum", momentum))
    return "real" if d > 0 else "repeated" if d == 0 else "complex"


# =========================================================================== convergence and rate
def converges(h: Any, lr: Any, momentum: Any):
    """``ρ(A) < 1`` ⇔ ``|λ| < 1`` and ``0 < ηh < 2(1 + λ)`` (Jury conditions; C9).

    SymPy boolean for symbolic arguments, ``bool`` (or a bool array for an array ``h``) for numbers.
    """
    raw = (h, lr, momentum)
    h, lr, momentum = _check(h, lr, momentum)
    if _symbolic(*raw):
        hs, ls, ms = _sym(*raw)
        return sp.And(sp.Abs(ms) < 1, ls * hs > 0, ls * hs < 2 * (1 + ms))
    x = lr * np.asarray(h, float)
    ok = (abs(momentum) < 1) & (x > 0) & (x < 2 * (1 + momentum))
    return ok if np.ndim(ok) else bool(ok)


def rate(h: Any, lr: Any, momentum: Any):
    """Spectral radius of ``A`` = max |root of p| (C9): ``Piecewise(((|τ|+√Δ)/2, Δ ≥ 0), (√λ, True))``.

    Numerically ``(|τ| + √max(Δ, 0))/2`` or ``√λ`` with the factored ``Δ``; the error is at most
    ``8u·S + √(16u)·S`` with ``S = 1 + |λ| + |ηh|`` (the ``√`` term only near ``Δ = 0``, where the
    spectral radius itself is not Lipschitz).  Arguments: ``h ≥ 0``, ``lr > 0``, ``momentum`` in
    ``MOMENTUM_RANGE`` = [0, 1] (the proven domain, ``prove_rate``); ValueError naming the parameter otherwise.
    """
    raw = (h, lr, momentum)
    h, lr, momentum = _check_h(h, 0.0), check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True), \
        check_real("momentum", momentum, *MOMENTUM_RANGE, allow_symbolic=True)
    if _symbolic(*raw):
        hs, ls, ms = _sym(*raw)
        tau, d = 1 + ms - ls * hs, (1 + ms - ls * hs) ** 2 - 4 * ms
        return sp.Piecewise(((sp.Abs(tau) + sp.sqrt(d)) / 2, d >= 0), (sp.sqrt(ms), True))
    x = lr * np.asarray(h, float)
    d = _disc(x, momentum)
    out = np.where(d >= 0, (np.abs(1.0 + momentum - x) + np.sqrt(np.maximum(d, 0.0))) / 2,
                   np.sqrt(abs(momentum)))
    return out if np.ndim(out) else float(out)


def critical_momentum(h: Any, lr: Any):
    """``λ = (1 − √(ηh))²``: the momentum with a repeated root ``1 − √(ηh)`` (critical damping, C9)."""
    raw = (h, lr)
    h = _check_h(h, 0.0)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    if _symbolic(*raw):
        hs, ls = _sym(*raw)
        return (1 - sp.sqrt(ls * hs)) ** 2
    out = (1.0 - np.sqrt(lr * np.asarray(h, float))) ** 2
    return out if np.ndim(out) else float(out)


def polyak_parameters(mu: Any, L: Any):
    """Polyak's heavy ball for eigenvalues in ``[μ, L]``, ``κ = L/μ`` (C9)::

        η = 4/(√L + √μ)²,   λ = ((√κ − 1)/(√κ + 1))²,   rate = (√κ − 1)/(√κ + 1)
    """
    raw = (mu, L)
    mu = check_real("mu", mu, 0.0, lo_open=True, allow_symbolic=True)
    L = check_real("L", L, 0.0, lo_open=True, allow_symbolic=True)
    if _symbolic(*raw):
        mu, L = _sym(*raw)
        q = (sp.sqrt(L / mu) - 1) / (sp.sqrt(L / mu) + 1)
        return 4 / (sp.sqrt(L) + sp.sqrt(mu)) ** 2, q**2, q
    if L < mu:
        raise ValueError(f"L must be a finite real number in [mu, inf) = [{mu}, inf); got {L!r}")
    q = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    return float(4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2), float(q * q), float(q)


# =========================================================================== symbolic trajectories
def _lucas_generic(n: Any, z1: Any, z2: Any) -> sp.Expr:
    return (z1**n - z2**n) / (z1 - z2)


def _lucas_complex(n: Any, r: Any, phi: Any) -> sp.Expr:
    return r ** (n - 1) * sp.sin(n * phi) / sp.sin(phi)


def _lucas_repeated(n: Any, r: Any) -> sp.Expr:
    return n * r ** (n - 1)


def _regime_parameters() -> dict[str, Any]:
    tau = 1 + lam - eta * h
    d = tau**2 - 4 * lam
    return {"tau": tau, "disc": d, "z1": (tau + sp.sqrt(d)) / 2, "z2": (tau - sp.sqrt(d)) / 2,
            "r": sp.sqrt(lam), "phi": sp.acos(tau / (2 * sp.sqrt(lam)))}


def lucas_closed_form(n: Any = t, which: str | None = None) -> sp.Expr:
    """``S_n`` with ``S_0 = 0, S_1 = 1, S_{n+2} = τS_{n+1} − λS_n`` (C9) in the symbols ``h, η, λ``.

    ``which``: ``"distinct"`` ``(z₁ⁿ − z₂ⁿ)/(z₁ − z₂)``, ``"complex"`` ``r^{n−1} sin(nφ)/sin φ``,
    ``"repeated"`` ``n (τ/2)^{n−1}``; ``None``: Piecewise on the sign of ``Δ``.
    """
    p = _regime_parameters()
    forms = {"distinct": lambda: _lucas_generic(n, p["z1"], p["z2"]),
             "complex": lambda: _lucas_complex(n, p["r"], p["phi"]),
             "repeated": lambda: _lucas_repeated(n, p["tau"] / 2)}
    if which is None:
        return sp.Piecewise((forms["distinct"](), p["disc"] > 0), (forms["repeated"](), sp.Eq(p["disc"], 0)),
                            (forms["complex"](), True))
    if which not in forms:
        raise ValueError(f"which must be one of 'distinct', 'complex', 'repeated', None; got {which!r}")
    return forms[which]()


def _theta_from_lucas(S: Any, tt: Any = t, decay: Any = lam) -> sp.Expr:
    """First row of ``Aᵗ x_0 = S_{t+1} x_0 + S_t (A − τI) x_0``: ``θ_t = S_{t+1}θ_0 + λS_t(m_0 − θ_0)``."""
    return S(tt + 1) * theta0 + decay * S(tt) * (m0 - theta0)


def trajectory_closed_form(which: str | None = None, tt: Any = t) -> sp.Expr:
    """``θ_t = S_{t+1} θ_0 + λ S_t (m_0 − θ_0)`` in the regime ``which`` (see ``lucas_closed_form``) (C9).

    Repeated root ``r = 1 − √(ηh)``: ``θ_t = rᵗ (θ_0 + t((1 − r)θ_0 + r m_0))``, the ``(a + bt) rᵗ`` form.
    """
    return _theta_from_lucas(lambda n: lucas_closed_form(n, which), tt)


# =========================================================================== numeric trajectories
def _scaled_lucas(x: np.ndarray, lam_: float, T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Ŝ, base, tau)``: ``S_n = base^{n−1} Ŝ_n`` for ``n = 0..T+1`` (rows), directions in columns.

    ``base`` is the dominant root ``z_b`` (real regime) or ``sign(τ)·√λ`` (complex regime); ``Ŝ_n``
    is ``G_n(z_s/z_b)`` or ``sin(nφ)/sin φ``, both bounded by ``n`` or a constant: no overflow, no 0/0.
    """
    tau = 1.0 + lam_ - x
    d = _disc(x, lam_)
    sign = np.where(tau < 0, -1.0, 1.0)
    n = np.arange(T + 2)[:, None]
    half = np.sqrt(np.abs(d)) / 2
    big = np.abs(tau) / 2 + np.where(d >= 0, half, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        one_minus = np.where(lam_ >= 0, 2 * half / big, 1.0 - lam_ / big**2)  # y = 1 − ρ
        rho = 1.0 - one_minus
        log_rho = np.log1p(-one_minus)
        near = -np.expm1(n * log_rho) / one_minus
        far = (1.0 - rho**n) / one_minus
        geo = np.where(one_minus == 0, n, np.where(rho >= 0.5, near, far))
        phi = np.arctan2(2 * half, np.abs(tau))
        trig = np.sin(n * phi) / np.sin(phi)
    scaled = np.where(d >= 0, geo, trig)
    scaled = np.where(n == 0, 0.0, scaled)
    base = np.where(d >= 0, sign * big, sign * np.sqrt(abs(lam_)))
    dead = base == 0  # τ = λ = 0: A is nilpotent, S = (0, 1, 0, 0, …)
    scaled = np.where(dead, (n == 1).astype(float), scaled)
    return scaled, np.where(dead, 1.0, base), tau


def _sequence(u0: np.ndarray, u1_minus_tau_u0: np.ndarray, scaled: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``u_t = S_{t+1} u_0 + S_t (u_1 − τ u_0) = baseᵗ [Ŝ_{t+1} u_0 + Ŝ_t (u_1 − τu_0)/base]``, t = 0..T."""
    with np.errstate(over="ignore", invalid="ignore"):
        bracket = scaled[1:] * u0 + scaled[:-1] * (u1_minus_tau_u0 / base)
        power = np.power(base, np.arange(scaled.shape[0] - 1)[:, None])
        out = np.where(bracket == 0, 0.0, power * bracket)
    return out


def _trajectory_inputs(h, lr, momentum, theta0, m0, n_steps):
    h = _check_h(h)
    lr = check_real("lr", lr, 0.0, lo_open=True)
    momentum = check_real("momentum", momentum)
    n_steps = check_int("n_steps", n_steps, 0)
    vec = np.ndim(h) == 1 or np.ndim(theta0) == 1 or np.ndim(m0) == 1
    start = [check_array(name, v, ndim=(0, 1)) for name, v in (("theta0", theta0), ("m0", m0))]
    try:
        hh, th, mm = np.broadcast_arrays(np.atleast_1d(np.asarray(h, float)), *map(np.atleast_1d, start))
    except ValueError:
        raise ValueError("theta0 and m0 must be scalars or have the shape of h") from None
    x = lr * hh
    scaled, base, tau = _scaled_lucas(x, momentum, n_steps)
    return x, th, mm, scaled, base, tau, momentum, vec


def trajectory(h: Any, lr: float, momentum: float, theta0: Any, m0: Any, n_steps: int) -> np.ndarray:
    """``θ_0, …, θ_T`` from the closed form ``θ_t = S_{t+1}θ_0 + λS_t(m_0 − θ_0)`` (C9), no loop over t.

    ``h``, ``theta0``, ``m0`` scalars or shape ``(d,)`` (independent eigendirections); returns
    ``(T+1,)`` or ``(T+1, d)``, T = ``n_steps``.  Divergent runs give ``±inf`` past the float range, never NaN.
    """
    x, th, mm, scaled, base, tau, lam_, vec = _trajectory_inputs(h, lr, momentum, theta0, m0, n_steps)
    out = _sequence(th, lam_ * (mm - th), scaled, base)
    return out if vec else out[:, 0]


def velocity_trajectory(h: Any, lr: float, momentum: float, theta0: Any, m0: Any, n_steps: int) -> np.ndarray:
    """``m_0, …, m_T`` from ``m_t = S_{t+1} m_0 − S_t (ηh θ_0 + (1 − ηh) m_0)`` (C9); shapes as ``trajectory``."""
    x, th, mm, scaled, base, tau, lam_, vec = _trajectory_inputs(h, lr, momentum, theta0, m0, n_steps)
    out = _sequence(mm, -(x * th + (1.0 - x) * mm), scaled, base)
    return out if vec else out[:, 0]
