"""optproof: prove, simulate and check what is true of mini-batch SGD and momentum.

The public face.  ``import optproof`` loads nothing heavy: every name below is resolved on first
use (PEP 562 ``__getattr__``), so a test suite that only needs the optimizer checker never pays
for SymPy or Numba.

    optproof.check(factory, ref)           does an optimizer follow a momentum convention?
    optproof.identify(factory)             which conventions does it follow?
    optproof.assert_conforms(factory, ref) the same, as an assertion for test suites
    optproof.Reference                     the conventions (pytorch, keras, optax, ema)
    optproof.adapters                      torch.optim / optax transformations as step functions
    optproof.simulate(problem, optimizer, sampler, ...)   Numba trajectories
    optproof.moments(problem, optimizer, sampler, n_steps) exact E, Cov of the iterates, E[L] (same specs)
    optproof.LeastSquares, Quadratic, FiniteSum, SGD, HeavyBall, Sampler   the shared specs

Subpackages: ``optproof.mathcore`` (SymPy closed forms and proofs), ``optproof.sim`` (Numba
simulators), ``optproof.proofs`` (claim catalog, statistics, checkers, report, CLI).
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

# public name -> (module, attribute); attribute None means the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "check": ("optproof.proofs.conformance", "check"),
    "identify": ("optproof.proofs.conformance", "identify"),
    "assert_conforms": ("optproof.proofs.conformance", "assert_conforms"),
    "Reference": ("optproof.proofs.conformance", "Reference"),
    "CheckResult": ("optproof.proofs.conformance", "CheckResult"),
    "Identification": ("optproof.proofs.conformance", "Identification"),
    "check_loader": ("optproof.proofs.batches", "check_loader"),
    "LoaderSpec": ("optproof.proofs.batches", "LoaderSpec"),
    "LoaderResult": ("optproof.proofs.batches", "LoaderResult"),
    "check_accumulation": ("optproof.proofs.batches", "check_accumulation"),
    "adapters": ("optproof.proofs.adapters", None),
    "strategies": ("optproof.proofs.strategies", None),
    "simulate": ("optproof.sim", "simulate"),
    "SimResult": ("optproof.sim", "SimResult"),
    "InsufficientMemory": ("optproof.sim.budget", "InsufficientMemory"),
    "LeastSquares": ("optproof.base.specs", "LeastSquares"),
    "Quadratic": ("optproof.base.specs", "Quadratic"),
    "FiniteSum": ("optproof.base.specs", "FiniteSum"),
    "SGD": ("optproof.base.specs", "SGD"),
    "HeavyBall": ("optproof.base.specs", "HeavyBall"),
    "PyTorchSGD": ("optproof.base.specs", "PyTorchSGD"),
    "Sampler": ("optproof.base.specs", "Sampler"),
    "moments": ("optproof.mathcore.minibatch", "moments"),
    "Moments": ("optproof.mathcore.minibatch", "Moments"),
    "compare": ("optproof.proofs.compare", "compare"),
    "run_sweep": ("optproof.proofs.sweep", "run_sweep"),
    "Comparison": ("optproof.proofs.compare", "Comparison"),
    "mathcore": ("optproof.mathcore", None),
    "sim": ("optproof.sim", None),
    "proofs": ("optproof.proofs", None),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'optproof' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value  # resolve once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
