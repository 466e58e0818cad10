"""Additive gradient noise on a quadratic: exact moments of SGD and heavy ball (C3, C5, C9).

Gradient ``g_t = H θ_{t−1} + ξ_t``, ``ξ_t`` i.i.d., mean 0, covariance ``C`` (1-D: variance ``s²``;
a batch of ``B`` examples with per-example variance ``σ²`` has ``s² = σ²/B``, C5).  In one eigendirection
the state ``x_t = (θ_t, m_t)`` obeys (seed convention, ``mathcore.quadratic``)::

    x_t = A x_{t−1} + η ξ_t b,   A = [[1 − ηh, λ], [−ηh, λ]],   b = −(1, 1)ᵀ
    E x_t = A E x_{t−1},          Σ_t = A Σ_{t−1} Aᵀ + η² s² b bᵀ          (ξ_t independent of x_{t−1})

Stationary limit (unique when ``ρ(A) < 1``: ``det(I − A⊗A) = ηh (2(1+λ) − ηh)(1 − λ)² ≠ 0``)::

    Var θ = η s² (1 + λ) / (h (1 − λ)(2(1 + λ) − ηh))        SGD (λ = 0): η s² / (h (2 − ηh))
    Cov(θ, m) = η² s² / ((1 − λ)(2(1 + λ) − ηh)),   Var m = 2 Cov(θ, m)

Small-η temperature (C3): ``T = η σ²/(2B(1 − λ))`` and ``h·Var θ / T = 2(1+λ)/(2(1+λ) − ηh) → 1``.
Multivariate: in the eigenbasis ``H = Q diag(h_i) Qᵀ`` the dynamics split into 2×2 blocks ``A_i``; the
covariance of directions ``i, j`` obeys ``X_ij ← A_i X_ij A_jᵀ + η² C̃_ij b bᵀ`` with ``C̃ = QᵀCQ`` (any
``C``, commuting with ``H`` or not), and its fixed point solves ``(I − A_i ⊗ A_j) vec X_ij = η² C̃_ij vec(bbᵀ)``.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optproof.mathcore.momentum import eta, lam
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.quadratic import converges, h, trajectory, transition_matrix, velocity_trajectory
from optproof.base.validation import MOMENTUM_RANGE, check_array, check_choice, check_int, check_real

__all__ = [
    "s2", "sigma2", "B",
    "state_noise_covariance", "moment_step", "stationary_covariance", "stationary_variance",
    "temperature", "moments", "StateMoments", "stationary_state_covariance",
    "prove_moment_recursion", "prove_stationary_covariance", "prove_small_lr_temperature",
]

s2 = sp.Symbol("s2", positive=True)          # per-step gradient-noise variance
sigma2 = sp.Symbol("sigma2", positive=True)  # per-example gradient variance
B = sp.Symbol("B", positive=True)            # batch size

_LAM_RANGE = "lam in [0, 1] (MOMENTUM_RANGE; the symbol lam is declared nonnegative)"


def _exact(*args: Any) -> bool:
    """SymPy input (symbols or exact numbers): answer with a SymPy expression."""
    return any(isinstance(a, sp.Basic) for a in args)


# =========================================================================== one direction
def state_noise_covariance(lr: Any, noise_var: Any):
    """``η² s² b bᵀ = η² s² [[1, 1], [1, 1]]``: the noise ``−η ξ_t`` enters both ``m_t`` and ``θ_t`` (C9)."""
    raw = (lr, noise_var)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
    if _exact(*raw):
        return sp.sympify(raw[0]) ** 2 * sp.sympify(raw[1]) * sp.ones(2, 2)
    return lr**2 * noise_var * np.ones((2, 2))


def moment_step(mean: Any, cov: Any, h: Any, lr: Any, momentum: Any, noise_var: Any) -> tuple[Any, Any]:
    """One step of the exact moment recursion: ``(A μ, A Σ Aᵀ + η² s² b bᵀ)`` (C3, C9).

    ``mean`` shape (2,), ``cov`` shape (2, 2); SymPy matrices for SymPy input, arrays otherwise.
    """
    A = transition_matrix(h, lr, momentum)
    Q = state_noise_covariance(lr, noise_var)
    if isinstance(A, sp.Matrix):
        mean, cov = sp.Matrix(mean), sp.Matrix(cov)
        return A * mean, A * cov * A.T + Q
    mean = check_array("mean", mean, shape=(2,))
    cov = check_array("cov", cov, shape=(2, 2))
    return A @ mean, A @ cov @ A.T + Q


def _check_stationary(h: Any, lr: Any, momentum: Any, noise_var: Any) -> tuple[Any, ...]:
    """Validate and require the convergence region; the message names the offending parameter."""
    h = check_real("h", h, 0.0, lo_open=True, allow_symbolic=True)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    momentum = check_real("momentum", momentum, MOMENTUM_RANGE[0], 1.0, hi_open=True, allow_symbolic=True)
    noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
    if not _exact(h, lr, momentum) and not lr * h < 2 * (1 + momentum):
        raise ValueError(f"lr must be a finite real number in (0, 2(1+momentum)/h) = "
                         f"(0, {2 * (1 + momentum) / h}) for a stationary limit; got {lr!r}")
    return h, lr, momentum, noise_var


def _stationary_entries(h: Any, lr: Any, momentum: Any, noise_var: Any) -> tuple[Any, Any, Any]:
    gap = (1 - momentum) * (2 * (1 + momentum) - lr * h)
    cross = lr**2 * noise_var / gap
    return lr * noise_var * (1 + momentum) / (h * gap), cross, 2 * cross


def stationary_covariance(h: Any, lr: Any, momentum: Any, noise_var: Any):
    """Stationary ``Cov(θ, m)`` matrix: ``[[Var θ, c], [c, 2c]]``, ``c = η²s²/((1−λ)(2(1+λ) − ηh))`` (C9).

    Needs ``h > 0``, ``λ ∈ [0, 1)`` (MOMENTUM_RANGE, open at 1), ``ηh < 2(1+λ)`` (ValueError naming the parameter
    otherwise).
    """
    raw = (h, lr, momentum, noise_var)
    checked = _check_stationary(*raw)
    if _exact(*raw):
        vt, c, vm = _stationary_entries(*map(sp.sympify, raw))
        return sp.Matrix([[vt, c], [c, vm]])
    vt, c, vm = _stationary_entries(*checked)
    return np.array([[vt, c], [c, vm]])


def stationary_variance(h: Any, lr: Any, momentum: Any, noise_var: Any):
    """``lim Var θ_t = η s²(1+λ) / (h(1−λ)(2(1+λ) − ηh))``; SGD (λ = 0): ``η s²/(h(2 − ηh))`` (C3, C9)."""
    raw = (h, lr, momentum, noise_var)
    checked = _check_stationary(*raw)
    if _exact(*raw):
        return _stationary_entries(*map(sp.sympify, raw))[0]
    return float(_stationary_entries(*checked)[0])


def temperature(lr: Any, momentum: Any, noise_var: Any, batch_size: Any = 1):
    """``T = η σ²/(2B(1 − λ))``: small-η stationary ``h·Var θ`` for per-example variance σ², batch B (C3, C5)."""
    raw = (lr, momentum, noise_var, batch_size)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    momentum = check_real("momentum", momentum, MOMENTUM_RANGE[0], 1.0, hi_open=True, allow_symbolic=True)
    noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
    batch_size = check_real("batch_size", batch_size, 0.0, lo_open=True, allow_symbolic=True)
    if _exact(*raw):
        lr, momentum, noise_var, batch_size = map(sp.sympify, raw)
    return lr * noise_var / (2 * batch_size * (1 - momentum))


# =========================================================================== proofs
def _expectation(poly_expr: sp.Expr, centred: tuple[sp.Symbol, sp.Symbol], xi: sp.Symbol, cov: sp.Matrix) -> sp.Expr:
    """``E`` of a quadratic form in ``(e₁, e₂, ξ)``: ``E e_a e_b = Σ_ab``, ``E e_a ξ = 0``, ``E ξ² = s²``."""
    rules = {(2, 0, 0): cov[0, 0], (1, 1, 0): cov[0, 1], (0, 2, 0): cov[1, 1], (0, 0, 2): s2}
    poly = sp.Poly(sp.expand(poly_expr), *centred, xi)
    return sum((c * rules.get(mon, 0) for mon, c in poly.terms()), sp.Integer(0))


def prove_moment_recursion() -> Proof:
    """``E x_t = A E x_{t−1}``; ``Σ_t = AΣ_{t−1}Aᵀ + η²s² bbᵀ``.

    From ``x_t − μ_t = A(x_{t−1} − μ_{t−1}) + ηξ_t b`` with ``ξ_t`` independent of ``x_{t−1}``.
    """
    proof = Proof(r"\mu_t = A\mu_{t-1},\ \Sigma_t = A\Sigma_{t-1}A^\top + \eta^2 s^2 bb^\top,\ b = -(1,1)^\top",
                  assumptions="xi_t mean 0, variance s2, independent of x_{t-1} (so E e xi = 0); " + _LAM_RANGE)
    e1, e2, xi, mu1, mu2 = sp.symbols("e1 e2 xi mu1 mu2", real=True)
    a, c, d = sp.symbols("Sigma_tt Sigma_tm Sigma_mm", real=True)
    cov = sp.Matrix([[a, c], [c, d]])
    A = transition_matrix(h, eta, lam)
    b = sp.Matrix([-1, -1])
    th, mv = mu1 + e1, mu2 + e2
    m_new = lam * mv - eta * (h * th + xi)
    stepped = sp.Matrix([th + m_new, m_new])
    proof.step("one step of heavy ball with the noisy gradient g_t = h theta_{t-1} + xi_t, in state form: "
               "x_t = A x_{t-1} + eta xi_t b", stepped, A * sp.Matrix([th, mv]) + eta * xi * b,
               verified=sp.expand(stepped - A * sp.Matrix([th, mv]) - eta * xi * b) == sp.zeros(2, 1),
               shows=r"\begin{pmatrix}\theta_t\\ m_t\end{pmatrix} = A\begin{pmatrix}\theta_{t-1}\\ m_{t-1}\end{pmatrix}"
                     r" + \eta\,\xi_t\, b,\ m_t = \lambda m_{t-1} - \eta(h\,\theta_{t-1} + \xi_t)")
    centred = A * sp.Matrix([e1, e2]) + eta * xi * b
    mean_new = (A * sp.Matrix([th, mv]) + eta * xi * b).applyfunc(lambda v: sp.expand(v).subs({e1: 0, e2: 0, xi: 0}))
    proof.step("mean, by linearity of E (E e = 0, E xi_t = 0): E x_t = A E x_{t-1}", mean_new, A * sp.Matrix([mu1, mu2]),
               verified=sp.expand(mean_new - A * sp.Matrix([mu1, mu2])) == sp.zeros(2, 1),
               shows=r"\mathbb{E}\,x_t = A\,\mathbb{E}\,x_{t-1}")
    Q = state_noise_covariance(eta, s2)
    proof.step("the library's state_noise_covariance(eta, s2) is eta^2 s2 b b^T, the covariance of eta xi_t b",
               Q, eta**2 * s2 * sp.MatMul(b, b.T), verified=sp.expand(Q - eta**2 * s2 * b * b.T) == sp.zeros(2, 2),
               shows=r"\texttt{state\_noise\_covariance}(\eta, s^2) = \eta^2 s^2 b b^\top = \eta^2 s^2 "
                     r"\begin{pmatrix}1 & 1\\ 1 & 1\end{pmatrix}")
    outer = (centred * centred.T).applyfunc(lambda v: _expectation(v, (e1, e2), xi, cov))
    target = A * cov * A.T + Q
    proof.step("covariance: expanding the outer product and taking E term by term (E e e^T = Sigma, E e xi = 0, "
               "E xi^2 = s2) gives A Sigma A^T + state_noise_covariance(eta, s2)", outer, target,
               verified=sp.expand(outer - target) == sp.zeros(2, 2),
               shows=r"\mathbb{E}[(A e + \eta\xi_t b)(A e + \eta\xi_t b)^\top] = A\Sigma_{t-1}A^\top + "
                     r"\texttt{state\_noise\_covariance}(\eta, s^2),\ e = x_{t-1} - \mu_{t-1}")
    return proof


def _solved_fixed_point(A: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """The symmetric ``S`` with ``S = A S Aᵀ + Q``: SymPy's ``solve`` of the three linear equations in its entries."""
    p, q, r = sp.symbols("p q r")
    X = sp.Matrix([[p, q], [q, r]])
    E = A * X * A.T + Q - X
    return X.subs(sp.solve([E[0, 0], E[0, 1], E[1, 1]], [p, q, r], dict=True)[0])


def prove_stationary_covariance() -> Proof:
    """The closed form is the fixed point of ``Σ ↦ AΣAᵀ + η²s²bbᵀ``, unique, the limit of ``Σ_t``; SGD case."""
    proof = Proof(r"\mathrm{Var}\,\theta_\infty = \frac{\eta s^2 (1+\lambda)}{h(1-\lambda)(2(1+\lambda)-\eta h)}",
                  assumptions="rho(A) < 1: |lam| < 1, 0 < eta h < 2(1 + lam) (prove_convergence_region); " + _LAM_RANGE)
    A, Q = transition_matrix(h, eta, lam), state_noise_covariance(eta, s2)
    S = stationary_covariance(h, eta, lam, s2)
    fixed = A * S * A.T + Q - S
    proof.step("the library's stationary_covariance is a fixed point of the moment recursion "
               "Sigma -> A Sigma A^T + eta^2 s2 b b^T (every entry)", fixed, sp.zeros(2, 2),
               verified=fixed.applyfunc(sp.simplify) == sp.zeros(2, 2),
               shows=r"A S A^\top + \eta^2 s^2 bb^\top - S = 0,\ S = \texttt{stationary\_covariance}(h, \eta, \lambda, s^2)")
    kron = sp.eye(4) - sp.kronecker_product(A, A)
    proof.step("uniqueness: det(I - A (x) A) = eta h (2(1+lam) - eta h)(1 - lam)^2, non-zero in the region, so the "
               "linear system (I - A (x) A) vec S = vec Q has one solution", kron.det(),
               eta * h * (2 * (1 + lam) - eta * h) * (1 - lam) ** 2,
               shows=r"\det(I - A \otimes A) = \eta h\,(2(1+\lambda) - \eta h)(1 - \lambda)^2")
    solved = _solved_fixed_point(A, Q)
    proof.step("the library's stationary_covariance is the solution S of S = A S A^T + eta^2 s2 b b^T, solved by "
               "SymPy for the entries of a symmetric S (unique by the determinant above)", S, solved,
               verified=all(equal(a, b) for a, b in zip(S, solved)),
               shows=r"\texttt{stationary\_covariance}(h, \eta, \lambda, s^2) = S,\ S = A S A^\top + \eta^2 s^2 bb^\top,\ "
                     r"S = S^\top")
    D = sp.MatrixSymbol("D", 2, 2)  # D = Σ_{t−1} − S
    moved = (A * (sp.Matrix(D) + S) * A.T + Q) - S
    proof.step("convergence: Sigma_t - S = A (Sigma_{t-1} - S) A^T, so Sigma_t - S = A^t (Sigma_0 - S) (A^t)^T -> 0 "
               "as rho(A) < 1", moved, A * sp.Matrix(D) * A.T,
               verified=(moved - A * sp.Matrix(D) * A.T).applyfunc(sp.simplify) == sp.zeros(2, 2),
               shows=r"A \Sigma_{t-1} A^\top + \eta^2 s^2 bb^\top - S = A(\Sigma_{t-1} - S)A^\top")
    formula = eta * s2 * (1 + lam) / (h * (1 - lam) * (2 * (1 + lam) - eta * h))
    proof.step("Var theta_inf, the (1, 1) entry of the solved fixed point, is the stated closed form",
               solved[0, 0], formula, shows=r"(S)_{11} = \operatorname{Var}\theta_\infty = "
                                            r"\frac{\eta s^2 (1+\lambda)}{h(1-\lambda)(2(1+\lambda)-\eta h)}")
    proof.step("Var m_inf = 2 Cov(theta_inf, m_inf): the library's (2, 2) entry is twice the solved (1, 2) entry",
               S[1, 1], 2 * solved[0, 1],
               shows=r"\operatorname{Var} m_\infty = (S)_{22} = 2 (S)_{12} = 2\operatorname{Cov}(\theta_\infty, m_\infty)")
    v = sp.Symbol("v")
    sgd = sp.solve(sp.Eq(v, (1 - eta * h) ** 2 * v + eta**2 * s2), v)[0]
    proof.step("SGD (lam = 0): the library's stationary_variance is the fixed point v of the scalar recursion "
               "v -> (1 - eta h)^2 v + eta^2 s2", stationary_variance(h, eta, 0, s2), sgd,
               shows=r"\texttt{stationary\_variance}(h, \eta, 0, s^2) = v,\ v = (1 - \eta h)^2 v + \eta^2 s^2,\ "
                     r"\text{i.e. } v = \frac{\eta s^2}{h(2 - \eta h)}")
    proof.step("the library's stationary_variance(h, eta, lam, s2) is the (1, 1) entry of the solved fixed point",
               stationary_variance(h, eta, lam, s2), solved[0, 0],
               shows=r"\texttt{stationary\_variance}(h, \eta, \lambda, s^2) = (S)_{11} = \operatorname{Var}\theta_\infty")
    proof.check("the float branch of stationary_variance equals its proven SymPy branch at lam = 0, lam -> 1, "
                "tau < 0, eta h -> 2(1 + lam)",
                float_branch_agrees(stationary_variance, (h, eta, lam, s2), STATIONARY_POINTS),
                call=r"\texttt{stationary\_variance}(h, \eta, \lambda, s^2)")
    return proof


#: (h, lr, momentum, noise variance) inside the region: λ = 0, λ → 1, τ < 0, ηh close to 2(1 + λ), Δ = 0.
STATIONARY_POINTS = [(1.0, 0.1, 0.0, 1.0), (1.0, 0.01, 0.999, 2.0), (1.0, 1.9, 0.2, 0.5), (1.0, 3.79, 0.9, 1.0),
                     (2.0, 0.125, 0.25, 3.0), (0.5, 1.0, 0.5, 0.1), (3.0, 0.3, 0.95, 1.5), (1.0, 1.999, 0.0, 1.0)]


def prove_small_lr_temperature() -> Proof:
    """With ``s² = σ²/B``: ``h·Var θ/T = 2(1+λ)/(2(1+λ) − ηh) → 1`` as ``η → 0``; first-order correction."""
    proof = Proof(r"h\,\mathrm{Var}\,\theta_\infty = T\,\frac{2(1+\lambda)}{2(1+\lambda)-\eta h} \to T = "
                  r"\frac{\eta\sigma^2}{2B(1-\lambda)}\ (\eta\to 0)",
                  assumptions="s2 = sigma2/B (batch of B i.i.d. examples), |lam| < 1, h > 0; " + _LAM_RANGE)
    var = stationary_variance(h, eta, lam, sigma2 / B)
    T = temperature(eta, lam, sigma2, B)
    ratio = 2 * (1 + lam) / (2 * (1 + lam) - eta * h)
    lib = (r"\frac{h\,\texttt{stationary\_variance}(h, \eta, \lambda, \sigma^2/B)}"
           r"{\texttt{temperature}(\eta, \lambda, \sigma^2, B)}")
    proof.step("exact ratio of the library's stationary variance (s2 = sigma2/B) to its temperature: "
               "h Var theta / T = 2(1 + lam)/(2(1 + lam) - eta h)", h * var / T, ratio,
               shows=lib + r" = \frac{2(1+\lambda)}{2(1+\lambda) - \eta h}")
    proof.step("small learning rate: the limit eta -> 0 of h Var theta / T is 1", sp.Limit(h * var / T, eta, 0), 1,
               verified=equal(sp.limit(h * var / T, eta, 0), 1), shows=r"\lim_{\eta \to 0}" + lib + " = 1")
    series = sp.series(h * var / T, eta, 0, 2).removeO()
    proof.step("first order in eta (Taylor series): h Var theta / T = 1 + eta h/(2(1 + lam)) + O(eta^2)", series,
               1 + eta * h / (2 * (1 + lam)), shows=lib + r" = 1 + \frac{\eta h}{2(1+\lambda)} + O(\eta^2)")
    return proof


# =========================================================================== multivariate numerics
class StateMoments(NamedTuple):
    """Exact moments at steps ``0..T``; state order ``(θ_1..θ_d, m_1..m_d)``."""

    theta_mean: np.ndarray  # (T+1, d)
    m_mean: np.ndarray      # (T+1, d)
    cov: np.ndarray         # (T+1, 2d, 2d)

    @property
    def theta_var(self) -> np.ndarray:
        """``Var θ_{t,i}``, shape (T+1, d)."""
        d = self.theta_mean.shape[1]
        return np.diagonal(self.cov[:, :d, :d], axis1=1, axis2=2).copy()


def _symmetric(name: str, a: Any, d: int | None = None, psd: bool = False) -> np.ndarray:
    """Scalar → ``a·I``, (d,) → diagonal, (d, d) symmetric (and PSD when asked), as float arrays."""
    if np.ndim(a) == 0:
        return check_real(name, a, 0.0 if psd else None) * np.eye(1 if d is None else d)
    arr = check_array(name, a, ndim=(1, 2))
    size = d if d is not None else arr.shape[0]
    if arr.ndim == 1:
        if arr.shape != (size,):
            raise ValueError(f"{name} must be a scalar, shape ({size},) or ({size}, {size}); got {arr.shape}")
        arr = np.diag(arr)
    if arr.shape != (size, size):
        raise ValueError(f"{name} must have shape ({size}, {size}); got {arr.shape}")
    scale = max(1.0, float(np.max(np.abs(arr)))) if arr.size else 1.0
    if not np.allclose(arr, arr.T, rtol=0, atol=1e-12 * scale):
        raise ValueError(f"{name} must be symmetric")
    if psd and arr.size and np.linalg.eigvalsh(arr).min() < -1e-12 * scale * size:
        raise ValueError(f"{name} must be positive semi-definite")
    return (arr + arr.T) / 2


def _eigen_setup(H: Any, lr: Any, momentum: Any, noise_cov: Any):
    Hm = _symmetric("H", H)
    C = _symmetric("noise_cov", noise_cov, Hm.shape[0], psd=True)
    lr = check_real("lr", lr, 0.0, lo_open=True)
    momentum = check_real("momentum", momentum, *MOMENTUM_RANGE)
    w, Q = np.linalg.eigh(Hm)
    A = np.stack([transition_matrix(wi, lr, momentum) for wi in w]) if w.size else np.zeros((0, 2, 2))
    return Hm, w, Q, A, lr, momentum, lr**2 * (Q.T @ C @ Q)


def _start(name: str, v: Any, d: int) -> np.ndarray:
    if np.ndim(v) == 0:
        return np.full(d, check_real(name, v))
    arr = check_array(name, v, ndim=1)
    if arr.shape != (d,):
        raise ValueError(f"{name} must be a scalar or have shape ({d},); got {arr.shape}")
    return arr


def _to_state_basis(X: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Pair blocks ``X[..., i, j, a, b]`` in the eigenbasis → full ``(…, 2d, 2d)`` covariance of (θ, m)."""
    blocks = np.einsum("ik,...klab,jl->...aibj", Q, X, Q)
    lead, d = blocks.shape[:-4], Q.shape[0]
    return blocks.reshape(*lead, 2 * d, 2 * d)


def moments(H: Any, lr: float, momentum: float, noise_cov: Any, theta0: Any, m0: Any, n_steps: int,
            method: str = "eigen", b: Any = None) -> StateMoments:
    """Exact mean and covariance of ``(θ_t, m_t)``, ``t = 0..T`` (T = ``n_steps``), from a deterministic start (C3, C9).

    Gradient ``g_t = Hθ_{t−1} − b + ξ_t`` (``b`` default 0).  ``method="eigen"``: means from the
    closed form ``quadratic.trajectory`` per eigendirection around a minimiser ``θ*`` (``Hθ* = b``)
    and the pairwise 2×2 recursion ``X_ij ← A_i X_ij A_jᵀ + η² C̃_ij bbᵀ`` (any ``C``); ``"dense"``:
    the plain ``2d×2d`` recursion ``ν ← 𝒜ν + η(b, b)``, ``Σ ← 𝒜Σ𝒜ᵀ + η²[[C, C], [C, C]]``
    (reference; also used when ``b`` is not in the range of ``H``).  ``H``, ``noise_cov``: scalar,
    diagonal (d,) or symmetric (d, d).
    """
    method = check_choice("method", method, ("eigen", "dense"))
    Hm, w, Q, A, lr, momentum, Ct = _eigen_setup(H, lr, momentum, noise_cov)
    n_steps = check_int("n_steps", n_steps, 0)
    d = Hm.shape[0]
    th0, mm0 = _start("theta0", theta0, d), _start("m0", m0, d)
    bv = np.zeros(d) if b is None else _start("b", b, d)
    theta_star = _minimiser(Hm, bv)
    if method == "dense" or theta_star is None:
        return _moments_dense(Hm, bv, lr, momentum, Q @ Ct @ Q.T, th0, mm0, n_steps)
    u0, v0 = Q.T @ (th0 - theta_star), Q.T @ mm0
    theta_mean = trajectory(w, lr, momentum, u0, v0, n_steps) @ Q.T + theta_star
    m_mean = velocity_trajectory(w, lr, momentum, u0, v0, n_steps) @ Q.T
    X = np.zeros((n_steps + 1, d, d, 2, 2))
    for step in range(1, n_steps + 1):
        X[step] = np.einsum("iac,ijcd,jbd->ijab", A, X[step - 1], A) + Ct[:, :, None, None]
    return StateMoments(theta_mean, m_mean, _to_state_basis(X, Q))


def _minimiser(Hm: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """A ``θ*`` with ``Hθ* = b`` (0 for ``b = 0``; least squares otherwise), or None when ``b ∉ range(H)``."""
    if not b.any():
        return np.zeros_like(b)
    theta_star = np.linalg.lstsq(Hm, b, rcond=None)[0]
    scale = max(float(np.abs(b).max()), float(np.abs(Hm).max()) * float(np.abs(theta_star).max()))
    return theta_star if np.abs(Hm @ theta_star - b).max() <= 1e-12 * Hm.shape[0] * scale else None


def _moments_dense(Hm, b, lr, momentum, Ceta, th0, mm0, n_steps) -> StateMoments:
    d = Hm.shape[0]
    eye = np.eye(d)
    big = np.block([[eye - lr * Hm, momentum * eye], [-lr * Hm, momentum * eye]])
    drift = np.concatenate([lr * b, lr * b])
    noise = np.block([[Ceta, Ceta], [Ceta, Ceta]])
    mean = np.zeros((n_steps + 1, 2 * d))
    cov = np.zeros((n_steps + 1, 2 * d, 2 * d))
    mean[0] = np.concatenate([th0, mm0])
    for step in range(1, n_steps + 1):
        mean[step] = big @ mean[step - 1] + drift
        cov[step] = big @ cov[step - 1] @ big.T + noise
    return StateMoments(mean[:, :d], mean[:, d:], cov)


def stationary_state_covariance(H: Any, lr: float, momentum: float, noise_cov: Any) -> np.ndarray:
    """``lim Σ_t`` for general symmetric ``H ≻ 0`` and covariance ``C``: shape ``(2d, 2d)``, order (θ, m) (C9).

    Solves ``(I − A_i ⊗ A_j) vec X_ij = η² C̃_ij vec(bbᵀ)`` for every pair of eigendirections; with
    ``C`` commuting with ``H`` the θ-block is ``Q diag(stationary_variance(h_i, …, C̃_ii)) Qᵀ``.
    """
    Hm, w, Q, A, lr, momentum, Ct = _eigen_setup(H, lr, momentum, noise_cov)
    check_real("momentum", momentum, MOMENTUM_RANGE[0], 1.0, hi_open=True)
    if w.size and w.min() <= 0:
        raise ValueError(f"H must be positive definite for a stationary limit; smallest eigenvalue {w.min()!r}")
    if not np.all(converges(w, lr, momentum)):
        _check_stationary(float(w.max()), lr, momentum, 0.0)  # ηh_max ≥ 2(1+λ): raises, naming lr
    d = w.size
    M = np.eye(4) - np.einsum("iac,jbd->ijabcd", A, A).reshape(d, d, 4, 4)
    rhs = np.broadcast_to(Ct[:, :, None], (d, d, 4))
    X = np.linalg.solve(M, rhs[..., None])[..., 0].reshape(d, d, 2, 2)
    return _to_state_basis(X, Q)
