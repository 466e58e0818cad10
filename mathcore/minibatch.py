"""Mini-batch noise of least squares: multiplicative noise, exact iterate moments, noise scale (C3, C5).

Data ``X`` (N×d), ``y`` (N,): ``ℓ_i(θ) = ½ r_i²`` with residual ``r_i = x_iᵀθ − y_i``,
``L = (1/N) Σ ℓ_i``, ``∇L(θ) = Hθ − b`` with ``H = XᵀX/N``, ``b = Xᵀy/N``.  Every step draws a
FRESH batch (independent of the past): a uniform ``B``-subset, or ``B`` i.i.d. indices (``replace``).

Augmented notation: ``x̃_i = (x_i, −y_i)``, ``θ̃ = (θ, 1)``, so ``r_i = x̃_iᵀθ̃`` and
``∇L = H̃θ̃`` with ``H̃ = Xᵀ X̃ / N = [H, −b]``.

Gradient noise (multiplicative: quadratic in θ)::

    Cov[∇L_B(θ)] = c·Σ(θ),   c = (N − B)/((N − 1)B)  (subset; 0 at B = N and N = 1)  or  1/B
    Σ(θ) = (1/N) Σ_i r_i² x_i x_iᵀ − ∇L ∇Lᵀ = (1/N) Σ_i x_i (x̃_iᵀ θ̃θ̃ᵀ x̃_i) x_iᵀ − H̃ θ̃θ̃ᵀ H̃ᵀ
    E[Σ(θ)] = (1/N) Σ_i (x̃_iᵀ S̃ x̃_i) x_i x_iᵀ − H̃ S̃ H̃ᵀ,   S̃ = E[θ̃θ̃ᵀ] = [[P + μμᵀ, μ], [μᵀ, 1]]
            = M4:(P + μμᵀ) − 2 M3·μ + M2y − H(P + μμᵀ)H + Hμbᵀ + bμᵀH − bbᵀ

for random ``θ`` with mean ``μ`` and covariance ``P``, where ``M4_pqab = (1/N) Σ x_ip x_iq x_ia x_ib``,
``M3_pqa = (1/N) Σ y_i x_ip x_iq x_ia``, ``M2y_pq = (1/N) Σ y_i² x_ip x_iq``.

Iterate moments (seed convention ``m_t = λ m_{t−1} − η g_t``, ``θ_t = θ_{t−1} + m_t``, ``g_t`` the
batch gradient at ``θ_{t−1}``; SGD is ``λ = 0``).  Joint state ``z = (θ, m)``::

    z_t = F z_{t−1} + u − η E ξ_t,   F = [[I − ηH, λI], [−ηH, λI]],  u = η(b, b),  E = [I; I]
    E[ξ_t | past] = 0,   E[ξ_t ξ_tᵀ | past] = c Σ(θ_{t−1})
    ν_t = F ν_{t−1} + u
    Z_t = F Z_{t−1} Fᵀ + F ν_{t−1} uᵀ + u ν_{t−1}ᵀ Fᵀ + u uᵀ + η² c E E[Σ(θ_{t−1})] Eᵀ

(``Z = E[zzᵀ]``; ``E[Σ(θ_{t−1})]`` from the θ-blocks of ``ν``, ``Z``).  For SGD the θ-block closes:
``μ_t = (I − ηH)μ_{t−1} + ηb`` and ``S_t = A S A ᵀ + ηAμbᵀ + ηbμᵀAᵀ + η²bbᵀ + η² c E[Σ(θ_{t−1})]``, ``A = I − ηH``.

Stationary covariance (``H`` positive definite, ``θ* = H⁻¹b``, ``w = z − (θ*, 0)``)::

    C = F C Fᵀ + η² c E (Σ(θ*) + M4:C_θθ − H C_θθ H) Eᵀ        (exact, multiplicative)
    C = F C Fᵀ + η² c E Σ(θ*) Eᵀ                                   (additive model: noise frozen at θ*)

Stability: the second-moment map ``𝒯(C) = F C Fᵀ + η² c E (M4:C_θθ − H C_θθ H) Eᵀ`` must have spectral
radius < 1.  It is a positive map with ``𝒯 ≥ F⊗F``, so ``ρ(𝒯) ≥ ρ(F)²``: stricter than the
deterministic region.  In 1-D (``h = mean x²``, ``κ = mean x⁴ − h²``, ``A = Σ(θ*)``,
``V₀ = (1+λ)/(ηh(1−λ)(2(1+λ) − ηh))``)::

    Var_∞ = η² c A V₀ / (1 − η² c κ V₀)      additive: η c A (1+λ)/(h(1−λ)(2(1+λ) − ηh)) = η² c A V₀
    relative error of the additive model = (exact − additive)/exact = η² c κ V₀
    stable  ⇔  η c κ (1+λ) < h (1−λ)(2(1+λ) − ηh);   SGD: (1 − ηh)² + η² c κ < 1 ⇔ η < 2h/(h² + cκ)

McCandlish et al. (2018), exact here because L is quadratic, with ``G = ∇L(θ)``::

    E[L(θ − εg)] = L − ε|G|² + ½ε²(GᵀHG + c tr(HΣ)),   E[ggᵀ] = GGᵀ + cΣ
    ε_opt = ε_max/(1 + c B_noise),  ΔL_opt = ΔL_max/(1 + c B_noise),  ε_max = |G|²/GᵀHG,
    ΔL_max = |G|⁴/(2 GᵀHG),  B_noise = tr(HΣ)/GᵀHG,  B_simple = tr Σ/|G|²   (c = 1/B: 1 + B_noise/B)

Epoch reshuffling: two different batches of one epoch (slices of one uniform permutation) have
``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N − 1)`` (any sizes), so the fresh-batch recursion above is only an
approximation for epoch-based loaders; at fixed θ the sum of one epoch's batch gradients has zero
noise when ``B`` divides ``N`` (``K c Σ − K(K−1) Σ/(N−1) = 0``, ``K = N/B``).

Exact arithmetic: when any input is a ``Fraction`` or SymPy ``Rational``, data, moments and
results are object arrays of ``Fraction`` (exact); otherwise float64.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optproof.mathcore.batching import (_centring_steps, batch_size, batch_variance_factor, n_examples,
                               prove_gradient_covariance, prove_unbiased)
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_array, check_choice, check_int, check_real, is_symbolic

__all__ = [
    "IterateMoments", "per_example_gradient_covariance", "gradient_noise_covariance",
    "expected_gradient_covariance", "minibatch_moments", "minibatch_joint_moments",
    "second_moment_spectral_radius", "stationary_covariance", "additive_model_error",
    "stationary_variance_1d", "gradient_noise_scale", "critical_batch_size", "optimal_step",
    "within_epoch_batch_covariance",
    "prove_multiplicative_noise", "prove_moment_recursions", "prove_stationary_variance_1d",
    "prove_optimal_step", "prove_within_epoch_covariance",
]


class IterateMoments(NamedTuple):
    """Means ``(T+1, d)`` and covariances ``(T+1, d, d)`` of ``θ_0..θ_T``."""

    mean: np.ndarray
    cov: np.ndarray


# =========================================================================== inputs
def _is_rational(v: Any) -> bool:
    return isinstance(v, (Fraction, sp.Rational))


def _any_rational(*items: Any) -> bool:
    """True when some scalar or array entry is a ``Fraction`` or SymPy ``Rational`` (exact mode)."""
    return any(_is_rational(v) for item in items if item is not None
               for v in np.asarray(item, dtype=object).ravel())


def _fraction(v: Any) -> Fraction:
    if isinstance(v, sp.Rational):
        return Fraction(int(v.p), int(v.q))
    return Fraction(int(v)) if isinstance(v, (int, np.integer)) else Fraction(v)


def _array(name: str, a: Any, shape: tuple[int | None, ...], exact: bool) -> np.ndarray:
    """Checked float64 array, or the same entries as exact ``Fraction``s in an object array."""
    arr = check_array(name, a, shape=shape)
    if not exact:
        return arr
    return np.array([_fraction(v) for v in np.asarray(a, dtype=object).ravel()], dtype=object).reshape(arr.shape)


def _scalar(name: str, v: Any, exact: bool, lo: float, hi: float | None = None, **kw: bool):
    checked = check_real(name, v, lo, hi, **kw)
    return _fraction(v) if exact else checked


class _Data(NamedTuple):
    X: np.ndarray       # (N, d)
    Xa: np.ndarray      # (N, d+1): rows x̃_i = (x_i, −y_i)
    H: np.ndarray       # XᵀX/N
    b: np.ndarray       # Xᵀy/N
    Ha: np.ndarray      # H̃ = XᵀX̃/N = [H, −b]
    exact: bool


def _data(X: Any, y: Any, exact: bool) -> _Data:
    Xc = _array("X", X, (None, None), exact)
    if Xc.shape[0] < 1 or Xc.shape[1] < 1:
        raise ValueError(f"X must have at least one row and one column; got shape {Xc.shape}")
    yc = _array("y", y, (Xc.shape[0],), exact)
    N = Xc.shape[0]
    Xa = np.concatenate([Xc, -yc[:, None]], axis=1)
    Ha = Xc.T @ Xa / N
    return _Data(Xc, Xa, Ha[:, :-1], -Ha[:, -1], Ha, exact)


def _theta(name: str, theta: Any, data: _Data) -> np.ndarray:
    return _array(name, theta, (data.X.shape[1],), data.exact)


def _factor(N: int, B: Any, replace: bool, exact: bool):
    c = batch_variance_factor(N, B, replace)  # checks B (1..N without replacement) and replace
    return c if exact else float(c)


def _as_output(a: np.ndarray, exact: bool) -> np.ndarray:
    """Exact results as ``Fraction`` entries (ints from ``0 + 0`` included)."""
    if not exact:
        return a
    return np.array([Fraction(v) for v in a.ravel()], dtype=object).reshape(a.shape)


# =========================================================================== noise covariance
def _sigma_at(data: _Data, theta: np.ndarray) -> np.ndarray:
    """``Σ(θ) = (1/N) Σ_i r_i² x_i x_iᵀ − ḡḡᵀ`` (the per-example gradient covariance)."""
    r = data.X @ theta + data.Xa[:, -1]  # x_iᵀθ − y_i
    grad = data.H @ theta - data.b
    return (data.X.T * r**2) @ data.X / data.X.shape[0] - np.outer(grad, grad)


def per_example_gradient_covariance(X: Any, y: Any, theta: Any) -> np.ndarray:
    """``Σ(θ) = (1/N) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ = (1/N) Σ_i r_i² x_i x_iᵀ − ḡḡᵀ``, ``g_i = x_i r_i`` (C5)."""
    data = _data(X, y, _any_rational(X, y, theta))
    return _as_output(_sigma_at(data, _theta("theta", theta, data)), data.exact)


def gradient_noise_covariance(X: Any, y: Any, theta: Any, B: int, replace: bool = False) -> np.ndarray:
    """``Cov[∇L_B(θ)] = c(N, B) Σ(θ)``, ``c = (N−B)/((N−1)B)`` or ``1/B``; quadratic in θ (C3, C5).

    ``B = N`` without replacement and ``N = 1`` give the zero matrix (no noise).
    """
    data = _data(X, y, _any_rational(X, y, theta))
    theta = _theta("theta", theta, data)
    c = _factor(data.X.shape[0], B, replace, data.exact)
    return _as_output(c * _sigma_at(data, theta), data.exact)


def _augmented_second_moment(mean: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``S̃ = E[θ̃θ̃ᵀ] = [[E θθᵀ, μ], [μᵀ, 1]]``."""
    d = mean.shape[0]
    out = np.empty((d + 1, d + 1), dtype=second.dtype)
    out[:d, :d], out[:d, d], out[d, :d], out[d, d] = second, mean, mean, 1
    return out


def _expected_sigma(data: _Data, mean: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``E[Σ(θ)] = (1/N) Σ_i (x̃_iᵀ S̃ x̃_i) x_i x_iᵀ − H̃ S̃ H̃ᵀ`` from ``μ`` and ``E[θθᵀ]``."""
    S = _augmented_second_moment(mean, second)
    quad = ((data.Xa @ S) * data.Xa).sum(axis=1)
    return (data.X.T * quad) @ data.X / data.X.shape[0] - data.Ha @ S @ data.Ha.T


def expected_gradient_covariance(X: Any, y: Any, mean: Any, cov: Any) -> np.ndarray:
    """``E[Σ(θ)]`` for random θ with mean ``μ`` and covariance ``P`` (exact: Σ is quadratic in θ) (C3).

    ``= M4:(P + μμᵀ) − 2 M3·μ + M2y − H(P + μμᵀ)H + Hμbᵀ + bμᵀH − bbᵀ`` (module docstring).
    """
    data = _data(X, y, _any_rational(X, y, mean, cov))
    d = data.X.shape[1]
    mu = _theta("mean", mean, data)
    P = _array("cov", cov, (d, d), data.exact)
    return _as_output(_expected_sigma(data, mu, P + np.outer(mu, mu)), data.exact)


# =========================================================================== moment recursions
def _transition(data: _Data, lr: Any, momentum: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``F = [[I − ηH, λI], [−ηH, λI]]``, ``u = η(b, b)``, ``E = [I; I]`` of the joint state (θ, m)."""
    d = data.X.shape[1]
    eye = np.eye(d, dtype=object if data.exact else float)
    F = np.block([[eye - lr * data.H, momentum * eye], [-lr * data.H, momentum * eye]])
    return F, np.concatenate([lr * data.b, lr * data.b]), np.vstack([eye, eye])


def _moment_step(data, F, u, E, noise, mean, second):
    """One exact step ``(ν, Z) → (Fν + u, FZFᵀ + Fνuᵀ + uνᵀFᵀ + uuᵀ + η²c E E[Σ(θ)] Eᵀ)``."""
    d = data.X.shape[1]
    Fm = F @ mean
    sigma = _expected_sigma(data, mean[:d], second[:d, :d])
    cross = np.outer(Fm, u)
    new_second = F @ second @ F.T + cross + cross.T + np.outer(u, u) + noise * (E @ sigma @ E.T)
    return Fm + u, new_second


def minibatch_joint_moments(X: Any, y: Any, lr: Any, momentum: Any, B: int, T: int, theta0: Any,
                            m0: Any = None, replace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Exact means ``(T+1, 2d)`` and covariances ``(T+1, 2d, 2d)`` of ``z_t = (θ_t, m_t)`` (C3, C5, C9).

    Fresh batch every step; recursion of the module docstring (``prove_moment_recursions``).
    ``θ_0``, ``m_0`` (default 0) are deterministic.  Fractions in, Fractions out (exact).
    """
    exact = _any_rational(X, y, lr, momentum, theta0, m0)
    data = _data(X, y, exact)
    lr = _scalar("lr", lr, exact, 0.0, lo_open=True)
    momentum = _scalar("momentum", momentum, exact, 0.0, 1.0)
    T = check_int("T", T, 0)
    c = _factor(data.X.shape[0], B, replace, exact)
    d = data.X.shape[1]
    state = np.concatenate([_theta("theta0", theta0, data),
                            _theta("m0", np.zeros(d, dtype=int) if m0 is None else m0, data)])
    F, u, E = _transition(data, lr, momentum)
    means = np.empty((T + 1, 2 * d), dtype=state.dtype)
    covs = np.empty((T + 1, 2 * d, 2 * d), dtype=state.dtype)
    mean, second = state, np.outer(state, state)
    for step in range(T + 1):
        means[step], covs[step] = mean, second - np.outer(mean, mean)
        if step < T:
            mean, second = _moment_step(data, F, u, E, lr * lr * c, mean, second)
    return _as_output(means, exact), _as_output(covs, exact)


def minibatch_moments(X: Any, y: Any, lr: Any, momentum: Any, B: int, T: int, theta0: Any,
                      m0: Any = None, replace: bool = False) -> IterateMoments:
    """Exact ``E[θ_t]`` ``(T+1, d)`` and ``Cov[θ_t]`` ``(T+1, d, d)`` under mini-batch SGD / heavy ball.

    SGD (``momentum = 0``): ``E[θ_t] = (I − ηH)E[θ_{t−1}] + ηb``, second moment with the
    multiplicative term ``η² c E[Σ(θ_{t−1})]``; heavy ball via the joint state (C3, C5, C9).
    """
    means, covs = minibatch_joint_moments(X, y, lr, momentum, B, T, theta0, m0, replace)
    d = means.shape[1] // 2
    return IterateMoments(means[:, :d].copy(), covs[:, :d, :d].copy())


# =========================================================================== stationary covariance
def _stationary_parts(X, y, lr, momentum, B, replace):
    """Validated float data, ``θ*``, ``F``, ``E`` and the noise scale ``η² c``."""
    data = _data(X, y, False)
    lr = check_real("lr", lr, 0.0, lo_open=True)
    momentum = check_real("momentum", momentum, 0.0, 1.0, hi_open=True)
    c = _factor(data.X.shape[0], B, replace, False)
    if np.linalg.eigvalsh(data.H)[0] <= 1e-12 * max(1.0, np.abs(data.H).max()):
        raise ValueError("X must have full column rank (H = XᵀX/N positive definite) for a stationary law")
    theta_star = np.linalg.solve(data.H, data.b)
    F, _, E = _transition(data, lr, momentum)
    return data, theta_star, F, E, lr * lr * c


def _second_moment_operator(data: _Data, F: np.ndarray, E: np.ndarray, noise: float,
                            multiplicative: bool) -> np.ndarray:
    """Matrix of ``vec C ↦ vec(F C Fᵀ + η²c E (M4:C_θθ − H C_θθ H) Eᵀ)`` (row-major vec, C symmetrised)."""
    d, n = data.X.shape[1], F.shape[0]
    op = np.kron(F, F)
    if not multiplicative or noise == 0.0:
        return op
    W = np.einsum("ip,iq->ipq", data.X, data.X).reshape(data.X.shape[0], d * d)
    block = W.T @ W / data.X.shape[0] - np.kron(data.H, data.H)       # vec P ↦ vec(M4:P − HPH)
    select = np.eye(n)[:d]                                             # C ↦ C_θθ = select C selectᵀ
    swap = np.eye(d * d)[(np.arange(d * d) % d) * d + np.arange(d * d) // d]
    sym = (np.eye(d * d) + swap) / 2
    return op + noise * np.kron(E, E) @ block @ sym @ np.kron(select, select)


def second_moment_spectral_radius(X: Any, y: Any, lr: float, momentum: float, B: int,
                                  replace: bool = False) -> float:
    """``ρ(𝒯)`` of the second-moment map; the moments converge iff it is < 1 (≥ ρ(F)², stricter) (C3)."""
    data, _, F, E, noise = _stationary_parts(X, y, lr, momentum, B, replace)
    return float(np.abs(np.linalg.eigvals(_second_moment_operator(data, F, E, noise, True))).max())


def _solve_stationary(X, y, lr, momentum, B, replace, multiplicative: bool) -> np.ndarray:
    data, theta_star, F, E, noise = _stationary_parts(X, y, lr, momentum, B, replace)
    n = F.shape[0]
    op = _second_moment_operator(data, F, E, noise, multiplicative)
    radius = np.abs(np.linalg.eigvals(op)).max()
    if radius >= 1.0:
        raise ValueError(f"lr must keep the {'second-moment' if multiplicative else 'mean'} recursion "
                         f"contractive (spectral radius < 1); got spectral radius {radius:.6g}")
    source = noise * (E @ _sigma_at(data, theta_star) @ E.T)
    cov = np.linalg.solve(np.eye(n * n) - op, source.ravel()).reshape(n, n)
    return (cov + cov.T) / 2


def stationary_covariance(X: Any, y: Any, lr: float, momentum: float, B: int, replace: bool = False,
                          additive: bool = False, joint: bool = False) -> np.ndarray:
    """Exact stationary ``Cov[θ]`` (``joint``: of ``(θ, m)``) with multiplicative mini-batch noise (C3).

    Solves ``C = F C Fᵀ + η²c E (Σ(θ*) + M4:C_θθ − H C_θθ H) Eᵀ`` by vectorisation; ``additive``
    freezes the noise at ``Σ(θ*)``.  ValueError naming ``lr`` when ``ρ(𝒯) ≥ 1`` (no stationary law).
    """
    check_choice("additive", additive, (False, True))
    check_choice("joint", joint, (False, True))
    cov = _solve_stationary(X, y, lr, momentum, B, replace, not additive)
    return cov if joint else cov[: cov.shape[0] // 2, : cov.shape[0] // 2].copy()


def additive_model_error(X: Any, y: Any, lr: float, momentum: float, B: int,
                         replace: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """``(exact Cov_∞[θ], additive prediction, ‖exact − additive‖_F/‖exact‖_F)`` (C3).

    The additive model freezes the noise covariance at ``Σ(θ*)``; it always underestimates.
    In 1-D the relative error is exactly ``η² c κ V₀`` (``prove_stationary_variance_1d``); 0/0 → 0.
    """
    exact = stationary_covariance(X, y, lr, momentum, B, replace)
    add = stationary_covariance(X, y, lr, momentum, B, replace, additive=True)
    scale = np.linalg.norm(exact)
    return exact, add, float(np.linalg.norm(exact - add) / scale) if scale > 0 else 0.0


def _v0(h, lr, momentum):
    """``V₀ = (1+λ)/(ηh(1−λ)(2(1+λ) − ηh))``: stationary Var θ per unit state-noise variance (1-D)."""
    return (1 + momentum) / (lr * h * (1 - momentum) * (2 * (1 + momentum) - lr * h))


def stationary_variance_1d(h: Any, kappa: Any, sigma_star: Any, lr: Any, momentum: Any, factor: Any):
    """``Var_∞ = η² c A V₀/(1 − η² c κ V₀)`` for scalar data (C3, C9); ``κ = 0`` is the additive model.

    ``h = mean x_i²``, ``kappa = mean x_i⁴ − h²``, ``sigma_star = A = Σ(θ*)``, ``factor = c``.
    SymPy for symbolic arguments; numbers must satisfy ``η c κ(1+λ) < h(1−λ)(2(1+λ) − ηh)``.
    """
    h = check_real("h", h, 0.0, lo_open=True, allow_symbolic=True)
    kappa = check_real("kappa", kappa, 0.0, allow_symbolic=True)
    A = check_real("sigma_star", sigma_star, 0.0, allow_symbolic=True)
    lr = check_real("lr", lr, 0.0, lo_open=True, allow_symbolic=True)
    lam = check_real("momentum", momentum, 0.0, 1.0, hi_open=True, allow_symbolic=True)
    c = check_real("factor", factor, 0.0, allow_symbolic=True)
    if any(is_symbolic(v) for v in (h, kappa, A, lr, lam, c)):
        v0 = _v0(h, lr, lam)
        return lr**2 * c * A * v0 / (1 - lr**2 * c * kappa * v0)
    if not lr * h < 2 * (1 + lam) or lr * c * kappa * (1 + lam) >= h * (1 - lam) * (2 * (1 + lam) - lr * h):
        raise ValueError(f"lr must satisfy lr*c*kappa*(1+lam) < h(1-lam)(2(1+lam) - lr*h) (stable second "
                         f"moments); got lr={lr}")
    v0 = _v0(h, lr, lam)
    return lr**2 * c * A * v0 / (1 - lr**2 * c * kappa * v0)


# =========================================================================== McCandlish et al. (2018)
def _gradient_terms(X: Any, y: Any, theta: Any):
    """``(data, G, Σ(θ), |G|², GᵀHG, tr Σ, tr HΣ)`` exact or float."""
    data = _data(X, y, _any_rational(X, y, theta))
    theta = _theta("theta", theta, data)
    G = data.H @ theta - data.b
    sigma = _sigma_at(data, theta)
    kind = Fraction if data.exact else float
    terms = (G @ G, G @ data.H @ G, np.trace(sigma), np.trace(data.H @ sigma))
    return (data, G, sigma, *(kind(v) for v in terms))


def _ratio(num, den):
    """``num/den`` with ``x/0 = inf`` (``x > 0``) and ``0/0 = nan``: G = 0 makes every batch 'small'."""
    if den != 0:
        return num / den
    return math.inf if num > 0 else math.nan


def gradient_noise_scale(X: Any, y: Any, theta: Any):
    """``B_simple = tr Σ(θ)/|G|²``, ``G = ∇L(θ)`` (McCandlish et al. 2018); inf at ``G = 0`` (C3, C5)."""
    *_, gg, _, tr_sigma, _ = _gradient_terms(X, y, theta)
    return _ratio(tr_sigma, gg)


def critical_batch_size(X: Any, y: Any, theta: Any):
    """``B_noise = tr(HΣ)/(GᵀHG)`` (McCandlish et al. 2018); inf at ``G = 0`` (C3, C5).

    ``G ∈ range(H)``, so ``GᵀHG > 0`` whenever ``G ≠ 0``.
    """
    *_, ghg, _, tr_h_sigma = _gradient_terms(X, y, theta)
    return _ratio(tr_h_sigma, ghg)


def optimal_step(X: Any, y: Any, theta: Any, B: int, replace: bool = False) -> tuple[Any, Any]:
    """``(ε_opt, ΔL_opt) = (|G|², |G|⁴/2)/(GᵀHG + c tr HΣ)`` = ``(ε_max, ΔL_max)/(1 + c B_noise)`` (C3).

    ``c = 1/B`` (McCandlish: ``1 + B_noise/B``) or the finite-population ``(N−B)/((N−1)B)``.
    Exact for least squares (L is quadratic).  ``G = 0`` gives ``(0, 0)``.
    """
    data, _, _, gg, ghg, _, tr_h_sigma = _gradient_terms(X, y, theta)
    c = _factor(data.X.shape[0], B, replace, data.exact)
    curvature = ghg + c * tr_h_sigma
    if curvature == 0:
        return (Fraction(0), Fraction(0)) if data.exact else (0.0, 0.0)
    return gg / curvature, gg * gg / (2 * curvature)


# =========================================================================== epoch reshuffling
def within_epoch_batch_covariance(N: Any, B: Any, Sigma: Any):
    """``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N − 1)`` for two batches ``j ≠ k`` of one reshuffled epoch (C1, C5).

    Holds for any batch sizes (independent of ``B``); needs two batches: ``N ≥ 2``, ``1 ≤ B ≤ N − 1``.
    SymPy for symbolic ``N``/``B`` or a SymPy ``Sigma``, else a float array.
    """
    N = check_int("N", N, 2, allow_symbolic=True)
    B = check_int("B", B, 1, None if is_symbolic(N) else N - 1, allow_symbolic=True)
    if is_symbolic(N) or is_symbolic(B) or isinstance(Sigma, (sp.MatrixBase, sp.Basic)):
        return -sp.sympify(Sigma) / (sp.sympify(N) - 1)
    cov = check_array("Sigma", Sigma, ndim=2)
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T):
        raise ValueError(f"Sigma must be a square symmetric matrix; got shape {cov.shape}")
    return -cov / (N - 1)


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
def prove_multiplicative_noise(replace: bool = False) -> Proof:
    """``Cov[∇L_B(θ)] = c Σ(θ)`` with ``Σ`` quadratic in ``θ̃``; ``E[Σ(θ)]`` through ``S̃`` (C3, C5)."""
    check_choice("replace", replace, (False, True))
    N = n_examples
    i = sp.Symbol("i", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    x, th, mu = (sp.MatrixSymbol(s, _n, 1) for s in ("x", "theta", "mu"))
    xt, tht = sp.MatrixSymbol("xtilde", _n + 1, 1), sp.MatrixSymbol("thetatilde", _n + 1, 1)
    St, Pt, Qt = (sp.MatrixSymbol(s, _n + 1, _n + 1) for s in ("Stilde", "Ptilde", "Qtilde"))
    Ht = sp.MatrixSymbol("Htilde", _n, _n + 1)
    proof = Proof(r"\mathrm{Cov}[\nabla L_B(\theta)] = c\,\Sigma(\theta),\ \mathbb{E}\Sigma(\theta) = "
                  r"\frac1N\sum_i x_i(\tilde x_i^\top \tilde S \tilde x_i)x_i^\top - \tilde H\tilde S\tilde H^\top",
                  assumptions="least squares, r_i = x_i^T theta - y_i = xtilde_i^T thetatilde; " +
                  ("B i.i.d. indices" if replace else "uniform B-subset"))
    base = prove_gradient_covariance(replace)
    proof.step("Cov of a batch mean of the vectors g_i(theta) is c Sigma(theta) (prove_gradient_covariance)",
               sp.Integer(int(base.holds)), 1, verified=base.holds)
    mean_a, mean_b = sp.symbols("abar bbar", real=True)
    means = {sp.Sum(a[i], (i, 1, N)): N * mean_a, sp.Sum(bb[i], (i, 1, N)): N * mean_b}
    centred = sp.Sum((a[i] - mean_a) * (bb[i] - mean_b), (i, 1, N)) / N
    shortcut = sp.Sum(a[i] * bb[i], (i, 1, N)) / N - mean_a * mean_b
    spread = (sp.Sum(a[i] * bb[i], (i, 1, N)) - mean_b * sp.Sum(a[i], (i, 1, N)) - mean_a * sp.Sum(bb[i], (i, 1, N))
              + N * mean_a * mean_b) / N
    proof.step("entrywise, linearity: (1/N) sum (a_i - abar)(b_i - bbar) splits into four sums", centred, spread,
               verified=sums_equal(centred, spread))
    proof.step("with sum a_i = N abar, sum b_i = N bbar: = (1/N) sum a_i b_i - abar bbar", spread, shortcut,
               verified=sums_equal(spread, shortcut, given=means))
    r = xt.T * tht
    proof.step("g_i g_i^T = x_i r_i^2 x_i^T = x_i (xtilde^T thetatilde thetatilde^T xtilde) x_i^T",
               x * r * r.T * x.T, x * xt.T * (tht * tht.T) * xt * x.T,
               verified=_matrix_equal(x * r * r.T * x.T, x * xt.T * (tht * tht.T) * xt * x.T))
    lin = lambda M: x * xt.T * M * xt * x.T - Ht * M * Ht.T  # noqa: E731  Σ as a map of θ̃θ̃ᵀ
    al, be = sp.symbols("alpha beta", real=True)
    proof.step("Sigma is linear in thetatilde thetatilde^T (a quadratic form in theta): expectation passes "
               "inside, E Sigma = f(Stilde)", lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt),
               verified=_matrix_equal(lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt)))
    y, b, H = sp.MatrixSymbol("y", 1, 1), sp.MatrixSymbol("b", _n, 1), sp.MatrixSymbol("H", _n, _n)
    Sm = sp.MatrixSymbol("S", _n, _n)
    Sblk = sp.BlockMatrix([[Sm, mu], [mu.T, sp.Identity(1)]])
    xblk = sp.BlockMatrix([[x], [-y]])
    quad = sp.block_collapse(xblk.T * Sblk * xblk)
    quad = quad.blocks[0, 0] if isinstance(quad, sp.BlockMatrix) else quad
    target = x.T * Sm * x - 2 * y.T * mu.T * x + y.T * y
    proof.step("xtilde^T Stilde xtilde = x^T S x - 2 y mu^T x + y^2 (gives M4:S - 2 M3.mu + M2y)",
               quad, target, verified=_matrix_equal(quad, target))
    hblk = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * Sblk * sp.BlockMatrix([[H.T], [-b.T]]))
    hblk = hblk.blocks[0, 0] if isinstance(hblk, sp.BlockMatrix) else hblk
    proof.step("Htilde Stilde Htilde^T = H S H^T - H mu b^T - b mu^T H^T + b b^T (Htilde = [H, -b])",
               hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T,
               verified=_matrix_equal(hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T))
    grad = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * sp.BlockMatrix([[th], [sp.Identity(1)]]))
    grad = grad.blocks[0, 0] if isinstance(grad, sp.BlockMatrix) else grad
    proof.step("nabla L = Htilde thetatilde = H theta - b", grad, H * th - b, verified=_matrix_equal(grad, H * th - b))
    return proof


def _recursion_steps(proof: Proof, label: str, z, drift, gain, u, xi, noise) -> None:
    """Mean and second-moment steps for ``z' = drift z + u − gain ξ`` with ``E[ξ|past] = 0``."""
    nu, Z = sp.MatrixSymbol("nu", *z.shape), sp.MatrixSymbol("Z", z.shape[0], z.shape[0])
    nxt = drift * z + u - _eta * gain * xi
    mean = _outer_expectation(_conditional_expectation(nxt, xi, noise), z, nu, Z)
    proof.step(f"{label}: E[z_t] = F nu + u (E[xi | past] = 0, tower property)", mean, drift * nu + u,
               verified=_matrix_equal(mean, drift * nu + u))
    second = _outer_expectation(_conditional_expectation(nxt * nxt.T, xi, noise), z, nu, Z)
    target = drift * Z * drift.T + drift * nu * u.T + u * nu.T * drift.T + u * u.T + _eta**2 * gain * noise * gain.T
    proof.step(f"{label}: E[z_t z_t^T] = F Z F^T + F nu u^T + u nu^T F^T + u u^T + eta^2 E (c Sigma) E^T "
               "(cross terms with one xi vanish; E[xi xi^T | past] = c Sigma(theta_{t-1}))",
               second, target, verified=_matrix_equal(second, target))


def prove_moment_recursions() -> Proof:
    """The conditional-mean-zero decomposition gives the exact mean / second-moment recursions (C3, C9)."""
    H, I = sp.MatrixSymbol("H", _n, _n), sp.Identity(_n)
    th, m, b, xi = (sp.MatrixSymbol(s, _n, 1) for s in ("theta", "m", "b", "xi"))
    proof = Proof(r"\nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top"
                  r" + \eta^2 c\,E\,\mathbb{E}[\Sigma(\theta_{t-1})]E^\top",
                  assumptions="g_t = nabla L(theta_{t-1}) + xi_t, fresh batch each step; symbolic eta, lam, c, dim n")
    for replace in (False, True):
        ok = prove_unbiased(replace).holds and prove_multiplicative_noise(replace).holds
        proof.step(f"replace={replace}: E[xi_t | past] = 0 (prove_unbiased), "
                   "E[xi xi^T | past] = c Sigma(theta_{t-1}) (prove_multiplicative_noise)",
                   sp.Integer(int(ok)), 1, verified=ok)
    F = sp.BlockMatrix([[I - _eta * H, _lam * I], [-_eta * H, _lam * I]])
    u, E = sp.BlockMatrix([[_eta * b], [_eta * b]]), sp.BlockMatrix([[I], [I]])
    step = sp.block_collapse(F * sp.BlockMatrix([[th], [m]]) + u - _eta * E * xi)
    m_new = _lam * m - _eta * (H * th - b + xi)
    proof.step("block form, velocity: m_t = lam m - eta (H theta - b + xi) (seed step, g = grad L + xi)",
               step.blocks[1, 0], m_new, verified=_matrix_equal(step.blocks[1, 0], m_new))
    proof.step("block form, position: theta_t = theta + m_t", step.blocks[0, 0], th + m_new,
               verified=_matrix_equal(step.blocks[0, 0], th + m_new))
    z = sp.MatrixSymbol("z", 2 * _n, 1)
    Fs, us, Es = sp.MatrixSymbol("F", 2 * _n, 2 * _n), sp.MatrixSymbol("u", 2 * _n, 1), sp.MatrixSymbol("E", 2 * _n, _n)
    _recursion_steps(proof, "heavy ball (joint state)", z, Fs, Es, us, xi, sp.MatrixSymbol("cSigma", _n, _n))
    A = sp.MatrixSymbol("A", _n, _n)
    _recursion_steps(proof, "SGD (lam = 0, A = I - eta H, u = eta b)", th, A, I, _eta * b, xi,
                     sp.MatrixSymbol("cSigma", _n, _n))
    return proof


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
    proof.step("solve C = F C F^T + eta^2 s^2 [[1,1],[1,1]] (3 linear equations): Var theta = eta^2 s^2 V0",
               sol[P], _eta**2 * s2 * v0)
    proof.step("the solution satisfies the Lyapunov equation", lyap.subs(sol), sp.zeros(2, 2),
               verified=all(equal(e, 0) for e in lyap.subs(sol)))
    mid = 2 * (1 + _lam) - _eta * h
    proof.step("additive model (s^2 = c A): eta^2 c A V0 = eta c A (1+lam)/(h(1-lam)(2(1+lam) - eta h))",
               _eta**2 * _c * A * v0, _eta * _c * A * (1 + _lam) / (h * (1 - _lam) * mid))
    exact = stationary_variance_1d(h, kappa, A, _eta, _lam, _c)
    fixed = _eta**2 * _c * (A + kappa * exact) * v0
    proof.step("multiplicative: s^2 = c E[Sigma(theta)] = c (A + kappa P) at mean 0; P = eta^2 c (A + kappa P) V0",
               exact, fixed, verified=_same_rational(exact, fixed))
    add = stationary_variance_1d(h, 0, A, _eta, _lam, _c)
    proof.step("relative error of the additive model: (exact - additive)/exact = eta^2 c kappa V0",
               (exact - add) / exact, _eta**2 * _c * kappa * v0,
               verified=_same_rational((exact - add) / exact, _eta**2 * _c * kappa * v0))
    proof.step("stability: 1 - eta^2 c kappa V0 > 0  <=>  eta c kappa (1+lam) < h (1-lam)(2(1+lam) - eta h)",
               (1 - _eta**2 * _c * kappa * v0) * h * (1 - _lam) * mid,
               h * (1 - _lam) * mid - _eta * _c * kappa * (1 + _lam))
    proof.step("SGD (lam = 0): 1 - (1 - eta h)^2 - eta^2 c kappa = eta (2h - eta (h^2 + c kappa))",
               1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa, _eta * (2 * h - _eta * (h**2 + _c * kappa)))
    proof.step("SGD (lam = 0): Var = eta^2 c A/(1 - (1 - eta h)^2 - eta^2 c kappa)",
               exact.subs(_lam, 0), _eta**2 * _c * A / (1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa))
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
    proof.step("E[g^T H g] = tr(H E[g g^T]) = G^T H G + c tr(H Sigma) (symbolic dimension d)", lhs, rhs,
               verified=sums_equal(lhs, rhs))
    W, th, g, y = (sp.MatrixSymbol("W", _n, _n), sp.MatrixSymbol("theta", _n, 1), sp.MatrixSymbol("g", _n, 1),
                   sp.MatrixSymbol("y", _n, 1))
    loss = lambda t: (W * t - y).T * (W * t - y) / 2  # noqa: E731  (H = W^T W, G = W^T(W theta - y))
    G = W.T * (W * th - y)
    taylor = loss(th - eps * g) - loss(th)
    proof.step("least squares is quadratic: L(theta - eps g) - L(theta) = -eps G^T g + eps^2/2 g^T H g exactly",
               taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g,
               verified=_matrix_equal(taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g))
    gain = eps * gg - eps**2 / 2 * (ghg + c * n_tr)
    e_opt = gg / (ghg + c * n_tr)
    proof.step("d/d eps E[Delta L] = 0 at eps_opt = |G|^2/(G^T H G + c tr H Sigma)",
               sp.diff(gain, eps).subs(eps, e_opt), 0)
    proof.step("second derivative -(G^T H G + c tr H Sigma) < 0: a maximum of the improvement",
               sp.diff(gain, eps, 2), -(ghg + c * n_tr))
    e_max, b_noise, dl_max = gg / ghg, n_tr / ghg, gg**2 / (2 * ghg)
    proof.step("eps_opt = eps_max/(1 + c B_noise), eps_max = |G|^2/G^T H G, B_noise = tr(H Sigma)/G^T H G",
               e_opt, e_max / (1 + c * b_noise))
    proof.step("Delta L_opt = Delta L_max/(1 + c B_noise), Delta L_max = |G|^4/(2 G^T H G)",
               gain.subs(eps, e_opt), dl_max / (1 + c * b_noise))
    factor = batch_variance_factor(N, B, replace)
    if replace:
        proof.step("with replacement c = 1/B: 1 + B_noise/B (McCandlish et al.)", 1 + factor * b_noise, 1 + b_noise / B)
    else:
        full = factor.subs(B, N)
        proof.step("finite population c(N, B): full batch B = N gives c = 0, eps_opt = eps_max",
                   (e_max / (1 + c * b_noise)).subs(c, full), e_max)
    h = sp.Symbol("h", positive=True)
    proof.step("H = h I: B_noise = h tr Sigma/(h |G|^2) = B_simple", (h * sp.Symbol("trSigma")) / (h * gg),
               sp.Symbol("trSigma") / gg)
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
    _centring_steps(proof, a)
    facts = {sp.Sum(a[i], (i, 1, N)): 0, sp.Sum(bb[i], (i, 1, N)): 0, sp.Sum(a[i] * bb[i], (i, 1, N)): N * s_pq}
    proof.step("positions s != t: (pi(s), pi(t)) is uniform on ordered distinct pairs, (N-2)!/N! = 1/(N(N-1))",
               sp.factorial(N - 2) / sp.factorial(N), 1 / (N * (N - 1)),
               verified=equal(sp.combsimp(sp.factorial(N - 2) / sp.factorial(N) * N * (N - 1)), 1))
    pairs = sp.Sum(sp.Sum(a[i] * bb[l], (l, 1, N)), (i, 1, N))
    proof.step("sum over all pairs factorises: sum_i sum_l a_i b_l = (sum a)(sum b) = 0", pairs, 0,
               verified=sums_equal(pairs, sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)))
               and sums_equal(sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)), 0, given=facts))
    distinct = sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)) - sp.Sum(a[i] * bb[i], (i, 1, N))
    proof.step("sum_{i != l} a_i b_l = 0 - N Sigma_pq", distinct, -N * s_pq,
               verified=sums_equal(distinct, -N * s_pq, given=facts))
    pair = -N * s_pq / (N * (N - 1))
    proof.step("E[a_pi(s) b_pi(t)] = -Sigma_pq/(N-1) for s != t", pair, -s_pq / (N - 1))
    cov = sp.Sum(sp.Sum(pair, (t, 1, bk)), (s, 1, bj)) / (bj * bk)
    proof.step("Cov of the batch means: (1/(b_j b_k)) sum_{s in B_j} sum_{t in B_k} = -Sigma_pq/(N-1), any sizes",
               cov, -s_pq / (N - 1), verified=sums_equal(cov, -s_pq / (N - 1)))
    proof.step("within_epoch_batch_covariance agrees", within_epoch_batch_covariance(N, B, s_pq), -s_pq / (N - 1))
    base = prove_gradient_covariance(False)
    c = (N - B) / ((N - 1) * B)
    proof.step("each batch alone: Var = c Sigma (prove_gradient_covariance, uniform B-subset)",
               sp.Integer(int(base.holds)), 1, verified=base.holds)
    epoch_var = (K * c + K * (K - 1) * (-1 / (N - 1))).subs(N, K * B)
    proof.step("B | N, K = N/B batches: Var[sum_k grad L_{B_k}] = K c Sigma - K(K-1) Sigma/(N-1) = 0",
               epoch_var, 0)
    return proof
