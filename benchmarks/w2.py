"""Workload W2: many independent digits-MLP trajectories (claim C6's 64-32-10 tanh network), issue 14.

Data: scikit-learn digits, the C6 split (``proofs.datasets.load_digits_split()``, standardised, N_train
examples).  Model: h = tanh(W1 x + b1), z = W2 h + b2, ℓ = logsumexp(z) − z_y; heavy ball η = 0.1,
λ = 0.9, θ_0 Glorot-uniform (``sim.mlp.init_params``, one draw per trajectory, the same θ_0 for all
peers), m_0 = 0; B = 32 reshuffled every epoch, drop_last=False (the last batch is short); float64.

Peers, timed in one process, back to back, after a warm-up (reported separately):
optproof ``sim.simulate`` on the ``FiniteSum`` of ``sim.mlp.mlp_problem`` (per-example kernels; tanh and
exp from ``sim.mlp_math``, ≤ 2 ulp), ``torch.func.vmap(torch.func.grad_and_value(loss))`` over stacked
per-trajectory parameters with the same update (per-trajectory permutations from torch's RNG), and JAX
if it imports (skipped otherwise, with the reason printed): ``jax.vmap(jax.grad(loss))``, one jitted
epoch per call (``lax.scan`` over the full batches, then the short one), float64 (``jax_enable_x64``),
XLA's own thread pool; its warm-up is one full call (jit compiles per shape).  All record the full
training loss of every trajectory after the last step; the mean losses are compared statistically
(|Δmean| ≤ 6·SE, the peers' RNGs differ).

Work: ≈ 3 × 2(n_in·n_hidden + n_hidden·n_out) FLOP per example (forward, and the backward's two
products per weight) = 14.2 kFLOP, × B = 455 kFLOP per trajectory-step (tanh / exp not counted, nor
the final full-loss pass, N forward passes per trajectory, which every peer does: the GFLOP/s and
share of peak are lower bounds).

    python benchmarks/w2.py [--traj 16 256 1024] [--epochs 1] [--repeat 2] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import optproof.sim as sim
from optproof.sim import mlp

from peak import describe, machine_peak, peak_line, timed

B, ETA, LAM, HIDDEN = 32, 0.1, 0.9, 32


def make_data():
    from optproof.proofs.datasets import load_digits_split

    data = load_digits_split()
    return data.X_train, data.y_train, mlp.MLPShape(data.n_features, HIDDEN, data.n_classes)


def initial(shape, n_traj, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([mlp.init_params(shape, rng) for _ in range(n_traj)])


def flop_per_step(shape) -> float:
    return 3 * 2 * (shape.n_in * shape.n_hidden + shape.n_hidden * shape.n_out) * B


def run_optproof(problem, theta0, epochs):
    """``problem`` = ``mlp.mlp_problem(...)``, built once: its per-example kernels compile on first use."""
    S = sim.Sampler("reshuffle", B)
    T = epochs * S.steps_per_epoch(problem.data.shape[0])
    r = sim.simulate(problem, sim.HeavyBall(ETA, LAM), S, n_traj=theta0.shape[0], n_steps=T, seed=0, theta0=theta0,
                     record=("full_loss",), every=T, stats_only=True)
    return r.mean["full_loss"][-1], r.var["full_loss"][-1]


def make_torch(X, y, shape, theta0, epochs, seed=1):
    import torch
    from torch.func import grad_and_value, vmap

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    n, N = theta0.shape[0], X.shape[0]
    a, h, o = shape.n_in, shape.n_hidden, shape.n_out

    def split(flat):
        i1, i2, i3 = h * a, h * a + h, h * a + h + o * h
        return (flat[:, :i1].reshape(n, a, h).transpose(1, 2).contiguous(), flat[:, i1:i2].clone(),  # θ holds W1ᵀ
                flat[:, i2:i3].reshape(n, o, h).clone(), flat[:, i3:].clone())

    def loss(p, xb, yb):
        W1, b1, W2, b2 = p
        z = torch.tanh(xb @ W1.T + b1) @ W2.T + b2
        return torch.nn.functional.cross_entropy(z, yb)

    step = vmap(grad_and_value(loss))
    full = vmap(loss, in_dims=(0, None, None))

    def call():
        gen = torch.Generator().manual_seed(seed)
        params = split(torch.from_numpy(theta0))
        moms = tuple(torch.zeros_like(p) for p in params)
        with torch.no_grad():
            for _ in range(epochs):
                perms = torch.argsort(torch.rand(n, N, generator=gen, dtype=torch.float64), dim=1)
                for lo in range(0, N, B):
                    idx = perms[:, lo:lo + B]
                    grads, _ = step(params, Xt[idx], yt[idx])
                    for p, m, g in zip(params, moms, grads):
                        m.mul_(LAM).sub_(g, alpha=ETA)
                        p.add_(m)
            losses = full(params, Xt, yt).numpy()
        return losses.mean(), losses.var(ddof=1)

    return call


def make_jax(X, y, shape, theta0, epochs, seed=2):
    """JAX peer: ``vmap(grad(loss))`` over stacked parameters, one jitted epoch (``lax.scan`` over the
    full batches, then the short last batch), float64 (``jax_enable_x64``, as the kernel)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    n, N = theta0.shape[0], X.shape[0]
    a, h, o = shape.n_in, shape.n_hidden, shape.n_out
    i1, i2, i3 = h * a, h * a + h, h * a + h + o * h
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    full_b = N // B

    def loss(p, xb, yb):
        W1T, b1, W2, b2 = p
        z = jnp.tanh(xb @ W1T + b1) @ W2.T + b2
        return jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, yb[:, None], axis=1)[:, 0])

    vgrad = jax.vmap(jax.grad(loss))

    def hb(state, idx):
        params, moms = state
        g = vgrad(params, Xj[idx], yj[idx])
        moms = jax.tree_util.tree_map(lambda m, gi: LAM * m - ETA * gi, moms, g)
        return (jax.tree_util.tree_map(lambda p, m: p + m, params, moms), moms), None

    @jax.jit
    def epoch(params, moms, key):
        perms = jax.vmap(lambda k: jax.random.permutation(k, N))(jax.random.split(key, n))
        steps = perms[:, :full_b * B].reshape(n, full_b, B).transpose(1, 0, 2)
        state, _ = jax.lax.scan(hb, (params, moms), steps)
        if N > full_b * B:
            state, _ = hb(state, perms[:, full_b * B:])
        return state

    full = jax.jit(jax.vmap(loss, in_axes=(0, None, None)))

    def call():
        flat = jnp.asarray(theta0)
        params = (flat[:, :i1].reshape(n, a, h), flat[:, i1:i2], flat[:, i2:i3].reshape(n, o, h), flat[:, i3:])
        moms = jax.tree_util.tree_map(jnp.zeros_like, params)
        key = jax.random.PRNGKey(seed)
        for _ in range(epochs):
            key, sub = jax.random.split(key)
            params, moms = epoch(params, moms, sub)
        losses = np.asarray(full(params, Xj, yj))
        return losses.mean(), losses.var(ddof=1)

    return call


def compare(X, y, shape, problem, n_traj, a, peak) -> None:
    """Time both peers on ``n_traj`` trajectories (after a warm-up each) and print rates, ratio, check."""
    theta0 = initial(shape, n_traj)
    work = n_traj * a.epochs * -(-X.shape[0] // B)
    print(f"n_traj={n_traj}: trajectory-steps={work}; load average {os.getloadavg()[0]:.2f}")
    impls = {"optproof": lambda: run_optproof(problem, theta0, a.epochs)}
    warm = {"optproof": lambda: run_optproof(problem, theta0[:2], 1)}
    try:
        import torch

        torch.set_num_threads(a.threads)
        impls["torch.func"] = make_torch(X, y, shape, theta0, a.epochs)
        warm["torch.func"] = make_torch(X, y, shape, theta0[:2], 1)
    except ImportError as exc:
        print(f"torch.func: not importable ({exc})")
    try:
        impls["jax"] = make_jax(X, y, shape, theta0, a.epochs)
        warm["jax"] = impls["jax"]  # jit compiles per shape: warm up at the timed shape
    except ImportError as exc:
        print(f"jax: not importable ({exc})")
    res = {}
    for name, f in impls.items():
        t = time.perf_counter()
        warm[name]()
        compile_s = time.perf_counter() - t
        sec, (mean, var) = timed(f, a.repeat)
        res[name] = (sec, mean, var)
        rate = work / sec
        print(f"  {name:10s} {sec:8.3f} s  {rate:10.0f} traj-steps/s  {peak_line(rate * flop_per_step(shape), peak)}  "
              f"(warm-up {compile_s:.2f} s)  final loss mean {mean:.5f}")
    t0, m0, v0 = res["optproof"]
    for peer in ("torch.func", "jax"):
        if peer in res:
            t1, m1, v1 = res[peer]
            z = abs(m0 - m1) / np.sqrt(v0 / n_traj + v1 / n_traj)
            target = " (target >= 2x)" if peer == "torch.func" else ""
            print(f"  speed ratio optproof/{peer}: {t1 / t0:.2f}x{target}; final-loss check |Δmean|/SE = "
                  f"{z:.2f} (pass if ≤ 6): {'PASS' if z <= 6 else 'FAIL'}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traj", type=int, nargs="+", default=[16, 256, 1024], help="trajectory counts to compare")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="threads for both peers (Numba and torch)")
    a = ap.parse_args(argv)
    import numba

    numba.set_num_threads(a.threads)
    X, y, shape = make_data()
    peak = machine_peak()
    print(f"W2: digits MLP {shape.n_in}-{shape.n_hidden}-{shape.n_out} tanh, N={X.shape[0]}, B={B}, epochs={a.epochs}, "
          f"steps={a.epochs * -(-X.shape[0] // B)}, {flop_per_step(shape) / 1e3:.0f} kFLOP per trajectory-step, "
          f"threads={a.threads}\n{describe(peak)}")
    problem = mlp.mlp_problem(X, y, shape)  # built once: its kernels compile on first use
    for n in a.traj:
        compare(X, y, shape, problem, n, a, peak)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
