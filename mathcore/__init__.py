"""mathcore: closed forms of mini-batch SGD and momentum, derived and proven with SymPy.

Submodules (import them directly; this package imports nothing heavy on its own so that
``mathcore.validation`` stays usable from the SymPy-free ``sim`` package):

- ``mathcore.validation`` -- argument checks shared by every public function (NumPy only).
- ``mathcore.proof``      -- the ``Proof`` record that every symbolic derivation returns.
- ``mathcore.momentum``   -- heavy-ball closed forms (seed claims C8, C9).
- ``mathcore.batching``   -- mini-batch loss/gradient moments and epoch identities (C1, C4, C5).
"""
