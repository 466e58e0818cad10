"""The exact properties of a loader (C1): each returns ``None`` or a one-line reason.

For one case ``(n, B, world_size, n_epochs)`` and the epochs every rank served:

1. every rank serves ``n_epochs`` epochs, every index lies in ``0..n-1``;
2. batch sizes and counts: each rank's epoch is ``epoch_batch_sizes(shard, B, drop_last)``
   (``shard = spec.shard_size(n, world_size)``), so the shards have equal size;
3. coverage (without replacement): over all ranks, each example exactly once per epoch; with
   ``"pad"`` the multiset holds exactly ``spec.padding`` duplicates (each example at most twice);
   with ``drop_last`` or ``"drop"`` no example twice.  A duplicate across ranks means the ranks'
   shards overlap: different epochs (``set_epoch``) or missing ``rank`` / ``num_replicas``;
4. ``shuffle=False``: the exact sequential batches of torch's samplers.

None of these is random, so they never raise a false alarm.
"""
from __future__ import annotations

from collections import Counter

from optproof.proofs.batches.collect import Epochs
from optproof.proofs.batches.spec import LoaderSpec

__all__ = ["case_label", "exact_failure"]


def case_label(n: int, batch_size: int, world_size: int, n_epochs: int | None = None) -> str:
    tail = f", {n_epochs} epochs" if n_epochs is not None else ""
    return f"(n={n}, B={batch_size}, world_size={world_size}{tail})"


def _epoch_counts(ranks: list[Epochs], n: int, n_epochs: int, label: str) -> str | None:
    for r, epochs in enumerate(ranks):
        if len(epochs) != n_epochs:
            return f"rank {r} serves {len(epochs)} epochs, {n_epochs} were asked for {label}"
        for e, epoch in enumerate(epochs):
            bad = [i for b in epoch for i in b if not 0 <= i < n]
            if bad:
                return f"epoch {e + 1}, rank {r} serves index {bad[0]} outside 0..{n - 1} {label}"
    return None


def _size_hint(spec: LoaderSpec, got: list[int], want: list[int]) -> str:
    if spec.drop_last and got[:len(want)] == want and len(got) == len(want) + 1:
        return ": is drop_last=True passed to the DataLoader?"
    if not spec.drop_last and want[:len(got)] == got and len(got) == len(want) - 1:
        return ": the short last batch is dropped although drop_last=False"
    if sum(got) != sum(want):
        return f": {sum(got)} indices per rank, the shard has {sum(want)}; is the sampler sharded as claimed?"
    return ": is batch_size passed on?"


def _batch_sizes(spec: LoaderSpec, ranks: list[Epochs], n: int, B: int, label: str) -> str | None:
    want = spec.batch_sizes(n, B, len(ranks))
    for e in range(len(ranks[0])):
        for r, epochs in enumerate(ranks):
            got = [len(b) for b in epochs[e]]
            if got != want:
                hint = _size_hint(spec, got, want)
                return f"epoch {e + 1}, rank {r}: batch sizes {got}, expected {want} ({spec.describe()}) {label}{hint}"
    return None


def _owners(ranks: list[Epochs], e: int, i: int) -> list[int]:
    return [r for r, epochs in enumerate(ranks) if any(i in b for b in epochs[e])]


def _coverage(spec: LoaderSpec, ranks: list[Epochs], n: int, label: str) -> str | None:
    w = len(ranks)
    dup_allowed = spec.padding(n, w)
    complete = not spec.drop_last and spec.shard_size(n, w) * w >= n  # nothing dropped or truncated
    for e in range(len(ranks[0])):
        counts = Counter(i for epochs in ranks for b in epochs[e] for i in b)
        extra = {i: c for i, c in counts.items() if c > 1}
        too_many = [i for i, c in extra.items() if c > (2 if dup_allowed else 1)]
        n_dup = sum(c - 1 for c in extra.values())
        if too_many or n_dup > dup_allowed:
            i = too_many[0] if too_many else min(extra)
            owners = _owners(ranks, e, i)
            if len(owners) > 1:
                return (f"epoch {e + 1}: example {i} is served by ranks {', '.join(map(str, owners))} {label}: "
                        f"the shards overlap; do all ranks call set_epoch with the same epoch and pass rank/num_replicas?")
            return f"epoch {e + 1} serves example {i} {counts[i]} times on rank {owners[0]} {label}"
        missing = [i for i in range(n) if i not in counts]
        if complete and missing:
            return f"epoch {e + 1} never serves example {missing[0]} ({len(missing)} of {n} missing) {label}"
        if complete and n_dup != dup_allowed:
            return f"epoch {e + 1} repeats {n_dup} examples, the padding of {spec.distributed!r} repeats {dup_allowed} {label}"
    return None


def _sequential(spec: LoaderSpec, ranks: list[Epochs], n: int, B: int, label: str) -> str | None:
    w = len(ranks)
    for r, epochs in enumerate(ranks):
        want = spec.sequential_batches(n, B, r, w)
        for e, epoch in enumerate(epochs):
            if epoch != want:
                return f"epoch {e + 1}, rank {r} serves {epoch}, not the sequential order {want} {label}"
    return None


def exact_failure(spec: LoaderSpec, ranks: list[Epochs], n: int, batch_size: int, n_epochs: int) -> str | None:
    """The first exact property the served epochs violate, as a readable reason, else ``None``."""
    label = case_label(n, batch_size, len(ranks), n_epochs)
    reason = _epoch_counts(ranks, n, n_epochs, label) or _batch_sizes(spec, ranks, n, batch_size, label)
    if reason or n_epochs == 0:
        return reason
    if not spec.replacement:
        reason = _coverage(spec, ranks, n, label)
    if reason is None and not spec.shuffle:
        reason = _sequential(spec, ranks, n, batch_size, label)
    return reason
