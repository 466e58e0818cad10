"""``optproof.adapters`` is ``optproof.proofs.adapters`` (one module under two names), so that
``from optproof.adapters import ...`` works as well as ``optproof.adapters.<name>``."""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("optproof.proofs.adapters")
