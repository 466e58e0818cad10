"""The claim catalog: one package per claim of MISSION.md (ids C1..C9), assembled here into ``CLAIMS``.

Each package ``proofs/claims/cN_<topic>/`` holds the ``Claim`` record in its ``__init__.py`` and
its check functions in the modules beside it; ``_common.py`` has the builders they share.
"""
from __future__ import annotations

from optproof.proofs.claims import (c1_sampling, c2_batch_cost, c3_noise_and_saddle, c4_batch_gradients,
                                    c5_batch_losses, c6_flat_minima, c7_inertia, c8_gradient_descent, c9_momentum)

__all__ = ["CLAIMS", "BUILTIN", "statistical_alpha_total"]

CLAIMS = tuple(pkg.CLAIM for pkg in (c1_sampling, c2_batch_cost, c3_noise_and_saddle, c4_batch_gradients,
                                     c5_batch_losses, c6_flat_minima, c7_inertia, c8_gradient_descent, c9_momentum))
# the same tuple under a name tests do not replace: ``proofs.runner`` sends only these checks to its
# worker processes (which import the catalog afresh), by position
BUILTIN = CLAIMS


def statistical_alpha_total() -> float:
    """Sum of the false-failure shares of all Monte Carlo checks (must be <= proofs.stats.SUITE_ALPHA)."""
    return sum(chk.alpha for claim in CLAIMS for chk in claim.checks)
