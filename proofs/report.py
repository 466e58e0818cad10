"""Write the theory-vs-simulation report: ``DIR/index.html``, ``DIR/results.json``, ``DIR/figures/``.

Every number shown in the HTML is read from the same structure that is written to
``results.json`` (per claim: ``id``, ``status`` "pass"/"fail", and per check the numbers behind it).
"""
from __future__ import annotations

import html
import json
import math
import platform
import time
from pathlib import Path
from typing import Any

from optproof.proofs.catalog import KINDS, RunConfig
from optproof.proofs.formula import formula_html
from optproof.proofs.runner import ClaimResult

__all__ = ["results_document", "write_report"]


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


def _save_figures(res: ClaimResult, out: Path) -> dict[int, list[str]]:
    """Save each check's figures as PNG; return check index -> relative paths."""
    import matplotlib.pyplot as plt

    paths: dict[int, list[str]] = {}
    for i, run in enumerate(res.runs):
        for name, fig in run.outcome.figures:
            rel = f"figures/{res.claim.id}_{run.check.kind}_{name}.png"
            fig.savefig(out / rel, dpi=110, bbox_inches="tight")
            plt.close(fig)
            paths.setdefault(i, []).append(rel)
    return paths


def results_document(results: list[ClaimResult], cfg: RunConfig, figure_paths=None,
                     conformance: dict | None = None) -> dict:
    """The JSON-serialisable record of a run (``conformance``: implementation -> reference -> bool)."""
    figure_paths = figure_paths or {}
    claims = []
    for res in results:
        figs = figure_paths.get(res.claim.id, {})
        checks = [
            {
                "kind": r.check.kind,
                "name": r.check.name,
                "passed": bool(r.outcome.passed),
                "summary": r.outcome.summary,
                "seconds": round(r.seconds, 3),
                "latex": list(r.outcome.latex),
                "numbers": _jsonable(r.outcome.numbers),
                "figures": figs.get(i, []),
            }
            for i, r in enumerate(res.runs)
        ]
        claims.append({
            "id": res.claim.id, "title": res.claim.title, "section": res.claim.section,
            "statement": res.claim.statement, "notes": res.claim.notes,
            "status": res.status, "checks": checks,
        })
    return {
        "generator": "optproof",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {"quick": cfg.quick, "full": cfg.full, "seed": cfg.seed},
        "python": platform.python_version(),
        "status": "pass" if all(r.passed for r in results) else "fail",
        "claims": claims,
        "conformance": conformance,
    }


_CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.35}
table{border-collapse:collapse;margin:.6em 0;font-size:90%}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#f3f3f3}.pass{color:#0a6b0a;font-weight:bold}.fail{color:#b00;font-weight:bold}
code.tex{background:#f7f7fb;padding:.2em .4em;display:inline-block;white-space:pre-wrap}
.formula svg{max-width:100%;height:auto;vertical-align:middle}.statement{margin:.5em 0 1em}
.grid{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:1em}
.col{border:1px solid #ddd;padding:.6em;border-radius:6px;min-width:0}
img{max-width:100%}pre{white-space:pre-wrap;font-size:85%}details{margin:.8em 0}summary{cursor:pointer;color:#135}
.numbers{overflow-x:auto}ol.steps li{margin:.3em 0}
"""


def _fmt(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else html.escape(str(x))


def _comparisons_table(comps: list[dict]) -> str:
    """Monte Carlo estimate next to theory: z-score, verdict, and the power of the comparison."""
    head = ("<tr><th>quantity</th><th>simulated ± se</th><th>CI</th><th>theory</th><th>z</th><th>verdict</th>"
            "<th>smallest detectable rel. error</th><th>2% error flagged</th></tr>")
    rows = []
    for c in comps:
        verdict = "pass" if c["passed"] else "fail"
        lo, hi = c["ci"]
        flag = {True: "yes", False: "no", None: "—"}[c.get("flags_2pct_error")]
        rows.append(f"<tr><td>{html.escape(c['name'])}</td><td>{_fmt(c['estimate'])} ± {_fmt(c['se'])}</td>"
                    f"<td>[{_fmt(lo)}, {_fmt(hi)}]</td><td>{_fmt(c['theory'])}</td><td>{c['z']:+.2f}</td>"
                    f"<td class='{verdict}'>{verdict}</td><td>{_fmt(c['detectable_relative_error'])}</td>"
                    f"<td>{flag}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _numbers_table(numbers: dict) -> str:
    rows = []
    for k, v in numbers.items():
        if k == "comparisons" and isinstance(v, list):
            rows.append(f"<tr><td colspan='2'>{_comparisons_table(v)}</td></tr>")
            continue
        if k == "traceback":
            rows.append(f"<tr><td>{html.escape(k)}</td><td><pre>{html.escape(str(v))}</pre></td></tr>")
            continue
        text = json.dumps(v) if not isinstance(v, str) else v
        if len(text) > 400:
            text = text[:400] + " …"
        rows.append(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(text)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>" if rows else ""


def _check_html(chk: dict) -> str:
    """The verdict, summary and plots of one check (its column in the side-by-side grid)."""
    status = "pass" if chk["passed"] else "fail"
    if chk["passed"] and chk["summary"].startswith("skipped"):
        status = "skipped"
    parts = [f"<h4>{html.escape(chk['name'])} <span class='{status}'>{status}</span></h4>",
             f"<p>{html.escape(chk['summary'])}</p>"]
    parts += [f"<div>{formula_html(t)}</div>" for t in chk["latex"]]
    parts += [f"<a href='{html.escape(p)}'><img src='{html.escape(p)}' alt='{html.escape(p)}'></a>"
              for p in chk["figures"]]
    return "".join(parts)


def _proofs_html(proofs: list[dict]) -> str:
    out = []
    for p in proofs:
        mark = "pass" if p["holds"] else "fail"
        steps = "".join(f"<li><span class='{'pass' if s['verified'] else 'fail'}'>{'✓' if s['verified'] else '✗'}"
                        f"</span> {html.escape(s['why'])}<br>{formula_html(s['latex'])}</li>" for s in p["steps"])
        assume = f"<p>Assuming {html.escape(p['assumptions'])}.</p>" if p["assumptions"] else ""
        out.append(f"<div><p><span class='{mark}'>{'proven' if p['holds'] else 'NOT proven'}</span>: "
                   f"{formula_html(p['statement'])}</p>{assume}<ol class='steps'>{steps}</ol></div>")
    return "".join(out)


def _details_html(chk: dict) -> str:
    """Everything behind a verdict: proof steps, comparisons with their power, other numbers."""
    numbers = dict(chk["numbers"])
    body = _proofs_html(numbers.pop("proofs")) if isinstance(numbers.get("proofs"), list) else ""
    body += _numbers_table(numbers)
    return f"<h4>{chk['kind']}: {html.escape(chk['name'])}</h4><div class='numbers'>{body}</div>"


def _claim_html(c: dict) -> str:
    cols = []
    for kind in KINDS:
        inner = "".join(_check_html(chk) for chk in c["checks"] if chk["kind"] == kind) or "<p>—</p>"
        cols.append(f"<div class='col'><h3>{kind}</h3>{inner}</div>")
    notes = f"<p><em>{html.escape(c['notes'])}</em></p>" if c["notes"] else ""
    details = "".join(_details_html(chk) for chk in c["checks"])
    return (f"<section id='{c['id']}'><h2>{c['id']} — {html.escape(c['title'])} "
            f"<span class='{c['status']}'>{c['status']}</span></h2>"
            f"<p>Seed section {html.escape(c['section'])}.</p>"
            f"<div class='statement'>{formula_html(c['statement'])}</div>{notes}"
            f"<div class='grid'>{''.join(cols)}</div>"
            f"<details><summary>Proof steps and the numbers behind each verdict</summary>{details}</details>"
            "</section>")


def _evidence(c: dict) -> str:
    """One line per kind: proofs held, exact checks, and what the simulation established."""
    parts = []
    sym = [k for k in c["checks"] if k["kind"] == "symbolic"]
    n_proofs = sum(len(k["numbers"].get("proofs", [])) for k in sym)
    if sym:
        parts.append(f"proved ({n_proofs} proof{'s' * (n_proofs != 1)})" if all(k["passed"] for k in sym) else "proof FAILED")
    sims = [k for k in c["checks"] if k["kind"] == "simulation"]
    comps = [x for k in sims for x in k["numbers"].get("comparisons", [])]
    if comps:
        worst = max(abs(x["z"]) for x in comps)
        ok = sum(x["passed"] for x in comps)
        parts.append(f"confirmed by simulation: {ok}/{len(comps)} comparisons within their interval "
                     f"(max |z| = {worst:.2f})")
    exact_sims = [k for k in sims if not k["numbers"].get("comparisons")]
    if exact_sims:
        ok = sum(k["passed"] for k in exact_sims)
        parts.append(f"{ok}/{len(exact_sims)} deterministic simulation checks within their rounding bounds")
    for k in sims:
        eff = k["numbers"].get("effect")
        if isinstance(eff, dict):
            lo, hi = eff["ci"]
            parts.append(f"measured {html.escape(eff['name'])}: {_fmt(eff['estimate'])} "
                         f"(95% CI [{_fmt(lo)}, {_fmt(hi)}])")
    return "<br>".join(parts)


def _summary_html(doc: dict) -> str:
    rows = []
    for c in doc["claims"]:
        cells = []
        for kind in KINDS:
            chks = [k for k in c["checks"] if k["kind"] == kind]
            ok = sum(k["passed"] for k in chks)
            cls = "pass" if ok == len(chks) else "fail"
            cells.append(f"<td class='{cls}'>{ok}/{len(chks)}</td>" if chks else "<td>—</td>")
        rows.append(f"<tr><td><a href='#{c['id']}'>{c['id']}</a></td><td>{html.escape(c['title'])}</td>"
                    f"{''.join(cells)}<td>{_evidence(c)}</td><td class='{c['status']}'>{c['status']}</td></tr>")
    head = "".join(f"<th>{k}</th>" for k in KINDS)
    return (f"<table><tr><th>claim</th><th>statement</th>{head}<th>evidence</th><th>status</th></tr>"
            f"{''.join(rows)}</table>")


def _conformance_html(matrix: dict | None) -> str:
    """Installed implementations x momentum conventions: which references each one matches."""
    if not matrix:
        return ""
    refs = list(next(iter(matrix.values())))
    head = "".join(f"<th>{html.escape(r)}</th>" for r in refs)
    rows = "".join(
        f"<tr><td>{html.escape(impl)}</td>" + "".join(
            f"<td class='{'pass' if ok else ''}'>{'match' if ok else '·'}</td>" for ok in row.values()) + "</tr>"
        for impl, row in matrix.items())
    return ("<section id='conformance'><h2>Conformance matrix</h2><p>Each implementation checked against each "
            "reference convention with Hypothesis-generated gradient streams and changing learning rates "
            "(<code>proofs.conformance.check</code>); 'match' means no disagreement beyond the derived "
            "floating-point tolerance. Conventions that agree only for a constant learning rate do not match.</p>"
            f"<table><tr><th>implementation</th>{head}</tr>{rows}</table></section>")


def render_html(doc: dict) -> str:
    body = "".join(_claim_html(c) for c in doc["claims"]) + _conformance_html(doc.get("conformance"))
    mode = "quick" if doc["config"]["quick"] else "full" if doc["config"].get("full") else "default"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>optproof report</title>"
        f"<style>{_CSS}</style>"
        "</head><body><h1>optproof: theory next to simulation</h1>"
        f"<p>Overall: <span class='{doc['status']}'>{doc['status']}</span> · mode {mode} · seed "
        f"{doc['config']['seed']} · {html.escape(doc['created'])} · Python {doc['python']}. Formulas are "
        "typeset offline (hover for the LaTeX source; the report loads nothing from the network). Each claim shows its symbolic "
        "proof, its exact finite check and its simulation check side by side; the numbers are those "
        "of <a href='results.json'>results.json</a>.</p>"
        f"{_summary_html(doc)}{body}</body></html>"
    )


def write_report(results: list[ClaimResult], cfg: RunConfig, out: Path, conformance: dict | None = None) -> dict:
    """Write index.html, results.json and figures/ into ``out``; return the results document."""
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figure_paths = {res.claim.id: _save_figures(res, out) for res in results}
    doc = results_document(results, cfg, figure_paths, conformance)
    (out / "results.json").write_text(json.dumps(doc, indent=2))
    (out / "index.html").write_text(render_html(doc))
    return doc
