"""Sharp versus flat minima under mini-batch noise: Gibbs occupancy, Laplace, Kramers, test loss (C6).

Seed 1.4: "large batch falls into sharp minima, small batch into flat minima, which generalise
better".  The model behind the claim, stated with its assumptions:

Landscape.  Two quadratic wells joined smoothly by a soft minimum (``SoftminWells``)::

    q_s(θ) = h_s (θ − θ_s)²/2 + f_s,   q_f(θ) = h_f (θ − θ_f)²/2 + f_f,
    f(θ)   = −τ log(e^{−q_s/τ} + e^{−q_f/τ})          (h_s ≫ h_f: sharp and flat minimum)

Noise.  Per-example losses ``ℓ_i(θ) = f(θ) + a_i θ`` with ``Σ a_i = 0``, ``var(a) = (1/N) Σ a_i²``.
A uniform B-subset has batch gradient ``f'(θ) + ā_B``: additive, state-independent noise of
variance ``σ_B² = c(N, B)·var(a)``, ``c = (N − B)/((N − 1) B)`` (``mathcore.batching``, C5).

Temperature.  Heavy ball ``m ← λm − η(f' + ξ)``, ``θ ← θ + m`` is, for small η, Langevin dynamics
with time step ``√η``, friction ``γ = (1 − λ)/√η`` and temperature::

    T = η σ_B² / (2 (1 − λ))                                   (``temperature``)

(exact on a quadratic as η → 0: ``h·Var θ → T``, ``mathcore.noise``).  For λ = 0 (SGD) it is the
overdamped SDE ``dθ = −f' dt + √(2T) dW`` with one step = η time units.

Stationary density (small η, additive noise; the θ-marginal for any friction)::

    p(θ) = e^{−f(θ)/T} / Z                                     (``prove_gibbs_stationary``)

Occupancy of the flat minimum ``P_flat = P(θ > θ_b)`` (θ_b the barrier top): exact quadrature of p
(``gibbs_occupancy``) and its Laplace approximation, each well a Gaussian of variance ``T/h``::

    P_flat / P_sharp ≈ √(h_s/h_f) · e^{−(f_f − f_s)/T}        (``laplace_occupancy``)

with relative error ``T·(5 f'''²/(24 h³) − f''''/(8 h²)) + O(T²)`` per well (``prove_laplace``).
Escape rate over the barrier ``ΔV = f(θ_b) − f(θ_min)`` (Kramers 1940; ``prove_kramers``)::

    k = ω_min/(2π ω_b) · (√(γ²/4 + ω_b²) − γ/2) · e^{−ΔV/T}   per unit time, ω² = |f''|,
    overdamped (γ → ∞, or the SDE above):  k = ω_min ω_b/(2π) e^{−ΔV/T}

valid for ``ΔV/T ≫ 1`` (error O(T/ΔV)); two-state relaxation ``P(t) = P_eq + (P_0 − P_eq) e^{−(k_s + k_f) t}``.
For SGD the exact small-η answer at any ΔV/T is the Fokker–Planck equation, solved here on a grid
(``FokkerPlanck``; exact detailed balance, O(Δθ²) error).  Test loss ``f_test(θ) = f(θ − δ)``; in a
quadratic well ``E[f_test] = f_i + h_i δ²/2 + T/2`` (``prove_test_loss``).

Where it fails: the O(η) discretisation (Var θ in a quadratic well is ``T/h · 2(1+λ)/(2(1+λ) − ηh)``;
measured in C6 at η = 0.004: P_flat 0.02–0.03 above the small-η value, removed by Richardson extrapolation),
rare escapes at ``ΔV/T ≳ 5`` (sensitive to the noise's tails), Kramers at ``ΔV/T ≲ 3`` (×1.8 too fast here),
Laplace at ``T`` comparable to the barrier.

The SymPy proofs of these statements are in ``optproof.mathcore.landscape_proofs``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp

from optproof.mathcore.batching import batch_loss_variance
from optproof.mathcore.noise import temperature as _noise_temperature
from optproof.base.validation import check_int, check_real

__all__ = [
    "SoftminWells", "Extremum", "temperature", "batch_noise_variance", "laplace_ratio", "laplace_occupancy",
    "laplace_weight", "laplace_correction", "gibbs_occupancy", "gibbs_expectation", "kramers_rate",
    "escape_rates_per_step", "two_state_occupancy", "quadratic_test_loss",
    "FokkerPlanck",
]

theta, T_sym = sp.Symbol("theta", real=True), sp.Symbol("T", positive=True)


# =========================================================================== the landscape
@dataclass(frozen=True)
class Extremum:
    """A stationary point of f: position, value f, curvature f''."""

    theta: float
    f: float
    h: float


class SoftminWells:
    """``f = −τ log(e^{−q_s/τ} + e^{−q_f/τ})``, ``q_i = h_i (θ − θ_i)²/2 + f_i`` (C6).

    Requires ``h_s, h_f, τ > 0`` and ``θ_s < θ_f``.  ``f``, ``grad``, ``hess`` are vectorised NumPy;
    ``sympy_expr()`` is the same function in SymPy; ``sharp``, ``flat``, ``barrier`` are the exact
    stationary points (Newton to machine precision), which differ from ``(θ_i, f_i, h_i)`` by
    terms of order ``e^{−|q_s − q_f|/τ}``.
    """

    def __init__(self, h_sharp: float = 16.0, h_flat: float = 1.0, theta_sharp: float = 0.0,
                 theta_flat: float = 2.5, f_sharp: float = 0.0, f_flat: float = 0.1, tau: float = 0.5) -> None:
        self.h_s = check_real("h_sharp", h_sharp, 0.0, lo_open=True)
        self.h_f = check_real("h_flat", h_flat, 0.0, lo_open=True)
        self.t_s = check_real("theta_sharp", theta_sharp)
        self.t_f = check_real("theta_flat", theta_flat)
        if not self.t_s < self.t_f:
            raise ValueError(f"theta_flat must be a finite real number in ({self.t_s}, inf) (> theta_sharp); "
                             f"got {theta_flat!r}")
        self.f_s = check_real("f_sharp", f_sharp)
        self.f_f = check_real("f_flat", f_flat)
        self.tau = check_real("tau", tau, 0.0, lo_open=True)
        self.sharp = self._newton(self.t_s)
        self.flat = self._newton(self.t_f)
        self.barrier = self._barrier()

    @property
    def params(self) -> dict[str, float]:
        return {"h_sharp": self.h_s, "h_flat": self.h_f, "theta_sharp": self.t_s, "theta_flat": self.t_f,
                "f_sharp": self.f_s, "f_flat": self.f_f, "tau": self.tau}

    def _parts(self, x):
        x = np.asarray(x, dtype=float)
        a = self.h_s * (x - self.t_s) ** 2 / 2 + self.f_s
        b = self.h_f * (x - self.t_f) ** 2 / 2 + self.f_f
        z = np.clip((a - b) / self.tau, -700.0, 700.0)
        ws = 0.5 * (1.0 - np.tanh(z / 2))  # σ(−z) without overflow
        return x, a, b, ws

    def f(self, x):
        """f(θ) = min(q_s, q_f) − τ log(1 + e^{−|q_s − q_f|/τ}) (stable form)."""
        x, a, b, _ = self._parts(x)
        return np.minimum(a, b) - self.tau * np.log1p(np.exp(-np.abs(a - b) / self.tau))

    def grad(self, x):
        """f'(θ) = w_s q_s' + w_f q_f', w_s = 1/(1 + e^{(q_s − q_f)/τ})."""
        x, _, _, ws = self._parts(x)
        return ws * self.h_s * (x - self.t_s) + (1 - ws) * self.h_f * (x - self.t_f)

    def hess(self, x):
        """f''(θ) = w_s h_s + w_f h_f − w_s w_f (q_s' − q_f')²/τ."""
        x, _, _, ws = self._parts(x)
        d = self.h_s * (x - self.t_s) - self.h_f * (x - self.t_f)
        return ws * self.h_s + (1 - ws) * self.h_f - ws * (1 - ws) * d * d / self.tau

    def sympy_expr(self, var: sp.Symbol = theta) -> sp.Expr:
        R = sp.nsimplify
        qs = R(self.h_s) * (var - R(self.t_s)) ** 2 / 2 + R(self.f_s)
        qf = R(self.h_f) * (var - R(self.t_f)) ** 2 / 2 + R(self.f_f)
        tau = R(self.tau)
        return -tau * sp.log(sp.exp(-qs / tau) + sp.exp(-qf / tau))

    def _newton(self, x: float) -> Extremum:
        for _ in range(100):
            step = float(self.grad(x) / self.hess(x))
            x -= step
            if abs(step) < 1e-15 * max(1.0, abs(x)):
                break
        return Extremum(float(x), float(self.f(x)), float(self.hess(x)))

    def _barrier(self) -> Extremum:
        lo, hi = self.sharp.theta + 1e-9, self.flat.theta - 1e-9  # f' > 0 right of the sharp minimum
        if not (self.grad(lo) > 0 > self.grad(hi)):
            raise ValueError("tau must be small enough (relative to the wells' separation) for f to have two "
                             f"minima; got tau={self.tau!r}")
        for _ in range(200):  # bisection on f' (one sign change between the minima)
            mid = 0.5 * (lo + hi)
            if self.grad(mid) > 0:
                lo = mid
            else:
                hi = mid
        x = 0.5 * (lo + hi)
        return Extremum(float(x), float(self.f(x)), float(self.hess(x)))

    def grid(self, T: float, n: int = 4001, width: float = 10.0) -> np.ndarray:
        """A grid covering both wells ± ``width`` thermal standard deviations (tails below e^{−width²/2})."""
        T = check_real("T", T, 0.0, lo_open=True)
        n = check_int("n", n, 3)
        lo = self.sharp.theta - width * math.sqrt(T / self.sharp.h) - 1.0 / math.sqrt(self.h_s)
        hi = self.flat.theta + width * math.sqrt(T / self.flat.h) + 1.0 / math.sqrt(self.h_f)
        return np.linspace(lo, hi, n)


# =========================================================================== temperature and noise
def batch_noise_variance(N: int, batch_size: int, var_a: float) -> float:
    """σ_B² = c(N, B)·var(a), c = (N − B)/((N − 1)B): variance of ā_B over uniform B-subsets (C5, C6)."""
    return float(batch_loss_variance(N, batch_size, check_real("var_a", var_a, 0.0)))


def temperature(lr: Any, momentum: Any, noise_var: Any):
    """T = η σ_B²/(2(1 − λ)) for per-step gradient-noise variance σ_B² (C6; ``mathcore.noise``)."""
    return _noise_temperature(lr, momentum, noise_var, 1)


# =========================================================================== Laplace
def laplace_ratio(h_sharp: float, h_flat: float, f_sharp: float, f_flat: float, T: float) -> float:
    """P_flat/P_sharp ≈ √(h_s/h_f)·exp(−(f_f − f_s)/T) (leading Laplace)."""
    h_sharp = check_real("h_sharp", h_sharp, 0.0, lo_open=True)
    h_flat = check_real("h_flat", h_flat, 0.0, lo_open=True)
    T = check_real("T", T, 0.0, lo_open=True)
    return math.sqrt(h_sharp / h_flat) * math.exp(-(check_real("f_flat", f_flat) - check_real("f_sharp", f_sharp)) / T)


def laplace_occupancy(land: SoftminWells, T: float, order: int = 0) -> float:
    """P_flat from the Laplace weights of the two exact minima; ``order=1`` adds the O(T) correction."""
    order = check_int("order", order, 0, 1)
    ws = laplace_weight(land, land.sharp, T, order)
    wf = laplace_weight(land, land.flat, T, order)
    return wf / (ws + wf)


def _derivs(land: SoftminWells, x: float) -> tuple[float, float]:
    """f''' and f'''' at x by central differences of the analytic f'' (error O(ε²) ≈ 1e-8 relative)."""
    e = 1e-3 * min(1.0, 1 / math.sqrt(land.h_s))
    h = lambda u: float(land.hess(u))  # noqa: E731
    f3 = (h(x + e) - h(x - e)) / (2 * e)
    f4 = (h(x + e) - 2 * h(x) + h(x - e)) / e**2
    return f3, f4


def laplace_correction(f2: float, f3: float, f4: float) -> float:
    """c₁ in ∫e^{−f/T} = √(2πT/f₂) e^{−f₀/T} (1 + c₁ T + O(T²)): c₁ = 5f₃²/(24f₂³) − f₄/(8f₂²)."""
    f2 = check_real("f2", f2, 0.0, lo_open=True)
    return 5 * check_real("f3", f3) ** 2 / (24 * f2**3) - check_real("f4", f4) / (8 * f2**2)


def laplace_weight(land: SoftminWells, ext: Extremum, T: float, order: int = 0) -> float:
    """√(2πT/h)·e^{−(f − f_sharp)/T}·(1 + c₁T)^order: the well's share of Z (relative to the sharp depth)."""
    T = check_real("T", T, 0.0, lo_open=True)
    w = math.sqrt(2 * math.pi * T / ext.h) * math.exp(-(ext.f - land.sharp.f) / T)
    if order:
        w *= 1 + laplace_correction(ext.h, *_derivs(land, ext.theta)) * T
    return w


# =========================================================================== Gibbs quadrature
def _simpson(y: np.ndarray, dx: float) -> float:
    if y.size % 2 == 0:
        raise ValueError("grid size must be odd for Simpson's rule")
    return float(dx / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum()))


def gibbs_expectation(land: SoftminWells, T: float, fn: Callable[[np.ndarray], np.ndarray] | None = None,
                      n: int = 8001) -> tuple[float, float]:
    """(∫_{θ>θ_b} p, ∫ fn·p) for p = e^{−f/T}/Z by composite Simpson on a grid split at θ_b.

    Error: Simpson's O(Δθ⁴) on each side (the integrand is analytic); the tails beyond the grid
    are below e^{−70} relative.  ``fn`` defaults to 0.
    """
    T = check_real("T", T, 0.0, lo_open=True)
    n = check_int("n", n, 101)
    n += 1 - n % 2
    g = land.grid(T, 3)
    xb = land.barrier.theta
    left, right = np.linspace(g[0], xb, n), np.linspace(xb, g[-1], n)
    fmin = min(land.sharp.f, land.flat.f)
    parts = []
    for x in (left, right):
        w = np.exp(-(land.f(x) - fmin) / T)
        val = fn(x) if fn is not None else np.zeros_like(x)
        parts.append((_simpson(w, x[1] - x[0]), _simpson(w * val, x[1] - x[0])))
    Z = parts[0][0] + parts[1][0]
    return parts[1][0] / Z, (parts[0][1] + parts[1][1]) / Z


def gibbs_occupancy(land: SoftminWells, T: float, n: int = 8001) -> float:
    """P_flat = ∫_{θ_b}^∞ e^{−f/T} / ∫ e^{−f/T} (exact quadrature of the stationary density)."""
    return gibbs_expectation(land, T, None, n)[0]


# =========================================================================== Kramers
def kramers_rate(h_min: float, h_barrier: float, barrier: float, T: float, friction: float | None = None) -> float:
    """Kramers' escape rate per unit time over a barrier ΔV: with friction γ
    ω_min/(2π ω_b)·(√(γ²/4 + ω_b²) − γ/2)·e^{−ΔV/T}; ``friction=None``: overdamped ω_min ω_b/(2π) e^{−ΔV/T}.

    ``h_barrier`` is |f''| at the barrier top (sign ignored).  Needs ΔV/T ≫ 1 (error O(T/ΔV)).
    """
    h_min = check_real("h_min", h_min, 0.0, lo_open=True)
    wb = math.sqrt(abs(check_real("h_barrier", h_barrier, allow_symbolic=False)))
    if wb == 0:
        raise ValueError(f"h_barrier must be a finite real number in (-inf, 0) or (0, inf); got {h_barrier!r}")
    barrier = check_real("barrier", barrier, 0.0)
    T = check_real("T", T, 0.0, lo_open=True)
    wm, arr = math.sqrt(h_min), math.exp(-barrier / T)
    if friction is None:
        return wm * wb / (2 * math.pi) * arr
    g = check_real("friction", friction, 0.0, lo_open=True)
    # √(γ²/4 + ω_b²) − γ/2 written without cancellation for large γ
    return wm / (2 * math.pi * wb) * (wb * wb / (math.sqrt(g * g / 4 + wb * wb) + g / 2)) * arr


def escape_rates_per_step(land: SoftminWells, lr: float, momentum: float, noise_var: float) -> tuple[float, float]:
    """(k_sharp→flat, k_flat→sharp) per optimizer step: time step √η, friction (1 − λ)/√η, T as above."""
    lr = check_real("lr", lr, 0.0, lo_open=True)
    momentum = check_real("momentum", momentum, 0.0, 1.0, hi_open=True)
    T = temperature(lr, momentum, noise_var)
    dt, gamma = math.sqrt(lr), (1 - momentum) / math.sqrt(lr)
    b = land.barrier
    return tuple(dt * kramers_rate(e.h, b.h, b.f - e.f, T, gamma) for e in (land.sharp, land.flat))


def two_state_occupancy(p_eq: float, p0: float, rate_sum: float, t: Any):
    """P_flat(t) = P_eq + (P_0 − P_eq) e^{−(k_s + k_f) t} (two-state master equation)."""
    return p_eq + (p0 - p_eq) * np.exp(-check_real("rate_sum", rate_sum, 0.0) * np.asarray(t, dtype=float))


def quadratic_test_loss(f_min: float, h: float, delta: float, T: float) -> float:
    """E[f_test] in a quadratic well at temperature T: f_i + h δ²/2 + T/2."""
    return f_min + h * delta**2 / 2 + check_real("T", T, 0.0) / 2


# =========================================================================== Fokker–Planck on a grid
class FokkerPlanck:
    """Overdamped ``∂p/∂t = ∂(f'p)/∂θ + T ∂²p/∂θ²`` as a birth–death chain on a grid (SGD, small η).

    Rates j → j±1: ``(T/Δ²) e^{−(f_{j±1} − f_j)/(2T)}``: exact detailed balance with
    ``π_j ∝ e^{−f_j/T}`` (so the stationary law is the Gibbs density exactly), generator error O(Δ²).
    The symmetrised generator ``D^{1/2} Q D^{−1/2}`` is tridiagonal symmetric; one ``eigh`` gives
    ``p(t)`` for all t.  Time is in SDE units (SGD: t = η·steps).
    """

    def __init__(self, land: SoftminWells, T: float, n: int = 401) -> None:
        self.T = check_real("T", T, 0.0, lo_open=True)
        n = check_int("n", n, 11, 6000)
        self.land, self.x = land, land.grid(T, n)
        dx = self.x[1] - self.x[0]
        f = land.f(self.x)
        self.pi = np.exp(-(f - f.min()) / T)
        self.pi /= self.pi.sum()
        up = T / dx**2 * np.exp(-(f[1:] - f[:-1]) / (2 * T))  # j -> j+1
        down = T / dx**2 * np.exp(-(f[:-1] - f[1:]) / (2 * T))  # j+1 -> j
        diag = np.zeros(n)
        diag[:-1] -= up
        diag[1:] -= down
        off = np.sqrt(up * down)  # symmetrised: sqrt(q_{j,j+1} q_{j+1,j})
        S = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
        self.evals, self.evecs = np.linalg.eigh(S)
        self.sq = np.sqrt(self.pi)
        self.flat_mask = self.x > land.barrier.theta

    @property
    def relaxation_rate(self) -> float:
        """Smallest nonzero rate (the spectral gap): the two-state k_s + k_f, exactly for the SDE."""
        return float(-self.evals[-2])

    def density(self, t: Any, theta0: float) -> np.ndarray:
        """p(t) on the grid (rows: times), started from the grid point nearest θ₀ (a point mass)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        if t.size and t.min() < 0:
            raise ValueError(f"t must contain only finite real numbers in [0, inf); got min {t.min()!r}")
        j0 = int(np.argmin(np.abs(self.x - check_real("theta0", theta0))))
        coef = self.evecs[j0, :] / self.sq[j0]  # p0 = e_{j0}: D^{-1/2} p0 = e_{j0}/sqrt(pi_j0)
        p = (np.exp(np.outer(t, np.minimum(self.evals, 0.0))) * coef) @ self.evecs.T * self.sq
        return np.clip(p, 0.0, None)

    def occupancy(self, t: Any, theta0: float) -> np.ndarray:
        return self.density(t, theta0)[:, self.flat_mask].sum(axis=1)

    def expectation(self, fn: Callable[[np.ndarray], np.ndarray], t: Any, theta0: float) -> np.ndarray:
        return self.density(t, theta0) @ fn(self.x)
