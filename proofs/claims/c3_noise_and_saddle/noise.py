"""C3 (seed 1.2, 1.3): full batch gives the exact, stable gradient; a small batch a noisy one.

Here the noise itself is the claim: at θ the batch gradient has covariance c(N, B)·Σ(θ), zero
for B = N, quadratic in θ (multiplicative), and the iterates of SGD / heavy ball with a fresh
batch every step have exact mean and covariance recursions (``mathcore.minibatch``).  The
additive model (noise frozen at θ*) underestimates the stationary spread by a computable amount;
McCandlish et al.'s noise scale gives the best step per batch size; inside a reshuffled epoch the
batches are negatively correlated (−Σ/(N−1)), which the fresh-batch formula ignores.

The saddle-escape experiments of C3 (GD stuck, SGD escapes) belong to the phenomena catalog.
"""
from __future__ import annotations

from functools import partial
from fractions import Fraction as F
from itertools import combinations, permutations, product

import numpy as np
import sympy as sp

from optproof.mathcore import batching as bt
from optproof.mathcore import minibatch_noise as mbn
from optproof.base.specs import HeavyBall, LeastSquares, Sampler
from optproof.mathcore import minibatch_moments as mbm
from optproof.mathcore.minibatch import moments
from optproof.mathcore import minibatch_stationary as mbs
from optproof.mathcore import noise_scale as nscale
from optproof.mathcore import minibatch_proofs as mbp
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import error_bar, new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome, critical_z

_X = [[F(1), F(0)], [F(0), F(1)], [F(1), F(1)], [F(2), F(-1)]]
_Y = [F(1), F(2), F(0), F(1, 2)]
_THETA = [F(1, 3), F(-1, 2)]


def _per_example_grads(theta):
    return [[x[0] * (x[0] * theta[0] + x[1] * theta[1] - yy), x[1] * (x[0] * theta[0] + x[1] * theta[1] - yy)]
            for x, yy in zip(_X, _Y)]


def _exact_noise(cfg: RunConfig) -> Outcome:
    """All batches of a rational data set: noise covariance c·Σ(θ); within-epoch covariance −Σ/(N−1)."""
    N, ok, rows = len(_X), True, {}
    grads = _per_example_grads(_THETA)
    for replace, b_max in ((False, N), (True, 3)):
        for B in range(1, b_max + 1):
            _, cov = bt.exact_gradient_moments(grads, B, replace)
            formula = mbn.gradient_noise_covariance(_X, _Y, _THETA, B, replace)
            ok &= cov == formula.tolist()
            rows[f"replace={replace} B={B}"] = [[str(v) for v in r] for r in cov]
    _, Sigma = bt.exact_population_covariance(grads)
    B = 2  # two batches of size 2 per epoch: covariance of batch 1 and batch 2 over all 4! shuffles
    gbar = [sum(g[p] for g in grads) / N for p in range(2)]
    cross = [[F(0)] * 2 for _ in range(2)]
    perms = list(permutations(range(N)))
    for perm in perms:
        b1 = [sum(grads[i][p] for i in perm[:B]) / B - gbar[p] for p in range(2)]
        b2 = [sum(grads[i][p] for i in perm[B:]) / B - gbar[p] for p in range(2)]
        for p, q in product(range(2), range(2)):
            cross[p][q] += b1[p] * b2[q] / len(perms)
    within = mbn.within_epoch_batch_covariance(N, B, sp.Matrix(Sigma))  # SymPy in, exact SymPy out
    ok &= sp.Matrix(cross) == within
    rows["within-epoch Cov[batch 1, batch 2]"] = [[str(v) for v in r] for r in cross]
    return Outcome(ok, "noise covariance = c(N,B) Sigma(theta) exactly for every B (both samplers); two batches of "
                       "one reshuffled epoch have covariance -Sigma/(N-1) exactly (all 24 shuffles)", rows)


def _brute_moments(lr, momentum, B, T):
    """Mean and covariance of θ_T over all equally likely sequences of fresh B-subsets (exact)."""
    batches = list(combinations(range(len(_X)), B))
    first, second, count = [F(0)] * 2, [[F(0)] * 2 for _ in range(2)], 0
    for seq in product(batches, repeat=T):
        th, m = list(_THETA), [F(0), F(0)]
        for batch in seq:
            g = _per_example_grads(th)
            gb = [sum(g[i][p] for i in batch) / B for p in range(2)]
            m = [momentum * m[p] - lr * gb[p] for p in range(2)]
            th = [th[p] + m[p] for p in range(2)]
        count += 1
        for p in range(2):
            first[p] += th[p]
            for q in range(2):
                second[p][q] += th[p] * th[q]
    mean = [v / count for v in first]
    return mean, [[second[p][q] / count - mean[p] * mean[q] for q in range(2)] for p in range(2)]


def _exact_moments(cfg: RunConfig) -> Outcome:
    """Exact moment recursions = brute force over all 6^3 batch sequences (SGD and heavy ball)."""
    ok, rows = True, {}
    for momentum in (F(0), F(1, 2)):
        lr, B, T = F(1, 4), 2, 3
        mean, cov = _brute_moments(lr, momentum, B, T)
        mom = mbm.minibatch_moments(_X, _Y, lr, momentum, B, T, _THETA)
        ok &= mom.mean[T].tolist() == mean and mom.cov[T].tolist() == cov
        rows[f"lambda={momentum}"] = {"E[theta_3]": [str(v) for v in mean], "Cov[theta_3]": [[str(v) for v in r] for r in cov]}
    eps, dl = nscale.optimal_step(_X, _Y, _THETA, 2)
    # E[L(θ) − L(θ − ε g_B)] is a quadratic in ε: its vertex over all batches is (ε_opt, ΔL_opt)
    grads = _per_example_grads(_THETA)
    batches = list(combinations(range(len(_X)), 2))

    def gain(e):
        total = F(0)
        for batch in batches:
            gb = [sum(grads[i][p] for i in batch) / 2 for p in range(2)]
            th = [_THETA[p] - e * gb[p] for p in range(2)]
            total += _loss(_THETA) - _loss(th)
        return total / len(batches)

    g0, g1, g2 = gain(F(0)), gain(F(1)), gain(F(2))
    a, b = (g2 - 2 * g1 + g0) / 2, (4 * g1 - 3 * g0 - g2) / 2  # gain(e) = a e^2 + b e
    ok &= -b / (2 * a) == eps and gain(eps) == dl
    rows.update({"eps_opt (B=2)": str(eps), "dL_opt": str(dl), "B_simple": str(nscale.gradient_noise_scale(_X, _Y, _THETA)),
                 "B_noise": str(nscale.critical_batch_size(_X, _Y, _THETA))})
    stationary_ok, stationary_rows = _exact_stationary()
    rows.update(stationary_rows)
    return Outcome(ok and stationary_ok, "moment recursions = enumeration of all 216 batch sequences exactly "
                   "(lambda = 0, 1/2); (eps_opt, dL_opt) = vertex of the exactly enumerated expected loss decrease; "
                   "stationary_covariance = the exact rational fixed point of the enumerated second-moment map "
                   "(within its float rounding bound)", rows)


def _enumerated_stationary(lr: F, momentum: F, B: int) -> tuple[sp.Matrix, sp.Matrix]:
    """Exact stationary ``Cov[(θ, m)]`` of heavy ball with a fresh B-subset each step, from the data alone.

    With ``w = (θ − θ*, m)`` one step is ``w' = M_b w + c_b``, ``M_b = [[I − ηH_b, λI], [−ηH_b, λI]]``,
    ``c_b = −η(g_b(θ*), g_b(θ*))``, ``b`` uniform over the B-subsets and independent of ``w``.  The mean
    tends to 0 (``E c_b = −η∇L(θ*) = 0``), so the stationary ``C`` solves
    ``vec C = E_b[M_b ⊗ M_b] vec C + vec E_b[c_b c_bᵀ]``: a 16×16 rational system.  Returns ``(C, E_b[M_b ⊗ M_b])``.
    """
    X, y = sp.Matrix(_X), sp.Matrix(_Y)
    theta_star = (X.T * X).LUsolve(X.T * y)
    eye, lr, momentum = sp.eye(2), sp.Rational(lr), sp.Rational(momentum)
    batches = list(combinations(range(len(_X)), B))
    op, src = sp.zeros(16, 16), sp.zeros(4, 4)
    for batch in batches:
        Xb, yb = X.extract(list(batch), [0, 1]), y.extract(list(batch), [0])
        Hb = Xb.T * Xb / B
        gb = Hb * theta_star - Xb.T * yb / B
        M = sp.Matrix(sp.BlockMatrix([[eye - lr * Hb, momentum * eye], [-lr * Hb, momentum * eye]]))
        c = -lr * sp.Matrix.vstack(gb, gb)
        op += sp.kronecker_product(M, M) / len(batches)
        src += c * c.T / len(batches)
    return (sp.eye(16) - op).LUsolve(src.reshape(16, 1)).reshape(4, 4), op


def _exact_stationary() -> tuple[bool, dict]:
    """``mbs.stationary_covariance(joint=True)`` (float) against the enumerated exact fixed point.

    The absolute value is compared (a ratio would let a uniform scale error through).  Rounding bound: the
    library forms the 16×16 operator, θ* and Σ(θ*) with O(1) roundings per entry and solves a 16×16 system
    (backward stable), so each entry errs by at most ``64·16·u·(κ(I − 𝒯) + κ(H))·‖C‖_F`` (first-order
    perturbation bound for linear systems, κ in the 2-norm, u = 2⁻⁵³).
    """
    ok, rows, u = True, {}, np.finfo(float).eps / 2
    Xf, yf = np.array(_X, float), np.array(_Y, float)
    cond_H = np.linalg.cond(Xf.T @ Xf)
    for momentum, B in ((F(0), 1), (F(0), 2), (F(1, 2), 1), (F(1, 2), 2)):
        exact, op = _enumerated_stationary(F(1, 4), momentum, B)
        got = mbs.stationary_covariance(Xf, yf, 0.25, float(momentum), B, joint=True)
        ex = np.array(exact.tolist(), dtype=float)
        tol = 64 * 16 * u * (np.linalg.cond(np.eye(16) - np.array(op.tolist(), dtype=float)) + cond_H) * \
            np.linalg.norm(ex)
        err = float(np.abs(got - ex).max())
        ok &= err <= tol
        rows[f"stationary Cov[(theta, m)] lambda={momentum} B={B}"] = {
            "exact": [[str(v) for v in exact.row(i)] for i in range(4)], "max |float - exact|": err, "bound": tol}
    return ok, rows


def _loss(th):
    return sum((x[0] * th[0] + x[1] * th[1] - yy) ** 2 for x, yy in zip(_X, _Y)) / (2 * len(_X))


def _data(seed: int, N: int = 64, d: int = 2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d)) * np.array([1.0, 0.6])
    y = X @ np.array([1.0, -2.0]) + 0.5 * rng.normal(size=N)
    return X, y


def _theta_samples(problem, optimizer, sampler, steps, n_traj, seed, theta0):
    from optproof.sim import simulate

    res = simulate(problem, optimizer, sampler, n_traj=n_traj, n_steps=max(steps), seed=seed, theta0=theta0,
                   record=("theta",), every="step")
    return res.records["theta"][:, [s - 1 for s in steps]]  # (n_traj, len(steps), d)


def _simulation_moments(cfg: RunConfig) -> Outcome:
    """Mean and variance of θ_t under fresh batches versus the exact recursions (SGD and heavy ball)."""
    X, y = _data(cfg.seed_for("C3", "moments data"))
    theta0 = np.array([3.0, 2.0])
    n = 4_000 if cfg.quick else 120_000
    steps, comps, k = [2, 10, 40], [], 0
    for momentum, lr in ((0.0, 0.1), (0.5, 0.05)):
        for sampler in (Sampler("fresh", 4), Sampler("replacement", 4)):
            # one set of specs drives both the simulator and the exact theory: no translation
            problem, optimizer = LeastSquares(X, y), HeavyBall(lr, momentum)
            sample = _theta_samples(problem, optimizer, sampler, steps, n, cfg.seed_for("C3", "moments", k), theta0)
            k += 1
            mom = moments(problem, optimizer, sampler, max(steps), theta0=theta0)
            for j, t in enumerate(steps):
                for p in range(2):
                    tag = f"lambda={momentum} {sampler.kind} B={sampler.batch_size} t={t} coord {p}"
                    x, mean = sample[:, j, p], mom.theta_mean[t, p]
                    comps.append(compare_mean(f"E[theta] {tag}", x, mean, ALPHA_EACH))
                    comps.append(compare_mean(f"Var[theta] {tag}", (x - mean) ** 2, mom.theta_cov[t, p, p], ALPHA_EACH))
    return comparisons_outcome(comps, "fresh-batch SGD and heavy ball vs exact moment recursions",
                               {"trajectories": n, "steps": steps})


N_MOMENTS = 2 * 2 * 3 * 2 * 2  # momenta x samplers x steps x coords x (mean, var)


def _simulation_batch_size(cfg: RunConfig) -> Outcome:
    """Variance of θ_T against B: exact (multiplicative) recursion vs simulation; the additive model's error."""
    X, y = _data(cfg.seed_for("C3", "batch-size data"))
    lr, T = 0.3, 60
    theta_star = np.linalg.solve(X.T @ X, X.T @ y)
    n = 4_000 if cfg.quick else 120_000
    comps, curve = [], []
    for j, B in enumerate((1, 2, 4, 8, 16, 32)):
        problem, optimizer, sampler = LeastSquares(X, y), HeavyBall(lr, 0.0), Sampler("fresh", B)
        sample = _theta_samples(problem, optimizer, sampler, [T], n, cfg.seed_for("C3", "batch size", j),
                                theta_star)[:, 0, 0]
        mom = moments(problem, optimizer, sampler, T, theta0=theta_star)
        exact, additive, rel = mbs.additive_model_error(X, y, lr, 0.0, B)
        c = compare_mean(f"Var[theta_T] coord 0, B={B}", (sample - mom.theta_mean[T, 0]) ** 2, mom.theta_cov[T, 0, 0],
                         ALPHA_EACH)
        comps.append(c)
        curve.append((B, c.estimate, c.se, mom.theta_cov[T, 0, 0], exact[0, 0], additive[0, 0], rel))
    numbers = {"lr": lr, "T": T, "trajectories": n,
               "additive model relative error (Frobenius) per B": {str(r[0]): r[6] for r in curve}}
    figures = [("variance_vs_B", _batch_figure(curve, lr))] if cfg.make_figures else []
    return comparisons_outcome(comps, "SGD iterate variance vs B (fresh batches, started at theta*)", numbers,
                               [r"\mathrm{Cov}[\nabla L_B(\theta)] = \frac{N-B}{N-1}\frac{\Sigma(\theta)}{B}"], figures)


def _batch_figure(curve, lr):
    fig, ax = new_figure()
    B, est, se, theory, stat, add, _ = map(np.array, zip(*curve))
    ax.loglog(B, stat, "k-", label="exact stationary (multiplicative noise)")
    ax.loglog(B, add, "k--", label=r"additive model (noise frozen at $\theta^*$)")
    ax.loglog(B, theory, "k:", label="exact at step T")
    ax.errorbar(B, est, yerr=error_bar(se, ALPHA_EACH), fmt="o", capsize=3, label="simulated (fresh batches)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel(r"Var$[\theta_{T,1}]$")
    ax.set_title(f"SGD spread vs batch size (lr = {lr}); bars: {100 * (1 - ALPHA_EACH):g}% CI")
    ax.legend(fontsize=8)
    return fig


def _simulation_reshuffle(cfg: RunConfig) -> Outcome:
    """Reshuffled epochs: within-epoch batch covariance −Σ/(N−1); the iterate variance falls below fresh batches."""
    from optproof.sim import Sampler, epoch_order

    X, y = _data(cfg.seed_for("C3", "reshuffle data"), N=48)
    N, B = X.shape[0], 8
    theta = np.array([0.5, 0.5])
    G = X * (X @ theta - y)[:, None]
    gbar = G.mean(0)
    within = mbn.within_epoch_batch_covariance(N, B, mbn.per_example_gradient_covariance(X, y, theta))
    n_ep = 4_000 if cfg.quick else 40_000
    orders_seed = cfg.seed_for("C3", "reshuffle orders")
    orders = np.array([epoch_order(Sampler("reshuffle", B), N, orders_seed, 0, e) for e in range(n_ep)])
    batch_means = G[orders].reshape(n_ep, N // B, B, 2).mean(2) - gbar  # (epochs, K, d), centred
    epoch_sum = np.abs(batch_means.sum(1)).max()
    comps = [compare_mean("Cov[g_B1, g_B2] entry (0,0)", batch_means[:, 0, 0] * batch_means[:, 1, 0],
                          within[0, 0], ALPHA_EACH),
             compare_mean("Cov[g_B1, g_B2] entry (0,1)", batch_means[:, 0, 0] * batch_means[:, 1, 1],
                          within[0, 1], ALPHA_EACH)]
    # Iterates: SGD from θ* for 3 epochs, reshuffled vs fresh subsets; the i.i.d. recursion is exact for fresh.
    lr, T = 0.2, 3 * (N // B)
    theta_star = np.linalg.solve(X.T @ X, X.T @ y)
    n = 4_000 if cfg.quick else 120_000
    problem, optimizer = LeastSquares(X, y), HeavyBall(lr, 0.0)
    fresh = _theta_samples(problem, optimizer, Sampler("fresh", B), [T], n, cfg.seed_for("C3", "reshuffle vs fresh"),
                           theta_star)[:, 0, 0]
    shuffled = _theta_samples(problem, optimizer, Sampler("reshuffle", B), [T], n, cfg.seed_for("C3", "reshuffle"),
                              theta_star)[:, 0, 0]
    mom = moments(problem, optimizer, Sampler("fresh", B), T, theta0=theta_star)
    v_fresh = (fresh - mom.theta_mean[T, 0]) ** 2
    comps.append(compare_mean("Var[theta_T] fresh batches vs exact", v_fresh, mom.theta_cov[T, 0, 0], ALPHA_EACH))
    # One-sided test (its own ALPHA_EACH share): the reshuffled variance lies below the fresh-batch value.
    shuf = compare_mean("Var[theta_T] reshuffled", (shuffled - mom.theta_mean[T, 0]) ** 2, mom.theta_cov[T, 0, 0],
                        ALPHA_EACH)
    ratio, se_ratio = shuf.estimate / shuf.theory, shuf.se / shuf.theory
    below = ratio + critical_z(ALPHA_EACH) * se_ratio < 1.0
    deterministic = epoch_sum < 1e-12 * np.abs(G).max() * N and below
    numbers = {"N": N, "B": B, "epochs sampled": n_ep, "max |sum of an epoch's centred batch gradients|": float(epoch_sum),
               "Var reshuffled / Var fresh (exact)": ratio, "se of ratio": se_ratio}
    return comparisons_outcome(comps, f"within-epoch covariance -Sigma/(N-1); epoch gradient sum noiseless "
                                      f"(max {epoch_sum:.1e}); reshuffled iterate variance = {ratio:.3f} x the "
                                      "fresh-batch value (below 1: the i.i.d. formula over-predicts)",
                               numbers, deterministic_ok=bool(deterministic))


def _simulation_optimal_step(cfg: RunConfig) -> Outcome:
    """One SGD step with McCandlish's ε_opt(B): the mean loss decrease equals ΔL_opt(B)."""
    from optproof.sim import SGD, LeastSquares, Sampler, simulate

    X, y = _data(cfg.seed_for("C3", "optimal-step data"))
    theta = np.array([2.0, 1.0])
    L0 = float(0.5 * np.mean((X @ theta - y) ** 2))
    n = 10_000 if cfg.quick else 100_000
    comps, numbers = [], {"B_simple": float(nscale.gradient_noise_scale(X, y, theta)),
                          "B_noise": float(nscale.critical_batch_size(X, y, theta))}
    for j, B in enumerate((1, 4, 16)):
        eps, dl = nscale.optimal_step(X, y, theta, B)
        res = simulate(LeastSquares(X, y, gram=False), SGD(eps), Sampler("fresh", B), n_traj=n, n_steps=1,
                       seed=cfg.seed_for("C3", "optimal step", j), theta0=theta, record=("full_loss",), every="step")
        comps.append(compare_mean(f"E[L(theta) - L(theta_1)] at eps_opt, B={B}", L0 - res.records["full_loss"][:, 0],
                                  dl, ALPHA_EACH))
        numbers[f"B={B}"] = {"eps_opt": eps, "dL_opt": dl}
    return comparisons_outcome(comps, "loss decrease of one step at McCandlish's optimal lr", numbers)


CHECKS = (
    proof_check("multiplicative noise, moment recursions, stationary variance, optimal step, epoch correlation", (
        partial(mbp.prove_multiplicative_noise, False), partial(mbp.prove_multiplicative_noise, True),
        mbp.prove_moment_recursions, mbp.prove_stationary_variance_1d,
        partial(mbp.prove_optimal_step, False), partial(mbp.prove_optimal_step, True), mbp.prove_within_epoch_covariance)),
    Check("exact", "batch-gradient noise and within-epoch correlation, enumerated", _exact_noise),
    Check("exact", "moment recursions and optimal step, enumerated", _exact_moments),
    Check("simulation", "iterate mean and variance under fresh batches", _simulation_moments,
          alpha=N_MOMENTS * ALPHA_EACH),
    Check("simulation", "iterate variance against batch size", _simulation_batch_size, alpha=6 * ALPHA_EACH),
    Check("simulation", "epoch reshuffling: negative correlation", _simulation_reshuffle, alpha=4 * ALPHA_EACH),
    Check("simulation", "McCandlish optimal step per batch size", _simulation_optimal_step, alpha=3 * ALPHA_EACH),
)
