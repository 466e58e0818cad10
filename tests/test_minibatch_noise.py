"""mathcore.minibatch: exact mini-batch noise of least squares against brute-force enumeration (C3, C5).

Every exact check uses Fractions and enumerates all batches, batch sequences or permutations of a
tiny data set; nothing here is random beyond Hypothesis' choice of the data.
"""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations, permutations, product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optproof.mathcore import minibatch_noise as mbn
from optproof.mathcore import minibatch_moments as mbm
from optproof.mathcore import minibatch_stationary as mbs
from optproof.mathcore import noise_scale as nscale
from optproof.mathcore import minibatch_proofs as mbp
from optproof.mathcore.batching import batch_variance_factor, exact_gradient_moments, exact_population_covariance

small = st.builds(Fraction, st.integers(-3, 3), st.sampled_from([1, 2]))


@st.composite
def datasets(draw, max_n=4, max_d=2, min_n=1):
    n = draw(st.integers(min_n, max_n))
    d = draw(st.integers(1, max_d))
    X = [[draw(small) for _ in range(d)] for _ in range(n)]
    y = [draw(small) for _ in range(n)]
    theta = [draw(small) for _ in range(d)]
    return X, y, theta


def per_example_gradients(X, y, theta):
    return [[x_p * (sum(a * t for a, t in zip(x, theta)) - yi) for x_p in x] for x, yi in zip(X, y)]


def batch_gradient(X, y, theta, batch):
    grads = per_example_gradients([X[i] for i in batch], [y[i] for i in batch], theta)
    return [sum(col) / len(batch) for col in zip(*grads)]


def all_batches(N, B, replace):
    return list(product(range(N), repeat=B) if replace else combinations(range(N), B))


def as_fractions(a):
    return [[Fraction(v) for v in row] for row in np.asarray(a, dtype=object).reshape(np.shape(a)[0], -1)]


# --------------------------------------------------------------------------- noise covariance
@given(datasets(), st.data(), st.booleans())
def test_noise_covariance_equals_enumeration_over_batches(case, data, replace):
    X, y, theta = case
    B = data.draw(st.integers(1, len(X) if not replace else 3))
    mean, cov = exact_gradient_moments(per_example_gradients(X, y, theta), B, replace)
    assert as_fractions(mbn.gradient_noise_covariance(X, y, theta, B, replace)) == cov
    H = np.array(X, dtype=object).T @ np.array(X, dtype=object) / len(X)
    b = np.array(X, dtype=object).T @ np.array(y, dtype=object) / len(X)
    assert list(H @ np.array(theta, dtype=object) - b) == mean  # unbiased: E ∇L_B = Hθ − b
    _, sigma = exact_population_covariance(per_example_gradients(X, y, theta))
    assert as_fractions(mbn.per_example_gradient_covariance(X, y, theta)) == sigma


@given(datasets(), st.lists(st.lists(small, min_size=2, max_size=2), min_size=1, max_size=3))
def test_expected_covariance_is_exact_for_random_theta(case, points):
    """θ uniform on a few points: E[Σ(θ)] from (μ, P) equals the average of Σ at the points."""
    X, y, _ = case
    d = len(X[0])
    pts = [np.array(p[:d], dtype=object) for p in points]
    mu = sum(pts) / len(pts)
    P = sum(np.outer(p - mu, p - mu) for p in pts) / len(pts)
    direct = sum(mbn.per_example_gradient_covariance(X, y, list(p)) for p in pts) / len(pts)
    assert as_fractions(mbn.expected_gradient_covariance(X, y, list(mu), P)) == as_fractions(direct)


def test_noise_limits_full_batch_and_single_example():
    X, y, theta = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], [1.0, 0.0, 2.0], [0.3, -0.2]
    assert np.all(mbn.gradient_noise_covariance(X, y, theta, 3) == 0)          # B = N, subset
    assert np.any(mbn.gradient_noise_covariance(X, y, theta, 3, replace=True) != 0)
    assert np.all(mbn.gradient_noise_covariance([[2.0]], [1.0], [0.5], 1) == 0)  # N = 1
    assert np.all(mbn.gradient_noise_covariance([[2.0]], [1.0], [0.5], 4, replace=True) == 0)


def test_noise_is_quadratic_in_theta():
    """Σ(θ) along a line is a quadratic polynomial: third finite differences vanish exactly."""
    X = [[Fraction(1), Fraction(2)], [Fraction(-1), Fraction(1)], [Fraction(2), Fraction(0)]]
    y = [Fraction(1), Fraction(-1), Fraction(3)]
    line = [mbn.per_example_gradient_covariance(X, y, [Fraction(k), Fraction(1 - 2 * k)]) for k in range(4)]
    third = line[3] - 3 * line[2] + 3 * line[1] - line[0]
    assert all(v == 0 for v in third.ravel())
    second = line[2] - 2 * line[1] + line[0]
    assert any(v != 0 for v in second.ravel())  # genuinely multiplicative (not constant, not linear)


# --------------------------------------------------------------------------- moment recursions
def brute_force_moments(X, y, lr, momentum, B, T, theta0, replace):
    """Mean and covariance of θ_t over all equally likely batch sequences (exact)."""
    batches = all_batches(len(X), B, replace)
    d = len(theta0)
    states = [([Fraction(v) for v in theta0], [Fraction(0)] * d)]
    out = []
    for step in range(T + 1):
        thetas = np.array([s[0] for s in states], dtype=object)
        mean = thetas.sum(axis=0) / len(states)
        cov = sum(np.outer(t - mean, t - mean) for t in thetas) / len(states)
        out.append((list(mean), as_fractions(cov)))
        if step == T:
            break
        nxt = []
        for theta, m in states:
            for batch in batches:
                g = batch_gradient(X, y, theta, batch)
                m_new = [momentum * mi - lr * gi for mi, gi in zip(m, g)]
                nxt.append(([t + mi for t, mi in zip(theta, m_new)], m_new))
        states = nxt
    return out


@settings(max_examples=12)
@given(datasets(max_n=3, min_n=2), st.data(), st.booleans(),
       st.sampled_from([Fraction(1, 4), Fraction(1, 2)]), st.sampled_from([Fraction(0), Fraction(1, 2)]))
def test_moment_recursions_equal_enumeration_of_batch_sequences(case, data, replace, lr, momentum):
    X, y, theta0 = case
    B = data.draw(st.integers(1, 2))
    T = 3 if (len(X) ** B if replace else math.comb(len(X), B)) <= 4 else 2
    got = mbm.minibatch_moments(X, y, lr, momentum, B, T, theta0, replace=replace)
    for t, (mean, cov) in enumerate(brute_force_moments(X, y, lr, momentum, B, T, theta0, replace)):
        assert list(got.mean[t]) == mean
        assert as_fractions(got.cov[t]) == cov


def test_float_moments_match_exact_and_full_batch_is_deterministic():
    X = [[Fraction(1), Fraction(2)], [Fraction(-1), Fraction(1, 2)], [Fraction(2), Fraction(0)]]
    y = [Fraction(1), Fraction(-1), Fraction(3)]
    exact = mbm.minibatch_moments(X, y, Fraction(1, 5), Fraction(1, 3), 2, 6, [0, 1], replace=True)
    approx = mbm.minibatch_moments(np.array(X, dtype=float), np.array(y, dtype=float), 0.2, 1 / 3, 2, 6,
                                  [0.0, 1.0], replace=True)
    np.testing.assert_allclose(approx.mean, exact.mean.astype(float), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(approx.cov, exact.cov.astype(float), rtol=1e-10, atol=1e-14)
    full = mbm.minibatch_moments(X, y, Fraction(1, 5), Fraction(1, 3), 3, 5, [0, 1])
    assert all(v == 0 for v in full.cov.ravel())  # B = N without replacement: gradient descent
    joint_mean, joint_cov = mbm.minibatch_joint_moments(X, y, Fraction(1, 5), Fraction(1, 3), 2, 4, [0, 1])
    assert joint_mean.shape == (5, 4) and joint_cov.shape == (5, 4, 4)
    assert all(v == 0 for v in joint_cov[1, 2:, 2:].ravel() - joint_cov[1, :2, :2].ravel())  # θ_1 − θ_0 = m_1


# --------------------------------------------------------------------------- stationary covariance
def random_problem(seed, n=6, d=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def transition(X, lr, momentum):
    d = X.shape[1]
    H = X.T @ X / X.shape[0]
    F = np.block([[np.eye(d) - lr * H, momentum * np.eye(d)], [-lr * H, momentum * np.eye(d)]])
    return F, np.vstack([np.eye(d), np.eye(d)])


@settings(max_examples=15)
@given(st.integers(0, 10**6), st.floats(0.05, 0.4), st.floats(0.0, 0.8), st.integers(1, 5), st.booleans())
def test_stationary_covariance_is_the_fixed_point_and_the_limit(seed, lr, momentum, B, replace):
    X, y = random_problem(seed)
    if mbs.second_moment_spectral_radius(X, y, lr, momentum, B, replace) > 0.97:
        return
    joint = mbs.stationary_covariance(X, y, lr, momentum, B, replace, joint=True)
    d = X.shape[1]
    theta_star = np.linalg.solve(X.T @ X, X.T @ y)
    F, E = transition(X, lr, momentum)
    c = float(batch_variance_factor(X.shape[0], B, replace))
    noise = mbn.expected_gradient_covariance(X, y, theta_star, joint[:d, :d])
    np.testing.assert_allclose(F @ joint @ F.T + lr**2 * c * E @ noise @ E.T, joint, rtol=1e-9, atol=1e-13)
    moments = mbm.minibatch_moments(X, y, lr, momentum, B, 1500, theta_star + 0.1, replace=replace)
    np.testing.assert_allclose(moments.cov[-1], joint[:d, :d], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(moments.mean[-1], theta_star, atol=1e-9)


@settings(max_examples=25)
@given(st.lists(st.floats(0.2, 2.0), min_size=3, max_size=6), st.integers(0, 10**6), st.floats(0.05, 0.5),
       st.floats(0.0, 0.9), st.integers(1, 2), st.booleans())
def test_additive_model_error_in_one_dimension(xs, seed, lr, momentum, B, replace):
    """1-D: exact = additive/(1 − η²cκV₀), relative error η²cκV₀; additive = the issue's formula."""
    x = np.array(xs)
    y = np.random.default_rng(seed).normal(size=x.size)
    X = x[:, None]
    h = np.mean(x**2)
    kappa = np.mean((x**2 - h) ** 2)  # = mean x⁴ − h², without cancellation
    theta_star = np.sum(x * y) / np.sum(x**2)
    A = float(mbn.per_example_gradient_covariance(X, y, [theta_star])[0, 0])
    c = float(batch_variance_factor(x.size, B, replace))
    stable = lr * c * kappa * (1 + momentum) < h * (1 - momentum) * (2 * (1 + momentum) - lr * h)
    assert (mbs.second_moment_spectral_radius(X, y, lr, momentum, B, replace) < 1) == stable
    if not stable:
        with pytest.raises(ValueError, match="lr"):
            mbs.additive_model_error(X, y, lr, momentum, B, replace)
        return
    exact, additive, rel = mbs.additive_model_error(X, y, lr, momentum, B, replace)
    v0 = (1 + momentum) / (lr * h * (1 - momentum) * (2 * (1 + momentum) - lr * h))
    issue_formula = lr * (c * A) * (1 + momentum) / (h * (1 - momentum) * (2 * (1 + momentum) - lr * h))
    assert additive[0, 0] == pytest.approx(issue_formula, rel=1e-9, abs=1e-15)
    assert exact[0, 0] == pytest.approx(mbs.stationary_variance_1d(h, kappa, A, lr, momentum, c), rel=1e-9, abs=1e-15)
    if exact[0, 0] > 0:
        assert rel == pytest.approx(lr**2 * c * kappa * v0, rel=1e-7, abs=1e-12)


def test_additive_underestimates_and_second_moments_are_stricter_than_the_mean():
    X, y = random_problem(3, n=8, d=3)
    exact, additive, rel = mbs.additive_model_error(X, y, 0.1, 0.5, 2)
    assert np.all(np.linalg.eigvalsh(exact - additive) >= -1e-14) and rel > 0
    assert rel == pytest.approx(np.linalg.norm(exact - additive) / np.linalg.norm(exact))
    F, _ = transition(X, 0.3, 0.5)
    assert mbs.second_moment_spectral_radius(X, y, 0.3, 0.5, 2) > np.abs(np.linalg.eigvals(F)).max() ** 2 - 1e-12
    # a step size inside the deterministic region whose second moments diverge (B = 1, heavy tails)
    X1 = np.array([[0.1], [0.1], [0.1], [3.0]])
    y1 = np.array([1.0, -1.0, 0.5, 0.2])
    h = np.mean(X1**2)
    lr = 1.9 / h  # η h < 2: GD converges
    assert np.abs(1 - lr * h) < 1 and mbs.second_moment_spectral_radius(X1, y1, lr, 0.0, 1) > 1
    with pytest.raises(ValueError, match="lr"):
        mbs.stationary_covariance(X1, y1, lr, 0.0, 1)
    zero, zero_add, zero_rel = mbs.additive_model_error(X, y, 0.1, 0.5, 8)  # full batch: no noise
    assert np.all(zero == 0) and np.all(zero_add == 0) and zero_rel == 0.0


# --------------------------------------------------------------------------- McCandlish et al.
@given(datasets(max_n=4, min_n=2), st.data(), st.booleans())
def test_noise_scale_and_optimal_step_against_direct_formulas(case, data, replace):
    X, y, theta = case
    N = len(X)
    B = data.draw(st.integers(1, N if not replace else 3))
    Xo, yo, to = (np.array(a, dtype=object) for a in (X, y, theta))
    G = Xo.T @ (Xo @ to - yo) / N
    H = Xo.T @ Xo / N
    grads = np.array(per_example_gradients(X, y, theta), dtype=object)
    sigma = (grads - G).T @ (grads - G) / N
    gg, ghg = G @ G, G @ H @ G
    if gg == 0:
        assert nscale.gradient_noise_scale(X, y, theta) in (math.inf,) or math.isnan(nscale.gradient_noise_scale(X, y, theta))
        return
    assert nscale.gradient_noise_scale(X, y, theta) == np.trace(sigma) / gg
    assert nscale.critical_batch_size(X, y, theta) == np.trace(H @ sigma) / ghg
    # exact E[L(θ) − L(θ − ε ∇L_B)] by enumeration: a quadratic in ε whose vertex is (ε_opt, ΔL_opt)
    def loss(t):
        r = Xo @ t - yo
        return (r @ r) / (2 * N)
    batches = all_batches(N, B, replace)
    def improvement(eps):
        return sum(loss(to) - loss(to - eps * np.array(batch_gradient(X, y, theta, bt), dtype=object))
                   for bt in batches) / len(batches)
    q0, q1, q2 = improvement(Fraction(0)), improvement(Fraction(1)), improvement(Fraction(2))
    a2 = (q2 - 2 * q1 + q0) / 2
    a1 = q1 - q0 - a2
    eps_opt, gain = nscale.optimal_step(X, y, theta, B, replace)
    assert eps_opt == -a1 / (2 * a2) and gain == a1 * eps_opt + a2 * eps_opt**2
    c = batch_variance_factor(N, B, replace)
    b_noise = nscale.critical_batch_size(X, y, theta)
    assert eps_opt == (gg / ghg) / (1 + c * b_noise) and gain == (gg**2 / (2 * ghg)) / (1 + c * b_noise)


def test_mccandlish_floats_and_edge_cases():
    X, y = random_problem(5, n=7, d=3)
    theta = np.array([0.2, -0.1, 0.4])
    G = X.T @ (X @ theta - y) / 7
    g = X * (X @ theta - y)[:, None]
    sigma = np.cov(g.T, bias=True)
    H = X.T @ X / 7
    assert nscale.gradient_noise_scale(X, y, theta) == pytest.approx(np.trace(sigma) / (G @ G))
    assert nscale.critical_batch_size(X, y, theta) == pytest.approx(np.trace(H @ sigma) / (G @ H @ G))
    eps, gain = nscale.optimal_step(X, y, theta, 7)  # full batch: the deterministic optimum
    assert eps == pytest.approx((G @ G) / (G @ H @ G)) and gain == pytest.approx((G @ G) ** 2 / (2 * G @ H @ G))
    eps4, _ = nscale.optimal_step(X, y, theta, 4, replace=True)
    assert eps4 == pytest.approx(eps / (1 + nscale.critical_batch_size(X, y, theta) / 4))
    theta_star = np.linalg.solve(X.T @ X, X.T @ y)
    assert nscale.gradient_noise_scale(X, y, theta_star) > 1e6 or math.isinf(nscale.gradient_noise_scale(X, y, theta_star))
    Xi, yi = [[Fraction(1)], [Fraction(2)]], [Fraction(1), Fraction(2)]  # interpolation: θ = 1 fits all
    assert math.isnan(nscale.gradient_noise_scale(Xi, yi, [1])) and nscale.optimal_step(Xi, yi, [1], 1) == (0, 0)
    assert math.isinf(nscale.critical_batch_size(Xi + [[Fraction(1)]], yi + [Fraction(0)], [Fraction(5, 6)]))


# --------------------------------------------------------------------------- epoch reshuffling
@settings(max_examples=15)
@given(st.integers(2, 4), st.data())
def test_within_epoch_covariance_equals_enumeration_over_permutations(N, data):
    B = data.draw(st.integers(1, N - 1))
    d = data.draw(st.integers(1, 2))
    grads = np.array([[data.draw(small) for _ in range(d)] for _ in range(N)], dtype=object)
    gbar = grads.sum(axis=0) / N
    sigma = (grads - gbar).T @ (grads - gbar) / N
    perms = list(permutations(range(N)))
    slices = [list(range(s, min(s + B, N))) for s in range(0, N, B)]
    means = [[grads[[p[i] for i in sl]].sum(axis=0) / len(sl) for sl in slices] for p in perms]
    first, last = [m[0] for m in means], [m[-1] for m in means]  # the last batch may be short
    cross = sum(np.outer(a - gbar, b - gbar) for a, b in zip(first, last)) / len(perms)
    assert as_fractions(cross) == as_fractions(-sigma / (N - 1))
    np.testing.assert_allclose(mbn.within_epoch_batch_covariance(N, B, sigma.astype(float)),
                               (-sigma / (N - 1)).astype(float))
    if N % B == 0:  # the epoch's gradient sum has no noise
        assert all(list(sum(m)) == list(len(slices) * gbar) for m in means)


# --------------------------------------------------------------------------- proofs
@pytest.mark.parametrize("prove", [mbp.prove_multiplicative_noise, mbp.prove_optimal_step])
@pytest.mark.parametrize("replace", [False, True])
def test_proofs_with_sampler_hold(prove, replace):
    proof = prove(replace)
    assert proof.holds, proof.summary()


@pytest.mark.parametrize("prove", [mbp.prove_moment_recursions, mbp.prove_stationary_variance_1d,
                                   mbp.prove_within_epoch_covariance])
def test_proofs_hold(prove):
    proof = prove()
    assert proof.holds, proof.summary()


def test_symbolic_results():
    import sympy as sp
    N, B = sp.symbols("N B", integer=True, positive=True)
    S = sp.Symbol("S")
    assert sp.simplify(mbn.within_epoch_batch_covariance(N, B, S) + S / (N - 1)) == 0
    h, k, A, eta, lam, c = sp.symbols("h kappa A eta lam c", positive=True)
    var = mbs.stationary_variance_1d(h, k, A, eta, 0, c)
    assert sp.simplify(var - eta**2 * c * A / (1 - (1 - eta * h) ** 2 - eta**2 * c * k)) == 0


# --------------------------------------------------------------------------- validation
X0, y0, t0 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 0.0], [0.0, 0.0]
BAD = [
    ("batch_size", lambda: mbn.gradient_noise_covariance(X0, y0, t0, 4)),
    ("batch_size", lambda: mbn.gradient_noise_covariance(X0, y0, t0, 0, replace=True)),
    ("replace", lambda: mbn.gradient_noise_covariance(X0, y0, t0, 1, replace="yes")),
    ("theta", lambda: mbn.gradient_noise_covariance(X0, y0, [0.0], 1)),
    ("y", lambda: mbn.per_example_gradient_covariance(X0, [1.0, 2.0], t0)),
    ("X", lambda: mbn.per_example_gradient_covariance([[np.nan, 1.0]], [1.0], t0)),
    ("X", lambda: mbn.per_example_gradient_covariance([1.0, 2.0], [1.0, 2.0], t0)),
    ("cov", lambda: mbn.expected_gradient_covariance(X0, y0, t0, np.eye(3))),
    ("lr", lambda: mbm.minibatch_moments(X0, y0, 0.0, 0.5, 1, 3, t0)),
    ("momentum", lambda: mbm.minibatch_moments(X0, y0, 0.1, 1.5, 1, 3, t0)),
    ("n_steps", lambda: mbm.minibatch_moments(X0, y0, 0.1, 0.5, 1, -1, t0)),
    ("m0", lambda: mbm.minibatch_moments(X0, y0, 0.1, 0.5, 1, 3, t0, m0=[1.0])),
    ("theta0", lambda: mbm.minibatch_moments(X0, y0, 0.1, 0.5, 1, 3, [1.0, 2.0, 3.0])),
    ("momentum", lambda: mbs.stationary_covariance(X0, y0, 0.1, 1.0, 1)),
    ("X", lambda: mbs.stationary_covariance([[1.0, 1.0], [2.0, 2.0]], [1.0, 0.0], 0.1, 0.0, 1)),
    ("lr", lambda: mbs.additive_model_error(X0, y0, 10.0, 0.0, 1)),
    ("additive", lambda: mbs.stationary_covariance(X0, y0, 0.1, 0.0, 1, additive="yes")),
    ("batch_size", lambda: nscale.optimal_step(X0, y0, t0, 5)),
    ("theta", lambda: nscale.critical_batch_size(X0, y0, [np.inf, 0.0])),
    ("N", lambda: mbn.within_epoch_batch_covariance(1, 1, [[1.0]])),
    ("batch_size", lambda: mbn.within_epoch_batch_covariance(4, 4, [[1.0]])),
    ("Sigma", lambda: mbn.within_epoch_batch_covariance(4, 2, [[1.0, 2.0], [0.0, 1.0]])),
    ("h", lambda: mbs.stationary_variance_1d(0.0, 1.0, 1.0, 0.1, 0.0, 0.5)),
    ("kappa", lambda: mbs.stationary_variance_1d(1.0, -1.0, 1.0, 0.1, 0.0, 0.5)),
    ("lr", lambda: mbs.stationary_variance_1d(1.0, 5.0, 1.0, 1.5, 0.0, 0.5)),
    ("replace", lambda: mbp.prove_optimal_step("no")),
]


@pytest.mark.parametrize("name,call", BAD, ids=[f"{i}-{n}" for i, (n, _) in enumerate(BAD)])
def test_bad_input_raises_value_error_naming_the_parameter(name, call):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
