"""The digits experiment behind claim C6 on real data: training loop and sharpness estimators.

Keskar et al. (2017) report that large-batch training (10% of the training set per batch) reaches
sharper minimisers and lower test accuracy than small-batch training.  ``run_experiment`` trains a
64–32–10 tanh MLP on scikit-learn's digits (``proofs.datasets``) with the library's own heavy-ball
SGD (``sim.simulate`` on the ``FiniteSum`` of ``sim.mlp``), small batch against large batch, one
trajectory per seed, and measures:

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
95% t-interval over seeds (``proofs.stats.paired_t_interval``).  The claim's checks are in
``proofs/claims/c6_flat_minima/real_data.py`` (the experiment) and ``mlp_machinery.py`` (the estimators).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from optproof.proofs.catalog import derive_seed
from optproof.proofs.stats import paired_t_interval

__all__ = ["Design", "FULL", "TINY", "KESKAR_F1", "U", "epsilon_sharpness", "top_hessian_eigenvalue",
           "train_to_target", "run_experiment"]

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
    (θ, m) in the next segment, whose batches come from the fresh seed ``derive_seed(seed, "segment", k)``
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
                       seed=derive_seed(seed, "segment", k), theta0=theta[active], m0=m[active], record=("theta", "velocity", "full_loss"))
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
    theta0 = np.array([mlp.init_params(shape, np.random.default_rng(derive_seed(seed, "init", s))) for s in range(design.n_seeds)])
    batches = {"small": design.small_batch, "large": design.large_batch(data.n_train)}
    caps = {"small": design.max_epochs_small, "large": design.max_epochs_large}
    fg = lambda th: mlp.loss_grad(shape, th, data.X_train, data.y_train)  # noqa: E731
    runs, timing = {}, {}
    for j, (name, B) in enumerate(batches.items()):
        t0 = time.perf_counter()
        tr = train_to_target(problem, design.lr, design.momentum, B, theta0, design.target_loss, caps[name],
                             design.segment_epochs, seed=derive_seed(seed, "training", name))
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
                                         shape.dim, seed=derive_seed(seed, "lanczos", s))
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
