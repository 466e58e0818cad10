"""C9 on a quadratic, simulated: the heavy ball's convergence region in (ηh, λ) against theory.

Deterministic: divergence (|θ_t| > 1e6) and convergence on a grid, the simulated trajectories within
a derived rounding bound of the closed form (see ``quadratic_exact`` for the formulas).
"""
from __future__ import annotations

import math

import numpy as np

from optproof.mathcore import quadratic as qd
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure

__all__ = ["CHECKS"]

_U = 2.0**-53  # unit roundoff of float64


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


def _classify(r: float, T: int, decay: float, verdict: str, conv: bool) -> tuple[str, bool]:
    """``(class, matches)`` of one grid point.  Every decided simulation must agree with ``converges``
    itself (converged ⇔ True, diverged ⇔ False), at every point including those near the boundary; a
    point the rate says is resolvable in T steps ("clear") must also be decided the way the rate predicts."""
    agrees = verdict == "undecided" or (verdict == "converged") == conv
    if r < 1 and (T + 1) * (1 + decay) * r ** (T - 1) <= _SMALL:
        return "clear converge", agrees and verdict == "converged"
    if r > 1 and T * math.log(r) >= math.log(1e12):
        return "clear diverge", agrees and verdict == "diverged"
    return "near boundary", agrees


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
        steps, own, div = _simulate_row(xs, float(decay), T, every, cfg.seed_for("C9", "region"))
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
            verdict = "diverged" if div[k] >= 0 else "converged" if abs(last[k]) <= _SMALL else "undecided"
            cls, good = _classify(float(rho[k]), T, float(decay), verdict, bool(conv[k]))
            if cls == "near boundary":
                counts[cls] += 1
            else:
                counts[cls][0] += 1
                counts[cls][1] += int(good)
            if not good:
                mismatches.append({"eta h": float(x), "lambda": float(decay), "class": cls, "simulated": verdict,
                                   "converges": bool(conv[k])})
            points.append((float(x), float(decay), verdict, cls))
    edge = _edge_runs(cfg)
    ok = not mismatches and worst_ratio <= 1.0 and edge["ok"]
    numbers = {"grid": f"eta h = {xs[0]}..{xs[-1]} ({xs.size}), lambda = {lams[0]}..{lams[-1]} ({lams.size}); "
                       f"theta_0 = 1, m_0 = 0, lr = 1, h = eta h",
               "steps per lambda row": f"ceil(ln 1e-9 / ln sqrt(lambda)) within [400, {t_max}]",
               "classification": "every point: a simulated 'converged' needs converges() True and a simulated "
                                 "'diverged' needs converges() False; clear converge: (T+1)(1+lambda) rho^(T-1) <= "
                                 "1e-6 (a bound on |theta_T|, since |S_n| <= n rho^(n-1)): the simulation must end "
                                 "below 1e-6 without diverging; clear diverge: rho^T >= 1e12: it must cross |theta| > "
                                 "1e6; near the boundary an undecided run is allowed",
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
            res = simulate(Quadratic(np.array([[x]])), HeavyBall(1.0, decay), n_traj=1, n_steps=T, seed=cfg.seed_for("C9", "region edge"),
                           theta0=[1.0], record=("theta",), every=1, diverge_threshold=_THR)
            path = res.records["theta"][0, :, 0]
            div = int(res.diverged_step[0])
            cf = qd.trajectory(x, 1.0, decay, 1.0, 0.0, T)
            predicted = bool(qd.converges(x, 1.0, decay))
            if side == "inside":
                peak_cf = float(np.max(np.abs(cf)))
                fine = predicted and div < 0 and float(np.max(np.abs(path))) <= peak_cf * (1 + 1e-9) and abs(path[-1]) <= _SMALL
                rows[f"lambda={decay} {side} eta h={x:.6g}"] = {
                    "rate": r, "steps": T, "max |theta_t| simulated": float(np.max(np.abs(path))),
                    "max |theta_t| closed form": peak_cf, "|theta_T| simulated": float(abs(path[-1]))}
            else:
                fine = not predicted and div >= 0
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


CHECKS: tuple[Check, ...] = (
    Check("simulation", "convergence region in (eta h, lambda): simulated divergence vs theory", _simulation_region),
)
