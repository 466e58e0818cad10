"""C9 (seed 2.2) on a quadratic: heavy-ball dynamics and additive gradient noise, three ways.

``CHECKS`` (merged into claim C9 by ``proofs.claims.c9_momentum``) covers, for ``f = ½θᵀHθ``::

    p(z) = z² − (1+λ−ηh)z + λ;   ρ(A) < 1 ⇔ |λ| < 1, 0 < ηh < 2(1+λ);   rate (|τ|+√Δ)/2 or √λ;
    critical damping λ = (1−√(ηh))²;   Polyak η = 4/(√L+√μ)², λ = q², rate q = (√κ−1)/(√κ+1);
    θ_t = S_{t+1}θ_0 + λS_t(m_0−θ_0) (real, complex, repeated roots);
    noise ξ (mean 0, covariance C): μ_t = Aμ_{t−1}, Σ_t = AΣ_{t−1}Aᵀ + η²C bbᵀ;
    Var θ_∞ = ηs²(1+λ)/(h(1−λ)(2(1+λ)−ηh));   small η: h Var θ_∞ → T = ησ²/(2B(1−λ)).

Each formula gets a symbolic proof (``mathcore.quadratic`` / ``mathcore.noise``), an exact rational
check, and a Numba simulation (``sim``): the convergence region on a grid in (ηh, λ) (deterministic,
with a derived rounding bound), and Monte Carlo moments against the exact recursions (``proofs.stats``).

Noisy runs use ``sim.Quadratic(H, noise_cov=C)`` (Gaussian ξ_t ~ N(0, C)), with per-trajectory records
so that variances are estimated as means of (θ − μ_t)² with the exact μ_t (standard error from the
sample fourth moment).
"""
from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import sympy as sp

from optproof.mathcore import noise as nz
from optproof.mathcore import quadratic as qd
from optproof.mathcore.momentum import eta, lam, m0, t, theta0
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome, critical_z

__all__ = ["CHECKS", "N_COMPARISONS", "N_MEAN_BAND", "N_STATIONARY"]

_U = 2.0**-53  # unit roundoff of float64

# =========================================================================== exact: trajectories
# (label, regime, ηh, λ) with η = 1/2 (so h = 2·ηh): rational roots, irrational roots, a negative
# dominant root, φ = π/3, φ = π/4, φ = arccos(2/3), and repeated roots 1/2, −1/2, 2/3.
_REGIMES = [
    ("real, roots 1/2 and 1/3", "distinct", F(1, 3), F(1, 6)),
    ("real, irrational roots", "distinct", F(1, 10), F(1, 10)),
    ("real, negative dominant root", "distinct", F(2), F(1, 10)),
    ("complex, phi = pi/3", "complex", F(3, 4), F(1, 4)),
    ("complex, phi = pi/4, r = 1/sqrt 2", "complex", F(1, 2), F(1, 2)),
    ("complex, phi = arccos(2/3)", "complex", F(9, 16), F(9, 16)),
    ("repeated root 1/2", "repeated", F(1, 4), F(1, 4)),
    ("repeated root -1/2", "repeated", F(9, 4), F(1, 4)),
    ("repeated root 2/3", "repeated", F(1, 9), F(4, 9)),
]
_ETA = F(1, 2)
_TH0, _M0 = F(1), F(-1, 3)
_T_EXACT = 12


def _rational_heavy_ball(x: F, decay: F, th: F, m: F, T: int) -> tuple[list[F], list[F]]:
    """θ_0..θ_T and m_0..m_T of m_t = λm_{t−1} − ηh θ_{t−1}, θ_t = θ_{t−1} + m_t in ``Fraction``s."""
    ths, ms = [th], [m]
    for _ in range(T):
        m = decay * m - x * th
        th = th + m
        ths.append(th)
        ms.append(m)
    return ths, ms


def _exact_value(expr: sp.Expr) -> sp.Expr:
    """An exact SymPy number: powers of radicals expanded and rationalised, sin(nφ) expanded in cos φ."""
    value = sp.radsimp(sp.expand(sp.expand_trig(expr)))
    return value if value.is_Rational else sp.radsimp(sp.simplify(value))


def _exact_trajectories(cfg: RunConfig) -> Outcome:
    """Rational iteration of heavy ball = the regime's closed form θ_t, m_t exactly, t = 0..12."""
    ok, rows = True, {}
    theta_form = {w: qd.trajectory_closed_form(w) for w in ("distinct", "complex", "repeated")}
    for label, which, x, decay in _REGIMES:
        subs = {eta: sp.Rational(_ETA), qd.h: sp.Rational(x / _ETA), lam: sp.Rational(decay),
                theta0: sp.Rational(_TH0), m0: sp.Rational(_M0)}
        disc = sp.Rational((1 + decay - x) ** 2 - 4 * decay)
        regime_ok = {"distinct": disc > 0, "complex": disc < 0, "repeated": disc == 0}[which]
        S = lambda n: qd.lucas_closed_form(n, which).subs(subs)  # noqa: E731
        ths, ms = _rational_heavy_ball(x, decay, _TH0, _M0, _T_EXACT)
        match = True
        for step in range(_T_EXACT + 1):
            th_cf = _exact_value(theta_form[which].subs(subs).subs(t, step))
            m_cf = _exact_value(S(step + 1) * sp.Rational(_M0) - S(step) * sp.Rational(x * _TH0 + (1 - x) * _M0))
            match &= th_cf == sp.Rational(ths[step]) and m_cf == sp.Rational(ms[step])
        ok &= bool(regime_ok) and bool(match)
        rows[label] = {"eta h": str(x), "lambda": str(decay), "discriminant": str(disc), "regime ok": bool(regime_ok),
                       "closed form = recursion for t = 0..12": bool(match), f"theta_{_T_EXACT}": str(ths[-1])}
    return Outcome(ok, f"{len(_REGIMES)} rational (eta h, lambda) in the real, complex and repeated-root regimes: "
                       f"theta_t and m_t of the recursion equal the closed forms exactly for t = 0..{_T_EXACT} "
                       f"(theta_0 = {_TH0}, m_0 = {_M0})", rows,
                   [r"\theta_t = S_{t+1}\theta_0 + \lambda S_t (m_0-\theta_0),\ "
                    r"m_t = S_{t+1} m_0 - S_t(\eta h\theta_0 + (1-\eta h) m_0)"])


# =========================================================================== exact: region and Polyak
def _R(v) -> sp.Rational:
    return sp.Rational(v)


def _exact_region_and_polyak(cfg: RunConfig) -> Outcome:
    """Boundary points of the region, critical damping and Polyak's rate, in exact arithmetic."""
    one = sp.Integer(1)
    ok, numbers = True, {}
    # boundary ηh = 2(1+λ): p(z) = (z + 1)(z + λ), rate exactly 1; just inside / outside by 1/1000
    for decay in (F(0), F(1, 2), F(9, 10), F(99, 100)):
        xb = 2 * (1 + decay)
        p = qd.characteristic_polynomial(_R(xb), one, _R(decay))
        fact = sp.expand(p - (qd.z + 1) * (qd.z + _R(decay))) == 0
        r_b = qd.rate(_R(xb), one, _R(decay))
        r_in = qd.rate(_R(xb - F(1, 1000)), one, _R(decay))
        r_out = qd.rate(_R(xb + F(1, 1000)), one, _R(decay))
        conv = [bool(qd.converges(_R(v), one, _R(decay))) for v in (xb - F(1, 1000), xb, xb + F(1, 1000))]
        ths, _ = _rational_heavy_ball(xb, decay, F(1), F(0), 40)
        # roots −1 and −λ: θ_t = a(−1)^t + b(−λ)^t, a = (θ_1 + λθ_0)/(λ − 1) and b = θ_0 − a, for all t ≤ 40
        a = (ths[1] + decay * ths[0]) / (decay - 1)
        b = ths[0] - a
        two_roots = all(ths[k] == a * (-1) ** k + b * (-decay) ** k for k in range(41))
        fine = (fact and sp.simplify(r_b - 1) == 0 and bool(r_in < 1) and bool(r_out > 1)
                and conv == [True, False, False] and two_roots and a != 0)
        ok &= fine
        numbers[f"eta h = 2(1+lambda), lambda = {decay}"] = {
            "p(z) = (z+1)(z+lambda)": fact, "rate": str(r_b), "rate 1/1000 inside": str(sp.N(r_in, 12)),
            "rate 1/1000 outside": str(sp.N(r_out, 12)), "converges (inside, on, outside)": conv,
            "theta_t = a(-1)^t + b(-lambda)^t, t = 0..40": two_roots, "a (does not decay)": str(a)}
    # ηh = 0: root 1, rate 1, θ_t = θ_0 when m_0 = 0 (never moves, never converges to 0)
    for decay in (F(0), F(1, 2), F(9, 10)):
        p = qd.characteristic_polynomial(0, one, _R(decay))
        ths, _ = _rational_heavy_ball(F(0), decay, F(1), F(0), 20)
        fine = (p.subs(qd.z, 1) == 0 and qd.rate(sp.Integer(0), one, _R(decay)) == 1
                and not bool(qd.converges(sp.Integer(0), one, _R(decay))) and all(v == 1 for v in ths))
        ok &= fine
        numbers[f"eta h = 0, lambda = {decay}"] = {"p(1) = 0, rate 1, theta_t = theta_0": fine}
    # critical damping: Δ = 0 and rate |1 − √(ηh)| = √λ exactly
    for x in (F(1, 4), F(1, 9), F(9, 4), F(1, 2)):
        lc = qd.critical_momentum(_R(x), one)
        d0 = sp.simplify(qd.discriminant(_R(x), one, lc))
        r = sp.simplify(qd.rate(_R(x), one, lc) - sp.sqrt(lc))
        fine = d0 == 0 and r == 0
        ok &= fine
        numbers[f"critical damping eta h = {x}"] = {"lambda_c": str(lc), "discriminant": str(d0), "rate - sqrt(lambda)": str(r)}
    # Polyak: rate exactly q at μ, at L and inside; Δ = 0 at both ends; no grid (η, λ) does better
    for mu, L in ((F(1), F(9)), (F(1, 4), F(4)), (F(1), F(10))):
        lr, mom, q = qd.polyak_parameters(_R(mu), _R(L))
        hs = [_R(mu), _R(L), (_R(mu) + _R(L)) / 2, _R(mu) + (_R(L) - _R(mu)) / 7]
        rates = [sp.simplify(qd.rate(hh, lr, mom) - q) for hh in hs]
        ends = [sp.simplify(qd.discriminant(hh, lr, mom)) for hh in hs[:2]]
        fine = all(r == 0 for r in rates) and all(e == 0 for e in ends)
        beaten = []
        if mu == 1 and L == 9:  # q = 1/2: every (η, λ) of a rational grid has max(rate(μ), rate(L)) ≥ q
            for lr_g in (F(k, 40) for k in range(1, 17)):
                for mom_g in (F(k, 20) for k in range(0, 20)):
                    worst = max(qd.rate(_R(mu), _R(lr_g), _R(mom_g)), qd.rate(_R(L), _R(lr_g), _R(mom_g)),
                                key=lambda v: float(v))
                    if bool(worst < q):
                        beaten.append((str(lr_g), str(mom_g)))
            fine &= not beaten
            numbers["Polyak optimality grid (mu=1, L=9)"] = {"grid": "eta = k/40 (k=1..16), lambda = k/20 (k=0..19)",
                                                             "points beating q": beaten}
        ok &= fine
        numbers[f"Polyak mu = {mu}, L = {L}"] = {"eta*": str(lr), "lambda*": str(mom), "q": str(q),
                                                 "rate - q at mu, L, mid, mu+(L-mu)/7": [str(r) for r in rates],
                                                 "discriminant at mu, L": [str(e) for e in ends]}
    return Outcome(ok, "exact: on eta h = 2(1+lambda) p(z) = (z+1)(z+lambda), rate 1 and the iterate keeps a "
                       "(-1)^t mode; at eta h = 0 a root at 1; critical damping has Delta = 0; Polyak's rate is q "
                       "at mu, L and inside, and no grid (eta, lambda) beats it", numbers,
                   [r"\rho = 1 \text{ on } \eta h = 2(1+\lambda),\quad \rho_{\mathrm{Polyak}}(\mu) = "
                    r"\rho_{\mathrm{Polyak}}(L) = \frac{\sqrt\kappa-1}{\sqrt\kappa+1}"])


# =========================================================================== exact: noise moments
_NOISE_CASES = [  # (label, h, η, λ, s²): SGD, real, complex, repeated roots
    ("SGD", F(2), F(1, 4), F(0), F(3)),
    ("real roots", F(1), F(1, 10), F(1, 10), F(1)),
    ("complex roots", F(3), F(1, 4), F(1, 4), F(1, 2)),
    ("repeated root", F(1, 4), F(1), F(1, 4), F(2)),
]
_H2 = [[F(2), F(1, 2)], [F(1, 2), F(1)]]
_C2 = [[F(1), F(-1, 3)], [F(-1, 3), F(1, 2)]]


def _exact_noise(cfg: RunConfig) -> Outcome:
    """Rational moment recursion: fixed point A Σ∞ Aᵀ + Q = Σ∞ exactly, Σ_t − Σ∞ = Aᵗ(Σ_0 − Σ∞)Aᵗᵀ exactly."""
    ok, numbers = True, {}
    for label, hh, lr, decay, s2 in _NOISE_CASES:
        args = tuple(map(_R, (hh, lr, decay, s2)))
        A = qd.transition_matrix(*args[:3])
        Q = nz.state_noise_covariance(args[1], args[3])
        S = nz.stationary_covariance(*args)
        fixed = A * S * A.T + Q == S
        var_ok = S[0, 0] == nz.stationary_variance(*args)
        mean, cov = sp.Matrix([1, 0]), sp.zeros(2, 2)
        law, means_ok = True, True
        ths, _ = _rational_heavy_ball(hh * lr, decay, F(1), F(0), 30)
        for step in range(1, 31):
            mean, cov = nz.moment_step(mean, cov, *args)
            At = A**step
            law &= cov - S == At * (-S) * At.T
            means_ok &= mean[0] == _R(ths[step])
        x = lr * hh
        temp = nz.temperature(args[1], args[2], args[3])
        ratio_ok = args[0] * S[0, 0] / temp == _R(2 * (1 + decay) / (2 * (1 + decay) - x))
        fine = bool(fixed and var_ok and law and means_ok and ratio_ok)
        ok &= fine
        numbers[label] = {"h": str(hh), "eta": str(lr), "lambda": str(decay), "s2": str(s2),
                          "Var theta_inf": str(S[0, 0]), "Cov(theta, m)": str(S[0, 1]), "Var m": str(S[1, 1]),
                          "A S A^T + Q = S": bool(fixed), "Sigma_t - S = A^t (Sigma_0 - S) A^tT (t <= 30)": bool(law),
                          "mean = rational heavy ball (t <= 30)": bool(means_ok),
                          "h Var / T = 2(1+lam)/(2(1+lam) - eta h)": bool(ratio_ok),
                          "relative gap to stationarity at t = 30": str(sp.N((S[0, 0] - cov[0, 0]) / S[0, 0], 6))}
    # small η: h Var θ∞ / T − 1 = ηh/(2(1+λ) − ηh) exactly, → 0
    gaps = []
    for k in range(1, 7):
        lr = _R(F(1, 10**k))
        gap = _R(3) * nz.stationary_variance(_R(3), lr, _R(F(9, 10)), _R(2)) / nz.temperature(lr, _R(F(9, 10)), _R(2)) - 1
        ok &= gap == 3 * lr / (2 * (1 + _R(F(9, 10))) - 3 * lr)
        gaps.append(str(gap))
    numbers["small eta: h Var / T - 1 for eta = 10^-1..10^-6 (h = 3, lambda = 9/10)"] = gaps
    ok &= _exact_noise_2d(numbers)
    return Outcome(ok, "exact rational moments: A S A^T + Q = S, Sigma_t - S = A^t(Sigma_0 - S)A^tT, means = "
                       "rational heavy ball, the temperature ratio, and (d = 2, C not commuting with H) the dense "
                       "Lyapunov solution = the eigenbasis formulas of mathcore.noise", numbers,
                   [r"A\Sigma_\infty A^\top + \eta^2 s^2 bb^\top = \Sigma_\infty"])


def _exact_noise_2d(numbers: dict) -> bool:
    """d = 2, HC ≠ CH: exact dense recursion and Lyapunov fixed point vs the float eigenbasis code."""
    H, C = sp.Matrix(_H2), sp.Matrix(_C2)
    lr, decay, T = sp.Rational(1, 5), sp.Rational(1, 2), 25
    I2 = sp.eye(2)
    big = sp.BlockMatrix([[I2 - lr * H, decay * I2], [-lr * H, decay * I2]]).as_explicit()
    noise = sp.BlockMatrix([[lr**2 * C, lr**2 * C], [lr**2 * C, lr**2 * C]]).as_explicit()
    vec = (sp.eye(16) - sp.kronecker_product(big, big)).LUsolve(noise.reshape(16, 1))
    S = vec.reshape(4, 4)
    fixed = big * S * big.T + noise == S
    th0 = sp.Matrix([1, -2])
    mean, cov = sp.Matrix([1, -2, 0, 0]), sp.zeros(4, 4)
    for _ in range(T):
        mean, cov = big * mean, big * cov * big.T + noise
    Hf, Cf = np.array(H.tolist(), float), np.array(C.tolist(), float)
    Sf = nz.stationary_state_covariance(Hf, float(lr), float(decay), Cf)
    mo = nz.moments(Hf, float(lr), float(decay), Cf, np.array(th0.tolist(), float)[:, 0], 0.0, T)
    S_ex, cov_ex = np.array(S.tolist(), float), np.array(cov.tolist(), float)
    rel_s = float(np.max(np.abs(Sf - S_ex)) / np.max(np.abs(S_ex)))
    rel_c = float(np.max(np.abs(mo.cov[T] - cov_ex)) / np.max(np.abs(cov_ex)))
    rel_m = float(np.max(np.abs(mo.theta_mean[T] - np.array(mean[:2, 0].tolist(), float)[:, 0])))
    commute = H * C == C * H
    tol = 1e-12  # eigendecomposition + a few 4×4 solves / 25 products of 2×2 blocks: ~1e-15, far below
    fine = bool(fixed) and not commute and max(rel_s, rel_c) <= tol and rel_m <= tol
    numbers["d = 2, H C != C H"] = {"H": str(_H2), "C": str(_C2), "eta": str(lr), "lambda": str(decay),
                                    "HC = CH": bool(commute), "dense fixed point exact": bool(fixed),
                                    "Var theta_inf (exact)": [str(S[0, 0]), str(S[1, 1])],
                                    "max rel |stationary_state_covariance - exact|": rel_s,
                                    f"max rel |moments(eigen).cov[{T}] - exact|": rel_c,
                                    f"max |moments(eigen).mean[{T}] - exact|": rel_m, "tolerance": tol}
    return fine


# =========================================================================== simulation: region
_THR = 1e6  # divergence threshold on |θ_t| (θ_0 = 1)
_SMALL = 1e-6  # "converged": |θ_T| below this


def _green_bound(x: np.ndarray, decay: float, th: np.ndarray, m: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """First-order bound on |θ_t(sim) − θ_t(exact)| at ``steps`` for lr = 1, curvature ``x`` (columns).

    The kernel computes m' = fl(fl(λm) − fl(xθ)) and θ' = fl(θ + m') (lr = 1, b = 0; the other,
    zero coordinates add exact zeros).  So step s commits δm_s ≤ u(|λm_{s−1}| + |xθ_{s−1}| + |m_s|) and
    δθ_s ≤ u|θ_s| (plus δm_s carried into θ_s), and the error at t is Σ_s A^{t−s}(δθ_s + δm_s, δm_s).
    With A^n = S_{n+1}I + S_n(A − τI):  (A^n(a+c, c))_θ = S_{n+1}c + (S_{n+1} − λS_n)a, hence
        |e_t| ≤ Σ_{s≤t} u[(|λm_{s−1}| + |xθ_{s−1}| + |m_s|)|S_{t−s+1}| + |θ_s||S_{t−s+1} − λS_{t−s}|],
    evaluated with the exact-trajectory magnitudes (second-order terms dropped: the caller doubles it).
    """
    T = th.shape[0] - 1
    tau = 1.0 + decay - x
    S = np.zeros((T + 2, x.size))
    S[1] = 1.0
    for n in range(2, T + 2):
        S[n] = tau * S[n - 1] - decay * S[n - 2]
    dm = _U * (np.abs(decay * m[:-1]) + np.abs(x * th[:-1]) + np.abs(m[1:]))  # s = 1..T
    dth = _U * np.abs(th[1:])
    out = np.zeros((steps.size, x.size))
    for i, tt in enumerate(steps):
        n = tt - np.arange(1, tt + 1)  # t − s for s = 1..t
        k1 = np.abs(S[n + 1])
        k2 = np.abs(S[n + 1] - decay * S[n])
        out[i] = np.sum(dm[:tt] * k1 + dth[:tt] * k2, axis=0)
    return out


def _closed_form_error(rho: np.ndarray, decay: float, steps: np.ndarray) -> np.ndarray:
    """Bound on the float error of ``quadratic.trajectory`` (θ_0 = 1, m_0 = 0) at ``steps``.

    θ_t = z_bᵗ[Ŝ_{t+1} + Ŝ_t λ(m_0 − θ_0)/z_b] with |Ŝ_n| ≤ n; z_b, ρ = z_s/z_b and φ come out of O(1)
    correctly rounded operations (relative error ≤ 8u), and the n-th power / n·φ / n·log ρ multiply
    that by at most n, so the error is ≤ 16u (t+2)² |z_b|ᵗ (1 + λ/|z_b|) (|z_b| = the rate ρ).
    """
    tt = steps[:, None].astype(float)
    with np.errstate(over="ignore"):
        return 16 * _U * (tt + 2) ** 2 * rho[None, :] ** tt * (1.0 + decay / np.maximum(rho[None, :], 1e-300))


def _row_steps(decay: float, t_max: int) -> int:
    """Steps for one λ row: the complex-regime bulk (rate √λ) decays below 1e-9, within [400, t_max]."""
    if decay <= 0:
        return 400
    return int(min(t_max, max(400, math.ceil(math.log(1e-9) / math.log(math.sqrt(decay))))))


def _simulate_row(xs: np.ndarray, decay: float, T: int, every: int, seed: int):
    """One λ: H = diag(xs), lr = 1, trajectory k starts at e_k (only coordinate k ever moves)."""
    from optproof.sim import HeavyBall, Quadratic, simulate

    d = xs.size
    res = simulate(Quadratic(np.diag(xs)), HeavyBall(1.0, decay), n_traj=d, n_steps=T, seed=seed,
                   theta0=np.eye(d), record=("theta",), every=every, diverge_threshold=_THR)
    own = res.records["theta"][np.arange(d), :, np.arange(d)]  # (d, n_rec): coordinate k of trajectory k
    return res.steps, own, res.diverged_step


def _simulation_region(cfg: RunConfig) -> Outcome:
    """Convergence region: simulated divergence on an (ηh, λ) grid vs ``converges``; θ_t vs closed form."""
    xs = np.round(np.arange(1, 43 if not cfg.quick else 22) * (0.1 if not cfg.quick else 0.2), 10)
    lams = np.round(np.arange(0, 34 if not cfg.quick else 12) * (0.03 if not cfg.quick else 0.09), 10)
    t_max = 6000 if not cfg.quick else 3000
    n_rec_check = 20  # closed-form comparison at 20 recorded steps per row
    counts = {"clear converge": [0, 0], "clear diverge": [0, 0], "near boundary": 0}
    worst_ratio, points, mismatches = 0.0, [], []
    for decay in lams:
        T = _row_steps(float(decay), t_max)
        every = max(1, T // n_rec_check)
        T = every * (T // every)
        steps, own, div = _simulate_row(xs, float(decay), T, every, cfg.seed)
        rho = np.asarray(qd.rate(xs, 1.0, float(decay)))
        conv = np.asarray(qd.converges(xs, 1.0, float(decay)))
        th_cf = qd.trajectory(xs, 1.0, float(decay), 1.0, 0.0, T)
        m_cf = qd.velocity_trajectory(xs, 1.0, float(decay), 1.0, 0.0, T)
        with np.errstate(invalid="ignore", over="ignore"):  # diverged points overflow past their last record
            tol = 2 * _green_bound(xs, float(decay), th_cf, m_cf, steps) + _closed_form_error(rho, float(decay), steps)
            sim_vals = own.T  # (n_rec, d); NaN after a trajectory crossed the threshold
            finite = np.isfinite(sim_vals)
            bad_tol = finite & ~(np.isfinite(tol) & np.isfinite(th_cf[steps]))
            ratio = np.where(finite, np.abs(sim_vals - th_cf[steps]) / np.where(finite, tol, 1.0), 0.0)
        worst_ratio = max(worst_ratio, float(np.max(ratio)), math.inf if bad_tol.any() else 0.0)
        last = own[:, -1]
        for k, x in enumerate(xs):
            r = float(rho[k])
            if conv[k] and (T + 1) * (1 + decay) * r ** (T - 1) <= _SMALL:
                cls = "clear converge"
                good = div[k] < 0 and abs(last[k]) <= _SMALL
            elif not conv[k] and r > 1 and T * math.log(r) >= math.log(1e12):
                cls = "clear diverge"
                good = div[k] >= 0
            else:
                cls, good = "near boundary", True
                counts[cls] += 1
            if cls != "near boundary":
                counts[cls][0] += 1
                counts[cls][1] += int(good)
                if not good:
                    mismatches.append({"eta h": float(x), "lambda": float(decay), "class": cls})
            verdict = "diverged" if div[k] >= 0 else "converged" if abs(last[k]) <= _SMALL else "undecided"
            points.append((float(x), float(decay), verdict, cls))
    edge = _edge_runs(cfg)
    ok = not mismatches and worst_ratio <= 1.0 and edge["ok"]
    numbers = {"grid": f"eta h = {xs[0]}..{xs[-1]} ({xs.size}), lambda = {lams[0]}..{lams[-1]} ({lams.size}); "
                       f"theta_0 = 1, m_0 = 0, lr = 1, h = eta h",
               "steps per lambda row": f"ceil(ln 1e-9 / ln sqrt(lambda)) within [400, {t_max}]",
               "classification": "clear converge: (T+1)(1+lambda) rho^(T-1) <= 1e-6 (a bound on |theta_T|, since "
                                 "|S_n| <= n rho^(n-1)): the simulation must end below 1e-6 without diverging; clear "
                                 "diverge: rho^T >= 1e12: it must cross |theta| > 1e6; other points are near the "
                                 "boundary (not resolvable in T steps) and only the trajectory check applies",
               "clear converge (matching/total)": f"{counts['clear converge'][1]}/{counts['clear converge'][0]}",
               "clear diverge (matching/total)": f"{counts['clear diverge'][1]}/{counts['clear diverge'][0]}",
               "near boundary": counts["near boundary"], "mismatches": mismatches,
               "max |theta_sim - theta_closed| / bound": worst_ratio,
               "rounding bound": "2 x (first-order propagation of the kernel's roundings through A^n, via the "
                                 "Lucas sequence) + 16u (t+2)^2 rho^t (1 + lambda/rho) for the closed form",
               "just inside / just outside": edge["rows"]}
    figures = [("convergence_region", _region_figure(points, edge["points"]))] if cfg.make_figures else []
    return Outcome(ok, f"{len(points)} grid points: {counts['clear converge'][1]}/{counts['clear converge'][0]} clear "
                       f"converge and {counts['clear diverge'][1]}/{counts['clear diverge'][0]} clear diverge as "
                       f"predicted, {counts['near boundary']} near the boundary; simulated theta_t = closed form "
                       f"within {worst_ratio:.2g} x the rounding bound; just inside bounded / just outside diverges: "
                       f"{'yes' if edge['ok'] else 'NO'}", numbers,
                   [r"\rho(A) < 1 \iff |\lambda| < 1,\ 0 < \eta h < 2(1+\lambda)"], figures)


def _edge_runs(cfg: RunConfig) -> dict:
    """ηh = 2(1+λ)(1 ∓ 1%): inside stays below the closed form's peak and decays to 1e-6, outside crosses 1e6."""
    from optproof.sim import HeavyBall, Quadratic, simulate

    eps, rows, pts, ok = 0.01, {}, [], True
    for decay in (0.0, 0.5, 0.9, 0.99):
        for side, x in (("inside", 2 * (1 + decay) * (1 - eps)), ("outside", 2 * (1 + decay) * (1 + eps))):
            r = float(qd.rate(x, 1.0, decay))  # T: inside decays by 1e-9 (outside: grows by 1e9 >> 1e6)
            T = math.ceil(abs(math.log(1e-9) / math.log(r)))
            res = simulate(Quadratic(np.array([[x]])), HeavyBall(1.0, decay), n_traj=1, n_steps=T, seed=cfg.seed,
                           theta0=[1.0], record=("theta",), every=1, diverge_threshold=_THR)
            path = res.records["theta"][0, :, 0]
            div = int(res.diverged_step[0])
            cf = qd.trajectory(x, 1.0, decay, 1.0, 0.0, T)
            if side == "inside":
                peak_cf = float(np.max(np.abs(cf)))
                fine = div < 0 and float(np.max(np.abs(path))) <= peak_cf * (1 + 1e-9) and abs(path[-1]) <= _SMALL
                rows[f"lambda={decay} {side} eta h={x:.6g}"] = {
                    "rate": r, "steps": T, "max |theta_t| simulated": float(np.max(np.abs(path))),
                    "max |theta_t| closed form": peak_cf, "|theta_T| simulated": float(abs(path[-1]))}
            else:
                fine = div >= 0
                rows[f"lambda={decay} {side} eta h={x:.6g}"] = {"rate": r, "steps": T, "diverged at step": div}
            ok &= fine
            pts.append((x, decay, side, fine))
    return {"ok": ok, "rows": rows, "points": pts}


def _region_figure(points, edge_points):
    fig, ax = new_figure(9.0, 4.4)
    style = {"converged": ("o", "tab:blue", "simulated: converged (|θ_T| ≤ 1e-6)"),
             "diverged": ("x", "tab:red", "simulated: diverged (|θ_t| > 1e6)"),
             "undecided": ("s", "0.6", "simulated: undecided in T steps")}
    for verdict, (mk, col, lab) in style.items():
        sel = [(x, l) for x, l, v, _ in points if v == verdict]
        if sel:
            xx, ll = zip(*sel)
            ax.scatter(xx, ll, marker=mk, s=10, color=col, label=lab, linewidths=0.8)
    lam_line = np.linspace(0, 1, 200)
    ax.plot(2 * (1 + lam_line), lam_line, "k-", lw=2, label=r"theory boundary $\eta h = 2(1+\lambda)$")
    xc = np.linspace(0, 4, 400)
    ax.plot(xc, (1 - np.sqrt(xc)) ** 2, "k--", lw=1.2, label=r"critical damping $\lambda = (1-\sqrt{\eta h})^2$")
    for x, l, side, fine in edge_points:
        ax.scatter([x], [l], marker="^" if side == "inside" else "v", s=40, facecolors="none",
                   edgecolors="green" if side == "inside" else "purple")
    ax.scatter([], [], marker="^", facecolors="none", edgecolors="green", label="±1% of the boundary: inside / outside")
    ax.set_xlim(0, 4.3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"$\eta h$ (step size × curvature, dimensionless)")
    ax.set_ylabel(r"momentum $\lambda$")
    ax.set_title("Heavy ball on a quadratic: convergence region (θ₀ = 1, m₀ = 0)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.tight_layout()
    return fig


# =========================================================================== simulation: noisy moments
N_MEAN_BAND = {"default": (250_000, 200_000), "quick": (100_000, 5_000)}  # (1-D, d = 3) trajectories
_ONE_D = dict(h=1.0, lr=0.1, momentum=0.9, s2=1.0, theta0=5.0, T=30, every=6, steps=(6, 12, 18, 30))
_H3 = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 0.5]])
_C3 = np.array([[1.0, 0.0, 0.4], [0.0, 0.5, 0.0], [0.4, 0.0, 0.8]])
_THREE_D = dict(lr=0.1, momentum=0.8, theta0=np.array([2.0, -1.0, 1.0]), T=60, every=5, steps=(5, 10, 60),
                means={5: 1, 10: 2})  # step -> coordinate whose mean is compared (where it has not decayed)
_T_FIGURE, _N_FIGURE = 120, 20_000  # the mean ± band figure: a stats_only run recorded every step


def _additive_noise_theta(H, C, lr, decay, theta0, n_traj, T, every, seed):
    """θ records (n_traj, T/every, d) of heavy ball with gradient Hθ + ξ_t, ξ_t ~ N(0, C) i.i.d."""
    from optproof.sim import HeavyBall, Quadratic, simulate

    res = simulate(Quadratic(H, noise_cov=C), HeavyBall(lr, decay), n_traj=n_traj, n_steps=T, seed=seed,
                   theta0=theta0, record=("theta",), every=every)
    if res.n_diverged:
        raise RuntimeError(f"{res.n_diverged} noisy trajectories diverged in a stable setting")
    return res.steps, res.records["theta"]


def _simulation_mean_band(cfg: RunConfig) -> Outcome:
    """Mean and variance of noisy heavy-ball iterates (1-D and d = 3, HC ≠ CH) vs ``noise.moments``."""
    n1, n3 = N_MEAN_BAND["quick" if cfg.quick else "default"]
    p = _ONE_D
    steps1, th1 = _additive_noise_theta(np.array([[p["h"]]]), np.array([[p["s2"]]]), p["lr"], p["momentum"],
                                        [p["theta0"]], n1, p["T"], p["every"], cfg.seed)
    mo1 = nz.moments(p["h"], p["lr"], p["momentum"], p["s2"], p["theta0"], 0.0, p["T"])
    comps = []
    for t_ in p["steps"]:
        x = th1[:, t_ // p["every"] - 1, 0]
        mu, var = float(mo1.theta_mean[t_, 0]), float(mo1.cov[t_, 0, 0])
        comps.append(compare_mean(f"1-D E[theta_{t_}]", x, mu, ALPHA_EACH))
        comps.append(compare_mean(f"1-D Var theta_{t_} (E[(theta - mu_t)^2])", (x - mu) ** 2, var, ALPHA_EACH))
    q = _THREE_D
    steps3, th3 = _additive_noise_theta(_H3, _C3, q["lr"], q["momentum"], q["theta0"], n3, q["T"], q["every"],
                                        cfg.seed + 1)
    mo3 = nz.moments(_H3, q["lr"], q["momentum"], _C3, q["theta0"], 0.0, q["T"])
    for t_ in q["steps"]:
        x = th3[:, t_ // q["every"] - 1, :]
        mu, cov = mo3.theta_mean[t_], mo3.cov[t_, :3, :3]
        e = x - mu
        j = q["means"].get(t_)
        if j is not None:
            comps.append(compare_mean(f"d=3 E[theta_{t_},{j + 1}]", x[:, j], float(mu[j]), ALPHA_EACH))
        comps.append(compare_mean(f"d=3 Var theta_{t_},1", e[:, 0] ** 2, float(cov[0, 0]), ALPHA_EACH))
        comps.append(compare_mean(f"d=3 Var theta_{t_},3", e[:, 2] ** 2, float(cov[2, 2]), ALPHA_EACH))
        comps.append(compare_mean(f"d=3 Cov(theta_{t_},2, theta_{t_},3)", e[:, 1] * e[:, 2], float(cov[1, 2]),
                                  ALPHA_EACH))
    numbers = {"1-D": {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.items()} | {"trajectories": n1},
               "d=3": {"H": _H3.tolist(), "C": _C3.tolist(), "HC - CH (max |entry|)": float(np.max(np.abs(_H3 @ _C3 - _C3 @ _H3))),
                       "lr": q["lr"], "momentum": q["momentum"], "theta0": q["theta0"].tolist(), "steps": list(q["steps"]),
                       "trajectories": n3, "noise": "Gaussian N(0, C) (sim.Quadratic(H, noise_cov=C))"},
               "estimators": "mean: sample mean, se = sd/sqrt(n); variance/covariance: mean of (theta - mu_t)^2 / "
                             "products with the exact mu_t, se from the sample sd of those (fourth moment)"}
    figures = []
    if cfg.make_figures:
        figures.append(("mean_band", _band_figure(cfg)))
    return comparisons_outcome(comps, "noisy heavy ball: sample mean and variance of theta_t vs the exact recursions",
                               numbers, [r"\mu_t = A\mu_{t-1},\ \Sigma_t = A\Sigma_{t-1}A^\top + \eta^2 C\otimes bb^\top"],
                               figures)


def _band_figure(cfg: RunConfig):
    """Mean ± 2 sd over t: theory (noise.moments) vs a stats_only run recorded every step (θ_1)."""
    from optproof.sim import HeavyBall, Quadratic, simulate


    p, q = _ONE_D, _THREE_D
    setups = ((np.array([[p["h"]]]), np.array([[p["s2"]]]), p["lr"], p["momentum"], np.array([p["theta0"]]),
               cfg.seed, r"1-D: $h=1$, $\eta=0.1$, $\lambda=0.9$, $s^2=1$, $\theta_0=5$"),
              (_H3, _C3, q["lr"], q["momentum"], q["theta0"], cfg.seed + 1,
               r"$d=3$, coordinate $\theta_1$ ($HC \neq CH$), $\eta=0.1$, $\lambda=0.8$"))
    fig, axes = new_figure(10, 3.8, ncols=2)
    for ax, (H, C, lr, decay, th0, seed, title) in zip(axes, setups):
        res = simulate(Quadratic(H, noise_cov=C), HeavyBall(lr, decay), n_traj=_N_FIGURE, n_steps=_T_FIGURE,
                       seed=seed, theta0=th0, record=("theta",), every=1, stats_only=True)
        few = simulate(Quadratic(H, noise_cov=C), HeavyBall(lr, decay), n_traj=3, n_steps=_T_FIGURE, seed=seed,
                       theta0=th0, record=("theta",), every=1)  # the same first three trajectories
        mo = nz.moments(H, lr, decay, C, th0, 0.0, _T_FIGURE)
        tt = np.arange(_T_FIGURE + 1)
        mu, sd = mo.theta_mean[:, 0], np.sqrt(mo.cov[:, 0, 0])
        ax.fill_between(tt, mu - 2 * sd, mu + 2 * sd, color="0.85", label="theory mean ± 2 sd")
        ax.plot(tt, mu, "k-", lw=1.5, label="theory mean")
        ts, m_sim, sd_sim = res.steps, res.mean["theta"][:, 0], np.sqrt(res.var["theta"][:, 0])
        ax.plot(ts, m_sim, "r.", ms=3, label=f"simulated mean ({_N_FIGURE} runs)")
        ax.plot(ts, m_sim + 2 * sd_sim, "b.", ms=2, label="simulated mean ± 2 sd")
        ax.plot(ts, m_sim - 2 * sd_sim, "b.", ms=2)
        for k in range(3):
            ax.plot(ts, few.records["theta"][k, :, 0], lw=0.6, alpha=0.7, label="sample paths" if k == 0 else None)
        ax.set_xlabel("step t")
        ax.set_ylabel(r"$\theta_t$ (first coordinate)")
        ax.set_title(title, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


N_STATIONARY = {"default": 40_000, "quick": 2_500}  # trajectories, each with 8 independent coordinates
_STAT = dict(h=1.0, lr=0.1, s2=1.0, d=8, lams=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99))


def _stationary_steps(decay: float, h: float, lr: float) -> int:
    """T with ρ^{2T} ≤ 1e-4: the transient of Var θ_T (∝ ρ^{2T}) is below 1e-4 of the limit."""
    rho = float(qd.rate(h, lr, decay))
    return max(20, math.ceil(math.log(1e-4) / (2 * math.log(rho))))


def _simulation_stationary(cfg: RunConfig) -> Outcome:
    """Var θ_T against λ at ηh = 0.1 vs the exact finite-T variance (and the stationary formula)."""
    p = _STAT
    n = N_STATIONARY["quick" if cfg.quick else "default"]
    comps, rows, curve = [], {}, []
    for k, decay in enumerate(p["lams"]):
        T = _stationary_steps(decay, p["h"], p["lr"])
        H = p["h"] * np.eye(p["d"])
        _, th = _additive_noise_theta(H, p["s2"] * np.eye(p["d"]), p["lr"], decay, np.zeros(p["d"]), n, T, T,
                                      cfg.seed + 10 + k)
        x = th[:, 0, :].ravel()
        exact_T = float(nz.moments(p["h"], p["lr"], decay, p["s2"], 0.0, 0.0, T).cov[T, 0, 0])
        stat = nz.stationary_variance(p["h"], p["lr"], decay, p["s2"])
        temp = float(nz.temperature(p["lr"], decay, p["s2"])) / p["h"]
        c = compare_mean(f"Var theta_T, lambda={decay}, T={T}", x**2, exact_T, ALPHA_EACH)
        comps.append(c)
        rows[f"lambda={decay}"] = {"T": T, "exact Var theta_T": exact_T, "stationary formula": stat,
                                   "relative gap finite-T vs stationary": (stat - exact_T) / stat,
                                   "temperature T/h": temp}
        curve.append((decay, c.estimate, c.se, stat, temp))
    numbers = {"h": p["h"], "lr": p["lr"], "s2": p["s2"], "theta_0 = m_0": 0.0,
               "samples per lambda": f"{n} trajectories x {p['d']} independent coordinates (H = I)",
               "estimator": "mean of theta_T^2 (E theta_T = 0), se from the sample fourth moment", "rows": rows}
    figures = [("stationary_variance_vs_lambda", _stationary_figure(curve))] if cfg.make_figures else []
    return comparisons_outcome(comps, "Var theta_T vs lambda at eta h = 0.1 (exact finite-T variance; stationary "
                                      "within 1e-4)", numbers,
                               [r"\mathrm{Var}\,\theta_\infty = \frac{\eta s^2(1+\lambda)}{h(1-\lambda)(2(1+\lambda)-\eta h)}"],
                               figures)


def _stationary_figure(curve):
    fig, ax = new_figure()
    p = _STAT
    lam_line = 1 - np.logspace(-2.3, 0, 200)
    lam_line = lam_line[lam_line >= 0]
    ax.loglog(1 - lam_line, [nz.stationary_variance(p["h"], p["lr"], v, p["s2"]) for v in lam_line], "k-",
              label=r"theory $\eta s^2(1+\lambda)\,/\,[h(1-\lambda)(2(1+\lambda)-\eta h)]$")
    ax.loglog(1 - lam_line, p["lr"] * p["s2"] / (2 * (1 - lam_line) * p["h"]), "k--",
              label=r"small-$\eta$ temperature $T/h = \eta s^2/(2h(1-\lambda))$")
    decay, est, se, _, _ = map(np.array, zip(*curve))
    ax.errorbar(1 - decay, est, yerr=critical_z(ALPHA_EACH) * se, fmt="o", color="tab:red", capsize=3,
                label=r"simulated Var $\theta_T$ (error bar: $z_{crit}\cdot$se)")
    ax.set_xlabel(r"$1-\lambda$ (log scale; points at $\lambda$ = 0, 0.5, 0.8, 0.9, 0.95, 0.99)")
    ax.set_ylabel(r"Var $\theta$ (units of $\theta^2$)")
    ax.set_title(r"Stationary variance vs momentum, $\eta h = 0.1$, $s^2 = 1$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# =========================================================================== the checks
N_COMPARISONS = {"mean_band": 2 * len(_ONE_D["steps"]) + 3 * len(_THREE_D["steps"]) + len(_THREE_D["means"]),
                 "stationary": len(_STAT["lams"])}

CHECKS: tuple[Check, ...] = (
    proof_check("heavy ball on a quadratic: characteristic polynomial, convergence region, rate, critical damping, "
                "Polyak and its optimality, closed-form trajectories", (
                    qd.prove_characteristic_polynomial, qd.prove_convergence_region, qd.prove_rate,
                    qd.prove_critical_damping, qd.prove_polyak, qd.prove_polyak_optimal,
                    qd.prove_trajectory_closed_form)),
    proof_check("additive gradient noise: moment recursion, stationary covariance, small-lr temperature", (
        nz.prove_moment_recursion, nz.prove_stationary_covariance, nz.prove_small_lr_temperature)),
    Check("exact", "rational heavy ball = closed-form trajectories (real, complex, repeated roots)", _exact_trajectories),
    Check("exact", "region boundary, critical damping and Polyak's rate, exactly", _exact_region_and_polyak),
    Check("exact", "rational moment recursion and stationary covariance", _exact_noise),
    Check("simulation", "convergence region in (eta h, lambda): simulated divergence vs theory", _simulation_region),
    Check("simulation", "noisy trajectories: mean and variance vs exact recursions (1-D, d=3)", _simulation_mean_band,
          alpha=N_COMPARISONS["mean_band"] * ALPHA_EACH),
    Check("simulation", "stationary variance against momentum", _simulation_stationary,
          alpha=N_COMPARISONS["stationary"] * ALPHA_EACH),
)
