"""SymPy proof that a stationary point of ``L`` moves under one mini-batch step (C4): at ``∇L(θ*) = 0``,
``E[θ_1 − θ*] = 0`` but ``E‖θ_1 − θ*‖² = η² c tr Σ(θ*)``, symbolic N, B, η.
Statement: ``optproof.mathcore.batching.stationary_step_second_moment``."""
from __future__ import annotations

import sympy as sp

from optproof.base.validation import check_choice
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.batching import (_ell, _i, batch_gradient_covariance, batch_size, inclusion_probability,
                                       n_examples, sigma2, stationary_step_second_moment)
from optproof.mathcore.batching_lemmas import SIZE_POINTS, derived_variance, generic_branch
from optproof.mathcore.batching_moment_proofs import prove_gradient_covariance, prove_unbiased
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_stationary_point_moves"]


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
    derived, facts = derived_variance(replace)
    c_derived = derived / sigma2
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    library_cov = generic_branch(batch_gradient_covariance(N, B, Sig, replace)[0, 0])
    proof.step("cited lemma prove_gradient_covariance at symbolic N, B (N >= 2 branch): the library's "
               "batch_gradient_covariance is the derived c Sigma", library_cov, c_derived * Sig[0, 0],
               verified=cov.holds and sums_equal(library_cov, c_derived * Sig[0, 0], given=facts),
               shows=r"\operatorname{Cov}[\nabla L_B] = \texttt{batch\_gradient\_covariance}(N, B, \Sigma) = c\,\Sigma")
    proof.check("stationary_step_second_moment for integer N, B", float_branch_agrees(
        lambda n_, b_: stationary_step_second_moment(n_, b_, 0.1, 2.0, replace), (N, B), SIZE_POINTS, numeric=int,
        symbolic=stationary_step_second_moment(N, B, lr, tr, replace).subs({lr: sp.Rational(1, 10), tr: 2})),
        shows=r"\texttt{stationary\_step\_second\_moment}(N, B, 0.1, 2)\ \text{(float)} = "
              r"\texttt{stationary\_step\_second\_moment}(N, B, 0.1, 2)\ \text{(SymPy)}\ \text{at integer}\ (N, B)")
    if not replace:
        proof.step("edge: full batch (B = N, without replacement) has c = 0, so GD does not move",
                   sp.Subs(stationary_step_second_moment(N, B, lr, tr), B, N), 0,
                   shows=r"\texttt{stationary\_step\_second\_moment}(N, B, \eta, \operatorname{tr}\Sigma)\big|_{B = N} = 0")
    mean_sq = sp.Subs(grad_full**2, grad_full, 0)  # ||E nabla L_B||^2 at the stationary point
    second = lr**2 * (mean_sq + c_derived * tr)
    library = generic_branch(stationary_step_second_moment(N, B, lr, tr, replace))
    proof.step("bias-variance decomposition E||X||^2 = ||E X||^2 + tr Cov X with X = eta nabla L_B: the library's "
               "stationary_step_second_moment equals the derived eta^2 c tr Sigma (symbolic N, B, eta; N >= 2 branch)",
               library, second, verified=sums_equal(library, second.doit(), given=facts),
               shows=r"\texttt{stationary\_step\_second\_moment}(N, B, \eta, \operatorname{tr}\Sigma) = "
                     r"\eta^2\big(\|\mathbb{E}\nabla L_B\|^2 + \operatorname{tr}\operatorname{Cov}[\nabla L_B]\big) = "
                     r"\eta^2 c\operatorname{tr}\Sigma")
    return proof
