"""proofs: the claim catalog, the statistical comparison harness, the report and the CLI.

This package may import ``mathcore`` and ``sim``; they never import it.
"""
