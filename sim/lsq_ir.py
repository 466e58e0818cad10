"""The least-squares batch sums of the trajectory kernel, emitted as LLVM IR in a fixed order.

For the batch examples i_p = order[p], p = lo..hi−1 (batch order), x = x_{i_p}, d' = W·⌊d/W⌋ (W = 4):

    s_k = fma(x_j, θ_j, s_k) over j = k, k+W, …, < d', from s_k = 0     (k = 0..W−1),
    a   = (s_0 + s_1) + (s_2 + s_3),  then a ← fma(x_j, θ_j, a) for j = d'..d−1,
    r_p = a − y_{i_p},   L ← L + (½r_p)·r_p from L = 0,   g_j ← fma(r_p, x_{i_p j}, g_j) from g_j = 0,

fma = fused multiply-add (one rounding).  Claim served: the kernel's results are bitwise those of
``sim.reference`` (``lsq_dot``/``batch_grad``) on any x86-64 and for any thread count, because every
operation and its order is written here, not chosen by the CPU's vector width or LLVM's cost model
(Numba compiles without fastmath, so LLVM neither reassociates nor contracts).  ``_lsq_sums`` is a
Numba ``@intrinsic``: the W partial sums and g's elements are <4 x double> lanes (llvm.fma.v4f64);
examples go BLOCK = 8 at a time with their dot products interleaved (independent chains in flight);
the horizontal sums of four examples are one 4×4 transpose (``_pair_sums``).  For d = 4, 8, 12, 16
(``UNROLLED``) a separate copy has the loops over θ's vectors unrolled, θ and g held in registers for
the whole batch and blocks of BLOCK_UNROLLED = 4 (no spills): the same operations in the same order.  IR types come from
llvmlite through ``numba.core.cgutils``, as Numba itself uses them (sim imports only Numba and NumPy).
"""
from __future__ import annotations

from numba import njit, types
from numba.core import cgutils
from numba.core.cgutils import ir  # llvmlite's IR builder, as Numba itself uses it
from numba.extending import intrinsic

__all__ = ["W", "BLOCK", "fma", "lsq_batch"]

W = 4  # partial sums of a residual dot product; fixed in the source, whatever the CPU's vector width
BLOCK = 8  # examples whose dot products are interleaved (independent chains in flight)
_F64 = ir.DoubleType()
_VEC = ir.VectorType(_F64, W)
_I32 = ir.IntType(32)
UNROLLED = (1, 2, 3, 4)  # d = W·n with these n: the vector loops unrolled, θ and g kept in registers
BLOCK_UNROLLED = 4  # their block: 4 rows' d/W vectors, reused for g, + sums, θ, g fit 32 vector registers


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


def _steps(builder, n, ity):
    """Indices 0..n−1: unrolled (constants) for a Python int n, a loop for an IR value n."""
    if isinstance(n, int):
        yield from (ir.Constant(ity, k) for k in range(n))
        return
    with cgutils.for_range(builder, n) as loop:
        yield loop.index


class _Vectors:
    """θ's and g's W-vectors k = 0..nv−1 (offset W·k): in memory for any d; for d = W·n (``n``, unrolled)
    θ's loaded once and g's in stack slots (registers after LLVM's SROA) for the whole batch."""

    def __init__(self, builder, th, g, d, n=None):
        self.th, self.g, self.n, self.ity = th, g, n, d.type
        self.nv = builder.udiv(d, ir.Constant(d.type, W)) if n is None else n
        if n is not None:
            offs = [ir.Constant(d.type, W * k) for k in range(n)]
            self.tv = [builder.load(_vec_ptr(builder, th, o), align=8) for o in offs]
            self.gs = [cgutils.alloca_once_value(builder, builder.load(_vec_ptr(builder, g, o), align=8)) for o in offs]

    def theta(self, builder, k, off):
        return self.tv[k.constant] if self.n else builder.load(_vec_ptr(builder, self.th, off), align=8)

    def gslot(self, builder, k, off):
        return self.gs[k.constant] if self.n else _vec_ptr(builder, self.g, off)

    def finish(self, builder):
        for k, slot in enumerate(self.gs if self.n else []):
            builder.store(builder.load(slot), _vec_ptr(builder, self.g, ir.Constant(self.ity, W * k)), align=8)


def _block_dots(builder, K, rows, vs, d):
    """Dot products x_q·θ of the K rows (``lsq_batch``'s order), their chains interleaved."""
    const = lambda x: ir.Constant(d.type, x)  # noqa: E731
    accs = [cgutils.alloca_once(builder, _VEC) for _ in range(K)]
    for a in accs:
        builder.store(ir.Constant(_VEC, [0.0] * W), a)
    for k in _steps(builder, vs.nv, d.type):  # s_k = fma(x_j, θ_j, s_k), j = k, k + W, ...
        off = builder.mul(k, const(W))
        t = vs.theta(builder, k, off)
        for q in range(K):
            x = builder.load(_vec_ptr(builder, rows[q], off), align=8)
            builder.store(_fma(builder, x, t, builder.load(accs[q])), accs[q])
    sums = _pair_sums(builder, [builder.load(a) for a in accs])
    if vs.n:
        return sums
    tots = [cgutils.alloca_once_value(builder, x) for x in sums]
    start = builder.mul(vs.nv, const(W))
    with cgutils.for_range(builder, builder.sub(d, start)) as loop:  # tail: total = fma(x_j, θ_j, total)
        j = builder.add(start, loop.index)
        t = builder.load(builder.gep(vs.th, [j]))
        for q in range(K):
            builder.store(_fma(builder, builder.load(builder.gep(rows[q], [j])), t, builder.load(tots[q])), tots[q])
    return [builder.load(t) for t in tots]


def _block_grad(builder, rs, rows, vs, d):
    """g_j = fma(r_q, x_qj, g_j) for the rows in order, W elements of g per vector operation."""
    const = lambda x: ir.Constant(d.type, x)  # noqa: E731
    rv = [_splat(builder, r) for r in rs]
    for k in _steps(builder, vs.nv, d.type):
        off = builder.mul(k, const(W))
        gp = vs.gslot(builder, k, off)
        gv = builder.load(gp, align=8)
        for q, r in enumerate(rv):
            gv = _fma(builder, r, builder.load(_vec_ptr(builder, rows[q], off), align=8), gv)
        builder.store(gv, gp, align=8)
    if vs.n:
        return
    start = builder.mul(vs.nv, const(W))
    with cgutils.for_range(builder, builder.sub(d, start)) as loop:
        j = builder.add(start, loop.index)
        gp = builder.gep(vs.g, [j])
        gj = builder.load(gp)
        for q, r in enumerate(rs):
            gj = _fma(builder, r, builder.load(builder.gep(rows[q], [j])), gj)
        builder.store(gj, gp)


def _emit_block(builder, K, p, arrs, d, bl_slot, vs):
    """Examples order[p], …, order[p+K−1]: residuals r_q, loss terms (in order), gradient terms."""
    A, v, order = arrs[:3]
    idx = [builder.load(builder.gep(order, [builder.add(p, ir.Constant(d.type, q))])) for q in range(K)]
    rows = [builder.gep(A, [builder.mul(i, d)]) for i in idx]
    tots = _block_dots(builder, K, rows, vs, d)
    rs = [builder.fsub(t, builder.load(builder.gep(v, [i]))) for t, i in zip(tots, idx)]
    bl = builder.load(bl_slot)
    for r in rs:  # bl + (0.5·r)·r
        bl = builder.fadd(bl, builder.fmul(builder.fmul(ir.Constant(_F64, 0.5), r), r))
    builder.store(bl, bl_slot)
    _block_grad(builder, rs, rows, vs, d)


def _emit_batch(builder, lo, hi, data, d, bl, n=None):
    """Blocks of BLOCK examples from lo (BLOCK_UNROLLED for d = W·n, ``n``), then the rest one at a time."""
    const = lambda x: ir.Constant(d.type, x)  # noqa: E731
    vs = _Vectors(builder, data[3], data[4], d, n)
    K = BLOCK_UNROLLED if n else BLOCK
    if n is not None:  # row addresses A + i·W·n: a shift, not a multiply by the loaded d
        d = const(W * n)
    nblk = builder.udiv(builder.sub(hi, lo), const(K))
    with cgutils.for_range(builder, nblk) as loop:
        _emit_block(builder, K, builder.add(lo, builder.mul(loop.index, const(K))), data, d, bl, vs)
    p1 = builder.add(lo, builder.mul(nblk, const(K)))
    with cgutils.for_range(builder, builder.sub(hi, p1)) as loop:
        _emit_block(builder, 1, builder.add(p1, loop.index), data, d, bl, vs)
    vs.finish(builder)


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
        end, generic = builder.append_basic_block("lsq.end"), builder.append_basic_block("lsq.any_d")
        switch = builder.switch(d, generic)
        for n in UNROLLED:
            case = builder.append_basic_block(f"lsq.d{W * n}")
            switch.add_case(const(W * n), case)
            builder.position_at_end(case)
            _emit_batch(builder, lo_, hi_, data, d, bl, n)
            builder.branch(end)
        builder.position_at_end(generic)
        _emit_batch(builder, lo_, hi_, data, d, bl)
        builder.branch(end)
        builder.position_at_end(end)
        return builder.load(bl)

    return sig, codegen


@njit(cache=True, inline="always")
def lsq_batch(A, v, order, lo, hi, theta, g):
    """Least-squares batch sums over the examples i_p = order[p], p = lo..hi−1, in batch order: returns
    L = Σ_p ½r_p² and writes g = Σ_p r_p x_{i_p} (C-contiguous float64 arrays), each operation in the
    order of the module docstring's formula, so bitwise ``sim.reference.lsq_dot``/``batch_grad``'s.
    """
    for j in range(g.shape[0]):
        g[j] = 0.0
    return _lsq_sums(A, v, order, lo, hi, theta, g)
