"""The accumulation checker's cases: micro-batches, the model's exact per-example gradients, the
global objective's gradient and the normalizations that code gets wrong (C4, C5).

Two tasks, both with parameters ``[W, b]`` flattened in that order:

- ``example_mean`` (regression): ``ŷ = W x + b`` with ``W`` 1×2, squared error; per example
  ``ℓ_i = r_i²`` with ``r_i = W x_i + b − y_i`` and gradient ``(2 r_i x_i, 2 r_i)``.
- ``token_mean`` (tokens): ``logits = W x_t + b`` with ``W`` 4×2 started at 0, so the softmax is
  exactly ``1/4``; per counted token ``ℓ_t = log 4``, gradient ``((1/4 − e_{y_t}) x_tᵀ, 1/4 − e_{y_t})``.
  Targets ``−100`` are ignored positions (``ignore_index``).

Inputs and targets are small integers and the weights dyadic, so every per-example gradient is an
exact ``Fraction``.  The global objective is ``(1/N) Σ ℓ`` over every example (or counted token)
of every rank; its gradient ``G = Σ_k S_k / N`` with ``S_k`` the gradient sum of micro-batch ``k``
and ``N = Σ_k c_k`` its count.  Each wrong normalization is a non-negative combination
``Σ_k w_k S_k`` as well, which the float tolerance (``accumulation.tolerance``) relies on.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["SEQ_LEN", "VOCAB", "W0", "B0", "AccumulationCase", "MicroBatch", "make_cases", "Candidate",
           "candidates", "group_sums"]

SEQ_LEN, VOCAB, IGNORE = 3, 4, -100
W0, B0 = (0.5, -0.25), 0.125  # the regression model's start


@dataclass(frozen=True)
class MicroBatch:
    """``input``/``target`` as NumPy arrays (the torch adapter wraps them as tensors)."""

    input: np.ndarray
    target: np.ndarray

    @property
    def size(self) -> int:
        return int(self.input.shape[0])

    def tokens(self) -> int:
        return int(np.sum(self.target != IGNORE))


@dataclass(frozen=True)
class AccumulationCase:
    """What one rank runs: its micro-batches, the task, the parameters to start from."""

    normalization: str
    rank: int
    world_size: int
    micro_batches: tuple[MicroBatch, ...]

    @property
    def task(self) -> str:
        return "regression" if self.normalization == "example_mean" else "tokens"

    def initial_params(self) -> list[np.ndarray]:
        if self.task == "regression":
            return [np.array([W0], dtype=np.float64), np.array([B0], dtype=np.float64)]
        return [np.zeros((VOCAB, 2)), np.zeros(VOCAB)]

    def counts(self) -> list[int]:
        return [mb.size if self.task == "regression" else mb.tokens() for mb in self.micro_batches]


def _data(seed: int, size: int):
    rng = np.random.default_rng([seed, 10])
    return (rng.integers(-2, 3, (size, SEQ_LEN, 2)).astype(np.float64), rng.integers(-3, 4, size).astype(np.float64),
            rng.integers(0, VOCAB, (size, SEQ_LEN)))


def make_cases(normalization: str, sizes: list[list[int]], token_counts: list[int], seed: int) -> list[AccumulationCase]:
    """One case per rank: ``sizes[r]`` are rank ``r``'s micro-batch sizes; example ``i`` (rank-major)
    counts ``token_counts[i]`` tokens (the first ones of its sequence)."""
    total = sum(map(sum, sizes))
    x, y, tok = _data(seed, total)
    cases, i = [], 0
    for r, rank_sizes in enumerate(sizes):
        mbs = []
        for b in rank_sizes:
            sl = slice(i, i + b)
            if normalization == "example_mean":
                mbs.append(MicroBatch(x[sl, 0, :].copy(), y[sl, None].copy()))
            else:
                t = tok[sl].copy()
                for j in range(b):
                    t[j, token_counts[i + j]:] = IGNORE
                mbs.append(MicroBatch(x[sl].copy(), t))
            i += b
        cases.append(AccumulationCase(normalization, r, len(sizes), tuple(mbs)))
    return cases


def _example_grads(case: AccumulationCase, mb: MicroBatch) -> list[tuple[list[Fraction], Fraction]]:
    """Per example (or counted token): its exact gradient and loss (loss ``None`` when irrational)."""
    out = []
    if case.task == "regression":
        w, b = [Fraction(v) for v in W0], Fraction(B0)
        for xi, yi in zip(mb.input, mb.target[:, 0]):
            r = w[0] * Fraction(xi[0]) + w[1] * Fraction(xi[1]) + b - Fraction(yi)
            out.append(([2 * r * Fraction(xi[0]), 2 * r * Fraction(xi[1]), 2 * r], r * r))
        return out
    for xs, ts in zip(mb.input, mb.target):
        for xt, yt in zip(xs, ts):
            if yt == IGNORE:
                continue
            d = [Fraction(1, VOCAB) - (v == yt) for v in range(VOCAB)]
            out.append(([d[v] * Fraction(xt[j]) for v in range(VOCAB) for j in range(2)] + d, None))
    return out


def group_sums(cases: list[AccumulationCase]) -> list[list[tuple[list[Fraction], list[Fraction], int]]]:
    """Per rank, per micro-batch: (exact gradient sum S_k, abs-gradient sum, count c_k, examples n_k)."""
    out = []
    for case in cases:
        rank = []
        for mb in case.micro_batches:
            g = _example_grads(case, mb)
            dim = len(g[0][0]) if g else 0
            s = [sum((e[0][j] for e in g), Fraction(0)) for j in range(dim)]
            a = [sum((abs(e[0][j]) for e in g), Fraction(0)) for j in range(dim)]
            rank.append((s, a, len(g), mb.size))
        out.append(rank)
    return out


@dataclass(frozen=True)
class Candidate:
    """A normalization: ``name`` and, per rank, the micro-batch weights ``w_k`` of ``Σ_k w_k S_k``."""

    name: str
    weights: tuple[tuple[tuple[Fraction, ...], ...], ...]  # rank -> micro-batch of every rank -> weight

    def value(self, sums, rank: int, which: int = 0) -> list[Fraction]:
        """``Σ w_k S_k`` (``which=0``) or ``Σ w_k |g|_k`` (``which=1``) as seen on ``rank``."""
        flat = [mb for r in sums for mb in r]
        dim = len(flat[0][which])
        return [sum((w * mb[which][j] for w, mb in zip(self.weights[rank], flat)), Fraction(0)) for j in range(dim)]


def _uniform(name: str, ws: int, weights: list[Fraction]) -> Candidate:
    return Candidate(name, tuple(tuple(weights) for _ in range(ws)))


def candidates(sums) -> list[Candidate]:
    """The global mean first, then the wrong normalizations (gains by the world size included)."""
    ws = len(sums)
    counts = [[mb[2] for mb in r] for r in sums]
    flat = [c for r in counts for c in r]
    N, K = sum(flat), len(counts[0])
    inv = [Fraction(1, c) if c else Fraction(0) for c in flat]
    examples = [mb[3] for r in sums for mb in r]
    n_ex = sum(examples)
    base = [
        ("global mean", [Fraction(1, N)] * len(flat)),
        ("mean of micro-batch means", [v / (K * ws) for v in inv]),
        ("sum of micro-batch means (no division by the accumulation count)", [v / ws for v in inv]),
        ("sum (no normalization)", [Fraction(1)] * len(flat)),
        ("sum divided by the count twice", [Fraction(1, N * N)] * len(flat)),
        ("mean of micro-batch means divided by the accumulation count again", [v / (K * K * ws) for v in inv]),
        ("sum divided by the number of micro-batches", [Fraction(1, K * ws)] * len(flat)),
    ]
    if N != n_ex:  # tokens
        base += [("token sum divided by the example count", [Fraction(1, n_ex)] * len(flat)),
                 ("micro-batch token means weighted by their example counts",
                  [Fraction(e, n_ex) * v for e, v in zip(examples, inv)])]
    out = [_uniform(name, ws, w) for name, w in base]
    if ws > 1:
        out += [_uniform(f"{name}, times world_size", ws, [x * ws for x in w]) for name, w in base]
        out += [_uniform(f"{name}, divided by world_size", ws, [x / ws for x in w]) for name, w in base]
        out.append(_local_mean(counts))
        out.append(_mean_of_rank_means(counts))
    return out


def _local_mean(counts) -> Candidate:
    """Each rank's own global mean, never all-reduced."""
    ws, sizes = len(counts), [len(r) for r in counts]
    rows = []
    for r in range(ws):
        n_r = sum(counts[r])
        rows.append(tuple(Fraction(1, n_r) if q == r else Fraction(0) for q in range(ws) for _ in range(sizes[q])))
    return Candidate("rank-local mean (never all-reduced)", tuple(rows))


def _mean_of_rank_means(counts) -> Candidate:
    """All-reduce average of per-rank means: biased when ranks hold different counts."""
    ws = len(counts)
    w = tuple(Fraction(1, ws * sum(counts[q])) for q in range(ws) for _ in counts[q])
    return Candidate("average of the ranks' means (ranks hold different counts)", tuple(w for _ in range(ws)))
