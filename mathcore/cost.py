"""Cost of a mini-batch update and of an epoch versus the batch size B (C2, seed 1.1/1.2).

Seed 1.1: batches "降低一次梯度计算成本" (lower the cost of one gradient computation) and
"加快一次 epoch 的计算速度（借助 GPU 并行）" (make an epoch faster with parallel hardware); 1.2:
full batch means few updates, small batch many.  The model, for N examples, batch size B ≤ N,
a fixed cost t₀ per update (launch, optimizer step, bookkeeping), a cost c per example-gradient
and a parallel width P (examples processed at once)::

    updates per epoch    U(B) = ⌈N/B⌉            (drop_last: ⌊N/B⌋, N − (N mod B) examples seen)
    time per update      t(B) = t₀ + c⌈B/P⌉      (serial: P = 1)
    time per epoch       E(B) = U(B)·t(B)  ≥  N t₀/B + N c/P  (equality when B | N and P | B)
    time per example     t(B)/B = t₀/B + c/P  (P | B): decreases in B — "cost per gradient ↓"

Relaxed to real B (``prove_cost_model``): ``E(B) = N t₀/B + N c/P`` strictly decreases to the floor
``N c/P``, so with P | N the full batch minimises epoch time; ``E(B) ≤ (1 + ε)·N c/P`` from the
knee ``B_ε = t₀ P/(ε c)`` on ("decreasing then flattening").  The trade-off: updates per epoch
``N/B`` fall as B grows while time per update rises — a larger batch buys a faster epoch with
fewer (less noisy) steps.

Operation counts (what C2 decides on; wall time is only measured): the simulator's least-squares
step, read off its loops (``sim.kernels.lsq_batch`` and the heavy-ball update), performs per
example of a batch ``4d + 7`` floating-point operations, a fused multiply-add counting 2 (residual
x·θ − y: d fmas into four partial sums, 3 adds joining them, 1 subtraction = 2d + 4; loss term ½r²: 3;
gradient accumulation g_j = fma(r, x_j, g_j): 2d) and per update ``5d + 1`` more (the two means:
d + 1 divisions; m = λm − ηg: 3d; θ + m: d).  With the batch sizes b_1..b_U an epoch really uses,
work W = Σ_k (5d + 1 + (4d + 7) b_k) and, with P lanes working on a batch at once, critical path
(span) S_P = Σ_k (5d + 1 + (4d + 7)⌈b_k/P⌉): the cost model with t₀ = 5d + 1 and c = 4d + 7.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optproof.mathcore.proof import Proof
from optproof.base.validation import check_array, check_choice, check_int, check_real

__all__ = ["updates_per_epoch", "examples_per_epoch", "update_time", "epoch_time", "time_per_example",
           "best_batch_size", "knee_batch_size", "CostFit", "fit_epoch_times", "prove_cost_model",
           "example_flops", "update_flops", "epoch_work", "epoch_span"]


def _sizes(N: Any, B: Any) -> tuple[int, int]:
    N = check_int("N", N, 1)
    return N, check_int("B", B, 1, N)


def _nonneg(name: str, x: Any):
    """Fractions/ints stay exact; other reals become checked floats (≥ 0)."""
    if isinstance(x, (int, Fraction)) and not isinstance(x, bool):
        if x < 0:
            raise ValueError(f"{name} must be a finite real number in [0, inf); got {x!r}")
        return Fraction(x)
    return check_real(name, x, 0.0)


def updates_per_epoch(N: int, B: int, drop_last: bool = False) -> int:
    """U = ⌈N/B⌉, or ⌊N/B⌋ with ``drop_last`` (sim's ``Sampler.steps_per_epoch``)."""
    N, B = _sizes(N, B)
    check_choice("drop_last", drop_last, (False, True))
    return N // B if drop_last else -(-N // B)


def examples_per_epoch(N: int, B: int, drop_last: bool = False) -> int:
    """Examples whose gradient is computed in one epoch: N, or N − (N mod B) with ``drop_last``."""
    N, B = _sizes(N, B)
    check_choice("drop_last", drop_last, (False, True))
    return N - N % B if drop_last else N


def update_time(B: int, t0: Any, c: Any, P: int = 1):
    """t(B) = t₀ + c⌈B/P⌉ (exact for Fraction/int inputs)."""
    B = check_int("B", B, 1)
    P = check_int("P", P, 1)
    return _nonneg("t0", t0) + _nonneg("c", c) * (-(-B // P))


def epoch_time(N: int, B: int, t0: Any, c: Any, P: int = 1):
    """E(B) = ⌈N/B⌉ (t₀ + c⌈B/P⌉): every batch padded to B (the last one too, as on a GPU)."""
    return updates_per_epoch(N, B) * update_time(_sizes(N, B)[1], t0, c, P)


def time_per_example(N: int, B: int, t0: Any, c: Any, P: int = 1):
    """E(B)/N: the cost of one example-gradient inside an epoch."""
    return epoch_time(N, B, t0, c, P) / Fraction(N) if isinstance(t0, (int, Fraction)) and isinstance(c, (int, Fraction)) \
        else epoch_time(N, B, t0, c, P) / N


def best_batch_size(N: int, t0: Any, c: Any, P: int = 1) -> int:
    """argmin_B E(B) over B = 1..N by enumeration (smallest such B); B = N whenever P | N."""
    N = check_int("N", N, 1)
    times = [epoch_time(N, B, t0, c, P) for B in range(1, N + 1)]
    return 1 + min(range(N), key=lambda i: (times[i], i))


def knee_batch_size(t0: float, c: float, P: int = 1, eps: float = 0.1) -> float:
    """B_ε = t₀P/(εc): from there on the relaxed epoch time is within (1 + ε) of its floor N c/P."""
    t0 = check_real("t0", t0, 0.0)
    c = check_real("c", c, 0.0, lo_open=True)
    eps = check_real("eps", eps, 0.0, lo_open=True)
    return t0 * check_int("P", P, 1) / (eps * c)


def example_flops(d: int) -> int:
    """Floating-point operations per example of a least-squares batch in the kernel: 4d + 7, an fma
    counting 2 (see the module doc and ``sim.reference.lsq_dot``)."""
    return 4 * check_int("d", d, 1) + 7


def update_flops(d: int) -> int:
    """Floating-point operations per update outside the example loop: 5d + 1 (means, heavy ball, θ + m)."""
    return 5 * check_int("d", d, 1) + 1


def _batch_sizes(batch_sizes: Any) -> list[int]:
    sizes = [check_int("batch size", b, 1) for b in np.asarray(batch_sizes, dtype=object).ravel().tolist()]
    if not sizes:
        raise ValueError("batch_sizes must name at least one batch")
    return sizes


def epoch_work(batch_sizes: Any, d: int) -> int:
    """W = Σ_k (update_flops(d) + example_flops(d)·b_k) over the batches b_k of an epoch (exact integer)."""
    return sum(update_flops(d) + example_flops(d) * b for b in _batch_sizes(batch_sizes))


def epoch_span(batch_sizes: Any, d: int, P: int = 1) -> int:
    """S_P = Σ_k (update_flops(d) + example_flops(d)·⌈b_k/P⌉): the critical path with P parallel lanes per batch."""
    P = check_int("P", P, 1)
    return sum(update_flops(d) + example_flops(d) * (-(-b // P)) for b in _batch_sizes(batch_sizes))


class CostFit(NamedTuple):
    """Least-squares fit of E(B) = t₀·U(B) + N·c to measured epoch times, with standard errors."""

    t0: float
    c: float
    se_t0: float
    se_c: float
    r2: float
    rel_residuals: np.ndarray


def fit_epoch_times(N: int, batch_sizes: Any, times: Any) -> CostFit:
    """Fit ``E(B) = t₀⌈N/B⌉ + cN`` by least squares weighted by 1/E (relative errors).

    Standard errors from the weighted residual variance (needs ≥ 3 distinct B).
    """
    N = check_int("N", N, 1)
    Bs = check_array("batch_sizes", batch_sizes, ndim=1, min_size=3)
    y = check_array("times", times, shape=(Bs.size,))
    if np.any(y <= 0):
        raise ValueError("times must contain only positive values")
    U = np.array([updates_per_epoch(N, int(b)) for b in Bs], dtype=float)
    X = np.column_stack([U, np.full_like(U, N)]) / y[:, None]
    coef, *_ = np.linalg.lstsq(X, np.ones_like(y), rcond=None)
    pred = np.column_stack([U, np.full_like(U, N)]) @ coef
    rel = (y - pred) / y
    dof = max(Bs.size - 2, 1)
    s2 = float(rel @ rel) / dof
    cov = s2 * np.linalg.inv(X.T @ X)
    ss_tot = float(np.sum((np.log(y) - np.log(y).mean()) ** 2))
    ss_res = float(np.sum((np.log(y) - np.log(np.maximum(pred, 1e-300))) ** 2))
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return CostFit(float(coef[0]), float(coef[1]), float(math.sqrt(cov[0, 0])), float(math.sqrt(cov[1, 1])), r2, rel)


def prove_cost_model() -> Proof:
    """Relaxed epoch time N t₀/B + N c/P: decreasing in B, floor N c/P, knee t₀P/(εc); per-example
    cost t₀/B + c/P decreasing; updates per epoch N/B decreasing (symbolic N, B, t₀, c, P, ε)."""
    N, B, P, t0, c, eps = sp.symbols("N B P t_0 c epsilon", positive=True)
    proof = Proof(r"E(B) = \frac{N}{B}\left(t_0 + \frac{cB}{P}\right) = \frac{Nt_0}{B} + \frac{Nc}{P},\ "
                  r"E'(B) = -\frac{Nt_0}{B^2} < 0",
                  assumptions="B divides N and P divides B (the ceilings are exact); t0, c > 0")
    E = (N / B) * (t0 + c * B / P)
    proof.step("epoch time = updates per epoch N/B times time per update t0 + cB/P (distributivity)", E,
               N * t0 / B + N * c / P,
               shows=r"E(B) = \frac{N}{B}\left(t_0 + \frac{cB}{P}\right) = \frac{N t_0}{B} + \frac{N c}{P}")
    proof.step("derivative in B: dE/dB = -N t0/B^2 < 0, a larger batch gives a faster epoch", sp.Derivative(E, B),
               -N * t0 / B**2, shows=r"\frac{dE}{dB} = -\frac{N t_0}{B^2} < 0")
    proof.step("limit B -> oo: the floor N c/P (parallel width P divides the per-example cost)",
               sp.Limit(E, B, sp.oo), N * c / P, shows=r"\lim_{B \to \infty} E(B) = \frac{N c}{P}")
    knee = t0 * P / (eps * c)
    proof.step("knee: E(B_eps) = (1 + eps) N c/P at B_eps = t0 P/(eps c)", sp.Subs(E, B, knee),
               (1 + eps) * N * c / P,
               shows=r"E(B_\epsilon) = (1 + \epsilon)\frac{N c}{P},\ B_\epsilon = \frac{t_0 P}{\epsilon c}")
    per_example = (t0 + c * B / P) / B
    proof.step("time per example = time per update / B = t0/B + c/P", per_example, t0 / B + c / P,
               shows=r"\frac{t(B)}{B} = \frac{t_0 + cB/P}{B} = \frac{t_0}{B} + \frac{c}{P}")
    proof.step("derivative of the time per example: -t0/B^2 < 0, the cost per gradient falls with B",
               sp.Derivative(per_example, B), -t0 / B**2,
               shows=r"\frac{d}{dB}\frac{t(B)}{B} = -\frac{t_0}{B^2} < 0")
    proof.step("derivative of the updates per epoch: -N/B^2 < 0, fewer updates per epoch", sp.Derivative(N / B, B),
               -N / B**2, shows=r"\frac{d}{dB}\frac{N}{B} = -\frac{N}{B^2} < 0")
    proof.step("derivative of the time per update: it rises with B at slope c/P", sp.Derivative(t0 + c * B / P, B),
               c / P, shows=r"\frac{d}{dB}\left(t_0 + \frac{cB}{P}\right) = \frac{c}{P} > 0")
    k = sp.Symbol("k", positive=True)
    proof.step("full batch B = N = kP: E(N) = t0 + N c/P, the floor plus one update's overhead",
               sp.Subs(E.subs(N, k * P), B, k * P), t0 + k * c,
               shows=r"E(N)\big|_{N = kP} = t_0 + \frac{N c}{P} = t_0 + kc")
    grid = [(n_, b_, p_) for n_ in (12, 16, 24) for b_ in range(1, n_ + 1) for p_ in range(1, b_ + 1)
            if n_ % b_ == 0 and b_ % p_ == 0]
    t0_, c_ = Fraction(3, 2), Fraction(1, 4)
    library = sp.Tuple(*[sp.Rational(epoch_time(n_, b_, t0_, c_, p_)) for n_, b_, p_ in grid])
    derived = sp.Tuple(*[sp.Subs(E, (N, B, P, t0, c), (n_, b_, p_, sp.Rational(3, 2), sp.Rational(1, 4)))
                         for n_, b_, p_ in grid])
    proof.step("the library's epoch_time (ceilings exact where B | N and P | B) equals the derived E(B), "
               f"exactly at t0 = 3/2, c = 1/4 for every N in (12, 16, 24) and such B, P ({len(grid)} points)",
               library, derived, verified=library == sp.Tuple(*[d.doit() for d in derived]),
               shows=r"\texttt{epoch\_time}(N, B, t_0, c, P) = \frac{N t_0}{B} + \frac{N c}{P}\quad (B \mid N,\ P \mid B)")
    return proof
