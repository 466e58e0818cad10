"""C1 (seed 1.1): mini-batches of size B, epochs, reshuffling before every epoch.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c1_sampling import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C1",
    title="Mini-batches, epochs, and reshuffling before every epoch",
    section="1.1",
    statement=r"\text{epoch} = \pi(0..N-1)\ \text{cut into}\ \lceil N/B\rceil\ (\text{or}\ \lfloor N/B\rfloor)"
              r"\ \text{batches};\ \text{each example once per epoch};\ P(\text{batch}=S)=\binom{N}{b}^{-1}",
    checks=checks.CHECKS,
    sources=(
        "optproof.mathcore.sampling:prove_epoch_partition", "optproof.mathcore.sampling:prove_uniform_batches",
        "optproof.mathcore.batching:epoch_batch_sizes", "optproof.sim:Sampler", "optproof.sim:epoch_order",
        "tests/test_sim_samplers.py", "tests/test_batches_loader.py", "tests/test_catalog.py"),
)
