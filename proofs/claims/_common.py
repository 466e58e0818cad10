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
             "steps": [s.record() for s in p.steps]}
            for p in proofs]}
        return Outcome(all(held), f"{sum(held)}/{len(held)} proofs hold for symbolic arguments", numbers, latex)

    run.provers = provers  # what ``optproof list`` names as the implementation (proofs.sources)
    return Check("symbolic", name, run)


def new_figure(width: float = 9.6, height: float = 3.6, ncols: int = 1):
    """A fresh full-width matplotlib figure on the Agg backend, ``ncols`` panels stacked vertically.

    Panels are never side by side (issue 9: tiny side-by-side panels are illegible); ``width`` is
    ignored (the report's column fixes it, ``proofs.figures.WIDTH_IN``) and ``height`` is per panel.
    Returns ``(fig, ax)`` or, for ``ncols > 1``, ``(fig, array of axes)`` as ``plt.subplots`` does.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optproof.proofs.figures import WIDTH_IN, panel_height

    return plt.subplots(ncols, 1, figsize=(WIDTH_IN, panel_height(height) * ncols))


def by_kind(*groups: tuple[Check, ...]) -> tuple[Check, ...]:
    """Checks of several modules merged into one claim, ordered symbolic, exact, simulation."""
    every = tuple(c for group in groups for c in group)
    return tuple(c for kind in KINDS for c in every if c.kind == kind)


def error_bar(se, alpha: float):
    """Half-width of the two-sided interval a comparison at level ``alpha`` accepts: z_{1-alpha/2}·se."""
    from optproof.proofs.stats import critical_z

    return critical_z(alpha) * se
