"""Run the user's ``batches(n, batch_size, n_epochs, rank, world_size)`` and normalise what it serves.

Before each call the global RNGs (Python's ``random``, NumPy's legacy global RNG and torch's, when
torch is already imported) are seeded with the check's ``seed``: every call behaves like a fresh
training process of one rank that seeds at start-up, so a check is a deterministic function of
``(batches, spec, seed)``.  Epochs and batches may be lists, tuples, generators, NumPy arrays or
torch tensors; each index must be an integer.
"""
from __future__ import annotations

import random
import sys
from typing import Callable, Iterable

import numpy as np

__all__ = ["Epochs", "LoaderOutputError", "seed_everything", "collect", "collect_ranks"]

Epochs = list[list[list[int]]]  # epoch -> batch -> example indices


class LoaderOutputError(ValueError):
    """The loader served something that is not a sequence of epochs of batches of integer indices."""


def seed_everything(seed: int) -> None:
    """Seed the global RNGs a training script would seed; torch only when it is already imported."""
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _indices(batch, where: str) -> list[int]:
    if hasattr(batch, "tolist"):  # numpy arrays, torch tensors
        batch = batch.tolist()
    if isinstance(batch, (int, np.integer)):
        batch = [batch]
    out = []
    for x in batch:
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
            raise LoaderOutputError(f"{where} holds {x!r}; every index must be an integer")
        out.append(int(x))
    return out


def collect(batches: Callable, n: int, batch_size: int, n_epochs: int, rank: int, world_size: int,
            seed: int) -> Epochs:
    """One rank's epochs, as lists of lists of ints."""
    seed_everything(seed)
    served = batches(n, batch_size, n_epochs, rank, world_size)
    if not isinstance(served, Iterable):
        raise LoaderOutputError(f"batches(...) returned {type(served).__name__}; expected one sequence of batches per epoch")
    epochs: Epochs = []
    for e, epoch in enumerate(served):
        if len(epochs) > n_epochs:  # an endless generator: stop reading
            break
        epochs.append([_indices(b, f"epoch {e + 1}, rank {rank}, batch {k + 1}") for k, b in enumerate(epoch)])
    return epochs


def collect_ranks(batches: Callable, n: int, batch_size: int, n_epochs: int, world_size: int,
                  seed: int) -> list[Epochs]:
    """``[collect(rank=r) for r in range(world_size)]``, each rank freshly seeded."""
    return [collect(batches, n, batch_size, n_epochs, r, world_size, seed) for r in range(world_size)]
