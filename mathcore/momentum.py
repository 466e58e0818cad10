"""Heavy-ball momentum in the seed's convention: closed forms, proofs and fast evaluation (C8, C9).

Convention (seed 2.2; vanilla GD is ``λ = 0``, ``m_0 = 0``)::

    θ_0, m_0 given;  for t ≥ 1:   m_t = λ m_{t−1} − η g_t,     θ_t = θ_{t−1} + m_t

with ``g_t`` the gradient used at step ``t``, ``η > 0`` (``lr``), ``λ ∈ [0, 1]`` (``momentum``).

Closed forms (proven for symbolic ``t`` in ``mathcore.momentum_proofs``, ``G(n) = Σ_{j<n} λ^j`` from
``mathcore.sums``)::

    m_t = λ^t m_0 − η Σ_{k=1}^{t} λ^{t−k} g_k                          (C9: decayed sum of gradients)
    θ_t = θ_0 + m_0 λ G(t) − η Σ_{k=1}^{t} G(t−k+1) g_k

Floating-point error (float64, unit roundoff ``u = 2^−53``, ``γ_n = n u/(1 − n u)``)
-------------------------------------------------------------------------------------
Let ``A_t = λ^t |m_0| + η Σ_{k=1}^{t} λ^{t−k} |g_k|`` (the closed form with every term made
non-negative).  Each rounded operation is ``fl(x ∘ y) = (x ∘ y)(1 + δ)``, ``|δ| ≤ u``.

*Recursion* ``m̂_t = fl(fl(λ m̂_{t−1}) − fl(η g_t))``: unrolling, the ``m_0`` term carries 2 factors
``(1 + δ)`` per step (product, subtraction) and the ``g_k`` term ``2 + 2(t − k) ≤ 2t``, so
``|m̂_t − m_t| ≤ γ_{2t} A_t``.

*Blocked closed form* (``velocities``): within a block that starts at step ``s`` with state
``m_s``, step ``t = s + j`` is ``fl(fl(λ^j m_s) − fl(η · Σ_{i≤j} λ^{j−i} g_{s+i}))`` with powers from
repeated multiplication (``λ^n`` carries ``n − 1`` roundings) and any summation order of the dot
product (≤ ``j − 1`` roundings per term; exact zeros of the triangular weight matrix add none).
The ``g`` terms then carry ≤ ``(j−1) + 1 + (j−1) + 1 + 1 = 2j + 1`` factors and the carried state
``n_s + (j − 1) + 2`` factors; by induction over blocks ``n_t ≤ 2t + 1``.  Hence

    |m̃_t − m_t| ≤ γ_{2t+1} A_t ≈ (2t + 1)·u·A_t          (c = 2t + 1 in "c·u·A_t")

and recursion and closed form differ by at most ``2 γ_{2t+1} A_t``.  Positions are
``θ_t = fl(θ_{t−1} + m_t)`` (sequential), which adds ``γ_t (|θ_0| + Σ_s |m_s|)``; altogether
``|θ̃_t − θ_t| ≤ γ_{3t+1} (|θ_0| + Σ_{s≤t} A_s)`` for both the recursion and ``positions``.
The bounds assume no overflow; gradual underflow adds an absolute error that
``closed_form_error_bound`` also covers (``(4t + 4)·2^−1074·(1 + |m_0| + η(t + Σ|g_k|))``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.sums import geometric_sum, geometric_sum_numeric
from optproof.base.validation import check_array, check_int, check_real, is_symbolic

__all__ = [
    "t", "k", "s", "eta", "lam", "g", "m0", "theta0",
    "velocity_closed_form", "position_closed_form",
    "prove_velocity_closed_form", "prove_position_closed_form",
    "prove_constant_gradient", "prove_gd_fixed_point",
    "velocity_weights", "velocities", "positions",
    "constant_gradient_velocity", "effective_lr", "heavy_ball_step",
    "closed_form_error_bound", "positions_error_bound",
]

t = sp.Symbol("t", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lam", nonnegative=True)
g = sp.IndexedBase("g")
m0 = sp.Symbol("m0", real=True)
theta0 = sp.Symbol("theta0", real=True)

_U = 2.0**-53          # unit roundoff of float64, round to nearest
_TINY = 2.0**-1074     # smallest subnormal
_BLOCK = 256           # block length of the blocked closed-form evaluation


# =========================================================================== symbolic closed forms
def velocity_closed_form(tt: Any = t, decay: Any = lam) -> sp.Expr:
    """``m_t = λ^t m_0 − η Σ_{k=1}^{t} λ^{t−k} g_k`` (C9), optionally at another ``t`` or ``λ``."""
    return decay**tt * m0 - eta * sp.Sum(decay ** (tt - k) * g[k], (k, 1, tt))


def position_closed_form(tt: Any = t, decay: Any = lam, G: Any = None) -> sp.Expr:
    """``θ_t = θ_0 + m_0 λ G(t) − η Σ_{k=1}^{t} G(t−k+1) g_k`` with ``G(n) = Σ_{j<n} λ^j`` (C9).

    ``G`` defaults to the Piecewise ``geometric_sum(decay, n)`` (``G(n) = n`` at ``λ = 1``); the
    proofs pass one branch ``n ↦ G(n)`` together with the matching ``decay``.
    """
    G = G or (lambda n: geometric_sum(decay, n))
    return theta0 + m0 * decay * G(tt) - eta * sp.Sum(G(tt - k + 1) * g[k], (k, 1, tt))


# =========================================================================== numeric
def _check_lr_momentum(lr: Any, momentum: Any, allow_symbolic: bool = False) -> tuple[Any, Any]:
    return (check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=allow_symbolic),
            check_real("momentum", momentum, 0.0, 1.0, allow_symbolic=allow_symbolic))


def _powers(momentum: float, n_max: int) -> np.ndarray:
    """``[λ^0, …, λ^{n_max}]`` by repeated multiplication (``λ^n`` carries ``n − 1`` roundings)."""
    p = np.empty(n_max + 1)
    p[0] = 1.0
    p[1:] = np.cumprod(np.full(n_max, momentum))
    return p


def velocity_weights(t: int, momentum: float) -> np.ndarray:
    """Weights ``λ^{t−k}`` of ``g_k``, ``k = 1..t``, in ``m_t = λ^t m_0 − η Σ_k λ^{t−k} g_k`` (C9)."""
    t = check_int("t", t, 0)
    momentum = check_real("momentum", momentum, 0.0, 1.0)
    return _powers(momentum, max(t - 1, 0))[::-1][:t].copy()


def _grads_and_state(grads: Any, state: Any, state_name: str) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Validate ``grads`` (T,) or (T, d) → 2-D view and a (d,) state (scalar or shape (d,))."""
    arr = check_array("grads", grads, ndim=(1, 2))
    flat = arr if arr.ndim == 2 else arr[:, None]
    if np.ndim(state) == 0:
        st = np.array(check_real(state_name, state))
    else:
        st = check_array(state_name, state, ndim=1 if arr.ndim == 2 else 0)
    if st.ndim == 1 and st.shape != (flat.shape[1],):
        raise ValueError(f"{state_name} must be a scalar or have shape ({flat.shape[1]},); got {st.shape}")
    return flat, np.broadcast_to(st, (flat.shape[1],)).astype(np.float64), arr.shape


def velocities(grads: Any, lr: float, momentum: float, m0: Any = 0.0) -> np.ndarray:
    """All ``m_1..m_T`` from the closed form ``m_t = λ^t m_0 − η Σ_{k≤t} λ^{t−k} g_k`` (C9).

    ``grads`` has shape ``(T,)`` or ``(T, d)``; ``m0`` is a scalar or shape ``(d,)``.  Evaluated in
    blocks of 256 steps (a triangular weight matrix times the block's gradients, started from the
    previous block's last velocity): ``O(256·T·d)`` work, no Python loop over ``t``.
    Error: ``|m̃_t − m_t| ≤ γ_{2t+1} A_t`` (module docstring; ``closed_form_error_bound``).
    """
    lr, momentum = _check_lr_momentum(lr, momentum)
    flat, state, shape = _grads_and_state(grads, m0, "m0")
    steps = flat.shape[0]
    out = np.empty_like(flat)
    p = _powers(momentum, _BLOCK)
    gap = np.subtract.outer(np.arange(_BLOCK), np.arange(_BLOCK))
    weights = np.where(gap >= 0, p[np.clip(gap, 0, _BLOCK)], 0.0)  # W[j, i] = λ^{j−i}, i ≤ j
    for start in range(0, steps, _BLOCK):
        n = min(_BLOCK, steps - start)
        out[start:start + n] = p[1:n + 1, None] * state - lr * (weights[:n, :n] @ flat[start:start + n])
        state = out[start + n - 1]
    return out.reshape(shape)


def positions(grads: Any, lr: float, momentum: float, theta0: Any = 0.0, m0: Any = 0.0) -> np.ndarray:
    """All ``θ_1..θ_T``: ``θ_t = θ_0 + Σ_{s≤t} m_s`` with closed-form ``m_s`` (C9).

    This is the position closed form before exchanging the order of summation
    (``Σ_{s≤t} λ^{s−k} = G(t−k+1)``, see ``prove_position_closed_form``); summing the velocities
    is the better-conditioned evaluation.  Error: ``γ_{3t+1}(|θ_0| + Σ_{s≤t} A_s)``.
    """
    vel = velocities(grads, lr, momentum, m0)
    flat, start, shape = _grads_and_state(grads, theta0, "theta0")
    path = np.cumsum(np.vstack([start[None, :], vel.reshape(flat.shape)]), axis=0)[1:]
    return path.reshape(shape)


def _abs_magnitude(grads: Any, lr: float, momentum: float, m0: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(Â_t, t)``: computed ``A_t = λ^t|m_0| + η Σ λ^{t−k}|g_k|`` and the step numbers, shape of grads."""
    flat, state, shape = _grads_and_state(grads, m0, "m0")
    a_hat = velocities(-np.abs(flat), lr, momentum, np.abs(state)).reshape(flat.shape)
    steps = np.arange(1, flat.shape[0] + 1, dtype=np.float64)[:, None]
    return a_hat, steps


def _gamma(n: np.ndarray) -> np.ndarray:
    nu = n * _U
    return np.where(nu < 0.5, nu / (1.0 - np.minimum(nu, 0.5)), np.inf)


def _underflow_term(grads: Any, lr: float, m0: Any, steps: np.ndarray) -> np.ndarray:
    flat, state, _ = _grads_and_state(grads, m0, "m0")
    scale = 1.0 + np.abs(state)[None, :] + lr * (steps + np.cumsum(np.abs(flat), axis=0))
    return (4 * steps + 4) * _TINY * scale


def closed_form_error_bound(grads: Any, lr: float, momentum: float, m0: Any = 0.0) -> np.ndarray:
    """Bound on ``|m̃_t − m_t|`` for ``velocities`` *and* for the plain recursion, same shape as ``grads``.

    ``γ_{2t+1} Â_t / (1 − γ_{2t+1}) + (4t+4)·2^−1074·(1 + |m_0| + η(t + Σ_{k≤t}|g_k|))`` where
    ``Â_t`` is ``A_t`` computed by ``velocities`` itself (so ``A_t ≤ Â_t/(1 − γ_{2t+1})``).
    Two float64 evaluations differ by at most twice this.
    """
    lr, momentum = _check_lr_momentum(lr, momentum)
    a_hat, steps = _abs_magnitude(grads, lr, momentum, m0)
    gam = _gamma(2 * steps + 1)
    bound = gam * a_hat / (1.0 - gam) + _underflow_term(grads, lr, m0, steps)
    return bound.reshape(np.shape(grads))


def positions_error_bound(grads: Any, lr: float, momentum: float, theta0: Any = 0.0, m0: Any = 0.0) -> np.ndarray:
    """Bound on ``|θ̃_t − θ_t|``: ``γ_{3t+1}(|θ_0| + Σ_{s≤t} Â_s)/(1 − γ_{3t+1})`` plus the underflow terms."""
    lr, momentum = _check_lr_momentum(lr, momentum)
    a_hat, steps = _abs_magnitude(grads, lr, momentum, m0)
    flat, start, _ = _grads_and_state(grads, theta0, "theta0")
    gam = _gamma(3 * steps + 1)
    total = np.abs(start)[None, :] + np.cumsum(a_hat, axis=0)
    under = np.cumsum(_underflow_term(grads, lr, m0, steps), axis=0)
    return (gam * total / (1.0 - gam) + under).reshape(np.shape(grads))


def constant_gradient_velocity(t: Any, g: Any, lr: Any, momentum: Any, m0: Any = 0.0):
    """``m_t = λ^t m_0 − η g G(t)`` under a constant gradient ``g`` (C9); ``λ = 1``: ``m_0 − η g t``.

    SymPy expression (Piecewise in λ) if any argument is symbolic, else a float evaluated with
    ``geometric_sum_numeric`` (stable near ``λ = 1``).
    """
    raw = (t, g, lr, momentum, m0)
    t = check_int("t", t, 0, allow_symbolic=True)
    g = check_real("g", g, allow_symbolic=True)
    lr, momentum = _check_lr_momentum(lr, momentum, allow_symbolic=True)
    m0 = check_real("m0", m0, allow_symbolic=True)
    if any(is_symbolic(v) for v in raw):
        t, g, lr, momentum, m0 = (sp.sympify(v) for v in raw)  # exact numbers stay exact
        return momentum**t * m0 - lr * g * geometric_sum(momentum, t)
    return momentum**t * m0 - lr * g * geometric_sum_numeric(momentum, t)


def effective_lr(lr: Any, momentum: Any):
    """``η/(1 − λ)``: the step of momentum under a constant gradient (C9); needs ``λ ∈ [0, 1)``."""
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    momentum = check_real("momentum", momentum, 0.0, 1.0, hi_open=True, allow_symbolic=True)
    return lr / (1 - momentum)  # one formula for SymPy and floats


def heavy_ball_step(theta: Any, m: Any, grad: Any, lr: Any, momentum: Any) -> tuple[Any, Any]:
    """One reference step (C8, C9): ``m ← λ m − η grad``, ``θ ← θ + m``; returns ``(θ, m)``.

    Works on floats, NumPy arrays and SymPy expressions alike (``λ = 0`` is vanilla GD).
    """
    checked_lr, checked_momentum = _check_lr_momentum(lr, momentum, allow_symbolic=True)
    if any(isinstance(v, sp.Basic) for v in (theta, m, grad, lr, momentum)):
        lr, momentum = sp.sympify(lr), sp.sympify(momentum)  # keep exact numbers exact
    else:
        lr, momentum = checked_lr, checked_momentum
        theta, m, grad = (check_real(name, v) if np.ndim(v) == 0 else check_array(name, v)
                          for name, v in (("theta", theta), ("m", m), ("grad", grad)))
    m_new = momentum * m - lr * grad
    return theta + m_new, m_new


# =========================================================================== proofs
_PROOFS = ("prove_velocity_closed_form", "prove_position_closed_form", "prove_constant_gradient",
           "prove_gd_fixed_point")


def __getattr__(name: str) -> Any:
    """The proofs live in ``mathcore.momentum_proofs`` (which imports this module); re-exported on first use."""
    if name in _PROOFS:
        from optproof.mathcore import momentum_proofs
        return getattr(momentum_proofs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
