"""The import path of the SymPy proofs of ``optproof.mathcore.batching`` (C1, C4, C5), for symbolic N and B.

The proofs live in one module per idea; this module re-exports them:

- ``batching_moment_proofs``     -- one batch's moments: ``E[L_B] = L``, ``Var[L_B]``, ``Cov[∇L_B] = cΣ`` (C5);
- ``batching_epoch_proofs``      -- the epoch identity and the unweighted / ``drop_last`` deviation (C1, C4, C5);
- ``batching_stationary_proofs`` -- a stationary point of ``L`` moves under a batch step (C4);
- ``batching_lemmas``            -- their shared steps (centring, inclusion probabilities, derived variance)."""
from __future__ import annotations

from optproof.mathcore.batching_epoch_proofs import prove_epoch_identity, prove_unweighted_bias
from optproof.mathcore.batching_moment_proofs import prove_gradient_covariance, prove_unbiased, prove_variance
from optproof.mathcore.batching_stationary_proofs import prove_stationary_point_moves

__all__ = [
    "prove_unbiased",
    "prove_variance",
    "prove_gradient_covariance",
    "prove_epoch_identity",
    "prove_unweighted_bias",
    "prove_stationary_point_moves",
]
