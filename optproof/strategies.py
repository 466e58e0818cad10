"""``optproof.strategies`` is ``optproof.proofs.strategies`` (one module under two names), so that
``from optproof.strategies import ...`` works as well as ``optproof.strategies.<name>``."""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("optproof.proofs.strategies")
