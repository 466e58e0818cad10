"""check_accumulation (C4, C5), one process: the exact reference, the tolerance, the named
normalizations with C5's bias, the catalogue, the CLI.  Nothing here is random."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from fractions import Fraction

import numpy as np
import pytest

import optproof
from optproof.mathcore.batching import epoch_batch_sizes, unweighted_epoch_bias
from optproof.proofs.batches import faulty_accum as fa
from optproof.proofs.batches.accumulation import tolerance
from optproof.proofs.batches.accumulation_case import candidates, group_sums, make_cases
from optproof.proofs.batches.accumulation_torch import build_model, loss_function, torch_micro_batches
from optproof.proofs.batches.faulty import ACCUMULATORS
from optproof.proofs.adapters import torch_accumulation

torch = pytest.importorskip("torch")
LOCAL = [e for e in ACCUMULATORS if e.options.get("world_size", 1) == 1]


def _global_autograd(cases):
    """torch autograd of the global objective, all micro-batches of all ranks concatenated."""
    case = cases[0]
    model, loss_fn = build_model(case), loss_function(case)
    mbs = [mb for c in cases for mb in torch_micro_batches(c)]
    x = torch.cat([mb["input"] for mb in mbs])
    y = torch.cat([mb["target"] for mb in mbs])
    loss_fn(model(x), y).backward()
    return np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])


@pytest.mark.parametrize("normalization", ["example_mean", "token_mean"])
@pytest.mark.parametrize("sizes", [[[3, 3, 1]], [[2, 1], [2, 2]], [[1], [1], [3]]])
def test_exact_reference_is_the_gradient_of_the_global_mean(normalization, sizes):
    n = sum(map(sum, sizes))
    cases = make_cases(normalization, sizes, [1 + i % 3 for i in range(n)], seed=5)
    sums = group_sums(cases)
    exact = candidates(sums)[0].value(sums, 0)
    tol = tolerance(candidates(sums)[0].value(sums, 0, 1), np.float64, n * 3, 3, len(sizes))
    assert np.all(np.abs(_global_autograd(cases) - np.array([float(v) for v in exact])) <= tol)
    assert [c.counts() for c in cases] == [[mb[2] for mb in r] for r in sums]


def test_cases_follow_the_drawn_layout():
    cases = make_cases("token_mean", [[2, 1]], [3, 1, 2], seed=0)
    assert [mb.size for mb in cases[0].micro_batches] == [2, 1]
    assert cases[0].counts() == [4, 2]
    assert cases[0].micro_batches[0].target[1, 1:].tolist() == [-100, -100]


def test_mean_of_means_is_c5s_unweighted_bias():
    N, B = 7, 3
    cases = make_cases("example_mean", [epoch_batch_sizes(N, B)], [1] * N, seed=2)
    sums = group_sums(cases)
    ref, mom = candidates(sums)[0].value(sums, 0), candidates(sums)[1].value(sums, 0)
    s_last, _, c_last, _ = sums[0][-1]
    for j in range(len(ref)):
        assert mom[j] - ref[j] == unweighted_epoch_bias(N, B, s_last[j] / c_last, ref[j])


def test_tolerance_is_gamma_m_times_the_absolute_sum():
    u = 2.0**-53
    m = 4 * (10 + 2 + 1) + 16
    assert tolerance([Fraction(3)], np.float64, 10, 2, 1)[0] == pytest.approx(3 * m * u / (1 - m * u), rel=1e-12)
    assert tolerance([Fraction(1)], np.float32, 1, 1, 1)[0] > 1e-6  # float32 roundoff


@pytest.mark.parametrize("entry", [e for e in LOCAL if e.correct], ids=lambda e: e.name)
def test_correct_accumulators_pass(entry):
    result = entry.run()
    assert result.ok, str(result)


EXPECTED = {
    "mean of micro-batch means": ("micro-batch sizes [2, 1]", "mean of micro-batch means", "unweighted_epoch_bias"),
    "per-micro-batch token normalization": ("counted tokens per micro-batch [1, 2]", "mean of micro-batch means",
                                            "sum_k (1/K - c_k/N)"),
    "no division by the accumulation count": ("micro-batch sizes [1, 1]", "no division by the accumulation count",
                                              "g = 2 x grad L"),
    "count divided twice": ("counted tokens per micro-batch [2]", "sum divided by the count twice", "g = 1/2 x grad L"),
    "example mean on a token task": ("counted tokens per micro-batch [2]", "token sum divided by the example count",
                                     "g = 2 x grad L"),
}


@pytest.mark.parametrize("entry", [e for e in LOCAL if not e.correct], ids=lambda e: e.name)
def test_faulty_accumulators_are_caught_and_named(entry):
    result = entry.run()
    assert not result.ok
    text = str(result)
    for part in EXPECTED[entry.name]:
        assert part in text, text


def test_a_plain_numpy_step_and_a_crashing_step():
    def exact_numpy(case):
        sums = group_sums([case])
        g = np.array([float(v) for v in candidates(sums)[0].value(sums, 0)])
        return [g[:-1].reshape(1, 2), g[-1:]]

    assert optproof.check_accumulation(exact_numpy, "example_mean", max_examples=20).ok

    def crashes(case):
        raise RuntimeError("no grad")

    bad = optproof.check_accumulation(crashes, "example_mean", max_examples=5)
    assert not bad.ok and "step raised RuntimeError: no grad" in str(bad)


def test_empty_grad_is_reported():
    result = optproof.check_accumulation(torch_accumulation(lambda model, loss_fn, mbs: None), max_examples=3)
    assert "weight.grad empty" in str(result)


def test_arguments_are_checked():
    step = torch_accumulation(fa.global_example_mean)
    with pytest.raises(ValueError, match="normalization must be one of"):
        optproof.check_accumulation(step, "mean")
    with pytest.raises(ValueError, match="world_size"):
        optproof.check_accumulation(step, world_size=0)
    with pytest.raises(TypeError, match="step must be callable"):
        optproof.check_accumulation(None)
    with pytest.raises(TypeError, match="train_step must be callable"):
        torch_accumulation(3)


USER_MODULE = """
def train_step(model, loss_fn, micro_batches):
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"]) / len(micro_batches)).backward()

def good_step(model, loss_fn, micro_batches):
    n = sum(int((mb["target"] != -100).sum()) for mb in micro_batches)
    for mb in micro_batches:
        (loss_fn(model(mb["input"]), mb["target"], reduction="sum") / n).backward()
"""


def test_cli_check_accumulation_exit_codes(tmp_path, monkeypatch, capsys):
    from optproof.proofs.cli import main

    (tmp_path / "usertrain.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.chdir(tmp_path)  # the user's module is found in the current directory
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert main(["check-accumulation", "usertrain:good_step", "--normalization", "token_mean",
                 "--max-examples", "20"]) == 0
    assert capsys.readouterr().out.startswith("PASS")
    assert main(["check-accumulation", "usertrain:nope"]) == 2
    assert "error" in capsys.readouterr().err
    env = {**os.environ, "PYTHONPATH": ""}
    bad = subprocess.run([sys.executable, "-m", "optproof.proofs.cli", "check-accumulation", "usertrain:train_step",
                          "--normalization", "token_mean", "--max-examples", "20"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "mean of micro-batch means" in bad.stdout, bad.stdout + bad.stderr
