"""Write the theory-vs-simulation report: ``DIR/index.html``, ``DIR/results.json``, ``DIR/figures/``.

Every number shown in the HTML is read from the structure written to ``results.json`` (per claim:
``id``, ``status``, and per check its ``status``, ``reason``, ``test`` and the numbers behind it);
the JSON keeps full precision, the HTML rounds (``proofs.rounding``).  The page is rendered from
the jinja2 template ``proofs/templates/report.html.j2``; formulas are MathML (``proofs.formula``),
figures palette PNGs laid out for the content column (``proofs.figures``).
"""
from __future__ import annotations

import json
import math
import platform
import shutil
import time
from pathlib import Path
from typing import Any

from optproof.proofs.catalog import KINDS, RunConfig
from optproof.proofs.figures import save_png
from optproof.proofs.runner import ClaimResult

__all__ = ["results_document", "write_report", "render_html", "evidence_test", "TESTS"]

# the evidence labels: which test produced a verdict (issue 9: "every evidence label names the test")
TESTS = ("symbolic proof", "exact", "chi-square", "z-test", "bound", "measured")


def _jsonable(x: Any) -> Any:
    """Convert NumPy / SymPy scalars and arrays to plain JSON values (non-finite floats as strings)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return _jsonable(x.tolist())
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)
    try:
        return _jsonable(float(x)) if not hasattr(x, "free_symbols") or not x.free_symbols else str(x)
    except (TypeError, ValueError):
        return str(x)


def evidence_test(kind: str, name: str, status: str, summary: str, numbers: dict) -> str:
    """The test behind a check's verdict, one of ``TESTS`` ("" for a skipped check: nothing ran).

    symbolic -> "symbolic proof"; exact (or a simulation check named "... (exact)", e.g. operation
    counts) -> "exact"; a simulation with Monte Carlo comparisons ->
    "z-test"; one that reports chi-square p-values -> "chi-square"; status measured -> "measured";
    any other simulation check compares against a derived rounding bound -> "bound".
    """
    if status == "skipped":
        return ""  # nothing was tested
    if status == "measured":
        return "measured"
    if kind == "symbolic":
        return "symbolic proof"
    if kind == "exact" or "(exact)" in name:
        return "exact"
    if numbers.get("comparisons"):
        return "z-test"
    if "chi-square" in summary.lower() or any("chi" in str(k).lower() for k in numbers):
        return "chi-square"
    return "bound"


def _save_figures(res: ClaimResult, out: Path) -> dict[int, list[str]]:
    """Save each check's figures as PNG; return check index -> relative paths."""
    paths: dict[int, list[str]] = {}
    for i, run in enumerate(res.runs):
        for name, fig in run.outcome.figures:
            rel = f"figures/{res.claim.id}_{run.check.kind}_{name}.png"
            save_png(fig, out / rel)
            paths.setdefault(i, []).append(rel)
    return paths


def _check_record(run, figures: list[str]) -> dict:
    o = run.outcome
    numbers = _jsonable(o.numbers)
    return {"kind": run.check.kind, "name": run.check.name, "status": o.status, "reason": o.reason,
            "passed": o.status == "pass", "test": evidence_test(run.check.kind, run.check.name, o.status, o.summary, numbers),
            "summary": o.summary, "seconds": round(run.seconds, 3), "latex": list(o.latex),
            "numbers": numbers, "figures": figures}


def results_document(results: list[ClaimResult], cfg: RunConfig, figure_paths=None,
                     conformance: dict | None = None, batch_checker: dict | None = None) -> dict:
    """The JSON-serialisable record of a run (``conformance``: ``conformance_matrix()``'s result,
    ``batch_checker``: ``proofs.batches.matrix.batch_matrix()``'s)."""
    figure_paths = figure_paths or {}
    claims = []
    for res in results:
        figs = figure_paths.get(res.claim.id, {})
        claims.append({
            "id": res.claim.id, "title": res.claim.title, "section": res.claim.section,
            "statement": res.claim.statement, "notes": res.claim.notes, "status": res.status,
            "checks": [_check_record(r, figs.get(i, [])) for i, r in enumerate(res.runs)],
        })
    statuses = [c["status"] for c in claims]
    return {
        "generator": "optproof",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {"quick": cfg.quick, "full": cfg.full, "seed": cfg.seed},
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        "status": "fail" if {"fail", "error"} & set(statuses) else "pass",
        "claims": claims,
        "conformance": conformance,
        "batch_checker": _jsonable(batch_checker),
    }


def _seed_note(out: Path) -> str | None:
    """Copy the repository's seed note (``docs/seed/``) beside the report; its relative link."""
    src = Path(__file__).resolve().parents[1] / "docs" / "seed"
    if not (src / "README.md").is_file():
        return None
    shutil.copytree(src, out / "seed", dirs_exist_ok=True)
    return "seed/README.md"


def render_html(doc: dict, seed_link: str | None = None) -> str:
    """The HTML page of a results document (see ``proofs.report_view`` for what it shows)."""
    from optproof.proofs.report_view import render

    return render(doc, seed_link)


def write_report(results: list[ClaimResult], cfg: RunConfig, out: Path, conformance: dict | None = None,
                 batch_checker: dict | None = None) -> dict:
    """Write index.html, results.json and figures/ into ``out``; return the results document."""
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    figure_paths = {res.claim.id: _save_figures(res, out) for res in results}
    doc = results_document(results, cfg, figure_paths, conformance, batch_checker)
    t1 = time.perf_counter()
    (out / "index.html").write_text(render_html(doc, _seed_note(out)))
    # measured, shown nowhere: where the report's time went (benchmarks/report_time.py prints it)
    doc["seconds"] = {"figures": round(t1 - t0, 3), "html": round(time.perf_counter() - t1, 3)}
    (out / "results.json").write_text(json.dumps(doc, indent=2))
    return doc
