"""C9 (seed 2.2): momentum is a decayed sum of all past gradients.

This package holds the claim record only; its checks live in ``closed_form.py``, ``conventions.py``,
``quadratic_exact.py``, ``quadratic_region.py`` and ``quadratic_noise.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims._common import by_kind
from optproof.proofs.claims.c9_momentum import (closed_form, conventions, quadratic_exact, quadratic_noise,
                                                quadratic_region)

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C9",
    title="Momentum: a decayed sum of all past gradients",
    section="2.2",
    statement=r"m_t = \lambda m_{t-1} - \eta g_t,\ \theta_t = \theta_{t-1} + m_t \;\Rightarrow\; "
              r"m_t = \lambda^t m_0 - \eta\sum_{k=1}^{t}\lambda^{t-k} g_k,\ "
              r"m_t \to -\frac{\eta g}{1-\lambda}\ \text{under a constant gradient}",
    checks=by_kind(closed_form.CHECKS, conventions.CHECKS, quadratic_exact.CHECKS, quadratic_region.CHECKS,
                   quadratic_noise.CHECKS),
    notes="Also part of this claim: the conventions of PyTorch, Keras/Sutskever, optax and the EMA form and the "
          "exact maps between them (docs/conformance.md); heavy ball on quadratics (convergence region, rate, "
          "critical damping, Polyak's optimum, closed-form trajectories) and its exact moments under additive "
          "gradient noise.",
    sources=(
        "optproof.mathcore.momentum:prove_velocity_closed_form",
        "optproof.mathcore.momentum:prove_position_closed_form", "optproof.mathcore.momentum:velocities",
        "optproof.mathcore.conventions:convention_proofs", "optproof.mathcore.quadratic_proofs:prove_convergence_region",
        "optproof.mathcore.quadratic:polyak_parameters", "optproof.mathcore.noise:moments",
        "optproof.mathcore.noise:stationary_variance", "optproof.proofs.conformance:check", "optproof.sim:simulate",
        "optproof.sim:heavy_ball_stream", "tests/test_momentum_closed_form.py", "tests/test_conventions.py",
        "tests/test_quadratic.py", "tests/test_noise_moments.py", "tests/test_claims_quadratic.py",
        "tests/test_conformance.py", "tests/test_catalog.py"),
)
