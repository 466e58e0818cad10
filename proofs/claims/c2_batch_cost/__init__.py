"""C2 (seed 1.1, 1.2): batches lower the cost of one gradient and let parallel hardware speed up an epoch.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c2_batch_cost import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C2",
    title="Batches lower the cost per gradient and make an epoch faster",
    section="1.1",
    statement=r"E(B) = \lceil N/B\rceil\,(t_0 + c\lceil B/P\rceil) \ge \frac{Nt_0}{B} + \frac{Nc}{P},\ "
              r"\frac{dE}{dB} < 0",
    checks=checks.CHECKS,
    notes="The simulator is serial inside a batch and parallel across trajectories; P is the measured "
          "trajectory-level speed-up from 1 to 2 threads.",
)
