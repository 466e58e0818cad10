"""SymPy proof of the moment recursion of ``torch.optim.SGD`` at constant lr (C9; issue 12).

One coordinate suffices (every operation is elementwise; K, h scalars of the quadratic), with
symbols η, μ, τ, wd, k, h and the noise ξ (E[ξ | past] = 0, E[ξ² | past] = s, the conditional moment
independent of the state).  For every step t ≥ 2 at constant η the coefficients (β, γ) = (μ, 1 − τ)
do not depend on t, so the one-step identity below, proven for symbolic state moments
E[θ], E[b], E[θ²], E[θb], E[b²], is the induction step for symbolic t; t = 1 (b_1 = g_1) is proven
apart.  The claim: with z = (θ, b), ν = E z, Z = E zzᵀ,

    E[z_t] = A ν + c,     E[z_t z_tᵀ] = A Z Aᵀ + A ν cᵀ + c νᵀ Aᵀ + c cᵀ + s D Dᵀ

for (A, c, D) of ``optproof.mathcore.pytorch_moments`` (plain and Nesterov).
"""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.proof import Proof

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


def _one_step(pf: Proof, first: bool, nesterov: bool) -> None:
    (a_g, a_b), beta, gamma = _coefficients(first, nesterov)
    kk = k + wd
    g = kk * theta - h + xi                       # the decayed gradient g + wd·θ
    b_new = beta * b + gamma * g
    th_new = theta - eta * ((g + mu * b_new) if nesterov else b_new)
    A = sp.Matrix([[1 - eta * a_g * kk, -eta * a_b], [gamma * kk, beta]])
    c = sp.Matrix([eta * a_g * h, -gamma * h])
    D = sp.Matrix([-eta * a_g, gamma])
    nu = sp.Matrix([E1, E2])
    Z = sp.Matrix([[M11, M12], [M12, M22]])
    mean = A * nu + c
    second = A * Z * A.T + A * nu * c.T + c * nu.T * A.T + c * c.T + s * D * D.T
    when = "t = 1 (b_1 = g_1)" if first else "every t ≥ 2 (coefficients independent of t)"
    kind = "Nesterov" if nesterov else "plain"
    z = [th_new, b_new]
    for i in range(2):
        pf.step(f"{kind}, {when}: E[z_{i}] = (Aν + c)_{i}", _expect(z[i]), sp.expand(mean[i]))
    for i, j in ((0, 0), (0, 1), (1, 1)):
        pf.step(f"{kind}, {when}: E[z_{i} z_{j}] = (AZAᵀ + Aνcᵀ + cνᵀAᵀ + ccᵀ + sDDᵀ)_{i}{j}",
                _expect(z[i] * z[j]), sp.expand(second[i, j]))


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
