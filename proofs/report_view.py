"""The reader's view of a results document, rendered with the jinja2 template ``templates/report.html.j2``.

``render(doc)`` turns ``results.json``'s structure into display rows: statuses (pass / fail /
skipped / error / measured, each styled apart), the test behind each verdict, proofs as
"statement, then its verified steps" (each: its meaning, the statement as MathML and, collapsed, the comparison
SymPy evaluated) with trivially true lines hidden, numbers rounded to their
uncertainty, the conformance matrix with its detections, and the batch checker's matrix (loaders in
C1's section, accumulation in C4's and C5's) with each faulty entry's counterexample.  Formulas pass through one
``FormulaSet`` in page order, so each distinct formula is typeset once.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from markupsafe import Markup

from optproof.proofs.catalog import KINDS
from optproof.proofs.formula import FormulaSet, prose, step_formula
from optproof.proofs.rounding import at_places, compact, round_in_text, se_places, sig, with_se

__all__ = ["render"]

TEMPLATES = Path(__file__).parent / "templates"


def _comparison_row(c: dict) -> dict:
    """One Monte Carlo comparison, rounded: estimate ± se (2 digits of se), interval, theory, z."""
    se = c.get("se")
    lo, hi = c.get("ci", (None, None))
    try:
        places = se_places(se)
        ci = f"[{at_places(lo, places)}, {at_places(hi, places)}]"
    except (TypeError, ValueError):
        ci = f"[{sig(lo)}, {sig(hi)}]"
    flag = {True: "yes", False: "no", None: "—"}[c.get("flags_2pct_error")]
    return {"name": c["name"], "estimate": with_se(c.get("estimate"), se), "ci": ci,
            "theory": sig(c.get("theory"), 5), "z": f"{c['z']:+.2f}" if isinstance(c.get("z"), float) else "—",
            "status": "pass" if c.get("passed") else "fail", "detectable": sig(c.get("detectable_relative_error"), 2),
            "flag": flag}


#: Longest evaluated comparison (LaTeX characters) typeset under "checked by SymPy as"; longer ones are summarised
#: (measured: C3 + C9 quick, 215 steps: +234 KB of HTML at 300, +396 KB at 3000).
CHECKED_MAX = 300  # MathML costs ~1 KB per 100 LaTeX characters; the report must stay under 1.5 MB
_TEXTTT = re.compile(r"\\texttt\{[^}]*\}")


def _typeset(tex: str | None) -> str | None:
    """``\\texttt{stationary\\_variance}`` -> ``\\texttt{stationary variance}``: a library function in a proof
    step is shown in monospace with its words apart, as the report's prose names it ("the stationary variance
    formula", no code names); latex2mathml would otherwise print the ``\\_`` literally."""
    return _TEXTTT.sub(lambda m: m.group(0).replace("\\_", " "), tex) if tex else tex


def _step_view(s: dict) -> dict:
    """One proof step: its meaning (``why``), the statement (``latex``: ``Step.shows`` when given) and, when the
    results carry it and it differs, the comparison SymPy evaluated (``checked``: ``Step.checked_latex()``)."""
    checked = s.get("checked")
    too_long = bool(checked) and len(checked) > CHECKED_MAX
    if not checked or checked == s["latex"] or too_long:
        checked = None
    return {"why": prose(s["why"]), "tex": step_formula(s["latex"]), "verified": s["verified"],
            "checked": step_formula(checked) if checked else None,
            "checked_note": f"an expression of {len(s['checked'])} LaTeX characters, not typeset" if too_long else ""}


def _proof_view(p: dict) -> dict:
    steps = [_step_view(s) for s in p["steps"]]
    return {"statement": p["statement"], "holds": p["holds"], "assumptions": prose(p.get("assumptions") or ""),
            "steps": steps, "hidden": sum(s["tex"] is None for s in steps)}


def _check_view(chk: dict) -> dict:
    numbers = dict(chk["numbers"])
    proofs = numbers.pop("proofs", None)
    comps = numbers.pop("comparisons", None)
    traceback = numbers.pop("traceback", None)
    return {**chk, "summary": round_in_text(prose(chk["summary"])), "reason": prose(chk["reason"]),
            "proofs": [_proof_view(p) for p in proofs] if isinstance(proofs, list) else [],
            "comparisons": [_comparison_row(c) for c in comps] if isinstance(comps, list) else [],
            "traceback": traceback, "others": [(prose(str(k)), prose(compact(v))) for k, v in numbers.items()]}


def _evidence(c: dict) -> list[str]:
    """Per claim, one phrase per test: how many checks of that test, and the worst z of the z-tests."""
    out = []
    by_test: dict[str, list[dict]] = {}
    for k in c["checks"]:
        by_test.setdefault(k["test"] or "skipped", []).append(k)
    for test, chks in by_test.items():
        ok = sum(k["status"] == "pass" for k in chks)
        if test in ("measured", "skipped"):
            out.append(f"{test}: {len(chks)} check{'s' * (len(chks) != 1)} (no verdict)")
            continue
        text = f"{test}: {ok}/{len(chks)} pass"
        comps = [x for k in chks for x in k["numbers"].get("comparisons", []) or []]
        if comps:
            worst = max(abs(x["z"]) for x in comps)
            text += f" ({sum(x['passed'] for x in comps)}/{len(comps)} comparisons, max |z| = {worst:.2f})"
        out.append(text)
    return out


def _kind_cells(c: dict) -> list[dict]:
    cells = []
    for kind in KINDS:
        st = Counter(k["status"] for k in c["checks"] if k["kind"] == kind)
        decided = st["pass"] + st["fail"] + st["error"]
        worst = "fail" if st["fail"] or st["error"] else "pass" if st["pass"] else "skipped" if st["skipped"] else "measured"
        text = f"{st['pass']}/{decided}" if decided else "—"
        extra = ", ".join(f"{n} {s}" for s, n in st.items() if s in ("skipped", "measured"))
        cells.append({"text": text + (f" ({extra})" if extra else ""), "status": worst if sum(st.values()) else ""})
    return cells


def _conformance_view(matrix: dict | None) -> dict | None:
    if not matrix or not isinstance(matrix, dict) or "rows" not in matrix:
        return None
    refs = matrix["references"]
    rows = []
    for r in matrix["rows"]:
        det = r.get("detection")
        cells = [{"text": r["cells"].get(ref, ""), "note": ""} for ref in refs]
        if det:
            for cell in cells:
                if cell["text"] == "detected":
                    cell["note"] = f"{det['kind'].replace('_', ' ')} at step {det['step']}"
        rows.append({**r, "cells": cells, "implementation": r["implementation"].replace("_", " ")})
    groups = Counter(v for r in matrix["rows"] if r["group"] == "faulty" for v in r["cells"].values())
    return {"references": refs, "labels": [_short(r) for r in refs], "rows": rows, "detected": groups["detected"],
            "faulty": sum(groups.values()), "max_examples": matrix.get("max_examples"), "seed": matrix.get("seed")}


def _batch_view(matrix: dict | None) -> dict:
    """Claim id -> the batch checker's table for that claim's section (loaders: C1; accumulation: C4, C5)."""
    if not matrix or not isinstance(matrix, dict) or "loaders" not in matrix:
        return {}
    views = {}
    for key, claims, what, checker in (
            ("loaders", ("C1",), "data loaders and samplers", "check_loader"),
            ("accumulators", ("C4", "C5"), "gradient accumulation and distributed averaging", "check_accumulation")):
        rows = matrix.get(key) or []
        counts = Counter(r["verdict"] for r in rows)
        view = {"what": what, "checker": checker, "rows": rows, "verdicts": matrix.get("verdicts", []), "counts": counts,
                "faulty": sum(r["group"] == "faulty" for r in rows),
                "max_examples": matrix.get("max_examples") or "the checker's default", "seed": matrix.get("seed")}
        views.update({c: view for c in claims})
    return views


def _short(ref: str) -> str:
    """Column label of a reference name: ``keras(momentum=0.9, nesterov=True)`` -> "keras Nesterov"."""
    return ref.split("(")[0] + (" Nesterov" if "nesterov=True" in ref else "")


def render(doc: dict, seed_link: str | None = None) -> str:
    """The report page for ``doc`` (a ``results_document``)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from optproof.proofs.stats import ALPHA_EACH, SUITE_ALPHA, critical_z

    formulas = FormulaSet()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["math"] = lambda tex, block=False: Markup(formulas(_typeset(tex), block))
    claims = [{**c, "checks": [_check_view(k) for k in c["checks"]], "evidence": _evidence(c),
               "cells": _kind_cells(c)} for c in doc["claims"]]
    mode = "quick" if doc["config"]["quick"] else "full" if doc["config"].get("full") else "default"
    alpha = {"each": f"{ALPHA_EACH:g}", "suite": f"{SUITE_ALPHA:g}", "z": f"{critical_z(ALPHA_EACH):.2f}",
             "level": f"{100 * (1 - ALPHA_EACH):.4f}".rstrip("0"), "per_suite": int(round(SUITE_ALPHA / ALPHA_EACH))}
    return env.get_template("report.html.j2").render(
        doc=doc, claims=claims, kinds=KINDS, mode=mode, alpha=alpha, seed_link=seed_link,
        conformance=_conformance_view(doc.get("conformance")), batches=_batch_view(doc.get("batch_checker")),
        css=(TEMPLATES / "report.css").read_text())
