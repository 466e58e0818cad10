"""One sweep cell: its key, its seed and its numbers (issue 13, items 3-4; claims C5, C9).

A cell is one ``optproof.compare(problem, optimizer, sampler, n_steps=, n_traj=, seed=)``.  Its key
is sha256 of the canonical JSON of its parameters (the data enter by their digest) and the code
version; its seed is ``SeedSequence(run_seed, spawn_key=key words)`` — a function of the run seed
and the key only, never of the cell's position, the worker or the order of completion — so the
numbers of a cell are the same wherever and whenever it runs.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["code_version", "cell_key", "cell_seed", "cell_objects", "public_params", "run_cell", "canonical"]

ROW_KEYS = ("quantity", "step", "index", "name", "exact", "estimate", "se", "z", "verdict", "n",
            "detectable_relative_error")


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, floats by repr (round-trip exact), NaN allowed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()


@lru_cache(maxsize=1)
def code_version() -> str:
    """optproof's version and a digest of the source that decides a cell's numbers: sim, mathcore,
    base, proofs/compare and this module (not the page or the engines)."""
    import optproof

    h = hashlib.sha256(optproof.__version__.encode())
    here = Path(__file__).resolve().parent
    roots = [Path(p) for m in ("sim", "mathcore", "base")  # located, not imported (no Numba here)
             for p in importlib.util.find_spec(f"optproof.{m}").submodule_search_locations]
    files = [f for root in roots + [here.parent / "compare"] for f in sorted(root.glob("*.py"))]
    for f in files + [here / "cell.py"]:
        h.update(f.name.encode() + f.read_bytes())
    return f"{optproof.__version__}+{h.hexdigest()[:16]}"


def public_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as stored and hashed: the data arrays replaced by their digest."""
    problem = {k: v for k, v in params["problem"].items() if k not in ("X", "y")}
    return {**params, "problem": problem}


def cell_key(params: dict[str, Any]) -> str:
    """sha256 hex of the cell's public parameters and the code version."""
    return hashlib.sha256(canonical({"params": public_params(params), "code": code_version()})).hexdigest()


def cell_seed(run_seed: int, key: str) -> int:
    """The cell's simulation seed in [0, 2^63): SeedSequence(run_seed, spawn_key=key as 32-bit words)."""
    words = tuple(int(key[i:i + 8], 16) for i in range(0, 64, 8))
    state = np.random.SeedSequence(run_seed, spawn_key=words).generate_state(2, np.uint32)
    return int((int(state[0]) << 32 | int(state[1])) >> 1)


def cell_objects(params: dict[str, Any]):
    """The sim specs of a cell: (problem, optimizer, sampler)."""
    from optproof.base.specs import HeavyBall, LeastSquares, PyTorchSGD, Quadratic, Sampler

    p, o, s = params["problem"], params["optimizer"], params["sampler"]
    if p["kind"] == "least_squares":
        problem = LeastSquares(np.array(p["X"], dtype=float), np.array(p["y"], dtype=float))
    else:
        problem = Quadratic(np.array(p["hessian"]), None if "b" not in p else np.array(p["b"]),
                            noise_std=p.get("noise_std", 0.0),
                            noise_cov=None if "noise_cov" not in p else np.array(p["noise_cov"]))
    kw = {k: v for k, v in o.items() if k != "kind"}
    if o["kind"] == "heavy_ball":
        optimizer = HeavyBall(kw.pop("lr"), kw.pop("momentum", 0.0))
    else:
        optimizer = PyTorchSGD(**kw)
    sampler = None if s is None else Sampler(s["kind"], s["batch_size"])
    return problem, optimizer, sampler


def run_cell(params: dict[str, Any]) -> dict[str, Any]:
    """Compute one cell with ``optproof.compare``: its rows, status and divergence fraction.

    The record holds no timing, host or order: only the parameters, the code version, the seed and
    the numbers, so it is the same bytes wherever it is computed.
    """
    from optproof.proofs.compare import compare

    key = cell_key(params)
    seed = cell_seed(params["run"]["seed"], key)
    run = params["run"]
    cmp = compare(*cell_objects(params), n_steps=run["n_steps"], n_traj=run["n_traj"], seed=seed)
    rows = [{k: r.get(k) for k in ROW_KEYS} for r in cmp.rows]
    return {"key": key, "seed": seed, "params": public_params(params), "code": code_version(),
                      "rows": rows, "status": cmp.status, "passed": cmp.passed,
                      "diverged_fraction": cmp.settings["diverged"] / run["n_traj"]}
