"""``batch_matrix``: the batch-side checker over torch's samplers and the catalogue (for the report).

Rows are the entries of ``proofs.batches.faulty`` (``LOADERS`` serve claim C1, ``ACCUMULATORS``
claims C4 and C5), each run through its checker (``check_loader`` / ``check_accumulation``).
The verdict of a row is one of

- ``pass``: a correct entry the checker accepts;
- ``false alarm``: a correct entry the checker rejects (must never happen);
- ``detected``: a faulty entry rejected, with its shrunk counterexample;
- ``missed``: a faulty entry accepted;
- ``skipped``: not run, with the reason (``not run in --quick`` for the multi-rank
  ``torch.distributed`` accumulation cases, ``torch not installed``); never a pass.
"""
from __future__ import annotations

import importlib.util
import time
from typing import Callable

from optproof.base.validation import check_int

__all__ = ["VERDICTS", "batch_matrix", "start_batch_matrix", "verdict"]

VERDICTS = ("pass", "detected", "missed", "false alarm")


def verdict(correct: bool, ok: bool) -> str:
    """The row's verdict from the entry's correctness and the checker's acceptance."""
    if correct:
        return "pass" if ok else "false alarm"
    return "missed" if ok else "detected"


def _uses_torch(entry) -> bool:
    """Catalogue builders that go through the torch adapters (``_torch`` / ``_acc`` closures)."""
    return entry.spec is None or entry.build.__qualname__.startswith("_torch")


def _row(entry, claim_group: str, skip: str | None, max_examples: int | None, seed: int) -> dict:
    row = {"implementation": entry.name, "group": "correct" if entry.correct else "faulty", "note": entry.note,
           "claims": claim_group, "world_size": entry.options.get("world_size", 1)}
    if skip:
        return {**row, "verdict": "skipped", "reason": skip, "counterexample": "", "report": "", "seconds": 0.0}
    t0 = time.perf_counter()
    result = entry.run(seed=seed, **({} if max_examples is None else {"max_examples": max_examples}))
    cex = result.counterexample
    return {**row, "verdict": verdict(entry.correct, bool(result.ok)), "reason": "",
            "counterexample": "" if cex is None else str(cex), "report": str(result),
            "seconds": round(time.perf_counter() - t0, 3)}


def _row_at(key: str, i: int, skip: str | None, max_examples: int | None, seed: int) -> dict:
    """Worker task: the row of entry ``i`` of ``LOADERS`` (``key = "loaders"``) or ``ACCUMULATORS``."""
    from optproof.proofs.batches import faulty

    entries, claims = (faulty.LOADERS, "C1") if key == "loaders" else (faulty.ACCUMULATORS, "C4, C5")
    return _row(entries[i], claims, skip, max_examples, seed)


def start_batch_matrix(*, quick: bool = False, max_examples: int | None = None, seed: int = 0,
                       workers: int | None = None) -> Callable[[], dict]:
    """Queue ``batch_matrix``'s single-rank rows on ``proofs.runner.Task``'s ``workers`` processes
    (default ``default_workers()``; 1 = serially, at once, here) and return the function that runs the
    multi-rank rows here (each starts its own gloo process group), waits for the rest and returns
    ``batch_matrix``'s result; the report queues it beside the claims' checks."""
    if max_examples is not None:
        check_int("max_examples", max_examples, 1, 10_000)
    check_int("seed", seed, 0, 2**32 - 1)
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool; got {type(quick).__name__}")
    from optproof.proofs.batches.faulty import ACCUMULATORS, LOADERS
    from optproof.proofs.runner import Task

    t0 = time.perf_counter()
    have_torch = importlib.util.find_spec("torch") is not None
    jobs = [(key, i, "torch not installed" if not have_torch and _uses_torch(e) else
             "not run in --quick" if quick and e.options.get("world_size", 1) > 1 else None,
             e.options.get("world_size", 1) > 1)
            for key, entries in (("loaders", LOADERS), ("accumulators", ACCUMULATORS)) for i, e in enumerate(entries)]
    pooled = {(k, i): Task(_row_at, (k, i, skip, max_examples, seed), workers)
              for k, i, skip, multi in jobs if skip or not multi}

    def result() -> dict:
        done = {(k, i): _row_at(k, i, skip, max_examples, seed) for k, i, skip, multi in jobs if multi and not skip}
        done.update({k: t.result() for k, t in pooled.items()})
        out: dict = {"max_examples": max_examples, "seed": seed, "quick": quick, "verdicts": list(VERDICTS)}
        for key in ("loaders", "accumulators"):
            out[key] = [done[k, i] for k, i, _, _ in jobs if k == key]
        rows = out["loaders"] + out["accumulators"]
        out["counts"] = {v: sum(r["verdict"] == v for r in rows) for v in (*VERDICTS, "skipped")}
        out["seconds"] = round(time.perf_counter() - t0, 3)
        return out

    return result


def batch_matrix(*, quick: bool = False, max_examples: int | None = None, seed: int = 0,
                 workers: int | None = None) -> dict:
    """Run every catalogue entry; ``{"loaders": rows, "accumulators": rows, "counts": ..., "seconds": wall}``.

    ``max_examples`` (``None``: each checker's default) bounds every Hypothesis search.  ``quick``
    skips the accumulation cases with ``world_size > 1`` (each spawns a gloo process group); they
    are reported as skipped cells, never as passes.  The rows run on ``workers`` processes
    (``start_batch_matrix``) and are the same either way (each search is seeded with ``seed``),
    but for their measured ``seconds``.
    """
    return start_batch_matrix(quick=quick, max_examples=max_examples, seed=seed, workers=workers)()
