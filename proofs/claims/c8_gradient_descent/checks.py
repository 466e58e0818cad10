"""C8 (seed 2.1): vanilla GD θ_t = θ_{t−1} − η g_t stops where the gradient is zero.

Symbolic: a zero-gradient point is a fixed point (induction; also of momentum with m_0 = 0, not
with m_0 ≠ 0).  Exact: rational GD on a quadratic equals θ* + (I − ηH)^t (θ_0 − θ*) and stays
at θ*.  Simulation: the Numba kernel started where the float gradient is exactly zero never
moves (bitwise), and from elsewhere follows the closed form within a rounding bound.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from optproof.mathcore import momentum as mm
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check

_H = [[3, 1], [1, 2]]
_THETA_STAR = [2, -1]  # integers: b = H θ* and H θ* − b are exact in float64, so ∇f(θ*) is exactly 0


def _exact(cfg: RunConfig) -> Outcome:
    H, th_star = sp.Matrix(_H), sp.Matrix(_THETA_STAR)
    b, lr, T = H * th_star, sp.Rational(1, 5), 25
    ok = True
    for start in (th_star, sp.Matrix([sp.Rational(7, 3), sp.Rational(-1, 2)])):
        th, m = start, sp.zeros(2, 1)
        for step in range(1, T + 1):
            th, m = mm.heavy_ball_step(th, m, H * th - b, lr, 0)  # the reference step with λ = 0
            ok &= th == th_star + (sp.eye(2) - lr * H) ** step * (start - th_star)
        ok &= (th == th_star) == (start == th_star)
    return Outcome(ok, f"rational GD on f = 1/2 theta'H theta - b'theta for {T} steps: equals theta* + "
                       "(I - eta H)^t (theta_0 - theta*) exactly, and never leaves theta*",
                   {"H": _H, "theta*": _THETA_STAR, "eta": str(lr), "steps": T})


def _simulation(cfg: RunConfig) -> Outcome:
    from optproof.sim import HeavyBall, Quadratic, SGD, simulate

    H, th_star = np.array(_H, float), np.array(_THETA_STAR, float)
    b, lr, T = H @ th_star, 0.2, 200
    quad = Quadratic(H, b)
    stay = simulate(quad, SGD(lr), n_traj=1, n_steps=T, theta0=th_star, record=("theta",), every="step")
    stay_hb = simulate(quad, HeavyBall(lr, 0.9), n_traj=1, n_steps=T, theta0=th_star, record=("theta",), every="step")
    bitwise = bool(np.all(stay.records["theta"][0] == th_star) and np.all(stay_hb.records["theta"][0] == th_star))
    start = np.array([7 / 3, -0.5])
    run = simulate(quad, SGD(lr), n_traj=1, n_steps=T, theta0=start, record=("theta",), every="step")
    A = np.eye(2) - lr * H
    closed = np.array([th_star + np.linalg.matrix_power(A, t) @ (start - th_star) for t in range(1, T + 1)])
    # GD is a contraction here (||A|| = max|1 - eta h| < 1), so each step's rounding error,
    # <= gamma_4 (eta(|H||theta| + |b|) + |theta|) per coordinate, is not amplified: errors add.
    # The closed form's matrix powers add <= gamma_{2t} |A|^t |theta_0 - theta*| (t products).
    u = np.finfo(float).eps / 2
    traj = run.records["theta"][0]
    per_step = 4 * u * (lr * (np.abs(H) @ np.abs(traj).T).T + lr * np.abs(b) + np.abs(traj))
    bound = np.cumsum(per_step, axis=0) + np.array(
        [2 * t * u * np.linalg.matrix_power(np.abs(A), t) @ np.abs(start - th_star) for t in range(1, T + 1)])
    ratio = float(np.max(np.abs(traj - closed) / bound))
    rho = float(np.max(np.abs(np.linalg.eigvalsh(A))))
    ok = bitwise and ratio <= 1.0
    figures = []
    if cfg.make_figures:
        fig, ax = new_figure()
        t = np.arange(1, T + 1)
        ax.semilogy(t, np.linalg.norm(closed - th_star, axis=1), "k-", label=r"theory $\|(I-\eta H)^t(\theta_0-\theta^*)\|$")
        ax.semilogy(t[::5], np.linalg.norm(traj - th_star, axis=1)[::5], "o", ms=4, label="simulated GD")
        ax.set_xlabel("step t")
        ax.set_ylabel(r"$\|\theta_t - \theta^*\|$")
        ax.set_title(f"GD converges to the zero-gradient point; started there it never moves (rho = {rho:.2f})")
        ax.legend()
        figures.append(("gd_fixed_point", fig))
    return Outcome(ok, f"GD and heavy ball started at theta* (gradient exactly 0) stayed bitwise for {T} steps: "
                       f"{bitwise}; GD from elsewhere = closed form within the rounding bound (max ratio {ratio:.2g})",
                   {"stayed bitwise": bitwise, "max |sim - closed| / bound": ratio, "contraction rho": rho,
                    "|theta_T - theta*|": float(np.linalg.norm(traj[-1] - th_star))}, figures=figures)


CHECKS: tuple[Check, ...] = (
    proof_check("fixed point of GD (and of momentum with m_0 = 0)", (mm.prove_gd_fixed_point,)),
    Check("exact", "rational GD on a quadratic", _exact),
    Check("simulation", "Numba GD at and away from the fixed point", _simulation),
)
