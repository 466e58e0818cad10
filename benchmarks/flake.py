"""Measured false-failure rate of the statistical checks: N runs with fresh run seeds, CPU hog beside.

Every Monte Carlo check of the catalog (a check declaring a share ``alpha > 0`` of the suite's
false-failure budget, ``proofs.stats.SUITE_ALPHA`` = 1e-3 per run) is run once per run seed, while
busy-looping processes keep every core loaded (``proofs.load.busy_cores``; ``--no-hog`` to skip).
Run seeds rotate from the base seed (``--seed``, else ``$OPTPROOF_SEED``, else 1): base, base + 1, …
(seed 0 is the default run of the CLI and the tests, so the base avoids it).  Each check draws its
own streams from the run seed by name (``RunConfig.seed_for``), so every run is a fresh sample.

Prints the failures per run, then the observed false-failure rate (runs with at least one failed
or erroring check / runs) with its exact (Clopper–Pearson) 95% upper bound, against the budget.
With the budget 1e-3 per run, 20 runs should show 0 failures (probability >= 0.98); a failure is
printed with its check, seed and summary so it can be reproduced with ``optproof report --seed``.

    python benchmarks/flake.py --runs 20 [--quick] [--seed S] [--claims C3,C5] [--no-hog]
Exit status: 0 when no run failed, 1 otherwise, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from optproof.proofs.catalog import CheckRun, RunConfig
from optproof.proofs.stats import SUITE_ALPHA


def _statistical_checks(claim_ids: list[str] | None):
    from optproof.proofs.claims import CLAIMS

    known = {c.id for c in CLAIMS}
    unknown = sorted(set(claim_ids or ()) - known)
    if unknown:
        raise ValueError(f"--claims must name claims among {', '.join(sorted(known))}; got {', '.join(unknown)}")
    return [(c.id, k) for c in CLAIMS if not claim_ids or c.id in claim_ids for k in c.checks if k.alpha > 0]


def _upper_95(failures: int, runs: int) -> float:
    """Exact one-sided 95% upper confidence bound of a binomial rate (Clopper–Pearson)."""
    from scipy.stats import beta

    return 1.0 if failures >= runs else float(beta.ppf(0.95, failures + 1, runs - failures))


def _one_run(checks, cfg: RunConfig) -> list[tuple[str, str, str, str]]:
    failed = []
    for cid, check in checks:
        run = CheckRun.run(check, cfg)
        if run.status in ("fail", "error"):
            failed.append((cid, check.name, run.status, run.outcome.summary))
    return failed


def main(argv: list[str] | None = None) -> int:
    from optproof.proofs.cli import UsageError, default_seed
    from optproof.proofs.load import busy_cores

    p = argparse.ArgumentParser(prog="flake.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=20, help="number of runs with fresh seeds (default 20)")
    p.add_argument("--quick", action="store_true", help="the quick sample sizes (as the test suite uses)")
    p.add_argument("--seed", type=int, default=None, help="base run seed (default: $OPTPROOF_SEED, else 1)")
    p.add_argument("--claims", help="comma-separated claim ids (default: all)")
    p.add_argument("--no-hog", action="store_true", help="do not load the cores while running")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be an integer >= 1")
    try:
        base = args.seed if args.seed is not None else (default_seed() if os.environ.get("OPTPROOF_SEED") else 1)
    except UsageError as exc:
        p.error(str(exc))
    if base < 0:
        p.error("--seed must be an integer >= 0")
    try:
        checks = _statistical_checks([s.strip().upper() for s in args.claims.split(",")] if args.claims else None)
    except ValueError as exc:
        p.error(str(exc))
    alpha = sum(k.alpha for _, k in checks)
    print(f"{len(checks)} statistical checks (declared false-failure share {alpha:.3g} of the budget "
          f"{SUITE_ALPHA:g} per run), {'quick' if args.quick else 'default'} sizes, run seeds {base}..{base + args.runs - 1}"
          f", {'no hog' if args.no_hog else 'every core kept busy by a CPU hog'}", flush=True)
    failing_runs = 0
    with busy_cores(0 if args.no_hog else None):
        for i in range(args.runs):
            seed, t0 = base + i, time.perf_counter()
            failed = _one_run(checks, RunConfig(quick=args.quick, seed=seed))
            failing_runs += bool(failed)
            print(f"run {i + 1:>3}/{args.runs}  seed {seed:<8} failures {len(failed)}/{len(checks)}  "
                  f"({time.perf_counter() - t0:.1f} s)", flush=True)
            for cid, name, status, summary in failed:
                print(f"    {status.upper()} {cid} {name}: {summary}", flush=True)
    rate, upper = failing_runs / args.runs, _upper_95(failing_runs, args.runs)
    print(f"observed false-failure rate: {failing_runs}/{args.runs} runs = {rate:.3g} per run "
          f"(95% upper bound {upper:.3g}); budget {SUITE_ALPHA:g} per run (declared {alpha:.3g})")
    return int(failing_runs > 0)


if __name__ == "__main__":
    sys.exit(main())
