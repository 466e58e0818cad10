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
import gc
import importlib
import os
import sys
from contextlib import contextmanager
from functools import partial

from optproof.base.validation import check_int, check_momentum

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
        p.add_argument("--max-examples", dest="max_examples", type=int, default=200)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--max-steps", dest="max_steps", type=int, default=200,
                       help="longest run (short runs have up to 8 steps; longer ones are long runs)")
        if name == "check":
            p.add_argument("--reference", choices=("auto", "pytorch", "keras", "optax", "ema"), default="auto")
            p.add_argument("--roundtrip", action="store_true", help="torch: state_dict round trip every step")
            p.add_argument("--grad-scaler", dest="grad_scaler", action="store_true",
                           help="torch: drive every step through torch.amp.GradScaler('cpu'); adds inf/NaN steps")
        p.set_defaults(conformance_command=name)


def load_target(path: str):
    """Import ``pkg.mod.Name`` or ``pkg.mod:Name``; the current directory is searched first, as by ``python -m``."""
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    module, _, attr = path.rpartition(":") if ":" in path else path.rpartition(".")
    if not module or not attr:
        raise ValueError(f"target must be a dotted path like torch.optim.SGD or pkg.mod:factory; got {path!r}")
    try:
        obj = importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(f"target {path!r}: cannot import module {module!r} ({exc})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"target {path!r}: {getattr(obj, '__name__', module)!r} has no attribute {part!r}")
        obj = getattr(obj, part)
    return obj


def _kind(obj) -> str:
    mod = getattr(obj, "__module__", "") or ""
    if mod.startswith("torch"):
        return "torch"
    if mod.startswith("optax"):
        return "optax"
    torch = sys.modules.get("torch")  # a torch.optim class is loaded only once torch is: never import it here
    if torch is not None and isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer):
        return "torch"
    return "plain"


def _check_flags(args, kind: str) -> None:
    """Usage errors of the flags themselves, before anything is built."""
    check_int("--max-examples", args.max_examples, 1)
    check_int("--seed", args.seed, 0)
    from optproof.proofs.conformance.check import MAX_STEPS

    check_int("--max-steps", args.max_steps, 1, MAX_STEPS)
    if args.momentum is not None:
        check_momentum(args.momentum, "--momentum")
    torch_only = [f"--{k.replace('_', '-')}" for k in ("foreach", "fused", "roundtrip", "grad_scaler")
                  if getattr(args, k, None)]
    if torch_only and kind != "torch":
        raise ValueError(f"{', '.join(torch_only)} {'applies' if len(torch_only) == 1 else 'apply'} only to "
                         f"torch.optim classes; {args.target} is a {kind} target")
    if args.foreach and args.fused:
        raise ValueError("--foreach and --fused exclude each other (torch runs one code path)")


def build_factory(args) -> tuple[object, str]:
    """The factory for ``args.target`` and its kind (torch / optax / plain); ``ValueError`` /
    ``TypeError`` for every usage error (unknown target or option, flags that do not apply)."""
    from optproof.proofs import adapters
    from optproof.proofs.conformance.runner import PROTOCOL

    obj = load_target(args.target)
    kind = _kind(obj)
    _check_flags(args, kind)
    hyper = {k: getattr(args, k) for k in HYPER if getattr(args, k) is not None}
    if kind == "torch":
        extra = {k: True for k in ("foreach", "fused") if getattr(args, k)}
        return adapters.torch(obj, dtype=args.dtype or "float64", roundtrip=getattr(args, "roundtrip", False),
                              grad_scaler=getattr(args, "grad_scaler", False), **hyper, **extra), kind
    if kind == "optax":
        return adapters.optax(obj, dtype=args.dtype, **hyper), kind
    if not callable(obj):
        raise TypeError(f"target {args.target} must be a torch.optim.Optimizer class, an optax builder or a "
                        f"plain-protocol factory ({PROTOCOL}); got {type(obj).__name__}")
    adapters.check_options(obj, hyper, args.target)
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


def _usage_error(exc: Exception) -> int:
    print(f"optproof: error: {exc}", file=sys.stderr)
    return 2


def _import_checker():
    """``check``, ``identify``, ``check_factory``.  A first import of Hypothesis here runs without its
    entry-point plugins (``HYPOTHESIS_NO_PLUGINS``, set for the import only): they register
    strategies for ``st.from_type`` of other packages, which the checker never uses, and trio's
    alone imports trio and pytest (~0.16 s of CPU)."""
    unset = "hypothesis" not in sys.modules and "HYPOTHESIS_NO_PLUGINS" not in os.environ
    if unset:
        os.environ["HYPOTHESIS_NO_PLUGINS"] = "1"
    try:
        from optproof.proofs.conformance import check, identify
        from optproof.proofs.conformance.runner import check_factory
    finally:
        if unset:
            del os.environ["HYPOTHESIS_NO_PLUGINS"]
    return check, identify, check_factory


@contextmanager
def _collector():
    """The cyclic garbage collector during a command; yields ``loaded``, to be called once loading is done.

    While the command loads -- ``import torch``, the first optimizer (which imports ``torch._dynamo``
    and SymPy), Hypothesis, the checker: ~460k objects -- the collector is paused: Python's full
    collections would walk that growing heap again and again (~0.3 s of CPU on this machine) and
    find little to free.  ``loaded()`` then moves everything alive into the permanent generation
    (``gc.freeze``, before collection resumes, so no collection walks it, nor the ``gc.collect()``
    Hypothesis runs when it first registers its PRNG) and resumes collection for the search.  At
    the end ``gc.unfreeze``, so that ``main`` leaves a calling process as it was; a collector the
    caller disabled stays disabled, and a heap someone else froze is left alone.
    """
    enabled, freeze = gc.isenabled(), not gc.get_freeze_count()
    loading = [True]

    def loaded() -> None:
        if loading:
            loading.clear()
            if freeze:
                gc.freeze()
            if enabled:
                gc.enable()

    gc.disable()
    try:
        yield loaded
    finally:
        loaded()
        if freeze:
            gc.unfreeze()


def run(args) -> int:
    """Execute ``check`` or ``identify``; print the verdict; return the exit code.

    Every usage error -- bad target, option or flag, a factory that is not usable -- is found
    before the search and exits 2 with ``optproof: error: ...``; a disagreement exits 1.
    """
    with _collector() as loaded:
        check, identify, check_factory = _import_checker()
        try:
            factory, kind = build_factory(args)
            ref = None if args.conformance_command == "identify" else _reference(args, kind)
            # builds one optimizer: what that imports is loaded before the freeze
            check_factory(factory, getattr(factory, "dtype", None) or "float64")
        except (ValueError, TypeError) as exc:
            return _usage_error(exc)
        loaded()
        if ref is None:
            result = identify(factory, args.max_examples, args.seed, max_steps=args.max_steps)  # probes first
        else:
            result = check(factory, ref, args.max_examples, args.seed, max_steps=args.max_steps)
    print(result)
    return 0 if result else 1  # a CheckResult is true when ok, an Identification when something matches


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m proofs.cli_conformance check ...``) until wired into ``optproof``."""
    parser = argparse.ArgumentParser(prog="optproof")
    add_subcommands(parser.add_subparsers(required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
