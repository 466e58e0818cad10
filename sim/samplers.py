"""Mini-batch samplers with data-loader semantics (claim C1).

An epoch is an index sequence ``order`` of length N cut into consecutive slices of size B
(PyTorch ``DataLoader(sampler=..., batch_size=B, drop_last=...)`` semantics):

- ``"reshuffle"``: ``order`` is a fresh uniform permutation each epoch (Fisher–Yates on the
  counter-based RNG, starting from 0..N−1 every epoch, so each epoch is random-access);
- ``"replacement"``: ``order`` is N i.i.d. uniform indices (like ``RandomSampler(replacement=True)``),
  so every batch holds i.i.d. uniform indices;
- ``"fixed"``: ``order`` = 0..N−1 every epoch.

Steps per epoch S = ceil(N/B) with ``drop_last=False`` (the last batch has N − (S−1)B examples)
and floor(N/B) with ``drop_last=True`` (the short tail is dropped) — for all three kinds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mathcore.validation import check_choice, check_int
from .rng import SAMPLER_STREAM, counter_of, draw_u64, half32, stream_key, uniform_int32

RESHUFFLE, REPLACEMENT, FIXED = 0, 1, 2
SAMPLER_KINDS = {"reshuffle": RESHUFFLE, "replacement": REPLACEMENT, "fixed": FIXED}
MAX_N = 1 << 31  # < 2^32: bounded draws use 32-bit halves


@dataclass(frozen=True)
class Sampler:
    """How mini-batches are drawn: ``kind`` in SAMPLER_KINDS, ``batch_size`` B ≥ 1, ``drop_last``."""

    kind: str = "reshuffle"
    batch_size: int = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        check_choice("sampler", self.kind, tuple(SAMPLER_KINDS))
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, 1, MAX_N))
        check_choice("drop_last", self.drop_last, (False, True))
        object.__setattr__(self, "drop_last", bool(self.drop_last))

    @property
    def code(self) -> int:
        return SAMPLER_KINDS[self.kind]

    def steps_per_epoch(self, n: int) -> int:
        """S = floor(N/B) if drop_last else ceil(N/B)."""
        return steps_per_epoch(check_n(n, self.batch_size), self.batch_size, self.drop_last)

    def batch_sizes(self, n: int) -> np.ndarray:
        """Sizes of the S batches of one epoch (all B except possibly the last)."""
        s = self.steps_per_epoch(n)
        return np.minimum(n - self.batch_size * np.arange(s), self.batch_size).astype(np.int64)


def check_n(n: int, batch_size: int) -> int:
    """Validate the data-set size N and that ``batch_size`` lies in [1, N]."""
    n = check_int("N", n, 1, MAX_N)
    check_int("batch_size", batch_size, 1, n)
    return n


@njit(cache=True)
def steps_per_epoch(n, b, drop_last):
    """S = n // b if drop_last else ceil(n / b)."""
    return n // b if drop_last else (n + b - 1) // b


@njit(cache=True)
def fill_order(kind, key, epoch, order):
    """Write epoch ``epoch``'s index sequence into ``order`` (length N) from stream ``key``.

    Draw q of the epoch is uniform_int32(half32(u, q), n, u), u = word q >> 1 of the epoch,
    counter (epoch << 32) | (q >> 1): two draws per 64-bit word.  Reshuffle: for j = N−1..1,
    draw q = N−1−j, swap order[j] with order[r], r uniform in [0, j] (Fisher–Yates);
    replacement: order[q] uniform in [0, N) (draw q).
    """
    n = order.shape[0]
    if kind == REPLACEMENT:
        u = np.uint64(0)
        for q in range(n):
            if q & 1 == 0:
                u = draw_u64(key, counter_of(epoch, q >> 1))
            order[q] = uniform_int32(half32(u, q), n, u)
        return
    for j in range(n):
        order[j] = j
    if kind == RESHUFFLE:
        u = np.uint64(0)
        for q in range(n - 1):
            if q & 1 == 0:
                u = draw_u64(key, counter_of(epoch, q >> 1))
            j = n - 1 - q
            r = uniform_int32(half32(u, q), j + 1, u)
            tmp = order[j]
            order[j] = order[r]
            order[r] = tmp


def epoch_order(sampler: Sampler, n: int, seed: int, traj: int, epoch: int) -> np.ndarray:
    """The length-N index sequence the simulator uses in ``epoch`` of trajectory ``traj``."""
    n = check_n(n, sampler.batch_size)
    seed = check_int("seed", seed, 0, 2**64 - 1)
    traj = check_int("traj", traj, 0, 2**63 - 1)
    epoch = check_int("epoch", epoch, 0, 2**31 - 1)
    order = np.empty(n, dtype=np.int64)
    key = np.uint64(stream_key(np.uint64(seed), traj, SAMPLER_STREAM))  # Numba returns uint64 as a Python int
    fill_order(sampler.code, key, epoch, order)
    return order


def epoch_batches(sampler: Sampler, n: int, seed: int, traj: int, epoch: int) -> list[np.ndarray]:
    """The S index arrays (mini-batches, in step order) of ``epoch`` of trajectory ``traj``."""
    order = epoch_order(sampler, n, seed, traj, epoch)
    b = sampler.batch_size
    return [order[s * b : min(s * b + b, n)] for s in range(sampler.steps_per_epoch(n))]
