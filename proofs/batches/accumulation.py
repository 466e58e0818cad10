"""``check_accumulation``: is the accumulated gradient the gradient of the global mean (C4, C5)?

``step(case) -> [grad_W, grad_b]`` runs one rank's micro-batches (``torch_accumulation`` wraps a
torch ``train_step``).  Hypothesis (derandomized, no database) draws the number of micro-batches
``K`` (1–3), the size ``B`` (1–4) of all but the last, each rank's last size ``r ≤ B`` and, for
tokens, each sequence's counted tokens (1–3), and shrinks a failure to the smallest such case.
The reference is ``∇L`` of the global objective over all ranks (``accumulation_case``), exact.

Tolerance (float arithmetic).  Every normalization is ``Σ_k w_k S_k`` with ``w_k ≥ 0``: a sum of
``n`` per-example terms, each a product of at most four rounded factors, summed within
micro-batches, accumulated over ``K`` micro-batches and all-reduced over ``w`` ranks.  With unit
roundoff ``u`` of the gradient's dtype and ``m = 4(n + K + w) + 16`` rounding steps on any path,
the standard bound ``|fl(Σ) − Σ| ≤ γ_m Σ|terms|``, ``γ_m = m u/(1 − m u)``, gives, componentwise,
``|g − Σ w_k S_k| ≤ γ_m Σ_k w_k A_k`` with ``A_k = Σ_{i∈k} |g_i|``.  The check passes when the
code's gradient is within that of ``∇L`` on every rank, and names the first normalization
within its own bound when it is not.  Nothing here is random: no false alarm is possible.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
from hypothesis import find
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from optproof.base.validation import check_choice, check_int, check_real
from optproof.mathcore.batching import unweighted_epoch_bias
from optproof.proofs.batches.accumulation_case import SEQ_LEN, candidates, group_sums, make_cases
from optproof.proofs.batches.loader_check import search_settings

__all__ = ["NORMALIZATIONS", "AccumulationCounterexample", "AccumulationResult", "check_accumulation", "tolerance"]

NORMALIZATIONS = ("example_mean", "token_mean")


def tolerance(weights_abs: list[Fraction], dtype, n_terms: int, n_micro: int, world_size: int) -> np.ndarray:
    """``γ_m · Σ_k w_k A_k`` per component (module docstring)."""
    u = float(np.finfo(np.dtype(dtype)).eps) / 2.0
    m = 4 * (n_terms + n_micro + world_size) + 16
    gamma = m * u / (1.0 - m * u)
    return gamma * np.array([float(a) for a in weights_abs])


@dataclass(frozen=True)
class AccumulationCounterexample:
    """The smallest failing case and what the code computes there."""

    sizes: tuple[tuple[int, ...], ...]  # rank -> micro-batch sizes
    token_counts: tuple[tuple[int, ...], ...] | None
    rank: int
    implemented: str
    max_error: float
    bias: str

    def __str__(self) -> str:
        where = ("micro-batch sizes " + (str(list(self.sizes[0])) if len(self.sizes) == 1 else
                                         "; ".join(f"rank {r}: {list(s)}" for r, s in enumerate(self.sizes))))
        if self.token_counts is not None:
            where += ", counted tokens per micro-batch " + "; ".join(map(str, map(list, self.token_counts)))
        return (f"{where}: rank {self.rank} computes the {self.implemented}, not the gradient of the global "
                f"mean (max |error| {self.max_error:.3g})\n    {self.bias}")


@dataclass(frozen=True)
class AccumulationResult:
    """Verdict of ``check_accumulation``."""

    ok: bool
    implementation: str
    normalization: str
    world_size: int
    max_examples: int
    seed: int
    counterexample: AccumulationCounterexample | str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = (f"{'PASS' if self.ok else 'FAIL'} {self.implementation} against the global {self.normalization} "
                f"[world_size {self.world_size}; up to {self.max_examples} examples, seed {self.seed}]")
        if self.ok:
            return head + "\n  accumulated gradient = gradient of the global objective in every case tried"
        return f"{head}\n  counterexample: {self.counterexample}"


def _structures(normalization: str, world_size: int):
    def tokens(shape):
        K, B, rs = shape
        n = (K - 1) * B * world_size + sum(rs)
        if normalization == "example_mean":
            return st.just((K, B, rs, (1,) * n))
        return st.tuples(st.just(K), st.just(B), st.just(rs), st.tuples(*[st.integers(1, SEQ_LEN)] * n))
    shapes = st.tuples(st.integers(1, 3), st.integers(1, 4)).flatmap(
        lambda kb: st.tuples(st.just(kb[0]), st.just(kb[1]), st.tuples(*[st.integers(1, kb[1])] * world_size)))
    return shapes.flatmap(tokens)


def _sizes(structure) -> list[list[int]]:
    K, B, rs, _ = structure
    return [[B] * (K - 1) + [r] for r in rs]


def _as_vector(grads) -> np.ndarray:
    return np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads])


def _dtype(grads):
    return np.result_type(*[np.asarray(g).dtype for g in grads])


def _within(g: np.ndarray, cand, sums, rank: int, dtype, n: int, K: int, w: int) -> bool:
    exact = np.array([float(v) for v in cand.value(sums, rank)])
    if g.shape != exact.shape:
        return False
    return bool(np.all(np.abs(g - exact) <= tolerance(cand.value(sums, rank, 1), dtype, n, K, w)))


def _bias_text(structure, sums, cand, rank: int, normalization: str) -> str:
    """The exact bias of the code's gradient; for a mean of micro-batch means via C5's formula."""
    ref = candidates(sums)[0].value(sums, rank)
    got = cand.value(sums, rank)
    diff = [a - b for a, b in zip(got, ref)]
    K, B, rs, _ = structure
    flat = [mb for r in sums for mb in r]
    text = "exact bias g - grad L = [" + ", ".join(str(d) for d in diff) + "]"
    if cand.name == "mean of micro-batch means" and K > 1:
        Kw = K * len(sums)
        N = sum(mb[2] for mb in flat)
        general = [sum(((Fraction(1, Kw) - Fraction(mb[2], N)) * mb[0][j] / mb[2] for mb in flat), Fraction(0))
                   for j in range(len(ref))]
        text += f" {'=' if general == diff else '!='} sum_k (1/K - c_k/N) grad L_k (C5's unweighted-mean bias)"
    if cand.name == "mean of micro-batch means" and len(sums) == 1 and normalization == "example_mean" and K > 1:
        N = (K - 1) * B + rs[0]
        last = [s / flat[-1][2] for s in flat[-1][0]]
        c5 = [unweighted_epoch_bias(N, B, lj, gj) for lj, gj in zip(last, ref)]
        agrees = "=" if c5 == diff else "!="
        text += (f" {agrees} C5's (B - r)/(K B) (grad L_last - grad L) with N={N}, B={B}, r={rs[0]}, K={K} "
                 f"(mathcore.batching.unweighted_epoch_bias)")
    ratios = {g / r for g, r in zip(got, ref) if r != 0}
    if len(ratios) == 1 and all((g == 0) == (r == 0) for g, r in zip(got, ref)):
        text += f"; g = {ratios.pop()} x grad L"
    return text


def _failure(structure, cases, grads_by_rank, normalization: str, probe: set[str] | None = None):
    """``None`` when every rank's gradient is within tolerance of ∇L, else the counterexample."""
    sums = group_sums(cases)
    n = sum(mb[2] for r in sums for mb in r)
    K, w = len(sums[0]), len(sums)
    cands = candidates(sums)
    tokens = None if normalization == "example_mean" else tuple(tuple(mb[2] for mb in r) for r in sums)
    sizes = tuple(tuple(s) for s in _sizes(structure))
    for rank, grads in enumerate(grads_by_rank):
        if isinstance(grads, str):
            return AccumulationCounterexample(sizes, tokens, rank, f"step raised {grads}", float("nan"), "")
    for rank, grads in enumerate(grads_by_rank):
        g, dtype = _as_vector(grads), _dtype(grads)
        if _within(g, cands[0], sums, rank, dtype, n, K, w):
            continue
        matches = [c for c in cands[1:] if _within(g, c, sums, rank, dtype, n, K, w)]
        if probe is not None and any(c.name in probe for c in matches):
            matches = [c for c in matches if c.name in probe]
        match = matches[0] if matches else None
        ref = np.array([float(v) for v in cands[0].value(sums, rank)])
        err = float(np.max(np.abs(g - ref))) if g.shape == ref.shape else float("inf")
        if match is None:
            return AccumulationCounterexample(sizes, tokens, rank, "an unrecognised normalization", err,
                                              f"got {np.array2string(g, precision=6)}, expected "
                                              f"{np.array2string(ref, precision=6)}")
        name = match.name + (f" (here equal to: {'; '.join(c.name for c in matches[1:])})" if matches[1:] else "")
        return AccumulationCounterexample(sizes, tokens, rank, name, err,
                                          _bias_text(structure, sums, match, rank, normalization))
    return None


class _Local:
    def __init__(self, step: Callable) -> None:
        self.step = step

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, cases):
        try:
            return [self.step(cases[0])]
        except Exception as exc:  # the code under test crashed: a counterexample
            return [f"{type(exc).__name__}: {exc}"]


def check_accumulation(step: Callable, normalization: str = "example_mean", *, world_size: int = 1,
                       max_examples: int = 60, seed: int = 0, timeout: float = 60.0) -> AccumulationResult:
    """Check that ``step`` leaves the gradient of the global ``normalization`` objective.

    ``world_size > 1`` runs every case on a real gloo process group of ``world_size`` spawned
    processes on 127.0.0.1 (``distributed.ProcessGroup``); ``step`` must then be picklable and
    ``timeout`` (seconds) bounds start-up and each case.
    """
    if not callable(step):
        raise TypeError(f"step must be callable as step(case); got {type(step).__name__} "
                        f"(wrap a torch train_step with optproof.adapters.torch_accumulation)")
    check_choice("normalization", normalization, NORMALIZATIONS)
    world_size = check_int("world_size", world_size, 1, 8)
    check_int("max_examples", max_examples, 1, 10_000)
    check_int("seed", seed, 0)
    check_real("timeout", timeout, 0.0, 3600.0, lo_open=True)
    name = getattr(step, "name", None) or getattr(step, "__qualname__", None) or repr(step)
    base = dict(implementation=name, normalization=normalization, world_size=world_size,
                max_examples=max_examples, seed=seed)
    if world_size == 1:
        runner = _Local(step)
    else:
        from optproof.proofs.batches.distributed import ProcessGroup

        runner = ProcessGroup(step, world_size, timeout)
    with runner:
        def outcome(structure):
            cases = make_cases(normalization, _sizes(structure), list(structure[3]), seed)
            return _failure(structure, cases, runner.run(cases), normalization)
        try:
            worst = find(_structures(normalization, world_size), lambda s: outcome(s) is not None,
                         settings=search_settings(max_examples))
        except (NoSuchExample, Unsatisfiable):
            return AccumulationResult(True, **base)
        probe = _probe(runner, normalization, world_size, seed)
        cases = make_cases(normalization, _sizes(worst), list(worst[3]), seed)
        found = _failure(worst, cases, runner.run(cases), normalization, probe)
        return AccumulationResult(False, counterexample=found, **base)


def _probe(runner, normalization: str, world_size: int, seed: int) -> set[str]:
    """Names of the normalizations the code matches on a larger, discriminating case (uneven
    micro-batches, ranks and token counts), to name it unambiguously at the shrunk case."""
    structure = (3, 3, tuple(1 + r % 3 for r in range(world_size)), None)
    n = 6 * world_size + sum(structure[2])
    structure = structure[:3] + (tuple(1 + i % SEQ_LEN for i in range(n)),)
    cases = make_cases(normalization, _sizes(structure), list(structure[3]), seed)
    grads = runner.run(cases)
    sums = group_sums(cases)
    K, n_terms = len(sums[0]), sum(mb[2] for r in sums for mb in r)
    names = set()
    for rank, g in enumerate(grads):
        if isinstance(g, str):
            return set()
        found = {c.name for c in candidates(sums)
                 if _within(_as_vector(g), c, sums, rank, _dtype(g), n_terms, K, world_size)}
        names = found if rank == 0 else names & found
    return names
