"""Run an implementation and its reference side by side on one scenario; report the first fault.

Checks made after every step, in this order:

1. ``step`` returns one array of the right shape per parameter (an exception is a failure);
2. the gradient arrays the caller passed are unchanged (no in-place modification);
3. ``|actual - expected| <= tolerance`` elementwise (``proofs.conformance.tolerance``);

State is judged by behaviour only: where an implementation keeps its state (per parameter, one
flat buffer under a group's first parameter, a group-level buffer) is its own business; state
created, lost or shared wrongly shows as a later output that differs from the reference (a zero
buffer created by a skipped step, say, differs once dampening applies to the next gradient).

Then the gradient arrays are overwritten with ``SCRIBBLE`` -- what a framework reusing its
gradient buffers does -- so that an optimizer state aliasing a caller's array shows up later.

Check 3 is made in NumPy on blocks of steps (``CHECKPOINTS``: after steps 8, 16, 32, ... and the
last one, and before any other fault), one array expression per parameter and block instead of one
per step; the failure reported is the same as checking after every step would report -- the first
step at which anything is wrong, at that step the first check that fails, then the first
parameter -- since a mismatch at an earlier step wins over any later fault.  An implementation that
departs keeps running until the end of its block (at most twice the steps up to the fault).

``passes_all`` decides the same checks for many scenarios at once, for a factory that can run them
together (``run_batch``: ``adapters.torch`` of a torch.optim class, one param group per scenario);
it only ever says "all pass" or "not shown", never which scenario fails or how (issue 14, item 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from optproof.proofs.conformance.reference import Expected, Reference
from optproof.proofs.conformance.tolerance import tolerances
from optproof.proofs.strategies import Scenario, stack

__all__ = ["Factory", "Failure", "execute", "passes_all", "check_factory", "PROTOCOL", "SCRIBBLE", "CHECKPOINTS",
           "BATCH"]

Factory = Callable[[list[np.ndarray]], Callable[[list[np.ndarray | None], float], list[np.ndarray]]]
SCRIBBLE = -999.0
#: the values are compared after these steps (and after the last one): blocks of doubling length
CHECKPOINTS = frozenset(2 ** k for k in range(3, 12))
#: scenarios per ``passes_all`` batch (sorted by length, so that few sit idle in a batch)
BATCH = 25
PROTOCOL = "factory(params: list[np.ndarray]) -> step, step(grads, lr) -> list[np.ndarray]"


def check_factory(factory: Factory, dtype=np.float64) -> None:
    """Refuse, before any search, a factory that cannot be checked at all ("not usable").

    It must be callable and turn ``[np.zeros(3, dtype)]`` into a callable step without raising
    (``TypeError`` / ``ValueError`` naming the ``PROTOCOL``).  What the step then does -- raise,
    return the wrong thing, disagree -- is a finding of ``check``, reported as a FAIL.
    """
    if not callable(factory):
        raise TypeError(f"factory must be callable ({PROTOCOL}); got {type(factory).__name__}")
    try:
        step = factory([np.zeros(3, dtype=dtype)])
    except Exception as exc:  # noqa: BLE001 - re-raised as a usage error with the protocol
        raise ValueError(f"factory is not usable: factory([np.zeros(3)]) raised {type(exc).__name__}: {exc} "
                         f"(protocol: {PROTOCOL})") from exc
    if not callable(step):
        raise TypeError(f"factory is not usable: factory([np.zeros(3)]) returned {type(step).__name__}, "
                        f"not a step function (protocol: {PROTOCOL})")


@dataclass(frozen=True)
class Failure:
    """The first disagreement: ``kind`` in {exception, output, gradient_modified, mismatch}."""

    kind: str
    step: int  # 1-based
    param: int
    message: str
    actual: tuple[np.ndarray | None, ...] = ()  # actual params of the failing param per step
    size: float = float("nan")  # largest |actual - expected| of a mismatch
    relative: float = float("nan")  # the same over the largest |expected| (over 1 if that is 0)


def execute(factory: Factory, ref: Reference, sc: Scenario, dtype, scribble: bool = True) -> Failure | None:
    """Return the first ``Failure`` of ``factory`` against ``ref`` on ``sc``, or None."""
    expected = ref.run(list(sc.params), list(sc.lrs), [list(r) for r in sc.grads])
    history: list[list[np.ndarray]] = []
    try:
        step = factory([p.copy() for p in sc.params])
    except Exception as exc:  # noqa: BLE001 - the implementation's error is the finding
        return Failure("exception", 0, 0, f"factory raised {type(exc).__name__}: {exc}")
    checked = 0  # steps whose values are compared already
    for t, (lr, row) in enumerate(zip(sc.lrs, sc.grads), start=1):
        fault = _run_step(step, row, lr, sc, t, history, scribble)
        if fault:  # values are compared up to the step before: an earlier mismatch comes first
            return _check_values(history, expected, checked, t - 1, dtype) or fault
        if t in CHECKPOINTS or t == sc.n_steps:
            mismatch = _check_values(history, expected, checked, t, dtype)
            if mismatch:
                return mismatch
            checked = t
    return None


def passes_all(factory: Factory, ref: Reference, scenarios, dtype, scribble: bool = True) -> bool:
    """True when ``execute`` finds no failure in any of ``scenarios`` -- decided for ``BATCH``
    scenarios at a time by ``factory.run_batch(batch, scribble)`` (the actual parameters after every
    step, (T, N), or None when it cannot tell: checks 1 and 2 are its own) and ``ref.run_batch``.

    Check 3 is the same comparison as ``execute``'s: every step of every scenario, the same
    tolerances.  False means "not shown", never a verdict: the caller runs ``execute`` per scenario.
    """
    order = sorted(scenarios, key=lambda sc: sc.n_steps)
    for k in range(0, len(order), BATCH):
        batch = stack(order[k:k + BATCH])
        actual = factory.run_batch(batch, scribble)
        if actual is None:
            return False
        expected, magnitudes = ref.run_batch(batch)
        tol = tolerances(magnitudes, 1, dtype)
        if np.any(~(np.abs(actual - expected) <= tol) & batch.steps[:, batch.owner]):  # NaN counts as bad
            return False
    return True


def _run_step(step, row, lr: float, sc: Scenario, t: int, history, scribble: bool) -> Failure | None:
    """Step ``t``: checks 1 and 2; appends the outputs (float64 copies) to ``history``."""
    grads = [None if g is None else g.copy() for g in row]
    try:
        out = step(grads, lr)
    except Exception as exc:  # noqa: BLE001
        return Failure("exception", t, 0, f"step raised {type(exc).__name__}: {exc}", _trail(history, 0))
    fault = _check_output(out, sc, t)
    if fault:
        return fault
    history.append([np.array(o, dtype=np.float64) for o in out])
    fault = _check_grads(grads, row, t, history)
    if fault:
        return fault
    if scribble:
        for g in grads:
            if g is not None:
                g[...] = SCRIBBLE
    return None


def _trail(history: list[list[np.ndarray]], i: int) -> tuple[np.ndarray, ...]:
    return tuple(h[i] for h in history)


def _check_output(out, sc: Scenario, t: int) -> Failure | None:
    if not isinstance(out, (list, tuple)) or len(out) != len(sc.params):
        return Failure("output", t, 0, f"step must return a list of {len(sc.params)} arrays; got {type(out).__name__}")
    for i, (o, p) in enumerate(zip(out, sc.params)):
        if np.shape(o) != p.shape:
            return Failure("output", t, i, f"parameter {i} came back with shape {np.shape(o)}, not {p.shape}")
    return None


def _check_grads(passed, original, t: int, history) -> Failure | None:
    for i, (g, g0) in enumerate(zip(passed, original)):
        # equal bytes are equal arrays (same dtype and shape: ``g`` is a copy of ``g0``)
        if g is not None and g.tobytes() != g0.tobytes() and not np.array_equal(g, g0, equal_nan=True):
            return Failure("gradient_modified", t, i,
                           f"the caller's gradient of parameter {i} was modified in place: "
                           f"{_fmt(g0)} became {_fmt(g)}", _trail(history, i))
    return None


def _check_values(history, expected: Expected, done: int, upto: int, dtype) -> Failure | None:
    """Check 3 for steps ``done + 1 .. upto``: the first step with an element out of tolerance,
    at that step the first such parameter (``tolerance.tolerances``, one expression per parameter)."""
    if upto <= done:
        return None
    first = None  # (step, parameter, bad elements of that step)
    for i in range(len(history[0])):
        actual = np.stack([h[i] for h in history[done:upto]])
        exp = np.stack([e[i] for e in expected.params[done:upto]])
        tol = tolerances(np.stack([m[i] for m in expected.magnitudes[done:upto]]), done + 1, dtype)
        bad = ~(np.abs(actual - exp) <= tol)  # NaN counts as bad
        steps = np.flatnonzero(bad.any(axis=tuple(range(1, bad.ndim))))
        if steps.size and (first is None or done + 1 + int(steps[0]) < first[0]):
            k = int(steps[0])
            first = (done + 1 + k, i, actual[k], exp[k], tol[k], bad[k])
    if first is None:
        return None
    t, i, actual, exp, tol, bad = first
    size = float(np.max(np.where(np.isnan(actual), np.inf, np.abs(actual - exp))))
    return Failure("mismatch", t, i, f"parameter {i} differs by up to {size:.3g} "
                   f"(tolerance {float(np.max(tol[bad])):.3g})", _trail(history[:t], i), size,
                   size / (float(np.max(np.abs(exp), initial=0.0)) or 1.0))


def _fmt(a) -> str:
    return np.array2string(np.asarray(a), precision=6, separator=", ", threshold=12)
