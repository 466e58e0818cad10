"""SymPy proof of the moment recursion of ``torch.optim.SGD`` at constant lr (C9; issue 12).

One coordinate suffices (every operation is elementwise; K, h scalars of the quadratic), with
symbols η, μ, τ, wd, k, h and the noise ξ (E[ξ | past] = 0, E[ξ² | past] = s, the conditional moment
independent of the state).  For every step t ≥ 2 at constant η the coefficients (β, γ) = (μ, 1 − τ)
do not depend on t, so the one-step identity below, proven for symbolic state moments
E[θ], E[b], E[θ²], E[θb], E[b²], is the induction step for symbolic t; t = 1 (b_1 = g_1) is proven
apart.  The claim: with z = (θ, b), ν = E z, Z = E zzᵀ,

    E[z_t] = A ν + c,     E[z_t z_tᵀ] = A Z Aᵀ + A ν cᵀ + c νᵀ Aᵀ + c cᵀ + s D Dᵀ

for (A, c, D) of ``optproof.mathcore.pytorch_moments`` (plain and Nesterov).  Each of the four cases
(plain/Nesterov, t = 1/t ≥ 2) ends by comparing its (A, c, D) with the library's ``affine_step`` at
dyadic parameters, where float64 arithmetic is exact.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from optproof.base.specs import PyTorchSGD
from optproof.mathcore.proof import Proof
from optproof.mathcore.pytorch_moments import affine_step

__all__ = ["prove_pytorch_moment_recursion"]

eta, mu, tau, wd, k, h, s = sp.symbols("eta mu tau lambda_wd k h s", real=True)
theta, b, xi = sp.symbols("theta b xi", real=True)
E1, E2, M11, M12, M22 = sp.symbols(r"E_\theta E_b M_{\theta\theta} M_{\theta{}b} M_{bb}", real=True)


def _expect(expr):
    """E[·] of a polynomial in θ, b, ξ: E[θ^i b^j ξ^n] = M_ij·E[ξ^n], E[ξ] = 0, E[ξ²] = s (ξ ⟂ state)."""
    moments = {(0, 0): 1, (1, 0): E1, (0, 1): E2, (2, 0): M11, (1, 1): M12, (0, 2): M22}
    xi_moments = {0: 1, 1: 0, 2: s}
    total = 0
    for (i, j, n), coeff in sp.Poly(sp.expand(expr), theta, b, xi).terms():
        total += coeff * moments[(i, j)] * xi_moments[n]
    return sp.expand(total)


def _coefficients(first: bool, nesterov: bool):
    beta, gamma = (0, 1) if first else (mu, 1 - (0 if nesterov else tau))
    return ((1 + mu * gamma, mu * beta) if nesterov else (gamma, beta)), beta, gamma


#: Dyadic values for the library check: every float operation of ``affine_step`` on them is exact.
_AT = {eta: sp.Rational(1, 8), mu: sp.Rational(3, 4), wd: sp.Rational(1, 2), k: 2, h: sp.Rational(1, 2)}


def _matrices(a_g, a_b, beta, gamma):
    """(A, c, D) of the step with coefficients (a_g, a_b, β, γ), one coordinate, K = k + wd."""
    kk = k + wd
    A = sp.Matrix([[1 - eta * a_g * kk, -eta * a_b], [gamma * kk, beta]])
    return A, sp.Matrix([eta * a_g * h, -gamma * h]), sp.Matrix([-eta * a_g, gamma])


def _library_step(pf: Proof, first: bool, nesterov: bool, A, c, D, label: str) -> None:
    """``affine_step`` (the library's (A_t, c_t, D_t)) equals this case's matrices at dyadic parameters."""
    damp = sp.Integer(0) if nesterov else sp.Rational(1, 4)
    at = {**_AT, tau: damp}
    opt = PyTorchSGD(float(at[eta]), float(at[mu]), float(damp), nesterov, float(at[wd]))
    got = affine_step(np.array([[float(at[k] + at[wd])]]), np.array([float(at[h])]), opt, 1 if first else 2,
                      float(at[eta]))
    library = sp.Tuple(*[sp.Rational(float(v)) for part in got for v in np.ravel(part)])
    keys = tuple(at)
    derived = sp.Tuple(*[sp.Subs(e, keys, tuple(at[s_] for s_ in keys)) for part in (A, c, D) for e in part])
    pf.step(f"{label}: the library's affine_step gives this step's (A, c, D), exactly at eta = 1/8, mu = 3/4, "
            f"tau = {damp}, wd = 1/2, k = 2, h = 1/2 (dyadic: float arithmetic exact)", library, derived,
            verified=library == sp.Tuple(*[e.doit() for e in derived]),
            shows=r"(A_t, c_t, D_t) = \texttt{affine\_step}(k + \lambda_{wd}, h, \text{opt}, t, \eta)"
                  rf"\quad (t = {1 if first else 2})")


def _one_step(pf: Proof, first: bool, nesterov: bool) -> None:
    (a_g, a_b), beta, gamma = _coefficients(first, nesterov)
    kk = k + wd
    g = kk * theta - h + xi                       # the decayed gradient g + wd·θ
    b_new = beta * b + gamma * g
    th_new = theta - eta * ((g + mu * b_new) if nesterov else b_new)
    A, c, D = _matrices(a_g, a_b, beta, gamma)
    nu = sp.Matrix([E1, E2])
    Z = sp.Matrix([[M11, M12], [M12, M22]])
    mean = A * nu + c  # not expanded: the formula, compared with the expectation of the update rule
    second = A * Z * A.T + A * nu * c.T + c * nu.T * A.T + c * c.T + s * D * D.T
    when = "t = 1 (b_1 = g_1)" if first else "every t ≥ 2 (coefficients independent of t)"
    kind = "Nesterov" if nesterov else "plain"
    rule = ((r"b_1 = g_1" if first else r"b_t = \mu b_{t-1} + " + ("g_t" if nesterov else r"(1 - \tau) g_t")) + r",\ "
            + (r"\theta_t = \theta_{t-1} - \eta (g_t + \mu b_t)" if nesterov else r"\theta_t = \theta_{t-1} - \eta b_t")
            + r",\ g_t = (k + \lambda_{wd})\theta_{t-1} - h + \xi_t")
    z = [th_new, b_new]
    names = (r"\theta_t", "b_t")
    pf.step(f"{kind}, {when}: linearity of E with E[xi | past] = 0 gives the mean recursion E[z_t] = A nu + c",
            sp.Tuple(*[_expect(zi) for zi in z]), sp.Tuple(*mean),
            shows=rf"\mathbb{{E}}[(\theta_t, b_t)] = A\nu_{{t-1}} + c,\quad {rule}")
    for i, j in ((0, 0), (0, 1), (1, 1)):
        pf.step(f"{kind}, {when}: E[z_{i} z_{j}] = (AZAᵀ + Aνcᵀ + cνᵀAᵀ + ccᵀ + sDDᵀ)_{i}{j} (cross terms with "
                "one ξ vanish, E[ξ² | past] = s)", _expect(z[i] * z[j]), second[i, j],
                shows=rf"\mathbb{{E}}[{names[i]} {names[j]}] = (A Z_{{t-1}} A^\top + A\nu c^\top + c\nu^\top A^\top"
                      rf" + cc^\top + s DD^\top)_{{{i + 1}{j + 1}}},\quad {rule}")
    _library_step(pf, first, nesterov, A, c, D, f"{kind}, {when}")


def prove_pytorch_moment_recursion() -> Proof:
    """The exact mean and second-moment recursion of PyTorch SGD (dampening, weight decay,
    Nesterov, first-step buffer) at constant lr, for symbolic t (induction on t, module docstring)."""
    pf = Proof(r"E[z_t] = A\nu_{t-1} + c,\; E[z_t z_t^T] = A Z_{t-1} A^T + A\nu c^T + c\nu^T A^T + cc^T + s DD^T"
               r"\quad (t \ge 1)",
               assumptions="E[ξ_t | past] = 0, E[ξ_t² | past] = s; constant lr η; t = 1 uses b_1 = g_1")
    for nesterov in (False, True):
        for first in (True, False):
            _one_step(pf, first, nesterov)
    return pf
