"""A catalogue of SGD-momentum implementations: correct ones and faulty ones, one bug each.

All follow the plain protocol: ``factory(params) -> step``, ``step(grads, lr) -> params``.
``TorchLikeSGD`` is a correct NumPy implementation of ``torch.optim.SGD``; each faulty class
overrides exactly one method to reproduce one bug class, reachable only with the right knob.
``CORRECT`` lists implementations (including valid reparametrisations) that must pass;
``FAULTS`` lists the bugs, each with the reference its author claimed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from optproof.proofs.conformance.reference import Reference

__all__ = ["TorchLikeSGD", "KerasLikeSGD", "ReparametrisedSGD", "EmaSGD", "Entry",
           "CORRECT", "FAULTS", "torch_faults", "forgetful_sgd_class"]


class TorchLikeSGD:
    """Correct: ``g <- ±g + lam theta``; ``b_1 = g_1``, ``b = mu b + (1 - tau) g``; ``theta -= lr b``."""

    def __init__(self, params, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False):
        self.params = [np.array(p, copy=True) for p in params]
        self.bufs: list[np.ndarray | None] = [None] * len(self.params)
        self.mu, self.tau, self.nesterov = momentum, dampening, nesterov
        self.wd, self.maximize = weight_decay, maximize

    def __call__(self, grads, lr):
        for i, g in enumerate(grads):
            if g is None:
                self.skip(i)
            else:
                self.params[i] = self.update(i, g, lr)
        return [p.copy() for p in self.params]

    def has_state(self, i: int) -> bool:
        return self.bufs[i] is not None

    def skip(self, i: int) -> None:
        """A step without a gradient leaves the parameter and its state alone."""

    def effective_grad(self, i: int, g):
        g = -g if self.maximize else g
        return g + self.wd * self.params[i] if self.wd else g

    def buffer(self, i: int, g, lr):
        b = self.bufs[i]
        self.bufs[i] = g.copy() if b is None else self.mu * b + (1 - self.tau) * g
        return self.bufs[i]

    def direction(self, i: int, g, lr):
        if not self.mu:
            return g
        b = self.buffer(i, g, lr)
        return g + self.mu * b if self.nesterov else b

    def update(self, i: int, g, lr):
        return self.params[i] - lr * self.direction(i, self.effective_grad(i, g), lr)


class KerasLikeSGD:
    """Correct Keras convention, velocity stored with the opposite sign (a valid reparametrisation):
    ``theta <- (1 - lr lam) theta``; ``v = mu v + lr g``; ``theta -= v`` (Nesterov ``mu v + lr g``)."""

    def __init__(self, params, momentum=0.0, nesterov=False, weight_decay=0.0):
        self.params = [np.array(p, copy=True) for p in params]
        self.vel = [np.zeros_like(p) for p in self.params]
        self.mu, self.nesterov, self.wd = momentum, nesterov, weight_decay

    def __call__(self, grads, lr):
        for i, g in enumerate(grads):
            if g is None:
                continue
            p = self.params[i] * (1 - lr * self.wd) if self.wd else self.params[i]
            self.vel[i] = self.mu * self.vel[i] + lr * g
            self.params[i] = p - (self.mu * self.vel[i] + lr * g if self.nesterov else self.vel[i])
        return [p.copy() for p in self.params]


class ReparametrisedSGD(TorchLikeSGD):
    """Correct PyTorch convention with the lr inside the velocity: ``v = (mu lr/lr_prev) v - lr g``,
    ``theta += v`` (``v = -lr b``; the exact map of ``mathcore.conventions``).  Plain momentum only."""

    def __init__(self, params, momentum=0.0):
        super().__init__(params, momentum)
        self.last_lr = [None] * len(self.params)

    def update(self, i, g, lr):
        if not self.mu:
            return self.params[i] - lr * g
        v = self.bufs[i]
        v = -lr * g if v is None else (self.mu * lr / self.last_lr[i]) * v - lr * g
        self.bufs[i], self.last_lr[i] = v, lr
        return self.params[i] + v


class EmaSGD:
    """Correct EMA form: ``m = beta m + (1 - beta) g``, ``theta -= lr m``."""

    def __init__(self, params, beta=0.9):
        self.params = [np.array(p, copy=True) for p in params]
        self.m = [np.zeros_like(p) for p in self.params]
        self.beta = beta

    def __call__(self, grads, lr):
        for i, g in enumerate(grads):
            if g is not None:
                self.m[i] = self.beta * self.m[i] + (1 - self.beta) * g
                self.params[i] = self.params[i] - lr * self.m[i]
        return [p.copy() for p in self.params]


# ------------------------------------------------------------------------------- the bugs


class DampeningOnFirstStep(TorchLikeSGD):
    def buffer(self, i, g, lr):
        b = self.bufs[i]
        self.bufs[i] = (1 - self.tau) * g if b is None else self.mu * b + (1 - self.tau) * g
        return self.bufs[i]


class LrInsideBuffer(TorchLikeSGD):
    """Claims PyTorch but folds the lr into the buffer (Keras-style): differs once the lr changes."""

    def buffer(self, i, g, lr):
        b = self.bufs[i]
        self.bufs[i] = lr * g if b is None else self.mu * b + lr * g
        return self.bufs[i] / lr


class LrOutsideVelocity(KerasLikeSGD):
    """Claims Keras but keeps the lr outside the velocity (PyTorch-style)."""

    def __call__(self, grads, lr):
        for i, g in enumerate(grads):
            if g is not None:
                self.vel[i] = self.mu * self.vel[i] + g
                self.params[i] = self.params[i] - lr * self.vel[i]
        return [p.copy() for p in self.params]


class WeightDecayAfterMomentum(TorchLikeSGD):
    def effective_grad(self, i, g):
        return -g if self.maximize else g

    def update(self, i, g, lr):
        return self.params[i] - lr * (self.direction(i, self.effective_grad(i, g), lr) + self.wd * self.params[i])


class WeightDecayOnlyInBuffer(TorchLikeSGD):
    """Nesterov look-ahead uses the raw gradient; only the buffer sees the decay."""

    def direction(self, i, g, lr):
        raw = g - self.wd * self.params[i]
        b = self.buffer(i, g, lr)
        return raw + self.mu * b if self.nesterov else b


class WeightDecaySkippedWithoutMomentum(TorchLikeSGD):
    def effective_grad(self, i, g):
        g = -g if self.maximize else g
        return g + self.wd * self.params[i] if self.wd and self.mu else g


class MaximizeByNegatingLr(TorchLikeSGD):
    def effective_grad(self, i, g):
        return g + self.wd * self.params[i] if self.wd else g

    def update(self, i, g, lr):
        sign = -1 if self.maximize else 1
        return self.params[i] - sign * lr * self.direction(i, self.effective_grad(i, g), lr)


class NesterovSignError(TorchLikeSGD):
    def direction(self, i, g, lr):
        b = self.buffer(i, g, lr)
        return g - self.mu * b if self.nesterov else b


class NesterovStaleBuffer(TorchLikeSGD):
    def direction(self, i, g, lr):
        old = self.bufs[i]
        b = self.buffer(i, g, lr)
        if not self.nesterov:
            return b
        return g + self.mu * (g if old is None else old)


class BufferResetOnLrChange(TorchLikeSGD):
    """A scheduler hook that clears the momentum buffers whenever the lr changes."""

    last_lr = None

    def __call__(self, grads, lr):
        if self.last_lr is not None and lr != self.last_lr:
            self.bufs = [None] * len(self.bufs)
        self.last_lr = lr
        return super().__call__(grads, lr)


class BufferSharedBetweenParameters(TorchLikeSGD):
    """One buffer per shape instead of per parameter."""

    def buffer(self, i, g, lr):
        shared = getattr(self, "shared", {})
        self.shared = shared
        b = shared.get(g.shape)
        shared[g.shape] = g.copy() if b is None else self.mu * b + (1 - self.tau) * g
        self.bufs[i] = shared[g.shape]
        return shared[g.shape]


class BufferAliasesGradient(TorchLikeSGD):
    """Stores the caller's gradient array as the first buffer (no copy), updates later in place."""

    def buffer(self, i, g, lr):
        b = self.bufs[i]
        if b is None:
            self.bufs[i] = g
        else:
            b *= self.mu
            b += (1 - self.tau) * g
        return self.bufs[i]


class GradientModifiedInPlace(TorchLikeSGD):
    """Adds the weight decay into the caller's gradient array."""

    def effective_grad(self, i, g):
        if self.maximize:
            g = -g
        if self.wd:
            g += self.wd * self.params[i]
        return g


class SkippedStepInitialisesState(TorchLikeSGD):
    def skip(self, i):
        if self.mu and self.bufs[i] is None:
            self.bufs[i] = np.zeros_like(self.params[i])


class MissingGradientAsZero(TorchLikeSGD):
    """Treats ``None`` as a zero gradient: the buffer decays and the parameter keeps moving."""

    def skip(self, i):
        self.params[i] = self.update(i, np.zeros_like(self.params[i]), self._lr)

    def __call__(self, grads, lr):
        self._lr = lr
        return super().__call__(grads, lr)


class _Counting(TorchLikeSGD):
    """``TorchLikeSGD`` that counts each parameter's steps (``self.count[i]``, 1 at its first gradient)."""

    def update(self, i, g, lr):
        self.count = getattr(self, "count", [0] * len(self.params))
        self.count[i] += 1
        return super().update(i, g, lr)


class LrLagsFromStepTen(_Counting):
    """Late bug: from the 10th step on the schedule index is off by one -- the previous step's lr is used."""

    def update(self, i, g, lr):
        self.prev = getattr(self, "prev", [lr] * len(self.params))
        used = self.prev[i] if getattr(self, "count", [0] * len(self.params))[i] + 1 >= 10 else lr
        self.prev[i] = lr
        return super().update(i, g, used)


class MomentumSwitchAtFifty(_Counting):
    """Late bug: a momentum schedule switches mu to 0.99 from the 50th step on."""

    def buffer(self, i, g, lr):
        mu = self.mu
        if self.count[i] >= 50:
            self.mu = 0.99
        try:
            return super().buffer(i, g, lr)
        finally:
            self.mu = mu


class PeriodicRestart(_Counting):
    """Late bug: the momentum buffer restarts (b = g) every 32 steps."""

    def buffer(self, i, g, lr):
        if self.count[i] > 1 and self.count[i] % 32 == 1:
            self.bufs[i] = None
        return super().buffer(i, g, lr)


# ------------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Entry:
    """An implementation, the reference it claims, and (for faults) the bug it carries."""

    name: str
    factory: Callable
    reference: Reference
    bug: str = ""


def _entry(name, cls, ref, bug="", **hyper) -> Entry:
    factory = partial(cls, **hyper)
    factory.name = f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in hyper.items())})"
    return Entry(name, factory, ref, bug)


P = Reference.pytorch
CORRECT: tuple[Entry, ...] = (
    _entry("torchlike_plain", TorchLikeSGD, P(0.9), momentum=0.9),
    _entry("torchlike_all_knobs", TorchLikeSGD, P(0.9, 0.5, False, 0.1, True),
           momentum=0.9, dampening=0.5, weight_decay=0.1, maximize=True),
    _entry("torchlike_nesterov_wd", TorchLikeSGD, P(0.9, nesterov=True, weight_decay=0.1),
           momentum=0.9, nesterov=True, weight_decay=0.1),
    _entry("torchlike_no_momentum_wd", TorchLikeSGD, P(0.0, weight_decay=0.1), weight_decay=0.1),
    _entry("keras_opposite_sign_velocity", KerasLikeSGD, Reference.keras(0.9, weight_decay=0.1),
           momentum=0.9, weight_decay=0.1),
    _entry("keras_nesterov", KerasLikeSGD, Reference.keras(0.9, nesterov=True), momentum=0.9, nesterov=True),
    _entry("pytorch_lr_inside_exact_map", ReparametrisedSGD, P(0.9), momentum=0.9),
    _entry("ema", EmaSGD, Reference.ema(0.9), beta=0.9),
)

FAULTS: tuple[Entry, ...] = (
    _entry("dampening_on_first_step", DampeningOnFirstStep, P(0.9, 0.5),
           "dampening applied on the first step (b_1 = (1 - tau) g_1)", momentum=0.9, dampening=0.5),
    _entry("lr_inside_buffer", LrInsideBuffer, P(0.9),
           "lr folded into the buffer: only visible when the lr changes", momentum=0.9),
    _entry("lr_outside_velocity", LrOutsideVelocity, Reference.keras(0.9),
           "claims Keras but keeps the lr outside the velocity", momentum=0.9),
    _entry("weight_decay_after_momentum", WeightDecayAfterMomentum, P(0.9, weight_decay=0.1),
           "weight decay added after the momentum buffer", momentum=0.9, weight_decay=0.1),
    _entry("weight_decay_only_in_buffer", WeightDecayOnlyInBuffer, P(0.9, nesterov=True, weight_decay=0.1),
           "weight decay in the buffer but not in the Nesterov look-ahead", momentum=0.9, nesterov=True,
           weight_decay=0.1),
    _entry("weight_decay_skipped_without_momentum", WeightDecaySkippedWithoutMomentum, P(0.0, weight_decay=0.1),
           "weight decay skipped when momentum is 0", weight_decay=0.1),
    _entry("maximize_by_negating_lr", MaximizeByNegatingLr, P(0.9, weight_decay=0.1, maximize=True),
           "maximize done by negating the lr (flips the decay too)", momentum=0.9, weight_decay=0.1,
           maximize=True),
    _entry("nesterov_sign_error", NesterovSignError, P(0.9, nesterov=True),
           "Nesterov look-ahead g - mu b instead of g + mu b", momentum=0.9, nesterov=True),
    _entry("nesterov_stale_buffer", NesterovStaleBuffer, P(0.9, nesterov=True),
           "Nesterov look-ahead built from the previous buffer", momentum=0.9, nesterov=True),
    _entry("buffer_reset_on_lr_change", BufferResetOnLrChange, P(0.9),
           "momentum buffer reset whenever the lr changes", momentum=0.9),
    _entry("buffer_shared_between_parameters", BufferSharedBetweenParameters, P(0.9),
           "one buffer shared by parameters of the same shape", momentum=0.9),
    _entry("buffer_aliases_gradient", BufferAliasesGradient, P(0.9),
           "first buffer is the caller's gradient array (no copy)", momentum=0.9),
    _entry("gradient_modified_in_place", GradientModifiedInPlace, P(0.9, weight_decay=0.1),
           "weight decay added into the caller's gradient array", momentum=0.9, weight_decay=0.1),
    _entry("skipped_step_initialises_state", SkippedStepInitialisesState, P(0.9, 0.5),
           "a step without gradient creates a zero buffer (then damped)", momentum=0.9, dampening=0.5),
    _entry("missing_gradient_as_zero", MissingGradientAsZero, P(0.9),
           "a missing gradient is treated as zero (buffer decays, parameter moves)", momentum=0.9),
    _entry("lr_lags_from_step_ten", LrLagsFromStepTen, P(0.9),
           "late: from step 10 on the previous step's lr is used (schedule index off by one)", momentum=0.9),
    _entry("momentum_switch_at_fifty", MomentumSwitchAtFifty, P(0.9),
           "late: a momentum schedule switches to 0.99 at step 50", momentum=0.9),
    _entry("periodic_restart", PeriodicRestart, P(0.9),
           "late: the momentum buffer restarts every 32 steps", momentum=0.9),
)


def torch_faults() -> tuple[Entry, ...]:
    """Faults that need torch (imported here, not at module import)."""
    from optproof.proofs import adapters

    factory = adapters.torch(forgetful_sgd_class(), roundtrip=True, momentum=0.9)
    return (Entry("state_lost_in_state_dict_roundtrip", factory, P(0.9),
                  "momentum buffer kept outside optimizer.state: lost by a state_dict save/load"),)


def forgetful_sgd_class():
    """``torch.optim.SGD``'s rule with the buffers in a Python attribute instead of ``self.state``:
    ``state_dict()``/``load_state_dict()`` silently drop them and momentum restarts."""
    import torch

    class ForgetfulSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-3, momentum=0.0):
            super().__init__(params, {"lr": lr, "momentum": momentum})
            self._buffers: dict[int, torch.Tensor] = {}

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        buf = self._buffers.get(id(p))
                        buf = p.grad.clone() if buf is None else buf.mul_(group["momentum"]).add_(p.grad)
                        self._buffers[id(p)] = buf
                        p.add_(buf, alpha=-group["lr"])

    return ForgetfulSGD
