"""Mini-batch samplers with data-loader semantics (claim C1).

An epoch is an index sequence ``order`` of length N cut into consecutive slices of size B
(PyTorch ``DataLoader(sampler=..., batch_size=B, drop_last=...)`` semantics):

- ``"reshuffle"``: ``order`` is a fresh uniform permutation each epoch (Fisher–Yates on the
  counter-based RNG, starting from 0..N−1 every epoch, so each epoch is random-access);
- ``"replacement"``: ``order`` is N i.i.d. uniform indices (like ``RandomSampler(replacement=True)``),
  so every batch holds i.i.d. uniform indices, independent of every other batch: a fresh
  with-replacement batch every step (of size B, except the short last batch of an epoch when
  B does not divide N and ``drop_last=False``);
- ``"fixed"``: ``order`` = 0..N−1 every epoch;
- ``"fresh"``: every step an independent uniform B-subset (B distinct indices, no epoch
  structure): a partial Fisher–Yates of B draws on 0..N−1, keyed by the step (``fresh_batch``).
  Every batch has exactly B examples; an "epoch" is only a unit of S steps (for ``every="epoch"``).

Steps per epoch S = ceil(N/B) with ``drop_last=False`` (the last batch has N − (S−1)B examples)
and floor(N/B) with ``drop_last=True`` (the short tail is dropped) — for all kinds ("fresh" batches
are never short).  ``batch_indices`` gives the exact batch of any (seed, trajectory, step).  The ``Sampler`` spec
and its kind codes live in ``optproof.base.specs``; this module holds the kernels that draw.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from optproof.base.specs import SAMPLER_KINDS, Sampler, check_n
from optproof.base.validation import check_int
from .rng import SAMPLER_STREAM, counter_of, draw_u64, half32, stream_key, uniform_int32

RESHUFFLE, REPLACEMENT, FIXED, FRESH = (SAMPLER_KINDS[k] for k in ("reshuffle", "replacement", "fixed", "fresh"))


@njit(cache=True)
def steps_per_epoch(n, b, drop_last):
    """S = n // b if drop_last else ceil(n / b)."""
    return n // b if drop_last else (n + b - 1) // b


@njit(cache=True)
def epoch_words(key, epoch, words):
    """words[w] = draw_u64(key, counter_of(epoch, w)), w < len(words): the epoch's random words.

    A pure function of (key, epoch, w) in a loop without branches or carried state, which LLVM's
    loop vectoriser turns into vector code (the 64-bit multiplies of ``mix64`` in SIMD lanes)."""
    for w in range(words.shape[0]):
        words[w] = draw_u64(key, counter_of(epoch, w))


@njit(cache=True)
def fill_order(kind, key, epoch, order, words):
    """Write epoch ``epoch``'s index sequence into ``order`` (length N) from stream ``key``.

    Draw q of the epoch is uniform_int32(half32(u, q), n, u), u = word q >> 1 of the epoch,
    counter (epoch << 32) | (q >> 1): two draws per 64-bit word.  Reshuffle: for j = N−1..1,
    draw q = N−1−j, swap order[j] with order[r], r uniform in [0, j] (Fisher–Yates);
    replacement: order[q] uniform in [0, N) (draw q); fixed (and fresh): the identity.
    ``words`` (uint64, length ≥ ⌈N/2⌉) is scratch: the words are generated first (``epoch_words``,
    vectorised), then consumed by the sequential loop — the same numbers as drawing them one by one.
    """
    n = order.shape[0]
    if kind == FRESH:  # the identity, which fresh_batch permutes partially and undo_fresh restores
        kind = FIXED
    if kind == REPLACEMENT or kind == RESHUFFLE:
        epoch_words(key, epoch, words[: (n + 1) // 2])
    if kind == REPLACEMENT:
        for q in range(n):
            u = words[q >> 1]
            order[q] = uniform_int32(half32(u, q), n, u)
        return
    for j in range(n):
        order[j] = j
    if kind == RESHUFFLE:
        for q in range(n - 1):
            u = words[q >> 1]
            j = n - 1 - q
            r = uniform_int32(half32(u, q), j + 1, u)
            tmp = order[j]
            order[j] = order[r]
            order[r] = tmp


@njit(cache=True)
def fresh_batch(key, block, order, b, swaps):
    """Partial Fisher–Yates: make order[N−b:N] a uniform b-subset (in draw-reversed order).

    ``order`` must hold the identity (see ``undo_fresh``).  Draw q = 0..b−1 of block ``block``
    (the step index t − 1) is laid out as in ``fill_order``: r = uniform_int32(half32(u, q), j + 1, u)
    with j = N−1−q, u = word q >> 1 of the block; order[j] and order[r] are swapped and r is kept
    in ``swaps[q]``.  The batch is order[N−b], …, order[N−1] (order[N−1] is the first draw).
    """
    n = order.shape[0]
    u = np.uint64(0)
    for q in range(b):
        if q & 1 == 0:
            u = draw_u64(key, counter_of(block, q >> 1))
        j = n - 1 - q
        r = uniform_int32(half32(u, q), j + 1, u)
        swaps[q] = r
        tmp = order[j]
        order[j] = order[r]
        order[r] = tmp


@njit(cache=True)
def undo_fresh(order, b, swaps):
    """Undo ``fresh_batch``'s swaps in reverse order: ``order`` is the identity again (O(b))."""
    n = order.shape[0]
    for q in range(b - 1, -1, -1):
        j = n - 1 - q
        r = swaps[q]
        tmp = order[j]
        order[j] = order[r]
        order[r] = tmp


def _stream(sampler: Sampler, n: int, seed: int, traj: int) -> tuple[int, np.uint64]:
    n = check_n(n, sampler.batch_size)
    seed = check_int("seed", seed, 0, 2**64 - 1)
    traj = check_int("traj", traj, 0, 2**63 - 1)
    return n, np.uint64(stream_key(np.uint64(seed), traj, SAMPLER_STREAM))  # Numba returns uint64 as a Python int


def batch_indices(sampler: Sampler, n: int, seed: int, traj: int, step: int) -> np.ndarray:
    """The mini-batch (indices in summation order) the simulator uses at step ``step`` ≥ 1 of ``traj``.

    Step t is step s = (t−1) mod S of epoch e = (t−1) // S, as in ``SimResult.steps``.
    """
    step = check_int("step", step, 1, 2**31 - 1)
    if sampler.kind != "fresh":
        e, s = divmod(step - 1, sampler.steps_per_epoch(n))
        b = sampler.batch_size
        return epoch_order(sampler, n, seed, traj, e)[s * b : min(s * b + b, n)]
    n, key = _stream(sampler, n, seed, traj)
    order = np.arange(n, dtype=np.int64)
    fresh_batch(key, step - 1, order, sampler.batch_size, np.empty(sampler.batch_size, dtype=np.int64))
    return order[n - sampler.batch_size :].copy()


def epoch_order(sampler: Sampler, n: int, seed: int, traj: int, epoch: int) -> np.ndarray:
    """The length-N index sequence the simulator uses in ``epoch`` of trajectory ``traj``.

    For "fresh" (no epoch permutation) it is the concatenation of the epoch's S batches (length S·B).
    """
    epoch = check_int("epoch", epoch, 0, 2**31 - 1)
    if sampler.kind == "fresh":
        return np.concatenate(epoch_batches(sampler, n, seed, traj, epoch))
    n, key = _stream(sampler, n, seed, traj)
    order = np.empty(n, dtype=np.int64)
    fill_order(sampler.code, key, epoch, order, np.empty((n + 1) // 2, dtype=np.uint64))
    return order


def epoch_batches(sampler: Sampler, n: int, seed: int, traj: int, epoch: int) -> list[np.ndarray]:
    """The S index arrays (mini-batches, in step order) of ``epoch`` of trajectory ``traj``."""
    epoch = check_int("epoch", epoch, 0, 2**31 - 1)
    S = sampler.steps_per_epoch(n)
    if sampler.kind == "fresh":
        return [batch_indices(sampler, n, seed, traj, epoch * S + s + 1) for s in range(S)]
    order = epoch_order(sampler, n, seed, traj, epoch)
    b = sampler.batch_size
    return [order[s * b : min(s * b + b, n)] for s in range(S)]
