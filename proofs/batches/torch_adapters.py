"""Adapters from torch training code to the checkers' plain protocols (torch imported lazily).

    torch_loader(make_loader, on_epoch=None)  ->  batches(n, batch_size, n_epochs, rank, world_size)
    torch_accumulation(train_step)            ->  step(case) for check_accumulation

``make_loader(dataset, batch_size, rank, world_size)`` is the user's code building a
``torch.utils.data.DataLoader`` (or any re-iterable of index batches, or a zero-argument callable
returning one epoch's iterable, e.g. a NumPy generator function) over the checker's
``IndexDataset`` (item ``i`` is the integer ``i``).  ``on_epoch(loader, epoch)`` runs before each
epoch's iteration, exactly where a training loop calls ``loader.sampler.set_epoch(epoch)``.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["IndexDataset", "torch_loader", "torch_accumulation"]


class IndexDataset:
    """Map-style dataset of ``n`` items whose item ``i`` is the index ``i`` (no torch needed)."""

    def __init__(self, n: int) -> None:
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if not -self.n <= i < self.n:
            raise IndexError(f"index {i} out of range for {self.n} examples")
        return int(i) % self.n


def _epoch_iterable(loader):
    if callable(loader) and not hasattr(loader, "__iter__"):
        return loader()
    return loader


def torch_loader(make_loader: Callable, on_epoch: Callable | None = None) -> Callable:
    """``batches`` for ``check_loader`` from the user's loader factory and per-epoch hook."""
    if not callable(make_loader):
        raise TypeError(f"make_loader must be callable as make_loader(dataset, batch_size, rank, world_size); "
                        f"got {type(make_loader).__name__}")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be None or callable as on_epoch(loader, epoch); got {type(on_epoch).__name__}")

    def batches(n: int, batch_size: int, n_epochs: int, rank: int, world_size: int) -> list:
        loader = make_loader(IndexDataset(n), batch_size, rank, world_size)
        epochs = []
        for epoch in range(n_epochs):
            if on_epoch is not None:
                on_epoch(loader, epoch)
            epochs.append([b.tolist() if hasattr(b, "tolist") else list(b) for b in _epoch_iterable(loader)])
        return epochs

    hook = f", on_epoch={getattr(on_epoch, '__qualname__', on_epoch)}" if on_epoch is not None else ""
    batches.name = f"torch_loader({getattr(make_loader, '__qualname__', make_loader)}{hook})"
    return batches


def torch_accumulation(train_step: Callable) -> Callable:
    """``step(case)`` for ``check_accumulation`` from ``train_step(model, loss_fn, micro_batches)``."""
    from optproof.proofs.batches.accumulation_torch import wrap_train_step

    return wrap_train_step(train_step)
