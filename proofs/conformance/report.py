"""``Counterexample``: a shrunk failing scenario printed as a short table.

Columns: step, lr, gradient, expected, actual, difference, note -- for the parameter that failed,
up to the step where it failed.  ``-`` marks a step where that parameter had no gradient; the note
marks lr changes and skipped steps (no gradient, inf/NaN).  In a long run the ordinary steps in
between (constant lr, a finite gradient) are folded into one ``...`` row.  The scenario is the
reduced one (``explain.reduce``) and ``summary`` says in words what the minimal difference is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optproof.proofs.conformance.explain import step_notes
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.runner import Failure
from optproof.proofs.strategies import Scenario

__all__ = ["Counterexample"]


def _fmt(a) -> str:
    if a is None:
        return "-"
    a = np.asarray(a)
    if a.size == 1:
        return f"{float(a.reshape(-1)[0]):.7g}"
    return np.array2string(a.reshape(-1), precision=6, separator=",", threshold=8,
                           formatter={"float_kind": lambda x: f"{x:.6g}"})


def _shown(t: int, last: int, note: str) -> bool:
    """Rows of a table: the first 2 and last 3 steps, and every step with a note."""
    return t <= 2 or t > last - 3 or bool(note)


@dataclass(frozen=True)
class Counterexample:
    """The minimal failing scenario, the failure and the reference it was checked against."""

    scenario: Scenario
    failure: Failure
    reference: Reference
    summary: str = ""

    def rows(self) -> list[tuple[str, ...]]:
        sc, f = self.scenario, self.failure
        expected = self.reference.run(list(sc.params), list(sc.lrs), [list(r) for r in sc.grads])
        notes = step_notes(sc, f.param)
        rows, folded = [], 0
        for t in range(1, max(f.step, 0) + 1):
            if not _shown(t, f.step, notes[t - 1]):
                folded += 1
                continue
            if folded:
                rows.append(("...", "", "", "", "", "", f"{folded} ordinary steps"))
                folded = 0
            exp = expected.params[t - 1][f.param]
            act = f.actual[t - 1] if t - 1 < len(f.actual) else None
            diff = None if act is None else act - exp
            rows.append((str(t), f"{sc.lrs[t - 1]:g}", _fmt(sc.grads[t - 1][f.param]),
                         _fmt(exp), _fmt(act), _fmt(diff), notes[t - 1]))
        return rows

    def table(self) -> str:
        head = ("step", "lr", "gradient", "expected", "actual", "difference", "note")
        rows = [head] + self.rows()
        widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        sc, f = self.scenario, self.failure
        shapes = ", ".join(str(p.shape) for p in sc.params)
        where = f"step {f.step}" if f.step else "construction"
        lines = ([f"minimal difference: {self.summary}"] if self.summary else []) + [
                 f"{f.kind} at {where}: {f.message}",
                 f"  parameters: {len(sc.params)} of shapes {shapes}; "
                 f"parameter {f.param} starts at {_fmt(sc.params[f.param])}"]
        if len(sc.params) > 1:
            others = [f"{i}: " + " ".join(_fmt(r[i]) for r in sc.grads)
                      for i in range(len(sc.params)) if i != f.param]
            lines.append("  gradients of the other parameters per step -- " + "; ".join(others))
        if f.step:
            lines += ["", self.table()]
        return "\n".join(lines)
