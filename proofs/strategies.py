"""Hypothesis strategies for optimizer conformance tests (also exported by the pytest plugin).

A ``Scenario`` is what the checker feeds an optimizer: initial parameters of different shapes, a
learning-rate schedule (one lr per step, changing mid-run) and, per step, one gradient per
parameter or ``None`` (no gradient at this step, as a torch ``p.grad is None``).

Values are small integers times a per-array scale (1 first, then tiny and huge), so a
shrunk counterexample reads ``1.0`` rather than ``0.7362...``; zeros are included.  Everything
shrinks towards: one parameter, one step, constant lr, gradient present, scale 1.

``scenarios(long_steps=n)`` mixes these short runs with *long runs* (``max_steps + 1`` to ``n``
steps) of one or two low-dimensional parameters, so that bugs that appear late -- a step counter
off by one at step 10, a schedule switching at step 50, periodic restarts -- are found cheaply:
their gradients are integers in [-4, 4] from a drawn NumPy seed, their lr a piecewise-constant
schedule with up to 3 drawn change points (lrs from ``LONG_LEARNING_RATES``, small enough that
weight decay keeps the rounding-error bound meaningful over hundreds of steps), and a few drawn
steps have no gradient.  Hypothesis prefers short runs when it shrinks (the first alternative).

Speed (issue 14, item 3): the strategy objects drawn inside the composites are built once per
argument tuple (``functools.lru_cache``) instead of once per draw, so Hypothesis validates each of
them once.  The choices drawn -- and so every scenario of a seed -- are the same as without the cache.
``stack`` lays scenarios side by side (``ScenarioBatch``) for the checker's batched path
(``runner.passes_all``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from optproof.base.validation import check_int

__all__ = ["Scenario", "ScenarioBatch", "stack", "OVERFLOWS", "SCALES", "LEARNING_RATES", "SHAPES", "arrays",
           "parameter_lists", "lr_schedules", "gradient_streams", "scenarios"]

#: magnitudes of whole arrays; the first is what shrinking goes to.  Chosen so that no product
#: of a gradient, an lr (<= 2) and 12 steps of momentum leaves the normal range of float32.
SCALES = (1.0, 0.5, 1e-3, 1e3, 1e-20, 1e10)
#: learning rates; a schedule keeps the previous one or jumps to any of these.
LEARNING_RATES = (0.1, 1.0, 0.5, 0.01, 2.0, 1e-4, 0.3)
SHAPES = ((3,), (1,), (2, 2), (), (2, 3))
#: shapes and learning rates of long runs
LONG_SHAPES = ((1,), (), (2,))
LONG_LEARNING_RATES = (0.1, 0.01, 0.05, 0.001)


@dataclass(frozen=True)
class Scenario:
    """Inputs of one conformance run (all arrays already in the working dtype)."""

    params: tuple[np.ndarray, ...]
    lrs: tuple[float, ...]
    grads: tuple[tuple[np.ndarray | None, ...], ...]  # grads[step][param]

    @property
    def n_steps(self) -> int:
        return len(self.lrs)


@dataclass(frozen=True)
class ScenarioBatch:
    """Scenarios side by side (``stack``): every parameter of every scenario flattened into one
    vector of ``N`` elements, scenario after scenario, parameter after parameter; ``T`` = the most steps.

    A scenario past its last step has no gradient and keeps its last lr.
    """

    scenarios: tuple[Scenario, ...]
    params: np.ndarray  # (N,) initial values, in the scenarios' dtype
    slices: tuple[tuple[int, int, tuple[int, ...]], ...]  # per parameter: start, stop, shape
    groups: tuple[tuple[int, ...], ...]  # the parameters (indices into slices) of each scenario
    grads: np.ndarray  # (T, N), zero where a parameter has no gradient
    present: np.ndarray  # (T, P) bool: parameter k has a gradient at step t
    lrs: np.ndarray  # (T, S) float64
    steps: np.ndarray  # (T, S) bool: step t is one of scenario s's steps
    owner: np.ndarray  # (N,) the scenario of each element
    member: np.ndarray  # (N,) the parameter of each element


def stack(scenarios) -> ScenarioBatch:
    """``scenarios`` (a non-empty sequence of ``Scenario``s of one dtype) as one ``ScenarioBatch``."""
    scenarios = tuple(scenarios)
    if not scenarios or not all(isinstance(sc, Scenario) for sc in scenarios):
        raise ValueError("scenarios must be a non-empty sequence of Scenario")
    params = [p for sc in scenarios for p in sc.params]
    sizes = np.array([p.size for p in params], dtype=np.intp)
    stops = np.cumsum(sizes)
    slices = tuple((int(z - n), int(z), p.shape) for z, n, p in zip(stops, sizes, params))
    counts = [len(sc.params) for sc in scenarios]
    firsts = [0] + [int(x) for x in np.cumsum(counts)]
    n_steps = max(sc.n_steps for sc in scenarios)
    grads = np.zeros((n_steps, int(stops[-1])), dtype=np.result_type(*params))
    present = np.zeros((n_steps, len(params)), dtype=bool)
    lrs = np.empty((n_steps, len(scenarios)))
    for s, sc in enumerate(scenarios):
        lrs[:, s] = sc.lrs + sc.lrs[-1:] * (n_steps - sc.n_steps)
        for t, row in enumerate(sc.grads):
            for k, g in enumerate(row, start=firsts[s]):
                if g is not None:
                    a, z, _ = slices[k]
                    grads[t, a:z] = g.reshape(-1)
                    present[t, k] = True
    steps = np.arange(n_steps)[:, None] < np.array([sc.n_steps for sc in scenarios])[None, :]
    member = np.repeat(np.arange(len(params)), sizes)
    owner = np.repeat(np.repeat(np.arange(len(scenarios)), counts), sizes)
    groups = tuple(tuple(range(firsts[s], firsts[s + 1])) for s in range(len(scenarios)))
    flat = np.concatenate([p.reshape(-1) for p in params])
    return ScenarioBatch(scenarios, flat, slices, groups, grads, present, lrs, steps, owner, member)


def _float_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise ValueError(f"dtype must be a floating-point dtype such as float32 or float64; got {dtype!r}")
    return dt


def _check_flag(name: str, value) -> None:
    if value not in (False, True):
        raise ValueError(f"{name} must be one of False, True; got {value!r}")


def arrays(shape: tuple[int, ...], dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``shape``: integers in [-4, 4] times one scale from ``SCALES``."""
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"shape must be a tuple of non-negative integers; got {shape!r}")
    return _arrays(shape, _float_dtype(dtype))


#: strategies drawn inside the composites, built once per argument tuple
_integers = lru_cache(maxsize=None)(st.integers)
_sampled = lru_cache(maxsize=None)(st.sampled_from)
_INT = st.integers(-4, 4)  # an entry of an array, a gradient of a long run
_SCALE = st.sampled_from(SCALES)


@lru_cache(maxsize=None)
def _int_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int8, shape, elements=_INT)


@lru_cache(maxsize=None)
def _arrays(shape: tuple[int, ...], dtype: np.dtype) -> st.SearchStrategy[np.ndarray]:
    def scaled(pair) -> np.ndarray:
        return np.asarray(pair[0].astype(np.float64) * pair[1], dtype=dtype)

    return st.tuples(_int_arrays(shape), _SCALE).map(scaled)


# Every public strategy validates its arguments when it is built (not at the first draw), then
# returns the composite strategy below it (built once per argument tuple).

def parameter_lists(dtype=np.float64, max_params: int = 3) -> st.SearchStrategy[list[np.ndarray]]:
    """1..``max_params`` parameter arrays of shapes from ``SHAPES``."""
    return _parameter_lists(_float_dtype(dtype), check_int("max_params", max_params, 1))


@lru_cache(maxsize=None)
def _shape_lists(choices: tuple[tuple[int, ...], ...], max_size: int) -> st.SearchStrategy[list[tuple[int, ...]]]:
    return st.lists(st.sampled_from(choices), min_size=1, max_size=max_size)


@lru_cache(maxsize=None)
@st.composite
def _parameter_lists(draw, dtype, max_params: int) -> list[np.ndarray]:
    shapes = draw(_shape_lists(SHAPES, max_params))
    return [draw(_arrays(shape, dtype)) for shape in shapes]


def lr_schedules(n_steps: int) -> st.SearchStrategy[list[float]]:
    """``n_steps`` learning rates: each step keeps the previous lr or changes to a new one."""
    return _lr_schedules(check_int("n_steps", n_steps, 1))


_LR = st.sampled_from(LEARNING_RATES)
_LR_OR_KEEP = st.one_of(st.none(), _LR)


@lru_cache(maxsize=None)
def _lr_changes(n: int) -> st.SearchStrategy[list[float | None]]:
    return st.lists(_LR_OR_KEEP, min_size=n, max_size=n)


@lru_cache(maxsize=None)
@st.composite
def _lr_schedules(draw, n_steps: int) -> list[float]:
    first = draw(_LR)
    changes = draw(_lr_changes(n_steps - 1))
    lrs = [first]
    for lr in changes:
        lrs.append(lrs[-1] if lr is None else lr)
    return lrs


def gradient_streams(shapes: list[tuple[int, ...]], n_steps: int, dtype=np.float64,
                     allow_missing: bool = True) -> st.SearchStrategy[list[list[np.ndarray | None]]]:
    """Per step, one gradient per parameter or ``None``; a parameter may start late.

    ``None`` has probability 1/5 per entry and a parameter's first gradient may come up to 3
    steps late (both shrink away).
    """
    shapes = tuple(shapes)
    for shape in shapes:
        arrays(shape, dtype)  # validates each shape
    _check_flag("allow_missing", allow_missing)
    return _gradient_streams(shapes, check_int("n_steps", n_steps, 1), _float_dtype(dtype), allow_missing)


_START = st.integers(0, 3)  # steps before a parameter's first gradient
_GAP = st.integers(0, 4)  # 4: no gradient at this step


@lru_cache(maxsize=4096)
@st.composite
def _gradient_streams(draw, shapes: tuple, n_steps: int, dtype, allow_missing: bool) -> list[list[np.ndarray | None]]:
    starts = [draw(_START) if allow_missing else 0 for _ in shapes]
    arrays_of = [_arrays(shape, dtype) for shape in shapes]
    stream = []
    for step in range(n_steps):
        row = []
        for strategy, start in zip(arrays_of, starts):
            gap = allow_missing and (step < start or draw(_GAP) == 4)
            row.append(None if gap else draw(strategy))
        stream.append(row)
    return stream


def scenarios(dtype=np.float64, max_steps: int = 8, max_params: int = 3,
              allow_missing: bool = True, long_steps: int = 0, overflow: bool = False) -> st.SearchStrategy[Scenario]:
    """A whole conformance run: parameters, lr schedule and gradient stream.

    ``long_steps > max_steps`` adds long runs of up to ``long_steps`` steps (0: short runs only).
    ``overflow=True``: in short runs up to 2 steps carry an inf, -inf or NaN in one gradient
    element (the steps mixed-precision training skips).
    """
    _check_flag("allow_missing", allow_missing)
    _check_flag("overflow", overflow)
    dtype = _float_dtype(dtype)
    short = _scenarios(dtype, check_int("max_steps", max_steps, 1), check_int("max_params", max_params, 1),
                       allow_missing)
    if overflow:
        short = _with_overflow(short)
    if check_int("long_steps", long_steps, 0) <= max_steps:
        return short
    return st.one_of(short, _long_scenarios(dtype, max_steps + 1, long_steps, min(max_params, 2), allow_missing))


OVERFLOWS = (np.inf, -np.inf, np.nan)


_OVERFLOW = st.sampled_from(OVERFLOWS)


@lru_cache(maxsize=None)
def _overflow_steps(n_steps: int) -> st.SearchStrategy[list[int]]:
    at = st.one_of(st.just(0), st.integers(0, n_steps - 1))  # a skipped *first* step is a case of its own
    return st.lists(at, max_size=2)


@st.composite
def _with_overflow(draw, base) -> Scenario:
    """``base`` with an inf/-inf/NaN written into one element of a gradient at up to 2 drawn steps."""
    sc = draw(base)
    grads = [list(row) for row in sc.grads]
    for t in sorted(set(draw(_overflow_steps(sc.n_steps)))):
        present = [i for i, g in enumerate(grads[t]) if g is not None and g.size]
        if present:
            i = draw(_sampled(tuple(present)))
            g = grads[t][i].copy()
            g.reshape(-1)[draw(_integers(0, g.size - 1))] = draw(_OVERFLOW)
            grads[t][i] = g
    return Scenario(sc.params, sc.lrs, tuple(tuple(row) for row in grads))


@lru_cache(maxsize=None)
def _gap_lists(n_steps: int, n_params: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    return st.lists(st.tuples(_integers(0, n_steps - 1), _integers(0, n_params - 1)), max_size=3)


@st.composite
def _long_scenarios(draw, dtype, min_steps: int, max_steps: int, max_params: int, allow_missing: bool) -> Scenario:
    shapes = draw(_shape_lists(LONG_SHAPES, max_params))
    params = [draw(_int_arrays(shape)).astype(dtype) for shape in shapes]
    n_steps = draw(_integers(min_steps, max_steps))
    rng = np.random.default_rng(draw(_integers(0, 2 ** 16)))
    values = [rng.integers(-4, 5, size=(n_steps,) + shape).astype(dtype) for shape in shapes]
    gaps = set(draw(_gap_lists(n_steps, len(shapes)))) if allow_missing else set()
    grads = tuple(tuple(None if (t, i) in gaps else np.array(values[i][t]) for i in range(len(shapes)))
                  for t in range(n_steps))
    return Scenario(tuple(params), tuple(_piecewise_lrs(draw, n_steps)), grads)


_LONG_LR = st.sampled_from(LONG_LEARNING_RATES)


@lru_cache(maxsize=None)
def _lr_change_lists(n_steps: int) -> st.SearchStrategy[list[tuple[int, float]]]:
    return st.lists(st.tuples(_integers(1, n_steps - 1), _LONG_LR), max_size=3)


def _piecewise_lrs(draw, n_steps: int) -> list[float]:
    """A constant lr from ``LONG_LEARNING_RATES`` with up to 3 drawn change points."""
    lrs = [draw(_LONG_LR)] * n_steps
    changes = draw(_lr_change_lists(n_steps))
    for at, lr in sorted(changes):
        lrs[at:] = [lr] * (n_steps - at)
    return lrs


@st.composite
def _scenarios(draw, dtype, max_steps: int, max_params: int, allow_missing: bool) -> Scenario:
    params = draw(_parameter_lists(dtype, max_params))
    n_steps = draw(_integers(1, max_steps))
    lrs = draw(_lr_schedules(n_steps))
    grads = draw(_gradient_streams(tuple(p.shape for p in params), n_steps, dtype, allow_missing))
    return Scenario(tuple(params), tuple(lrs), tuple(tuple(row) for row in grads))
