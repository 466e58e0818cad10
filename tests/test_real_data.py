"""C6 on real data: the digits split, the sharpness estimators, the statistics, the experiment (tiny)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from optproof.proofs.catalog import CheckRun, RunConfig
from optproof.proofs import real_data as rd
from optproof.proofs.claims.c6_flat_minima import mlp_machinery as mach
from optproof.proofs.claims.c6_flat_minima import real_data as c6
from optproof.proofs.stats import paired_t_interval
from optproof.proofs.datasets import load_digits_split


def test_digits_split_is_stratified_disjoint_and_standardised():
    s = load_digits_split(0.25, 0)
    assert s.X_train.shape == (1347, 64) and s.X_test.shape == (450, 64) and s.n_classes == 10
    assert np.allclose(s.X_train.mean(0), 0.0, atol=1e-12)
    sd = s.X_train.std(0)
    assert np.all(np.isclose(sd, 1.0) | (sd == 0.0))
    # stratified: each class's test share is round(0.25 n_c) / n_c
    n_c = np.bincount(s.y_train, minlength=10) + np.bincount(s.y_test, minlength=10)
    assert np.array_equal(np.bincount(s.y_test, minlength=10), np.round(0.25 * n_c).astype(int))
    # disjoint: no test image equals a training image row-for-row after the same scaling
    train_rows = {r.tobytes() for r in s.X_train}
    assert sum(r.tobytes() in train_rows for r in s.X_test) <= 3  # digits has a few exact duplicate images


def test_digits_split_is_deterministic_and_subsets_are_stratified():
    a, b = load_digits_split(0.25, 0), load_digits_split(0.25, 0)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    c = load_digits_split(0.25, 1)
    assert not np.array_equal(a.y_train, c.y_train)
    small = load_digits_split(0.25, 0, n_train=240)
    assert small.n_train == 240 and np.array_equal(small.y_test, a.y_test)
    assert np.bincount(small.y_train).min() >= 23


def test_digits_split_validates_arguments():
    with pytest.raises(ValueError):
        load_digits_split(1.5)
    with pytest.raises(ValueError):
        load_digits_split(0.25, 0, n_train=5)


def test_epsilon_sharpness_of_quadratics_equals_closed_form():
    ok, nums = mach.verify_sharpness_quadratic(0)
    assert ok, nums


def test_top_eigenvalue_of_quadratic_equals_max_eig():
    ok, nums = mach.verify_eigenvalue_quadratic(0)
    assert ok, nums


def test_epsilon_sharpness_first_order_part_and_bounds():
    """For a linear f the box maximum is exactly the linearisation's: value == first-order part."""
    g = np.array([1.0, -2.0, 0.5])
    r = rd.epsilon_sharpness(lambda x: (float(g @ x), g.copy()), np.array([0.3, -1.0, 2.0]), 1e-3)
    assert np.isclose(r["value"], r["first-order part"], rtol=1e-12) and r["fraction at bound"] == 1.0


def test_paired_t_interval_matches_textbook_values():
    r = paired_t_interval([1.0, 2.0, 3.0])
    assert r["mean"] == 2.0 and np.isclose(r["se"], 1 / np.sqrt(3))
    assert np.isclose(r["t quantile"], 4.302652729911275)  # t_{0.975, 2}
    assert np.allclose(r["ci"], [2 - 4.302652729911275 / np.sqrt(3), 2 + 4.302652729911275 / np.sqrt(3)])


def test_checks_are_declared_for_the_lead():
    kinds = [(c.kind, c.alpha) for c in mach.CHECKS + c6.CHECKS]
    assert kinds == [("simulation", 0.0), ("simulation", 0.0)]


def test_simulation_check_is_skipped_without_full():
    run = CheckRun.run(c6.CHECKS[0], RunConfig(quick=True))
    assert run.status == "skipped" and not run.outcome.passed and "--full" in run.outcome.reason


def test_machinery_check_passes():
    run = CheckRun.run(mach.CHECKS[0], RunConfig())
    assert run.outcome.passed, run.outcome.summary
    json.dumps(run.outcome.numbers)


def test_tiny_experiment_runs_and_reports(tmp_path):
    """The whole pipeline at toy size (the --full run is the same code with ``FULL``)."""
    res = rd.run_experiment(rd.TINY, seed=0)
    out = c6.experiment_outcome(res, make_figures=True)
    assert out.passed, out.summary
    assert "test accuracy" in out.summary and "Keskar" in out.summary and "lambda_max" in out.summary
    n = rd.TINY.n_seeds
    for g in ("small", "large"):
        r = res["runs"][g]
        assert all(r["reached target"]) and not any(r["diverged"])
        assert all(loss <= rd.TINY.target_loss for loss in r["train loss"])
        assert np.allclose(r["train loss"], r["train loss (kernel)"], rtol=1e-12)  # kernel vs NumPy full loss
        assert len(r["test accuracy (%)"]) == len(r["lambda_max"]) == len(r["eps-sharpness 0.001"]) == n
    gap = res["summary"]["test accuracy (%)"]["small - large (paired 95% t-interval)"]
    assert gap["ci"][0] <= gap["mean"] <= gap["ci"][1] and gap["n"] == n
    assert res["batch sizes"] == {"small": rd.TINY.small_batch, "large": 24}
    json.dumps(out.numbers)
    names = [name for name, _ in out.figures]
    assert names == ["c6_real_test_accuracy", "c6_real_sharpness"]
    for name, fig in out.figures:
        fig.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
