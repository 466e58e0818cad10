"""Plain Python/NumPy reference: the same algorithm as the kernel, written as obvious loops.

Serves the kernel-equals-reference tests.  The RNG is re-implemented with Python integers
(mod 2^64), Fisher–Yates and the batch/loss/update loops are scalar Python float arithmetic in
the same order as the kernel (IEEE double, each operation correctly rounded), so the kernel,
compiled without fastmath, must agree bitwise.  Slow: for small test problems only.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from .problems import FSUM, LSQ_GRAM, QUAD, Packed, pack

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z: int) -> int:
    """SplitMix64 finaliser on Python ints."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def stream_key(seed: int, traj: int, stream: int) -> int:
    k = mix64((seed + GAMMA) & MASK)
    k = mix64(k ^ stream)
    return mix64((k + traj * GAMMA) & MASK)


def draw_u64(key: int, counter: int) -> int:
    return mix64((key + (counter + 1) * GAMMA) & MASK)


def uniform_int32(u: int, q: int, n: int) -> int:
    """Draw q's bounded integer in [0, n) from word u, as ``sim.rng.uniform_int32(half32(u, q), n, u)``."""
    x = (u & 0xFFFFFFFF) if q & 1 else u >> 32
    m = x * n
    t = ((1 << 32) - n) % n
    v = u ^ x
    while (m & 0xFFFFFFFF) < t:
        v = mix64((v + GAMMA) & MASK)
        m = (v >> 32) * n
    return m >> 32


def std_normal(key: int, block: int, j: int) -> float:
    w1 = draw_u64(key, (block << 32) | (2 * j))
    w2 = draw_u64(key, (block << 32) | (2 * j + 1))
    u1 = ((w1 >> 11) + 1.0) * 2.0**-53
    u2 = (w2 >> 11) * 2.0**-53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def fresh_batch(n: int, b: int, seed: int, traj: int, step: int) -> list[int]:
    """The "fresh" batch of step ``step`` ≥ 1: partial Fisher–Yates (b draws of block step − 1) on 0..n−1."""
    key = stream_key(seed, traj, 0)
    order = list(range(n))
    for q in range(b):
        j = n - 1 - q
        r = uniform_int32(draw_u64(key, ((step - 1) << 32) | (q >> 1)), q, j + 1)
        order[j], order[r] = order[r], order[j]
    return order[n - b :]


def epoch_order(kind: str, n: int, seed: int, traj: int, epoch: int) -> list[int]:
    """Epoch ``epoch``'s index sequence: Fisher–Yates / i.i.d. / identity (see ``sim.samplers``)."""
    key = stream_key(seed, traj, 0)

    def draw(q: int, bound: int) -> int:  # draw q of the epoch: a 32-bit half of word q >> 1
        return uniform_int32(draw_u64(key, (epoch << 32) | (q >> 1)), q, bound)

    if kind == "replacement":
        return [draw(q, n) for q in range(n)]
    order = list(range(n))
    if kind == "reshuffle":
        for q in range(n - 1):
            j = n - 1 - q
            r = draw(q, j + 1)
            order[j], order[r] = order[r], order[j]
    return order


def dot(a, b) -> float:
    s = 0.0
    for x, y in zip(a, b):
        s += x * y
    return s


def fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once (IEEE fusedMultiplyAdd, round to nearest), as LLVM's llvm.fma in the kernel.

    Python 3.11 has no math.fma: for finite a, b the exact rational a·b + c is rounded by int/int true
    division (correctly rounded); an exact zero is +0 unless both terms are zeros (then a·b + c, exact,
    with IEEE's sign rule); overflow gives ±inf.  If a or b is not finite, a·b + c is already the fused
    result (a·b is ±inf or NaN exactly); if only c is not finite, the result is c."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a * b + c
    if not math.isfinite(c):
        return c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c if a == 0 or b == 0 else 0.0
    try:
        return float(exact)
    except OverflowError:
        return math.copysign(math.inf, exact)


W = 4  # the kernel's partial sums (``sim.lsq_ir.W``)


def lsq_dot(x: list[float], theta: list[float]) -> float:
    """x·θ in ``sim.lsq_ir.lsq_batch``'s order: s_k = fma chain over j ≡ k (mod W), j < W⌊d/W⌋, from 0;
    a = (s_0 + s_1) + (s_2 + s_3); then a = fma(x_j, θ_j, a) for the tail j ≥ W⌊d/W⌋."""
    d = len(x)
    d4 = W * (d // W)
    s = [0.0] * W
    for j in range(d4):
        s[j % W] = fma(x[j], theta[j], s[j % W])
    a = (s[0] + s[1]) + (s[2] + s[3])
    for j in range(d4, d):
        a = fma(x[j], theta[j], a)
    return a


def batch_grad(pk: Packed, batch: list[int], theta: list[float]) -> tuple[list[float], float]:
    """(g, L_b): g = (1/|b|)Σ∇ℓ_i(θ), L_b = (1/|b|)Σℓ_i(θ) (quadratic: ∇f, f)."""
    d = len(theta)
    if pk.code == QUAD:
        hv = [dot(row, theta) for row in pk.G.tolist()]
        g = [hv[j] - pk.h[j] for j in range(d)]
        return g, dot(theta, [0.5 * hv[j] - pk.h[j] for j in range(d)])
    g, loss = [0.0] * d, 0.0
    for i in batch:
        if pk.code == FSUM:
            gi = np.array(g)  # grad adds ∇ℓ_i into the running sum, as the kernel calls it
            pk.grad(np.array(theta), pk.A[i], gi)
            g = gi.tolist()
            loss += pk.loss(np.array(theta), pk.A[i])
        else:
            x = pk.A[i].tolist()
            r = lsq_dot(x, theta) - pk.v[i]
            loss += 0.5 * r * r
            g = [fma(r, x[j], g[j]) for j in range(d)]
    return [gj / len(batch) for gj in g], loss / len(batch)


def full_loss(pk: Packed, theta: list[float]) -> float:
    """L(θ): Gram form for LSQ_GRAM, f for QUAD, else (1/N)Σ_i ℓ_i(θ) in index order."""
    if pk.code == LSQ_GRAM:
        hv = [dot(row, theta) for row in pk.G.tolist()]
        return dot(theta, [0.5 * hv[j] - pk.h[j] for j in range(len(theta))]) + pk.c
    if pk.code == QUAD:
        return batch_grad(pk, [], theta)[1]
    loss = 0.0
    for i in range(pk.n):
        if pk.code == FSUM:
            loss += pk.loss(np.array(theta), pk.A[i])
        else:
            r = dot(pk.A[i].tolist(), theta) - pk.v[i]
            loss += 0.5 * r * r
    return loss / pk.n


def heavy_ball(grads: Any, lr: float, lam: float, theta0: Any, m0: Any) -> tuple[np.ndarray, np.ndarray]:
    """m_t = λm_{t−1} − ηg_t, θ_t = θ_{t−1} + m_t, in Python floats; rows 0..T."""
    m, th = [list(map(float, m0))], [list(map(float, theta0))]
    for g in np.asarray(grads, dtype=float).tolist():
        m.append([lam * a - lr * b for a, b in zip(m[-1], g)])
        th.append([a + b for a, b in zip(th[-1], m[-1])])
    return np.array(m), np.array(th)


def simulate_reference(problem: Any, optimizer: Any, sampler: Any, *, n_traj: int, n_steps: int, seed: int = 0,
                       theta0: Any = None, m0: Any = None, every: int = 1, threshold: float = 1e100,
                       loss_threshold: float = 1e100) -> dict:
    """Per-trajectory records {name: (n_traj, n_rec[, d])} and ``diverged_step`` like ``simulate``."""
    pk = pack(problem)
    d, n = pk.dim, pk.n
    kind, B, drop = ("fixed", 1, False) if sampler is None else (sampler.kind, sampler.batch_size, sampler.drop_last)
    S = n // B if drop else -(-n // B)
    R = n_steps // every
    rec = {k: np.full((n_traj, R, d), np.nan) for k in ("theta", "velocity", "grad")}
    rec.update({k: np.full((n_traj, R), np.nan) for k in ("batch_loss", "full_loss")})
    rec["diverged_step"] = np.full(n_traj, -1)
    for k in range(n_traj):
        th = np.zeros(d) if theta0 is None else np.asarray(theta0, float)
        th = (th[k] if th.ndim == 2 else th).tolist()
        m = [0.0] * d if m0 is None else list(map(float, m0))
        nkey = stream_key(seed, k, 1)
        for t in range(1, n_steps + 1):
            e, s = divmod(t - 1, S)
            if kind == "fresh":
                batch = fresh_batch(n, B, seed, k, t)
            else:
                batch = epoch_order(kind, n, seed, k, e)[s * B : s * B + B]
            g, bl = batch_grad(pk, batch, th)
            if pk.noise_std > 0:
                g = [g[j] + pk.noise_std * std_normal(nkey, t, j) for j in range(d)]
            elif pk.noise_factor.shape[0] > 0:  # ξ = F z, z_k = std_normal(key, t, k), summed in k order
                z = [std_normal(nkey, t, j) for j in range(d)]
                g = [g[j] + dot(pk.noise_factor[j].tolist(), z) for j in range(d)]
            m = [optimizer.momentum * a - optimizer.lr * b for a, b in zip(m, g)]
            th = [a + b for a, b in zip(th, m)]
            bad = not abs(bl) <= loss_threshold or not all(abs(x) <= threshold for x in th)
            if not bad and t % every == 0:
                fl = full_loss(pk, th)
                bad = not abs(fl) <= loss_threshold
                if not bad:
                    r = t // every - 1
                    for name, val in (("theta", th), ("velocity", m), ("grad", g), ("batch_loss", bl), ("full_loss", fl)):
                        rec[name][k, r] = val
            if bad:
                rec["diverged_step"][k] = t
                break
    return rec
