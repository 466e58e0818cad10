"""Up-front argument checks shared by every public function of optproof.

NumPy only (no SymPy import), so the Numba simulators in ``sim`` can use it too.
Every check raises ``ValueError`` whose message names the parameter, the allowed
range and the value received, e.g. ``lr must be a finite real number in (0, inf); got -1``.
Symbolic SymPy arguments are recognised by duck typing and passed through unchecked
where a check would need a number.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

__all__ = [
    "is_symbolic",
    "check_real",
    "check_int",
    "check_choice",
    "check_array",
    "check_momentum",
    "MOMENTUM_RANGE",
]

# The one rule for the momentum coefficient lambda (sim.HeavyBall, conformance Reference/Convention,
# the CLI): the closed interval [0, 1].  lambda = 1 is allowed everywhere: it is a proven branch of
# the closed forms (m_t = m_0 - eta sum_k g_k, C9), and torch.optim.SGD accepts it too.
MOMENTUM_RANGE = (0.0, 1.0)


def is_symbolic(x: Any) -> bool:
    """True when ``x`` is a SymPy object with free symbols (detected without importing SymPy)."""
    return bool(getattr(x, "free_symbols", None)) and type(x).__module__.startswith("sympy")


def _interval(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    left = "(" if lo_open or lo is None else "["
    right = ")" if hi_open or hi is None else "]"
    return f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"


def check_real(
    name: str,
    x: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    allow_symbolic: bool = False,
):
    """Return ``x`` as a float after checking it is finite and inside the interval.

    With ``allow_symbolic`` a SymPy expression with free symbols is returned unchanged.
    """
    if allow_symbolic and is_symbolic(x):
        return x
    rng = _interval(lo, hi, lo_open, hi_open)
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be a finite real number in {rng}; got {x!r}")
    if not isinstance(x, (numbers.Real, np.floating, np.integer)):
        try:  # SymPy numbers without free symbols, 0-d arrays
            if np.ndim(x) != 0 or isinstance(x, str):
                raise TypeError
            x = float(x)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a finite real number in {rng}; got {x!r}") from None
    v = float(x)
    bad = (
        not math.isfinite(v)
        or (lo is not None and (v <= lo if lo_open else v < lo))
        or (hi is not None and (v >= hi if hi_open else v > hi))
    )
    if bad:
        raise ValueError(f"{name} must be a finite real number in {rng}; got {x!r}")
    return v


def check_int(name: str, x: Any, lo: int | None = None, hi: int | None = None, *, allow_symbolic: bool = False):
    """Return ``x`` as an ``int`` after checking it is an integer in ``[lo, hi]``."""
    if allow_symbolic and is_symbolic(x):
        return x
    rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
    ok = isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, bool)
    if not ok:
        try:
            ok = float(x).is_integer() and np.ndim(x) == 0 and not isinstance(x, bool)
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok or (lo is not None and int(x) < lo) or (hi is not None and int(x) > hi):
        raise ValueError(f"{name} must be an integer in {rng}; got {x!r}")
    return int(x)


def check_momentum(x: Any, name: str = "momentum") -> float:
    """Return the momentum coefficient ``x`` as a float after checking it is in ``MOMENTUM_RANGE`` = [0, 1]."""
    return check_real(name, x, *MOMENTUM_RANGE)


def check_choice(name: str, x: Any, choices: Iterable[Any]):
    """Return ``x`` after checking it is one of ``choices``."""
    choices = tuple(choices)
    if x not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {x!r}")
    return x


def check_array(
    name: str,
    a: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype=np.float64,
    finite: bool = True,
    min_size: int = 0,
) -> np.ndarray:
    """Return ``a`` as a C-contiguous array of ``dtype`` after checking rank, shape and finiteness.

    ``shape`` entries that are ``None`` match any length.  The input must hold real floating-point
    or integer numbers (``_check_real_kind``): complex, string, boolean and other object arrays
    are refused rather than converted.
    """
    try:
        _check_real_kind(name, np.asarray(a))
        arr = np.ascontiguousarray(a, dtype=dtype)
    except (TypeError, ValueError) as exc:
        if str(exc).startswith(f"{name} must"):
            raise
        raise ValueError(f"{name} must be an array of real numbers; got {type(a).__name__}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}; got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} elements; got {arr.size}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def _check_real_kind(name: str, arr: np.ndarray) -> None:
    """Raise unless ``arr`` holds real numbers: dtype kind float/int/uint, or an object array whose
    every entry is a real number (``Fraction``, SymPy ``Rational``: exact inputs)."""
    kind = arr.dtype.kind
    if kind in "fiu":
        return
    if kind == "O":
        bad = [v for v in arr.ravel() if isinstance(v, bool) or not isinstance(v, numbers.Real)]
        if not bad:
            return
    what = f"an object array holding {type(bad[0]).__name__}" if kind == "O" else f"dtype {arr.dtype}"
    raise ValueError(f"{name} must be an array of real floating-point or integer numbers; got {what}")
