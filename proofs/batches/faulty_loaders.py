"""Loaders for the catalogue: the correct ones (must pass) and the faulty ones (must be caught).

Each ``make_*`` has the ``make_loader(dataset, batch_size, rank, world_size)`` signature of
``torch_loader``; the hand-written ones are plain ``batches(n, batch_size, n_epochs, rank,
world_size)`` functions.  torch is imported inside the functions.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "make_shuffled", "make_shuffled_drop_last", "make_distributed", "make_distributed_drop",
    "set_epoch", "numpy_loader", "make_unshuffled", "make_rank_seeded", "make_unsharded",
    "set_epoch_rank0_only", "numpy_same_seed_every_epoch", "shuffled_fixed_batches", "rotating_order",
    "cyclic_shuffle", "numpy_without_replacement", "numpy_with_replacement", "every_other_epoch",
]


def _cut(order, batch_size: int) -> list:
    """An epoch's order cut into consecutive batches (the last one short)."""
    return [order[k:k + batch_size] for k in range(0, len(order), batch_size)]


# ----------------------------------------------------------------------------- torch, correct
def make_shuffled(dataset, batch_size, rank, world_size):
    """``DataLoader(shuffle=True)``: RandomSampler + BatchSampler."""
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=True)


def make_shuffled_drop_last(dataset, batch_size, rank, world_size):
    """``DataLoader(shuffle=True, drop_last=True)``."""
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)


def make_distributed(dataset, batch_size, rank, world_size):
    """``DistributedSampler`` (padding) under a DataLoader: correct with ``on_epoch=set_epoch``."""
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def make_distributed_drop(dataset, batch_size, rank, world_size):
    """``DistributedSampler(drop_last=True)``: the ``"drop"`` semantics."""
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, drop_last=True)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def set_epoch(loader, epoch):
    """The training loop's hook: ``loader.sampler.set_epoch(epoch)``."""
    loader.sampler.set_epoch(epoch)


def numpy_loader(n, batch_size, n_epochs, rank, world_size):
    """A hand-written NumPy loader: one generator, a fresh permutation per epoch."""
    rng = np.random.default_rng(1234)
    for _ in range(n_epochs):
        order = rng.permutation(n)
        yield _cut(order, batch_size)


def numpy_with_replacement(n, batch_size, n_epochs, rank, world_size):
    """Hand-written sampling with replacement: ``n`` i.i.d. uniform draws per epoch."""
    rng = np.random.default_rng(99)
    for _ in range(n_epochs):
        draws = rng.integers(0, n, n)
        yield _cut(draws, batch_size)


# ----------------------------------------------------------------------------- faulty
def make_unshuffled(dataset, batch_size, rank, world_size):
    """``DataLoader(shuffle=False)`` where a shuffling loader is claimed."""
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=False)


def make_rank_seeded(dataset, batch_size, rank, world_size):
    """``DistributedSampler(seed=rank)``: every rank shuffles differently, the shards overlap."""
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, seed=rank)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def make_unsharded(dataset, batch_size, rank, world_size):
    """Forgot the DistributedSampler: every rank iterates the whole data set."""
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=True)


def set_epoch_rank0_only(loader, epoch):
    """``set_epoch`` guarded by ``if rank == 0`` (the logging guard swallowed it)."""
    if loader.sampler.rank == 0:
        loader.sampler.set_epoch(epoch)


def numpy_same_seed_every_epoch(n, batch_size, n_epochs, rank, world_size):
    """The generator is re-created (same seed) inside the epoch loop."""
    for _ in range(n_epochs):
        order = np.random.default_rng(0).permutation(n)
        yield _cut(order, batch_size)


def every_other_epoch(n, batch_size, n_epochs, rank, world_size):
    """Reshuffles only on even epochs (a cache of the order that is refreshed too rarely)."""
    rng = np.random.default_rng(5)
    order = rng.permutation(n)
    for e in range(n_epochs):
        if e % 2 == 0:
            order = rng.permutation(n)
        yield _cut(order, batch_size)


def shuffled_fixed_batches(n, batch_size, n_epochs, rank, world_size):
    """Shuffles the order of fixed batches and the order inside each, never their membership."""
    rng = np.random.default_rng(7)
    fixed = [np.arange(k, min(k + batch_size, n)) for k in range(0, n, batch_size)]
    full, short = (fixed[:-1], fixed[-1:]) if n % batch_size else (fixed, [])
    for _ in range(n_epochs):
        yield [rng.permutation(full[k]) for k in rng.permutation(len(full))] + [rng.permutation(b) for b in short]


def rotating_order(n, batch_size, n_epochs, rank, world_size):
    """One random order, rotated by one place per epoch: every epoch differs, none is independent."""
    base = np.random.default_rng(3).permutation(n)
    for e in range(n_epochs):
        order = np.roll(base, e)
        yield _cut(order, batch_size)


def cyclic_shuffle(n, batch_size, n_epochs, rank, world_size):
    """Sattolo's algorithm where Fisher–Yates was meant: only cyclic permutations, no fixed point."""
    rng = np.random.default_rng(11)
    for _ in range(n_epochs):
        order = np.arange(n)
        for i in range(n - 1, 0, -1):
            j = int(rng.integers(0, i))  # Fisher–Yates draws from 0..i inclusive
            order[i], order[j] = order[j], order[i]
        yield _cut(order, batch_size)


def numpy_without_replacement(n, batch_size, n_epochs, rank, world_size):
    """A permutation per epoch where sampling with replacement is claimed."""
    yield from numpy_loader(n, batch_size, n_epochs, rank, world_size)
