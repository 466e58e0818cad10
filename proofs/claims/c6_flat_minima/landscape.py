"""C6 (seed 1.4), synthetic part: small batches end in the flat minimum, large ones stay in the sharp one.

Landscape ``mathcore.landscape.SoftminWells`` (h_s = 16, h_f = 1, the flat minimum 0.1 higher), per-example
losses ``ℓ_i = f(θ) + a_i θ`` (N = 32, Σa_i = 0) so a fresh B-subset has additive gradient noise of variance
``c(N, B)·var(a)`` and temperature ``T = ησ_B²/(2(1 − λ))``.  Every trajectory starts in the sharp minimum
(the picture of the seed: where a large batch lands); the test loss is ``f(θ − δ)``.

Theory: the overdamped Fokker–Planck equation (exact small-η limit of SGD; ``landscape.FokkerPlanck``) gives
the occupancy P_flat(t) and E[f_test(θ_t)] at every B; Laplace (``√(h_s/h_f) e^{−Δf/T}``) and Kramers are
its closed-form approximations, reported next to it.  Simulation: SGD with the fresh sampler at two step
sizes η and 2η with the same T; the Richardson combination ``2X(η) − X(2η)`` removes the O(η) bias of the
discrete step (Talay–Tubaro), and is what the harness compares (B = 1: occupancy over time and test loss;
B = 4: test loss, frozen in the sharp well; B = N: GD, exact).  Where the approximations fail is measured,
not hidden: at B = 2 (ΔV/T ≈ 6) escape is a rare event sensitive to the discrete noise's tails and to η
beyond first order, so it is reported, not tested; Kramers overestimates the rate by ×1.8 at ΔV/T ≈ 3.
"""
from __future__ import annotations

import math

import numpy as np

from optproof.mathcore import landscape as ls
from optproof.mathcore import landscape_proofs as lsp
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import error_bar, new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare, comparisons_outcome

LAND = dict(h_sharp=16.0, h_flat=1.0, theta_sharp=0.0, theta_flat=2.5, f_sharp=0.0, f_flat=0.1, tau=0.5)
N_DATA, DELTA, LR, TEMP_B1 = 32, 0.3, 0.002, 0.6  # examples, test shift, step (and 2x), T at B = 1
BATCHES = (1, 2, 4, 32)  # B = N is full-batch GD (deterministic)
SIZES = {"default": (4000, 40.0), "quick": (500, 20.0)}  # (trajectories, time horizon in SDE units)
N_RECORDS = 4
N_COMPARISONS = N_RECORDS + 2  # B=1: P_flat at 4 times and E f_test; B=4: E f_test


def landscape() -> ls.SoftminWells:
    return ls.SoftminWells(**LAND)


def _kernels(land: ls.SoftminWells):
    """Per-example loss/grad for sim.FiniteSum: ℓ_i(θ) = f(θ) + a_i θ, row = (a_i,)."""
    hs, hf, ts, tf, fs, ff, tau = land.h_s, land.h_f, land.t_s, land.t_f, land.f_s, land.f_f, land.tau

    def loss(th, row):
        x = th[0]
        a = hs * (x - ts) ** 2 / 2 + fs
        b = hf * (x - tf) ** 2 / 2 + ff
        return min(a, b) - tau * math.log1p(math.exp(-abs(a - b) / tau)) + row[0] * x

    def grad(th, row, out):
        x = th[0]
        z = (hs * (x - ts) ** 2 / 2 + fs - hf * (x - tf) ** 2 / 2 - ff) / tau
        if z > 0:
            e = math.exp(-z)
            ws = e / (1 + e)
        else:
            ws = 1 / (1 + math.exp(z))
        out[0] += ws * hs * (x - ts) + (1 - ws) * hf * (x - tf) + row[0]

    return loss, grad


def _data(seed: int) -> np.ndarray:
    """a_i: N fixed normal draws, centred exactly and scaled to var(a) = 1."""
    a = np.random.default_rng(seed).normal(size=N_DATA)
    a -= a.mean()
    return a / math.sqrt(np.mean(a * a))


def _var_a(lr: float) -> float:
    """var(a) giving T(B = 1) = TEMP_B1 at step lr: T = lr var(a)/2."""
    return 2 * TEMP_B1 / lr


def _run(land, lr, B, n_traj, t_end, seed, data_seed):
    from optproof.sim import SGD, FiniteSum, Sampler, simulate

    loss, grad = _kernels(land)
    a = _data(data_seed) * math.sqrt(_var_a(lr))
    steps = int(round(t_end / lr))
    res = simulate(FiniteSum(loss, grad, a[:, None], 1), SGD(lr), Sampler("fresh", B), n_traj=n_traj, n_steps=steps,
                   seed=seed, theta0=[land.sharp.theta], record=("theta",), every=steps // N_RECORDS)
    return res.steps * lr, res.records["theta"][:, :, 0]


def _richardson(x1: np.ndarray, x2: np.ndarray) -> tuple[float, float]:
    """2·mean(x1) − mean(x2) (independent runs at η and 2η) and its standard error."""
    n1, n2 = x1.size, x2.size
    est = 2 * x1.mean() - x2.mean()
    se = math.sqrt(4 * x1.var(ddof=1) / n1 + x2.var(ddof=1) / n2)
    return float(est), se


def _temperature(B: int) -> float:
    return float(ls.temperature(LR, 0.0, ls.batch_noise_variance(N_DATA, B, _var_a(LR))))


# =========================================================================== exact
def _exact_laplace(cfg: RunConfig) -> Outcome:
    """Gibbs quadrature vs Laplace: error of leading order = c₁T + O(T²) per well; FP stationary = Gibbs."""
    land = landscape()
    rows, ok = {}, True
    for T in (0.025, 0.05, 0.1, 0.2):
        q = ls.gibbs_occupancy(land, T)
        l0, l1 = ls.laplace_occupancy(land, T), ls.laplace_occupancy(land, T, 1)
        rows[f"T={T}"] = {"quadrature": q, "Laplace": l0, "Laplace + O(T)": l1, "|err0|": abs(l0 - q),
                          "|err1|": abs(l1 - q)}
    # leading error is O(T): |err0|/T bounded; the O(T) correction leaves O(T^2): |err1| <= |err0| * T/T_max
    e0 = [rows[k]["|err0|"] for k in rows]
    e1 = [rows[k]["|err1|"] for k in rows]
    ok &= all(b <= a for a, b in zip(e0, e1))
    ok &= e0[-1] / e0[-2] < 4.0  # error ~ linear in T (quadratic would give 4)
    fp = ls.FokkerPlanck(land, 0.3)
    gap = abs(float(fp.pi[fp.flat_mask].sum()) - ls.gibbs_occupancy(land, 0.3))
    ok &= gap < 5e-3  # O(Δθ²) grid error of a Riemann sum on 401 points
    rows["FP stationary vs quadrature (T=0.3)"] = gap
    # discrete-step temperature, exactly: h Var/T = 2(1+λ)/(2(1+λ) − ηh) with rationals
    from fractions import Fraction as F
    import sympy as sp
    from optproof.mathcore.noise import stationary_variance
    for lam in (F(0), F(9, 10)):
        h, eta, s2 = sp.Rational(16), sp.Rational(1, 500), sp.Rational(300)
        lamq = sp.Rational(lam.numerator, lam.denominator)
        ratio = h * stationary_variance(h, eta, lamq, s2) / ls.temperature(eta, lamq, s2)
        ok &= ratio == 2 * (1 + lamq) / (2 * (1 + lamq) - eta * h)
        rows[f"h Var/T at eta h = 4/125, lambda={lam}"] = str(ratio)
    return Outcome(bool(ok), "Laplace occupancy vs exact quadrature: error O(T), O(T^2) after the symbolic "
                             "correction; Fokker-Planck stationary law = Gibbs; discrete temperature ratio exact", rows)


def _exact_gd(cfg: RunConfig) -> Outcome:
    """Full batch (B = N): the batch noise is exactly 0, GD started in the sharp minimum never leaves."""
    from fractions import Fraction as F
    from optproof.mathcore.batching import exact_batch_moments

    land = landscape()
    a = [F(k) for k in (3, -1, 4, -1, -5, 9, -2, -6, -1)]  # sum 0
    mean, var = exact_batch_moments(a, len(a))
    t, th = _run(land, LR, N_DATA, 1, 4.0, cfg.seed_for("C6", "full batch"), cfg.seed_for("C6", "full-batch data"))
    moved = float(np.max(np.abs(th - land.sharp.theta)))
    ft = float(land.f(th[0, -1] - DELTA))
    ok = mean == 0 and var == 0 and moved < 1e-12
    return Outcome(ok, f"B = N: batch noise mean {mean}, variance {var} (exact); GD moved {moved:.1e} from the "
                       f"sharp minimum; test loss {ft:.4f}", {"max |theta_t - theta_sharp|": moved, "test loss": ft})


# =========================================================================== simulation
def _simulation(cfg: RunConfig) -> Outcome:
    n, t_end = SIZES["quick" if cfg.quick else "default"]
    land = landscape()
    ftest = lambda x: land.f(x - DELTA)  # noqa: E731
    comps, rows, curve = [], {}, []
    for j, B in enumerate(BATCHES[:-1]):
        T = _temperature(B)
        # the same data a_i for every run, each run its own stream (step eta and 2 eta for Richardson)
        t1, th1 = _run(land, LR, B, n, t_end, cfg.seed_for("C6", "occupancy", j, 1), cfg.seed_for("C6", "data"))
        _, th2 = _run(land, 2 * LR, B, n, t_end, cfg.seed_for("C6", "occupancy", j, 2), cfg.seed_for("C6", "data"))
        fp = ls.FokkerPlanck(land, T)
        occ_th = fp.occupancy(t1, land.sharp.theta)
        ft_th = float(fp.expectation(ftest, [t_end], land.sharp.theta)[0])
        occ = [_richardson((th1[:, r] > land.barrier.theta).astype(float), (th2[:, r] > land.barrier.theta).astype(float))
               for r in range(N_RECORDS)]
        ft = _richardson(ftest(th1[:, -1]), ftest(th2[:, -1]))
        k_s, k_f = (ls.kramers_rate(e.h, land.barrier.h, land.barrier.f - e.f, T) for e in (land.sharp, land.flat))
        row = {"T": T, "barrier/T (sharp side)": (land.barrier.f - land.sharp.f) / T, "times": t1.tolist(),
               "P_flat simulated (Richardson)": [o[0] for o in occ], "se": [o[1] for o in occ],
               "P_flat raw at eta": (th1 > land.barrier.theta).mean(0).tolist(),
               "P_flat Fokker-Planck": occ_th.tolist(), "P_flat Gibbs (t = inf)": ls.gibbs_occupancy(land, T),
               "P_flat Laplace (t = inf)": ls.laplace_occupancy(land, T),
               "relaxation rate FP": fp.relaxation_rate, "relaxation rate Kramers": k_s + k_f,
               "P_flat(t_end) two-state Kramers": float(ls.two_state_occupancy(
                   ls.laplace_occupancy(land, T), 0.0, k_s + k_f, t_end)),
               "E f_test simulated (Richardson)": ft[0], "se f_test": ft[1], "E f_test Fokker-Planck": ft_th}
        rows[f"B={B}"] = row
        if B == 1:
            comps += [compare(f"B=1 P_flat at t={t:.0f}", o[0], o[1], float(p), n) for t, o, p in zip(t1, occ, occ_th)]
        if B in (1, 4):
            comps.append(compare(f"B={B} E[f_test] at t={t_end:.0f}", ft[0], ft[1], ft_th, n))
        curve.append((B, T, occ[-1][0], occ[-1][1], float(occ_th[-1]), ft[0], ft[1], ft_th))
    gd = land.f(land.sharp.theta - DELTA)
    curve.append((N_DATA, 0.0, 0.0, 0.0, 0.0, float(gd), 0.0, float(gd)))
    rows[f"B={N_DATA}"] = {"T": 0.0, "P_flat": 0.0, "E f_test": float(gd)}
    b2 = rows["B=2"]
    numbers = {"landscape": LAND | {"sharp": vars(land.sharp), "flat": vars(land.flat), "barrier": vars(land.barrier)},
               "N": N_DATA, "delta": DELTA, "lr": [LR, 2 * LR], "var(a) at lr": _var_a(LR), "trajectories": n,
               "t_end (SDE time = lr x steps)": t_end, "start": "all trajectories at the sharp minimum",
               "sampler": "fresh uniform B-subsets (additive noise c(N,B) var(a))",
               "per B": rows,
               "where the approximation fails": {
                   "B=2 P_flat(t_end): simulated vs Fokker-Planck": [b2["P_flat simulated (Richardson)"][-1],
                                                                     b2["P_flat Fokker-Planck"][-1]],
                   "Kramers / FP relaxation rate at B=1, B=2": [rows[k]["relaxation rate Kramers"] /
                                                                rows[k]["relaxation rate FP"] for k in ("B=1", "B=2")],
                   "note": "escape at barrier/T ~ 6 (B=2) is a rare event whose rate depends on the tails of the "
                           "discrete batch noise and on eta beyond first order (a side run, B=1 at the same T = 0.29, "
                           "eta = 0.002: P_flat(40) = 0.218 vs Fokker-Planck 0.163), so B=2 is reported, not "
                           "compared; Kramers overestimates the rate by the factors above at barrier/T ~ 3 and 6."}}
    figures = [("flat_occupancy_vs_B", _occupancy_figure(curve, t_end)), ("test_loss_vs_B", _test_loss_figure(curve)),
               ("landscape", _landscape_figure(land))] if cfg.make_figures else []
    return comparisons_outcome(comps, "SGD from the sharp minimum: flat occupancy and test loss vs Fokker-Planck "
                                      "(Richardson-extrapolated in eta)", numbers,
                               [r"T = \frac{\eta\,\sigma_B^2}{2(1-\lambda)},\ \frac{P_{flat}}{P_{sharp}} \approx "
                                r"\sqrt{h_s/h_f}\,e^{-(f_f-f_s)/T}"], figures)


def _occupancy_figure(curve, t_end):
    fig, ax = new_figure()
    B, T, est, se, th = (np.array(v) for v in list(zip(*curve))[:5])
    ax.semilogx(B, th, "k-o", mfc="none", label=f"Fokker-Planck at t = {t_end:.0f}")
    ax.errorbar(B, est, yerr=error_bar(se, ALPHA_EACH), fmt="s", color="tab:red", capsize=3,
                label=f"simulated ({100 * (1 - ALPHA_EACH):g}% CI)")
    land = landscape()
    ax.semilogx(B[T > 0], [ls.gibbs_occupancy(land, t) for t in T[T > 0]], "k:", label="stationary (Gibbs)")
    ax.set_xlabel("batch size B (N = 32)")
    ax.set_ylabel("P(flat minimum)")
    ax.set_title("Occupancy of the flat minimum, SGD started in the sharp one")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _test_loss_figure(curve):
    fig, ax = new_figure()
    B, ft, se, th = (np.array(v) for v in (list(zip(*curve))[0], *list(zip(*curve))[5:]))
    ax.semilogx(B, th, "k-o", mfc="none", label="Fokker-Planck")
    ax.errorbar(B, ft, yerr=error_bar(se, ALPHA_EACH), fmt="s", color="tab:red", capsize=3,
                label=f"simulated ({100 * (1 - ALPHA_EACH):g}% CI)")
    ax.set_xlabel("batch size B (N = 32)")
    ax.set_ylabel(r"E[$f_{test}(\theta)$] = E[$f(\theta-\delta)$]")
    ax.set_title(f"Expected test loss vs batch size (delta = {DELTA})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _landscape_figure(land):
    fig, ax = new_figure()
    x = np.linspace(-0.8, 5.0, 600)
    ax.plot(x, land.f(x), "k-", label="training loss f")
    ax.plot(x, land.f(x - DELTA), "r--", label=r"test loss $f(\theta-\delta)$")
    ax.set_ylim(-0.2, 3.0)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("loss")
    ax.set_title("Sharp (left, h=16) and flat (right, h=1) minimum")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


CHECKS: tuple[Check, ...] = (
    proof_check("Gibbs stationary density, Laplace expansion, occupancy ratio, Kramers rate, temperature, test loss", (
        lsp.prove_gibbs_stationary, lsp.prove_laplace, lsp.prove_occupancy_ratio, lsp.prove_kramers,
        lsp.prove_temperature, lsp.prove_test_loss)),
    Check("exact", "Laplace vs exact quadrature; Fokker-Planck stationary law; discrete temperature", _exact_laplace),
    Check("exact", "full batch: zero noise, GD stays in the sharp minimum", _exact_gd),
    Check("simulation", "flat-minimum occupancy and test loss vs batch size", _simulation,
          alpha=N_COMPARISONS * ALPHA_EACH),
)
