"""proofs: the claim catalog, the statistical comparison harness, the report and the CLI.

This package may import ``mathcore`` and ``sim``; they never import it.
"""

if __name__ != "optproof.proofs":  # one namespace: e.g. run from a checkout, ``import proofs`` would
    # load these files a second time under another name (and, for sim, poison Numba's cache)
    raise ImportError(f"import optproof.proofs, not {__name__}: the folder proofs/ installs as optproof.proofs")
