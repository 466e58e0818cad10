"""``optproof check`` and ``optproof identify``: the conformance checker from the command line.

    optproof check torch.optim.SGD --momentum 0.9 --nesterov
    optproof check optax.sgd --momentum 0.9 --reference pytorch
    optproof check proofs.faulty.DampeningOnFirstStep --momentum 0.9 --dampening 0.5
    optproof identify torch.optim.SGD --momentum 0.9 --dampening 0.5

TARGET is a dotted path (``pkg.mod.Name`` or ``pkg.mod:Name``): a ``torch.optim.Optimizer``
class (wrapped by ``adapters.torch``), an ``optax`` builder (``adapters.optax``) or a
plain-protocol factory, called with the given hyperparameters.  Exit code: 0 conforms / some
convention matched, 1 counterexample found / nothing matched, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from functools import partial

__all__ = ["add_subcommands", "run", "load_target", "build_factory"]

HYPER = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")


def add_subcommands(subparsers) -> None:
    """Add ``check`` and ``identify`` to an ``argparse`` sub-parser collection."""
    for name, text in (("check", "check an optimizer against a momentum convention"),
                       ("identify", "name the momentum conventions an optimizer follows")):
        p = subparsers.add_parser(name, help=text, description=text)
        p.add_argument("target", help="torch.optim.SGD, optax.sgd or module:factory")
        p.add_argument("--momentum", type=float)
        p.add_argument("--dampening", type=float)
        p.add_argument("--weight-decay", dest="weight_decay", type=float)
        p.add_argument("--nesterov", action="store_true", default=None)
        p.add_argument("--maximize", action="store_true", default=None)
        p.add_argument("--foreach", action="store_true", default=None, help="torch: foreach code path")
        p.add_argument("--fused", action="store_true", default=None, help="torch: fused code path")
        p.add_argument("--dtype", choices=("float32", "float64"))
        p.add_argument("--max-examples", dest="max_examples", type=int, default=200 if name == "check" else 40)
        p.add_argument("--seed", type=int, default=0)
        if name == "check":
            p.add_argument("--reference", choices=("auto", "pytorch", "keras", "optax", "ema"), default="auto")
            p.add_argument("--roundtrip", action="store_true", help="torch: state_dict round trip every step")
        p.set_defaults(conformance_command=name)


def load_target(path: str):
    """Import ``pkg.mod.Name`` or ``pkg.mod:Name``."""
    module, _, attr = path.rpartition(":") if ":" in path else path.rpartition(".")
    if not module:
        raise ValueError(f"target must be a dotted path like torch.optim.SGD; got {path!r}")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _kind(obj) -> str:
    mod = getattr(obj, "__module__", "") or ""
    if mod.startswith("torch"):
        return "torch"
    if mod.startswith("optax"):
        return "optax"
    try:
        import torch
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer):
            return "torch"
    except ImportError:
        pass
    return "plain"


def build_factory(args) -> tuple[object, str]:
    """The factory for ``args.target`` and its kind (torch / optax / plain)."""
    from optproof.proofs import adapters

    obj = load_target(args.target)
    hyper = {k: getattr(args, k) for k in HYPER if getattr(args, k) is not None}
    kind = _kind(obj)
    if kind == "torch":
        extra = {k: True for k in ("foreach", "fused") if getattr(args, k)}
        return adapters.torch(obj, dtype=args.dtype or "float64", roundtrip=getattr(args, "roundtrip", False),
                              **hyper, **extra), kind
    if kind == "optax":
        return adapters.optax(obj, dtype=args.dtype, **hyper), kind
    factory = partial(obj, **hyper)
    factory.name = f"{args.target}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"
    if args.dtype:
        factory.dtype = args.dtype
    return factory, kind


def _reference(args, kind: str):
    from optproof.proofs.conformance import Reference

    family = args.reference if args.reference != "auto" else {"optax": "optax"}.get(kind, "pytorch")
    mu, wd = args.momentum or 0.0, args.weight_decay or 0.0
    if family == "pytorch":
        return Reference.pytorch(mu, args.dampening or 0.0, bool(args.nesterov), wd, bool(args.maximize))
    if family == "keras":
        return Reference.keras(mu, bool(args.nesterov), wd)
    if family == "optax":
        return Reference.optax(mu, bool(args.nesterov), wd, missing="zero" if kind == "optax" else "skip")
    return Reference.ema(mu)


def run(args) -> int:
    """Execute ``check`` or ``identify``; print the verdict; return the exit code."""
    from optproof.proofs.conformance import check, identify

    try:
        factory, kind = build_factory(args)
        if args.conformance_command == "identify":
            found = identify(factory, args.max_examples, args.seed)
            print(found)
            return 0 if found else 1
        result = check(factory, _reference(args, kind), args.max_examples, args.seed)
    except (ValueError, ImportError, AttributeError, TypeError) as exc:
        print(f"optproof: error: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m proofs.cli_conformance check ...``) until wired into ``optproof``."""
    parser = argparse.ArgumentParser(prog="optproof")
    add_subcommands(parser.add_subparsers(required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
