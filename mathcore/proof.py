"""The record every symbolic derivation in ``mathcore`` returns.

A ``Proof`` is a list of ``Step``s; each step states an equality ``lhs = rhs`` that SymPy
checked (``simplify(lhs - rhs) == 0`` or an equivalent exact method), and says why it holds.
``holds`` is True only when every step was verified.  Proofs are for *symbolic* ``t``, ``N``,
``B``, ``eta``, ``lam``: induction steps and summation identities, never expansions for small
numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Step", "Proof", "equal"]


def equal(lhs: Any, rhs: Any) -> bool:
    """Exact symbolic equality: the difference simplifies to zero (expand, together, simplify).

    Tuples (``sp.Tuple``, tuple, list) are equal when they have the same length and equal entries.
    """
    if isinstance(lhs, (sp.Tuple, tuple, list)) and isinstance(rhs, (sp.Tuple, tuple, list)):
        return len(lhs) == len(rhs) and all(equal(a, b) for a, b in zip(lhs, rhs))
    diff = sp.sympify(lhs) - sp.sympify(rhs)
    if diff == 0:
        return True
    for simplifier in (sp.expand, sp.together, sp.simplify):
        diff = simplifier(diff)
        if diff == 0:
            return True
    return bool(sp.simplify(sp.expand_power_base(sp.powsimp(diff, force=True), force=True)) == 0)


@dataclass(frozen=True)
class Step:
    r"""One verified equality of a proof.

    ``why`` names the mathematics (e.g. "induction step", "Vieta's formulas"); ``shows`` is the LaTeX
    of the statement as written, before SymPy evaluates it (e.g. ``\operatorname{tr} A = 1 + \lambda
    - \eta h``); ``lhs``/``rhs`` are the evaluated objects that were compared.
    """

    why: str
    lhs: Any
    rhs: Any
    verified: bool
    shows: str = ""

    def latex(self) -> str:
        """The statement proven: ``shows`` when given, else the evaluated comparison."""
        return self.shows or self.checked_latex()

    def checked_latex(self) -> str:
        """The comparison SymPy actually checked, after evaluation: ``lhs = rhs``."""
        return f"{sp.latex(_shown(self.lhs))} = {sp.latex(_shown(self.rhs))}"

    def record(self) -> dict:
        """The step for a results document: ``why``, ``latex`` (the statement), ``checked`` (the evaluated
        comparison, shown collapsed by the report) and ``verified``."""
        return {"why": self.why, "latex": self.latex(), "checked": self.checked_latex(), "verified": self.verified}


def _shown(x: Any) -> Any:
    """For display only: floating-point numbers to 4 significant digits (the check used full precision)."""
    try:
        expr = sp.sympify(x)
    except (sp.SympifyError, TypeError):
        return x
    floats = expr.atoms(sp.Float) if isinstance(expr, sp.Basic) else set()
    return expr.xreplace({f: sp.Float(f, 4) for f in floats}) if floats else expr


@dataclass
class Proof:
    """A chain of checked equalities establishing ``statement``."""

    statement: str  # LaTeX of what is proven
    steps: list[Step] = field(default_factory=list)
    assumptions: str = ""

    def step(self, why: str, lhs: Any, rhs: Any, verified: bool | None = None, *, shows: str = "") -> "Proof":
        """Append a step; verify it with ``equal`` unless ``verified`` is given by a stronger method.
        ``shows``: LaTeX of the statement before evaluation (see ``Step``)."""
        ok = equal(lhs, rhs) if verified is None else bool(verified)
        self.steps.append(Step(why, lhs, rhs, ok, shows))
        return self

    def cite(self, why: str, lemma: "Proof", lhs: Any, rhs: Any, *, shows: str = "") -> "Proof":
        """A step that uses ``lemma``: verified only if the lemma holds AND ``lhs = rhs`` (the instance
        the lemma is applied to, e.g. the library's public function at the cited arguments)."""
        self.steps.append(Step(why, lhs, rhs, bool(lemma.holds) and equal(lhs, rhs), shows))
        return self

    def check(self, why: str, agreed: tuple[bool, int, float], *, shows: str = "", call: str = "") -> "Proof":
        """A step recording ``agreement.float_branch_agrees``: the float branch equals the proven SymPy
        branch at n points; shown as (worst error / tolerance) ≤ 1.  ``call``: the library call in LaTeX
        (``\\texttt{rate}(h, \\eta, \\lambda)``); ``shows`` defaults to ``agreement.agreement_tex(call, n)``."""
        ok, n, worst = agreed
        if call and not shows:
            from optproof.mathcore.agreement import agreement_tex

            shows = agreement_tex(call, n)
        self.steps.append(Step(f"{why}: float branch = SymPy branch at {n} points (worst error/tolerance <= 1)",
                               sp.Float(worst, 3), sp.Integer(1), bool(ok), shows))
        return self

    @property
    def holds(self) -> bool:
        return bool(self.steps) and all(s.verified for s in self.steps)

    def summary(self, shows: bool = False) -> str:
        """Terminal text: verdict, assumptions, one line per step (its ``why``); with ``shows`` each step's
        statement (LaTeX) follows on an indented line."""
        lines = [f"{'PROVEN' if self.holds else 'NOT PROVEN'}: {self.statement}"]
        if self.assumptions:
            lines.append(f"  assuming {self.assumptions}")
        for i, s in enumerate(self.steps, 1):
            lines.append(f"  {i}. [{'ok' if s.verified else 'FAILED'}] {s.why}")
            if shows and s.shows:
                lines.append(f"       {s.shows}")
        return "\n".join(lines)
