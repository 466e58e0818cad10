"""torch side of the accumulation checker: the model, ``loss_fn`` and micro-batches handed to the
user's ``train_step(model, loss_fn, micro_batches)``, in float64 (torch imported lazily).

``loss_fn(output, target, reduction="mean")`` follows torch: ``mse_loss`` for the regression
task (target shape ``(b, 1)``), ``cross_entropy(..., ignore_index=-100)`` over the flattened
tokens for the token task.  After ``train_step`` returns, ``p.grad`` of every parameter (weight,
then bias) is the accumulated gradient the checker compares.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from optproof.proofs.batches.accumulation_case import IGNORE, VOCAB, AccumulationCase

__all__ = ["build_model", "loss_function", "torch_micro_batches", "TorchAccumulationStep", "wrap_train_step"]


def build_model(case: AccumulationCase):
    """``torch.nn.Linear`` (2 → 1 or 2 → 4) in float64, at the case's starting parameters."""
    import torch

    w, b = case.initial_params()
    model = torch.nn.Linear(2, w.shape[0], dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(w))
        model.bias.copy_(torch.from_numpy(b))
    return model


def loss_function(case: AccumulationCase) -> Callable:
    """torch's loss for the task, with torch's ``reduction`` argument."""
    import torch.nn.functional as F

    if case.task == "regression":
        def loss_fn(output, target, reduction="mean"):
            return F.mse_loss(output, target, reduction=reduction)
    else:
        def loss_fn(output, target, reduction="mean"):
            return F.cross_entropy(output.reshape(-1, VOCAB), target.reshape(-1), ignore_index=IGNORE,
                                   reduction=reduction)
    return loss_fn


def torch_micro_batches(case: AccumulationCase) -> list[dict]:
    """Each micro-batch as ``{"input": float64 tensor, "target": tensor}`` (int64 targets for tokens)."""
    import torch

    return [{"input": torch.from_numpy(mb.input.copy()), "target": torch.from_numpy(mb.target.copy())}
            for mb in case.micro_batches]


class TorchAccumulationStep:
    """``step(case) -> [grad_W, grad_b]``: the user's ``train_step`` on a fresh model (picklable when
    ``train_step`` is a module-level function, as the distributed checker's spawned ranks need)."""

    def __init__(self, train_step: Callable) -> None:
        if not callable(train_step):
            raise TypeError(f"train_step must be callable as train_step(model, loss_fn, micro_batches); "
                            f"got {type(train_step).__name__}")
        self.train_step = train_step
        self.name = f"torch_accumulation({getattr(train_step, '__qualname__', train_step)})"

    def __call__(self, case: AccumulationCase) -> list[np.ndarray]:
        model = build_model(case)
        self.train_step(model, loss_function(case), torch_micro_batches(case))
        grads = []
        for name, p in model.named_parameters():
            if p.grad is None:
                raise ValueError(f"train_step left {name}.grad empty: was backward() called?")
            grads.append(p.grad.detach().cpu().numpy().copy())
        return grads


def wrap_train_step(train_step: Callable) -> TorchAccumulationStep:
    """The plain-protocol step of ``check_accumulation`` for a torch ``train_step``."""
    return TorchAccumulationStep(train_step)
