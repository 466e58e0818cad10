"""optproof.base: the specs and validation shared by mathcore and sim; NumPy only.

- ``optproof.base.validation``  -- up-front argument checks (ValueError naming the parameter and range).
- ``optproof.base.specs``       -- the experiment's vocabulary: ``LeastSquares``, ``Quadratic``,
                                   ``FiniteSum``, ``HeavyBall``/``SGD``, ``Sampler`` (C1, C3-C9).
- ``optproof.base.conventions`` -- the momentum conventions' numeric reference steps (the
                                   conformance checker's run-time core, C9).
"""
