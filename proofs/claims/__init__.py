"""The claim catalog, one module per claim of MISSION.md (ids C1..C9)."""
from __future__ import annotations

from optproof.proofs.claims import (c1_sampling, c2_batch_cost, c3_noise, c4_batch_gradients, c5_batch_losses,
                           c6_flat_minima, c7_inertia, c8_gradient_descent, c9_momentum)

CLAIMS = (c1_sampling.CLAIM, c2_batch_cost.CLAIM, c3_noise.CLAIM, c4_batch_gradients.CLAIM, c5_batch_losses.CLAIM,
          c6_flat_minima.CLAIM, c7_inertia.CLAIM, c8_gradient_descent.CLAIM, c9_momentum.CLAIM)


def statistical_alpha_total() -> float:
    """Sum of the false-failure shares of all Monte Carlo checks (must be <= proofs.stats.SUITE_ALPHA)."""
    return sum(chk.alpha for claim in CLAIMS for chk in claim.checks)
