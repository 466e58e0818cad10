"""Run the catalog: every check of the selected kinds, in order, with a verdict per claim."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from optproof.proofs.catalog import KINDS, Claim, CheckRun, RunConfig
from optproof.proofs.progress import Progress

__all__ = ["ClaimResult", "run_claims"]


@dataclass
class ClaimResult:
    claim: Claim
    runs: list[CheckRun]

    @property
    def passed(self) -> bool:
        return all(r.outcome.passed for r in self.runs)

    @property
    def status(self) -> str:
        return "pass" if self.passed else "fail"



def run_claims(claims: Iterable[Claim], cfg: RunConfig, kinds: Iterable[str] = KINDS,
               progress: bool = False) -> list[ClaimResult]:
    """Run the checks of ``kinds`` of every claim; a check that raises counts as failed."""
    kinds = tuple(kinds)
    claims = list(claims)
    todo = [(c, [k for k in c.checks if k.kind in kinds]) for c in claims]
    bar = Progress(sum(len(ks) for _, ks in todo), enabled=progress)
    results = []
    for claim, checks in todo:
        runs = []
        for check in checks:
            runs.append(CheckRun.run(check, cfg))
            bar.advance(f"{claim.id} {check.kind}: {check.name}")
        results.append(ClaimResult(claim, runs))
    return results
