"""The claim catalog: each seed claim as a statement plus symbolic, exact and simulation checks.

A ``Claim`` (ids C1..C9 of MISSION.md) holds ``Check``s of three kinds:

- ``symbolic``   -- a ``mathcore.proof.Proof`` for symbolic t, N, B, eta, lam;
- ``exact``      -- a finite instance checked in exact (rational) arithmetic, e.g. all batches
                    of a small dataset enumerated with ``fractions.Fraction``;
- ``simulation`` -- a Numba run of ``sim`` against the closed form, with a stated tolerance
                    (deterministic) or confidence interval (Monte Carlo, see ``proofs.stats``).

Each check is a function ``fn(cfg: RunConfig) -> Outcome``.  Claim modules live in
``proofs/claims/cN_<topic>/`` (one package per claim) and are listed in ``proofs.claims.CLAIMS``.

An ``Outcome`` ends in one of ``STATUSES``: ``pass``, ``fail``, ``skipped`` (with its ``reason``;
never counted as a pass), ``error`` (the check raised; traceback kept) or ``measured`` (timings:
reported with their intervals, never a verdict).  A check draws every random stream from the run
seed and a name, ``cfg.seed_for("C3", "batch size", j)`` (``derive_seed``: SeedSequence spawn keys
from a stable hash of the names), never by adding offsets to a seed.
"""
from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["KINDS", "STATUSES", "derive_seed", "RunConfig", "Outcome", "Check", "Claim", "CheckRun"]

KINDS = ("symbolic", "exact", "simulation")


def _words(text: str) -> tuple[int, ...]:
    """A stable 128-bit digest of ``text`` as four 32-bit words (unlike ``hash()``, not salted per process)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


def derive_seed(run_seed: int, *names: str | int) -> int:
    """The seed of the stream called ``names`` in the run seeded ``run_seed``, in [0, 2^63).

    ``numpy.random.SeedSequence(entropy=run_seed, spawn_key=key)`` where ``key`` concatenates, per
    name, a tag word (0 for a string, 1 for an integer index) and its words (a string's 128-bit
    BLAKE2b digest, an index as it is), so distinct name tuples give distinct spawn keys and,
    through SeedSequence's hashing, independent streams.  No offsets are ever added to seeds.
    """
    if isinstance(run_seed, bool) or not isinstance(run_seed, (int, np.integer)) or run_seed < 0:
        raise ValueError(f"run_seed must be an integer >= 0; got {run_seed!r}")
    key: list[int] = []
    for n in names:
        if isinstance(n, str):
            key += [0, *_words(n)]
        elif isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0:
            key += [1, int(n)]
        else:
            raise TypeError(f"seed names must be strings or integers >= 0; got {n!r}")
    lo, hi = np.random.SeedSequence(int(run_seed), spawn_key=tuple(key)).generate_state(2, np.uint32)
    return (int(hi) << 32 | int(lo)) & (2**63 - 1)


@dataclass(frozen=True)
class RunConfig:
    """Settings shared by all checks of one run.

    ``seed`` is the run's only seed; every check derives its streams from it by name with
    ``seed_for`` (``seed_log``, when given, records every request: the tests assert that no two
    requests share a stream).
    """

    quick: bool = False  # smaller samples (CI / --quick)
    full: bool = False  # also the expensive experiments (real-data training, --full)
    seed: int = 0  # the only seed; never searched over
    make_figures: bool = False  # only the report draws plots
    seed_log: dict | None = field(default=None, compare=False, repr=False)

    def seed_for(self, claim_id: str, name: str, *index: int) -> int:
        """The seed of stream ``(claim_id, name, *index)`` of this run: ``derive_seed(seed, claim_id, name, *index)``."""
        s = derive_seed(self.seed, claim_id, name, *index)
        if self.seed_log is not None:
            self.seed_log[(claim_id, name, *index)] = s
        return s


STATUSES = ("pass", "fail", "skipped", "error", "measured")


@dataclass
class Outcome:
    """What a check found.

    ``status`` is one of ``STATUSES``: ``pass``/``fail`` (the check decided), ``skipped`` (it did
    not run; ``reason`` says why), ``error`` (it raised; the traceback is in ``numbers``) or
    ``measured`` (it only reports measurements, e.g. timings, and never decides a verdict).  It is
    derived from ``passed`` when not given, so ``Outcome(ok, summary, ...)`` keeps working; ``passed``
    is True only for ``pass``.

    ``numbers`` must be JSON-serialisable (floats, ints, strings, lists, dicts): it is written to
    ``results.json`` as the evidence behind the verdict.  ``latex`` lines are shown in the
    report; ``figures`` are ``(name, matplotlib.figure.Figure)`` pairs saved as PNG.
    """

    passed: bool
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)
    latex: list[str] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)
    status: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "pass" if self.passed else "fail"
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}; got {self.status!r}")
        if self.passed and self.status != "pass":
            raise ValueError(f"passed=True contradicts status {self.status!r}")
        if (self.status == "skipped") != bool(self.reason):
            raise ValueError("reason must be given for a skipped outcome, and only for it")

    @classmethod
    def skipped(cls, reason: str, numbers: dict[str, Any] | None = None) -> "Outcome":
        """A check that did not run, and why (it never counts as a pass)."""
        return cls(False, f"skipped: {reason}", dict(numbers or {}), status="skipped", reason=reason)

    @classmethod
    def measured(cls, summary: str, numbers: dict[str, Any] | None = None, latex: list[str] | None = None,
                 figures: list[tuple[str, Any]] | None = None) -> "Outcome":
        """Measurements reported with their intervals (timings); never a pass or a fail."""
        return cls(False, summary, dict(numbers or {}), list(latex or []), list(figures or []), status="measured")


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
    """A check that was run: its outcome, or the error it raised (status ``error``, traceback kept)."""

    check: Check
    outcome: Outcome
    seconds: float

    @property
    def status(self) -> str:
        return self.outcome.status

    @classmethod
    def run(cls, check: Check, cfg: RunConfig) -> "CheckRun":
        t0 = time.perf_counter()
        try:
            out = check.fn(cfg)
        except Exception as exc:  # a crashing check ends in "error", with its traceback kept
            out = Outcome(False, f"error: {type(exc).__name__}: {exc}",
                          {"traceback": traceback.format_exc(limit=8)}, status="error")
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

