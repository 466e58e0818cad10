"""The claim catalog: each seed claim as a statement plus symbolic, exact and simulation checks.

A ``Claim`` (ids C1..C9 of MISSION.md) holds ``Check``s of three kinds:

- ``symbolic``   -- a ``mathcore.proof.Proof`` for symbolic t, N, B, eta, lam;
- ``exact``      -- a finite instance checked in exact (rational) arithmetic, e.g. all batches
                    of a small dataset enumerated with ``fractions.Fraction``;
- ``simulation`` -- a Numba run of ``sim`` against the closed form, with a stated tolerance
                    (deterministic) or confidence interval (Monte Carlo, see ``proofs.stats``).

Each check is a function ``fn(cfg: RunConfig) -> Outcome``.  Claim modules live in
``proofs/claims/cN_<topic>/`` (one package per claim) and are listed in ``proofs.claims.CLAIMS``.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["KINDS", "RunConfig", "Outcome", "Check", "Claim", "CheckRun"]

KINDS = ("symbolic", "exact", "simulation")


@dataclass(frozen=True)
class RunConfig:
    """Settings shared by all checks of one run."""

    quick: bool = False  # smaller samples (CI / --quick)
    full: bool = False  # also the expensive experiments (real-data training, --full)
    seed: int = 0  # the only seed; never searched over
    make_figures: bool = False  # only the report draws plots


@dataclass
class Outcome:
    """What a check found.

    ``numbers`` must be JSON-serialisable (floats, ints, strings, lists, dicts): it is written to
    ``results.json`` as the evidence behind the verdict.  ``latex`` lines are shown in the
    report; ``figures`` are ``(name, matplotlib.figure.Figure)`` pairs saved as PNG.
    """

    passed: bool
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)
    latex: list[str] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    """One check of a claim.  ``alpha`` is its share of the suite's false-failure budget
    (``proofs.stats.SUITE_ALPHA``): 0 for deterministic checks, the sum of its comparisons'
    per-comparison levels for a Monte Carlo check."""

    kind: str
    name: str
    fn: Callable[[RunConfig], Outcome]
    alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")


@dataclass
class CheckRun:
    """A check that was run: its outcome, or the error it raised (which counts as a failure)."""

    check: Check
    outcome: Outcome
    seconds: float

    @classmethod
    def run(cls, check: Check, cfg: RunConfig) -> "CheckRun":
        t0 = time.perf_counter()
        try:
            out = check.fn(cfg)
        except Exception as exc:  # a crashing check is a failing check, with its traceback kept
            out = Outcome(False, f"error: {type(exc).__name__}: {exc}",
                          {"traceback": traceback.format_exc(limit=8)})
        return cls(check, out, time.perf_counter() - t0)


@dataclass(frozen=True)
class Claim:
    """One claim of the seed, formalised."""

    id: str
    title: str
    section: str  # the seed's section, e.g. "2.2"
    statement: str  # LaTeX
    checks: tuple[Check, ...]
    notes: str = ""
    # what the claim rests on: "optproof.mathcore.batching:batch_loss_variance" (module:function) and
    # "tests/test_batching_math.py" (test files); ``optproof list`` prints them, a test checks they exist
    sources: tuple[str, ...] = ()

