"""The catalogue of loaders and accumulators: the correct ones must pass, the faulty ones be caught.

``LOADERS`` / ``ACCUMULATORS`` list ``Entry`` records; ``entry.run(**options)`` runs the checker
on it and returns the result.  docs/batches.md quotes each faulty entry's counterexample, as
printed by ``python -m optproof.proofs.batches.faulty``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from optproof.proofs.batches import faulty_accum as fa
from optproof.proofs.batches import faulty_loaders as fl
from optproof.proofs.batches.spec import LoaderSpec

__all__ = ["Entry", "LOADERS", "ACCUMULATORS", "entries", "main"]


@dataclass(frozen=True)
class Entry:
    """One catalogue case: what to build, the claim it is checked against, whether it is correct."""

    name: str
    correct: bool
    note: str
    build: Callable[[], Callable]  # -> batches (loaders) or step (accumulators)
    spec: LoaderSpec | None = None  # loaders
    normalization: str = "example_mean"  # accumulators
    options: dict = field(default_factory=dict)  # extra checker keywords (world_size, stat_world_size)

    def run(self, **options):
        """Run the checker on this entry (``options`` override ``self.options``)."""
        kw = {**self.options, **options}
        if self.spec is not None:
            from optproof.proofs.batches.loader_check import check_loader

            return check_loader(self.build(), self.spec, **kw)
        from optproof.proofs.batches.accumulation import check_accumulation

        return check_accumulation(self.build(), self.normalization, **kw)


def _torch(make, on_epoch=None):
    def build():
        from optproof.proofs.batches.torch_adapters import torch_loader

        return torch_loader(make, on_epoch)
    return build


def _plain(fn):
    return lambda: fn


_SHUFFLE, _DIST = LoaderSpec(), LoaderSpec(distributed="pad")
LOADERS: list[Entry] = [
    Entry("torch DataLoader(shuffle=True)", True, "RandomSampler + BatchSampler", _torch(fl.make_shuffled), _SHUFFLE),
    Entry("torch DataLoader(shuffle=True, drop_last=True)", True, "the short batch dropped",
          _torch(fl.make_shuffled_drop_last), LoaderSpec(drop_last=True)),
    Entry("DistributedSampler + set_epoch, 2 ranks", True, "padding", _torch(fl.make_distributed, fl.set_epoch),
          _DIST, options={"stat_world_size": 2}),
    Entry("DistributedSampler + set_epoch, 3 ranks", True, "padding", _torch(fl.make_distributed, fl.set_epoch),
          _DIST, options={"stat_world_size": 3}),
    Entry("DistributedSampler(drop_last=True) + set_epoch", True, "truncation",
          _torch(fl.make_distributed_drop, fl.set_epoch), LoaderSpec(distributed="drop")),
    Entry("hand-written NumPy loader", True, "one Generator, a permutation per epoch", _plain(fl.numpy_loader), _SHUFFLE),
    Entry("hand-written NumPy sampling with replacement", True, "n i.i.d. draws per epoch",
          _plain(fl.numpy_with_replacement), LoaderSpec(replacement=True)),
    Entry("DistributedSampler without set_epoch", False, "the same order every epoch",
          _torch(fl.make_distributed), _DIST),
    Entry("set_epoch on rank 0 only", False, "ranks in different epochs: shards overlap",
          _torch(fl.make_distributed, fl.set_epoch_rank0_only), _DIST),
    Entry("DistributedSampler(seed=rank)", False, "every rank its own permutation", _torch(fl.make_rank_seeded, fl.set_epoch),
          _DIST),
    Entry("no DistributedSampler", False, "every rank serves the whole data set", _torch(fl.make_unsharded), _DIST),
    Entry("DataLoader(shuffle=False)", False, "claimed to shuffle", _torch(fl.make_unshuffled), _SHUFFLE),
    Entry("drop_last not passed", False, "claimed drop_last=True", _torch(fl.make_shuffled), LoaderSpec(drop_last=True)),
    Entry("Generator re-seeded every epoch", False, "same order every epoch", _plain(fl.numpy_same_seed_every_epoch),
          _SHUFFLE),
    Entry("reshuffle every other epoch", False, "stale cached order", _plain(fl.every_other_epoch), _SHUFFLE),
    Entry("fixed batches, shuffled order", False, "batch membership never changes", _plain(fl.shuffled_fixed_batches),
          _SHUFFLE),
    Entry("rotated order", False, "each epoch the previous one rotated", _plain(fl.rotating_order), _SHUFFLE),
    Entry("Sattolo instead of Fisher-Yates", False, "cyclic permutations only", _plain(fl.cyclic_shuffle), _SHUFFLE),
    Entry("permutation claimed as with-replacement", False, "counts not multinomial",
          _plain(fl.numpy_without_replacement), LoaderSpec(replacement=True)),
]

def _acc(train_step):
    def build():
        from optproof.proofs.batches.torch_adapters import torch_accumulation

        return torch_accumulation(train_step)
    return build


_W2 = {"world_size": 2}
ACCUMULATORS: list[Entry] = [
    Entry("global example mean", True, "sums over the global example count", _acc(fa.global_example_mean)),
    Entry("global token mean", True, "sums over the global count of counted tokens", _acc(fa.global_token_mean),
          normalization="token_mean"),
    Entry("DDP: sums x world_size / global count", True, "DDP averages; no_sync until the last micro-batch",
          _acc(fa.ddp_sum_over_global_count), options=_W2),
    Entry("all-reduce SUM of sums / global count", True, "manual all-reduce, token task",
          _acc(fa.allreduce_sum_over_global_count), normalization="token_mean", options=_W2),
    Entry("mean of micro-batch means", False, "loss_fn(...) / accumulation steps", _acc(fa.mean_of_micro_means)),
    Entry("per-micro-batch token normalization", False, "token means averaged over micro-batches",
          _acc(fa.token_mean_per_micro_batch), normalization="token_mean"),
    Entry("no division by the accumulation count", False, "micro-batch means summed", _acc(fa.sum_of_micro_means)),
    Entry("count divided twice", False, "normalized in the loss and on p.grad", _acc(fa.count_divided_twice),
          normalization="token_mean"),
    Entry("example mean on a token task", False, "sum of token losses over the example count",
          _acc(fa.global_example_mean), normalization="token_mean"),
    Entry("DDP without the world_size factor", False, "gain 1/world_size", _acc(fa.ddp_missing_world_size),
          options=_W2),
    Entry("all-reduce average of rank means", False, "biased when ranks hold different counts",
          _acc(fa.allreduce_rank_means), options=_W2),
    Entry("no all-reduce", False, "every rank keeps its own gradient", _acc(fa.no_allreduce), options=_W2),
]


def entries() -> list[Entry]:
    return LOADERS + ACCUMULATORS


def main(argv: list[str] | None = None) -> int:
    """Print every entry's verdict (the counterexamples quoted in docs/batches.md)."""
    import sys

    wrong = 0
    for e in entries():
        result = e.run()
        wrong += bool(result.ok) != e.correct
        print(f"## {e.name} ({'correct' if e.correct else 'faulty'}: {e.note})\n{result}\n", flush=True)
    print(f"{wrong} entries misjudged", file=sys.stderr)
    return int(wrong > 0)


if __name__ == "__main__":
    raise SystemExit(main())
