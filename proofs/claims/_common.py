"""Small builders shared by the claim modules: a symbolic check from ``Proof``s, figure helpers."""
from __future__ import annotations

from typing import Callable, Iterable

from optproof.proofs.catalog import KINDS, Check, Outcome, RunConfig

__all__ = ["proof_check", "new_figure", "by_kind", "error_bar"]


def proof_check(name: str, provers: Iterable[Callable[[], object]]) -> Check:
    """A ``symbolic`` check that passes when every ``Proof`` returned by ``provers`` holds."""
    provers = tuple(provers)

    def run(cfg: RunConfig) -> Outcome:
        proofs = [p() for p in provers]
        held = [p.holds for p in proofs]
        latex = [p.statement for p in proofs]
        numbers = {"proofs": [
            {"statement": p.statement, "holds": p.holds, "assumptions": p.assumptions,
             "steps": [{"why": s.why, "latex": s.latex(), "verified": s.verified} for s in p.steps]}
            for p in proofs]}
        return Outcome(all(held), f"{sum(held)}/{len(held)} proofs hold for symbolic arguments", numbers, latex)

    return Check("symbolic", name, run)


def new_figure(width: float = 5.5, height: float = 3.6, ncols: int = 1):
    """A fresh matplotlib figure and its axes (``ncols`` side by side) on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width, height))



def by_kind(*groups: tuple[Check, ...]) -> tuple[Check, ...]:
    """Checks of several modules merged into one claim, ordered symbolic, exact, simulation."""
    every = tuple(c for group in groups for c in group)
    return tuple(c for kind in KINDS for c in every if c.kind == kind)


def error_bar(se, alpha: float):
    """Half-width of the two-sided interval a comparison at level ``alpha`` accepts: z_{1-alpha/2}·se."""
    from optproof.proofs.stats import critical_z

    return critical_z(alpha) * se
