"""Run the catalog: every check of the selected kinds, in order, with an honest status per claim.

Statuses (``proofs.catalog.STATUSES``): a claim is ``fail`` if any of its checks fails, else
``error`` if any raised, else ``skipped`` if none of its checks decided (all skipped), else
``pass``.  ``measured`` checks (timings) never count either way; a skipped check never counts
as a pass.  The run exits 1 when a claim fails or errs, 0 otherwise (skips are stated plainly).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from optproof.proofs.catalog import KINDS, Claim, CheckRun, RunConfig
from optproof.proofs.progress import Progress

__all__ = ["ClaimResult", "claim_status", "run_claims", "summary_line", "exit_code"]


def claim_status(statuses: Iterable[str]) -> str:
    """A claim's status from its checks' statuses (see the module docstring)."""
    c = Counter(statuses)
    if c["fail"]:
        return "fail"
    if c["error"]:
        return "error"
    if not c["pass"]:
        return "skipped" if c["skipped"] or not c["measured"] else "measured"
    return "pass"


@dataclass
class ClaimResult:
    claim: Claim
    runs: list[CheckRun]

    @property
    def status(self) -> str:
        return claim_status(r.status for r in self.runs)

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def run_claims(claims: Iterable[Claim], cfg: RunConfig, kinds: Iterable[str] = KINDS,
               progress: bool = False) -> list[ClaimResult]:
    """Run the checks of ``kinds`` of every claim; a check that raises ends in ``error``."""
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


def _tally(statuses: Iterable[str], noun: str) -> str:
    c = Counter(statuses)
    total = sum(c.values())
    parts = [f"{c['pass']}/{total} {noun} pass"]
    parts += [f"{c[s]} {'failed' if s == 'fail' else s}" for s in ("fail", "error", "skipped", "measured") if c[s]]
    return ", ".join(parts)


def summary_line(results: list[ClaimResult]) -> str:
    """E.g. ``8/9 claims pass, 1 skipped (40/43 checks pass, 2 skipped, 1 measured)``: skips said plainly."""
    return (f"{_tally((r.status for r in results), 'claims')} "
            f"({_tally((k.status for r in results for k in r.runs), 'checks')})")


def exit_code(results: list[ClaimResult]) -> int:
    """1 when any claim fails or errs, else 0 (also when some checks were skipped or only measured)."""
    return int(any(r.status in ("fail", "error") for r in results))
