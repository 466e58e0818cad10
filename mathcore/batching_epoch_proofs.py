"""SymPy proofs of the epoch identities (C1, C4, C5): the size-weighted batch means of any partition into
consecutive batches average to ``L`` (symbolic K), and the unweighted epoch mean / ``drop_last`` deviate
from ``L`` by an exact term of mean 0 and known variance under reshuffling.
Statements: ``optproof.mathcore.batching``."""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.batching import (_ell, _i, _j, batch_size, drop_last_deviation, epoch_batch_sizes,
                                       inclusion_probability, n_examples, sigma2, unweighted_epoch_bias)
from optproof.mathcore.batching_lemmas import derived_variance
from optproof.mathcore.batching_moment_proofs import prove_unbiased, prove_variance
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_epoch_identity", "prove_unweighted_bias"]


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
    derived_var, _ = derived_variance(False)
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
