"""Escape from a strict saddle under gradient noise: exact second moment, escape-time law (C3, C4, C7).

Saddle ``f(x, y) = ½(x² − μ y²)`` (``μ > 0``; the seed's picture is ``μ = 1``), started exactly at
``(0, 0)``.  Full-batch GD / heavy ball from rest never move (the gradient is exactly 0).  With a
noisy gradient ``g_t = ∇f(θ_{t−1}) + ξ_t`` (``ξ_t`` i.i.d., mean 0, variance ``s²`` in ``y``) the
unstable coordinate obeys (seed convention ``m_t = λ m_{t−1} − η g_t``, ``θ_t = θ_{t−1} + m_t``)::

    y_{t+1} = τ y_t − λ y_{t−1} − η ξ_{t+1},   τ = 1 + λ + ημ,   y_0 = 0, y_{−1} := y_0 − m_0 = 0
    ⇒ y_t = −η Σ_{k=1}^{t} S_{t−k+1} ξ_k,   S_n = (z₁ⁿ − z₂ⁿ)/(z₁ − z₂)  (impulse response)

with ``z₁ > 1 > z₂ = λ/z₁ ≥ 0`` the roots of ``z² − τz + λ`` (real: ``Δ = τ² − 4λ > 0``; ``p(1) = −ημ < 0``).
Hence ``E y_t = 0`` and, exactly for every ``t``::

    E y_t² = η² s² Σ_{n=1}^{t} S_n² = (η² s²/Δ)·[z₁² G(z₁², t) − 2λ G(λ, t) + z₂² G(z₂², t)]
    SGD (λ = 0, z₁ = 1 + ημ):  E y_t² = η s² ((1 + ημ)^{2t} − 1) / (μ(2 + ημ))

(``G(x, n) = Σ_{j<n} xʲ``, ``G(1, n) = n`` at ``λ = 1``).  Leading order: ``y_t ≈ z₁ᵗ Z``,
``Z = −η/(z₁−z₂) Σ_k z₁^{1−k} ξ_k`` with ``Var Z = σ_Z² = η² s² z₁² / ((z₁ − z₂)²(z₁² − 1))``, so the
escape time to ``|y| > r`` is ``τ_r ≈ log(r/|Z|)/log z₁``: median ``log(r/(q σ_Z))/log z₁`` with
``q = Φ⁻¹(3/4)``.  Mini-batches of a finite sum ``ℓ_i = ½(x² − μy²) + a_i y``, ``Σ a_i = 0`` give
additive noise ``ā_B`` with ``s² = c(N, B)·var(a)``, ``c = (N−B)/((N−1)B)`` (C5): ``τ_r`` grows like
``½ log(1/c)/log z₁`` in ``B`` and is infinite at ``B = N`` (GD is stuck, C3).  For Gaussian ``ξ``,
``y_t ~ N(0, E y_t²)`` exactly, so ``P(|y_t| > r) = erfc(r/√(2 E y_t²))`` is exact.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import sympy as sp

from optproof.mathcore.batching import batch_loss_variance, batch_variance_factor
from optproof.mathcore.momentum import eta, heavy_ball_step, lam, t
from optproof.mathcore.noise import s2
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import geometric_sum, geometric_sum_branches, geometric_sums_numeric
from optproof.base.validation import check_array, check_int, check_real

__all__ = [
    "mu", "growth_roots", "second_moment", "sgd_second_moment", "amplitude_variance",
    "escape_probability", "median_escape_step", "escape_time_leading", "batch_noise_variance",
    "prove_saddle_stationary", "prove_noisy_recursion", "prove_second_moment", "prove_escape_law",
]

mu = sp.Symbol("mu", positive=True)  # magnitude of the negative curvature
Q75 = NormalDist().inv_cdf(0.75)     # median of |N(0, 1)|


def _check(lr: Any, momentum: Any, curvature: Any, symbolic: bool = True):
    return (check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=symbolic),
            check_real("momentum", momentum, 0.0, 1.0, allow_symbolic=symbolic),
            check_real("curvature", curvature, 0.0, lo_open=True, allow_symbolic=symbolic))


def _exact(*args: Any) -> bool:
    return any(isinstance(a, sp.Basic) for a in args)


def growth_roots(lr: Any, momentum: Any, curvature: Any = 1):
    """Roots ``z₁ > 1 > z₂ = λ/z₁ ≥ 0`` of ``z² − (1 + λ + ημ)z + λ``: growth factors at the saddle."""
    raw = (lr, momentum, curvature)
    lr, momentum, curvature = _check(*raw)
    if _exact(*raw):
        lr, momentum, curvature = map(sp.sympify, raw)
        tau = 1 + momentum + lr * curvature
        root = sp.sqrt(tau**2 - 4 * momentum)
        return (tau + root) / 2, (tau - root) / 2
    tau = 1.0 + momentum + lr * curvature
    z1 = 0.5 * (tau + math.sqrt(tau * tau - 4.0 * momentum))  # no cancellation: both terms >= 0
    return z1, momentum / z1


def _symbolic_second_moment(tt, lr, momentum, noise_var, curvature):
    z1, z2 = growth_roots(lr, momentum, curvature)
    disc = (z1 - z2) ** 2
    return lr**2 * noise_var / disc * (z1**2 * geometric_sum(z1**2, tt) - 2 * momentum * geometric_sum(momentum, tt)
                                       + z2**2 * geometric_sum(z2**2, tt))


def second_moment(tt: Any, lr: Any, momentum: Any, noise_var: Any, curvature: Any = 1):
    """``E y_t² = η² s² Σ_{n=1}^{t} S_n²`` from the saddle at rest (exact for every ``t``; C3).

    SymPy in (any argument symbolic or exact): the closed form with geometric sums (Piecewise at
    ``λ = 1``).  Numbers in: ``tt`` an int or integer array, evaluated as the cumulative sum of
    ``S_n² = z₁^{2(n−1)} G_n(ρ)²``, ``ρ = z₂/z₁`` — all terms positive, relative error ≤ ``(3t+6)u``
    (no cancellation even where ``Δ → 0``, i.e. ``λ → 1`` and ``η → 0``).
    """
    raw = (tt, lr, momentum, noise_var, curvature)
    if _exact(*raw):
        check_int("tt", tt, 0, allow_symbolic=True)
        noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
        _check(lr, momentum, curvature)
        return _symbolic_second_moment(*map(sp.sympify, raw))
    lr, momentum, curvature = _check(lr, momentum, curvature, symbolic=False)
    noise_var = check_real("noise_var", noise_var, 0.0)
    steps = np.asarray(tt)
    if steps.dtype.kind not in "iu" or (steps < 0).any():
        raise ValueError(f"tt must be a non-negative integer or integer array; got {tt!r}")
    T = int(steps.max()) if steps.size else 0
    z1, z2 = growth_roots(lr, momentum, curvature)
    n = np.arange(1, T + 1, dtype=np.float64)
    rho = z2 / z1
    G = geometric_sums_numeric(rho, T)
    terms = np.exp(2.0 * (n - 1.0) * math.log(z1)) * G * G
    cum = np.concatenate([[0.0], np.cumsum(terms)])
    out = lr * lr * noise_var * cum[steps]
    return float(out) if out.ndim == 0 else out


def sgd_second_moment(tt: Any = t, lr: Any = eta, noise_var: Any = s2, curvature: Any = mu):
    """SGD (λ = 0): ``E y_t² = η s² ((1 + ημ)^{2t} − 1)/(μ(2 + ημ))`` (symbolic or float)."""
    expr = lr * noise_var * ((1 + lr * curvature) ** (2 * tt) - 1) / (curvature * (2 + lr * curvature))
    return expr if _exact(tt, lr, noise_var, curvature) else float(expr)


def amplitude_variance(lr: Any, momentum: Any, noise_var: Any, curvature: Any = 1):
    """``σ_Z² = lim z₁^{−2t} E y_t² = η² s² z₁² / ((z₁ − z₂)²(z₁² − 1))``; SGD: ``η s²/(μ(2 + ημ))``."""
    noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
    z1, z2 = growth_roots(lr, momentum, curvature)
    return lr**2 * noise_var * z1**2 / ((z1 - z2) ** 2 * (z1**2 - 1))


def escape_probability(tt: Any, r: float, lr: float, momentum: float, noise_var: float, curvature: float = 1.0):
    """``P(|y_t| > r) = erfc(r/√(2 E y_t²))``: exact for Gaussian noise (``y_t`` is Gaussian, mean 0)."""
    r = check_real("r", r, 0.0, lo_open=True)
    v = np.asarray(second_moment(tt, lr, momentum, noise_var, curvature), dtype=np.float64)
    with np.errstate(divide="ignore"):
        x = np.where(v > 0, r / np.sqrt(2.0 * np.where(v > 0, v, 1.0)), np.inf)
    out = np.array([math.erfc(float(u)) for u in np.ravel(x)]).reshape(x.shape)
    return float(out) if out.ndim == 0 else out


def median_escape_step(r: float, lr: float, momentum: float, noise_var: float, curvature: float = 1.0,
                       t_max: int = 10**6) -> int:
    """Smallest ``t`` with ``P(|y_t| > r) ≥ ½`` (``E y_t² ≥ (r/q)²``, ``q = Φ⁻¹(¾)``); −1 if none ≤ ``t_max``.

    For Gaussian noise this is exact for the fixed-time event; the first passage (escape time) can
    only come earlier, by the rare paths that cross ``r`` and come back.
    """
    r = check_real("r", r, 0.0, lo_open=True)
    noise_var = check_real("noise_var", noise_var, 0.0)
    if noise_var == 0.0:
        return -1
    est = escape_time_leading(r, lr, momentum, noise_var, curvature, quantile=0.5)
    hi = min(t_max, max(8, int(2 * est) + 8))
    v = second_moment(np.arange(hi + 1), lr, momentum, noise_var, curvature)
    idx = np.flatnonzero(v >= (r / Q75) ** 2)
    return int(idx[0]) if idx.size else -1


def escape_time_leading(r: Any, lr: Any, momentum: Any, noise_var: Any, curvature: Any = 1, quantile: Any = None):
    """Leading-order escape time ``log(r/σ_Z)/log z₁`` (``y_t ≈ z₁ᵗ Z``, C3).

    With ``quantile`` p: the p-quantile ``τ_p = log(r/(σ_Z·Φ⁻¹(1 − p/2)))/log z₁`` (``P(τ ≤ τ_p) = p`` to
    leading order, since ``P(|Z| > r z₁^{−t}) = p`` there).
    ``noise_var = 0`` (full batch, B = N) gives ``inf``: GD never leaves the saddle.
    """
    r = check_real("r", r, 0.0, lo_open=True, allow_symbolic=True)
    noise_var = check_real("noise_var", noise_var, 0.0, allow_symbolic=True)
    sz2 = amplitude_variance(lr, momentum, noise_var, curvature)
    z1, _ = growth_roots(lr, momentum, curvature)
    scale = 1 if quantile is None else NormalDist().inv_cdf(1 - check_real("quantile", quantile, 0, 1, lo_open=True,
                                                                           hi_open=True) / 2)
    if _exact(r, lr, momentum, noise_var, curvature):
        return sp.log(r / (sp.sympify(scale) * sp.sqrt(sz2))) / sp.log(z1)
    if sz2 == 0.0:
        return math.inf
    return math.log(r / (scale * math.sqrt(sz2))) / math.log(z1)


def batch_noise_variance(a: Any, batch_size: int, replace: bool = False) -> float:
    """``s² = c(N, B)·var(a)``, ``var(a) = (1/N)Σ(a_i − ā)²``: variance of the batch mean ``ā_B`` (C5)."""
    arr = check_array("a", a, ndim=1, min_size=2)
    return float(batch_loss_variance(arr.size, batch_size, float(np.mean((arr - arr.mean()) ** 2)), replace))


# =========================================================================== proofs
def prove_saddle_stationary() -> Proof:
    """The saddle is stationary for ``L`` but not for each ``L_B``; GD/heavy ball from rest stay put (C3, C4)."""
    x, y, abar = sp.symbols("x y abar_B", real=True)
    proof = Proof(r"\nabla L(0) = 0,\ \nabla L_B(0) = (0, \bar a_B)\neq 0,\ \mathbb{E}_B \bar a_B = 0",
                  assumptions="l_i = (x^2 - mu y^2)/2 + a_i y, sum_i a_i = 0; theta_0 = 0, m_0 = 0")
    f = (x**2 - mu * y**2) / 2
    at_origin = lambda e: sp.Subs(e, (x, y), (0, 0))  # noqa: E731 - evaluated by the check, not before
    grad = [at_origin(sp.diff(f, v)) for v in (x, y)]
    proof.step("stationary point: grad f = (x, -mu y), evaluated at the origin, vanishes", sp.Tuple(*grad),
               sp.Tuple(0, 0), shows=r"\nabla f(0, 0) = (x, -\mu y)\big|_{(x, y) = (0, 0)} = (0, 0)")
    proof.step("second-derivative test: Hessian diag(1, -mu), det = -mu < 0, so a strict saddle",
               sp.Determinant(sp.ImmutableMatrix(sp.hessian(f, (x, y)))), -mu,
               shows=r"\det \nabla^2 f = \det \operatorname{diag}(1, -\mu) = -\mu < 0")
    gb = [at_origin(sp.diff(f + abar * y, v)) for v in (x, y)]
    proof.step("batch gradient at the saddle is (0, abar_B): zero only if the batch mean of a vanishes",
               sp.Tuple(*gb), sp.Tuple(0, abar), shows=r"\nabla L_B(0, 0) = (x, -\mu y + \bar a_B)\big|_{(x, y) = (0, 0)}"
                                                      r" = (0, \bar a_B)")
    N, B, i = sp.symbols("N B i", integer=True, positive=True)
    a = sp.IndexedBase("a")
    total = sp.Sum(a[i], (i, 1, N))
    proof.step("counting: each example lies in C(N-1, B-1) of the C(N, B) uniform batches (C5), so "
               "E_B abar_B = (1/N) sum a_i, which is 0 when sum a_i = 0",
               sp.binomial(N - 1, B - 1) / (B * sp.binomial(N, B)) * total, total / N,
               shows=r"\mathbb{E}_B \bar a_B = \frac{\binom{N-1}{B-1}}{B\binom{N}{B}}\sum_{i=1}^{N} a_i"
                     r" = \frac{1}{N}\sum_{i=1}^{N} a_i = 0")
    theta1, m1 = zip(*(heavy_ball_step(sp.Integer(0), sp.Integer(0), gi, eta, lam) for gi in grad))
    proof.step("full batch from rest: heavy_ball_step gives m_1 = lam*0 - eta*0 = 0 and theta_1 = 0, so "
               "theta_t = 0 for all t (induction)", sp.Tuple(*m1, *theta1), sp.Tuple(0, 0, 0, 0),
               shows=r"(\theta_1, m_1) = \texttt{heavy\_ball\_step}(0, 0, \nabla L(0), \eta, \lambda) = (0, 0)")
    return proof


def prove_noisy_recursion() -> Proof:
    """``y_{t+1} = τ y_t − λ y_{t−1} − η ξ_{t+1}``; roots real with ``z₁ > 1 > z₂ ≥ 0``; impulse response ``S``."""
    proof = Proof(r"y_{t+1} = (1+\lambda+\eta\mu) y_t - \lambda y_{t-1} - \eta\xi_{t+1},\ z_1 > 1 > z_2 \ge 0",
                  assumptions="g_t = -mu y_{t-1} + xi_t in the y direction; eta, mu > 0; 0 <= lam <= 1")
    yp, yc, xi = sp.symbols("y_prev y_t xi", real=True)
    tau = 1 + lam + eta * mu
    y_next, _ = heavy_ball_step(yc, yc - yp, -mu * yc + xi, eta, lam)
    proof.step("one heavy-ball step (heavy_ball_step) with m_t = y_t - y_{t-1} and g = -mu y_t + xi: a "
               "second-order linear recursion", y_next, tau * yc - lam * yp - eta * xi,
               shows=r"\texttt{heavy\_ball\_step}(y_t, y_t - y_{t-1}, -\mu y_t + \xi_{t+1}, \eta, \lambda)_0"
                     r" = (1+\lambda+\eta\mu) y_t - \lambda y_{t-1} - \eta \xi_{t+1}")
    z = sp.Symbol("z")
    p = z**2 - tau * z + lam
    proof.step("discriminant of p(z) = z^2 - tau z + lam is a sum of positive terms: real roots",
               tau**2 - 4 * lam, (1 - lam) ** 2 + eta * mu * (2 * (1 + lam) + eta * mu),
               shows=r"(1+\lambda+\eta\mu)^2 - 4\lambda = (1 - \lambda)^2 + \eta\mu\,(2(1 + \lambda) + \eta\mu) > 0")
    proof.step("intermediate value theorem: p(1) = -eta mu < 0 and p -> +oo, one root above 1, the other below 1",
               sp.Subs(p, z, 1), -eta * mu, shows=r"p(1) = 1 - (1+\lambda+\eta\mu) + \lambda = -\eta\mu < 0")
    proof.step("p(0) = lam >= 0 = z1 z2 (Vieta): z2 = lam/z1 in [0, 1)", sp.Subs(p, z, 0), lam,
               shows=r"p(0) = z_1 z_2 = \lambda \ge 0")
    z1, z2 = sp.symbols("z1 z2", positive=True)
    n = sp.Symbol("n", integer=True, nonnegative=True)
    S = lambda k: (z1**k - z2**k) / (z1 - z2)  # noqa: E731
    proof.step("impulse response, initial value S_0 = 0", sp.Subs(S(n), n, 0), 0,
               shows=r"S_0 = \frac{z_1^0 - z_2^0}{z_1 - z_2} = 0")
    proof.step("impulse response, initial value S_1 = 1 (noise -eta xi_k enters y_k with weight 1)",
               sp.Subs(S(n), n, 1), 1, shows=r"S_1 = \frac{z_1 - z_2}{z_1 - z_2} = 1")
    proof.step("S_n = (z1^n - z2^n)/(z1 - z2) solves the homogeneous recursion (z1, z2 roots of p)",
               S(n + 2), (z1 + z2) * S(n + 1) - z1 * z2 * S(n),
               shows=r"S_{n+2} = (z_1 + z_2) S_{n+1} - z_1 z_2 S_n")
    r1, r2 = growth_roots(eta, lam, mu)
    proof.step("the library's growth_roots are the roots of p, and their product is lam (Vieta's formulas)",
               sp.Tuple(sp.Subs(p, z, r1), sp.Subs(p, z, r2), r1 * r2), sp.Tuple(0, 0, lam),
               shows=r"(z_1, z_2) = \texttt{growth\_roots}(\eta, \lambda, \mu):\ p(z_1) = p(z_2) = 0,\ "
                     r"z_1 z_2 = \lambda")
    return proof


def prove_second_moment() -> Proof:
    """Induction on symbolic ``t``: the closed form equals ``η² s² Σ_{n≤t} S_n²``; SGD and λ = 1 branches."""
    proof = Proof(r"\mathbb{E}\,y_t^2 = \eta^2 s^2\sum_{n=1}^{t} S_n^2 = \frac{\eta^2 s^2}{(z_1-z_2)^2}"
                  r"\left[z_1^2 G(z_1^2,t) - 2\lambda G(\lambda,t) + z_2^2 G(z_2^2,t)\right]",
                  assumptions="y_t = -eta sum_k S_{t-k+1} xi_k (prove_noisy_recursion), xi_k independent, "
                              "mean 0, variance s2: cross terms vanish, E y_t^2 = eta^2 s2 sum_n S_n^2")
    z1, z2 = sp.symbols("z1 z2", positive=True)
    S = lambda k: (z1**k - z2**k) / (z1 - z2)  # noqa: E731
    G = lambda x, k: geometric_sum_branches(x, k)[1]  # noqa: E731
    closed = lambda k, l1, l2: eta**2 * s2 / (l1 - l2) ** 2 * (  # noqa: E731
        l1**2 * G(l1**2, k) - 2 * l1 * l2 * G(l1 * l2, k) + l2**2 * G(l2**2, k))
    V = lambda k: closed(k, z1, z2)  # noqa: E731
    proof.step("base case t = 0: the closed form is 0 = E y_0^2 (y_0 = 0)", sp.Subs(V(t), t, 0), 0,
               shows=r"V_0 = \frac{\eta^2 s^2}{(z_1-z_2)^2}\left[z_1^2 G(z_1^2,0) - 2\lambda G(\lambda,0)"
                     r" + z_2^2 G(z_2^2,0)\right] = 0 = \mathbb{E}\,y_0^2")
    inc, term = V(t + 1) - V(t), eta**2 * s2 * S(t + 1) ** 2
    proof.step("induction step: the closed form grows by eta^2 s2 S_{t+1}^2, the new term of the sum "
               "(lam = z1 z2 != 1)", inc, term,
               verified=sp.expand(sp.simplify(inc - term), power_exp=True) == 0,
               shows=r"V_{t+1} - V_t = \eta^2 s^2 S_{t+1}^2 = \eta^2 s^2 \left(\frac{z_1^{t+1} - z_2^{t+1}}"
                     r"{z_1 - z_2}\right)^2")
    G1 = lambda k: geometric_sum_branches(1, k)[0]  # noqa: E731
    V1 = lambda k: eta**2 * s2 / (z1 - 1 / z1) ** 2 * (z1**2 * G(z1**2, k) - 2 * G1(k) + z1**-2 * G(z1**-2, k))  # noqa: E731
    inc1, term1 = V1(t + 1) - V1(t), eta**2 * s2 * ((z1 ** (t + 1) - z1 ** (-t - 1)) / (z1 - 1 / z1)) ** 2
    proof.step("induction step, lam = 1 branch (z2 = 1/z1, G(1, t) = t)", inc1, term1,
               verified=sp.simplify(inc1 - term1) == 0,
               shows=r"\lambda = 1:\ V_{t+1} - V_t = \eta^2 s^2 \left(\frac{z_1^{t+1} - z_1^{-t-1}}{z_1 - z_1^{-1}}\right)^2")
    api = second_moment(t, eta, lam, s2, mu)
    generic = api.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])
    r1, r2 = growth_roots(eta, lam, mu)
    proof.step("the library function equals the derived closed form at z1, z2 = growth_roots (lam != 1 branch)",
               generic, closed(t, r1, r2),
               shows=r"\texttt{second\_moment}(t, \eta, \lambda, s^2, \mu) = V_t\big|_{(z_1, z_2) = "
                     r"\texttt{growth\_roots}(\eta, \lambda, \mu)}\quad (\lambda \ne 1)")
    proof.step("SGD (lam = 0, z1 = 1 + eta mu, z2 = 0): the closed form equals sgd_second_moment",
               closed(t, 1 + eta * mu, sp.Integer(0)), sgd_second_moment(),
               shows=r"V_t\big|_{z_1 = 1+\eta\mu,\ z_2 = 0} = \texttt{sgd\_second\_moment}(t, \eta, s^2, \mu)"
                     r" = \frac{\eta s^2((1+\eta\mu)^{2t} - 1)}{\mu(2+\eta\mu)}")
    proof.check("second_moment(12, ...) at lam = 0, lam -> 1, lam = 1, small and large eta mu", float_branch_agrees(
        lambda a, b, c, d: second_moment(12, a, b, c, d), (eta, lam, s2, mu),
        [(0.1, 0.0, 1.0, 1.0), (0.1, 0.9, 2.0, 1.0), (0.01, 0.999, 1.0, 0.5), (0.05, 1.0, 1.0, 1.0),
         (0.5, 0.5, 0.3, 2.0), (1e-3, 0.99, 1.0, 1.0)], symbolic=second_moment(t, eta, lam, s2, mu).subs(t, 12)),
        shows=r"\texttt{second\_moment}(12, \eta, \lambda, s^2, \mu)\ \text{in floats} \approx "
              r"\texttt{second\_moment}(12, \eta, \lambda, s^2, \mu)\ \text{in SymPy}\ (\text{relative } 10^{-9})")
    return proof


def prove_escape_law() -> Proof:
    """``z₁^{−2t} E y_t² → σ_Z²``; leading-order escape time and its dependence on ``B`` (C3)."""
    proof = Proof(r"\tau_r \approx \frac{\log(r/\sigma_Z)}{\log z_1},\ \sigma_Z^2 = \frac{\eta^2 s^2 z_1^2}"
                  r"{(z_1-z_2)^2(z_1^2-1)},\ s^2 = \frac{N-B}{(N-1)B}\mathrm{var}(a)",
                  assumptions="z1 > 1 > z2 >= 0 (prove_noisy_recursion); y_t ~ z1^t Z as t -> oo")
    z1, z2 = sp.symbols("z1 z2", positive=True)
    G = lambda x, k: geometric_sum_branches(x, k)[1]  # noqa: E731
    V = eta**2 * s2 / (z1 - z2) ** 2 * (z1**2 * G(z1**2, t) - 2 * z1 * z2 * G(z1 * z2, t) + z2**2 * G(z2**2, t))
    sz2 = eta**2 * s2 * z1**2 / ((z1 - z2) ** 2 * (z1**2 - 1))
    pre = eta**2 * s2 / (z1 - z2) ** 2
    c1, c2 = -2 * pre * z1 * z2 / (z1 * z2 - 1), pre * z2**2 / (z2**2 - 1)
    c3 = -pre * (z1**2 / (z1**2 - 1) - 2 * z1 * z2 / (z1 * z2 - 1) + z2**2 / (z2**2 - 1))
    proof.step("geometric sums expanded: V_t = sigma_Z^2 z1^{2t} + c1 (z1 z2)^t + c2 z2^{2t} + c3; dividing by "
               "z1^{2t}, the rest c1 (z2/z1)^t + c2 (z2/z1)^{2t} + c3 z1^{-2t} -> 0 (0 <= z2/z1 < 1 < z1)",
               V, sz2 * z1 ** (2 * t) + c1 * (z1 * z2) ** t + c2 * z2 ** (2 * t) + c3,
               shows=r"V_t = \sigma_Z^2 z_1^{2t} + c_1 (z_1 z_2)^t + c_2 z_2^{2t} + c_3,\quad "
                     r"\sigma_Z^2 = \frac{\eta^2 s^2 z_1^2}{(z_1-z_2)^2(z_1^2-1)}")
    sgd = sz2.subs(z2, 0).subs(z1, 1 + eta * mu)
    proof.step("SGD: sigma_Z^2 at z1 = 1 + eta mu, z2 = 0", sgd, eta * s2 / (mu * (2 + eta * mu)),
               shows=r"\sigma_Z^2\big|_{z_1 = 1+\eta\mu,\ z_2 = 0} = \frac{\eta s^2}{\mu(2+\eta\mu)}")
    proof.step("the library function amplitude_variance is sigma_Z^2 at the library's growth_roots",
               amplitude_variance(eta, lam, s2, mu), sp.Subs(sz2, (z1, z2), growth_roots(eta, lam, mu)),
               shows=r"\texttt{amplitude\_variance}(\eta, \lambda, s^2, \mu) = \sigma_Z^2\big|_{(z_1, z_2) = "
                     r"\texttt{growth\_roots}(\eta, \lambda, \mu)}")
    r, sig, N, B = sp.symbols("r sigma N B", positive=True)
    c_NB = batch_variance_factor(N, B).args[-1][0]  # N > 1 branch: (N - B)/((N - 1)B)
    steps = sp.Symbol("tau_r", real=True)
    tau_B = sp.solve(sp.Eq((1 + eta * mu) ** steps * sp.sqrt(sgd.subs(s2, c_NB * sig**2)), r), steps)[0]
    d = sp.diff(sp.expand_log(tau_B, force=True), B)
    want = N / (2 * B * (N - B) * sp.log(1 + eta * mu))
    proof.step("SGD, differentiating tau_B (the solution of z1^tau sigma_Z = r, s^2 = c(N, B) sigma^2) in B: "
               "positive, so larger batches escape later, never at B = N", d, want,
               shows=r"\frac{\partial \tau_B}{\partial B} = \frac{N}{2B(N - B)\log(1+\eta\mu)} > 0,\quad "
                     r"(1+\eta\mu)^{\tau_B}\sigma_Z = r,\ s^2 = \frac{N-B}{(N-1)B}\sigma^2")
    proof.step("the library function escape_time_leading (SGD, s^2 = c(N, B) sigma^2) is the solution tau_B "
               "of z1^tau sigma_Z = r", escape_time_leading(r, eta, 0, c_NB * sig**2, mu), tau_B,
               shows=r"\texttt{escape\_time\_leading}(r, \eta, 0, c(N, B)\sigma^2, \mu) = \tau_B,\quad "
                     r"(1+\eta\mu)^{\tau_B}\sigma_Z = r")
    general = escape_time_leading(r, eta, lam, s2, mu)
    proof.check("escape_time_leading at lam = 0, lam -> 1, small and large eta mu", float_branch_agrees(
        escape_time_leading, (r, eta, lam, s2, mu), [(1.0, 0.1, 0.0, 1e-4, 1.0), (0.5, 0.01, 0.9, 1e-6, 2.0),
                                                     (2.0, 0.5, 0.5, 0.01, 1.0), (1.0, 0.05, 0.99, 1e-8, 0.5)],
        symbolic=general),
        shows=r"\texttt{escape\_time\_leading}(r, \eta, \lambda, s^2, \mu)\ \text{in floats} \approx "
              r"\frac{\log(r/\sigma_Z)}{\log z_1}\ \text{in SymPy}\ (\text{relative } 10^{-9})")
    return proof
