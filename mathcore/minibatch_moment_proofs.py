"""SymPy proofs of the iterate moments under fresh mini-batches (C3, C9): the exact mean / second-moment
recursions from the conditional-mean-zero decomposition (heavy ball and SGD, symbolic dimension), and their
1-D fixed point ``Var_∞ = η²cAV₀/(1 − η²cκV₀)`` with its stability condition.
Statements: ``optproof.mathcore.minibatch_moments`` and ``optproof.mathcore.minibatch_stationary``."""
from __future__ import annotations

from typing import Any

import sympy as sp

from optproof.mathcore.batching import batch_size, n_examples
from optproof.mathcore.batching_lemmas import cite_covariance
from optproof.mathcore.batching_moment_proofs import prove_unbiased
from optproof.mathcore.minibatch_algebra import dim, eta, lam, matrix_equal
from optproof.mathcore.minibatch_library_checks import moments_library_step
from optproof.mathcore.minibatch_noise_proofs import prove_multiplicative_noise
from optproof.mathcore.minibatch_stationary import _v0, stationary_variance_1d
from optproof.mathcore.proof import Proof, equal

__all__ = ["prove_moment_recursions", "prove_stationary_variance_1d"]


_c = sp.Symbol("c", nonnegative=True)  # the batch-noise factor c of Cov[∇L_B] = cΣ (symbolic)


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


def _recursion_steps(proof: Proof, label: str, z, drift, gain, u, xi, noise) -> None:
    """Mean and second-moment steps for ``z' = drift z + u − gain ξ`` with ``E[ξ|past] = 0``: the conditional
    moments given the past (functions of ``z``) are averaged over the past (tower property) by the check."""
    nu, Z = sp.MatrixSymbol("nu", *z.shape), sp.MatrixSymbol("Z", z.shape[0], z.shape[0])
    nxt = drift * z + u - eta * gain * xi
    cond = _conditional_expectation(nxt, xi, noise)
    proof.step(f"{label}: tower property, E[z_t] = E[E[z_t | past]] with E[xi | past] = 0", cond, drift * nu + u,
               verified=matrix_equal(_outer_expectation(cond, z, nu, Z), drift * nu + u),
               shows=r"\mathbb{E}[z_t] = \mathbb{E}\big[\mathbb{E}[z_t \mid \text{past}]\big] = "
                     r"\mathbb{E}[F z_{t-1} + u] = F\nu_{t-1} + u")
    cond2 = _conditional_expectation(nxt * nxt.T, xi, noise)
    target = drift * Z * drift.T + drift * nu * u.T + u * nu.T * drift.T + u * u.T + eta**2 * gain * noise * gain.T
    proof.step(f"{label}: tower property for E[z_t z_t^T]; given the past the cross terms with one xi vanish and "
               "E[xi xi^T | past] = c Sigma(theta_{t-1})", cond2, target,
               verified=matrix_equal(_outer_expectation(cond2, z, nu, Z), target),
               shows=r"\mathbb{E}[z_t z_t^\top] = \mathbb{E}\big[(Fz + u)(Fz + u)^\top + \eta^2 E\,c\Sigma\,E^\top\big] = "
                     r"FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top + \eta^2 E\,c\Sigma\,E^\top")


def prove_moment_recursions() -> Proof:
    """The conditional-mean-zero decomposition gives the exact mean / second-moment recursions (C3, C9)."""
    H, I = sp.MatrixSymbol("H", dim, dim), sp.Identity(dim)
    th, m, b, xi = (sp.MatrixSymbol(s, dim, 1) for s in ("theta", "m", "b", "xi"))
    proof = Proof(r"\nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top"
                  r" + \eta^2 c\,E\,\mathbb{E}[\Sigma(\theta_{t-1})]E^\top",
                  assumptions="g_t = nabla L(theta_{t-1}) + xi_t, fresh batch each step; symbolic eta, lam, c, dim n")
    for replace in (False, True):
        cite_covariance(proof, f"replace={replace}: cited lemmas prove_unbiased (E[xi_t | past] = 0) and "
                                "prove_multiplicative_noise (E[xi xi^T | past] = c Sigma(theta_{t-1}))",
                         (prove_unbiased(replace), prove_multiplicative_noise(replace)), n_examples, batch_size, replace)
    F = sp.BlockMatrix([[I - eta * H, lam * I], [-eta * H, lam * I]])
    u, E = sp.BlockMatrix([[eta * b], [eta * b]]), sp.BlockMatrix([[I], [I]])
    step = sp.block_collapse(F * sp.BlockMatrix([[th], [m]]) + u - eta * E * xi)
    m_new = lam * m - eta * (H * th - b + xi)
    proof.step("block form, velocity: m_t = lam m - eta (H theta - b + xi) (seed step, g = grad L + xi)",
               step.blocks[1, 0], m_new, verified=matrix_equal(step.blocks[1, 0], m_new),
               shows=r"(F z_{t-1} + u - \eta E\xi_t)_m = \lambda m_{t-1} - \eta(H\theta_{t-1} - b + \xi_t) = m_t")
    proof.step("block form, position: theta_t = theta + m_t", step.blocks[0, 0], th + m_new,
               verified=matrix_equal(step.blocks[0, 0], th + m_new),
               shows=r"(F z_{t-1} + u - \eta E\xi_t)_\theta = \theta_{t-1} + m_t = \theta_t")
    z = sp.MatrixSymbol("z", 2 * dim, 1)
    Fs, us, Es = sp.MatrixSymbol("F", 2 * dim, 2 * dim), sp.MatrixSymbol("u", 2 * dim, 1), sp.MatrixSymbol("E", 2 * dim, dim)
    _recursion_steps(proof, "heavy ball (joint state)", z, Fs, Es, us, xi, sp.MatrixSymbol("cSigma", dim, dim))
    A = sp.MatrixSymbol("A", dim, dim)
    _recursion_steps(proof, "SGD (lam = 0, A = I - eta H, u = eta b)", th, A, I, eta * b, xi,
                     sp.MatrixSymbol("cSigma", dim, dim))
    moments_library_step(proof)
    return proof


def prove_stationary_variance_1d() -> Proof:
    """1-D: ``Var_∞ = η²cAV₀/(1 − η²cκV₀)``, additive error ``η²cκV₀``, stability condition (C3, C9)."""
    h, A, kappa, s2 = sp.symbols("h A kappa s2", positive=True)
    P, R, M = sp.symbols("P R M", real=True)
    proof = Proof(r"\mathrm{Var}_\infty = \frac{\eta^2 c A V_0}{1 - \eta^2 c \kappa V_0},\ "
                  r"V_0 = \frac{1+\lambda}{\eta h(1-\lambda)(2(1+\lambda)-\eta h)}",
                  assumptions="scalar x_i; h = mean x^2, kappa = mean x^4 - h^2, A = Sigma(theta*); "
                              "0 <= lam < 1, 0 < eta h < 2(1+lam)")
    F = sp.Matrix([[1 - eta * h, lam], [-eta * h, lam]])
    C = sp.Matrix([[P, R], [R, M]])
    lyap = C - F * C * F.T - eta**2 * s2 * sp.ones(2, 2)
    sol = sp.solve([lyap[0, 0], lyap[0, 1], lyap[1, 1]], [P, R, M], dict=True)[0]
    v0 = _v0(h, eta, lam)
    proof.step("solve the stationary Lyapunov equation C = F C F^T + eta^2 s^2 [[1,1],[1,1]] (3 linear equations): "
               "Var theta = eta^2 s^2 V0", sol[P], eta**2 * s2 * v0,
               shows=r"C = FCF^\top + \eta^2 s^2 \begin{pmatrix}1 & 1\\ 1 & 1\end{pmatrix}\ \Rightarrow\ C_{\theta\theta}"
                     r" = \eta^2 s^2 V_0 = \frac{\eta s^2 (1+\lambda)}{h(1-\lambda)(2(1+\lambda)-\eta h)}")
    proof.step("the solution satisfies the Lyapunov equation", lyap.subs(sol), sp.zeros(2, 2),
               verified=all(equal(e, 0) for e in lyap.subs(sol)),
               shows=r"C - FCF^\top - \eta^2 s^2 \begin{pmatrix}1 & 1\\ 1 & 1\end{pmatrix} = 0")
    mid = 2 * (1 + lam) - eta * h
    proof.step("additive model (s^2 = c A): the Lyapunov solution is eta c A (1+lam)/(h(1-lam)(2(1+lam) - eta h))",
               sol[P].subs(s2, _c * A), eta * _c * A * (1 + lam) / (h * (1 - lam) * mid),
               shows=r"C_{\theta\theta}\big|_{s^2 = cA} = \eta^2 c A V_0 = \frac{\eta c A (1+\lambda)}{h(1-\lambda)"
                     r"(2(1+\lambda)-\eta h)}")
    exact = stationary_variance_1d(h, kappa, A, eta, lam, _c)
    fixed = eta**2 * _c * (A + kappa * exact) * v0
    proof.step("multiplicative: s^2 = c E[Sigma(theta)] = c (A + kappa P) at mean 0; the library's value is the "
               "fixed point P = eta^2 c (A + kappa P) V0",
               exact, fixed, verified=_same_rational(exact, fixed),
               shows=r"P = \eta^2 c (A + \kappa P) V_0,\quad P = \texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, "
                     r"\lambda, c)")
    add = stationary_variance_1d(h, 0, A, eta, lam, _c)
    proof.step("relative error of the additive model: (exact - additive)/exact = eta^2 c kappa V0",
               (exact - add) / exact, eta**2 * _c * kappa * v0,
               verified=_same_rational((exact - add) / exact, eta**2 * _c * kappa * v0),
               shows=r"\frac{P_{\kappa} - P_{\kappa = 0}}{P_{\kappa}} = \eta^2 c\kappa V_0")
    proof.step("stability: 1 - eta^2 c kappa V0 > 0  <=>  eta c kappa (1+lam) < h (1-lam)(2(1+lam) - eta h)",
               (1 - eta**2 * _c * kappa * v0) * h * (1 - lam) * mid,
               h * (1 - lam) * mid - eta * _c * kappa * (1 + lam),
               shows=r"(1 - \eta^2 c\kappa V_0)\,h(1-\lambda)(2(1+\lambda)-\eta h) = h(1-\lambda)(2(1+\lambda)-\eta h)"
                     r" - \eta c\kappa(1+\lambda)")
    proof.step("SGD (lam = 0): 1 - (1 - eta h)^2 - eta^2 c kappa = eta (2h - eta (h^2 + c kappa))",
               1 - (1 - eta * h) ** 2 - eta**2 * _c * kappa, eta * (2 * h - eta * (h**2 + _c * kappa)),
               shows=r"1 - (1 - \eta h)^2 - \eta^2 c\kappa = \eta(2h - \eta(h^2 + c\kappa))")
    proof.step("SGD (lam = 0): the library's value is eta^2 c A/(1 - (1 - eta h)^2 - eta^2 c kappa)",
               sp.Subs(exact, lam, 0), eta**2 * _c * A / (1 - (1 - eta * h) ** 2 - eta**2 * _c * kappa),
               shows=r"\texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, 0, c) = \frac{\eta^2 c A}{1 - (1 - \eta h)^2"
                     r" - \eta^2 c\kappa}")
    lyap_v0 = sol[P] / (eta**2 * s2)  # V0 as solved from the Lyapunov equation, not the library's _v0
    derived = eta**2 * _c * A * lyap_v0 / (1 - eta**2 * _c * kappa * lyap_v0)
    proof.step("the library's stationary_variance_1d equals the derived Var_inf = eta^2 c A V0/(1 - eta^2 c kappa V0) "
               "with V0 solved from the Lyapunov equation (symbolic h, kappa, A, eta, lam, c)", exact, derived,
               verified=_same_rational(exact, derived),
               shows=r"\texttt{stationary\_variance\_1d}(h, \kappa, A, \eta, \lambda, c) = \frac{\eta^2 c A V_0}"
                     r"{1 - \eta^2 c\kappa V_0}")
    return proof
