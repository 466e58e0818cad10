"""Correct ``torch.optim`` SGD-momentum designs that keep their state in unusual places (issue 11, item 3).

Both implement ``Reference.pytorch(momentum, dampening)`` exactly -- ``b_1 = g_1`` per parameter at
its own first gradient, ``b = mu b + (1 - tau) g`` after, a parameter without gradient untouched --
and must pass the checker, which judges state by behaviour, not by where it is stored:

- ``flat_vector_sgd_class()``: one flat buffer for the whole group (all parameters concatenated),
  stored in ``self.state`` under the group's *first* parameter, with a per-parameter "started"
  mask -- so the first parameter has state before its own first gradient;
- ``group_buffer_sgd_class()``: the buffers live in the param group itself (``group["buffers"]``,
  a list indexed like ``group["params"]``), which ``state_dict()`` saves with the group.

torch is imported when a class is built, never at module import.
"""
from __future__ import annotations

from optproof.proofs.conformance.reference import Reference

__all__ = ["flat_vector_sgd_class", "group_buffer_sgd_class", "torch_correct"]


def _momentum_update(torch, buf, g, started: bool, mu: float, tau: float):
    """``b_1 = g``; ``b = mu b + (1 - tau) g`` (in place into ``buf``)."""
    if not started:
        buf.copy_(g)
    else:
        buf.mul_(mu).add_(g, alpha=1 - tau)
    return buf


def flat_vector_sgd_class():
    """SGD with momentum whose buffer is one flat vector per group, kept under the group's first parameter."""
    import torch

    class FlatVectorSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0):
            super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening})

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                ps = group["params"]
                state = self.state[ps[0]]
                if "flat" not in state:
                    state["flat"] = torch.zeros(sum(p.numel() for p in ps), dtype=ps[0].dtype)
                    state["started"] = torch.zeros(len(ps), dtype=torch.bool)
                offset = 0
                for i, p in enumerate(ps):
                    n = p.numel()
                    if p.grad is not None:
                        g = p.grad.reshape(-1)
                        if group["momentum"]:
                            seg = state["flat"][offset:offset + n]
                            g = _momentum_update(torch, seg, g, bool(state["started"][i]),
                                                 group["momentum"], group["dampening"])
                            state["started"][i] = True
                        p.add_(g.reshape(p.shape), alpha=-group["lr"])
                    offset += n

    return FlatVectorSGD


def group_buffer_sgd_class():
    """SGD with momentum whose buffers are a list in the param group (``group["buffers"]``)."""
    import torch

    class GroupBufferSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0):
            super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening})

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                bufs = group.setdefault("buffers", [None] * len(group["params"]))
                for i, p in enumerate(group["params"]):
                    if p.grad is None:
                        continue
                    g = p.grad
                    if group["momentum"]:
                        started = bufs[i] is not None
                        bufs[i] = bufs[i] if started else torch.empty_like(p)
                        g = _momentum_update(torch, bufs[i], g, started, group["momentum"], group["dampening"])
                    p.add_(g, alpha=-group["lr"])

    return GroupBufferSGD


def torch_correct():
    """``faulty.Entry``s of both designs, plain and with a ``state_dict`` round trip after every step."""
    from optproof.proofs import adapters
    from optproof.proofs.faulty import Entry

    ref = Reference.pytorch(0.9, 0.5)
    return tuple(Entry(f"{name}{' roundtrip' if rt else ''}",
                       adapters.torch(build(), roundtrip=rt, momentum=0.9, dampening=0.5), ref)
                 for name, build in (("flat_vector", flat_vector_sgd_class), ("group_buffer", group_buffer_sgd_class))
                 for rt in (False, True))
