"""C6 on real data (seed 1.4): does small-batch SGD generalise better than large-batch SGD?

Keskar et al. (2017) report that large-batch training (10% of the training set per batch) reaches
sharper minimisers and lower test accuracy than small-batch training.  Here the library's own
heavy-ball SGD (``sim.simulate`` on a ``FiniteSum`` whose per-example loss is an MLP's softmax
cross-entropy, ``sim.mlp``) trains a 64–32–10 tanh MLP on scikit-learn's digits
(``proofs.datasets``), small batch against large batch, one trajectory per seed, and measures:

- train and test accuracy of each trained network;
- Keskar's ε-sharpness  φ_ε(θ) = 100 · max_{z∈C_ε} (L(θ+z) − L(θ)) / (1 + L(θ)),
  C_ε = {z : |z_i| ≤ ε(|θ_i| + 1)}, maximised with scipy's L-BFGS-B on the full training loss
  (ε = 1e-3 and 5e-4; full space, A = I);
- the top Hessian eigenvalue λ_max(∇²L(θ)) by Lanczos (``scipy.sparse.linalg.eigsh``) on exact
  Hessian-vector products (R-operator, ``sim.mlp.hvp``), with its residual ‖Hv − λv‖ as accuracy.

Design (``Design``): the same initialisation θ_0 for the small- and the large-batch run of a seed
(paired comparison), the same step size and momentum, data reshuffled every epoch; each run stops
at the first epoch whose full training loss is ≤ ``target_loss`` (so both are compared at equal
training loss, as in the seed's "even when tuned to be equally good on training"); the large
batch therefore trains for more epochs.  Differences small − large are reported with a paired
95% t-interval over seeds.  The result is a measured effect, reported whatever its sign; the
check passes when the experiment ran as designed (no divergence, every run reached the target,
Lanczos converged), not when small batch wins.

The deterministic checks verify the machinery: the Numba per-example and batch gradients against
the NumPy reference within a rounding-error bound derived below, the reference against Taylor
expansions, and both sharpness estimators against closed forms on quadratics.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure

__all__ = ["Design", "FULL", "TINY", "KESKAR_F1", "epsilon_sharpness", "top_hessian_eigenvalue",
           "gradient_error_bound", "paired_t_interval", "train_to_target", "run_experiment",
           "verify_example_gradients", "verify_batch_gradients", "verify_reference_taylor",
           "verify_sharpness_quadratic", "verify_eigenvalue_quadratic", "verify_eigenvalue_mlp", "experiment_outcome",
           "CHECKS"]

U = np.finfo(float).eps / 2  # unit roundoff 2^-53

# Keskar et al. (2017), Table 2, network F1 (fully connected, MNIST), test accuracy of small-batch
# (SB) and large-batch (LB) ADAM.  Quoted from issue 5; the table itself was not available to verify.
KESKAR_F1 = {"network": "F1 (fully connected, MNIST)", "test accuracy SB (%)": 98.03,
             "test accuracy LB (%)": 97.81, "gap SB - LB (pp)": 0.22,
             "source": "Keskar et al. (2017), Table 2, as quoted in issue 5 (not verified against the paper)"}


@dataclass(frozen=True)
class Design:
    """Sizes and settings of the experiment (``FULL`` for ``--full``, ``TINY`` for the tests)."""

    n_hidden: int = 32
    test_fraction: float = 0.25
    n_train: int | None = None  # None: the whole training part of the split
    small_batch: int = 32
    large_fraction: float = 0.10  # large batch = round(10% of the training set), as in Keskar et al.
    lr: float = 0.1
    momentum: float = 0.9
    target_loss: float = 1e-3  # stop at the first epoch with full training loss <= this
    max_epochs_small: int = 400
    max_epochs_large: int = 4000
    segment_epochs: int = 100  # epochs per simulate call (memory: records every epoch)
    n_seeds: int = 10
    eps: tuple[float, ...] = (1e-3, 5e-4)
    lbfgs_maxiter: int = 100
    split_seed: int = 0

    def large_batch(self, n_train: int) -> int:
        return max(1, int(round(self.large_fraction * n_train)))


FULL = Design()
TINY = Design(n_hidden=8, n_train=240, small_batch=8, lr=0.05, target_loss=0.02, max_epochs_small=300,
              max_epochs_large=3000, segment_epochs=300, n_seeds=3, lbfgs_maxiter=30)


# ---------------------------------------------------------------------------------------------
# Sharpness estimators (generic: any smooth function given by its value/gradient or its Hessian)


def epsilon_sharpness(fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], theta, eps: float,
                      maxiter: int = 100) -> dict:
    """Keskar et al.'s ε-sharpness 100·max_{z∈C_ε}(f(θ+z) − f(θ))/(1 + f(θ)), C_ε = {|z_i| ≤ ε(|θ_i|+1)}.

    The box maximisation (non-concave in general) is solved locally with L-BFGS-B (minimising
    −f(θ+z)) from two starts: z = 0 and the corner z = w·sign(∇f(θ)) (sign 0 → +1) that
    maximises the linearisation over the box; the larger value is kept.  The result is a lower
    bound on the true maximum, exact when the maximiser is the corner reached (e.g. a separable
    convex quadratic).
    """
    from scipy.optimize import minimize

    theta = np.asarray(theta, dtype=float)
    w = eps * (np.abs(theta) + 1.0)
    f0, g0 = fun_grad(theta)
    bounds = list(zip(-w, w))
    neg = lambda z: tuple(-v for v in fun_grad(theta + z))  # noqa: E731
    best, nfev, starts = -math.inf, 0, {}
    for name, z0 in (("zero", np.zeros_like(theta)), ("gradient corner", np.where(g0 >= 0, w, -w))):
        res = minimize(neg, z0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": maxiter})
        nfev += int(res.nfev)
        starts[name] = float(-res.fun)
        if -res.fun > best:
            best, z = -res.fun, res.x
    value = 100.0 * (best - f0) / (1.0 + f0)
    first = 100.0 * float(np.abs(g0) @ w) / (1.0 + f0)  # max of the linearisation over the box
    return {"value": float(value), "first-order part": first, "f0": float(f0), "f_max": float(best), "nfev": nfev,
            "fraction at bound": float(np.mean(np.isclose(np.abs(z), w, rtol=1e-9, atol=0.0))),
            "start values": starts}


def top_hessian_eigenvalue(hvp: Callable[[np.ndarray], np.ndarray], dim: int, seed: int = 0,
                           tol: float = 1e-10) -> dict:
    """Largest (algebraic) eigenvalue of a symmetric operator v ↦ Hv by Lanczos (ARPACK ``eigsh``, 'LA').

    Accuracy: for symmetric H and unit v, some eigenvalue of H lies within the residual
    r = ‖Hv − λv‖ of λ (and within r²/gap when the gap to the rest of the spectrum is known); r is
    computed with one extra product and returned.  Lanczos with 'LA' converges to the largest
    eigenvalue unless the start vector is orthogonal to its eigenvector (probability 0 for a
    random start, fixed by ``seed``).
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    count = [0]

    def mv(v):
        count[0] += 1
        return hvp(np.asarray(v, dtype=float).ravel())

    v0 = np.random.default_rng(seed).standard_normal(dim)
    if dim <= 2:  # ARPACK needs k < n - 1: do it densely
        Hm = np.column_stack([mv(e) for e in np.eye(dim)])
        vals, vecs = np.linalg.eigh((Hm + Hm.T) / 2)
        lam, v = float(vals[-1]), vecs[:, -1]
    else:
        vals, vecs = eigsh(LinearOperator((dim, dim), matvec=mv, dtype=float), k=1, which="LA", v0=v0, tol=tol,
                           ncv=min(dim, 24), maxiter=max(1000, 10 * dim))
        lam, v = float(vals[0]), vecs[:, 0]
    v = v / np.linalg.norm(v)
    r = float(np.linalg.norm(hvp(v) - lam * v))
    return {"value": lam, "residual": r, "matvecs": count[0] + 1}


# ---------------------------------------------------------------------------------------------
# Training with the library's simulator


def train_to_target(problem, lr: float, momentum: float, batch: int, theta0: np.ndarray, target: float,
                    max_epochs: int, segment: int, seed: int) -> dict:
    """Heavy-ball SGD (reshuffled epochs) on each row of ``theta0`` until the full loss ≤ ``target``.

    Runs ``sim.simulate`` in segments of ``segment`` epochs recording θ, m and L(θ) every epoch;
    a trajectory stops at the first epoch with L ≤ target; the others continue from their
    (θ, m) in the next segment, whose batches come from the fresh seed ``seed + segment index``
    (every epoch is still an independent uniform permutation).  Returns per trajectory θ at the
    stop, the epoch count, the loss, whether the target was reached, and whether it diverged.
    """
    from optproof.sim import HeavyBall, Sampler, simulate

    n, d = theta0.shape
    theta, m = theta0.copy(), np.zeros_like(theta0)
    epochs = np.zeros(n, dtype=np.int64)
    final_loss = np.full(n, np.nan)
    reached = np.zeros(n, dtype=bool)
    diverged = np.zeros(n, dtype=bool)
    active = np.arange(n)
    k = 0
    while active.size and epochs[active[0]] < max_epochs:
        E = int(min(segment, max_epochs - epochs[active[0]]))
        res = simulate(problem, HeavyBall(lr, momentum), Sampler("reshuffle", batch), n_traj=active.size, n_epochs=E,
                       seed=seed + k, theta0=theta[active], m0=m[active], record=("theta", "velocity", "full_loss"))
        k += 1
        fl = res.records["full_loss"]
        keep = []
        for j, i in enumerate(active):
            if np.isnan(fl[j]).any():
                diverged[i], final_loss[i] = True, np.nan
                epochs[i] += int(np.argmax(np.isnan(fl[j])))
                continue
            hit = np.flatnonzero(fl[j] <= target)
            r = int(hit[0]) if hit.size else E - 1
            theta[i], final_loss[i] = res.records["theta"][j, r], fl[j, r]
            epochs[i] += r + 1
            if hit.size:
                reached[i] = True
            else:
                m[i] = res.records["velocity"][j, r]
                keep.append(i)
        active = np.array(keep, dtype=np.int64)
    return {"theta": theta, "epochs": epochs, "loss": final_loss, "reached": reached, "diverged": diverged}


def paired_t_interval(diff, level: float = 0.95) -> dict:
    """Mean of paired differences with its two-sided t confidence interval (n − 1 degrees of freedom)."""
    from scipy.stats import t as student_t

    x = np.asarray(diff, dtype=float)
    n = x.size
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    q = float(student_t.ppf(0.5 + level / 2, n - 1)) if n > 1 else math.nan
    return {"mean": mean, "se": se, "ci": [mean - q * se, mean + q * se], "n": int(n), "level": level,
            "t quantile": q}


def _group(x) -> dict:
    x = np.asarray(x, dtype=float)
    out = paired_t_interval(x)  # the t-interval of a single mean has the same form
    out["sd"] = float(x.std(ddof=1)) if x.size > 1 else math.nan
    return out


def run_experiment(design: Design = FULL, seed: int = 0) -> dict:
    """Train small- and large-batch MLPs on digits for ``design.n_seeds`` seeds; measure everything."""
    from optproof.proofs.datasets import load_digits_split
    from optproof.sim import mlp

    t_start = time.perf_counter()
    data = load_digits_split(design.test_fraction, design.split_seed, design.n_train)
    shape = mlp.MLPShape(data.n_features, design.n_hidden, data.n_classes)
    problem = mlp.mlp_problem(data.X_train, data.y_train, shape)
    theta0 = np.array([mlp.init_params(shape, np.random.default_rng([seed, s])) for s in range(design.n_seeds)])
    batches = {"small": design.small_batch, "large": design.large_batch(data.n_train)}
    caps = {"small": design.max_epochs_small, "large": design.max_epochs_large}
    fg = lambda th: mlp.loss_grad(shape, th, data.X_train, data.y_train)  # noqa: E731
    runs, timing = {}, {}
    for j, (name, B) in enumerate(batches.items()):
        t0 = time.perf_counter()
        tr = train_to_target(problem, design.lr, design.momentum, B, theta0, design.target_loss, caps[name],
                             design.segment_epochs, seed=1000 * (seed + 1) + 500 * j)
        timing[f"training {name} (s)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        per = {"epochs": tr["epochs"].tolist(), "steps": (tr["epochs"] * -(-data.n_train // B)).tolist(),
               "reached target": tr["reached"].tolist(), "diverged": tr["diverged"].tolist(),
               "train loss (kernel)": tr["loss"].tolist(), "train loss": [], "train accuracy (%)": [],
               "test accuracy (%)": [], "test loss": [], "lambda_max": [], "lambda_max residual": [],
               "lanczos matvecs": []}
        for e in design.eps:
            per[f"eps-sharpness {e:g}"] = []
            per[f"eps-sharpness {e:g} first-order part"] = []
        for s, th in enumerate(tr["theta"]):
            per["train loss"].append(mlp.loss(shape, th, data.X_train, data.y_train))
            per["train accuracy (%)"].append(100 * mlp.accuracy(shape, th, data.X_train, data.y_train))
            per["test accuracy (%)"].append(100 * mlp.accuracy(shape, th, data.X_test, data.y_test))
            per["test loss"].append(mlp.loss(shape, th, data.X_test, data.y_test))
            for e in design.eps:
                sh = epsilon_sharpness(fg, th, e, design.lbfgs_maxiter)
                per[f"eps-sharpness {e:g}"].append(sh["value"])
                per[f"eps-sharpness {e:g} first-order part"].append(sh["first-order part"])
            eig = top_hessian_eigenvalue(lambda v, th=th: mlp.hvp(shape, th, v, data.X_train, data.y_train),
                                         shape.dim, seed=seed + s)
            per["lambda_max"].append(eig["value"])
            per["lambda_max residual"].append(eig["residual"])
            per["lanczos matvecs"].append(eig["matvecs"])
        timing[f"measuring {name} (s)"] = time.perf_counter() - t0
        runs[name] = per
    metrics = ["train accuracy (%)", "test accuracy (%)", "train loss", "test loss", "lambda_max", "epochs"] + \
              [f"eps-sharpness {e:g}{part}" for e in design.eps for part in ("", " first-order part")]
    summary = {k: {"small": _group(runs["small"][k]), "large": _group(runs["large"][k]),
                   "small - large (paired 95% t-interval)": paired_t_interval(
                       np.subtract(runs["small"][k], runs["large"][k], dtype=float))} for k in metrics}
    timing["total (s)"] = time.perf_counter() - t_start
    return {"design": asdict(design), "data": data.description, "n_train": data.n_train,
            "n_test": int(data.X_test.shape[0]), "architecture": f"{shape.n_in}-{shape.n_hidden}-{shape.n_out} tanh, "
            f"softmax cross-entropy, {shape.dim} parameters, float64", "batch sizes": batches,
            "runs": runs, "summary": summary, "timing": timing, "keskar": KESKAR_F1}


def _fmt_gap(s: dict, unit: str = "", fmt: str = "+.3g") -> str:
    lo, hi = s["ci"]
    return f"{s['mean']:{fmt}}{unit} [{lo:{fmt}}, {hi:{fmt}}]"


def _fmt_metric(sm: dict, key: str, label: str, unit: str = "", fmt: str = ".3g", gap_fmt: str = "+.3g",
                gap_unit: str | None = None) -> str:
    m = sm[key]
    gap_unit = unit if gap_unit is None else gap_unit
    return (f"{label} {m['small']['mean']:{fmt}}{unit} vs {m['large']['mean']:{fmt}}{unit}, small - large = "
            f"{_fmt_gap(m['small - large (paired 95% t-interval)'], gap_unit, gap_fmt)}")


def _simulation(cfg: RunConfig) -> Outcome:
    """The real-data experiment (only with ``--full``)."""
    if not cfg.full:
        return Outcome(True, "skipped: run with --full (trains 2 x 10 MLPs on digits, about 1.5 minutes on 2 "
                             "idle cores)", {"skipped": True})
    return experiment_outcome(run_experiment(FULL, cfg.seed), cfg.make_figures)


def experiment_outcome(res: dict, make_figures: bool = False) -> Outcome:
    """Turn ``run_experiment``'s result into the check's Outcome (pass = ran as designed)."""
    runs, sm = res["runs"], res["summary"]
    ran_ok = all(not any(runs[g]["diverged"]) and all(runs[g]["reached target"]) for g in runs)
    resid_ok = all(r <= 1e-6 * max(1.0, abs(lam)) for g in runs
                   for r, lam in zip(runs[g]["lambda_max residual"], runs[g]["lambda_max"]))
    n = sm["test accuracy (%)"]["small"]["n"]
    B = res["batch sizes"]
    eps_keys = [k for k in sm if k.startswith("eps-sharpness") and "first-order" not in k]
    summary = (f"measured on digits ({n} seeds, B = {B['small']} vs {B['large']}, both stopped at train loss <= "
               f"{res['design']['target_loss']:g}; small vs large, gaps with paired 95% t-intervals): "
               f"{_fmt_metric(sm, 'test accuracy (%)', 'test accuracy', '%', '.2f', '+.2f', ' pp')}; "
               f"{_fmt_metric(sm, 'lambda_max', 'lambda_max')}; "
               + "; ".join(_fmt_metric(sm, k, k.replace('eps-sharpness ', 'eps-sharpness eps='), '%') for k in eps_keys)
               + f"; Keskar et al. F1: {KESKAR_F1['test accuracy SB (%)']}% vs {KESKAR_F1['test accuracy LB (%)']}% "
               "(as quoted in issue 5)")
    if not ran_ok:
        summary = "experiment did not run as designed (divergence or target loss not reached): " + summary
    if not resid_ok:
        summary = "Lanczos did not converge to residual <= 1e-6 |lambda|: " + summary
    latex = [r"\phi_\epsilon(\theta) = 100\,\frac{\max_{z\in C_\epsilon} L(\theta+z) - L(\theta)}{1 + L(\theta)},"
             r"\ C_\epsilon = \{z : |z_i| \le \epsilon(|\theta_i| + 1)\}",
             r"\bar d \pm t_{0.975,\,n-1}\, s_d/\sqrt{n},\ d_s = m_s^{\mathrm{small}} - m_s^{\mathrm{large}}"]
    figures = _figures(res) if make_figures else []
    gap = sm["test accuracy (%)"]["small - large (paired 95% t-interval)"]
    numbers = dict(res)
    numbers["effect"] = {"name": "test-accuracy gap small - large batch (points)", "estimate": gap["mean"],
                         "ci": list(gap["ci"])}
    return Outcome(bool(ran_ok and resid_ok), summary, numbers, latex, figures)


def _figures(res: dict):
    runs = res["runs"]
    B = res["batch sizes"]
    seeds = np.arange(len(runs["small"]["test accuracy (%)"]))
    fig, ax = new_figure()
    for g, mk in (("small", "o"), ("large", "s")):
        ax.plot(seeds, runs[g]["test accuracy (%)"], mk, label=f"{g} batch (B = {B[g]})")
    for s in seeds:
        ax.plot([s, s], [runs["small"]["test accuracy (%)"][s], runs["large"]["test accuracy (%)"][s]], "k-", lw=0.5)
    ax.set_xlabel("seed (same initialisation for both batch sizes)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Digits MLP: test accuracy per seed ({res['n_test']} test images)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    acc_fig = fig
    keys = [k for k in runs["small"] if k.startswith("eps-sharpness") and "first-order" not in k] + ["lambda_max"]
    fig, ax0 = new_figure(4.0 * len(keys), 3.6)
    ax0.remove()
    axes = fig.subplots(1, len(keys))
    for ax, k in zip(np.atleast_1d(axes), keys):
        for g, mk in (("small", "o"), ("large", "s")):
            ax.plot(seeds, runs[g][k], mk, label=f"{g} batch (B = {B[g]})")
        ax.set_xlabel("seed")
        ax.set_ylabel(k.replace("eps", "ε").replace("lambda_max", "λ_max of ∇²L (Lanczos)")
                      + (" (%)" if k.startswith("eps") else ""))
        ax.legend(fontsize=7)
    fig.suptitle("Sharpness of the trained networks per seed (training loss)")
    fig.tight_layout()
    return [("c6_real_test_accuracy", acc_fig), ("c6_real_sharpness", fig)]


# ---------------------------------------------------------------------------------------------
# Deterministic correctness of the machinery


def gradient_error_bound(shape, theta, row) -> tuple[float, np.ndarray]:
    """First-order bound on |computed − exact| of ℓ and ∇ℓ at one example, for any evaluation that
    performs the documented operations (``sim.mlp``: kernel or NumPy) in any summation order.

    Standard model fl(a ∘ b) = (a ∘ b)(1 + δ), |δ| ≤ u, and |fl(Σ_k^n a_k) − Σ a_k| ≤ γ_n Σ|a_k|,
    γ_n = nu/(1 − nu); tanh and exp within 2 ulp (libm).  Propagation, with absolute errors E:
    a = b1 + W1x: E_a = γ_{A+1}(|b1| + |W1||x|);  h = tanh a (1-Lipschitz): E_h = E_a + 2u;
    z = b2 + W2h: E_z = γ_{H+1}(|b2| + |W2||h|) + |W2|E_h;  Δ = max E_z + u max|z − max z|;
    p = softmax z: E_p = p(2Δ + (O + 4)u) (a shift of z by at most Δ in ∞-norm changes p
    by a factor within e^{±2Δ}; exp, sum, division);  δ = p − e_y: E_δ = E_p + u|δ|;
    ∇b2 = δ;  ∇W2 = δhᵀ: E_δ|h| + |δ|E_h + u|δh|;  s = W2ᵀδ: E_s = γ_O|W2|ᵀ|δ| + |W2|ᵀE_δ;
    t = 1 − h²: E_t = 2|h|E_h + 2u;  ∇b1 = st: E_s|t| + |s|E_t + u|st|;  ∇W1 = ∇b1 xᵀ (+u|·|);
    ℓ = log Σe^{z−max} + max − z_y: E_ℓ = 2Δ + (O + 4)u + 3u(|lse| + |max z| + |z_y|).
    Second-order terms (products of two errors) are below 1e-25 relative here and are ignored.
    """
    from optproof.sim import mlp

    A, H, O = shape.n_in, shape.n_hidden, shape.n_out
    g = lambda n: n * U / (1 - n * U)  # noqa: E731
    W1, b1, W2, b2 = mlp.unpack(shape, theta)
    x, y = row[:A], int(row[A])
    a = W1 @ x + b1
    h = np.tanh(a)
    z = W2 @ h + b2
    Ea = g(A + 1) * (np.abs(b1) + np.abs(W1) @ np.abs(x))
    Eh = Ea + 2 * U
    Ez = g(H + 1) * (np.abs(b2) + np.abs(W2) @ np.abs(h)) + np.abs(W2) @ Eh
    zmax = z.max()
    Delta = Ez.max() + U * np.abs(z - zmax).max()
    p = np.exp(z - zmax)
    lse = np.log(p.sum())
    p /= p.sum()
    Ep = p * (2 * Delta + (O + 4) * U)
    d2 = p.copy()
    d2[y] -= 1.0
    Ed2 = Ep + U * np.abs(d2)
    EW2 = np.outer(Ed2, np.abs(h)) + np.outer(np.abs(d2), Eh) + U * np.abs(np.outer(d2, h))
    s = W2.T @ d2
    Es = g(O) * (np.abs(W2).T @ np.abs(d2)) + np.abs(W2).T @ Ed2
    t = 1 - h * h
    Et = 2 * np.abs(h) * Eh + 2 * U
    d1 = s * t
    Ed1 = Es * np.abs(t) + np.abs(s) * Et + U * np.abs(d1)
    EW1 = np.outer(Ed1, np.abs(x)) + U * np.abs(np.outer(d1, x))
    El = 2 * Delta + (O + 4) * U + 3 * U * (abs(lse) + abs(zmax) + abs(z[y]))
    return float(El), np.concatenate([EW1.ravel(), Ed1, EW2.ravel(), Ed2])


def _tiny_problem(seed: int, n: int = 13, shape=None):
    from optproof.sim import mlp

    shape = shape or mlp.MLPShape(5, 4, 3)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, shape.n_in))
    y = rng.integers(0, shape.n_out, n)
    theta = rng.standard_normal(shape.dim)
    return shape, X, y, theta


def verify_example_gradients(seed: int = 0) -> tuple[bool, dict]:
    """Numba per-example ℓ_i and ∇ℓ_i = NumPy reference within twice ``gradient_error_bound``."""
    from optproof.sim import mlp

    shape, X, y, theta = _tiny_problem(seed)
    prob = mlp.mlp_problem(X, y, shape)
    worst = 0.0
    for i in range(X.shape[0]):
        row = prob.data[i]
        out = np.zeros(shape.dim)
        prob.grad(theta, row, out)
        lk = prob.loss(theta, row)
        lr_, gr = mlp.loss_grad(shape, theta, X[i:i + 1], y[i:i + 1])
        El, Eg = gradient_error_bound(shape, theta, row)
        worst = max(worst, abs(lk - lr_) / (2 * El), float(np.max(np.abs(out - gr) / (2 * Eg))))
    return bool(worst <= 1.0), {"examples": int(X.shape[0]), "dim": shape.dim,
                          "max |kernel - numpy| / (2 x error bound)": float(worst)}


def verify_batch_gradients(seed: int = 0) -> tuple[bool, dict]:
    """The simulator's batch gradients g_t (reshuffled batches, short last batch) = NumPy gradient of
    the mean loss over exactly that batch at θ_{t−1}, within the summed per-example bounds plus
    the batch summation error γ_{B+1}Σ|∇ℓ_i| (and the division by |b|)."""
    from optproof.sim import SGD, Sampler, batch_indices, mlp, simulate

    shape, X, y, theta = _tiny_problem(seed, n=13)
    prob = mlp.mlp_problem(X, y, shape)
    samp = Sampler("reshuffle", 5)  # batches 5, 5, 3
    T = 6
    res = simulate(prob, SGD(0.1), samp, n_traj=1, n_steps=T, seed=seed, theta0=theta,
                   record=("theta", "grad", "batch_loss"), every="step")
    worst = 0.0
    for t in range(1, T + 1):
        th = theta if t == 1 else res.records["theta"][0, t - 2]
        idx = batch_indices(samp, X.shape[0], seed, 0, t)
        Lb, gb = mlp.loss_grad(shape, th, X[idx], y[idx])
        bounds = [gradient_error_bound(shape, th, prob.data[i]) for i in idx]
        absg = sum(np.abs(mlp.loss_grad(shape, th, X[i:i + 1], y[i:i + 1])[1]) for i in idx)
        absl = sum(abs(mlp.loss(shape, th, X[i:i + 1], y[i:i + 1])) for i in idx)
        k = len(idx)
        c = (k + 1) * U / (1 - (k + 1) * U)
        Eg = (sum(b[1] for b in bounds) + c * absg) / k
        El = (sum(b[0] for b in bounds) + c * absl) / k
        worst = max(worst, float(np.max(np.abs(res.records["grad"][0, t - 1] - gb) / (2 * Eg))),
                    abs(res.records["batch_loss"][0, t - 1] - Lb) / (2 * El))
    return bool(worst <= 1.0), {"steps": T, "batch sizes": [5, 5, 3],
                                "max |kernel - numpy| / (2 x error bound)": float(worst)}


def verify_reference_taylor(seed: int = 0) -> tuple[bool, dict]:
    """The NumPy reference is the derivative of the loss: Taylor remainders shrink as h².

    r₁(h) = |L(θ+hv) − L(θ) − h∇L·v| and r₂(h) = ‖∇L(θ+hv) − ∇L(θ) − h∇²L v‖ are O(h²) iff ∇L and
    ∇²L·v are right (a wrong derivative leaves an O(h) remainder: ratio 2, not 4); rounding
    (≈ u·|L|, u·‖∇L‖ ≈ 1e-16) is far below the remainders at h = 1e-3 (≈ 1e-7).
    """
    from optproof.sim import mlp

    shape, X, y, theta = _tiny_problem(seed, n=20)
    v = np.random.default_rng(seed + 1).standard_normal(shape.dim)
    L0, g0 = mlp.loss_grad(shape, theta, X, y)
    Hv = mlp.hvp(shape, theta, v, X, y)
    ratios = {}
    for name, rem in (("gradient", lambda h: abs(mlp.loss(shape, theta + h * v, X, y) - L0 - h * g0 @ v)),
                      ("Hessian-vector product",
                       lambda h: np.linalg.norm(mlp.loss_grad(shape, theta + h * v, X, y)[1] - g0 - h * Hv))):
        ratios[name] = [float(rem(h) / rem(h / 2)) for h in (1e-2, 5e-3, 2.5e-3)]
    ok = all(abs(r - 4.0) <= 0.3 for rs in ratios.values() for r in rs)
    return bool(ok), {"remainder ratios r(h)/r(h/2), h = 1e-2, 5e-3, 2.5e-3 (4 = second order)": ratios}


def verify_sharpness_quadratic(seed: int = 0) -> tuple[bool, dict]:
    """ε-sharpness of quadratics = closed form (relative 1e-12).

    (a) f = ½Σh_i(θ_i − θ*_i)² + c, h_i > 0 (separable, convex): the box maximum is the corner
    z_i = sign(θ_i − θ*_i)·w_i, f_max = ½Σh_i(|θ_i − θ*_i| + w_i)² + c, w_i = ε(|θ_i| + 1); some
    coordinates sit exactly at θ*_i (zero gradient there).
    (b) f = ½(θ − θ*)ᵀH(θ − θ*) with H ⪰ 0 entrywise non-negative, at θ = θ*: |zᵀHz| ≤ |z|ᵀH|z| ≤
    wᵀHw, attained at z = w, so f_max = ½wᵀHw.
    """
    rng = np.random.default_rng(seed)
    d, rows, worst = 6, {}, 0.0
    hdiag = rng.uniform(0.5, 5.0, d)
    ts = rng.standard_normal(d)
    th = ts + np.where(np.arange(d) % 3 == 0, 0.0, rng.standard_normal(d))
    c = 0.3
    M = rng.uniform(0.0, 1.0, (d, d))
    Hpos = M @ M.T  # PSD with non-negative entries
    for eps in (1e-3, 5e-4, 0.1):
        w = eps * (np.abs(th) + 1)
        f0 = 0.5 * np.sum(hdiag * (th - ts) ** 2) + c
        closed = 100 * (0.5 * np.sum(hdiag * (np.abs(th - ts) + w) ** 2) + c - f0) / (1 + f0)
        est = epsilon_sharpness(lambda x: (0.5 * np.sum(hdiag * (x - ts) ** 2) + c, hdiag * (x - ts)), th, eps)
        wb = eps * (np.abs(ts) + 1)
        closed_b = 100 * 0.5 * wb @ Hpos @ wb
        est_b = epsilon_sharpness(lambda x: (0.5 * (x - ts) @ Hpos @ (x - ts), Hpos @ (x - ts)), ts, eps)
        err = max(abs(est["value"] - closed) / closed, abs(est_b["value"] - closed_b) / closed_b)
        worst = max(worst, err)
        rows[f"eps={eps:g}"] = {"diagonal: closed form": float(closed), "diagonal: L-BFGS-B": est["value"],
                                "psd at minimum: closed form": float(closed_b),
                                "psd at minimum: L-BFGS-B": est_b["value"]}
    rows["max relative error"] = float(worst)
    return bool(worst <= 1e-12), rows


def verify_eigenvalue_quadratic(seed: int = 0) -> tuple[bool, dict]:
    """λ_max by Lanczos on v ↦ Hv equals max eig(H) (numpy.linalg.eigvalsh) to 1e-9 relative,
    for a random symmetric indefinite H (d = 60) and one with a tight top gap."""
    rng = np.random.default_rng(seed)
    rows, worst = {}, 0.0
    for name, spec in (("indefinite", rng.standard_normal(60) * 3),
                       ("close top pair", np.concatenate([[10.0, 10.0 - 1e-3], rng.uniform(-5, 9, 58)]))):
        Q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
        H = (Q * spec) @ Q.T
        H = (H + H.T) / 2
        exact = float(np.linalg.eigvalsh(H)[-1])
        est = top_hessian_eigenvalue(lambda v, H=H: H @ v, 60, seed=seed)
        err = abs(est["value"] - exact) / abs(exact)
        worst = max(worst, err)
        rows[name] = {"eigvalsh": exact, "lanczos": est["value"], "residual": est["residual"],
                      "matvecs": est["matvecs"]}
    rows["max relative error"] = float(worst)
    return bool(worst <= 1e-9), rows


def verify_eigenvalue_mlp(seed: int = 0) -> tuple[bool, dict]:
    """On a small MLP, λ_max from Lanczos on exact HVPs = the top eigenvalue of the dense Hessian
    assembled from HVPs on unit vectors (symmetric to rounding), to 1e-9 relative."""
    from optproof.sim import mlp

    shape, X, y, theta = _tiny_problem(seed, n=20)
    Hm = np.column_stack([mlp.hvp(shape, theta, e, X, y) for e in np.eye(shape.dim)])
    asym = float(np.max(np.abs(Hm - Hm.T)) / np.max(np.abs(Hm)))
    exact = float(np.linalg.eigvalsh((Hm + Hm.T) / 2)[-1])
    est = top_hessian_eigenvalue(lambda v: mlp.hvp(shape, theta, v, X, y), shape.dim, seed=seed)
    err = abs(est["value"] - exact) / abs(exact)
    return bool(err <= 1e-9 and asym <= 1e-12), {"dim": shape.dim, "dense": exact, "lanczos": est["value"],
                                           "residual": est["residual"], "relative error": err,
                                           "Hessian asymmetry (relative)": asym}


def _machinery(cfg: RunConfig) -> Outcome:
    parts = {"per-example gradient": verify_example_gradients(cfg.seed),
             "batch gradient": verify_batch_gradients(cfg.seed),
             "reference Taylor test": verify_reference_taylor(cfg.seed),
             "eps-sharpness of quadratics": verify_sharpness_quadratic(cfg.seed),
             "lambda_max of a quadratic": verify_eigenvalue_quadratic(cfg.seed),
             "lambda_max of a small MLP": verify_eigenvalue_mlp(cfg.seed)}
    ok = all(p[0] for p in parts.values())
    failed = [k for k, p in parts.items() if not p[0]]
    summary = ("MLP kernel gradients (per example and per batch) = NumPy reference within a rounding-error bound; "
               "reference passes second-order Taylor tests; eps-sharpness and lambda_max of quadratics = closed forms"
               if ok else f"failed: {', '.join(failed)}")
    return Outcome(bool(ok), summary, {k: {"passed": bool(p[0]), **p[1]} for k, p in parts.items()})


CHECKS = (
    Check("simulation", "MLP gradient kernels and sharpness estimators against references", _machinery),
    Check("simulation", "small vs large batch on digits: accuracy and sharpness (--full)", _simulation),
)
