"""C8 (seed 2.1): vanilla GD θ_t = θ_{t−1} − η g_t stops where the gradient is zero.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c8_gradient_descent import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C8",
    title="Vanilla gradient descent stops where the gradient is zero",
    section="2.1",
    statement=r"\theta_t = \theta_{t-1} - \eta g_t;\quad g(\theta^*) = 0 \Rightarrow \theta_t = \theta^*\ \forall t",
    checks=checks.CHECKS,
    sources=(
        "optproof.mathcore.momentum:prove_gd_fixed_point", "optproof.mathcore.momentum:heavy_ball_step",
        "optproof.sim:simulate", "optproof.sim:SGD", "tests/test_momentum_closed_form.py", "tests/test_catalog.py"),
)
