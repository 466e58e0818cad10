"""optproof.base: the specs and validation shared by mathcore and sim; NumPy only."""
