"""The report's batch checker matrix (issue 10 item 6): loaders in C1's section, accumulation in C4's and C5's.

One ``report --quick --claims C1,C4`` run (the quick matrix: 10 Hypothesis examples per row, the
multi-rank ``torch.distributed`` accumulation rows skipped), one ``--no-batch-checker`` run and one
without C1/C4/C5 (the matrix is not computed when none of its sections is shown).
The verdicts are deterministic (derandomized Hypothesis, fixed seed), so the assertions are exact:
every correct entry passes, every faulty entry that runs is detected with its counterexample.
"""
from __future__ import annotations

import json
import re

import pytest

from optproof.proofs import cli
from optproof.proofs.batches.faulty import ACCUMULATORS, LOADERS
from optproof.proofs.batches.matrix import batch_matrix, verdict

pytest.importorskip("torch", reason="the catalogue's torch rows need torch")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch_report")
    code = cli.main(["report", "--quick", "--claims", "C1,C4", "--no-conformance", "--out", str(out), "--no-progress"])
    assert code == 0
    return json.loads((out / "results.json").read_text()), (out / "index.html").read_text()


def _section(html: str, claim: str) -> str:
    m = re.search(rf'<section id="{claim}">(.*?)</section>', html, re.S)
    assert m, f"no section {claim}"
    return m.group(1)


def test_verdict_table():
    assert [verdict(c, ok) for c, ok in ((True, True), (True, False), (False, True), (False, False))] == [
        "pass", "false alarm", "missed", "detected"]


def test_bad_arguments_named():
    with pytest.raises(ValueError, match="max_examples"):
        batch_matrix(max_examples=0)
    with pytest.raises(TypeError, match="quick"):
        batch_matrix(quick=1)


def test_results_json_no_false_alarms_and_every_faulty_detected(report):
    doc, _ = report
    m = doc["batch_checker"]
    assert [r["implementation"] for r in m["loaders"]] == [e.name for e in LOADERS]
    assert [r["implementation"] for r in m["accumulators"]] == [e.name for e in ACCUMULATORS]
    rows = m["loaders"] + m["accumulators"]
    assert m["counts"]["false alarm"] == 0 and m["counts"]["missed"] == 0
    for r in rows:
        if r["verdict"] == "skipped":
            continue
        assert r["verdict"] == ("pass" if r["group"] == "correct" else "detected"), r
        assert bool(r["counterexample"]) == (r["group"] == "faulty"), r
    torch_own = {"torch DataLoader(shuffle=True)", "torch DataLoader(shuffle=True, drop_last=True)",
                 "DistributedSampler + set_epoch, 2 ranks", "DistributedSampler + set_epoch, 3 ranks"}
    assert {r["implementation"] for r in m["loaders"] if r["verdict"] == "pass"} >= torch_own


def test_quick_skips_multi_rank_accumulation_never_passes(report):
    doc, _ = report
    acc = doc["batch_checker"]["accumulators"]
    multi = [r for r in acc if r["world_size"] > 1]
    assert multi and all(r["verdict"] == "skipped" and r["reason"] == "not run in --quick" for r in multi)
    assert all(r["verdict"] != "skipped" for r in acc if r["world_size"] == 1)
    assert doc["batch_checker"]["counts"]["skipped"] == len(multi)


def test_sections_show_the_tables_with_counterexamples(report):
    doc, html = report
    c1, c4 = _section(html, "C1"), _section(html, "C4")
    assert "batch checker: data loaders" in c1 and "batch checker: gradient accumulation" not in c1
    assert "batch checker: gradient accumulation" in c4 and "batch checker: data loaders" not in c4
    assert "is set_epoch called?" in c1 and "not run in --quick" in c4
    for r in doc["batch_checker"]["loaders"]:
        if r["counterexample"]:
            assert r["counterexample"].replace("'", "&#39;")[:60] in c1
    assert "✓ false alarm" not in html and "✓ missed" not in html


def _no_claims_run(monkeypatch):
    """The claims' own checks are not under test here: ``run_claims`` returns no results."""
    from optproof.proofs import runner

    monkeypatch.setattr(runner, "run_claims", lambda *a, **k: [])


def test_not_run_without_its_claims(tmp_path, monkeypatch):
    _no_claims_run(monkeypatch)
    code = cli.main(["report", "--quick", "--claims", "C2", "--no-conformance", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    assert json.loads((tmp_path / "results.json").read_text())["batch_checker"] is None


def test_no_batch_checker_flag(tmp_path, monkeypatch):
    _no_claims_run(monkeypatch)
    code = cli.main(["report", "--quick", "--claims", "C4", "--no-conformance", "--no-batch-checker",
                     "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    assert json.loads((tmp_path / "results.json").read_text())["batch_checker"] is None
    assert "batch checker:" not in (tmp_path / "index.html").read_text()
