"""SymPy proofs of the mini-batch loss and gradient moments, the epoch identities and the moving
stationary point (C1, C4, C5), for symbolic N and B.  Statements: ``optproof.mathcore.batching``."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_choice
from optproof.mathcore.batching import _ell, _i, _j, epoch_batch_sizes, exact_batch_moments, unweighted_epoch_bias, drop_last_deviation, batch_gradient_covariance, batch_loss_variance, batch_size, batch_variance_factor, inclusion_probability, n_examples, sigma2, stationary_step_second_moment

__all__ = [
    "prove_unbiased",
    "prove_variance",
    "prove_gradient_covariance",
    "prove_epoch_identity",
    "prove_unweighted_bias",
    "prove_stationary_point_moves",
]

_a = sp.IndexedBase("a")  # a_i = ell_i - L, the centred losses (or one centred gradient coordinate)


def _centring_steps(proof: Proof, a: sp.IndexedBase) -> dict:
    """Record ``Σ_i (ℓ_i − L) = 0`` and return the facts ``Σ a_i = 0``, ``Σ a_i² = N σ²`` for ``a_i = ℓ_i − L``."""
    N = n_examples
    total = sp.Sum(_ell[_j], (_j, 1, N))
    proof.step("centring: sum_i (ell_i - L) = sum_i ell_i - N L = 0 with L = (1/N) sum_j ell_j",
               sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0,
               verified=sums_equal(sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0),
               shows=r"\sum_{i=1}^{N} (\ell_i - L) = \sum_{i=1}^{N} \ell_i - N L = 0,\quad "
                     r"L = \frac{1}{N}\sum_{j=1}^{N} \ell_j")
    return {sp.Sum(a[_i], (_i, 1, N)): 0, sp.Sum(a[_i] ** 2, (_i, 1, N)): N * sigma2}
def _counting_steps(proof: Proof) -> tuple[sp.Expr, sp.Expr]:
    """``P(i ∈ S) = B/N`` and ``P(i, j ∈ S) = B(B−1)/(N(N−1))`` from binomial counts (symbolic N, B)."""
    N, B = n_examples, batch_size
    p1 = sp.binomial(N - 1, B - 1) / sp.binomial(N, B)
    p2 = sp.binomial(N - 2, B - 2) / sp.binomial(N, B)
    proof.step("double counting (subset, member) pairs: B C(N,B) = N C(N-1,B-1)",
               B * sp.binomial(N, B), N * sp.binomial(N - 1, B - 1), shows=r"B\binom{N}{B} = N\binom{N-1}{B-1}")
    proof.step("P(i in S) = C(N-1,B-1)/C(N,B) = B/N (subsets containing i)", p1, B / N,
               shows=r"P(i \in S) = \binom{N-1}{B-1}\binom{N}{B}^{-1} = \frac{B}{N}")
    proof.step("P(i,j in S) = C(N-2,B-2)/C(N,B) = B(B-1)/(N(N-1)), i != j", p2, B * (B - 1) / (N * (N - 1)),
               shows=r"P(i, j \in S) = \binom{N-2}{B-2}\binom{N}{B}^{-1} = \frac{B(B-1)}{N(N-1)},\ i \ne j")
    proof.step("the library's inclusion_probability is the counted P(i in S)", inclusion_probability(N, B), p1,
               shows=r"\texttt{inclusion\_probability}(N, B) = \binom{N-1}{B-1}\binom{N}{B}^{-1}")
    return B / N, B * (B - 1) / (N * (N - 1))


def _derived_variance(replace: bool) -> tuple[sp.Expr, dict]:
    """``Var[L_B]`` as the derivation of ``prove_variance`` leaves it, before simplification, and the facts it needs.

    i.i.d.: ``(B E[X²] + B(B−1) E[X]²)/B²`` with ``E[X] = Σa_i/N``, ``E[X²] = Σa_i²/N``; subsets:
    ``(P(i∈S)·Nσ² − P(i,j∈S)·Nσ²)/B²``.  Equals ``batch_variance_factor(N, B)·σ²`` (proven there)."""
    N, B = n_examples, batch_size
    if replace:
        m1, m2 = sp.Sum(_a[_i], (_i, 1, N)) / N, sp.Sum(_a[_i] ** 2, (_i, 1, N)) / N
        return (B * m2 + B * (B - 1) * m1**2) / B**2, {sp.Sum(_a[_i], (_i, 1, N)): 0,
                                                         sp.Sum(_a[_i] ** 2, (_i, 1, N)): N * sigma2}
    p1, p2 = B / N, B * (B - 1) / (N * (N - 1))
    return (p1 * N * sigma2 + p2 * (-N * sigma2)) / B**2, {}


def _generic(expr):
    """The ``N ≥ 2`` branch of the library's ``Piecewise`` (``N = 1`` is its own branch, 0)."""
    return sp.sympify(expr).replace(lambda x: isinstance(x, sp.Piecewise), lambda x: x.args[-1][0])


def prove_unbiased(replace: bool = False) -> Proof:
    """``E[L_B] = L`` for symbolic ``N, B`` (C5): each example is equally likely to be in the batch."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    L = sp.Sum(_ell[_j], (_j, 1, N)) / N
    proof = Proof(r"\mathbb{E}[L_B] = L", assumptions="uniform batch " + ("of B i.i.d. indices" if replace
                                                                           else "B-subset, 1 <= B <= N"))
    if replace:
        one_draw = sp.Sum(_ell[_i] / N, (_i, 1, N))
        proof.step("one uniform draw: E[ell_I] = sum_i ell_i / N = L", one_draw, L, verified=sums_equal(one_draw, L),
                   shows=r"\mathbb{E}[\ell_I] = \sum_{i=1}^{N} \frac{\ell_i}{N} = L")
        mean = sp.Sum(L, (_i, 1, B)) / B
        proof.step("linearity over the B draws: E[L_B] = (1/B) sum_{b=1}^B E[ell_{I_b}] = L", mean, L,
                   verified=sums_equal(mean, L),
                   shows=r"\mathbb{E}[L_B] = \frac{1}{B}\sum_{b=1}^{B} \mathbb{E}[\ell_{I_b}] = L")
        _enumerated_mean_step(proof)
        return proof
    p1, _ = _counting_steps(proof)
    expect = sp.Sum(_ell[_i] * p1, (_i, 1, N))
    proof.step("linearity with indicators: E[sum_{i in S} ell_i] = sum_i ell_i P(i in S) = (B/N) sum_i ell_i",
               expect, B * L, verified=sums_equal(expect, B * L),
               shows=r"\mathbb{E}\Big[\sum_{i \in S} \ell_i\Big] = \sum_{i=1}^{N} \ell_i P(i \in S) = "
                     r"\frac{B}{N}\sum_{i=1}^{N} \ell_i = B L")
    library = sp.Sum(_ell[_i] * inclusion_probability(N, B), (_i, 1, N)) / B
    proof.step("E[L_B] = (1/B) E[sum_{i in S} ell_i] with the library's inclusion_probability: = L",
               library, L, verified=sums_equal(library, L),
               shows=r"\mathbb{E}[L_B] = \frac{1}{B}\sum_{i=1}^{N} \ell_i\,\texttt{inclusion\_probability}(N, B) = L")
    return proof


#: Small data sets for the enumerated means: (losses, B); all N^B tuples of indices are enumerated.
_MEAN_DATA = [((1, 2, 6), 2), ((sp.Rational(1, 2), 0, 3, -1), 3), ((5,), 4), ((2, 7), 1)]


def _enumerated_mean_step(proof: Proof) -> None:
    """The library's ``exact_batch_moments`` (all ``N^B`` index tuples) has mean ``L`` on small data sets."""
    library = sp.Tuple(*[sp.Rational(exact_batch_moments([Fraction(str(v)) for v in x], b, True)[0]) for x, b in _MEAN_DATA])
    derived = sp.Tuple(*[sp.Subs(sp.Sum(_ell[_i], (_i, 1, len(x))) / len(x), tuple(_ell[k + 1] for k in range(len(x))),
                                 x) for x, _ in _MEAN_DATA])
    proof.step("the library's exact_batch_moments (enumerating all N^B index tuples) has mean L on four data sets",
               library, derived, verified=library == sp.Tuple(*[d.doit().doit() for d in derived]),
               shows=r"\texttt{exact\_batch\_moments}(\ell, B, \text{replace})_0 = \frac{1}{N}\sum_{i=1}^{N} \ell_i = L")


def prove_variance(replace: bool = False) -> Proof:
    """``Var[L_B] = (N−B)/(N−1)·σ²/B`` (subsets) or ``σ²/B`` (i.i.d. draws), symbolic ``N, B`` (C5)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    a, chi = _a, sp.IndexedBase("chi")
    target = batch_variance_factor(N, B, replace) * sigma2
    proof = Proof(r"\mathrm{Var}[L_B] = " + (r"\sigma^2/B" if replace else r"\frac{N-B}{N-1}\frac{\sigma^2}{B}"),
                  assumptions="a_i = ell_i - L; " + ("B i.i.d. uniform indices" if replace else "uniform B-subset"))
    facts = _centring_steps(proof, a)
    pairs_all = sp.Sum(sp.Sum(a[_i] * a[_j], (_j, 1, N)), (_i, 1, N))
    proof.step("sum over all pairs factorises: sum_i sum_j a_i a_j = (sum_i a_i)^2 = 0",
               pairs_all, 0, verified=sums_equal(pairs_all, sp.Sum(a[_i], (_i, 1, N)) ** 2)
               and sums_equal(sp.Sum(a[_i], (_i, 1, N)) ** 2, 0, given=facts),
               shows=r"\sum_{i=1}^{N}\sum_{j=1}^{N} a_i a_j = \Big(\sum_{i=1}^{N} a_i\Big)^2 = 0")
    off_diagonal = pairs_all - sp.Sum(a[_i] ** 2, (_i, 1, N))
    proof.step("hence sum_{i != j} a_i a_j = 0 - sum_i a_i^2 = -N sigma^2", off_diagonal, -N * sigma2,
               verified=sums_equal(sp.Sum(a[_i], (_i, 1, N)) ** 2 - sp.Sum(a[_i] ** 2, (_i, 1, N)), -N * sigma2,
                                   given=facts),
               shows=r"\sum_{i \ne j} a_i a_j = \sum_{i=1}^{N}\sum_{j=1}^{N} a_i a_j - \sum_{i=1}^{N} a_i^2 = -N\sigma^2")
    derived, _ = _derived_variance(replace)
    if replace:
        m1, m2 = sp.Sum(a[_i], (_i, 1, N)) / N, sp.Sum(a[_i] ** 2, (_i, 1, N)) / N
        proof.step("one draw X = a_I: E[X] = (1/N) sum a_i = 0", m1, 0, verified=sums_equal(m1, 0, given=facts),
                   shows=r"\mathbb{E}[X] = \frac{1}{N}\sum_{i=1}^{N} a_i = 0")
        proof.step("one draw: E[X^2] = (1/N) sum a_i^2 = sigma^2", m2, sigma2, verified=sums_equal(m2, sigma2, given=facts),
                   shows=r"\mathbb{E}[X^2] = \frac{1}{N}\sum_{i=1}^{N} a_i^2 = \sigma^2")
        n_pairs = sp.Sum(sp.Sum(1, (_j, 1, B)), (_i, 1, B)) - sp.Sum(1, (_i, 1, B))
        proof.step("counting: ordered pairs of distinct draws B^2 - B = B(B-1)", n_pairs, B * (B - 1),
                   verified=sums_equal(n_pairs, B * (B - 1)),
                   shows=r"\sum_{b=1}^{B}\sum_{b'=1}^{B} 1 - \sum_{b=1}^{B} 1 = B(B-1)")
        second = B * m2 + B * (B - 1) * m1**2  # the moments m1 = E[X], m2 = E[X^2] of the two steps above
        proof.step("independence: E[(sum_b X_b)^2] = B E[X^2] + B(B-1) E[X]^2 = B sigma^2", second, B * sigma2,
                   verified=sums_equal(second, B * sigma2, given=facts),
                   shows=r"\mathbb{E}\Big[\Big(\sum_{b=1}^{B} X_b\Big)^2\Big] = B\,\mathbb{E}[X^2] + "
                         r"B(B-1)\,\mathbb{E}[X]^2 = B\sigma^2")
    else:
        p1, p2 = _counting_steps(proof)
        square = sp.Sum(chi[_i] * a[_i], (_i, 1, N)) ** 2
        double = sp.Sum(sp.Sum(chi[_i] * chi[_j] * a[_i] * a[_j], (_j, 1, N)), (_i, 1, N))
        proof.step("with indicators chi_i = [i in S]: (sum_{i in S} a_i)^2 = sum_i sum_j chi_i chi_j a_i a_j",
                   square, double, verified=sums_equal(square, double),
                   shows=r"\Big(\sum_{i \in S} a_i\Big)^2 = \Big(\sum_{i=1}^{N} \chi_i a_i\Big)^2 = "
                         r"\sum_{i=1}^{N}\sum_{j=1}^{N} \chi_i \chi_j a_i a_j")
        x = sp.Symbol("x")
        proof.step("indicators: chi^2 - chi = chi (chi - 1) vanishes on {0, 1}, so the diagonal i = j has "
                   "E[chi_i^2] = E[chi_i] = P(i in S)", sp.Tuple(*[sp.Subs(sp.factor(x**2 - x), x, v) for v in (0, 1)]),
                   sp.Tuple(0, 0), shows=r"\chi^2 - \chi = \chi(\chi - 1) = 0\ \text{for}\ \chi \in \{0, 1\}")
        expect = p1 * N * sigma2 + p2 * (-N * sigma2)
        proof.step("take expectations: E chi_i = B/N on the diagonal (sum a_i^2 = N sigma^2), "
                   "E chi_i chi_j = B(B-1)/(N(N-1)) off it (sum = -N sigma^2)",
                   expect, B * sigma2 * (N - B) / (N - 1),
                   shows=r"\mathbb{E}\Big[\Big(\sum_{i \in S} a_i\Big)^2\Big] = \frac{B}{N} N\sigma^2 - "
                         r"\frac{B(B-1)}{N(N-1)} N\sigma^2 = \frac{B(N-B)}{N-1}\sigma^2")
    general = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    proof.step("Var[L_B] = E[(L_B - L)^2] = E[(sum of the batch's a)^2]/B^2", derived, general,
               verified=sums_equal(derived, general, given=facts),
               shows=r"\operatorname{Var}[L_B] = \mathbb{E}[(L_B - L)^2] = \frac{1}{B^2}\,\mathbb{E}\Big[\Big("
                     + (r"\sum_{b=1}^{B} X_b" if replace else r"\sum_{i \in S} a_i") + r"\Big)^2\Big] = "
                     + (r"\frac{\sigma^2}{B}" if replace else r"\frac{N-B}{N-1}\frac{\sigma^2}{B}"))
    proof.check("batch_loss_variance for integer N, B (incl. B = N, B = 1, N = 1)", float_branch_agrees(
        lambda n_, b_: batch_loss_variance(n_, b_, 1.5, replace), (N, B), _SIZE_POINTS, numeric=int,
        symbolic=target.subs(sigma2, sp.Rational(3, 2))),
        shows=r"\texttt{batch\_loss\_variance}(N, B, 3/2)\ \text{(float)} = \texttt{batch\_loss\_variance}"
              r"(N, B, 3/2)\ \text{(SymPy)}\ \text{at integer}\ (N, B)")
    if replace:
        proof.step("the library's batch_loss_variance equals the derived variance (symbolic N, B)",
                   batch_loss_variance(N, B, sigma2, True), derived,
                   verified=sums_equal(batch_loss_variance(N, B, sigma2, True), derived, given=facts),
                   shows=r"\texttt{batch\_loss\_variance}(N, B, \sigma^2, \text{replace}) = \frac{B\,\mathbb{E}[X^2] + "
                         r"B(B-1)\,\mathbb{E}[X]^2}{B^2} = \frac{\sigma^2}{B}")
        return proof
    proof.step("edge B = N: the batch is the data set, the library's variance is 0",
               sp.Subs(batch_loss_variance(N, B, sigma2), B, N), 0,
               shows=r"\texttt{batch\_loss\_variance}(N, B, \sigma^2)\big|_{B = N} = 0")
    proof.step("edge N = 1 (so B = 1): the library's variance is 0, no 0/0",
               sp.Subs(batch_loss_variance(N, B, sigma2), (N, B), (1, 1)), 0,
               shows=r"\texttt{batch\_loss\_variance}(1, 1, \sigma^2) = 0")
    M = sp.Symbol("M", integer=True, nonnegative=True)
    proof.step("the library's batch_loss_variance equals the derived variance for N = M + 2 >= 2 (symbolic M, B)",
               batch_loss_variance(M + 2, B, sigma2), derived.subs(N, M + 2),
               shows=r"\texttt{batch\_loss\_variance}(N, B, \sigma^2) = \frac{1}{B^2}\Big(\frac{B}{N} N\sigma^2 - "
                     r"\frac{B(B-1)}{N(N-1)} N\sigma^2\Big),\ N = M + 2")
    return proof
#: (N, B) for the numeric checks: B = N, B = 1, N = 1, N = 2 and interior points.
_SIZE_POINTS = [(1, 1), (2, 1), (2, 2), (5, 5), (7, 1), (10, 3), (10, 9), (64, 8), (1000, 999), (1000, 2)]


def prove_gradient_covariance(replace: bool = False) -> Proof:
    """``Cov[∇L_B] = c·Σ`` with the scalar factor ``c`` for every entry, by polarization (C5)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    a, b, chi = _a, sp.IndexedBase("b"), sp.IndexedBase("chi")
    s_pp, s_qq, s_pq = sp.symbols("Sigma_pp Sigma_qq Sigma_pq", real=True)
    X, Y = sp.symbols("X Y", real=True)  # centred batch means of coordinates p and q
    c = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    c = c / sigma2
    proof = Proof(r"\mathrm{Cov}[\nabla L_B] = c\,\Sigma,\ c = " + sp.latex(c),
                  assumptions="a_i, b_i: centred coordinates p, q of g_i; Sigma_pq = (1/N) sum_i a_i b_i")
    scalar = prove_variance(replace)
    derived, facts = _derived_variance(replace)
    factor = _generic(batch_variance_factor(N, B, replace))
    proof.step("cited lemma prove_variance: the batch mean of any centred population has variance c times its "
               "variance, c the derived factor; batch_variance_factor is this c (N >= 2 branch)", factor,
               derived / sigma2, verified=scalar.holds and sums_equal(factor, derived / sigma2, given=facts),
               shows=r"\operatorname{Var}[\bar a_B] = c\,\frac{1}{N}\sum_{i=1}^{N} a_i^2,\quad c = "
                     r"\texttt{batch\_variance\_factor}(N, B) = \frac{\operatorname{Var}[L_B]}{\sigma^2}")
    proof.step("polarization identity", X * Y, ((X + Y) ** 2 - (X - Y) ** 2) / 4,
               shows=r"XY = \frac{(X + Y)^2 - (X - Y)^2}{4}")
    for sign, label in ((1, "+"), (-1, "-")):
        mixed = sp.Sum(chi[_i] * (a[_i] + sign * b[_i]), (_i, 1, N)) / B
        split = (sp.Sum(chi[_i] * a[_i], (_i, 1, N)) + sign * sp.Sum(chi[_i] * b[_i], (_i, 1, N))) / B
        proof.step(f"the batch mean is linear: (a {label} b)_B = a_B {label} b_B", mixed, split,
                   verified=sums_equal(mixed, split),
                   shows=rf"\frac{{1}}{{B}}\sum_{{i=1}}^{{N}} \chi_i (a_i {label} b_i) = \bar a_B {label} \bar b_B")
        square = sp.Sum((a[_i] + sign * b[_i]) ** 2, (_i, 1, N))
        parts = sp.Sum(a[_i] ** 2, (_i, 1, N)) + 2 * sign * sp.Sum(a[_i] * b[_i], (_i, 1, N)) + sp.Sum(
            b[_i] ** 2, (_i, 1, N))
        proof.step(f"population variance of a {label} b: Sigma_pp {label} 2 Sigma_pq + Sigma_qq (times N)",
                   square, parts, verified=sums_equal(square, parts),
                   shows=rf"\sum_{{i=1}}^{{N}} (a_i {label} b_i)^2 = N(\Sigma_{{pp}} {label} 2\Sigma_{{pq}} + "
                         r"\Sigma_{qq})")
    var_plus, var_minus = s_pp + 2 * s_pq + s_qq, s_pp - 2 * s_pq + s_qq
    proof.step("expectation of the polarization, the scalar result for a + b and a - b", (c * var_plus - c * var_minus) / 4,
               c * s_pq, shows=r"\mathbb{E}[XY] = \frac{c\operatorname{Var}(a+b) - c\operatorname{Var}(a-b)}{4} = "
                               r"c\,\Sigma_{pq}")
    proof.step("diagonal p = q: the polarization at Y = X is X^2, the scalar result itself",
               sp.Subs(((X + Y) ** 2 - (X - Y) ** 2) / 4, Y, X), X**2,
               shows=r"\frac{(X + Y)^2 - (X - Y)^2}{4}\Big|_{Y = X} = X^2,\ \mathbb{E}[X^2] = c\,\Sigma_{pp}")
    M = sp.Symbol("M", integer=True, nonnegative=True)
    sigma = sp.Matrix([[s_pp, s_pq], [s_pq, s_qq]])
    api = batch_gradient_covariance(M + 2, B, sigma, replace)
    mine = ((derived / sigma2) * sigma).subs(N, M + 2)
    proof.step("the library's batch_gradient_covariance is c Sigma entrywise, c the derived factor (N = M + 2)",
               sp.Tuple(*api), sp.Tuple(*mine), verified=all(sums_equal(e, f, given={k.subs(N, M + 2): sp.sympify(v).subs(
                   N, M + 2) for k, v in facts.items()}) for e, f in zip(api, mine)),
               shows=r"\texttt{batch\_gradient\_covariance}(N, B, \Sigma) = c\,\Sigma,\quad c = "
                     r"\frac{\operatorname{Var}[L_B]}{\sigma^2}\ \text{as derived}")
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
               verified=sums_equal(weighted, plain),
               shows=r"\sum_{k=1}^{K} \frac{b_k}{N}\,\frac{S_k}{b_k} = \frac{1}{N}\sum_{k=1}^{K} S_k,\quad "
                     r"S_k = \sum_{i=c_k+1}^{c_k+b_k} x_i")

    def claim(kk):  # P(K): sum_{k<=K} S_k = sum_{i <= c_{K+1}} x_i
        return sp.Sum(batch_sum(k), (k, 1, kk)), sp.Sum(x[_i], (_i, 1, offset(kk + 1)))

    lhs0, rhs0 = claim(sp.Integer(0))
    proof.step("induction base K = 0: both sides are empty sums", lhs0, rhs0, verified=equal(lhs0.doit(), rhs0.doit()),
               shows=r"\sum_{k=1}^{0} S_k = \sum_{i=1}^{c_1} x_i = 0,\quad c_1 = 0")
    lhs, rhs = claim(K)
    lhs1, rhs1 = claim(K + 1)
    proof.step("induction step: peel batch K+1 off the sum", lhs1, lhs + batch_sum(K + 1),
               verified=sums_equal(lhs1, lhs + batch_sum(K + 1)),
               shows=r"\sum_{k=1}^{K+1} S_k = \sum_{k=1}^{K} S_k + S_{K+1}")
    joined = sp.Sum(x[_i], (_i, 1, offset(K + 1) + b[K + 1]))
    ok_join = proof.step("induction step: hypothesis, then adjacent ranges 1..c_{K+1} and "
                         "c_{K+1}+1..c_{K+1}+b_{K+1} join", rhs + batch_sum(K + 1), joined,
                         shows=r"\sum_{i=1}^{c_{K+1}} x_i + \sum_{i=c_{K+1}+1}^{c_{K+1}+b_{K+1}} x_i = "
                               r"\sum_{i=1}^{c_{K+1}+b_{K+1}} x_i").steps[-1].verified
    ok_limit = sums_equal(offset(K + 1) + b[K + 1], offset(K + 2))
    proof.step("induction step: the offsets telescope, c_{K+1} + b_{K+1} = c_{K+2}", offset(K + 1) + b[K + 1],
               offset(K + 2), verified=ok_limit,
               shows=r"c_{K+1} + b_{K+1} = \sum_{j=1}^{K} b_j + b_{K+1} = \sum_{j=1}^{K+1} b_j = c_{K+2}")
    proof.step("induction conclusion: sum_{k<=K+1} S_k = sum_{i<=c_{K+2}} x_i (chain of the three steps above)",
               lhs1, rhs1, verified=ok_join and ok_limit and proof.steps[-3].verified,
               shows=r"\sum_{k=1}^{K+1} S_k = \sum_{i=1}^{c_{K+2}} x_i")
    full = sp.Sum(x[_i], (_i, 1, N)) / N
    proof.step("with c_{K+1} = N (the batches cover the epoch): sum_k (b_k/N) L_{B_k} = (1/N) sum_i x_i = L",
               weighted, full, verified=all(st.verified for st in proof.steps) and equal(rhs.subs(offset(K + 1), N) / N, full),
               shows=r"\sum_{k=1}^{K} \frac{b_k}{N} L_{B_k} = \frac{1}{N}\sum_{i=1}^{c_{K+1}} x_i = "
                     r"\frac{1}{N}\sum_{i=1}^{N} x_i = L")
    library = sp.Tuple(*[_weighted_epoch(x, n_, b_) for b_ in range(1, 9) for n_ in range(1, 30)])
    derived = sp.Tuple(*[sp.Sum(x[_i], (_i, 1, n_)) / n_ for b_ in range(1, 9) for n_ in range(1, 30)])
    proof.step("the library's epoch_batch_sizes(N, B) is such a partition: the weighted batch means give L "
               "(every N < 30, B < 9, symbolic data x_i)", library, derived,
               verified=equal(sp.Tuple(*[e.doit() for e in library]), sp.Tuple(*[e.doit() for e in derived])),
               shows=r"\sum_{k} \frac{b_k}{N} L_{B_k} = \frac{1}{N}\sum_{i=1}^{N} x_i,\quad "
                     r"(b_k)_k = \texttt{epoch\_batch\_sizes}(N, B)")
    return proof


def _weighted_epoch(x: sp.IndexedBase, N: int, B: int) -> sp.Expr:
    """``Σ_k (b_k/N)·(1/b_k) Σ_{i ∈ batch k} x_i`` over the library's batches (sums left unevaluated)."""
    out, start = [], 0
    for size in epoch_batch_sizes(N, B):
        out.append(sp.Rational(size, N) * sp.Sum(x[_i], (_i, start + 1, start + size)) / size)
        start += size
    return sp.Add(*out)


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
    sizes = [(n_, b_) for b_ in range(1, 9) for n_ in range(1, 30)]
    short = lambda n_, b_: {q: (n_ - 1) // b_, r: (n_ - 1) % b_ + 1, B: b_}  # noqa: E731 - N = qB + r, 0 < r <= B
    library = sp.Tuple(*[sp.Tuple(sum(epoch_batch_sizes(n_, b_)), epoch_batch_sizes(n_, b_)[-1]) for n_, b_ in sizes])
    derived = sp.Tuple(*[sp.Subs(sp.Tuple(N, r), tuple(short(n_, b_)), tuple(short(n_, b_).values()))
                         for n_, b_ in sizes])
    proof.step("cited lemma prove_epoch_identity applies: epoch_batch_sizes(N, B) sum to N = qB + r and end with "
               "r (every N < 30, B < 9), so S_full + r L_last = N L", library, derived,
               verified=epoch.holds and library == sp.Tuple(*[d.doit() for d in derived]),
               shows=r"\Big(\sum \texttt{epoch\_batch\_sizes}(N, B),\ b_K\Big) = (qB + r,\ r)\ \Rightarrow\ "
                     r"S_{full} + r L_{last} = N L")
    s_full_value = N * L - r * L_last
    means = sp.Sum(S[k] / B, (k, 1, q))
    proof.step("full batches have size B: sum_{k<=q} L_k = S_full / B (linearity)", means, sp.Sum(S[k], (k, 1, q)) / B,
               verified=sums_equal(means, sp.Sum(S[k], (k, 1, q)) / B),
               shows=r"\sum_{k=1}^{q} \frac{S_k}{B} = \frac{1}{B}\sum_{k=1}^{q} S_k = \frac{S_{full}}{B}")
    U = (s_full_value / B + L_last) / K
    coef = (B - r) / (K * B)
    proof.step("U - L = (B - r)/(K B) (L_last - L) using N = qB + r", U - L, coef * (L_last - L),
               shows=r"U - L = \frac{1}{K}\Big(\frac{N L - r L_{last}}{B} + L_{last}\Big) - L = "
                     r"\frac{B-r}{KB}(L_{last} - L)")
    n = sp.Symbol("N", integer=True, positive=True)
    proof.step("uniform shuffle: the last r positions are a uniform r-subset, r!(N-r)!/N! = 1/C(N,r)",
               sp.factorial(r) * sp.factorial(n - r) / sp.factorial(n), 1 / sp.binomial(n, r),
               shows=r"P(\text{last}\ r\ \text{positions} = S) = \frac{r!\,(N-r)!}{N!} = \binom{N}{r}^{-1}")
    called = sp.Tuple(*[unweighted_epoch_bias(n_, b_, L_last, L) for n_, b_ in sizes])
    mine = sp.Tuple(*[sp.Subs(coef * (L_last - L), tuple(short(n_, b_)), tuple(short(n_, b_).values()))
                      for n_, b_ in sizes])
    proof.step("the library's unweighted_epoch_bias(N, B, L_last, L) is the derived deviation for every N < 30, "
               "B < 9 (r = B, no short batch: 0)", called, mine,
               verified=equal(called, sp.Tuple(*[e.doit() for e in mine])),
               shows=r"\texttt{unweighted\_epoch\_bias}(N, B, L_{last}, L) = \frac{B-r}{KB}(L_{last} - L)")
    unbiased = prove_unbiased(False)
    e_last = inclusion_probability(n_examples, r) / r * sp.Sum(_ell[_i], (_i, 1, n_examples))  # E[L_last], linearity
    mean_is_L = {sp.Sum(_ell[_i], (_i, 1, n_examples)): n_examples * L}
    proof.step("cited lemma prove_unbiased with B = r: E[L_last] = sum_i (P(i in last)/r) ell_i = L, so E[U - L] = 0",
               coef * (e_last - L), 0, verified=unbiased.holds and sums_equal(coef * (e_last - L), 0, given=mean_is_L),
               shows=r"\mathbb{E}[U - L] = \frac{B-r}{KB}\Big(\sum_{i=1}^{N} \frac{P(i \in \text{last})}{r}\ell_i - "
                     r"L\Big) = 0")
    v_last = (N - r) * s2 / ((N - 1) * r)
    derived_var, _ = _derived_variance(False)
    var_last = derived_var.subs({batch_size: r, sigma2: s2}).subs(n_examples, N)
    proof.step("Var[U] = Var[coef (L_last - L)] = coef^2 Var[L_last]; cited lemma prove_variance with B = r "
               "(the last batch is a uniform r-subset)", coef**2 * var_last, coef**2 * v_last,
               verified=equal(var_last, v_last) and prove_variance(False).holds,
               shows=r"\operatorname{Var}[U] = \Big(\frac{B-r}{KB}\Big)^2 \operatorname{Var}[L_{last}] = "
                     r"\Big(\frac{B-r}{KB}\Big)^2 \frac{N-r}{N-1}\frac{\sigma^2}{r}")
    proof.step("edge q = 0 (N = r < B): one batch, the whole data set, variance 0", sp.Subs(coef**2 * v_last, q, 0), 0,
               shows=r"\Big(\frac{B-r}{KB}\Big)^2 \frac{N-r}{N-1}\frac{\sigma^2}{r}\Big|_{q = 0} = 0")
    dropped_mean = s_full_value / (q * B)
    coef_drop = r / (q * B)
    proof.step("drop_last (q >= 1): mean of the seen examples - L = r/(qB) (L - L_dropped)",
               dropped_mean - L, coef_drop * (L - L_last),
               shows=r"\frac{N L - r L_{dropped}}{qB} - L = \frac{r}{qB}(L - L_{dropped})")
    proof.step("drop_last: mean 0 since E[L_dropped] = L (cited lemma prove_unbiased with B = r)",
               coef_drop * (L - e_last), 0,
               verified=unbiased.holds and sums_equal(coef_drop * (L - e_last), 0, given=mean_is_L),
               shows=r"\mathbb{E}\Big[\frac{r}{qB}(L - L_{dropped})\Big] = \frac{r}{qB}(L - \mathbb{E}[L_{dropped}]) = 0")
    drops = [(n_, b_) for b_ in range(1, 9) for n_ in range(b_, 30)]
    exact = lambda n_, b_: {q: n_ // b_, r: n_ % b_, B: b_}  # noqa: E731 - N = qB + r, 0 <= r < B
    called = sp.Tuple(*[drop_last_deviation(n_, b_, L_last, L) for n_, b_ in drops])
    mine = sp.Tuple(*[sp.Subs(coef_drop * (L - L_last), tuple(exact(n_, b_)), tuple(exact(n_, b_).values()))
                      for n_, b_ in drops])
    proof.step("the library's drop_last_deviation(N, B, L_dropped, L) is the derived deviation for every "
               "B <= N < 30, B < 9", called, mine, verified=equal(called, sp.Tuple(*[e.doit() for e in mine])),
               shows=r"\texttt{drop\_last\_deviation}(N, B, L_{dropped}, L) = \frac{r}{qB}(L - L_{dropped})")
    return proof


def prove_stationary_point_moves(replace: bool = False) -> Proof:
    """At ``∇L(θ*) = 0``: ``E[θ_1 − θ*] = 0`` but ``E‖θ_1 − θ*‖² = η² c tr Σ`` (C4, symbolic N, B, η)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    lr, tr = sp.Symbol("eta", positive=True), sp.Symbol("tr_Sigma", nonnegative=True)
    grad_full = sp.Symbol("nabla_L", real=True)
    proof = Proof(r"\mathbb{E}[\theta_1-\theta^*] = 0,\quad \mathbb{E}\|\theta_1-\theta^*\|^2 = \eta^2 c\,"
                  r"\mathrm{tr}\,\Sigma(\theta^*)",
                  assumptions="nabla L(theta*) = 0; theta_1 = theta* - eta nabla L_B(theta*); " +
                  ("B i.i.d. draws" if replace else "uniform B-subset"))
    unbiased, cov = prove_unbiased(replace), prove_gradient_covariance(replace)
    # E[∇L_B] = Σ_i P(i ∈ batch)/B · ∇ℓ_i; with every ∇ℓ_i summing to N ∇L, the coefficient P/B must be 1/N
    p_in = sp.Integer(1) / N * B if replace else inclusion_probability(N, B)  # expected count / N per draw
    e_grad = p_in / B * sp.Sum(_ell[_i], (_i, 1, N))  # ell_i read as one coordinate of nabla ell_i
    proof.step("cited lemma prove_unbiased, coordinate-wise: E[nabla L_B] = sum_i (P(i in batch)/B) nabla ell_i "
               "= nabla L", e_grad, grad_full, verified=unbiased.holds and sums_equal(
                   e_grad, grad_full, given={sp.Sum(_ell[_i], (_i, 1, N)): N * grad_full}),
               shows=r"\mathbb{E}[\nabla L_B] = \sum_{i=1}^{N} \frac{P(i \in \text{batch})}{B}\nabla\ell_i = "
                     r"\frac{1}{N}\sum_{i=1}^{N} \nabla\ell_i = \nabla L")
    proof.step("linearity of E with the stationarity nabla L(theta*) = 0", sp.Subs(-lr * grad_full, grad_full, 0), 0,
               shows=r"\mathbb{E}[\theta_1 - \theta^*] = -\eta\,\mathbb{E}[\nabla L_B(\theta^*)] = "
                     r"-\eta\nabla L(\theta^*) = 0")
    derived, facts = _derived_variance(replace)
    c_derived = derived / sigma2
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    library_cov = _generic(batch_gradient_covariance(N, B, Sig, replace)[0, 0])
    proof.step("cited lemma prove_gradient_covariance at symbolic N, B (N >= 2 branch): the library's "
               "batch_gradient_covariance is the derived c Sigma", library_cov, c_derived * Sig[0, 0],
               verified=cov.holds and sums_equal(library_cov, c_derived * Sig[0, 0], given=facts),
               shows=r"\operatorname{Cov}[\nabla L_B] = \texttt{batch\_gradient\_covariance}(N, B, \Sigma) = c\,\Sigma")
    proof.check("stationary_step_second_moment for integer N, B", float_branch_agrees(
        lambda n_, b_: stationary_step_second_moment(n_, b_, 0.1, 2.0, replace), (N, B), _SIZE_POINTS, numeric=int,
        symbolic=stationary_step_second_moment(N, B, lr, tr, replace).subs({lr: sp.Rational(1, 10), tr: 2})),
        shows=r"\texttt{stationary\_step\_second\_moment}(N, B, 0.1, 2)\ \text{(float)} = "
              r"\texttt{stationary\_step\_second\_moment}(N, B, 0.1, 2)\ \text{(SymPy)}\ \text{at integer}\ (N, B)")
    if not replace:
        proof.step("edge: full batch (B = N, without replacement) has c = 0, so GD does not move",
                   sp.Subs(stationary_step_second_moment(N, B, lr, tr), B, N), 0,
                   shows=r"\texttt{stationary\_step\_second\_moment}(N, B, \eta, \operatorname{tr}\Sigma)\big|_{B = N} = 0")
    mean_sq = sp.Subs(grad_full**2, grad_full, 0)  # ||E nabla L_B||^2 at the stationary point
    second = lr**2 * (mean_sq + c_derived * tr)
    library = _generic(stationary_step_second_moment(N, B, lr, tr, replace))
    proof.step("bias-variance decomposition E||X||^2 = ||E X||^2 + tr Cov X with X = eta nabla L_B: the library's "
               "stationary_step_second_moment equals the derived eta^2 c tr Sigma (symbolic N, B, eta; N >= 2 branch)",
               library, second, verified=sums_equal(library, second.doit(), given=facts),
               shows=r"\texttt{stationary\_step\_second\_moment}(N, B, \eta, \operatorname{tr}\Sigma) = "
                     r"\eta^2\big(\|\mathbb{E}\nabla L_B\|^2 + \operatorname{tr}\operatorname{Cov}[\nabla L_B]\big) = "
                     r"\eta^2 c\operatorname{tr}\Sigma")
    return proof
