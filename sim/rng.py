"""Counter-based random numbers keyed by (seed, stream, trajectory): SplitMix64.

Serves claim C1 (reshuffling) and the reproducibility rule of ``sim``: the random number
used for draw ``c`` of trajectory ``k`` is a pure function

    u(seed, stream, k, c) = mix64(key + (c + 1)·γ),   key = stream_key(seed, k, stream),

i.e. output number ``c`` of the SplitMix64 generator seeded with ``key`` (γ = 0x9E3779B97F4A7C15,
``mix64`` = the SplitMix64/Stafford "Mix13" finaliser, a bijection of 64-bit words).  Nothing
depends on thread count, chunking or the order in which trajectories are run.  Keys are a
chain of bijective mixes of (seed, stream, trajectory), so distinct trajectories of one
(seed, stream) always get distinct keys; two streams overlap only if their keys differ by a
small multiple of γ, probability ≈ (draws per stream × streams)/2^64.

Counters are laid out as ``(block << 32) | j``: block = epoch for the sampler stream and
step for the noise stream, j < 2^32 the draw inside it.  Bounded integers (the samplers) take
two per 64-bit word: draw q of a block uses the high (q even) or low (q odd) 32-bit half of
word q >> 1 (``half32``, ``uniform_int32``).  Every function here is ``@njit`` (scalar
in, scalar out, ``inline="always"`` so that callers' loops contain no calls) and is also
callable from Python; ``sim.reference`` re-implements them with Python integers.
All arithmetic is on ``np.uint64`` (mixing int64 and uint64 would promote to float in Numba).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(s) for s in (11, 27, 30, 31, 32))
_INV53 = 1.0 / 9007199254740992.0  # 2^-53

SAMPLER_STREAM = 0
NOISE_STREAM = 1


@njit(cache=True, inline="always")
def mix64(z):
    """SplitMix64 finaliser: z ^= z>>30; z *= M1; z ^= z>>27; z *= M2; z ^= z>>31 (mod 2^64)."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def stream_key(seed, traj, stream):
    """Key of trajectory ``traj`` in stream ``stream``: mix64(mix64(mix64(seed+γ) ^ stream) + traj·γ)."""
    k = mix64(np.uint64(seed) + GAMMA)
    k = mix64(k ^ np.uint64(stream))
    return mix64(k + np.uint64(traj) * GAMMA)


@njit(cache=True, inline="always")
def draw_u64(key, counter):
    """Output number ``counter`` of SplitMix64 seeded with ``key``: mix64(key + (counter+1)·γ)."""
    return mix64(np.uint64(key) + (np.uint64(counter) + np.uint64(1)) * GAMMA)


@njit(cache=True, inline="always")
def counter_of(block, j):
    """Counter ``(block << 32) | j`` of draw ``j`` (< 2^32) in block ``block`` (epoch or step)."""
    return (np.uint64(block) << _S32) | np.uint64(j)


@njit(cache=True, inline="always")
def half32(u, q):
    """The 32-bit half of word ``u`` that draw ``q`` uses: the high half for even q, the low for odd q."""
    u = np.uint64(u)
    return (u & _MASK32) if (q & 1) else (u >> _S32)


@njit(cache=True, inline="always")
def uniform_int32(x, n, u):
    """Exactly uniform integer in [0, n) for 1 ≤ n ≤ 2^32 from the 32-bit word ``x`` (a half of ``u``).

    Lemire's multiply-shift x·n >> 32 with rejection of the (2^32 mod n) biased low products;
    a rejected x is replaced by the top half of v ← mix64(v + γ), v starting at u ^ x (probability
    < n/2^32 per draw, deterministic).  Used with x = half32(u, q) for two draws per 64-bit word.
    """
    n = np.uint64(n)
    m = np.uint64(x) * n
    low = m & _MASK32
    if low < n:
        t = (_TWO32 - n) % n
        v = np.uint64(u) ^ np.uint64(x)
        while low < t:
            v = mix64(v + GAMMA)
            m = (v >> _S32) * n
            low = m & _MASK32
    return np.int64(m >> _S32)


@njit(cache=True, inline="always")
def uniform01(u):
    """Uniform double in [0, 1): (u >> 11)·2^-53 (exact)."""
    return np.float64(np.uint64(u) >> _S11) * _INV53


@njit(cache=True, inline="always")
def std_normal(key, block, j):
    """Standard normal number ``j`` of block ``block``: Box–Muller on draws (block, 2j), (block, 2j+1).

    z = sqrt(−2 ln u1)·cos(2π u2) with u1 = ((w1 >> 11) + 1)·2^-53 ∈ (0, 1], u2 ∈ [0, 1).
    """
    w1 = draw_u64(key, counter_of(block, 2 * j))
    w2 = draw_u64(key, counter_of(block, 2 * j + 1))
    u1 = (np.float64(w1 >> _S11) + 1.0) * _INV53
    u2 = uniform01(w2)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
