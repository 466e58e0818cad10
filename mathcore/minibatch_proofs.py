"""The import path of the SymPy proofs of ``minibatch_noise``, ``minibatch_moments``, ``minibatch_stationary``
and ``noise_scale`` (C1, C3, C5, C9).

The proofs live in one module per idea; this module re-exports them:

- ``minibatch_noise_proofs``   -- multiplicative noise ``Cov[∇L_B(θ)] = cΣ(θ)``, within-epoch covariance (C3, C5);
- ``minibatch_moment_proofs``  -- exact moment recursions and the 1-D stationary variance (C3, C9);
- ``minibatch_step_proofs``    -- the optimal step ``ε_opt = ε_max/(1 + c B_noise)`` (C3);
- ``minibatch_library_checks`` -- their exact-data checks of the library functions;
- ``minibatch_algebra``        -- their shared symbols and dimension-free matrix equality."""
from __future__ import annotations

from optproof.mathcore.minibatch_moment_proofs import prove_moment_recursions, prove_stationary_variance_1d
from optproof.mathcore.minibatch_noise_proofs import prove_multiplicative_noise, prove_within_epoch_covariance
from optproof.mathcore.minibatch_step_proofs import prove_optimal_step

__all__ = [
    "prove_multiplicative_noise", "prove_moment_recursions", "prove_stationary_variance_1d",
    "prove_optimal_step", "prove_within_epoch_covariance",
]
