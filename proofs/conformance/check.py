"""``check`` and ``assert_conforms``: Hypothesis searches for a scenario where the code under test
and the reference disagree, then shrinks it.

Hypothesis is driven programmatically with ``hypothesis.find`` and a ``random.Random(seed)``,
with no example database, so a check is a deterministic function of ``(factory, ref, seed,
max_examples)``.  Hypothesis still caches what it reads from local source files; during a check
that cache lives under the user cache directory (``hypothesis_home()``), never in the working
directory, unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says otherwise (issue 9, no litter).
"""
from __future__ import annotations

import os
import random
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, configuration, find, settings
from hypothesis.errors import Flaky, NoSuchExample, Unsatisfiable

from optproof.base.validation import check_choice, check_int
from optproof.proofs.conformance.explain import describe, reduce
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.report import Counterexample
from optproof.proofs.conformance.tolerance import DTYPES
from optproof.proofs.conformance.runner import BATCH, Factory, Failure, check_factory, execute, passes_all
from optproof.proofs.strategies import scenarios

__all__ = ["CheckResult", "check", "assert_conforms", "factory_name", "hypothesis_home", "SHORT_STEPS", "MAX_STEPS"]

#: steps of the short, shrinkable runs; longer runs (up to ``max_steps``) are the long ones
SHORT_STEPS = 8
MAX_STEPS = 2000


@dataclass(frozen=True)
class CheckResult:
    """Verdict of ``check``: ``ok``, and the shrunk ``counterexample`` when not ok."""

    ok: bool
    implementation: str
    reference: Reference
    dtype: str
    max_examples: int
    seed: int
    counterexample: Counterexample | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        what = f"{self.implementation} vs {self.reference.name}"
        how = f"[{self.dtype}, up to {self.max_examples} examples, seed {self.seed}]"
        if self.ok:
            return f"PASS {what} {how}: no disagreement found"
        return f"FAIL {what} {how}\n{self.counterexample}"


def factory_name(factory) -> str:
    return getattr(factory, "name", None) or getattr(factory, "__qualname__", None) or repr(factory)


def hypothesis_home() -> Path:
    """Hypothesis's storage during a check: ``<cache>/hypothesis``, the cache being ``$OPTPROOF_CACHE``
    or ``$XDG_CACHE_HOME/optproof`` (``~/.cache/optproof``)."""
    root = os.environ.get("OPTPROOF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "optproof")
    return Path(root) / "hypothesis"


@contextmanager
def _storage_outside_cwd():
    """Point Hypothesis's home at ``hypothesis_home()`` for the duration, then restore it."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    previous = vars(configuration).get("__hypothesis_home_directory")
    configuration.set_hypothesis_home_dir(hypothesis_home())
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(previous)


def _settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                    verbosity=Verbosity.quiet, report_multiple_bugs=False,
                    phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck))


def check(factory: Factory, ref: Reference, max_examples: int = 200, seed: int = 0, *,
          dtype=None, max_steps: int = 200, allow_missing: bool = True, scribble: bool = True,
          overflow: bool | None = None) -> CheckResult:
    """Search up to ``max_examples`` scenarios for a disagreement between ``factory`` and ``ref``.

    A factory that is not usable at all (``runner.check_factory``) raises ``TypeError`` /
    ``ValueError`` before the search; a usable one that disagrees gives a FAIL with the shrunk
    counterexample.
    A ``torch.optim.Optimizer`` class is adapted with ``adapters.as_factory(factory, ref)``.
    ``dtype`` defaults to ``factory.dtype`` (adapters set it) or float64.  ``allow_missing=False``
    never passes ``None`` gradients; ``max_steps`` is the longest run: short runs have up to
    ``SHORT_STEPS`` steps, long runs of low-dimensional parameters up to ``max_steps`` (default 200,
    so a bug that first shows at step 10 or 50 is found); ``overflow=True`` adds steps with inf/NaN
    gradients, which the reference skips (default: ``factory.skips_overflow``, which
    ``adapters.torch(..., grad_scaler=True)`` sets); ``scribble=False`` does not overwrite gradients after a step.

    A factory with ``run_batch`` (a torch.optim class) is first run on all the scenarios of the
    search at once (``_passes_batched``): when every one passes, that is the verdict the search
    would reach; otherwise the search runs as for any factory, so a FAIL is found, shrunk and
    printed exactly as without the batch.
    """
    check_int("max_examples", max_examples, 1)
    check_int("seed", seed, 0)
    check_int("max_steps", max_steps, 1, MAX_STEPS)
    check_choice("allow_missing", allow_missing, (False, True))
    check_choice("scribble", scribble, (False, True))
    check_choice("overflow", overflow, (None, False, True))
    if not isinstance(ref, Reference):
        raise TypeError(f"ref must be a proofs.conformance.Reference; got {type(ref).__name__}")
    from optproof.proofs.adapters import as_factory  # a torch.optim class is wrapped (torch imported already)

    factory = as_factory(factory, ref)
    dtype = check_choice("dtype", np.dtype(dtype or getattr(factory, "dtype", np.float64)), DTYPES)
    check_factory(factory, dtype)
    short = min(max_steps, SHORT_STEPS)
    overflow = bool(getattr(factory, "skips_overflow", False)) if overflow is None else overflow
    strategy = scenarios(dtype, short, allow_missing=allow_missing, long_steps=max_steps if max_steps > short else 0,
                         overflow=overflow)
    base = dict(implementation=factory_name(factory), reference=ref, dtype=dtype.name,
                max_examples=max_examples, seed=seed)
    if _batched(factory, dtype, overflow) and _passes_batched(factory, ref, strategy, max_examples, seed, dtype,
                                                              scribble):
        return CheckResult(True, **base)  # what the search below concludes when no scenario fails
    failing: list = []  # every failing scenario, for a flaky (non-deterministic) implementation

    def fails(sc) -> bool:
        bad = execute(factory, ref, sc, dtype, scribble) is not None
        if bad:
            failing.append(sc)
        return bad

    try:
        with _storage_outside_cwd():
            sc = find(strategy, fails, settings=_settings(max_examples), random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        return CheckResult(True, **base)
    except Flaky:  # failed, then passed on the same inputs: report the last failing scenario as such
        sc = failing[-1]
    return CheckResult(False, counterexample=_minimal(factory, ref, sc, dtype, scribble), **base)


def _batched(factory: Factory, dtype, overflow: bool) -> bool:
    """Can the scenarios be run many at a time (``runner.passes_all``)?  A factory with ``run_batch``
    (``adapters.torch`` of a torch.optim class) in the check's dtype, without inf/NaN steps."""
    return callable(getattr(factory, "run_batch", None)) and np.dtype(factory.dtype) == dtype and not overflow


def _passes_batched(factory: Factory, ref: Reference, strategy, max_examples: int, seed: int, dtype,
                    scribble: bool) -> bool:
    """True when every scenario the search would try passes (``runner.passes_all``), False for
    "not shown" (the search then runs as ever).  The scenarios are drawn by ``find`` with the same
    settings and seed and a predicate that records them and passes: Hypothesis's choices depend on
    the predicate only through its outcomes, so while every scenario passes, ``check``'s own search
    tries exactly these, in this order.  The first ``BATCH`` are run as soon as they are drawn, so
    that a gross departure ends the drawing there (the predicate then holds; no shrink phase)."""
    drawn: list = []
    failed: list = []

    def record(sc) -> bool:
        if not failed:
            drawn.append(sc)
            if len(drawn) == BATCH and not passes_all(factory, ref, drawn, dtype, scribble):
                failed.append(sc)
        return bool(failed)

    try:
        with _storage_outside_cwd():
            find(strategy, record, settings=settings(_settings(max_examples), phases=(Phase.generate,)),
                 random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        pass
    rest = drawn[BATCH:] if len(drawn) >= BATCH else drawn
    return bool(drawn) and not failed and passes_all(factory, ref, rest, dtype, scribble)


def _minimal(factory: Factory, ref: Reference, sc, dtype, scribble: bool) -> Counterexample:
    """Drop the parameters and steps that do not matter (``explain.reduce``) and say what does."""
    def kind_of(trial):
        found = execute(factory, ref, trial, dtype, scribble)
        return found and found.kind

    first = execute(factory, ref, sc, dtype, scribble)
    if first is None:  # failed during the search, passes now: the implementation is not deterministic
        return Counterexample(sc, Failure("nondeterministic", sc.n_steps, 0, "this scenario failed once and passed when run "
                                          "again: the implementation's results vary between runs (uninitialised "
                                          "memory? a race?)"), ref, "the same inputs give different results")
    reduced = reduce(sc, kind_of, first.kind)
    failure = execute(factory, ref, reduced, dtype, scribble)
    if failure is None:
        reduced, failure = sc, first
    return Counterexample(reduced, failure, ref, describe(reduced, kind_of, failure.kind, failure.step))


def assert_conforms(factory: Factory, ref: Reference, max_examples: int = 200, seed: int = 0, **options) -> None:
    """Raise ``AssertionError`` with the minimal counterexample unless ``factory`` conforms to ``ref``."""
    result = check(factory, ref, max_examples, seed, **options)
    if not result.ok:
        raise AssertionError(str(result))
