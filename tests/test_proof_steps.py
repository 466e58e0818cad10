"""Every Proof the catalog's symbolic checks produce (issue 15): its steps state real, displayable comparisons.

One case per (prover, arguments) the catalog runs -- the ``provers`` of every ``proof_check`` (``partial``
arguments included) and the convention theorems of C9's ``symbolic_conventions`` -- and four rules:

1. the proof holds (every step verified, at least one step);
2. every step has a non-empty ``shows`` (the statement before evaluation) that ``latex2mathml`` converts
   (the report renders it as MathML);
3. no step compares an object with itself: ``srepr(lhs) != srepr(rhs)``, for tuples and matrices the
   tuple of entry-wise ``srepr``s.  SymPy evaluates when an expression is built, so a computation whose
   result is already in canonical form (``det A`` gives ``λ``) would look like ``λ = λ``; such a step records
   the computation itself, unevaluated (``Determinant(A)``, ``Subs(p, z, 1)``, ``Limit``, the difference
   before simplification), which ``equal`` evaluates -- the step then shows what was computed, not its result
   twice.  No allow-list: a new tautology fails;
4. the LAST step compares with a public function of the library, stated mechanically as: its ``shows``
   contains ``\\texttt{name}`` (the notation the report uses for library functions, ``_`` written ``\\_``)
   for a callable ``name`` in the ``__all__`` of some ``optproof.mathcore`` module that is not itself a
   prover (``prove_*``).  That the step really evaluates the function is checked by reading the prover;
   this rule catches a proof whose chain ends in algebra without ever reaching the library.

Cases for modules whose steps are not yet annotated fail; nothing is marked xfail for that.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import pytest
import sympy as sp
from latex2mathml.converter import convert

import optproof.mathcore as mathcore_pkg
from optproof.mathcore.proof import Proof
from optproof.proofs.claims import CLAIMS

#: Symbolic checks that build their proofs in the check function instead of listing ``provers``.
BUILT_IN_CHECK = {"symbolic_conventions": ("optproof.mathcore.conventions", "convention_proofs")}


def _label(p) -> str:
    fn = getattr(p, "func", p)
    args = ", ".join(repr(a) for a in getattr(p, "args", ()))
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}({args})"


def _cases() -> dict:
    """``{id: zero-argument callable returning a Proof}`` for every proof a symbolic check runs."""
    cases = {}
    for claim in CLAIMS:
        for check in claim.checks:
            if check.kind != "symbolic":
                continue
            provers = getattr(check.fn, "provers", None)
            if provers:
                for p in provers:
                    cases.setdefault(_label(p), p)
                continue
            mod, name = BUILT_IN_CHECK[check.fn.__name__]  # KeyError: a new kind of symbolic check
            for key in getattr(importlib.import_module(mod), name)():
                cases.setdefault(f"{mod.rsplit('.', 1)[-1]}.{name}[{key}]",
                                 lambda key=key, mod=mod, name=name: getattr(importlib.import_module(mod), name)()[key])
    return cases


CASES = _cases()


@lru_cache(maxsize=None)
def _proof(case: str) -> Proof:
    return CASES[case]()


def _library_functions() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(mathcore_pkg.__path__):
        mod = importlib.import_module(f"optproof.mathcore.{info.name}")
        names |= {n for n in getattr(mod, "__all__", ()) if callable(getattr(mod, n, None)) and not n.startswith("prove")
                  and not isinstance(getattr(mod, n), type)}
    return names


LIBRARY = _library_functions()


def _reprs(x):
    if isinstance(x, (tuple, list, sp.Tuple)):
        return tuple(_reprs(v) for v in x)
    if isinstance(x, sp.MatrixBase):
        return (x.shape, tuple(_reprs(v) for v in x))
    try:
        return sp.srepr(sp.sympify(x))
    except (sp.SympifyError, TypeError):
        return repr(x)


def test_the_catalog_runs_many_proofs():
    assert len(CASES) >= 40, sorted(CASES)


def test_library_functions_found():
    assert {"stationary_variance", "rate", "geometric_sum"} <= LIBRARY


@pytest.mark.parametrize("case", sorted(CASES))
def test_proof_holds(case):
    proof = _proof(case)
    assert isinstance(proof, Proof) and proof.steps, case
    assert proof.holds, proof.summary()


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_step_shows_a_statement_that_renders(case):
    bad = []
    for i, s in enumerate(_proof(case).steps, 1):
        if not s.shows.strip():
            bad.append((i, s.why, "no shows"))
            continue
        try:
            convert(s.shows)
        except Exception as exc:  # noqa: BLE001 -- any converter failure is a rendering failure
            bad.append((i, s.shows, f"latex2mathml: {exc!r}"))
    assert not bad, bad


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_step_compares_an_object_with_itself(case):
    bad = [(i, s.why) for i, s in enumerate(_proof(case).steps, 1) if _reprs(s.lhs) == _reprs(s.rhs)]
    assert not bad, bad


@pytest.mark.parametrize("case", sorted(CASES))
def test_last_step_compares_with_a_library_function(case):
    last = _proof(case).steps[-1]
    named = {n for n in LIBRARY if rf"\texttt{{{n.replace('_', chr(92) + '_')}}}" in last.shows}
    assert named, (last.why, last.shows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_step_is_a_python_evaluated_constant_pair(case):
    """Both sides plain Python numbers means Python, not SymPy, did the work (the old ``0**2``)."""
    bad = [(i, s.why) for i, s in enumerate(_proof(case).steps, 1)
           if isinstance(s.lhs, (int, float)) and isinstance(s.rhs, (int, float))]
    assert not bad, bad
