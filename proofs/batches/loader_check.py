"""``check_loader``: does a training loop's batch stream follow C1 as its ``LoaderSpec`` claims?

Two stages, both deterministic functions of ``(batches, spec, max_examples, seed)``:

1. **Search.**  Hypothesis draws ``world_size`` (1–4 when ``spec.distributed`` is set, else 1),
   ``n`` (``world_size``–16), ``B`` (1–8) and the number of epochs (1–6), runs every rank (each
   freshly seeded with ``seed``) and checks the exact properties of ``loader_exact``; it also flags
   repeated epoch orders when a correct shuffle repeats them with probability at most
   ``ALPHA_EACH / max_examples`` (Bonferroni over the search: the search's false-alarm
   probability is at most ``ALPHA_EACH`` = 5e-6).  A failure is shrunk to the smallest case.
   The search is derandomized and has no example database.
2. **Statistics** (shuffling specs only): at the fixed case of ``loader_stats`` the three
   chi-square comparisons, each at ``alpha`` (default ``ALPHA_EACH``), and a repeated epoch order
   at ``alpha``.  A correct loader is flagged with probability at most ``4·alpha + ALPHA_EACH``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from optproof.base.validation import check_int, check_real
from optproof.proofs.batches.collect import LoaderOutputError, collect_ranks
from optproof.proofs.batches.loader_exact import case_label, exact_failure
from optproof.proofs.batches.loader_stats import (STAT_B, STAT_EPOCHS, STAT_N, loader_comparisons,
                                                  repeat_failure)
from optproof.proofs.batches.spec import LoaderSpec
from optproof.proofs.stats import ALPHA_EACH, SUITE_ALPHA, Comparison

__all__ = ["LoaderCase", "LoaderResult", "check_loader", "search_settings"]

Batches = Callable[[int, int, int, int, int], object]


@dataclass(frozen=True)
class LoaderCase:
    """One drawn case and, when it fails, why."""

    n: int
    batch_size: int
    world_size: int
    n_epochs: int
    reason: str = ""

    def __str__(self) -> str:
        return self.reason or case_label(self.n, self.batch_size, self.world_size, self.n_epochs)


@dataclass(frozen=True)
class LoaderResult:
    """Verdict of ``check_loader``: ``ok``, the shrunk ``counterexample`` and the statistics."""

    ok: bool
    loader: str
    spec: LoaderSpec
    max_examples: int
    seed: int
    counterexample: LoaderCase | None = None
    comparisons: list[Comparison] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = (f"{'PASS' if self.ok else 'FAIL'} {self.loader} against C1 [{self.spec.describe()}; "
                f"up to {self.max_examples} examples, seed {self.seed}]")
        lines = [head]
        if self.counterexample is not None:
            lines.append(f"  counterexample: {self.counterexample}")
        lines += [f"  {c}" for c in self.comparisons]
        if self.ok:
            lines.append("  no violation found")
        return "\n".join(lines)


def search_settings(max_examples: int) -> settings:
    """Derandomized, no database, generate + shrink only, quiet."""
    return settings(max_examples=max_examples, database=None, deadline=None, derandomize=True,
                    verbosity=Verbosity.quiet, report_multiple_bugs=False,
                    phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck))


def _cases(spec: LoaderSpec):
    max_world = 4 if spec.distributed else 1
    return st.integers(1, max_world).flatmap(lambda w: st.tuples(
        st.just(w), st.integers(w, 16), st.integers(1, 8), st.integers(1, 6)))


def _reason(batches: Batches, spec: LoaderSpec, case, seed: int, alpha: float) -> str | None:
    w, n, B, E = case
    try:
        ranks = collect_ranks(batches, n, B, E, w, seed)
    except LoaderOutputError as exc:
        return f"{exc} {case_label(n, B, w, E)}"
    except Exception as exc:  # the code under test crashed: that is a counterexample too
        return f"batches(...) raised {type(exc).__name__}: {exc} {case_label(n, B, w, E)}"
    return (exact_failure(spec, ranks, n, B, E)
            or repeat_failure(spec, ranks, case_label(n, B, w, E), n, alpha))


def _name(batches) -> str:
    return getattr(batches, "name", None) or getattr(batches, "__qualname__", None) or repr(batches)


def _search(batches: Batches, spec: LoaderSpec, max_examples: int, seed: int) -> LoaderCase | None:
    alpha = ALPHA_EACH / max_examples
    try:
        case = find(_cases(spec), lambda c: _reason(batches, spec, c, seed, alpha) is not None,
                    settings=search_settings(max_examples))
    except (NoSuchExample, Unsatisfiable):
        return None
    w, n, B, E = case
    return LoaderCase(n, B, w, E, _reason(batches, spec, case, seed, alpha))


def _statistics(batches: Batches, spec: LoaderSpec, world_size: int, n_epochs: int, seed: int,
                alpha: float) -> tuple[LoaderCase | None, list[Comparison]]:
    n, B = STAT_N, STAT_B
    ranks = collect_ranks(batches, n, B, n_epochs, world_size, seed)
    label = case_label(n, B, world_size, n_epochs)
    reason = exact_failure(spec, ranks, n, B, n_epochs) or repeat_failure(spec, ranks, label, n, alpha)
    if reason:
        return LoaderCase(n, B, world_size, n_epochs, reason), []
    comps = loader_comparisons(spec, ranks, B, alpha)
    bad = [c for c in comps if not c.passed]
    if not bad:
        return None, comps
    text = f"{bad[0].name} fails at {label}, z = {bad[0].z:+.2f} (alpha {alpha:g} each)"
    return LoaderCase(n, B, world_size, n_epochs, text), comps


def check_loader(batches: Batches, spec: LoaderSpec, *, max_examples: int = 100, seed: int = 0,
                 stat_epochs: int = STAT_EPOCHS, stat_world_size: int | None = None,
                 alpha: float = ALPHA_EACH) -> LoaderResult:
    """Check ``batches(n, batch_size, n_epochs, rank, world_size)`` against C1 under ``spec``.

    ``stat_world_size`` (default 2 when distributed, else 1) must divide 24; ``alpha`` is the
    per-comparison false-alarm rate of the statistical stage (at most the suite budget 1e-3).
    """
    if not callable(batches):
        raise TypeError(f"batches must be callable as batches(n, batch_size, n_epochs, rank, world_size); "
                        f"got {type(batches).__name__}")
    if not isinstance(spec, LoaderSpec):
        raise TypeError(f"spec must be an optproof.LoaderSpec; got {type(spec).__name__}")
    check_int("max_examples", max_examples, 1, 10_000)
    check_int("seed", seed, 0)
    check_int("stat_epochs", stat_epochs, 100, 100_000)
    check_real("alpha", alpha, 0.0, SUITE_ALPHA, lo_open=True)
    w = stat_world_size if stat_world_size is not None else (2 if spec.distributed else 1)
    w = spec.check_world_size(check_int("stat_world_size", w, 1, 4))
    if STAT_N % (w * STAT_B):
        raise ValueError(f"stat_world_size must be 1, 2, 3 or 4 (dividing n/B = {STAT_N // STAT_B}); got {w}")
    base = dict(loader=_name(batches), spec=spec, max_examples=max_examples, seed=seed)
    found = _search(batches, spec, max_examples, seed)
    if found is not None:
        return LoaderResult(False, counterexample=found, **base)
    if not spec.shuffle:
        return LoaderResult(True, **base)
    found, comps = _statistics(batches, spec, w, stat_epochs, seed, alpha)
    return LoaderResult(found is None, counterexample=found, comparisons=comps, **base)
