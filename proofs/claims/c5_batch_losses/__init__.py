"""C5 (seed 1.3): mini-batch losses average to the full loss, with the variance the sampler implies.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c5_batch_losses import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C5",
    title="Mini-batch losses average to the full loss",
    section="1.3",
    statement=r"\mathbb{E}[L_B] = L,\ \mathrm{Var}[L_B] = \frac{N-B}{N-1}\frac{\sigma^2}{B}\ "
              r"(\text{with replacement } \frac{\sigma^2}{B}),\ \sum_k \frac{b_k}{N} L_{B_k} = L",
    checks=checks.CHECKS,
    sources=(
        "optproof.mathcore.batching_proofs:prove_unbiased", "optproof.mathcore.batching_proofs:prove_variance",
        "optproof.mathcore.batching_proofs:prove_unweighted_bias", "optproof.mathcore.batching:batch_loss_variance",
        "optproof.mathcore.batching:exact_batch_moments", "optproof.mathcore.batching:unweighted_epoch_bias",
        "optproof.sim:simulate", "optproof.sim:epoch_order", "tests/test_batching_math.py", "tests/test_catalog.py"),
)
