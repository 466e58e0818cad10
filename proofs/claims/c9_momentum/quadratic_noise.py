"""C9 on a quadratic under additive gradient noise, simulated: Monte Carlo moments against the exact recursions.

Noisy runs use ``sim.Quadratic(H, noise_cov=C)`` (Gaussian ξ_t ~ N(0, C)), with per-trajectory records
so that variances are estimated as means of (θ − μ_t)² with the exact μ_t (standard error from the
sample fourth moment); each comparison is a z-test at ``ALPHA_EACH`` (``proofs.stats``).
"""
from __future__ import annotations

import math

import numpy as np

from optproof.mathcore import noise as nz
from optproof.mathcore import quadratic as qd
from optproof.mathcore.momentum import theta0
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome, critical_z

__all__ = ["CHECKS", "N_COMPARISONS", "N_MEAN_BAND", "N_STATIONARY"]

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
                                        [p["theta0"]], n1, p["T"], p["every"],
                                        cfg.seed_for("C9", "mean band", 1))
    mo1 = nz.moments(p["h"], p["lr"], p["momentum"], p["s2"], p["theta0"], 0.0, p["T"])
    comps = []
    for t_ in p["steps"]:
        x = th1[:, t_ // p["every"] - 1, 0]
        mu, var = float(mo1.theta_mean[t_, 0]), float(mo1.cov[t_, 0, 0])
        comps.append(compare_mean(f"1-D E[theta_{t_}]", x, mu, ALPHA_EACH))
        comps.append(compare_mean(f"1-D Var theta_{t_} (E[(theta - mu_t)^2])", (x - mu) ** 2, var, ALPHA_EACH))
    q = _THREE_D
    steps3, th3 = _additive_noise_theta(_H3, _C3, q["lr"], q["momentum"], q["theta0"], n3, q["T"], q["every"],
                                        cfg.seed_for("C9", "mean band", 3))
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
               cfg.seed_for("C9", "band figure", 1), r"1-D: $h=1$, $\eta=0.1$, $\lambda=0.9$, $s^2=1$, $\theta_0=5$"),
              (_H3, _C3, q["lr"], q["momentum"], q["theta0"], cfg.seed_for("C9", "band figure", 3),
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
    """Var θ_T against λ at ηh = 0.1 vs ``noise.stationary_variance`` (the formula displayed); T makes the
    transient ``|Var θ_T − Var_∞| ≤ ρ^{2T} Var_∞ ≤ 1e-4 Var_∞`` (``_stationary_steps``), far below the se."""
    p = _STAT
    n = N_STATIONARY["quick" if cfg.quick else "default"]
    comps, rows, curve = [], {}, []
    for k, decay in enumerate(p["lams"]):
        T = _stationary_steps(decay, p["h"], p["lr"])
        H = p["h"] * np.eye(p["d"])
        _, th = _additive_noise_theta(H, p["s2"] * np.eye(p["d"]), p["lr"], decay, np.zeros(p["d"]), n, T, T,
                                      cfg.seed_for("C9", "stationary", k))
        x = th[:, 0, :].ravel()
        exact_T = float(nz.moments(p["h"], p["lr"], decay, p["s2"], 0.0, 0.0, T).cov[T, 0, 0])
        stat = nz.stationary_variance(p["h"], p["lr"], decay, p["s2"])
        temp = float(nz.temperature(p["lr"], decay, p["s2"])) / p["h"]
        # against the displayed formula itself: the transient makes Var theta_T smaller than stat by at
        # most rho^{2T} <= 1e-4 of it, i.e. <= 0.04 se at the default size (se/stat ~ sqrt(2/n) = 2.5e-3)
        c = compare_mean(f"Var theta_T vs stationary_variance, lambda={decay}, T={T}", x**2, stat, ALPHA_EACH)
        comps.append(c)
        rows[f"lambda={decay}"] = {"T": T, "exact Var theta_T": exact_T, "stationary formula": stat,
                                   "relative gap finite-T vs stationary": (stat - exact_T) / stat,
                                   "temperature T/h": temp}
        curve.append((decay, c.estimate, c.se, stat, temp))
    numbers = {"h": p["h"], "lr": p["lr"], "s2": p["s2"], "theta_0 = m_0": 0.0,
               "samples per lambda": f"{n} trajectories x {p['d']} independent coordinates (H = I)",
               "estimator": "mean of theta_T^2 (E theta_T = 0), se from the sample fourth moment", "rows": rows}
    figures = [("stationary_variance_vs_lambda", _stationary_figure(curve))] if cfg.make_figures else []
    return comparisons_outcome(comps, "Var theta_T vs lambda at eta h = 0.1 against stationary_variance (the "
                                      "finite-T transient is below 1e-4 of it)", numbers,
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


N_COMPARISONS = {"mean_band": 2 * len(_ONE_D["steps"]) + 3 * len(_THREE_D["steps"]) + len(_THREE_D["means"]),
                 "stationary": len(_STAT["lams"])}


CHECKS: tuple[Check, ...] = (
    Check("simulation", "noisy trajectories: mean and variance vs exact recursions (1-D, d=3)", _simulation_mean_band,
          alpha=N_COMPARISONS["mean_band"] * ALPHA_EACH),
    Check("simulation", "stationary variance against momentum", _simulation_stationary,
          alpha=N_COMPARISONS["stationary"] * ALPHA_EACH),
)
