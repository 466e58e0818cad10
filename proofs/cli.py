"""The ``optproof`` command line.

    optproof list                      the claims and their checks
    optproof prove [--claims C5,C9]    symbolic proofs and exact checks, as a table
    optproof report --out DIR [--quick] [--claims ...]
                                       all three kinds of check; writes DIR/index.html and results.json
    optproof check / identify ...      the optimizer conformance checker (see docs/conformance.md)

Exit status: 0 when every selected check passes, 1 when a claim fails, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from optproof.proofs import cli_conformance
from optproof.proofs.catalog import KINDS, RunConfig

__all__ = ["main"]


def _select(spec: str | None):
    from optproof.proofs.claims import CLAIMS

    if not spec:
        return list(CLAIMS)
    wanted = [s.strip().upper() for s in spec.split(",") if s.strip()]
    known = {c.id for c in CLAIMS}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise SystemExit(f"optproof: --claims must name claims among {', '.join(sorted(known))}; got {', '.join(unknown)}")
    return [c for c in CLAIMS if c.id in wanted]


def _table(results, kinds) -> str:
    lines = [f"{'claim':<6} {'kind':<11} {'result':<6} {'time':>7}  check / summary"]
    for res in results:
        for run in res.runs:
            mark = "pass" if run.outcome.passed else "FAIL"
            lines.append(f"{res.claim.id:<6} {run.check.kind:<11} {mark:<6} {run.seconds:6.2f}s  "
                         f"{run.check.name}: {run.outcome.summary}")
    n_ok = sum(r.passed for r in results)
    lines.append(f"{n_ok}/{len(results)} claims pass ({', '.join(kinds)} checks)")
    return "\n".join(lines)


def _cmd_list(args) -> int:
    for c in _select(args.claims):
        print(f"{c.id} (seed §{c.section}) {c.title}")
        for chk in c.checks:
            print(f"    {chk.kind:<11} {chk.name}")
    return 0


def _cmd_prove(args) -> int:
    from optproof.proofs.runner import run_claims

    kinds = ("symbolic", "exact")
    results = run_claims(_select(args.claims), RunConfig(quick=True, seed=args.seed), kinds,
                         progress=not args.no_progress)
    print(_table(results, kinds))
    return 0 if all(r.passed for r in results) else 1


def _cmd_report(args) -> int:
    from optproof.proofs.report import write_report
    from optproof.proofs.runner import run_claims

    if args.quick and args.full:
        raise SystemExit("optproof: --quick and --full exclude each other")
    cfg = RunConfig(quick=args.quick, full=args.full, seed=args.seed, make_figures=True)
    results = run_claims(_select(args.claims), cfg, KINDS, progress=not args.no_progress)
    matrix = None
    if not args.no_conformance:
        from optproof.proofs.conformance import conformance_matrix

        if not args.no_progress:
            print("conformance matrix: installed implementations x conventions ...", file=sys.stderr)
        matrix = conformance_matrix(max_examples=5 if args.quick else 100, seed=args.seed)
    doc = write_report(results, cfg, Path(args.out), matrix)
    print(_table(results, KINDS))
    print(f"report: {Path(args.out) / 'index.html'}  data: {Path(args.out) / 'results.json'}")
    return 0 if doc["status"] == "pass" else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="optproof", description="Prove, simulate and check mini-batch SGD and momentum.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--claims", help="comma-separated claim ids (default: all)")
        sp.add_argument("--seed", type=int, default=0, help="the run's fixed seed (default 0)")
        sp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    sp = sub.add_parser("list", help="list the claims and their checks")
    sp.add_argument("--claims")
    sp.set_defaults(func=_cmd_list)
    sp = sub.add_parser("prove", help="run the symbolic proofs and exact checks")
    common(sp)
    sp.set_defaults(func=_cmd_prove)
    sp = sub.add_parser("report", help="run every check and write an HTML report")
    common(sp)
    sp.add_argument("--out", default="report", help="output directory (default: ./report)")
    sp.add_argument("--quick", action="store_true", help="smaller Monte Carlo samples (well under a minute)")
    sp.add_argument("--full", action="store_true", help="also the expensive experiments (real-data training)")
    sp.add_argument("--no-conformance", action="store_true", help="skip the optimizer conformance matrix")
    sp.set_defaults(func=_cmd_report)
    cli_conformance.add_subcommands(sub)
    for name in ("check", "identify"):
        sub.choices[name].set_defaults(func=cli_conformance.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
