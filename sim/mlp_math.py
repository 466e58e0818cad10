"""Vectorisable exp and tanh for ``sim.mlp``'s kernels (claim C6), and a stack work buffer.

exp and tanh are built from arithmetic and exponent-bit manipulation, so LLVM's loop vectoriser can vectorise
them (a libm call cannot be vectorised); with their NumPy twins, which perform the same IEEE
operations in the same order and so return the same bits (Numba without fastmath neither
contracts a·b + c into an FMA nor reassociates).  Used by ``sim.mlp``'s kernels (claim C6).

exp(x), x ∈ [−760, 710] (clamped there first; NaN passes through the clamps, which are written
``not x >= lo``):  n = round(x·log₂e) by the 1.5·2⁵² trick (k = x·log₂e + M, n = bits(k) − bits(M),
n_f = k − M), r = (x − n_f·LN2_HI) − n_f·LN2_LO (LN2_HI has 21 significant bits, so n_f·LN2_HI and
the first subtraction are exact; |r| ≤ 0.3466), e^r by the Taylor polynomial Σ_{k≤13} r^k/k!
(Horner; truncation ≤ 0.3466¹⁴/14! ≈ 4e−18 relative), then e^x = (e^r·2^{n₁})·2^{n₂},
n₁ = ⌊n/2⌋, n₂ = n − n₁: both factors are normal, so only the last product rounds (gradual
underflow to 0 below −745.1, overflow to inf above 709.78).

tanh(x) = sign(x)·t(|x|) (``copysign``: tanh(±0) = ±0, tanh(±inf) = ±1, NaN → NaN):
|x| < 0.55: t = a + a·(s·Q(s)), s = a², Q the degree-10 least-squares fit (60-digit mpmath, 400
Chebyshev nodes on [0, 0.55²], weight s) of (tanh √s/√s − 1)/s, whose fit error is ≈ 0.2 ulp;
|x| ≥ 0.55: t = 1 − 2/(exp(2a) + 1), a clamped at 20 (t rounds to 1 above 19.06); there
t ≥ 0.5 and 2/(e + 1) ≤ 0.5, so the subtraction loses nothing.
Claim: ≤ 2 ulp from the exact value (measured ≤ 1.2 against mpmath; ``tests/test_mlp_math.py``
states and checks the bound against mpmath and np.tanh over the whole float range).
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["exp", "tanh", "exp_np", "tanh_np", "tanh_inplace", "exp_shifted_inplace", "stack_buffer", "fdiv"]

LOG2E = 1.4426950408889634  # log₂e rounded
MAGIC = 6755399441055744.0  # 1.5·2⁵²: adding it rounds to an integer (ties to even), kept in the low bits
MAGIC_BITS = 0x4338000000000000  # bits(MAGIC)
LN2_HI = 0.6931471803691238  # ln 2 with the low 32 significand bits cleared (0x3FE62E42FEE00000)
LN2_LO = 1.9082149292705877e-10  # ln 2 − LN2_HI (rounded)
EXP_LO, EXP_HI = -760.0, 710.0
EXP_C = tuple(1.0 / float(np.prod(np.arange(1, k + 1, dtype=float))) for k in range(14))  # 1/k!, k = 0..13
TANH_SMALL = 0.55
TANH_BIG = 20.0
TANH_Q = (-0.333333333333333, 0.13333333333326547, -0.053968253963733205, 0.021869488385349,
          -0.00886323259611905, 0.003592091997605336, -0.001455542732049983, 0.0005884443193579852,
          -0.00023338172884814572, 8.331734257611354e-05, -1.9495565251552225e-05)
(C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13) = EXP_C
(Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9, Q10) = TANH_Q


@intrinsic
def _f2i(typingctx, x):
    """The bits of a float64 as an int64 (an LLVM bitcast: vectorisable)."""
    if x != types.float64:
        return None
    return types.int64(types.float64), lambda ctx, b, sig, args: b.bitcast(args[0], ctx.get_value_type(types.int64))


@intrinsic
def _i2f(typingctx, x):
    """The float64 with the bits of an int64."""
    if x != types.int64:
        return None
    return types.float64(types.int64), lambda ctx, b, sig, args: b.bitcast(args[0], ctx.get_value_type(types.float64))


@intrinsic
def fdiv(typingctx, a, b):
    """a / b as one IEEE division (no zero-divisor test and exception branch, which Numba's ``/``
    adds and which keeps a loop from vectorising): b = 0 gives ±inf or NaN."""
    if a != types.float64 or b != types.float64:
        return None
    return types.float64(types.float64, types.float64), lambda ctx, bld, sig, args: bld.fdiv(*args)


@intrinsic
def stack_buffer(typingctx, n):
    """Pointer to n float64 on the caller's stack (``n`` a compile-time constant; wrap it with
    ``numba.carray(ptr, n)``): a work array without heap allocation or reference counting, valid
    until the compiled function that contains the call returns."""
    if not isinstance(n, types.IntegerLiteral):
        return None
    size = n.literal_value

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float64), size=size)

    return types.CPointer(types.float64)(n), codegen


@njit(cache=True, inline="always")
def exp(x: float) -> float:
    """e^x as in the module docstring."""
    x = x if not x < EXP_LO else EXP_LO
    x = x if not x > EXP_HI else EXP_HI
    k = x * LOG2E + MAGIC
    n = _f2i(k) - MAGIC_BITS
    nf = k - MAGIC
    r = (x - nf * LN2_HI) - nf * LN2_LO
    p = ((((((((((((C13 * r + C12) * r + C11) * r + C10) * r + C9) * r + C8) * r + C7) * r + C6) * r + C5) * r
              + C4) * r + C3) * r + C2) * r + C1) * r + C0
    n1 = n >> 1
    return (p * _i2f((n1 + 1023) << 52)) * _i2f((n - n1 + 1023) << 52)


@njit(cache=True, inline="always")
def tanh(x: float) -> float:
    """tanh x as in the module docstring (both branches are evaluated, then one is selected)."""
    a = abs(x)
    s = a * a
    q = (((((((((Q10 * s + Q9) * s + Q8) * s + Q7) * s + Q6) * s + Q5) * s + Q4) * s + Q3) * s + Q2) * s + Q1) * s + Q0
    small = a + a * (s * q)
    e = exp(2.0 * (a if not a > TANH_BIG else TANH_BIG))
    big = 1.0 - fdiv(2.0, e + 1.0)
    return np.copysign(small if a < TANH_SMALL else big, x)


@njit(cache=True, inline="always")
def tanh_inplace(v, n):
    """v[j] ← tanh(v[j]) for j < n (a loop with a runtime trip count: the vectoriser handles it)."""
    for j in range(n):
        v[j] = tanh(v[j])


@njit(cache=True, inline="always")
def exp_shifted_inplace(v, n, shift):
    """v[j] ← exp(v[j] − shift) for j < n; returns Σ_j v[j] (summed in index order)."""
    for j in range(n):
        v[j] = exp(v[j] - shift)
    s = 0.0
    for j in range(n):
        s += v[j]
    return s


def exp_np(x) -> np.ndarray:
    """NumPy twin of ``exp``: the same operations on float64 arrays (bitwise equal results)."""
    x = np.array(x, dtype=np.float64)
    x = np.where(x < EXP_LO, EXP_LO, x)
    x = np.where(x > EXP_HI, EXP_HI, x)
    k = x * LOG2E + MAGIC
    n = k.view(np.int64) - MAGIC_BITS
    nf = k - MAGIC
    r = (x - nf * LN2_HI) - nf * LN2_LO
    p = np.full_like(r, EXP_C[13])
    for c in EXP_C[12::-1]:
        p = p * r + c
    n1 = n >> 1
    return (p * ((n1 + 1023) << 52).view(np.float64)) * ((n - n1 + 1023) << 52).view(np.float64)


def tanh_np(x) -> np.ndarray:
    """NumPy twin of ``tanh`` (bitwise equal results)."""
    x = np.array(x, dtype=np.float64)
    a = np.abs(x)
    s = a * a
    q = np.full_like(s, TANH_Q[10])
    for c in TANH_Q[9::-1]:
        q = q * s + c
    small = a + a * (s * q)
    with np.errstate(over="ignore", invalid="ignore"):
        e = exp_np(2.0 * np.where(a > TANH_BIG, TANH_BIG, a))
        big = 1.0 - 2.0 / (e + 1.0)
    return np.copysign(np.where(a < TANH_SMALL, small, big), x)
