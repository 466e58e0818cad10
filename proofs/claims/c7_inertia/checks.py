"""C7 (seed 2): momentum adds inertia — it keeps moving where the gradient is small and rolls over small minima.

Plateau: on a slope of gradient −g, heavy ball's exact position ``θ_t = (ηg/(1−λ))(t − λG(t))`` gives the
crossing step of a length D exactly (checked against the simulator step for step), and
``T_λ(D)/T_0(D) → 1 − λ``.  Bump: a tilted-cosine local minimum of depth Δ on the way down; the
continuous-time limit ``θ'' + (1−λ)θ' + ηf' = 0`` (energy condition ``½v₀² > ηf(θ_max)`` at leading order)
predicts which (λ, Δ) roll over, GD never does (``η max f'' ≤ 1``).  The saddle part of C7 (heavy ball
escapes faster than SGD) is in ``c3_noise_and_saddle/saddle.py``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from optproof.mathcore import inertia as inr
from optproof.mathcore.momentum import positions_error_bound
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check

# --------------------------------------------------------------------------- potentials (FiniteSum, N = 1)
_FS: dict = {}


def _plateau_loss(th, row):  # row = [g, D, k]: slope -g x up to D, then a well of curvature k
    x = th[0]
    f = -row[0] * x
    if x > row[1]:
        f += 0.5 * row[2] * (x - row[1]) ** 2
    return f


def _plateau_grad(th, row, out):
    x = th[0]
    d = -row[0]
    if x > row[1]:
        d += row[2] * (x - row[1])
    out[0] += d


def _bump_loss(th, row):  # theta = (x, H) (H rides along, gradient 0); row = [g, w, L, k]
    x, H, g, w = th[0], th[1], row[0], row[1]
    f = -g * x
    if x >= 0.0 and x <= w:
        f += 0.5 * H * (1.0 - math.cos(2.0 * math.pi * x / w))
    if x > w + row[2]:
        f += 0.5 * row[3] * (x - w - row[2]) ** 2
    return f


def _bump_grad(th, row, out):
    x, H, g, w = th[0], th[1], row[0], row[1]
    d = -g
    if x >= 0.0 and x <= w:
        d += H * math.pi / w * math.sin(2.0 * math.pi * x / w)
    if x > w + row[2]:
        d += row[3] * (x - w - row[2])
    out[0] += d


def _finite_sum(kind: str, row):
    """One compiled FiniteSum per potential kind; other parameters ride in the data row."""
    from optproof.sim import FiniteSum

    if kind not in _FS:
        loss, grad, dim = {"plateau": (_plateau_loss, _plateau_grad, 1), "bump": (_bump_loss, _bump_grad, 2)}[kind]
        _FS[kind] = FiniteSum(loss, grad, np.array([row], dtype=np.float64), dim)
    fs = _FS[kind]
    fs.data = np.ascontiguousarray(np.array([row], dtype=np.float64))  # same kernels, new parameters
    return fs


# =========================================================================== plateau
# D is offset by 0.0037 from round numbers so that no exact position lands within rounding of D (the
# "margin > float error bound" certificate below then holds); eta g = 0.01 per step.
_PLATEAU = dict(lr=0.01, g=1.0, k=1.0, lams=(0.0, 0.5, 0.9, 0.99),
                Ds=tuple(d + 0.0037 for d in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 200.0)))


def _exact_plateau(cfg: RunConfig) -> Outcome:
    """Fraction recursion of heavy ball on the slope = closed form; crossing_step = brute-force first crossing."""
    ok, rows = True, {}
    for lam_ in (Fraction(0), Fraction(1, 2), Fraction(9, 10), Fraction(1)):
        lr, g, th, m = Fraction(1, 8), Fraction(3, 4), Fraction(0), Fraction(0)
        for t_ in range(1, 41):
            m = lam_ * m + lr * g
            th += m
            ok &= th == inr._exact_position(t_, lr, lam_, g)
        D = Fraction(5)
        th, m, t_ = Fraction(0), Fraction(0), 0
        while th < D:
            m, t_ = lam_ * m + lr * g, t_ + 1
            th += m
        got = inr.crossing_step(float(D), float(lr), float(lam_), float(g))
        ok &= got == t_
        rows[f"lambda={lam_}"] = {"brute-force crossing step (D=5, eta=1/8, g=3/4)": t_, "crossing_step": got}
    return Outcome(ok, "exact rational heavy ball on the slope = closed form for t <= 40 (lambda = 0, 1/2, 9/10, 1); "
                       "crossing_step = first crossing by brute force", rows)


def _sim_crossing(lr, lam_, g, D, k):
    from optproof.sim import HeavyBall, Sampler, simulate

    T = inr.crossing_bounds(D, lr, lam_, g)[1] + 2
    res = simulate(_finite_sum("plateau", [g, D, k]), HeavyBall(lr, lam_), Sampler("fixed", 1), n_traj=1,
                   n_steps=T, record=("theta",), every=1)
    x = res.records["theta"][0, :, 0]
    hit = np.flatnonzero(x >= D)
    return (int(hit[0]) + 1 if hit.size else -1), x


def _simulation_plateau(cfg: RunConfig) -> Outcome:
    """Simulated crossing step = exact closed-form step (every λ, D); ratio T_λ/T_0 → 1 − λ."""
    p = _PLATEAU
    Ds = p["Ds"][:4] if cfg.quick else p["Ds"]
    ok, rows, table = True, {}, {}
    for lam_ in p["lams"]:
        for D in Ds:
            T = inr.crossing_step(D, p["lr"], lam_, p["g"])
            sim_T, _ = _sim_crossing(p["lr"], lam_, p["g"], D, p["k"])
            # the step index is certain when the exact positions at T-1 and T are farther from D than the
            # float error bound of the simulated positions (momentum.positions_error_bound)
            bound = float(positions_error_bound(np.full(T, -p["g"]), p["lr"], lam_)[-1])
            fl, fm, fg = map(Fraction, (p["lr"], lam_, p["g"]))
            margin = min(abs(float(inr._exact_position(s, fl, fm, fg) - Fraction(D))) for s in (T - 1, T))
            certain = margin > bound
            ok &= sim_T == T and certain
            T0 = inr.crossing_step(D, p["lr"], 0.0, p["g"])
            rows[f"lambda={lam_} D={D}"] = {"exact crossing step": T, "simulated": sim_T, "margin": margin,
                                          "float error bound": bound}
            table.setdefault(str(lam_), []).append({"D": D, "T": T, "ratio T/T0": T / T0,
                                                    "1-lambda": 1 - lam_, "lag lambda/(1-lambda)": lam_ / (1 - lam_)})
    numbers = {"lr": p["lr"], "g": p["g"], "rows": rows, "ratio table": table}
    figures = [("plateau_crossing", _plateau_figure(Ds))] if cfg.make_figures else []
    last = {k: v[-1]["ratio T/T0"] for k, v in table.items()}
    return Outcome(ok, f"simulated crossing step = exact step for all {len(rows)} (lambda, D); at D = {Ds[-1]} "
                       f"T/T0 = " + ", ".join(f"{v:.4f} (1-lambda = {1 - float(k):.2f})" for k, v in last.items()),
                   numbers, [r"\theta_t - \theta_0 = \frac{\eta g}{1-\lambda}\left(t - \lambda\frac{1-\lambda^t}{1-\lambda}\right)"],
                   figures)


def _plateau_figure(Ds):
    p = _PLATEAU
    fig, (a1, a2) = new_figure(10, 3.8, ncols=2)
    D = 5.0
    for lam_ in p["lams"]:
        T, x = _sim_crossing(p["lr"], lam_, p["g"], D, p["k"])
        tt = np.arange(1, len(x) + 1)
        a1.plot(tt, x, ".", ms=2, label=f"simulated, λ={lam_} (crosses at t={T})")
        a1.plot(tt, [inr.plateau_position(int(s), p["lr"], lam_, p["g"]) for s in tt], "k-", lw=0.6)
    a1.axhline(D, color="gray", ls="--", label=f"end of plateau D={D}")
    a1.set_xscale("log")
    a1.set_xlabel("step t (log scale)")
    a1.set_ylabel("position θ_t")
    a1.set_title("plateau (gradient −g = −1, η = 0.01); black: closed form", fontsize=9)
    a1.legend(fontsize=7)
    for lam_ in p["lams"][1:]:
        r = [inr.crossing_step(d, p["lr"], lam_, p["g"]) / inr.crossing_step(d, p["lr"], 0.0, p["g"]) for d in Ds]
        a2.semilogx(Ds, r, "o-", label=f"λ={lam_}: exact T_λ/T_0")
        a2.axhline(1 - lam_, ls=":", color=a2.lines[-1].get_color())
    a2.set_xlabel("plateau length D (units of θ)")
    a2.set_ylabel("crossing steps, momentum / GD")
    a2.set_title("T_λ/T_0 → 1 − λ (dotted) as D grows", fontsize=9)
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


# =========================================================================== bump
_BUMP = dict(lr=0.001, g=1.0, w=1.0, L=2.0, k=1.0)
_GRID = {"quick": (6, 8), "default": (16, 20)}  # (number of lambdas, number of depths)


def _grid(cfg):
    nl, nd = _GRID["quick" if cfg.quick else "default"]
    return np.linspace(0.9, 0.995, nl), np.geomspace(0.005, 10.0, nd)


def _simulate_bump(lam_, Hs, T):
    """Crossed?  (max θ_t > θ_max) for heavy ball entering at terminal velocity, one trajectory per H."""
    from optproof.sim import HeavyBall, Sampler, simulate

    p = _BUMP
    v0 = inr.terminal_velocity(p["lr"], lam_, p["g"]) if lam_ < 1 else 0.0
    th0 = np.stack([np.full(len(Hs), -v0), Hs], 1)
    m0 = np.stack([np.full(len(Hs), v0), np.zeros(len(Hs))], 1)
    res = simulate(_finite_sum("bump", [p["g"], p["w"], p["L"], p["k"]]), HeavyBall(p["lr"], lam_),
                   Sampler("fixed", 1), n_traj=len(Hs), n_steps=T, theta0=th0, m0=m0, record=("theta",), every=1)
    x = res.records["theta"][:, :, 0]
    tmax = np.array([inr.bump_critical_points(p["g"], H, p["w"])[1] for H in Hs])
    return x.max(1) > tmax, x


def _simulation_bump(cfg: RunConfig) -> Outcome:
    """Phase diagram over (λ, Δ): simulated roll-over vs the continuous-limit boundary and the energy condition."""
    p = _BUMP
    lams, deps = _grid(cfg)
    Hs = np.array([inr.height_for_depth(d, p["g"], p["w"]) for d in deps])
    T = 6000
    sim = np.array([_simulate_bump(l_, Hs, T)[0] for l_ in lams])  # (n_lam, n_dep)
    cont = inr.continuous_crosses(p["lr"], lams[:, None], p["g"], Hs[None, :], p["w"])
    energy = np.array([[inr.crossing_margin(p["lr"], l_, p["g"], H, p["w"]) > 0 for H in Hs] for l_ in lams])
    dc = inr.critical_depth(p["lr"], lams, p["g"], p["w"], "continuous")
    de = inr.critical_depth(p["lr"], lams, p["g"], p["w"], "energy")
    ratio = deps[1] / deps[0]
    miss = np.argwhere(sim != cont)
    # a miss is "near the boundary" when the grid depth is within one grid ratio of the theory's Δ_c
    near = all(dc[i] > 0 and 1 / ratio <= deps[j] / dc[i] <= ratio for i, j in miss)
    gd_stuck, _ = _simulate_bump(0.0, Hs, 3000)
    trapped = all(inr.gd_trapped(p["lr"], p["g"], H, p["w"], p["k"]) for H in Hs)
    agree_c, agree_e = float((sim == cont).mean()), float((sim == energy).mean())
    ok = bool(near and agree_c >= 0.9 and not gd_stuck.any() and trapped)
    numbers = {"parameters": p, "lambdas": lams.tolist(), "depths": deps.tolist(),
               "agreement with continuous-time limit": agree_c, "agreement with leading-order energy condition": agree_e,
               "misclassified (lambda, depth, theory depth)": [[float(lams[i]), float(deps[j]), float(dc[i])] for i, j in miss],
               "critical depth continuous": dc.tolist(), "critical depth energy": de.tolist(),
               "GD (lambda=0) rolled over at any depth": bool(gd_stuck.any()), "GD trapped condition eta max f'' <= 1": trapped,
               "simulated outcome (rows lambda, cols depth)": sim.astype(int).tolist()}
    figures = [("bump_phase_diagram", _bump_figure(lams, deps, sim, dc, de))] if cfg.make_figures else []
    return Outcome(ok, f"roll-over phase diagram: {agree_c:.1%} of {sim.size} grid points agree with the continuous-limit "
                       f"boundary ({len(miss)} misses, all within one grid step of it: {near}), {agree_e:.1%} with the "
                       f"leading-order energy condition; GD stuck at every depth: {not gd_stuck.any()}", numbers,
                   [r"\tfrac12 v_0^2 > \eta f(\theta_{\max}),\ v_0 = \frac{\eta g}{1-\lambda}\ \text{(leading order)};\ "
                    r"\ddot\theta + (1-\lambda)\dot\theta + \eta f'(\theta) = 0"], figures)


def _bump_figure(lams, deps, sim, dc, de):
    fig, ax = new_figure(6.5, 4.2)
    L, Dg = np.meshgrid(lams, deps, indexing="ij")
    ax.scatter(L[sim], Dg[sim], marker="o", color="tab:green", s=14, label="simulated: rolls over")
    ax.scatter(L[~sim], Dg[~sim], marker="x", color="tab:red", s=14, label="simulated: stuck in the local minimum")
    ax.plot(lams, np.where(dc > 0, dc, np.nan), "k-", lw=1.8, label="theory: continuous-time limit boundary")
    ax.plot(lams, de, "k--", lw=1, label=r"leading-order energy condition $f(\theta_{\max}) = \eta g^2/(2(1-\lambda)^2)$, as $\Delta$")
    ax.set_yscale("log")
    ax.set_ylim(deps[0] / 2, deps[-1] * 3)
    ax.set_xlabel(r"momentum $\lambda$")
    ax.set_ylabel(r"bump depth $\Delta$ (units of $f$)")
    ax.set_title(r"Heavy ball over a local minimum ($\eta$=0.001, slope g=1, width w=1); GD: stuck everywhere", fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


CHECKS: tuple[Check, ...] = (
    proof_check("plateau position, crossing-step bounds and ratio, continuous-time energy identity, GD trapped, "
                "bump geometry", (inr.prove_plateau_position, inr.prove_crossing_ratio, inr.prove_energy_identity,
                                  inr.prove_gd_trapped, inr.prove_bump_geometry)),
    Check("exact", "rational heavy ball on a slope: closed form and crossing step", _exact_plateau),
    Check("simulation", "plateau crossing step: simulation = exact closed form; ratio -> 1 - lambda", _simulation_plateau),
    Check("simulation", "bump roll-over phase diagram vs theory boundary; GD stuck", _simulation_bump),
)
