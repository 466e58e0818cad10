"""mathcore: closed forms of mini-batch SGD and momentum, derived and proven with SymPy.

Submodules (import them directly; this package imports nothing heavy on its own so that
``optproof.base.validation`` stays usable from the SymPy-free ``sim`` package):

- ``mathcore.proof``      -- the ``Proof`` record that every symbolic derivation returns.
- ``mathcore.agreement``  -- ties a closed form's float branch to its proven SymPy branch at regime edges.
- ``mathcore.momentum``   -- heavy-ball closed forms (seed claims C8, C9).
- ``mathcore.batching``   -- mini-batch loss/gradient moments and epoch identities (C1, C4, C5).
- ``mathcore.sampling``   -- how a reshuffled epoch splits into uniform batches (C1).
- ``mathcore.sums``       -- symbolic sums with symbolic limits, geometric sums with the λ = 1 branch.
- ``mathcore.conventions``-- PyTorch / Keras / optax / EMA momentum and the exact maps between them (C9).
- ``mathcore.quadratic``  -- heavy ball on quadratics: region, rate, Polyak, closed-form trajectories (C9).
- ``mathcore.noise``      -- exact moments under additive gradient noise, stationary variance (C3, C9).
- ``mathcore.minibatch``  -- the spec-based entry point ``moments(problem, optimizer, sampler, n_steps)``:
                             exact E[θ_t], Cov[θ_t], E[L(θ_t)] for the specs of ``optproof.base.specs``.
- ``mathcore.minibatch_noise``      -- mini-batch gradient noise of least squares (multiplicative, C3, C5).
- ``mathcore.minibatch_moments``    -- exact iterate moments under fresh batches (array style, C3, C5, C9).
- ``mathcore.minibatch_stationary`` -- stationary covariance, exact and additive model (C3).
- ``mathcore.noise_scale``          -- McCandlish et al.'s gradient noise scale and optimal step (C3).
- ``mathcore.minibatch_proofs``     -- the SymPy proofs of the four modules above (re-exported from
                             ``minibatch_noise_proofs``, ``_moment_proofs``, ``_step_proofs``, ``minibatch_library_checks``).
- ``mathcore.landscape``  -- sharp and flat minima, Laplace / Kramers / Fokker-Planck (C6).
- ``mathcore.saddle``, ``mathcore.inertia`` -- saddle escape (C3) and plateau / bump crossing (C7).
- ``mathcore.<module>_proofs`` -- the SymPy proofs of ``batching`` (split into ``batching_moment_proofs``,
                             ``_epoch_proofs``, ``_stationary_proofs``, ``batching_lemmas``), ``quadratic``,
                             ``landscape``, ``momentum``, ``inertia`` and ``conventions`` (with ``conventions_steps``:
                             the library's reference steps run on SymPy symbols). Each old module re-exports its
                             ``prove_*`` functions, so ``momentum.prove_gd_fixed_point`` etc. keep working.

The specs (problem, optimizer, sampler), the argument checks and the conventions' numeric steps are
NumPy-only and live in ``optproof.base`` (shared with ``sim`` and the conformance checker).
"""

if __name__ != "optproof.mathcore":  # one namespace: e.g. run from a checkout, ``import mathcore`` would
    # load these files a second time under another name (and, for sim, poison Numba's cache)
    raise ImportError(f"import optproof.mathcore, not {__name__}: the folder mathcore/ installs as optproof.mathcore")
