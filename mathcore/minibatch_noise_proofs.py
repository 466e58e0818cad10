"""SymPy proofs of the covariance of mini-batch gradients of least squares (C3, C5): the multiplicative
noise ``Cov[∇L_B(θ)] = c Σ(θ)`` with ``Σ`` quadratic in ``θ̃`` and ``E Σ(θ) = f(S̃)``, and the within-epoch
covariance ``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N−1)``.  Statements: ``optproof.mathcore.minibatch_noise``."""
from __future__ import annotations

import sympy as sp

from optproof.base.validation import check_choice
from optproof.mathcore.batching import batch_gradient_covariance, batch_size, n_examples
from optproof.mathcore.batching_lemmas import centring_steps, cite_covariance, generic_branch
from optproof.mathcore.batching_moment_proofs import prove_gradient_covariance
from optproof.mathcore.minibatch_algebra import dim, matrix_equal
from optproof.mathcore.minibatch_library_checks import noise_library_steps
from optproof.mathcore.minibatch_noise import within_epoch_batch_covariance
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_multiplicative_noise", "prove_within_epoch_covariance"]


def prove_multiplicative_noise(replace: bool = False) -> Proof:
    """``Cov[∇L_B(θ)] = c Σ(θ)`` with ``Σ`` quadratic in ``θ̃``; ``E[Σ(θ)]`` through ``S̃`` (C3, C5)."""
    check_choice("replace", replace, (False, True))
    N = n_examples
    i = sp.Symbol("i", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    x, th, mu = (sp.MatrixSymbol(s, dim, 1) for s in ("x", "theta", "mu"))
    xt = sp.MatrixSymbol("xtilde", dim + 1, 1)
    St, Pt, Qt = (sp.MatrixSymbol(s, dim + 1, dim + 1) for s in ("Stilde", "Ptilde", "Qtilde"))
    Ht = sp.MatrixSymbol("Htilde", dim, dim + 1)
    proof = Proof(r"\mathrm{Cov}[\nabla L_B(\theta)] = c\,\Sigma(\theta),\ \mathbb{E}\Sigma(\theta) = "
                  r"\frac1N\sum_i x_i(\tilde x_i^\top \tilde S \tilde x_i)x_i^\top - \tilde H\tilde S\tilde H^\top",
                  assumptions="least squares, r_i = x_i^T theta - y_i = xtilde_i^T thetatilde; " +
                  ("B i.i.d. indices" if replace else "uniform B-subset"))
    base = prove_gradient_covariance(replace)
    cite_covariance(proof, "cited lemma prove_gradient_covariance: Cov of a batch mean of the vectors g_i(theta) is "
                            "c Sigma(theta)", (base,), N, batch_size, replace)
    mean_a, mean_b = sp.symbols("abar bbar", real=True)
    means = {sp.Sum(a[i], (i, 1, N)): N * mean_a, sp.Sum(bb[i], (i, 1, N)): N * mean_b}
    centred = sp.Sum((a[i] - mean_a) * (bb[i] - mean_b), (i, 1, N)) / N
    shortcut = sp.Sum(a[i] * bb[i], (i, 1, N)) / N - mean_a * mean_b
    spread = (sp.Sum(a[i] * bb[i], (i, 1, N)) - mean_b * sp.Sum(a[i], (i, 1, N)) - mean_a * sp.Sum(bb[i], (i, 1, N))
              + N * mean_a * mean_b) / N
    proof.step("entrywise, linearity: (1/N) sum (a_i - abar)(b_i - bbar) splits into four sums", centred, spread,
               verified=sums_equal(centred, spread),
               shows=r"\frac{1}{N}\sum_{i=1}^{N} (a_i - \bar a)(b_i - \bar b) = \frac{1}{N}\Big(\sum_{i=1}^{N} a_i b_i"
                     r" - \bar b\sum_{i=1}^{N} a_i - \bar a\sum_{i=1}^{N} b_i + N\bar a\bar b\Big)")
    proof.step("shortcut formula for the covariance: with sum a_i = N abar, sum b_i = N bbar: = (1/N) sum a_i b_i - "
               "abar bbar", spread, shortcut, verified=sums_equal(spread, shortcut, given=means),
               shows=r"\Sigma_{pq} = \frac{1}{N}\sum_{i=1}^{N} a_i b_i - \bar a\bar b,\ \text{i.e.}\ "
                     r"\Sigma = \frac{1}{N}\sum_{i=1}^{N} g_i g_i^\top - \bar g\bar g^\top")
    y, b, H = sp.MatrixSymbol("y", 1, 1), sp.MatrixSymbol("b", dim, 1), sp.MatrixSymbol("H", dim, dim)
    th_blk = sp.BlockMatrix([[th], [sp.Identity(1)]])
    xblk = sp.BlockMatrix([[x], [-y]])
    residual = sp.block_collapse(xblk.T * th_blk)
    residual = residual.blocks[0, 0] if isinstance(residual, sp.BlockMatrix) else residual
    proof.step("the residual is linear in thetatilde = (theta, 1): r_i = xtilde_i^T thetatilde with xtilde_i = "
               "(x_i, -y_i), so g_i g_i^T = x_i r_i^2 x_i^T = x_i (xtilde_i^T thetatilde thetatilde^T xtilde_i) x_i^T",
               sp.MatMul(xblk.T, th_blk), x.T * th - y, verified=matrix_equal(residual, x.T * th - y),
               shows=r"r_i = \tilde x_i^\top\tilde\theta = x_i^\top\theta - y_i,\quad g_i g_i^\top = x_i r_i^2 x_i^\top"
                     r" = x_i(\tilde x_i^\top\tilde\theta\tilde\theta^\top\tilde x_i)x_i^\top")
    lin = lambda M: x * xt.T * M * xt * x.T - Ht * M * Ht.T  # noqa: E731  Σ as a map of θ̃θ̃ᵀ
    al, be = sp.symbols("alpha beta", real=True)
    proof.step("Sigma is linear in thetatilde thetatilde^T (a quadratic form in theta): expectation passes "
               "inside, E Sigma = f(Stilde)", lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt),
               verified=matrix_equal(lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt)),
               shows=r"f(\alpha\tilde P + \beta\tilde Q) = \alpha f(\tilde P) + \beta f(\tilde Q),\ f(\tilde S) = "
                     r"x(\tilde x^\top\tilde S\tilde x)x^\top - \tilde H\tilde S\tilde H^\top")
    Sm = sp.MatrixSymbol("S", dim, dim)
    Sblk = sp.BlockMatrix([[Sm, mu], [mu.T, sp.Identity(1)]])
    quad = sp.block_collapse(xblk.T * Sblk * xblk)
    quad = quad.blocks[0, 0] if isinstance(quad, sp.BlockMatrix) else quad
    target = x.T * Sm * x - 2 * y.T * mu.T * x + y.T * y
    proof.step("block product: xtilde^T Stilde xtilde = x^T S x - 2 y mu^T x + y^2 (gives M4:S - 2 M3.mu + M2y)",
               quad, target, verified=matrix_equal(quad, target),
               shows=r"\tilde x^\top\tilde S\tilde x = x^\top S x - 2y\mu^\top x + y^2,\quad "
                     r"\tilde S = \begin{pmatrix} S & \mu \\ \mu^\top & 1\end{pmatrix}")
    hblk = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * Sblk * sp.BlockMatrix([[H.T], [-b.T]]))
    hblk = hblk.blocks[0, 0] if isinstance(hblk, sp.BlockMatrix) else hblk
    proof.step("block product: Htilde Stilde Htilde^T = H S H^T - H mu b^T - b mu^T H^T + b b^T (Htilde = [H, -b])",
               hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T,
               verified=matrix_equal(hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T),
               shows=r"\tilde H\tilde S\tilde H^\top = HSH^\top - H\mu b^\top - b\mu^\top H^\top + bb^\top,\quad "
                     r"\tilde H = (H, -b)")
    grad = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * th_blk)
    grad = grad.blocks[0, 0] if isinstance(grad, sp.BlockMatrix) else grad
    proof.step("block product: nabla L = Htilde thetatilde = H theta - b", sp.MatMul(sp.BlockMatrix([[H, -b]]), th_blk),
               H * th - b, verified=matrix_equal(grad, H * th - b),
               shows=r"\nabla L = \tilde H\tilde\theta = H\theta - b")
    noise_library_steps(proof, replace)
    return proof


def prove_within_epoch_covariance() -> Proof:
    """``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N−1)`` for ``j ≠ k`` in one epoch; epoch sum noiseless if ``B | N``."""
    N, B = n_examples, batch_size
    i, l, s, t = sp.symbols("i l s t", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    bj, bk, K = sp.symbols("b_j b_k K", integer=True, positive=True)
    s_pq = sp.Symbol("Sigma_pq", real=True)
    proof = Proof(r"\mathrm{Cov}[\nabla L_{B_j}, \nabla L_{B_k}] = -\frac{\Sigma}{N-1}\ (j \ne k)",
                  assumptions="batches j != k are disjoint slices (sizes b_j, b_k) of one uniform permutation pi; "
                              "a_i, b_i centred coordinates p, q of g_i; N >= 2")
    centring_steps(proof, a)
    facts = {sp.Sum(a[i], (i, 1, N)): 0, sp.Sum(bb[i], (i, 1, N)): 0, sp.Sum(a[i] * bb[i], (i, 1, N)): N * s_pq}
    proof.step("positions s != t: (pi(s), pi(t)) is uniform on ordered distinct pairs, (N-2)!/N! = 1/(N(N-1))",
               sp.factorial(N - 2) / sp.factorial(N), 1 / (N * (N - 1)),
               verified=equal(sp.combsimp(sp.factorial(N - 2) / sp.factorial(N) * N * (N - 1)), 1),
               shows=r"P(\pi(s) = i, \pi(t) = l) = \frac{(N-2)!}{N!} = \frac{1}{N(N-1)},\ i \ne l")
    pairs = sp.Sum(sp.Sum(a[i] * bb[l], (l, 1, N)), (i, 1, N))
    proof.step("sum over all pairs factorises: sum_i sum_l a_i b_l = (sum a)(sum b) = 0", pairs, 0,
               verified=sums_equal(pairs, sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)))
               and sums_equal(sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)), 0, given=facts),
               shows=r"\sum_{i=1}^{N}\sum_{l=1}^{N} a_i b_l = \Big(\sum_{i=1}^{N} a_i\Big)\Big(\sum_{l=1}^{N} b_l\Big) = 0")
    distinct = sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)) - sp.Sum(a[i] * bb[i], (i, 1, N))
    proof.step("remove the diagonal: sum_{i != l} a_i b_l = 0 - N Sigma_pq", distinct, -N * s_pq,
               verified=sums_equal(distinct, -N * s_pq, given=facts),
               shows=r"\sum_{i \ne l} a_i b_l = \sum_{i=1}^{N} a_i \sum_{l=1}^{N} b_l - \sum_{i=1}^{N} a_i b_i = "
                     r"-N\Sigma_{pq}")
    pair = distinct / (N * (N - 1))  # sum over ordered distinct pairs, each with probability 1/(N(N-1))
    proof.step("E[a_pi(s) b_pi(t)] = (sum_{i != l} a_i b_l)/(N(N-1)) = -Sigma_pq/(N-1) for s != t", pair,
               -s_pq / (N - 1), verified=sums_equal(pair, -s_pq / (N - 1), given=facts),
               shows=r"\mathbb{E}[a_{\pi(s)} b_{\pi(t)}] = \frac{1}{N(N-1)}\sum_{i \ne l} a_i b_l = "
                     r"-\frac{\Sigma_{pq}}{N-1},\ s \ne t")
    cov = sp.Sum(sp.Sum(-s_pq / (N - 1), (t, 1, bk)), (s, 1, bj)) / (bj * bk)
    proof.step("Cov of the batch means: (1/(b_j b_k)) sum_{s in B_j} sum_{t in B_k} = -Sigma_pq/(N-1), any sizes",
               cov, -s_pq / (N - 1), verified=sums_equal(cov, -s_pq / (N - 1)),
               shows=r"\operatorname{Cov}[\nabla L_{B_j}, \nabla L_{B_k}]_{pq} = \frac{1}{b_j b_k}\sum_{s=1}^{b_j}"
                     r"\sum_{t=1}^{b_k} \mathbb{E}[a_{\pi(s)} b_{\pi(t)}] = -\frac{\Sigma_{pq}}{N-1}")
    proof.step("the library's within_epoch_batch_covariance is the derived covariance of two batch means",
               within_epoch_batch_covariance(N, B, s_pq), cov, verified=sums_equal(within_epoch_batch_covariance(
                   N, B, s_pq), cov),
               shows=r"\texttt{within\_epoch\_batch\_covariance}(N, B, \Sigma_{pq}) = \frac{1}{b_j b_k}\sum_{s=1}^{b_j}"
                     r"\sum_{t=1}^{b_k} \Big(-\frac{\Sigma_{pq}}{N-1}\Big)")
    cite_covariance(proof, "each batch alone: cited lemma prove_gradient_covariance (uniform B-subset), Var = c Sigma",
                     (prove_gradient_covariance(False),), N, B, False)
    within = within_epoch_batch_covariance(N, B, s_pq)
    one = generic_branch(batch_gradient_covariance(N, B, s_pq))
    epoch_var = K * one + K * (K - 1) * within
    proof.step("B | N, K = N/B batches: Var[sum_k grad L_{B_k}] = K Var + K(K-1) Cov with the library's two "
               "functions, = 0 at N = KB (the epoch gradient is the full gradient)", sp.Subs(epoch_var, N, K * B), 0,
               shows=r"K\,\texttt{batch\_gradient\_covariance}(N, B, \Sigma) + K(K-1)\,"
                     r"\texttt{within\_epoch\_batch\_covariance}(N, B, \Sigma) = 0,\ N = KB")
    return proof
