"""``optproof.compare``: exact moments next to the simulation of the user's problem (issue 12)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import optproof
from optproof.proofs.compare import NO_CLOSED_FORM, default_steps


def _problem(n=60, d=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return optproof.LeastSquares(X, X @ np.linspace(1.0, 2.0, d) + rng.normal(size=n))


@pytest.fixture(scope="module")
def cmp():
    return optproof.compare(_problem(), optproof.HeavyBall(0.05, 0.9), optproof.Sampler("fresh", 8),
                            n_steps=40, n_traj=4000)


def test_pinned_shapes_and_default_steps(cmp):
    assert cmp.steps == default_steps(40) and cmp.steps[-1] == 40 and cmp.steps[0] == 1
    k, d = len(cmp.steps), 3
    for table in (cmp.exact, cmp.estimate, cmp.se):
        assert table["theta_mean"].shape == (k, d)
        assert table["theta_cov"].shape == (k, d, d)
        assert table["loss_mean"].shape == (k,)
    assert len(cmp.rows) == k * (d + d * (d + 1) // 2 + 1)
    assert all(r["se"] > 0 and r["detectable_relative_error"] is not None for r in cmp.rows)


def test_correct_theory_passes_within_the_budget(cmp):
    assert cmp.passed and cmp.status == "pass"
    assert cmp.alpha * len(cmp.rows) == pytest.approx(optproof.proofs.stats.SUITE_ALPHA)


def test_json_and_html(cmp, tmp_path):
    doc = json.loads(cmp.to_json())
    assert doc["status"] == "pass" and len(doc["rows"]) == len(cmp.rows)
    index = cmp.to_html(tmp_path / "out")
    html = index.read_text()
    assert "Var[θ0]" in html and "figures/mean.png" in html
    assert (tmp_path / "out" / "figures" / "variance.png").stat().st_size > 1000
    assert json.loads((tmp_path / "out" / "results.json").read_text())["steps"] == cmp.steps


def test_reshuffle_without_closed_form_is_reported_alone():
    c = optproof.compare(_problem(n=40), optproof.HeavyBall(0.05, 0.5), optproof.Sampler("reshuffle", 8),
                         n_steps=10, n_traj=200)
    assert c.exact is None and c.status == NO_CLOSED_FORM
    assert all(r["verdict"] == NO_CLOSED_FORM and r["exact"] is None for r in c.rows)


@pytest.mark.parametrize("kw, match", [
    (dict(n_steps=0, n_traj=100), "n_steps"),
    (dict(n_steps=5, n_traj=2), "n_traj"),
    (dict(n_steps=5, n_traj=100, steps=[0]), "steps"),
    (dict(n_steps=5, n_traj=100, steps=[6]), "steps"),
])
def test_bad_arguments_name_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        optproof.compare(_problem(), optproof.SGD(0.1), optproof.Sampler("fresh", 4), **kw)
