"""The optimizer conformance checker (issue 3, claim C9 conventions).

``check(factory, ref)`` lets Hypothesis search for a scenario (parameters of several shapes,
gradient streams with zeros, tiny and huge values and missing gradients, lr schedules that
change mid-run) on which the implementation and the reference disagree beyond a tolerance
derived from floating-point arithmetic, and shrinks it to a minimal counterexample.
``identify(factory)`` names the conventions (with hyperparameters) an implementation follows.
``check_groups(torch_optimizer_class)`` adds param groups, late groups and mixed dtypes.
"""
from optproof.proofs.conformance.check import CheckResult, assert_conforms, check
from optproof.proofs.conformance.groups import check_groups
from optproof.proofs.conformance.identify import Identification, Match, identify
from optproof.proofs.conformance.matrix import conformance_matrix
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.report import Counterexample

__all__ = ["Reference", "check", "check_groups", "identify", "assert_conforms", "CheckResult", "Counterexample",
           "Identification", "Match", "conformance_matrix"]
