"""Mini-batch moments and epoch identities (C1, C4, C5): exact enumeration in Fractions vs the formulas."""
from __future__ import annotations

from fractions import Fraction
from itertools import permutations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from optproof.mathcore import batching as bt
from optproof.mathcore import batching_proofs as btp

PROOFS = [lambda: btp.prove_unbiased(False), lambda: btp.prove_unbiased(True), lambda: btp.prove_variance(False),
          lambda: btp.prove_variance(True), lambda: btp.prove_gradient_covariance(False),
          lambda: btp.prove_gradient_covariance(True), btp.prove_epoch_identity, btp.prove_unweighted_bias]

values = st.one_of(st.integers(-20, 20), st.fractions(-5, 5, max_denominator=7),
                   st.floats(-10, 10, allow_nan=False, allow_infinity=False))


@st.composite
def data_and_batch(draw, max_n=7, replace=None, dim=None):
    """Data (1-D, or N x d when ``dim``), a batch size and a sampler small enough to enumerate."""
    replace = draw(st.booleans()) if replace is None else replace
    n = draw(st.integers(1, max_n))
    b = draw(st.integers(1, min(n, 4) if replace else n))
    if dim is None:
        data = draw(st.lists(values, min_size=n, max_size=n))
    else:
        d = draw(st.integers(1, dim))
        data = draw(st.lists(st.lists(values, min_size=d, max_size=d), min_size=n, max_size=n))
    return data, b, replace


def fmean(xs):
    return sum(map(Fraction, xs), Fraction(0)) / len(xs)


@pytest.mark.parametrize("prove", PROOFS)
def test_every_proof_holds(prove):
    proof = prove()
    assert proof.holds, proof.summary()


@given(data_and_batch())
def test_batch_loss_is_unbiased_and_has_the_formula_variance_exactly(case):
    losses, B, replace = case
    N = len(losses)
    mean, var = bt.exact_batch_moments(losses, B, replace)
    L, sigma2 = bt.exact_population_moments(losses)
    assert mean == L == fmean(losses)
    assert sigma2 == fmean([(Fraction(x) - L) ** 2 for x in losses])
    assert var == bt.batch_loss_variance(N, B, sigma2, replace)
    symbolic = bt.batch_loss_variance(bt.n_examples, bt.batch_size, bt.sigma2, replace)
    at = {bt.n_examples: N, bt.batch_size: B, bt.sigma2: sp.Rational(sigma2.numerator, sigma2.denominator)}
    assert symbolic.subs(at) == sp.Rational(var.numerator, var.denominator)
    assert bt.batch_loss_variance(N, B, float(sigma2), replace) == pytest.approx(float(var), rel=1e-12, abs=1e-300)


@given(data_and_batch(max_n=6, dim=3))
def test_batch_gradient_covariance_is_the_same_factor_times_sigma_exactly(case):
    grads, B, replace = case
    N = len(grads)
    mean, cov = bt.exact_gradient_moments(grads, B, replace)
    gbar, Sigma = bt.exact_population_covariance(grads)
    factor = bt.batch_variance_factor(N, B, replace)
    assert mean == gbar == [fmean(col) for col in zip(*grads)]
    assert cov == [[factor * s for s in row] for row in Sigma]
    numeric = bt.batch_gradient_covariance(N, B, np.array(Sigma, dtype=float), replace)
    assert np.allclose(numeric, np.array(cov, dtype=float), rtol=1e-12, atol=1e-300)


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))))
def test_inclusion_probabilities_count_subsets(nb):
    N, B = nb
    member = bt.exact_batch_moments([1] + [0] * (N - 1), B)[0]  # E[L_B] with ell = e_1 is P(1 in S)/B
    assert member * B == Fraction(B, N) == Fraction(bt.inclusion_probability(N, B)).limit_denominator(10**6)
    pair = Fraction(bt.pair_inclusion_probability(N, B)).limit_denominator(10**6)
    assert pair == (Fraction(B * (B - 1), N * (N - 1)) if N > 1 else 0)


@st.composite
def epochs(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    b = draw(st.integers(1, n + 2))
    data = draw(st.lists(values, min_size=n, max_size=n))
    order = draw(st.permutations(range(n)))
    return data, b, order


def split(data, order, sizes):
    out, pos = [], 0
    for size in sizes:
        out.append([data[i] for i in order[pos:pos + size]])
        pos += size
    return out


@given(epochs())
def test_epoch_visits_every_example_once_and_size_weighted_mean_is_L(case):
    data, B, order = case
    N = len(data)
    sizes = bt.epoch_batch_sizes(N, B, drop_last=False)
    batches = split(list(range(N)), order, sizes)
    assert sorted(i for batch in batches for i in batch) == list(range(N))
    assert all(size == B for size in sizes[:-1]) and 0 < sizes[-1] <= B
    means = [fmean(batch) for batch in split(data, order, sizes)]
    assert sum(Fraction(s, N) * m for s, m in zip(sizes, means)) == fmean(data)


@given(epochs())
def test_unweighted_mean_and_drop_last_deviate_by_exactly_the_bias_formula(case):
    data, B, order = case
    N, L = len(data), fmean(data)
    sizes = bt.epoch_batch_sizes(N, B)
    means = [fmean(batch) for batch in split(data, order, sizes)]
    unweighted = sum(means, Fraction(0)) / len(means)
    assert unweighted - L == bt.unweighted_epoch_bias(N, B, means[-1], L)
    kept = bt.epoch_batch_sizes(N, B, drop_last=True)
    if kept:
        seen = [data[i] for i in order[:sum(kept)]]
        dropped = [data[i] for i in order[sum(kept):]] or [0]
        assert fmean(seen) - L == bt.drop_last_deviation(N, B, fmean(dropped), L)
    else:
        assert N < B


@given(st.integers(2, 6).flatmap(lambda n: st.tuples(st.lists(values, min_size=n, max_size=n), st.integers(2, n + 1))))
def test_bias_has_mean_zero_and_formula_variance_over_all_shuffles(case):
    data, B = case
    N, (L, sigma2) = len(data), bt.exact_population_moments(data)
    q, r = divmod(N, B)
    K, last = -(-N // B), N - (-(-N // B) - 1) * B
    devs, drops = [], []
    for order in permutations(range(N)):
        means = [fmean(batch) for batch in split(data, order, bt.epoch_batch_sizes(N, B))]
        devs.append(sum(means, Fraction(0)) / len(means) - L)
        if q and r:
            drops.append(fmean([data[i] for i in order[:q * B]]) - L)
    assert fmean(devs) == 0
    coef = Fraction(B - last, K * B)
    assert fmean([d * d for d in devs]) == coef**2 * bt.batch_loss_variance(N, last, sigma2)
    if drops:
        assert fmean(drops) == 0
        assert fmean([d * d for d in drops]) == Fraction(r, q * B) ** 2 * bt.batch_loss_variance(N, r, sigma2)


def test_symbolic_arguments_give_sympy_and_limits_are_handled():
    N, B, s2 = bt.n_examples, bt.batch_size, bt.sigma2
    var = bt.batch_loss_variance(N, B, s2)
    assert isinstance(var, sp.Expr)
    assert var.subs(B, N) == 0 and var.subs({N: 1, B: 1}) == 0
    assert sp.simplify(var.subs(N, 10) - (10 - B) * s2 / (9 * B)) == 0
    assert bt.batch_loss_variance(N, B, s2, replace=True) == s2 / B
    assert bt.batch_loss_variance(1, 1, 0.0) == 0.0 and bt.batch_loss_variance(5, 5, 2.0) == 0.0
    assert bt.inclusion_probability(N, B) == B / N
    assert bt.pair_inclusion_probability(N, B).subs(N, 1) == 0
    cov = bt.batch_gradient_covariance(N, B, sp.Matrix([[s2, 0], [0, s2]]), replace=True)
    assert cov == sp.Matrix([[s2 / B, 0], [0, s2 / B]])
    assert bt.unweighted_epoch_bias(10, 3, sp.Symbol("x"), 0) == sp.Symbol("x") / 6
    assert bt.epoch_batch_sizes(10, 3) == [3, 3, 3, 1] and bt.epoch_batch_sizes(10, 3, True) == [3, 3, 3]
    assert bt.epoch_batch_sizes(2, 5, True) == []


@pytest.mark.parametrize("call, name", [
    (lambda: bt.batch_loss_variance(0, 1, 1.0), "N"),
    (lambda: bt.batch_loss_variance(3, 4, 1.0), "batch_size"),
    (lambda: bt.batch_loss_variance(3, 0, 1.0, replace=True), "batch_size"),
    (lambda: bt.batch_loss_variance(3, 2, -1.0), "sigma2"),
    (lambda: bt.batch_loss_variance(3, 2, 1.0, replace="yes"), "replace"),
    (lambda: bt.batch_loss_variance(2.5, 1, 1.0), "N"),
    (lambda: bt.batch_gradient_covariance(3, 2, np.ones((2, 3))), "Sigma"),
    (lambda: bt.batch_gradient_covariance(3, 2, np.array([[1.0, 2.0], [0.0, 1.0]])), "Sigma"),
    (lambda: bt.inclusion_probability(2, 3), "batch_size"),
    (lambda: bt.epoch_batch_sizes(5, 0), "batch_size"),
    (lambda: bt.epoch_batch_sizes(0, 2), "N"),
    (lambda: bt.drop_last_deviation(2, 3, 0.0, 0.0), "batch_size"),
    (lambda: bt.unweighted_epoch_bias(5, 2, float("nan"), 0.0), "last_batch_mean"),
    (lambda: bt.exact_batch_moments(list(range(30)), 10), "batch_size"),
    (lambda: bt.exact_batch_moments(list(range(10)), 6, replace=True), "batch_size"),
    (lambda: bt.exact_batch_moments([1.0, float("inf")], 1), "losses"),
    (lambda: bt.exact_batch_moments([], 1), "losses"),
    (lambda: bt.exact_batch_moments([[1, 2]], 1), "losses"),
    (lambda: bt.exact_gradient_moments([[1, 2], [3]], 1), "grads"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        call()
