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
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.momentum import eta, lam, m0, t, theta0
from optproof.mathcore.proof import Proof
from optproof.base.validation import check_array, check_int, check_real

__all__ = [
    "h", "z",
    "transition_matrix", "characteristic_polynomial", "discriminant", "regime",
    "converges", "rate", "critical_momentum", "polyak_parameters",
    "lucas_closed_form", "trajectory_closed_form", "trajectory", "velocity_trajectory",
    "prove_characteristic_polynomial", "prove_convergence_region", "prove_rate",
    "prove_critical_damping", "prove_polyak", "prove_polyak_optimal", "prove_trajectory_closed_form",
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
    spectral radius itself is not Lipschitz).
    """
    raw = (h, lr, momentum)
    h, lr, momentum = _check(h, lr, momentum)
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


# =========================================================================== proofs
def prove_characteristic_polynomial() -> Proof:
    """``det(zI − A) = z² − (1+λ−ηh)z + λ``; eliminating ``m`` gives ``θ_{t+1} = τθ_t − λθ_{t−1}``."""
    proof = Proof(r"\det(zI - A) = z^2 - (1+\lambda-\eta h) z + \lambda,\quad "
                  r"\theta_{t+1} = (1+\lambda-\eta h)\theta_t - \lambda\theta_{t-1}",
                  assumptions="m_t = lam m_{t-1} - eta h theta_{t-1}, theta_t = theta_{t-1} + m_t")
    th, mv = sp.symbols("theta_prev m_prev", real=True)
    A = transition_matrix(h, eta, lam)
    m_new = lam * mv - eta * h * th
    stepped, wanted = A * sp.Matrix([th, mv]), sp.Matrix([th + m_new, m_new])
    proof.step("state form: A (theta, m) is (theta + m_new, m_new)", stepped, wanted,
               verified=sp.expand(stepped - wanted) == sp.zeros(2, 1))
    proof.step("det(zI - A) is the characteristic polynomial", (z * sp.eye(2) - A).det(), characteristic_polynomial())
    proof.step("trace A = 1 + lam - eta h", A.trace(), 1 + lam - eta * h)
    proof.step("det A = lam", A.det(), lam)
    th1, m1 = A * sp.Matrix([th, mv])
    th2 = (A * sp.Matrix([th1, m1]))[0]
    proof.step("eliminate m: theta_{t+1} = tau theta_t - lam theta_{t-1} with theta_{t-1} = theta_t - m_t",
               th2, (1 + lam - eta * h) * th1 - lam * (th1 - m1))
    proof.step("at t = 0 the recursion holds with theta_{-1} := theta_0 - m_0",
               th1, (1 + lam - eta * h) * th - lam * (th - mv))
    return proof


def prove_convergence_region() -> Proof:
    """Jury/Schur–Cohn for ``p(z) = z² + a₁z + a₀``: both roots in ``|z| < 1`` ⇔ ``p(1) > 0, p(−1) > 0, |a₀| < 1``.

    Lemma (real quadratic, leading coefficient 1). ⇒: ``p(±1) = (1∓z₁)(1∓z₂)`` is ``|1∓z₁|² > 0`` for a
    complex pair and a product of positive factors for real roots in ``(−1, 1)``; ``|a₀| = |z₁z₂| < 1``.
    ⇐: complex pair: ``|z|² = z₁z₂ = a₀ < 1``.  Real roots: ``p(1) > 0`` means an even number (0 or 2) of
    roots exceed 1, ``p(−1) > 0`` an even number lie below −1; two roots beyond the same end would give
    ``|z₁z₂| > 1``; a root at ±1 would make ``p(±1) = 0``.  So both lie in ``(−1, 1)``.
    """
    proof = Proof(r"\rho(A) < 1 \iff |\lambda| < 1 \wedge 0 < \eta h < 2(1+\lambda)",
                  assumptions="h, eta, lam real; Jury lemma for monic real quadratics (docstring)")
    z1, z2 = sp.symbols("z1 z2")
    p = characteristic_polynomial()
    proof.step("Vieta: tau = z1 + z2, lam = z1 z2 make p(z) = (z - z1)(z - z2)",
               p.subs({lam: z1 * z2, h: (1 + z1 * z2 - z1 - z2) / eta}), sp.expand((z - z1) * (z - z2)))
    proof.step("p(1) = (1 - z1)(1 - z2)", sp.expand((z - z1) * (z - z2)).subs(z, 1), (1 - z1) * (1 - z2))
    proof.step("p(-1) = (1 + z1)(1 + z2)", sp.expand((z - z1) * (z - z2)).subs(z, -1), (1 + z1) * (1 + z2))
    proof.step("p(1) = eta h: Jury condition p(1) > 0 is eta h > 0", p.subs(z, 1), eta * h)
    proof.step("p(-1) = 2(1 + lam) - eta h: p(-1) > 0 is eta h < 2(1 + lam)", p.subs(z, -1), 2 * (1 + lam) - eta * h)
    proof.step("a0 = p(0) = lam: |a0| < 1 is |lam| < 1", p.subs(z, 0), lam)
    jury = sp.And(p.subs(z, 1) > 0, p.subs(z, -1) > 0, sp.Abs(p.subs(z, 0)) < 1)
    same = _positive_parts(jury) == _positive_parts(converges(h, eta, lam))
    proof.step("the Jury conditions are exactly converges(h, eta, lam) (same set of 'expr > 0')",
               sp.Integer(int(same)), 1, verified=same)
    return proof


def _positive_parts(cond: sp.Basic) -> set:
    """``And`` of strict inequalities as the set of expanded ``e`` with ``e > 0``."""
    return {sp.expand(r.gts - r.lts) for r in sp.And.make_args(cond)}


def prove_rate() -> Proof:
    """Spectral radius: complex roots have ``|z|² = λ``; real roots ``max|τ/2 ± √Δ/2| = |τ|/2 + √Δ/2``.

    Both branches agree on ``Δ = 0``, so the rate is continuous.
    """
    proof = Proof(r"\rho(A) = \begin{cases}(|\tau|+\sqrt{\Delta})/2 & \Delta\ge 0\\ \sqrt{\lambda} & \Delta<0\end{cases}",
                  assumptions="tau = 1 + lam - eta h, Delta = tau^2 - 4 lam")
    tau, w = sp.symbols("tau w", real=True)
    zc = tau / 2 + sp.I * w / 2
    proof.step("complex regime: roots tau/2 +- i w/2 with w^2 = 4 lam - tau^2 > 0 solve p",
               sp.expand(zc**2 - tau * zc + lam).subs(w, sp.sqrt(4 * lam - tau**2)), 0)
    proof.step("complex regime: |z|^2 = z conj(z) = lam", sp.expand(zc * sp.conjugate(zc)).subs(w**2, 4 * lam - tau**2), lam)
    a, b = sp.symbols("a b", real=True)
    proof.step("real regime: (a + b)^2 - (a - b)^2 = 4ab, so the root of sign(tau) dominates (b = sqrt(Delta) >= 0)",
               (a + b) ** 2 - (a - b) ** 2, 4 * a * b)
    proof.step("real regime: |a| + |b| = |a + b| when a b >= 0: (|a| + |b|)^2 = (a + b)^2",
               (sp.Abs(a) + sp.Abs(b)) ** 2 - (a + b) ** 2, 2 * sp.Abs(a * b) - 2 * a * b)
    proof.step("Delta factors: tau^2 - 4 lam = ((1 - sqrt lam)^2 - eta h)((1 + sqrt lam)^2 - eta h)",
               (1 + lam - eta * h) ** 2 - 4 * lam,
               ((1 - sp.sqrt(lam)) ** 2 - eta * h) * ((1 + sp.sqrt(lam)) ** 2 - eta * h))
    proof.step("continuity at Delta = 0: |tau|/2 = sqrt(lam) when tau^2 = 4 lam",
               (sp.Abs(tau) / 2) ** 2 - lam, (tau**2 - 4 * lam) / 4)
    r = rate(h, eta, lam)
    proof.step("rate(h, eta, lam) is that Piecewise", r.args[1].expr, sp.sqrt(lam))
    return proof


def prove_critical_damping() -> Proof:
    """``λ = (1 − √(ηh))²`` ⇒ ``Δ = 0`` and the repeated root is ``1 − √(ηh)`` with ``|root| = √λ``."""
    proof = Proof(r"\lambda = (1-\sqrt{\eta h})^2 \Rightarrow \Delta = 0,\ z_{1,2} = 1 - \sqrt{\eta h}",
                  assumptions="eta h >= 0 (a = sqrt(eta h))")
    a = sp.Symbol("a", nonnegative=True)
    at = {lam: (1 - a) ** 2, h: a**2 / eta}
    proof.step("Delta = 0 at lam = (1 - a)^2, eta h = a^2", discriminant(h, eta, lam).subs(at), 0)
    proof.step("p(z) = (z - (1 - a))^2: repeated root 1 - a", characteristic_polynomial().subs(at), (z - (1 - a)) ** 2)
    proof.step("critical_momentum(h, eta) = (1 - sqrt(eta h))^2", critical_momentum(h, eta).subs(h, a**2 / eta), (1 - a) ** 2)
    proof.step("|root|^2 = lam (rate sqrt(lam) from both sides of the boundary)", (1 - a) ** 2, lam.subs(at))
    proof.step("the repeated root is tau/2", (1 + lam - eta * h).subs(at) / 2, 1 - a)
    return proof


def _polyak_symbols() -> tuple[sp.Symbol, sp.Symbol, dict]:
    a, c = sp.symbols("a c", positive=True)  # a = √μ, c = √L
    lr, mom, q = polyak_parameters(a**2, c**2)
    return a, c, {"lr": lr, "momentum": mom, "q": q}


def prove_polyak() -> Proof:
    """Polyak's parameters make ``Δ(h) = η²(h − μ)(h − L)``: repeated roots at μ and L, complex inside, rate ``q``."""
    proof = Proof(r"\eta^* = \tfrac{4}{(\sqrt L+\sqrt\mu)^2},\ \lambda^* = q^2:\ \rho(A_h) = q = "
                  r"\tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall h\in[\mu, L]",
                  assumptions="0 < mu <= L; a = sqrt(mu), c = sqrt(L)")
    a, c, par = _polyak_symbols()
    q = (c - a) / (c + a)
    proof.step("rate q = (sqrt(kappa) - 1)/(sqrt(kappa) + 1) = (c - a)/(c + a)", par["q"], q)
    proof.step("momentum = q^2", par["momentum"], q**2)
    proof.step("(1 - q)^2 = eta mu", (1 - q) ** 2, par["lr"] * a**2)
    proof.step("(1 + q)^2 = eta L", (1 + q) ** 2, par["lr"] * c**2)
    d = discriminant(h, par["lr"], q**2)
    proof.step("Delta(h) = eta^2 (h - mu)(h - L) for every h (polynomial identity in h)", d,
               par["lr"] ** 2 * (h - a**2) * (h - c**2))
    proof.step("h = mu: Delta = 0, critical damping lam = (1 - sqrt(eta mu))^2",
               critical_momentum(a**2, par["lr"]), par["momentum"])
    proof.step("h = L: Delta = 0, critical damping lam = (1 - sqrt(eta L))^2",
               critical_momentum(c**2, par["lr"]), par["momentum"])
    proof.step("Delta <= 0 on [mu, L]: rate there is sqrt(lam) = q (prove_rate); at h = mu the root is q",
               (1 + par["momentum"] - par["lr"] * a**2) / 2, q)
    proof.step("at h = L the repeated root is -q: |root| = q", (1 + par["momentum"] - par["lr"] * c**2) / 2, -q)
    proof.step("converges: 2(1 + q^2) - eta L = (1 - q)^2 > 0 (and q < 1)",
               2 * (1 + q**2) - par["lr"] * c**2, (1 - q) ** 2)
    return proof


def prove_polyak_optimal() -> Proof:
    """No ``(η, λ)`` has worst-case rate ``r < q`` on ``{μ, L}``.

    If both roots at ``h`` have ``|z| ≤ r < 1``: ``(1 − z₁)(1 − z₂)`` and ``(1 + z₁)(1 + z₂)`` lie in
    ``[(1−r)², (1+r)²]`` (each factor ``|1 ∓ z| ≥ 1 − r``; a complex pair gives ``|1 ∓ z|²``) and
    ``λ = z₁z₂ ≤ r²``.  So ``ημ = p_μ(1) ≥ (1 − r)²`` and ``ηL = 2(1+λ) − p_L(−1) ≤ 2(1+r²) − (1−r)² =
    (1 + r)²``; dividing, ``√κ ≤ (1+r)/(1−r)``, increasing in ``r``, equal to ``√κ`` at ``r = q``.
    """
    proof = Proof(r"\max_{h\in\{\mu,L\}}\rho(A_h) \ge \tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall (\eta,\lambda)",
                  assumptions="heavy ball with constant (eta, lam); 0 < mu <= L; inequalities in the docstring")
    r = sp.Symbol("r", nonnegative=True)
    a, c, par = _polyak_symbols()
    p = characteristic_polynomial()
    proof.step("p_h(1) = eta h (so eta mu = (1 - z1)(1 - z2) >= (1 - r)^2)", p.subs(z, 1), eta * h)
    proof.step("eta h = 2(1 + lam) - p_h(-1) (so eta L <= 2(1 + r^2) - (1 - r)^2)", 2 * (1 + lam) - p.subs(z, -1), eta * h)
    proof.step("2(1 + r^2) - (1 - r)^2 = (1 + r)^2", 2 * (1 + r**2) - (1 - r) ** 2, (1 + r) ** 2)
    proof.step("d/dr (1 + r)/(1 - r) = 2/(1 - r)^2 > 0: the bound sqrt(kappa) <= (1+r)/(1-r) is monotone in r",
               sp.diff((1 + r) / (1 - r), r), 2 / (1 - r) ** 2)
    proof.step("equality at r = q: (1 + q)/(1 - q) = c/a = sqrt(kappa)", (1 + par["q"]) / (1 - par["q"]), c / a)
    return proof


def _lucas_recursion_gap(S: Any, n: Any, tau: Any, decay: Any) -> sp.Expr:
    return S(n + 2) - tau * S(n + 1) + decay * S(n)


def prove_trajectory_closed_form() -> Proof:
    """Induction on symbolic ``t`` that the closed forms satisfy the recursion in every regime (C9)."""
    proof = Proof(r"\theta_t = S_{t+1}\theta_0 + \lambda S_t (m_0-\theta_0),\ "
                  r"A^t = S_{t+1} I + S_t (A - \tau I)",
                  assumptions="S_0 = 0, S_1 = 1, S_{n+2} = tau S_{n+1} - lam S_n; t integer >= 0")
    tau = 1 + lam - eta * h
    A = transition_matrix(h, eta, lam)
    S = sp.Function("S")
    power = lambda n: S(n + 1) * sp.eye(2) + S(n) * (A - tau * sp.eye(2))
    proof.step("Cayley-Hamilton: A^2 - tau A + lam I = 0", sp.simplify(A * A - tau * A + lam * sp.eye(2)), sp.zeros(2, 2),
               verified=sp.simplify(A * A - tau * A + lam * sp.eye(2)) == sp.zeros(2, 2))
    base = power(0).subs({S(0): 0, S(1): 1})
    proof.step("A^0 = S_1 I + S_0 (A - tau I) = I", base, sp.eye(2), verified=base == sp.eye(2))
    step = (A * power(t) - power(t + 1)).subs(S(t + 2), tau * S(t + 1) - lam * S(t))
    ok = sp.simplify(step) == sp.zeros(2, 2)
    proof.step("induction: A * A^t = A^{t+1} using S_{t+2} = tau S_{t+1} - lam S_t", sp.simplify(step),
               sp.zeros(2, 2), verified=ok)
    x0 = sp.Matrix([theta0, m0])
    proof.step("theta_t is the first row of A^t (theta0, m0)", (power(t) * x0)[0], _theta_from_lucas(S))
    proof.step("m_t is the second row", (power(t) * x0)[1], S(t + 1) * m0 - S(t) * (eta * h * theta0 + (1 - eta * h) * m0))
    _prove_lucas_regimes(proof, tau)
    return proof


def _prove_lucas_regimes(proof: Proof, tau: sp.Expr) -> None:
    z1, z2 = sp.symbols("z1 z2")
    n = sp.Symbol("n", integer=True, nonnegative=True)
    gen = lambda k: _lucas_generic(k, z1, z2)
    p = _regime_parameters()
    proof.step("distinct: roots sum to tau", p["z1"] + p["z2"], tau)
    proof.step("distinct: roots multiply to lam", p["z1"] * p["z2"], lam)
    for k_, want in ((0, 0), (1, 1)):
        proof.step(f"distinct: S_{k_} = {want}", gen(sp.Integer(k_)), want)
    gap = _lucas_recursion_gap(gen, n, z1 + z2, z1 * z2)
    proof.step("distinct: S_{n+2} - (z1+z2) S_{n+1} + z1 z2 S_n = 0 (symbolic n)",
               sp.simplify(sp.expand(gap, power_exp=True)), 0)
    proof.step("repeated root is the limit z2 -> z1 of the distinct form: n z1^(n-1)",
               sp.limit(gen(n), z2, z1), _lucas_repeated(n, z1))
    r, phi = sp.symbols("r phi", positive=True)
    comp = lambda k: _lucas_complex(k, r, phi)
    proof.step("complex: S_0 = 0, S_1 = 1", comp(sp.Integer(0)) + comp(sp.Integer(1)), 1)
    gap = sp.expand_trig(_lucas_recursion_gap(comp, n, 2 * r * sp.cos(phi), r**2) * sp.sin(phi) / r ** (n + 1))
    proof.step("complex: sin((n+2)phi) - 2cos(phi) sin((n+1)phi) + sin(n phi) = 0 (tau = 2r cos phi, lam = r^2)",
               sp.simplify(sp.expand(sp.expand_trig(sp.expand(gap, power_exp=True)))), 0)
    proof.step("complex: 2 r cos(phi) = tau with r = sqrt(lam), cos(phi) = tau/(2 sqrt(lam))",
               2 * p["r"] * sp.cos(p["phi"]), tau)
    rep = lambda k: _lucas_repeated(k, r)
    proof.step("repeated: S_0 = 0, S_1 = 1", rep(sp.Integer(0)) + rep(sp.Integer(1)), 1)
    proof.step("repeated: S_{n+2} - 2r S_{n+1} + r^2 S_n = 0",
               sp.expand(_lucas_recursion_gap(rep, n, 2 * r, r**2), power_exp=True), 0)
    rr = sp.Symbol("rr", real=True)
    form = _theta_from_lucas(lambda k: _lucas_repeated(k, rr), t, rr**2)
    proof.step("repeated: theta_t = r^t (theta0 + t((1 - r) theta0 + r m0)), the (a + b t) r^t form",
               sp.expand(form, power_exp=True), sp.expand(rr**t * (theta0 + t * ((1 - rr) * theta0 + rr * m0)), power_exp=True))
