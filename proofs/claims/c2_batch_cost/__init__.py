"""C2 (seed 1.1, 1.2): batches lower the cost of one gradient and let parallel hardware speed up an epoch.

This package holds the claim record only; its checks live in ``counts.py`` (the verdict: exact counts)
and ``timing.py`` (wall and CPU time, reported as measurements)."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims._common import by_kind
from optproof.proofs.claims.c2_batch_cost import counts, timing

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C2",
    title="Batches lower the cost per gradient and make an epoch faster",
    section="1.1",
    statement=r"E(B) = \lceil N/B\rceil\,(t_0 + c\lceil B/P\rceil) \ge \frac{Nt_0}{B} + \frac{Nc}{P},\ "
              r"\frac{dE}{dB} < 0",
    checks=by_kind(counts.CHECKS, timing.CHECKS),
    notes="Decided on exact counts of the simulator's work (updates, gradient evaluations, floating-point "
          "operations per epoch, and the critical path with P parallel lanes), never on timings; the measured "
          "thread-CPU time per update and per epoch is reported beside them with its interval and the machine.",
    sources=("optproof.mathcore.cost:epoch_time", "optproof.mathcore.cost:epoch_work",
             "optproof.mathcore.cost:epoch_span", "optproof.mathcore.cost:prove_cost_model",
             "optproof.sim:simulate", "optproof.sim:batch_indices", "tests/test_batch_cost.py",
             "tests/test_catalog.py"),
)
