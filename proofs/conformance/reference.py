"""``Reference``: a convention plus the meaning of a missing gradient, run in float64.

``Reference.run`` returns, per step, the expected parameters and their *magnitudes* (the same
recursion on absolute values, ``mathcore.conventions.MAGNITUDE``) that the tolerance needs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optproof.base.conventions import MAGNITUDE, Convention, init_state, reference_step
from optproof.base.validation import check_choice

__all__ = ["Reference", "Expected"]

MISSING = ("skip", "zero")


@dataclass(frozen=True)
class Expected:
    """Reference trajectory: ``params[t][i]``, ``magnitudes[t][i]``, ``has_state[t][i]``."""

    params: list[list[np.ndarray]]
    magnitudes: list[list[np.ndarray]]
    has_state: list[list[bool]]


@dataclass(frozen=True)
class Reference:
    """What an optimizer claims to implement.

    ``missing="skip"``: a ``None`` gradient leaves the parameter and its state untouched
    (PyTorch, Keras); ``"zero"``: it is a zero gradient (optax, whose pytrees have no holes).
    """

    convention: Convention
    missing: str = "skip"
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        check_choice("missing", self.missing, MISSING)

    @classmethod
    def pytorch(cls, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                weight_decay: float = 0.0, maximize: bool = False, missing: str = "skip") -> "Reference":
        """``torch.optim.SGD``: coupled decay, ``b_1 = g_1``, lr outside the buffer."""
        conv = Convention("pytorch", momentum, dampening, nesterov, weight_decay, maximize)
        return cls(conv, missing, _label("pytorch", momentum=momentum, dampening=dampening,
                                         nesterov=nesterov, weight_decay=weight_decay, maximize=maximize))

    @classmethod
    def keras(cls, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
              missing: str = "skip") -> "Reference":
        """Keras / Sutskever / the seed: ``m = mu m - lr g``, decoupled decay."""
        return cls._lr_family("keras", momentum, nesterov, weight_decay, missing)

    @classmethod
    def optax(cls, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
              missing: str = "zero") -> "Reference":
        """``optax.sgd`` (``trace`` then scale by lr; decay = ``add_decayed_weights`` first)."""
        return cls._lr_family("optax", momentum, nesterov, weight_decay, missing)

    @classmethod
    def _lr_family(cls, family: str, momentum, nesterov, weight_decay, missing) -> "Reference":
        conv = Convention(family, momentum, nesterov=nesterov, weight_decay=weight_decay)
        return cls(conv, missing, _label(family, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay))

    @classmethod
    def ema(cls, beta: float = 0.9, missing: str = "skip") -> "Reference":
        """EMA form ``m = beta m + (1 - beta) g``, ``theta -= lr m``."""
        return cls(Convention("ema", beta), missing, _label("ema", beta=beta))

    @property
    def name(self) -> str:
        return self.label or repr(self.convention)

    @property
    def lazy_state(self) -> bool:
        """True when the reference creates a parameter's state only at its first gradient."""
        return self.convention.family == "pytorch"

    def __str__(self) -> str:
        return self.name

    def run(self, params: list[np.ndarray], lrs: list[float],
            grads: list[list[np.ndarray | None]]) -> Expected:
        """Run the convention in float64 on the scenario (inputs taken exactly as given).

        A *skipped step* -- any gradient of the step holds inf or NaN, as mixed-precision training
        (``torch.amp.GradScaler``, ``optax.apply_if_finite``) skips an overflowing step -- leaves
        every parameter and every piece of state exactly unchanged; a skipped first step creates no
        buffer.  (Scenarios contain such steps only when ``check(..., overflow=True)``.)
        """
        conv = self.convention
        theta = [np.asarray(p, np.float64).copy() for p in params]
        state = [init_state(conv, p) for p in theta]
        mag = [np.abs(p) for p in theta]
        mstate = [init_state(conv, p) for p in theta]
        out = Expected([], [], [])
        for lr, row, skipped in zip(lrs, grads, _skipped_steps(grads)):
            for i, g in enumerate(() if skipped else row):
                if g is None and self.missing == "skip":
                    continue
                g = np.zeros_like(theta[i]) if g is None else np.asarray(g, np.float64)
                theta[i], state[i] = reference_step(conv, theta[i], state[i], g, lr)
                mag[i], mstate[i] = reference_step(conv, mag[i], mstate[i], np.abs(g), lr, MAGNITUDE)
            out.params.append([p.copy() for p in theta])
            out.magnitudes.append([x.copy() for x in mag])
            out.has_state.append([s is not None for s in state])
        return out


def _skipped_steps(grads: list[list[np.ndarray | None]]) -> list[bool]:
    """Per step: does any gradient hold inf or NaN?  (One test over all of them when none does.)"""
    present = [np.ravel(g) for row in grads for g in row if g is not None]
    if not present or np.isfinite(np.concatenate(present)).all():
        return [False] * len(grads)
    return [any(g is not None and not np.all(np.isfinite(g)) for g in row) for row in grads]


def _label(family: str, **hyper) -> str:
    shown = {k: v for k, v in hyper.items() if v not in (0, 0.0, False) or k in ("momentum", "beta")}
    return f"{family}({', '.join(f'{k}={v}' for k, v in shown.items())})"
