"""Every Proof the catalog produces (issue 15): no step states a bare symbol equal to itself.

SymPy evaluates (and caches) expressions when they are built, so a step's two sides are often the same
object after a real computation (``det A`` evaluates to ``λ``); object identity therefore cannot tell a
tautology from a derivation.  What can be told apart is a step whose two sides are the same bare symbol
(``B = B``, ``∇L = ∇L``): those are listed below when the left side is *computed* from the library's
own functions (checked by reading each one); any new one fails this test.
"""
from __future__ import annotations

import sympy as sp
import pytest

from optproof.mathcore.proof import Proof
from optproof.proofs.claims import CLAIMS

#: (prover name, step number): a bare symbol on both sides, the left side computed (reviewed).
COMPUTED_TO_A_SYMBOL = {
    ("prove_noisy_recursion", 4),  # z1 z2 from the roots of p
    ("prove_plateau_position", 1), ("prove_plateau_position", 3),  # plateau_position(0) evaluated
    ("prove_gd_fixed_point", 3), ("prove_gd_fixed_point", 5),  # heavy_ball_step at the fixed point
    ("prove_velocity_closed_form", 1),  # velocity_closed_form at t = 0
    ("prove_position_closed_form", 4), ("prove_position_closed_form", 5), ("prove_position_closed_form", 11),
    ("prove_constant_gradient", 4), ("prove_constant_gradient", 6),  # closed forms at t = 0
    ("prove_characteristic_polynomial", 4),  # det of transition_matrix
    ("prove_convergence_region", 6),  # characteristic_polynomial at z = 0
    ("prove_rate", 2),  # z conj(z) expanded
}


def _provers():
    seen = {}
    for claim in CLAIMS:
        for check in claim.checks:
            for p in getattr(check.fn, "provers", None) or ():
                name = getattr(p, "__name__", None) or p.func.__name__
                seen.setdefault((name, repr(getattr(p, "args", ()))), p)
    return seen


PROVERS = _provers()


@pytest.fixture(scope="module")
def proofs() -> dict:
    return {key: p() for key, p in PROVERS.items()}


def _bare(x) -> bool:
    return isinstance(x, (sp.Symbol, sp.Indexed))


def test_every_catalog_proof_holds_and_has_steps(proofs):
    assert len(proofs) >= 40
    for key, proof in proofs.items():
        assert isinstance(proof, Proof) and proof.steps, key
        assert proof.holds, (key, proof.summary())


def test_no_step_states_a_bare_symbol_equal_to_itself(proofs):
    offenders = [(name, i, s.why) for (name, _), proof in proofs.items() for i, s in enumerate(proof.steps, 1)
                 if _bare(s.lhs) and s.lhs == s.rhs and (name, i) not in COMPUTED_TO_A_SYMBOL]
    assert not offenders, offenders


def test_no_step_is_a_python_evaluated_constant_pair(proofs):
    """Both sides plain Python numbers means Python, not SymPy, did the work (the old ``0**2``)."""
    offenders = [(name, i, s.why) for (name, _), proof in proofs.items() for i, s in enumerate(proof.steps, 1)
                 if isinstance(s.lhs, (int, float)) and isinstance(s.rhs, (int, float))]
    assert not offenders, offenders
