"""C3/C4 (seed 1.2, 1.3) and C7 (seed 2): full batch stalls at a strict saddle, noise and momentum escape.

``f = ½(x² − y²)`` and the finite sum ``ℓ_i = ½(x² − y²) + a_i y`` (Σa_i = 0, no proper batch sums to 0):
GD started on the saddle never moves (bitwise), every batch gradient there is non-zero so SGD moves at
step 1 (C4); ``E y_t²`` is exact (``mathcore.saddle``) for SGD and heavy ball, the fixed-time escape
probability is exact for Gaussian noise, and the escape-time law versus B (``∞`` at B = N) is compared
with simulated first-passage times.  Only ``CHECKS`` here: the lead merges them into C3.
"""
from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np
import sympy as sp

from optproof.mathcore import saddle as sd
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome

# no proper subset of A_INT sums to 0 (checked in _exact_saddle); /16 keeps every partial sum exact in float
A_INT = (-12, -12, -12, -8, 11, 11, 11, 11)
A = np.array(A_INT, dtype=np.float64) / 16.0
R = 1.0            # escape radius |y| > R
GAUSS = dict(lr=0.1, s2=0.01, steps=(10, 20, 40))
FS = dict(lr=0.05, T=40, Bs=(1, 2, 4, 7))
OPTS = (0.0, 0.9)  # SGD and heavy ball
_FS: list = []


def _saddle_loss(th, row):
    return 0.5 * (th[0] * th[0] - th[1] * th[1]) + row[0] * th[1]


def _saddle_grad(th, row, out):
    out[0] += th[0]
    out[1] += row[0] - th[1]


def _finite_sum():
    from optproof.sim import FiniteSum

    if not _FS:
        _FS.append(FiniteSum(_saddle_loss, _saddle_grad, A[:, None], 2))
    return _FS[0]


def _exact_saddle(cfg: RunConfig) -> Outcome:
    """Enumerated batches at the saddle; closed-form E y_t² = exact rational moment recursion."""
    a = [Fraction(v, 16) for v in A_INT]
    N = len(a)
    ok = sum(a) == 0
    zero_batches = {B: sum(1 for c in combinations(a, B) if sum(c) == 0) for B in range(1, N)}
    ok &= not any(zero_batches.values())
    var_a = sum(v * v for v in a) / N
    rows = {"full gradient at saddle": "(0, 0)", "batches with zero gradient, by B": zero_batches, "var(a)": str(var_a)}
    for lam_ in (Fraction(0), Fraction(1, 2), Fraction(1)):
        lr, s2 = Fraction(1, 10), Fraction(1, 3)
        # Σ ← AΣAᵀ + η²s²bbᵀ with h = −1 (state (y, m)), exactly
        At = [[1 + lr, lam_], [lr, lam_]]
        S = [[Fraction(0)] * 2 for _ in range(2)]
        for t_ in range(1, 31):
            S = [[sum(At[i][k] * S[k][l] * At[j][l] for k in range(2) for l in range(2)) + lr * lr * s2
                  for j in range(2)] for i in range(2)]
            if t_ % 10 == 0:  # SymPy closed form (roots with square roots) at exact arguments, reduced to a rational
                closed = sd.second_moment(t_, *(sp.Rational(v.numerator, v.denominator) for v in (lr, lam_, s2)))
                ok &= sp.radsimp(sp.expand(closed)) == sp.Rational(S[0][0].numerator, S[0][0].denominator)
        rows[f"E y_30^2, lambda={lam_}"] = str(S[0][0]) if len(str(S[0][0])) < 200 else float(S[0][0])
    return Outcome(bool(ok), "sum a_i = 0 and no proper batch of the 8 examples has zero gradient at the saddle "
                             "(all 254 batches); closed-form E y_t^2 = exact rational moment recursion (t <= 30)", rows)


def _simulation_stuck(cfg: RunConfig) -> Outcome:
    """GD and heavy ball at rest on the saddle stay bitwise at 0; SGD moves at step 1 in every trajectory."""
    from optproof.sim import HeavyBall, Quadratic, Sampler, simulate

    H = np.diag([1.0, -1.0])
    ok, rows = True, {}
    for k, lam_ in enumerate(OPTS):
        for name, prob, samp in (("quadratic, no noise", Quadratic(H), None),
                                 ("finite sum, B = N (fresh)", _finite_sum(), Sampler("fresh", len(A))),
                                 ("finite sum, B = N (reshuffle)", _finite_sum(), Sampler("reshuffle", len(A)))):
            res = simulate(prob, HeavyBall(0.1, lam_), samp, n_traj=8, n_steps=500, theta0=[0.0, 0.0],
                           record=("theta", "grad"), every=1, seed=cfg.seed_for("C3", "saddle full batch"))
            still = bool(np.all(res.records["theta"] == 0.0) and np.all(res.records["grad"] == 0.0))
            ok &= still
            rows[f"lambda={lam_} {name}: theta_t == 0 bitwise for t <= 500"] = still
        B = 2
        res = simulate(_finite_sum(), HeavyBall(0.1, lam_), Sampler("fresh", B), n_traj=2000, n_steps=1,
                       theta0=[0.0, 0.0], record=("theta",), every=1, seed=cfg.seed_for("C3", "saddle first step", k))
        y1 = res.records["theta"][:, 0, 1]
        allowed = {-0.1 * float(sum(c)) / B for c in combinations(A, B)}
        moved = bool(np.all(y1 != 0.0) and np.all(res.records["theta"][:, 0, 0] == 0.0))
        in_set = all(min(abs(v - u) for u in allowed) <= 1e-15 for v in np.unique(y1))
        ok &= moved and in_set
        rows[f"lambda={lam_} SGD B=2: y_1 != 0 in all 2000 trajectories, y_1 = -eta abar_B"] = moved and in_set
    return Outcome(ok, "full batch from the saddle: no motion in 500 steps (bitwise); mini-batch B=2: every "
                       "trajectory moves at step 1 by -eta*abar_B", rows)


def _escape_times(prob, lam_, lr, samp, n, T, seed):
    from optproof.sim import HeavyBall, simulate

    res = simulate(prob, HeavyBall(lr, lam_), samp, n_traj=n, n_steps=T, seed=seed, theta0=[0.0, 0.0],
                   record=("theta",), every=T, diverge_threshold=R)
    return res.diverged_step


def _simulation_escape_law(cfg: RunConfig) -> Outcome:
    """Median escape step vs B (finite sum, SGD and heavy ball) within 1 step of theory; B = N never escapes."""
    from optproof.sim import Sampler

    n = 2_000 if cfg.quick else 20_000
    ok, rows, curve = True, {}, []
    for k, lam_ in enumerate(OPTS):
        for B in FS["Bs"] + (len(A),):
            s2 = sd.batch_noise_variance(A, B)
            T = 3000
            nn = n if B < len(A) else 16
            tau = _escape_times(_finite_sum(), lam_, FS["lr"], Sampler("fresh", B), nn, T,
                                cfg.seed_for("C3", "escape law", k, B))
            if B == len(A):
                never = bool(np.all(tau < 0))
                ok &= never
                rows[f"lambda={lam_} B=N={B}"] = {"escaped (of 16, 3000 steps)": int(np.sum(tau >= 0)), "theory": "never"}
                continue
            pred = sd.median_escape_step(R, FS["lr"], lam_, s2)
            med = float(np.median(tau)) if np.all(tau >= 0) else float("inf")
            lead = sd.escape_time_leading(R, FS["lr"], lam_, s2, quantile=0.5)
            ok &= abs(med - pred) <= 1
            rows[f"lambda={lam_} B={B}"] = {"s2 = c(N,B) var(a)": s2, "median escape step (sim)": med,
                                           "median of fixed-time law (theory)": pred, "leading order": lead,
                                           "mean escape step (sim)": float(np.mean(tau))}
            curve.append((lam_, B, med, pred, lead))
    figures = [("saddle_escape", _escape_figure(cfg, curve))] if cfg.make_figures else []
    return Outcome(ok, "median escape time vs B within 1 step of theory for SGD and heavy ball (lr = 0.05, r = 1); "
                       "B = N never escapes", {"trajectories per B": n, "rows": rows},
                   [r"\tau_{1/2} \approx \frac{\log\big(r/(\Phi^{-1}(3/4)\,\sigma_Z)\big)}{\log z_1},\ "
                    r"\sigma_Z^2 \propto c(N,B)\,\mathrm{var}(a)"], figures)


def _escape_figure(cfg, curve):
    from optproof.sim import Quadratic

    fig, (a1, a2) = new_figure(10, 3.8, ncols=2)
    p = GAUSS
    prob = Quadratic(np.diag([1.0, -1.0]), noise_cov=np.diag([0.0, p["s2"]]))
    for k, lam_ in enumerate(OPTS):
        tau = _escape_times(prob, lam_, p["lr"], None, 20_000, 400, cfg.seed_for("C3", "escape figure", k))
        tt = np.arange(1, int(tau.max()) + 2)
        a1.hist(tau, bins=np.arange(0.5, tau.max() + 1.5), density=True, alpha=0.5,
                label=f"simulated escape step, λ={lam_}")
        cdf = sd.escape_probability(tt, R, p["lr"], lam_, p["s2"])
        a1.plot(tt[1:], np.diff(cdf), "k-" if lam_ == 0 else "k--", lw=1,
                label=f"theory ΔP(|y_t|>r), λ={lam_}")
    a1.set_xlabel("escape step t (first |y_t| > 1)")
    a1.set_ylabel("probability per step")
    a1.set_title(f"saddle ½(x²−y²), Gaussian noise s²={p['s2']}, η={p['lr']}", fontsize=9)
    a1.legend(fontsize=7)
    for lam_, mk in zip(OPTS, ("o", "s")):
        rows = [c for c in curve if c[0] == lam_]
        Bs = [c[1] for c in rows]
        a2.plot(Bs, [c[2] for c in rows], mk, label=f"simulated median, λ={lam_}")
        a2.plot(Bs, [c[3] for c in rows], "k-" if lam_ == 0 else "k--", lw=1, label=f"theory median, λ={lam_}")
    a2.set_xlabel(f"batch size B (N = {len(A)}; B = N never escapes)")
    a2.set_ylabel("median escape step")
    a2.set_title(f"finite sum ℓ_i = ½(x²−y²) + a_i y, η={FS['lr']}", fontsize=9)
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _simulation_moments(cfg: RunConfig) -> Outcome:
    """E y_t² (Gaussian and mini-batch noise) and P(|y_t| > r) (Gaussian, exact) vs simulation."""
    from optproof.sim import HeavyBall, Quadratic, Sampler, simulate

    n = 10_000 if cfg.quick else 100_000
    comps, p = [], GAUSS
    prob = Quadratic(np.diag([1.0, -1.0]), noise_cov=np.diag([0.0, p["s2"]]))
    for k, lam_ in enumerate(OPTS):
        T = max(p["steps"])
        res = simulate(prob, HeavyBall(p["lr"], lam_), n_traj=n, n_steps=T,
                       seed=cfg.seed_for("C3", "saddle moments", k), theta0=[0.0, 0.0], record=("theta",), every=10)
        med = sd.median_escape_step(R, p["lr"], lam_, p["s2"])
        for t_ in p["steps"]:
            y = res.records["theta"][:, t_ // 10 - 1, 1]
            comps.append(compare_mean(f"Gaussian lambda={lam_}: E y_{t_}^2", y * y,
                                      sd.second_moment(t_, p["lr"], lam_, p["s2"]), ALPHA_EACH))
        run = simulate(prob, HeavyBall(p["lr"], lam_), n_traj=n, n_steps=med + 4,
                       seed=cfg.seed_for("C3", "saddle escape probability", k), theta0=[0.0, 0.0], record=("theta",), every=1)
        for t_ in (med - 4, med, med + 4):
            y = run.records["theta"][:, t_ - 1, 1]
            comps.append(compare_mean(f"Gaussian lambda={lam_}: P(|y_{t_}| > {R})", (np.abs(y) > R).astype(float),
                                      sd.escape_probability(t_, R, p["lr"], lam_, p["s2"]), ALPHA_EACH))
        for B in (1, 4):
            res = simulate(_finite_sum(), HeavyBall(FS["lr"], lam_), Sampler("fresh", B), n_traj=n, n_steps=FS["T"],
                           seed=cfg.seed_for("C3", "saddle finite sum", k, B), theta0=[0.0, 0.0], record=("theta",),
                           every=FS["T"])
            y = res.records["theta"][:, 0, 1]
            comps.append(compare_mean(f"finite sum lambda={lam_} B={B}: E y_{FS['T']}^2", y * y,
                                      sd.second_moment(FS["T"], FS["lr"], lam_, sd.batch_noise_variance(A, B)),
                                      ALPHA_EACH))
    z1 = {lam_: sd.growth_roots(p["lr"], lam_)[0] for lam_ in OPTS}
    return comparisons_outcome(comps, "escape from the saddle: second moments and escape probabilities", {
        "trajectories": n, "growth factor z1 per step": z1,
        "heavy ball / SGD growth rate log z1": float(np.log(z1[0.9]) / np.log(z1[0.0]))},
        [r"\mathbb{E}\,y_t^2 = \eta^2 s^2 \sum_{n=1}^t S_n^2,\ P(|y_t|>r) = \mathrm{erfc}\big(r/\sqrt{2\mathbb{E}y_t^2}\big)"])


N_MOMENT_COMPARISONS = len(OPTS) * (len(GAUSS["steps"]) + 3 + 2)

CHECKS: tuple[Check, ...] = (
    proof_check("saddle: stationary for L not for L_B; noisy recursion; exact E y_t^2; escape law vs B", (
        sd.prove_saddle_stationary, sd.prove_noisy_recursion, sd.prove_second_moment, sd.prove_escape_law)),
    Check("exact", "saddle: enumerated batch gradients; E y_t^2 = rational moment recursion", _exact_saddle),
    Check("simulation", "saddle: full batch never moves (bitwise), mini-batch moves at step 1", _simulation_stuck),
    Check("simulation", "saddle: median escape step vs batch size (SGD, heavy ball)", _simulation_escape_law),
    Check("simulation", "saddle: E y_t^2 and P(|y_t| > r) vs simulation", _simulation_moments,
          alpha=N_MOMENT_COMPARISONS * ALPHA_EACH),
)
