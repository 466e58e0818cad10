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


import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.core.cgutils import ir  # llvmlite's IR builder, as Numba itself uses it
from numba.extending import intrinsic

from typing import NamedTuple

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


W = 4  # partial sums of a residual dot product; fixed in the source, whatever the CPU's vector width
BLOCK = 8  # examples whose dot products are interleaved (independent chains in flight)
_F64 = ir.DoubleType()
_VEC = ir.VectorType(_F64, W)
_I32 = ir.IntType(32)


def _fma(builder, a, b, c):
    """llvm.fma on doubles or <W x double>: a·b + c with one rounding (LLVM's semantics, any CPU)."""
    ty = a.type
    name = f"llvm.fma.v{W}f64" if isinstance(ty, ir.VectorType) else "llvm.fma.f64"
    return builder.call(cgutils.get_or_insert_function(builder.module, ir.FunctionType(ty, [ty] * 3), name), [a, b, c])


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c with one rounding (llvm.fma.f64), for compiled code (e.g. a ``FiniteSum`` written in
    ``lsq_batch``'s order); Python: ``sim.reference.fma``."""
    if not all(isinstance(x, types.Float) for x in (a, b, c)):
        return None
    return types.float64(types.float64, types.float64, types.float64), lambda ctx, b_, s, args: _fma(b_, *args)


def _vec_ptr(builder, ptr, off):
    return builder.bitcast(builder.gep(ptr, [off]), _VEC.as_pointer())


def _splat(builder, x):
    v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), x, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined), ir.Constant(ir.VectorType(_I32, W), [0] * W))


def _shuffle(builder, a, b, lanes):
    return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, W), lanes))


def _pair_sums(builder, vecs):
    """(s_0 + s_1) + (s_2 + s_3) of each vector s; four at a time as a transpose (6 shuffles, 3 vector adds):
    x = (a0+a1, b0+b1, a2+a3, b2+b3), y likewise for c, d, then (x0, x1, y0, y1) + (x2, x3, y2, y3)."""
    out = []
    for k in range(0, len(vecs) - 3, 4):
        a, b, c, d = vecs[k : k + 4]
        x = builder.fadd(_shuffle(builder, a, b, [0, 4, 2, 6]), _shuffle(builder, a, b, [1, 5, 3, 7]))
        y = builder.fadd(_shuffle(builder, c, d, [0, 4, 2, 6]), _shuffle(builder, c, d, [1, 5, 3, 7]))
        t = builder.fadd(_shuffle(builder, x, y, [0, 1, 4, 5]), _shuffle(builder, x, y, [2, 3, 6, 7]))
        out += [builder.extract_element(t, ir.Constant(_I32, q)) for q in range(4)]
    for v in vecs[len(out):]:
        e = [builder.extract_element(v, ir.Constant(_I32, k)) for k in range(W)]
        out.append(builder.fadd(builder.fadd(e[0], e[1]), builder.fadd(e[2], e[3])))
    return out


def _block_dots(builder, K, rows, th, d, nv):
    """Dot products x_q·θ of the K rows (``lsq_batch``'s order), their chains interleaved."""
    const = lambda x: ir.Constant(d.type, x)  # noqa: E731
    accs = [cgutils.alloca_once(builder, _VEC) for _ in range(K)]
    for a in accs:
        builder.store(ir.Constant(_VEC, [0.0] * W), a)
    with cgutils.for_range(builder, nv) as loop:  # s_k = fma(x_j, θ_j, s_k), j = k, k + W, ...
        off = builder.mul(loop.index, const(W))
        t = builder.load(_vec_ptr(builder, th, off), align=8)
        for q in range(K):
            x = builder.load(_vec_ptr(builder, rows[q], off), align=8)
            builder.store(_fma(builder, x, t, builder.load(accs[q])), accs[q])
    sums = _pair_sums(builder, [builder.load(a) for a in accs])
    tots = [cgutils.alloca_once_value(builder, x) for x in sums]
    start = builder.mul(nv, const(W))
    with cgutils.for_range(builder, builder.sub(d, start)) as loop:  # tail: total = fma(x_j, θ_j, total)
        j = builder.add(start, loop.index)
        t = builder.load(builder.gep(th, [j]))
        for q in range(K):
            builder.store(_fma(builder, builder.load(builder.gep(rows[q], [j])), t, builder.load(tots[q])), tots[q])
    return [builder.load(t) for t in tots]


def _block_grad(builder, rs, rows, gd, d, nv):
    """g_j = fma(r_q, x_qj, g_j) for the rows in order, W elements of g per vector operation."""
    const = lambda x: ir.Constant(d.type, x)  # noqa: E731
    rv = [_splat(builder, r) for r in rs]
    with cgutils.for_range(builder, nv) as loop:
        gp = _vec_ptr(builder, gd, builder.mul(loop.index, const(W)))
        gv = builder.load(gp, align=8)
        for q, r in enumerate(rv):
            gv = _fma(builder, r, builder.load(_vec_ptr(builder, rows[q], builder.mul(loop.index, const(W))), align=8), gv)
        builder.store(gv, gp, align=8)
    start = builder.mul(nv, const(W))
    with cgutils.for_range(builder, builder.sub(d, start)) as loop:
        j = builder.add(start, loop.index)
        gp = builder.gep(gd, [j])
        gj = builder.load(gp)
        for q, r in enumerate(rs):
            gj = _fma(builder, r, builder.load(builder.gep(rows[q], [j])), gj)
        builder.store(gj, gp)


def _emit_block(builder, K, p, arrs, d, bl_slot):
    """Examples order[p], …, order[p+K−1]: residuals r_q, loss terms (in order), gradient terms."""
    A, v, order, th, g = arrs
    idx = [builder.load(builder.gep(order, [builder.add(p, ir.Constant(d.type, q))])) for q in range(K)]
    rows = [builder.gep(A, [builder.mul(i, d)]) for i in idx]
    nv = builder.udiv(d, ir.Constant(d.type, W))
    tots = _block_dots(builder, K, rows, th, d, nv)
    rs = [builder.fsub(t, builder.load(builder.gep(v, [i]))) for t, i in zip(tots, idx)]
    bl = builder.load(bl_slot)
    for r in rs:  # bl + (0.5·r)·r
        bl = builder.fadd(bl, builder.fmul(builder.fmul(ir.Constant(_F64, 0.5), r), r))
    builder.store(bl, bl_slot)
    _block_grad(builder, rs, rows, g, d, nv)


def _contiguous_f64(*tys):
    return all(isinstance(t, types.Array) and t.layout == "C" and t.dtype == types.float64 for t in tys)


@intrinsic
def _lsq_sums(typingctx, A, v, order, lo, hi, theta, g):
    """LLVM IR of ``lsq_batch`` (after g = 0): returns Σ_p ½r_p², adds Σ_p r_p x_p to g (C arrays)."""
    if not (_contiguous_f64(A, v, theta, g) and A.ndim == 2 and isinstance(order, types.Array)
            and order.dtype == types.int64 and order.layout == "C"):
        return None
    sig = types.float64(A, v, order, lo, hi, theta, g)

    def codegen(context, builder, s, args):
        arrs = [context.make_array(s.args[k])(context, builder, args[k]) for k in (0, 1, 2, 5, 6)]
        d = builder.extract_value(arrs[0].shape, 1)
        const = lambda x: ir.Constant(d.type, x)  # noqa: E731
        data = [a.data for a in arrs]
        lo_, hi_ = (context.cast(builder, args[k], s.args[k], types.intp) for k in (3, 4))
        bl = cgutils.alloca_once_value(builder, ir.Constant(_F64, 0.0))
        nblk = builder.udiv(builder.sub(hi_, lo_), const(BLOCK))
        with cgutils.for_range(builder, nblk) as loop:
            _emit_block(builder, BLOCK, builder.add(lo_, builder.mul(loop.index, const(BLOCK))), data, d, bl)
        p1 = builder.add(lo_, builder.mul(nblk, const(BLOCK)))
        with cgutils.for_range(builder, builder.sub(hi_, p1)) as loop:
            _emit_block(builder, 1, builder.add(p1, loop.index), data, d, bl)
        return builder.load(bl)

    return sig, codegen


@njit(cache=True, inline="always")
def lsq_batch(A, v, order, lo, hi, theta, g):
    """Least-squares batch sums over the examples i_p = order[p], p = lo..hi−1 in batch order; returns
    L = Σ_p ½r_p² (L ← L + (½r_p)·r_p from L = 0) and writes g_j = Σ_p r_p x_{i_p j} (g_j ← fma(r_p, x_{i_p j}, g_j)
    from g_j = 0), where, with x = x_{i_p}, d' = W·⌊d/W⌋ (W = 4):

        s_k = fma chain over j = k, k+W, …, < d' (s_k ← fma(x_j, θ_j, s_k) from 0),  k = 0..W−1,
        a   = (s_0 + s_1) + (s_2 + s_3),  then a ← fma(x_j, θ_j, a) for j = d'..d−1,   r_p = a − y_{i_p}.

    fma = fused multiply-add (one rounding): every operation and its order is fixed here, not by the
    CPU or LLVM's cost model, so the result is bitwise the same on any x86-64 (AVX2 or AVX-512) and
    equals ``sim.reference.lsq_dot``/``batch_grad``.  Emitted as LLVM IR (``_lsq_sums``): the W-wide
    partial sums and g's elements are vector lanes (<4 x double>, llvm.fma.v4f64), examples are taken
    BLOCK = 8 at a time with their dot products interleaved; g_j's chain stays in batch order.
    """
    for j in range(g.shape[0]):
        g[j] = 0.0
    return _lsq_sums(A, v, order, lo, hi, theta, g)


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
