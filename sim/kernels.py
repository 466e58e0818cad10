"""The Numba trajectory kernel: many independent heavy-ball trajectories, in parallel (prange).

One call runs a chunk of trajectories traj0 .. traj0+n−1.  Trajectory k uses only its own
counter-based streams stream_key(seed, k, SAMPLER_STREAM / NOISE_STREAM), so its numbers are the
same whatever the thread count or chunking (the reproducibility rule).  Per step t = 1..T:

    b_t     = slice s of epoch e's order (t = e·S + s + 1), or the fresh subset of step t,
    g_t     = (1/|b_t|) Σ_{i∈b_t} ∇ℓ_i(θ_{t−1})  [+ σ z_t or F z_t for a noisy quadratic],
    L_b     = (1/|b_t|) Σ_{i∈b_t} ℓ_i(θ_{t−1}),
    m_t     = λ m_{t−1} − η g_t,   θ_t = θ_{t−1} + m_t   (heavy ball; ``PyTorchSGD``: ``pytorch_step``),

and, when t is a multiple of ``every``, record r = t/every − 1 stores θ_t, m_t, g_t, L_b and
L(θ_t) (those whose output array is not empty).  A trajectory diverges at the first step t where
|θ_t,j| > thr, |L_b| > lthr or a recorded |L(θ_t)| > lthr, or one of them is not finite (every
comparison is written ``not x <= thr``, true for NaN): it stops, its kernel result is t and its
records from step t on stay as the caller filled them (NaN).

The kernel has an explicit signature (FunctionType loss/grad for ``FiniteSum``), so it is
compiled and cached once; it is built lazily by ``get_kernel()`` (``sim.warmup()`` calls it).
No allocation happens inside the step loop: buffers are allocated once per trajectory.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange, types

from .lsq_ir import BLOCK, W, fma, lsq_batch  # noqa: F401  (fma, W, BLOCK: importable from here as before)
from .problems import (
    GRAD_FT, LOSS_FT, LSQ_EXACT, LSQ_GRAM, QUAD,
    fsum_batch, fsum_loss, lsq_loss, quad_eval,
)
from .rng import NOISE_STREAM, SAMPLER_STREAM, std_normal, stream_key
from .samplers import FRESH, fill_order, fresh_batch, steps_per_epoch, undo_fresh


class ProblemArgs(NamedTuple):
    """The problem's arrays as the kernel sees them (``problems.Packed``): code, data, Gram form, noise.

    The ``FiniteSum`` functions (loss, grad) travel as separate kernel arguments: Numba converts a
    dispatcher to the first-class ``FunctionType`` of the explicit signature only at top level."""

    code: int
    A: np.ndarray
    v: np.ndarray
    G: np.ndarray
    h: np.ndarray
    c: float
    noise_std: float
    F: np.ndarray


class RunArgs(NamedTuple):
    """Sampler, optimizer, streams and stopping rule of one chunk: samp, B, drop_last, lr (η),
    lam (λ), seed, traj0 (first trajectory of the chunk), T, every, thr (|θ|), lthr (|loss|); and the
    optimizer family ``opt`` (HEAVY_BALL, or PYTORCH with dampening τ ``damp``, ``nesterov``, weight
    decay ``wd`` and the per-step learning rates ``lrs`` (T,))."""

    samp: int
    B: int
    drop_last: bool
    lr: float
    lam: float
    seed: np.uint64
    traj0: int
    T: int
    every: int
    thr: float
    lthr: float
    opt: int = 0
    damp: float = 0.0
    nesterov: bool = False
    wd: float = 0.0
    lrs: np.ndarray = np.empty(0)


HEAVY_BALL, PYTORCH = 0, 1


class Outputs(NamedTuple):
    """Per-chunk record arrays (c, R[, d]); an empty one (R = 0) is not recorded."""

    theta: np.ndarray
    velocity: np.ndarray
    grad: np.ndarray
    batch_loss: np.ndarray
    full_loss: np.ndarray


@njit(cache=True)
def full_loss(prob, A, v, G, h, c, lossf, theta, scratch):
    """L(θ) for problem code ``prob`` (Gram form for LSQ_GRAM, see ``problems``)."""
    if prob == LSQ_GRAM:
        return quad_eval(G, h, theta, scratch) + c
    if prob == LSQ_EXACT:
        return lsq_loss(A, v, theta)
    if prob == QUAD:
        return quad_eval(G, h, theta, scratch)
    return fsum_loss(lossf, A, theta)


@njit(cache=True)
def batch_step_grad(prob, A, v, G, h, lossf, gradf, order, lo, hi, theta, g, need_loss):
    """Write g_t for the batch order[lo:hi] into ``g``; return the batch loss L_b(θ)."""
    if prob == QUAD:
        return quad_eval(G, h, theta, g)
    return fsum_batch(lossf, gradf, A, order, lo, hi, theta, g, need_loss)


@njit(cache=True)
def record_step(r, pa, lossf, lthr, theta, m, g, bl, scratch, out, row):
    """At a record step: L(θ) if recorded, then store record r in row ``row`` of every output
    that is not empty (shape[1] == 0 means "not recorded"); return True if the recorded loss
    diverged (|L(θ)| > lthr or not finite)."""
    fl = 0.0
    if out.full_loss.shape[1] > 0:
        fl = full_loss(pa.code, pa.A, pa.v, pa.G, pa.h, pa.c, lossf, theta, scratch)
        if not abs(fl) <= lthr:
            return True
    if out.theta.shape[1] > 0:
        out.theta[row, r, :] = theta
    if out.velocity.shape[1] > 0:
        out.velocity[row, r, :] = m
    if out.grad.shape[1] > 0:
        out.grad[row, r, :] = g
    if out.batch_loss.shape[1] > 0:
        out.batch_loss[row, r] = bl
    if out.full_loss.shape[1] > 0:
        out.full_loss[row, r] = fl
    return False


@njit(cache=True, inline="always")
def pytorch_step(theta, b, g, lr, mu, damp, nesterov, wd, first):
    """torch.optim.SGD in place, as ``optproof.base.conventions``' reference step: g' = g + wd·θ;
    b = g' (first step) or μb + (1 − τ)g'; θ ← θ − η·(b, or g' + μb with Nesterov)."""
    for j in range(theta.shape[0]):
        gj = g[j] + wd * theta[j] if wd != 0.0 else g[j]
        dj = gj
        if mu != 0.0:
            b[j] = gj if first else mu * b[j] + (1.0 - damp) * gj
            dj = gj + mu * b[j] if nesterov else b[j]
        theta[j] = theta[j] - lr * dj


@njit(cache=True)
def trajectory(pa, lossf, gradf, ra, skey, nkey, theta, m, out, row):
    """Run one trajectory (outputs ``out``, row ``row``) for T steps from (θ, m) in place; return its
    divergence step or −1.  ``pa``/``ra``: the ``ProblemArgs``/``RunArgs`` records, unpacked here
    once so the step loop works on plain locals.

    Least squares: ``lsq_batch`` (inlined), then g_j /= |b|, L_b /= |b| — the same IEEE operations
    in the same order as ``sim.reference``.  That path calls no other compiled function per step
    (a call passing arrays costs atomic reference-count updates, on arrays shared by all threads);
    ``fill_order`` runs once per epoch, ``fresh_batch``/``undo_fresh`` once per step of the "fresh"
    sampler (``order`` stays the identity between steps) and ``record_step`` only at record steps.
    Quadratic noise: g_j += σ z_j (``noise_std``) or g_j += Σ_k F_jk z_k (``F`` = noise factor,
    non-empty), z_k = std_normal(nkey, t, k) drawn once per step.
    """
    prob, A, v, G, h, c, noise_std, F = pa
    samp, B, drop_last, lr, lam, _seed, _traj0, T, every, thr, lthr, opt, damp, nesterov, wd, lrs = ra
    N = A.shape[0]
    d = theta.shape[0]
    S = steps_per_epoch(N, B, drop_last)
    lsq = prob == LSQ_GRAM or prob == LSQ_EXACT
    fresh = samp == FRESH
    g = np.empty(d)
    scratch = np.empty(d)
    z = np.empty(d if F.shape[0] > 0 else 0)
    order = np.empty(N, dtype=np.int64)
    words = np.empty((N + 1) // 2, dtype=np.uint64)
    swaps = np.empty(B if fresh else 0, dtype=np.int64)
    need_bl = out.batch_loss.shape[1] > 0
    t = 0
    epoch = 0
    if fresh:
        fill_order(samp, skey, 0, order, words)  # the identity
    while t < T:
        if not fresh:
            fill_order(samp, skey, epoch, order, words)
        for s in range(min(S, T - t)):
            t += 1
            if fresh:
                fresh_batch(skey, t - 1, order, B, swaps)
                lo, hi = N - B, N
            else:
                lo = s * B
                hi = min(lo + B, N)
            if lsq:
                bl = lsq_batch(A, v, order, lo, hi, theta, g)
                bl /= hi - lo
                for j in range(d):
                    g[j] /= hi - lo
            else:
                bl = batch_step_grad(prob, A, v, G, h, lossf, gradf, order, lo, hi, theta, g, need_bl)
                if noise_std > 0.0:
                    for j in range(d):
                        g[j] += noise_std * std_normal(nkey, t, j)
                elif z.shape[0] > 0:
                    for k in range(d):
                        z[k] = std_normal(nkey, t, k)
                    for j in range(d):
                        xi = 0.0
                        for k in range(d):
                            xi += F[j, k] * z[k]
                        g[j] += xi
            if fresh:
                undo_fresh(order, B, swaps)
            bad = not abs(bl) <= lthr  # exploding or non-finite batch loss
            if opt == PYTORCH:
                pytorch_step(theta, m, g, lrs[t - 1], lam, damp, nesterov, wd, t == 1)
            else:
                for j in range(d):  # heavy ball (as optimizers.hb_step)
                    m[j] = lam * m[j] - lr * g[j]
                    theta[j] = theta[j] + m[j]
            for j in range(d):  # the divergence test
                if not abs(theta[j]) <= thr:
                    bad = True
            if not bad and t % every == 0:
                bad = record_step(t // every - 1, pa, lossf, lthr, theta, m, g, bl, scratch, out, row)
            if bad:
                return t
        epoch += 1
    return -1


def _run_chunk(pa, lossf, gradf, ra, theta0, m0, out, div):
    for kk in prange(div.shape[0]):
        k = np.int64(kk)  # the parfor index may be unsigned; keep all index arithmetic in int64
        theta = theta0[k if theta0.shape[0] > 1 else 0].copy()
        m = m0[k if m0.shape[0] > 1 else 0].copy()
        skey = stream_key(ra.seed, ra.traj0 + k, SAMPLER_STREAM)
        nkey = stream_key(ra.seed, ra.traj0 + k, NOISE_STREAM)
        div[k] = trajectory(pa, lossf, gradf, ra, skey, nkey, theta, m, out, k)


def _signature():
    i64, f64 = types.int64, types.float64
    F1, F2, F3 = types.float64[::1], types.float64[:, ::1], types.float64[:, :, ::1]
    problem = types.NamedTuple([i64, F2, F1, F2, F1, f64, f64, F2], ProblemArgs)
    run = types.NamedTuple([i64, i64, types.boolean, f64, f64, types.uint64, i64, i64, i64, f64, f64,
                            i64, f64, types.boolean, f64, F1], RunArgs)
    outputs = types.NamedTuple([F3, F3, F3, F2, F2], Outputs)
    return types.void(problem, LOSS_FT, GRAD_FT, run, F2, F2, outputs, types.int64[::1])


_KERNEL = []


def get_kernel():
    """The compiled chunk kernel ``kernel(ProblemArgs, loss, grad, RunArgs, theta0, m0, Outputs, div)``
    (compiled or loaded from the Numba cache on first call)."""
    if not _KERNEL:
        _KERNEL.append(njit(_signature(), cache=True, parallel=True)(_run_chunk))
    return _KERNEL[0]
