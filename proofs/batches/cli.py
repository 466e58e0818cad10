"""``optproof check-loader`` and ``optproof check-accumulation``.

    optproof check-loader train:make_loader --on-epoch train:set_epoch --shuffle --distributed pad
    optproof check-accumulation train:train_step --normalization token_mean --world-size 2

``MODULE:NAME`` is imported with the current directory first on ``sys.path`` (the user's module
next to the training script).  A loader target with four parameters is a
``make_loader(dataset, batch_size, rank, world_size)`` (wrapped by ``adapters.torch_loader``), one
with five a plain ``batches(n, batch_size, n_epochs, rank, world_size)``; an accumulation target
with three parameters is a torch ``train_step(model, loss_fn, micro_batches)`` (wrapped by
``adapters.torch_accumulation``), one with one a plain ``step(case)``.  The spec flags follow
``DataLoader``'s defaults: without ``--shuffle`` the loader is claimed sequential.
Exit code: 0 no violation found, 1 counterexample, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys

__all__ = ["add_subcommands", "run_loader", "run_accumulation", "load_user_target"]


def add_subcommands(subparsers) -> None:
    """Add ``check-loader`` and ``check-accumulation`` to an ``argparse`` sub-parser collection."""
    text = "check a data loader / sampler against C1 (epochs, shards, reshuffling)"
    p = subparsers.add_parser("check-loader", help=text, description=text)
    p.add_argument("target", help="MODULE:make_loader (or MODULE:batches)")
    p.add_argument("--on-epoch", dest="on_epoch", help="MODULE:hook called as hook(loader, epoch) before each epoch")
    p.add_argument("--shuffle", action="store_true", help="the loader claims to reshuffle every epoch")
    p.add_argument("--drop-last", dest="drop_last", action="store_true", help="the short last batch is dropped")
    p.add_argument("--replacement", action="store_true", help="sampling with replacement (RandomSampler)")
    p.add_argument("--distributed", choices=("pad", "drop"), help="DistributedSampler semantics")
    p.add_argument("--max-examples", dest="max_examples", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_loader)
    text = "check gradient accumulation / distributed averaging against the global mean (C4, C5)"
    p = subparsers.add_parser("check-accumulation", help=text, description=text)
    p.add_argument("target", help="MODULE:train_step")
    p.add_argument("--normalization", choices=("example_mean", "token_mean"), default="example_mean")
    p.add_argument("--world-size", dest="world_size", type=int, default=1)
    p.add_argument("--max-examples", dest="max_examples", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per distributed step (default 60)")
    p.set_defaults(func=run_accumulation)


def load_user_target(path: str):
    """Import ``MODULE:NAME`` (or ``MODULE.NAME``) with the current directory on ``sys.path``."""
    from optproof.proofs.cli_conformance import load_target

    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    return load_target(path)


def _arity(fn) -> int | None:
    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None


def _report(make) -> int:
    try:
        result = make()
    except (ValueError, ImportError, AttributeError, TypeError, RuntimeError) as exc:
        print(f"optproof: error: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0 if result.ok else 1


def run_loader(args) -> int:
    """Execute ``check-loader``; print the verdict; return the exit code."""
    from optproof.proofs.batches import LoaderSpec, check_loader
    from optproof.proofs.batches.torch_adapters import torch_loader

    def make():
        target = load_user_target(args.target)
        hook = load_user_target(args.on_epoch) if args.on_epoch else None
        batches = target if _arity(target) == 5 and hook is None else torch_loader(target, hook)
        spec = LoaderSpec(shuffle=args.shuffle or args.replacement, drop_last=args.drop_last,
                          replacement=args.replacement, distributed=args.distributed)
        return check_loader(batches, spec, max_examples=args.max_examples, seed=args.seed)
    return _report(make)


def run_accumulation(args) -> int:
    """Execute ``check-accumulation``; print the verdict; return the exit code."""
    from optproof.proofs.batches import check_accumulation
    from optproof.proofs.batches.torch_adapters import torch_accumulation

    def make():
        target = load_user_target(args.target)
        step = target if _arity(target) == 1 else torch_accumulation(target)
        return check_accumulation(step, args.normalization, world_size=args.world_size,
                                  max_examples=args.max_examples, seed=args.seed, timeout=args.timeout)
    return _report(make)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: ``python -m optproof.proofs.batches.cli check-loader ...``."""
    parser = argparse.ArgumentParser(prog="optproof")
    add_subcommands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
