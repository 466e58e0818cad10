"""A report run on worker processes gives the same results as a serial run (issue 14, item 4).

Every check draws its streams from the run seed by name (``RunConfig.seed_for``) and every
matrix cell is a Hypothesis search seeded with the run seed, so which process runs what, and in
which order, must not change a status, a number, a figure or a seed request.  Only measured
quantities may differ: the ``seconds`` of each check and row, and the numbers of ``measured``
checks (the timings of C2 and the machine's load).  Wall time is never asserted.
"""
from __future__ import annotations

import pytest

from optproof.proofs import runner
from optproof.proofs.batches.matrix import batch_matrix
from optproof.proofs.catalog import KINDS, RunConfig
from optproof.proofs.claims import CLAIMS
from optproof.proofs.conformance import conformance_matrix
from optproof.proofs.figures import png_bytes
from optproof.proofs.report import results_document


def _comparable(doc: dict) -> dict:
    """The document without what is measured rather than computed (timings, dates, the machine)."""
    claims = []
    for c in doc["claims"]:
        checks = [{k: v for k, v in chk.items() if k != "seconds" and not (chk["status"] == "measured" and k in
                   ("numbers", "summary", "latex"))} for chk in c["checks"]]
        claims.append({**c, "checks": checks})
    return {"claims": claims, "status": doc["status"]}


def _figures(results) -> dict:
    """PNG bytes of every figure (a serial run holds matplotlib figures, a parallel one their bytes)."""
    return {(r.claim.id, i, name): fig if isinstance(fig, bytes) else png_bytes(fig)
            for r in results for i, run in enumerate(r.runs) if run.status != "measured"
            for name, fig in run.outcome.figures}


def _run(workers: int):
    log: dict = {}
    cfg = RunConfig(quick=True, seed=3, make_figures=True, seed_log=log)
    results = runner.run_claims(CLAIMS, cfg, KINDS, workers=workers)
    return results, results_document(results, cfg), log


@pytest.fixture(scope="module")
def both():
    return _run(1), _run(2)


def _differences(doc1: dict, doc2: dict) -> list[tuple[str, str, list[str]]]:
    """(claim, check, differing fields) of every check whose comparable record differs."""
    return [(c1["id"], k1["name"], [f for f in k1 if k1[f] != k2.get(f)])
            for c1, c2 in zip(doc1["claims"], doc2["claims"]) for k1, k2 in zip(c1["checks"], c2["checks"]) if k1 != k2]


def test_parallel_claims_give_the_serial_statuses_numbers_and_seed_requests(both):
    (res1, doc1, log1), (res2, doc2, log2) = both
    assert [r.claim.id for r in res2] == [c.id for c in CLAIMS]
    a, b = _comparable(doc1), _comparable(doc2)
    assert _differences(a, b) == []
    assert b == a
    assert log2 == log1 and log1  # the same streams, requested by the same names


def test_parallel_figures_are_the_serial_figures(both):
    (res1, _, _), (res2, _, _) = both
    figs1, figs2 = _figures(res1), _figures(res2)
    assert figs1 and figs2 == figs1


def _without_seconds(matrix: dict) -> dict:
    """A matrix without its measured ``seconds`` (its own and its rows')."""
    return {k: [{f: x for f, x in r.items() if f != "seconds"} for r in v] if k in ("rows", "loaders", "accumulators")
            else v for k, v in matrix.items() if k != "seconds"}


def test_parallel_matrices_equal_serial_ones():
    c1, c2 = (conformance_matrix(2, 5, workers=w) for w in (1, 2))
    assert _without_seconds(c2) == _without_seconds(c1) and len(c1["rows"]) > 7
    b1, b2 = (batch_matrix(quick=True, max_examples=3, seed=5, workers=w) for w in (1, 2))
    assert _without_seconds(b2) == _without_seconds(b1) and b1["loaders"] and b1["accumulators"]


def test_workers_argument_validated(monkeypatch):
    with pytest.raises(ValueError, match="workers"):
        runner.run_claims(CLAIMS[:1], RunConfig(quick=True), workers=0)
    monkeypatch.setenv("OPTPROOF_WORKERS", "two")
    with pytest.raises(ValueError, match="OPTPROOF_WORKERS"):
        runner.default_workers()
    monkeypatch.setenv("OPTPROOF_WORKERS", "1")
    assert runner.default_workers() == 1


def test_checks_run_on_one_blas_thread_and_the_limit_is_undone():
    """``run_claims`` runs its checks under ``one_blas_thread`` (workers keep it for good): a LAPACK
    result may depend on the thread count (C6's ``eigh`` does in the last bits)."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]

    before = blas_threads()
    with runner.one_blas_thread():
        inside = blas_threads()
    assert inside and set(inside) == {1}
    assert blas_threads() == before


def test_beside_is_called_once_and_must_be_callable():
    """``beside`` (the report queues its matrices there) runs once; its result does not change the claims'."""
    calls: list = []
    res = runner.run_claims(CLAIMS[:1], RunConfig(quick=True), ("exact",), workers=1, beside=lambda: calls.append(1))
    assert calls == [1] and [r.status for r in res] == ["pass"]
    with pytest.raises(TypeError, match="beside must be callable"):
        runner.run_claims(CLAIMS[:1], RunConfig(quick=True), ("exact",), workers=1, beside=3)
