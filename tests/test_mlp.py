"""The MLP of the real-data experiment (``sim.mlp``): Numba kernels against the NumPy reference.

Tolerances come from the first-order rounding-error bound ``gradient_error_bound`` (derived in its
docstring): two evaluations of the same formulas in different orders differ by at most twice it.
The reference itself is checked by Taylor remainders (second order ⇔ correct derivative).
"""
from __future__ import annotations

import numpy as np
import pytest

from optproof.proofs.claims.c6_flat_minima import mlp_machinery as c6
from optproof.sim import mlp


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_example_gradient_matches_numpy_within_rounding_bound(seed):
    ok, nums = c6.verify_example_gradients(seed)
    assert ok, nums


@pytest.mark.parametrize("seed", [0, 3])
def test_batch_gradient_matches_numpy_on_the_same_batch(seed):
    ok, nums = c6.verify_batch_gradients(seed)
    assert ok, nums


@pytest.mark.parametrize("seed", [0, 4])
def test_reference_gradient_and_hvp_pass_taylor_tests(seed):
    ok, nums = c6.verify_reference_taylor(seed)
    assert ok, nums


def test_lanczos_on_exact_hvp_matches_dense_hessian():
    ok, nums = c6.verify_eigenvalue_mlp(0)
    assert ok, nums


def test_a_wrong_gradient_breaks_the_bound():
    """The bound is tight enough to matter: a relative perturbation of 1e-10 in one component fails."""
    shape, X, y, theta = c6._tiny_problem(0)
    prob = mlp.mlp_problem(X, y, shape)
    out = np.zeros(shape.dim)
    prob.grad(theta, prob.data[0], out)
    _, ref = mlp.loss_grad(shape, theta, X[:1], y[:1])
    _, bound = c6.gradient_error_bound(shape, theta, prob.data[0])
    j = int(np.argmax(np.abs(ref)))
    out[j] *= 1 + 1e-10
    assert np.any(np.abs(out - ref) > 2 * bound)


def test_layout_and_dimension():
    shape = mlp.MLPShape(64, 32, 10)
    assert shape.dim == 32 * 65 + 10 * 33 == 2410
    theta = np.arange(shape.dim, dtype=float)
    W1, b1, W2, b2 = mlp.unpack(shape, theta)
    assert W1.shape == (32, 64) and b1.shape == (32,) and W2.shape == (10, 32) and b2.shape == (10,)
    assert W1[1, 0] == 1 and W1[0, 1] == 32 and b1[0] == 2048 and W2[0, 1] == 2081 and b2[-1] == shape.dim - 1
    assert np.array_equal(W1, theta[:2048].reshape(64, 32).T)  # θ stores W1ᵀ row-major
    assert np.shares_memory(W1, theta)


def test_init_is_reproducible_with_zero_biases():
    shape = mlp.MLPShape(5, 4, 3)
    a = mlp.init_params(shape, np.random.default_rng(7))
    b = mlp.init_params(shape, np.random.default_rng(7))
    assert np.array_equal(a, b)
    _, b1, _, b2 = mlp.unpack(shape, a)
    assert not b1.any() and not b2.any()


@pytest.mark.parametrize("kwargs", [dict(n_in=0, n_hidden=2, n_out=2), dict(n_in=2, n_hidden=2, n_out=1)])
def test_shape_validation(kwargs):
    with pytest.raises(ValueError):
        mlp.MLPShape(**kwargs)


def test_labels_are_validated():
    shape = mlp.MLPShape(2, 2, 3)
    X = np.zeros((3, 2))
    for bad in ([0, 1, 3], [0, 1.5, 2], [-1, 0, 1]):
        with pytest.raises(ValueError, match="class labels"):
            mlp.data_rows(X, np.array(bad), shape)
    with pytest.raises(ValueError, match="n_in"):
        mlp.data_rows(np.zeros((3, 4)), [0, 1, 2], shape)


def test_predictions_and_accuracy():
    shape = mlp.MLPShape(2, 3, 2)
    theta = np.zeros(shape.dim)
    _, _, _, b2 = mlp.unpack(shape, theta)
    b2[:] = [0.0, 1.0]  # constant logits: always class 1
    X = np.ones((4, 2))
    assert mlp.predict(shape, theta, X).tolist() == [1, 1, 1, 1]
    assert mlp.accuracy(shape, theta, X, [1, 0, 1, 1]) == 0.75
    # loss of constant logits (0, 1) is log(1 + e) − z_y
    assert np.isclose(mlp.loss(shape, theta, X, [1, 0, 1, 1]),
                      np.mean([np.log1p(np.e) - z for z in (1.0, 0.0, 1.0, 1.0)]), rtol=1e-15)


def test_kernels_are_built_once_per_shape():
    """Equal shapes share one (loss, grad) pair, so FiniteSum compiles them once per process."""
    assert mlp.mlp_kernels(mlp.MLPShape(5, 4, 3)) is mlp.mlp_kernels(mlp.MLPShape(5, 4, 3))
    assert mlp.mlp_kernels(mlp.MLPShape(5, 4, 3)) is not mlp.mlp_kernels(mlp.MLPShape(5, 6, 3))


def test_simulation_is_bitwise_independent_of_the_thread_count():
    import numba

    from optproof.sim import HeavyBall, Sampler, simulate

    shape, X, y, theta = c6._tiny_problem(1, n=13, shape=mlp.MLPShape(9, 12, 3))  # 12: a SIMD remainder
    prob = mlp.mlp_problem(X, y, shape)
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        r = simulate(prob, HeavyBall(0.05, 0.9), Sampler("reshuffle", 4), n_traj=5, n_steps=9, seed=3,
                     theta0=np.stack([theta] * 5), record=("theta", "full_loss"), every=3)
        runs.append(r)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for key in ("theta", "full_loss"):
        assert np.array_equal(runs[0].records[key], runs[1].records[key]), key
