"""``optproof sweep SPEC.toml --out DIR [--workers K | --scheduler ADDRESS]`` (issue 13).

Exit status 0 when every cell passes, 1 when one fails, 2 for a bad spec or argument
(``optproof: error: ...``).
"""
from __future__ import annotations

import sys

__all__ = ["add_subcommands", "run"]


def add_subcommands(sub) -> None:
    """Register ``sweep`` on the ``optproof`` subparsers."""
    sp = sub.add_parser("sweep", help="a grid of compare cells, on a process pool or a dask cluster (docs/sweep.md)")
    sp.add_argument("spec", help="the sweep's TOML spec")
    sp.add_argument("--out", required=True, help="output directory (cells/, results.parquet, index.html)")
    sp.add_argument("--workers", type=int, default=1,
                    help="worker processes of the local pool or of --scheduler local (default 1)")
    sp.add_argument("--scheduler", help="'local' (a dask LocalCluster) or tcp://HOST:PORT of a running scheduler")
    sp.add_argument("--threads", type=int, default=None, help="Numba threads per worker (default: cores // workers)")
    sp.add_argument("--no-html", action="store_true", help="no index.html (the heat maps take a few seconds)")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    sp.set_defaults(func=run)


def run(args) -> int:
    """Run the sweep named by ``args``; raises ``cli.UsageError`` for a bad spec or argument."""
    from optproof.proofs.cli import UsageError

    from .runner import run_sweep
    from .spec import SpecError, load_spec

    try:
        spec = load_spec(args.spec)
        result = run_sweep(spec, args.out, workers=args.workers,
                           scheduler=args.scheduler, threads=args.threads, progress=not args.no_progress,
                           html=not args.no_html)
    except (SpecError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(result, file=sys.stdout)
    return 0 if result.passed == result.n_cells else 1
