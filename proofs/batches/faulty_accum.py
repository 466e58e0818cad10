"""Accumulation ``train_step(model, loss_fn, micro_batches)`` functions for the catalogue.

The correct ones scale every micro-batch's *summed* loss by the global count (examples or counted
tokens, all-reduced across ranks); the faulty ones are the normalization errors seen in trainer
libraries.  Module-level functions, so the distributed checker's spawned ranks can unpickle them.
"""
from __future__ import annotations

__all__ = [
    "global_example_mean", "global_token_mean", "ddp_sum_over_global_count", "allreduce_sum_over_global_count",
    "mean_of_micro_means", "token_mean_per_micro_batch", "sum_of_micro_means", "count_divided_twice",
    "ddp_missing_world_size", "allreduce_rank_means", "no_allreduce",
]


def _count(mb, tokens: bool) -> int:
    return int((mb["target"] != -100).sum()) if tokens else int(mb["target"].shape[0])


def _is_tokens(micro_batches) -> bool:
    return micro_batches[0]["target"].dim() == 2 and not micro_batches[0]["target"].is_floating_point()


def _global_count(micro_batches) -> int:
    import torch
    import torch.distributed as dist

    total = torch.tensor([sum(_count(mb, _is_tokens(micro_batches)) for mb in micro_batches)], dtype=torch.int64)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(total)
    return int(total.item())


# ----------------------------------------------------------------------------- correct
def global_example_mean(model, loss_fn, micro_batches):
    """Sum of per-example losses over the global example count."""
    total = sum(_count(mb, False) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / total).backward()


def global_token_mean(model, loss_fn, micro_batches):
    """Sum of per-token losses over the global count of non-ignored tokens."""
    total = sum(_count(mb, True) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / total).backward()


def ddp_sum_over_global_count(model, loss_fn, micro_batches):
    """DDP averages over ranks, so each rank's sums are scaled by world_size / global count;
    ``no_sync`` until the last micro-batch."""
    import contextlib

    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    ddp, total, w = DDP(model), _global_count(micro_batches), dist.get_world_size()
    for k, mb in enumerate(micro_batches):
        ctx = ddp.no_sync() if k < len(micro_batches) - 1 else contextlib.nullcontext()
        with ctx:
            (loss_fn(ddp(mb["input"]), mb["target"], reduction="sum") * w / total).backward()


def allreduce_sum_over_global_count(model, loss_fn, micro_batches):
    """Manual all-reduce (SUM) of gradients of sums over the global count."""
    import torch.distributed as dist

    total = _global_count(micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / total).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)


# ----------------------------------------------------------------------------- faulty
def mean_of_micro_means(model, loss_fn, micro_batches):
    """``loss_fn(...)`` (a micro-batch mean) divided by the accumulation count: biased for uneven sizes."""
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"]) / len(micro_batches)).backward()


token_mean_per_micro_batch = mean_of_micro_means  # the same code on a token task: per-micro-batch token mean


def sum_of_micro_means(model, loss_fn, micro_batches):
    """Missing division by the accumulation count."""
    for mb in micro_batches:
        loss_fn(model(mb["input"]), mb["target"]).backward()


def count_divided_twice(model, loss_fn, micro_batches):
    """Normalized in the loss and again on the gradients."""
    total = sum(_count(mb, _is_tokens(micro_batches)) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / total).backward()
    for p in model.parameters():
        p.grad /= total


def ddp_missing_world_size(model, loss_fn, micro_batches):
    """DDP averages, but the loss is not scaled back by world_size: the gain is 1/world_size."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    ddp, total = DDP(model), _global_count(micro_batches)
    for mb in micro_batches:
        (loss_fn(ddp(mb["input"]), mb["target"], reduction="sum") / total).backward()


def allreduce_rank_means(model, loss_fn, micro_batches):
    """Each rank's own mean, then averaged over ranks: biased when ranks hold different counts."""
    import torch.distributed as dist

    local = sum(_count(mb, _is_tokens(micro_batches)) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / local).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= dist.get_world_size()


def no_allreduce(model, loss_fn, micro_batches):
    """Correct on one process, but the gradients are never all-reduced."""
    total = sum(_count(mb, _is_tokens(micro_batches)) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / total).backward()
