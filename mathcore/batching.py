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
"""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations, product
from typing import Any, Sequence

import numpy as np
import sympy as sp

from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_array, check_choice, check_int, check_real, is_symbolic

__all__ = [
    "n_examples", "batch_size", "sigma2",
    "batch_variance_factor", "batch_loss_variance", "batch_gradient_covariance",
    "inclusion_probability", "pair_inclusion_probability",
    "prove_unbiased", "prove_variance", "prove_gradient_covariance",
    "prove_epoch_identity", "prove_unweighted_bias",
    "epoch_batch_sizes", "unweighted_epoch_bias", "drop_last_deviation",
    "exact_batch_moments", "exact_gradient_moments", "exact_population_moments", "exact_population_covariance",
    "MAX_ENUMERATED_BATCHES", "stationary_step_second_moment", "prove_stationary_point_moves",
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
    if is_symbolic(N) or is_symbolic(batch_size):
        if replace:
            return 1 / sp.sympify(batch_size)
        return sp.Piecewise((0, sp.Eq(N, 1)), ((N - batch_size) / ((N - 1) * batch_size), True))
    if replace:
        return Fraction(1, batch_size)
    return Fraction(0) if N == 1 else Fraction(N - batch_size, (N - 1) * batch_size)


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


# =========================================================================== proofs
def _centring_steps(proof: Proof, a: sp.IndexedBase) -> dict:
    """Record ``Σ_i (ℓ_i − L) = 0`` and return the facts ``Σ a_i = 0``, ``Σ a_i² = N σ²`` for ``a_i = ℓ_i − L``."""
    N = n_examples
    total = sp.Sum(_ell[_j], (_j, 1, N))
    proof.step("centring: sum_i (ell_i - L) = sum_i ell_i - N L = 0 with L = (1/N) sum_j ell_j",
               sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0,
               verified=sums_equal(sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0))
    return {sp.Sum(a[_i], (_i, 1, N)): 0, sp.Sum(a[_i] ** 2, (_i, 1, N)): N * sigma2}


def _counting_steps(proof: Proof) -> tuple[sp.Expr, sp.Expr]:
    """``P(i ∈ S) = B/N`` and ``P(i, j ∈ S) = B(B−1)/(N(N−1))`` from binomial counts (symbolic N, B)."""
    N, B = n_examples, batch_size
    p1 = sp.binomial(N - 1, B - 1) / sp.binomial(N, B)
    p2 = sp.binomial(N - 2, B - 2) / sp.binomial(N, B)
    proof.step("double counting (subset, member) pairs: B C(N,B) = N C(N-1,B-1)",
               B * sp.binomial(N, B), N * sp.binomial(N - 1, B - 1))
    proof.step("P(i in S) = C(N-1,B-1)/C(N,B) = B/N (subsets containing i)", p1, B / N)
    proof.step("P(i,j in S) = C(N-2,B-2)/C(N,B) = B(B-1)/(N(N-1)), i != j", p2, B * (B - 1) / (N * (N - 1)))
    proof.step("inclusion_probability agrees", inclusion_probability(N, B), B / N)
    return B / N, B * (B - 1) / (N * (N - 1))


def prove_unbiased(replace: bool = False) -> Proof:
    """``E[L_B] = L`` for symbolic ``N, B`` (C5): each example is equally likely to be in the batch."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    L = sp.Sum(_ell[_j], (_j, 1, N)) / N
    proof = Proof(r"\mathbb{E}[L_B] = L", assumptions="uniform batch " + ("of B i.i.d. indices" if replace
                                                                           else "B-subset, 1 <= B <= N"))
    if replace:
        one_draw = sp.Sum(_ell[_i] / N, (_i, 1, N))
        proof.step("one uniform draw: E[ell_I] = sum_i ell_i / N = L", one_draw, L, verified=sums_equal(one_draw, L))
        mean = sp.Sum(L, (_i, 1, B)) / B
        proof.step("linearity over the B draws: E[L_B] = (1/B) sum_{b=1}^B E[ell_{I_b}] = L", mean, L,
                   verified=sums_equal(mean, L))
        return proof
    p1, _ = _counting_steps(proof)
    expect = sp.Sum(_ell[_i] * p1, (_i, 1, N))
    proof.step("linearity with indicators: E[sum_{i in S} ell_i] = sum_i ell_i P(i in S) = (B/N) sum_i ell_i",
               expect, B * L, verified=sums_equal(expect, B * L))
    proof.step("E[L_B] = (1/B) E[sum_{i in S} ell_i] = L", expect / B, L, verified=sums_equal(expect / B, L))
    return proof


def prove_variance(replace: bool = False) -> Proof:
    """``Var[L_B] = (N−B)/(N−1)·σ²/B`` (subsets) or ``σ²/B`` (i.i.d. draws), symbolic ``N, B`` (C5)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    a, chi = sp.IndexedBase("a"), sp.IndexedBase("chi")
    target = batch_variance_factor(N, B, replace) * sigma2
    proof = Proof(r"\mathrm{Var}[L_B] = " + (r"\sigma^2/B" if replace else r"\frac{N-B}{N-1}\frac{\sigma^2}{B}"),
                  assumptions="a_i = ell_i - L; " + ("B i.i.d. uniform indices" if replace else "uniform B-subset"))
    facts = _centring_steps(proof, a)
    pairs_all = sp.Sum(sp.Sum(a[_i] * a[_j], (_j, 1, N)), (_i, 1, N))
    proof.step("sum over all pairs factorises: sum_i sum_j a_i a_j = (sum_i a_i)^2 = 0",
               pairs_all, 0, verified=sums_equal(pairs_all, sp.Sum(a[_i], (_i, 1, N)) ** 2)
               and sums_equal(sp.Sum(a[_i], (_i, 1, N)) ** 2, 0, given=facts))
    off_diagonal = pairs_all - sp.Sum(a[_i] ** 2, (_i, 1, N))
    proof.step("hence sum_{i != j} a_i a_j = 0 - sum_i a_i^2 = -N sigma^2", off_diagonal, -N * sigma2,
               verified=sums_equal(sp.Sum(a[_i], (_i, 1, N)) ** 2 - sp.Sum(a[_i] ** 2, (_i, 1, N)), -N * sigma2,
                                   given=facts))
    if replace:
        m1, m2 = sp.Sum(a[_i], (_i, 1, N)) / N, sp.Sum(a[_i] ** 2, (_i, 1, N)) / N
        proof.step("one draw X = a_I: E[X] = (1/N) sum a_i = 0", m1, 0, verified=sums_equal(m1, 0, given=facts))
        proof.step("one draw: E[X^2] = (1/N) sum a_i^2 = sigma^2", m2, sigma2, verified=sums_equal(m2, sigma2, given=facts))
        n_pairs = sp.Sum(sp.Sum(1, (_j, 1, B)), (_i, 1, B)) - sp.Sum(1, (_i, 1, B))
        proof.step("ordered pairs of distinct draws: B^2 - B = B(B-1)", n_pairs, B * (B - 1),
                   verified=sums_equal(n_pairs, B * (B - 1)))
        second = B * sigma2 + B * (B - 1) * 0**2
        proof.step("independence: E[(sum_b X_b)^2] = B E[X^2] + B(B-1) E[X]^2 = B sigma^2", second, B * sigma2)
    else:
        p1, p2 = _counting_steps(proof)
        square = sp.Sum(chi[_i] * a[_i], (_i, 1, N)) ** 2
        double = sp.Sum(sp.Sum(chi[_i] * chi[_j] * a[_i] * a[_j], (_j, 1, N)), (_i, 1, N))
        proof.step("with indicators chi_i = [i in S]: (sum_{i in S} a_i)^2 = sum_i sum_j chi_i chi_j a_i a_j",
                   square, double, verified=sums_equal(square, double))
        proof.step("indicators: chi^2 = chi for chi in {0, 1}, so the diagonal i = j has E[chi_i] = P(i in S)",
                   sp.Tuple(0**2, 1**2), sp.Tuple(0, 1), verified=all(v**2 == v for v in (0, 1)))
        expect = p1 * N * sigma2 + p2 * (-N * sigma2)
        proof.step("take expectations: E chi_i = B/N, E chi_i chi_j = B(B-1)/(N(N-1)) (i != j)",
                   expect, B * sigma2 * (N - B) / (N - 1))
        second = B * sigma2 * (N - B) / (N - 1)
    general = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    proof.step("Var[L_B] = E[(L_B - L)^2] = E[(sum of the batch's a)^2]/B^2", second / B**2, general)
    if replace:
        proof.step("batch_loss_variance agrees", batch_loss_variance(N, B, sigma2, True), general)
        return proof
    M = sp.Symbol("M", integer=True, nonnegative=True)
    proof.step("batch_loss_variance agrees for N = M + 2 >= 2", batch_loss_variance(M + 2, B, sigma2),
               general.subs(N, M + 2))
    proof.step("edge B = N: the batch is the data set, variance 0", target.subs(B, N), 0)
    proof.step("edge N = 1 (so B = 1): variance 0, no 0/0", target.subs({N: 1, B: 1}), 0)
    return proof


def prove_gradient_covariance(replace: bool = False) -> Proof:
    """``Cov[∇L_B] = c·Σ`` with the scalar factor ``c`` for every entry, by polarization (C5)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    a, b, chi = sp.IndexedBase("a"), sp.IndexedBase("b"), sp.IndexedBase("chi")
    s_pp, s_qq, s_pq = sp.symbols("Sigma_pp Sigma_qq Sigma_pq", real=True)
    X, Y = sp.symbols("X Y", real=True)  # centred batch means of coordinates p and q
    c = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    c = c / sigma2
    proof = Proof(r"\mathrm{Cov}[\nabla L_B] = c\,\Sigma,\ c = " + sp.latex(c),
                  assumptions="a_i, b_i: centred coordinates p, q of g_i; Sigma_pq = (1/N) sum_i a_i b_i")
    scalar = prove_variance(replace)
    proof.step("scalar result: Var of a batch mean of any population = c * its variance (prove_variance)",
               sp.Integer(int(scalar.holds)), 1, verified=scalar.holds)
    proof.step("polarization: X Y = ((X + Y)^2 - (X - Y)^2)/4", X * Y, ((X + Y) ** 2 - (X - Y) ** 2) / 4)
    for sign, label in ((1, "+"), (-1, "-")):
        mixed = sp.Sum(chi[_i] * (a[_i] + sign * b[_i]), (_i, 1, N)) / B
        split = (sp.Sum(chi[_i] * a[_i], (_i, 1, N)) + sign * sp.Sum(chi[_i] * b[_i], (_i, 1, N))) / B
        proof.step(f"the batch mean is linear: (a {label} b)_B = a_B {label} b_B", mixed, split,
                   verified=sums_equal(mixed, split))
        square = sp.Sum((a[_i] + sign * b[_i]) ** 2, (_i, 1, N))
        parts = sp.Sum(a[_i] ** 2, (_i, 1, N)) + 2 * sign * sp.Sum(a[_i] * b[_i], (_i, 1, N)) + sp.Sum(
            b[_i] ** 2, (_i, 1, N))
        proof.step(f"population variance of a {label} b: Sigma_pp {label} 2 Sigma_pq + Sigma_qq (times N)",
                   square, parts, verified=sums_equal(square, parts))
    var_plus, var_minus = s_pp + 2 * s_pq + s_qq, s_pp - 2 * s_pq + s_qq
    proof.step("E[X Y] = (c Var(a+b) - c Var(a-b))/4 = c Sigma_pq", (c * var_plus - c * var_minus) / 4, c * s_pq)
    proof.step("diagonal p = q: the scalar result itself", (c * 4 * s_pp - 0) / 4, c * s_pp)
    M = sp.Symbol("M", integer=True, nonnegative=True)
    sigma = sp.Matrix([[s_pp, s_pq], [s_pq, s_qq]])
    api = batch_gradient_covariance(M + 2, B, sigma, replace)
    proof.step("batch_gradient_covariance: c Sigma entrywise (N = M + 2)", api - (c * sigma).subs(N, M + 2),
               sp.zeros(2, 2), verified=all(sp.simplify(e) == 0 for e in api - (c * sigma).subs(N, M + 2)))
    return proof


def _epoch_parts():
    """Symbols of one epoch: data ``x_1..x_N`` in epoch order, sizes ``b_k``, offsets, batch sums."""
    K = sp.Symbol("K", integer=True, nonnegative=True)
    k = sp.Symbol("k", integer=True, positive=True)
    x, b = sp.IndexedBase("x"), sp.IndexedBase("b", positive=True)

    def offset(kk):  # c_k = b_1 + ... + b_{k-1}
        return sp.Sum(b[_j], (_j, 1, kk - 1))

    def batch_sum(kk):  # S_k = sum of x_i over positions c_k + 1 .. c_k + b_k
        return sp.Sum(x[_i], (_i, offset(kk) + 1, offset(kk) + b[kk]))

    return K, k, x, b, offset, batch_sum


def prove_epoch_identity() -> Proof:
    """``Σ_{k=1}^{K} (b_k/N) L_{B_k} = L`` for any partition into consecutive batches, symbolic ``K`` (C1, C4, C5)."""
    N = n_examples
    K, k, x, b, offset, batch_sum = _epoch_parts()
    proof = Proof(r"\sum_{k=1}^{K} \frac{b_k}{N} L_{B_k} = L",
                  assumptions="epoch order x_1..x_N (any shuffle), batch k = positions c_k+1..c_k+b_k, "
                              "c_k = b_1+...+b_{k-1}, c_{K+1} = N")
    weighted = sp.Sum(b[k] / N * batch_sum(k) / b[k], (k, 1, K))
    plain = sp.Sum(batch_sum(k), (k, 1, K)) / N
    proof.step("size weights cancel the batch-mean denominators: (b_k/N)(S_k/b_k) = S_k/N", weighted, plain,
               verified=sums_equal(weighted, plain))

    def claim(kk):  # P(K): sum_{k<=K} S_k = sum_{i <= c_{K+1}} x_i
        return sp.Sum(batch_sum(k), (k, 1, kk)), sp.Sum(x[_i], (_i, 1, offset(kk + 1)))

    lhs0, rhs0 = claim(sp.Integer(0))
    proof.step("induction base K = 0: both sides are empty sums", lhs0.doit(), rhs0.doit())
    lhs, rhs = claim(K)
    lhs1, rhs1 = claim(K + 1)
    proof.step("step: peel batch K+1", lhs1, lhs + batch_sum(K + 1), verified=sums_equal(lhs1, lhs + batch_sum(K + 1)))
    joined = sp.Sum(x[_i], (_i, 1, offset(K + 1) + b[K + 1]))
    ok_join = proof.step("step: hypothesis, then adjacent ranges 1..c_{K+1} and c_{K+1}+1..c_{K+1}+b_{K+1} join",
                         rhs + batch_sum(K + 1), joined).steps[-1].verified
    ok_limit = sums_equal(offset(K + 1) + b[K + 1], offset(K + 2))
    proof.step("step: c_{K+1} + b_{K+1} = c_{K+2}", offset(K + 1) + b[K + 1], offset(K + 2), verified=ok_limit)
    proof.step("so sum_{k<=K+1} S_k = sum_{i<=c_{K+2}} x_i (chain of the three steps above)", lhs1, rhs1,
               verified=ok_join and ok_limit and proof.steps[-3].verified)
    full = sp.Sum(x[_i], (_i, 1, N)) / N
    proof.step("with c_{K+1} = N: sum_k (b_k/N) L_{B_k} = (1/N) sum_i x_i = L", rhs.subs(offset(K + 1), N) / N, full)
    return proof


def prove_unweighted_bias() -> Proof:
    """Unweighted epoch mean and ``drop_last``: exact deviation, mean 0 and variance under reshuffling (C5)."""
    q = sp.Symbol("q", integer=True, nonnegative=True)
    r, B = sp.Symbol("r", integer=True, positive=True), batch_size
    L, L_last, s_full, s2 = sp.symbols("L L_last S_full sigma2", real=True)
    N, K = q * B + r, q + 1
    k, S = sp.Symbol("k", integer=True, positive=True), sp.IndexedBase("S")
    proof = Proof(r"U - L = \frac{B-r}{KB}(L_{last} - L),\ \mathbb{E} = 0,\ "
                  r"\mathrm{Var} = \left(\frac{B-r}{KB}\right)^2 \frac{N-r}{N-1}\frac{\sigma^2}{r}",
                  assumptions="N = qB + r, 0 < r < B, K = q + 1 batches, the last of size r; uniform shuffle")
    epoch = prove_epoch_identity()
    proof.step("epoch identity (prove_epoch_identity): S_full + r L_last = N L", sp.Integer(int(epoch.holds)), 1,
               verified=epoch.holds)
    s_full_value = N * L - r * L_last
    means = sp.Sum(S[k] / B, (k, 1, q))
    proof.step("full batches have size B: sum_{k<=q} L_k = S_full / B", means, sp.Sum(S[k], (k, 1, q)) / B,
               verified=sums_equal(means, sp.Sum(S[k], (k, 1, q)) / B))
    U = (s_full_value / B + L_last) / K
    coef = (B - r) / (K * B)
    proof.step("U - L = (B - r)/(K B) (L_last - L) using N = qB + r", U - L, coef * (L_last - L))
    n = sp.Symbol("N", integer=True, positive=True)
    proof.step("uniform shuffle: the last r positions are a uniform r-subset, r!(N-r)!/N! = 1/C(N,r)",
               sp.factorial(r) * sp.factorial(n - r) / sp.factorial(n), 1 / sp.binomial(n, r))
    unbiased = prove_unbiased(False)
    proof.step("E[L_last] = L (prove_unbiased with B = r), so E[U - L] = coef (L - L) = 0",
               coef * (L - L), 0, verified=unbiased.holds)
    v_last = (N - r) * s2 / ((N - 1) * r)
    proof.step("Var[U] = E[(coef (L_last - L))^2] = coef^2 Var[L_last], Var[L_last] by prove_variance",
               sp.expand(coef**2 * (L_last - L) ** 2), coef**2 * (L_last - L) ** 2,
               verified=equal(sp.expand(coef**2 * (L_last - L) ** 2), coef**2 * (L_last - L) ** 2)
               and prove_variance(False).holds)
    proof.step("q = 0 (N = r < B): one batch, the whole data set, variance 0", (coef**2 * v_last).subs(q, 0), 0)
    dropped_mean = s_full_value / (q * B)
    coef_drop = r / (q * B)
    proof.step("drop_last (q >= 1): mean of the seen examples - L = r/(qB) (L - L_dropped)",
               dropped_mean - L, coef_drop * (L - L_last))
    proof.step("drop_last: mean 0 since E[L_dropped] = L", coef_drop * (L - L), 0, verified=unbiased.holds)
    return proof


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


def prove_stationary_point_moves(replace: bool = False) -> Proof:
    """At ``∇L(θ*) = 0``: ``E[θ_1 − θ*] = 0`` but ``E‖θ_1 − θ*‖² = η² c tr Σ`` (C4, symbolic N, B, η)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    lr, tr = sp.Symbol("eta", positive=True), sp.Symbol("tr_Sigma", nonnegative=True)
    grad_full = sp.Symbol("nabla_L", real=True)
    c = batch_variance_factor(N, B, replace)
    proof = Proof(r"\mathbb{E}[\theta_1-\theta^*] = 0,\quad \mathbb{E}\|\theta_1-\theta^*\|^2 = \eta^2 c\,"
                  r"\mathrm{tr}\,\Sigma(\theta^*)",
                  assumptions="nabla L(theta*) = 0; theta_1 = theta* - eta nabla L_B(theta*); " +
                  ("B i.i.d. draws" if replace else "uniform B-subset"))
    unbiased, cov = prove_unbiased(replace), prove_gradient_covariance(replace)
    proof.step("E[nabla L_B] = nabla L (prove_unbiased, coordinate-wise)", grad_full, grad_full,
               verified=unbiased.holds)
    proof.step("E[theta_1 - theta*] = -eta nabla L(theta*) = 0", (-lr * grad_full).subs(grad_full, 0), 0)
    proof.step("Cov[nabla L_B] = c Sigma (prove_gradient_covariance)", sp.Integer(int(cov.holds)), 1,
               verified=cov.holds)
    proof.step("E||Delta||^2 = eta^2 (||E nabla L_B||^2 + tr Cov) = eta^2 c tr Sigma",
               lr**2 * (0 + c * tr), stationary_step_second_moment(N, B, lr, tr, replace))
    proof.step("full batch (B = N, without replacement): c = 0, so GD does not move",
               c.subs(B, N) if not replace else sp.Integer(0), 0)
    return proof
