"""SymPy proofs of the mini-batch noise, moment recursion, stationary variance, optimal step and
within-epoch covariance statements of ``minibatch_noise``, ``minibatch_moments``,
``minibatch_stationary`` and ``noise_scale`` (C1, C3, C5, C9)."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.batching import (batch_gradient_covariance, batch_size, batch_variance_factor, n_examples,
                                       sigma2)
from optproof.mathcore.batching_proofs import (_centring_steps, _derived_variance, _generic, prove_gradient_covariance,
                                              prove_unbiased)
from optproof.mathcore.minibatch_moments import minibatch_joint_moments
from optproof.mathcore.minibatch_noise import (expected_gradient_covariance, gradient_noise_covariance,
                                              within_epoch_batch_covariance)
from optproof.mathcore.noise_scale import optimal_step
from optproof.mathcore.minibatch_stationary import _v0, stationary_variance_1d
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_choice

__all__ = [
    "prove_multiplicative_noise", "prove_moment_recursions", "prove_stationary_variance_1d",
    "prove_optimal_step", "prove_within_epoch_covariance",
]


# =========================================================================== proofs: helpers
_n = sp.Symbol("n", integer=True, positive=True)  # dimension of θ (symbolic)
_eta = sp.Symbol("eta", positive=True)
_lam = sp.Symbol("lam", nonnegative=True)
_c = sp.Symbol("c", nonnegative=True)


def _canonical_scalar(term: sp.Expr) -> sp.Expr:
    """A 1×1 matrix product equals its transpose: pick one spelling of the pair."""
    flipped = sp.expand(sp.transpose(term).doit())
    return min(term, flipped, key=str)


def _matrix_equal(lhs: Any, rhs: Any) -> bool:
    """Dimension-free equality of matrix expressions (expansion; 1×1 terms compared up to transpose)."""
    diff = sp.expand(lhs - rhs)
    if diff == 0 or isinstance(diff, sp.ZeroMatrix):
        return True
    if diff.shape == (1, 1):
        terms = diff.args if isinstance(diff, sp.MatAdd) else (diff,)
        diff = sp.expand(sp.Add(*[_canonical_scalar(t) for t in terms]))
    return diff == 0 or isinstance(diff, sp.ZeroMatrix)


def _same_rational(lhs: Any, rhs: Any) -> bool:
    """Exact equality of rational functions: the difference cancels to 0 (fast where ``simplify`` is slow)."""
    return sp.cancel(sp.together(sp.sympify(lhs) - sp.sympify(rhs))) == 0


def _terms(expr: Any) -> tuple:
    expr = sp.expand(expr)
    return expr.args if isinstance(expr, sp.MatAdd) else (expr,)


def _replace_product(term: Any, left: Any, right: Any, value: Any) -> Any:
    """Replace the adjacent factors ``left·right`` of a matrix product by ``value``."""
    args = list(term.args) if isinstance(term, sp.MatMul) else [term]
    for k in range(len(args) - 1):
        if args[k] == left and args[k + 1] == right:
            return sp.MatMul(*args[:k], value, *args[k + 2:]).doit()
    return term


def _conditional_expectation(expr: Any, xi: sp.MatrixSymbol, noise: Any) -> Any:
    """``E[· | past]`` of a polynomial in ``ξ``: terms with one ``ξ`` vanish, ``ξξᵀ → noise``."""
    out = []
    for term in _terms(expr):
        count = sum(1 for f in sp.preorder_traversal(term) if f == xi)
        if count != 1:
            out.append(_replace_product(term, xi, xi.T, noise) if count == 2 else term)
    return sp.MatAdd(*out).doit() if out else sp.ZeroMatrix(*expr.shape)


def _outer_expectation(expr: Any, z: sp.MatrixSymbol, mean: Any, second: Any) -> Any:
    """``E`` over the past: ``z zᵀ → Z``, then ``z → ν`` (each term is linear in ``z`` or in ``z zᵀ``)."""
    terms = [_replace_product(t, z, z.T, second).xreplace({z: mean}) for t in _terms(expr)]
    return sp.expand(sp.MatAdd(*terms).doit())


# =========================================================================== proofs
def _cite_covariance(proof: Proof, why: str, lemmas: tuple, N, B, replace: bool) -> None:
    """Cite ``lemmas`` (``prove_gradient_covariance`` among them) at this instance: the library's
    ``batch_gradient_covariance(N, B, Σ)`` is ``c Σ`` entrywise with ``c`` as derived there (``_derived_variance``)."""
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    derived, facts = _derived_variance(replace)
    got = sp.Tuple(*batch_gradient_covariance(N, B, Sig, replace).applyfunc(_generic))  # N >= 2 branch
    mine = sp.Tuple(*((derived / sigma2) * Sig))
    proof.step(why, got, mine, verified=all(lem.holds for lem in lemmas) and all(
        sums_equal(e, f, given=facts) for e, f in zip(got, mine)),
        shows=r"\operatorname{Cov}[\nabla L_B] = \texttt{batch\_gradient\_covariance}(N, B, \Sigma) = "
              r"c\,\Sigma,\quad c = \frac{\operatorname{Var}[L_B]}{\sigma^2}\ \text{as derived}")


#: Small exact least-squares data for the library checks: N = 3 examples in d = 2, a point theta, a batch size.
_X = ((1, 2), (0, 1), (3, -1))
_Y = (1, 0, 2)
_THETA = (sp.Rational(1, 2), -1)


def _data_symbols(N: int, d: int):
    """Symbolic data ``X`` (N×d), ``y`` (N), ``θ`` (d) and the derived ``H = XᵀX/N``, ``b = Xᵀy/N``."""
    X = sp.Matrix(N, d, lambda i, j: sp.Symbol(f"x_{i + 1}{j + 1}", real=True))
    y = sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"y_{i + 1}", real=True))
    th = sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"theta_{i + 1}", real=True))
    return X, y, th, X.T * X / N, X.T * y / N


def _derived_sigma(X, y, th, H, b):
    """``∇L = Hθ − b`` and the derived ``Σ(θ) = (1/N) Σ_i r_i² x_i x_iᵀ − ∇L ∇Lᵀ``, ``r = Xθ − y``."""
    N, r, G = X.shape[0], X * th - y, H * th - b
    return G, sum((r[k] ** 2 * X[k, :].T * X[k, :] for k in range(N)), sp.zeros(*H.shape)) / N - G * G.T


def _library_step(proof: Proof, why: str, library, derived, syms: tuple, vals: tuple, shows: str) -> None:
    """``library`` (exact values of a public function at the data) equals the derived ``derived`` (symbolic in
    ``syms``) at ``syms = vals``; the substitution is left to the check."""
    got = sp.Tuple(*[sp.Rational(Fraction(v)) for v in np.ravel(np.asarray(library, dtype=object))])
    mine = sp.Tuple(*[sp.Subs(e, syms, vals) for e in sp.flatten(derived)])
    proof.step(why, got, mine, verified=got == sp.Tuple(*[e.doit() for e in mine]), shows=shows)


def _values(X, y, th) -> tuple[tuple, tuple]:
    syms = tuple(X) + tuple(y) + tuple(th)
    vals = tuple(v for row in _X for v in row) + _Y + _THETA
    return syms, tuple(sp.sympify(v) for v in vals)


def _fr(a) -> Any:
    return np.array([[Fraction(str(v)) for v in row] for row in a], dtype=object) if np.ndim(a) == 2 else \
        np.array([Fraction(str(v)) for v in a], dtype=object)


def prove_multiplicative_noise(replace: bool = False) -> Proof:
    """``Cov[∇L_B(θ)] = c Σ(θ)`` with ``Σ`` quadratic in ``θ̃``; ``E[Σ(θ)]`` through ``S̃`` (C3, C5)."""
    check_choice("replace", replace, (False, True))
    N = n_examples
    i = sp.Symbol("i", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    x, th, mu = (sp.MatrixSymbol(s, _n, 1) for s in ("x", "theta", "mu"))
    xt = sp.MatrixSymbol("xtilde", _n + 1, 1)
    St, Pt, Qt = (sp.MatrixSymbol(s, _n + 1, _n + 1) for s in ("Stilde", "Ptilde", "Qtilde"))
    Ht = sp.MatrixSymbol("Htilde", _n, _n + 1)
    proof = Proof(r"\mathrm{Cov}[\nabla L_B(\theta)] = c\,\Sigma(\theta),\ \mathbb{E}\Sigma(\theta) = "
                  r"\frac1N\sum_i x_i(\tilde x_i^\top \tilde S \tilde x_i)x_i^\top - \tilde H\tilde S\tilde H^\top",
                  assumptions="least squares, r_i = x_i^T theta - y_i = xtilde_i^T thetatilde; " +
                  ("B i.i.d. indices" if replace else "uniform B-subset"))
    base = prove_gradient_covariance(replace)
    _cite_covariance(proof, "cited lemma prove_gradient_covariance: Cov of a batch mean of the vectors g_i(theta) is "
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
    y, b, H = sp.MatrixSymbol("y", 1, 1), sp.MatrixSymbol("b", _n, 1), sp.MatrixSymbol("H", _n, _n)
    th_blk = sp.BlockMatrix([[th], [sp.Identity(1)]])
    xblk = sp.BlockMatrix([[x], [-y]])
    residual = sp.block_collapse(xblk.T * th_blk)
    residual = residual.blocks[0, 0] if isinstance(residual, sp.BlockMatrix) else residual
    proof.step("the residual is linear in thetatilde = (theta, 1): r_i = xtilde_i^T thetatilde with xtilde_i = "
               "(x_i, -y_i), so g_i g_i^T = x_i r_i^2 x_i^T = x_i (xtilde_i^T thetatilde thetatilde^T xtilde_i) x_i^T",
               sp.MatMul(xblk.T, th_blk), x.T * th - y, verified=_matrix_equal(residual, x.T * th - y),
               shows=r"r_i = \tilde x_i^\top\tilde\theta = x_i^\top\theta - y_i,\quad g_i g_i^\top = x_i r_i^2 x_i^\top"
                     r" = x_i(\tilde x_i^\top\tilde\theta\tilde\theta^\top\tilde x_i)x_i^\top")
    lin = lambda M: x * xt.T * M * xt * x.T - Ht * M * Ht.T  # noqa: E731  Σ as a map of θ̃θ̃ᵀ
    al, be = sp.symbols("alpha beta", real=True)
    proof.step("Sigma is linear in thetatilde thetatilde^T (a quadratic form in theta): expectation passes "
               "inside, E Sigma = f(Stilde)", lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt),
               verified=_matrix_equal(lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt)),
               shows=r"f(\alpha\tilde P + \beta\tilde Q) = \alpha f(\tilde P) + \beta f(\tilde Q),\ f(\tilde S) = "
                     r"x(\tilde x^\top\tilde S\tilde x)x^\top - \tilde H\tilde S\tilde H^\top")
    Sm = sp.MatrixSymbol("S", _n, _n)
    Sblk = sp.BlockMatrix([[Sm, mu], [mu.T, sp.Identity(1)]])
    quad = sp.block_collapse(xblk.T * Sblk * xblk)
    quad = quad.blocks[0, 0] if isinstance(quad, sp.BlockMatrix) else quad
    target = x.T * Sm * x - 2 * y.T * mu.T * x + y.T * y
    proof.step("block product: xtilde^T Stilde xtilde = x^T S x - 2 y mu^T x + y^2 (gives M4:S - 2 M3.mu + M2y)",
               quad, target, verified=_matrix_equal(quad, target),
               shows=r"\tilde x^\top\tilde S\tilde x = x^\top S x - 2y\mu^\top x + y^2,\quad "
                     r"\tilde S = \begin{pmatrix} S & \mu \\ \mu^\top & 1\end{pmatrix}")
    hblk = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * Sblk * sp.BlockMatrix([[H.T], [-b.T]]))
    hblk = hblk.blocks[0, 0] if isinstance(hblk, sp.BlockMatrix) else hblk
    proof.step("block product: Htilde Stilde Htilde^T = H S H^T - H mu b^T - b mu^T H^T + b b^T (Htilde = [H, -b])",
               hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T,
               verified=_matrix_equal(hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T),
               shows=r"\tilde H\tilde S\tilde H^\top = HSH^\top - H\mu b^\top - b\mu^\top H^\top + bb^\top,\quad "
                     r"\tilde H = (H, -b)")
    grad = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * th_blk)
    grad = grad.blocks[0, 0] if isinstance(grad, sp.BlockMatrix) else grad
    proof.step("block product: nabla L = Htilde thetatilde = H theta - b", sp.MatMul(sp.BlockMatrix([[H, -b]]), th_blk),
               H * th - b, verified=_matrix_equal(grad, H * th - b),
               shows=r"\nabla L = \tilde H\tilde\theta = H\theta - b")
    _noise_library_steps(proof, replace)
    return proof


def _noise_library_steps(proof: Proof, replace: bool) -> None:
    """The library's ``gradient_noise_covariance`` and ``expected_gradient_covariance`` equal the derived
    ``c Σ(θ)`` and ``f(S̃)`` at exact data (N = 3, d = 2; symbolic data substituted by the check)."""
    N, B = len(_X), 2
    X, y, th, H, b = _data_symbols(N, 2)
    _, Sigma = _derived_sigma(X, y, th, H, b)
    syms, vals = _values(X, y, th)
    c = batch_variance_factor(N, B, replace)
    _library_step(proof, "the library's gradient_noise_covariance is the derived c Sigma(theta) at exact data "
                         f"(N = 3, d = 2, B = {B})", gradient_noise_covariance(_fr(_X), _fr(_Y), _fr(_THETA), B, replace),
                  sp.Rational(c) * Sigma, syms, vals,
                  shows=r"\texttt{gradient\_noise\_covariance}(X, y, \theta, B) = c\Big(\frac{1}{N}\sum_{i=1}^{N} "
                        r"r_i^2 x_i x_i^\top - \nabla L\,\nabla L^\top\Big)")
    P = sp.Matrix([[sp.Rational(1, 4), sp.Rational(-1, 8)], [sp.Rational(-1, 8), sp.Rational(1, 2)]])
    S2 = P + th * th.T  # E[theta theta^T] with mean theta, covariance P
    St = sp.Matrix(sp.BlockMatrix([[S2, th], [th.T, sp.ones(1, 1)]]))
    Xt = X.row_join(-y)
    Ht = (X.T * Xt) / N
    f = sum(((Xt[k, :] * St * Xt[k, :].T)[0] * X[k, :].T * X[k, :] for k in range(N)), sp.zeros(2, 2)) / N - Ht * St * Ht.T
    _library_step(proof, "the library's expected_gradient_covariance is the derived E Sigma = f(Stilde) at exact data "
                         "(mean theta, covariance P)",
                  expected_gradient_covariance(_fr(_X), _fr(_Y), _fr(_THETA), _fr(P.tolist())), f, syms, vals,
                  shows=r"\texttt{expected\_gradient\_covariance}(X, y, \mu, P) = \frac{1}{N}\sum_{i=1}^{N} "
                        r"(\tilde x_i^\top\tilde S\tilde x_i)x_i x_i^\top - \tilde H\tilde S\tilde H^\top")


def _recursion_steps(proof: Proof, label: str, z, drift, gain, u, xi, noise) -> None:
    """Mean and second-moment steps for ``z' = drift z + u − gain ξ`` with ``E[ξ|past] = 0``: the conditional
    moments given the past (functions of ``z``) are averaged over the past (tower property) by the check."""
    nu, Z = sp.MatrixSymbol("nu", *z.shape), sp.MatrixSymbol("Z", z.shape[0], z.shape[0])
    nxt = drift * z + u - _eta * gain * xi
    cond = _conditional_expectation(nxt, xi, noise)
    proof.step(f"{label}: tower property, E[z_t] = E[E[z_t | past]] with E[xi | past] = 0", cond, drift * nu + u,
               verified=_matrix_equal(_outer_expectation(cond, z, nu, Z), drift * nu + u),
               shows=r"\mathbb{E}[z_t] = \mathbb{E}\big[\mathbb{E}[z_t \mid \text{past}]\big] = "
                     r"\mathbb{E}[F z_{t-1} + u] = F\nu_{t-1} + u")
    cond2 = _conditional_expectation(nxt * nxt.T, xi, noise)
    target = drift * Z * drift.T + drift * nu * u.T + u * nu.T * drift.T + u * u.T + _eta**2 * gain * noise * gain.T
    proof.step(f"{label}: tower property for E[z_t z_t^T]; given the past the cross terms with one xi vanish and "
               "E[xi xi^T | past] = c Sigma(theta_{t-1})", cond2, target,
               verified=_matrix_equal(_outer_expectation(cond2, z, nu, Z), target),
               shows=r"\mathbb{E}[z_t z_t^\top] = \mathbb{E}\big[(Fz + u)(Fz + u)^\top + \eta^2 E\,c\Sigma\,E^\top\big] = "
                     r"FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top + \eta^2 E\,c\Sigma\,E^\top")


def prove_moment_recursions() -> Proof:
    """The conditional-mean-zero decomposition gives the exact mean / second-moment recursions (C3, C9)."""
    H, I = sp.MatrixSymbol("H", _n, _n), sp.Identity(_n)
    th, m, b, xi = (sp.MatrixSymbol(s, _n, 1) for s in ("theta", "m", "b", "xi"))
    proof = Proof(r"\nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top"
                  r" + \eta^2 c\,E\,\mathbb{E}[\Sigma(\theta_{t-1})]E^\top",
                  assumptions="g_t = nabla L(theta_{t-1}) + xi_t, fresh batch each step; symbolic eta, lam, c, dim n")
    for replace in (False, True):
        _cite_covariance(proof, f"replace={replace}: cited lemmas prove_unbiased (E[xi_t | past] = 0) and "
                                "prove_multiplicative_noise (E[xi xi^T | past] = c Sigma(theta_{t-1}))",
                         (prove_unbiased(replace), prove_multiplicative_noise(replace)), n_examples, batch_size, replace)
    F = sp.BlockMatrix([[I - _eta * H, _lam * I], [-_eta * H, _lam * I]])
    u, E = sp.BlockMatrix([[_eta * b], [_eta * b]]), sp.BlockMatrix([[I], [I]])
    step = sp.block_collapse(F * sp.BlockMatrix([[th], [m]]) + u - _eta * E * xi)
    m_new = _lam * m - _eta * (H * th - b + xi)
    proof.step("block form, velocity: m_t = lam m - eta (H theta - b + xi) (seed step, g = grad L + xi)",
               step.blocks[1, 0], m_new, verified=_matrix_equal(step.blocks[1, 0], m_new),
               shows=r"(F z_{t-1} + u - \eta E\xi_t)_m = \lambda m_{t-1} - \eta(H\theta_{t-1} - b + \xi_t) = m_t")
    proof.step("block form, position: theta_t = theta + m_t", step.blocks[0, 0], th + m_new,
               verified=_matrix_equal(step.blocks[0, 0], th + m_new),
               shows=r"(F z_{t-1} + u - \eta E\xi_t)_\theta = \theta_{t-1} + m_t = \theta_t")
    z = sp.MatrixSymbol("z", 2 * _n, 1)
    Fs, us, Es = sp.MatrixSymbol("F", 2 * _n, 2 * _n), sp.MatrixSymbol("u", 2 * _n, 1), sp.MatrixSymbol("E", 2 * _n, _n)
    _recursion_steps(proof, "heavy ball (joint state)", z, Fs, Es, us, xi, sp.MatrixSymbol("cSigma", _n, _n))
    A = sp.MatrixSymbol("A", _n, _n)
    _recursion_steps(proof, "SGD (lam = 0, A = I - eta H, u = eta b)", th, A, I, _eta * b, xi,
                     sp.MatrixSymbol("cSigma", _n, _n))
    _moments_library_step(proof)
    return proof


def _moments_library_step(proof: Proof) -> None:
    """The library's ``minibatch_joint_moments`` follows the proven recursion for two steps at exact data
    (N = 3, d = 1, B = 2, θ_0 = 1, m_0 = 0): the recursion is run here in symbols η, λ, substituted by the check."""
    X, y = sp.Matrix([[1], [2], [-1]]), sp.Matrix([1, 0, 3])
    N, B, lr, mom = 3, 2, sp.Rational(1, 4), sp.Rational(1, 2)
    H, bvec = (X.T * X)[0] / N, (X.T * y)[0] / N
    c = batch_variance_factor(N, B)
    F, u, E = sp.Matrix([[1 - _eta * H, _lam], [-_eta * H, _lam]]), sp.Matrix([_eta * bvec, _eta * bvec]), sp.ones(2, 1)
    Xt = X.row_join(-y)
    mean, second = sp.Matrix([1, 0]), sp.Matrix([[1, 0], [0, 0]])
    for _ in range(2):
        St = sp.Matrix([[second[0, 0], mean[0]], [mean[0], 1]])
        e_sigma = sum(((Xt[k, :] * St * Xt[k, :].T)[0] * X[k, 0] ** 2 for k in range(N))) / N - (
            sp.Matrix([[H, -bvec]]) * St * sp.Matrix([[H, -bvec]]).T)[0]
        mean, second = F * mean + u, (F * second * F.T + F * mean * u.T + u * mean.T * F.T + u * u.T
                                      + _eta**2 * c * e_sigma * E * E.T)
    means, covs = minibatch_joint_moments(_fr(X.tolist()), _fr(list(y)), Fraction(1, 4), Fraction(1, 2), B, 2,
                                          [Fraction(1)])
    _library_step(proof, "the library's minibatch_joint_moments runs the proven recursion: (nu_2, Z_2 - nu_2 nu_2^T) "
                         "at exact data (N = 3, d = 1, B = 2, eta = 1/4, lam = 1/2)", [*means[2], *covs[2].ravel()],
                  [*mean, *(second - mean * mean.T)], (_eta, _lam), (lr, mom),
                  shows=r"\texttt{minibatch\_joint\_moments}(X, y, \eta, \lambda, B, 2, \theta_0)_2 = "
                        r"(\nu_2,\ Z_2 - \nu_2\nu_2^\top),\ \nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top"
                        r" + u\nu^\top F^\top + uu^\top + \eta^2 c\,E\,\mathbb{E}[\Sigma]E^\top")


def prove_stationary_variance_1d() -> Proof:
    """1-D: ``Var_∞ = η²cAV₀/(1 − η²cκV₀)``, additive error ``η²cκV₀``, stability condition (C3, C9)."""
    h, A, kappa, s2 = sp.symbols("h A kappa s2", positive=True)
    P, R, M = sp.symbols("P R M", real=True)
    proof = Proof(r"\mathrm{Var}_\infty = \frac{\eta^2 c A V_0}{1 - \eta^2 c \kappa V_0},\ "
                  r"V_0 = \frac{1+\lambda}{\eta h(1-\lambda)(2(1+\lambda)-\eta h)}",
                  assumptions="scalar x_i; h = mean x^2, kappa = mean x^4 - h^2, A = Sigma(theta*); "
                              "0 <= lam < 1, 0 < eta h < 2(1+lam)")
    F = sp.Matrix([[1 - _eta * h, _lam], [-_eta * h, _lam]])
    C = sp.Matrix([[P, R], [R, M]])
    lyap = C - F * C * F.T - _eta**2 * s2 * sp.ones(2, 2)
    sol = sp.solve([lyap[0, 0], lyap[0, 1], lyap[1, 1]], [P, R, M], dict=True)[0]
    v0 = _v0(h, _eta, _lam)
    proof.step("solve the stationary Lyapunov equation C = F C F^T + eta^2 s^2 [[1,1],[1,1]] (3 linear equations): "
               "Var theta = eta^2 s^2 V0", sol[P], _eta**2 * s2 * v0,
               shows=r"C = FCF^\top + \eta^2 s^2 \begin{pmatrix}1 & 1\\ 1 & 1\end{pmatrix}\ \Rightarrow\ C_{\theta\theta}"
                     r" = \eta^2 s^2 V_0 = \frac{\eta s^2 (1+\lambda)}{h(1-\lambda)(2(1+\lambda)-\eta h)}")
    proof.step("the solution satisfies the Lyapunov equation", lyap.subs(sol), sp.zeros(2, 2),
               verified=all(equal(e, 0) for e in lyap.subs(sol)),
               shows=r"C - FCF^\top - \eta^2 s^2 \begin{pmatrix}1 & 1\\ 1 & 1\end{pmatrix} = 0")
    mid = 2 * (1 + _lam) - _eta * h
    proof.step("additive model (s^2 = c A): the Lyapunov solution is eta c A (1+lam)/(h(1-lam)(2(1+lam) - eta h))",
               sol[P].subs(s2, _c * A), _eta * _c * A * (1 + _lam) / (h * (1 - _lam) * mid),
               shows=r"C_{\theta\theta}\big|_{s^2 = cA} = \eta^2 c A V_0 = \frac{\eta c A (1+\lambda)}{h(1-\lambda)"
                     r"(2(1+\lambda)-\eta h)}")
    exact = stationary_variance_1d(h, kappa, A, _eta, _lam, _c)
    fixed = _eta**2 * _c * (A + kappa * exact) * v0
    proof.step("multiplicative: s^2 = c E[Sigma(theta)] = c (A + kappa P) at mean 0; the library's value is the "
               "fixed point P = eta^2 c (A + kappa P) V0",
               exact, fixed, verified=_same_rational(exact, fixed),
               shows=r"P = \eta^2 c (A + \kappa P) V_0,\quad P = \texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, "
                     r"\lambda, c)")
    add = stationary_variance_1d(h, 0, A, _eta, _lam, _c)
    proof.step("relative error of the additive model: (exact - additive)/exact = eta^2 c kappa V0",
               (exact - add) / exact, _eta**2 * _c * kappa * v0,
               verified=_same_rational((exact - add) / exact, _eta**2 * _c * kappa * v0),
               shows=r"\frac{P_{\kappa} - P_{\kappa = 0}}{P_{\kappa}} = \eta^2 c\kappa V_0")
    proof.step("stability: 1 - eta^2 c kappa V0 > 0  <=>  eta c kappa (1+lam) < h (1-lam)(2(1+lam) - eta h)",
               (1 - _eta**2 * _c * kappa * v0) * h * (1 - _lam) * mid,
               h * (1 - _lam) * mid - _eta * _c * kappa * (1 + _lam),
               shows=r"(1 - \eta^2 c\kappa V_0)\,h(1-\lambda)(2(1+\lambda)-\eta h) = h(1-\lambda)(2(1+\lambda)-\eta h)"
                     r" - \eta c\kappa(1+\lambda)")
    proof.step("SGD (lam = 0): 1 - (1 - eta h)^2 - eta^2 c kappa = eta (2h - eta (h^2 + c kappa))",
               1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa, _eta * (2 * h - _eta * (h**2 + _c * kappa)),
               shows=r"1 - (1 - \eta h)^2 - \eta^2 c\kappa = \eta(2h - \eta(h^2 + c\kappa))")
    proof.step("SGD (lam = 0): the library's value is eta^2 c A/(1 - (1 - eta h)^2 - eta^2 c kappa)",
               sp.Subs(exact, _lam, 0), _eta**2 * _c * A / (1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa),
               shows=r"\texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, 0, c) = \frac{\eta^2 c A}{1 - (1 - \eta h)^2"
                     r" - \eta^2 c\kappa}")
    lyap_v0 = sol[P] / (_eta**2 * s2)  # V0 as solved from the Lyapunov equation, not the library's _v0
    derived = _eta**2 * _c * A * lyap_v0 / (1 - _eta**2 * _c * kappa * lyap_v0)
    proof.step("the library's stationary_variance_1d equals the derived Var_inf = eta^2 c A V0/(1 - eta^2 c kappa V0) "
               "with V0 solved from the Lyapunov equation (symbolic h, kappa, A, eta, lam, c)", exact, derived,
               verified=_same_rational(exact, derived),
               shows=r"\texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, \lambda, c) = \frac{\eta^2 c A V_0}"
                     r"{1 - \eta^2 c\kappa V_0}")
    return proof


def prove_optimal_step(replace: bool = False) -> Proof:
    """McCandlish et al. (2018): ``ε_opt = ε_max/(1 + c B_noise)``, ``ΔL_opt = ΔL_max/(1 + c B_noise)`` (C3)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    eps = sp.Symbol("epsilon", positive=True)
    gg, ghg, n_tr, c = sp.symbols("GG GHG trHSigma c", positive=True)
    p, q, D = sp.symbols("p q d", integer=True, positive=True)
    Hs, Gs, Ss = sp.IndexedBase("H"), sp.IndexedBase("G"), sp.IndexedBase("Sigma")
    proof = Proof(r"\epsilon_{opt} = \frac{\epsilon_{max}}{1 + c\,B_{noise}},\ "
                  r"\Delta L_{opt} = \frac{\Delta L_{max}}{1 + c\,B_{noise}}",
                  assumptions="E g = G, E g g^T = G G^T + c Sigma, c = " + ("1/B" if replace else "(N-B)/((N-1)B)"))
    lhs = sp.Sum(sp.Sum(Hs[p, q] * (Gs[q] * Gs[p] + c * Ss[q, p]), (q, 1, D)), (p, 1, D))
    rhs = sp.Sum(sp.Sum(Gs[p] * Hs[p, q] * Gs[q], (q, 1, D)), (p, 1, D)) + c * sp.Sum(
        sp.Sum(Hs[p, q] * Ss[q, p], (q, 1, D)), (p, 1, D))
    proof.step("E[g^T H g] = tr(H E[g g^T]) = G^T H G + c tr(H Sigma) (linearity of trace and E, symbolic dimension d)",
               lhs, rhs, verified=sums_equal(lhs, rhs),
               shows=r"\mathbb{E}[g^\top H g] = \sum_{p=1}^{d}\sum_{q=1}^{d} H_{pq}(G_q G_p + c\Sigma_{qp}) = "
                     r"G^\top H G + c\operatorname{tr}(H\Sigma)")
    W, th, g, y = (sp.MatrixSymbol("W", _n, _n), sp.MatrixSymbol("theta", _n, 1), sp.MatrixSymbol("g", _n, 1),
                   sp.MatrixSymbol("y", _n, 1))
    loss = lambda t: (W * t - y).T * (W * t - y) / 2  # noqa: E731  (H = W^T W, G = W^T(W theta - y))
    G = W.T * (W * th - y)
    taylor = loss(th - eps * g) - loss(th)
    proof.step("least squares is quadratic: L(theta - eps g) - L(theta) = -eps G^T g + eps^2/2 g^T H g exactly",
               taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g,
               verified=_matrix_equal(taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g),
               shows=r"L(\theta - \epsilon g) - L(\theta) = -\epsilon G^\top g + \frac{\epsilon^2}{2} g^\top H g,\ "
                     r"H = W^\top W")
    gain = eps * gg - eps**2 / 2 * (ghg + c * n_tr)
    e_opt = gg / (ghg + c * n_tr)
    proof.step("first-order condition: d/d eps E[Delta L] = 0 at eps_opt = |G|^2/(G^T H G + c tr H Sigma)",
               sp.Subs(sp.Derivative(gain, eps), eps, e_opt), 0,
               shows=r"\frac{d}{d\epsilon}\Big(\epsilon|G|^2 - \frac{\epsilon^2}{2}(G^\top H G + c\operatorname{tr}"
                     r"H\Sigma)\Big)\Big|_{\epsilon = \epsilon_{opt}} = 0")
    proof.step("second-order condition: second derivative -(G^T H G + c tr H Sigma) < 0, a maximum of the improvement",
               sp.Derivative(gain, eps, 2), -(ghg + c * n_tr),
               shows=r"\frac{d^2}{d\epsilon^2}\,\mathbb{E}[L(\theta) - L(\theta - \epsilon g)] = -(G^\top H G + "
                     r"c\operatorname{tr}H\Sigma) < 0")
    e_max, b_noise, dl_max = gg / ghg, n_tr / ghg, gg**2 / (2 * ghg)
    proof.step("eps_opt = eps_max/(1 + c B_noise), eps_max = |G|^2/G^T H G, B_noise = tr(H Sigma)/G^T H G",
               e_opt, e_max / (1 + c * b_noise),
               shows=r"\epsilon_{opt} = \frac{|G|^2}{G^\top H G + c\operatorname{tr}H\Sigma} = "
                     r"\frac{\epsilon_{max}}{1 + c B_{noise}}")
    proof.step("Delta L_opt = Delta L_max/(1 + c B_noise), Delta L_max = |G|^4/(2 G^T H G)",
               gain.subs(eps, e_opt), dl_max / (1 + c * b_noise),
               shows=r"\Delta L_{opt} = \epsilon_{opt}|G|^2 - \frac{\epsilon_{opt}^2}{2}(G^\top H G + c\operatorname{tr}"
                     r"H\Sigma) = \frac{\Delta L_{max}}{1 + c B_{noise}}")
    factor = batch_variance_factor(N, B, replace)
    if replace:
        proof.step("with replacement c = batch_variance_factor = 1/B: 1 + B_noise/B (McCandlish et al.)",
                   sp.Subs(1 + c * b_noise, c, factor), 1 + b_noise / B,
                   shows=r"1 + c B_{noise}\big|_{c = 1/B} = 1 + \frac{B_{noise}}{B}")
    else:
        proof.step("finite population c(N, B): full batch B = N gives c = 0, eps_opt = eps_max",
                   sp.Subs(e_max / (1 + c * b_noise), c, factor.subs(B, N)), e_max,
                   shows=r"\frac{\epsilon_{max}}{1 + c(N, N) B_{noise}} = \epsilon_{max},\ c(N, N) = 0")
    h, tr_sigma = sp.Symbol("h", positive=True), sp.Symbol("trSigma")
    proof.step("H = h I: B_noise = h tr Sigma/(h |G|^2) = B_simple",
               sp.Subs(n_tr / ghg, (n_tr, ghg), (h * tr_sigma, h * gg)), tr_sigma / gg,
               shows=r"B_{noise}\big|_{H = hI} = \frac{h\operatorname{tr}\Sigma}{h|G|^2} = "
                     r"\frac{\operatorname{tr}\Sigma}{|G|^2} = B_{simple}")
    _optimal_step_library(proof, e_opt, gain.subs(eps, e_opt), (gg, ghg, n_tr, c), replace)
    return proof


def _optimal_step_library(proof: Proof, e_opt, dl_opt, names: tuple, replace: bool) -> None:
    """The library's ``optimal_step`` equals the derived ``(ε_opt, ΔL_opt)`` at exact data (N = 3, d = 2, B = 2)."""
    N, B = len(_X), 2
    X, y, th, H, b = _data_symbols(N, 2)
    G, Sigma = _derived_sigma(X, y, th, H, b)
    values = ((G.T * G)[0], (G.T * H * G)[0], (H * Sigma).trace(), sp.Rational(batch_variance_factor(N, B, replace)))
    syms, vals = _values(X, y, th)
    at_data = {k: v for k, v in zip(names, values)}
    derived = [e.xreplace(at_data) for e in (e_opt, dl_opt)]
    _library_step(proof, f"the library's optimal_step is the derived (eps_opt, Delta L_opt) at exact data "
                         f"(N = 3, d = 2, B = {B}): |G|^2, G^T H G, tr H Sigma computed from the data",
                  optimal_step(_fr(_X), _fr(_Y), _fr(_THETA), B, replace), derived, syms, vals,
                  shows=r"\texttt{optimal\_step}(X, y, \theta, B) = \Big(\frac{|G|^2}{G^\top H G + c\operatorname{tr}"
                        r"H\Sigma},\ \frac{|G|^4}{2(G^\top H G + c\operatorname{tr}H\Sigma)}\Big)")


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
    _centring_steps(proof, a)
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
    _cite_covariance(proof, "each batch alone: cited lemma prove_gradient_covariance (uniform B-subset), Var = c Sigma",
                     (prove_gradient_covariance(False),), N, B, False)
    within = within_epoch_batch_covariance(N, B, s_pq)
    one = _generic(batch_gradient_covariance(N, B, s_pq))
    epoch_var = K * one + K * (K - 1) * within
    proof.step("B | N, K = N/B batches: Var[sum_k grad L_{B_k}] = K Var + K(K-1) Cov with the library's two "
               "functions, = 0 at N = KB (the epoch gradient is the full gradient)", sp.Subs(epoch_var, N, K * B), 0,
               shows=r"K\,\texttt{batch\_gradient\_covariance}(N, B, \Sigma) + K(K-1)\,"
                     r"\texttt{within\_epoch\_batch\_covariance}(N, B, \Sigma) = 0,\ N = KB")
    return proof
