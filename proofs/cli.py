"""The ``optproof`` command line.

    optproof list                      the claims and their checks
    optproof prove [--claims C5,C9]    symbolic proofs and exact checks, as a table
    optproof report --out DIR [--quick] [--claims ...]
                                       all three kinds of check; writes DIR/index.html and results.json
    optproof check / identify ...      the optimizer conformance checker (see docs/conformance.md)
    optproof sweep SPEC.toml --out DIR a grid of compare cells on a pool or dask (docs/sweep.md)

Exit status: 0 when no selected claim fails or errs (skipped checks are said plainly, "k skipped"),
1 when a claim fails or errs, 2 for bad arguments (``optproof: error: ...``).  The run seed defaults
to the ``OPTPROOF_SEED`` environment variable when it is set, else 0.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from optproof.proofs import cli_conformance

__all__ = ["main", "default_seed"]


class UsageError(Exception):
    """A bad argument: ``main`` prints ``optproof: error: <message>`` and exits 2."""


class UsageExit(SystemExit):
    """``SystemExit`` with code 2 whose text is the usage message (what callers of ``main`` catch)."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def default_seed() -> int:
    """The run seed when ``--seed`` is absent: ``$OPTPROOF_SEED`` if set (an integer >= 0), else 0."""
    raw = os.environ.get("OPTPROOF_SEED", "").strip()
    if not raw:
        return 0
    try:
        seed = int(raw)
    except ValueError:
        seed = -1
    if seed < 0:
        raise UsageError(f"OPTPROOF_SEED must be an integer >= 0; got {raw!r}")
    return seed


def _select(spec: str | None):
    from optproof.proofs.claims import CLAIMS

    if not spec:
        return list(CLAIMS)
    wanted = [s.strip().upper() for s in spec.split(",") if s.strip()]
    known = {c.id for c in CLAIMS}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UsageError(f"--claims must name claims among {', '.join(sorted(known))}; got {', '.join(unknown)}")
    return [c for c in CLAIMS if c.id in wanted]


def _table(results, kinds) -> str:
    from optproof.proofs.runner import summary_line

    lines = [f"{'claim':<6} {'kind':<11} {'status':<8} {'time':>7}  check / summary"]
    for res in results:
        for run in res.runs:
            mark = run.status.upper() if run.status in ("fail", "error") else run.status
            lines.append(f"{res.claim.id:<6} {run.check.kind:<11} {mark:<8} {run.seconds:6.2f}s  "
                         f"{run.check.name}: {run.outcome.summary}")
    lines.append(f"{summary_line(results)} [{', '.join(kinds)} checks]")
    return "\n".join(lines)


def _cmd_list(args) -> int:
    from optproof.proofs.sources import implementation

    for c in _select(args.claims):
        print(f"{c.id} (seed §{c.section}) {c.title}")
        for chk in c.checks:
            print(f"    {chk.kind:<11} {chk.name}")
            print(f"    {'':<11}   implemented by {implementation(chk)}")
        tests = [s for s in c.sources if s.startswith("tests/")]
        code = [s for s in c.sources if not s.startswith("tests/")]
        if code:
            print(f"    rests on:  {', '.join(code)}")
        if tests:
            print(f"    tested by: {', '.join(tests)}")
    return 0


def _cmd_prove(args) -> int:
    from optproof.proofs.catalog import RunConfig
    from optproof.proofs.runner import run_claims

    kinds = ("symbolic", "exact")
    from optproof.proofs.runner import exit_code

    results = run_claims(_select(args.claims), RunConfig(quick=True, seed=_seed(args)), kinds,
                         progress=not args.no_progress)
    print(_table(results, kinds))
    return exit_code(results)


def _cmd_report(args) -> int:
    if args.quick and args.full:
        raise UsageError("--quick and --full exclude each other")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must name a directory (it is created if missing); {str(out)!r} is a file")
    base = next(p for p in (out, *out.parents) if p.exists())  # the nearest existing ancestor
    if not base.is_dir() or not os.access(base, os.W_OK):
        raise UsageError(f"--out {str(out)!r} cannot be created: {str(base)!r} is "
                         f"{'a file' if not base.is_dir() else 'not writable'}")
    from optproof.proofs.catalog import KINDS, RunConfig

    claims = _select(args.claims)
    cfg = RunConfig(quick=args.quick, full=args.full, seed=_seed(args), make_figures=True)
    from optproof.proofs.report import write_report
    from optproof.proofs.runner import exit_code, run_claims

    started: list = []  # the matrices' result functions, queued behind the claims' checks
    results = run_claims(claims, cfg, KINDS, progress=not args.no_progress,
                         beside=lambda: started.extend(_start_matrices(args, claims, cfg.seed)))
    # a run_claims that never calls ``beside`` (a stand-in with no checks) gets them started here
    matrix, batches = (get and get() for get in started or _start_matrices(args, claims, cfg.seed))
    write_report(results, cfg, out, matrix, batches)
    print(_table(results, KINDS))
    print(f"report: {out / 'index.html'}  data: {out / 'results.json'}")
    return exit_code(results)


def _start_matrices(args, claims, seed: int):
    """The report's two matrices, queued on the worker pool behind the claims' checks so that they
    overlap them (``start_conformance_matrix`` / ``start_batch_matrix``); each is the function
    that waits for its result, or None when not wanted.  The batch matrix is shown in the C1, C4
    and C5 sections only, so it runs only when one of them is selected."""
    matrix = batches = None
    say = (lambda msg: None) if args.no_progress else (lambda msg: print(msg, file=sys.stderr))
    if not args.no_conformance:
        from optproof.proofs.conformance.matrix import start_conformance_matrix

        say("conformance matrix: installed implementations x conventions, beside the claims ...")
        matrix = start_conformance_matrix(max_examples=5 if args.quick else 100, seed=seed)
    if not args.no_batch_checker and {"C1", "C4", "C5"} & {c.id for c in claims}:
        from optproof.proofs.batches.matrix import start_batch_matrix

        say("batch checker matrix: torch's samplers and the loader/accumulator catalogue, beside the claims ...")
        batches = start_batch_matrix(quick=args.quick, max_examples=10 if args.quick else None, seed=seed)
    return matrix, batches


def _seed(args) -> int:
    """``--seed`` when given, else ``default_seed()`` (``$OPTPROOF_SEED`` or 0)."""
    if args.seed is None:
        return default_seed()
    if args.seed < 0:
        raise UsageError(f"--seed must be an integer >= 0; got {args.seed}")
    return args.seed


#: subcommands whose parser needs nothing but ``cli_conformance`` (``main`` builds only theirs)
CONFORMANCE_COMMANDS = ("check", "identify")


def build_parser(conformance_only: bool = False) -> argparse.ArgumentParser:
    """The ``optproof`` parser; ``conformance_only=True`` has just ``check`` and ``identify``, the
    same parsers as in the full one, without importing the modules of the other subcommands
    (``main`` uses it when the first argument is one of those: ``optproof check`` loads less)."""
    p = argparse.ArgumentParser(prog="optproof", description="Prove, simulate and check mini-batch SGD and momentum.")
    sub = p.add_subparsers(dest="command", required=True)
    if conformance_only:
        _add_conformance(sub)
        return p

    def common(sp):
        sp.add_argument("--claims", help="comma-separated claim ids (default: all)")
        sp.add_argument("--seed", type=int, default=None,
                        help="the run's fixed seed (default: $OPTPROOF_SEED if set, else 0)")
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
    sp.add_argument("--no-batch-checker", action="store_true",
                    help="skip the batch checker matrix (loaders for C1, accumulation for C4/C5)")
    sp.set_defaults(func=_cmd_report)
    from optproof.proofs.batches import cli as cli_batches
    from optproof.proofs.compare import cli as cli_compare  # issue 12
    from optproof.proofs.sweep import cli as cli_sweep

    _add_conformance(sub)
    cli_batches.add_subcommands(sub)
    cli_sweep.add_subcommands(sub)
    cli_compare.add_subcommands(sub)
    return p


def _add_conformance(sub) -> None:
    cli_conformance.add_subcommands(sub)
    for name in CONFORMANCE_COMMANDS:
        sub.choices[name].set_defaults(func=cli_conformance.run)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(conformance_only=bool(argv) and argv[0] in CONFORMANCE_COMMANDS)
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe raises here, inside the handler below, not at interpreter exit
        return status
    except UsageError as exc:
        print(f"optproof: error: {exc}", file=sys.stderr)
        raise UsageExit(str(exc)) from None
    except BrokenPipeError:  # e.g. ``optproof check ... | head``: the reader left; end quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at interpreter exit
        return 141  # 128 + SIGPIPE, the shell's status for a process a closed pipe stopped


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
