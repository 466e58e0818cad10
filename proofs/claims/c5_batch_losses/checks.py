"""C5 (seed 1.3): mini-batch losses average to the full loss, with the variance the sampler implies.

    E[L_B] = L,   Var[L_B] = (N−B)/(N−1)·σ²/B (uniform subsets),   σ²/B (i.i.d. draws),
    Cov[∇L_B] = the same factor · Σ,   Σ_k (b_k/N) L_{B_k} = L over an epoch,
    unweighted epoch mean:  U − L = (B−r)/(KB)·(L_last − L);  drop_last: r/(qB)·(L − L_dropped).
"""
from __future__ import annotations

from functools import partial
from fractions import Fraction
from itertools import permutations

import numpy as np

from optproof.mathcore import batching as bt
from optproof.mathcore import batching_proofs as btp
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import error_bar, new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome

_LOSSES = [Fraction(3), Fraction(1, 2), Fraction(7, 3), Fraction(0), Fraction(5), Fraction(11, 4), Fraction(2)]
_GRADS = [[1, 0], [Fraction(1, 2), 2], [-3, 1], [0, Fraction(-5, 3)], [2, 2]]


def _exact_moments(cfg: RunConfig) -> Outcome:
    """All C(7,B) subsets and 7^B tuples of a rational data set: moments equal the formulas exactly."""
    L, s2 = bt.exact_population_moments(_LOSSES)
    N, ok, rows = len(_LOSSES), True, []
    for replace, b_max in ((False, N), (True, 5)):
        for B in range(1, b_max + 1):
            mean, var = bt.exact_batch_moments(_LOSSES, B, replace)
            theory = bt.batch_loss_variance(N, B, s2, replace)
            ok &= mean == L and var == theory
            rows.append({"replace": replace, "B": B, "E[L_B]": str(mean), "Var[L_B]": str(var), "formula": str(theory)})
    gbar, Sigma = bt.exact_population_covariance(_GRADS)
    Ng = len(_GRADS)
    for replace, b_max in ((False, Ng), (True, 4)):
        for B in range(1, b_max + 1):
            mean, cov = bt.exact_gradient_moments(_GRADS, B, replace)
            factor = bt.batch_variance_factor(Ng, B, replace)
            ok &= mean == gbar and cov == [[factor * x for x in row] for row in Sigma]
    return Outcome(ok, f"losses N={N}: E[L_B] = L = {L} and Var[L_B] = formula exactly for every B, both "
                       f"samplers; gradients N={Ng}, d=2: mean and covariance exact", {"L": str(L), "sigma2": str(s2),
                                                                                        "rows": rows})


def _exact_epochs(cfg: RunConfig) -> Outcome:
    """All 7! reshuffles of N = 7, B = 3: epoch identity, unweighted bias and drop_last deviation exactly."""
    N, B = len(_LOSSES), 3
    L, s2 = bt.exact_population_moments(_LOSSES)
    sizes = bt.epoch_batch_sizes(N, B)
    ok, biases, drops = True, [], []
    for perm in permutations(range(N)):
        vals = [_LOSSES[i] for i in perm]
        batches = [vals[k * B:k * B + b] for k, b in enumerate(sizes)]
        means = [sum(x) / len(x) for x in batches]
        ok &= sum(Fraction(len(x), N) * m for x, m in zip(batches, means)) == L  # epoch identity
        U = sum(means) / len(means)
        ok &= U - L == bt.unweighted_epoch_bias(N, B, means[-1], L)
        seen = sum(means[:-1]) / (len(means) - 1)  # drop_last: mean of the full batches' examples
        ok &= seen - L == bt.drop_last_deviation(N, B, means[-1], L)
        biases.append(U - L)
        drops.append(seen - L)
    n, r, K, q = len(biases), N % B, len(sizes), N // B
    mean_b, var_b = sum(biases) / n, sum(x * x for x in biases) / n
    mean_d, var_d = sum(drops) / n, sum(x * x for x in drops) / n
    v_last = bt.batch_loss_variance(N, r, s2)
    th_b, th_d = Fraction(B - r, K * B) ** 2 * v_last, Fraction(r, q * B) ** 2 * v_last
    ok &= mean_b == 0 and mean_d == 0 and var_b == th_b and var_d == th_d
    return Outcome(ok, f"all {n} reshuffles of N={N}, B={B}: size-weighted mean = L every time; U - L matches "
                       f"the bias formula every time; mean 0, variance {var_b} = formula", {
                           "E[U-L]": str(mean_b), "Var[U-L]": str(var_b), "Var formula": str(th_b),
                           "E[drop_last dev]": str(mean_d), "Var[drop_last dev]": str(var_d),
                           "drop_last formula": str(th_d)})


def _dataset(seed: int, N: int = 64, d: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    y = X @ rng.normal(size=d) + rng.normal(size=N)
    theta = rng.normal(size=d)
    losses = 0.5 * (X @ theta - y) ** 2
    return X, y, theta, losses


def _batch_loss_samples(X, y, theta, kind, B, M, seed):
    """M independent batch losses L_B(θ) from the simulator's first step (one batch per trajectory)."""
    from optproof.sim import SGD, LeastSquares, Sampler, simulate

    res = simulate(LeastSquares(X, y), SGD(1e-3), Sampler(kind, B), n_traj=M, n_steps=1, seed=seed,
                   theta0=theta, record=("batch_loss",), every="step")
    return res.records["batch_loss"][:, 0]


def _simulation_moments(cfg: RunConfig) -> Outcome:
    X, y, theta, losses = _dataset(cfg.seed_for("C5", "data"))
    N = len(losses)
    L, s2 = float(losses.mean()), float(losses.var())
    M = 40_000 if cfg.quick else 400_000
    comps, numbers, ok = [], {"N": N, "L": L, "sigma2": s2, "samples per point": M}, True
    curves = {}
    for kind, replace in (("reshuffle", False), ("replacement", True)):
        for j, B in enumerate((1, 4, 16, 64)):
            x = _batch_loss_samples(X, y, theta, kind, B, M, cfg.seed_for("C5", "batch losses", int(replace), j))
            theory = bt.batch_loss_variance(N, B, s2, replace)
            if theory == 0.0:  # B = N without replacement: every batch is the whole data set
                err = float(np.max(np.abs(x - L)))
                bound = 4 * N * np.finfo(float).eps * float(losses.max())  # two sums of N terms, rounded
                ok &= err <= bound
                numbers[f"{kind} B={B}"] = {"max |L_B - L|": err, "rounding bound": bound}
                curves.setdefault(kind, []).append((B, 0.0, 0.0, 0.0))
                continue
            c_mean = compare_mean(f"E[L_B] {kind} B={B}", x, L, ALPHA_EACH)
            c_var = compare_mean(f"Var[L_B] {kind} B={B}", (x - L) ** 2, theory, ALPHA_EACH)
            comps += [c_mean, c_var]
            curves.setdefault(kind, []).append((B, c_var.estimate, c_var.se, theory))
    figures = [("variance_vs_B", _variance_figure(N, s2, curves))] if cfg.make_figures else []
    return comparisons_outcome(comps, "E[L_B] and Var[L_B] for B = 1, 4, 16, 64 with and without replacement",
                              numbers, [r"\mathrm{Var}[L_B]=\frac{N-B}{N-1}\frac{\sigma^2}{B},\quad \frac{\sigma^2}{B}"],
                              figures, deterministic_ok=ok)  # ok: the deterministic B = N rows


def _variance_figure(N, s2, curves):
    fig, ax = new_figure()
    Bs = np.arange(1, N + 1)
    ax.loglog(Bs, s2 / Bs, "k--", label=r"theory with replacement $\sigma^2/B$")
    ax.loglog(Bs[:-1], (N - Bs[:-1]) / (N - 1) * s2 / Bs[:-1], "k-", label=r"theory without: $\frac{N-B}{N-1}\sigma^2/B$")
    for kind, marker in (("reshuffle", "o"), ("replacement", "s")):
        pts = [(B, v, se) for B, v, se, th in curves[kind] if th > 0]
        B, v, se = map(np.array, zip(*pts))
        ax.errorbar(B, v, yerr=error_bar(se, ALPHA_EACH), fmt=marker, ms=6, capsize=3, label=f"simulated ({kind})")
    ax.set_xlabel("batch size B")
    ax.set_ylabel(r"Var$[L_B]$")
    ax.set_title(f"Batch-loss variance, N = {N} (error bars: {100 * (1 - ALPHA_EACH):g}% CI)")
    ax.legend(fontsize=8)
    return fig


def _simulation_epochs(cfg: RunConfig) -> Outcome:
    """Unweighted epoch mean and drop_last over reshuffled epochs of the simulator's sampler."""
    from optproof.sim import Sampler, epoch_order

    _, _, _, losses = _dataset(cfg.seed_for("C5", "epoch data"), N=50)
    N, B = len(losses), 8
    L, s2 = float(losses.mean()), float(losses.var())
    q, r = divmod(N, B)
    K = q + 1
    n_ep = 4_000 if cfg.quick else 200_000
    sampler, orders_seed = Sampler("reshuffle", B), cfg.seed_for("C5", "epoch orders")
    orders = np.array([epoch_order(sampler, N, orders_seed, 0, e) for e in range(n_ep)])
    vals = losses[orders]
    means = np.concatenate([vals[:, :q * B].reshape(n_ep, q, B).mean(-1), vals[:, q * B:].mean(-1, keepdims=True)], 1)
    weighted = (means[:, :q].sum(1) * B + means[:, q] * r) / N
    ident_err = float(np.max(np.abs(weighted - L)))
    dev_u = means.mean(1) - L
    dev_d = means[:, :q].mean(1) - L
    v_last = bt.batch_loss_variance(N, r, s2)
    comps = [compare_mean("E[U - L]", dev_u, 0.0, ALPHA_EACH),
             compare_mean("E[(U - L)^2]", dev_u ** 2, ((B - r) / (K * B)) ** 2 * v_last, ALPHA_EACH),
             compare_mean("E[drop_last dev]", dev_d, 0.0, ALPHA_EACH),
             compare_mean("E[drop_last dev^2]", dev_d ** 2, (r / (q * B)) ** 2 * v_last, ALPHA_EACH)]
    bound = 8 * N * np.finfo(float).eps * float(losses.max())
    numbers = {"N": N, "B": B, "epochs": n_ep, "max |weighted mean - L|": ident_err, "rounding bound": bound}
    return comparisons_outcome(comps, f"{n_ep} reshuffled epochs (size-weighted mean = L to {ident_err:.1e}); "
                                     "unweighted and drop_last deviations", numbers,
                              deterministic_ok=ident_err <= bound)


CHECKS: tuple[Check, ...] = (
    proof_check("unbiasedness, variance, covariance, epoch identities", (
        partial(btp.prove_unbiased, False), partial(btp.prove_unbiased, True),
        partial(btp.prove_variance, False), partial(btp.prove_variance, True),
        partial(btp.prove_gradient_covariance, False), partial(btp.prove_gradient_covariance, True),
        btp.prove_epoch_identity, btp.prove_unweighted_bias)),
    Check("exact", "all batches of a rational data set", _exact_moments),
    Check("exact", "all reshuffles of a 7-example epoch", _exact_epochs),
    Check("simulation", "batch-loss mean and variance vs B", _simulation_moments, alpha=14 * ALPHA_EACH),
    Check("simulation", "unweighted epoch mean and drop_last", _simulation_epochs, alpha=4 * ALPHA_EACH),
)
