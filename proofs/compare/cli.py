"""``optproof compare``: theory next to simulation for the user's data or quadratic (issue 12).

    optproof compare --data FILE.npz|FILE.csv --lr 0.05 --momentum 0.9 [--nesterov] [--dampening D]
                     [--weight-decay W] [--schedule cosine] --steps 150 --batch-size 8 --sampler fresh
                     --traj 20000 --out DIR
    optproof compare --hessian H.npy|csv --noise-cov C.npy|csv [--b b.npy|csv] --lr ... --out DIR

Data: a ``.npz`` with arrays ``X`` (n×d) and ``y`` (n), or a ``.csv`` whose last column is y (a
header line is skipped when it is not numeric); all values real and finite.  The optimizer is the
seed's heavy ball unless a PyTorch option (Nesterov, dampening, weight decay, schedule) is given,
then ``PyTorchSGD``.  Exit 0 pass / "no closed form", 1 fail, 2 bad arguments (``optproof: error: ...``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

__all__ = ["add_subcommands", "run", "load_data", "load_matrix"]


def _usage(message: str):
    from optproof.proofs.cli import UsageError

    return UsageError(message)


def _read_table(path: Path, what: str) -> np.ndarray:
    """A numeric table from .npy / .csv / .txt (header line skipped when not numeric)."""
    if not path.is_file():
        raise _usage(f"{what} {str(path)!r} does not exist or is not a file")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        lines = path.read_text().splitlines()
        skip = 1 if lines and any(c.isalpha() and c not in "eEnN" for c in lines[0]) else 0
        return np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None, skiprows=skip, ndmin=2)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise _usage(f"{what} {str(path)!r} is not a numeric table: {exc}") from None


def _real_finite(name: str, a, ndim: int, path: Path) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "iuf" or a.ndim != ndim:
        raise _usage(f"{name} in {str(path)!r} must be a real {ndim}-D array; got dtype {a.dtype}, shape {a.shape}")
    a = a.astype(float)
    if not np.isfinite(a).all():
        raise _usage(f"{name} in {str(path)!r} must be finite; {int((~np.isfinite(a)).sum())} values are NaN or inf")
    return a


def load_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from a .npz (arrays X, y) or .csv (last column y); UsageError with the reason otherwise."""
    path = Path(path)
    if path.suffix == ".npz":
        if not path.is_file():
            raise _usage(f"--data {str(path)!r} does not exist or is not a file")
        try:
            with np.load(path, allow_pickle=False) as z:
                missing = [k for k in ("X", "y") if k not in z.files]
                if missing:
                    raise _usage(f"--data {str(path)!r} must hold arrays 'X' (n×d) and 'y' (n); "
                                 f"missing {missing}, found {z.files}")
                X, y = z["X"], z["y"]
        except (ValueError, OSError) as exc:
            raise _usage(f"--data {str(path)!r} is not a readable .npz: {exc}") from None
    elif path.suffix in (".csv", ".txt"):
        table = _read_table(path, "--data")
        if table.shape[1] < 2:
            raise _usage(f"--data {str(path)!r} needs at least 2 columns (features, then y); got {table.shape[1]}")
        X, y = table[:, :-1], table[:, -1]
    else:
        raise _usage(f"--data must be a .npz (arrays X, y) or .csv (last column y); got {str(path)!r}")
    X, y = _real_finite("X", X, 2, path), _real_finite("y", y, 1, path)
    if X.shape[0] != y.shape[0] or X.shape[0] < 2 or X.shape[1] < 1:
        raise _usage(f"--data {str(path)!r}: X must be n×d with n >= 2, d >= 1 and y of length n; "
                     f"got X {X.shape}, y {y.shape}")
    return X, y


def load_matrix(path: Path, what: str, ndim: int = 2) -> np.ndarray:
    table = _read_table(Path(path), what)
    if ndim == 1:
        table = table.reshape(-1)
    return _real_finite(what, table, ndim, Path(path))


def _problem(args):
    from optproof.base.specs import LeastSquares, Quadratic

    if (args.data is None) == (args.hessian is None):
        raise _usage("give exactly one of --data FILE (least squares) and --hessian FILE (a quadratic)")
    if args.data is not None:
        if args.noise_cov or args.b:
            raise _usage("--noise-cov and --b go with --hessian, not --data")
        return LeastSquares(*load_data(Path(args.data)))
    H = load_matrix(args.hessian, "--hessian")
    C = None if args.noise_cov is None else load_matrix(args.noise_cov, "--noise-cov")
    b = None if args.b is None else load_matrix(args.b, "--b", 1)
    return Quadratic(H, b=b, noise_cov=C)


def _optimizer(args):
    from optproof.base.specs import HeavyBall, PyTorchSGD

    if args.nesterov or args.dampening or args.weight_decay or args.schedule:
        return PyTorchSGD(args.lr, args.momentum, args.dampening, args.nesterov, args.weight_decay, args.schedule)
    return HeavyBall(args.lr, args.momentum)


def run(args) -> int:
    from optproof.base.specs import Quadratic, Sampler
    from optproof.proofs.compare import compare

    try:
        problem = _problem(args)
        optimizer = _optimizer(args)
        sampler = None if isinstance(problem, Quadratic) else Sampler(args.sampler, args.batch_size)
        result = compare(problem, optimizer, sampler, n_steps=args.steps, n_traj=args.traj, seed=args.seed or 0)
    except (ValueError, TypeError) as exc:
        if type(exc).__name__ == "UsageError":
            raise
        raise _usage(str(exc)) from None
    index = result.to_html(Path(args.out))
    worst = max((abs(r["z"]) for r in result.rows if r["z"] is not None), default=float("nan"))
    fails = sum(r["verdict"] == "fail" for r in result.rows)
    print(f"compare: {result.status}: {len(result.rows)} rows at steps {result.steps}, {fails} outside their "
          f"interval, max |z| = {worst:.2f}; {result.settings['simulation']}")
    print(f"report: {index}  data: {Path(args.out) / 'results.json'}")
    return 1 if result.status == "fail" else 0


def add_subcommands(sub) -> None:
    """Register ``compare`` on the ``optproof`` parser's subparsers."""
    sp = sub.add_parser("compare", help="exact moments next to a simulation of your problem and optimizer")
    src = sp.add_argument_group("problem (one of)")
    src.add_argument("--data", help=".npz with arrays X (n×d), y (n), or .csv with y as last column")
    src.add_argument("--hessian", help="H of a quadratic ½θᵀHθ − bᵀθ (.npy/.csv)")
    sp.add_argument("--noise-cov", help="covariance C of the additive gradient noise (with --hessian)")
    sp.add_argument("--b", help="linear term b (with --hessian; default 0)")
    sp.add_argument("--lr", type=float, required=True)
    sp.add_argument("--momentum", type=float, default=0.0)
    sp.add_argument("--nesterov", action="store_true")
    sp.add_argument("--dampening", type=float, default=0.0)
    sp.add_argument("--weight-decay", type=float, default=0.0)
    sp.add_argument("--schedule", choices=("step", "cosine", "linear_warmup"), default=None)
    sp.add_argument("--steps", type=int, default=150, help="number of steps T")
    sp.add_argument("--batch-size", type=int, default=8)
    sp.add_argument("--sampler", choices=("fresh", "replacement", "reshuffle", "fixed"), default="fresh")
    sp.add_argument("--traj", type=int, default=20000, help="number of trajectories")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--out", default="compare", help="output directory (default: ./compare)")
    sp.set_defaults(func=run)
