"""C6 real-data machinery: the MLP's Numba gradients and the sharpness estimators, verified.

The Numba per-example and batch gradients of ``sim.mlp`` against the NumPy reference within a
rounding-error bound derived below, the reference against Taylor expansions, and both sharpness
estimators of ``proofs.real_data`` against closed forms on quadratics.
"""
from __future__ import annotations


import numpy as np

from optproof.proofs.catalog import Check, Outcome, RunConfig, derive_seed
from optproof.proofs.real_data import U, epsilon_sharpness, top_hessian_eigenvalue

__all__ = ["gradient_error_bound", "verify_example_gradients", "verify_batch_gradients", "verify_reference_taylor",
           "verify_sharpness_quadratic", "verify_eigenvalue_quadratic", "verify_eigenvalue_mlp", "CHECKS"]


def gradient_error_bound(shape, theta, row) -> tuple[float, np.ndarray]:
    """First-order bound on |computed − exact| of ℓ and ∇ℓ at one example, for any evaluation that
    performs the documented operations (``sim.mlp``: kernel or NumPy) in any summation order.

    Standard model fl(a ∘ b) = (a ∘ b)(1 + δ), |δ| ≤ u, and |fl(Σ_k^n a_k) − Σ a_k| ≤ γ_n Σ|a_k|,
    γ_n = nu/(1 − nu); tanh and exp within 2 ulp (libm in NumPy; ``sim.mlp_math`` in the kernels, checked
    against mpmath in tests/test_mlp_math.py).  Propagation, with absolute errors E:
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
    EW1 = np.outer(np.abs(x), Ed1) + U * np.abs(np.outer(x, d1))  # θ stores W1ᵀ (sim.mlp layout)
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
    v = np.random.default_rng(derive_seed(seed, "taylor direction")).standard_normal(shape.dim)
    nw = shape.n_in * shape.n_hidden  # the draw's W1 block is read row-major (n_hidden × n_in), as before
    v[:nw] = v[:nw].reshape(shape.n_hidden, shape.n_in).T.ravel()  # θ stores W1ᵀ: the same direction
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
    verifiers = {"per-example gradient": verify_example_gradients, "batch gradient": verify_batch_gradients,
                 "reference Taylor test": verify_reference_taylor,
                 "eps-sharpness of quadratics": verify_sharpness_quadratic,
                 "lambda_max of a quadratic": verify_eigenvalue_quadratic, "lambda_max of a small MLP": verify_eigenvalue_mlp}
    parts = {name: verify(cfg.seed_for("C6", name)) for name, verify in verifiers.items()}
    ok = all(p[0] for p in parts.values())
    failed = [k for k, p in parts.items() if not p[0]]
    summary = ("MLP kernel gradients (per example and per batch) = NumPy reference within a rounding-error bound; "
               "reference passes second-order Taylor tests; eps-sharpness and lambda_max of quadratics = closed forms"
               if ok else f"failed: {', '.join(failed)}")
    return Outcome(bool(ok), summary, {k: {"passed": bool(p[0]), **p[1]} for k, p in parts.items()})


CHECKS = (
    Check("simulation", "MLP gradient kernels and sharpness estimators against references", _machinery),
)
