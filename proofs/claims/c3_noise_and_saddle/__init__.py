"""C3 (seed 1.2, 1.3): full batch gives the exact, stable gradient; a small batch a noisy one.

This package holds the claim record only; its checks live in ``noise.py``, ``saddle.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims._common import by_kind
from optproof.proofs.claims.c3_noise_and_saddle import noise, saddle

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C3",
    title="Full batch: exact, stable, stuck at saddles; small batch: noisy, escapes",
    section="1.2",
    statement=r"\mathrm{Cov}[\nabla L_B(\theta)] = \frac{N-B}{N-1}\frac{\Sigma(\theta)}{B}\ (=0\ \text{at}\ B=N);\ "
              r"\text{at a strict saddle GD stays, SGD escapes:}\ \mathbb{E}[y_t^2] = \eta^2 s^2\sum_{n\le t} S_n^2",
    checks=by_kind(noise.CHECKS, saddle.CHECKS),
    notes="Two parts: the gradient noise that small batches add (exact covariance, iterate moments, the additive "
          "model's error, McCandlish's noise scale, epoch reshuffling), and the saddle experiment (GD started on "
          "f = (x^2 - y^2)/2 never moves, SGD and heavy ball escape; escape-time law against B).",
    sources=(
        "optproof.mathcore.minibatch_noise:gradient_noise_covariance",
        "optproof.mathcore.minibatch_noise:within_epoch_batch_covariance",
        "optproof.mathcore.minibatch_moments:minibatch_moments",
        "optproof.mathcore.minibatch_stationary:additive_model_error", "optproof.mathcore.noise_scale:optimal_step",
        "optproof.mathcore.minibatch_proofs:prove_multiplicative_noise", "optproof.mathcore.saddle:second_moment",
        "optproof.mathcore.saddle:median_escape_step", "optproof.mathcore.saddle:prove_escape_law",
        "optproof.sim:simulate", "optproof.sim:FiniteSum", "tests/test_minibatch_noise.py", "tests/test_saddle.py",
        "tests/test_theory_vs_simulation.py", "tests/test_catalog.py"),
)
