"""C4 (seed 1.3): every batch has its own loss L_B; where ∇L = 0 a batch gradient need not be.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c4_batch_gradients import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C4",
    title="Each batch has its own loss; where one gradient vanishes another does not",
    section="1.3",
    statement=r"L_B(\theta)=\frac{1}{|B|}\sum_{i\in B}\ell_i(\theta),\ \sum_k\frac{b_k}{N}\nabla L_{B_k}=\nabla L,\ "
              r"\nabla L(\theta^*)=0\Rightarrow \mathbb{E}\|\theta_1-\theta^*\|^2=\eta^2\frac{N-B}{N-1}"
              r"\frac{\mathrm{tr}\,\Sigma(\theta^*)}{B}",
    checks=checks.CHECKS,
    sources=(
        "optproof.mathcore.batching_proofs:prove_epoch_identity", "optproof.mathcore.batching_proofs:prove_unbiased",
        "optproof.mathcore.batching_proofs:prove_stationary_point_moves",
        "optproof.mathcore.batching:stationary_step_second_moment",
        "optproof.mathcore.minibatch_noise:per_example_gradient_covariance", "optproof.sim:simulate",
        "tests/test_batching_math.py", "tests/test_catalog.py"),
)
