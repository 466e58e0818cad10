"""The sweep's TOML spec (issue 13): a problem, an optimizer, a sampler, ``[run]`` and ``[grid]`` axes.

    [problem]  kind = "least_squares", data = "data.npz"        (X: n x d, y: n; path relative to the spec)
               kind = "quadratic", hessian = [[...]], b = [...], noise_std = s | noise_cov = [[...]]
    [optimizer] kind = "heavy_ball" | "pytorch_sgd", lr = ..., momentum = ..., (nesterov, dampening, weight_decay)
    [sampler]  kind = "fresh" | "replacement" | "reshuffle" | "fixed", batch_size = B  (least squares only)
    [run]      n_steps, n_traj, seed
    [grid]     lr = [...], momentum = [...], batch_size = [...], nesterov = [...], ...

Each grid point (the Cartesian product of the axes, in the spec's axis order) is one cell, one
``compare``.  Every error is a ``SpecError`` naming the table, the key and what is allowed.
"""
from __future__ import annotations

import hashlib
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SpecError", "Spec", "load_spec", "parse_spec", "OPTIMIZER_KEYS", "AXES"]

OPTIMIZER_KEYS = {"heavy_ball": ("lr", "momentum"),
                  "pytorch_sgd": ("lr", "momentum", "dampening", "nesterov", "weight_decay")}
SAMPLER_KINDS = ("fresh", "replacement", "reshuffle", "fixed")
AXES = ("lr", "momentum", "dampening", "nesterov", "weight_decay", "batch_size")
MAX_CELLS = 100_000


class SpecError(ValueError):
    """A bad sweep spec; the CLI prints ``optproof: error: <message>`` and exits 2."""


@dataclass(frozen=True)
class Spec:
    """A validated spec: ``base`` (the fixed parameters of every cell) and ``grid`` (axis -> values)."""

    base: dict[str, Any]
    grid: dict[str, list[Any]]
    quantity: str

    def cells(self) -> list[dict[str, Any]]:
        """The cells' full parameters, in grid order (the last axis varies fastest)."""
        names = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[n] for n in names)):
            params = {k: dict(v) if isinstance(v, dict) else v for k, v in self.base.items()}
            for name, value in zip(names, values):
                section = "sampler" if name == "batch_size" else "optimizer"
                params[section][name] = value
            out.append(params)
        return out


def _table(doc: dict, name: str, required: bool = True) -> dict:
    t = doc.get(name)
    if t is None and not required:
        return {}
    if not isinstance(t, dict):
        raise SpecError(f"the spec needs a [{name}] table")
    return t


def _unknown(t: dict, name: str, allowed) -> None:
    extra = sorted(set(t) - set(allowed))
    if extra:
        raise SpecError(f"[{name}] has unknown key(s) {', '.join(extra)}; allowed: {', '.join(allowed)}")


def _int(where: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SpecError(f"{where} must be an integer in [{lo}, {hi}]; got {v!r}")
    return v


def _real(where: str, v: Any, lo: float, hi: float | None, lo_open: bool = False) -> float:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
    ok = ok and (v > lo if lo_open else v >= lo) and (hi is None or v <= hi)
    if not ok:
        rng = f"{'(' if lo_open else '['}{lo}, {'inf)' if hi is None else f'{hi}]'}"
        raise SpecError(f"{where} must be a finite real in {rng}; got {v!r}")
    return float(v)


def _value(where: str, key: str, v: Any) -> Any:
    """One optimizer / sampler value checked by its key's range."""
    if key == "lr":
        return _real(where, v, 0.0, None, lo_open=True)
    if key in ("momentum", "dampening"):
        return _real(where, v, 0.0, 1.0)
    if key == "weight_decay":
        return _real(where, v, 0.0, None)
    if key == "nesterov":
        if not isinstance(v, bool):
            raise SpecError(f"{where} must be true or false; got {v!r}")
        return v
    return _int(where, v, 1, 10**9)  # batch_size


def _matrix(where: str, v: Any, d: int | None = None) -> list[list[float]]:
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        a = np.zeros((0,))
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.size == 0 or not np.isfinite(a).all() \
            or (d is not None and a.shape[0] != d):
        size = "square" if d is None else f"{d} x {d}"
        raise SpecError(f"{where} must be a {size} array of finite reals; got {v!r}")
    if not np.array_equal(a, a.T):
        raise SpecError(f"{where} must be symmetric")
    return a.tolist()


def _data(where: str, path: Path) -> dict[str, Any]:
    """X, y from an .npz, validated; kept as lists with the file's digest (part of each cell's key)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            X, y = np.asarray(z["X"], dtype=float), np.asarray(z["y"], dtype=float)
    except (OSError, KeyError, ValueError) as exc:
        raise SpecError(f"{where}: cannot read X and y from {path} ({exc})") from None
    if X.ndim != 2 or X.size == 0 or y.shape != (X.shape[0],) or not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise SpecError(f"{where}: X must be a real n x d array and y a real n array, all finite; got "
                        f"X {X.shape}, y {y.shape}")
    digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
    return {"X": X.tolist(), "y": y.tolist(), "digest": digest, "n": int(X.shape[0])}


def _problem(t: dict, root: Path) -> dict[str, Any]:
    kind = t.get("kind")
    if kind == "least_squares":
        _unknown(t, "problem", ("kind", "data"))
        if not isinstance(t.get("data"), str):
            raise SpecError("[problem] data must name an .npz file with arrays X and y")
        return {"kind": kind, **_data("[problem] data", root / t["data"])}
    if kind == "quadratic":
        _unknown(t, "problem", ("kind", "hessian", "b", "noise_std", "noise_cov"))
        H = _matrix("[problem] hessian", t.get("hessian"))
        out: dict[str, Any] = {"kind": kind, "hessian": H}
        if "b" in t:
            b = np.asarray(t["b"], dtype=float) if isinstance(t["b"], list) else np.zeros(0)
            if b.shape != (len(H),) or not np.isfinite(b).all():
                raise SpecError(f"[problem] b must be a list of {len(H)} finite reals; got {t['b']!r}")
            out["b"] = b.tolist()
        if "noise_std" in t and "noise_cov" in t:
            raise SpecError("[problem] takes noise_std or noise_cov, not both")
        if "noise_std" in t:
            out["noise_std"] = _real("[problem] noise_std", t["noise_std"], 0.0, None)
        if "noise_cov" in t:
            out["noise_cov"] = _matrix("[problem] noise_cov", t["noise_cov"], len(H))
        return out
    raise SpecError(f"[problem] kind must be \"least_squares\" or \"quadratic\"; got {kind!r}")


def _section(t: dict, name: str, kinds: dict | tuple, grid: dict) -> dict[str, Any]:
    kind = t.get("kind", "heavy_ball" if name == "optimizer" else None)
    if kind not in kinds:
        raise SpecError(f"[{name}] kind must be one of {', '.join(kinds)}; got {kind!r}")
    keys = OPTIMIZER_KEYS[kind] if name == "optimizer" else ("batch_size",)
    _unknown(t, name, ("kind",) + keys)
    out: dict[str, Any] = {"kind": kind}
    for key in keys:
        if key in t:
            out[key] = _value(f"[{name}] {key}", key, t[key])
        elif key not in grid and key in ("lr", "batch_size"):
            raise SpecError(f"[{name}] needs {key} (or a [grid] {key} axis)")
    return out


def _grid(t: dict) -> dict[str, list[Any]]:
    _unknown(t, "grid", AXES)
    out = {}
    for key, values in t.items():
        if not isinstance(values, list) or not values:
            raise SpecError(f"[grid] {key} must be a non-empty list; got {values!r}")
        checked = [_value(f"[grid] {key}[{i}]", key, v) for i, v in enumerate(values)]
        if len(set(checked)) != len(checked):
            raise SpecError(f"[grid] {key} repeats a value: {values!r}")
        out[key] = checked
    return out


def parse_spec(text: str, root: Path | str = ".") -> Spec:
    """Validate a spec's TOML text (paths relative to ``root``) into a ``Spec``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"the spec is not valid TOML: {exc}") from None
    _unknown(doc, "the spec's top level", ("problem", "optimizer", "sampler", "run", "grid", "report"))
    grid = _grid(_table(doc, "grid"))
    problem = _problem(_table(doc, "problem"), Path(root))
    optimizer = _section(_table(doc, "optimizer", required=False), "optimizer", OPTIMIZER_KEYS, grid)
    for key in grid:
        if key != "batch_size" and key not in OPTIMIZER_KEYS[optimizer["kind"]]:
            raise SpecError(f"[grid] {key} is not a parameter of optimizer {optimizer['kind']!r}; "
                            f"its axes: {', '.join(OPTIMIZER_KEYS[optimizer['kind']])}")
    base: dict[str, Any] = {"problem": problem, "optimizer": optimizer, "sampler": None}
    if problem["kind"] == "least_squares":
        base["sampler"] = _section(_table(doc, "sampler"), "sampler", SAMPLER_KINDS, grid)
        for b in grid.get("batch_size", [base["sampler"].get("batch_size", 1)]):
            if b > problem["n"]:
                raise SpecError(f"batch_size must lie in [1, N={problem['n']}]; got {b}")
    elif "sampler" in doc or "batch_size" in grid:
        raise SpecError("a quadratic problem has no examples: no [sampler] table and no batch_size axis")
    run = _table(doc, "run")
    _unknown(run, "run", ("n_steps", "n_traj", "seed"))
    base["run"] = {"n_steps": _int("[run] n_steps", run.get("n_steps"), 1, 10**7),
                   "n_traj": _int("[run] n_traj", run.get("n_traj"), 2, 10**9),
                   "seed": _int("[run] seed", run.get("seed", 0), 0, 2**63 - 1)}
    report = _table(doc, "report", required=False)
    _unknown(report, "report", ("quantity",))
    quantity = report.get("quantity", "loss_mean")
    if quantity not in ("loss_mean", "theta_mean", "theta_cov"):
        raise SpecError(f"[report] quantity must be loss_mean, theta_mean or theta_cov; got {quantity!r}")
    spec = Spec(base, grid, quantity)
    n = int(np.prod([len(v) for v in grid.values()]))
    if n > MAX_CELLS:
        raise SpecError(f"the grid has {n} cells; at most {MAX_CELLS}")
    return spec


def load_spec(path: Path | str) -> Spec:
    """Read and validate a spec file (``SpecError`` when it is missing or bad)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the spec {path}: {exc.strerror}") from None
    return parse_spec(text, path.parent)
