"""``Reference``: a convention plus the meaning of a missing gradient, run in float64.

``Reference.run`` returns, per step, the expected parameters and their *magnitudes* (the same
recursion on absolute values, ``mathcore.conventions.MAGNITUDE``) that the tolerance needs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from optproof.base.conventions import EXACT, MAGNITUDE, Convention, init_state, reference_step
from optproof.base.validation import check_choice

if TYPE_CHECKING:
    from optproof.proofs.strategies import ScenarioBatch

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

    def run_batch(self, b: ScenarioBatch) -> tuple[np.ndarray, np.ndarray]:
        """``run`` on every scenario of ``b`` at once: ``(params, magnitudes)``, each (T, N) in float64,
        row t after step t + 1, bitwise those of ``run`` (the same elementwise IEEE operations, the lr
        of each element's scenario in place of a scalar); past its last step a scenario stays put."""
        active = (b.steps & ~_skipped_batch(b))[:, b.owner]
        if self.missing == "skip":
            active &= b.present[:, b.member]
        lr = b.lrs[:, b.owner]
        g, theta = b.grads.astype(np.float64), b.params.astype(np.float64)
        with np.errstate(all="ignore"):  # inactive elements compute values that are thrown away
            return (_recursion(self.convention, theta, g, lr, active, EXACT),
                    _recursion(self.convention, np.abs(theta), np.abs(g), lr, active, MAGNITUDE))


def _skipped_batch(b: ScenarioBatch) -> np.ndarray:
    """(T, S): is step t of scenario s a skipped step (``_skipped_steps``)?"""
    skipped = np.zeros(b.steps.shape, dtype=bool)
    if not np.isfinite(b.grads).all():
        for s, sc in enumerate(b.scenarios):
            skipped[:sc.n_steps, s] = _skipped_steps(sc.grads)
    return skipped


def _recursion(conv: Convention, theta: np.ndarray, g: np.ndarray, lr: np.ndarray, active: np.ndarray,
               ar) -> np.ndarray:
    """``reference_step`` on every element at once, rows = steps: an element that is not ``active``
    keeps its value and state; PyTorch's lazy buffer is the first-step formula (``state=None``)
    until an element's first active step, selected per element with ``np.where`` (exact)."""
    lazy = conv.family == "pytorch" and bool(conv.momentum)
    state = np.zeros_like(theta) if lazy else init_state(conv, theta)
    started = np.zeros(theta.shape, dtype=bool)
    out = np.empty(g.shape)
    for t in range(len(g)):
        new, st = reference_step(conv, theta, state, g[t], lr[t], ar)
        if lazy:
            first, st_first = reference_step(conv, theta, None, g[t], lr[t], ar)
            new, st = np.where(started, new, first), np.where(started, st, st_first)
            started |= active[t]
        theta = np.where(active[t], new, theta)
        state = state if st is None else np.where(active[t], st, state)
        out[t] = theta
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
