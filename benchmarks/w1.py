"""Workload W1: heavy ball on least squares, many reshuffled mini-batch trajectories.

N = 1024, d = 16, X ~ N(0, 1), y = X w* + 0.5·noise (np.random.default_rng(0)); ℓ_i = ½(x_iᵀθ − y_i)²;
η = 0.01, λ = 0.9, θ_0 = m_0 = 0; B = 32, reshuffled every epoch; 4096 trajectories × 32 epochs;
the full loss of every trajectory at the end of each epoch; mean and variance per epoch; float64.

Three implementations of the same algorithm, timed in one process after a warm-up (compile time
reported separately): optproof ``sim.simulate``; a NumPy peer vectorised over trajectories; a JAX
``vmap`` + ``lax.scan`` peer (if JAX imports).  All three evaluate the full loss with the same
Gram-matrix trick L = θᵀ(½Gθ − h) + c (G = XᵀX/N, h = Xᵀy/N, c = yᵀy/2N).  Their RNGs differ, so
the mean loss curves are compared statistically: per epoch |mean_a − mean_b| ≤ 6·SE, SE² = var_a/n + var_b/n
(false-failure rate ≈ 2e-9 per epoch under the hypothesis that both are correct).

Work: 4·B·d = 2048 FLOP per trajectory-step (B·d multiply-adds for the residuals
and as many for the gradient); the share of the machine's fp64 peak is printed (``peak.py``).

    python benchmarks/w1.py [--traj 4096] [--epochs 32] [--repeat 3] [--no-jax]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import optproof.sim as sim

from peak import describe, machine_peak, peak_line, timed

N, D, B, ETA, LAM = 1024, 16, 32, 0.01, 0.9


def make_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D)
    return X, X @ w + 0.5 * rng.standard_normal(N)


def run_optproof(X, y, n_traj, epochs):
    r = sim.simulate(sim.LeastSquares(X, y), sim.HeavyBall(ETA, LAM), sim.Sampler("reshuffle", B),
                     n_traj=n_traj, n_epochs=epochs, seed=0, record=("full_loss",), every="epoch", stats_only=True)
    return r.mean["full_loss"], r.var["full_loss"]


def run_numpy(X, y, n_traj, epochs, seed=1):
    """Vectorised over trajectories; batch rows gathered with np.take into preallocated buffers."""
    rng = np.random.default_rng(seed)
    G, h, c = X.T @ X / N, X.T @ y / N, y @ y / (2 * N)
    theta = np.zeros((n_traj, D))
    m = np.zeros((n_traj, D))
    base = np.broadcast_to(np.arange(N), (n_traj, N))
    losses = np.empty((epochs, n_traj))
    Xb, yb = np.empty((n_traj, B, D)), np.empty((n_traj, B))
    r, g = np.empty((n_traj, B)), np.empty((n_traj, D))
    for e in range(epochs):
        perms = rng.permuted(base, axis=1)
        for s in range(N // B):
            idx = perms[:, s * B : (s + 1) * B]
            np.take(X, idx, axis=0, out=Xb)  # (n, B, d)
            np.take(y, idx, out=yb)
            np.einsum("nbd,nd->nb", Xb, theta, out=r)
            r -= yb
            np.einsum("nb,nbd->nd", r, Xb, out=g)
            g *= ETA / B
            m *= LAM
            m -= g
            theta += m
        losses[e] = np.einsum("nd,nd->n", theta, 0.5 * theta @ G - h) + c
    return losses.mean(axis=1), losses.var(axis=1, ddof=1)


def make_jax(X, y, n_traj, epochs):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    G, h, c = Xj.T @ Xj / N, Xj.T @ yj / N, yj @ yj / (2 * N)

    def trajectory(key):
        def epoch(carry, k):
            perm = jax.random.permutation(k, N).reshape(N // B, B)

            def step(state, idx):
                th, m = state
                Xb = Xj[idx]
                g = Xb.T @ (Xb @ th - yj[idx]) / B
                m = LAM * m - ETA * g
                return (th + m, m), None

            (th, m), _ = jax.lax.scan(step, carry, perm)
            return (th, m), th @ (0.5 * G @ th - h) + c

        _, losses = jax.lax.scan(epoch, (jnp.zeros(D), jnp.zeros(D)), jax.random.split(key, epochs))
        return losses

    @jax.jit
    def run(key):
        losses = jax.vmap(trajectory)(jax.random.split(key, n_traj))
        return losses.mean(axis=0), losses.var(axis=0, ddof=1)

    def call():
        mean, var = run(jax.random.PRNGKey(2))
        return np.asarray(mean.block_until_ready()), np.asarray(var)

    return call


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traj", type=int, default=4096)
    ap.add_argument("--epochs", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-jax", action="store_true")
    a = ap.parse_args(argv)
    X, y = make_data()
    work = a.traj * a.epochs * (N // B)  # trajectory-steps
    peak = machine_peak()
    print(f"W1: n_traj={a.traj} epochs={a.epochs} steps={a.epochs * N // B} trajectory-steps={work}; "
          f"load average {os.getloadavg()[0]:.2f}\n{describe(peak)}")
    impls = {"optproof": lambda: run_optproof(X, y, a.traj, a.epochs)}
    compile_s = {}
    t = time.perf_counter()
    sim.warmup()
    run_optproof(X, y, 2, 1)
    compile_s["optproof"] = time.perf_counter() - t
    impls["numpy"] = lambda: run_numpy(X, y, a.traj, a.epochs)
    compile_s["numpy"] = 0.0
    if not a.no_jax:
        try:
            t = time.perf_counter()
            impls["jax"] = make_jax(X, y, a.traj, a.epochs)
            impls["jax"]()  # compiles for this exact shape
            compile_s["jax"] = time.perf_counter() - t  # includes one run
        except ImportError as exc:
            print(f"jax: not importable ({exc})")
    res = {}
    for name, f in impls.items():
        sec, (mean, var) = timed(f, a.repeat if name != "numpy" else max(1, min(a.repeat, 2)))
        res[name] = (sec, mean, var)
        print(f"{name:9s} {sec:8.3f} s  {work / sec / 1e6:8.2f} M traj-steps/s  {peak_line(work / sec * 2048, peak)}  "
              f"(compile/warm-up {compile_s[name]:.2f} s)  loss[0]={mean[0]:.6f} loss[-1]={mean[-1]:.6f}")
    for peer in ("numpy", "jax"):
        if peer in res:
            print(f"speed ratio optproof/{peer}: {res[peer][0] / res['optproof'][0]:.1f}x")
    m0, v0 = res["optproof"][1:]
    for peer in ("numpy", "jax"):
        if peer in res:
            _, m1, v1 = res[peer]
            z = np.abs(m0 - m1) / np.sqrt(v0 / a.traj + v1 / a.traj)
            print(f"mean-curve check vs {peer}: max |Δmean|/SE = {z.max():.2f} (pass if ≤ 6): "
                  f"{'PASS' if z.max() <= 6 else 'FAIL'}; max rel Δmean = {np.max(np.abs(m0 - m1) / m0):.2e}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
