"""The claim catalog, one test per (claim, check), in quick mode (issue 8 item 8).

Ids read ``C3-simulation-iterate-variance-against-batch-size``, so ``pytest -k C3`` runs C3's checks
and a failure names the check and prints its summary (and traceback, for an ``error``).  A check
that reports ``skipped`` is reported as a pytest skip with its reason, never as a pass; a
``measured`` check passes the test only by carrying its measurements.

Also here: every stream a check draws is named (``RunConfig.seed_for``) and no two checks share
one; every source a claim names exists; ``optproof list`` points at real ``file:function``s.

False-failure budget: the Monte Carlo checks together fail by chance with probability at most
``proofs.stats.SUITE_ALPHA`` = 1e-3 per run (union bound over their declared shares, asserted in
``test_stats_harness.py``); the deterministic checks cannot fail by chance.
"""
from __future__ import annotations

import re

import pytest

from optproof.proofs import cli
from optproof.proofs.catalog import CheckRun, RunConfig
from optproof.proofs.claims import CLAIMS
from optproof.proofs.sources import REPO_ROOT, missing_sources, source_exists

_CASES = [(claim, check) for claim in CLAIMS for check in claim.checks]
_RUNS: dict[tuple[str, str], tuple[CheckRun, dict]] = {}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].rstrip("-")


def _id(case) -> str:
    claim, check = case
    return f"{claim.id}-{check.kind}-{_slug(check.name)}"


def _run(claim, check) -> tuple[CheckRun, dict]:
    """Run a check once per session (quick mode, the default seed), recording the streams it asks for."""
    key = (claim.id, check.name)
    if key not in _RUNS:
        log: dict = {}
        _RUNS[key] = (CheckRun.run(check, RunConfig(quick=True, seed_log=log)), log)
    return _RUNS[key]


def test_case_ids_are_unique():
    ids = [_id(c) for c in _CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", _CASES, ids=_id)
def test_check(case):
    claim, check = case
    run, _ = _run(claim, check)
    out = run.outcome
    where = f"{claim.id} {check.kind} check {check.name!r}"
    if out.status == "skipped":
        pytest.skip(f"{where}: {out.reason}")
    detail = f"\n{out.numbers['traceback']}" if out.status == "error" else ""
    assert out.status in ("pass", "measured"), f"{where} ended {out.status}: {out.summary}{detail}"
    if out.status == "measured":
        assert out.numbers, f"{where} is 'measured' but reports no measurements"
    used = sum(c["alpha"] for c in out.numbers.get("comparisons", []))
    assert used <= check.alpha * (1 + 1e-9), f"{where} used alpha {used:g} but declares {check.alpha:g}"


def test_seed_names_give_distinct_seeds():
    cfg = RunConfig(seed=0)
    seeds = {cfg.seed_for("C3", "batch size", j) for j in range(50)}
    seeds |= {cfg.seed_for("C3", name) for name in ("a", "b", "batch size", "batch sizE")}
    seeds |= {cfg.seed_for("C5", "batch size", 0), RunConfig(seed=1).seed_for("C3", "batch size", 0)}
    assert len(seeds) == 50 + 4 + 2
    assert cfg.seed_for("C3", "x", 1) == RunConfig(seed=0).seed_for("C3", "x", 1)  # a pure function of the names
    with pytest.raises(TypeError, match="seed names"):
        cfg.seed_for("C3", "x", -1)


def test_no_two_checks_share_a_stream():
    """Every (claim, name, index) a check requests is its own, and distinct requests get distinct seeds."""
    owner: dict[tuple, str] = {}
    seeds: dict[int, tuple] = {}
    for claim, check in _CASES:
        _, log = _run(claim, check)
        for key, seed in log.items():
            assert key[0] == claim.id, f"{claim.id} check {check.name!r} draws from {key[0]}'s stream {key}"
            assert key not in owner, f"stream {key} is shared by checks {owner[key]!r} and {check.name!r}"
            owner[key] = check.name
            assert seed not in seeds, f"streams {seeds[seed]} and {key} got the same seed"
            seeds[seed] = key
    assert len(owner) >= 30  # the catalog draws many named streams; none is derived by arithmetic


def test_every_claim_names_sources_that_exist():
    assert missing_sources(CLAIMS) == []
    assert not source_exists("optproof.mathcore.batching:no_such_function")
    assert not source_exists("tests/test_no_such_file.py")


def test_list_names_an_existing_file_function_for_every_check(capsys):
    assert cli.main(["list"]) == 0
    text = capsys.readouterr().out
    for claim, check in _CASES:
        assert check.name in text, check.name
    impls = re.findall(r"implemented by (.+)", text)
    assert len(impls) == len(_CASES)
    for line in impls:
        for ref in line.split("; "):
            path, _, func = ref.partition(":")
            assert (REPO_ROOT / path).is_file(), ref
            name = func.split("(")[0].split(".")[-1]
            assert re.search(rf"def {re.escape(name)}\b", (REPO_ROOT / path).read_text()), ref
    assert text.count("tested by: ") == len(CLAIMS)
