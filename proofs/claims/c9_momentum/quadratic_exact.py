"""C9 (seed 2.2) on a quadratic: heavy-ball dynamics and additive gradient noise, three ways.

The C9 quadratic checks (``quadratic_exact``: proofs and rational checks; ``quadratic_region`` and
``quadratic_noise``: the simulations; all merged into claim C9) cover, for ``f = ½θᵀHθ``::

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

from fractions import Fraction as F

import numpy as np
import sympy as sp

from optproof.mathcore import noise as nz
from optproof.mathcore import quadratic as qd
from optproof.mathcore import quadratic_proofs as qdp
from optproof.mathcore.momentum import eta, lam, m0, t, theta0
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import proof_check

__all__ = ["CHECKS"]


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


CHECKS: tuple[Check, ...] = (
    proof_check("heavy ball on a quadratic: characteristic polynomial, convergence region, rate, critical damping, "
                "Polyak and its optimality, closed-form trajectories", (
                    qdp.prove_characteristic_polynomial, qdp.prove_convergence_region, qdp.prove_rate,
                    qdp.prove_critical_damping, qdp.prove_polyak, qdp.prove_polyak_optimal,
                    qdp.prove_trajectory_closed_form)),
    proof_check("additive gradient noise: moment recursion, stationary covariance, small-lr temperature", (
        nz.prove_moment_recursion, nz.prove_stationary_covariance, nz.prove_small_lr_temperature)),
    Check("exact", "rational heavy ball = closed-form trajectories (real, complex, repeated roots)", _exact_trajectories),
    Check("exact", "region boundary, critical damping and Polyak's rate, exactly", _exact_region_and_polyak),
    Check("exact", "rational moment recursion and stationary covariance", _exact_noise),
)
