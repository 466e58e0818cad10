"""Tie a closed form's float branch to its proven SymPy branch (issue 15, all claims).

A public closed form ``f`` answers SymPy input with the expression the proofs verify and float
input with a NumPy/float formula.  ``float_branch_agrees`` evaluates ``f`` at SymPy symbols once,
substitutes each test point exactly (``Rational``) and compares with ``f`` at the same point in
floats::

    |f_float(x) − f_sym(x)| ≤ rtol·|f_sym(x)| + atol     for every point x

The points are chosen by the caller to include the regime edges (τ < 0, Δ = 0, λ → 1, B = N).
``rtol = 1e-9`` is far above the float error of these few-operation formulas (≲ 100 u ≈ 2e-14,
except ``√`` near ``Δ = 0`` where it is ``√(16u)·S`` ≈ 1e-7·S, see ``quadratic.rate``: callers pass
a larger ``atol`` there) and far below a planted 2% error.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import sympy as sp

__all__ = ["float_branch_agrees", "agreement_tex"]


def _exact(v: Any) -> sp.Expr:
    return sp.nsimplify(v, rational=True) if isinstance(v, float) else sp.sympify(v)


def _value(expr: Any, point: dict) -> Any:
    if isinstance(expr, sp.Basic) and expr.is_Boolean:
        return bool(expr.subs(point))
    return complex(sp.N(sp.sympify(expr).subs(point), 30))


def float_branch_agrees(fn: Callable[..., Any], symbols: Sequence[sp.Symbol], points: Iterable[Sequence[Any]],
                        rtol: float = 1e-9, atol: float = 1e-12, symbolic: Any = None,
                        numeric: Callable[[Any], Any] = float) -> tuple[bool, int, float]:
    """``(all agree, number of points, worst error/(rtol·|exact| + atol))``: ``fn(*floats)`` against
    ``fn(*symbols)`` substituted exactly.  Booleans (e.g. ``converges``) must be equal (worst 0 or inf).

    ``symbolic`` replaces ``fn(*symbols)`` for a float-only ``fn`` (the proof's own SymPy expression);
    ``numeric`` converts each coordinate for the float call (``int`` for sizes such as ``N, B``).
    """
    symbolic = fn(*symbols) if symbolic is None else symbolic
    n, ok, worst = 0, True, 0.0
    for pt in points:
        n += 1
        exact = _value(symbolic, dict(zip(symbols, map(_exact, pt))))
        got = fn(*(numeric(v) for v in pt))
        if isinstance(exact, bool):
            same = bool(got) == exact
            ok &= same
            worst = max(worst, 0.0 if same else float("inf"))
        else:
            ratio = abs(complex(got) - exact) / (rtol * abs(exact) + atol)
            ok &= ratio <= 1.0
            worst = max(worst, ratio)
    return bool(ok), n, worst


def agreement_tex(call: str, n_points: int) -> str:
    """LaTeX of the statement a ``float_branch_agrees`` step proves, for ``Proof.check(..., shows=...)``:
    the worst error over the ``n_points`` points, in units of the tolerance ``rtol·|f_SymPy| + atol``, is ≤ 1.
    ``call`` is the library call in LaTeX, e.g. ``\\texttt{rate}(h, \\eta, \\lambda)``."""
    return (r"\max_{x \in P} \frac{|f_{\mathrm{float}}(x) - f_{\mathrm{SymPy}}(x)|}{\mathrm{tol}(x)} \le 1,\ "
            rf"f = {call},\ |P| = {n_points}")
