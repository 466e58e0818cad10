"""SymPy proofs of the moments of one uniform mini-batch, for symbolic N and B (C5; cited by C3, C4):
``E[L_B] = L``, ``Var[L_B] = (N−B)/(N−1)·σ²/B`` (``σ²/B`` with replacement) and ``Cov[∇L_B] = c Σ``.
Statements: ``optproof.mathcore.batching``."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from optproof.base.validation import check_choice
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.batching import (_ell, _i, _j, batch_gradient_covariance, batch_loss_variance, batch_size,
                                       batch_variance_factor, exact_batch_moments, inclusion_probability, n_examples,
                                       sigma2)
from optproof.mathcore.batching_lemmas import (SIZE_POINTS, a_centred, centring_steps, counting_steps,
                                              derived_variance, generic_branch)
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_unbiased", "prove_variance", "prove_gradient_covariance"]


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
    p1, _ = counting_steps(proof)
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
    a, chi = a_centred, sp.IndexedBase("chi")
    target = batch_variance_factor(N, B, replace) * sigma2
    proof = Proof(r"\mathrm{Var}[L_B] = " + (r"\sigma^2/B" if replace else r"\frac{N-B}{N-1}\frac{\sigma^2}{B}"),
                  assumptions="a_i = ell_i - L; " + ("B i.i.d. uniform indices" if replace else "uniform B-subset"))
    facts = centring_steps(proof, a)
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
    derived, _ = derived_variance(replace)
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
        p1, p2 = counting_steps(proof)
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
        lambda n_, b_: batch_loss_variance(n_, b_, 1.5, replace), (N, B), SIZE_POINTS, numeric=int,
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


def prove_gradient_covariance(replace: bool = False) -> Proof:
    """``Cov[∇L_B] = c·Σ`` with the scalar factor ``c`` for every entry, by polarization (C5)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    a, b, chi = a_centred, sp.IndexedBase("b"), sp.IndexedBase("chi")
    s_pp, s_qq, s_pq = sp.symbols("Sigma_pp Sigma_qq Sigma_pq", real=True)
    X, Y = sp.symbols("X Y", real=True)  # centred batch means of coordinates p and q
    c = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    c = c / sigma2
    proof = Proof(r"\mathrm{Cov}[\nabla L_B] = c\,\Sigma,\ c = " + sp.latex(c),
                  assumptions="a_i, b_i: centred coordinates p, q of g_i; Sigma_pq = (1/N) sum_i a_i b_i")
    scalar = prove_variance(replace)
    derived, facts = derived_variance(replace)
    factor = generic_branch(batch_variance_factor(N, B, replace))
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
