"""Exact-data checks that the mini-batch library functions equal the derived forms (C3): on a small
least-squares data set (N = 3, d = 2) the library's ``gradient_noise_covariance``,
``expected_gradient_covariance``, ``optimal_step`` and ``minibatch_joint_moments`` (Fractions) equal the
derivations of ``minibatch_noise_proofs``, ``minibatch_step_proofs`` and ``minibatch_moment_proofs``
(symbolic data, substituted by the check).  Proof building blocks: no ``__all__`` (see ``batching_lemmas``)."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.batching import batch_variance_factor
from optproof.mathcore.minibatch_algebra import eta, lam
from optproof.mathcore.minibatch_moments import minibatch_joint_moments
from optproof.mathcore.minibatch_noise import expected_gradient_covariance, gradient_noise_covariance
from optproof.mathcore.noise_scale import optimal_step
from optproof.mathcore.proof import Proof


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


def noise_library_steps(proof: Proof, replace: bool) -> None:
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


def moments_library_step(proof: Proof) -> None:
    """The library's ``minibatch_joint_moments`` follows the proven recursion for two steps at exact data
    (N = 3, d = 1, B = 2, θ_0 = 1, m_0 = 0): the recursion is run here in symbols η, λ, substituted by the check."""
    X, y = sp.Matrix([[1], [2], [-1]]), sp.Matrix([1, 0, 3])
    N, B, lr, mom = 3, 2, sp.Rational(1, 4), sp.Rational(1, 2)
    H, bvec = (X.T * X)[0] / N, (X.T * y)[0] / N
    c = batch_variance_factor(N, B)
    F, u, E = sp.Matrix([[1 - eta * H, lam], [-eta * H, lam]]), sp.Matrix([eta * bvec, eta * bvec]), sp.ones(2, 1)
    Xt = X.row_join(-y)
    mean, second = sp.Matrix([1, 0]), sp.Matrix([[1, 0], [0, 0]])
    for _ in range(2):
        St = sp.Matrix([[second[0, 0], mean[0]], [mean[0], 1]])
        e_sigma = sum(((Xt[k, :] * St * Xt[k, :].T)[0] * X[k, 0] ** 2 for k in range(N))) / N - (
            sp.Matrix([[H, -bvec]]) * St * sp.Matrix([[H, -bvec]]).T)[0]
        mean, second = F * mean + u, (F * second * F.T + F * mean * u.T + u * mean.T * F.T + u * u.T
                                      + eta**2 * c * e_sigma * E * E.T)
    means, covs = minibatch_joint_moments(_fr(X.tolist()), _fr(list(y)), Fraction(1, 4), Fraction(1, 2), B, 2,
                                          [Fraction(1)])
    _library_step(proof, "the library's minibatch_joint_moments runs the proven recursion: (nu_2, Z_2 - nu_2 nu_2^T) "
                         "at exact data (N = 3, d = 1, B = 2, eta = 1/4, lam = 1/2)", [*means[2], *covs[2].ravel()],
                  [*mean, *(second - mean * mean.T)], (eta, lam), (lr, mom),
                  shows=r"\texttt{minibatch\_joint\_moments}(X, y, \eta, \lambda, B, 2, \theta_0)_2 = "
                        r"(\nu_2,\ Z_2 - \nu_2\nu_2^\top),\ \nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top"
                        r" + u\nu^\top F^\top + uu^\top + \eta^2 c\,E\,\mathbb{E}[\Sigma]E^\top")


def optimal_step_library(proof: Proof, e_opt, dl_opt, names: tuple, replace: bool) -> None:
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
