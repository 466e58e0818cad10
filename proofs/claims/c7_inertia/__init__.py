"""C7 (seed 2): momentum adds inertia — it keeps moving where the gradient is small and rolls over small minima.

This package holds the claim record only; its checks live in ``checks.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims.c7_inertia import checks

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C7",
    title="Momentum adds inertia: it crosses plateaus faster and rolls over small local minima",
    section="2",
    statement=r"T_\lambda(D)/T_0(D) \to 1-\lambda\ \text{(terminal velocity}\ \tfrac{\eta g}{1-\lambda});\ "
              r"\text{heavy ball rolls over a bump iff}\ \tfrac12 v_0^2 \gtrsim \eta f(\theta_{\max});\ "
              r"\text{GD } (\lambda=0) \text{ stops in it}",
    checks=checks.CHECKS,
    notes="The saddle-escape checks (heavy ball escapes a strict saddle faster than SGD) are part of claim C3 "
          "(proofs/claims/c3_noise_and_saddle/saddle.py).",
    sources=(
        "optproof.mathcore.inertia:prove_crossing_ratio", "optproof.mathcore.inertia:prove_energy_identity",
        "optproof.mathcore.inertia:crossing_step", "optproof.mathcore.inertia:critical_depth",
        "optproof.mathcore.inertia:terminal_velocity", "optproof.sim:simulate", "optproof.sim:FiniteSum",
        "tests/test_inertia.py", "tests/test_catalog.py"),
)
