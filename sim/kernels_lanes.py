"""Trajectory-vectorised least-squares kernel: one SIMD lane per trajectory (issue 14, W1; claims C1, C9).

Same contract, arguments and outputs as ``sim.kernels.get_kernel()`` for the least-squares problems
(LSQ_GRAM, LSQ_EXACT) with the heavy-ball optimizer; every trajectory does exactly the scalar
operations of ``kernels.trajectory`` / ``sim.reference``, in the same order, so the results are
bitwise identical (``tests/test_sim_lanes.py``).  Trajectories are taken ``LANES`` at a time; all
lanes of a block share t, the epoch and the batch slice [lo, hi) (only the indices differ), so the
per-step work is written with the lane index innermost over contiguous (d, LANES) arrays:

    x_p[j, l]  = A[order[l, p], j]                                  (gather of the batch row p)
    a[l]       = (((0 + x_p[0, l]·θ[0, l]) + x_p[1, l]·θ[1, l]) + …)   (j in order 0..d−1)
    r[l]       = a[l] − v[order[l, p]];   L_b[l] += ½·r[l]·r[l];   g[j, l] += r[l]·x_p[j, l]
    g /= |b|,  L_b /= |b|,  m = λm − ηg,  θ = θ + m                (heavy ball)

and LLVM maps each l-loop onto vector registers (no fast-math: no reassociation, no FMA
contraction, hence bitwise equality).  Samplers (``fill_order`` per epoch, ``fresh_batch`` per
step), the divergence test and the records (``kernels.record_step``) run per lane, unchanged.
A diverged lane stops recording at its divergence step (as the scalar kernel returns there); its
θ and m are zeroed so the block's remaining arithmetic stays finite.  Blocks run in parallel
(prange); a trajectory's numbers depend only on its own keyed streams, never on the thread count.

Measured (``benchmarks/w1.py --lanes``): bitwise equal, but about 3x SLOWER than ``sim.kernels``, so
``simulate`` does not use it.  Numba 0.68 runs LLVM without the SLP vectoriser
(``numba.config.SLP_VECTORIZE`` = 0) and fully unrolls the 8-trip lane loops, so they stay scalar
(the assembly holds ~70 vmulsd to ~9 vmulpd); with NUMBA_SLP_VECTORIZE=1 the lanes become
vgatherqpd gathers (one per lane-row element) and ran slower still.  The scalar kernel already
vectorises its gradient update along j over contiguous rows; only its dot products are scalar.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import HEAVY_BALL, _signature, record_step
from .problems import LSQ_EXACT, LSQ_GRAM
from .rng import SAMPLER_STREAM, stream_key
from .samplers import FRESH, fill_order, fresh_batch, steps_per_epoch, undo_fresh

LANES = 8  # fp64 lanes of one AVX-512 register (two AVX2 registers)


def lanes_apply(problem_code: int, optimizer_family: int) -> bool:
    """True when the lanes kernel covers the run: a least-squares problem with the heavy ball."""
    return problem_code in (LSQ_GRAM, LSQ_EXACT) and optimizer_family == HEAVY_BALL


@njit(cache=True, inline="always")
def lanes_batch(A, v, order, lo, hi, theta, g, xb, acc, bl):
    """Batch sums for every lane: g[:, l] = Σ_p r_p x_p, bl[l] = Σ_p ½ r_p² (p = lo..hi−1 in order)."""
    d = theta.shape[0]
    for j in range(d):
        for l in range(LANES):
            g[j, l] = 0.0
    for l in range(LANES):
        bl[l] = 0.0
    for p in range(lo, hi):
        for l in range(LANES):
            i = np.uint64(order[l, p])
            for j in range(d):
                xb[j, l] = A[i, j]
            acc[l] = 0.0
        for j in range(d):
            for l in range(LANES):
                acc[l] += xb[j, l] * theta[j, l]
        for l in range(LANES):
            r = acc[l] - v[np.uint64(order[l, p])]
            acc[l] = r
            bl[l] += 0.5 * r * r
        for j in range(d):
            for l in range(LANES):
                g[j, l] += acc[l] * xb[j, l]


@njit(cache=True)
def lanes_block(pa, lossf, ra, theta0, m0, out, div, k0, nl):
    """Run trajectories k0 .. k0+nl−1 (nl ≤ LANES) of the chunk, one per lane; write div[k] for each."""
    _prob, A, v, _G, _h, _c, _ns, _F = pa
    samp, B, drop_last, lr, lam, seed, traj0, T, every, thr, lthr = ra[:11]
    N = A.shape[0]
    d = A.shape[1]
    S = steps_per_epoch(N, B, drop_last)
    fresh = samp == FRESH
    theta = np.zeros((d, LANES))
    m = np.zeros((d, LANES))
    g = np.empty((d, LANES))
    xb = np.empty((d, LANES))
    acc = np.empty(LANES)
    bl = np.empty(LANES)
    th1, m1, g1, scratch = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    order = np.empty((LANES, N), dtype=np.int64)
    swaps = np.empty((LANES, B if fresh else 0), dtype=np.int64)
    keys = np.empty(LANES, dtype=np.uint64)
    active = np.zeros(LANES, dtype=np.bool_)
    for l in range(LANES):
        k = k0 + (l if l < nl else 0)  # padding lanes repeat lane 0 and stay inactive
        active[l] = l < nl
        keys[l] = stream_key(seed, traj0 + k, SAMPLER_STREAM)
        for j in range(d):
            theta[j, l] = theta0[k if theta0.shape[0] > 1 else 0, j]
            m[j, l] = m0[k if m0.shape[0] > 1 else 0, j]
        if l < nl:
            div[k] = -1
        if fresh:
            fill_order(samp, keys[l], 0, order[l])  # the identity
    n_active = nl
    t = 0
    epoch = 0
    while t < T and n_active > 0:
        if not fresh:
            for l in range(LANES):
                fill_order(samp, keys[l], epoch, order[l])
        for s in range(min(S, T - t)):
            t += 1
            if fresh:
                for l in range(LANES):
                    fresh_batch(keys[l], t - 1, order[l], B, swaps[l])
                lo, hi = N - B, N
            else:
                lo = s * B
                hi = min(lo + B, N)
            lanes_batch(A, v, order, lo, hi, theta, g, xb, acc, bl)
            nb = hi - lo
            for l in range(LANES):
                bl[l] /= nb
            for j in range(d):
                for l in range(LANES):
                    g[j, l] /= nb
            if fresh:
                for l in range(LANES):
                    undo_fresh(order[l], B, swaps[l])
            for j in range(d):  # heavy ball (as optimizers.hb_step)
                for l in range(LANES):
                    m[j, l] = lam * m[j, l] - lr * g[j, l]
                    theta[j, l] = theta[j, l] + m[j, l]
            for l in range(nl):
                if not active[l]:
                    continue
                bad = not abs(bl[l]) <= lthr
                for j in range(d):
                    if not abs(theta[j, l]) <= thr:
                        bad = True
                if not bad and t % every == 0:
                    for j in range(d):
                        th1[j] = theta[j, l]
                        m1[j] = m[j, l]
                        g1[j] = g[j, l]
                    bad = record_step(t // every - 1, pa, lossf, lthr, th1, m1, g1, bl[l], scratch, out, k0 + l)
                if bad:
                    div[k0 + l] = t
                    active[l] = False
                    n_active -= 1
                    for j in range(d):
                        theta[j, l] = 0.0
                        m[j, l] = 0.0
            if n_active == 0:
                break
        epoch += 1


def _run_chunk_lanes(pa, lossf, gradf, ra, theta0, m0, out, div):
    n = div.shape[0]
    for bb in prange((n + LANES - 1) // LANES):
        k0 = np.int64(bb) * LANES
        lanes_block(pa, lossf, ra, theta0, m0, out, div, k0, min(LANES, n - k0))


_KERNEL = []


def get_lanes_kernel():
    """The compiled lanes chunk kernel, called exactly like ``kernels.get_kernel()``'s (least squares +
    heavy ball only, see ``lanes_apply``); compiled or loaded from the Numba cache on first call."""
    if not _KERNEL:
        _KERNEL.append(njit(_signature(), cache=True, parallel=True)(_run_chunk_lanes))
    return _KERNEL[0]
