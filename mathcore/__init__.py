"""mathcore: closed forms of mini-batch SGD and momentum, derived and proven with SymPy.

Submodules (import them directly; this package imports nothing heavy on its own so that
``optproof.base.validation`` stays usable from the SymPy-free ``sim`` package):

- ``mathcore.proof``      -- the ``Proof`` record that every symbolic derivation returns.
- ``mathcore.momentum``   -- heavy-ball closed forms (seed claims C8, C9).
- ``mathcore.batching``   -- mini-batch loss/gradient moments and epoch identities (C1, C4, C5).
- ``mathcore.sampling``   -- how a reshuffled epoch splits into uniform batches (C1).
- ``mathcore.sums``       -- symbolic sums with symbolic limits, geometric sums with the λ = 1 branch.
- ``mathcore.conventions``-- PyTorch / Keras / optax / EMA momentum and the exact maps between them (C9).
- ``mathcore.quadratic``  -- heavy ball on quadratics: region, rate, Polyak, closed-form trajectories (C9).
- ``mathcore.noise``      -- exact moments under additive gradient noise, stationary variance (C3, C9).
- ``mathcore.minibatch``  -- mini-batch noise of real finite sums: multiplicative noise, moment
                             recursions, gradient noise scale, within-epoch correlation (C3, C5).
"""
