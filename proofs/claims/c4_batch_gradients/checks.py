"""C4 (seed 1.3): every batch has its own loss L_B; where ∇L = 0 a batch gradient need not be.

    Σ_k (b_k/N) ∇L_{B_k}(θ) = ∇L(θ) over an epoch;  at ∇L(θ*) = 0 with some ∇L_B(θ*) ≠ 0 SGD moves:
    E[θ_1 − θ*] = 0,  E‖θ_1 − θ*‖² = η² (N−B)/(N−1) · tr Σ(θ*)/B  (σ²/B form with replacement),
    while full-batch GD stays at θ*.
"""
from __future__ import annotations

from functools import partial
from itertools import combinations

import numpy as np
import sympy as sp

from optproof.mathcore import batching as bt
from optproof.mathcore import batching_proofs as btp
from optproof.mathcore import minibatch_noise as mbn
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare_mean, comparisons_outcome

_X = [[1, 0], [0, 1], [1, 1], [2, -1], [1, 3], [-1, 2]]
_Y = [1, 2, 0, 3, -1, 1]


def _exact(cfg: RunConfig) -> Outcome:
    """Rational least squares (N = 6, d = 2): exact θ*, every batch gradient there, exact E‖Δ‖²."""
    X, y = sp.Matrix(_X), sp.Matrix(_Y)
    N, d = X.shape
    theta = (X.T * X).solve(X.T * y)  # exact minimiser of L = (1/2N)||X θ - y||^2
    per_example = [X[i, :].T * (X[i, :] * theta - y[i:i + 1, :]) for i in range(N)]  # ∇ℓ_i(θ*)
    full = sum(per_example, sp.zeros(d, 1)) / N
    gbar = [sp.Rational(0)] * d
    Sigma_tr = sum((g.T * g)[0] for g in per_example) / N  # tr Σ with ḡ = 0
    lr = sp.Rational(1, 10)
    ok, numbers = full == sp.zeros(d, 1), {"theta*": [str(v) for v in theta], "grad L(theta*)": [str(v) for v in full]}
    for B in range(1, N + 1):
        batch_grads = [sum((per_example[i] for i in S), sp.zeros(d, 1)) / B for S in combinations(range(N), B)]
        moving = sum(1 for g in batch_grads if g != sp.zeros(d, 1))
        second = sum(((lr * g).T * (lr * g))[0] for g in batch_grads) / len(batch_grads)
        theory = bt.stationary_step_second_moment(N, B, lr, Sigma_tr)
        ok &= second == theory
        ok &= (moving > 0) == (B < N)  # GD (B = N) does not move; every smaller B has moving batches
        numbers[f"B={B}"] = {"batches": len(batch_grads), "batches whose gradient is nonzero": moving,
                             "E||theta_1 - theta*||^2": str(second), "formula": str(theory)}
    # epoch identity for gradients: batches of one epoch (B = 4: sizes 4, 2) weighted by size sum to ∇L = 0
    perm = [3, 0, 5, 1, 4, 2]
    parts = [perm[:4], perm[4:]]
    weighted = sum((sum((per_example[i] for i in S), sp.zeros(d, 1)) for S in parts), sp.zeros(d, 1)) / N
    ok &= weighted == full and gbar == [0] * d
    return Outcome(ok, "theta* exact; the size-weighted epoch mean of batch gradients is 0 = grad L exactly, yet "
                       "for every B < N some batch gradient is nonzero and E||theta_1 - theta*||^2 equals "
                       "eta^2 c tr Sigma exactly; B = N (GD) does not move", numbers)


def _problem(seed: int, N: int = 64, d: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    y = X @ rng.normal(size=d) + rng.normal(size=N)
    theta_star = np.linalg.solve(X.T @ X, X.T @ y)
    tr_sigma = float(np.trace(mbn.per_example_gradient_covariance(X, y, theta_star)))
    return X, y, theta_star, tr_sigma, float(np.linalg.norm(X.T @ (X @ theta_star - y) / N))


def _simulation(cfg: RunConfig) -> Outcome:
    from optproof.sim import SGD, LeastSquares, Sampler, simulate

    X, y, theta_star, tr_sigma, resid = _problem(cfg.seed_for("C4", "data"))
    N, lr = X.shape[0], 0.05
    M = 40_000 if cfg.quick else 400_000
    comps, numbers, ok = [], {"N": N, "tr Sigma(theta*)": tr_sigma, "|grad L(theta*)| (float)": resid}, True
    for j, (kind, B) in enumerate((("reshuffle", 1), ("reshuffle", 8), ("replacement", 8))):
        res = simulate(LeastSquares(X, y), SGD(lr), Sampler(kind, B), n_traj=M, n_steps=1,
                       seed=cfg.seed_for("C4", "first step", j), theta0=theta_star, record=("theta",), every="step")
        disp2 = np.sum((res.records["theta"][:, 0] - theta_star) ** 2, axis=1)
        theory = bt.stationary_step_second_moment(N, B, lr, tr_sigma, replace=kind == "replacement")
        comps.append(compare_mean(f"E||theta_1 - theta*||^2 ({kind}, B={B})", disp2, theory, ALPHA_EACH))
    # Full-batch GD from θ*: only rounding moves it.  Per step |Δθ| <= η|∇L(θ*)| + rounding of the
    # gradient (γ_{2N+d}·η·mean_i |x_i||x_iθ* - y_i|) and of θ + m (u|θ*|); T steps add up.
    T = 200
    gd = simulate(LeastSquares(X, y), SGD(lr), Sampler("fixed", N), n_traj=1, n_steps=T, theta0=theta_star,
                  record=("theta",), every="step")
    gd_move = float(np.max(np.abs(gd.records["theta"][0] - theta_star)))
    u = np.finfo(float).eps / 2
    per_ex = np.abs(X) * np.abs(X @ theta_star - y)[:, None]
    step_bound = lr * (resid + (2 * N + X.shape[1]) * u * per_ex.mean(0).max()) + u * np.abs(theta_star).max()
    gd_bound = 1.01 * T * step_bound
    sgd = simulate(LeastSquares(X, y), SGD(lr), Sampler("reshuffle", 8), n_traj=200, n_epochs=1,
                   seed=cfg.seed_for("C4", "one epoch"), theta0=theta_star, record=("theta",))
    sgd_move = np.linalg.norm(sgd.records["theta"][:, -1] - theta_star, axis=1)
    ok &= gd_move <= gd_bound and float(np.min(sgd_move)) > 1e6 * gd_bound
    numbers.update({"GD max |theta_t - theta*| over 200 steps": gd_move, "GD rounding bound": gd_bound,
                    "SGD (B=8) |theta - theta*| after one epoch: min": float(np.min(sgd_move)),
                    "median": float(np.median(sgd_move))})
    figures = []
    if cfg.make_figures:
        fig, ax = new_figure()
        ax.hist(sgd_move, bins=30, color="tab:orange", alpha=0.8, label="SGD, B = 8, one epoch")
        ax.axvline(gd_move, color="k", lw=2, label=f"GD, 200 steps: {gd_move:.1e}")
        ax.set_xlabel(r"$\|\theta - \theta^*\|$ (started at the minimiser $\theta^*$ of $L$)")
        ax.set_ylabel("trajectories")
        ax.set_title("At a stationary point of L, GD stays and SGD moves")
        ax.legend()
        figures.append(("sgd_moves_gd_stays", fig))
    return comparisons_outcome(comps, f"from theta* (grad L = 0) GD moved {gd_move:.1e} (rounding bound "
                                     f"{gd_bound:.1e}), SGD a median {np.median(sgd_move):.3g} in one epoch; "
                                     "E||theta_1 - theta*||^2 = eta^2 c tr Sigma", numbers, figures=figures,
                              deterministic_ok=ok)


CHECKS: tuple[Check, ...] = (
    proof_check("epoch identity, unbiased batch gradients, SGD moves at a stationary point", (
        btp.prove_epoch_identity, partial(btp.prove_unbiased, False),
        partial(btp.prove_stationary_point_moves, False), partial(btp.prove_stationary_point_moves, True))),
    Check("exact", "every batch gradient of a rational least-squares problem at its minimiser", _exact),
    Check("simulation", "SGD and GD started at the minimiser", _simulation, alpha=3 * ALPHA_EACH),
)
