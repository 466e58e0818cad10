"""Theory next to simulation for the user's own problem and optimizer (issue 12).

``compare(problem, optimizer, sampler, *, n_steps, n_traj, steps=None, seed=0) -> Comparison``
(``core``), its HTML/JSON page (``page``) and the ``optproof compare`` command (``cli``).
"""
from optproof.proofs.compare.core import NO_CLOSED_FORM, Comparison, compare, default_steps

__all__ = ["compare", "Comparison", "default_steps", "NO_CLOSED_FORM"]
