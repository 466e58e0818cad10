"""SymPy proofs of the inertia statements (C7): plateau position, crossing ratio, energy identity, GD trapped,
bump geometry.  The statements, the closed forms and the numerics are in ``optproof.mathcore.inertia``,
which re-exports every ``prove_*`` here (``inertia.prove_bump_geometry`` is this module's function).
"""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.inertia import (bump_critical_points, bump_depth, gd_trapped, gslope, plateau_position,
                                       terminal_velocity)
from optproof.mathcore.momentum import constant_gradient_velocity, eta, heavy_ball_step, lam, t
from optproof.mathcore.proof import Proof

__all__ = ["prove_plateau_position", "prove_crossing_ratio", "prove_energy_identity", "prove_gd_trapped",
           "prove_bump_geometry", "BUMP_POINTS"]

#: how a ``Proof.check`` step reads: the float branch equals the proven SymPy expression to this tolerance
_FLOATS = r"\ (\text{floats, relative } 10^{-9})"


def _generic_branch(expr: sp.Expr) -> sp.Expr:
    """Every ``Piecewise`` replaced by its last (``λ ≠ 1``) branch."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])


def _bump(th: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """``(f, a, θ_min, θ_max, (g, H, w))`` of the tilted-cosine bump ``f = −gθ + (H/2)(1 − cos(2πθ/w))``."""
    g, (H, w) = gslope, sp.symbols("H w", positive=True)
    a = g * w / (sp.pi * H)
    tmin = w / (2 * sp.pi) * sp.asin(a)
    return -g * th + H / 2 * (1 - sp.cos(2 * sp.pi * th / w)), a, tmin, w / 2 - tmin, (g, H, w)


def prove_plateau_position() -> Proof:
    """Induction on symbolic ``t``: the closed form starts at θ_0 and increases by ``m_t = ηg G(t)``."""
    proof = Proof(r"\theta_t - \theta_0 = \eta g\sum_{n=1}^{t} G(n) = \frac{\eta g}{1-\lambda}\left(t - \lambda G(t)\right)",
                  assumptions="gradient -g on the slope, theta_0 given, m_0 = 0; m_t = eta g G(t) "
                              "(momentum.prove_constant_gradient)")
    g, th0 = gslope, sp.Symbol("theta0", real=True)
    for label, decay, cond in (("lam != 1", lam, r"\lambda \ne 1"), ("lam = 1", sp.Integer(1), r"\lambda = 1")):
        pos = _generic_branch(plateau_position(t, eta, decay, g, th0))
        proof.step(f"({label}) base case t = 0: the library's closed form starts at theta_0", sp.Subs(pos, t, 0), th0,
                   shows=rf"\texttt{{plateau\_position}}(0, \eta, \lambda, g, \theta_0) = \theta_0\quad ({cond})")
        proof.step(f"({label}) induction step: theta_(t+1) - theta_t = m_(t+1) = eta g G(t+1), the velocity under "
                   "the constant gradient -g (constant_gradient_velocity, from rest)", pos.subs(t, t + 1) - pos,
                   _generic_branch(constant_gradient_velocity(t + 1, -g, eta, decay, 0)),
                   shows=r"\texttt{plateau\_position}(t+1, \ldots) - \texttt{plateau\_position}(t, \ldots) = "
                         rf"\texttt{{constant\_gradient\_velocity}}(t+1, -g, \eta, \lambda, 0) = \eta g G(t+1)\quad ({cond})")
    pts = [(0.1, 0.0, 1.0, 0.0), (0.1, 0.9, 0.5, 1.0), (0.01, 0.999, 2.0, -1.0), (0.2, 1.0, 1.0, 0.5), (1.0, 0.5, 0.1, 0.0)]
    proof.check("plateau_position(15, ...) at lam = 0, lam -> 1, lam = 1", float_branch_agrees(
        lambda a, b, c, d: plateau_position(15, a, b, c, d), (eta, lam, g, th0), pts,
        symbolic=plateau_position(t, eta, lam, g, th0).subs(t, 15)),
        shows=r"\texttt{plateau\_position}(15, \eta, \lambda, g, \theta_0)\ \text{in floats} \approx "
              r"\theta_0 + \eta g\sum_{n=1}^{15} G(n)" + _FLOATS)
    proof.check("terminal_velocity = eta g/(1 - lam), the increment's limit", float_branch_agrees(
        terminal_velocity, (eta, lam, g), [p[:3] for p in pts if p[1] < 1], symbolic=eta * g / (1 - lam)),
        shows=r"\texttt{terminal\_velocity}(\eta, \lambda, g) \approx \lim_{t\to\infty}\eta g G(t) = "
              r"\frac{\eta g}{1-\lambda}" + _FLOATS)
    return proof


def prove_crossing_ratio() -> Proof:
    """Bounds ``D(1−λ)/(ηg) ≤ T_λ ≤ D(1−λ)/(ηg) + λ/(1−λ) + 1``, hence ``T_λ/T_0 → 1 − λ``."""
    proof = Proof(r"\lim_{D\to\infty} \frac{T_\lambda(D)}{T_0(D)} = 1-\lambda,\quad "
                  r"T_\lambda(D) = \frac{D(1-\lambda)}{\eta g} + O\!\left(\frac{\lambda}{1-\lambda}\right)",
                  assumptions="0 <= lam < 1; 0 <= lam G(t) <= lam/(1-lam) since 0 <= 1 - lam^t <= 1")
    D, c = sp.symbols("D c", positive=True)
    g = gslope
    lead = eta * g / (1 - lam) * t
    gap = lead - _generic_branch(plateau_position(t, eta, lam, g))
    proof.step("the library's position lags the terminal-velocity line by lam G(t) steps",
               gap, eta * g * lam * (1 - lam**t) / (1 - lam) ** 2,
               shows=r"\frac{\eta g}{1-\lambda}t - \texttt{plateau\_position}(t, \eta, \lambda, g, 0) = "
                     r"\frac{\eta g}{1-\lambda}\lambda G(t) = \frac{\eta g\,\lambda(1-\lambda^t)}{(1-\lambda)^2}")
    proof.step("lag bound: lam G(t) <= lam/(1 - lam), the difference lam^(t+1)/(1-lam) is >= 0",
               lam / (1 - lam) - lam * (1 - lam**t) / (1 - lam), lam ** (t + 1) / (1 - lam),
               shows=r"\frac{\lambda}{1-\lambda} - \lambda G(t) = \frac{\lambda^{t+1}}{1-\lambda} \ge 0")
    T0 = D / (eta * g)
    lower, upper = D * (1 - lam) / (eta * g), D * (1 - lam) / (eta * g) + lam / (1 - lam) + 1
    for what, Tl, tex in (("lower", lower, r"\frac{D(1-\lambda)}{\eta g}"),
                          ("upper", upper, r"\frac{D(1-\lambda)}{\eta g} + \frac{\lambda}{1-\lambda} + 1")):
        proof.step(f"{what} bound / T_0 -> 1 - lam as D -> oo (T_0 = ceil(D/(eta g)) = D/(eta g) + c)",
                   sp.Limit(Tl / (T0 + c), D, sp.oo), 1 - lam,
                   shows=rf"\lim_{{D\to\infty}}\frac{{{tex}}}{{D/(\eta g) + c}} = 1-\lambda,\quad "
                         r"T_0 = \lceil D/(\eta g)\rceil = D/(\eta g) + c")
    rho = sp.Symbol("rho", positive=True)  # lam = 1/(1 + rho) in (0, 1): lam^t -> 0
    asymptote = (_generic_branch(plateau_position(t, eta, lam, g)) / lead).subs(lam, 1 / (1 + rho))
    proof.step("the library's position approaches the terminal-velocity line: theta_t / (eta g t/(1 - lam)) -> 1 "
               "(0 < lam < 1 written lam = 1/(1 + rho))", sp.Limit(asymptote, t, sp.oo), 1,
               shows=r"\lim_{t\to\infty}\frac{\texttt{plateau\_position}(t, \eta, \lambda, g, 0)}{\eta g t/(1-\lambda)} = 1"
                     r"\quad (0 < \lambda < 1)")
    return proof


def prove_energy_identity() -> Proof:
    """Continuous limit ``θ'' + (1−λ)θ' + ηf' = 0`` and ``d/dt(½θ'² + ηf) = −(1−λ)θ'²``; terminal velocity."""
    proof = Proof(r"\ddot\theta + (1-\lambda)\dot\theta + \eta f'(\theta) = 0,\ "
                  r"\frac{d}{dt}\left(\tfrac12\dot\theta^2 + \eta f\right) = -(1-\lambda)\dot\theta^2",
                  assumptions="time in steps; m_t ~ theta'(t), m_t - m_{t-1} ~ theta''(t): valid for 1 - lam << 1, "
                              "eta max|f''| << 1 (velocity changes little per step)")
    mp, th = sp.symbols("m_prev theta_prev", real=True)
    fp = sp.Function("fprime")
    _, m_new = heavy_ball_step(th, mp, fp(th), eta, lam)
    proof.step("difference form of the heavy-ball step (heavy_ball_step): the discrete damped oscillator",
               m_new - mp, -(1 - lam) * mp - eta * fp(th),
               shows=r"m_t - m_{t-1} = -(1-\lambda)\,m_{t-1} - \eta f'(\theta_{t-1})")
    tt = sp.Symbol("t", real=True)
    x = sp.Function("theta")(tt)
    f = sp.Function("f")
    v = x.diff(tt)
    energy = v**2 / 2 + eta * f(x)
    dE = energy.diff(tt).subs(x.diff(tt, 2), -(1 - lam) * v - eta * sp.Subs(f(x).diff(x), x, x).doit())
    proof.step("energy dissipation: along solutions of the ODE, dE/dt = -(1 - lam) theta'^2 <= 0", dE,
               -(1 - lam) * v**2,
               shows=r"\frac{d}{dt}\left(\tfrac12\dot\theta^2 + \eta f(\theta)\right) = -(1-\lambda)\dot\theta^2"
                     r"\quad \text{when}\ \ddot\theta = -(1-\lambda)\dot\theta - \eta f'(\theta)")
    g, v0 = gslope, sp.Symbol("v0")
    proof.step("slope f' = -g: constant velocity v0 solves the ODE iff v0 = eta g/(1 - lam); the library's "
               "terminal_velocity does (= momentum's m_oo)",
               sp.Subs((1 - lam) * v0 - eta * g, v0, terminal_velocity(eta, lam, g)), 0,
               shows=r"\left((1-\lambda)\,v_0 - \eta g\right)\Big|_{v_0 = \texttt{terminal\_velocity}(\eta, \lambda, g)} = 0")
    return proof


def prove_gd_trapped() -> Proof:
    """GD map ``φ(θ) = θ − ηf'(θ)`` is non-decreasing for ``η f'' ≤ 1`` and fixes ``θ_max``: GD stays left of it."""
    proof = Proof(r"\eta \max f'' \le 1,\ \theta_0 < \theta_{\max} \Rightarrow \theta_t < \theta_{\max}\ \forall t\ (\lambda = 0)",
                  assumptions="phi continuous, non-decreasing (phi' >= 0 a.e.) and phi(theta_max) = theta_max: "
                              "theta <= theta_max => phi(theta) <= theta_max; by induction GD never passes the top")
    th = sp.Symbol("theta", real=True)
    f, a, _, tmax, (g, H, w) = _bump(th)
    fp, fpp = sp.diff(f, th), sp.diff(f, th, 2)
    phi = th - eta * fp
    proof.step("derivative of the GD map: phi' = 1 - eta f'' >= 0 when eta f'' <= 1 (phi non-decreasing)",
               sp.Derivative(phi, th), 1 - eta * fpp,
               shows=r"\varphi'(\theta) = \frac{d}{d\theta}\left(\theta - \eta f'(\theta)\right) = 1 - \eta f''(\theta)")
    proof.step("curvature of the bump: f'' = (2 pi^2 H / w^2) cos(2 pi theta / w) <= 2 pi^2 H/w^2 = f''(0)",
               sp.Derivative(f, (th, 2)), 2 * sp.pi**2 * H / w**2 * sp.cos(2 * sp.pi * th / w),
               shows=r"f''(\theta) = \frac{2\pi^2 H}{w^2}\cos\frac{2\pi\theta}{w} \le \frac{2\pi^2 H}{w^2}")
    proof.step("fixed point: f'(theta_max) = 0, so the GD map fixes the barrier top", sp.Subs(phi, th, tmax), tmax,
               shows=r"\varphi(\theta_{\max}) = \theta_{\max} - \eta f'(\theta_{\max}) = \theta_{\max},\quad "
                     r"\theta_{\max} = \tfrac w2 - \tfrac{w}{2\pi}\arcsin\frac{gw}{\pi H}")
    proof.check("the library's gd_trapped is the derived condition eta f''(0) <= 1", float_branch_agrees(
        gd_trapped, (eta, g, H, w), [(0.1, 0.1, 1.0, 1.0), (0.01, 0.1, 1.0, 1.0), (0.05, 0.5, 1.0, 2.0),
                                     (1.0, 0.5, 1.0, 2.0)], symbolic=sp.And(eta * fpp.subs(th, 0) <= 1, a < 1)),
        shows=r"\texttt{gd\_trapped}(\eta, g, H, w) = \left[\eta f''(0) \le 1\right] = "
              r"\left[\eta\,\frac{2\pi^2 H}{w^2} \le 1\right]\ (a < 1;\ \text{floats, 4 points})")
    return proof


def prove_bump_geometry() -> Proof:
    """Critical points and depth of the tilted-cosine bump."""
    proof = Proof(r"\theta_{\min} = \tfrac{w}{2\pi}\arcsin a,\ \theta_{\max} = \tfrac w2 - \theta_{\min},\ "
                  r"\Delta = H\sqrt{1-a^2} - g\left(\tfrac w2 - 2\theta_{\min}\right),\ a = \tfrac{gw}{\pi H}",
                  assumptions="0 < a < 1 (H > g w / pi)")
    th = sp.Symbol("theta", real=True)
    f, a, tmin, tmax, (g, H, w) = _bump(th)
    fp, fpp = sp.diff(f, th), sp.diff(f, th, 2)
    proof.step("stationary point: f'(theta_min) = -g + (pi H/w) sin(arcsin a) = 0", sp.Subs(fp, th, tmin), 0,
               shows=r"f'(\theta_{\min}) = -g + \frac{\pi H}{w}\sin(\arcsin a) = 0")
    proof.step("stationary point: f'(theta_max) = 0 (sin(pi - x) = sin x)", sp.Subs(fp, th, tmax), 0,
               shows=r"f'(\theta_{\max}) = -g + \frac{\pi H}{w}\sin(\pi - \arcsin a) = 0")
    proof.step("second-derivative test: f''(theta_min) > 0, a minimum", sp.Subs(fpp, th, tmin),
               2 * sp.pi**2 * H / w**2 * sp.sqrt(1 - a**2),
               shows=r"f''(\theta_{\min}) = \frac{2\pi^2 H}{w^2}\sqrt{1-a^2} > 0")
    proof.step("second-derivative test: f''(theta_max) < 0, the barrier top", sp.Subs(fpp, th, tmax),
               -2 * sp.pi**2 * H / w**2 * sp.sqrt(1 - a**2),
               shows=r"f''(\theta_{\max}) = -\frac{2\pi^2 H}{w^2}\sqrt{1-a^2} < 0")
    depth = f.subs(th, tmax) - f.subs(th, tmin)
    proof.step("depth f(theta_max) - f(theta_min), with cos(arcsin a) = sqrt(1 - a^2)", depth,
               H * sp.sqrt(1 - a**2) - g * (w / 2 - 2 * tmin),
               shows=r"\Delta = f(\theta_{\max}) - f(\theta_{\min}) = H\sqrt{1-a^2} - g\left(\tfrac w2 - 2\theta_{\min}\right)")
    proof.check("bump_depth(g, H, w) = f(theta_max) - f(theta_min) from a -> 0 to a -> 1", float_branch_agrees(
        bump_depth, (g, H, w), BUMP_POINTS, symbolic=depth),
        shows=r"\texttt{bump\_depth}(g, H, w) \approx f(\theta_{\max}) - f(\theta_{\min})" + _FLOATS)
    for i, (name, expr, tex) in enumerate((("theta_min", tmin, r"\theta_{\min}"), ("theta_max", tmax, r"\theta_{\max}"))):
        proof.check(f"bump_critical_points(g, H, w)[{i}] = {name}", float_branch_agrees(
            lambda g_, H_, w_, i=i: bump_critical_points(g_, H_, w_)[i], (g, H, w), BUMP_POINTS, symbolic=expr),
            shows=rf"\texttt{{bump\_critical\_points}}(g, H, w)_{i} \approx {tex}" + _FLOATS)
    return proof


#: (g, H, w) with a = g w/(π H) from ≈ 0 to ≈ 1 (the depth → 0 edge).
BUMP_POINTS = [(0.01, 1.0, 1.0), (0.1, 1.0, 1.0), (0.5, 1.0, 2.0), (1.0, 1.0, 3.0), (0.3, 0.2, 2.0), (1.0, 5.0, 0.5),
               (0.2, 0.07, 1.0)]
