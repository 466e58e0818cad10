"""Shared steps of the mini-batch proofs: the centring facts, the inclusion probabilities, the derived
``Var[L_B]`` before simplification, the library's ``N ≥ 2`` branch and the citation of ``Cov[∇L_B] = cΣ``.

These are proof building blocks, not library functions: no ``__all__`` (``tests/test_proof_steps.py``
counts the names in a module's ``__all__`` as the library a proof's last step must reach).  They serve the
proofs of C3, C4 and C5 in ``batching_moment_proofs``, ``batching_epoch_proofs``,
``batching_stationary_proofs``, ``minibatch_noise_proofs`` and ``minibatch_moment_proofs``."""
from __future__ import annotations

import sympy as sp

from optproof.base.validation import check_choice
from optproof.mathcore.batching import (_ell, _i, _j, batch_gradient_covariance, batch_size, inclusion_probability,
                                       n_examples, sigma2)
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import sums_equal


a_centred = sp.IndexedBase("a")  # a_i = ell_i - L, the centred losses (or one centred gradient coordinate)


def _check_proof(proof: Proof) -> None:
    if not isinstance(proof, Proof):
        raise TypeError(f"proof must be a Proof; got {type(proof).__name__}")


def centring_steps(proof: Proof, a: sp.IndexedBase) -> dict:
    """Record ``Σ_i (ℓ_i − L) = 0`` and return the facts ``Σ a_i = 0``, ``Σ a_i² = N σ²`` for ``a_i = ℓ_i − L``."""
    _check_proof(proof)
    if not isinstance(a, sp.IndexedBase):
        raise TypeError(f"a must be a sympy IndexedBase; got {type(a).__name__}")
    N = n_examples
    total = sp.Sum(_ell[_j], (_j, 1, N))
    proof.step("centring: sum_i (ell_i - L) = sum_i ell_i - N L = 0 with L = (1/N) sum_j ell_j",
               sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0,
               verified=sums_equal(sp.Sum(_ell[_i] - total / N, (_i, 1, N)), 0),
               shows=r"\sum_{i=1}^{N} (\ell_i - L) = \sum_{i=1}^{N} \ell_i - N L = 0,\quad "
                     r"L = \frac{1}{N}\sum_{j=1}^{N} \ell_j")
    return {sp.Sum(a[_i], (_i, 1, N)): 0, sp.Sum(a[_i] ** 2, (_i, 1, N)): N * sigma2}


def counting_steps(proof: Proof) -> tuple[sp.Expr, sp.Expr]:
    """``P(i ∈ S) = B/N`` and ``P(i, j ∈ S) = B(B−1)/(N(N−1))`` from binomial counts (symbolic N, B)."""
    _check_proof(proof)
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


def derived_variance(replace: bool) -> tuple[sp.Expr, dict]:
    """``Var[L_B]`` as the derivation of ``prove_variance`` leaves it, before simplification, and the facts it needs.

    i.i.d.: ``(B E[X²] + B(B−1) E[X]²)/B²`` with ``E[X] = Σa_i/N``, ``E[X²] = Σa_i²/N``; subsets:
    ``(P(i∈S)·Nσ² − P(i,j∈S)·Nσ²)/B²``.  Equals ``batch_variance_factor(N, B)·σ²`` (proven there)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    if replace:
        m1, m2 = sp.Sum(a_centred[_i], (_i, 1, N)) / N, sp.Sum(a_centred[_i] ** 2, (_i, 1, N)) / N
        return (B * m2 + B * (B - 1) * m1**2) / B**2, {sp.Sum(a_centred[_i], (_i, 1, N)): 0,
                                                         sp.Sum(a_centred[_i] ** 2, (_i, 1, N)): N * sigma2}
    p1, p2 = B / N, B * (B - 1) / (N * (N - 1))
    return (p1 * N * sigma2 + p2 * (-N * sigma2)) / B**2, {}


def generic_branch(expr):
    """The ``N ≥ 2`` branch of the library's ``Piecewise`` (``N = 1`` is its own branch, 0)."""
    return sp.sympify(expr).replace(lambda x: isinstance(x, sp.Piecewise), lambda x: x.args[-1][0])


#: (N, B) for the numeric checks: B = N, B = 1, N = 1, N = 2 and interior points.
SIZE_POINTS = [(1, 1), (2, 1), (2, 2), (5, 5), (7, 1), (10, 3), (10, 9), (64, 8), (1000, 999), (1000, 2)]


def cite_covariance(proof: Proof, why: str, lemmas: tuple, N, B, replace: bool) -> None:
    """Cite ``lemmas`` (``prove_gradient_covariance`` among them) at this instance: the library's
    ``batch_gradient_covariance(N, B, Σ)`` is ``c Σ`` entrywise with ``c`` as derived there (``derived_variance``)."""
    _check_proof(proof)
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    derived, facts = derived_variance(replace)
    got = sp.Tuple(*batch_gradient_covariance(N, B, Sig, replace).applyfunc(generic_branch))  # N >= 2 branch
    mine = sp.Tuple(*((derived / sigma2) * Sig))
    proof.step(why, got, mine, verified=all(lem.holds for lem in lemmas) and all(
        sums_equal(e, f, given=facts) for e, f in zip(got, mine)),
        shows=r"\operatorname{Cov}[\nabla L_B] = \texttt{batch\_gradient\_covariance}(N, B, \Sigma) = "
              r"c\,\Sigma,\quad c = \frac{\operatorname{Var}[L_B]}{\sigma^2}\ \text{as derived}")
