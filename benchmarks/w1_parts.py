"""Where W1's time goes: CPU cycles per trajectory-step of each part, one thread (issue 14, item 1).

This VM exposes no hardware counters (``perf stat``: "not supported"), so the profile is by parts,
each timed with ``time.process_time`` (CPU time, which other processes inflate far less than wall
time) on W1's data (``w1.make_data``: N = 1024, d = 16, B = 32) and converted to cycles with a
measured clock:

- clock: one chain of dependent 256-bit fmas (``peak._fma_burst``, one chain); a fma's latency is
  4 cycles on Zen 4/5 (and Intel since Skylake), so clock = 4 / (seconds per fma);
- fma pipes: 30 independent chains per core, fmas per cycle;
- batch sums + update, chained: ``lsq_batch`` then g /= B and the heavy-ball update, each step on
  the previous θ (W1's dependency chain), epoch order fixed;
- two trajectories alternated: the same, two independent trajectories step by step (their chains
  can overlap), per trajectory-step;
- no step-to-step dependency: ``lsq_batch`` on a constant θ (throughput of the batch sums alone);
- reshuffle: ``samplers.fill_order`` per epoch, divided by the S = 32 steps of the epoch;
- the whole kernel (``sim.simulate``, one thread) with the reshuffle and with the fixed sampler.

The fma floor of the batch sums is 2·B·d/4 = 256 <4 x double> fmas per step over the fma pipes.

    python benchmarks/w1_parts.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from numba import get_num_threads, njit, set_num_threads

import optproof.sim as sim
from optproof.sim.lsq_ir import lsq_batch
from optproof.sim.rng import SAMPLER_STREAM, stream_key
from optproof.sim.samplers import RESHUFFLE, fill_order

import peak
from w1 import B, ETA, LAM, N, make_data

S = N // B


@njit(cache=True)
def chained(X, y, order, T, th, m, g):
    bl = 0.0
    for t in range(T):
        s = t % S
        bl = lsq_batch(X, y, order, s * B, s * B + B, th, g)
        for j in range(th.shape[0]):
            g[j] /= B
            m[j] = LAM * m[j] - ETA * g[j]
            th[j] += m[j]
    return bl


@njit(cache=True)
def alternated(X, y, order, T, th, m, g, th2, m2, g2):
    bl = 0.0
    for t in range(T):
        s, s2 = t % S, (t + 7) % S
        bl += lsq_batch(X, y, order, s * B, s * B + B, th, g)
        bl += lsq_batch(X, y, order, s2 * B, s2 * B + B, th2, g2)
        for j in range(th.shape[0]):
            g[j] /= B
            m[j] = LAM * m[j] - ETA * g[j]
            th[j] += m[j]
            g2[j] /= B
            m2[j] = LAM * m2[j] - ETA * g2[j]
            th2[j] += m2[j]
    return bl


@njit(cache=True)
def unchained(X, y, order, T, th, g):
    acc = 0.0
    for t in range(T):
        s = t % S
        acc += lsq_batch(X, y, order, s * B, s * B + B, th, g) + g[3]
    return acc


@njit(cache=True)
def shuffles(key, E, order, words):
    acc = 0
    for e in range(E):
        fill_order(RESHUFFLE, key, e, order, words)
        acc += order[5]
    return acc


def cpu(f, *args) -> float:
    t = time.process_time()
    f(*args)
    return time.process_time() - t


def clock_ghz(repeat: int) -> tuple[float, float]:
    """(GHz from one dependent fma chain, fmas per cycle from 30 chains), one thread."""
    res = np.empty(1)
    saved = peak.CHAINS
    try:
        rates = {}
        for chains in (1, saved):
            peak.CHAINS = chains
            run = peak._fma_burst(4)
            run(10, res)
            n = 20_000_000 // chains
            rates[chains] = n * chains / min(cpu(run, n, res) for _ in range(repeat))  # fmas per second
    finally:
        peak.CHAINS = saved
    ghz = 4 * rates[1] / 1e9
    return ghz, rates[saved] / (ghz * 1e9)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    threads = get_num_threads()
    set_num_threads(1)
    X, y = make_data()
    order = np.arange(N, dtype=np.int64)
    z = lambda: np.zeros(X.shape[1])  # noqa: E731
    key = np.uint64(stream_key(np.uint64(0), 0, SAMPLER_STREAM))
    words = np.empty((N + 1) // 2, dtype=np.uint64)
    ghz, pipes = clock_ghz(a.repeat)
    print(f"W1 parts, one thread; load average {os.getloadavg()[0]:.2f}; clock {ghz:.2f} GHz (one dependent fma "
          f"chain, latency 4 cycles); {pipes:.2f} fmas per cycle (30 chains)")
    T, E, n_traj = 100_000, 3_000, 256
    chained(X, y, order, 10, z(), z(), z())
    alternated(X, y, order, 10, *[z() for _ in range(6)])
    unchained(X, y, order, 10, z(), z())
    shuffles(key, 2, order.copy(), words)

    def kernel(kind):
        return lambda: sim.simulate(sim.LeastSquares(X, y), sim.HeavyBall(ETA, LAM), sim.Sampler(kind, B),
                                    n_traj=n_traj, n_epochs=32, seed=0, record=("full_loss",), every="epoch",
                                    stats_only=True)

    kernel("reshuffle")()
    kernel("fixed")()
    parts = [
        ("batch sums + update, chained step to step", lambda: cpu(chained, X, y, order, T, z(), z(), z()), T),
        ("  two trajectories alternated (per trajectory)",
         lambda: cpu(alternated, X, y, order, T, *[z() for _ in range(6)]), 2 * T),
        ("  no step-to-step dependency", lambda: cpu(unchained, X, y, order, T, z(), z()), T),
        ("reshuffle (per step)", lambda: cpu(shuffles, key, E, order.copy(), words), E * S),
        ("whole kernel, reshuffle", lambda: cpu(kernel("reshuffle")), n_traj * 32 * S),
        ("whole kernel, fixed order", lambda: cpu(kernel("fixed")), n_traj * 32 * S),
    ]
    print(f"{'part':50s} cycles per step (best of {a.repeat})")
    for name, f, steps in parts:
        best = min(f() for _ in range(a.repeat))
        print(f"{name:50s} {best / steps * ghz * 1e9:7.0f}")
    print(f"{'fma floor of the batch sums (256 fmas / pipes)':50s} {2 * B * X.shape[1] / 4 / pipes:7.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    set_num_threads(threads)


if __name__ == "__main__":
    main()
