"""Gradient-stream heavy ball vs a Python recursion and vs the closed form (claim C9).

Error analysis.  (1) Kernel vs the Python recursion ``sim.reference.heavy_ball``: both evaluate
m_t = fl(fl(λ·m_{t−1}) − fl(η·g_t)), θ_t = fl(θ_{t−1} + m_t) with the same IEEE double
operations, so they agree bitwise (tolerance 0).
(2) Kernel vs the closed form m_t = λ^t m_0 − η Σ_{k=1}^t λ^{t−k} g_k (evaluated with math.fsum,
each term with ≤ 3 roundings, λ^{n} by repeated products ≤ n roundings).  With unit roundoff
u = 2^-53 one step gives m̂_t = (λ m̂_{t−1}(1+δ1) − η g_t(1+δ2))(1+δ3), |δ| ≤ u, so the error
e_t = m̂_t − m_t obeys |e_t| ≤ λ|e_{t−1}| + 2u(λ|m̂_{t−1}| + η|g_t|); unrolling with λ ≤ 1,
|e_t| ≤ 2u·t·A_t (1 + O(tu)), A_t = λ^t|m_0| + η Σ λ^{t−k}|g_k|.  The closed form's own error is
≤ (t + 3)u·A_t.  We allow 4(t + 2)·u·A_t + tiny.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, strategies as st

import optproof.sim as sim
from optproof.sim import reference as ref

U = 2.0**-53
finite = st.floats(-1e3, 1e3, allow_nan=False)


@st.composite
def streams(draw):
    T = draw(st.integers(0, 40))
    d = draw(st.integers(1, 3))
    g = np.array(draw(st.lists(finite, min_size=T * d, max_size=T * d))).reshape(T, d)
    m0 = np.array(draw(st.lists(finite, min_size=d, max_size=d)))
    th0 = np.array(draw(st.lists(finite, min_size=d, max_size=d)))
    return g, m0, th0


lams = st.floats(0.0, 1.0)
lrs = st.floats(1e-6, 10.0)


@given(streams(), lrs, lams)
def test_stream_kernel_equals_python_recursion_bitwise(s, lr, lam):
    g, m0, th0 = s
    m, th = sim.heavy_ball_stream(g, lr, lam, theta0=th0, m0=m0)
    m_ref, th_ref = ref.heavy_ball(g, lr, lam, th0, m0)
    np.testing.assert_array_equal(m, m_ref.reshape(m.shape))
    np.testing.assert_array_equal(th, th_ref.reshape(th.shape))


@given(streams(), lrs, lams)
def test_stream_kernel_matches_closed_form(s, lr, lam):
    g, m0, th0 = s
    m, _ = sim.heavy_ball_stream(g, lr, lam, theta0=th0, m0=m0)
    T = g.shape[0]
    for t in range(T + 1):
        pw = [1.0]
        for _ in range(t):
            pw.append(pw[-1] * lam)
        for j in range(g.shape[1]):
            terms = [pw[t] * m0[j]] + [-lr * pw[t - k] * g[k - 1, j] for k in range(1, t + 1)]
            A = sum(abs(x) for x in terms)
            assert abs(m[t, j] - math.fsum(terms)) <= 4 * (t + 2) * U * A + 1e-300


def test_sgd_stream_is_gd():
    g = np.array([[1.0, -2.0], [0.5, 0.25]])
    _, th = sim.heavy_ball_stream(g, 0.1, 0.0, theta0=[1.0, 1.0])
    assert th[-1].tolist() == [(1.0 - 0.1 * 1.0) - 0.1 * 0.5, (1.0 + 0.1 * 2.0) - 0.1 * 0.25]
