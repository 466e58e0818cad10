"""Mini-batch losses and gradients: moments, epoch identities and their proofs (C1, C4, C5).

Data: per-example losses ``ℓ_1..ℓ_N`` (or gradient vectors ``g_i``), ``L = (1/N) Σ ℓ_i``,
``σ² = (1/N) Σ (ℓ_i − L)²``, ``Σ = (1/N) Σ (g_i − ḡ)(g_i − ḡ)ᵀ``.  A batch of size ``B`` is a
uniform ``B``-subset (all ``C(N, B)`` equally likely) or ``B`` i.i.d. uniform indices
(``replace=True``); ``L_B = (1/B) Σ_{i∈batch} ℓ_i``.

    E[L_B] = L                                   (both samplers)
    Var[L_B] = (N − B)/(N − 1) · σ²/B            (without replacement; 0 for B = N and N = 1)
    Var[L_B] = σ²/B                              (with replacement)
    Cov[∇L_B] = same factor · Σ

Epoch of ``N = qB + r`` examples (``0 < r < B``), ``K = q + 1`` batches, the last of size ``r``:
``Σ_k (b_k/N) L_{B_k} = L``; the unweighted mean ``U`` of the batch means has
``U − L = (B − r)/(K B) · (L_last − L)``; dropping the last batch gives a mean of the seen
examples ``= L + r/(q B) · (L − L_dropped)``.

The SymPy proofs of these statements are in ``optproof.mathcore.batching_proofs``.
"""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations, product
from typing import Any, Sequence

import numpy as np
import sympy as sp

from optproof.base.validation import check_array, check_choice, check_int, check_real, is_symbolic

__all__ = [
    "n_examples", "batch_size", "sigma2",
    "batch_variance_factor", "batch_loss_variance", "batch_gradient_covariance",
    "inclusion_probability", "pair_inclusion_probability",
    "epoch_batch_sizes", "unweighted_epoch_bias", "drop_last_deviation",
    "exact_batch_moments", "exact_gradient_moments", "exact_population_moments", "exact_population_covariance",
    "MAX_ENUMERATED_BATCHES", "stationary_step_second_moment",
]

n_examples = sp.Symbol("N", integer=True, positive=True)
batch_size = sp.Symbol("B", integer=True, positive=True)
sigma2 = sp.Symbol("sigma2", nonnegative=True)
_i, _j = sp.symbols("i j", integer=True, positive=True)
_ell = sp.IndexedBase("ell")

MAX_ENUMERATED_BATCHES = 200_000


# =========================================================================== validation helpers
def _check_sizes(N: Any, batch_size: Any, replace: bool) -> tuple[Any, Any]:
    """``N ≥ 1`` integer; ``1 ≤ B ≤ N`` without replacement, ``B ≥ 1`` with (symbols pass)."""
    check_choice("replace", replace, (False, True))
    N = check_int("N", N, 1, allow_symbolic=True)
    hi = None if replace or is_symbolic(N) else N
    batch_size = check_int("batch_size", batch_size, 1, hi, allow_symbolic=True)
    return N, batch_size


def _exact_or_float(name: str, x: Any, lo: float | None = None):
    """A Fraction for ints/Fractions, the SymPy object for symbols, a checked float otherwise."""
    if is_symbolic(x):
        return x
    if isinstance(x, (int, Fraction)) and not isinstance(x, bool):
        if lo is not None and x < lo:
            raise ValueError(f"{name} must be a real number in [{lo}, inf); got {x!r}")
        return Fraction(x)
    return check_real(name, x, lo)


def _times(coef: Fraction, x: Any):
    """``coef·x`` keeping ``x``'s kind: SymPy stays SymPy, Fraction stays exact, float stays float."""
    if isinstance(x, sp.Basic):
        return sp.Rational(coef.numerator, coef.denominator) * x
    if isinstance(x, Fraction):
        return coef * x
    return float(coef) * x


# =========================================================================== moments
def batch_variance_factor(N: Any, batch_size: Any, replace: bool = False):
    """``c`` in ``Var[L_B] = c σ²``: ``(N − B)/((N − 1) B)`` (``0`` at ``N = 1``) or ``1/B`` (C5).

    Exact ``Fraction`` for integers; SymPy (a ``Piecewise`` in ``N``) for symbols.
    """
    N, batch_size = _check_sizes(N, batch_size, replace)
    symbolic = is_symbolic(N) or is_symbolic(batch_size)
    N, B = (sp.sympify(N), sp.sympify(batch_size)) if symbolic else (Fraction(N), Fraction(batch_size))
    formula = 1 / B if replace else (N - B) / ((N - 1) * B) if symbolic or N != 1 else Fraction(0)  # one formula
    if symbolic and not replace:
        return sp.Piecewise((0, sp.Eq(N, 1)), (formula, True))
    return formula


def batch_loss_variance(N: Any, batch_size: Any, sigma2: Any, replace: bool = False):
    """``Var[L_B]`` = ``(N − B)/(N − 1)·σ²/B`` without, ``σ²/B`` with replacement (C5).

    SymPy if any argument is symbolic; a float for numbers, an exact ``Fraction`` when
    ``sigma2`` is a ``Fraction``.  ``B = N`` and ``N = 1`` give 0 (no 0/0).
    """
    factor = batch_variance_factor(N, batch_size, replace)
    s2 = _exact_or_float("sigma2", sigma2, 0)
    if isinstance(factor, sp.Basic) or is_symbolic(s2):
        return sp.sympify(factor) * s2
    return factor * s2 if isinstance(sigma2, Fraction) else float(factor) * float(s2)


def batch_gradient_covariance(N: Any, batch_size: Any, Sigma: Any, replace: bool = False):
    """``Cov[∇L_B] = c·Σ`` with the factor of ``batch_loss_variance`` for every entry (C5).

    ``Sigma``: a square symmetric array (→ ndarray), or a SymPy matrix/expression (→ SymPy).
    """
    factor = batch_variance_factor(N, batch_size, replace)
    if isinstance(Sigma, (sp.MatrixBase, sp.Basic)):
        return sp.sympify(factor) * Sigma
    cov = check_array("Sigma", Sigma, ndim=2)
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T) or np.any(np.diag(cov) < 0):
        raise ValueError(f"Sigma must be a square symmetric matrix with a non-negative diagonal; got shape {cov.shape}")
    if isinstance(factor, sp.Basic):
        return factor * sp.Matrix(cov)
    return float(factor) * cov


def inclusion_probability(N: Any, batch_size: Any):
    """``P(i ∈ S) = C(N−1, B−1)/C(N, B) = B/N`` for a uniform ``B``-subset (C5)."""
    N, batch_size = _check_sizes(N, batch_size, False)
    if is_symbolic(N) or is_symbolic(batch_size):
        return sp.sympify(batch_size) / N
    return batch_size / N


def pair_inclusion_probability(N: Any, batch_size: Any):
    """``P(i, j ∈ S) = C(N−2, B−2)/C(N, B) = B(B − 1)/(N(N − 1))`` for ``i ≠ j`` (0 at ``N = 1``)."""
    N, batch_size = _check_sizes(N, batch_size, False)
    if is_symbolic(N) or is_symbolic(batch_size):
        return sp.Piecewise((0, sp.Eq(N, 1)), (batch_size * (batch_size - 1) / (N * (N - 1)), True))
    return 0.0 if N == 1 else batch_size * (batch_size - 1) / (N * (N - 1))


# =========================================================================== epochs
def epoch_batch_sizes(N: int, batch_size: int, drop_last: bool = False) -> list[int]:
    """Sizes of one epoch's batches (C1): ``q = N // B`` of size ``B``, then ``r = N mod B`` unless dropped."""
    N = check_int("N", N, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    check_choice("drop_last", drop_last, (False, True))
    q, r = divmod(N, batch_size)
    return [batch_size] * q + ([r] if r and not drop_last else [])


def unweighted_epoch_bias(N: int, batch_size: int, last_batch_mean: Any, full_mean: Any):
    """``U − L = (B − r)/(K B) · (L_last − L)`` with ``K = ⌈N/B⌉`` and last batch size ``r`` (C5).

    ``U`` is the plain mean of the ``K`` batch means; ``r = B`` (no short batch) gives 0.
    Exact for ``Fraction``/int means, SymPy for symbols, float otherwise.
    """
    N = check_int("N", N, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    last = _exact_or_float("last_batch_mean", last_batch_mean)
    full = _exact_or_float("full_mean", full_mean)
    K = -(-N // batch_size)
    r = N - (K - 1) * batch_size
    return _times(Fraction(batch_size - r, K * batch_size), last - full)


def drop_last_deviation(N: int, batch_size: int, dropped_mean: Any, full_mean: Any):
    """Mean of the seen examples minus ``L`` with ``drop_last``: ``r/(q B) · (L − L_dropped)`` (C5).

    Needs ``N ≥ B`` (at least one full batch); ``r = 0`` gives 0.
    """
    N = check_int("N", N, 1)
    batch_size = check_int("batch_size", batch_size, 1, N)
    dropped = _exact_or_float("dropped_mean", dropped_mean)
    full = _exact_or_float("full_mean", full_mean)
    q, r = divmod(N, batch_size)
    return _times(Fraction(r, q * batch_size), full - dropped)


# =========================================================================== exact enumeration
def _scaled_integers(name: str, data: Any) -> tuple[list[tuple[int, ...]], int]:
    """Rows of ``data`` as integer tuples ``x·D`` with a common denominator ``D`` (exact)."""
    rows = data.tolist() if isinstance(data, np.ndarray) else [list(r) for r in data]
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(f"{name} must be a non-empty rectangular array of real numbers")
    if any(isinstance(x, (str, bool)) for r in rows for x in r):
        raise ValueError(f"{name} must contain only finite real numbers")
    try:
        fracs = [[Fraction(x) for x in r] for r in rows]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must contain only finite real numbers") from None
    den = math.lcm(*(x.denominator for r in fracs for x in r))
    return [tuple(int(x * den) for x in r) for r in fracs], den


def _enumerate_batches(N: int, batch_size: int, replace: bool):
    count = N**batch_size if replace else math.comb(N, batch_size)
    if count > MAX_ENUMERATED_BATCHES:
        raise ValueError(f"batch_size must keep the enumeration at most {MAX_ENUMERATED_BATCHES} batches; "
                         f"got batch_size={batch_size} with N={N} ({count} batches)")
    return count, (product(range(N), repeat=batch_size) if replace else combinations(range(N), batch_size))


def _exact_moments(name: str, data: Any, batch_size: int, replace: bool) -> tuple[list[Fraction], list[list[Fraction]]]:
    """Mean vector and covariance of the batch mean over all equally likely batches (integer sums)."""
    rows, den = _scaled_integers(name, data)
    d = len(rows[0])
    N, batch_size = _check_sizes(len(rows), batch_size, replace)
    count, batches = _enumerate_batches(N, batch_size, replace)
    first = [0] * d
    second = [[0] * d for _ in range(d)]
    for batch in batches:
        total = [sum(rows[i][p] for i in batch) for p in range(d)]
        for p in range(d):
            first[p] += total[p]
            for q in range(p, d):
                second[p][q] += total[p] * total[q]
    scale = count * batch_size * den
    mean = [Fraction(f, scale) for f in first]
    cov = [[Fraction(second[min(p, q)][max(p, q)], scale * batch_size * den) - mean[p] * mean[q] for q in range(d)]
           for p in range(d)]
    return mean, cov


def exact_gradient_moments(grads: Any, batch_size: int, replace: bool = False) -> tuple[list[Fraction], list[list[Fraction]]]:
    """``(E[∇L_B], Cov[∇L_B])`` in Fractions, enumerating all ``C(N, B)`` subsets or ``N^B`` tuples (C5).

    ``grads`` is ``N × d`` (rows: per-example gradients; floats are converted exactly).
    Refuses more than ``MAX_ENUMERATED_BATCHES`` batches (ValueError naming ``B``).
    """
    return _exact_moments("grads", grads, batch_size, replace)


def _as_column(name: str, values: Sequence[Any]) -> list[list[Any]]:
    column = np.asarray(values, dtype=object)
    if column.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of real numbers; got shape {column.shape}")
    return [[x] for x in column]


def exact_batch_moments(losses: Sequence[Any], batch_size: int, replace: bool = False) -> tuple[Fraction, Fraction]:
    """``(E[L_B], Var[L_B])`` in Fractions over all equally likely batches (C5)."""
    mean, cov = _exact_moments("losses", _as_column("losses", losses), batch_size, replace)
    return mean[0], cov[0][0]


def exact_population_moments(values: Sequence[Any]) -> tuple[Fraction, Fraction]:
    """``(L, σ²)`` in Fractions: one uniform draw (``B = 1`` with replacement) has exactly these moments."""
    mean, cov = _exact_moments("values", _as_column("values", values), 1, True)
    return mean[0], cov[0][0]


def exact_population_covariance(grads: Any) -> tuple[list[Fraction], list[list[Fraction]]]:
    """``(ḡ, Σ)`` in Fractions with ``Σ = (1/N) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ`` (one uniform draw)."""
    return _exact_moments("grads", grads, 1, True)


















# =========================================================================== a stationary point of L (C4)
def stationary_step_second_moment(N: Any, batch_size: Any, lr: Any, trace_sigma: Any, replace: bool = False):
    """``E‖θ_1 − θ*‖² = η² · c(N, B) · tr Σ(θ*)`` for one SGD step from a stationary point of ``L`` (C4).

    ``c`` is ``batch_variance_factor``; ``Σ(θ*)`` the per-example gradient covariance at ``θ*``.
    A SymPy expression (exact for SymPy rationals) if any argument is a SymPy object, else a float.
    Zero exactly when ``B = N`` without replacement (full batch) or when every ``∇ℓ_i(θ*)`` is 0.
    """
    N, batch_size = _check_sizes(N, batch_size, replace)
    check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    check_real("trace_sigma", trace_sigma, 0.0, allow_symbolic=True)
    factor = batch_variance_factor(N, batch_size, replace)
    if any(is_symbolic(v) or isinstance(v, sp.Basic) for v in (N, batch_size, lr, trace_sigma)):
        return sp.sympify(lr) ** 2 * sp.sympify(factor) * sp.sympify(trace_sigma)  # exact stays exact
    return float(lr) ** 2 * float(factor) * float(trace_sigma)
