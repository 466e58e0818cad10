"""SymPy proofs of the mini-batch loss and gradient moments, the epoch identities and the moving
stationary point (C1, C4, C5), for symbolic N and B.  Statements: ``optproof.mathcore.batching``."""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_choice
from optproof.mathcore.batching import _ell, _i, _j, epoch_batch_sizes, unweighted_epoch_bias, drop_last_deviation, batch_gradient_covariance, batch_loss_variance, batch_size, batch_variance_factor, inclusion_probability, n_examples, sigma2, stationary_step_second_moment

__all__ = [
    "prove_unbiased",
    "prove_variance",
    "prove_gradient_covariance",
    "prove_epoch_identity",
    "prove_unweighted_bias",
    "prove_stationary_point_moves",
]

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
        second = B * m2 + B * (B - 1) * m1**2  # the moments m1 = E[X], m2 = E[X^2] of the two steps above
        proof.step("independence: E[(sum_b X_b)^2] = B E[X^2] + B(B-1) E[X]^2 = B sigma^2", second, B * sigma2,
                   verified=sums_equal(second, B * sigma2, given=facts))
        second = B * sigma2
    else:
        p1, p2 = _counting_steps(proof)
        square = sp.Sum(chi[_i] * a[_i], (_i, 1, N)) ** 2
        double = sp.Sum(sp.Sum(chi[_i] * chi[_j] * a[_i] * a[_j], (_j, 1, N)), (_i, 1, N))
        proof.step("with indicators chi_i = [i in S]: (sum_{i in S} a_i)^2 = sum_i sum_j chi_i chi_j a_i a_j",
                   square, double, verified=sums_equal(square, double))
        x = sp.Symbol("x")
        proof.step("indicators: chi^2 - chi = chi (chi - 1) vanishes on {0, 1}, so the diagonal i = j has "
                   "E[chi_i] = P(i in S)", sp.Tuple(*[sp.factor(x**2 - x).subs(x, v) for v in (0, 1)]),
                   sp.Tuple(0, 0))
        expect = p1 * N * sigma2 + p2 * (-N * sigma2)
        proof.step("take expectations: E chi_i = B/N, E chi_i chi_j = B(B-1)/(N(N-1)) (i != j)",
                   expect, B * sigma2 * (N - B) / (N - 1))
        second = B * sigma2 * (N - B) / (N - 1)
    general = sigma2 / B if replace else (N - B) * sigma2 / ((N - 1) * B)
    proof.step("Var[L_B] = E[(L_B - L)^2] = E[(sum of the batch's a)^2]/B^2", second / B**2, general)
    proof.check("batch_loss_variance for integer N, B (incl. B = N, B = 1, N = 1)", float_branch_agrees(
        lambda n_, b_: batch_loss_variance(n_, b_, 1.5, replace), (N, B), _SIZE_POINTS, numeric=int,
        symbolic=target.subs(sigma2, sp.Rational(3, 2))))
    if replace:
        proof.step("batch_loss_variance agrees", batch_loss_variance(N, B, sigma2, True), general)
        return proof
    M = sp.Symbol("M", integer=True, nonnegative=True)
    proof.step("batch_loss_variance agrees for N = M + 2 >= 2", batch_loss_variance(M + 2, B, sigma2),
               general.subs(N, M + 2))
    proof.step("edge B = N: the batch is the data set, variance 0", target.subs(B, N), 0)
    proof.step("edge N = 1 (so B = 1): variance 0, no 0/0", target.subs({N: 1, B: 1}), 0)
    return proof
#: (N, B) for the numeric checks: B = N, B = 1, N = 1, N = 2 and interior points.
_SIZE_POINTS = [(1, 1), (2, 1), (2, 2), (5, 5), (7, 1), (10, 3), (10, 9), (64, 8), (1000, 999), (1000, 2)]


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
    factor = batch_variance_factor(N, B, replace)
    proof.cite("scalar result: Var of a batch mean of any population = c * its variance (prove_variance; "
               "batch_variance_factor is this c)", scalar, factor.args[-1][0] if isinstance(factor, sp.Piecewise)
               else factor, c)
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
    sizes_ok = all(sum(epoch_batch_sizes(n_, b_)) == n_ and epoch_batch_sizes(n_, b_)[-1] == (n_ - 1) % b_ + 1
                   for b_ in range(1, 9) for n_ in range(1, 30))
    proof.step("epoch identity (prove_epoch_identity) applies: epoch_batch_sizes(N, B) sum to N and end with r "
               "(every N < 30, B < 9), so S_full + r L_last = N L", sp.Integer(int(sizes_ok)), 1,
               verified=epoch.holds and sizes_ok)
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
    sizes = [(n_, b_) for b_ in range(1, 9) for n_ in range(1, 30)]
    called = sp.Tuple(*[unweighted_epoch_bias(n_, b_, L_last, L) for n_, b_ in sizes])
    proof.step("unweighted_epoch_bias(N, B, L_last, L) is that coefficient for every N < 30, B < 9 "
               "(r = B, no short batch: 0)", called,
               sp.Tuple(*[_bias_coef(coef, q, r, n_, b_) * (L_last - L) for n_, b_ in sizes]))
    unbiased = prove_unbiased(False)
    e_last = inclusion_probability(n_examples, r) / r * sp.Sum(_ell[_i], (_i, 1, n_examples))  # E[L_last], linearity
    mean_is_L = {sp.Sum(_ell[_i], (_i, 1, n_examples)): n_examples * L}
    proof.step("E[L_last] = sum_i (P(i in last)/r) ell_i = L (prove_unbiased with B = r), so E[U - L] = 0",
               coef * (e_last - L), 0, verified=unbiased.holds and sums_equal(coef * (e_last - L), 0, given=mean_is_L))
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
    drops = [(n_, b_) for b_ in range(1, 9) for n_ in range(b_, 30)]
    proof.step("drop_last_deviation(N, B, L_dropped, L) is that coefficient for every B <= N < 30, B < 9",
               sp.Tuple(*[drop_last_deviation(n_, b_, L_last, L) for n_, b_ in drops]),
               sp.Tuple(*[sp.Rational(n_ % b_, (n_ // b_) * b_) * (L - L_last) for n_, b_ in drops]))
    proof.step("drop_last: mean 0 since E[L_dropped] = L (prove_unbiased with B = r)", coef_drop * (L - e_last), 0,
               verified=unbiased.holds and sums_equal(coef_drop * (L - e_last), 0, given=mean_is_L))
    return proof


def _bias_coef(coef: sp.Expr, q: sp.Symbol, r: sp.Symbol, N: int, B: int) -> sp.Expr:
    """The proven ``(B − r)/(KB)`` at ``N = qB + r`` with ``0 < r ≤ B`` (``r = B``: no short batch)."""
    qq, rr = divmod(N - 1, B)
    return coef.subs({q: qq, r: rr + 1, batch_size: B})
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
    # E[∇L_B] = Σ_i P(i ∈ batch)/B · ∇ℓ_i; with every ∇ℓ_i summing to N ∇L, the coefficient P/B must be 1/N
    p_in = sp.Integer(1) / N * B if replace else inclusion_probability(N, B)  # expected count / N per draw
    e_grad = p_in / B * sp.Sum(_ell[_i], (_i, 1, N))  # ell_i read as one coordinate of nabla ell_i
    proof.step("E[nabla L_B] = sum_i (P(i in batch)/B) nabla ell_i = nabla L (prove_unbiased, coordinate-wise)",
               e_grad, grad_full, verified=unbiased.holds and sums_equal(
                   e_grad, grad_full, given={sp.Sum(_ell[_i], (_i, 1, N)): N * grad_full}))
    proof.step("E[theta_1 - theta*] = -eta nabla L(theta*) = 0", (-lr * grad_full).subs(grad_full, 0), 0)
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    proof.cite("Cov[nabla L_B] = c Sigma (prove_gradient_covariance; batch_gradient_covariance at symbolic N, B)",
               cov, batch_gradient_covariance(N, B, Sig, replace)[0, 0], c * Sig[0, 0])
    proof.step("E||Delta||^2 = eta^2 (||E nabla L_B||^2 + tr Cov) = eta^2 c tr Sigma",
               lr**2 * (0 + c * tr), stationary_step_second_moment(N, B, lr, tr, replace))
    proof.check("stationary_step_second_moment for integer N, B", float_branch_agrees(
        lambda n_, b_: stationary_step_second_moment(n_, b_, 0.1, 2.0, replace), (N, B), _SIZE_POINTS, numeric=int,
        symbolic=stationary_step_second_moment(N, B, lr, tr, replace).subs({lr: sp.Rational(1, 10), tr: 2})))
    proof.step("full batch (B = N, without replacement): c = 0, so GD does not move",
               c.subs(B, N) if not replace else sp.Integer(0), 0)
    return proof
