"""check_loader (C1): the spec against torch's samplers, the exact properties, the statistics, the catalogue.

Statistical tests run at fixed seeds; each comparison has false-alarm rate alpha = 5e-6 (the
harness's ALPHA_EACH), the repeated-order check ALPHA_EACH / max_examples; a correct loader
fails a check_loader call with probability at most 2.5e-5 (module docstring of loader_check).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optproof
from optproof.proofs.batches import faulty_loaders as fl
from optproof.proofs.batches.faulty import LOADERS
from optproof.proofs.batches.loader_exact import exact_failure
from optproof.proofs.batches.loader_stats import chi2_comparison, repeat_failure
from optproof.proofs.batches.spec import LoaderSpec
from optproof.proofs.batches.torch_adapters import IndexDataset, torch_loader

torch = pytest.importorskip("torch")


def _epoch(order, B):
    return [list(order[k:k + B]) for k in range(0, len(order), B)]


# ----------------------------------------------------------------------------- spec = torch's semantics
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.tuples(st.just(w), st.integers(w, 30), st.integers(1, 9))),
       st.sampled_from(["pad", "drop"]), st.booleans())
def test_spec_matches_distributed_sampler(case, mode, drop_last):
    w, n, B = case
    from torch.utils.data import BatchSampler, DistributedSampler

    spec = LoaderSpec(shuffle=False, drop_last=drop_last, distributed=mode)
    for r in range(w):
        sampler = DistributedSampler(IndexDataset(n), num_replicas=w, rank=r, shuffle=False,
                                     drop_last=mode == "drop")
        assert len(sampler) == spec.shard_size(n, w)
        got = list(BatchSampler(sampler, B, drop_last))
        assert got == spec.sequential_batches(n, B, r, w)
        assert [len(b) for b in got] == spec.batch_sizes(n, B, w)
    assert spec.padding(n, w) == (spec.shard_size(n, w) * w - n if mode == "pad" else 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(shuffle=False, replacement=True), "replacement"),
    (dict(replacement=True, distributed="pad"), "replacement"),
    (dict(distributed="both"), "distributed must be one of"),
    (dict(drop_last=1), "drop_last must be True or False"),
])
def test_spec_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LoaderSpec(**kwargs)


def test_check_loader_rejects_bad_arguments():
    with pytest.raises(TypeError, match="batches must be callable"):
        optproof.check_loader(3, LoaderSpec())
    with pytest.raises(TypeError, match="spec must be"):
        optproof.check_loader(fl.numpy_loader, {"shuffle": True})
    with pytest.raises(ValueError, match="max_examples"):
        optproof.check_loader(fl.numpy_loader, LoaderSpec(), max_examples=0)
    with pytest.raises(ValueError, match="stat_world_size"):
        optproof.check_loader(fl.numpy_loader, LoaderSpec(distributed="pad"), stat_world_size=5)
    with pytest.raises(ValueError, match="world_size"):
        optproof.check_loader(fl.numpy_loader, LoaderSpec(), stat_world_size=2)


# ----------------------------------------------------------------------------- exact properties
def test_exact_accepts_a_correct_epoch_and_names_each_violation():
    spec = LoaderSpec()
    good = [[_epoch([3, 0, 4, 1, 2], 2), _epoch([1, 2, 0, 4, 3], 2)]]
    assert exact_failure(spec, good, 5, 2, 2) is None
    assert "serves 1 epochs" in exact_failure(spec, [good[0][:1]], 5, 2, 2)
    assert "outside 0..4" in exact_failure(spec, [[_epoch([3, 0, 5, 1, 2], 2)]], 5, 2, 1)
    assert "batch sizes [3, 2]" in exact_failure(spec, [[_epoch([3, 0, 4, 1, 2], 3)]], 5, 2, 1)
    assert "example 3 2 times" in exact_failure(spec, [[_epoch([3, 0, 3, 1, 2], 2)]], 5, 2, 1)
    short = exact_failure(spec, [[_epoch([3, 0, 4, 1], 2)]], 5, 2, 1)
    assert "short last batch is dropped" in short
    assert "drop_last=True passed" in exact_failure(LoaderSpec(drop_last=True), [[_epoch([3, 0, 4, 1, 2], 2)]], 5, 2, 1)


def test_exact_distributed_padding_and_overlap():
    spec = LoaderSpec(distributed="pad")
    # n = 5, 2 ranks: torch pads the order [3, 0, 4, 1, 2] with its first index, 3
    r0, r1 = [3, 4, 2], [0, 1, 3]
    assert exact_failure(spec, [[_epoch(r0, 2)], [_epoch(r1, 2)]], 5, 2, 1) is None
    bad = exact_failure(spec, [[_epoch(r0, 2)], [_epoch([0, 4, 3], 2)]], 5, 2, 1)
    assert "is served by ranks 0, 1" in bad and "set_epoch" in bad
    missing = exact_failure(spec, [[_epoch([3, 4, 2], 2)], [_epoch([0, 3, 2], 2)]], 5, 2, 1)
    assert "example 2 is served by ranks 0, 1" in missing
    unshuffled = LoaderSpec(shuffle=False, distributed="pad")
    assert exact_failure(unshuffled, [[_epoch([0, 2, 4], 2)], [_epoch([1, 3, 0], 2)]], 5, 2, 1) is None
    assert "sequential order" in exact_failure(unshuffled, [[_epoch([0, 2, 4], 2)], [_epoch([3, 1, 0], 2)]], 5, 2, 1)


def test_repeat_threshold_is_the_probability_of_a_repeat():
    spec = LoaderSpec()
    same = [[_epoch([2, 0, 1], 1)] * 4]
    # 3 repeats of one of 3! = 6 orders: probability 6^-3 = 4.6e-3
    assert repeat_failure(spec, same, "(n=3)", 3, 5e-3) is not None
    assert repeat_failure(spec, same, "(n=3)", 3, 4e-3) is None
    assert repeat_failure(LoaderSpec(shuffle=False), same, "", 3, 1.0) is None
    text = repeat_failure(LoaderSpec(distributed="pad"), same, "(n=3)", 3, 1.0)
    assert text == "epoch 2 serves exactly epoch 1's order (n=3): is set_epoch called?"


def test_chi2_comparison_is_wilson_hilferty():
    df = 100
    c = chi2_comparison("x", df * (1 - 2 / (9 * df)) ** 3, df, 10)
    assert abs(c.z) < 1e-12 and c.passed
    assert not chi2_comparison("x", 3.0 * df, df, 10).passed
    assert not chi2_comparison("x", 0.0, df, 10).passed  # too uniform is flagged too (two-sided)


# ----------------------------------------------------------------------------- catalogue
@pytest.mark.parametrize("entry", [e for e in LOADERS if e.correct], ids=lambda e: e.name)
def test_correct_loaders_pass(entry):
    result = entry.run()
    assert result.ok, str(result)
    assert result.comparisons and all(c.alpha == 5e-6 for c in result.comparisons)


@pytest.mark.parametrize("entry", [e for e in LOADERS if not e.correct], ids=lambda e: e.name)
def test_faulty_loaders_are_caught(entry):
    result = entry.run()
    assert not result.ok and result.counterexample is not None
    assert str(result.counterexample) in str(result)


def test_missing_set_epoch_reads_like_the_issue():
    result = optproof.check_loader(torch_loader(fl.make_distributed), LoaderSpec(distributed="pad"))
    text = str(result.counterexample)
    assert text.startswith("epoch 2 serves exactly epoch 1's order (n=") and text.endswith("is set_epoch called?")
    # the shrunk case is the smallest whose repeats are improbable: (n!)^(E-1) >= max_examples / alpha
    ce = result.counterexample
    assert math.factorial(ce.n) ** (ce.n_epochs - 1) >= 100 / 5e-6 > math.factorial(ce.n) ** (ce.n_epochs - 2)


def test_check_is_deterministic_and_seeded():
    a = optproof.check_loader(torch_loader(fl.make_shuffled), LoaderSpec(), seed=3)
    b = optproof.check_loader(torch_loader(fl.make_shuffled), LoaderSpec(), seed=3)
    c = optproof.check_loader(torch_loader(fl.make_shuffled), LoaderSpec(), seed=4)
    assert [x.estimate for x in a.comparisons] == [x.estimate for x in b.comparisons]
    assert [x.estimate for x in a.comparisons] != [x.estimate for x in c.comparisons]


def test_unshuffled_loader_against_a_sequential_spec():
    assert optproof.check_loader(torch_loader(fl.make_unshuffled), LoaderSpec(shuffle=False)).ok
    bad = optproof.check_loader(torch_loader(fl.make_shuffled), LoaderSpec(shuffle=False))
    assert "not the sequential order" in str(bad.counterexample)


def test_a_crashing_loader_is_a_counterexample():
    def crashes(n, B, E, rank, w):
        if n > 3:
            raise RuntimeError("boom")
        return fl.numpy_loader(n, B, E, rank, w)

    result = optproof.check_loader(crashes, LoaderSpec())
    assert "raised RuntimeError: boom (n=4," in str(result.counterexample)


def test_plain_lists_and_arrays_are_accepted():
    def lists(n, B, E, rank, w):
        rng = np.random.default_rng(0)
        return [np.array_split(rng.permutation(n), range(B, n, B)) for _ in range(E)]

    assert optproof.check_loader(lists, LoaderSpec()).ok


USER_LOADER = '''
from torch.utils.data import DataLoader, DistributedSampler

def make_loader(dataset, batch_size, rank, world_size):
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)

def hook(loader, epoch):
    loader.sampler.set_epoch(epoch)
'''


def test_cli_check_loader_on_a_user_module(tmp_path, monkeypatch, capsys):
    import sys

    from optproof.proofs.cli import main

    (tmp_path / "userloader.py").write_text(USER_LOADER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    args = ["check-loader", "userloader:make_loader", "--shuffle", "--distributed", "pad"]
    assert main(args + ["--on-epoch", "userloader:hook"]) == 0
    assert capsys.readouterr().out.startswith("PASS")
    assert main(args) == 1
    assert "is set_epoch called?" in capsys.readouterr().out
    assert main(["check-loader", "userloader:missing"]) == 2
    with pytest.raises(SystemExit) as exc:  # argparse: bad choice
        main(args[:-1] + ["both"])
    assert exc.value.code == 2


def test_public_names_are_the_functions_not_their_modules():
    import inspect

    import optproof.proofs.batches as pkg
    import optproof.proofs.batches.accumulation  # noqa: F401  (every submodule loaded)
    import optproof.proofs.batches.loader_check  # noqa: F401

    for name in ("check_loader", "check_accumulation"):
        assert inspect.isfunction(getattr(pkg, name)) and inspect.isfunction(getattr(optproof, name))
    assert inspect.isclass(optproof.LoaderSpec) and inspect.isclass(optproof.LoaderResult)
    assert optproof.adapters.torch_loader is torch_loader
