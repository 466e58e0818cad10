"""``LoaderSpec``: the semantics a data loader claims, written out as torch's samplers define them (C1).

A loader over ``n`` examples (indices ``0..n-1``), batch size ``B``, ``world_size`` ranks:

- **RandomSampler** (``shuffle=True``): each epoch a fresh uniform permutation of ``0..n-1``,
  independent of the previous epochs.  With ``replacement=True``: ``n`` i.i.d. uniform indices
  per epoch (the counts are multinomial).  **SequentialSampler** (``shuffle=False``): ``0..n-1``.
- **BatchSampler** (``batch_size=B``, ``drop_last``): cuts the sampler's stream into
  ``q = m // B`` batches of ``B`` and, unless ``drop_last``, one last batch of ``r = m mod B``
  (``m`` the stream length): ``optproof.mathcore.batching.epoch_batch_sizes(m, B, drop_last)``.
- **DistributedSampler** (``distributed="pad"`` is ``drop_last=False``, ``"drop"`` is
  ``drop_last=True``): all ranks draw the *same* permutation (seeded by ``seed + epoch``, hence
  ``set_epoch``); ``"pad"`` extends it cyclically to ``total = world_size·⌈n/world_size⌉``
  (the ``total − n`` duplicates repeat the first indices of the order), ``"drop"`` truncates it
  to ``total = world_size·⌊n/world_size⌋`` (when ``world_size`` does not divide ``n``); rank ``r``
  takes positions ``r, r + world_size, …``: each shard has ``total/world_size`` indices, the
  shards are disjoint except for the padding duplicates.
"""
from __future__ import annotations

from dataclasses import dataclass

from optproof.base.validation import check_choice, check_int
from optproof.mathcore.batching import epoch_batch_sizes

__all__ = ["LoaderSpec", "DISTRIBUTED_MODES"]

DISTRIBUTED_MODES = (None, "pad", "drop")


@dataclass(frozen=True)
class LoaderSpec:
    """The semantics the code under test claims (see the module docstring and docs/batches.md)."""

    shuffle: bool = True
    drop_last: bool = False
    replacement: bool = False
    distributed: str | None = None

    def __post_init__(self) -> None:
        for name in ("shuffle", "drop_last", "replacement"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False; got {getattr(self, name)!r}")
        check_choice("distributed", self.distributed, DISTRIBUTED_MODES)
        if self.replacement and not self.shuffle:
            raise ValueError("replacement=True needs shuffle=True (RandomSampler(replacement=True) draws at random)")
        if self.replacement and self.distributed:
            raise ValueError("replacement=True cannot be combined with distributed: DistributedSampler samples "
                             "without replacement")

    def describe(self) -> str:
        parts = [("shuffle" if self.shuffle else "sequential"), f"drop_last={self.drop_last}"]
        if self.replacement:
            parts.append("with replacement")
        if self.distributed:
            parts.append(f"distributed={self.distributed!r}")
        return ", ".join(parts)

    def check_world_size(self, world_size: int) -> int:
        """``world_size`` must be 1 unless the spec is distributed (then 1..64)."""
        return check_int("world_size", world_size, 1, 64 if self.distributed else 1)

    def shard_size(self, n: int, world_size: int) -> int:
        """Indices per rank and epoch: ``⌈n/w⌉`` (pad), ``⌊n/w⌋`` (drop), ``n`` (single process)."""
        n = check_int("n", n, 1)
        w = self.check_world_size(world_size)
        if self.distributed == "drop":
            return n // w
        return -(-n // w)

    def padding(self, n: int, world_size: int) -> int:
        """Duplicated indices per epoch: ``w·⌈n/w⌉ − n`` with ``"pad"``, else 0."""
        return self.shard_size(n, world_size) * world_size - n if self.distributed == "pad" else 0

    def batch_sizes(self, n: int, batch_size: int, world_size: int) -> list[int]:
        """One rank's batch sizes in one epoch (BatchSampler over the shard)."""
        m = self.shard_size(n, world_size)
        check_int("batch_size", batch_size, 1)
        return epoch_batch_sizes(m, batch_size, self.drop_last) if m else []

    def sequential_batches(self, n: int, batch_size: int, rank: int, world_size: int) -> list[list[int]]:
        """The exact batches of rank ``rank`` when ``shuffle=False`` (SequentialSampler / unshuffled DistributedSampler)."""
        total = self.shard_size(n, world_size) * world_size
        order = [k % n for k in range(total)]
        shard = order[check_int("rank", rank, 0, world_size - 1)::world_size]
        sizes = self.batch_sizes(n, batch_size, world_size)
        starts = [sum(sizes[:k]) for k in range(len(sizes))]
        return [shard[s:s + b] for s, b in zip(starts, sizes)]
