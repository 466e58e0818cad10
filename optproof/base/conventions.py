"""The numeric reference steps of the momentum conventions of real libraries (NumPy only, C9).

This is the run-time core of the optimizer conformance checker (``optproof.proofs.conformance``):
no SymPy, no Numba.  The theorems about these conventions (exact maps between them, where they
part) stay in ``optproof.mathcore.conventions``, which imports these steps to state that they agree.

Four families (all act elementwise, so one coordinate suffices for the algebra; ``g_t`` is the
gradient fed at step ``t``, ``eta_t`` the learning rate of that step, ``t = 1, 2, ...``):

- **PyTorch** (``torch.optim.SGD``)::

      g <- (-grad if maximize else grad) + lam * theta          (coupled weight decay)
      b_1 = g_1,   b_t = mu b_{t-1} + (1 - tau) g_t             (dampening tau skipped at t = 1)
      theta -= eta_t * b_t            Nesterov: theta -= eta_t * (g_t + mu b_t)

- **Keras / Sutskever / the seed** (lr inside the velocity, decoupled weight decay)::

      theta <- (1 - eta_t lam) theta
      m_t = mu m_{t-1} - eta_t g_t,  m_0 = 0
      theta += m_t                    Nesterov: theta += mu m_t - eta_t g_t

- **optax** (``chain(add_decayed_weights(lam), trace(mu, nesterov), scale(-eta_t))``)::

      tr_t = g_t + mu tr_{t-1},  tr_0 = 0;   theta -= eta_t * tr_t   (Nesterov: g_t + mu tr_t)

- **EMA**:  ``m_t = beta m_{t-1} + (1 - beta) g_t``, ``m_0 = 0``, ``theta -= eta_t m_t``.

The numeric reference step (``reference_step``) is one function per family written with
``Arith.lin`` (a linear combination), so the same code runs in float64, in exact ``Fraction``
arithmetic (object arrays) and in *magnitude* mode (every coefficient and value replaced by its
absolute value), which is what the rounding-error bound of the conformance checker needs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optproof.base.validation import check_choice, check_momentum, check_real

__all__ = ["FAMILIES", "Convention", "Arith", "EXACT", "MAGNITUDE", "OPS_PER_STEP", "init_state", "reference_step"]

FAMILIES = ("pytorch", "keras", "optax", "ema")

@dataclass(frozen=True)
class Convention:
    """One momentum convention with its hyperparameters (``momentum`` is ``beta`` for ``ema``)."""

    family: str
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    maximize: bool = False

    def __post_init__(self) -> None:
        check_choice("family", self.family, FAMILIES)
        check_momentum(self.momentum)
        check_real("dampening", self.dampening, 0.0, 1.0)
        check_real("weight_decay", self.weight_decay, 0.0)
        check_choice("nesterov", self.nesterov, (True, False))
        check_choice("maximize", self.maximize, (True, False))
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov must be False unless momentum is in (0, 1] and dampening is 0; "
                             f"got momentum={self.momentum}, dampening={self.dampening}")
        if self.family != "pytorch" and (self.dampening or self.maximize):
            raise ValueError(f"dampening and maximize must be 0/False for family {self.family!r}")
        if self.family == "ema" and (self.nesterov or self.weight_decay):
            raise ValueError("nesterov and weight_decay must be False/0 for family 'ema'")

    def with_(self, **changes: Any) -> "Convention":
        return replace(self, **changes)


class Arith:
    """Linear combinations ``sum c_i x_i``: exact (as written) or in magnitude mode.

    Magnitude mode returns ``sum |c_i| |x_i|`` (with ``x_i`` already magnitudes): the value
    that bounds the rounding error of the computed combination (Higham, *Accuracy and Stability
    of Numerical Algorithms*, 2nd ed., Lemma 3.1/3.3: the computed sum/product chain equals the
    exact one with every term perturbed by a factor ``(1 + theta_n)``, ``|theta_n| <= gamma_n``).
    """

    def __init__(self, magnitude: bool) -> None:
        self.magnitude = magnitude

    def lin(self, *pairs: tuple[Any, Any]):
        total = 0
        for c, x in pairs:
            total = total + (abs(c) * x if self.magnitude else c * x)
        return total

    def neg(self, x):
        return x if self.magnitude else -x


EXACT = Arith(False)
MAGNITUDE = Arith(True)

#: Floating-point operations on the path of one coordinate of theta per step, counted generously
#: for the longest family (maximize, weight decay, buffer with dampening, Nesterov, update, and
#: the rounding of lr and hyperparameters to the working precision): 12.  A different but
#: algebraically equal order of the same terms has the same count up to a factor 2, used as margin.
OPS_PER_STEP = 12


def init_state(conv: Convention, theta: np.ndarray):
    """Per-parameter optimizer state before its first step: PyTorch is lazy (None), others zeros."""
    return None if conv.family == "pytorch" else np.zeros_like(theta)


def reference_step(conv: Convention, theta, state, g, lr, ar: Arith = EXACT):
    """One step of ``conv`` for one parameter: returns ``(theta_new, state_new)``.

    ``ar`` is ``EXACT`` for the values (float or Fraction arrays) or ``MAGNITUDE`` for the bound.
    """
    return _STEPS[conv.family](conv, theta, state, g, lr, ar)


def _pytorch_step(c: Convention, theta, buf, g, lr, ar: Arith):
    """g <- ±g + lam theta;  b = g (first) or mu b + (1 - tau) g;  theta -= lr (b or g + mu b)."""
    g = ar.neg(g) if c.maximize else g
    if c.weight_decay:
        g = ar.lin((1, g), (c.weight_decay, theta))
    direction = g
    if c.momentum:
        buf = _copy(g) if buf is None else ar.lin((c.momentum, buf), (1 - c.dampening, g))
        direction = ar.lin((1, g), (c.momentum, buf)) if c.nesterov else buf
    return ar.lin((1, theta), (-lr, direction)), buf


def _keras_step(c: Convention, theta, vel, g, lr, ar: Arith):
    """theta <- (1 - lr lam) theta;  m = mu m - lr g;  theta += m  (Nesterov: mu m - lr g)."""
    if c.weight_decay:
        theta = ar.lin((1, theta), (-lr * c.weight_decay, theta))
    vel = ar.lin((c.momentum, vel), (-lr, g))
    if c.nesterov:
        return ar.lin((1, theta), (c.momentum, vel), (-lr, g)), vel
    return ar.lin((1, theta), (1, vel)), vel


def _optax_step(c: Convention, theta, trace, g, lr, ar: Arith):
    """g <- g + lam theta;  tr = g + mu tr;  theta -= lr (tr or g + mu tr)."""
    if c.weight_decay:
        g = ar.lin((1, g), (c.weight_decay, theta))
    trace = ar.lin((1, g), (c.momentum, trace))
    direction = ar.lin((1, g), (c.momentum, trace)) if c.nesterov else trace
    return ar.lin((1, theta), (-lr, direction)), trace


def _ema_step(c: Convention, theta, m, g, lr, ar: Arith):
    """m = beta m + (1 - beta) g;  theta -= lr m."""
    m = ar.lin((c.momentum, m), (1 - c.momentum, g))
    return ar.lin((1, theta), (-lr, m)), m


def _copy(x):
    return x.copy() if hasattr(x, "copy") else x


_STEPS = {"pytorch": _pytorch_step, "keras": _keras_step, "optax": _optax_step, "ema": _ema_step}
