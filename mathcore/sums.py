"""Symbolic finite sums: geometric sums with the ``x = 1`` limit, and an exact checker for
identities between linear combinations of ``Sum``s with symbolic limits.

Serves the symbolic proofs of claims C5 (batch moments, epoch identity) and C8/C9 (momentum
closed forms): every induction step there is an identity between sums whose upper limit is a
*symbol* (``t``, ``N``, ``K``), which ``sums_equal`` verifies without expanding any sum.

Rules ``sums_equal`` uses (each exact, under SymPy's Karr convention
``Σ_{k=a}^{b} f = F(b+1) − F(a)``, which holds for every pair of integer limits):

1. linearity: ``c·Σ_{k=a}^{b} f(k) = Σ_{k=a}^{b} c·f(k)`` when ``c`` does not depend on ``k``;
   sums with the same limits are merged into one sum of the combined summand;
2. constants: ``Σ_{k=a}^{b} c = (b − a + 1)·c``;
3. peeling: ``Σ_{k=a}^{b+n} f = Σ_{k=a}^{b} f + Σ_{m=1}^{n} f(b+m)`` for an integer ``n ≥ 1``
   (used to align upper limits ``t`` and ``t + 1``);
4. a sum whose combined summand is identically zero (checked recursively) vanishes.

The check is sufficient, not necessary: ``False`` means "not shown", never "shown unequal".
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import sympy as sp

from optproof.mathcore.proof import Proof, equal
from optproof.base.validation import check_int, check_real

__all__ = [
    "geometric_sum",
    "geometric_sum_branches",
    "geometric_sum_numeric",
    "geometric_sums_numeric",
    "sums_equal",
    "prove_geometric_sum",
]

_MAX_PEEL = 16  # largest integer gap between upper limits that rule 3 closes


def geometric_sum(x: Any, n: Any) -> sp.Expr:
    """``G(n) = Σ_{j=0}^{n−1} x^j`` = ``Piecewise((n, Eq(x, 1)), ((1 − x^n)/(1 − x), True))``.

    The ``x = 1`` limit is a branch, not a division by zero.  (C9: momentum weights.)
    """
    x, n = sp.sympify(x), sp.sympify(n)
    return sp.Piecewise((n, sp.Eq(x, 1)), ((1 - x**n) / (1 - x), True))


def geometric_sum_branches(x: Any, n: Any) -> tuple[sp.Expr, sp.Expr]:
    """The two branches of ``geometric_sum``: ``(n, (1 − x^n)/(1 − x))`` for ``x = 1`` and ``x ≠ 1``."""
    x, n = sp.sympify(x), sp.sympify(n)
    return n, (1 - x**n) / (1 - x)


def geometric_sum_numeric(x: float, n: int) -> float:
    """Float ``Σ_{j<n} x^j`` for ``x ∈ [0, 1]``, accurate near ``x = 1``.

    For ``1/2 ≤ x < 1`` both ``1 − x`` and ``x − 1`` are exact (Sterbenz), so
    ``−expm1(n·log1p(x − 1))/(1 − x)`` has relative error of a few ulps times ``(1 + n|log x|)``;
    no cancellation occurs.  For ``x < 1/2``, ``(1 − x^n)/(1 − x)`` directly (``x^n ≤ 2^−n``).
    ``x = 1`` gives ``n``; ``x = 0`` gives ``1`` for ``n ≥ 1``.
    """
    x = check_real("x", x, 0.0, 1.0)
    n = check_int("n", n, 0)
    if n == 0:
        return 0.0
    if x == 1.0:
        return float(n)
    if x < 0.5:  # x^n <= 2^-n: no cancellation in 1 - x^n
        return (1.0 - x**n) / (1.0 - x)
    return -math.expm1(n * math.log1p(x - 1.0)) / (1.0 - x)


def _outer_limit(s: sp.Sum) -> tuple[sp.Symbol, Any, Any, sp.Expr]:
    """``(k, a, b, f)`` with ``s = Σ_{k=a}^{b} f`` for the outermost index (multi-limit sums nest)."""
    k, a, b = s.limits[-1]
    inner = sp.Sum(s.function, *s.limits[:-1]) if len(s.limits) > 1 else s.function
    return k, a, b, inner


def geometric_sums_numeric(x: float, n_max: int) -> np.ndarray:
    """``[G(1), …, G(n_max)]`` with ``G(n) = Σ_{j<n} x^j`` for ``x ∈ [0, 1]``, vectorised, same branches and
    accuracy as ``geometric_sum_numeric`` (``x = 1``: ``n``; ``x ≥ ½``: expm1/log1p, no cancellation)."""
    x = check_real("x", x, 0.0, 1.0)
    n = np.arange(1, check_int("n_max", n_max, 0) + 1, dtype=np.float64)
    if x == 1.0:
        return n
    if x < 0.5:
        return (1.0 - x**n) / (1.0 - x)
    return -np.expm1(n * math.log1p(x - 1.0)) / (1.0 - x)


def _dummy(depth: int) -> sp.Symbol:
    return sp.Symbol(f"_k{depth}", integer=True)


def _split_sum_factor(term: sp.Expr) -> tuple[sp.Sum | None, sp.Expr]:
    """Return ``(S, c)`` with ``term = c·S`` for the first ``Sum`` factor ``S`` (or a power of one)."""
    factors = list(sp.Mul.make_args(term))
    for pos, f in enumerate(factors):
        if isinstance(f, sp.Sum):
            rest = factors[:pos] + factors[pos + 1 :]
            return f, sp.Mul(*rest)
        if isinstance(f, sp.Pow) and isinstance(f.base, sp.Sum) and f.exp.is_Integer and f.exp > 1:
            rest = factors[:pos] + [f.base ** (f.exp - 1)] + factors[pos + 1 :]
            return f.base, sp.Mul(*rest)
    return None, term


def _align_upper_limits(expr: sp.Expr) -> sp.Expr:
    """Rule 3: peel sums whose (outermost) upper limit exceeds another sum's by an integer."""
    sums = list(expr.atoms(sp.Sum))
    repl = {}
    for s in sums:
        k, a, b, inner = _outer_limit(s)
        for other in sums:
            _, a2, b2, _ = _outer_limit(other)
            gap = sp.simplify(b - b2)
            if a2 == a and gap.is_Integer and 0 < gap <= _MAX_PEEL:
                tail = sum(inner.subs(k, b2 + m) for m in range(1, int(gap) + 1))
                repl[s] = sp.Sum(inner, (k, a, b2)) + tail
                break
    return expr.xreplace(repl) if repl else expr


def _normal_form(expr: sp.Expr, depth: int) -> tuple[dict, sp.Expr]:
    """Group ``expr`` into ``{(a, b): summand in _k<depth>}`` plus a sum-free-at-top remainder."""
    groups: dict[tuple, sp.Expr] = {}
    rest = sp.Integer(0)
    d = _dummy(depth)
    for term in sp.Add.make_args(sp.expand(expr)):
        s, coeff = _split_sum_factor(term)
        if s is None:
            rest += term
            continue
        k, a, b, inner = _outer_limit(s)
        summand = inner.xreplace({k: d}) * coeff
        groups[(a, b)] = groups.get((a, b), 0) + summand
    for (a, b), f in list(groups.items()):
        dep, const = sp.Integer(0), sp.Integer(0)
        for part in sp.Add.make_args(sp.expand(f)):
            if d in part.free_symbols:
                dep += part
            else:
                const += part
        rest += (b - a + 1) * const  # rule 2
        groups[(a, b)] = dep
    return groups, rest


def _plain_zero(expr: sp.Expr) -> bool:
    if equal(expr, 0):
        return True
    for method in (sp.combsimp, sp.gammasimp, lambda e: sp.expand_power_exp(sp.expand(e))):
        if sp.simplify(method(expr)) == 0:
            return True
    return False


def _vanishes(expr: sp.Expr, depth: int = 0, rounds: int = 4) -> bool:
    expr = _align_upper_limits(sp.sympify(expr))
    groups, rest = _normal_form(expr, depth)
    for _ in range(rounds):  # constants pulled out of one sum may be sums themselves: renormalise
        rebuilt = rest + sum(sp.Sum(f, (_dummy(depth), a, b)) for (a, b), f in groups.items() if f != 0)
        new_groups, new_rest = _normal_form(_align_upper_limits(rebuilt), depth)
        if new_groups == groups and sp.expand(new_rest - rest) == 0:
            break
        groups, rest = new_groups, new_rest
    if not all(f == 0 or _vanishes(f, depth + 1) for f in groups.values()):
        return False
    return _plain_zero(rest) or _plain_zero(rest.doit())


def sums_equal(lhs: Any, rhs: Any, given: Mapping[Any, Any] | None = None) -> bool:
    """Exact check that ``lhs = rhs`` for symbolic sum limits (rules 1–4 of the module docstring).

    ``given`` substitutes known values of sub-expressions first, e.g. ``{Sum(a[i], (i, 1, N)): 0}``
    for centred data; keys are matched after both sides are written in the same normal form.
    """
    diff = sp.sympify(lhs) - sp.sympify(rhs)
    if given:
        diff = _substitute_given(diff, given)
    if diff == 0 or _vanishes(diff):
        return True
    return equal(diff, 0)


def _canonical(expr: sp.Expr) -> sp.Expr:
    groups, rest = _normal_form(expr, 0)
    return rest + sum(sp.Sum(f, (_dummy(0), a, b)) for (a, b), f in groups.items())


def _substitute_given(expr: sp.Expr, given: Mapping[Any, Any]) -> sp.Expr:
    expr = sp.sympify(expr)
    for key, value in given.items():
        key = sp.sympify(key)
        if isinstance(key, sp.Sum):
            canon = _canonical(key)
            expr = expr.replace(lambda e: isinstance(e, sp.Sum) and _canonical(e) == canon, lambda e: value)
        else:
            expr = expr.subs(key, value)
    return expr


# --------------------------------------------------------------------------- proofs
def prove_geometric_sum() -> Proof:
    """``Σ_{j=0}^{n−1} x^j = G(n)`` for symbolic ``n ≥ 0``, both branches, by induction on ``n``.

    Base ``n = 0``: empty sum = 0 = G(0).  Step: peel ``x^n`` off ``Σ_{j=0}^{n}`` and use
    ``G(n+1) = G(n) + x^n`` (checked for ``x = 1`` and for ``x ≠ 1``).  Also ``G(n+1) = 1 + x·G(n)``.
    The branches are the library's ``geometric_sum_branches``; the last step compares ``geometric_sum``
    with SymPy's summation of the same sum.
    """
    x = sp.Symbol("x", nonnegative=True)
    n = sp.Symbol("n", integer=True, nonnegative=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    proof = Proof(r"\sum_{j=0}^{n-1} x^j = G(n) = \begin{cases} n & x=1\\ \frac{1-x^n}{1-x} & x\neq 1\end{cases}",
                  assumptions="n integer >= 0, x >= 0")
    partial = sp.Sum(x**j, (j, 0, n - 1))
    proof.step("base case n = 0: the empty sum is 0", partial.subs(n, 0), 0, shows=r"\sum_{j=0}^{-1} x^j = 0")
    branches = geometric_sum_branches(x, n)
    for label, base, G, tex, cond in (("x = 1", sp.Integer(1), branches[0], "n", "x = 1"),
                                      ("x != 1", x, branches[1], r"\frac{1 - x^n}{1 - x}", r"x \neq 1")):
        at = rf",\ G(n) = {tex},\ {cond}"
        proof.step(f"base case of G ({label}): G(0) = 0, the empty sum", sp.Subs(G, n, 0), 0, shows=r"G(0) = 0" + at)
        proof.step(f"induction step ({label}): G(n+1) = G(n) + x^n, the sum's last term added", sp.Subs(G, n, n + 1),
                   G + base**n, shows=r"G(n+1) = G(n) + x^n" + at)
        proof.step(f"the recursion G(n+1) = 1 + x G(n) ({label}): the sum with its first term split off",
                   sp.Subs(G, n, n + 1), 1 + base * G, shows=r"G(n+1) = 1 + x\,G(n)" + at)
    step_sum = sp.Sum(x**j, (j, 0, n))
    proof.step("peel the last term: sum_{j=0}^{n} x^j = sum_{j=0}^{n-1} x^j + x^n (sums_equal, symbolic n)", step_sum,
               partial + x**n, verified=sums_equal(step_sum, partial + x**n),
               shows=r"\sum_{j=0}^{n} x^j = \sum_{j=0}^{n-1} x^j + x^n")
    lib, summed = geometric_sum(x, n), partial.doit()
    proof.step("the library's geometric_sum(x, n) is the sum, as SymPy's own summation evaluates it (branch by "
               "branch; the induction above proves the same branches)", lib, partial,
               verified=len(lib.args) == len(summed.args) and all(
                   a.cond == b.cond and equal(a.expr, b.expr) for a, b in zip(lib.args, summed.args)),
               shows=r"\texttt{geometric\_sum}(x, n) = \sum_{j=0}^{n-1} x^j")
    return proof
